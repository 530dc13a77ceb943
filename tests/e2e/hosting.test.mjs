// Hosting Hearth yourself: the configurations README gives are the ones this repository
// generates, and nginx (Debian's, with the Brotli module) serving dist/ with docs/hosting/
// nginx.conf sends exactly the headers the tests' server sends; the app then installs,
// works, and opens offline, as it does from the tests' server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { caddy, headersFor, nginx } from "../../scripts/hosting.mjs";
import { DIST, HearthPage, ONE, draw, launchBrowser, predicted } from "./harness.mjs";

const DOCS = resolve(import.meta.dirname, "../../docs/hosting");
const BROTLI = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

test("docs/hosting holds the configurations scripts/hosting.mjs writes", () => {
  assert.equal(readFileSync(join(DOCS, "nginx.conf"), "utf8"), nginx(), "run: node scripts/hosting.mjs --write");
  assert.equal(readFileSync(join(DOCS, "Caddyfile"), "utf8"), caddy(), "run: node scripts/hosting.mjs --write");
});

async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts nginx on 127.0.0.1 with docs/hosting/nginx.conf's server block, serving dist/. */
async function startNginx() {
  const dir = mkdtempSync(join(tmpdir(), "hearth-nginx-"));
  const port = await freePort();
  const server = readFileSync(join(DOCS, "nginx.conf"), "utf8")
    .replace("listen 80;", `listen 127.0.0.1:${port};`)
    .replace("server_name hearth.example.org;", "server_name localhost;")
    .replace("root /var/www/hearth;", `root ${DIST};`);
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((name) => `${name}_temp_path ${dir}/${name};`).join("\n    ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `load_module ${BROTLI};\ndaemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\n` +
      `http {\n    include /etc/nginx/mime.types;\n    access_log off;\n    ${temps}\n${server}}\n`,
  );
  const check = spawnSync("nginx", ["-t", "-c", join(dir, "nginx.conf"), "-p", dir], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const child = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
  const exited = new Promise((done) => child.once("exit", done));
  const origin = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      await fetch(origin);
      break;
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return {
    origin,
    stop: () => {
      child.kill();
      return exited;
    },
  };
}

const haveNginx = spawnSync("nginx", ["-v"]).status === 0 && existsSync(BROTLI);

test("nginx with docs/hosting/nginx.conf serves what Hearth needs, and Hearth works from it", { skip: !haveNginx && "nginx is not installed (setup.sh installs it)" }, async () => {
  const host = await startNginx();
  const browser = await launchBrowser();
  try {
    for (const name of ["index.html", "sw.js", "offline.js", "engine_bg.wasm", "engine-mt_bg.wasm", "manifest.webmanifest", readdirHashed()]) {
      const response = await fetch(`${host.origin}/${name}`, { headers: { "Accept-Encoding": "br, gzip" } });
      assert.equal(response.status, 200, name);
      for (const [header, value] of Object.entries(headersFor(name))) {
        // nginx's mime.types names JavaScript application/javascript: the same type.
        const got = response.headers.get(header)?.replace(/^application\/javascript/, "text/javascript");
        assert.equal(got, value, `${name}: ${header}`);
      }
      if (name.endsWith(".wasm")) assert.equal(response.headers.get("Content-Encoding"), "br", `${name} is sent precompressed`);
    }
    const app = new HearthPage(await browser.newPage());
    const page = app.page;
    await app.open(host.origin);
    await app.waitForEngine();
    await app.waitUntilKeptOffline();
    const cdp = await browser.newCDPSession(page);
    assert.deepEqual((await cdp.send("Page.getInstallabilityErrors")).installabilityErrors, []);
    await host.stop();
    await browser.setOffline(true);
    await page.reload();
    await app.waitForEngine();
    await page.getByTestId("draw-first").getByTestId("pad").waitFor({ timeout: 60_000 });
    await draw(page, ONE);
    assert.equal(await predicted(page), "1");
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.policyViolations, []);
  } finally {
    await browser.close();
    await host.stop();
  }
});

/** The page's hashed wasm (cached for a year). */
function readdirHashed() {
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  return html.match(/hearth-[0-9a-f]{16}_bg\.wasm/)[0];
}
