//! "Draw examples": the drawing pad as a data source. Draw a shape, a letter or a symbol,
//! add it to its class, and the pad clears for the next; and the pad that asks a model of
//! drawings (Use & share).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::classes::{ClassList, LoadCaptured, add, captures, class_name};
use super::state::Source;
use crate::browser;
use crate::browser::media;
use crate::data::loading::Loader;
use crate::use_share::pen::PenKey;

/// The pad's side in canvas pixels.
const SIZE: u32 = 280;
/// A drawing's side as a sample (the image pipeline then reads it at the chosen size).
const SAMPLE_SIZE: u32 = 112;

/// A pad to draw on, with the mouse, a finger, a pen or the keyboard. `canvas` is its
/// canvas, for the caller to read; `on_stroke` is called after each stroke ends.
#[component]
pub fn SketchPad(
    canvas: NodeRef<leptos::html::Canvas>,
    label: &'static str,
    on_stroke: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let last = StoredValue::new_local(None::<(f64, f64)>);
    let stroke = move |from: (f64, f64), to: (f64, f64)| {
        if let Some(canvas) = canvas.get_untracked() {
            browser::canvas::draw_line(&canvas, from, to, 14.0);
        }
    };
    let point = move |event: &web_sys::PointerEvent| {
        canvas.get_untracked().map_or((0.0, 0.0), |canvas| {
            browser::canvas::pointer_position(&canvas, event, f64::from(SIZE))
        })
    };
    let pen = StoredValue::new((f64::from(SIZE) / 2.0, f64::from(SIZE) / 2.0));
    let pen_down = StoredValue::new(false);
    let on_key = move |event: web_sys::KeyboardEvent| {
        let Some(key) = PenKey::of(&event.key(), event.shift_key()) else {
            return;
        };
        event.prevent_default();
        match key {
            PenKey::Move(dx, dy) => {
                let size = f64::from(SIZE);
                let from = pen.get_value();
                let to = (
                    (from.0 + dx).clamp(0.0, size),
                    (from.1 + dy).clamp(0.0, size),
                );
                pen.set_value(to);
                if pen_down.get_value() {
                    stroke(from, to);
                }
            }
            PenKey::LowerOrLift => {
                let down = !pen_down.get_value();
                pen_down.set_value(down);
                if down {
                    let at = pen.get_value();
                    stroke(at, at);
                } else {
                    on_stroke();
                }
            }
            PenKey::Clear => clear(canvas),
        }
    };
    view! {
        <canvas node_ref=canvas class="pad sketch" width=SIZE height=SIZE data-testid="sketch-pad"
            tabindex="0" role="application" aria-roledescription="drawing pad" aria-label=label
            on:keydown=on_key
            on:pointerdown=move |event| {
                if let Some(canvas) = canvas.get_untracked() {
                    browser::canvas::capture_pointer(&canvas, &event);
                }
                let at = point(&event);
                stroke(at, at);
                last.set_value(Some(at));
            }
            on:pointermove=move |event| {
                if let Some(from) = last.get_value() {
                    let to = point(&event);
                    stroke(from, to);
                    last.set_value(Some(to));
                }
            }
            on:pointerup=move |_| { last.set_value(None); on_stroke(); }
            on:pointercancel=move |_| last.set_value(None)
        ></canvas>
    }
}

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
    let add_drawing = move |class: usize| {
        let Some(pad) = canvas.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Some(blob) = media::drawing(&pad, SAMPLE_SIZE).await {
                add(captures, Source::Drawing, class, blob);
            }
            clear(canvas);
            drawn.set(false);
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
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(section) = section.get() {
            media::reveal(&section);
        }
    });
    view! {
        <section node_ref=section class="capture drawn-capture" aria-labelledby="drawn-title" data-testid="drawn-capture">
            <h3 id="drawn-title">"Draw examples"</h3>
            <p class="hint">"Name the classes (shapes, letters, symbols), draw an example on the pad, and add it to its class; the pad clears for the next. Ten or more of each, drawn a little differently each time, teach a model best."</p>
            <div class="pad-area">
                <div class="pad-column">
                    <div class="pad-frame">
                        <SketchPad canvas label="Drawing pad for examples: draw with the mouse, a finger or a pen; with the keyboard, arrows move the pen and Space lowers or lifts it"
                            on_stroke=move || drawn.set(true) />
                    </div>
                    <button type="button" data-testid="clear-sketch" on:click=move |_| { clear(canvas); drawn.set(false); }>"Clear the pad"</button>
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
            <div class="pad-frame">
                <SketchPad canvas label="Drawing pad: draw something for the model to classify" on_stroke=ask />
            </div>
            <button type="button" data-testid="clear-sketch" on:click=move |_| clear(canvas)>"Clear the pad"</button>
        </div>
    }
}
