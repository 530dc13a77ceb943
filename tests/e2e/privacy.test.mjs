// Private by construction: the page never talks to another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST, HearthPage, draw, fakeMedia, launchBrowser, serveDist } from "./harness.mjs";

/** The build's own files, as the service worker lists them (dist/sw.js's BUILD). */
function buildFiles(origin) {
  const source = readFileSync(join(DIST, "sw.js"), "utf8");
  const build = JSON.parse(source.match(/^const BUILD = ([\s\S]*?\});$/m)[1]);
  // sw.js itself too: the browser fetches it to register it, and to look for a new build.
  return new Set([...build.core, ...build.later, "sw.js"].map((path) => `${origin}/${path}`));
}

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

test("every request the page and its worker make stays on the page's origin", async () => {
  const browser = await launchBrowser();
  const requests = [];
  browser.on("request", (request) => requests.push(`${request.method()} ${request.url()}`));
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await app.waitForEngine();
    const loaded = requests.length;
    await app.runEngineCheck();
    // Using data sends nothing: an uploaded file goes to the worker in the browser. What
    // may be fetched after load is the build's own files (MNIST, fetched when chosen and
    // kept for offline use), by GET, from the page's origin.
    await app.step("Data").click();
    await app.page.getByTestId("builtin-mnist").click();
    await app.page.getByTestId("image-classes").waitFor();
    await app.page.getByTestId("upload-csv").setInputFiles({
      name: "private.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("email,score,label\nann@example.com,1,a\nbob@example.com,2,b\ncy@example.com,3,a\ndi@example.com,4,b\n"),
    });
    await app.page.getByTestId("data-name").getByText("private.csv").waitFor();
    const own = buildFiles(server.origin);
    const others = requests.slice(loaded).filter((request) => !(request.startsWith("GET ") && own.has(request.slice(4))));
    assert.deepEqual(others, [], "requests after the page had loaded, other than GETs of its own files");
    assert.ok(requests.slice(loaded).includes(`GET ${server.origin}/mnist-10k.bin.gz`), "MNIST was fetched when chosen");
    for (const title of ["Model", "Evaluate", "Use & share"]) await app.step(title).click();
    const foreign = requests.filter((request) => !request.includes(` ${server.origin}/`) && !request.includes(" data:"));
    assert.deepEqual(foreign, []);
    assert.ok(requests.some((request) => /\/engine(-mt)?_bg\.wasm$/.test(request)), "the worker's own requests were recorded");
  } finally {
    await browser.close();
  }
});

/** Opens the app in a fresh browser (with the flags `args`) and waits until loading is
 * over: the engine ready, the pretrained digit model in use, and the service worker
 * keeping the large files for offline use. `sent()` is what was requested since, other
 * than the page's own blob: and data: URLs; `requests` all of it. */
async function openLoaded(args = []) {
  const browser = await launchBrowser({ args });
  const requests = [];
  browser.on("request", (request) => requests.push(request.url()));
  const app = new HearthPage(await browser.newPage());
  await app.open(server.origin);
  await app.waitForEngine();
  await app.step("Use & share").click();
  await app.page.getByTestId("model-name").getByText(/pretrained/).waitFor({ timeout: 60_000 });
  await app.waitUntilKeptOffline(60_000);
  const loaded = requests.length;
  const sent = () => requests.slice(loaded).filter((url) => !url.startsWith("blob:") && !url.startsWith("data:"));
  return { browser, app, page: app.page, requests, sent };
}

test("a whole journey (upload, train, evaluate, predict, download, save) sends no request at all", async () => {
  const { browser, app, page, requests, sent } = await openLoaded();
  try {

    await app.step("Data").click();
    const rows = ["sepal_length,sepal_width,petal_length,petal_width,species"];
    const iris = (await import("node:fs")).readFileSync(new URL("../../crates/core/assets/iris.csv", import.meta.url), "utf8");
    rows.push(...iris.trim().split("\n").slice(1));
    await page.getByTestId("upload-csv").setInputFiles({ name: "flowers.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
    await page.getByTestId("data-name").getByText("flowers.csv").waitFor();
    await page.getByTestId("target-select").selectOption("species");
    await app.train({ preset: "mlp", settings: { epochs: "10" }, timeout: 120_000 });
    await app.step("Evaluate").click();
    await page.getByTestId("cell-0-0").click();
    await page.getByTestId("cell-samples").waitFor();
    await app.step("Use & share").click();
    await page.getByTestId("pick-test-row").click();
    await page.getByText(/\(true value: \w+\)/).waitFor();
    const download = await app.download("download-model");
    assert.match(download.suggestedFilename(), /\.safetensors$/);
    const python = await app.download("download-pytorch");
    assert.match(python.suggestedFilename(), /\.py$/);
    await page.getByTestId("save-model").click();
    await page.getByTestId("saved-models").waitFor();

    // Downloads are made in the page (blob: URLs); nothing goes over the network.
    assert.deepEqual(sent(), [], "requests during the journey");
    const foreign = requests.filter((url) => !url.startsWith(server.origin + "/") && !/^(blob|data):/.test(url));
    assert.deepEqual(foreign, []);
    // The page says so.
    assert.match(await page.locator(".tagline").innerText(), /Your data never leaves this device/);
    // And all of it ran under the strict Content-Security-Policy (see the test below).
    assert.deepEqual(app.policyViolations, []);
  } finally {
    await browser.close();
  }
});

test("capturing from the camera, the pad and the microphone sends nothing: frames, drawings and sounds stay in the page", async () => {
  const { browser, app, page, sent } = await openLoaded(fakeMedia());
  try {
    await app.step("Data").click();
    await page.getByTestId("open-camera-capture").click();
    await page.getByTestId("camera-on").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="camera-preview"]').videoWidth > 0, null, { timeout: 30_000 });
    for (const index of [0, 1]) {
      await page.getByTestId(`record-${index}`).focus();
      await page.keyboard.down(" ");
      await page.waitForTimeout(400);
      await page.keyboard.up(" ");
    }
    await page.getByTestId("capture-class-1").locator("img").first().waitFor();
    await page.getByTestId("load-captured").click();
    await page.getByTestId("image-classes").waitFor({ timeout: 60_000 });
    await page.getByTestId("open-drawn-capture").click();
    await draw(page, [[0.2, 0.2], [0.8, 0.8]], "sketch-pad");
    await page.getByTestId("add-drawing-0").click();
    await page.getByTestId("capture-count-0").getByText("1 example").waitFor();
    // Sounds: a second from the microphone, played back.
    await page.getByTestId("open-sound-capture").click();
    await page.getByTestId("mic-on").click();
    // The record buttons are enabled once the microphone is on ("Turn off" shows while it
    // starts: Space on it would turn it off again).
    await page.locator('[data-testid="record-0"]:enabled').waitFor();
    await page.getByTestId("record-0").focus();
    await page.keyboard.down(" ");
    await page.waitForTimeout(1300);
    await page.keyboard.up(" ");
    await page.getByTestId("sound-capture").getByTestId("play-sample").first().click();

    assert.deepEqual(sent(), [], "requests while capturing");
    assert.deepEqual(app.policyViolations, []);
  } finally {
    await browser.close();
  }
});

test("the page and its worker run under a strict Content-Security-Policy that is enforced", async () => {
  // The built page: the policy first in <head>, and no inline script or handler.
  const html = await (await fetch(`${server.origin}/`)).text();
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  const policy = meta?.[1];
  assert.ok(policy, "the page has the policy");
  assert.ok(meta.index < html.search(/<(script|link|style)[\s>]/), "before anything that loads");
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(policy, /connect-src 'self'(;|$)/);
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*/);
  for (const [, attrs, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(attrs, /\ssrc=/, "every script is a file");
    assert.equal(body.trim(), "");
  }
  const worker = await fetch(`${server.origin}/engine-loader.js`);
  assert.equal(worker.headers.get("content-security-policy"), policy, "the worker gets it as a header");

  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    const page = app.page;
    await app.open(server.origin);
    await app.waitForEngine();
    await app.runEngineCheck();
    // Draw a digit and read the prediction: canvas, the worker and the model all work.
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/pretrained/).waitFor({ timeout: 60_000 });
    assert.deepEqual(app.policyViolations, []);
    assert.deepEqual(app.consoleErrors, []);

    // The policy is enforced, not just present: what it forbids fails in this page.
    const refused = await page.evaluate(async () => {
      const results = {};
      const button = document.createElement("button");
      button.setAttribute("onclick", "window.handled = true");
      document.body.append(button);
      button.click();
      button.remove();
      results.handler = window.handled === true ? "ran" : "blocked";
      try { await fetch("http://127.0.0.2:9/exfiltrate", { mode: "no-cors" }); results.fetch = "sent"; } catch (error) { results.fetch = error.name; }
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.head.append(script);
      results.inline = window.injected === true ? "ran" : "blocked";
      return results;
    });
    assert.deepEqual(refused, { handler: "blocked", fetch: "TypeError", inline: "blocked" });
    assert.ok(app.policyViolations.length >= 3, app.policyViolations.join("\n"));
  } finally {
    await browser.close();
  }
});
