//! The app's components. They render [`EngineStatus`] and forward user actions; the
//! decisions live in plain structs tested natively.

use hearth_core::protocol::{FromEngine, ToEngine};
use leptos::prelude::*;

use crate::data_panel::DataPanel;
use crate::data_state::DataState;
use crate::engine_status::{EngineStatus, Phase};
use crate::evaluate_panel::{EvalState, EvaluatePanel};
use crate::keeping::Keeper;
use crate::platform::{self, EngineLink};
use crate::steps::Step;
use crate::studio_panels::{ModelPanel, TrainPanel, UsePanel};
use crate::studio_state::{SpecState, TrainState, UseState};

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let status = RwSignal::new(EngineStatus::new(platform::load_force_cpu()));
    let current_step = RwSignal::new(Step::Data);
    let data = RwSignal::new(DataState::default());
    let specs = RwSignal::new(SpecState::default());
    let train = RwSignal::new(TrainState::default());
    let uses = RwSignal::new(UseState::default());
    let eval = RwSignal::new(EvalState::default());

    let link = StoredValue::new_local(None::<EngineLink>);
    let keeper = Keeper::new(link, data, specs, train);
    provide_context(keeper);
    let engine = Engine {
        link,
        status,
        data,
        train,
        uses,
        eval,
        keeper,
        first: StoredValue::new(true),
    };
    engine.connect();
    let send = move |message| platform::send(link, message);

    // A shared link (`#spec=…`) opens its model spec in the Model step.
    let open_link = move || {
        let Some(fragment) = platform::fragment() else {
            return;
        };
        if !fragment.starts_with("#spec=") {
            return;
        }
        if specs
            .try_update(|specs| specs.open_link(&fragment))
            .unwrap_or(false)
        {
            keeper.spec_from_link();
        }
        current_step.set(Step::Model);
        platform::clear_fragment();
    };
    open_link();
    platform::on_hash_change(open_link);

    view! {
        <header class="topbar">
            <div class="brand">
                <Logo />
                <div>
                    <h1>"Hearth"</h1>
                    <p class="tagline">
                        "Machine learning in your browser. Your data never leaves this device."
                    </p>
                </div>
            </div>
            <BackendControl status=status on_force_cpu=move |force_cpu| {
                platform::save_force_cpu(force_cpu);
                let message = status
                    .try_update(|status| status.set_force_cpu(force_cpu))
                    .flatten();
                send(message);
            } />
        </header>
        <StepNav current=current_step />
        <main id="main">
            <StepPanel step=current_step status=status data=data specs=specs train=train uses=uses eval=eval link=link on_self_test=move || {
                let message = status.try_update(|status| status.start_self_test()).flatten();
                send(message);
            } />
        </main>
        <EngineStatusBar status=status on_restart=move || engine.restart() />
    }
}

/// The page's side of the engine: connecting to its worker, handing every message to
/// the states, and starting a new worker when one crashed. Cheap to copy.
#[derive(Clone, Copy)]
struct Engine {
    link: platform::Link,
    status: RwSignal<EngineStatus>,
    data: RwSignal<DataState>,
    train: RwSignal<TrainState>,
    uses: RwSignal<UseState>,
    eval: RwSignal<EvalState>,
    keeper: Keeper,
    /// Whether this is the page's first engine (test hooks apply to it only).
    first: StoredValue<bool>,
}

impl Engine {
    fn connect(self) {
        match EngineLink::connect() {
            Ok(engine) => {
                let reply_link = engine.clone();
                engine.listen(move |message, bytes| {
                    if matches!(message, FromEngine::Ready { .. })
                        && self.first.get_value()
                        && platform::debug_engine_panic_requested()
                    {
                        self.first.set_value(false);
                        reply_link.send(&ToEngine::PanicAfterEpoch { after_epoch: 1 });
                    }
                    self.data.update(|data| data.on_message(&message));
                    self.train.update(|train| train.on_message(&message));
                    self.uses.update(|uses| uses.on_message(&message));
                    self.eval.update(|eval| eval.on_message(&message));
                    self.keeper.on_message(&message, bytes);
                    let replies = self
                        .status
                        .try_update(|status| status.on_message(message))
                        .unwrap_or_default();
                    for reply in &replies {
                        reply_link.send(reply);
                    }
                });
                self.link.set_value(Some(engine));
            }
            Err(message) => {
                self.status
                    .update(|status| status.phase = Phase::Failed { message });
            }
        }
    }

    /// Ends the crashed worker and starts a new one, which gets the page's work back.
    fn restart(self) {
        if let Some(old) = self.link.try_update_value(Option::take).flatten() {
            old.terminate();
        }
        self.first.set_value(false);
        self.status.update(EngineStatus::restart);
        self.keeper.engine_restarting();
        self.connect();
    }
}

/// The flame mark, drawn inline so the page needs no image request.
#[component]
fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="36" height="36" aria-hidden="true">
            <path
                d="M16 2c1 6 8 9 8 17a8 8 0 0 1-16 0c0-4 2-6 4-8 0 3 1 5 3 6-1-6 1-11 1-15z"
                fill="#e8643a"
            />
            <path d="M16 16c1 3 4 4 4 8a4 4 0 0 1-8 0c0-3 3-4 4-8z" fill="#f6b23c" />
        </svg>
    }
}

/// Which backend computes, and the switch to force the CPU.
#[component]
fn BackendControl(
    status: RwSignal<EngineStatus>,
    on_force_cpu: impl Fn(bool) + 'static,
) -> impl IntoView {
    let label = move || status.with(|status| status.backend_label());
    let force_cpu = move || status.with(|status| status.force_cpu);
    view! {
        <div class="backend">
            <span data-testid="backend">"Backend: " <strong>{label}</strong></span>
            <label class="toggle">
                <input
                    type="checkbox"
                    data-testid="force-cpu"
                    prop:checked=force_cpu
                    on:change=move |event| on_force_cpu(event_target_checked(&event))
                />
                "Force CPU"
            </label>
        </div>
    }
}

/// The studio's steps, in order; the current one is marked for assistive technology.
#[component]
fn StepNav(current: RwSignal<Step>) -> impl IntoView {
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

/// The current step's panel.
#[component]
fn StepPanel(
    step: RwSignal<Step>,
    status: RwSignal<EngineStatus>,
    data: RwSignal<DataState>,
    specs: RwSignal<SpecState>,
    train: RwSignal<TrainState>,
    uses: RwSignal<UseState>,
    eval: RwSignal<EvalState>,
    link: platform::Link,
    on_self_test: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let current = step.get();
        view! {
            <section class="panel" aria-labelledby="panel-title" data-testid=format!("panel-{}", current.id())>
                <h2 id="panel-title">{format!("{}. {}", current.number(), current.title())}</h2>
                <p class="summary">{current.summary()}</p>
                {(current == Step::Data).then(|| view! { <DataPanel data=data status=status link=link /> })}
                {(current == Step::Model).then(|| view! { <ModelPanel data=data specs=specs /> })}
                {(current == Step::Train)
                    .then(|| view! {
                        <TrainPanel train=train data=data specs=specs status=status link=link />
                        <EngineCheck status=status on_run=on_self_test />
                    })}
                {(current == Step::Evaluate).then(|| view! { <EvaluatePanel eval=eval train=train specs=specs status=status link=link /> })}
                {(current == Step::UseAndShare).then(|| view! { <UsePanel uses=uses link=link /> })}
            </section>
        }
    }
}

/// Trains a tiny network in the engine and shows its loss falling.
#[component]
fn EngineCheck(status: RwSignal<EngineStatus>, on_run: impl Fn() + 'static) -> impl IntoView {
    let ready = move || status.with(|status| status.is_ready() && !status.self_test.running);
    let result = move || {
        status.with(|status| {
            let test = &status.self_test;
            let (first, last) = (test.losses.first()?, test.losses.last()?);
            let speed = test
                .steps_per_second
                .map(|speed| format!(" at {speed:.0} steps per second"))
                .unwrap_or_default();
            Some(format!(
                "Loss {first:.3} → {last:.3} over {} steps{speed} on {}.",
                test.losses.len(),
                status.backend_label()
            ))
        })
    };
    let points = move || status.with(|status| loss_polyline(&status.self_test.losses, 240.0, 60.0));
    let notice = move || status.with(|status| status.notice.clone());
    view! {
        <div class="engine-check">
            <h3>"Engine check"</h3>
            <p>"Trains a tiny network for a few steps, to show that the engine computes on this device."</p>
            <button type="button" data-testid="self-test" prop:disabled=move || !ready() on:click=move |_| on_run()>
                "Run engine check"
            </button>
            <svg class="sparkline" class:empty=move || status.with(|status| status.self_test.losses.is_empty())
                viewBox="0 0 240 60" width="240" height="60" role="img" aria-label="Loss per step">
                <polyline points=points fill="none" stroke="currentColor" stroke-width="2" />
            </svg>
            <p data-testid="self-test-result" aria-live="polite">{result}</p>
            <p class="notice" role="status">{notice}</p>
        </div>
    }
}

/// Scales `losses` into SVG polyline points inside a `width` x `height` box.
pub fn loss_polyline(losses: &[f32], width: f64, height: f64) -> String {
    if losses.is_empty() {
        return String::new();
    }
    let max = losses.iter().copied().fold(f32::MIN, f32::max) as f64;
    let min = losses.iter().copied().fold(f32::MAX, f32::min) as f64;
    let span = (max - min).max(f64::EPSILON);
    let step = width / (losses.len().max(2) - 1) as f64;
    losses
        .iter()
        .enumerate()
        .map(|(index, loss)| {
            let x = index as f64 * step;
            let y = height - 2.0 - (*loss as f64 - min) / span * (height - 4.0);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The engine's loading progress and state, always visible at the bottom.
#[component]
fn EngineStatusBar(
    status: RwSignal<EngineStatus>,
    on_restart: impl Fn() + 'static,
) -> impl IntoView {
    let summary = move || status.with(|status| status.summary());
    let fraction = move || status.with(|status| status.loading_fraction());
    let failed = move || status.with(EngineStatus::has_failed);
    view! {
        <footer class="statusbar" class:failed=failed>
            <progress max="1" value=move || fraction().map(|value| value.to_string()) aria-label="Engine loading"></progress>
            <span data-testid="engine-status" role="status">{summary}</span>
            <button type="button" data-testid="restart-engine" hidden=move || !failed()
                on:click=move |_| on_restart()>"Restart the engine"</button>
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::loss_polyline;

    #[test]
    fn polyline_spans_the_box_from_highest_to_lowest_loss() {
        let points = loss_polyline(&[1.0, 0.5, 0.0], 100.0, 50.0);
        assert_eq!(points, "0.0,2.0 50.0,25.0 100.0,48.0");
        assert_eq!(loss_polyline(&[], 100.0, 50.0), "");
    }
}
