// The engine worker's first script: downloads the engine's wasm with progress messages
// (the same `{loading: {...}}` shape as the Rust protocol's FromEngine), then starts it.
// A worker named "engine-gpu" (`new Worker("./engine-loader.js", { name: "engine-gpu" })`)
// loads the WebGPU engine (engine-gpu.js, engine-gpu_bg.wasm); any other the CPU engine
// (engine.js, engine_bg.wasm), which every visit needs. (The name, not a query: a script
// the service worker serves from its cache runs at the cached URL, without the query.)
"use strict";
// The sound decoder (sound-decoder.js, sound-decoder_bg.wasm) is loaded the same way, by
// the engine, in a worker named "sound-decoder".
const ENGINE = self.name === "engine-gpu" || self.name === "sound-decoder" ? self.name : "engine";
const WHAT = self.name === "sound-decoder" ? "the sound decoder" : "the engine";
importScripts("./" + ENGINE + ".js");

(async function () {
  try {
    const response = await fetch("./" + ENGINE + "_bg.wasm");
    if (!response.ok) {
      throw new Error(ENGINE + "_bg.wasm: HTTP " + response.status);
    }
    // Content-Length is the compressed size when the server compresses; then the total is unknown.
    const encoded = response.headers.get("Content-Encoding");
    const length = Number(response.headers.get("Content-Length"));
    const total = !encoded && length > 0 ? length : null;
    const reader = response.body.getReader();
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
    const bytes = new Uint8Array(loaded);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    await wasm_bindgen({ module_or_path: bytes });
  } catch (error) {
    self.postMessage({
      error: {
        message: "could not load " + WHAT + " (" + error + "). Check your connection to the page and reload.",
        fatal: true,
      },
    });
  }
})();
