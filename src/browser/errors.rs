//! The browser's errors in words: a JavaScript exception has no `Display`, and its Debug
//! form shows the page's internals rather than what went wrong.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

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
