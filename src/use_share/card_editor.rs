//! The model card: what the model file says about the model, with the fields people write.

use leptos::prelude::*;

use crate::browser;
use crate::context;

/// The model card: what the file says about the model, with the fields people write.
#[component]
pub fn CardEditor(
    card: hearth_core::model::summary::ModelCard,
    /// The model it was built on, if any.
    origin: Option<hearth_core::model::Origin>,
) -> impl IntoView {
    let keeper = context::keeper();
    // Edits made since the model arrived are the keeper's (the engine has them too).
    let card = keeper
        .card()
        .filter(|kept| kept.name == card.name)
        .unwrap_or(card);
    let intended = RwSignal::new(card.intended_use.clone());
    let limits = RwSignal::new(card.limitations.clone());
    let save = move || keeper.set_card(intended.get_untracked(), limits.get_untracked());
    view! {
        <section class="card" aria-labelledby="card-heading" data-testid="model-card">
            <h3 id="card-heading">"Model card"</h3>
            <p><strong>{card.name.clone()}</strong>{(!card.description.is_empty()).then(|| format!(": {}", card.description))}</p>
            {origin.map(|origin| view! {
                <p class="origin" data-testid="card-origin">{format!("Built on {}: {}. Its file's SHA-256 is {}.", origin.model, origin.kept_summary(), origin.sha256)}</p>
            })}
            {card.trained_at.clone().map(|date| view! { <p class="hint">{format!("Trained {}.", browser::clock::local_date(browser::clock::parse_date(&date)))}</p> })}
            <label class="field wide">"Intended use"
                <textarea rows="2" data-testid="card-intended-use" prop:value=move || intended.get()
                    placeholder="Who should use this model, for what (e.g. teaching, a first screen before a person decides)"
                    on:input=move |event| intended.set(event_target_value(&event))
                    on:change=move |_| save()></textarea>
            </label>
            <label class="field wide">"Limitations"
                <textarea rows="2" data-testid="card-limitations" prop:value=move || limits.get()
                    placeholder="What it must not be used for, and where it is known to be weak"
                    on:input=move |event| limits.set(event_target_value(&event))
                    on:change=move |_| save()></textarea>
            </label>
            <p class="hint">"The card also lists the architecture, the data it reads, training and its cost, and the test metrics overall and per group. It travels inside the model file."</p>
            <button type="button" data-testid="download-card" on:click=move |_| keeper.download_card()>"Download the model card (.md)"</button>
        </section>
    }
}
