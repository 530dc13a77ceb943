// The engines' compute kernels in the browser (issue 25, points 2 and 6): the threaded
// engine, whose matrix kernels use relaxed SIMD's fused multiply-add and whose training
// steps split over threads, and the plain engine (the WebGPU engine's CPU backend, built
// with plain SIMD on one thread as the single-threaded engine is; the single-threaded
// engine itself leaves the check out, to keep a first visit within its bytes), each
// check their matrix products, convolutions and split training steps against plain
// arithmetic on the same random shapes (hearth_core::kernels), and their results are
// compared bit for bit: where this processor fuses a multiply-add, the threaded engine's
// products differ in their last bits from the plain engine's, and both stay within the
// rounding allowance. The seed is random and printed; HEARTH_KERNEL_SEED repeats a run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "./harness.mjs";
import { serveBench } from "../../bench/server.mjs";

/**
 * Whether this browser's f32x4.relaxed_madd rounds once (a fused multiply-add): a tiny
 * module computes (1 + 2⁻²³)(1 − 2⁻²³) − 1, which is −2⁻⁴⁶ fused and 0 when the product
 * is rounded first. Run in the page, so it is the browser's own answer on this processor.
 */
function fusesMultiplyAdd() {
  // (func (export "f") (param f32 f32 f32) (result f32)
  //   local.get 0 f32x4.splat local.get 1 f32x4.splat local.get 2 f32x4.splat
  //   f32x4.relaxed_madd f32x4.extract_lane 0)
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 125, 125, 125, 1, 125, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0,
    10, 22, 1, 20, 0, 32, 0, 253, 19, 32, 1, 253, 19, 32, 2, 253, 19, 253, 133, 2, 253, 31, 0, 11,
  ]);
  if (!WebAssembly.validate(bytes)) return null;
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  return f(1 + 2 ** -23, 1 - 2 ** -23, -1) !== 0;
}

test("the threaded engine's fused and threaded kernels agree with plain arithmetic and with the plain engine", async () => {
  const seed = Number(process.env.HEARTH_KERNEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`kernel check seed ${seed} (HEARTH_KERNEL_SEED=${seed} repeats it)`);
  const server = await serveBench({ precompress: false });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/bench/hearth.html`);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    const fused = await page.evaluate(fusesMultiplyAdd);
    assert.notEqual(fused, null, "this browser has no relaxed SIMD: the threaded engine would not load");
    const check = async (threads) => {
      const out = await page.evaluate((args) => window.runKernelCheck(args), { seed, threads });
      assert.equal(out.failed, undefined, out.failed);
      return out;
    };
    const plain = await check(false);
    const threaded = await check(true);
    assert.equal(plain.threads, 1);
    assert.ok(threaded.threads >= 2, `the threaded engine said ${threaded.threads} threads`);
    assert.equal(threaded.report.threads, threaded.threads, "the check ran on the engine's threads");

    for (const [name, out] of [["plain", plain], ["threaded", threaded]]) {
      assert.equal(out.report.seed, seed);
      for (const c of out.report.cases) {
        assert.ok(Number.isFinite(c.error) && c.error <= c.tolerance, `${name} ${c.kind} ${c.shape}: error ${c.error} over ${c.tolerance}`);
      }
    }
    const kinds = (out) => out.report.cases.map((c) => `${c.kind} ${c.shape}`);
    assert.deepEqual(kinds(threaded), kinds(plain), "the same seed gave both engines the same shapes");
    assert.ok(plain.report.cases.filter((c) => c.kind === "conv2d").length >= 6);
    // The steps split over every thread of the threaded engine (and over 2, in turn, in
    // the plain one), and match the step in one pass.
    const steps = (out) => out.report.cases.filter((c) => c.kind === "step");
    assert.equal(steps(threaded).length, 2);
    for (const c of steps(threaded)) assert.equal(c.shards, threaded.threads);
    for (const c of steps(plain)) assert.equal(c.shards, 2);

    // Fused multiply-adds round once where a multiply then an add round twice, so the
    // threaded engine's products differ from the plain engine's in their last bits;
    // where the processor does not fuse, relaxed_madd is a multiply and an add, and the
    // bits are the same.
    const products = (out) => out.report.cases.filter((c) => c.kind === "matmul").map((c) => c.digest);
    const differing = products(threaded).filter((digest, i) => digest !== products(plain)[i]).length;
    console.log(
      `fused multiply-add: ${fused}; ${differing} of ${products(plain).length} products differ in bits; ` +
        `largest errors (allowance units): plain ${Math.max(...plain.report.cases.map((c) => c.error / c.tolerance)).toFixed(4)}, ` +
        `threaded ${Math.max(...threaded.report.cases.map((c) => c.error / c.tolerance)).toFixed(4)}`,
    );
    if (fused) {
      assert.ok(differing >= products(plain).length / 2, `only ${differing} products differ: are the kernels fused?`);
    } else {
      assert.equal(differing, 0);
    }
  } finally {
    await browser.close();
    await server.close();
  }
});
