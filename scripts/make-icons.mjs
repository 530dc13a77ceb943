// Draws Hearth's app icons (the flame mark of the page's header) for the web app manifest:
// an SVG for browsers that take one, PNGs at the sizes install prompts ask for (192 and 512),
// and a maskable PNG whose flame stays inside the safe zone any mask shape keeps.
// Chromium renders the SVG, so the PNGs are exactly what the SVG shows.
//
//   node scripts/make-icons.mjs     # writes assets/icons/; the output is committed
import { writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const OUT = resolve(import.meta.dirname, "../assets/icons");
const FLAME = `
  <path d="M16 2c1 6 8 9 8 17a8 8 0 0 1-16 0c0-4 2-6 4-8 0 3 1 5 3 6-1-6 1-11 1-15z" fill="#e8643a"/>
  <path d="M16 16c1 3 4 4 4 8a4 4 0 0 1-8 0c0-3 3-4 4-8z" fill="#f6b23c"/>`;

/** The icon: a warm rounded tile with the flame; `maskable` fills the square and shrinks
 * the flame into the central 80 % circle that every mask keeps. */
function svg({ maskable }) {
  const tile = maskable
    ? `<rect width="32" height="32" fill="#1f1a17"/>`
    : `<rect x="1" y="1" width="30" height="30" rx="7" fill="#1f1a17"/>`;
  const scale = maskable ? 0.62 : 0.8;
  const offset = 16 - 16 * scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${tile}` +
    `<g transform="translate(${offset} ${offset + 0.6}) scale(${scale})">${FLAME}</g></svg>\n`;
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "icon.svg"), svg({ maskable: false }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage();
for (const [name, size, maskable] of [
  ["icon-192.png", 192, false],
  ["icon-512.png", 512, false],
  ["icon-maskable-512.png", 512, true],
]) {
  await page.setViewportSize({ width: size, height: size });
  const data = Buffer.from(svg({ maskable })).toString("base64");
  await page.setContent(
    `<html><body style="margin:0;background:transparent"><img src="data:image/svg+xml;base64,${data}" width="${size}" height="${size}"></body></html>`,
  );
  await page.locator("img").evaluate((img) => img.decode());
  writeFileSync(join(OUT, name), await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
  console.log(`assets/icons/${name}: ${size}×${size}${maskable ? " (maskable)" : ""}`);
}
await browser.close();
