//! One image drawn on a canvas, from its RGBA pixels.

use leptos::prelude::*;

use crate::browser;

/// One image drawn on a canvas.
#[component]
pub fn ThumbnailCanvas(width: u32, height: u32, pixels: Vec<u8>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    canvas.on_load(move |canvas| browser::canvas::paint_rgba(&canvas, width, height, &pixels));
    view! { <canvas node_ref=canvas width=width height=height class="thumb"></canvas> }
}
