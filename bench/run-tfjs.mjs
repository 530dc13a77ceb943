#!/usr/bin/env node
// Runs the TensorFlow.js side of Hearth's benchmark in headless Chromium and prints a
// table; writes the full results (every figure with its notes) to
// bench/results/tfjs.json.
//
//   node bench/run-tfjs.mjs --quick                  # a short smoke run
//   node bench/run-tfjs.mjs --epochs 3 --timed-steps 50
//   node bench/run-tfjs.mjs --backends cpu,wasm --models mlp --quick
//
// Options: --epochs N (1), --batch N (64), --warmup-steps N (5; 2 with --quick),
// --timed-steps N (50; 5 with --quick), --inference-calls N (100), --quick (the
// accuracy epochs train on the first 640 digits only), --backends LIST, --models LIST,
// --no-webgpu (skip the second, WebGPU-enabled browser), --timeout SECONDS (per run,
// 600), --out FILE.
//
// Every backend × model runs in a fresh page (so the wasm backend can start with one
// or with several threads, and memory figures start from zero). Backends other than
// webgpu run in Chromium as the e2e tests launch it (no GPU: --disable-gpu); webgpu
// runs in a second Chromium started with the e2e tests' WEBGPU_ARGS (SwiftShader).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { serveBench } from "./server.mjs";

const ALL_BACKENDS = ["cpu", "wasm", "wasm+shim", "wasm-threads", "webgl", "webgpu"];
const ALL_MODELS = ["mlp", "cnn"];

function parseArgs(argv) {
  const args = { quick: false, webgpu: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    const number = () => {
      const value = Number(next());
      if (!Number.isFinite(value) || value < 0) throw new Error(`${arg} needs a non-negative number`);
      return value;
    };
    switch (arg) {
      case "--quick": args.quick = true; break;
      case "--no-webgpu": args.webgpu = false; break;
      case "--epochs": args.epochs = number(); break;
      case "--batch": args.batch = number(); break;
      case "--warmup-steps": args.warmupSteps = number(); break;
      case "--timed-steps": args.timedSteps = number(); break;
      case "--inference-calls": args.inferenceCalls = number(); break;
      case "--timeout": args.timeout = number(); break;
      case "--backends": args.backends = next().split(","); break;
      case "--models": args.models = next().split(","); break;
      case "--out": args.out = resolve(next()); break;
      case "-h":
      case "--help":
        console.log("usage: node bench/run-tfjs.mjs [--quick] [--epochs N] [--batch N] [--warmup-steps N] [--timed-steps N] [--inference-calls N] [--backends a,b] [--models mlp,cnn] [--no-webgpu] [--timeout S] [--out FILE]");
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  return {
    quick: args.quick,
    webgpu: args.webgpu,
    epochs: args.epochs ?? 1,
    batch: args.batch ?? 64,
    warmupSteps: args.warmupSteps ?? (args.quick ? 2 : 5),
    timedSteps: args.timedSteps ?? (args.quick ? 5 : 50),
    inferenceCalls: args.inferenceCalls ?? 100,
    timeoutMs: (args.timeout ?? 600) * 1000,
    backends: args.backends ?? ALL_BACKENDS,
    models: args.models ?? ALL_MODELS,
    out: args.out ?? resolve(import.meta.dirname, "results", "tfjs.json"),
  };
}

const kb = (bytes) => (bytes == null ? "" : `${(bytes / 1024).toFixed(0)}`);
const mb = (bytes) => (bytes == null ? "" : (bytes / 1048576).toFixed(1));
const fixed = (value, digits) => (value == null ? "" : Number(value).toFixed(digits));

/** Loads the page in a fresh tab, runs one benchmark, records the bytes transferred. */
async function runOne(context, server, browserLabel, options, timeoutMs) {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  let result;
  let pageLoad = null;
  try {
    server.reset();
    await page.goto(`${server.origin}/bench/tfjs.html`);
    await page.waitForFunction(() => window.tfjsBenchReady === true, null, { timeout: 60_000 });
    pageLoad = server.bytes();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      result = await Promise.race([page.evaluate((opts) => window.runTfjs(opts), options), timeout]);
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    result = { backend: options.backend, model: options.model, status: "error", message: String(error?.message ?? error) };
  } finally {
    await page.close().catch(() => {});
  }
  const all = server.bytes();
  result.browser = browserLabel;
  result.transfer = {
    pageFirstLoadBytes: pageLoad?.total ?? null,
    runBytes: pageLoad ? all.total - pageLoad.total : null,
    totalBytes: all.total,
    byPath: Object.fromEntries(Object.entries(all.byPath).map(([path, row]) => [path, row.bytes])),
  };
  if (consoleErrors.length) result.consoleErrors = consoleErrors.slice(0, 8);
  return { result, pageLoad };
}

function printTable(results) {
  const rows = [["browser", "backend", "model", "status", "steps/s", "epoch s (steps)", "est. 125-step s", "test acc", "infer med/p95 ms", "tf peak MB", "JS heap MB", "wasm mem MB", "run KB"]];
  for (const r of results) {
    const ok = r.status === "ok";
    rows.push([
      r.browser,
      r.backend,
      r.model,
      r.status,
      ok ? fixed(r.stepsPerSecond, 2) : "",
      ok ? `${(r.epochSeconds ?? []).map((s) => fixed(s, 2)).join("/")} (${r.epochSteps})` : "",
      ok ? fixed(r.fullEpochSecondsEstimate, 1) : "",
      ok ? fixed(r.testAccuracy, 3) : "",
      ok ? `${fixed(r.inference?.medianMs, 2)}/${fixed(r.inference?.p95Ms, 2)}` : "",
      ok ? mb(r.memory?.tfPeak?.numBytes) : "",
      ok ? mb(r.memory?.jsHeapUsedPeak) : "",
      ok ? mb(r.memory?.wasmLinearMemoryPeak) : "",
      kb(r.transfer?.runBytes),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  const line = (row) => row.map((cell, c) => String(cell).padEnd(widths[c])).join("  ");
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows.slice(1)) console.log(line(row));
  for (const r of results) {
    if (r.status !== "ok") console.log(`\n${r.browser} ${r.backend} × ${r.model}: ${r.status}${r.stage ? ` (at ${r.stage})` : ""}: ${r.message}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const settings = {
    epochs: options.epochs,
    batch: options.batch,
    warmupSteps: options.warmupSteps,
    timedSteps: options.timedSteps,
    inferenceCalls: options.inferenceCalls,
    quick: options.quick,
  };
  const plain = options.backends.filter((b) => b !== "webgpu");
  const groups = [
    { label: "chromium --disable-gpu", webgpu: false, backends: plain },
    { label: "chromium + WEBGPU_ARGS", webgpu: true, backends: options.webgpu && options.backends.includes("webgpu") ? ["webgpu"] : [] },
  ];
  const server = await serveBench();
  const results = [];
  let firstLoad = null;
  try {
    for (const group of groups) {
      if (!group.backends.length) continue;
      const context = await launchBrowser({ webgpu: group.webgpu });
      try {
        for (const backend of group.backends) {
          for (const model of options.models) {
            process.stderr.write(`${group.label}: ${backend} × ${model} … `);
            const started = Date.now();
            const { result, pageLoad } = await runOne(context, server, group.label, { ...settings, backend, model }, options.timeoutMs);
            process.stderr.write(`${result.status} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
            if (!firstLoad && pageLoad) firstLoad = pageLoad;
            results.push(result);
          }
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await server.close();
  }

  const report = {
    generatedAt: new Date().toISOString(),
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
    settings,
    firstLoad: firstLoad && {
      note: "Compressed body bytes the server sent for the first load of /bench/tfjs.html (the HTML, tf.min.js and the benchmark's scripts; gzip -9 where the request accepted it), before any backend-specific script, wasm binary or data. Each result's transfer.runBytes adds what that run fetched afterwards (backend bundle, wasm binary, /data/mnist-10k.bin.gz, itself already gzip).",
      totalBytes: firstLoad.total,
      requests: firstLoad.requests,
      byPath: firstLoad.byPath,
    },
    results,
  };
  report.notes = results.find((r) => r.notes)?.notes;
  // On stdout the per-result notes are left out (they are the same for every run and
  // printed once under "notes"); the file keeps them with every result.
  console.log(JSON.stringify(report, (key, value) => (key === "notes" && value !== report.notes ? undefined : value), 2));
  console.log("");
  if (firstLoad) {
    console.log(`TF.js page first load: ${kb(firstLoad.total)} KB compressed in ${firstLoad.requests} requests (${Object.entries(firstLoad.byPath).map(([p, r]) => `${p} ${kb(r.bytes)} KB ${r.encoding}`).join(", ")})`);
  }
  printTable(results);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${options.out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
