#!/usr/bin/env node
// The first visit, measured: a fresh browser profile opens Hearth over an emulated
// 10 Mbit/s link with a 40 ms round trip (cache empty), and we
// record the compressed bytes and the seconds until the page is interactive (its step
// buttons respond), until the engine is ready, and until a digit drawn with the mouse is
// classified. Then the same for a second visit (from the service worker) and for a start
// with the network gone. Each build given is measured in the same run, side by side.
//
//   node bench/first-visit.mjs                       # dist/ only
//   node bench/first-visit.mjs --before DIR [--after DIR] [--out DIR]
//
// The link is emulated by the server (tests/e2e/harness.mjs: 40 ms before each response,
// every body through one shared 10 Mbit/s budget), not by DevTools' network emulation:
// measured here, DevTools' throttling did not reach the engine's worker (the old build's
// 4.8 MB engine arrived within a second), so it would have flattered a worker-heavy build.
// Bytes are counted by the server too (response bodies as sent: Brotli where the browser
// accepts it, as README's hosting configuration serves them), the workers' requests included.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LATER } from "../scripts/offline.mjs";
import { DIST, ONE, draw, launchBrowser, predicted, serveDist } from "../tests/e2e/harness.mjs";

const ROOT = resolve(import.meta.dirname, "..");
export const LINK = { downloadMbps: 10, uploadMbps: 5, latencyMs: 40 };


function parseArgs(argv) {
  const args = { builds: [], out: join(ROOT, "bench", "results") };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--before") args.builds.push({ label: "before", dir: resolve(argv[++i]) });
    else if (argv[i] === "--after") args.builds.push({ label: "after", dir: resolve(argv[++i]) });
    else if (argv[i] === "--out") args.out = resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!args.builds.some((build) => build.label === "after")) args.builds.push({ label: "after", dir: DIST });
  return args;
}

/** One visit: opens (or reloads) the app and records the three milestones. */
async function visit(page, server, origin, { reload = false } = {}) {
  const started = Date.now();
  // Bytes by then: in all; of the page's own files (not the engines', the model's or the
  // data's); and of the large files the service worker keeps for offline use in the
  // background (MNIST, the WebGPU engine), which the milestone does not wait for.
  const mark = () => {
    const byPath = Object.entries(server.bytesByPath());
    const sum = (keep) => byPath.filter(([path]) => keep(path)).reduce((total, [, bytes]) => total + bytes, 0);
    return {
      seconds: (Date.now() - started) / 1000,
      bytes: server.bytes(),
      page: sum((path) => !/^\/(engine|digits|mnist|sw\.js)/.test(path)),
      background: sum((path) => LATER.some((pattern) => pattern.test(path.slice(1)))),
    };
  };
  if (reload) await page.reload({ waitUntil: "commit" });
  else await page.goto(`${origin}/`, { waitUntil: "commit" });
  await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /Model/ }).waitFor({ timeout: 120_000 });
  const interactive = mark();
  await page.getByText(/^Engine ready on /).waitFor({ timeout: 300_000 });
  const engine = mark();
  // The first screen's pad where there is one; the Use & share step's otherwise.
  const first = page.getByTestId("draw-first").getByTestId("pad");
  if (!(await first.count())) await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /Use & share/ }).click();
  await page.getByTestId("pad").waitFor({ timeout: 300_000 });
  await draw(page, ONE);
  const digit = await predicted(page);
  const classified = mark();
  return { interactive, engine, classified, digit };
}

/** A server on the emulated link, counting what it sends. */
async function countingServer(root) {
  const server = await serveDist({ root, link: LINK });
  return server;
}

async function measure(build) {
  const server = await countingServer(build.dir);
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const result = { label: build.label, dir: build.dir };
  try {
    result.first = await visit(page, server, server.origin);
    // Whatever the page does in the background (the service worker's copies) settles.
    await page.waitForTimeout(5000);
    server.resetBytes();
    result.second = await visit(page, server, server.origin, { reload: true });
    await page.waitForTimeout(2000);
    await server.close();
    await browser.setOffline(true);
    server.resetBytes();
    try {
      result.offline = await visit(page, server, server.origin, { reload: true });
    } catch (error) {
      result.offline = { failed: String(error.message ?? error).split("\n")[0] };
    }
  } finally {
    await browser.close();
    await server.close().catch(() => {});
  }
  return result;
}

const kb = (bytes) => `${Math.round(bytes / 1000)} KB`;
const s = (seconds) => `${seconds.toFixed(1)} s`;

export function table(results) {
  const lines = [
    "| Build | Visit | Interactive | Engine ready | Digit classified |",
    "|---|---|---|---|---|",
  ];
  for (const result of results) {
    for (const [visitName, label] of [["first", "first (cache empty)"], ["second", "second"], ["offline", "offline start"]]) {
      const v = result[visitName];
      if (!v || v.failed) {
        lines.push(`| ${result.label} | ${label} | does not open: ${v?.failed ?? "not measured"} | | |`);
        continue;
      }
      const cell = (m) => {
        const needed = m.bytes - (m.background ?? 0);
        const extra = m.background ? ` (+ ${kb(m.background)} kept for offline in the background)` : "";
        return `${s(m.seconds)}, ${kb(needed)}${extra}`;
      };
      const page = v.interactive.page != null ? ` (the page's own files: ${kb(v.interactive.page)})` : "";
      lines.push(`| ${result.label} | ${label} | ${cell(v.interactive)}${page} | ${cell(v.engine)} | ${cell(v.classified)}, read "${v.digit}" |`);
    }
  }
  return lines.join("\n");
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const results = [];
  for (const build of args.builds) {
    console.error(`first-visit: measuring ${build.label} (${build.dir})`);
    results.push(await measure(build));
  }
  mkdirSync(args.out, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    link: LINK,
    note: "Seconds from navigation; bytes are the bodies of the responses completed by the milestone, as the server sent them (Brotli where accepted), the engine worker's and the service worker's requests included.",
    results,
  };
  writeFileSync(join(args.out, "first-visit.json"), JSON.stringify(report, null, 2) + "\n");
  const markdown = [
    "# First visit",
    "",
    `${LINK.downloadMbps} Mbit/s down, ${LINK.latencyMs} ms before each response (emulated by the server, see bench/first-visit.mjs), a fresh browser profile, both builds served precompressed (Brotli); ${report.date.slice(0, 10)}.`,
    "Each cell: seconds from navigation, and compressed bytes received by then (a one is drawn with the mouse once the pad shows).",
    "",
    table(results),
    "",
    report.note,
    "",
  ].join("\n");
  writeFileSync(join(args.out, "FIRST-VISIT.md"), markdown);
  console.log(markdown);
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  main().catch((error) => {
    console.error(`first-visit: ${error.stack ?? error}`);
    process.exit(1);
  });
}
