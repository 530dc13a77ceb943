// The page's side of the service worker (sw.js): registers it, says when a new build is
// ready, and reloads into it when the user asks. The page (Rust) reads and calls
// `window.hearthOffline`:
//   register()           registers the service worker; the page calls it once it is usable
//                        (engine ready, digit model loaded), so that on a first visit the
//                        worker's precaching revalidates what the page already downloaded
//                        (304s) instead of downloading it a second time beside the page
//   updateReady          whether a new build waits (also announced by a "hearth-update" event)
//   applyUpdate()        lets the new build take over, then reloads the page into it
//   checkForUpdate()     asks the server for a new build now (also done every 30 minutes and
//                        when the page becomes visible again)
//   keepForOffline(paths) asks the service worker to keep these large files for offline use
//   kept                 the paths it says it keeps (a "hearth-kept" event when it changes)
(function () {
  "use strict";
  var offline = {
    supported: "serviceWorker" in navigator,
    updateReady: false,
    kept: [],
    applyUpdate: function () {},
    checkForUpdate: function () { return Promise.resolve(); },
    keepForOffline: function () {},
    register: function () {},
  };
  window.hearthOffline = offline;
  if (!offline.supported) return;
  var container = navigator.serviceWorker;
  var reloading = false;

  function announce() {
    offline.updateReady = true;
    window.dispatchEvent(new Event("hearth-update"));
  }

  container.addEventListener("message", function (event) {
    var message = event.data || {};
    if (message.type === "kept-for-offline") {
      offline.kept = message.paths;
      window.dispatchEvent(new Event("hearth-kept"));
    }
  });

  var registered = null;
  offline.register = function () {
    if (!registered) registered = container.register("./sw.js").then(watch, refused);
    return registered;
  };
  offline.keepForOffline = function (paths) {
    offline.register();
    container.ready.then(function (ready) {
      if (ready.active) ready.active.postMessage({ type: "keep-for-offline", paths: paths });
    });
  };
  // A page the service worker already controls (every visit after the first) registers at
  // once: that is also the check for a new build.
  if (container.controller) offline.register();

  function watch(registration) {
    // A page opened while no service worker controlled it (the first visit) gets one at
    // once (sw.js claims it); any later build is an update, announced, never applied alone.
    function follow(worker) {
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && container.controller) announce();
      });
    }
    if (registration.waiting && container.controller) announce();
    if (registration.installing) follow(registration.installing);
    registration.addEventListener("updatefound", function () {
      if (registration.installing) follow(registration.installing);
    });
    offline.checkForUpdate = function () {
      return registration.update().catch(function () {});
    };
    offline.applyUpdate = function () {
      if (!registration.waiting) {
        location.reload();
        return;
      }
      reloading = true;
      registration.waiting.postMessage({ type: "activate-update" });
    };
    setInterval(offline.checkForUpdate, 30 * 60 * 1000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") offline.checkForUpdate();
    });
  }

  function refused(error) {
    // A browser that refuses service workers (private mode in some, file://) still runs
    // Hearth; it only does not open offline.
    console.warn("Hearth will not open offline here: " + error);
  }
  container.addEventListener("controllerchange", function () {
    if (reloading) location.reload();
  });
})();
