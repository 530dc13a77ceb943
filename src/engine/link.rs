//! The link to the engine's Web Worker: messages out (in order, with files attached in
//! batches) and messages in.

use hearth_core::protocol::{FromEngine, ToEngine};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// How many files one message hands to the engine. The browser registers each `File` it
/// clones to a worker on the page's own thread (about 0.3 ms a file here), so 5,000
/// files in one message froze the page for 1.5 s; in batches, it draws between them.
const FILES_PER_MESSAGE: usize = 100;

/// A message waiting to go to the engine.
enum Outgoing {
    /// Ready to post (files already attached).
    Post(JsValue),
    /// A message whose many files go first, in batches of [`ToEngine::AttachFiles`].
    WithFiles {
        message: JsValue,
        files: Vec<web_sys::File>,
    },
}

/// Messages to the engine, in order: a message sent while files are still being handed
/// over waits for them.
#[derive(Default)]
struct Outbox {
    queue: std::collections::VecDeque<Outgoing>,
    pumping: bool,
}

/// The connection to the engine worker. Cloning it gives another handle to the same worker.
#[derive(Clone)]
pub struct EngineLink {
    worker: web_sys::Worker,
    /// Messages that arrived before [`EngineLink::listen`].
    backlog: js_sys::Array,
    outbox: std::rc::Rc<std::cell::RefCell<Outbox>>,
}

impl EngineLink {
    /// Starts the engine's worker: the WebGPU engine when `gpu`, the CPU engine otherwise.
    /// The page starts it once its own wasm runs, so that on a slow link the page's bytes
    /// arrive first (the page is usable before the engine is).
    pub fn connect(gpu: bool) -> Result<Self, String> {
        Ok(Self::adopt(start_worker(gpu)?, js_sys::Array::new()))
    }

    /// The link to `worker`, which already sent the messages in `backlog`.
    pub fn adopt(worker: web_sys::Worker, backlog: js_sys::Array) -> Self {
        EngineLink {
            worker,
            backlog,
            outbox: Default::default(),
        }
    }

    /// Hands every message from the engine to `on_message`, with the bytes attached to
    /// it (model files), starting with those that arrived before this call. A worker that
    /// fails to start becomes a fatal error.
    pub fn listen(&self, on_message: impl FnMut(FromEngine, Option<js_sys::Uint8Array>) + 'static) {
        let deliver = std::rc::Rc::new(std::cell::RefCell::new(on_message));
        let decode_and_deliver = {
            let deliver = deliver.clone();
            move |data: JsValue| {
                let bytes = js_sys::Reflect::get(&data, &JsValue::from_str("bytes"))
                    .ok()
                    .and_then(|bytes| bytes.dyn_into::<js_sys::Uint8Array>().ok());
                if bytes.is_some() {
                    let _ = js_sys::Reflect::delete_property(
                        data.unchecked_ref::<js_sys::Object>(),
                        &JsValue::from_str("bytes"),
                    );
                }
                let message = serde_wasm_bindgen::from_value(data).unwrap_or_else(|error| {
                    FromEngine::Error {
                        message: format!(
                            "the engine sent a message the page does not understand: {error}"
                        ),
                        fatal: false,
                    }
                });
                (deliver.borrow_mut())(message, bytes);
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
                (deliver.borrow_mut())(
                    FromEngine::Error {
                        message: format!("the engine failed: {}", event.message()),
                        fatal: true,
                    },
                    None,
                );
            });
        self.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
    }

    /// Sends one message with files attached: a single `file` (a CSV, a model file) or
    /// `files` (images). The `Blob`s are cloned to the worker by the browser; their bytes
    /// never pass through the page's memory. Many files go in batches (see
    /// [`FILES_PER_MESSAGE`]), and messages sent meanwhile follow them in order.
    pub fn send_with_files(
        &self,
        message: &ToEngine,
        file: Option<&web_sys::Blob>,
        files: &[web_sys::File],
    ) {
        let data = match serde_wasm_bindgen::to_value(message) {
            Ok(data) => data,
            Err(error) => {
                web_sys::console::error_1(&JsValue::from(error));
                return;
            }
        };
        let attached = file.map_or(Ok(true), |file| {
            js_sys::Reflect::set(&data, &JsValue::from_str("file"), file)
        });
        if let Err(error) = attached {
            web_sys::console::error_1(&error);
            return;
        }
        let outgoing = if files.len() > FILES_PER_MESSAGE {
            Outgoing::WithFiles {
                message: data,
                files: files.to_vec(),
            }
        } else {
            if !files.is_empty() {
                let array: js_sys::Array = files.iter().collect();
                let _ = js_sys::Reflect::set(&data, &JsValue::from_str("files"), &array);
            }
            Outgoing::Post(data)
        };
        let mut outbox = self.outbox.borrow_mut();
        match outgoing {
            // The usual case: nothing is waiting, so it goes at once.
            Outgoing::Post(data) if !outbox.pumping => {
                drop(outbox);
                self.post(&data);
            }
            outgoing => {
                outbox.queue.push_back(outgoing);
                if !outbox.pumping {
                    outbox.pumping = true;
                    wasm_bindgen_futures::spawn_local(self.clone().pump());
                }
            }
        }
    }

    fn post(&self, data: &JsValue) {
        if let Err(error) = self.worker.post_message(data) {
            web_sys::console::error_1(&error);
        }
    }

    /// Sends what waits in the outbox, letting the page draw between batches of files.
    async fn pump(self) {
        loop {
            let next = self.outbox.borrow_mut().queue.pop_front();
            match next {
                None => break,
                Some(Outgoing::Post(data)) => self.post(&data),
                Some(Outgoing::WithFiles { message, files }) => {
                    let total = files.len() as u32;
                    for batch in files.chunks(FILES_PER_MESSAGE) {
                        let Ok(data) =
                            serde_wasm_bindgen::to_value(&ToEngine::AttachFiles { total })
                        else {
                            continue;
                        };
                        let array: js_sys::Array = batch.iter().collect();
                        let _ = js_sys::Reflect::set(&data, &JsValue::from_str("files"), &array);
                        self.post(&data);
                        next_task().await;
                    }
                    self.post(&message);
                }
            }
        }
        self.outbox.borrow_mut().pumping = false;
    }

    /// Sends one message to the engine.
    pub fn send(&self, message: &ToEngine) {
        self.send_with_files(message, None, &[]);
    }

    /// Ends the worker at once (a crashed engine's wasm cannot run again).
    pub fn terminate(&self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Starts an engine worker: the WebGPU engine when `gpu`, the CPU engine otherwise.
pub fn start_worker(gpu: bool) -> Result<web_sys::Worker, String> {
    // engine-loader.js reads the worker's name (see there).
    let options = web_sys::WorkerOptions::new();
    options.set_name(if gpu { "engine-gpu" } else { "engine" });
    web_sys::Worker::new_with_options("./engine-loader.js", &options).map_err(|error| {
        format!(
            "the browser refused to start a worker: {}",
            hearth_core::js::describe(&error)
        )
    })
}

/// Resolves in a later task of the page's event loop, after it has had a chance to draw.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The page's handle on the engine link, shared by the components (none when the worker
/// could not start).
pub type Link = leptos::prelude::StoredValue<Option<EngineLink>, leptos::prelude::LocalStorage>;

/// Sends `message` (when there is one) to the engine, if it is connected.
pub fn send(link: Link, message: Option<ToEngine>) {
    send_files(link, message, None, &[]);
}

/// Sends `message` with files attached (see [`EngineLink::send_with_files`]).
pub fn send_files(
    link: Link,
    message: Option<ToEngine>,
    file: Option<&web_sys::Blob>,
    files: &[web_sys::File],
) {
    use leptos::prelude::WithValue;
    let Some(message) = message else {
        return;
    };
    link.with_value(|link| {
        if let Some(link) = link {
            link.send_with_files(&message, file, files);
        }
    });
}
