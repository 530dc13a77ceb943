//! The page's calls into `offline.js` (`window.hearthOffline`), which registers the
//! service worker: whether a new build is ready, reloading into it, and asking for large
//! files to be kept for offline use.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

fn offline() -> Option<JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str("hearthOffline"))
        .ok()
        .filter(|value| value.is_object())
}

fn call(name: &str, argument: Option<&JsValue>) {
    let Some(offline) = offline() else {
        return;
    };
    let Some(function) = js_sys::Reflect::get(&offline, &JsValue::from_str(name))
        .ok()
        .and_then(|function| function.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let _ = match argument {
        Some(argument) => function.call1(&offline, argument),
        None => function.call0(&offline),
    };
}

/// Whether a new build of Hearth is installed and waits for the page to reload into it.
pub fn update_ready() -> bool {
    offline()
        .and_then(|offline| js_sys::Reflect::get(&offline, &JsValue::from_str("updateReady")).ok())
        .is_some_and(|ready| ready.is_truthy())
}

/// Lets the new build take over and reloads the page into it.
pub fn apply_update() {
    call("applyUpdate", None);
}

/// Registers the service worker (once the page is usable: see `assets/offline.js`).
pub fn register() {
    call("register", None);
}

/// Asks the service worker to keep `paths` (large files fetched when first used) for
/// offline use, in the background.
pub fn keep_for_offline(paths: &[&str]) {
    let array: js_sys::Array = paths.iter().map(|path| JsValue::from_str(path)).collect();
    call("keepForOffline", Some(&array));
}

/// Calls `action` each time the window receives the event `name`.
pub fn on_window_event(name: &str, action: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::<dyn Fn()>::new(action);
    let _ = window.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    closure.forget();
}
