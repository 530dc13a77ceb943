// Training on every core (issue 25, point 1): where the page is cross-origin isolated (the
// host sends COOP and COEP, as scripts/hosting.mjs says and the tests' server does), the
// CPU engine is the threaded one, which trains on navigator.hardwareConcurrency threads and
// says so; where it is not, the single-threaded engine works as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HearthPage, launchBrowser, serveDist } from "./harness.mjs";
import { serveBench } from "../../bench/server.mjs";

/** Opens the studio served by `server` and waits for its engine; returns what it shows. */
async function engineOf(server, shot) {
  const browser = await launchBrowser();
  try {
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await app.waitForEngine();
    const seen = {
      isolated: await app.page.evaluate(() => self.crossOriginIsolated),
      cores: await app.page.evaluate(() => navigator.hardwareConcurrency),
      label: await app.backend().innerText(),
      threads: Number(await app.backend().getAttribute("data-threads")),
      requested: server.requests.map((line) => line.split(" ")[1]),
    };
    // The engine trains on its threads: the engine check's loss falls.
    const { first, last } = await app.runEngineCheck({ on: /^CPU/ });
    assert.ok(last < first, `loss did not fall: ${first} → ${last}`);
    await app.screenshot(shot);
    assert.deepEqual(app.consoleErrors, []);
    return seen;
  } finally {
    await browser.close();
  }
}

test("an isolated page trains on every core, and a page without the headers on one thread", async () => {
  const isolated = await serveDist();
  const plain = await serveDist({ isolated: false });
  try {
    const threaded = await engineOf(isolated, "threads-isolated");
    assert.equal(threaded.isolated, true);
    assert.ok(threaded.cores >= 2, `this machine offers ${threaded.cores} cores`);
    assert.equal(threaded.threads, threaded.cores);
    assert.equal(threaded.label, `Backend: CPU (WebAssembly SIMD, ${threaded.cores} threads)`);
    assert.ok(threaded.requested.includes("/engine-mt_bg.wasm"), "the threaded engine was loaded");
    assert.ok(!threaded.requested.includes("/engine_bg.wasm"), "the single-threaded engine was not");

    const single = await engineOf(plain, "threads-not-isolated");
    assert.equal(single.isolated, false);
    assert.equal(single.threads, 1);
    assert.equal(single.label, "Backend: CPU (WebAssembly SIMD)");
    assert.ok(single.requested.includes("/engine_bg.wasm"));
    assert.ok(!single.requested.some((path) => path.startsWith("/engine-mt")));
  } finally {
    await isolated.close();
    await plain.close();
  }
});

test("the threaded engine's training steps take less time than the single-threaded engine's", async () => {
  // The benchmark's page runs the app's engine worker, threaded or not, on the MLP. Each
  // run is a fresh worker whose wasm is compiled again; a second run finds the browser's
  // optimised code cached, so each engine runs twice and its faster run counts. Both step
  // Adam with burn's optimizer: by default the single-threaded engine steps it with
  // Hearth's fused one (training::fused), and this test is about the threads.
  const server = await serveBench({ precompress: false });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/bench/hearth.html`);
    const settings = {
      model: "mlp",
      epochs: 1,
      warmup_steps: 5,
      timed_steps: 200,
      batch: 64,
      train: 8000,
      test: 500,
      inference_runs: 5,
      frozen: 0,
      fused_adam: false,
    };
    const run = async (threads) => {
      const out = await page.evaluate((args) => window.runHearth(args), { settings, forceCpu: true, threads });
      assert.equal(out.failed, undefined, out.failed);
      return out;
    };
    const runs = [];
    for (const threads of [false, true, false, true]) runs.push(await run(threads));
    const best = (threads) => runs.filter((out) => (out.threads > 1) === threads).sort((a, b) => b.result.steps_per_second - a.result.steps_per_second)[0];
    const [one, every] = [best(false), best(true)];
    assert.equal(one.threads, 1);
    assert.ok(every.threads >= 2, `the threaded engine said ${every.threads} threads`);
    assert.equal(every.result.threads, every.threads, "the trainer used the engine's threads");
    assert.equal(one.result.threads, 1);
    const ratio = every.result.steps_per_second / one.result.steps_per_second;
    console.log(
      `MLP steps/s: ${runs.map((out) => `${out.result.steps_per_second.toFixed(1)} (${out.threads})`).join(", ")}; ` +
        `best ${one.result.steps_per_second.toFixed(1)} on 1 thread, ${every.result.steps_per_second.toFixed(1)} on ${every.threads} (${ratio.toFixed(2)}×)`,
    );
    assert.ok(ratio > 1.25, `a step on ${every.threads} threads took ${(1 / ratio).toFixed(2)} of one thread's time`);
    // Split over threads (and with fused multiply-adds), training learns as well.
    const gap = Math.abs(every.result.test_accuracy - one.result.test_accuracy);
    assert.ok(every.result.test_accuracy > 0.85 && gap < 0.02, `test accuracy ${every.result.test_accuracy} against ${one.result.test_accuracy}`);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("an idle engine warms up its training code, on one thread and on every core, and then trains as before", async () => {
  // The warm-up (hearth_core::training::warm_up) trains the presets a few steps on made-up
  // digits while no message waits, so that V8 compiles the training code with TurboFan
  // before the user's first Train; the engine says on the console's debug level when it
  // is done. Its effect on speed is measured by bench/warm-up.mjs, not here.
  for (const isolated of [true, false]) {
    const server = await serveDist({ isolated });
    const browser = await launchBrowser();
    try {
      const app = new HearthPage(await browser.newPage());
      const warmed = new Promise((resolve) => {
        app.page.on("console", (message) => {
          const found = /^Hearth's engine warmed up: (\d+) training steps in (\d+) ms$/.exec(message.text());
          if (found) resolve({ steps: Number(found[1]), ms: Number(found[2]) });
        });
      });
      await app.open(server.origin);
      await app.waitForEngine();
      const done = await Promise.race([warmed, new Promise((resolve) => setTimeout(() => resolve(null), 60_000))]);
      assert.ok(done, `the ${isolated ? "threaded" : "single-threaded"} engine did not say it had warmed up`);
      assert.equal(done.steps, 44);
      // Training afterwards is the user's own: the engine check's loss falls.
      const { first, last } = await app.runEngineCheck({ on: /^CPU/ });
      assert.ok(last < first, `loss did not fall: ${first} → ${last}`);
      assert.deepEqual(app.consoleErrors, []);
      console.log(`${isolated ? "every core" : "one thread"}: warmed up in ${done.ms} ms`);
    } finally {
      await browser.close();
      await server.close();
    }
  }
});
