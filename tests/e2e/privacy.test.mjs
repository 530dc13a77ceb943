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
    const loaded = requests.length;
    await app.runEngineCheck();
    // Using data makes no request at all: built-in sets ship inside the engine, and an
    // uploaded file goes to the worker in the browser.
    await app.step("Data").click();
    await app.page.getByTestId("builtin-mnist").click();
    await app.page.getByTestId("image-classes").waitFor();
    await app.page.getByTestId("upload-csv").setInputFiles({
      name: "private.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("email,score,label\nann@example.com,1,a\nbob@example.com,2,b\ncy@example.com,3,a\ndi@example.com,4,b\n"),
    });
    await app.page.getByTestId("data-name").getByText("private.csv").waitFor();
    assert.deepEqual(requests.slice(loaded), [], "requests after the page had loaded");
    for (const title of ["Model", "Evaluate", "Use & share"]) await app.step(title).click();
    const foreign = requests.filter((url) => !url.startsWith(server.origin + "/") && !url.startsWith("data:"));
    assert.deepEqual(foreign, []);
    assert.ok(requests.some((url) => url.endsWith("/engine_bg.wasm")), "the worker's own requests were recorded");
  } finally {
    await browser.close();
  }
});
