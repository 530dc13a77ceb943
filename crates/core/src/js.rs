//! The browser's errors in words, for the page and the engine worker alike: a JavaScript
//! exception has no `Display`, and its Debug form shows internals rather than what went
//! wrong. And the one question both ask the browser before WebGPU: is there an adapter?

use js_sys::wasm_bindgen::{JsCast, JsValue};

/// What a JavaScript `error` says: an `Error`'s message, a thrown string, or a general
/// phrase for anything else.
pub fn describe(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error
        .as_string()
        .unwrap_or_else(|| "the browser gave no reason".to_string())
}

/// The browser's WebGPU adapter (`navigator.gpu.requestAdapter()`, in the page or in a
/// worker), or why there is none, in words.
pub async fn webgpu_adapter() -> Result<JsValue, String> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .map_err(|_| "this browser has no navigator".to_string())?;
    let gpu = js_sys::Reflect::get(&navigator, &JsValue::from_str("gpu"))
        .ok()
        .filter(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .ok_or_else(|| "this browser does not offer WebGPU".to_string())?;
    let request_adapter = js_sys::Reflect::get(&gpu, &JsValue::from_str("requestAdapter"))
        .ok()
        .and_then(|function| function.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| "this browser's WebGPU cannot request an adapter".to_string())?;
    let promise = request_adapter
        .call0(&gpu)
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Promise>().ok())
        .ok_or_else(|| "this browser's WebGPU did not answer".to_string())?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|error| format!("WebGPU refused an adapter: {}", describe(&error)))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("no WebGPU adapter on this device".to_string());
    }
    Ok(adapter)
}
