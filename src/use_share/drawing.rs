//! Drawing pads: the one canvas every pad is (`Pad`: pointer, touch and keyboard pen), and
//! the digit pad, classified live while drawing.

use hearth_core::digits;
use hearth_core::model::summary::PredictInput;
use leptos::prelude::*;

use crate::browser;
use crate::context;
use crate::widgets::format::percent;

use super::pen::{PenKey, ink_rgba};

/// The pad's side in canvas pixels (the page shows it at most this wide).
pub const SIZE: u32 = 280;

/// A canvas to draw on with the mouse, a finger, a pen or the keyboard (arrow keys move a
/// pen, Space or Enter lowers and lifts it, Delete clears), in its frame with the keyboard
/// pen's cursor. The caller holds `canvas` to read or clear it. `on_ink(done)` follows
/// the ink: `false` while a pointer stroke goes on, `true` when a stroke ends and after
/// each keyboard step that draws; `on_clear` is the keyboard's clear.
#[component]
pub fn Pad(
    canvas: NodeRef<leptos::html::Canvas>,
    test_id: &'static str,
    label: &'static str,
    #[prop(optional)] described_by: Option<&'static str>,
    line_width: f64,
    on_ink: impl Fn(bool) + Copy + 'static,
    on_clear: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let last = StoredValue::new_local(None::<(f64, f64)>);
    let point = move |event: &web_sys::PointerEvent| {
        let Some(canvas) = canvas.get_untracked() else {
            return (0.0, 0.0);
        };
        browser::canvas::pointer_position(&canvas, event, f64::from(SIZE))
    };
    let stroke = move |from: (f64, f64), to: (f64, f64)| {
        if let Some(canvas) = canvas.get_untracked() {
            browser::canvas::draw_line(&canvas, from, to, line_width);
        }
    };
    // The keyboard's pen: arrow keys move it, Space or Enter lowers and lifts it.
    let pen = RwSignal::new((f64::from(SIZE) / 2.0, f64::from(SIZE) / 2.0));
    let pen_down = RwSignal::new(false);
    let on_key = move |event: web_sys::KeyboardEvent| {
        let Some(key) = PenKey::of(&event.key(), event.shift_key()) else {
            return;
        };
        event.prevent_default();
        let (dx, dy) = match key {
            PenKey::Move(dx, dy) => (dx, dy),
            PenKey::LowerOrLift => {
                let down = !pen_down.get_untracked();
                pen_down.set(down);
                if down {
                    let at = pen.get_untracked();
                    stroke(at, at);
                }
                on_ink(true);
                return;
            }
            PenKey::Clear => {
                on_clear();
                return;
            }
        };
        let size = f64::from(SIZE);
        let from = pen.get_untracked();
        let to = (
            (from.0 + dx).clamp(0.0, size),
            (from.1 + dy).clamp(0.0, size),
        );
        pen.set(to);
        if pen_down.get_untracked() {
            stroke(from, to);
            on_ink(true);
        }
    };
    let on_pad = move |value: f64| percent(value / f64::from(SIZE));
    view! {
        <div class="pad-frame">
        <canvas node_ref=canvas class="pad" width=SIZE height=SIZE data-testid=test_id
            tabindex="0" role="application" aria-roledescription="drawing pad"
            aria-label=label
            aria-describedby=described_by
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
                    on_ink(false);
                }
            }
            on:pointerup=move |_| { last.set_value(None); on_ink(true); }
            on:pointercancel=move |_| last.set_value(None)
        ></canvas>
        <div class="pad-cursor" class:down=move || pen_down.get() aria-hidden="true"
            style:left=move || on_pad(pen.get().0) style:top=move || on_pad(pen.get().1)></div>
        </div>
    }
}

/// A pad to draw a digit on, classified live while drawing.
#[component]
pub fn DrawingPad(on_digit: impl Fn(PredictInput) + Copy + 'static) -> impl IntoView {
    let uses = context::uses();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let preview = NodeRef::<leptos::html::Canvas>::new();
    let last_sent = StoredValue::new_local(0.0f64);
    let classify = move |force: bool| {
        let Some(canvas) = canvas.get_untracked() else {
            return;
        };
        let now = browser::clock::now();
        if !force && now - last_sent.get_value() < 80.0 {
            return;
        }
        last_sent.set_value(now);
        let ink = browser::canvas::canvas_ink(&canvas);
        if let Some(image) = digits::to_mnist(&ink, SIZE as usize, SIZE as usize) {
            if let Some(preview) = preview.get_untracked() {
                browser::canvas::paint_rgba(&preview, 28, 28, &ink_rgba(&image));
            }
            on_digit(PredictInput::Pixels { values: image });
        }
    };
    let clear = move || {
        if let Some(canvas) = canvas.get_untracked() {
            browser::canvas::clear_canvas(&canvas);
        }
        if let Some(preview) = preview.get_untracked() {
            browser::canvas::clear_canvas(&preview);
        }
        uses.update(|uses| uses.prediction = None);
    };
    view! {
        <div class="pad-area">
            <div class="pad-column">
                <Pad canvas test_id="pad"
                    label="Drawing pad: draw a digit with the mouse, a finger or a pen"
                    described_by="pad-keys" line_width=18.0 on_ink=classify on_clear=clear />
                <p id="pad-keys" class="hint">"Keyboard: arrow keys move the pen (Shift for small steps), Space lowers or lifts it, Delete clears."</p>
                <button type="button" data-testid="clear-pad" on:click=move |_| clear()>"Clear"</button>
            </div>
            <figure class="pad-preview">
                <canvas node_ref=preview width="28" height="28" data-testid="pad-preview" aria-label="What the model sees: the digit fitted into 20×20 and centred in 28×28, like MNIST"></canvas>
                <figcaption>"What the model sees (28×28)"</figcaption>
            </figure>
        </div>
    }
}
