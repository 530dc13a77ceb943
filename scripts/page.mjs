// The page's last build steps (scripts/page.sh runs them): names its files by the build,
// and links them from index.html.
//
// The page is not built by Trunk: its wasm is split into chunks (src/app/chunks.rs) between
// linking and wasm-bindgen, a step Trunk has no place for. What wasm-split-cli and
// wasm-bindgen write has fixed names (hearth.js, __wasm_split.js, split_model_step.wasm,
// …), which would be cached under one name across builds; here each gets the build's key,
// as Trunk names its files (NAME-0123456789abcdef.EXT), and the references between them
// follow, so hosts can cache them for good (scripts/hosting.mjs HASHED).
//
//   node scripts/page.mjs name DIR KEY    # renames DIR's files; rewrites their references
//   node scripts/page.mjs link DIST KEY   # adds the page's start-up to DIST/index.html
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** `hearth.js` → `hearth-KEY.js`, `hearth_bg.wasm` → `hearth-KEY_bg.wasm`, `x.wasm` → `x-KEY.wasm`. */
export function keyed(name, key) {
  if (name === "hearth_bg.wasm") return `hearth-${key}_bg.wasm`;
  if (name === "__wasm_split.js") return `wasm-split-${key}.js`;
  return name.replace(/\.(js|wasm)$/, `-${key}.$1`);
}

/** Replaces `from` by `to` in `text`, and says so if `from` is not there (the tools' output changed). */
function replaceAll(text, from, to, where) {
  if (!text.includes(from)) throw new Error(`${where} has no ${from}: has wasm-split-cli or wasm-bindgen changed its output?`);
  return text.split(from).join(to);
}

/** Renames the page's files in `dir` by `key` and rewrites the references between them. */
export function name(dir, key) {
  const names = readdirSync(dir);
  for (const required of ["hearth.js", "hearth_bg.wasm", "__wasm_split.js"]) {
    if (!names.includes(required)) throw new Error(`${dir} has no ${required}`);
  }
  // The main module imports the split loader (the import object's keys are the wasm's own
  // import names and stay as they are).
  const main = join(dir, "hearth.js");
  writeFileSync(main, replaceAll(readFileSync(main, "utf8"), 'from "./__wasm_split.js"', `from "./${keyed("__wasm_split.js", key)}"`, main));
  // The split loader imports the main module and fetches each chunk by name.
  const loader = join(dir, "__wasm_split.js");
  let text = replaceAll(readFileSync(loader, "utf8"), 'from "./hearth.js"', `from "./${keyed("hearth.js", key)}"`, loader);
  for (const chunk of names.filter((file) => file.endsWith(".wasm") && file !== "hearth_bg.wasm")) {
    text = replaceAll(text, `new URL("./${chunk}"`, `new URL("./${keyed(chunk, key)}"`, loader);
  }
  writeFileSync(loader, text);
  for (const file of names) renameSync(join(dir, file), join(dir, keyed(file, key)));
  return names.map((file) => keyed(file, key));
}

/** Adds the page's start-up (a module script, moved to its own file by csp.mjs) and the
 * preloads of its JavaScript and wasm to `dist/index.html`. */
export function link(dist, key) {
  const path = join(dist, "index.html");
  // index.html's skipped rust link (there only to keep Trunk from building a default app)
  // is left in Trunk's output: it goes.
  const html = readFileSync(path, "utf8").replace(/<link[^>]*\sdata-trunk-skip[^>]*>/g, "");
  const js = `./${keyed("hearth.js", key)}`;
  const wasm = `./${keyed("hearth_bg.wasm", key)}`;
  const tags =
    `<link rel="modulepreload" href="${js}">` +
    `<link rel="preload" href="${wasm}" as="fetch" type="application/wasm" crossorigin>` +
    `<script type="module">import init from "${js}";\nawait init({ module_or_path: "${wasm}" });</script>`;
  if (/hearth-[0-9a-f]{16}\.js/.test(html)) throw new Error(`${path} links a page already`);
  const at = html.search(/<\/head>|<body/i);
  if (at < 0) throw new Error(`${path} has neither </head> nor <body>`);
  writeFileSync(path, html.slice(0, at) + tags + html.slice(at));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, dir, key] = process.argv.slice(2);
  if (!/^[0-9a-f]{16}$/.test(key ?? "")) throw new Error("usage: node scripts/page.mjs name|link DIR KEY (16 hex digits)");
  if (command === "name") console.log(`the page's files: ${name(dir, key).join(", ")}`);
  else if (command === "link") link(dir, key);
  else throw new Error(`unknown command ${command}: name or link`);
}
