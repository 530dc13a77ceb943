// Sounds: classes recorded from the microphone (Chromium's fake microphone, playing WAV
// clips this test writes) and sound files added to a class (WAV, FLAC, Ogg and MP3 written
// by libsndfile, and a broken file), trained with the sound preset, and classified live from
// the microphone and from a file; a refused microphone.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HearthPage, fakeMedia, launchBrowser, serveDist } from "./harness.mjs";

const open = [];
after(async () => {
  for (const thing of open) await thing.close();
});

/** A 16-bit mono WAV file at 16 kHz of `seconds` of `sample(t)` (-1 to 1). */
function wav(path, seconds, sample) {
  const rate = 16_000;
  const count = Math.round(seconds * rate);
  const data = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    const value = Math.max(-1, Math.min(1, sample(i / rate)));
    data.writeInt16LE(Math.round(value * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
  return path;
}

/** Seeded noise in [-1, 1]. */
function noise(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
}

/** The room: quiet noise. */
const room = (seed) => {
  const next = noise(seed);
  return () => 0.01 * next();
};
/** A whistle warbling around `pitch` Hz, over the room. */
const whistle = (pitch, seed) => {
  const next = noise(seed);
  let phase = 0;
  return (t) => {
    phase += (2 * Math.PI * (pitch + 150 * Math.sin(2 * Math.PI * 3 * t))) / 16_000;
    return 0.3 * Math.sin(phase) + 0.01 * next();
  };
};
/** A low buzz of `pitch` Hz and its harmonics, pulsing, over the room. */
const hum = (pitch, seed) => {
  const next = noise(seed);
  return (t) => {
    let value = 0;
    for (let h = 1; h <= 6; h++) value += Math.sin(2 * Math.PI * pitch * h * t) / h;
    return 0.2 * value * (0.7 + 0.3 * Math.sin(2 * Math.PI * 2 * t)) + 0.01 * next();
  };
};

test("three sound classes recorded from the microphone are trained, and held-out clips are classified live at 90% or better", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-sounds-"));
  const clips = {
    room: wav(join(dir, "room.wav"), 4, room(1)),
    whistle: wav(join(dir, "whistle.wav"), 4, whistle(1500, 2)),
    hum: wav(join(dir, "hum.wav"), 4, hum(110, 3)),
    whistleLater: wav(join(dir, "whistle-later.wav"), 4, whistle(1700, 4)),
    humLater: wav(join(dir, "hum-later.wav"), 4, hum(140, 5)),
  };
  const profile = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const server = await serveDist();
  open.push(server);
  /** Opens the app in the one profile with the microphone hearing `audio`. */
  const visit = async (audio) => {
    const browser = await launchBrowser({ args: fakeMedia({ audio }), profile });
    const app = new HearthPage(await browser.newPage());
    await app.open(server.origin);
    await app.waitForEngine();
    return { browser, app, page: app.page };
  };
  const record = async (page, index, seconds) => {
    await page.getByTestId("open-sound-capture").click();
    await page.getByTestId("mic-on").click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="mic-level"]').value) > 0, null, { timeout: 30_000 });
    if (index === 2) await page.getByTestId("add-capture-class").click();
    await page.getByTestId(`record-${index}`).focus();
    await page.keyboard.down(" ");
    await page.waitForTimeout(seconds * 1000 + 300);
    await page.keyboard.up(" ");
    await page.waitForTimeout(1500); // the examples are kept a moment after the last one
  };
  // The room, then the whistle, then the hum, each in a browser of its own (the fake
  // microphone plays one file), the examples kept in the profile between them.
  let { browser, page, app } = await visit(clips.room);
  await page.getByTestId("keep-uploads").check();
  await record(page, 0, 6);
  await browser.close();
  ({ browser, page, app } = await visit(clips.whistle));
  await record(page, 1, 6);
  await page.getByTestId("capture-name-1").fill("Whistle");
  await page.getByTestId("capture-name-1").press("Tab");
  await page.waitForTimeout(1500); // kept a moment after the change
  await browser.close();
  ({ browser, page, app } = await visit(clips.hum));
  await record(page, 2, 6);
  await page.getByTestId("capture-name-2").fill("Hum");
  await page.getByTestId("capture-name-2").press("Tab");
  const counts = (await page.getByTestId("capture-classes").innerText()).replace(/\s+/g, " ");
  for (const index of [0, 1, 2]) {
    const count = Number((await page.getByTestId(`capture-count-${index}`).innerText()).match(/\d+/)[0]);
    assert.ok(count >= 5 && count <= 8, `class ${index}: ${count} one-second examples from 6 s held`);
  }
  await app.screenshot("sound-capture");
  await page.getByTestId("load-captured").click();
  await page.getByTestId("image-classes").waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId("data-shape").innerText(), /one-second sounds in 3 classes/);
  assert.equal(await page.getByTestId("augment").count(), 0, "sounds are not augmented");
  await app.screenshot("sound-loaded");
  await app.train({ preset: "sound", settings: { epochs: "25" }, timeout: 180_000 });
  await browser.close();

  // Held-out clips (other pitches): the kept model classifies the microphone live.
  const shares = {};
  for (const [audio, truth] of [[clips.whistleLater, "Whistle"], [clips.humLater, "Hum"]]) {
    ({ browser, page, app } = await visit(audio));
    await app.step("Use & share").click();
    await page.getByTestId("model-name").getByText(/kept in this browser/).waitFor({ timeout: 60_000 });
    await page.getByTestId("live-mic").click();
    await page.getByTestId("predicted").waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1200); // a whole second of the clip heard
    const answers = [];
    for (let n = 0; n < 20; n++) {
      await page.waitForTimeout(200);
      answers.push((await page.getByTestId("predicted").innerText()).trim());
    }
    shares[truth] = answers.filter((answer) => answer === truth).length / answers.length;
    if (shares[truth] < 0.9) console.log(`${truth}: answers ${answers.join(", ")}`);
    if (truth === "Hum") await app.screenshot("sound-live");
    await page.getByTestId("live-close").click();
    await browser.close();
  }
  console.log(`held-out sounds read right: ${JSON.stringify(shares)} (examples: ${counts.slice(0, 160)})`);
  for (const [truth, share] of Object.entries(shares)) assert.ok(share >= 0.9, `${truth}: ${share}`);
});

test("sound files in every format join a class, a broken one is named and the rest load, and a file is classified", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-sound-files-"));
  // WAV, FLAC, Ogg Vorbis and MP3 of a chord, written by libsndfile (setup.sh installs it).
  execFileSync(process.env.HEARTH_PYTHON ?? "python3", [resolve(import.meta.dirname, "../python/check_sound.py"), "write", dir]);
  const chords = ["wav", "flac", "ogg", "mp3"].map((ext) => join(dir, `chord.${ext}`));
  const rooms = [1, 2, 3].map((seed) => wav(join(dir, `room-${seed}.wav`), 1.5, room(seed)));
  writeFileSync(join(dir, "broken.mp3"), Buffer.from("ID3\u0003 this is not a sound at all"));
  const server = await serveDist();
  open.push(server);
  const browser = await launchBrowser({ args: fakeMedia({}) });
  open.push(browser);
  const app = new HearthPage(await browser.newPage());
  const page = app.page;
  await app.open(server.origin);
  await app.waitForEngine();
  await page.getByTestId("open-sound-capture").click();
  await page.getByTestId("add-sounds-0").setInputFiles(rooms);
  await page.getByTestId("capture-name-1").fill("Chord");
  await page.getByTestId("capture-name-1").press("Tab");
  await page.getByTestId("add-sounds-1").setInputFiles([...chords, join(dir, "broken.mp3")]);
  assert.match(await page.getByTestId("capture-count-1").innerText(), /5 examples/);
  // A sample plays (its name is on its button).
  assert.ok(await page.getByRole("button", { name: /Play chord\.flac of Chord/ }).isVisible());
  await page.getByTestId("load-captured").click();
  await page.getByTestId("image-classes").waitFor({ timeout: 60_000 });
  const view = await page.locator(".image-view").innerText();
  assert.match(view, /broken\.mp3 could not be read as a sound \(.+\)\. Hearth reads WAV, FLAC, Ogg Vorbis and MP3 files\./);
  // 1.5 s files make two clips each (the last half second padded); the chords likewise.
  assert.match(view, /Background noise\s*6 seconds of sound/);
  assert.match(view, /Chord\s*8 seconds of sound/);
  await app.screenshot("sound-files-loaded");
  await app.train({ preset: "sound", settings: { epochs: "15" }, timeout: 180_000 });
  await app.step("Use & share").click();
  await page.getByTestId("predict-sound").setInputFiles(join(dir, "chord.ogg"));
  await page.getByTestId("predicted").getByText("Chord").waitFor({ timeout: 30_000 });
  await page.getByTestId("predict-sound").setInputFiles(join(dir, "broken.mp3"));
  await page.getByText(/broken\.mp3 could not be read as a sound/).waitFor({ timeout: 30_000 });
  assert.deepEqual(app.consoleErrors, []);
});

test("a refused microphone gets a clear message, and sound files still work", async () => {
  const server = await serveDist();
  open.push(server);
  const browser = await launchBrowser({ args: fakeMedia({ allow: false }) });
  open.push(browser);
  const app = new HearthPage(await browser.newPage());
  const page = app.page;
  await app.open(server.origin);
  await app.waitForEngine();
  await page.getByTestId("open-sound-capture").click();
  await page.getByTestId("mic-on").click();
  const problem = page.getByTestId("mic-problem");
  await problem.waitFor({ timeout: 30_000 });
  assert.match(await problem.innerText(), /not allowed to use the microphone.*Adding sound files still works/s);
  await app.screenshot("sound-mic-refused");
  assert.ok(await page.getByTestId("add-sounds-0").isEnabled());
  assert.ok(await page.getByTestId("record-0").isDisabled());
  assert.deepEqual(app.consoleErrors, []);
});
