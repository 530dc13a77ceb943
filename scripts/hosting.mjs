// What a static host must send with Hearth's dist/: the tests' server sends exactly this,
// and README "Hosting Hearth yourself" (with docs/hosting/) says it for nginx and Caddy.
//
// - Content-Security-Policy on every response (the page carries it in a <meta> too, but
//   only a header reaches the engine's Web Worker and the service worker).
// - Cache-Control: file names with a content hash never change (cached for a year); every
//   other file (index.html, sw.js, the engines, the data) is revalidated on each use, so a
//   new build is seen at once and the service worker's update check finds it.
// - The right Content-Type (application/wasm; application/manifest+json).
// - Precompressed files: scripts/compress.mjs writes NAME.br and NAME.gz beside each large
//   file; a host that can serve them (nginx gzip_static/brotli_static, Caddy precompressed,
//   most static hosting services) sends them with Content-Encoding and Vary.
// The service worker needs no header: sw.js is at the app's root, so its scope is the app.
// Hearth needs no cross-origin isolation (COOP/COEP): it uses no SharedArrayBuffer.
import { extname } from "node:path";
import { POLICY } from "./csp.mjs";

export { POLICY };

/** Content types by extension (anything else: application/octet-stream). */
export const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".bin": "application/octet-stream",
};

/** Trunk's hashed names (`hearth-0123456789abcdef_bg.wasm`, `main-….css`, `start-….js`). */
export const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

/** The headers for the file `name` (a path inside dist/). */
export function headersFor(name) {
  return {
    "Content-Type": TYPES[extname(name)] ?? "application/octet-stream",
    "Cache-Control": HASHED.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
  };
}
