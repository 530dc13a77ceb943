// Precompresses dist/: writes NAME.br (Brotli) and NAME.gz (gzip) beside each file worth
// compressing, for hosts that serve precompressed files (see scripts/hosting.mjs). Brotli
// at its best setting makes the engine about a third smaller than gzip does.
//
//   node scripts/compress.mjs dist [CACHE]   # scripts/build.sh runs it last
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { files } from "./offline.mjs";

/** Compressed already, or too small to gain: served as they are. */
const SKIP = /\.(br|gz|png|jpg|trunk-lock)$|^\./;

/** Brotli at quality 11 takes over a minute for the WebGPU engine: its output is kept in
 * `cache` by the input's hash, so a build that did not change a file does not redo it. */
function brotli(bytes, cache) {
  const key = join(cache, createHash("sha256").update(bytes).digest("hex") + ".br");
  if (existsSync(key)) {
    utimesSync(key, new Date(), new Date()); // in use: kept by build.sh's daily pruning
    return readFileSync(key);
  }
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  if (bytes.length > 1 << 20) writeFileSync(key, br);
  return br;
}

export function compress(dist, cache) {
  mkdirSync(cache, { recursive: true });
  const rows = [];
  for (const name of files(dist)) {
    const path = join(dist, name);
    if (SKIP.test(name.split("/").pop())) continue;
    const bytes = readFileSync(path);
    if (bytes.length < 1024) continue;
    const br = brotli(bytes, cache);
    const gz = gzipSync(bytes, { level: 9 });
    // A compressed copy no smaller than the file is of no use to anyone.
    if (br.length < bytes.length) writeFileSync(`${path}.br`, br);
    if (gz.length < bytes.length) writeFileSync(`${path}.gz`, gz);
    rows.push({ name, raw: bytes.length, gzip: gz.length, brotli: br.length });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dist = process.argv[2] ?? "dist";
  const started = Date.now();
  const rows = compress(dist, process.argv[3] ?? join(process.env.CARGO_TARGET_DIR ?? "target", "brotli"));
  for (const row of rows.sort((a, b) => b.raw - a.raw)) {
    console.log(`${row.name.padEnd(44)} ${String(row.raw).padStart(10)} raw ${String(row.gzip).padStart(10)} gzip ${String(row.brotli).padStart(10)} brotli`);
  }
  console.log(`precompressed ${rows.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
