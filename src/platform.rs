//! The only module of the page that touches the browser (web-sys, gloo).

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

/// The user's saved choice to skip WebGPU.
pub fn load_force_cpu() -> bool {
    local_storage()
        .and_then(|storage| storage.get_item(FORCE_CPU_KEY).ok().flatten())
        .is_some_and(|value| value == "true")
}

/// Saves the user's choice to skip WebGPU.
pub fn save_force_cpu(force_cpu: bool) {
    // Storage can be full or disabled; the choice then lasts for this visit only.
    // The value is JSON's `true` or `false`, as earlier versions (gloo-storage) wrote it.
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(FORCE_CPU_KEY, if force_cpu { "true" } else { "false" });
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

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
    /// Connects to the engine worker that `boot.js` started while the page's wasm was
    /// still loading (so both load in parallel), or starts one if it did not.
    pub fn connect() -> Result<Self, String> {
        if let Some((worker, backlog)) = take_booted_worker() {
            return Ok(EngineLink {
                worker,
                backlog,
                outbox: Default::default(),
            });
        }
        let worker = web_sys::Worker::new("./engine-loader.js")
            .map_err(|error| format!("the browser refused to start a worker: {error:?}"))?;
        Ok(EngineLink {
            worker,
            backlog: js_sys::Array::new(),
            outbox: Default::default(),
        })
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

/// Resolves in a later task of the page's event loop, after it has had a chance to draw.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
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

/// The files of a file input or a drop, with their paths: `webkitRelativePath` for a
/// chosen folder ("pets/cats/a.png"), else the file name.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<(String, web_sys::File)> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|path| path.as_string())
                .filter(|path| !path.is_empty());
            (relative.unwrap_or_else(|| file.name()), file)
        })
        .collect()
}

/// The files chosen in the `<input type=file>` that fired `event`; the input is then
/// cleared so that choosing the same file again fires again.
pub fn input_files(event: &web_sys::Event) -> Vec<(String, web_sys::File)> {
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = files_of(input.files());
    input.set_value("");
    files
}

/// The files dropped by a drag-and-drop `event` (loose files only).
pub fn dropped_files(event: &web_sys::DragEvent) -> Vec<(String, web_sys::File)> {
    event.prevent_default();
    files_of(event.data_transfer().and_then(|transfer| transfer.files()))
}

/// The files dropped by `event`, folders included: a dropped folder gives every file
/// beneath it with its path ("pets/cats/a.png"). The entries are taken during the event
/// (the browser empties the drop afterwards) and read afterwards.
pub fn dropped_tree(
    event: &web_sys::DragEvent,
) -> impl std::future::Future<Output = Vec<(String, web_sys::File)>> + 'static {
    event.prevent_default();
    let transfer = event.data_transfer();
    let entries: Vec<web_sys::FileSystemEntry> = transfer
        .as_ref()
        .map(|transfer| {
            let items = transfer.items();
            (0..items.length())
                .filter_map(|index| items.get(index))
                .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
                .collect()
        })
        .unwrap_or_default();
    let loose = if entries.is_empty() {
        files_of(transfer.and_then(|transfer| transfer.files()))
    } else {
        Vec::new()
    };
    async move {
        if entries.is_empty() {
            return loose;
        }
        read_tree(entries).await
    }
}

async fn read_tree(entries: Vec<web_sys::FileSystemEntry>) -> Vec<(String, web_sys::File)> {
    let mut files = Vec::new();
    let mut pending: Vec<web_sys::FileSystemEntry> = entries;
    while let Some(entry) = pending.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_directory() {
            let directory: web_sys::FileSystemDirectoryEntry = entry.unchecked_into();
            let reader = directory.create_reader();
            // readEntries returns the entries in batches until it returns none.
            loop {
                let batch = read_entries(&reader).await;
                if batch.is_empty() {
                    break;
                }
                pending.extend(batch);
            }
        } else if let Some(file) = entry_file(entry.unchecked_ref()).await {
            files.push((path, file));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

async fn read_entries(
    reader: &web_sys::FileSystemDirectoryReader,
) -> Vec<web_sys::FileSystemEntry> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |entries: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &entries);
        });
        let failed = Closure::once_into_js(move |error: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        let _ = reader
            .read_entries_with_callback_and_callback(done.unchecked_ref(), failed.unchecked_ref());
    });
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(entries) => js_sys::Array::from(&entries)
            .iter()
            .map(|entry| entry.unchecked_into())
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn entry_file(entry: &web_sys::FileSystemFileEntry) -> Option<web_sys::File> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |file: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &file);
        });
        let failed = Closure::once_into_js(move |error: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        entry.file_with_callback_and_callback(done.unchecked_ref(), failed.unchecked_ref());
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|file| file.dyn_into().ok())
}

/// Paints RGBA `pixels` of `width` x `height` into `canvas`.
pub fn paint_rgba(canvas: &web_sys::HtmlCanvasElement, width: u32, height: u32, pixels: &[u8]) {
    let Ok(Some(context)) = canvas.get_context("2d") else {
        return;
    };
    let Ok(context) = context.dyn_into::<web_sys::CanvasRenderingContext2d>() else {
        return;
    };
    if let Ok(image) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(pixels),
        width,
        height,
    ) {
        let _ = context.put_image_data(&image, 0.0, 0.0);
    }
}

/// Copies `text` to the clipboard (where the browser allows it).
pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

fn context_2d(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Draws a round-ended stroke of `width` pixels from `from` to `to` (canvas pixels).
pub fn draw_line(
    canvas: &web_sys::HtmlCanvasElement,
    from: (f64, f64),
    to: (f64, f64),
    width: f64,
) {
    let Some(context) = context_2d(canvas) else {
        return;
    };
    context.set_line_width(width);
    context.set_line_cap("round");
    context.set_line_join("round");
    context.set_stroke_style_str("#111");
    context.begin_path();
    context.move_to(from.0, from.1);
    context.line_to(to.0, to.1);
    context.stroke();
}

/// Clears a canvas to transparent.
pub fn clear_canvas(canvas: &web_sys::HtmlCanvasElement) {
    if let Some(context) = context_2d(canvas) {
        context.clear_rect(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        );
    }
}

/// How much ink each pixel of a canvas holds, 0 to 1 (its alpha), row by row.
pub fn canvas_ink(canvas: &web_sys::HtmlCanvasElement) -> Vec<f32> {
    let (width, height) = (canvas.width(), canvas.height());
    let Some(context) = context_2d(canvas) else {
        return Vec::new();
    };
    let Ok(image) = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height)) else {
        return Vec::new();
    };
    image
        .data()
        .0
        .chunks_exact(4)
        .map(|pixel| f32::from(pixel[3]) / 255.0)
        .collect()
}

/// Offers `bytes` to the user as a downloaded file called `name`. The file is made in
/// the page (a `blob:` URL): nothing is sent anywhere.
pub fn download(bytes: &js_sys::Uint8Array, name: &str) -> Result<(), String> {
    let fail = |error: JsValue| format!("the browser refused the download: {error:?}");
    let blob =
        gloo::file::Blob::new_with_options(exact_buffer(bytes), Some("application/octet-stream"));
    let url = gloo::file::ObjectUrl::from(blob);
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("the page has no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "the page cannot make a link".to_string())?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The browser has read the URL once the click's default action ran; dropping the
    // `ObjectUrl` revokes it.
    gloo::timers::callback::Timeout::new(60_000, move || drop(url)).forget();
    Ok(())
}

/// A `Blob` holding `bytes` (to send stored bytes to the engine like a chosen file).
pub fn blob_of(bytes: &js_sys::Uint8Array) -> Option<web_sys::Blob> {
    Some(gloo::file::Blob::new(exact_buffer(bytes)).into())
}

/// A buffer holding exactly `bytes` (a view may show part of a larger one).
fn exact_buffer(bytes: &js_sys::Uint8Array) -> js_sys::ArrayBuffer {
    js_sys::Uint8Array::new(bytes).buffer()
}

/// A time (milliseconds since 1970) as the user's locale writes a date and time.
pub fn local_date(milliseconds: f64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(milliseconds));
    String::from(date.to_locale_string("default", &JsValue::UNDEFINED))
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
