// Shared end-to-end fixtures: a static server for dist/ on 127.0.0.1 and headless
// Chromium (Debian's, driven by playwright-core), plus a page object for the app.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { POLICY } from "../../scripts/csp.mjs";

const DIST = resolve(import.meta.dirname, "../../dist");
export const ARTIFACTS = resolve(import.meta.dirname, "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

/** Content types by file extension (anything else is application/octet-stream). */
export const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".bin": "application/octet-stream",
};

/** Serves dist/ on 127.0.0.1 at a free port. `delays` maps a path to milliseconds to wait. */
export async function serveDist({ delays = {} } = {}) {
  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url, "http://127.0.0.1");
      let path = normalize(decodeURIComponent(url.pathname));
      if (path.endsWith("/")) path += "index.html";
      const file = join(DIST, path);
      if (!file.startsWith(DIST)) throw new Error("outside dist");
      const info = await stat(file);
      const body = await readFile(file);
      const delay = delays[url.pathname];
      if (delay) await new Promise((done) => setTimeout(done, delay));
      response.writeHead(200, {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Content-Length": info.size,
        "Cache-Control": "no-store",
        // As a host should: the same policy as the page's <meta>, which reaches the worker.
        "Content-Security-Policy": POLICY,
      });
      response.end(body);
    } catch {
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("not found");
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((done) => server.close(done)) };
}

const BASE_ARGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Flags that make headless Chromium offer a (software) WebGPU adapter. */
export const WEBGPU_ARGS = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-angle=swiftshader",
  "--use-webgpu-adapter=swiftshader",
];

/** Launches headless Chromium with a fresh profile. Without `webgpu`, no adapter exists. */
export async function launchBrowser({ webgpu = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : ["--disable-gpu"])],
    viewport: { width: 1280, height: 800 },
  });
}

/** The app as a user sees it: named controls and stable test ids. */
export class HearthPage {
  constructor(page) {
    this.page = page;
    this.consoleErrors = [];
    // What the Content-Security-Policy blocked, in the page or its workers (Chromium
    // reports both on the page's console).
    this.policyViolations = [];
    page.on("console", (message) => {
      if (message.type() === "error") this.consoleErrors.push(message.text());
      if (/Content Security Policy/i.test(message.text())) this.policyViolations.push(message.text());
    });
    page.on("pageerror", (error) => this.consoleErrors.push(String(error)));
  }

  async open(origin, query = "") {
    await this.page.goto(`${origin}/${query}`);
  }

  backend() {
    return this.page.getByTestId("backend");
  }

  engineStatus() {
    return this.page.getByTestId("engine-status");
  }

  async waitForEngine(timeout = 120_000) {
    await this.page.getByText(/^Engine ready on /).waitFor({ timeout });
  }

  step(title) {
    return this.page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: title });
  }

  /** On the Train step, sets each setting: test id → value, as a user types them. */
  async setTraining(settings) {
    for (const [id, value] of Object.entries(settings)) {
      await this.page.getByTestId(id).fill(value);
      await this.page.getByTestId(id).dispatchEvent("change");
    }
  }

  /** Picks `preset` in the Model step, sets `settings` in the Train step, trains, and
   * waits until the run state matches `done`. */
  async train({ preset, settings = {}, done = /^Done: /, timeout = 180_000 }) {
    await this.step("Model").click();
    await this.page.getByTestId(`preset-${preset}`).click();
    await this.step("Train").click();
    await this.setTraining(settings);
    await this.page.getByTestId("train").click();
    await this.page.getByTestId("run-state").getByText(done).waitFor({ timeout });
  }

  /** Clicks the button `testId` and returns the download it starts. */
  async download(testId) {
    const [download] = await Promise.all([this.page.waitForEvent("download"), this.page.getByTestId(testId).click()]);
    return download;
  }

  /** Runs the engine check on the Train step; returns the first and last loss. */
  async runEngineCheck({ on = /.+/, timeout = 60_000 } = {}) {
    await this.step("Train").click();
    await this.page.getByRole("button", { name: "Run engine check" }).click();
    await this.page.getByText(/steps per second on /).waitFor({ timeout });
    const text = await this.page.getByTestId("self-test-result").innerText();
    const [, first, last, backend] = text.match(/^Loss ([\d.]+) → ([\d.]+) over 20 steps at [\d.]+ steps per second on (.+)\.$/) ?? [];
    if (!backend || !on.test(backend)) throw new Error(`unexpected engine check result: ${text}`);
    return { first: Number(first), last: Number(last) };
  }

  async screenshot(name) {
    await this.page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }
}
