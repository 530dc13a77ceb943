// The benchmark's static server: Hearth's release app (dist/), the benchmark pages
// (bench/), TensorFlow.js from node_modules (/tfjs/*) and the MNIST subset
// (/data/mnist-10k.bin.gz), all from one origin on 127.0.0.1.
//
// Every response is cross-origin isolated (COOP same-origin + COEP require-corp +
// CORP same-origin), so SharedArrayBuffer and wasm threads are available to both
// Hearth and TF.js. Bodies are gzip-compressed (zlib level 9, cached in memory) when
// the request accepts gzip, and every body byte written is logged per path, so a
// runner can reset the log, load a page, and read what its first load transferred.
import { createServer } from "node:http";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { TYPES } from "../tests/e2e/harness.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const DIST = join(ROOT, "dist");
const BENCH = join(ROOT, "bench");
const TF = join(ROOT, "node_modules", "@tensorflow");
const MNIST = join(ROOT, "crates", "core", "assets", "mnist-10k.bin.gz");

/** The TF.js files the benchmark page may load, by their name under /tfjs/. */
export const TFJS_FILES = {
  "tf.min.js": join(TF, "tfjs/dist/tf.min.js"),
  "tf-backend-wasm.min.js": join(TF, "tfjs-backend-wasm/dist/tf-backend-wasm.min.js"),
  "tfjs-backend-wasm.wasm": join(TF, "tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"),
  "tfjs-backend-wasm-simd.wasm": join(TF, "tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"),
  "tfjs-backend-wasm-threaded-simd.wasm": join(TF, "tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm"),
  // 4.22 has no separate pthread worker script: the threaded backend builds its
  // workers from a Blob of code inlined in tf-backend-wasm(.min).js.
  "tf-backend-webgpu.min.js": join(TF, "tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js"),
};


const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Maps a URL path to a file on disk, or null. Never leaves the served folders. */
function fileFor(pathname) {
  const path = normalize(decodeURIComponent(pathname)).replaceAll("\\", "/");
  const inside = (base, rel) => {
    const file = join(base, rel);
    return file === base || file.startsWith(base + sep) ? file : null;
  };
  if (path === "/data/mnist-10k.bin.gz") return MNIST;
  if (path.startsWith("/tfjs/")) return TFJS_FILES[path.slice("/tfjs/".length)] ?? null;
  if (path.startsWith("/bench/")) {
    const rel = path.slice("/bench/".length) || "tfjs.html";
    if (rel.startsWith("results/")) return null;
    return inside(BENCH, rel);
  }
  return inside(DIST, path.endsWith("/") ? path + "index.html" : path);
}

/** Chromium's flags for V8 from `HEARTH_JS_FLAGS` (for example `--no-liftoff`, which
 * compiles all wasm with the optimising compiler from the start), or none. The benchmark's
 * figures are the browser's defaults; this is for finding out what V8's tiering costs. */
export function jsFlags() {
  const flags = process.env.HEARTH_JS_FLAGS?.trim();
  return flags ? [`--js-flags=${flags}`] : [];
}

/**
 * Serves the benchmark on 127.0.0.1 at a free port (with `precompress`, the default,
 * every file of dist/, bench/, /tfjs/ and /data/ is read and gzipped before it
 * listens; files that change on disk are re-read). Returns `{origin, close, bytes,
 * reset}`: `bytes()` gives `{total, requests, byPath: {path: {bytes, encoding,
 * requests}}}` of the body bytes written since the last `reset()` (compressed bytes
 * where gzip was used; headers are not counted).
 */
export async function serveBench({ precompress = true } = {}) {
  const cache = new Map(); // file -> {raw, gz, size, mtimeMs}
  let log = new Map();

  async function load(file) {
    const info = await stat(file);
    if (!info.isFile()) throw new Error("not a file");
    let entry = cache.get(file);
    if (!entry || entry.size !== info.size || entry.mtimeMs !== info.mtimeMs) {
      const raw = await readFile(file);
      // Already-compressed files (.gz) go out as they are; the rest get gzip -9.
      const gz = file.endsWith(".gz") ? null : gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
      entry = { raw, gz: gz && gz.length < raw.length ? gz : null, size: info.size, mtimeMs: info.mtimeMs };
      cache.set(file, entry);
    }
    return entry;
  }

  // Compress everything up front, so no request's timing includes gzip -9 work.
  if (precompress) {
    const files = [...Object.values(TFJS_FILES), MNIST];
    for (const dir of [DIST, BENCH]) {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (entry.isFile() && !entry.name.startsWith(".")) files.push(join(dir, entry.name));
      }
    }
    await Promise.all(files.map((file) => load(file).catch(() => {})));
  }

  function record(path, bytes, encoding) {
    const row = log.get(path) ?? { bytes: 0, encoding, requests: 0 };
    row.bytes += bytes;
    row.requests += 1;
    row.encoding = encoding;
    log.set(path, row);
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    try {
      const file = fileFor(url.pathname);
      if (!file) throw new Error("not served");
      const { raw, gz } = await load(file);
      const gzip = gz && /\bgzip\b/.test(request.headers["accept-encoding"] ?? "");
      const body = gzip ? gz : raw;
      const headers = {
        ...ISOLATION,
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Content-Length": body.length,
        "Cache-Control": "no-store",
        Vary: "Accept-Encoding",
      };
      if (gzip) headers["Content-Encoding"] = "gzip";
      response.writeHead(200, headers);
      if (request.method === "HEAD") return response.end();
      record(url.pathname, body.length, gzip ? "gzip" : "identity");
      response.end(body);
    } catch {
      response.writeHead(404, { ...ISOLATION, "Content-Type": "text/plain" });
      response.end("not found");
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections?.();
        server.close(done);
      }),
    reset: () => {
      log = new Map();
    },
    bytes: () => {
      const byPath = Object.fromEntries([...log].sort((a, b) => b[1].bytes - a[1].bytes));
      const total = [...log.values()].reduce((sum, row) => sum + row.bytes, 0);
      const requests = [...log.values()].reduce((sum, row) => sum + row.requests, 0);
      return { total, requests, byPath };
    },
  };
}
