//! "Draw examples": the drawing pad as a data source. Draw a shape, a letter or a symbol,
//! add it to its class, and the pad clears for the next; and the pad that asks a model of
//! drawings (Use & share).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::classes::{ClassList, LoadCaptured, add, captures, class_name, revealed_section};
use super::state::Source;
use crate::browser;
use crate::browser::media;
use crate::data::loading::Loader;
use crate::use_share::drawing::Pad;

/// A drawing's side as a sample (the image pipeline then reads it at the chosen size).
const SAMPLE_SIZE: u32 = 112;
/// The pads' stroke width: finer than the digit pad's, for shapes and letters.
const LINE_WIDTH: f64 = 14.0;

/// Clears the pad.
pub fn clear(canvas: NodeRef<leptos::html::Canvas>) {
    if let Some(canvas) = canvas.get_untracked() {
        browser::canvas::clear_canvas(&canvas);
    }
}

/// The drawn-classes view.
#[component]
pub fn DrawnCapture(loader: Loader, disabled: Signal<bool>) -> impl IntoView {
    let captures = captures();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let wipe = move || {
        clear(canvas);
        drawn.set(false);
    };
    let add_drawing = move |class: usize| {
        let Some(pad) = canvas.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Some(blob) = media::drawing(&pad, SAMPLE_SIZE).await {
                add(captures, Source::Drawing, class, blob);
            }
            wipe();
        });
    };
    let record = move |class: usize| {
        view! {
            <button type="button" class="record" data-testid=format!("add-drawing-{class}")
                aria-label=move || format!("Add the drawing to {}", class_name(captures, Source::Drawing, class))
                prop:disabled=move || !drawn.get()
                on:click=move |_| add_drawing(class)>
                "Add the drawing here"
            </button>
        }
    };
    let section = revealed_section();
    view! {
        <section node_ref=section class="capture drawn-capture" aria-labelledby="drawn-title" data-testid="drawn-capture">
            <h3 id="drawn-title">"Draw examples"</h3>
            <p class="hint">"Name the classes (shapes, letters, symbols), draw an example on the pad, and add it to its class; the pad clears for the next. Ten or more of each, drawn a little differently each time, teach a model best."</p>
            <div class="pad-area">
                <div class="pad-column">
                    <Pad canvas test_id="sketch-pad" line_width=LINE_WIDTH
                        label="Drawing pad for examples: draw with the mouse, a finger or a pen; with the keyboard, arrows move the pen and Space lowers or lifts it"
                        on_ink=move |done| if done { drawn.set(true) } on_clear=wipe />
                    <button type="button" data-testid="clear-sketch" on:click=move |_| wipe()>"Clear the pad"</button>
                </div>
            </div>
            <ClassList source=Source::Drawing record=record />
            <LoadCaptured source=Source::Drawing loader disabled />
        </section>
    }
}

/// "Or draw it": a pad that asks the model in use about each drawing, as a drawn example
/// would be read (for a model trained on drawings, or any image model).
#[component]
pub fn DrawToPredict() -> impl IntoView {
    let (link, uses) = (crate::context::link(), crate::context::uses());
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let ask = move || {
        let Some(pad) = canvas.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let Some(file) = media::drawing(&pad, SAMPLE_SIZE)
                .await
                .and_then(|blob| media::as_file(&blob, "drawing.png"))
            else {
                return;
            };
            let name = "drawing.png".to_string();
            let message = uses.try_update(|uses| {
                uses.ask(hearth_core::model::summary::PredictInput::ImageFile { name })
            });
            crate::engine::link::send_files(link, message, Some(file.as_ref()), &[]);
        });
    };
    view! {
        <div class="draw-to-predict">
            <p>"Or draw it: the model is asked after each stroke."</p>
            <Pad canvas test_id="sketch-pad" line_width=LINE_WIDTH
                label="Drawing pad: draw something for the model to classify"
                on_ink=move |done| if done { ask() } on_clear=move || clear(canvas) />
            <button type="button" data-testid="clear-sketch" on:click=move |_| clear(canvas)>"Clear the pad"</button>
        </div>
    }
}
