// The Data step as a user meets it: upload a CSV, pick the target, read the preview and
// the column table; load MNIST; bad files; images from class folders; a large file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";

let server;
let browser;
const work = mkdtempSync(join(tmpdir(), "hearth-data-"));
before(async () => {
  server = await serveDist();
});
after(async () => {
  await browser?.close();
  await server.close();
});

/** A fresh profile per test: the page restores its last session from the profile. */
async function openReady() {
  await browser?.close();
  browser = await launchBrowser();
  const app = new HearthPage(await browser.newPage());
  await app.open(server.origin);
  await app.waitForEngine();
  return app;
}

function file(name, text) {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const PEOPLE = [
  "name;email;age;income;city;member;gender;bought",
  "Ann Lee;ann@example.com;31;52000;Paris;yes;female;yes",
  "Bob Stone;bob@example.com;45;NA;Rome;no;male;no",
  "Cy Young;cy@example.com;;61000;Paris;yes;male;yes",
  "Di Moss;di@example.com;52;48000;Oslo;no;female;no",
  "Ed Wood;ed@example.com;29;39000;Rome;yes;male;yes",
  "Flo Rida;flo@example.com;38;70500;Oslo;?;female;no",
  "Gus Van;gus@example.com;61;58000;Paris;no;male;yes",
  "Hal Jordan;hal@example.com;44;45000;Rome;yes;female;no",
].join("\r\n");

test("upload a CSV, pick the target, see the preview and the column table", async () => {
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("upload-csv").setInputFiles(file("people.csv", PEOPLE));
  await page.getByTestId("data-name").getByText("people.csv").waitFor();
  assert.equal(await page.getByTestId("data-shape").innerText(), "8 rows, 8 columns");
  assert.match(await page.locator(".notices").first().innerText(), /separated by semicolons/);
  // The preview shows the first rows as they are in the file.
  const preview = page.getByTestId("preview");
  assert.equal(await preview.locator("tbody tr").count(), 8);
  assert.equal(await preview.locator("tbody tr").first().locator("td").nth(0).innerText(), "Ann Lee");
  // Types, missing counts, the privacy scan and the sensitive column.
  const row = (name) => page.getByTestId(`column-${name}`);
  assert.match(await row("age").innerText(), /numeric/);
  assert.match(await row("age").locator("td").nth(2).innerText(), /^1$/);
  assert.match(await row("member").innerText(), /boolean/);
  assert.match(await row("email").innerText(), /personal: e-mail addresses/);
  assert.equal(await page.getByTestId("role-email").inputValue(), "excluded");
  assert.equal(await page.getByTestId("role-name").inputValue(), "excluded");
  assert.equal(await page.getByTestId("role-gender").inputValue(), "sensitive");
  // The last usable column is proposed as the target; the user picks another one.
  assert.equal(await page.getByTestId("target-select").inputValue(), "bought");
  await page.getByTestId("target-select").selectOption("city");
  await page.getByTestId("class-balance").getByText("3 classes in \"city\"").waitFor();
  assert.match(await page.getByTestId("class-balance").innerText(), /Paris\s+3 \(38%\)/);
  assert.equal(await page.getByTestId("role-city").inputValue(), "target");
  assert.equal(await page.getByTestId("role-bought").inputValue(), "feature");
  assert.match(await page.getByTestId("data-report").innerText(), /model inputs\. Rows: \d+ training/);
  // A one-class target is explained, and the table stays.
  await page.getByTestId("role-gender").selectOption("feature");
  await page.getByTestId("task-select").selectOption("Regression");
  await page.getByTestId("data-report-problem").getByText(/"city" is not numeric/).waitFor();
  await page.getByTestId("task-select").selectOption("auto");
  await page.getByTestId("data-report").waitFor();
  await app.screenshot("data-csv");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("a CSV file dropped on the drop zone loads", async () => {
  const app = await openReady();
  const page = app.page;
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(["a,b\n1,x\n2,y\n3,x\n4,y\n5,x\n"], "dropped.csv", { type: "text/csv" }));
    const zone = document.querySelector("[data-testid=dropzone]");
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.getByTestId("data-name").getByText("dropped.csv").waitFor();
  assert.equal(await page.getByTestId("data-shape").innerText(), "5 rows, 2 columns");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("bad files get a message naming the file, and the loaded data stays", async () => {
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("builtin-iris").click();
  await page.getByTestId("data-name").getByText("Iris flowers").waitFor();
  const problem = page.getByTestId("data-problem");
  const cases = [
    ["empty.csv", "", /empty\.csv is empty/],
    ["header.csv", "a,b,c\n", /header\.csv has a header row but no data rows/],
    ["photo.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3, 0, 0]), /photo\.csv is not a text file/],
    ["latin1.csv", Buffer.from("name,city\nAnn,Paris\nBob,Qu\xe9bec\n", "latin1"), /latin1\.csv is not UTF-8 text \(line 3/],
  ];
  for (const [name, contents, message] of cases) {
    await page.getByTestId("upload-csv").setInputFiles(file(name, contents));
    await problem.getByText(message).waitFor();
    assert.equal(await page.getByTestId("data-name").innerText(), "Iris flowers", `after ${name}`);
  }
  // Ragged rows: the message says how many and where; skipping them loads the rest.
  await page.getByTestId("upload-csv").setInputFiles(file("ragged.csv", "a,b,c\n1,2,x\n3,4\n5,6,y\n7,8,z,9\n9,1,x\n"));
  await problem.getByText(/ragged\.csv: 2 row\(s\) do not have 3 fields like the header \(the first is line 3/).waitFor();
  await page.getByTestId("skip-rows").click();
  await page.getByTestId("data-name").getByText("ragged.csv").waitFor();
  assert.equal(await page.getByTestId("data-shape").innerText(), "3 rows, 3 columns");
  assert.match(await page.locator(".table-view .notices").innerText(), /2 row\(s\) with the wrong number of fields were skipped/);
  assert.equal(await problem.count(), 0);
  await app.screenshot("data-bad-file-kept");
  await page.close();
});

test("MNIST loads in one click, with counts and thumbnails per digit", async () => {
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("builtin-mnist").click();
  await page.getByTestId("data-shape").getByText("10000 images in 10 classes, 28 × 28 grayscale").waitFor({ timeout: 60_000 });
  const classes = page.getByTestId("image-classes").locator("li");
  assert.equal(await classes.count(), 10);
  assert.match(await classes.nth(1).innerText(), /^1\s+1127 images/);
  assert.equal(await page.locator("canvas.thumb").count(), 60);
  // The thumbnails are drawn: some pixels of the first digit are bright.
  const bright = await page.locator("canvas.thumb").first().evaluate((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 128) count++;
    return count;
  });
  assert.ok(bright > 40 && bright < 400, `bright pixels in the first thumbnail: ${bright}`);
  // Augmentation: choosing shifts and rotations shows an original and its variants.
  await page.getByTestId("augment-shift").selectOption("3");
  await page.getByTestId("augment-rotation").selectOption("15");
  const examples = page.getByTestId("augment-preview").locator("canvas");
  await examples.nth(19).waitFor();
  assert.equal(await examples.count(), 20);
  const pixels = await examples.evaluateAll((canvases) =>
    canvases.slice(0, 5).map((canvas) => Array.from(canvas.getContext("2d").getImageData(0, 0, 28, 28).data).join(",")));
  assert.ok(pixels.slice(1).every((variant) => variant !== pixels[0]), "every variant differs from the original");
  await app.screenshot("data-mnist");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

/** Images drawn by the browser's canvas (PNG unless `type` says otherwise): circles (even
 * indices) and crosses, base64. */
async function drawShapes(page, type = "image/png") {
  return page.evaluate(async (type) => {
    const out = [];
    for (let i = 0; i < 8; i++) {
      const canvas = new OffscreenCanvas(40, 40);
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, 40, 40);
      context.strokeStyle = "#000";
      context.lineWidth = 4;
      context.beginPath();
      if (i % 2 === 0) context.arc(20, 20, 10 + i, 0, 2 * Math.PI);
      else { context.moveTo(8, 8); context.lineTo(32, 32); context.moveTo(32, 8); context.lineTo(8, 32); }
      context.stroke();
      const blob = await canvas.convertToBlob({ type });
      if (blob.type !== type) throw new Error(`this browser cannot write ${type}`);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      out.push(btoa(String.fromCharCode(...bytes)));
    }
    return out;
  }, type);
}

test("images from a folder of class folders; a file that does not decode is named and left out", async () => {
  const app = await openReady();
  const page = app.page;
  const pngs = await drawShapes(page);
  const root = join(work, "shapes");
  mkdirSync(join(root, "circle"), { recursive: true });
  mkdirSync(join(root, "cross"), { recursive: true });
  pngs.forEach((base64, i) => {
    writeFileSync(join(root, i % 2 === 0 ? "circle" : "cross", `${i}.png`), Buffer.from(base64, "base64"));
  });
  // The browser decodes the files: WebP reads as well as PNG.
  const webps = await drawShapes(page, "image/webp");
  writeFileSync(join(root, "circle", "w0.webp"), Buffer.from(webps[0], "base64"));
  writeFileSync(join(root, "cross", "w1.webp"), Buffer.from(webps[1], "base64"));
  writeFileSync(join(root, "cross", "broken.png"), "this is not an image");
  await page.getByTestId("upload-folder").setInputFiles(root);
  await page.getByTestId("data-name").getByText("shapes").waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("data-shape").innerText(), "10 images in 2 classes, 28 × 28 grayscale");
  assert.match(await page.locator(".image-view .notices").innerText(), /shapes\/cross\/broken\.png could not be read as an image \(its contents are not an image this browser can read \(PNG, JPEG, WebP, GIF, BMP or AVIF\), or it is damaged\)/);
  assert.equal(await page.locator("canvas.thumb").count(), 10);
  await app.screenshot("data-images");
  await page.close();
});

test("a model of uploaded images classifies a chosen image and shows its saliency map", async () => {
  const app = await openReady();
  const page = app.page;
  const pngs = await drawShapes(page);
  const root = join(work, "shapes-use");
  mkdirSync(join(root, "circle"), { recursive: true });
  mkdirSync(join(root, "cross"), { recursive: true });
  pngs.forEach((base64, i) => {
    writeFileSync(join(root, i % 2 === 0 ? "circle" : "cross", `${i}.png`), Buffer.from(base64, "base64"));
  });
  await page.getByTestId("upload-folder").setInputFiles(root);
  await page.getByTestId("data-shape").getByText("8 images in 2 classes").waitFor({ timeout: 60_000 });
  await app.train({ preset: "mlp", settings: { epochs: "10" }, timeout: 120_000 });
  await app.step("Use & share").click();
  await page.getByTestId("predict-image").setInputFiles({ name: "new.png", mimeType: "image/png", buffer: Buffer.from(pngs[2], "base64") });
  const predicted = (await page.getByTestId("predicted").innerText({ timeout: 30_000 })).trim();
  assert.ok(["circle", "cross"].includes(predicted), predicted);
  const saliency = page.getByTestId("saliency");
  assert.match(await saliency.locator("figcaption").innerText(), new RegExp(`score of "${predicted}"`));
  const size = await saliency.locator("canvas").evaluate((canvas) => [canvas.width, canvas.height]);
  assert.deepEqual(size, [28, 28]);
  await app.screenshot("use-image-saliency");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("classes made by hand: a name and picked files for each", async () => {
  const app = await openReady();
  const page = app.page;
  const pngs = await drawShapes(page);
  const payload = (i) => ({ name: `shape-${i}.png`, mimeType: "image/png", buffer: Buffer.from(pngs[i], "base64") });
  await page.getByText("Or make classes by hand").click();
  await page.getByTestId("class-name-0").fill("ring");
  await page.getByTestId("class-name-0").press("Tab");
  await page.getByTestId("class-name-1").fill("x mark");
  await page.getByTestId("class-name-1").press("Tab");
  await page.getByTestId("class-files-0").setInputFiles([0, 2, 4].map(payload));
  await page.getByTestId("class-files-1").setInputFiles([1, 3, 5, 7].map(payload));
  await page.getByTestId("load-classes").getByText("Load 7 image(s)").waitFor();
  await page.getByTestId("load-classes").click();
  await page.getByTestId("data-shape").getByText("7 images in 2 classes").waitFor({ timeout: 60_000 });
  const classes = page.getByTestId("image-classes").locator("li");
  assert.match(await classes.nth(0).innerText(), /^ring\s+3 images/);
  assert.match(await classes.nth(1).innerText(), /^x mark\s+4 images/);
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("a 500,000-row CSV loads with progress while the page stays responsive", async () => {
  // About 50 MB: an id, eight measurements, a category and a label per row.
  const rows = ["id,x1,x2,x3,x4,x5,x6,x7,x8,colour,label"];
  const colours = ["red", "green", "blue"];
  for (let i = 0; i < 500_000; i++) {
    const x = [];
    for (let j = 1; j <= 8; j++) x.push((((i * (7919 + j * 104729)) % 1000003) / 1000.0).toFixed(6));
    rows.push(`${i},${x.join(",")},${colours[i % 3]},${Number(x[0]) > 500 ? "high" : "low"}`);
  }
  const path = file("big.csv", rows.join("\n") + "\n");
  const app = await openReady();
  const page = app.page;
  // Count animation frames during the load: a frozen page draws none.
  await page.evaluate(() => {
    window.frameGaps = [];
    let last = performance.now();
    const tick = (now) => {
      window.frameGaps.push(now - last);
      last = now;
      if (!window.stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  await page.getByTestId("upload-csv").setInputFiles(path);
  await page.getByTestId("data-progress").waitFor({ timeout: 10_000 });
  await page.getByTestId("data-shape").getByText("500000 rows, 11 columns").waitFor({ timeout: 240_000 });
  const seconds = (Date.now() - started) / 1000;
  const longest = await page.evaluate(() => { window.stopFrames = true; return Math.max(...window.frameGaps); });
  console.log(`500,000 rows loaded in ${seconds.toFixed(1)} s; longest frame gap ${longest.toFixed(0)} ms`);
  assert.ok(longest < 1000, `the page froze for ${longest} ms`);
  assert.equal(await page.getByTestId("role-id").inputValue(), "excluded");
  assert.equal(await page.getByTestId("target-select").inputValue(), "label");
  await app.screenshot("data-big");
  await page.close();
});
