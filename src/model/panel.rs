//! The Model step's panel: presets, the layers, the spec's problem, a link to the spec and
//! the spec as JSON.

use hearth_core::model::preset::Preset;
use leptos::prelude::*;

use super::layers::{AddLayer, LayerTable};
use super::start::StartFromModel;
use super::state::{DataShape, SpecState};
use crate::browser;
use crate::context;

/// Step 2: presets, the layer list with live shapes and parameter counts, and the spec as
/// JSON.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let data = context::data();
    let specs = context::specs();
    let shape = Memo::new(move |_| data.with(DataShape::of));
    Effect::new(move |_| {
        if let Some(shape) = shape.get() {
            specs.update(|specs| specs.fit_to(shape));
        }
    });
    let pasted = RwSignal::new(String::new());
    let spec_link = RwSignal::new(None::<String>);
    view! {
        <div class="model-panel">
            {move || {
                shape
                    .get()
                    .is_none()
                    .then(|| {
                        view! {
                            <p class="hint" data-testid="model-needs-data">
                                "Load a data set and choose its target first (step 1); the model's input and output follow from it."
                            </p>
                        }
                    })
            }}
            <div class="presets" role="group" aria-label="Presets">
                {Preset::ALL
                    .into_iter()
                    .map(|preset| {
                        view! {
                            <button
                                type="button"
                                data-testid=format!("preset-{}", preset.id())
                                prop:disabled=move || shape.get().is_none()
                                on:click=move |_| {
                                    if let Some(shape) = shape.get_untracked() {
                                        specs.update(|specs| specs.choose(preset, shape));
                                    }
                                }
                            >
                                {preset.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <StartFromModel shape=shape />
            <LayerTable />
            <AddLayer />
            {move || {
                specs
                    .with(|specs| specs.problem.clone())
                    .map(|problem| {
                        view! { <p class="problem" role="alert" data-testid="spec-problem">{problem}</p> }
                    })
            }}
            <div class="row share-link">
                <button type="button" data-testid="copy-spec-link" prop:disabled=move || specs.with(|specs| specs.spec.is_none()) on:click=move |_| {
                    let link = specs.with_untracked(SpecState::link_text).and_then(|text| browser::url::spec_link(&text));
                    if let Some(link) = link {
                        browser::clipboard::copy_text(&link);
                        spec_link.set(Some(link));
                    }
                }>"Copy a link to this model"</button>
                {move || spec_link.get().map(|link| view! {
                    <span class="hint">"Link copied (the spec only: no data, no weights). "
                        <a href=link.clone() data-testid="spec-link">"Open it"</a></span>
                })}
            </div>
            <details class="spec-json">
                <summary>"The model as JSON (copy out, paste back in)"</summary>
                <textarea
                    data-testid="spec-json"
                    aria-label="Model spec as JSON"
                    rows="10"
                    prop:value=move || specs.with(SpecState::json)
                    on:input=move |event| pasted.set(event_target_value(&event))
                ></textarea>
                <div class="row">
                    <button type="button" data-testid="copy-spec" on:click=move |_| {
                        browser::clipboard::copy_text(&specs.with_untracked(SpecState::json));
                    }>"Copy"</button>
                    <button type="button" data-testid="apply-spec" on:click=move |_| {
                        let text = pasted.get_untracked();
                        if !text.trim().is_empty() {
                            let shape = shape.get_untracked();
                            specs.update(|specs| specs.paste(&text, shape));
                        }
                    }>"Use the pasted spec"</button>
                </div>
            </details>
        </div>
    }
}
