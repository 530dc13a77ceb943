//! JSON text on the page (the stored session, saved models' descriptions, a copied or
//! pasted model spec).
//!
//! In the browser it goes through the browser's own parser and printer (`JSON.parse`,
//! `JSON.stringify`) and serde-wasm-bindgen, which the page needs anyway for the worker's
//! messages: serde_json would add a second deserializer for every type, about a tenth of
//! the page's code. Natively (the page's unit tests) it is serde_json; both write the same
//! JSON for the same value.

use serde::{Serialize, de::DeserializeOwned};

/// `value` as compact JSON; none if it cannot be written (it always can for the page's
/// own types).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    imp::to_string(value, false)
}

/// `value` as JSON indented by two spaces, for people to read.
pub fn to_string_pretty<T: Serialize>(value: &T) -> Option<String> {
    imp::to_string(value, true)
}

/// Reads `text`; the error says where the text is not JSON, or which field does not fit.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    imp::from_str(text)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::JSON;
    use serde::{Serialize, de::DeserializeOwned};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn to_string<T: Serialize>(value: &T, pretty: bool) -> Option<String> {
        // Plain objects for maps and numbers for integers, as JSON needs.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let js = value.serialize(&serializer).ok()?;
        let text = if pretty {
            JSON::stringify_with_replacer_and_space(&js, &JsValue::NULL, &JsValue::from(2))
        } else {
            JSON::stringify(&js)
        };
        text.ok()?.as_string()
    }

    pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        let js = JSON::parse(text).map_err(|error| match error.dyn_ref::<js_sys::Error>() {
            Some(error) => String::from(error.message()),
            None => "it is not JSON".to_owned(),
        })?;
        serde_wasm_bindgen::from_value(js).map_err(|error| error.to_string())
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde::{Serialize, de::DeserializeOwned};

    pub fn to_string<T: Serialize>(value: &T, pretty: bool) -> Option<String> {
        if pretty {
            serde_json::to_string_pretty(value).ok()
        } else {
            serde_json::to_string(value).ok()
        }
    }

    pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|error| error.to_string())
    }
}
