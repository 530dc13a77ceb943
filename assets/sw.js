// Hearth's service worker: the app opens, and works, with no network after one visit.
//
// scripts/offline.mjs writes dist/sw.js as `const BUILD = {...};` followed by this file.
// BUILD.id names the build (a hash of every file in dist/), BUILD.core lists what every
// visit needs (precached at install), BUILD.later what is fetched when first used (the
// WebGPU engine, large data sets) and kept then, or when the page asks for an offline copy.
// Paths are relative to the service worker's scope, so the app can live under any path.
//
// An update never swaps files under an open page: a new build installs beside the old one
// and waits until the page's "Reload" button asks it to take over (or every Hearth tab is
// closed). Once in use, it removes the caches of older builds.
"use strict";

const CACHE = "hearth-" + BUILD.id;
const PREFIX = "hearth-";

/** The cache key of a same-origin request: its path, without a query. */
function key(url) {
  return new URL(url, self.registration.scope).pathname;
}
const CORE = BUILD.core.map(key);
const LATER = new Set(BUILD.later.map(key));
const INDEX = key("index.html");
const SCOPE = key("./");

/** Fetches `path` for the cache, revalidating any HTTP-cached copy (a build's fixed-name
 * files change between builds). */
async function fetchFresh(path) {
  const response = await fetch(path, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(CORE.map(async (path) => cache.put(path, await fetchFresh(path))));
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const message = event.data ?? {};
  if (message.type === "activate-update") {
    self.skipWaiting();
  } else if (message.type === "keep-for-offline") {
    event.waitUntil(keepForOffline(message.paths ?? [...LATER], event.source));
  }
});

/** Fetches the files of `paths` (among BUILD.later) that are not kept yet, one at a time
 * and at low priority, so that they never compete with what the page is doing. */
async function keepForOffline(paths, client) {
  const cache = await caches.open(CACHE);
  const kept = [];
  for (const path of paths.map(key).filter((path) => LATER.has(path))) {
    if (!(await cache.match(path))) {
      try {
        const response = await fetch(path, { cache: "no-cache", priority: "low" });
        if (response.ok) await cache.put(path, response);
      } catch {
        continue; // offline now: it is fetched, and kept, when first used
      }
    }
    kept.push(path);
  }
  client?.postMessage({ type: "kept-for-offline", paths: kept, build: BUILD.id });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  event.respondWith(respond(request, url));
});

async function respond(request, url) {
  const cache = await caches.open(CACHE);
  // The app is one page: opening it, with any query, is index.html. Other pages of the
  // site (if it has any) are not Hearth's, and go to the network.
  const path = request.mode === "navigate" && url.pathname === SCOPE ? INDEX : url.pathname;
  const hit = await cache.match(path);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && LATER.has(path)) await cache.put(path, response.clone());
  return response;
}
