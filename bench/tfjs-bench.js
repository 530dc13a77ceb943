// The TensorFlow.js side of Hearth's benchmark (plain browser JS, no bundler).
//
// `window.runTfjs({backend, model, epochs, batch, warmupSteps, timedSteps, quick})`
// trains one of Hearth's two preset models on the MNIST subset Hearth ships
// (crates/core/assets/mnist-10k.bin.gz: the first 8,000 digits train, the last 2,000
// are held out) and returns a JSON-able result. Every figure is explained in the
// result's `notes`. `window.checkShim()` verifies bench/wasm-conv-filter-shim.js.
//
// Expects the global `tf` from /tfjs/tf.min.js (TF.js 4.22.0: core, layers, cpu and
// webgl backends); the wasm and webgpu backends are loaded here on demand.

/* global tf */
import {
  checkShim as checkShimOnWasm,
  registerShim,
  shimRegistered,
  shimStats,
  unregisterShim,
} from "./wasm-conv-filter-shim.js";

const IMAGE = 784;
const CLASSES = 10;
const TRAIN_COUNT = 8000;
const TEST_COUNT = 2000;
const QUICK_TRAIN_COUNT = 640;
const QUICK_TEST_COUNT = 200;
// The split Hearth's bench uses (hearth_core::bench::held_out): the set is interleaved by
// class, ten digits a round, and every fifth round is held out, so both parts are
// balanced (the last 2,000 digits would hold 63 fives and 327 ones).
const HELD_OUT = (digit) => Math.floor(digit / 10) % 5 === 4;
const ALL_DIGITS = Array.from({ length: TRAIN_COUNT + TEST_COUNT }, (_, i) => i);
const TRAIN_DIGITS = ALL_DIGITS.filter((digit) => !HELD_OUT(digit));
const TEST_DIGITS = ALL_DIGITS.filter(HELD_OUT);
const FULL_EPOCH_STEPS = TRAIN_COUNT / 64; // 125 at batch 64
const EXPECTED_PARAMS = { mlp: 109386, cnn: 93322 };
export const BACKENDS = ["cpu", "wasm", "wasm+shim", "wasm-threads", "wasm-threads+shim", "webgl", "webgpu"];

class Unavailable extends Error {}

const statusEl = () => document.getElementById("status");
const logEl = () => document.getElementById("log");
function say(text) {
  if (statusEl()) statusEl().textContent = text;
}

// ---------------------------------------------------------------------------------
// Data

let dataPromise = null;

/** Fetches and decodes the HMNIST01 file once per page. */
function loadData() {
  dataPromise ??= (async () => {
    const t0 = performance.now();
    const response = await fetch("/data/mnist-10k.bin.gz");
    if (!response.ok) throw new Error(`/data/mnist-10k.bin.gz: HTTP ${response.status}`);
    const gz = await response.arrayBuffer();
    const raw = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    const bytes = new Uint8Array(raw);
    const magic = new TextDecoder().decode(bytes.subarray(0, 8));
    if (magic !== "HMNIST01") throw new Error(`bad magic ${JSON.stringify(magic)}`);
    const view = new DataView(raw);
    const count = view.getUint32(8, true);
    const width = view.getUint32(12, true);
    const height = view.getUint32(16, true);
    if (width * height !== IMAGE) throw new Error(`unexpected image size ${width}x${height}`);
    if (count !== TRAIN_COUNT + TEST_COUNT) throw new Error(`expected 10000 digits, found ${count}`);
    const labels = bytes.slice(20, 20 + count);
    const pixelBytes = bytes.subarray(20 + count, 20 + count + count * IMAGE);
    if (pixelBytes.length !== count * IMAGE) throw new Error("truncated pixel data");
    const pixels = new Float32Array(count * IMAGE);
    for (let i = 0; i < pixels.length; i++) pixels[i] = pixelBytes[i] / 255;
    return { count, labels, pixels, compressedBytes: gz.byteLength, loadMs: performance.now() - t0 };
  })();
  return dataPromise;
}

// mulberry32: a small seeded PRNG so shuffles are reproducible.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(indices, seed) {
  const out = indices.slice();
  const random = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const range = (start, end) => Array.from({ length: end - start }, (_, i) => start + i);

function inputShape(model, n) {
  return model === "cnn" ? [n, 28, 28, 1] : [n, IMAGE];
}

/** Makes x (and one-hot y) tensors for the digits `indices`. */
function tensorsFor(data, indices, model, withLabels = true) {
  const n = indices.length;
  const xs = new Float32Array(n * IMAGE);
  const ys = withLabels ? new Float32Array(n * CLASSES) : null;
  indices.forEach((digit, row) => {
    xs.set(data.pixels.subarray(digit * IMAGE, (digit + 1) * IMAGE), row * IMAGE);
    if (ys) ys[row * CLASSES + data.labels[digit]] = 1;
  });
  return { x: tf.tensor(xs, inputShape(model, n)), y: ys ? tf.tensor2d(ys, [n, CLASSES]) : null };
}

/** Pre-makes the batch tensors for one pass over `order` (last batch may be short). */
function makeBatches(data, order, batch, model) {
  const batches = [];
  for (let start = 0; start < order.length; start += batch) {
    batches.push(tensorsFor(data, order.slice(start, start + batch), model));
  }
  return batches;
}

function disposeBatches(batches) {
  for (const { x, y } of batches) tf.dispose([x, y]);
  batches.length = 0;
}

// ---------------------------------------------------------------------------------
// Backends

const scripts = new Map();
function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(
      src,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`failed to load ${src}`));
        document.head.append(script);
      }),
    );
  }
  return scripts.get(src);
}

// The wasm backend starts once per page, with one thread count and one binary; a
// later request for the other configuration needs a fresh page.
let wasmMode = null; // "single" | "threads"

async function startWasm(mode, shim) {
  await loadScript("/tfjs/tf-backend-wasm.min.js");
  if (wasmMode && wasmMode !== mode) {
    throw new Error(`the wasm backend already started ${wasmMode === "single" ? "single-threaded" : "with threads"} in this page; reload the page to run "${mode}"`);
  }
  if (!wasmMode) {
    tf.wasm.setWasmPaths("/tfjs/");
    if (mode === "single") {
      // The plain SIMD binary (tfjs-backend-wasm-simd.wasm), one thread: what every
      // page that is not cross-origin isolated gets.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      tf.wasm.setThreadsCount(1);
    } else {
      if (!self.crossOriginIsolated) throw new Unavailable("the page is not cross-origin isolated (no COOP/COEP), so SharedArrayBuffer and wasm threads are off");
      if (!(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"))) {
        throw new Unavailable("TF.js reports WASM_HAS_MULTITHREAD_SUPPORT = false in this browser");
      }
      tf.wasm.setThreadsCount(navigator.hardwareConcurrency || 2);
    }
    wasmMode = mode;
  }
  if (shim) registerShim();
  else unregisterShim();
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false (see the console)");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threaded = mode === "threads";
  const threads = tf.wasm.getThreadsCount();
  const requestedThreads = threaded ? navigator.hardwareConcurrency || 2 : 1;
  return {
    threads,
    requestedThreads,
    ...(threads < requestedThreads && {
      threadsNote: `TF.js 4.22 caps the wasm thread pool at navigator.hardwareConcurrency / 2 (${navigator.hardwareConcurrency} / 2 here) and at most 8, whatever setThreadsCount asks`,
    }),
    simd,
    binary: threaded ? "tfjs-backend-wasm-threaded-simd.wasm" : simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm",
    conv2DBackpropFilter: shim ? "Hearth's plain-JS shim (bench/wasm-conv-filter-shim.js), not TF.js" : "none registered (stock TF.js 4.22)",
  };
}

function webglProbe() {
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    if (!gl) return { context: null };
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    const info = {
      context: gl instanceof WebGL2RenderingContext ? "webgl2" : "webgl",
      renderer: ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
      vendor: ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR),
    };
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return info;
  } catch (error) {
    return { context: null, error: String(error) };
  }
}

/** Starts the requested backend; returns facts about it, or throws Unavailable. */
async function startBackend(name) {
  switch (name) {
    case "cpu":
      if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') returned false");
      return { kind: "TF.js plain-JavaScript cpu backend" };
    case "wasm":
      return startWasm("single", false);
    case "wasm+shim":
      return startWasm("single", true);
    case "wasm-threads":
      return startWasm("threads", false);
    case "wasm-threads+shim":
      return startWasm("threads", true);
    case "webgl": {
      const probe = webglProbe();
      if (!probe.context) {
        throw new Unavailable(`no WebGL context could be created in this browser${probe.error ? ` (${probe.error})` : ""} (headless Chromium launched with --disable-gpu offers none)`);
      }
      if (!(await tf.setBackend("webgl"))) throw new Unavailable(`tf.setBackend('webgl') returned false although a ${probe.context} context exists (renderer ${probe.renderer})`);
      return {
        ...probe,
        webglVersion: tf.env().getNumber("WEBGL_VERSION"),
        float32Render: tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED"),
      };
    }
    case "webgpu": {
      if (!navigator.gpu) throw new Unavailable("navigator.gpu is undefined: this browser exposes no WebGPU");
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Unavailable("navigator.gpu.requestAdapter() returned null: no WebGPU adapter");
      const info = adapter.info ?? {};
      const adapterInfo = {
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
        isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
      };
      await loadScript("/tfjs/tf-backend-webgpu.min.js");
      if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') returned false (see the console)");
      return { adapter: adapterInfo };
    }
    default:
      throw new Error(`unknown backend ${JSON.stringify(name)}; use one of ${BACKENDS.join(", ")}`);
  }
}

// ---------------------------------------------------------------------------------
// Models: Keras-style, the same as Hearth's presets.

function buildModel(kind, learningRate) {
  const model = tf.sequential();
  if (kind === "mlp") {
    model.add(tf.layers.dense({ inputShape: [IMAGE], units: 128, activation: "relu" }));
    model.add(tf.layers.dense({ units: 64, activation: "relu" }));
    model.add(tf.layers.dense({ units: CLASSES, activation: "softmax" }));
  } else if (kind === "cnn") {
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: "valid", activation: "relu" }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: "valid", activation: "relu" }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: "valid", activation: "relu" }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 64, activation: "relu" }));
    model.add(tf.layers.dense({ units: CLASSES, activation: "softmax" }));
  } else {
    throw new Error(`unknown model ${JSON.stringify(kind)}; use "mlp" or "cnn"`);
  }
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const params = model.countParams();
  if (params !== EXPECTED_PARAMS[kind]) {
    throw new Error(`${kind} has ${params} parameters, expected ${EXPECTED_PARAMS[kind]}`);
  }
  return { model, optimizer, params };
}

function disposeModel(built) {
  if (!built) return;
  built.model.dispose();
  built.optimizer.dispose();
}

// ---------------------------------------------------------------------------------
// Measurements

/** Peaks of every numeric tf.memory() field, the JS heap and (wasm) the linear memory. */
class MemoryPeaks {
  constructor() {
    this.tf = {};
    this.jsHeapUsed = null;
    this.wasmLinearMemory = null;
    this.samples = 0;
  }
  sample() {
    this.samples++;
    const memory = tf.memory();
    for (const [key, value] of Object.entries(memory)) {
      if (typeof value === "number") this.tf[key] = Math.max(this.tf[key] ?? 0, value);
    }
    if (memory.unreliable) this.unreliable = memory.reasons ?? true;
    if (performance.memory) this.jsHeapUsed = Math.max(this.jsHeapUsed ?? 0, performance.memory.usedJSHeapSize);
    const heap = tf.getBackend() === "wasm" ? tf.backend().wasm?.HEAPU8?.buffer?.byteLength : null;
    if (heap) this.wasmLinearMemory = Math.max(this.wasmLinearMemory ?? 0, heap);
  }
  include(key, value) {
    if (typeof value === "number") this.tf[key] = Math.max(this.tf[key] ?? 0, value);
  }
}

function percentile(sorted, p) {
  // Nearest-rank percentile.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (value, digits = 3) => (value == null || !Number.isFinite(value) ? value : Number(value.toFixed(digits)));

const NOTES = {
  method: "Steps are model.trainOnBatch(x, y) calls on batch tensors made before the clock starts (one fit per epoch is NOT used). trainOnBatch awaits the step's loss value, so every timed step includes its device sync and one scalar readback.",
  stepsPerSecond: "timedSteps / wall seconds of timedSteps consecutive trainOnBatch calls, measured on a first model after warmupSteps untimed steps (shuffled batches of the 8,000 training digits, batch `batch`). msPerStep is the inverse.",
  epochSeconds: "Wall seconds of each full pass over the training digits (8,000, or the first 640 with quick) by a second, freshly initialised model, on batch tensors pre-made per epoch (shuffled, seeded). The backend was already warmed by the throughput model, so epochSeconds[0] is the time of one epoch after warm-up. With quick the pass is 10 steps, not 125.",
  fullEpochSecondsEstimate: "125 / stepsPerSecond: the 8,000-digit epoch extrapolated from the timed steps (an estimate, not a measurement; see epochSeconds for measured passes).",
  testAccuracy: "Fraction of the held-out digits (2,000, or the first 200 with quick: digit i is held out when floor(i / 10) % 5 == 4, as in Hearth's bench) whose argmax prediction equals the label, after `epochs` epochs of the second model (on 640 digits with quick, so low accuracy there is expected).",
  finalTrainLoss: "Mean training loss (categorical cross-entropy) over the steps of the last epoch.",
  inference: "Single-image latency: wall ms of model.predict on one [1, ...] image plus reading the result (dataSync; await data() on webgpu, which has no synchronous download), on the trained second model; 5 untimed calls first, then `calls` timed; median and nearest-rank p95.",
  memory: "tfPeak: per field, the maximum of tf.memory() sampled after every training step of both models and at every kernel of one extra profiled training step (tf.profile peakBytes, folded into numBytes). tf.memory().numBytes counts the bytes of live TF.js tensors (weights, Adam state, the epoch's pre-made batches, intermediates), not backend pools or caches; numBytesInGPU* are the webgl/webgpu backends' own counts. jsHeapUsedPeak: performance.memory.usedJSHeapSize (Chromium only; coarse, Chromium buckets it unless started with --enable-precise-memory-info). wasmLinearMemoryPeak: byte length of the wasm backend's WebAssembly.Memory (it never shrinks). profiledStepPeakBytes: tf.profile(trainOnBatch).peakBytes for one step. leakedTensors: tf.memory().numTensors after the run minus before it.",
  shimTime: "wasm+shim only: wall ms per timed step spent inside Hearth's plain-JS Conv2DBackpropFilter shim, and its share of the timed steps' wall time (the rest is TF.js's own wasm kernels and overhead).",
  timings: "backendInitMs: tf.setBackend (including downloading and compiling the backend's script and wasm binary on first use). dataLoadMs: fetching and decoding /data/mnist-10k.bin.gz (once per page).",
};

async function readOne(y, backendName) {
  if (backendName === "webgpu") return y.data();
  return y.dataSync();
}

/** Runs one benchmark; never throws (failures come back as status "error"). */
export async function runTfjs(options = {}) {
  const {
    backend = "cpu",
    model: modelKind = "mlp",
    epochs = 1,
    batch = 64,
    warmupSteps = 5,
    timedSteps = 50,
    quick = false,
    inferenceCalls = 100,
    learningRate = 0.001,
    seed = 1,
  } = options;
  const trainDigits = quick ? QUICK_TRAIN_COUNT : TRAIN_COUNT;
  const testDigits = quick ? QUICK_TEST_COUNT : TEST_COUNT;
  const result = {
    backend,
    model: modelKind,
    status: "ok",
    tfjsVersion: tf.version?.tfjs ?? tf.version_core,
    settings: { epochs, batch, warmupSteps, timedSteps, quick, trainDigits, testDigits, inferenceCalls, learningRate, optimizer: "adam", loss: "categoricalCrossentropy", seed },
    crossOriginIsolated: self.crossOriginIsolated,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  const peaks = new MemoryPeaks();
  let stage = "starting the backend";
  let throughput = null;
  let trained = null;
  let batches = [];
  let startTensors = null;
  try {
    say(`${backend} × ${modelKind}: starting the backend`);
    const t0 = performance.now();
    result.backendInfo = await startBackend(backend);
    result.tfBackend = tf.getBackend();
    result.timings = { backendInitMs: round(performance.now() - t0, 1) };

    if (backend.endsWith("+shim")) {
      stage = "checking the Conv2DBackpropFilter shim";
      result.shimCheck = await checkShimOnWasm();
      if (!result.shimCheck.ok) throw new Error(`shim check failed: max abs difference ${result.shimCheck.maxAbsDiff}`);
    }

    stage = "loading data";
    const data = await loadData();
    result.timings.dataLoadMs = round(data.loadMs, 1);
    result.dataCompressedBytes = data.compressedBytes;
    startTensors = tf.memory().numTensors;
    peaks.sample();

    // Throughput: warm-up steps, then timed steps, then one profiled step.
    stage = "building the model";
    throughput = buildModel(modelKind, learningRate);
    result.params = throughput.params;
    const needed = warmupSteps + timedSteps + 1;
    let order = [];
    for (let pass = 0; order.length < needed * batch; pass++) order = order.concat(shuffled(TRAIN_DIGITS, seed * 1000 + pass));
    batches = makeBatches(data, order.slice(0, needed * batch), batch, modelKind);
    peaks.sample();

    for (let i = 0; i < warmupSteps; i++) {
      stage = `warm-up step ${i + 1}`;
      say(`${backend} × ${modelKind}: ${stage}`);
      await throughput.model.trainOnBatch(batches[i].x, batches[i].y);
      peaks.sample();
    }
    stage = "timed steps";
    say(`${backend} × ${modelKind}: ${timedSteps} timed steps`);
    const losses = [];
    const shimBefore = { ...shimStats };
    const tStart = performance.now();
    for (let i = 0; i < timedSteps; i++) {
      const b = batches[warmupSteps + i];
      losses.push(await throughput.model.trainOnBatch(b.x, b.y));
    }
    const timedMs = performance.now() - tStart;
    if (shimRegistered() && shimStats.calls > shimBefore.calls) {
      const ms = shimStats.ms - shimBefore.ms;
      result.shimTime = {
        calls: shimStats.calls - shimBefore.calls,
        msPerStep: round(ms / timedSteps, 2),
        shareOfTimedSteps: round(ms / timedMs, 3),
      };
    }
    peaks.sample();
    result.stepsPerSecond = timedSteps > 0 ? round((timedSteps * 1000) / timedMs, 3) : null;
    result.msPerStep = timedSteps > 0 ? round(timedMs / timedSteps, 2) : null;
    result.fullEpochSecondsEstimate = result.stepsPerSecond ? round(FULL_EPOCH_STEPS / result.stepsPerSecond, 2) : null;
    result.throughputLoss = { first: round(losses[0], 4), last: round(losses.at(-1), 4) };

    stage = "profiled step";
    try {
      const b = batches[warmupSteps + timedSteps];
      const profile = await tf.profile(() => throughput.model.trainOnBatch(b.x, b.y));
      result.profiledStepPeakBytes = profile.peakBytes;
      peaks.include("numBytes", profile.peakBytes);
      peaks.sample();
    } catch (error) {
      result.profiledStepPeakBytes = null;
      result.profiledStepError = String(error?.message ?? error);
    }
    disposeBatches(batches);
    disposeModel(throughput);
    throughput = null;

    // Accuracy and epoch time: a fresh model, `epochs` passes over the training digits.
    stage = "building the second model";
    trained = buildModel(modelKind, learningRate);
    result.epochSeconds = [];
    result.epochSteps = Math.ceil(trainDigits / batch);
    let lastLosses = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      stage = `epoch ${epoch + 1}`;
      say(`${backend} × ${modelKind}: ${stage} of ${epochs}`);
      batches = makeBatches(data, shuffled(TRAIN_DIGITS.slice(0, trainDigits), seed * 7919 + epoch), batch, modelKind);
      peaks.sample();
      lastLosses = [];
      const e0 = performance.now();
      for (const b of batches) {
        lastLosses.push(await trained.model.trainOnBatch(b.x, b.y));
        peaks.sample();
      }
      result.epochSeconds.push(round((performance.now() - e0) / 1000, 3));
      disposeBatches(batches);
    }
    result.finalTrainLoss = lastLosses.length ? round(lastLosses.reduce((a, b) => a + b, 0) / lastLosses.length, 4) : null;

    stage = "evaluating";
    say(`${backend} × ${modelKind}: evaluating`);
    let correct = 0;
    for (let start = 0; start < testDigits; start += 500) {
      const indices = TEST_DIGITS.slice(start, Math.min(start + 500, testDigits));
      const { x } = tensorsFor(data, indices, modelKind, false);
      const predicted = tf.tidy(() => trained.model.predict(x).argMax(-1));
      const labels = await predicted.data();
      tf.dispose([x, predicted]);
      indices.forEach((digit, i) => {
        if (labels[i] === data.labels[digit]) correct++;
      });
    }
    result.testAccuracy = round(correct / testDigits, 4);

    stage = "inference latency";
    say(`${backend} × ${modelKind}: inference latency`);
    const { x: one } = tensorsFor(data, [TEST_DIGITS[0]], modelKind, false);
    const times = [];
    try {
      for (let i = 0; i < 5 + inferenceCalls; i++) {
        const s = performance.now();
        const y = trained.model.predict(one);
        await readOne(y, result.tfBackend);
        const ms = performance.now() - s;
        y.dispose();
        if (i >= 5) times.push(ms);
      }
    } finally {
      one.dispose();
    }
    times.sort((a, b) => a - b);
    result.inference = {
      calls: times.length,
      medianMs: round(percentile(times, 50), 3),
      p95Ms: round(percentile(times, 95), 3),
      minMs: round(times[0], 3),
      readback: result.tfBackend === "webgpu" ? "await data()" : "dataSync()",
    };
  } catch (error) {
    const message = String(error?.message ?? error);
    result.status = error instanceof Unavailable ? "unavailable" : /not registered for backend/.test(message) ? "unsupported" : "error";
    result.stage = stage;
    result.message = message;
    if (result.status === "error" && error?.stack) result.stack = String(error.stack).split("\n").slice(0, 6).join("\n");
  } finally {
    disposeBatches(batches);
    disposeModel(throughput);
    disposeModel(trained);
  }
  if (startTensors != null) {
    result.memory = {
      tfPeak: peaks.tf,
      jsHeapUsedPeak: peaks.jsHeapUsed,
      wasmLinearMemoryPeak: peaks.wasmLinearMemory,
      samples: peaks.samples,
      unreliable: peaks.unreliable ?? false,
      leakedTensors: tf.memory().numTensors - startTensors,
    };
  }
  result.notes = NOTES;
  say(`${backend} × ${modelKind}: ${result.status}${result.message ? ` — ${result.message}` : ""}`);
  if (logEl()) logEl().textContent += `${JSON.stringify(result, (k, v) => (k === "notes" ? undefined : v), 2)}\n`;
  return result;
}

/** Verifies the wasm Conv2DBackpropFilter shim against the cpu backend (see the shim file). */
export async function checkShim() {
  const backend = wasmMode === "threads" ? "wasm-threads+shim" : "wasm+shim";
  const previous = tf.getBackend();
  await startBackend(backend);
  try {
    return { backend, registered: shimRegistered(), ...(await checkShimOnWasm()) };
  } finally {
    if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);
  }
}

window.runTfjs = runTfjs;
window.checkShim = checkShim;
window.tfjsBenchReady = true;
say("Ready: call runTfjs({backend, model}).");
