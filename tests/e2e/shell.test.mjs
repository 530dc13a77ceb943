// The app shell as a new user meets it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, THREADED_CPU, launchBrowser, serveDist } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

test("the shell shows the name, the five steps and the CPU backend, with no console errors", async () => {
  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await assert.doesNotReject(app.page.getByRole("heading", { name: "Hearth", level: 1 }).waitFor());
    const steps = await app.page.getByRole("navigation", { name: "Steps" }).getByRole("button").allInnerTexts();
    assert.deepEqual(steps.map((text) => text.replace(/^\d+\s*/, "").trim()), ["Data", "Model", "Train", "Evaluate", "Use & share"]);
    await app.waitForEngine();
    assert.match(await app.backend().innerText(), THREADED_CPU);
    await app.step("Model").click();
    assert.match(await app.page.getByTestId("panel-model").innerText(), /Stack layers/);
    await app.screenshot("shell-1280");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("the page is usable and shows loading progress before the engine is ready", async () => {
  const slow = await serveDist({ delays: { "/engine_bg.wasm": 4000, "/engine-mt_bg.wasm": 4000 } });
  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    const started = Date.now();
    await app.open(slow.origin);
    await app.step("Evaluate").click();
    await app.page.getByTestId("panel-evaluate").waitFor();
    const usableAfter = Date.now() - started;
    assert.match(await app.engineStatus().innerText(), /^Loading the engine/);
    assert.ok(usableAfter < 4000, `the page answered a click only after ${usableAfter} ms`);
    await app.waitForEngine();
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
    await slow.close();
  }
});

test("the engine check trains a tiny network in the worker and its loss falls", async () => {
  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await app.waitForEngine();
    const { first, last } = await app.runEngineCheck({ on: /^CPU \(WebAssembly SIMD, \d+ threads\)$/ });
    assert.ok(last < first, `loss did not fall: ${first} → ${last}`);
    await app.screenshot("engine-check");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("a panic shows a readable message on the page, not a blank page", async () => {
  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin, "?debug=panic");
    const alert = app.page.locator("#fatal-error");
    await alert.waitFor({ state: "visible" });
    assert.match(await alert.innerText(), /^Hearth hit a bug and stopped: a test panic.*Reload the page/);
  } finally {
    await browser.close();
  }
});

test("the shell fits a phone screen and its steps work from the keyboard", async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const app = new HearthPage(page);
    await app.open(server.origin);
    await app.waitForEngine();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone screen`);
    await app.step("Data").focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByTestId("panel-model").waitFor();
    assert.equal(await app.step("Model").getAttribute("aria-current"), "step");
    await app.screenshot("shell-390");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
