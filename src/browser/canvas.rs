//! Drawing on canvases: images painted from RGBA pixels, and the drawing pad's strokes and
//! ink.

use wasm_bindgen::JsCast;

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

/// Where a pointer `event` is on `canvas`, in the canvas's own pixels (`size` wide), however
/// large the page shows it.
pub fn pointer_position(
    canvas: &web_sys::HtmlCanvasElement,
    event: &web_sys::PointerEvent,
    size: f64,
) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale = size / rect.width().max(1.0);
    (
        (f64::from(event.client_x()) - rect.left()) * scale,
        (f64::from(event.client_y()) - rect.top()) * scale,
    )
}

/// Keeps sending the pointer of `event` to `canvas` while it is down, even outside it.
pub fn capture_pointer(canvas: &web_sys::HtmlCanvasElement, event: &web_sys::PointerEvent) {
    let _ = canvas.set_pointer_capture(event.pointer_id());
}
