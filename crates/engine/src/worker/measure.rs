//! What the worker measures: the time (a coarse clock for runs, a precise one for the
//! benchmark) and the size of its wasm memory.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The worker's `performance` object and its `now` method, looked up once (looking
    /// them up on every reading once cost 2.8 ms a call here, most of it the static
    /// constructors that then re-ran on every call into the engine; see `main`).
    static PERFORMANCE_NOW: Option<(JsValue, js_sys::Function)> = {
        let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
        performance.and_then(|performance| {
            let now = js_sys::Reflect::get(&performance, &"now".into()).ok()?;
            Some((performance, now.dyn_into().ok()?))
        })
    };
}

/// `performance.now()`: milliseconds with sub-millisecond resolution (`Date.now()` has
/// whole milliseconds only, too coarse for one prediction).
pub(super) fn precise_now() -> f64 {
    PERFORMANCE_NOW
        .with(|cached| {
            let (performance, now) = cached.as_ref()?;
            now.call0(performance).ok()?.as_f64()
        })
        .unwrap_or_else(now)
}

/// The size of the engine's wasm memory, in bytes (it only grows).
pub(super) fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

/// `Date.now()`: milliseconds since the epoch, the clock of runs and the message loop.
pub(super) fn now() -> f64 {
    js_sys::Date::now()
}
