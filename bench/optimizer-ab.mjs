// The fused Adam against burn's, in both CPU engines, in one browser session: what decided
// where hearth_core::training::fused::FusedAdam is used (see the trainer's build_optimizer).
// Each round runs the four (one thread or every core, fused or burn's Adam) in turn, each
// twice in its page (a fresh worker compiles the engine's wasm again; the faster run
// counts); the table is each one's median over the rounds.
// Usage: node bench/optimizer-ab.mjs [rounds (7)] [timed steps (1000)] [model (mlp)]
// after scripts/build.sh.
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { jsFlags, serveBench } from "./server.mjs";

const [rounds = 7, steps = 1000, model = "mlp"] = process.argv.slice(2).map((arg, i) => (i < 2 ? Number(arg) : arg));
const server = await serveBench({ precompress: false });
const context = await launchBrowser({ args: jsFlags() });
const runs = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const threads of [false, true]) {
      for (const fused of [true, false]) {
        const page = await context.newPage();
        await page.goto(`${server.origin}/bench/hearth.html`);
        const args = {
          settings: { model, epochs: 1, warmup_steps: 5, timed_steps: steps, batch: 64, train: 8000, test: 200, inference_runs: 5, frozen: 0, fused_adam: fused },
          forceCpu: true,
          threads,
        };
        const speeds = [];
        for (let run = 0; run < 2; run++) {
          const out = await page.evaluate((a) => window.runHearth(a), args);
          if (out.failed) throw new Error(out.failed);
          speeds.push(out.result.steps_per_second);
        }
        await page.close();
        const key = `${threads ? "every core" : "one thread"}, ${fused ? "fused Adam" : "burn's Adam"}`;
        (runs[key] ??= []).push(Math.max(...speeds));
        console.error(`round ${round + 1}: ${key}: ${speeds.map((v) => v.toFixed(1)).join(", ")} steps/s`);
      }
    }
  }
} finally {
  await context.close();
  await server.close();
}
console.log(`| ${model}, ${steps} timed steps, ${rounds} rounds | median steps/s | each round's best of two |`);
console.log("|---|---:|---|");
for (const [key, values] of Object.entries(runs)) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`| ${key} | ${sorted[sorted.length >> 1].toFixed(1)} | ${values.map((v) => v.toFixed(0)).join(" ")} |`);
}
