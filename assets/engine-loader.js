// The engine worker's first script: downloads the engine's wasm with progress messages
// (the same `{loading: {...}}` shape as the Rust protocol's FromEngine), then starts it.
// A worker named "engine-gpu" (`new Worker("./engine-loader.js", { name: "engine-gpu" })`)
// loads the WebGPU engine (engine-gpu.js, engine-gpu_bg.wasm); any other the CPU engine
// (engine.js, engine_bg.wasm), which every visit needs. (The name, not a query: a script
// the service worker serves from its cache runs at the cached URL, without the query.)
"use strict";
// The sound decoder (sound-decoder.js, sound-decoder_bg.wasm) is loaded the same way, by
// the engine, in a worker named "sound-decoder".
// Where the page is cross-origin isolated (the host sends COOP and COEP, README "Hosting
// Hearth yourself"), the CPU engine is the threaded one (engine-mt.js, engine-mt_bg.wasm:
// WebAssembly threads, scripts/engine-mt.sh), which starts its pool's threads as workers
// named "engine-thread": each runs the same module on the engine's shared memory. A worker
// named "engine-single" is the single-threaded CPU engine wherever it runs (the benchmark
// compares the two in one isolated page).
// It is also built with relaxed SIMD (fused multiply-add, patches/README.md): a browser
// without it (this tiny module, an f32x4.relaxed_madd, does not validate) gets the
// single-threaded engine, built with plain SIMD.
const RELAXED_SIMD = WebAssembly.validate(new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0, 67, 0, 0, 128, 63,
  253, 19, 67, 0, 0, 128, 63, 253, 19, 67, 0, 0, 128, 63, 253, 19, 253, 133, 2, 11,
]));
const THREADED = self.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" && RELAXED_SIMD;
const ENGINE =
  self.name === "engine-gpu" || self.name === "sound-decoder"
    ? self.name
    : THREADED && (self.name === "engine" || self.name === "engine-thread")
      ? "engine-mt"
      : "engine";
const WHAT = self.name === "sound-decoder" ? "the sound decoder" : "the engine";
importScripts("./" + ENGINE + ".js");

if (self.name === "engine-thread") {
  // A thread of the threaded engine: told the module and memory, it answers once the module
  // runs here, then gives itself to the pool (wasm_bindgen.engine_thread never returns).
  self.onmessage = async function (event) {
    self.onmessage = null;
    const init = event.data;
    try {
      await wasm_bindgen({ module_or_path: init.module, memory: init.memory });
    } catch (error) {
      self.postMessage({ error: String(error) });
      return;
    }
    self.postMessage({ ready: true });
    wasm_bindgen.engine_thread(init.pending);
  };
} else (async function () {
  try {
    const response = await fetch("./" + ENGINE + "_bg.wasm");
    if (!response.ok) {
      throw new Error(ENGINE + "_bg.wasm: HTTP " + response.status);
    }
    // Compiled as it streams in, from the fetched response itself: then Chromium keeps the
    // engine's optimised code (V8's wasm code cache, beside the service worker's copy of
    // the file) and a later visit starts with it instead of baseline code. A copy of the
    // body is read for the progress messages, and compiled instead where streaming is
    // refused (a host that sends another Content-Type than application/wasm).
    const copy = response.clone();
    const streamed = WebAssembly.compileStreaming(response).catch(() => null);
    // Content-Length is the compressed size when the server compresses; then the total is unknown.
    const encoded = copy.headers.get("Content-Encoding");
    const length = Number(copy.headers.get("Content-Length"));
    const total = !encoded && length > 0 ? length : null;
    const reader = copy.body.getReader();
    const chunks = [];
    let loaded = 0;
    let lastPost = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      const now = Date.now();
      if (now - lastPost > 50) {
        lastPost = now;
        self.postMessage({ loading: { loaded: loaded, total: total } });
      }
    }
    self.postMessage({ loading: { loaded: loaded, total: total === null ? loaded : total } });
    const module = await streamed;
    if (module) {
      chunks.length = 0;
      await wasm_bindgen({ module_or_path: module });
    } else {
      const bytes = new Uint8Array(loaded);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      await wasm_bindgen({ module_or_path: bytes });
    }
  } catch (error) {
    self.postMessage({
      error: {
        message: "could not load " + WHAT + " (" + error + "). Check your connection to the page and reload.",
        fatal: true,
      },
    });
  }
})();
