// A model in someone's own web page, as a user does it: train in Hearth, copy the snippet
// and "Download for a web page", unpack the ZIP (Python's zipfile), serve the folder from a
// plain static server, and open the example page and a page made of the snippet. They
// predict what the studio predicts (1e-5), ask nothing of any other origin, and the runtime
// (JavaScript and wasm) is at most 300 KB compressed. Bad input gets a message.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { homedir, tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { HearthPage, draw, launchBrowser, predicted, serveDist, ONE } from "./harness.mjs";

const TARGET = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache/hearth/target");
const CLI = join(TARGET, "debug/hearth");
const RUNTIME = ["hearth.js", "hearth_runtime.js", "hearth_runtime_bg.wasm"];
const LIMIT = 300 * 1024;

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

/** The studio in a new page of `browser`, its engine ready. */
async function openReady(browser) {
  const app = new HearthPage(await browser.newPage());
  await app.open(server.origin);
  await app.waitForEngine();
  return app;
}

/** A plain static server for `root` (no special headers, as any host): its origin. */
async function servePlain(root) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".png": "image/png" };
  const plain = createServer(async (request, response) => {
    let path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
    if (path.endsWith("/")) path += "index.html";
    try {
      const body = await readFile(join(root, path));
      response.writeHead(200, { "Content-Type": types[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((done) => plain.listen(0, "127.0.0.1", done));
  return { origin: `http://127.0.0.1:${plain.address().port}`, close: () => new Promise((done) => plain.close(done)) };
}

/** Downloads the web-page ZIP and unpacks it with Python's zipfile: the folder. */
async function downloadBundle(app, work) {
  const download = await app.download("download-web");
  const zip = join(work, download.suggestedFilename());
  await download.saveAs(zip);
  execFileSync("python3", ["-m", "zipfile", "-e", zip, work]);
  const folder = join(work, download.suggestedFilename().replace(/\.zip$/, ""));
  await app.page.getByTestId("share-notice").getByText(`Downloaded ${download.suggestedFilename()}`).waitFor();
  return folder;
}

/** The studio's probabilities, exactly (each bar's data-probability). */
async function studioProbabilities(page) {
  await page.locator('[data-testid="prediction"][aria-busy="false"]').waitFor({ timeout: 30_000 });
  const bars = page.getByTestId("probabilities").locator("li");
  const labels = await bars.locator(".label").allInnerTexts();
  const values = await bars.evaluateAll((items) => items.map((item) => Number(item.dataset.probability)));
  return Object.fromEntries(labels.map((label, index) => [label.trim(), values[index]]));
}

/** The example page's probabilities (each item's data-probability). */
async function pageProbabilities(page) {
  await page.locator("#result li").first().waitFor({ timeout: 30_000 });
  return page.locator("#result li").evaluateAll((items) =>
    Object.fromEntries(items.map((item) => [item.dataset.label, Number(item.dataset.probability)])));
}

function assertClose(actual, expected, what) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), what);
  for (const [label, p] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[label] - p) <= 1e-5, `${what}: ${label} ${actual[label]} against the studio's ${p}`);
  }
}

/** A page of the plain server, with every request it makes recorded. */
async function openPlain(browser, url) {
  const page = await browser.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  return { page, requests, errors };
}

test("a table model in a plain web page: the snippet and the example page predict what the studio does, asking nothing of other sites", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-web-"));
  const browser = await launchBrowser();
  let plain;
  try {
    const app = await openReady(browser);
    const page = app.page;
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.train({ preset: "mlp", settings: { epochs: "5", "learning-rate": "0.01", "batch-size": "16" }, done: /^Done: trained 5 epochs/, timeout: 120_000 });
    await app.step("Use & share").click();

    // The snippet: a row of typical values, which the studio predicts too.
    const snippet = await page.getByTestId("web-snippet").innerText();
    assert.match(snippet, /import \{ load \} from "\.\/hearth\/hearth\.js";/);
    assert.match(snippet, /await load\("\.\/hearth\/iris-flowers-model\.safetensors"\)/);
    const row = JSON.parse(snippet.match(/model\.predict\((\{[\s\S]*?\})\);/)[1]);
    assert.deepEqual(Object.keys(row), ["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    await page.getByTestId("row-form").waitFor();
    for (const [column, value] of Object.entries(row)) await page.getByTestId(`input-${column}`).fill(String(value));
    await page.getByTestId("predict-row").click();
    const studioTypical = await studioProbabilities(page);
    const other = { sepal_length: "6.3", sepal_width: "2.8", petal_length: "5.1", petal_width: "" };
    for (const [column, value] of Object.entries(other)) await page.getByTestId(`input-${column}`).fill(value);
    await page.getByTestId("predict-row").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"][aria-busy="false"]'));
    const studioOther = await studioProbabilities(page);
    assert.notDeepEqual(studioOther, studioTypical);

    const folder = await downloadBundle(app, work);
    await app.screenshot("web-page-share");
    assert.deepEqual(readdirSync(folder).sort(), ["README.txt", "hearth", "index.html"]);
    assert.deepEqual(readdirSync(join(folder, "hearth")).sort(), [...RUNTIME, "iris-flowers-model.safetensors"].sort());
    // The runtime's size, compressed as hosts send it.
    const runtime = Buffer.concat(RUNTIME.map((name) => readFileSync(join(folder, "hearth", name))));
    const gzipped = RUNTIME.reduce((sum, name) => sum + gzipSync(readFileSync(join(folder, "hearth", name)), { level: 9 }).length, 0);
    const brotli = RUNTIME.reduce((sum, name) => sum + brotliCompressSync(readFileSync(join(folder, "hearth", name))).length, 0);
    console.log(`web runtime: ${runtime.length} bytes, ${gzipped} gzipped, ${brotli} with Brotli`);
    assert.ok(gzipped <= LIMIT, `the runtime is ${gzipped} bytes gzipped, over ${LIMIT}`);

    // The torchrun script the page writes is the one `hearth export --format torchrun` writes.
    const script = await app.download("download-torchrun");
    assert.equal(script.suggestedFilename(), "train_iris_flowers_model.py");
    await script.saveAs(join(work, "page-script.py"));
    execFileSync(CLI, ["export", join(folder, "hearth", "iris-flowers-model.safetensors"), "--format", "torchrun", "--out", join(work, "iris_flowers_model.py")]);
    assert.equal(readFileSync(join(work, "page-script.py"), "utf8"), readFileSync(join(work, "train_iris_flowers_model.py"), "utf8"));

    // The snippet, as it is, in a page of its own.
    writeFileSync(join(folder, "snippet.html"), `<!doctype html>\n<title>Snippet</title>\n${snippet}`);
    plain = await servePlain(folder);
    const logged = [];
    const snippetPage = await openPlain(browser, "about:blank");
    snippetPage.page.on("console", async (message) => {
      if (message.type() === "log") logged.push(await Promise.all(message.args().map((arg) => arg.jsonValue())));
    });
    await snippetPage.page.goto(`${plain.origin}/snippet.html`);
    for (let wait = 0; wait < 100 && logged.length === 0; wait++) await snippetPage.page.waitForTimeout(100);
    assert.equal(logged.length, 1, `the snippet logs its prediction: ${JSON.stringify(logged)} ${snippetPage.errors}`);
    const [label, probabilities] = logged[0];
    assertClose(probabilities, studioTypical, "the snippet");
    assert.equal(label, Object.entries(studioTypical).sort((a, b) => b[1] - a[1])[0][0]);

    // The example page: its form, filled as in the studio.
    const example = await openPlain(browser, `${plain.origin}/`);
    assertClose(await pageProbabilities(example.page), studioTypical, "the example page's typical row");
    for (const [column, value] of Object.entries(other)) {
      await example.page.locator(`input[name="${column}"]`).fill(value);
    }
    await example.page.getByRole("button", { name: "Predict" }).click();
    await example.page.waitForFunction(
      (expected) => Math.abs(Number(document.querySelector("#result li")?.dataset.probability) - expected) < 1e-5,
      Object.values(studioOther)[0],
    );
    assertClose(await pageProbabilities(example.page), studioOther, "the example page, a row with a missing cell");
    await example.page.screenshot({ path: join(import.meta.dirname, "artifacts", "web-page-table.png"), fullPage: true });

    // Bad input: a message that says what does not fit.
    const problems = await example.page.evaluate(async () => {
      const { load } = await import("./hearth/hearth.js");
      const caught = async (work) => { try { await work(); return "no error"; } catch (error) { return error.message; } };
      const model = await load("./hearth/iris-flowers-model.safetensors");
      return {
        notAModel: await caught(() => load("./README.txt")),
        missing: await caught(() => load("./hearth/nothing.safetensors")),
        image: await caught(() => model.predict(new ImageData(4, 4))),
        fields: await caught(() => model.predict({ colour: "red" })),
        nothing: await caught(() => model.predict()),
        columns: model.columns.map((column) => `${column.name}:${column.kind}`),
        classes: model.classes,
      };
    });
    assert.match(problems.notAModel, /^README\.txt is not a Hearth model file: its safetensors header is invalid/);
    assert.match(problems.missing, /could not fetch the model file \.\/hearth\/nothing\.safetensors: the server answered 404/);
    assert.equal(problems.image, "this model reads table rows with the columns sepal_length, sepal_width, petal_length, petal_width, and was given an image: pass an object whose fields are the columns");
    assert.match(problems.fields, /^none of the row's fields \(colour\) is a column this model reads; it reads: sepal_length, /);
    assert.match(problems.nothing, /^predict\(\) needs an input: this model reads table rows/);
    assert.deepEqual(problems.columns, ["sepal_length:number", "sepal_width:number", "petal_length:number", "petal_width:number"]);
    assert.deepEqual(problems.classes, Object.keys(studioTypical));

    // Nothing but the plain server's own origin, from either page.
    for (const { requests, errors } of [snippetPage, example]) {
      assert.deepEqual(requests.filter((url) => !url.startsWith(plain.origin) && url !== "about:blank"), []);
      assert.deepEqual(errors, []);
    }
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await plain?.close();
    await browser.close();
  }
});

test("the shipped digit model in a plain web page: an image file and a drawing predict as in the studio", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-web-"));
  const browser = await launchBrowser();
  let plain;
  try {
    const app = await openReady(browser);
    const page = app.page;
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/pretrained/).waitFor({ timeout: 60_000 });
    const snippet = await page.getByTestId("web-snippet").innerText();
    assert.match(snippet, /<img id="photo" src="photo\.png" alt="">/);
    assert.match(snippet, /model\.predict\(document\.getElementById\("photo"\)\)/);

    // An image file: a 3 written on a canvas, as a PNG.
    const png = Buffer.from(await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(60, 60);
      const context = canvas.getContext("2d");
      context.fillStyle = "black";
      context.fillRect(0, 0, 60, 60);
      context.fillStyle = "white";
      context.font = "bold 44px sans-serif";
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText("3", 30, 32);
      const blob = await canvas.convertToBlob({ type: "image/png" });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    }));
    const photo = join(work, "photo.png");
    writeFileSync(photo, png);
    await page.getByTestId("predict-image").setInputFiles(photo);
    await predicted(page);
    const studioImage = await studioProbabilities(page);

    // A drawing on the studio's pad.
    await page.getByTestId("clear-pad").click();
    await draw(page, ONE);
    await predicted(page);
    const studioDrawing = await studioProbabilities(page);

    const folder = await downloadBundle(app, work);
    writeFileSync(join(folder, "photo.png"), png);
    writeFileSync(join(folder, "snippet.html"), `<!doctype html>\n<title>Snippet</title>\n${snippet}`);
    plain = await servePlain(folder);

    // The snippet reads the <img> it brings.
    const snippetPage = await openPlain(browser, "about:blank");
    const logged = [];
    snippetPage.page.on("console", async (message) => {
      if (message.type() === "log") logged.push(await Promise.all(message.args().map((arg) => arg.jsonValue())));
    });
    await snippetPage.page.goto(`${plain.origin}/snippet.html`);
    for (let wait = 0; wait < 100 && logged.length === 0; wait++) await snippetPage.page.waitForTimeout(100);
    assert.equal(logged.length, 1, `the snippet logs its prediction: ${snippetPage.errors}`);
    assertClose(logged[0][1], studioImage, "the snippet's <img>");

    // The example page: the same file chosen, then the same drawing.
    const example = await openPlain(browser, `${plain.origin}/`);
    await example.page.getByText("Ready.").waitFor({ timeout: 30_000 });
    await example.page.locator("#file").setInputFiles(photo);
    assertClose(await pageProbabilities(example.page), studioImage, "the example page's image file");
    await example.page.locator("#pad").evaluate((pad) => pad.setAttribute("data-testid", "pad"));
    await example.page.locator("#pad").evaluate((pad) => { pad.style.width = "280px"; pad.style.height = "280px"; });
    await page.getByTestId("pad").evaluate((pad) => { pad.style.width = "280px"; pad.style.height = "280px"; });
    await page.getByTestId("clear-pad").click();
    await draw(page, ONE);
    await predicted(page);
    const studioSized = await studioProbabilities(page);
    const shown = await example.page.locator("#result li").first().getAttribute("data-probability");
    await draw(example.page, ONE);
    await example.page.waitForFunction((shown) => document.querySelector("#result li")?.dataset.probability !== shown, shown);
    const drawn = await pageProbabilities(example.page);
    const best = (probabilities) => Object.entries(probabilities).sort((a, b) => b[1] - a[1])[0][0];
    assert.equal(best(drawn), best(studioSized), `the drawing: ${JSON.stringify(drawn)} against ${JSON.stringify(studioSized)}`);
    // Drawn by the mouse on another page, the strokes land a fraction of a pixel apart.
    for (const [label, p] of Object.entries(studioSized)) assert.ok(Math.abs(drawn[label] - p) < 1e-3, `the pad: ${label} ${drawn[label]} against ${p}`);
    // The studio pad's very pixels, read by the runtime, give the studio's probabilities.
    const ink = await page.getByTestId("pad").evaluate((pad) => Array.from(pad.getContext("2d").getImageData(0, 0, pad.width, pad.height).data));
    const modelFile = readdirSync(join(folder, "hearth")).find((name) => name.endsWith(".safetensors"));
    assert.equal(modelFile, "digits-pretrained-cnn.safetensors");
    const same = await example.page.evaluate(async ([ink, modelFile]) => {
      const pad = document.getElementById("pad");
      pad.getContext("2d").putImageData(new ImageData(Uint8ClampedArray.from(ink), pad.width, pad.height), 0, 0);
      const { load } = await import("./hearth/hearth.js");
      const model = await load(`./hearth/${modelFile}`);
      return (await model.predictDrawing(pad)).probabilities;
    }, [ink, modelFile]);
    assertClose(same, studioSized, "the studio's drawing, read by the runtime");
    assert.equal(best(studioSized), best(studioDrawing));
    await example.page.screenshot({ path: join(import.meta.dirname, "artifacts", "web-page-digits.png"), fullPage: true });

    for (const { requests, errors } of [snippetPage, example]) {
      assert.deepEqual(requests.filter((url) => !url.startsWith(plain.origin) && url !== "about:blank" && !url.startsWith("blob:")), []);
      assert.deepEqual(errors, []);
    }
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await plain?.close();
    await browser.close();
  }
});
