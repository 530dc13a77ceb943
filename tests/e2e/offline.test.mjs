// Offline and installable: after one visit Hearth opens, classifies a drawn digit, loads
// MNIST, trains and downloads a model with the server gone and the browser offline; a new
// build is offered, never forced under a run, and the session survives the reload into
// it; Chromium finds the app installable.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeServiceWorker } from "../../scripts/offline.mjs";
import { DIST, HearthPage, ONE, draw, launchBrowser, predicted, serveDist } from "./harness.mjs";

const open = [];
after(async () => {
  for (const thing of open) await thing.close();
});

/** Serves `root` (dist/ unless told), opens the app in a fresh profile; both are closed
 * after the tests. `onPage` sees the page before it opens the app. */
async function openApp({ root, onPage, isolated = true } = {}) {
  const server = await serveDist({ isolated, ...(root ? { root } : {}) });
  open.push(server);
  const browser = await launchBrowser();
  open.push(browser);
  const page = await browser.newPage();
  await onPage?.(page);
  const app = new HearthPage(page);
  await app.open(server.origin);
  return { server, browser, app, page: app.page };
}

/** Requests that failed, anywhere in the browser (page, workers, service worker). */
function failures(context) {
  const failed = [];
  context.on("requestfailed", (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  return failed;
}

test("after one visit, Hearth opens and works with the network gone", async () => {
  const { server, browser, app, page } = await openApp();
  await app.waitForEngine();
  // MNIST, and the threaded engine the page runs (the tests' server isolates the page): the
  // service worker does not precache it, since a page that is not isolated never loads it.
  assert.deepEqual((await app.waitUntilKeptOffline()).sort(), ["/engine-mt.js", "/engine-mt_bg.wasm", "/mnist-10k.bin.gz"]);

  await server.close();
  await browser.setOffline(true);
  const failed = failures(browser);
  await page.reload();
  await app.waitForEngine();
  // The first screen: the pad with the pretrained digit model, beside the data choices.
  await page.getByTestId("draw-first").getByTestId("pad").waitFor({ timeout: 60_000 });
  await app.screenshot("offline-first-screen");
  await draw(page, ONE);
  assert.equal(await predicted(page), "1");
  await app.screenshot("offline-drawn");

  await page.getByTestId("builtin-mnist").click();
  await page.getByTestId("no-data").waitFor({ state: "detached", timeout: 120_000 });
  assert.equal(await page.getByTestId("data-problem").count(), 0);
  await app.train({ preset: "mlp", settings: { epochs: "1" }, timeout: 300_000 });
  // Every step's chunk came from the service worker's cache.
  await app.step("Evaluate").click();
  await page.getByTestId("eval-headline").waitFor({ timeout: 60_000 });
  await app.step("Use & share").click();
  const download = await app.download("download-model");
  const file = await download.path();
  assert.equal(readFileSync(file).subarray(8, 9).toString(), "{", "a safetensors file");
  await app.screenshot("offline-trained");
  assert.deepEqual(failed, []);
  assert.deepEqual(app.consoleErrors, []);
});

test("a step whose code cannot be fetched says so, keeps the session, and opens once the network is back", async () => {
  // The network fails for the Model step's chunk, from the start: the page's fetching of
  // the chunks once it is usable fails for it (as it would for a visitor who went offline
  // before then), and the step cannot open.
  const chunk = /\/split_model_step-[0-9a-f]{16}\.wasm$/;
  const { browser, app, page } = await openApp({
    onPage: (page) => page.context().route(chunk, (route) => route.abort("internetdisconnected")),
  });
  await page.getByTestId("builtin-iris").click();
  await page.getByTestId("no-data").waitFor({ state: "detached", timeout: 60_000 });
  await app.step("Model").click();
  const problem = page.getByTestId("chunk-not-fetched");
  await problem.waitFor({ timeout: 60_000 });
  assert.match(await problem.innerText(), /could not be opened.*Reconnect, then try again/s);
  await app.screenshot("chunk-not-fetched");
  // The rest of the page still works: the data set is still loaded.
  await app.step("Data").click();
  await page.getByTestId("data-shape").waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId("no-data").count(), 0, "the loaded data set is kept");
  // Back on the step, still offline: the same message; then the network is back.
  await app.step("Model").click();
  await problem.waitFor({ timeout: 60_000 });
  await browser.unroute(chunk);
  await problem.getByRole("button", { name: "Try again" }).click();
  await page.getByTestId("panel-model").getByTestId("preset-mlp").waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("chunk-not-fetched").count(), 0);
  // The failed fetches were logged by the loader; nothing else went wrong.
  assert.deepEqual(app.consoleErrors.filter((line) => !/split_model_step|INTERNET_DISCONNECTED|Failed to fetch|TypeError/i.test(line)), []);
});

test("a new build is offered, waits for a run to end, and the session survives the reload", async () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-deploy-"));
  cpSync(DIST, root, { recursive: true });
  const { app, page } = await openApp({ root });
  await app.waitForEngine();
  await app.waitUntilKeptOffline();
  await page.getByTestId("builtin-iris").click();
  await page.getByTestId("no-data").waitFor({ state: "detached", timeout: 60_000 });
  const firstCache = await page.evaluate(() => caches.keys());
  assert.equal(firstCache.length, 1);

  // A new build is deployed: index.html changes, so does the service worker's build id.
  const html = readFileSync(join(root, "index.html"), "utf8");
  writeFileSync(join(root, "index.html"), html.replace("<title>", '<meta name="hearth-test-build" content="second"><title>'));
  for (const stale of ["index.html.br", "index.html.gz", "sw.js.br", "sw.js.gz"]) rmSync(join(root, stale), { force: true });
  const second = writeServiceWorker(root);
  await page.evaluate(() => window.hearthOffline.checkForUpdate());
  const banner = page.getByTestId("update-banner");
  await banner.waitFor({ timeout: 60_000 });
  assert.match(await banner.innerText(), /A new version of Hearth is ready/);
  assert.deepEqual((await page.evaluate(() => caches.keys())).sort(), [...firstCache, `hearth-${second.id}`].sort());

  // Nothing is swapped under a running training.
  await app.step("Model").click();
  await page.getByTestId("preset-mlp").click();
  await app.step("Train").click();
  await app.setTraining({ epochs: "2000" });
  await page.getByTestId("train").click();
  await page.getByTestId("run-state").getByText(/^Training$/).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("apply-update").isDisabled(), true);
  await page.getByTestId("pause").click();
  await page.getByTestId("run-state").getByText(/^Paused$/).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("apply-update").isDisabled(), true, "a paused run is still a run");
  await app.screenshot("update-waits-for-training");
  await page.getByTestId("stop").click();
  await page.getByTestId("run-state").getByText(/^Done: /).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("apply-update").isDisabled(), false);

  await Promise.all([page.waitForEvent("load", { timeout: 60_000 }), page.getByTestId("apply-update").click()]);
  await app.waitForEngine();
  assert.equal(await page.locator('meta[name="hearth-test-build"]').getAttribute("content"), "second");
  // The session is back: the step, the data, the run's history; the old cache is gone.
  assert.equal(await page.getByTestId("step-train").getAttribute("aria-current"), "step");
  await app.step("Data").click();
  await page.getByTestId("no-data").waitFor({ state: "detached", timeout: 60_000 });
  assert.deepEqual(await page.evaluate(() => caches.keys()), [`hearth-${second.id}`]);
  assert.equal(await page.getByTestId("update-banner").count(), 0);
  assert.deepEqual(app.consoleErrors, []);
});

test("Chromium finds Hearth installable", async () => {
  const { server, browser, page } = await openApp();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  const cdp = await browser.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, []);
  const { errors, url } = await cdp.send("Page.getAppManifest");
  assert.deepEqual(errors, []);
  assert.equal(url, `${server.origin}/manifest.webmanifest`);
  const manifest = JSON.parse(readFileSync(join(DIST, "manifest.webmanifest"), "utf8"));
  assert.equal(manifest.display, "standalone");
  for (const size of ["192x192", "512x512"]) {
    assert.ok(manifest.icons.some((icon) => icon.sizes === size && icon.type === "image/png"), `a ${size} icon`);
  }
});

/** A first visit until a drawn digit is classified: the bytes of the page and of what it
 * waits for, checked against `ceiling`. `isolated` serves the page cross-origin isolated,
 * where it loads the threaded CPU engine (`engine`: "engine-mt"), or not ("engine"). */
async function firstVisit({ isolated, engine, ceiling }) {
  // What the page and its workers asked for (not the service worker, which keeps the whole
  // build for offline use in the background once the page is usable, the steps' chunks too).
  const asked = new Set();
  const { server, page } = await openApp({
    isolated,
    onPage: (page) => page.on("request", (request) => asked.add(new URL(request.url()).pathname)),
  });
  const sum = (filter) =>
    Object.entries(server.bytesByPath()).filter(([path]) => asked.has(path) && filter(path)).reduce((total, [, bytes]) => total + bytes, 0);
  // The page's chunks (the steps after Data, the data views) are fetched in the background
  // once the page is usable; a drawn digit does not wait for them.
  const chunk = (path) => /^\/(split|chunk)_\w+-[0-9a-f]{16}\.wasm$/.test(path);
  const pageFiles = (path) => !/^\/(engine|digits|mnist|sw\.js|icons|manifest)/.test(path) && !chunk(path);
  await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /Model/ }).waitFor();
  const pageBytes = sum(pageFiles);
  assert.ok(![...asked].some(chunk), `no chunk before the page is interactive: ${[...asked].join(", ")}`);
  await page.getByTestId("draw-first").getByTestId("pad").waitFor({ timeout: 120_000 });
  await draw(page, ONE);
  assert.equal(await predicted(page), "1");
  // What the classification needed: the page, the CPU engine, the digit model. Not the
  // WebGPU engine (this browser has no adapter) nor MNIST (kept for offline use later).
  const engineFiles = [`/${engine}.js`, `/${engine}_bg.wasm`, "/engine-loader.js", "/digits.safetensors"];
  const needed = sum((path) => pageFiles(path) || engineFiles.includes(path));
  for (const path of [`/${engine}_bg.wasm`, "/digits.safetensors"]) assert.ok(asked.has(path), `the page's engine asked for ${path}`);
  const other = engine === "engine" ? "/engine-mt_bg.wasm" : "/engine_bg.wasm";
  assert.ok(!asked.has(other), `${other} was not loaded`);
  const requested = server.requests.map((request) => request.split(" ")[1]);
  assert.ok(!requested.some((path) => path.startsWith("/engine-gpu")), "no WebGPU engine without an adapter");
  console.log(`first visit (${engine}): the page ${pageBytes} bytes until interactive; ${needed} bytes until a drawn digit was classified`);
  // Issue 21 asks for 250 KB for the page and 1.5 MB until a drawn digit is classified.
  assert.ok(pageBytes <= 250_000, `the page's own bytes until interactive: ${pageBytes}`);
  assert.ok(needed <= ceiling, `bytes until a drawn digit was classified: ${needed}`);
  // Then the chunks come, and a step opens from its own.
  await page.getByTestId("step-model").click();
  await page.getByTestId("panel-model").getByTestId("preset-mlp").waitFor({ timeout: 60_000 });
  assert.ok([...asked].some((path) => /^\/split_model_step-[0-9a-f]{16}\.wasm$/.test(path)), "the Model step's chunk");
}

test("the first visit's bytes: the page, then the CPU engine and the digit model, and nothing else it waits for", async () => {
  // Issue 21's 1.5 MB holds for a page that is not cross-origin isolated (the single-threaded
  // engine): 1,493,407 bytes on 2026-12-06 (it was 1,516,713 after issue 25's trainer
  // changes, until the engine crate was built for size and imagesize for the browser's
  // formats only). An isolated page loads the threaded engine, larger with Brotli (atomics,
  // the pool, its JavaScript glue: 1,514,901 bytes on 2026-12-06): its ceiling is 1.55 MB,
  // raised on purpose for training on every core (issue 25).
  await firstVisit({ isolated: false, engine: "engine", ceiling: 1_500_000 });
  await firstVisit({ isolated: true, engine: "engine-mt", ceiling: 1_550_000 });
});
