//! The Train step's panel: Train / Pause / Resume / Stop, the run's state and progress,
//! and the charts.

use leptos::prelude::*;

use super::charts::{AccuracyChart, HistoryTable, LossChart};
use super::settings::TrainSettings;
use super::state::{RunPhase, TrainState};
use crate::context;
use crate::engine::link::send;

/// Step 3: the settings, Train / Pause / Resume / Stop, progress and live charts.
#[component]
pub fn TrainPanel() -> impl IntoView {
    let train = context::train();
    let specs = context::specs();
    let status = context::status();
    let link = context::link();
    let problem = RwSignal::new(None::<String>);
    let ready = move || status.with(|status| status.is_ready());
    let phase = move || train.with(|train| train.phase.clone());
    let uses = context::uses();
    // The model in use, which "Train further" goes on from: its name and epochs.
    let in_use = move || {
        uses.with(|uses| {
            uses.model.as_ref().map(|model| {
                let epochs = model.history.last().map_or(0, |record| record.epoch);
                (model.name.clone(), epochs)
            })
        })
    };
    let run = move |start: &dyn Fn(
        &mut TrainState,
    ) -> Result<hearth_core::protocol::ToEngine, String>| {
        match train.try_update(|train| start(train)) {
            Some(Ok(message)) => {
                problem.set(None);
                send(link, Some(message));
            }
            Some(Err(message)) => problem.set(Some(message)),
            None => {}
        }
    };
    let on_train = move |_| {
        let spec = specs.with_untracked(|specs| specs.spec.clone());
        run(&|train: &mut TrainState| train.start(spec.as_ref()));
    };
    let on_further = move |_| run(&TrainState::further);
    view! {
        <div class="train-panel">
            <TrainSettings />
            <div class="row controls" role="group" aria-label="Training controls">
                <button type="button" class="primary" data-testid="train"
                    prop:disabled=move || !ready() || train.with(TrainState::busy)
                    on:click=on_train>"Train"</button>
                <button type="button" data-testid="train-further"
                    prop:disabled=move || !ready() || train.with(TrainState::busy) || in_use().is_none()
                    on:click=on_further>"Train further"</button>
                <button type="button" data-testid="pause"
                    prop:disabled=move || phase() != RunPhase::Running
                    on:click=move |_| send(link, train.try_update(|train| train.pause()).flatten())>"Pause"</button>
                <button type="button" data-testid="resume"
                    prop:disabled=move || phase() != RunPhase::Paused
                    on:click=move |_| send(link, train.try_update(|train| train.resume()).flatten())>"Resume"</button>
                <button type="button" data-testid="stop"
                    prop:disabled=move || !matches!(phase(), RunPhase::Running | RunPhase::Paused)
                    on:click=move |_| send(link, train.try_update(|train| train.stop()).flatten())>"Stop"</button>
                <span class="run-state" data-testid="run-state" role="status">{move || run_label(&phase())}</span>
            </div>
            <p class="hint" data-testid="further-hint">{move || match in_use() {
                Some((name, epochs)) => format!(
                    "\u{201c}Train\u{201d} starts a new model with step 2's layers. \u{201c}Train further\u{201d} goes on from the model in use, {name} ({}), for the epochs set above, on the data loaded: its weights, preprocessing and classes stay.",
                    hearth_core::text::counted(u64::from(epochs), "epoch")
                ),
                None => "\u{201c}Train\u{201d} starts a new model with step 2's layers.".to_string(),
            }}</p>
            {move || specs.with(|specs| specs.spec.as_ref().and_then(|spec| spec.origin.clone())).map(|origin| view! {
                <p class="hint" data-testid="train-origin">{kept_sentence(&origin)}</p>
            })}
            {move || problem.get().map(|problem| view! { <p class="problem" role="alert" data-testid="train-problem">{problem}</p> })}
            {move || match phase() {
                RunPhase::Failed { message } => Some(view! { <p class="problem" role="alert" data-testid="train-failed">{message}</p> }),
                _ => None,
            }}
            {move || train.with(|train| train.notice.clone()).map(|notice| view! { <p class="notice" role="status" data-testid="train-notice">{notice}</p> })}
            <BackendVerdict />
            <div class="train-progress">
                <progress max="1" value=move || train.with(TrainState::fraction).to_string() aria-label="Training progress"></progress>
                <span data-testid="train-progress">{move || train.with(TrainState::progress_text)}</span>
                <span class="memory" data-testid="engine-memory"
                    data-bytes=move || train.with(|train| train.memory_bytes.map(|bytes| bytes.to_string()))>{move || train.with(TrainState::memory_text)}</span>
            </div>
            <p class="latest" data-testid="train-latest" aria-live="polite">{move || train.with(TrainState::latest_text)}</p>
            <label class="toggle">
                <input type="checkbox" data-testid="log-scale" prop:checked=move || train.with(|train| train.log_scale)
                    on:change=move |event| train.update(|train| train.log_scale = event_target_checked(&event)) />
                "Log scale (loss)"
            </label>
            <div class="charts">
                <LossChart />
                <AccuracyChart />
            </div>
            <HistoryTable />
        </div>
    }
}

fn run_label(phase: &RunPhase) -> String {
    match phase {
        RunPhase::Idle => "Not trained yet".to_string(),
        RunPhase::Starting => "Starting…".to_string(),
        RunPhase::Running => "Training".to_string(),
        RunPhase::Paused => "Paused".to_string(),
        RunPhase::Stopping => "Stopping…".to_string(),
        RunPhase::Finished { reason } => format!("Done: {reason}"),
        RunPhase::Failed { .. } => "Failed".to_string(),
    }
}

/// What "Train" does to the layers kept from another model.
fn kept_sentence(origin: &hearth_core::model::Origin) -> String {
    let layers = match origin.kept_layers {
        1 => "Layer 1 is".to_string(),
        kept => format!("Layers 1\u{2013}{kept} are"),
    };
    if origin.frozen {
        format!(
            "{layers} kept from {} and frozen: no gradients are computed or stored for them, and only the layers after them learn.",
            origin.model
        )
    } else {
        format!(
            "{layers} kept from {} and fine-tuned at {} \u{d7} the learning rate; the layers after them learn at the full rate.",
            origin.model, origin.kept_rate
        )
    }
}

/// How the run's backend was chosen (the trial of the model on the CPU and on WebGPU),
/// and the choice to skip the trial and train on WebGPU.
#[component]
fn BackendVerdict() -> impl IntoView {
    let (train, status, link) = (context::train(), context::status(), context::link());
    let gpu_in_play = move || {
        status.with(|status| {
            !status.force_cpu && status.gpu == crate::engine::status::GpuEngine::InUse
        })
    };
    let on_prefer = move |prefer: bool| {
        crate::browser::preferences::save_prefer_webgpu(prefer);
        let message = status
            .try_update(|status| status.set_prefer_webgpu(prefer))
            .flatten();
        send(link, message);
    };
    move || {
        let verdict = train.with(|train| train.verdict);
        (gpu_in_play() || verdict.is_some()).then(|| view! {
            <div class="backend-verdict">
                {verdict.map(|verdict| view! {
                    <p class="hint" data-testid="backend-verdict"
                        data-chosen=verdict.chosen.label()
                        data-cpu=verdict.cpu.steps_per_second().to_string()
                        data-webgpu=verdict.webgpu.steps_per_second().to_string()>{verdict.describe()}</p>
                })}
                <label class="toggle">
                    <input type="checkbox" data-testid="prefer-webgpu"
                        prop:checked=move || status.with(|status| status.prefer_webgpu)
                        on:change=move |event| on_prefer(event_target_checked(&event)) />
                    "Train on WebGPU without a trial"
                </label>
            </div>
        })
    }
}
