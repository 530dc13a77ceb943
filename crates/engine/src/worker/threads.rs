//! The threaded engine's pool (the `threads` feature, built by `scripts/engine-mt.sh` with
//! WebAssembly threads: shared memory and atomics). The engine's own worker is one thread;
//! it starts the others as Web Workers of their own (`engine-loader.js` named
//! "engine-thread"), each running this same module on the same memory, and makes them
//! rayon's global pool, which `hearth_core::training::parallel` splits training steps over.
//!
//! This is what wasm-bindgen-rayon does, written here because that crate's JavaScript
//! starts its workers from a module script found by a bundler, or from a `blob:` URL,
//! which Hearth's Content-Security-Policy refuses (`worker-src 'self'`); Hearth's engine
//! is a classic worker script, started by name.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use js_sys::{Object, Promise, Reflect};
use rayon::ThreadBuilder;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The channel each thread's rayon loop comes through: one receiver, shared by the
/// threads, each of which takes one [`ThreadBuilder`].
type Pending = Mutex<Receiver<ThreadBuilder>>;

/// Called by `engine-loader.js` in a thread's worker once the module runs there: waits for
/// its rayon thread and runs it (for as long as the engine lives). `pending` is the address
/// of the pool's [`Pending`], which lives as long as the engine.
#[wasm_bindgen]
pub fn engine_thread(pending: u32) {
    // SAFETY: `pending` is the address `start` leaked (a `&'static Pending`), sent to this
    // worker with the module and memory it shares; nothing else calls this export.
    let pending = unsafe { &*(pending as usize as *const Pending) };
    let thread = pending
        .lock()
        .ok()
        .and_then(|receiver| receiver.recv().ok());
    if let Some(thread) = thread {
        thread.run();
    }
}

/// Starts `cores - 1` thread workers and makes them rayon's global pool, so that training
/// uses `cores` threads (this one too). Returns the threads in use: 1 when `cores` is 1,
/// or when the workers could not start (then `why` says so).
pub async fn start(cores: usize) -> Result<usize, String> {
    let others = cores.saturating_sub(1);
    if others == 0 {
        return Ok(1);
    }
    let (sender, receiver) = channel::<ThreadBuilder>();
    let pending: &'static Pending = Box::leak(Box::new(Mutex::new(receiver)));
    let mut workers = Vec::with_capacity(others);
    for _ in 0..others {
        workers.push(spawn(pending).await?);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(others)
        .spawn_handler(move |thread| {
            sender
                .send(thread)
                .map_err(|_| std::io::Error::other("a thread worker is gone"))
        })
        .build_global()
        .map_err(|error| format!("the thread pool did not start: {error}"))?;
    // The workers run for as long as the engine does.
    std::mem::forget(workers);
    hearth_core::training::parallel::set_threads(cores);
    Ok(cores)
}

/// One thread worker, running the module on this memory, ready for its rayon thread.
async fn spawn(pending: &'static Pending) -> Result<web_sys::Worker, String> {
    let failed = |what: &str, error: JsValue| {
        format!(
            "a thread worker {what}: {}",
            hearth_core::js::describe(&error)
        )
    };
    let options = web_sys::WorkerOptions::new();
    options.set_name("engine-thread");
    let worker = web_sys::Worker::new_with_options("./engine-loader.js", &options)
        .map_err(|error| failed("could not start", error))?;
    // Ready once it answers; an error event (its script failed) rejects.
    let ready = Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(resolve.unchecked_ref()));
        worker.set_onerror(Some(reject.unchecked_ref()));
    });
    let init = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&init, &key.into(), value);
    set("module", &wasm_bindgen::module())
        .and_then(|_| set("memory", &wasm_bindgen::memory()))
        .and_then(|_| set("pending", &JsValue::from(pending as *const Pending as u32)))
        .map_err(|error| failed("could not be told its module", error))?;
    worker
        .post_message(&init)
        .map_err(|error| failed("could not be told its module", error))?;
    let answer = JsFuture::from(ready)
        .await
        .map_err(|error| failed("failed to load", error))?;
    worker.set_onmessage(None);
    worker.set_onerror(None);
    let error = Reflect::get(&answer, &"data".into())
        .ok()
        .and_then(|data| Reflect::get(&data, &"error".into()).ok())
        .and_then(|error| error.as_string());
    match error {
        Some(error) => Err(format!("a thread worker failed to load: {error}")),
        None => Ok(worker),
    }
}
