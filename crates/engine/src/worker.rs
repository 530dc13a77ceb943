//! The Web Worker side of the protocol: receives [`ToEngine`] messages, runs them one at
//! a time, and posts [`FromEngine`] messages back.

use futures::StreamExt;
use futures::channel::mpsc;
use hearth_core::protocol::{FromEngine, ToEngine};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::backend::Backends;

/// Starts the engine: reports panics to the page, listens, and says it has booted.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&FromEngine::Error {
            message: format!(
                "the engine hit a bug and stopped ({}). Reload the page to start again.",
                hearth_core::error::describe_panic(info)
            ),
            fatal: true,
        });
    }));

    // Messages are queued and handled in order by one task, so a backend switch never
    // overlaps with work on the previous backend.
    let (sender, mut receiver) = mpsc::unbounded::<ToEngine>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            match serde_wasm_bindgen::from_value(event.data()) {
                Ok(message) => {
                    let _ = sender.unbounded_send(message);
                }
                Err(error) => post(&FromEngine::Error {
                    message: format!("the engine got a message it does not understand: {error}"),
                    fatal: false,
                }),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    wasm_bindgen_futures::spawn_local(async move {
        let mut backends = Backends::default();
        while let Some(message) = receiver.next().await {
            handle(&mut backends, message).await;
        }
    });

    post(&FromEngine::Booted {
        version: env!("CARGO_PKG_VERSION").to_string(),
    });
}

async fn handle(backends: &mut Backends, message: ToEngine) {
    match message {
        ToEngine::Init { force_cpu } => {
            let (backend, fallback_reason) = backends.select(force_cpu).await;
            post(&FromEngine::Ready {
                backend,
                fallback_reason,
            });
        }
        ToEngine::SelfTest { steps } => {
            let device = backends.active_device();
            let started = js_sys::Date::now();
            let result =
                hearth_core::selftest::train_tiny_mlp(&device, steps as usize, |step, loss| {
                    post(&FromEngine::SelfTestStep {
                        step: step as u32,
                        loss,
                    })
                })
                .await;
            match result {
                Ok(losses) => {
                    let seconds = ((js_sys::Date::now() - started) / 1000.0).max(1e-6);
                    post(&FromEngine::SelfTestDone {
                        first_loss: losses.first().copied().unwrap_or(f32::NAN),
                        last_loss: losses.last().copied().unwrap_or(f32::NAN),
                        steps_per_second: losses.len() as f64 / seconds,
                    });
                }
                Err(error) => post(&FromEngine::Error {
                    message: format!("the engine check failed: {error}"),
                    fatal: false,
                }),
            }
        }
    }
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts one message to the page.
pub fn post(message: &FromEngine) {
    let result = serde_wasm_bindgen::to_value(message)
        .map_err(JsValue::from)
        .and_then(|data| scope().post_message(&data));
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}
