// Training on top of a model, as a user does it: three drawn symbol classes (ticks,
// crosses, circles: ten drawings each, drawn with the mouse), a new model built on the
// shipped digit CNN with its layers frozen, and five new drawings of each read right; the
// same drawings from scratch for comparison (logged, and written to the artifacts); the
// same digit CNN chosen as a file names the same file hash. And shapes the test draws and
// uploads as a folder of images, on the digit CNN and from scratch, side by side.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACTS, DIST, HearthPage, answeredId, circle, cross, draw, launchBrowser, predicted, serveDist } from "./harness.mjs";

const open = [];
after(async () => {
  for (const thing of open) await thing.close();
});

/** Hearth in a fresh browser, its engine ready. */
async function openApp() {
  const server = await serveDist();
  open.push(server);
  const browser = await launchBrowser();
  open.push(browser);
  const page = await browser.newPage();
  const app = new HearthPage(page);
  await app.open(server.origin);
  await app.waitForEngine();
  return { app, page };
}

/** A tick, a little different each time `n` (one stroke, fractions of the pad). */
function tick(n) {
  const [dx, dy, s] = [((n % 3) - 1) * 0.05, ((n % 4) - 1.5) * 0.03, 0.9 + (n % 5) * 0.06];
  return [
    [0.3 + dx, 0.5 + dy],
    [0.42 + dx, 0.5 + dy + 0.18 * s],
    [0.5 + dx + 0.1 * s, 0.5 + dy],
    [0.58 + dx + 0.14 * s, 0.5 + dy - 0.25 * s],
  ];
}

const SYMBOLS = [
  ["Tick", (n) => [tick(n)]],
  ["Cross", (n) => cross(n)],
  ["Circle", (n) => [circle(n)]],
];

async function drawSymbol(page, strokes) {
  for (const stroke of strokes) await draw(page, stroke, "sketch-pad");
}

/** Draws five new drawings of each symbol on the Use step; returns how many were read
 * right, and the answers. */
async function readNewDrawings(page) {
  let right = 0;
  const answers = [];
  for (let n = 30; n < 35; n++) {
    for (const [truth, strokes] of SYMBOLS) {
      await page.getByTestId("clear-sketch").click();
      const before = await answeredId(page);
      await drawSymbol(page, strokes(n));
      const answer = await predicted(page, { after: before });
      answers.push(`${truth}→${answer}`);
      if (answer === truth) right += 1;
    }
  }
  return { right, answers };
}

/** Every epoch's figures, from the Train step's history table (in its folded details). */
async function history(page) {
  return page.getByTestId("history").locator("tbody tr").evaluateAll((rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.textContent.trim()).join(" | ")));
}

test("start from a model: drawn symbols on the digit CNN, frozen, read 90% of new drawings right", async () => {
  const { app, page } = await openApp();

  await page.getByTestId("open-drawn-capture").click();
  await page.getByTestId("drawn-capture").waitFor({ timeout: 60_000 });
  await page.getByTestId("add-capture-class").click();
  for (const [index, [name]] of SYMBOLS.entries()) {
    await page.getByTestId(`capture-name-${index}`).fill(name);
    await page.getByTestId(`capture-name-${index}`).dispatchEvent("change");
  }
  for (let n = 0; n < 10; n++) {
    for (const [index, [, strokes]] of SYMBOLS.entries()) {
      await drawSymbol(page, strokes(n));
      await page.getByTestId(`add-drawing-${index}`).click();
      await page.getByTestId(`capture-count-${index}`).getByText(`${n + 1} example`).waitFor();
    }
  }
  await page.getByTestId("load-captured").click();
  await page.getByTestId("image-classes").waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId("image-classes").innerText(), /Circle\n10 images\nCross\n10 images\nTick\n10 images/);

  // The Model step: the model in use (the shipped digit CNN) as the start.
  await app.step("Model").click();
  await page.getByTestId("start-from").locator("summary").click();
  await page.getByTestId("base-in-use").click();
  await page.getByTestId("base").waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId("base-name").innerText(), "Digits (pretrained CNN)");
  const baseText = await page.getByTestId("base").innerText();
  const sha256 = createHash("sha256").update(readFileSync(join(DIST, "digits.safetensors"))).digest("hex");
  assert.ok(baseText.includes(`file sha256 ${sha256.slice(0, 12)}…`), baseText);
  assert.match(await page.getByTestId("base-layer-1").innerText(), /Conv2d 32 3×3 relu\s+32×26×26\s+320\s+kept, frozen/);
  assert.match(await page.getByTestId("base-layer-7").innerText(), /Dense 64 relu\s+64\s+36,928\s+kept, frozen/);
  // Keeping fewer leaves the rest out.
  await page.getByTestId("keep-layers").selectOption("5");
  assert.equal(await page.getByTestId("base-layer-6-kept").innerText(), "left out");
  await page.getByTestId("keep-layers").selectOption("7");
  await page.getByTestId("use-base").click();
  await page.getByTestId("layer-7-kept").waitFor();
  assert.equal(await page.getByTestId("layer-1-kept").innerText(), "kept from Digits (pretrained CNN), frozen");
  assert.equal(await page.getByTestId("remove-layer-1").isDisabled(), true, "kept layers stay");
  assert.match(await page.getByTestId("layers").innerText(), /Output: 3 classes, softmax/);
  await app.screenshot("transfer-model-step");

  // The Train step says what is frozen; a short run trains only the new output.
  await app.step("Train").click();
  assert.equal(
    await page.getByTestId("train-origin").innerText(),
    "Layers 1–7 are kept from Digits (pretrained CNN) and frozen: no gradients are computed or stored for them, and only the layers after them learn.",
  );
  const settings = { epochs: "15", "batch-size": "8", "learning-rate": "0.01" };
  await app.setTraining(settings);
  await page.getByTestId("train").click();
  await page.getByTestId("run-state").getByText(/^Done: /).waitFor({ timeout: 180_000 });
  const fromBase = await history(page);
  await app.screenshot("transfer-trained");

  await app.step("Use & share").click();
  await page.getByTestId("model-name").getByText(/trained in this session/).waitFor({ timeout: 30_000 });
  const based = await readNewDrawings(page);
  console.log(`on the digit CNN: ${based.right} of 15 new drawings right (${based.answers.join(", ")})`);
  await app.screenshot("transfer-predicted");
  assert.equal(
    await page.getByTestId("card-origin").innerText(),
    `Built on Digits (pretrained CNN): its first 7 layers kept, frozen. Its file's SHA-256 is ${sha256}.`,
  );
  // Saved in this browser, it is a base to choose too: the model it was built on, kept.
  await page.getByTestId("save-model").click();
  await page.getByTestId("saved-models").locator("tbody tr").first().waitFor({ timeout: 30_000 });
  await app.step("Model").click();
  await page.getByTestId("base-saved").selectOption({ index: 1 });
  await page.getByTestId("base-name").getByText(/^Drawn/).waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId("base-layer-7").innerText(), /Dense 64 relu\s+64\s+36,928/);
  assert.ok(!(await page.getByTestId("base").innerText()).includes(sha256.slice(0, 12)), "another file");

  // The same drawings and settings from scratch (the CNN preset), for the note.
  await app.train({ preset: "cnn", settings, timeout: 300_000 });
  const fromScratch = await history(page);
  await app.step("Use & share").click();
  const scratch = await readNewDrawings(page);
  console.log(`from scratch: ${scratch.right} of 15 new drawings right (${scratch.answers.join(", ")})`);
  writeFileSync(
    join(ARTIFACTS, "transfer-comparison.json"),
    JSON.stringify({ settings, fromBase: { right: based.right, history: fromBase }, fromScratch: { right: scratch.right, history: fromScratch } }, null, 2),
  );

  // The same model chosen as a file is the same file.
  await app.step("Model").click();
  await page.getByTestId("base-file").setInputFiles(join(DIST, "digits.safetensors"));
  await page.getByTestId("base").getByText(`file sha256 ${sha256.slice(0, 12)}…`).waitFor({ timeout: 30_000 });
  // A file that is not a model is refused, and the chosen model stays.
  await page.getByTestId("base-file").setInputFiles({ name: "notes.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from("not a model") });
  await page.getByTestId("base-problem").waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId("base-problem").innerText(), /notes\.safetensors/);
  assert.equal(await page.getByTestId("base-name").innerText(), "Digits (pretrained CNN)");

  assert.ok(based.right >= 14, `at least 90% of 15 new drawings read right on the digit CNN: ${based.right}`);
  assert.deepEqual(app.consoleErrors, []);
});

/** Shapes drawn by the test in the page (an OffscreenCanvas, written as PNG files): light
 * strokes on dark, as the digit CNN saw digits, `perClass` circles, squares and triangles
 * of varied size, place and tilt. Returns [class, base64 PNG] pairs. */
async function makeShapes(page, perClass, seed) {
  return page.evaluate(async ({ perClass, seed }) => {
    let state = seed;
    const uniform = (low, high) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return low + ((state >>> 8) & 0xffff) / 0xffff * (high - low);
    };
    const out = [];
    for (const shape of ["circle", "square", "triangle"]) {
      for (let i = 0; i < perClass; i++) {
        const canvas = new OffscreenCanvas(28, 28);
        const context = canvas.getContext("2d");
        context.fillStyle = "black";
        context.fillRect(0, 0, 28, 28);
        context.strokeStyle = "white";
        context.lineWidth = uniform(1.5, 3);
        const size = uniform(5, 10);
        context.translate(uniform(11, 17), uniform(11, 17));
        context.rotate(uniform(-0.5, 0.5));
        context.beginPath();
        if (shape === "circle") context.arc(0, 0, size, 0, 2 * Math.PI);
        else if (shape === "square") context.rect(-size, -size, 2 * size, 2 * size);
        else { context.moveTo(0, -size); context.lineTo(size, size); context.lineTo(-size, size); context.closePath(); }
        context.stroke();
        const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
        out.push([shape, btoa(String.fromCharCode(...bytes))]);
      }
    }
    return out;
  }, { perClass, seed });
}

test("start from a model: uploaded shapes on the digit CNN and from scratch, side by side", async () => {
  const { app, page } = await openApp();

  const root = join(mkdtempSync(join(tmpdir(), "hearth-shapes-")), "shapes");
  for (const [index, [shape, base64]] of (await makeShapes(page, 12, 17)).entries()) {
    mkdirSync(join(root, shape), { recursive: true });
    writeFileSync(join(root, shape, `${index}.png`), Buffer.from(base64, "base64"));
  }
  await page.getByTestId("upload-folder").setInputFiles(root);
  await page.getByTestId("data-shape").getByText("36 images in 3 classes, 28 × 28 grayscale").waitFor({ timeout: 60_000 });

  // New shapes to judge each model by, one by one on the Use step as a user would.
  const held = await makeShapes(page, 10, 91);
  const settings = { epochs: "15", "batch-size": "8", "learning-rate": "0.01" };
  const judged = async () => {
    const epochs = await history(page);
    await app.step("Evaluate").click();
    const headline = await page.getByTestId("eval-headline").innerText({ timeout: 30_000 });
    await app.step("Use & share").click();
    let right = 0;
    for (const [index, [shape, base64]] of held.entries()) {
      const before = await answeredId(page);
      await page.getByTestId("predict-image").setInputFiles({ name: `new-${index}.png`, mimeType: "image/png", buffer: Buffer.from(base64, "base64") });
      if ((await predicted(page, { after: before })) === shape) right += 1;
    }
    return { headline, right, of: held.length, history: epochs };
  };
  await app.step("Model").click();
  await page.getByTestId("start-from").locator("summary").click();
  await page.getByTestId("base-in-use").click();
  await page.getByTestId("use-base").click();
  await page.getByTestId("layer-7-kept").waitFor({ timeout: 30_000 });
  await app.step("Train").click();
  await app.setTraining(settings);
  await page.getByTestId("train").click();
  await page.getByTestId("run-state").getByText(/^Done: /).waitFor({ timeout: 180_000 });
  const fromBase = await judged();
  await app.screenshot("transfer-shapes-evaluated");

  await app.train({ preset: "cnn", settings, timeout: 300_000 });
  const fromScratch = await judged();
  console.log(`uploaded shapes: on the digit CNN ${fromBase.right} of ${fromBase.of} new shapes right (test split: ${fromBase.headline}); from scratch ${fromScratch.right} of ${fromScratch.of} (${fromScratch.headline})`);
  writeFileSync(join(ARTIFACTS, "transfer-shapes-comparison.json"), JSON.stringify({ settings, fromBase, fromScratch }, null, 2));
  // Far above chance (a third): the kept layers read the uploaded shapes.
  assert.ok(fromBase.right >= 20, `${fromBase.right} of ${fromBase.of}`);
  assert.deepEqual(app.consoleErrors, []);
});
