// The offline build step: writes dist/sw.js, Hearth's service worker, with the list of the
// build's files, and checks that index.html links the manifest.
//
// The build's id is a hash of every file's name and bytes, so any change makes a new
// service worker (a byte-different sw.js is what makes the browser install an update),
// and its cache is named by it. Files in LATER are not precached: they are large and only
// some visits need them (the WebGPU engine where the browser has an adapter, the threaded
// engine where the page is cross-origin isolated, MNIST when it
// is chosen); the service worker keeps them when first fetched, or when the page asks.
//
//   node scripts/offline.mjs dist     # scripts/build.sh runs it after csp.mjs
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

/** Large files fetched when first used, not at install. */
export const LATER = [/^engine-(gpu|mt)(\.js|_bg\.wasm)$/, /\.bin\.gz$/];
/** Never in the cache: the service worker itself, hidden files (Trunk's lock). */
const SKIP = [/^sw\.js$/, /(^|\/)\./];

/** Every file under `dir`, as paths relative to it with "/" separators. */
export function files(dir, root = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, root) : [relative(root, path).split(sep).join("/")];
  });
}

/** Writes `dist/sw.js`; returns the build's id and lists (paths relative to the app). */
export function writeServiceWorker(dist) {
  const all = new Set(files(dist));
  // NAME.br and NAME.gz beside NAME are its precompressed copies (scripts/compress.mjs),
  // which the host sends in its place: the cache holds NAME.
  const copy = (name) => /\.(br|gz)$/.test(name) && all.has(name.replace(/\.(br|gz)$/, ""));
  const names = [...all].filter((name) => !copy(name) && !SKIP.some((pattern) => pattern.test(name))).sort();
  const hash = createHash("sha256");
  for (const name of names) hash.update(name).update("\0").update(readFileSync(join(dist, name)));
  const id = hash.digest("hex").slice(0, 16);
  const later = names.filter((name) => LATER.some((pattern) => pattern.test(name)));
  const core = names.filter((name) => !later.includes(name));
  if (!core.includes("index.html")) throw new Error(`${dist} has no index.html`);
  const html = readFileSync(join(dist, "index.html"), "utf8");
  if (!/<link[^>]+rel="?manifest/.test(html)) throw new Error(`${dist}/index.html does not link the manifest`);
  const build = {
    id,
    core,
    later,
  };
  const source = readFileSync(resolve(import.meta.dirname, "../assets/sw.js"), "utf8");
  writeFileSync(join(dist, "sw.js"), `const BUILD = ${JSON.stringify(build, null, 1)};\n${source}`);
  return build;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dist = process.argv[2] ?? "dist";
  const build = writeServiceWorker(dist);
  const size = (list) => list.reduce((sum, path) => sum + statSync(join(dist, path)).size, 0);
  console.log(
    `${dist}/sw.js: build ${build.id}, ${build.core.length} files precached (${(size(build.core) / 1e6).toFixed(1)} MB raw), ` +
      `${build.later.length} kept when first used (${build.later.join(", ")})`,
  );
}
