//! The only module of the page that touches the browser (web-sys, gloo).

use gloo::storage::{LocalStorage, Storage};
use hearth_core::protocol::{FromEngine, ToEngine};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

const FORCE_CPU_KEY: &str = "hearth.force_cpu";
const FATAL_ELEMENT_ID: &str = "fatal-error";

/// Shows panics on the page (not only in the console), so a bug never leaves a blank page.
pub fn install_panic_reporter() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal_message(&format!(
            "Hearth hit a bug and stopped: {}. Reload the page to start again.",
            hearth_core::error::describe_panic(info)
        ));
    }));
}

/// Writes `message` into the page's static error box, outside the app's own DOM, so it
/// shows even when the app's runtime is broken.
pub fn show_fatal_message(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let element = match document.get_element_by_id(FATAL_ELEMENT_ID) {
        Some(element) => element,
        None => {
            let Ok(element) = document.create_element("div") else {
                return;
            };
            element.set_id(FATAL_ELEMENT_ID);
            let _ = element.set_attribute("role", "alert");
            if let Some(body) = document.body() {
                let _ = body.prepend_with_node_1(&element);
            }
            element
        }
    };
    element.set_text_content(Some(message));
    let _ = element.remove_attribute("hidden");
}

/// Whether the page was opened with `?debug=panic`, which makes it panic on purpose so
/// tests can see the panic reporter work.
pub fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .is_some_and(|search| search.split(['?', '&']).any(|part| part == "debug=panic"))
}

/// The user's saved choice to skip WebGPU.
pub fn load_force_cpu() -> bool {
    LocalStorage::get(FORCE_CPU_KEY).unwrap_or(false)
}

/// Saves the user's choice to skip WebGPU.
pub fn save_force_cpu(force_cpu: bool) {
    // Storage can be full or disabled; the choice then lasts for this visit only.
    let _ = LocalStorage::set(FORCE_CPU_KEY, force_cpu);
}

/// The connection to the engine worker. Cloning it gives another handle to the same worker.
#[derive(Clone)]
pub struct EngineLink {
    worker: web_sys::Worker,
    /// Messages that arrived before [`EngineLink::listen`].
    backlog: js_sys::Array,
}

impl EngineLink {
    /// Connects to the engine worker that `boot.js` started while the page's wasm was
    /// still loading (so both load in parallel), or starts one if it did not.
    pub fn connect() -> Result<Self, String> {
        if let Some((worker, backlog)) = take_booted_worker() {
            return Ok(EngineLink { worker, backlog });
        }
        let worker = web_sys::Worker::new("./engine-loader.js")
            .map_err(|error| format!("the browser refused to start a worker: {error:?}"))?;
        Ok(EngineLink {
            worker,
            backlog: js_sys::Array::new(),
        })
    }

    /// Hands every message from the engine to `on_message`, starting with those that
    /// arrived before this call. A worker that fails to start becomes a fatal error.
    pub fn listen(&self, on_message: impl FnMut(FromEngine) + 'static) {
        let deliver = std::rc::Rc::new(std::cell::RefCell::new(on_message));
        let decode_and_deliver = {
            let deliver = deliver.clone();
            move |data: JsValue| {
                let message = serde_wasm_bindgen::from_value(data).unwrap_or_else(|error| {
                    FromEngine::Error {
                        message: format!(
                            "the engine sent a message the page does not understand: {error}"
                        ),
                        fatal: false,
                    }
                });
                (deliver.borrow_mut())(message);
            }
        };
        for data in self.backlog.iter() {
            decode_and_deliver(data);
        }
        self.backlog.set_length(0);

        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| decode_and_deliver(event.data()),
        );
        self.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();

        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                event.prevent_default();
                (deliver.borrow_mut())(FromEngine::Error {
                    message: format!("the engine failed: {}", event.message()),
                    fatal: true,
                });
            });
        self.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
    }

    /// Sends one message to the engine.
    pub fn send(&self, message: &ToEngine) {
        let result = serde_wasm_bindgen::to_value(message)
            .map_err(JsValue::from)
            .and_then(|data| self.worker.post_message(&data));
        if let Err(error) = result {
            web_sys::console::error_1(&error);
        }
    }
}

/// Takes `window.hearthBoot = { worker, backlog }` left by `boot.js`.
fn take_booted_worker() -> Option<(web_sys::Worker, js_sys::Array)> {
    let window = web_sys::window()?;
    let boot = js_sys::Reflect::get(&window, &JsValue::from_str("hearthBoot")).ok()?;
    if boot.is_undefined() || boot.is_null() {
        return None;
    }
    let worker = js_sys::Reflect::get(&boot, &JsValue::from_str("worker"))
        .ok()?
        .dyn_into::<web_sys::Worker>()
        .ok()?;
    let backlog = js_sys::Reflect::get(&boot, &JsValue::from_str("backlog"))
        .ok()?
        .dyn_into::<js_sys::Array>()
        .unwrap_or_default();
    let _ = js_sys::Reflect::delete_property(&window, &JsValue::from_str("hearthBoot"));
    Some((worker, backlog))
}
