// WebGPU where the browser offers an adapter, the CPU otherwise, and the switch between them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

test("WebGPU is used where an adapter exists, and Force CPU switches and is remembered", async (t) => {
  const browser = await launchBrowser({ webgpu: true });
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    const adapter = await app.page.evaluate(async () => Boolean(navigator.gpu && (await navigator.gpu.requestAdapter())));
    if (!adapter) {
      t.skip("this Chromium offers no WebGPU adapter even with the software-adapter flags");
      return;
    }
    await app.waitForEngine(180_000);
    assert.equal(await app.backend().innerText(), "Backend: WebGPU");
    const { first, last } = await app.runEngineCheck({ on: /^WebGPU$/, timeout: 180_000 });
    assert.ok(last < first, `loss did not fall on WebGPU: ${first} → ${last}`);
    await app.screenshot("engine-check-webgpu");
    await app.page.getByLabel("Force CPU").check();
    await app.page.getByText("Engine ready on CPU (WebAssembly SIMD)", { exact: false }).waitFor();
    assert.equal(await app.backend().innerText(), "Backend: CPU (WebAssembly SIMD)");
    await app.page.reload();
    await app.waitForEngine();
    assert.equal(await app.backend().innerText(), "Backend: CPU (WebAssembly SIMD)");
    assert.ok(await app.page.getByLabel("Force CPU").isChecked());
    await app.page.getByLabel("Force CPU").uncheck();
    await app.page.getByText(/^Engine ready on WebGPU/).waitFor({ timeout: 180_000 });
    await app.screenshot("backend-webgpu");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
