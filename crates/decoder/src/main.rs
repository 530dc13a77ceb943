//! The sound decoder: a Web Worker that turns sound files (WAV, FLAC, Ogg Vorbis, MP3) into
//! mono samples with symphonia (`hearth_core::sound::decode`). The engine worker starts it
//! the first time sounds are loaded or a sound file is classified
//! (`crates/engine/src/worker/sound.rs`), so the decoders' code (a quarter of the CPU
//! engine's bytes) is not part of what a first visit waits for.
//!
//! Its messages are plain objects:
//! - to the engine, once running: `{ready: true}`;
//! - from the engine: `{name, bytes}` (the file's name, a hint to its format, and its bytes,
//!   an `ArrayBuffer`);
//! - to the engine: `{samples, rate}` (a `Float32Array`, transferred) or `{failed}` (why
//!   the file cannot be read, in words for the user), with `broken: true` when the decoder
//!   hit a bug on it and must be started again.

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    fn scope() -> web_sys::DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    fn reply(fields: &[(&str, JsValue)]) -> Object {
        let object = Object::new();
        for (name, value) in fields {
            let _ = Reflect::set(&object, &JsValue::from_str(name), value);
        }
        object
    }

    pub fn start() {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let message = format!(
                "the sound decoder hit a bug on this file ({})",
                hearth_core::error::describe_panic(info)
            );
            let _ = scope().post_message(&reply(&[
                ("failed", JsValue::from_str(&message)),
                ("broken", JsValue::TRUE),
            ]));
        }));
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(decode);
        scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let _ = scope().post_message(&reply(&[("ready", JsValue::TRUE)]));
    }

    fn decode(event: web_sys::MessageEvent) {
        let data = event.data();
        let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).ok();
        let name = field("name")
            .and_then(|name| name.as_string())
            .unwrap_or_default();
        let bytes = field("bytes")
            .filter(|bytes| bytes.is_instance_of::<js_sys::ArrayBuffer>())
            .map(|bytes| Uint8Array::new(&bytes).to_vec())
            .unwrap_or_default();
        let posted = match hearth_core::sound::decode(&name, &bytes) {
            Ok((samples, rate)) => {
                let samples = Float32Array::from(samples.as_slice());
                scope().post_message_with_transfer(
                    &reply(&[
                        ("samples", samples.clone().into()),
                        ("rate", JsValue::from(rate)),
                    ]),
                    &Array::of1(&samples.buffer()),
                )
            }
            Err(reason) => scope().post_message(&reply(&[("failed", JsValue::from_str(&reason))])),
        };
        if let Err(error) = posted {
            web_sys::console::error_1(&error);
        }
    }
}
