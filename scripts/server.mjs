// A static server for dist/ on 127.0.0.1 with the headers README tells hosts to send
// (scripts/hosting.mjs): the e2e tests' server, and scripts/serve.sh's.
//
//   node scripts/server.mjs [--port 8080] [--watch]
// --watch rebuilds (scripts/build.sh) when a source file changes; reload the page then.
// (No live reload: the Content-Security-Policy allows no injected script.)
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { join, normalize, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { headersFor } from "./hosting.mjs";

export const DIST = resolve(import.meta.dirname, "../dist");

/** Serves `root` (dist/ unless told) on 127.0.0.1 at a free port, with the headers README
 * tells hosts to send (scripts/hosting.mjs): ETags, revalidation of fixed names, and the
 * precompressed .br or .gz file where the browser accepts it. `port` 0 is any free one. `delays` maps a path to
 * milliseconds to wait, or to a promise to wait for. `requests` lists what was served, as "STATUS PATH". */
export async function serveDist({ delays = {}, root = DIST, link = null, port = 0, isolated = true } = {}) {
  // An emulated link: `link.latencyMs` before each response, and every body sent through
  // one shared budget of `link.downloadMbps` (all requests together, as on one line).
  let lineFreeAt = 0;
  const throttle = async (bytes) => {
    const now = Date.now();
    lineFreeAt = Math.max(lineFreeAt, now) + (bytes * 8) / (link.downloadMbps * 1000);
    await new Promise((done) => setTimeout(done, lineFreeAt - now));
  };
  const requests = [];
  let sent = 0;
  let sentByPath = {};
  const server = createServer(async (request, response) => {
    let status = 200;
    const url = new URL(request.url, "http://127.0.0.1");
    try {
      let path = normalize(decodeURIComponent(url.pathname));
      if (path.endsWith("/")) path += "index.html";
      const file = join(root, path);
      if (!file.startsWith(root)) throw new Error("outside dist");
      const headers = headersFor(path, { isolated });
      const accepted = request.headers["accept-encoding"] ?? "";
      let served = file;
      for (const [encoding, suffix] of [["br", ".br"], ["gzip", ".gz"]]) {
        if (accepted.includes(encoding) && (await stat(file + suffix).catch(() => null))) {
          served = file + suffix;
          headers["Content-Encoding"] = encoding;
          break;
        }
      }
      headers["Vary"] = "Accept-Encoding";
      const info = await stat(served);
      headers["ETag"] = `"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`;
      const delay = delays[url.pathname];
      if (typeof delay === "number") await new Promise((done) => setTimeout(done, delay));
      else if (delay) await delay;
      if (request.headers["if-none-match"] === headers["ETag"]) {
        status = 304;
        response.writeHead(304, headers);
        response.end();
        return;
      }
      headers["Content-Length"] = info.size;
      const body = await readFile(served);
      if (link) {
        await new Promise((done) => setTimeout(done, link.latencyMs));
        response.writeHead(200, headers);
        for (let at = 0; at < body.length; at += 16384) {
          const chunk = body.subarray(at, at + 16384);
          await throttle(chunk.length);
          response.write(chunk);
        }
        response.end();
      } else {
        response.writeHead(200, headers);
        response.end(body);
      }
      sent += info.size;
      sentByPath[url.pathname] = (sentByPath[url.pathname] ?? 0) + info.size;
    } catch {
      status = 404;
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("not found");
    } finally {
      requests.push(`${status} ${url.pathname}`);
    }
  });
  await new Promise((done) => server.listen(port, "127.0.0.1", done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const sockets = new Set();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return {
    origin,
    requests,
    /** The bytes of the response bodies sent so far (as sent: compressed where they were). */
    bytes: () => sent,
    /** The same, by path. */
    bytesByPath: () => ({ ...sentByPath }),
    resetBytes: () => {
      sent = 0;
      sentByPath = {};
    },
    /** Stops serving at once (open connections too): the network is gone. */
    close: () =>
      new Promise((done) => {
        server.close(done);
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Runs scripts/build.sh whenever a file under the sources changes (one build at a time;
 * changes during a build make one more). */
function rebuildOnChange() {
  const root = resolve(import.meta.dirname, "..");
  let building = false;
  let again = false;
  const build = () => {
    if (building) {
      again = true;
      return;
    }
    building = true;
    console.log("a source file changed: rebuilding…");
    spawn(join(root, "scripts/build.sh"), { stdio: "inherit" }).on("exit", (code) => {
      building = false;
      console.log(code === 0 ? "rebuilt: reload the page" : `the build failed (exit ${code}): the last build is still served`);
      if (again) {
        again = false;
        build();
      }
    });
  };
  let timer = null;
  for (const path of ["src", "crates", "style", "assets", "index.html", "Cargo.toml"]) {
    watch(join(root, path), { recursive: true }, (_, name) => {
      if (name && /(^|\/)(target|\.)/.test(name)) return;
      clearTimeout(timer);
      timer = setTimeout(build, 300);
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8080" }, watch: { type: "boolean", default: false } } });
  const server = await serveDist({ port: Number(values.port) });
  console.log(`Hearth is served at ${server.origin}/ (Ctrl-C stops)`);
  if (values.watch) rebuildOnChange();
}
