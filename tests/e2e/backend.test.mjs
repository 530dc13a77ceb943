// WebGPU where the browser offers an adapter, the CPU otherwise, and the switch between them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, THREADED_CPU, launchBrowser, serveDist } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

/** Opens Hearth at `origin`; false (and the test skipped) where this Chromium offers no
 * WebGPU adapter even with the software-adapter flags. */
async function openWithAdapter(app, origin, t) {
  await app.open(origin);
  const adapter = await app.page.evaluate(async () => Boolean(navigator.gpu && (await navigator.gpu.requestAdapter())));
  if (!adapter) t.skip("this Chromium offers no WebGPU adapter even with the software-adapter flags");
  return adapter;
}

test("WebGPU is used where an adapter exists, and Force CPU switches and is remembered", async (t) => {
  const browser = await launchBrowser({ webgpu: true });
  try {
    const app = new HearthPage(await browser.newPage());
    if (!(await openWithAdapter(app, server.origin, t))) return;
    // The CPU engine first (small, quick); the WebGPU engine loads in the background
    // and takes over once it has booted.
    await app.waitForEngine(180_000);
    await app.waitForWebGpu();
    assert.equal(await app.backend().innerText(), "Backend: WebGPU");
    assert.ok(server.requests.includes("200 /engine-mt_bg.wasm"), "the (threaded) CPU engine loaded first");
    assert.ok(server.requests.includes("200 /engine-gpu_bg.wasm"), "then the WebGPU engine");
    const { first, last } = await app.runEngineCheck({ on: /^WebGPU$/, timeout: 180_000 });
    assert.ok(last < first, `loss did not fall on WebGPU: ${first} → ${last}`);
    await app.screenshot("engine-check-webgpu");
    await app.page.getByLabel("Force CPU").check();
    await app.page.getByText("Engine ready on CPU (WebAssembly SIMD)", { exact: false }).waitFor();
    // The WebGPU engine in use trains on its CPU (one thread); after a reload the page
    // starts the CPU engine, the threaded one.
    assert.equal(await app.backend().innerText(), "Backend: CPU (WebAssembly SIMD)");
    await app.page.reload();
    await app.waitForEngine();
    assert.match(await app.backend().innerText(), THREADED_CPU);
    assert.ok(await app.page.getByLabel("Force CPU").isChecked());
    await app.page.getByLabel("Force CPU").uncheck();
    await app.page.getByText(/^Engine ready on WebGPU/).waitFor({ timeout: 180_000 });
    await app.screenshot("backend-webgpu");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

/** Runs in the engine's worker before WebGPU starts: keeps every GPU device it asks for. */
function keepGpuDevices() {
  if (!self.GPUAdapter || self.__hearthDevices) return;
  self.__hearthDevices = [];
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.__hearthDevices.push(device);
    return device;
  };
}

test("a GPU device lost mid-run: training goes on on the CPU from the last finished epoch", async (t) => {
  const browser = await launchBrowser({ webgpu: true });
  try {
    const page = await browser.newPage();
    const workers = [];
    page.on("worker", (worker) => {
      workers.push(worker);
      worker.evaluate(keepGpuDevices).catch(() => {});
    });
    const app = new HearthPage(page);
    if (!(await openWithAdapter(app, server.origin, t))) return;
    await app.waitForWebGpu();
    assert.equal(await app.backend().innerText(), "Backend: WebGPU");
    // The CPU engine's worker has ended by now: only the WebGPU engine's answers.
    const kept = await Promise.all(workers.map((worker) => worker.evaluate(() => self.__hearthDevices?.length ?? 0).catch(() => 0)));
    assert.ok(kept.some((count) => count > 0), "the test could not reach the engine's GPU device");

    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.step("Model").click();
    await page.getByTestId("preset-mlp").click();
    await app.step("Train").click();
    // A trial would choose the CPU over this software adapter: train on WebGPU outright.
    await page.getByTestId("prefer-webgpu").check();
    await app.waitForWebGpu();
    await app.setTraining({ epochs: "30", "learning-rate": "0.01", "batch-size": "16" });
    await page.getByTestId("train").click();
    const history = page.getByTestId("history").locator("tbody tr");
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="history"] tbody tr').length >= 3,
      null,
      { timeout: 180_000 },
    );
    // The GPU goes away, as when a driver resets.
    await Promise.all(workers.map((worker) => worker.evaluate(() => self.__hearthDevices?.forEach((device) => device.destroy())).catch(() => {})));
    const notice = page.getByTestId("train-notice");
    await notice.getByText(/^WebGPU stopped working/).waitFor({ timeout: 60_000 });
    const text = await notice.innerText();
    const from = Number(text.match(/from the end of epoch (\d+), the last one finished/)?.[1]);
    assert.ok(from >= 3, `the notice: ${text}`);
    assert.match(text, /Training goes on on the CPU \(WebAssembly SIMD\)/);
    await page.getByTestId("run-state").getByText(/^Done: trained 30 epochs/).waitFor({ timeout: 180_000 });
    assert.equal(await app.backend().innerText(), "Backend: CPU (WebAssembly SIMD)");
    assert.equal(await history.count(), 30);
    const epochs = await page.getByTestId("history").locator("tbody tr td:first-child").allTextContents();
    assert.deepEqual(epochs.map(Number), Array.from({ length: 30 }, (_, index) => index + 1));
    const latest = await page.getByTestId("train-latest").innerText();
    const accuracy = Number(latest.match(/validation accuracy ([\d.]+)%/)?.[1]);
    assert.ok(accuracy > 80, `after the switch: ${latest}`);
    await app.screenshot("device-lost-fallback");
    // The model trained across both backends predicts.
    await app.step("Use & share").click();
    await page.getByTestId("pick-test-row").click();
    await page.getByText(/\(true value: \w+\)/).waitFor();
  } finally {
    await browser.close();
  }
});

test("work moves onto the WebGPU engine when it is ready, with the data, settings and model kept", async (t) => {
  // The WebGPU engine arrives once the user has trained on the CPU engine (held back by
  // the server until then), so that a trained model and its evaluation are handed over.
  let release;
  const gpuEngine = new Promise((done) => { release = done; });
  const held = await serveDist({ delays: { "/engine-gpu_bg.wasm": gpuEngine } });
  const browser = await launchBrowser({ webgpu: true });
  try {
    const app = new HearthPage(await browser.newPage());
    const page = app.page;
    if (!(await openWithAdapter(app, held.origin, t))) return;
    // Work begins on the CPU engine while the WebGPU engine downloads and compiles.
    await app.waitForEngine(180_000);
    assert.match(await app.engineStatus().innerText(), /^Engine ready on CPU \(WebAssembly SIMD\) \((the WebGPU engine is loading|looking for WebGPU)/);
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.train({ preset: "mlp", settings: { epochs: "20", "learning-rate": "0.01" }, timeout: 180_000 });
    assert.match(await app.backend().innerText(), THREADED_CPU);
    await app.setTraining({ "learning-rate": "0.02" });
    await app.step("Evaluate").click();
    const headline = await page.getByTestId("eval-headline").innerText();
    assert.match(headline, /^Accuracy [\d.]+% on \d+ test samples/);
    release();
    await app.waitForWebGpu();
    // The same data, settings and model on the new engine, scored as before.
    assert.equal(await app.backend().innerText(), "Backend: WebGPU");
    await page.getByTestId("eval-headline").getByText(headline, { exact: true }).waitFor({ timeout: 60_000 });
    await app.step("Data").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.step("Train").click();
    assert.equal(await page.getByTestId("learning-rate").inputValue(), "0.02");
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/trained in this session|kept in this browser/).waitFor({ timeout: 60_000 });
    await page.getByTestId("pick-test-row").click();
    await page.getByText(/\(true value: \w+\)/).waitFor({ timeout: 60_000 });
    // And training runs on WebGPU.
    await app.train({ preset: "mlp", settings: { epochs: "2" }, timeout: 300_000 });
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    release();
    await browser.close();
    await held.close();
  }
});

/** The Evaluate step's cost table, as { row: value }. */
async function cost(app) {
  await app.step("Evaluate").click();
  const rows = app.page.getByTestId("cost").locator("tr");
  await rows.first().waitFor({ timeout: 30_000 });
  return Object.fromEntries(await rows.evaluateAll((rows) => rows.map((row) => [row.cells[0].innerText, row.cells[1].innerText])));
}

test("a model's first run trains on the faster backend by a trial: on a software adapter, the CPU; the user can choose WebGPU outright", async (t) => {
  const browser = await launchBrowser({ webgpu: true });
  try {
    const app = new HearthPage(await browser.newPage());
    const page = app.page;
    if (!(await openWithAdapter(app, server.origin, t))) return;
    await app.waitForWebGpu();
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.train({ preset: "mlp", settings: { epochs: "3", "learning-rate": "0.01", "batch-size": "16" }, done: /^Done: trained 3 epochs/ });
    const verdict = page.getByTestId("backend-verdict");
    const text = await verdict.innerText();
    // The software adapter either runs slower steps, or has not finished its first (shader
    // compiling) steps within its limit, 5 s here.
    assert.match(text, /^Training on the CPU: a trial of this model ran [\d.]+ steps\/s there(?: against [\d.]+ on WebGPU \([\d.]+×\)|, and WebGPU had not finished its first steps after [\d.]+ s)\.$/);
    assert.equal(await verdict.getAttribute("data-chosen"), "CPU (WebAssembly SIMD)");
    const [cpu, webgpu] = [Number(await verdict.getAttribute("data-cpu")), Number(await verdict.getAttribute("data-webgpu"))];
    assert.ok(cpu > 0 && cpu > webgpu, `CPU ${cpu} steps/s, WebGPU ${webgpu}`);
    console.log(`trial on this machine's software adapter: CPU ${cpu.toFixed(1)} steps/s, WebGPU ${webgpu.toFixed(1)}`);
    await app.screenshot("backend-trial");
    assert.equal((await cost(app))["Backend"], "CPU (WebAssembly SIMD)");
    assert.equal(await app.backend().innerText(), "Backend: WebGPU", "the engine still offers WebGPU");

    // The user's choice overrides the trial, and is remembered.
    await app.step("Train").click();
    await page.getByTestId("prefer-webgpu").check();
    await app.waitForWebGpu();
    await page.getByTestId("train").click();
    await page.getByTestId("run-state").getByText(/^Done: trained 3 epochs/).waitFor({ timeout: 180_000 });
    assert.equal(await page.getByTestId("backend-verdict").count(), 0, "no trial when WebGPU is chosen");
    assert.equal((await cost(app))["Backend"], "WebGPU");
    await page.reload();
    await app.waitForWebGpu();
    await app.step("Train").click();
    assert.ok(await page.getByTestId("prefer-webgpu").isChecked());
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
