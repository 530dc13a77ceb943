//! The step navigation and the current step's panel.

use leptos::prelude::*;

use super::chunks::{evaluate_step, lazily, model_step, train_step, use_step};
use super::steps::Step;
use crate::data::panel::DataPanel;

/// The studio's steps, in order; the current one is marked for assistive technology.
#[component]
pub fn StepNav(current: RwSignal<Step>) -> impl IntoView {
    view! {
        <nav class="steps" aria-label="Steps">
            <ol>
                {Step::ALL
                    .into_iter()
                    .map(|step| {
                        let is_current = move || current.get() == step;
                        view! {
                            <li>
                                <button
                                    type="button"
                                    data-testid=format!("step-{}", step.id())
                                    aria-current=move || is_current().then_some("step")
                                    class:current=is_current
                                    on:click=move |_| current.set(step)
                                >
                                    <span class="number">{step.number()}</span>
                                    {step.title()}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// The current step's panel. Data's is drawn at once; the others come from their chunks
/// (see [`super::chunks`]).
#[component]
pub fn StepPanel(step: RwSignal<Step>) -> impl IntoView {
    move || {
        let current = step.get();
        let content = match current {
            Step::Data => view! { <DataPanel /> }.into_any(),
            Step::Model => lazily(model_step).into_any(),
            Step::Train => lazily(train_step).into_any(),
            Step::Evaluate => lazily(evaluate_step).into_any(),
            Step::UseAndShare => lazily(use_step).into_any(),
        };
        view! {
            <section class="panel" aria-labelledby="panel-title" data-testid=format!("panel-{}", current.id())>
                <h2 id="panel-title">{format!("{}. {}", current.number(), current.title())}</h2>
                <p class="summary">{current.summary()}</p>
                {content}
            </section>
        }
    }
}
