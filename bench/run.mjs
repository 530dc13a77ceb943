#!/usr/bin/env node
// Hearth against TensorFlow.js 4.22, side by side in one headless Chromium session: the
// same models (the MLP 784-128-64-10 and the small MNIST CNN), the same data (the shipped
// MNIST digits: 8,000 train, 2,000 held out, digit i held out when floor(i / 10) % 5 == 4),
// batch 64, Adam at 0.001. Hearth runs in its own engine worker (bench/hearth-bench.js,
// hearth_core::bench); TensorFlow.js on each backend it has (bench/tfjs-bench.js); and
// `hearth bench` natively. Writes bench/results/results.json, RESULTS.md and chart.svg.
//
//   scripts/bench.sh            # builds the release app and the CLI, then runs this
//   node bench/run.mjs --quick  # CI: a short run that proves the bench works, not a measurement
//
// Options: --quick, --epochs N (1), --timed-steps N (50), --models mlp,cnn,
// --no-native, --out DIR, --only "hearth cpu,wasm+shim" (while profiling: only the runs
// whose "implementation backend" label contains one of the comma-separated texts).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { TFJS_FILES, jsFlags, serveBench } from "./server.mjs";
import { table as firstVisitTable } from "./first-visit.mjs";

const ROOT = resolve(import.meta.dirname, "..");

function parseArgs(argv) {
  const args = { quick: false, native: true, epochs: 1, timedSteps: 50, models: ["mlp", "cnn"], out: join(ROOT, "bench", "results") };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    switch (argv[i]) {
      case "--quick": args.quick = true; break;
      case "--no-native": args.native = false; break;
      case "--epochs": args.epochs = Number(next()); break;
      case "--timed-steps": args.timedSteps = Number(next()); break;
      case "--models": args.models = next().split(","); break;
      case "--out": args.out = resolve(next()); break;
      case "--from": args.from = resolve(next()); break;
      case "--only": args.only = next().toLowerCase().split(","); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (args.quick) args.timedSteps = Math.min(args.timedSteps, 5);
  // A quick run never overwrites the full run's committed results.
  if (args.quick && !argv.includes("--out")) args.out = join(ROOT, "bench", "results", "quick");
  return args;
}

const gzipSize = (path) => gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }).length;

/** With a deadline: a run that hangs is reported, not waited for forever. */
async function within(seconds, promise) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${seconds} s`)), seconds * 1000); });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(timer); }
}

/** The compressed bytes a fresh page needs before it is interactive. */
async function firstLoads(context, server) {
  const page = await context.newPage();
  try {
    server.reset();
    await page.goto(`${server.origin}/`);
    // Interactive: the app's own wasm runs and the steps respond (the engine loads after).
    await page.getByRole("button", { name: /Data/ }).first().waitFor({ timeout: 60_000 });
    const seen = server.bytes();
    // The benchmark's server is cross-origin isolated: the page's CPU engine is the threaded one.
    const engineFiles = ["/engine-mt_bg.wasm", "/engine-mt.js", "/engine_bg.wasm", "/engine.js", "/engine-loader.js", "/digits.safetensors"];
    const pageBytes = Object.entries(seen.byPath)
      .filter(([path]) => !engineFiles.includes(path))
      .reduce((sum, [, row]) => sum + row.bytes, 0);
    server.reset();
    await page.goto(`${server.origin}/bench/tfjs.html`);
    await page.waitForFunction(() => window.tfjsBenchReady === true, null, { timeout: 60_000 });
    const tfjsPage = server.bytes().total;
    const tf = (name) => gzipSize(TFJS_FILES[name]);
    return {
      hearthPage: pageBytes,
      hearthEngine: gzipSize(join(ROOT, "dist", "engine-mt_bg.wasm")) + gzipSize(join(ROOT, "dist", "engine-mt.js")) + gzipSize(join(ROOT, "dist", "engine-loader.js")),
      tfjsPage,
      tfjsCore: tf("tf.min.js"),
      tfjsWasm: tf("tf-backend-wasm.min.js") + tf("tfjs-backend-wasm-simd.wasm"),
      tfjsWebgpu: tf("tf-backend-webgpu.min.js"),
      note: "gzip -9 bodies. Hearth's page: everything the app fetched until its step buttons rendered, less the engine worker's files (they load in the background). Hearth's engine: the threaded one this isolated page loads, engine-mt_bg.wasm, engine-mt.js and engine-loader.js. TF.js's page: /bench/tfjs.html until its script was ready (tf.min.js and the bench's own scripts); its wasm backend adds tf-backend-wasm.min.js and the SIMD binary.",
    };
  } finally {
    await page.close();
  }
}

/** A hearth_core::bench::BenchResult (from the engine or `hearth bench`) as a row. */
function fromBench(r) {
  return {
    status: "ok",
    stepsPerSecond: r.steps_per_second,
    epochSeconds: r.epoch_seconds,
    testAccuracy: r.test_accuracy,
    inferenceMedianMs: r.inference_median_ms,
    inferenceP95Ms: r.inference_p95_ms,
    clockOverheadMs: r.clock_overhead_ms,
    memoryBytes: r.peak_memory_bytes,
    params: r.parameters,
    flopsPerStep: r.flops_per_step || null,
    threads: r.threads ?? 1,
    // The studio's trial of the CPU and WebGPU on this model (the WebGPU row only).
    verdict: r.verdict ?? null,
  };
}

/** Hearth's run in a fresh page. The CPU engines run twice there and the faster run counts:
 * a fresh worker compiles the engine's wasm again, and its first run still executes much
 * of it in the browser's baseline compiler's code (the threaded MLP measured 236 to 307
 * steps/s in a first run, 648 to 671 in a second); the second finds the optimised code. */
async function hearthRun(context, server, settings, forceCpu, threads = true) {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/bench/hearth.html`);
    const once = () => within(900, page.evaluate((args) => window.runHearth(args), { settings, forceCpu, threads }));
    let out = await once();
    if (forceCpu && !out.failed) {
      const again = await once();
      if (!again.failed && again.result.steps_per_second > out.result.steps_per_second) out = again;
    }
    if (out.failed) return { status: "error", message: out.failed, backend: out.backend };
    if (!forceCpu && out.backend !== "web_gpu") return { status: "unavailable", message: out.fallback ?? "no WebGPU adapter" };
    return { ...fromBench(out.result), memoryNote: "peak size of the engine worker's wasm memory" };
  } catch (error) {
    return { status: "error", message: String(error?.message ?? error) };
  } finally {
    await page.close();
  }
}

async function tfjsRun(context, server, options) {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/bench/tfjs.html`);
    await page.waitForFunction(() => window.tfjsBenchReady === true, null, { timeout: 60_000 });
    const r = await within(900, page.evaluate((opts) => window.runTfjs(opts), options));
    if (r.status !== "ok") return { status: r.status, message: r.message ?? r.reason ?? "", threads: r.backendInfo?.threads };
    const epoch = (r.epochSeconds ?? [])[0];
    return {
      status: "ok",
      stepsPerSecond: r.stepsPerSecond,
      epochSeconds: options.epochs > 0 ? epoch : null,
      testAccuracy: options.epochs > 0 ? r.testAccuracy : null,
      inferenceMedianMs: r.inference?.medianMs,
      inferenceP95Ms: r.inference?.p95Ms,
      memoryBytes: (r.memory?.tfPeak?.numBytes ?? 0) + (r.memory?.wasmLinearMemoryPeak ?? 0),
      memoryNote: "peak tf.memory().numBytes plus the wasm backend's memory",
      params: r.params,
      threads: r.backendInfo?.threads,
      shimShare: r.shimTime?.shareOfTimedSteps,
    };
  } catch (error) {
    return { status: "error", message: String(error?.message ?? error) };
  } finally {
    await page.close();
  }
}

/** `hearth bench`: $HEARTH_CLI, else the release build, else the tests' debug build (its
 * dependencies are optimised too, but it is labelled). */
function nativeBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, ".cache/hearth/target");
  const candidates = [process.env.HEARTH_CLI, join(target, "release", "hearth"), join(target, "debug", "hearth")];
  return candidates.find((path) => path && existsSync(path));
}

function nativeRun(model, settings) {
  const binary = nativeBinary();
  if (!binary) return { status: "unavailable", message: "hearth is not built (scripts/bench.sh builds it)" };
  const args = ["bench", "--model", model, "--epochs", String(settings.epochs), "--timed-steps", String(settings.timed_steps)];
  if (settings.train < 8000) args.push("--quick");
  if (settings.frozen) args.push("--frozen", String(settings.frozen));
  // Natively there is no memory probe: peak_memory_bytes is null.
  return fromBench(JSON.parse(execFileSync(binary, args, { encoding: "utf8" })));
}

const FROZEN = "layers 1–7 frozen";
/** Hearth's CPU engine as the page loads it here (cross-origin isolated): the threaded one. */
const CPU = "CPU (wasm SIMD, every core)";
/** The single-threaded CPU engine: what Hearth ran before threads, and where a page is not
 * cross-origin isolated. */
const CPU_SINGLE = "CPU (wasm SIMD, one thread)";
const FROZEN_CPU = `${CPU}, ${FROZEN}`;
/** One core's peak here, in FLOP/s: 4-lane single-precision SIMD multiplies and adds (no
 * fused multiply-add, which WebAssembly SIMD lacks), as many a cycle as the core issues
 * (see `simdIssue`), at the clock the OS reports. The fraction is stated against this roof. */
const roof = (issue) => 4 * issue.perCycle * clockMhz() * 1e6;

/** How many 4-lane floating-point multiplies and adds one core starts a cycle, and why:
 * AMD's Zen cores (family 23 and later) have two multiply and two add pipes, so four;
 * elsewhere one of each is assumed, two. (On 2026-12-06 a Zen 4 core trained the MLP at
 * 103% of a roof of two.) */
function simdIssue() {
  let info = "";
  try {
    info = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // Not Linux: the assumption below.
  }
  const vendor = info.match(/^vendor_id\s*:\s*(\S+)/m)?.[1];
  const family = Number(info.match(/^cpu family\s*:\s*(\d+)/m)?.[1] ?? 0);
  return vendor === "AuthenticAMD" && family >= 23
    ? { perCycle: 4, why: "two 4-lane multiplies and two 4-lane adds each cycle (AMD Zen: two FP multiply and two FP add pipes)" }
    : { perCycle: 2, why: "a 4-lane multiply and a 4-lane add each cycle" };
}

/** The CPU's clock in MHz: Node's figure, or /proc/cpuinfo's where Node reads 0 (in some
 * containers); 0 where neither says. */
function clockMhz() {
  const node = cpus()[0]?.speed ?? 0;
  if (node > 0) return node;
  try {
    return Number(readFileSync("/proc/cpuinfo", "utf8").match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const f = (value, digits) => (value == null || Number.isNaN(value) ? "–" : Number(value).toFixed(digits));
const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;

function markdown(report) {
  const lines = [];
  lines.push(`# Hearth against TensorFlow.js ${report.tfjsVersion}`, "");
  lines.push(`${report.generatedAt}, ${report.host.cpus} × ${report.host.cpuModel}, ${(report.host.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${report.browser}. ${report.jsFlags ? `**V8 flags: \`${report.jsFlags}\`** (not the browser's defaults). ` : ""}${report.quick ? "**Quick run (CI): a smoke test, not a measurement.**" : ""}`, "");
  lines.push(`Settings: batch ${report.settings.batch}, Adam 0.001, ${report.settings.warmup_steps} warm-up steps then ${report.settings.timed_steps} timed steps on a first model; a fresh model then trains ${report.settings.epochs} epoch(s) on ${report.settings.train} digits (the first timed) and is scored on ${report.settings.test} held-out digits; 100 single-image predictions after 5 untimed ones.`, "");
  for (const model of report.models) {
    lines.push(`## ${model === "mlp" ? "MLP 784-128-64-10" : "CNN conv32-pool-conv64-pool-conv64-dense64"}`, "");
    const rows = report.runs.filter((run) => run.model === model);
    const reference = rows.find((run) => run.impl === "TensorFlow.js" && run.backend === (model === "cnn" ? "wasm+shim" : "wasm"));
    const single = rows.find((run) => run.impl === "Hearth" && run.backend === CPU_SINGLE);
    const flops = rows.map((run) => run.result.flopsPerStep).find((value) => value);
    if (flops) lines.push(`${f(flops / 1e6, 1)} MFLOP per training step (three forward passes of the batch; a multiply-add is 2; the optimizer's step not counted). GFLOP/s is steps/s times that; the roof is one core's ${f(report.roof / 1e9, 1)} GFLOP/s (${f(report.host.mhz / 1000, 2)} GHz × ${4 * (report.roofIssue?.perCycle ?? 2)}: ${report.roofIssue?.why ?? "a 4-lane multiply and a 4-lane add each cycle"}, without fused multiply-add, at the clock the OS reports).`, "");
    lines.push(`| Implementation | Backend | Steps/s | GFLOP/s (of one core's roof) | Epoch (s) | Test accuracy | Inference median / p95 (ms) | Peak memory | Steps/s vs Hearth one thread | Steps/s vs TF.js ${model === "cnn" ? "wasm+shim" : "wasm"} |`);
    lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const run of rows) {
      const r = run.result;
      if (r.status !== "ok") {
        lines.push(`| ${run.impl} | ${run.backend} | ${r.status}: ${String(r.message ?? "").replaceAll("|", "/").slice(0, 140)} | | | | | | | |`);
        continue;
      }
      const ratio = reference?.result.status === "ok" ? `${f(r.stepsPerSecond / reference.result.stepsPerSecond, 2)}×` : "–";
      const own = single?.result.status === "ok" && run.impl.startsWith("Hearth") ? `${f(r.stepsPerSecond / single.result.stepsPerSecond, 2)}×` : "–";
      const gflops = flops && !run.backend.includes(FROZEN) ? (r.stepsPerSecond * flops) / 1e9 : null;
      const throughput = gflops == null ? "–" : `${f(gflops, 1)}${report.roof ? ` (${f((gflops / report.roof) * 1e9 * 100, 0)}%)` : ""}`;
      const memory = r.memoryBytes == null || Number.isNaN(r.memoryBytes) ? "–" : `${f(r.memoryBytes / 2 ** 20, 1)} MB`;
      lines.push(`| ${run.impl} | ${run.backend}${r.threads ? ` (${r.threads} thread${r.threads > 1 ? "s" : ""})` : ""} | ${f(r.stepsPerSecond, 1)} | ${throughput} | ${f(r.epochSeconds, 2)} | ${r.testAccuracy != null ? f(r.testAccuracy * 100, 1) + "%" : run.backend.includes(FROZEN) ? "not scored (fresh frozen layers)" : "not trained (too slow here)"} | ${f(r.inferenceMedianMs, 2)} / ${f(r.inferenceP95Ms, 2)} | ${memory} | ${own} | ${ratio} |`);
    }
    lines.push("");
    // What the studio would train this model on here: its trial of the two backends, run
    // by the WebGPU engine after its benchmark.
    const verdict = rows.map((run) => run.result.verdict).find((value) => value);
    if (verdict) {
      const rate = (trial) => (trial.steps > 0 ? `${f(trial.steps / trial.seconds, 1)} steps/s (${trial.steps} steps in ${f(trial.seconds, 2)} s)` : `no timed step in ${f(trial.seconds, 1)} s`);
      lines.push(`The autotuner's choice (the studio's trial of this model on this machine, \`hearth_core::autotune\`): **${verdict.chosen === "web_gpu" ? "WebGPU" : "the CPU"}**, from ${rate(verdict.cpu)} on the CPU (the WebGPU engine's, single-threaded) against ${rate(verdict.webgpu)} on WebGPU.`, "");
    }
  }
  lines.push("## Targets (ratios in this run)", "");
  for (const target of report.targets) lines.push(`- ${target.met ? "Met" : "**Not met**"}: ${target.text}`);
  lines.push("");
  const b = report.bytes;
  // The first-visit table (bench/first-visit.mjs, over an emulated 10 Mbit/s link), from
  // its last run.
  const firstVisit = join(ROOT, "bench", "results", "first-visit.json");
  if (existsSync(firstVisit)) {
    const visits = JSON.parse(readFileSync(firstVisit, "utf8"));
    lines.push("## First visit", "");
    lines.push(`From \`node bench/first-visit.mjs\` on ${visits.date.slice(0, 10)}: ${visits.link.downloadMbps} Mbit/s down, ${visits.link.latencyMs} ms before each response (emulated by the server), a fresh profile. Each cell: seconds from navigation, and compressed bytes received by then.`, "");
    lines.push(firstVisitTable(visits.results), "", visits.note, "");
  }
  lines.push("## Bytes on first load (compressed)", "");
  lines.push(`- Hearth's page, until interactive: ${kb(b.hearthPage)}; its engine (loaded in the background by a worker): ${kb(b.hearthEngine)}.`);
  lines.push(`- TensorFlow.js page, until its script is ready: ${kb(b.tfjsPage)} (tf.min.js alone ${kb(b.tfjsCore)}); the wasm backend adds ${kb(b.tfjsWasm)}, the WebGPU backend ${kb(b.tfjsWebgpu)}.`);
  const overhead = report.runs.map((run) => run.result.clockOverheadMs).filter((v) => v != null);
  if (overhead.length) lines.push("", `Hearth's latencies are timed in its engine worker, where one reading of the clock (performance.now()) cost up to ${f(Math.max(...overhead), 3)} ms in this run: each of its 100 latencies is the mean of 10 consecutive single-image predictions. TensorFlow.js's are single predictions timed on the page's main thread.`);
  lines.push("", `Memory is each side's own figure: Hearth's is the engine worker's wasm memory; TensorFlow.js's is tf.memory().numBytes at its peak plus the wasm backend's memory. They are not the same measure.`);
  return lines.join("\n") + "\n";
}

/** A bar chart of steps per second (log scale), one group per model. */
function chart(report) {
  const runs = report.runs.filter((run) => run.result.status === "ok");
  const rowHeight = 18;
  // The labels' column fits the longest label (about 6.6 px a character at 12 px).
  const longest = Math.max(0, ...runs.map((run) => `${run.impl} ${run.backend}`.length));
  const left = Math.max(230, 16 + Math.ceil(longest * 6.6));
  const width = left + 490;
  const max = Math.max(...runs.map((run) => run.result.stepsPerSecond));
  const min = Math.max(0.05, Math.min(...runs.map((run) => run.result.stepsPerSecond)) / 2);
  const x = (v) => left + ((Math.log10(v) - Math.log10(min)) / (Math.log10(max * 1.5) - Math.log10(min))) * (width - left - 60);
  let y = 30;
  const parts = [];
  for (const model of report.models) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${model === "mlp" ? "MLP 784-128-64-10" : "Small CNN"}: training steps per second (batch 64, log scale)</text>`);
    y += 10;
    for (const run of runs.filter((r) => r.model === model)) {
      const v = run.result.stepsPerSecond;
      const colour = run.impl.startsWith("Hearth") ? "#d2552b" : "#2b6cb0";
      parts.push(`<text x="${left - 6}" y="${y + 13}" text-anchor="end">${run.impl} ${run.backend}</text>`);
      parts.push(`<rect x="${left}" y="${y + 2}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${rowHeight - 4}" fill="${colour}"/>`);
      parts.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + 13}">${f(v, v < 10 ? 2 : 0)}</text>`);
      y += rowHeight;
    }
    y += 24;
  }
  parts.push(`<text x="10" y="${y}" fill="#555">${report.host.cpus} × ${report.host.cpuModel}, ${report.browser}, ${report.generatedAt.slice(0, 10)}${report.quick ? " (quick run)" : ""}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 12}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>\n`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.from) {
    // Only the tables and chart again, from a run's results.json.
    write(JSON.parse(readFileSync(args.from, "utf8")), args.out);
    return;
  }
  const settings = {
    epochs: args.epochs,
    warmup_steps: args.quick ? 2 : 5,
    timed_steps: args.timedSteps,
    batch: 64,
    train: args.quick ? 640 : 8000,
    test: args.quick ? 200 : 2000,
    inference_runs: 100,
  };
  const tfjsOptions = { epochs: args.epochs, batch: 64, warmupSteps: settings.warmup_steps, timedSteps: settings.timed_steps, inferenceCalls: 100, quick: args.quick };
  const server = await serveBench();
  const context = await launchBrowser({ webgpu: true, args: jsFlags() });
  const runs = [];
  const log = (text) => process.stderr.write(text);
  let bytes;
  let browserVersion = "Chromium";
  try {
    browserVersion = `Chromium ${context.browser()?.version() ?? ""}`.trim();
    bytes = await firstLoads(context, server);
    for (const model of args.models) {
      const plan = [
        ["Hearth", CPU, () => hearthRun(context, server, { ...settings, model }, true)],
        ["Hearth", CPU_SINGLE, () => hearthRun(context, server, { ...settings, model }, true, false)],
        // WebGPU here is Chromium's software adapter (SwiftShader): the CNN takes minutes
        // per epoch on it, so it trains 10 steps on 640 digits and has no accuracy figure.
        ...(args.quick ? [] : [["Hearth", "WebGPU", async () => {
          const slow = model === "cnn";
          const result = await hearthRun(context, server, { ...(slow ? { ...settings, train: 640, test: 200, timed_steps: 10 } : settings), model, trial: true }, false);
          return slow && result.status === "ok" ? { ...result, testAccuracy: null, epochSeconds: null } : result;
        }]]),
      ];
      const tfjsBackends = args.quick
        ? (model === "cnn" ? ["wasm", "wasm+shim"] : ["wasm"])
        : (model === "cnn" ? ["cpu", "wasm", "wasm+shim", "wasm-threads", "webgl", "webgpu"] : ["cpu", "wasm", "wasm-threads", "webgl", "webgpu"]);
      for (const backend of tfjsBackends) {
        // Backends that take minutes per CNN epoch here: throughput and latency only.
        const slow = model === "cnn" && ["cpu", "webgl", "webgpu"].includes(backend);
        plan.push(["TensorFlow.js", backend, () => tfjsRun(context, server, { ...tfjsOptions, backend, model, epochs: slow ? 0 : args.epochs })]);
      }
      const native = nativeBinary()?.includes("/debug/") ? "CPU (hearth bench, debug build)" : "CPU (hearth bench)";
      if (args.native) plan.push(["Hearth native", native, async () => nativeRun(model, settings)]);
      // A model built on another with its layers frozen (issue 23): the CNN's first 7
      // layers without gradients, only its output trained. Its frozen layers are fresh
      // here, so it has throughput and no accuracy figure.
      if (model === "cnn") {
        const frozen = { ...settings, model, frozen: 7 };
        const unscored = (result) => (result.status === "ok" ? { ...result, testAccuracy: null, epochSeconds: null } : result);
        plan.push(["Hearth", FROZEN_CPU, async () => unscored(await hearthRun(context, server, frozen, true))]);
        if (args.native) plan.push(["Hearth native", `${native}, ${FROZEN}`, async () => unscored(nativeRun(model, frozen))]);
      }
      const wanted = ([impl, backend]) => !args.only || args.only.some((text) => `${impl} ${backend}`.toLowerCase().includes(text));
      for (const [impl, backend, run] of plan.filter(wanted)) {
        log(`${model}: ${impl} ${backend} … `);
        const started = Date.now();
        const result = await run();
        log(`${result.status}${result.stepsPerSecond ? `, ${f(result.stepsPerSecond, 1)} steps/s` : ""} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
        runs.push({ model, impl, backend, result });
      }
    }
  } finally {
    await context.close();
    await server.close();
  }

  // One reading of the core's SIMD issue serves the roof and what RESULTS.md says of it.
  const issue = simdIssue();
  const report = {
    generatedAt: new Date().toISOString(),
    quick: args.quick,
    tfjsVersion: JSON.parse(readFileSync(join(ROOT, "node_modules/@tensorflow/tfjs/package.json"), "utf8")).version,
    browser: browserVersion,
    jsFlags: process.env.HEARTH_JS_FLAGS?.trim() || null,
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model?.trim(), mhz: clockMhz() || null, memoryBytes: totalmem() },
    roof: roof(issue),
    roofIssue: issue,
    settings,
    models: args.models,
    bytes,
    runs,
  };
  write(report, args.out);
  const failed = runs.filter((r) => r.impl.startsWith("Hearth") && r.result.status === "error");
  const measured = runs.filter((r) => r.result.status === "ok").length;
  console.log(`bench: ${measured} runs measured, ${failed.length} Hearth runs failed; wrote ${args.out}/RESULTS.md, chart.svg, results.json`);
  process.exit(failed.length ? 1 : 0);
}

/** The targets of issue 9, as ratios of this run's figures. */
function targetsOf({ runs, bytes }) {
  const find = (model, impl, backend) => runs.find((r) => r.model === model && r.impl === impl && r.backend === backend)?.result;
  const ok = (r) => r?.status === "ok";
  const targets = [];
  const hearthMlp = find("mlp", "Hearth", CPU);
  const tfjsMlp = find("mlp", "TensorFlow.js", "wasm");
  if (ok(hearthMlp) && ok(tfjsMlp)) {
    const ratio = hearthMlp.stepsPerSecond / tfjsMlp.stepsPerSecond;
    targets.push({ met: ratio >= 2, text: `MLP: Hearth's CPU backend trains ${f(ratio, 2)}× the steps per second of TensorFlow.js wasm (target ≥ 2×).` });
    if (hearthMlp.testAccuracy != null && tfjsMlp.testAccuracy != null) {
      const gap = (hearthMlp.testAccuracy - tfjsMlp.testAccuracy) * 100;
      targets.push({ met: gap > -1, text: `MLP: test accuracy ${f(hearthMlp.testAccuracy * 100, 1)}% against ${f(tfjsMlp.testAccuracy * 100, 1)}% (target: the same, within a point).` });
    }
    const latency = hearthMlp.inferenceMedianMs / tfjsMlp.inferenceMedianMs;
    targets.push({ met: latency <= 1, text: `MLP: single-image inference median ${f(hearthMlp.inferenceMedianMs, 2)} ms against ${f(tfjsMlp.inferenceMedianMs, 2)} ms (${f(latency, 2)}×; target ≤ 1×).` });
  }
  const hearthCnn = find("cnn", "Hearth", CPU);
  const cnnRefs = ["cpu", "wasm+shim"].map((backend) => [backend, find("cnn", "TensorFlow.js", backend)]).filter(([, r]) => ok(r));
  if (ok(hearthCnn) && cnnRefs.length) {
    const [backend, best] = cnnRefs.sort((a, b) => b[1].stepsPerSecond - a[1].stepsPerSecond)[0];
    const ratio = hearthCnn.stepsPerSecond / best.stepsPerSecond;
    targets.push({ met: ratio >= 1, text: `CNN: Hearth's CPU backend trains ${f(ratio, 2)}× the steps per second of TensorFlow.js's best CPU-side backend here (${backend}; stock wasm cannot train it) (target ≥ 1×).` });
    const wasmShim = find("cnn", "TensorFlow.js", "wasm+shim");
    if (ok(wasmShim) && hearthCnn.testAccuracy != null && wasmShim.testAccuracy != null) {
      const gap = (hearthCnn.testAccuracy - wasmShim.testAccuracy) * 100;
      targets.push({ met: gap > -1, text: `CNN: test accuracy ${f(hearthCnn.testAccuracy * 100, 1)}% against ${f(wasmShim.testAccuracy * 100, 1)}% (wasm+shim).` });
    }
    const latencyRef = [find("cnn", "TensorFlow.js", "wasm"), wasmShim].find(ok);
    if (ok(latencyRef)) {
      const latency = hearthCnn.inferenceMedianMs / latencyRef.inferenceMedianMs;
      targets.push({ met: latency <= 1, text: `CNN: single-image inference median ${f(hearthCnn.inferenceMedianMs, 2)} ms against ${f(latencyRef.inferenceMedianMs, 2)} ms on TensorFlow.js wasm (inference needs no shim) (${f(latency, 2)}×; target ≤ 1×).` });
    }
  }
  // Issue 25: every core (and FMA where the browser has relaxed SIMD) against one thread,
  // and the MLP against TensorFlow.js wasm.
  for (const model of ["mlp", "cnn"]) {
    const every = find(model, "Hearth", CPU);
    const one = find(model, "Hearth", CPU_SINGLE);
    if (ok(every) && ok(one)) {
      const ratio = every.stepsPerSecond / one.stepsPerSecond;
      targets.push({ met: ratio >= 1.6, text: `${model.toUpperCase()}: the threaded engine (${every.threads} threads) trains ${f(ratio, 2)}× the single-threaded engine's steps per second (target ≥ 1.6×).` });
    }
  }
  const shim = find("cnn", "TensorFlow.js", "wasm+shim");
  if (ok(hearthCnn) && ok(shim) && hearthCnn.memoryBytes && shim.memoryBytes) {
    const mb = (bytes) => f(bytes / 2 ** 20, 1);
    targets.push({ met: hearthCnn.memoryBytes <= shim.memoryBytes, text: `CNN: Hearth's peak memory ${mb(hearthCnn.memoryBytes)} MB against TensorFlow.js wasm+shim's ${mb(shim.memoryBytes)} MB (target: no higher).` });
  }
  if (ok(hearthMlp) && ok(tfjsMlp)) {
    const ratio = hearthMlp.stepsPerSecond / tfjsMlp.stepsPerSecond;
    targets.push({ met: ratio >= 6, text: `MLP: Hearth on every core trains ${f(ratio, 2)}× TensorFlow.js wasm's steps per second (target ≥ 6×).` });
  }
  if (bytes) {
    targets.push({ met: bytes.hearthPage < bytes.tfjsPage, text: `Hearth's page is interactive after ${kb(bytes.hearthPage)} compressed, TensorFlow.js's bench page after ${kb(bytes.tfjsPage)} (${f(bytes.hearthPage / bytes.tfjsPage, 2)}×); Hearth's engine is ${kb(bytes.hearthEngine)} against TensorFlow.js's core plus wasm backend ${kb(bytes.tfjsCore + bytes.tfjsWasm)}.` });
  }

  return targets;
}

/** Writes results.json, RESULTS.md and chart.svg for `report` into `out`. */
function write(report, out) {
  report.targets = targetsOf(report);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), JSON.stringify(report, null, 2) + "\n");
  const md = markdown(report);
  writeFileSync(join(out, "RESULTS.md"), md);
  writeFileSync(join(out, "chart.svg"), chart(report));
  console.log(md);
}

main().catch((error) => {
  console.error(`bench: ${error?.stack ?? error}`);
  process.exit(1);
});
