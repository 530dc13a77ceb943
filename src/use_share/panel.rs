//! The Use & share step's panel: the model in use, the way to ask it (by its input), the
//! prediction, sharing and the card.

use hearth_core::data::summary::Task;
use hearth_core::model::summary::{ModelInput, ModelSource, PredictInput};
use hearth_core::text::thousands;
use leptos::prelude::*;

use super::card_editor::CardEditor;
use super::drawing::DrawingPad;
use super::inputs::{ImageInput, RowForm};
use super::share::SharePanel;
use super::state::{UseState, saliency_rgba};
use crate::capture::drawn::DrawToPredict;
use crate::capture::live::LiveCamera;
use crate::context;
use crate::engine::link::send;
use crate::widgets::format::percent;
use crate::widgets::thumbnail::ThumbnailCanvas;

/// Step 5: predictions with the model in use: a form, an image, or the drawing pad.
#[component]
pub fn UsePanel() -> impl IntoView {
    let uses = context::uses();
    let link = context::link();
    // Only a new model rebuilds the controls (a new prediction must not reset the pad).
    let model = Memo::new(move |_| uses.with(|uses| uses.model.clone()));
    let ask = move |input: PredictInput| {
        let message = uses.try_update(|uses| uses.ask(input));
        send(link, message);
    };
    view! {
        <div class="use-panel">
            {move || match model.get() {
                None => view! { <p class="hint" data-testid="no-model">"Loading the digit model… (or train one in step 3)"</p> }.into_any(),
                Some(summary) => {
                    let source = match summary.source {
                        ModelSource::Pretrained => "the pretrained digit model that ships with Hearth",
                        ModelSource::Trained => "trained in this session",
                        ModelSource::File => "opened from a file",
                        ModelSource::Saved => "kept in this browser",
                    };
                    let heading = view! {
                        <p class="model-name" data-testid="model-name">
                            <strong>{summary.name.clone()}</strong>
                            {format!(": {source}, {} parameters", thousands(summary.parameters))}
                            {summary.score_label().map(|score| format!(", {score}"))}
                        </p>
                    };
                    let body = match summary.input.clone() {
                        ModelInput::Image { digits: true, .. } => view! { <DrawingPad on_digit=ask /> <ImageInput /> }.into_any(),
                        ModelInput::Image { sound: Some(_), .. } => view! { <crate::capture::sound::SoundInputs /> }.into_any(),
                        ModelInput::Image { .. } => view! { <ImageInput /> <LiveCamera /> <DrawToPredict /> }.into_any(),
                        ModelInput::Table { columns, target } => view! {
                            <RowForm columns=columns target=target test_rows=summary.test_rows on_predict=ask />
                        }.into_any(),
                    };
                    view! { {heading} {body} }.into_any()
                }
            }}
            {move || uses.with(|uses| uses.problem.clone()).map(|problem| view! { <p class="problem" role="alert" data-testid="predict-problem">{problem}</p> })}
            <PredictionView />
            <SharePanel has_model=Signal::derive(move || model.with(Option::is_some)) />
            {move || model.get().map(|summary| view! { <CardEditor card=summary.card origin=summary.spec.origin /> })}
        </div>
    }
}

/// The latest prediction, with a bar per class.
#[component]
pub fn PredictionView() -> impl IntoView {
    let uses = context::uses();
    move || {
        let (model, prediction) = uses.with(|uses| (uses.model.clone(), uses.prediction.clone()));
        let (model, prediction) = (model?, prediction?);
        let bars = (model.task != Task::Regression).then(|| {
            let labels = model.labels.clone();
            view! {
                <ol class="bars" data-testid="probabilities" aria-label="Probability of each class">
                    {labels.iter().zip(&prediction.outputs).map(|(label, p)| {
                        let share = percent(f64::from(*p));
                        view! {
                            <li class:best=*label == prediction.predicted data-probability=p.to_string()>
                                <span class="label">{label.clone()}</span>
                                <span class="bar"><span style:width=share.clone()></span></span>
                                <span class="value">{share}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
        });
        let live = uses.with(|uses| uses.live);
        let saliency = prediction.saliency.clone().filter(|_| !live).map(|saliency| {
            let pixels = saliency_rgba(&saliency);
            view! {
                <figure class="saliency" data-testid="saliency">
                    <ThumbnailCanvas width=saliency.width height=saliency.height pixels=pixels />
                    <figcaption>{format!(
                        "Saliency: which pixels move the score of \"{}\" most (the gradient of that class's score with respect to each pixel). Red to yellow marks the strongest; the image is dimmed beneath.",
                        saliency.class
                    )}</figcaption>
                </figure>
            }
        });
        Some(view! {
            <div class="prediction" aria-live="polite" data-testid="prediction"
                aria-busy=move || uses.with(UseState::pending).to_string()
                data-answered=move || uses.with(UseState::answered).to_string()>
                <p>"Prediction: " <strong data-testid="predicted">{prediction.predicted.clone()}</strong>
                    {prediction.truth.clone().map(|truth| format!(" (true value: {truth})"))}</p>
                {bars}
                {saliency}
            </div>
        })
    }
}
