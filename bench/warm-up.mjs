// What the engine's warm-up gives a user's first training run: the benchmark's MLP timed
// over its first steps in a fresh engine, sent at once after the engine is ready (the
// warm-up is stopped by it before it has run) and 3 seconds later (as a user who
// chooses data and presses Train; the warm-up has run, and V8 has had time to compile the
// training code with its optimising compiler). Each round runs each case in a fresh
// browser, so no compiled code is shared between them; the table is each case's median.
// Usage: node bench/warm-up.mjs [rounds (5)] [timed steps (500)] [pause ms (3000)] after
// scripts/build.sh.
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { jsFlags, serveBench } from "./server.mjs";

const [rounds = 5, steps = 500, pause = 3000] = process.argv.slice(2).map(Number);
const server = await serveBench({ precompress: false });
const runs = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const threads of [false, true]) {
      for (const pauseMs of [0, pause]) {
        const context = await launchBrowser({ args: jsFlags() });
        try {
          const page = await context.newPage();
          await page.goto(`${server.origin}/bench/hearth.html`);
          const out = await page.evaluate((a) => window.runHearth(a), {
            settings: { model: "mlp", epochs: 1, warmup_steps: 5, timed_steps: steps, batch: 64, train: 8000, test: 200, inference_runs: 5, frozen: 0 },
            forceCpu: true,
            threads,
            pauseMs,
          });
          if (out.failed) throw new Error(out.failed);
          const key = `${threads ? "every core" : "one thread"}, ${pauseMs ? `${pauseMs / 1000} s after ready` : "at once"}`;
          (runs[key] ??= []).push(out.result.steps_per_second);
          console.error(`round ${round + 1}: ${key}: ${out.result.steps_per_second.toFixed(1)} steps/s`);
        } finally {
          await context.close();
        }
      }
    }
  }
} finally {
  await server.close();
}
console.log(`| MLP, first ${steps} steps, ${rounds} rounds | median steps/s | each round |`);
console.log("|---|---:|---|");
for (const [key, values] of Object.entries(runs)) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`| ${key} | ${sorted[sorted.length >> 1].toFixed(1)} | ${values.map((v) => v.toFixed(0)).join(" ") } |`);
}
