//! The page's address: a shared link's fragment (`#spec=…`), links to this page, and the
//! `?debug=…` switches tests use.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Whether the page was opened with `?debug=panic`, which makes it panic on purpose so
/// tests can see the panic reporter work.
pub fn debug_panic_requested() -> bool {
    debug_requested("panic")
}

/// Whether the page was opened with `?debug=engine-panic`: the engine is asked to panic
/// in the second epoch of the next run, so tests can see a crashed engine handled.
pub fn debug_engine_panic_requested() -> bool {
    debug_requested("engine-panic")
}

fn debug_requested(what: &str) -> bool {
    let wanted = format!("debug={what}");
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .is_some_and(|search| search.split(['?', '&']).any(|part| part == wanted))
}

/// The page's URL fragment, decoded (`#spec=…` of a shared link), if any.
pub fn fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    if hash.len() < 2 {
        return None;
    }
    js_sys::decode_uri_component(&hash).ok().map(String::from)
}

/// Takes the fragment off the address (a shared link is applied once, not on every reload).
pub fn clear_fragment() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else {
        return;
    };
    if let Ok(history) = window.history() {
        let _ =
            history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

/// A link to this page that opens `text` as the fragment `#spec=…`.
pub fn spec_link(text: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let (origin, path) = (location.origin().ok()?, location.pathname().ok()?);
    Some(format!(
        "{origin}{path}#spec={}",
        String::from(js_sys::encode_uri_component(text))
    ))
}

/// Calls `action` whenever the address's fragment changes (a shared link opened in place).
pub fn on_hash_change(action: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::<dyn Fn()>::new(action);
    let _ = window.add_event_listener_with_callback("hashchange", closure.as_ref().unchecked_ref());
    closure.forget();
}
