// The Evaluate step as a user reads it: headline metrics, the per-class table, the
// confusion matrix whose cells open their test samples (rows or images), the ROC curve of
// a binary model, and the plots of a regression model.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";

let server;
before(async () => { server = await serveDist(); });
after(async () => { await server.close(); });

/** Loads a built-in set, trains a preset with the given settings, opens Evaluate. */
async function trainAndEvaluate(browser, { builtin, shape, preset, settings }) {
  const app = new HearthPage(await browser.newPage());
  const page = app.page;
  await app.open(server.origin);
  await app.waitForEngine();
  await page.getByTestId(`builtin-${builtin}`).click();
  await page.getByTestId("data-shape").getByText(shape).waitFor({ timeout: 60_000 });
  await app.train({ preset, settings });
  await app.step("Evaluate").click();
  await page.getByTestId("eval-headline").waitFor({ timeout: 30_000 });
  return app;
}

test("a classifier's test split: per-class table, confusion matrix, and the rows of a cell", async () => {
  const browser = await launchBrowser();
  try {
    const app = await trainAndEvaluate(browser, {
      builtin: "iris", shape: /150 rows/, preset: "mlp",
      settings: { epochs: "30", "learning-rate": "0.01", "batch-size": "16" },
    });
    const page = app.page;
    const headline = await page.getByTestId("eval-headline").innerText();
    const accuracy = Number(headline.match(/^Accuracy ([\d.]+)% on (\d+) test samples/)?.[1]);
    assert.ok(accuracy > 80, headline);
    // Three classes and two averages; the supports add up to the test split.
    const rows = page.getByTestId("per-class").locator("tbody tr");
    assert.equal(await rows.count(), 5);
    const supports = (await page.getByTestId("per-class").locator("tbody tr td:last-child").allInnerTexts()).map(Number);
    const n = Number(headline.match(/on (\d+) test samples/)[1]);
    assert.equal(supports.slice(0, 3).reduce((a, b) => a + b, 0), n);
    // The matrix's cells add up to the test split too, and the diagonal is the accuracy.
    const cells = [];
    for (let t = 0; t < 3; t++) for (let p = 0; p < 3; p++) cells.push([t, p, Number(await page.getByTestId(`cell-${t}-${p}`).innerText())]);
    assert.equal(cells.reduce((sum, [, , count]) => sum + count, 0), n);
    const right = cells.filter(([t, p]) => t === p).reduce((sum, [, , count]) => sum + count, 0);
    assert.ok(Math.abs((right / n) * 100 - accuracy) < 0.06, `diagonal ${right}/${n} vs ${accuracy}%`);
    // Drill down into the fullest cell: its rows, with the table's columns.
    const [t, p, count] = cells.sort((a, b) => b[2] - a[2])[0];
    await page.getByTestId(`cell-${t}-${p}`).click();
    const samples = page.getByTestId("cell-samples");
    await samples.waitFor({ timeout: 30_000 });
    assert.match(await samples.locator("h4").innerText(), new RegExp(`^${count} test samples of class \\w+ predicted as \\w+`));
    assert.equal(await samples.locator("tbody tr").count(), Math.min(count, 24));
    assert.deepEqual(await samples.locator("thead th").allInnerTexts(), ["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    assert.equal(await page.getByTestId("roc").count(), 0, "three classes have no ROC curve");
    // Permutation importance: every column, the most important first (a petal, for iris).
    const importance = await page.getByTestId("importance").locator(".label").allInnerTexts();
    assert.equal(importance.length, 4);
    assert.match(importance[0], /^petal_/);
    assert.match(await page.getByTestId("importance").locator(".value").first().innerText(), /^[\d.]+ points ± [\d.]+ points$/);
    // The cost of the run: 9,091 parameters, 30 epochs of 105 rows, on the CPU.
    const cost = Object.fromEntries(
      await page.getByTestId("cost").locator("tr").evaluateAll((rows) => rows.map((row) => [row.cells[0].innerText, row.cells[1].innerText])),
    );
    assert.equal(cost["Parameters"], "9,091");
    assert.equal(cost["Model size (weights as float32)"], "36.4 KB");
    assert.equal(cost["Forward pass, per example"], "17,792 FLOPs");
    assert.equal(cost["Backward pass, per example (counted as 2× forward)"], "35,584 FLOPs");
    assert.equal(cost["Training, in all"], "168.1 million FLOPs over 3,150 examples (30 epochs)");
    // The tests' server makes the page cross-origin isolated: the threaded CPU engine.
    assert.match(cost["Backend"], /^CPU \(WebAssembly SIMD, \d+ threads\)$/);
    assert.match(cost["Speed"], /^\d+ examples per second$/);
    await app.screenshot("evaluate-iris");

    // The model card: people write intended use and limitations; the Markdown export has
    // them with the architecture, training cost and the test metrics, and so does the file.
    await app.step("Use & share").click();
    await page.getByTestId("card-intended-use").fill("Teaching how a small network separates three species.");
    await page.getByTestId("card-limitations").fill("Only iris flowers of these three species; not for identifying plants in the wild.");
    await page.getByTestId("card-limitations").press("Tab");
    await app.step("Evaluate").click();
    await app.step("Use & share").click();
    assert.equal(await page.getByTestId("card-intended-use").inputValue(), "Teaching how a small network separates three species.");
    const card = await app.download("download-card");
    assert.equal(card.suggestedFilename(), "iris-flowers-model-card.md");
    const markdown = (await import("node:fs")).readFileSync(await card.path(), "utf8");
    for (const expected of [
      "# Model card: Iris flowers model",
      "## Intended use\n\nTeaching how a small network separates three species.",
      "## Limitations\n\nOnly iris flowers of these three species",
      "| 1 | Dense 128 relu | 128 | 640 |",
      "Cost: 17,792 FLOPs per example forward",
      `Accuracy ${accuracy.toFixed(1)}% on ${n} samples`,
      "| setosa |",
    ]) assert.ok(markdown.includes(expected), `${JSON.stringify(expected)} in:\n${markdown}`);
    const model = await app.download("download-model");
    const bytes = (await import("node:fs")).readFileSync(await model.path());
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    const document = JSON.parse(header.__metadata__.hearth);
    assert.equal(document.card.limitations, "Only iris flowers of these three species; not for identifying plants in the wild.");
    assert.match(document.card.trained_at, /^\d{4}-\d\d-\d\dT/);
    await app.screenshot("use-model-card");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("an image classifier's confusion cell shows its images; a binary model shows its ROC curve", async () => {
  const browser = await launchBrowser();
  try {
    const app = await trainAndEvaluate(browser, {
      builtin: "mnist", shape: /10000 images/, preset: "mlp", settings: { epochs: "1" },
    });
    const page = app.page;
    // The most frequent mistake, as pictures.
    let worst = null;
    for (let t = 0; t < 10; t++) for (let p = 0; p < 10; p++) {
      if (t === p) continue;
      const count = Number(await page.getByTestId(`cell-${t}-${p}`).innerText());
      if (!worst || count > worst[2]) worst = [t, p, count];
    }
    assert.ok(worst[2] > 0, "one epoch leaves some mistakes");
    await page.getByTestId(`cell-${worst[0]}-${worst[1]}`).click();
    const samples = page.getByTestId("cell-samples");
    await samples.locator("canvas").first().waitFor({ timeout: 30_000 });
    assert.equal(await samples.locator("canvas").count(), Math.min(worst[2], 24));
    assert.match(await samples.locator("h4").innerText(), new RegExp(`of class ${worst[0]} predicted as ${worst[1]}`));
    await app.screenshot("evaluate-mnist-cell");

    await app.step("Data").click();
    await page.getByTestId("builtin-loans").click();
    await page.getByTestId("data-shape").getByText(/2000 rows/).waitFor({ timeout: 60_000 });
    await app.train({ preset: "logistic", settings: { epochs: "5", "learning-rate": "0.01" }, timeout: 120_000 });
    await app.step("Evaluate").click();
    const roc = page.getByTestId("roc");
    await roc.waitFor({ timeout: 30_000 });
    const auc = Number((await roc.locator("figcaption").innerText()).match(/^AUC ([\d.]+)/)?.[1]);
    assert.ok(auc > 0.6 && auc <= 1, `AUC ${auc}`);
    assert.match(await page.getByTestId("eval-headline").innerText(), new RegExp(`ROC AUC ${auc.toFixed(3)}`));
    const points = (await roc.locator("polyline").getAttribute("points")).split(" ");
    assert.ok(points.length >= 3, `ROC points: ${points.length}`);
    // The per-group table of the sensitive column: the labels' bias against women is
    // visible as a lower base rate; the gaps between groups are stated.
    const groups = page.getByTestId("groups-gender");
    const rates = Object.fromEntries(
      await groups.locator("tbody tr").evaluateAll((rows) => rows.map((row) => [row.cells[0].innerText, Number.parseFloat(row.cells[2].innerText)])),
    );
    assert.deepEqual(Object.keys(rates).sort(), ["female", "male"]);
    assert.ok(rates.female + 10 < rates.male, `base rates ${JSON.stringify(rates)}`);
    assert.match(await page.getByTestId("gaps-gender").innerText(), /^Demographic parity difference [\d.]+, ratio [\d.]+ \((passes|fails) the four-fifths rule.*· equalized odds difference [\d.]+$/);
    await app.screenshot("evaluate-loans-roc");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("the loan set's bias is learnt, and one click of reweighting narrows it: before and after side by side", async () => {
  const browser = await launchBrowser();
  try {
    // loans proposes gender as a sensitive input: the model reads it, as models do
    // through the attribute or its proxies, and learns the labels' bias.
    const app = await trainAndEvaluate(browser, {
      builtin: "loans", shape: /2000 rows/, preset: "mlp",
      settings: { epochs: "15", "learning-rate": "0.01", "batch-size": "32" },
    });
    const page = app.page;
    const gap = (text) => Number(text.match(/^Demographic parity difference ([\d.]+)/)?.[1]);
    const before = gap(await page.getByTestId("gaps-gender").innerText());
    assert.ok(before > 0.15, `the model selects women less often: gap ${before}`);
    assert.match(await page.getByTestId("gaps-gender").innerText(), /fails the four-fifths rule/);

    await page.getByTestId("mitigate-gender").click();
    const table = page.getByTestId("mitigation-gender");
    await table.waitFor({ timeout: 180_000 });
    const rows = Object.fromEntries(
      await table.locator("tbody tr").evaluateAll((rows) => rows.map((row) => [row.cells[0].innerText, [...row.cells].slice(1).map((cell) => cell.innerText)])),
    );
    assert.deepEqual(Object.keys(rows), [
      "Accuracy", "Selection rate of female", "Selection rate of male",
      "Demographic parity difference", "Demographic parity ratio", "Equalized odds difference", "Four-fifths rule",
    ]);
    const [was, now] = rows["Demographic parity difference"].map(Number);
    assert.equal(was, before, "the before column is the model before");
    const after = gap(await page.getByTestId("gaps-gender").innerText());
    assert.equal(now, after, "the after column is the model now in use");
    // Measured here: 0.242 -> 0.168 on the CPU backend (2026-12-04; logged below) (natively 0.277 -> 0.140; float
    // sums in wasm and natively differ in their last bits, and a few borderline rows flip).
    assert.ok(after < 0.75 * before && before - after > 0.05, `reweighting narrows the gap: ${before} -> ${after}`);
    console.log(`loans, demographic parity difference: ${before} -> ${after} after reweighting`);
    // Women are selected more often than before, and the change is stated.
    const [womenBefore, womenAfter] = rows["Selection rate of female"].slice(0, 2).map(Number.parseFloat);
    assert.ok(womenAfter > womenBefore, `${womenBefore}% -> ${womenAfter}%`);
    assert.match(rows["Demographic parity difference"][2], /^-0\.\d{3}$/);
    await app.screenshot("evaluate-loans-mitigation");
    // On a phone the Evaluate step fits the screen: wide tables scroll in their own boxes.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    await app.screenshot("phone-evaluate");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Step 3 shows the run's weights; the model card records the mitigation.
    await app.step("Train").click();
    assert.equal(await page.getByTestId("weights").inputValue(), "reweigh:gender");
    await app.step("Use & share").click();
    const card = await app.download("download-card");
    const markdown = (await import("node:fs")).readFileSync(await card.path(), "utf8");
    assert.ok(markdown.includes('Mitigation: group-aware reweighting by "gender"'), markdown);
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("a classifier of two columns shows its decision boundary with the test rows on it", async () => {
  const browser = await launchBrowser();
  try {
    const app = await trainAndEvaluate(browser, {
      builtin: "circles", shape: /rows/, preset: "mlp",
      settings: { epochs: "30", "learning-rate": "0.01", "batch-size": "16" },
    });
    const page = app.page;
    const headline = await page.getByTestId("eval-headline").innerText();
    const n = Number(headline.match(/on (\d+) test samples/)[1]);
    let wrong = 0;
    for (const [t, p] of [[0, 1], [1, 0]]) wrong += Number(await page.getByTestId(`cell-${t}-${p}`).innerText());
    const boundary = page.getByTestId("boundary");
    assert.equal(await boundary.locator(".cells rect").count(), 48 * 48);
    assert.equal(await boundary.locator(".points circle").count(), n);
    assert.equal(await boundary.locator(".points circle.missed").count(), wrong);
    assert.match(await boundary.locator("figcaption").innerText(), new RegExp(`^Decision boundary over x and y: ${n} test rows, ${wrong} on the wrong side`));
    // Circles: the inner disc is one class and the ring around it the other.
    const fill = (i) => boundary.locator(".cells rect").nth(i).getAttribute("fill");
    assert.notEqual(await fill(24 * 48 + 24), await fill(0));
    await app.screenshot("evaluate-boundary");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});

test("a regression model's test split: R², predicted against actual, residuals", async () => {
  const browser = await launchBrowser();
  try {
    const app = await trainAndEvaluate(browser, {
      builtin: "regression", shape: /rows/, preset: "mlp",
      settings: { epochs: "40", "learning-rate": "0.01", "batch-size": "16" },
    });
    const page = app.page;
    const headline = await page.getByTestId("eval-headline").innerText();
    const [, r2, n] = headline.match(/^R² ([\d.-]+) on (\d+) test rows · MSE/) ?? [];
    assert.ok(Number(r2) > 0.5, headline);
    assert.equal(await page.getByTestId("predicted-vs-actual").locator("circle").count(), Number(n));
    assert.equal(await page.getByTestId("residuals").locator("circle").count(), Number(n));
    assert.match(await page.getByTestId("predicted-vs-actual").locator("svg").getAttribute("aria-label"), new RegExp(`R² ${r2}`));
    await app.screenshot("evaluate-regression");
    assert.deepEqual(app.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
