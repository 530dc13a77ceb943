// Hearth's half of the benchmark, in the browser: the app's engine worker, started the way
// the page starts it, runs hearth_core::bench (the studio's trainer on the shipped MNIST
// digits) and posts the result. The messages are the engine protocol's
// (crates/core/src/protocol.rs): init -> ready, bench -> bench_done | bench_failed. Messages
// to the engine carry a `type`; those from it are `{ variant: fields }`.
"use strict";

/** A message from the engine as { type, ...fields }: the protocol writes `{ ready: {...} }`. */
function untag(data) {
  if (typeof data === "string") return { type: data };
  const type = data && typeof data === "object" ? Object.keys(data)[0] : undefined;
  return type === undefined ? {} : { type, ...data[type] };
}

/** Waits for the first message of one of `types` from `worker`. */
function next(worker, types) {
  return new Promise((resolve, reject) => {
    const listen = (event) => {
      const message = untag(event.data);
      if (message.type === "error" && message.fatal) {
        worker.removeEventListener("message", listen);
        reject(new Error(message.message));
      } else if (types.includes(message.type)) {
        worker.removeEventListener("message", listen);
        resolve(message);
      }
    };
    worker.addEventListener("message", listen);
  });
}

/**
 * Runs one benchmark in a fresh engine worker. `settings` is hearth_core::bench's
 * BenchSettings; `forceCpu` chooses the CPU backend even where WebGPU exists; `threads`
 * false runs the single-threaded CPU engine where the page would load the threaded one;
 * `pauseMs` waits that long between the engine's ready and the benchmark.
 * Resolves with { backend, result, bootMs } or { backend, failed }.
 */
window.runHearth = async function ({ settings, forceCpu, threads = true, pauseMs = 0 }) {
  const started = performance.now();
  // The CPU engine, which every visit loads first (threaded where the page is cross-origin
  // isolated), or the WebGPU engine, as the page does.
  const name = !forceCpu ? "engine-gpu" : threads ? "engine" : "engine-single";
  const worker = new Worker("/engine-loader.js", { name });
  try {
    const booted = await next(worker, ["booted"]);
    const bootMs = performance.now() - started;
    worker.postMessage({ type: "init", force_cpu: forceCpu });
    const ready = await next(worker, ["ready"]);
    // A user's first Train comes seconds after the engine is ready, not at once.
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    worker.postMessage({ type: "bench", settings });
    const reply = await next(worker, ["bench_done", "bench_failed"]);
    if (reply.type === "bench_failed") {
      return { backend: ready.backend, fallback: ready.fallback_reason, failed: reply.message };
    }
    return { backend: reply.backend, fallback: ready.fallback_reason, result: reply.result, bootMs, threads: booted.threads };
  } finally {
    worker.terminate();
  }
};

/**
 * Runs the kernel check (hearth_core::kernels) on the CPU in a fresh engine worker: the
 * threaded engine where the page is cross-origin isolated, or, when `threads` is false, the
 * WebGPU engine on its CPU backend (plain SIMD, one thread, built as the single-threaded
 * engine is, which leaves the check out to keep a first visit small). Resolves with
 * { threads, report } or { failed }.
 */
window.runKernelCheck = async function ({ seed, threads = true }) {
  const worker = new Worker("/engine-loader.js", { name: threads ? "engine" : "engine-gpu" });
  try {
    const booted = await next(worker, ["booted"]);
    worker.postMessage({ type: "init", force_cpu: true });
    await next(worker, ["ready"]);
    worker.postMessage({ type: "kernel_check", seed });
    const reply = await next(worker, ["kernel_checked", "error"]);
    if (reply.type === "error") return { failed: reply.message };
    return { threads: booted.threads, report: reply.report };
  } finally {
    worker.terminate();
  }
};
