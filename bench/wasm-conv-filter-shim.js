// HEARTH'S SHIM — NOT PART OF TENSORFLOW.JS.
//
// TensorFlow.js 4.22's WebAssembly backend registers no `Conv2DBackpropFilter` kernel,
// so any model with a Conv2D layer cannot be trained on it: the first training step
// throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'". The
// benchmark reports that stock result as it is ("wasm" × "cnn" = unsupported), and
// separately runs a clearly labelled variant, "wasm+shim", in which this file
// registers a plain-JavaScript Conv2DBackpropFilter for the 'wasm' backend so the CNN
// can be trained there at all. Everything else in that variant (the forward
// convolutions, Conv2DBackpropInput, pooling, dense layers, Adam) is still TF.js's own
// wasm code; only the filter gradient runs in JS, single-threaded, without SIMD, so
// "wasm+shim" CNN figures are a lower bound for what a native kernel would give.
//
// The kernel computes dW[fh, fw, ci, co] = Σ_b Σ_oh Σ_ow x[b, ih, iw, ci] · dy[b, oh, ow, co]
// with ih = oh·strideH + fh·dilationH − padTop and iw = ow·strideW + fw·dilationW −
// padLeft (NHWC; padding, strides and rounding as the kernel's attrs give, through
// TF.js's own backend_util.computeConv2DInfo). It reads its inputs with the wasm
// backend's readSync and returns its result through backend.makeOutput, which copies
// the values into the wasm heap. `checkShim()` compares it with the cpu backend.
//
// Expects the global `tf` (tf.min.js) to be loaded.

/* global tf */

export const KERNEL_NAME = "Conv2DBackpropFilter";

/** Calls and wall milliseconds spent in the shim, so a run can report its share. */
export const shimStats = { calls: 0, ms: 0 };

function conv2DBackpropFilterShim(args) {
  const start = performance.now();
  try {
    return filterGradient(args);
  } finally {
    shimStats.calls++;
    shimStats.ms += performance.now() - start;
  }
}

function filterGradient({ inputs, backend, attrs }) {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC");
  if (format !== "channelsLast") {
    throw new Error(`Hearth's Conv2DBackpropFilter shim supports NHWC only, got ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, filterShape, strides, 1 /* dilations */, pad, dimRoundingMode, false /* depthwise */, format,
  );
  const {
    batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels,
    filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo,
  } = info;
  const xs = backend.readSync(x.dataId);
  const dys = backend.readSync(dy.dataId);
  const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  const top = padInfo.top;
  const left = padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * strideHeight + fh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * strideWidth + fw * dilationWidth - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (fh * filterWidth + fw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = xs[xBase + ci];
              if (xv === 0) continue; // exact: zero inputs (ReLU, MNIST background) add nothing
              const w = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[w + co] += xv * dys[dyBase + co];
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(filterShape, "float32", undefined, dw);
}

export const shimKernelConfig = {
  kernelName: KERNEL_NAME,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilterShim,
};

/** True when some Conv2DBackpropFilter kernel (stock or this shim) is registered for wasm. */
export function wasmHasFilterGradient() {
  return tf.getKernel(KERNEL_NAME, "wasm") != null;
}

let registered = false;

/** Registers the shim for 'wasm' (once). Throws if a real kernel already exists. */
export function registerShim() {
  if (registered) return;
  if (wasmHasFilterGradient()) throw new Error("wasm already has a Conv2DBackpropFilter kernel; the shim is not needed");
  tf.registerKernel(shimKernelConfig);
  registered = true;
}

/** Removes the shim, so the stock wasm backend is measured as it ships. */
export function unregisterShim() {
  if (!registered) return;
  tf.unregisterKernel(KERNEL_NAME, "wasm");
  registered = false;
}

export function shimRegistered() {
  return registered;
}

// Small deterministic PRNG so the check is reproducible.
function randomArray(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

const CASES = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [1, 8, 9, 2], f: [3, 2, 2, 5], strides: [2, 1], pad: "valid" },
  { x: [3, 9, 8, 2], f: [3, 3, 2, 3], strides: 2, pad: "same" },
  { x: [2, 6, 6, 1], f: [1, 1, 1, 2], strides: 2, pad: "same" },
  { x: [2, 10, 10, 4], f: [5, 5, 4, 2], strides: [1, 2], pad: "same" },
];

/**
 * Compares the shim's filter gradient on the wasm backend with the cpu backend's, via
 * tf.grad of sum(conv2d(x, W) · dy) with respect to W, on small random tensors.
 * Leaves the active backend as it found it. Returns {ok, maxAbsDiff, cases}.
 */
export async function checkShim() {
  const previous = tf.getBackend();
  const gradOn = async (backendName, c, xv, wv, dyv) => {
    if (!(await tf.setBackend(backendName))) throw new Error(`backend ${backendName} did not start`);
    return tf.tidy(() => {
      const x = tf.tensor4d(xv, c.x);
      const w = tf.tensor4d(wv, c.f);
      const y0 = tf.conv2d(x, w, c.strides, c.pad);
      const dy = tf.tensor4d(dyv.subarray(0, y0.size), y0.shape);
      const g = tf.grad((filter) => tf.sum(tf.mul(tf.conv2d(x, filter, c.strides, c.pad), dy)))(w);
      return g.dataSync().slice();
    });
  };
  const results = [];
  let maxAbsDiff = 0;
  try {
    for (const [i, c] of CASES.entries()) {
      const xv = randomArray(c.x.reduce((a, b) => a * b, 1), 11 + i);
      const wv = randomArray(c.f.reduce((a, b) => a * b, 1), 101 + i);
      const dyv = randomArray(c.x.reduce((a, b) => a * b, 1) * c.f[3], 1001 + i);
      const want = await gradOn("cpu", c, xv, wv, dyv);
      const got = await gradOn("wasm", c, xv, wv, dyv);
      let diff = 0;
      for (let k = 0; k < want.length; k++) diff = Math.max(diff, Math.abs(want[k] - got[k]));
      if (want.length !== got.length) diff = Infinity;
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      results.push({ ...c, maxAbsDiff: diff });
    }
  } finally {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  }
  return { ok: maxAbsDiff < 1e-4, maxAbsDiff, tolerance: 1e-4, cases: results };
}
