// Private by construction: the page never talks to another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

test("every request the page and its worker make stays on the page's origin", async () => {
  const browser = await launchBrowser();
  const requests = [];
  browser.on("request", (request) => requests.push(request.url()));
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await app.waitForEngine();
    await app.runEngineCheck();
    for (const title of ["Data", "Model", "Evaluate", "Use & share"]) await app.step(title).click();
    const foreign = requests.filter((url) => !url.startsWith(server.origin + "/") && !url.startsWith("data:"));
    assert.deepEqual(foreign, []);
    assert.ok(requests.some((url) => url.endsWith("/engine_bg.wasm")), "the worker's own requests were recorded");
  } finally {
    await browser.close();
  }
});
