// Hearth's Content-Security-Policy, and the build step that makes dist/ work under it.
//
// The page's start-up is an inline module script (scripts/page.mjs writes it, as Trunk
// would), and an inline script would need 'unsafe-inline' or a hash. This step moves it
// into its own file, `start-HASH.js`, and puts the policy
// in a <meta> at the top of <head>, so that the page is under it wherever it is hosted.
// A host should also send it as a header (the tests' server does, from POLICY), because a
// <meta> policy does not reach the engine's Web Worker.
//
//   node scripts/csp.mjs dist    # scripts/build.sh runs it after Trunk
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Everything from the page's own origin, nothing inline, and nothing sent elsewhere. */
export const POLICY = [
  "default-src 'self'",
  // WebAssembly compilation needs 'wasm-unsafe-eval' (not 'unsafe-eval': no JS eval).
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  // fetch/XHR only to the page's origin: the engine's wasm and the shipped model.
  "connect-src 'self'",
  // Canvas images, thumbnails and the empty favicon are data: or blob: URLs made here.
  "img-src 'self' data: blob:",
  // The recorded sounds' play buttons and the camera's preview: blob: URLs made in the page.
  "media-src 'self' blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
].join("; ");

/** Moves inline scripts of `dist/index.html` into files and adds the policy. */
export function applyPolicy(dist) {
  const path = join(dist, "index.html");
  let html = readFileSync(path, "utf8");
  const moved = [];
  html = html.replace(/<script(?<attrs>[^>]*)>(?<body>[\s\S]*?)<\/script>/g, (tag, attrs, body) => {
    if (/\ssrc=/.test(attrs) || body.trim() === "") return tag;
    const name = `start-${createHash("sha256").update(body).digest("hex").slice(0, 16)}.js`;
    writeFileSync(join(dist, name), body.trim() + "\n");
    moved.push(name);
    const kept = attrs.replace(/\snonce="[^"]*"/, "");
    return `<script${kept} src="/${name}"></script>`;
  });
  if (/<meta http-equiv="Content-Security-Policy"/i.test(html)) {
    throw new Error(`${path} already has a policy: run this once, on Trunk's output`);
  }
  const meta = `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`;
  // Before anything that loads: right after <head>, or after <html> where the minifier
  // left out the optional <head> tag (the parser opens it at this first <meta>).
  const opening = /<head(\s[^>]*)?>/i.test(html) ? /<head(\s[^>]*)?>/i : /<html(\s[^>]*)?>/i;
  if (!opening.test(html)) throw new Error(`${path} has neither <head> nor <html>`);
  html = html.replace(opening, (tag) => `${tag}${meta}`);
  if (/\son[a-z]+="/i.test(html) || /\sstyle="/i.test(html)) {
    throw new Error(`${path} has inline event handlers or styles the policy would block`);
  }
  writeFileSync(path, html);
  return moved;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dist = process.argv[2] ?? "dist";
  const moved = applyPolicy(dist);
  console.log(`Content-Security-Policy in ${dist}/index.html; inline scripts moved to ${moved.join(", ") || "(none)"}`);
}
