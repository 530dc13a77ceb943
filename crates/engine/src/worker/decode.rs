//! Images decoded by the browser (`createImageBitmap` in the worker), not by decoders
//! shipped in the engine: every format the browser reads (PNG, JPEG, WebP, GIF, BMP, AVIF
//! in Chromium and Firefox), and none of the decoders' code in the download. The pixels
//! are then brought to the set's shape by `hearth-core`, as the command line brings the
//! files it decodes itself ([`images::fit_decoded`]).

use hearth_core::data::DataError;
use hearth_core::data::images::{self, Decoded, ImageContent, ImageShape};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::transport::{read_blob, scope};

/// How much of a file's start is read for its size (a photo's EXIF block comes first).
const HEADER_BYTES: f64 = 256.0 * 1024.0;

/// The file at `path` brought to `shape`, or why it cannot be (for the user).
pub(super) async fn fitted(path: &str, blob: &web_sys::Blob, shape: ImageShape) -> ImageContent {
    match fit(path, blob, shape).await {
        Ok(pixels) => ImageContent::Fitted(pixels),
        Err(reason) => ImageContent::Unreadable(reason),
    }
}

/// The file at `path` decoded and brought to `shape`: `shape.image_size()` bytes.
pub(super) async fn fit(
    path: &str,
    blob: &web_sys::Blob,
    shape: ImageShape,
) -> Result<Vec<u8>, String> {
    let decoded = decode(path, blob).await?;
    images::fit_decoded(path, decoded, shape).map_err(reason)
}

/// Decodes the image file `blob` (at `path`) to RGBA, its orientation applied, after
/// checking its size from its header: a file over the size limit is never decoded.
async fn decode(path: &str, blob: &web_sys::Blob) -> Result<Decoded, String> {
    if blob.size() == 0.0 {
        return Err("the file is empty".to_string());
    }
    let head = blob
        .slice_with_f64_and_f64(0.0, HEADER_BYTES)
        .map_err(|error| hearth_core::js::describe(&error))?;
    let head = read_blob(&head).await?;
    // A format imagesize does not know is left to the browser; its size is checked below.
    if let Ok(size) = imagesize::blob_size(&head) {
        let side = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        images::check_size(path, side(size.width), side(size.height)).map_err(reason)?;
    }
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    options.set_premultiply_alpha(web_sys::PremultiplyAlpha::None);
    options.set_color_space_conversion(web_sys::ColorSpaceConversion::None);
    let not_an_image = || {
        "its contents are not an image this browser can read (PNG, JPEG, WebP, GIF, BMP or \
         AVIF), or it is damaged"
            .to_string()
    };
    let promise = scope()
        .create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)
        .map_err(|_| not_an_image())?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| not_an_image())?
        .dyn_into()
        .map_err(|_| not_an_image())?;
    let pixels = pixels_of(path, &bitmap);
    bitmap.close();
    pixels
}

/// The bitmap's pixels, drawn on a canvas of its size and read back.
fn pixels_of(path: &str, bitmap: &web_sys::ImageBitmap) -> Result<Decoded, String> {
    let (width, height) = (bitmap.width(), bitmap.height());
    images::check_size(path, width, height).map_err(reason)?;
    let failed = |error: wasm_bindgen::JsValue| {
        format!(
            "the browser could not hand over its pixels ({})",
            hearth_core::js::describe(&error)
        )
    };
    let canvas = web_sys::OffscreenCanvas::new(width, height).map_err(failed)?;
    let context: web_sys::OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(failed)?
        .ok_or("the browser gave no canvas to read its pixels on")?
        .dyn_into()
        .map_err(|_| "the browser gave no 2D canvas to read its pixels on")?;
    context
        .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
        .map_err(failed)?;
    let data = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .map_err(failed)?;
    Ok(Decoded {
        width,
        height,
        rgba: data.data().0,
    })
}

/// The reason in a [`DataError`] about one file (the file's name is said around it).
fn reason(error: DataError) -> String {
    match error {
        DataError::Image { reason, .. } => reason,
        other => other.to_string(),
    }
}
