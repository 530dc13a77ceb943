// The studio as a user meets it: draw a digit for the pretrained model, build a model,
// train it in the worker with live progress (the page stays responsive), pause and resume,
// and predict a table row.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HearthPage, draw, launchBrowser, predicted, serveDist } from "./harness.mjs";

let server;
let browser;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await browser?.close();
  await server.close();
});

/** A fresh browser profile per test: the page keeps its session in the profile. */
async function freshBrowser() {
  await browser?.close();
  browser = await launchBrowser();
  return browser;
}

async function openReady() {
  const app = new HearthPage(await (await freshBrowser()).newPage());
  await app.open(server.origin);
  await app.waitForEngine();
  return app;
}

test("first visit: draw a digit and the pretrained model classifies it", async () => {
  const app = await openReady();
  const page = app.page;
  await app.step("Use & share").click();
  await page.getByTestId("model-name").getByText(/Digits \(pretrained CNN\)/).waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId("model-name").innerText(), /9\d\.\d% test accuracy/);
  // A one: a vertical stroke, drawn off-centre and small; the MNIST fitting centres it.
  await draw(page, [[0.3, 0.2], [0.31, 0.45], [0.32, 0.7]]);
  assert.equal(await predicted(page), "1");
  const bars = page.getByTestId("probabilities").locator("li");
  assert.equal(await bars.count(), 10);
  // The model sees a 28x28 digit with ink in the middle.
  const centre = await page.getByTestId("pad-preview").evaluate((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
    let dark = 0;
    for (let y = 10; y < 18; y++) for (let x = 10; x < 18; x++) if (data[(y * 28 + x) * 4] < 128) dark++;
    return dark;
  });
  assert.ok(centre > 5, `ink near the centre of the preview: ${centre}`);
  // The saliency map of "1": its heat (red to yellow) lies on and around the stroke,
  // which MNIST fitting puts in the middle columns of the 28x28 image.
  const saliency = page.getByTestId("saliency");
  assert.match(await saliency.locator("figcaption").innerText(), /^Saliency: which pixels move the score of "1" most/);
  const heat = await saliency.locator("canvas").evaluate((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
    let hot = 0, sumX = 0, weight = 0;
    for (let i = 0; i < 28 * 28; i++) {
      const [r, g, b] = [data[i * 4], data[i * 4 + 1], data[i * 4 + 2]];
      const h = r - b; // heat is red/yellow over a grey image (r = g = b)
      if (h > 60) hot++;
      if (h > 0) { sumX += (i % 28) * h; weight += h; }
    }
    return { hot, centreX: sumX / weight };
  });
  assert.ok(heat.hot > 10, `hot pixels: ${heat.hot}`);
  assert.ok(Math.abs(heat.centreX - 13.5) < 4, `heat centred on the stroke's columns: ${heat.centreX}`);
  await app.screenshot("use-digit-one");
  await page.getByTestId("clear-pad").click();
  assert.equal(await page.getByTestId("predicted").count(), 0);
  // A zero: a loop.
  const loop = Array.from({ length: 25 }, (_, i) => {
    const angle = (i / 24) * 2 * Math.PI;
    return [0.5 + 0.22 * Math.sin(angle), 0.5 - 0.3 * Math.cos(angle)];
  });
  await draw(page, loop);
  assert.equal(await predicted(page), "0");
  await app.screenshot("use-digit-zero");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("the drawing pad works from the keyboard alone", async () => {
  const app = await openReady();
  const page = app.page;
  await app.step("Use & share").click();
  await page.getByTestId("model-name").getByText(/Digits \(pretrained CNN\)/).waitFor({ timeout: 60_000 });
  // Tab reaches the pad; its keys are described to assistive technology.
  let focused = "";
  for (let presses = 0; presses < 40 && focused !== "pad"; presses++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement?.dataset?.testid ?? "");
  }
  assert.equal(focused, "pad", "Tab never reached the drawing pad");
  assert.match(await page.locator("#pad-keys").innerText(), /arrow keys move the pen/);
  // A seven: a bar across the top, then a stroke down to the left.
  for (let i = 0; i < 8; i++) await page.keyboard.press("ArrowUp");
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Space");
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press("ArrowDown");
    if (i % 3 === 0) await page.keyboard.press("ArrowLeft");
  }
  await page.keyboard.press("Space");
  assert.equal(await predicted(page), "7");
  await app.screenshot("use-digit-keyboard");
  await page.keyboard.press("Delete");
  assert.equal(await page.getByTestId("predicted").count(), 0);
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("MNIST, the MLP preset and one epoch reach 85% validation accuracy", async () => {
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("builtin-mnist").click();
  await page.getByTestId("data-shape").getByText(/10000 images/).waitFor({ timeout: 60_000 });
  await app.step("Model").click();
  await page.getByTestId("preset-mlp").click();
  assert.equal(await page.getByTestId("total-params").innerText(), "109,386");
  assert.equal(await page.getByTestId("layer-2-shape").innerText(), "128");
  await app.screenshot("model-mlp");
  await app.step("Train").click();
  await app.setTraining({ epochs: "1" });
  await page.getByTestId("train").click();
  await page.getByTestId("train-progress").getByText(/Epoch 1 of 1, step \d+ of 110/).waitFor({ timeout: 60_000 });
  await page.getByTestId("run-state").getByText(/^Done: trained 1 epoch\b/).waitFor({ timeout: 180_000 });
  const latest = await page.getByTestId("train-latest").innerText();
  const accuracy = Number(latest.match(/validation accuracy ([\d.]+)%/)?.[1]);
  assert.ok(accuracy > 85, `validation accuracy after one epoch: ${latest}`);
  // The charts drew something, and the numbers are there as text.
  const points = await page.getByTestId("loss-chart").locator("polyline.train").getAttribute("points");
  assert.ok(points.split(" ").length >= 2, `loss trace: ${points}`);
  await app.screenshot("train-mnist-mlp");
  // The trained model is now the one in use.
  await app.step("Use & share").click();
  await page.getByTestId("model-name").getByText(/trained in this session/).waitFor();
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("training a CNN runs in the worker: no long tasks on the page, typing works, pause and resume", async () => {
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("builtin-mnist").click();
  await page.getByTestId("data-shape").getByText(/10000 images/).waitFor({ timeout: 60_000 });
  await app.step("Model").click();
  await page.getByTestId("preset-cnn").click();
  assert.equal(await page.getByTestId("total-params").innerText(), "93,322");
  await app.step("Train").click();
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: "longtask", buffered: false });
  });
  await page.getByTestId("train").click();
  await page.getByTestId("train-progress").getByText(/Epoch 1 of 5, step \d+ of \d+/).waitFor({ timeout: 60_000 });
  // The page answers while the worker trains: moving between steps and typing.
  await app.step("Model").click();
  await page.locator(".spec-json summary").click();
  await page.getByTestId("spec-json").click();
  const typed = Date.now();
  await page.keyboard.type(" ");
  const typing = Date.now() - typed;
  await app.step("Train").click();
  await page.waitForTimeout(8_000);
  const longTasks = await page.evaluate(() => window.__longTasks);
  assert.ok(longTasks.every((duration) => duration <= 100), `long tasks during training: ${longTasks}`);
  assert.ok(typing < 1000, `typing took ${typing} ms`);
  // Pause: the step counter stops; Resume: it moves again.
  await page.getByTestId("pause").click();
  await page.getByTestId("run-state").getByText("Paused").waitFor();
  const paused = await page.getByTestId("train-progress").innerText();
  await page.waitForTimeout(1500);
  assert.equal(await page.getByTestId("train-progress").innerText(), paused);
  await app.screenshot("train-paused");
  await page.getByTestId("resume").click();
  await page.getByTestId("run-state").getByText("Training").waitFor();
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="train-progress"]').innerText !== before,
    paused,
    { timeout: 30_000 },
  );
  await page.getByTestId("stop").click();
  await page.getByTestId("run-state").getByText(/^Done: stopped after/).waitFor({ timeout: 60_000 });
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("a CSV upload, a target, training and a one-row prediction", async () => {
  const work = mkdtempSync(join(tmpdir(), "hearth-studio-"));
  const csv = join(work, "flowers.csv");
  writeFileSync(csv, readFileSync(resolve(import.meta.dirname, "../../crates/core/assets/iris.csv")));
  const app = await openReady();
  const page = app.page;
  await page.getByTestId("upload-csv").setInputFiles(csv);
  await page.getByTestId("data-name").getByText("flowers.csv").waitFor();
  await page.getByTestId("target-select").selectOption("species");
  await app.step("Model").click();
  await page.getByTestId("preset-mlp").click();
  // A shape error is shown on the layer that causes it, and undone.
  await page.getByTestId("add-layer-kind").selectOption("max_pool2d");
  await page.getByTestId("add-layer").click();
  await page.getByTestId("layer-error").getByText(/^Layer 3: /).waitFor();
  await app.screenshot("model-shape-error");
  await page.getByTestId("remove-layer-3").click();
  assert.equal(await page.getByTestId("layer-error").count(), 0);
  await app.step("Train").click();
  await app.setTraining({ epochs: "60", "learning-rate": "0.01", "batch-size": "16" });
  await page.getByTestId("train").click();
  await page.getByTestId("run-state").getByText(/^Done: trained 60 epochs/).waitFor({ timeout: 120_000 });
  await app.step("Use & share").click();
  await page.getByTestId("row-form").waitFor();
  for (const [column, value] of [["sepal_length", "5.0"], ["sepal_width", "3.4"], ["petal_length", "1.5"], ["petal_width", "0.2"]]) {
    await page.getByTestId(`input-${column}`).fill(value);
  }
  await page.getByTestId("predict-row").click();
  assert.equal(await predicted(page), "setosa");
  assert.equal(await page.getByTestId("probabilities").locator("li").count(), 3);
  // A held-out test row fills the form and shows its true class.
  await page.getByTestId("pick-test-row").click();
  await page.getByText(/\(true value: \w+\)/).waitFor();
  await app.screenshot("use-table-row");
  assert.deepEqual(app.consoleErrors, []);
  await page.close();
});

test("the Model, Train and Use steps fit a phone screen", async () => {
  // A persistent context ignores newPage options: size the page itself.
  const app = new HearthPage(await (await freshBrowser()).newPage());
  await app.page.setViewportSize({ width: 390, height: 844 });
  await app.open(server.origin);
  await app.waitForEngine();
  const page = app.page;
  await page.getByTestId("builtin-mnist").click();
  await page.getByTestId("data-shape").getByText(/10000 images/).waitFor({ timeout: 60_000 });
  for (const [step, name] of [["Model", "phone-model"], ["Train", "phone-train"], ["Use & share", "phone-use"]]) {
    await app.step(step).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${step} is ${overflow}px wider than the phone`);
    await app.screenshot(name);
  }
  await page.close();
});
