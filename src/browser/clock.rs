//! Dates and times as the browser knows them.

use wasm_bindgen::prelude::*;

/// A time (milliseconds since 1970) as the user's locale writes a date and time.
pub fn local_date(milliseconds: f64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(milliseconds));
    String::from(date.to_locale_string("default", &JsValue::UNDEFINED))
}

/// The time now, in milliseconds since 1970.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A date and time written as ISO 8601 text, in milliseconds since 1970 (NaN when it
/// is not one).
pub fn parse_date(text: &str) -> f64 {
    js_sys::Date::parse(text)
}

/// A repeating timer; dropping it stops it.
pub type Ticker = gloo::timers::callback::Interval;

/// Calls `f` every `milliseconds` until the returned [`Ticker`] is dropped.
pub fn every(milliseconds: u32, f: impl FnMut() + 'static) -> Ticker {
    gloo::timers::callback::Interval::new(milliseconds, f)
}

/// A timer that fires once; dropping it cancels it.
pub type Later = gloo::timers::callback::Timeout;

/// Calls `f` once after `milliseconds`, unless the returned [`Later`] is dropped first.
pub fn after(milliseconds: u32, f: impl FnOnce() + 'static) -> Later {
    gloo::timers::callback::Timeout::new(milliseconds, f)
}
