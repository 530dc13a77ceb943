//! The camera: asking for it, the cameras the browser lists, stopping it, and taking a
//! frame of its preview as an image file; and a canvas as an image file (the drawing pad's
//! examples). Frames stay in the page as `Blob`s, like uploaded files.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Which camera to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraChoice {
    /// The one facing the user (phones, tablets), or the only one.
    Front,
    /// The one facing away (phones, tablets).
    Back,
    /// A camera the browser listed, by its id.
    Device(String),
}

/// Why the camera could not be used, in words that say what to do.
pub fn camera_problem(error: &JsValue) -> String {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(web_sys::DomException::name)
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => "Hearth was not allowed to use the camera. Allow it in the browser's settings for this site (often the camera icon in the address bar), then press \"Turn on the camera\" again. Uploading images still works.".to_string(),
        "NotFoundError" | "OverconstrainedError" => "No camera was found (or not the one chosen). Connect one or choose another camera, then try again. Uploading images still works.".to_string(),
        "NotReadableError" | "AbortError" => "The camera is in use by another program or could not start. Close the other program, then try again.".to_string(),
        _ => format!(
            "The camera could not be started ({}). Uploading images still works.",
            hearth_core::js::describe(error)
        ),
    }
}

fn media_devices() -> Result<web_sys::MediaDevices, String> {
    web_sys::window()
        .and_then(|window| window.navigator().media_devices().ok())
        .ok_or_else(|| "This browser offers no camera to web pages here: the camera needs a secure page (https, or localhost) in a browser that supports it. Uploading images still works.".to_string())
}

/// Asks for the camera `choice`; the browser asks the user the first time.
pub async fn open_camera(choice: &CameraChoice) -> Result<web_sys::MediaStream, String> {
    let devices = media_devices()?;
    let video = Object::new();
    let set = |object: &Object, key: &str, value: &JsValue| {
        let _ = Reflect::set(object, &JsValue::from_str(key), value);
    };
    let ideal = |value: f64| {
        let object = Object::new();
        set(&object, "ideal", &JsValue::from_f64(value));
        object
    };
    set(&video, "width", &ideal(640.0));
    set(&video, "height", &ideal(480.0));
    match choice {
        CameraChoice::Front => set(&video, "facingMode", &JsValue::from_str("user")),
        CameraChoice::Back => set(&video, "facingMode", &JsValue::from_str("environment")),
        CameraChoice::Device(id) => {
            let exact = Object::new();
            set(&exact, "exact", &JsValue::from_str(id));
            set(&video, "deviceId", &exact);
        }
    }
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|error| camera_problem(&error))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|error| camera_problem(&error))?;
    stream
        .dyn_into()
        .map_err(|_| "The browser gave no camera stream.".to_string())
}

/// The cameras the browser lists, as (id, label); labels are empty until the user has
/// allowed a camera once.
pub async fn cameras() -> Vec<(String, String)> {
    let Ok(devices) = media_devices() else {
        return Vec::new();
    };
    let Ok(promise) = devices.enumerate_devices() else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    Array::from(&list)
        .iter()
        .filter_map(|device| device.dyn_into::<web_sys::MediaDeviceInfo>().ok())
        .filter(|device| device.kind() == web_sys::MediaDeviceKind::Videoinput)
        .map(|device| (device.device_id(), device.label()))
        .collect()
}

/// Turns the camera off (the browser's camera light goes out).
pub fn stop(stream: &web_sys::MediaStream) {
    // Every entry of getTracks() is a MediaStreamTrack (by the standard).
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    }
}

/// Shows `stream` in `video` (or nothing).
pub fn show(video: &web_sys::HtmlVideoElement, stream: Option<&web_sys::MediaStream>) {
    video.set_src_object(stream);
    if stream.is_some() {
        // Autoplay of a muted stream is allowed; a refusal only leaves the preview still.
        let _ = video.play();
    }
}

/// The largest centred square of the camera's frame, `size` × `size`, mirrored where the
/// preview is, as a JPEG file (about 5 KB at 128 × 128). None before the first frame.
pub async fn frame(
    video: &web_sys::HtmlVideoElement,
    size: u32,
    mirrored: bool,
) -> Option<web_sys::Blob> {
    let (width, height) = (
        f64::from(video.video_width()),
        f64::from(video.video_height()),
    );
    if width < 1.0 || height < 1.0 {
        return None;
    }
    let side = width.min(height);
    let canvas = web_sys::OffscreenCanvas::new(size, size).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let target = f64::from(size);
    if mirrored {
        context.translate(target, 0.0).ok()?;
        context.scale(-1.0, 1.0).ok()?;
    }
    context
        .draw_image_with_html_video_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            video,
            (width - side) / 2.0,
            (height - side) / 2.0,
            side,
            side,
            0.0,
            0.0,
            target,
            target,
        )
        .ok()?;
    encode(&canvas, "image/jpeg").await
}

/// `canvas` (a drawing: dark ink on a transparent ground) on a white ground, `size` ×
/// `size`, as a PNG file.
pub async fn drawing(canvas: &web_sys::HtmlCanvasElement, size: u32) -> Option<web_sys::Blob> {
    let target = web_sys::OffscreenCanvas::new(size, size).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        target.get_context("2d").ok()??.dyn_into().ok()?;
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, f64::from(size), f64::from(size));
    context
        .draw_image_with_html_canvas_element_and_dw_and_dh(
            canvas,
            0.0,
            0.0,
            f64::from(size),
            f64::from(size),
        )
        .ok()?;
    encode(&target, "image/png").await
}

async fn encode(canvas: &web_sys::OffscreenCanvas, kind: &str) -> Option<web_sys::Blob> {
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type(kind);
    options.set_quality(0.9);
    let promise = canvas.convert_to_blob_with_options(&options).ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// `blob` as a file named `name`, as if the user had chosen it.
pub fn as_file(blob: &web_sys::Blob, name: &str) -> Option<web_sys::File> {
    let options = web_sys::FilePropertyBag::new();
    options.set_type(&blob.type_());
    web_sys::File::new_with_blob_sequence_and_options(&Array::of1(blob), name, &options).ok()
}

/// A `blob:` URL that shows `blob` (a thumbnail); [`forget`] it when the image goes.
pub fn object_url(blob: &web_sys::Blob) -> String {
    web_sys::Url::create_object_url_with_blob(blob).unwrap_or_default()
}

/// Frees a URL made by [`object_url`].
pub fn forget(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Scrolls `element` into view (a capture view, once opened below the fold).
pub fn reveal(element: &web_sys::Element) {
    element.scroll_into_view();
}

/// Freezes (`true`) or resumes the preview `video`.
pub fn hold(video: &web_sys::HtmlVideoElement, frozen: bool) {
    if frozen {
        let _ = video.pause();
    } else {
        let _ = video.play();
    }
}

/// Keeps sending the pointer of `event` to the element it went down on (a held record
/// button hears the release even when the finger slides off it).
pub fn hold_pointer(event: &web_sys::PointerEvent) {
    if let Some(element) = event
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    {
        let _ = element.set_pointer_capture(event.pointer_id());
    }
}
