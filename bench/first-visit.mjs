#!/usr/bin/env node
// The first visit, measured: a fresh browser profile opens Hearth over an emulated
// 10 Mbit/s link with a 40 ms round trip (DevTools network emulation, cache empty), and we
// record the compressed bytes and the seconds until the page is interactive (its step
// buttons respond), until the engine is ready, and until a digit drawn with the mouse is
// classified. Then the same for a second visit (from the service worker) and for a start
// with the network gone. Each build given is measured in the same run, side by side.
//
//   node bench/first-visit.mjs                       # dist/ only
//   node bench/first-visit.mjs --before DIR [--after DIR] [--out DIR]
//
// Bytes are counted by the server (response bodies as sent: Brotli where the browser
// accepts it, as README's hosting configuration serves them), so the engine worker's and
// the service worker's requests are counted too.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
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

/** Emulates the link for the page and, through auto-attach, for its workers. */
async function emulate(browser, page, offline = false) {
  const cdp = await browser.newCDPSession(page);
  const conditions = {
    offline,
    latency: LINK.latencyMs,
    downloadThroughput: (LINK.downloadMbps * 1e6) / 8,
    uploadThroughput: (LINK.uploadMbps * 1e6) / 8,
  };
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", conditions);
  // Workers (the engine's, the service worker) are targets of their own.
  cdp.on("Target.attachedToTarget", async ({ sessionId }) => {
    const send = (method, params = {}) =>
      cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id: Math.floor(Math.random() * 1e9), method, params }) }).catch(() => {});
    await send("Network.enable");
    await send("Network.emulateNetworkConditions", conditions);
    await send("Runtime.runIfWaitingForDebugger");
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return cdp;
}

/** One visit: opens (or reloads) the app and records the three milestones. */
async function visit(page, server, origin, { reload = false } = {}) {
  const bytesAt = () => server.bytes();
  const started = Date.now();
  const mark = () => ({ seconds: (Date.now() - started) / 1000, bytes: bytesAt() });
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

/** A server whose byte counter counts what it sent. */
async function countingServer(root) {
  const server = await serveDist({ root, count: true });
  return server;
}

async function measure(build) {
  const server = await countingServer(build.dir);
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const result = { label: build.label, dir: build.dir };
  try {
    await emulate(browser, page);
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
      const cell = (m) => `${s(m.seconds)}, ${kb(m.bytes)}`;
      lines.push(`| ${result.label} | ${label} | ${cell(v.interactive)} | ${cell(v.engine)} | ${cell(v.classified)} (drew a one, read "${v.digit}") |`);
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
    note: "Seconds from navigation; bytes are response bodies as the server sent them (Brotli where accepted), from navigation to the milestone, the engine worker's and the service worker's requests included.",
    results,
  };
  writeFileSync(join(args.out, "first-visit.json"), JSON.stringify(report, null, 2) + "\n");
  const markdown = [
    "# First visit",
    "",
    `${LINK.downloadMbps} Mbit/s down, ${LINK.uploadMbps} Mbit/s up, ${LINK.latencyMs} ms round trip (DevTools network emulation), a fresh browser profile; ${report.date.slice(0, 10)}.`,
    "Each cell: seconds from navigation, and compressed bytes received by then.",
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
