//! The worker's link with the page: posting [`FromEngine`] messages (with bytes
//! attached), taking the files the page attached to a [`hearth_core::protocol::ToEngine`]
//! message, and reading files and URLs.

use hearth_core::protocol::FromEngine;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Files the page attached to a message (`file` for a CSV, `files` for images).
#[derive(Default)]
pub(super) struct Attachments {
    /// The one file of a CSV, a prediction's image or a model file.
    pub file: Option<web_sys::Blob>,
    /// The image files of an image data set.
    pub files: Vec<web_sys::Blob>,
}

impl Attachments {
    /// Takes the attachments off a message, so that only serde data remains.
    pub fn take(data: &JsValue) -> Self {
        let mut attachments = Attachments::default();
        if let Ok(file) = js_sys::Reflect::get(data, &JsValue::from_str("file"))
            && let Ok(file) = file.dyn_into::<web_sys::Blob>()
        {
            attachments.file = Some(file);
        }
        if let Ok(files) = js_sys::Reflect::get(data, &JsValue::from_str("files"))
            && let Ok(files) = files.dyn_into::<js_sys::Array>()
        {
            attachments.files = files
                .iter()
                .filter_map(|file| file.dyn_into().ok())
                .collect();
        }
        if data.is_object() {
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("file"),
            );
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("files"),
            );
        }
        attachments
    }
}

/// The bytes of a file the page sent.
pub(super) async fn read_blob(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|error| hearth_core::js::describe(&error))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The response for `url` (next to the page), if the server answered 2xx.
async fn fetch_ok(url: &str) -> Result<web_sys::Response, String> {
    let response = wasm_bindgen_futures::JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|error| hearth_core::js::describe(&error))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "no response")?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    Ok(response)
}

/// The bytes at a URL of the page's own origin.
pub(super) async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = fetch_ok(url).await?;
    let buffer = wasm_bindgen_futures::JsFuture::from(
        response
            .array_buffer()
            .map_err(|error| hearth_core::js::describe(&error))?,
    )
    .await
    .map_err(|error| hearth_core::js::describe(&error))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Fetches `url` (next to the page) with `progress(received, total)` as the bytes arrive;
/// `total` is the file's size when the server says it (not when it compresses on the fly).
pub(super) async fn fetch_with_progress(
    url: &str,
    mut progress: impl FnMut(usize, Option<usize>),
) -> Result<Vec<u8>, String> {
    let describe = |error: JsValue| hearth_core::js::describe(&error);
    let response = fetch_ok(url).await?;
    // The headers and the body's stream are used by name: their types are not among the
    // web-sys features this crate enables (a new one rebuilds web-sys and all it feeds).
    let method = |target: &JsValue, name: &str| -> Result<js_sys::Function, String> {
        js_sys::Reflect::get(target, &JsValue::from_str(name))
            .map_err(describe)?
            .dyn_into()
            .map_err(|_| format!("this browser's fetch has no {name}"))
    };
    let call = |target: &JsValue, name: &str| method(target, name)?.call0(target).map_err(describe);
    let headers =
        js_sys::Reflect::get(&response, &JsValue::from_str("headers")).map_err(describe)?;
    let header = |name: &str| {
        method(&headers, "get")
            .and_then(|get| {
                get.call1(&headers, &JsValue::from_str(name))
                    .map_err(describe)
            })
            .ok()
            .and_then(|value| value.as_string())
    };
    let encoded = header("Content-Encoding").is_some();
    let total = header("Content-Length")
        .and_then(|length| length.parse::<usize>().ok())
        .filter(|_| !encoded);
    let body = js_sys::Reflect::get(&response, &JsValue::from_str("body")).map_err(describe)?;
    let reader = call(&body, "getReader")?;
    let mut bytes = Vec::with_capacity(total.unwrap_or(0));
    progress(0, total);
    loop {
        let chunk =
            wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(call(&reader, "read")?))
                .await
                .map_err(describe)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).map_err(describe)?;
        if done.is_truthy() {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(describe)?;
        bytes.extend_from_slice(&js_sys::Uint8Array::new(&value).to_vec());
        progress(bytes.len(), total);
    }
    Ok(bytes)
}

/// The worker's global scope (its `postMessage`, `onmessage`, `fetch`, timers).
pub(super) fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts one message to the page with `bytes` attached as its `bytes` property (a
/// `Uint8Array` whose buffer is transferred, not copied).
pub(super) fn post_with_bytes(message: &FromEngine, bytes: &[u8]) {
    let result = serde_wasm_bindgen::to_value(message)
        .map_err(JsValue::from)
        .and_then(|data| {
            let array = js_sys::Uint8Array::from(bytes);
            js_sys::Reflect::set(&data, &JsValue::from_str("bytes"), &array)?;
            scope().post_message_with_transfer(&data, &js_sys::Array::of1(&array.buffer()))
        });
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}

/// Posts one message to the page.
pub fn post(message: &FromEngine) {
    let result = serde_wasm_bindgen::to_value(message)
        .map_err(JsValue::from)
        .and_then(|data| scope().post_message(&data));
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}
