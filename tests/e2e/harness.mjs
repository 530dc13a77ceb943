// Shared end-to-end fixtures: a static server for dist/ on 127.0.0.1 and headless
// Chromium (Debian's, driven by playwright-core), plus a page object for the app.
import { join, resolve } from "node:path";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";

export { DIST, serveDist } from "../../scripts/server.mjs";
export const ARTIFACTS = resolve(import.meta.dirname, "artifacts");
/** The header's backend where the CPU engine is the threaded one (the tests' server makes
 * the page cross-origin isolated, as README "Hosting Hearth yourself" says to). */
export const THREADED_CPU = /^Backend: CPU \(WebAssembly SIMD, \d+ threads\)$/;
mkdirSync(ARTIFACTS, { recursive: true });

export { TYPES } from "../../scripts/hosting.mjs";

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

/** Chromium's fake camera and microphone (a test pattern and a tone, or the files given),
 * allowed without asking: Chromium's own media stack, with no device needed. */
export function fakeMedia({ video = null, audio = null, allow = true } = {}) {
  return [
    "--use-fake-device-for-media-stream",
    ...(allow ? ["--use-fake-ui-for-media-stream"] : []),
    ...(video ? [`--use-file-for-fake-video-capture=${video}`] : []),
    ...(audio ? [`--use-file-for-fake-audio-capture=${audio}`] : []),
  ];
}

/** Launches headless Chromium with a fresh profile (or `profile`, to open it again).
 * Without `webgpu`, no adapter exists; `args` adds flags (see `fakeMedia`). */
export async function launchBrowser({ webgpu = false, args = [], profile = null } = {}) {
  profile ??= mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : ["--disable-gpu"]), ...args],
    viewport: { width: 1280, height: 800 },
  });
}

/** Draws a polyline on the pad (or the canvas `testId`) with the mouse; points are
 * fractions of the pad's size. */
export async function draw(page, points, testId = "pad") {
  await page.getByTestId(testId).scrollIntoViewIfNeeded();
  const box = await page.getByTestId(testId).boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
  await page.mouse.up();
}

/** The id of the latest prediction request answered (0 before any): pass it to
 * `predicted` as `after` to wait for the answer to what is drawn next. */
export async function answeredId(page) {
  const prediction = page.getByTestId("prediction");
  return (await prediction.count()) ? Number(await prediction.getAttribute("data-answered")) : 0;
}

/** The prediction once it has settled (predictions of partial strokes arrive first). */
export async function predicted(page, { after = null } = {}) {
  const result = page.getByTestId("predicted");
  await result.waitFor({ timeout: 30_000 });
  // With `after` (answeredId before drawing), an answer to a request made since.
  if (after !== null) {
    await page.waitForFunction(
      (after) => Number(document.querySelector('[data-testid="prediction"]')?.dataset.answered ?? 0) > after,
      after,
      { timeout: 30_000 },
    );
  }
  // The answer to the latest request has arrived.
  await page.locator('[data-testid="prediction"][aria-busy="false"]').waitFor({ timeout: 30_000 });
  let last = (await result.innerText()).trim();
  for (let stable = 0; stable < 5; ) {
    await page.waitForTimeout(100);
    const now = (await result.innerText()).trim();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** A circle, a little different each time `n` (fractions of the pad). */
export function circle(n) {
  const [cx, cy, r] = [0.5 + ((n % 3) - 1) * 0.06, 0.5 + ((n % 4) - 1.5) * 0.04, 0.22 + (n % 5) * 0.02];
  return Array.from({ length: 17 }, (_, i) => [cx + r * Math.cos((i / 16) * 2 * Math.PI), cy + r * Math.sin((i / 16) * 2 * Math.PI)]);
}

/** A cross's two strokes, a little different each time `n`. */
export function cross(n) {
  const [d, s] = [((n % 3) - 1) * 0.05, 0.2 + (n % 4) * 0.03];
  return [
    [[0.5 - s + d, 0.5 - s], [0.5 + s + d, 0.5 + s]],
    [[0.5 + s + d, 0.5 - s], [0.5 - s + d, 0.5 + s]],
  ];
}

/** A vertical stroke, drawn off-centre and small: a one, once the MNIST fitting centres it. */
export const ONE = [[0.3, 0.2], [0.31, 0.45], [0.32, 0.7]];

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

  /** Waits until the service worker controls the page and keeps the large files for
   * offline use; returns their paths. */
  async waitUntilKeptOffline(timeout = 120_000) {
    await this.page.waitForFunction(
      () => navigator.serviceWorker.controller !== null && window.hearthOffline.kept.length > 0,
      null,
      { timeout },
    );
    return this.page.evaluate(() => window.hearthOffline.kept);
  }

  /** Waits until the WebGPU engine, loaded in the background, is the engine. */
  async waitForWebGpu(timeout = 300_000) {
    await this.page.getByText(/^Engine ready on WebGPU/).waitFor({ timeout });
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
