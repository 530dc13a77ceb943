//! Files made in the page: downloads offered to the user, and stored bytes as a `Blob`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Offers `bytes` to the user as a downloaded file called `name`. The file is made in
/// the page (a `blob:` URL): nothing is sent anywhere.
pub fn download(bytes: &js_sys::Uint8Array, name: &str) -> Result<(), String> {
    let fail = |error: JsValue| {
        format!(
            "the browser refused the download: {}",
            hearth_core::js::describe(&error)
        )
    };
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

/// A `Blob` of `bytes` whose media type is `media_type` (so that the browser shows or
/// plays it).
pub fn typed_blob(bytes: &[u8], media_type: &str) -> web_sys::Blob {
    gloo::file::Blob::new_with_options(bytes, Some(media_type)).into()
}

/// The bytes of `blob` (a file the user chose, a captured example).
pub async fn read_blob(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|error| hearth_core::js::describe(&error))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A buffer holding exactly `bytes` (a view may show part of a larger one).
fn exact_buffer(bytes: &js_sys::Uint8Array) -> js_sys::ArrayBuffer {
    js_sys::Uint8Array::new(bytes).buffer()
}

/// The bytes of `text` (UTF-8), as the page holds a model file's.
pub fn bytes_of(text: &str) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(text.as_bytes())
}

/// The bytes of `path` on the app's own origin (files the app ships and fetches only when
/// asked, such as the web runtime; the service worker keeps them for offline use).
pub async fn own_file(path: &str) -> Result<Vec<u8>, String> {
    let describe = |error: JsValue| hearth_core::js::describe(&error);
    let window = web_sys::window().ok_or("the page has no window")?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(path))
            .await
            .map_err(describe)?
            .dyn_into()
            .map_err(|_| "the browser's answer was not a response".to_string())?;
    if !response.ok() {
        return Err(format!("{path}: the server answered {}", response.status()));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
