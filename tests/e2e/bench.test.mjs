// The benchmark against TensorFlow.js still works: a quick run of bench/run.mjs (a short
// training on 640 digits; it proves the bench runs, it does not judge speed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

test("a quick benchmark run trains both models with Hearth and TensorFlow.js and writes its table", async () => {
  const out = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const { stdout } = await promisify(execFile)("node", [join(ROOT, "bench/run.mjs"), "--quick", "--out", out], { timeout: 600_000 });
  assert.match(stdout, /bench: \d+ runs measured, 0 Hearth runs failed/);
  const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  const run = (model, impl, backend) => report.runs.find((r) => r.model === model && r.impl === impl && r.backend.startsWith(backend))?.result;
  for (const model of ["mlp", "cnn"]) {
    // The threaded CPU engine (the benchmark's page is cross-origin isolated) and the
    // single-threaded one, with the FLOPs of a step (three forward passes of 64 examples).
    for (const [backend, threads] of [["CPU (wasm SIMD, every core)", (n) => n >= 2], ["CPU (wasm SIMD, one thread)", (n) => n === 1]]) {
      const hearth = report.runs.find((r) => r.model === model && r.impl === "Hearth" && r.backend === backend)?.result;
      assert.equal(hearth?.status, "ok", JSON.stringify(hearth));
      assert.ok(hearth.stepsPerSecond > 0 && hearth.testAccuracy > 0.1, JSON.stringify(hearth));
      assert.equal(hearth.params, model === "mlp" ? 109386 : 93322);
      assert.ok(threads(hearth.threads), `${backend}: ${hearth.threads} threads`);
      if (model === "mlp") assert.equal(hearth.flopsPerStep, 3 * 2 * (784 * 128 + 128 * 64 + 64 * 10) * 64);
    }
    assert.equal(run(model, "Hearth native", "CPU").status, "ok");
  }
  // The CNN with its first 7 layers frozen, as a model built on another trains (issue 23).
  const frozen = run("cnn", "Hearth", "CPU (wasm SIMD, every core), layers 1–7 frozen");
  assert.equal(frozen.status, "ok", JSON.stringify(frozen));
  assert.ok(frozen.stepsPerSecond > 0 && frozen.testAccuracy === null, JSON.stringify(frozen));
  const nativeFrozen = report.runs.find((r) => r.model === "cnn" && r.impl === "Hearth native" && r.backend.endsWith("layers 1–7 frozen"))?.result;
  assert.equal(nativeFrozen?.status, "ok", JSON.stringify(nativeFrozen));
  assert.equal(run("mlp", "TensorFlow.js", "wasm").status, "ok");
  // TensorFlow.js 4.22's stock wasm backend cannot train the CNN: reported as it is.
  const stock = run("cnn", "TensorFlow.js", "wasm");
  assert.equal(stock.status, "unsupported");
  assert.match(stock.message, /Conv2DBackpropFilter/);
  assert.equal(run("cnn", "TensorFlow.js", "wasm+shim").status, "ok");
  assert.ok(report.bytes.hearthPage > 0 && report.bytes.tfjsPage > 0);
  const markdown = readFileSync(join(out, "RESULTS.md"), "utf8");
  assert.match(markdown, /\| Hearth \| CPU \(wasm SIMD, every core\) \(\d+ threads\) \| [\d.]+ \| [\d.]+ \(\d+%\) \|/);
  assert.match(markdown, /MFLOP per training step/);
  assert.match(readFileSync(join(out, "chart.svg"), "utf8"), /^<svg /);
});
