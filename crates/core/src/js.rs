//! The browser's errors in words, for the page and the engine worker alike: a JavaScript
//! exception has no `Display`, and its Debug form shows internals rather than what went
//! wrong.

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
