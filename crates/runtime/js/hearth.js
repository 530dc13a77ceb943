// Hearth's web runtime: a model trained in Hearth, used in any web page. No UI, and no
// request but the ones you make: it reads the model file you give it and predicts in the
// page, with the same numbers as the studio.
//
//   import { load } from "./hearth/hearth.js";
//   const model = await load("./hearth/model.safetensors");
//   const result = await model.predict({ sepal_length: 5.1, sepal_width: 3.5 });
//   result.label; result.probabilities;     // or result.value for a regression model
//
// predict() takes a row (an object whose fields are the model's columns), or for an image
// model an <img>, <canvas>, <video>, ImageBitmap, ImageData, OffscreenCanvas or image
// Blob/File. predictDrawing(canvas) reads a drawn digit as the studio's drawing pad does.
import init, { Model } from "./hearth_runtime.js";

let started;

function start() {
  started ??= init({ module_or_path: new URL("./hearth_runtime_bg.wasm", import.meta.url) });
  return started;
}

// Loads a Hearth model file: a URL (string or URL), a File or Blob, an ArrayBuffer or a
// typed array. Rejects with a message that says what is wrong with the file.
export async function load(source, name) {
  await start();
  let bytes;
  if (typeof source === "string" || source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) {
      throw new Error(`could not fetch the model file ${source}: the server answered ${response.status} ${response.statusText}`);
    }
    bytes = new Uint8Array(await response.arrayBuffer());
    name ??= decodeURIComponent(new URL(source, location.href).pathname.split("/").pop() || "the model file");
  } else if (source instanceof Blob) {
    bytes = new Uint8Array(await source.arrayBuffer());
    name ??= source.name;
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else if (ArrayBuffer.isView(source)) {
    bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  } else {
    throw new TypeError("load() takes the model file as a URL, a File or Blob, an ArrayBuffer or a Uint8Array");
  }
  return new HearthModel(new Model(name || "the model file", bytes));
}

// A model, ready to predict.
export class HearthModel {
  #model;

  constructor(model) {
    this.#model = model;
    // name, task ("multi_class", "binary", "regression"), classes, columns, image, digits,
    // reads (in words), description, intended_use, limitations.
    Object.assign(this, JSON.parse(model.describe()));
  }

  // The prediction for a row object or an image source (see the top of this file).
  async predict(input) {
    if (input === null || input === undefined) {
      throw new TypeError(`predict() needs an input: this model reads ${this.reads}`);
    }
    if (isRow(input)) {
      const names = Object.keys(input);
      const cells = names.map((name) => cellText(input[name]));
      return this.#result(this.#model.predictRow(names, cells));
    }
    const image = await pixels(input);
    return this.#result(this.#model.predictImage(image.width, image.height, image.data));
  }

  // The prediction for a digit drawn on `canvas` (dark ink on a light or transparent
  // background), fitted into 28×28 as MNIST's digits were.
  async predictDrawing(canvas) {
    const image = await pixels(canvas);
    const { data } = image;
    const transparent = data.some((value, index) => index % 4 === 3 && value < 255);
    const ink = new Float32Array(image.width * image.height);
    for (let i = 0; i < ink.length; i++) {
      const [r, g, b, a] = data.subarray(i * 4, i * 4 + 4);
      // On a transparent canvas the ink is what is painted (as on the studio's pad);
      // on an opaque one, how dark it is.
      ink[i] = transparent ? a / 255 : 1 - (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
    return this.#result(this.#model.predictDrawing(image.width, image.height, ink));
  }

  // The outputs for inputs already at the model's shape (pixels 0 to 1, channel-last).
  predictValues(values) {
    return this.#result(this.#model.predictValues(Float32Array.from(values)));
  }

  #result(outputs) {
    outputs = Array.from(outputs);
    if (this.task === "regression") {
      return { value: outputs[0], outputs };
    }
    const best = outputs.indexOf(Math.max(...outputs));
    const probabilities = {};
    this.classes.forEach((label, index) => (probabilities[label] = outputs[index]));
    return { label: this.classes[best], probability: outputs[best], probabilities, outputs };
  }
}

// Whether `input` is a row (a plain object) rather than an image source.
function isRow(input) {
  const prototype = Object.getPrototypeOf(input);
  return typeof input === "object" && (prototype === Object.prototype || prototype === null);
}

function cellText(value) {
  if (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value))) {
    return "";
  }
  return typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
}

// The RGBA pixels of an image source, as the studio reads an image file: decoded by the
// browser with its orientation applied, no colour conversion, alpha not premultiplied.
async function pixels(source) {
  if (typeof ImageData !== "undefined" && source instanceof ImageData) {
    return source;
  }
  if (typeof HTMLImageElement !== "undefined" && source instanceof HTMLImageElement) {
    if (!source.complete || source.naturalWidth === 0) {
      await source.decode().catch(() => {
        throw new Error(`the image ${source.currentSrc || source.src} could not be loaded or decoded`);
      });
    }
  }
  if (typeof HTMLVideoElement !== "undefined" && source instanceof HTMLVideoElement && source.videoWidth === 0) {
    throw new Error("the video has no frame yet: predict after its 'loadeddata' event");
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(source, {
      imageOrientation: "from-image",
      premultiplyAlpha: "none",
      colorSpaceConversion: "none",
    });
  } catch (error) {
    throw new TypeError(
      `predict() could not read this input as an image (${error.message}): pass a row object, or an <img>, <canvas>, <video>, ImageBitmap, ImageData or image file`,
    );
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  try {
    return context.getImageData(0, 0, canvas.width, canvas.height);
  } catch (error) {
    throw new Error(
      `the browser will not hand over this image's pixels (${error.message}): an image from another site needs crossorigin="anonymous" and that site's permission (CORS)`,
    );
  }
}
