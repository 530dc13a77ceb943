// Starts the engine worker as soon as the HTML is parsed, so the engine's large wasm
// downloads in parallel with the page's small one. The page (Rust) takes the worker
// from `window.hearthBoot` and replays the messages that arrived before it.
(function () {
  "use strict";
  var backlog = [];
  var worker;
  try {
    worker = new Worker("./engine-loader.js");
  } catch (error) {
    window.hearthBoot = null;
    return;
  }
  worker.onmessage = function (event) { backlog.push(event.data); };
  worker.onerror = function (event) {
    event.preventDefault();
    backlog.push({ type: "error", message: "the engine failed: " + event.message, fatal: true });
  };
  window.hearthBoot = { worker: worker, backlog: backlog };
})();
