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
// - Cross-origin isolation: Cross-Origin-Opener-Policy same-origin and
//   Cross-Origin-Embedder-Policy require-corp. With them the browser allows shared memory,
//   and the engine trains on every core (the threaded engine, scripts/engine-mt.sh);
//   without them Hearth works the same on one thread. Hearth loads nothing from another
//   origin, so the embedder policy costs it nothing.
// The service worker needs no header: sw.js is at the app's root, so its scope is the app.
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

/** The cross-origin isolation headers (see the top of this file). */
export const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** The headers for the file `name` (a path inside dist/); `isolated: false` leaves out the
 * cross-origin isolation headers (a host that does not send them: one thread). */
export function headersFor(name, { isolated = true } = {}) {
  return {
    "Content-Type": TYPES[extname(name)] ?? "application/octet-stream",
    "Cache-Control": HASHED.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    ...(isolated ? ISOLATION : {}),
  };
}

/** The nginx server block for dist/ (nginx 1.21+; Brotli needs the ngx_brotli module:
 * without it, drop `brotli_static` and nginx sends the .gz files). Every location repeats
 * the headers: an add_header in a location replaces the server's. */
export function nginx() {
  return `# Hearth on nginx: serves dist/ as README "Hosting Hearth yourself" says.
# Written by \`node scripts/hosting.mjs --write\` from scripts/hosting.mjs; edit there.
server {
    listen 80;
    server_name hearth.example.org;
    root /var/www/hearth;          # a copy of dist/
    index index.html;
    charset utf-8;
    charset_types text/css application/javascript text/javascript;

    # Precompressed copies written by the build (NAME.br, NAME.gz).
    gzip_static on;
    brotli_static on;              # needs ngx_brotli; remove this line without it

    # nginx's mime.types (1.21.0+) has application/wasm; the manifest's type is below.
    add_header Content-Security-Policy "${POLICY}" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header Cross-Origin-Opener-Policy "same-origin" always;
    add_header Cross-Origin-Embedder-Policy "require-corp" always;

    # Hashed names never change: cache them for a year.
    location ~ "-[0-9a-f]{16}(_bg)?\\.(js|wasm|css)$" {
        add_header Cache-Control "public, max-age=31536000, immutable" always;
        add_header Content-Security-Policy "${POLICY}" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Cross-Origin-Opener-Policy "same-origin" always;
        add_header Cross-Origin-Embedder-Policy "require-corp" always;
    }

    location ~ "\.webmanifest$" {
        default_type application/manifest+json;
        add_header Cache-Control "no-cache" always;
        add_header Content-Security-Policy "${POLICY}" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Cross-Origin-Opener-Policy "same-origin" always;
        add_header Cross-Origin-Embedder-Policy "require-corp" always;
    }

    # Everything else (index.html, sw.js, the engines, the data) is revalidated on use.
    location / {
        add_header Cache-Control "no-cache" always;
        add_header Content-Security-Policy "${POLICY}" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Cross-Origin-Opener-Policy "same-origin" always;
        add_header Cross-Origin-Embedder-Policy "require-corp" always;
        try_files $uri $uri/ =404;
    }
}
`;
}

/** The Caddyfile for dist/ (Caddy 2). */
export function caddy() {
  return `# Hearth on Caddy 2: serves dist/ as README "Hosting Hearth yourself" says.
# Written by \`node scripts/hosting.mjs --write\` from scripts/hosting.mjs; edit there.
hearth.example.org {
	root * /var/www/hearth
	# Precompressed copies written by the build (NAME.br, NAME.gz).
	file_server {
		precompressed br gzip
	}
	header Content-Security-Policy "${POLICY}"
	header X-Content-Type-Options "nosniff"
	# Cross-origin isolation: the engine trains on every core.
	header Cross-Origin-Opener-Policy "same-origin"
	header Cross-Origin-Embedder-Policy "require-corp"
	@hashed path_regexp -[0-9a-f]{16}(_bg)?\\.(js|wasm|css)$
	header @hashed Cache-Control "public, max-age=31536000, immutable"
	@fixed not path_regexp -[0-9a-f]{16}(_bg)?\\.(js|wasm|css)$
	header @fixed Cache-Control "no-cache"
	# Caddy sends application/wasm; the manifest's own type:
	@manifest path *.webmanifest
	header @manifest Content-Type "application/manifest+json"
}
`;
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv[2] === "--write") {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const { join, resolve } = await import("node:path");
  const out = resolve(import.meta.dirname, "../docs/hosting");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "nginx.conf"), nginx());
  writeFileSync(join(out, "Caddyfile"), caddy());
  console.log(`wrote ${out}/nginx.conf and ${out}/Caddyfile`);
}
