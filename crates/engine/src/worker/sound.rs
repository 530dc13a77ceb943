//! Sound files decoded by the sound decoder (`crates/decoder`), a worker this worker starts
//! the first time it needs one and keeps; a decoder that hit a bug is dropped and the next
//! file starts a fresh one. Its code stays out of the CPU engine, which every first visit
//! waits for.
//!
//! `Worker` is used by name: it is not among the web-sys features this crate enables (a
//! new one rebuilds web-sys and every crate of the WebGPU stack it feeds).

use std::cell::RefCell;

use hearth_core::sound::Decoded;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::transport::scope;

thread_local! {
    /// The decoder, once started.
    static DECODER: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Reads and decodes the sound file `name` the page sent: its mono samples and their
/// rate, or why it cannot be read.
pub(super) async fn decode_file(name: &str, file: &web_sys::Blob) -> Decoded {
    match super::transport::read_blob(file).await {
        Ok(bytes) => decode(name, &bytes).await,
        Err(reason) => Err(reason),
    }
}

/// Decodes the sound file `name` (`bytes`): its mono samples and their rate, or why it
/// cannot be read.
async fn decode(name: &str, bytes: &[u8]) -> Decoded {
    let worker = match DECODER.with_borrow(Clone::clone) {
        Some(worker) => worker,
        None => {
            let worker = start().await?;
            DECODER.with_borrow_mut(|decoder| *decoder = Some(worker.clone()));
            worker
        }
    };
    let buffer = Uint8Array::from(bytes).buffer();
    let message = Object::new();
    set(&message, "name", &JsValue::from_str(name));
    set(&message, "bytes", &buffer);
    let reply = answer(&worker, Some((&message, &Array::of1(&buffer)))).await?;
    let field = |name: &str| Reflect::get(&reply, &JsValue::from_str(name)).ok();
    if let Some(reason) = field("failed").and_then(|reason| reason.as_string()) {
        if field("broken").is_some_and(|broken| broken.is_truthy()) {
            stop(&worker);
        }
        return Err(reason);
    }
    let samples = field("samples")
        .filter(|samples| samples.is_instance_of::<js_sys::Float32Array>())
        .map(|samples| samples.unchecked_into::<js_sys::Float32Array>().to_vec());
    let rate = field("rate").and_then(|rate| rate.as_f64());
    match (samples, rate) {
        (Some(samples), Some(rate)) if rate >= 1.0 => Ok((samples, rate as u32)),
        _ => Err("the sound decoder gave no samples".to_string()),
    }
}

/// Starts the decoder (`engine-loader.js` named "sound-decoder" loads it) and waits until
/// it says it is ready.
async fn start() -> Result<JsValue, String> {
    let not_started = |error: JsValue| {
        format!(
            "the sound decoder could not start ({}). Check your connection to the page and reload",
            hearth_core::js::describe(&error)
        )
    };
    let constructor: Function = Reflect::get(&scope(), &JsValue::from_str("Worker"))
        .map_err(not_started)?
        .dyn_into()
        .map_err(|_| "this browser cannot start a worker from a worker".to_string())?;
    let options = Object::new();
    set(&options, "name", &JsValue::from_str("sound-decoder"));
    let worker = Reflect::construct(
        &constructor,
        &Array::of2(&JsValue::from_str("./engine-loader.js"), &options),
    )
    .map_err(not_started)?;
    answer(&worker, None).await?;
    Ok(worker)
}

/// Posts `message` (with its transferables) to `worker`, if any, and waits for its next
/// message other than the loader's progress. A loader's error or the worker's failure to
/// run drops the decoder.
async fn answer(worker: &JsValue, message: Option<(&Object, &Array)>) -> Result<JsValue, String> {
    let listening = Promise::new(&mut |resolve, reject| {
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data();
                if Reflect::has(&data, &JsValue::from_str("loading")).unwrap_or(false) {
                    return;
                }
                let _ = resolve.call1(&JsValue::NULL, &data);
            },
        );
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        set(worker, "onmessage", on_message.as_ref());
        set(worker, "onerror", on_error.as_ref());
        // Replaced by the next call's: each lives until then (two small closures a file).
        on_message.forget();
        on_error.forget();
    });
    if let Some((message, transfer)) = message {
        let post: Function = Reflect::get(worker, &JsValue::from_str("postMessage"))
            .and_then(|post| post.dyn_into())
            .map_err(|error| hearth_core::js::describe(&error))?;
        post.call2(worker, message, transfer)
            .map_err(|error| hearth_core::js::describe(&error))?;
    }
    let failed = |why: String| {
        stop(worker);
        why
    };
    let data = JsFuture::from(listening).await.map_err(|error| {
        failed(format!(
            "the sound decoder stopped ({})",
            hearth_core::js::describe(&error)
        ))
    })?;
    // The loader's own failure (`{error: {message}}`): the decoder's files did not load.
    if let Ok(error) = Reflect::get(&data, &JsValue::from_str("error"))
        && !error.is_undefined()
    {
        let message = Reflect::get(&error, &JsValue::from_str("message"))
            .ok()
            .and_then(|message| message.as_string())
            .unwrap_or_default();
        return Err(failed(format!("the sound decoder {message}")));
    }
    Ok(data)
}

/// Ends `worker` and forgets it, so the next file starts a fresh decoder.
fn stop(worker: &JsValue) {
    if let Ok(terminate) = Reflect::get(worker, &JsValue::from_str("terminate"))
        && let Ok(terminate) = terminate.dyn_into::<Function>()
    {
        let _ = terminate.call0(worker);
    }
    DECODER.with_borrow_mut(|decoder| *decoder = None);
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}
