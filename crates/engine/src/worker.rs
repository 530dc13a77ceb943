//! The Web Worker side of the protocol: receives [`ToEngine`] messages, runs them one at
//! a time, and posts [`FromEngine`] messages back.

use futures::StreamExt;
use futures::channel::mpsc;
use hearth_core::protocol::{FromEngine, ToEngine};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::backend::Backends;
use hearth_core::data::images::{ImageFile, ImageShape};
use hearth_core::data::session::DataSession;

/// Files the page attached to a message (`file` for a CSV, `files` for images).
#[derive(Default)]
struct Attachments {
    file: Option<web_sys::Blob>,
    files: Vec<web_sys::Blob>,
}

impl Attachments {
    /// Takes the attachments off a message, so that only serde data remains.
    fn take(data: &JsValue) -> Self {
        let mut attachments = Attachments::default();
        if let Ok(file) = js_sys::Reflect::get(data, &JsValue::from_str("file"))
            && let Ok(file) = file.dyn_into::<web_sys::Blob>()
        {
            attachments.file = Some(file);
        }
        if let Ok(files) = js_sys::Reflect::get(data, &JsValue::from_str("files"))
            && let Ok(files) = files.dyn_into::<js_sys::Array>()
        {
            attachments.files = files
                .iter()
                .filter_map(|file| file.dyn_into().ok())
                .collect();
        }
        if data.is_object() {
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("file"),
            );
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("files"),
            );
        }
        attachments
    }
}

/// The engine's state between messages.
#[derive(Default)]
struct Engine {
    backends: Backends,
    data: DataSession,
}

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
    let (sender, mut receiver) = mpsc::unbounded::<(ToEngine, Attachments)>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let attachments = Attachments::take(&data);
            match serde_wasm_bindgen::from_value(data) {
                Ok(message) => {
                    let _ = sender.unbounded_send((message, attachments));
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
        let mut engine = Engine::default();
        while let Some((message, attachments)) = receiver.next().await {
            handle(&mut engine, message, attachments).await;
        }
    });

    post(&FromEngine::Booted {
        version: env!("CARGO_PKG_VERSION").to_string(),
    });
}

async fn handle(engine: &mut Engine, message: ToEngine, attachments: Attachments) {
    let backends = &mut engine.backends;
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
        ToEngine::LoadCsv { name, skip_ragged } => {
            let Some(file) = attachments.file else {
                post(&failed(format!(
                    "{name} did not reach the engine; choose the file again."
                )));
                return;
            };
            let total = file.size();
            post(&FromEngine::DataProgress {
                stage: format!("Reading {name}"),
                done: 0.0,
                total,
            });
            let bytes = match read_blob(&file).await {
                Ok(bytes) => bytes,
                Err(reason) => {
                    post(&failed(format!(
                        "{name} could not be read ({reason}). Choose it again."
                    )));
                    return;
                }
            };
            let stage = format!("Parsing {name}");
            let reply = engine
                .data
                .load_csv(&name, &bytes, skip_ragged, &mut |done| {
                    post(&FromEngine::DataProgress {
                        stage: stage.clone(),
                        done: done as f64,
                        total,
                    })
                });
            post(&reply);
        }
        ToEngine::LoadImages {
            name,
            paths,
            classes,
            width,
            height,
            channels,
        } => {
            let total = attachments.files.len() as f64;
            let mut files = Vec::with_capacity(attachments.files.len());
            for (index, (blob, path)) in attachments.files.iter().zip(paths).enumerate() {
                if index % 25 == 0 {
                    post(&FromEngine::DataProgress {
                        stage: "Reading images".to_string(),
                        done: index as f64,
                        total,
                    });
                }
                // A file that cannot be read is passed on empty: it is then left out
                // with a message naming it, like a file that does not decode.
                let bytes = read_blob(blob).await.unwrap_or_default();
                files.push(ImageFile {
                    path,
                    class: classes.get(index).cloned().flatten(),
                    bytes,
                });
            }
            post(&FromEngine::DataProgress {
                stage: "Decoding images".to_string(),
                done: total,
                total,
            });
            let shape = ImageShape {
                width,
                height,
                channels,
            };
            post(&engine.data.load_images(&name, files, shape));
        }
        ToEngine::LoadBuiltin { name } => {
            post(&FromEngine::DataProgress {
                stage: format!("Loading {name}"),
                done: 0.0,
                total: 1.0,
            });
            post(&engine.data.load_builtin(&name));
        }
        ToEngine::ConfigureData { config } => post(&engine.data.configure(config)),
        ToEngine::SetAugmentation { augment } => post(&engine.data.set_augmentation(augment)),
    }
}

fn failed(message: String) -> FromEngine {
    FromEngine::DataFailed {
        message,
        skippable_rows: None,
    }
}

/// The bytes of a file the page sent.
async fn read_blob(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|error| format!("{error:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
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
