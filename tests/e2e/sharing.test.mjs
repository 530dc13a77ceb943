// Sharing and keeping, as a user does it: train, download the model, reload (the session
// comes back), open the download in a fresh browser profile (same prediction), files
// made by the CLI open in the page and the page's files work in the CLI, bad files are
// refused with the current model kept, and the Saved models list.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";

const DIGITS = resolve(import.meta.dirname, "../../assets/digits.safetensors");
const TARGET = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache/hearth/target");
const CLI = join(TARGET, "debug/hearth");
const ROW = [["sepal_length", "6.3"], ["sepal_width", "2.8"], ["petal_length", "5.1"], ["petal_width", "1.5"]];

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

async function openReady(browser) {
  const app = new HearthPage(await browser.newPage());
  await app.open(server.origin);
  await app.waitForEngine();
  return app;
}

/** Types ROW into the Use form and returns the prediction with its probabilities. */
async function predictRow(page) {
  await page.getByTestId("row-form").waitFor();
  for (const [column, value] of ROW) await page.getByTestId(`input-${column}`).fill(value);
  await page.getByTestId("predict-row").click();
  await page.locator('[data-testid="prediction"][aria-busy="false"]').waitFor({ timeout: 30_000 });
  const label = (await page.getByTestId("predicted").innerText()).trim();
  const bars = await page.getByTestId("probabilities").locator(".value").allInnerTexts();
  return `${label} ${bars.join(" ")}`;
}

/** The bytes of a safetensors file with its JSON header (and Hearth document) edited. */
function rewrite(bytes, edit) {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  const document = JSON.parse(header.__metadata__.hearth);
  edit(header, document);
  header.__metadata__.hearth = JSON.stringify(document);
  let text = JSON.stringify(header);
  while (Buffer.byteLength(text) % 8) text += " ";
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  return Buffer.concat([head, Buffer.from(text), bytes.subarray(8 + length)]);
}

test("train, download, reload: the session is back; the download predicts the same in a fresh profile and in the CLI", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-share-"));
  const browser = await launchBrowser();
  let downloaded;
  let before;
  try {
    const app = await openReady(browser);
    const page = app.page;
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.train({
      preset: "mlp",
      settings: { epochs: "25", "learning-rate": "0.01", "batch-size": "16" },
      done: /^Done: trained 25 epochs/,
      timeout: 120_000,
    });
    await app.step("Use & share").click();
    before = await predictRow(page);

    const download = await app.download("download-model");
    assert.equal(download.suggestedFilename(), "iris-flowers-model.safetensors");
    downloaded = join(work, download.suggestedFilename());
    await download.saveAs(downloaded);
    const bytes = readFileSync(downloaded);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    const document = JSON.parse(header.__metadata__.hearth);
    assert.equal(document.history.length, 25, "the history travels in the file");
    assert.equal(document.card.name, "Iris flowers model");
    assert.ok(document.metrics.test.accuracy > 0.8, JSON.stringify(document.metrics.test));
    await page.getByTestId("share-notice").getByText("Downloaded iris-flowers-model.safetensors.").waitFor();
    await app.screenshot("share-trained");

    // A reload brings the session back: the step, data, spec, settings, history and the model.
    await page.reload();
    await app.waitForEngine();
    assert.equal(await app.step("Use & share").getAttribute("aria-current"), "step", "it opens where it was left");
    await app.step("Data").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.step("Model").click();
    assert.equal(await page.getByTestId("total-params").innerText(), "9,091");
    await app.step("Train").click();
    assert.equal(await page.getByTestId("epochs").inputValue(), "25");
    // The history comes back with the restored model, which may still be on its way. The
    // table sits in a closed <details>, so its rows are attached but not visible.
    await page.getByTestId("history").locator("tbody tr").nth(24).waitFor({ state: "attached", timeout: 30_000 });
    assert.equal(await page.getByTestId("history").locator("tbody tr").count(), 25);
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/kept in this browser/).waitFor({ timeout: 30_000 });
    assert.equal(await predictRow(page), before);
    await app.screenshot("share-restored");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }

  // A fresh profile: nothing kept, the downloaded file opens and predicts the same.
  const fresh = await launchBrowser();
  try {
    const app = await openReady(fresh);
    const page = app.page;
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/pretrained/).waitFor({ timeout: 60_000 });
    await page.getByTestId("open-model").setInputFiles(downloaded);
    await page.getByTestId("model-name").getByText(/opened from a file/).waitFor({ timeout: 30_000 });
    assert.equal(await predictRow(page), before);
    // The architecture and the history came with the file.
    await app.step("Model").click();
    assert.equal(await page.getByTestId("total-params").innerText(), "9,091");
    await app.step("Train").click();
    await page.getByTestId("history").locator("tbody tr").first().waitFor({ state: "attached" });
    assert.equal(await page.getByTestId("history").locator("tbody tr").count(), 25);
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await fresh.close();
  }

  // The page's file works in the CLI: the same class for the same row.
  assert.ok(existsSync(CLI), `the CLI is built by the native tier (cargo test --workspace); ${CLI} is missing`);
  const rows = join(work, "row.csv");
  writeFileSync(rows, `${ROW.map(([column]) => column).join(",")}\n${ROW.map(([, value]) => value).join(",")}\n`);
  const out = execFileSync(CLI, ["predict", downloaded, rows], { encoding: "utf8" });
  const [, line] = out.trim().split("\n");
  assert.equal(line.split(",")[1], before.split(" ")[0], `hearth predict: ${out}`);
});

test("ONNX and PyTorch: the page's ONNX model runs in ONNX Runtime as Hearth predicts; its PyTorch module trains on in torch and comes back", async () => {
  assert.ok(existsSync(CLI), `the CLI is built by the native tier (cargo test --workspace); ${CLI} is missing`);
  const work = mkdtempSync(join(tmpdir(), "hearth-onnx-"));
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.train({ preset: "mlp", settings: { epochs: "10", "learning-rate": "0.01", "batch-size": "16" }, timeout: 120_000 });
    await app.step("Use & share").click();
    const model = await app.download("download-model");
    const safetensors = join(work, model.suggestedFilename());
    await model.saveAs(safetensors);
    const onnx = await app.download("download-onnx");
    assert.equal(onnx.suggestedFilename(), "iris-flowers-model.onnx");
    const file = join(work, onnx.suggestedFilename());
    await onnx.saveAs(file);
    await page.getByTestId("share-notice").getByText("Downloaded iris-flowers-model.onnx.").waitFor();
    assert.deepEqual(app.consoleErrors, []);
    // Rows as they are in a CSV (one with a missing cell): the ONNX model in the real ONNX
    // Runtime, after the real checker, against `hearth predict` on the same model's file.
    const rows = join(work, "rows.csv");
    writeFileSync(rows, "sepal_length,sepal_width,petal_length,petal_width\n6.3,2.8,5.1,1.5\n5.0,3.4,1.5,0.2\n6.1,,4.7,1.4\n");
    const predictions = join(work, "predictions.csv");
    execFileSync(CLI, ["predict", safetensors, rows, "--out", predictions], { encoding: "utf8" });
    const out = execFileSync(process.env.HEARTH_PYTHON ?? "python3", [resolve(import.meta.dirname, "../python/check_onnx.py"), file, rows, predictions], { encoding: "utf8" });
    assert.match(out, /^ok: iris-flowers-model\.onnx passes the ONNX checker and matches Hearth on 3 rows in ONNX Runtime/);

    // The PyTorch round trip: the page's module, one more epoch in the real torch, back
    // with save_hearth, opened in the page: it predicts what torch predicts.
    const python = await app.download("download-pytorch");
    const module = join(work, python.suggestedFilename());
    await python.saveAs(module);
    const labelled = join(work, "labelled.csv");
    writeFileSync(
      labelled,
      "sepal_length,sepal_width,petal_length,petal_width,species\n6.3,2.8,5.1,1.5,virginica\n5.0,3.4,1.5,0.2,setosa\n5.9,3.0,4.2,1.5,versicolor\n6.9,3.1,5.4,2.1,virginica\n4.6,3.1,1.5,0.2,setosa\n5.6,2.9,3.6,1.3,versicolor\n",
    );
    const back = join(work, "back.safetensors");
    const torchCsv = join(work, "torch.csv");
    const trip = execFileSync(
      process.env.HEARTH_PYTHON ?? "python3",
      [resolve(import.meta.dirname, "../python/torch_round_trip.py"), module, safetensors, labelled, "species", back, torchCsv, join(work, "state.safetensors")],
      { encoding: "utf8" },
    );
    assert.match(trip, /^ok: trained one epoch in torch 2\./);
    await page.getByTestId("open-model").setInputFiles(back);
    await page.getByTestId("model-name").getByText(/opened from a file/).waitFor({ timeout: 30_000 });
    const [header, first] = readFileSync(torchCsv, "utf8").trim().split(/\r?\n/);
    const torch = Object.fromEntries(header.split(",").map((column, i) => [column.slice(2), Number(first.split(",")[i])]));
    // ROW is the first labelled row: the page's probabilities (each bar's exact value) are
    // torch's within 1e-4.
    await predictRow(page);
    const bars = page.getByTestId("probabilities").locator("li");
    const labels = await bars.locator(".label").allInnerTexts();
    const values = await bars.evaluateAll((items) => items.map((item) => Number(item.dataset.probability)));
    assert.equal(labels.length, 3);
    labels.forEach((label, i) => {
      assert.ok(Math.abs(values[i] - torch[label.trim()]) <= 1e-4, `${label}: page ${values[i]}, torch ${torch[label.trim()]}`);
    });
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("a model file made by the CLI opens in the page and predicts", async () => {
  assert.ok(existsSync(CLI), `the CLI is built by the native tier (cargo test --workspace); ${CLI} is missing`);
  const work = mkdtempSync(join(tmpdir(), "hearth-cli-model-"));
  const file = join(work, "cli-iris.safetensors");
  execFileSync(CLI, ["train", "builtin:iris", "--epochs", "40", "--lr", "0.01", "--batch", "16", "--out", file], { encoding: "utf8" });
  const rows = join(work, "row.csv");
  writeFileSync(rows, `${ROW.map(([column]) => column).join(",")}\n${ROW.map(([, value]) => value).join(",")}\n`);
  const [, line] = execFileSync(CLI, ["predict", file, rows], { encoding: "utf8" }).trim().split("\n");
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    await app.step("Use & share").click();
    await page.getByTestId("open-model").setInputFiles(file);
    await page.getByTestId("model-name").getByText(/opened from a file/).waitFor({ timeout: 30_000 });
    const predicted = await predictRow(page);
    assert.equal(predicted.split(" ")[0], line.split(",")[1]);
    // p_<class> columns of the CLI match the page's bars to the shown precision.
    const cli = line.split(",").slice(2).map((p) => `${(Number(p) * 100).toFixed(1)}%`);
    assert.deepEqual(predicted.split(" ").slice(1), cli);
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("bad model files are refused with a clear message and the current model stays", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-bad-models-"));
  const digits = readFileSync(DIGITS);
  const absurd = Buffer.alloc(16);
  absurd.writeBigUInt64LE(1n << 40n);
  absurd.write("{}      ", 8);
  const cases = [
    ["notes.safetensors", Buffer.from("hello, this is not a model"), /^notes\.safetensors is not a Hearth model file/],
    ["cut.safetensors", digits.subarray(0, digits.length >> 1), /^cut\.safetensors is not a Hearth model file/],
    ["huge.safetensors", absurd, /^huge\.safetensors is not a Hearth model file/],
    ["future.safetensors", rewrite(digits, (_, document) => { document.format_version = 99; }),
      /^future\.safetensors was written by a newer Hearth \(model file version 99/],
    ["mismatch.safetensors", rewrite(digits, (_, document) => { document.spec.layers[0].filters = 16; }),
      /^mismatch\.safetensors does not match its own description/],
  ];
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    await app.step("Use & share").click();
    const name = page.getByTestId("model-name");
    await name.getByText(/pretrained/).waitFor({ timeout: 60_000 });
    for (const [file, bytes, message] of cases) {
      const path = join(work, file);
      writeFileSync(path, bytes);
      await page.getByTestId("open-model").setInputFiles(path);
      const problem = page.getByTestId("share-problem");
      await problem.waitFor({ timeout: 30_000 });
      assert.match(await problem.innerText(), message);
      assert.match(await name.innerText(), /Digits \(pretrained CNN\)/, `after ${file}`);
    }
    await app.screenshot("share-bad-file");
    // A model for other data than the loaded data.
    await app.step("Data").click();
    await page.getByTestId("builtin-iris").click();
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor({ timeout: 60_000 });
    await app.step("Use & share").click();
    await page.getByTestId("open-model").setInputFiles(DIGITS);
    await page.getByTestId("share-problem").getByText(/reads 1×28×28 images, but the loaded data, Iris flowers, is a table/).waitFor({ timeout: 30_000 });
    assert.match(await name.innerText(), /Digits \(pretrained CNN\)/);
    // The drawing still works with the model in use.
    assert.equal(await page.getByTestId("pad").count(), 1);
  } finally {
    await browser.close();
  }
});

test("the Saved models list: save, open, delete, storage shown; a full quota keeps the work", async () => {
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/pretrained/).waitFor({ timeout: 60_000 });
    await page.getByTestId("saved-empty").waitFor();
    await page.getByTestId("save-model").click();
    const rows = page.getByTestId("saved-models").locator("tbody tr");
    await rows.first().waitFor({ timeout: 30_000 });
    const cells = await rows.first().locator("td").allInnerTexts();
    assert.equal(cells[0], "Digits (pretrained CNN)");
    assert.equal(cells[2], "Multi-class classification");
    assert.match(cells[3], /^9\d\.\d% test accuracy$/);
    assert.match(cells[4], /KB$/);
    assert.match(await page.getByTestId("storage-usage").innerText(), /^Storage: .+ used of .+ this browser allows/);
    await app.screenshot("share-saved-list");
    // Open it from the list, then delete it.
    await rows.first().getByRole("button", { name: /^Open / }).click();
    await page.getByTestId("model-name").getByText(/kept in this browser/).waitFor({ timeout: 30_000 });
    await rows.first().getByRole("button", { name: /^Delete / }).click();
    await page.getByTestId("saved-empty").waitFor();

    // Storage full: the browser refuses the write; the page says so and keeps the model.
    // (CDP's Storage.overrideQuotaForOrigin does not lower the quota of this Chromium, so
    // IndexedDB is made to refuse writes as it does when the quota is exceeded.)
    await page.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (...args) {
        if (this.name === "models") throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return put.apply(this, args);
      };
    });
    await page.getByTestId("save-model").click();
    const problem = page.getByTestId("share-problem");
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), /storage refused to keep Digits \(pretrained CNN\) \(QuotaExceededError: The quota has been exceeded\.\)\. It is probably full/);
    assert.match(await page.getByTestId("model-name").innerText(), /Digits/);
    await page.getByTestId("saved-empty").waitFor();
    await app.screenshot("share-quota-full");
  } finally {
    await browser.close();
  }
});

test("a model spec travels as a link: opening it restores the spec", async () => {
  let link;
  let params;
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    await page.getByTestId("builtin-mnist").click();
    await page.getByTestId("data-shape").getByText(/10000 images/).waitFor({ timeout: 60_000 });
    await app.step("Model").click();
    await page.getByTestId("preset-cnn").click();
    await page.getByLabel("Layer 7 units").fill("48");
    await page.getByLabel("Layer 7 units").press("Tab");
    params = await page.getByTestId("total-params").innerText();
    assert.notEqual(params, "93,322", "the edit changed the model");
    await page.getByTestId("copy-spec-link").click();
    link = await page.getByTestId("spec-link").getAttribute("href");
    assert.match(link, /#spec=%7B/);
    assert.ok(!/weights|safetensors/.test(decodeURIComponent(link)), "a link holds the spec only");
  } finally {
    await browser.close();
  }
  const fresh = await launchBrowser();
  try {
    const page = await fresh.newPage();
    const app = new HearthPage(page);
    await page.goto(link);
    await app.waitForEngine();
    await page.getByTestId("total-params").waitFor();
    assert.equal(await page.getByTestId("total-params").innerText(), params);
    assert.equal(await page.getByLabel("Layer 7 units").inputValue(), "48");
    assert.equal(new URL(page.url()).hash, "", "the link's fragment is applied once");
    await app.screenshot("share-spec-link");
  } finally {
    await fresh.close();
  }
});

test("uploaded data comes back after a reload only when the user keeps it", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-keep-"));
  const csv = join(work, "flowers.csv");
  writeFileSync(csv, readFileSync(resolve(import.meta.dirname, "../../crates/core/assets/iris.csv")));
  const browser = await launchBrowser();
  try {
    const app = await openReady(browser);
    const page = app.page;
    // Not kept: a reload says the file must be chosen again.
    await page.getByTestId("upload-csv").setInputFiles(csv);
    await page.getByTestId("data-name").getByText("flowers.csv").waitFor();
    await page.waitForTimeout(500);
    await page.reload();
    await app.waitForEngine();
    await app.step("Use & share").click();
    await page.getByTestId("share-notice").getByText(/used flowers\.csv, which was not kept in this browser/).waitFor({ timeout: 30_000 });
    await app.step("Data").click();
    assert.equal(await page.getByTestId("no-data").count(), 1);

    // Kept: the file, and the choices made on it, come back.
    await page.getByTestId("keep-uploads").check();
    await page.getByTestId("upload-csv").setInputFiles(csv);
    await page.getByTestId("data-name").getByText("flowers.csv").waitFor();
    await page.getByTestId("target-select").selectOption("sepal_length");
    await page.waitForTimeout(500);
    await page.reload();
    await app.waitForEngine();
    await page.getByTestId("data-name").getByText("flowers.csv").waitFor({ timeout: 30_000 });
    await page.getByTestId("data-shape").getByText(/150 rows/).waitFor();
    assert.equal(await page.getByTestId("target-select").inputValue(), "sepal_length");
    assert.ok(await page.getByTestId("keep-uploads").isChecked());
    await app.screenshot("share-kept-upload");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
