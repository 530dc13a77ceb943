//! The first screen's invitation: the drawing pad with the digit model that ships with
//! Hearth, beside the ways to bring data, until a data set is loaded.

use hearth_core::model::summary::{ModelInput, PredictInput};
use leptos::prelude::*;

use crate::context;
use crate::engine::link::send;
use crate::use_share::drawing::DrawingPad;
use crate::use_share::panel::PredictionView;

/// "Try it now: draw a digit": the pad, classified live by the model in use while it is
/// the digit model.
#[component]
pub fn DrawFirst() -> impl IntoView {
    let (uses, link) = (context::uses(), context::link());
    let ask = move |input: PredictInput| {
        let message = uses.try_update(|uses| uses.ask(input));
        send(link, message);
    };
    let digit_model = Memo::new(move |_| {
        uses.with(|uses| {
            uses.model
                .as_ref()
                .is_some_and(|model| matches!(model.input, ModelInput::Image { digits: true, .. }))
        })
    });
    view! {
        <section class="draw-first" aria-labelledby="draw-first-title" data-testid="draw-first">
            <h3 id="draw-first-title">"Try it now: draw a digit"</h3>
            <p>"Hearth comes with a small model trained on handwritten digits. Draw one, 0 to 9, and watch it guess, live: it runs on this device."</p>
            {move || if digit_model.get() {
                view! { <DrawingPad on_digit=ask /> <PredictionView /> }.into_any()
            } else {
                view! { <p class="hint" data-testid="no-model">"Loading the digit model…"</p> }.into_any()
            }}
            <p class="hint">"Then bring data of your own, or pick a built-in set, to train a model of your own."</p>
        </section>
    }
}
