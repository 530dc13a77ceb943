//! The run's hyperparameters.

use hearth_core::model::{Optimizer, Schedule};
use leptos::prelude::*;

use super::state::{TrainState, sensitive_columns, weight_choices, weights_from_id, weights_id};
use crate::context;

/// The hyperparameters.
#[component]
pub fn TrainSettings() -> impl IntoView {
    let train = context::train();
    let data = context::data();
    let disabled = move || train.with(TrainState::busy);
    let number_field = move |id: &'static str,
                             label: &'static str,
                             step: &'static str,
                             get: fn(&TrainState) -> String,
                             apply: fn(&mut TrainState, f64)| {
        view! {
            <label class="field">
                {label}
                <input type="number" step=step min="0" data-testid=id
                    prop:value=move || train.with(get)
                    prop:disabled=disabled
                    on:change=move |event| {
                        if let Ok(value) = event_target_value(&event).trim().parse::<f64>() {
                            train.update(|train| apply(train, value));
                        }
                    } />
            </label>
        }
    };
    view! {
        <fieldset class="settings">
            <legend>"Settings"</legend>
            <label class="field">
                "Optimizer"
                <select data-testid="optimizer" prop:disabled=disabled on:change=move |event| {
                    if let Some(optimizer) = Optimizer::parse(&event_target_value(&event)) {
                        train.update(|train| train.config.optimizer = optimizer);
                    }
                }>
                    {[("adam", "Adam"), ("adamw", "AdamW"), ("sgd", "SGD"), ("momentum", "SGD + momentum"), ("nesterov", "SGD + Nesterov"), ("rmsprop", "RMSprop")]
                        .into_iter()
                        .map(|(id, label)| view! {
                            <option value=id selected=move || train.with(|train| optimizer_id(&train.config.optimizer)) == id>{label}</option>
                        })
                        .collect_view()}
                </select>
            </label>
            {number_field("learning-rate", "Learning rate", "0.0001", |t| t.config.learning_rate.to_string(), |t, v| t.config.learning_rate = v)}
            <label class="field">
                "Schedule"
                <select data-testid="schedule" prop:disabled=disabled on:change=move |event| {
                    let schedule = match event_target_value(&event).as_str() {
                        "cosine" => Schedule::Cosine { min_fraction: 0.0 },
                        "step" => Schedule::Step { every_epochs: 5, factor: 0.5 },
                        _ => Schedule::Constant,
                    };
                    train.update(|train| train.config.schedule = schedule);
                }>
                    <option value="constant">"Constant"</option>
                    <option value="step">"Halve every 5 epochs"</option>
                    <option value="cosine">"Cosine decay"</option>
                </select>
            </label>
            {number_field("batch-size", "Batch size", "1", |t| t.config.batch_size.to_string(), |t, v| t.config.batch_size = v.max(0.0) as usize)}
            {number_field("epochs", "Epochs", "1", |t| t.config.epochs.to_string(), |t, v| t.config.epochs = v.max(0.0) as u32)}
            {number_field("l1", "L1 penalty", "0.0001", |t| t.config.l1.to_string(), |t, v| t.config.l1 = v)}
            {number_field("l2", "L2 penalty", "0.0001", |t| t.config.l2.to_string(), |t, v| t.config.l2 = v)}
            {number_field("seed", "Seed", "1", |t| t.config.seed.to_string(), |t, v| t.config.seed = v.max(0.0) as u64)}
            <label class="field">
                "Example weights"
                <select data-testid="weights" prop:disabled=disabled on:change=move |event| {
                    let weights = weights_from_id(&event_target_value(&event));
                    train.update(|train| train.config.weights = weights);
                }>
                    {move || {
                        let current = train.with(|train| weights_id(&train.config.weights));
                        weight_choices(&data.with(sensitive_columns), &current)
                            .into_iter()
                            .map(|(id, label)| {
                                let selected = id == current;
                                view! { <option value=id selected=selected>{label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label class="toggle">
                <input type="checkbox" data-testid="early-stopping" prop:disabled=disabled
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        train.update(|train| train.config.early_stopping = on.then_some(hearth_core::model::EarlyStopping { patience: 3, restore_best: true }));
                    } />
                "Stop early (3 epochs without a better validation loss; keep the best)"
            </label>
        </fieldset>
    }
}

fn optimizer_id(optimizer: &Optimizer) -> &'static str {
    match optimizer {
        Optimizer::Sgd { momentum, nesterov } if *momentum > 0.0 => {
            if *nesterov {
                "nesterov"
            } else {
                "momentum"
            }
        }
        other => other.label(),
    }
}
