// Project files: "Download project" writes one file with the recorded examples, the data
// set, its settings, the model's layers and training settings and the trained model;
// "Open project" in a fresh browser profile brings all of it back, and training goes on
// from there. Broken and hostile files are refused with a message, and nothing changes.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HearthPage, circle, cross, draw, launchBrowser, predicted, serveDist } from "./harness.mjs";

const open = [];
after(async () => {
  for (const thing of open) await thing.close();
});

const work = mkdtempSync(join(tmpdir(), "hearth-project-"));

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

/** Python's zipfile (the standard library's reader) lists the project and reads its manifest. */
function inspectWithPython(path) {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({"names": z.namelist(), "manifest": json.loads(z.read("hearth-project.json"))}))
`;
  return JSON.parse(execFileSync(process.env.HEARTH_PYTHON ?? "python3", ["-c", script, path], { encoding: "utf8" }));
}

/** A ZIP written by Python's zipfile: `entries` maps names to contents. */
function zipWithPython(path, entries) {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)
`;
  execFileSync(process.env.HEARTH_PYTHON ?? "python3", ["-c", script, path, JSON.stringify(entries)]);
}

test("a project downloaded here opens in a fresh profile with its examples, data, settings and model, and trains further", async () => {
  const { app, page } = await openApp();
  await page.getByTestId("open-drawn-capture").click();
  await page.getByTestId("drawn-capture").waitFor({ timeout: 60_000 });
  await page.getByTestId("capture-name-0").fill("Ring");
  await page.getByTestId("capture-name-0").dispatchEvent("change");
  for (let n = 0; n < 10; n++) {
    await draw(page, circle(n), "sketch-pad");
    await page.getByTestId("add-drawing-0").click();
    await page.getByTestId("capture-count-0").getByText(`${n + 1} example`).waitFor();
    for (const stroke of cross(n)) await draw(page, stroke, "sketch-pad");
    await page.getByTestId("add-drawing-1").click();
    await page.getByTestId("capture-count-1").getByText(`${n + 1} example`).waitFor();
  }
  await page.getByTestId("load-captured").click();
  await page.getByTestId("image-classes").waitFor({ timeout: 60_000 });
  await app.train({ preset: "mlp", settings: { epochs: "30", "learning-rate": "0.005" }, timeout: 180_000 });
  await app.step("Use & share").click();
  await page.getByTestId("model-name").getByText(/trained in this session/).waitFor({ timeout: 30_000 });
  await draw(page, circle(30), "sketch-pad");
  assert.equal(await predicted(page), "Ring");
  const answer = await page.getByTestId("prediction").innerText();
  const download = await app.download("download-project");
  const path = join(work, download.suggestedFilename());
  await download.saveAs(path);
  assert.equal(download.suggestedFilename(), "drawn-samples.hearth");
  const notice = await page.getByTestId("project-notice").innerText();
  assert.match(notice, /^Downloaded drawn-samples\.hearth \(.+\): 20 recorded examples, the data set Drawn samples, the settings and the model .+\.safetensors\.$/);
  await app.screenshot("project-downloaded");

  // Another reader agrees on what the file holds.
  const { names, manifest } = inspectWithPython(path);
  assert.equal(manifest.format, "hearth-project");
  assert.deepEqual(manifest.captures.map((set) => [set.source, set.classes.map((c) => [c.name, c.samples.length])]), [["drawing", [["Ring", 10], ["Cross", 10]]]]);
  assert.equal(manifest.session.train_config.epochs, 30);
  assert.equal(manifest.data_files.length, 20);
  assert.ok(names.includes("model.safetensors"));
  assert.equal(names.filter((name) => name.startsWith("samples/drawing/")).length, 20);

  // A fresh profile: nothing of the first one's storage.
  const fresh = await openApp();
  const other = fresh.page;
  assert.equal(await other.getByTestId("no-data").count(), 1, "the fresh profile starts empty");
  await other.getByTestId("open-project").setInputFiles(path);
  await other.getByTestId("project-notice").getByText(/^Opened Drawn samples: 20 recorded examples, the data set Drawn samples, the settings and the model .+\.safetensors\.$/).waitFor({ timeout: 60_000 });
  await other.getByTestId("image-classes").waitFor({ timeout: 60_000 });
  const classes = await other.getByTestId("image-classes").innerText();
  assert.match(classes, /Ring\s+10 images/);
  assert.match(classes, /Cross\s+10 images/);
  await other.getByTestId("open-drawn-capture").click();
  await other.getByTestId("capture-count-0").getByText("10 examples").waitFor({ timeout: 30_000 });
  assert.equal(await other.getByTestId("capture-name-0").inputValue(), "Ring");
  assert.equal(await other.getByTestId("capture-class-1").locator("img").count(), 10);
  await fresh.app.screenshot("project-opened");
  await fresh.app.step("Train").click();
  assert.equal(await other.getByTestId("epochs").inputValue(), "30", "the training settings came back");
  // The model came back: the same drawing gets the same answer, probabilities and all.
  await fresh.app.step("Use & share").click();
  await other.getByTestId("model-name").waitFor({ timeout: 30_000 });
  await draw(other, circle(30), "sketch-pad");
  assert.equal(await predicted(other), "Ring");
  assert.equal(await other.getByTestId("prediction").innerText(), answer);
  // And training goes on from there: the same model, its 30 epochs kept, 5 more.
  await fresh.app.step("Train").click();
  assert.match(await other.getByTestId("further-hint").innerText(), /goes on from the model in use, .+ \(30 epochs\)/);
  assert.equal(await other.getByTestId("history").locator("tbody tr").count(), 30, "the model's history is shown");
  await fresh.app.setTraining({ epochs: "5", "batch-size": "4", "learning-rate": "0.002" });
  await other.getByTestId("train-further").click();
  await other.getByTestId("run-state").getByText("Done: trained 5 epochs more (35 in all)").waitFor({ timeout: 180_000 });
  const rows = other.getByTestId("history").locator("tbody tr");
  assert.equal(await rows.count(), 35);
  assert.equal(await rows.nth(34).locator("td").first().textContent(), "35");
  assert.match(await other.getByTestId("train-progress").innerText(), /^Epoch 35 of 35, /);
  await fresh.app.screenshot("project-trained-further");
  await fresh.app.step("Use & share").click();
  await other.getByTestId("model-name").getByText(/trained in this session/).waitFor({ timeout: 30_000 });
  await other.getByTestId("clear-sketch").click();
  for (const stroke of cross(31)) await draw(other, stroke, "sketch-pad");
  assert.equal(await predicted(other), "Cross");
  assert.deepEqual(app.consoleErrors, []);
  assert.deepEqual(fresh.app.consoleErrors, []);
});

test("a broken or hostile project file is refused with a message, and nothing changes", async () => {
  const { app, page } = await openApp();
  await page.getByTestId("builtin-iris").click();
  await page.getByTestId("data-name").getByText("Iris flowers").waitFor({ timeout: 60_000 });
  const text = join(work, "notes.hearth");
  writeFileSync(text, "not a project at all");
  const escape = join(work, "escape.hearth");
  zipWithPython(escape, {
    "hearth-project.json": JSON.stringify({ format: "hearth-project", version: 1, name: "x", session: { version: 1, keep_uploads: false } }),
    "../../outside.txt": "x",
  });
  const newer = join(work, "newer.hearth");
  zipWithPython(newer, { "hearth-project.json": JSON.stringify({ format: "hearth-project", version: 99 }) });
  const missing = join(work, "missing.hearth");
  zipWithPython(missing, {
    "hearth-project.json": JSON.stringify({
      format: "hearth-project", version: 1, name: "m", session: { version: 1, keep_uploads: false },
      captures: [{ source: "drawing", classes: [{ name: "A", samples: [{ file: "samples/drawing/0/0.png" }] }] }],
    }),
  });
  const cases = [
    [text, /^notes\.hearth is not a Hearth project \(it is not a ZIP file.*\)\. Choose a file that Hearth's "Download project" wrote/],
    [escape, /^escape\.hearth is damaged: the entry "\.\.\/\.\.\/outside\.txt" points outside the project\. Nothing was changed/],
    [newer, /^newer\.hearth was written by a newer Hearth \(project version 99; this one reads 1\)\./],
    [missing, /^missing\.hearth is damaged: the file "samples\/drawing\/0\/0\.png" it names is missing\./],
  ];
  for (const [file, message] of cases) {
    await page.getByTestId("open-project").setInputFiles(file);
    const problem = page.getByTestId("project-problem");
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), message);
  }
  await app.screenshot("project-refused");
  // Nothing changed: the table is still loaded, no examples appeared.
  assert.equal(await page.getByTestId("data-name").innerText(), "Iris flowers");
  await page.getByTestId("open-drawn-capture").click();
  await page.getByTestId("capture-count-0").getByText("0 examples").waitFor({ timeout: 30_000 });
  assert.ok(statSync(text).size > 0);
  assert.deepEqual(app.consoleErrors, []);
});
