//! The Model, Train and Use steps' panels. They render [`crate::studio_state`] and send
//! the messages its methods return.

use hearth_core::data::summary::Task;
use hearth_core::digits;
use hearth_core::model::summary::{InputKind, ModelInput, ModelSource, PredictInput};
use hearth_core::model::{Activation, Layer, Optimizer, Padding, Schedule, Shape};
use hearth_core::text::thousands;
use leptos::prelude::*;

use crate::data_panel::Thumbnail;
use crate::data_state::DataState;
use crate::engine_status::EngineStatus;
use crate::keeping::Keeper;
use crate::platform::{self, Link, send};
use crate::session::bytes_label;
use crate::studio_state::{
    DataShape, LAYER_KINDS, Preset, RunPhase, SpecState, TrainState, UseState, layer_kind,
    saliency_rgba, sensitive_columns, weight_choices, weights_from_id, weights_id,
};

// ---------------------------------------------------------------------------------------
// Model

/// Step 2: presets, the layer list with live shapes and parameter counts, and the spec as
/// JSON.
#[component]
pub fn ModelPanel(data: RwSignal<DataState>, specs: RwSignal<SpecState>) -> impl IntoView {
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
            <LayerTable specs=specs />
            <AddLayer specs=specs />
            {move || {
                specs
                    .with(|specs| specs.problem.clone())
                    .map(|problem| {
                        view! { <p class="problem" role="alert" data-testid="spec-problem">{problem}</p> }
                    })
            }}
            <div class="row share-link">
                <button type="button" data-testid="copy-spec-link" prop:disabled=move || specs.with(|specs| specs.spec.is_none()) on:click=move |_| {
                    let link = specs.with_untracked(SpecState::link_text).and_then(|text| platform::spec_link(&text));
                    if let Some(link) = link {
                        platform::copy_text(&link);
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
                        platform::copy_text(&specs.with_untracked(SpecState::json));
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

/// The layers with their output shapes and parameters, editable in place.
#[component]
fn LayerTable(specs: RwSignal<SpecState>) -> impl IntoView {
    move || {
        let Some(spec) = specs.with(|specs| specs.spec.clone()) else {
            return ().into_any();
        };
        let inferred = spec.infer();
        let (infos, error) = match &inferred {
            Ok(infos) => (infos.clone(), None),
            Err(error) => (Vec::new(), Some(error.clone())),
        };
        let error_at = |layer: usize| {
            error
                .as_ref()
                .filter(|error| error.layer == layer)
                .map(|error| error.message.clone())
        };
        let input_label = Shape::from(spec.input).label();
        let count = spec.layers.len();
        let rows = spec
            .layers
            .iter()
            .enumerate()
            .map(|(index, layer)| {
                let info = infos.get(index).cloned();
                let problem = error_at(index + 1);
                let layer = *layer;
                view! {
                    <tr class:error=problem.is_some() data-testid=format!("layer-{}", index + 1)>
                        <th scope="row">{index + 1}</th>
                        <td><LayerEditor index=index layer=layer specs=specs /></td>
                        <td class="shape" data-testid=format!("layer-{}-shape", index + 1)>
                            {info.as_ref().map(|info| info.output.label()).unwrap_or_else(|| "?".into())}
                        </td>
                        <td class="number">{info.as_ref().map(|info| thousands(info.params))}</td>
                        <td class="actions">
                            <button type="button" aria-label=format!("Move layer {} up", index + 1)
                                prop:disabled=index == 0
                                on:click=move |_| specs.update(|specs| specs.shift(index, -1))>"↑"</button>
                            <button type="button" aria-label=format!("Move layer {} down", index + 1)
                                prop:disabled=index + 1 == count
                                on:click=move |_| specs.update(|specs| specs.shift(index, 1))>"↓"</button>
                            <button type="button" aria-label=format!("Remove layer {}", index + 1)
                                data-testid=format!("remove-layer-{}", index + 1)
                                on:click=move |_| specs.update(|specs| specs.remove(index))>"✕"</button>
                        </td>
                    </tr>
                    {problem.map(|problem| view! {
                        <tr class="error-message"><td colspan="5" role="alert" data-testid="layer-error">
                            {format!("Layer {}: {problem}", index + 1)}
                        </td></tr>
                    })}
                }
            })
            .collect_view();
        let head = infos.last().cloned();
        let head_problem = error_at(count + 1);
        let total = inferred
            .as_ref()
            .ok()
            .map(|_| (spec.params(), spec.flops()));
        view! {
            <div class="layers-wrap"><table class="layers" data-testid="layers">
                <caption>"Layers, each with its output shape and parameter count"</caption>
                <thead><tr><th scope="col">"#"</th><th scope="col">"Layer"</th><th scope="col">"Output"</th><th scope="col">"Parameters"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                <tbody>
                    <tr><th scope="row">"in"</th><td>"Input"</td><td class="shape">{input_label}</td><td></td><td></td></tr>
                    {rows}
                    <tr class:error=head_problem.is_some()>
                        <th scope="row">"out"</th>
                        <td>{head_label(spec.task, spec.outputs)}</td>
                        <td class="shape">{head.as_ref().map(|info| info.output.label())}</td>
                        <td class="number">{head.as_ref().map(|info| thousands(info.params))}</td>
                        <td></td>
                    </tr>
                    {head_problem.map(|problem| view! {
                        <tr class="error-message"><td colspan="5" role="alert" data-testid="layer-error">{format!("Output: {problem}")}</td></tr>
                    })}
                </tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3">"Total"</th>
                        <td class="number" data-testid="total-params">{total.map(|(params, _)| thousands(params))}</td>
                        <td class="flops">{total.map(|(_, flops)| format!("{} FLOPs per example", thousands(flops)))}</td>
                    </tr>
                </tfoot>
            </table></div>
        }
        .into_any()
    }
}

fn head_label(task: Task, outputs: usize) -> String {
    match task {
        Task::MultiClass => format!("Output: {outputs} classes, softmax"),
        Task::Binary => "Output: 1 unit, sigmoid".to_string(),
        Task::Regression => "Output: 1 value, linear".to_string(),
    }
}

/// One layer's settings.
#[component]
fn LayerEditor(index: usize, layer: Layer, specs: RwSignal<SpecState>) -> impl IntoView {
    let set = move |layer: Layer| specs.update(|specs| specs.set(index, layer));
    let number =
        move |label: &'static str, value: usize, min: usize, apply: fn(Layer, usize) -> Layer| {
            view! {
                <label class="field">
                    {label}
                    <input type="number" min=min.to_string() value=value.to_string()
                        aria-label=format!("Layer {} {}", index + 1, label)
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).trim().parse::<usize>()
                                && value >= min
                            {
                                set(apply(layer, value));
                            }
                        } />
                </label>
            }
        };
    let activation = move |current: Activation, apply: fn(Layer, Activation) -> Layer| {
        view! {
            <label class="field">
                "activation"
                <select aria-label=format!("Layer {} activation", index + 1) on:change=move |event| {
                    let chosen = event_target_value(&event);
                    if let Some(activation) = Activation::ALL.into_iter().find(|a| a.label() == chosen) {
                        set(apply(layer, activation));
                    }
                }>
                    {Activation::ALL.into_iter().map(|a| view! {
                        <option value=a.label() selected=a == current>{a.label()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let kind = LAYER_KINDS
        .iter()
        .find(|(id, _)| *id == layer_kind(&layer))
        .map_or("", |(_, label)| label);
    let fields = match layer {
        Layer::Dense { units, activation: act } => view! {
            {number("units", units, 1, |layer, units| match layer {
                Layer::Dense { activation, .. } => Layer::Dense { units, activation },
                other => other,
            })}
            {activation(act, |layer, activation| match layer {
                Layer::Dense { units, .. } => Layer::Dense { units, activation },
                other => other,
            })}
        }
        .into_any(),
        Layer::Conv2d { filters, kernel, stride, padding, activation: act } => view! {
            {number("filters", filters, 1, |layer, filters| match layer {
                Layer::Conv2d { kernel, stride, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            {number("kernel", kernel, 1, |layer, kernel| match layer {
                Layer::Conv2d { filters, stride, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            {number("stride", stride, 1, |layer, stride| match layer {
                Layer::Conv2d { filters, kernel, padding, activation, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
            <label class="field">
                "padding"
                <select aria-label=format!("Layer {} padding", index + 1) on:change=move |event| {
                    let padding = if event_target_value(&event) == "same" { Padding::Same } else { Padding::Valid };
                    if let Layer::Conv2d { filters, kernel, stride, activation, .. } = layer {
                        set(Layer::Conv2d { filters, kernel, stride, padding, activation });
                    }
                }>
                    <option value="valid" selected=padding == Padding::Valid>"valid"</option>
                    <option value="same" selected=padding == Padding::Same>"same"</option>
                </select>
            </label>
            {activation(act, |layer, activation| match layer {
                Layer::Conv2d { filters, kernel, stride, padding, .. } => Layer::Conv2d { filters, kernel, stride, padding, activation },
                other => other,
            })}
        }
        .into_any(),
        Layer::MaxPool2d { size, .. } => number("size", size, 1, |_, size| Layer::MaxPool2d { size, stride: None }).into_any(),
        Layer::AvgPool2d { size, .. } => number("size", size, 1, |_, size| Layer::AvgPool2d { size, stride: None }).into_any(),
        Layer::Flatten => ().into_any(),
        Layer::Dropout { rate } => view! {
            <label class="field">
                "rate"
                <input type="number" min="0" max="0.95" step="0.05" value=rate.to_string()
                    aria-label=format!("Layer {} dropout rate", index + 1)
                    on:change=move |event| {
                        if let Ok(rate) = event_target_value(&event).trim().parse::<f32>()
                            && (0.0..1.0).contains(&rate)
                        {
                            set(Layer::Dropout { rate });
                        }
                    } />
            </label>
        }
        .into_any(),
        Layer::BatchNorm { activation: act } => activation(act, |_, activation| Layer::BatchNorm { activation }).into_any(),
    };
    view! {
        <div class="layer-editor">
            <strong>{kind}</strong>
            {fields}
        </div>
    }
}

/// "Add layer": a kind and a button.
#[component]
fn AddLayer(specs: RwSignal<SpecState>) -> impl IntoView {
    let kind = RwSignal::new("dense".to_string());
    view! {
        <div class="row add-layer">
            <label>
                "Add a layer "
                <select data-testid="add-layer-kind" on:change=move |event| kind.set(event_target_value(&event))>
                    {LAYER_KINDS.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" data-testid="add-layer"
                prop:disabled=move || specs.with(|specs| specs.spec.is_none())
                on:click=move |_| specs.update(|specs| specs.add(&kind.get_untracked()))>"Add"</button>
        </div>
    }
}

// ---------------------------------------------------------------------------------------
// Train

/// Step 3: the settings, Train / Pause / Resume / Stop, progress and live charts.
#[component]
pub fn TrainPanel(
    train: RwSignal<TrainState>,
    data: RwSignal<DataState>,
    specs: RwSignal<SpecState>,
    status: RwSignal<EngineStatus>,
    link: Link,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let ready = move || status.with(|status| status.is_ready());
    let phase = move || train.with(|train| train.phase.clone());
    let on_train = move |_| {
        let spec = specs.with_untracked(|specs| specs.spec.clone());
        match train.try_update(|train| train.start(spec.as_ref())) {
            Some(Ok(message)) => {
                problem.set(None);
                send(link, Some(message));
            }
            Some(Err(message)) => problem.set(Some(message)),
            None => {}
        }
    };
    view! {
        <div class="train-panel">
            <TrainSettings train=train data=data />
            <div class="row controls" role="group" aria-label="Training controls">
                <button type="button" class="primary" data-testid="train"
                    prop:disabled=move || !ready() || train.with(TrainState::busy)
                    on:click=on_train>"Train"</button>
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
            {move || problem.get().map(|problem| view! { <p class="problem" role="alert" data-testid="train-problem">{problem}</p> })}
            {move || match phase() {
                RunPhase::Failed { message } => Some(view! { <p class="problem" role="alert" data-testid="train-failed">{message}</p> }),
                _ => None,
            }}
            {move || train.with(|train| train.notice.clone()).map(|notice| view! { <p class="notice" role="status" data-testid="train-notice">{notice}</p> })}
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
                <LossChart train=train />
                <AccuracyChart train=train />
            </div>
            <HistoryTable train=train />
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

/// The hyperparameters.
#[component]
fn TrainSettings(train: RwSignal<TrainState>, data: RwSignal<DataState>) -> impl IntoView {
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

const CHART_WIDTH: f64 = 320.0;
const CHART_HEIGHT: f64 = 160.0;

/// Points of `values` (x, y) scaled into the chart box; `x_max` is the x range.
fn chart_points(values: &[(f64, f64)], x_max: f64, y_range: (f64, f64)) -> String {
    let (low, high) = y_range;
    let span = (high - low).max(1e-12);
    values
        .iter()
        .map(|(x, y)| {
            let px = 30.0 + x / x_max.max(1e-9) * (CHART_WIDTH - 40.0);
            let py = CHART_HEIGHT - 20.0 - (y - low) / span * (CHART_HEIGHT - 30.0);
            format!("{px:.1},{py:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A dot at each point of a polyline's points (one epoch draws no line).
fn markers(points: &str, class: &'static str) -> impl IntoView + use<> {
    points
        .split_whitespace()
        .filter_map(|point| {
            let (x, y) = point.split_once(',')?;
            Some(view! { <circle class=format!("marker {class}") cx=x.to_string() cy=y.to_string() r="3" /> })
        })
        .collect_view()
}

fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for value in values.filter(|value| value.is_finite()) {
        low = low.min(value);
        high = high.max(value);
    }
    if low > high { (0.0, 1.0) } else { (low, high) }
}

/// Training loss through the run and validation loss per epoch.
#[component]
fn LossChart(train: RwSignal<TrainState>) -> impl IntoView {
    let chart = move || {
        train.with(|train| {
            let map = |loss: f64| {
                if train.log_scale {
                    loss.max(1e-8).log10()
                } else {
                    loss
                }
            };
            let trace: Vec<(f64, f64)> = train
                .loss_trace
                .iter()
                .map(|(x, loss)| (*x, map(f64::from(*loss))))
                .collect();
            let validation: Vec<(f64, f64)> = train
                .history
                .iter()
                .filter_map(|record| {
                    Some((
                        f64::from(record.epoch),
                        map(f64::from(record.validation_loss?)),
                    ))
                })
                .collect();
            let x_max = train.epochs_shown();
            let range = y_range(trace.iter().chain(&validation).map(|(_, y)| *y));
            let label = |value: f64| {
                if train.log_scale {
                    format!("{:.3}", 10f64.powf(value))
                } else {
                    format!("{value:.3}")
                }
            };
            (
                chart_points(&trace, x_max, range),
                chart_points(&validation, x_max, range),
                label(range.1),
                label(range.0),
            )
        })
    };
    view! {
        <figure class="chart" data-testid="loss-chart">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}") role="img"
                aria-label=move || format!("Loss chart. {}", train.with(TrainState::latest_text))>
                <text x="2" y="14" class="axis">{move || chart().2}</text>
                <text x="2" y={CHART_HEIGHT - 22.0} class="axis">{move || chart().3}</text>
                <polyline class="series train" points=move || chart().0 fill="none" />
                <polyline class="series validation" points=move || chart().1 fill="none" />
                {move || markers(&chart().1, "validation")}
            </svg>
            <figcaption>"Loss: " <span class="key train">"training"</span> " " <span class="key validation">"validation"</span></figcaption>
        </figure>
    }
}

/// Training and validation accuracy per epoch (classification).
#[component]
fn AccuracyChart(train: RwSignal<TrainState>) -> impl IntoView {
    let chart = move || {
        train.with(|train| {
            let series =
                |get: fn(&hearth_core::model::EpochRecord) -> Option<f32>| -> Vec<(f64, f64)> {
                    train
                        .history
                        .iter()
                        .filter_map(|record| {
                            Some((f64::from(record.epoch), f64::from(get(record)?)))
                        })
                        .collect()
                };
            let x_max = train.epochs_shown();
            let training = series(|record| record.train_accuracy);
            let validation = series(|record| record.validation_accuracy);
            (
                chart_points(&training, x_max, (0.0, 1.0)),
                chart_points(&validation, x_max, (0.0, 1.0)),
                !training.is_empty(),
            )
        })
    };
    view! {
        <figure class="chart" data-testid="accuracy-chart" class:empty=move || !chart().2>
            <svg viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}") role="img"
                aria-label=move || format!("Accuracy chart. {}", train.with(TrainState::latest_text))>
                <text x="2" y="14" class="axis">"100%"</text>
                <text x="2" y={CHART_HEIGHT - 22.0} class="axis">"0%"</text>
                <polyline class="series train" points=move || chart().0 fill="none" />
                <polyline class="series validation" points=move || chart().1 fill="none" />
                {move || markers(&chart().0, "train")}
                {move || markers(&chart().1, "validation")}
            </svg>
            <figcaption>"Accuracy per epoch: " <span class="key train">"training"</span> " " <span class="key validation">"validation"</span></figcaption>
        </figure>
    }
}

/// The epochs as a table: the charts' full text alternative.
#[component]
fn HistoryTable(train: RwSignal<TrainState>) -> impl IntoView {
    let percent =
        |value: Option<f32>| value.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0));
    view! {
        <details class="history">
            <summary>"Every epoch as numbers"</summary>
            <table data-testid="history">
                <thead><tr><th scope="col">"Epoch"</th><th scope="col">"Training loss"</th><th scope="col">"Validation loss"</th><th scope="col">"Training accuracy"</th><th scope="col">"Validation accuracy"</th></tr></thead>
                <tbody>
                    {move || train.with(|train| train.history.iter().map(|record| view! {
                        <tr>
                            <td>{record.epoch}</td>
                            <td>{format!("{:.4}", record.train_loss)}</td>
                            <td>{record.validation_loss.map_or("–".to_string(), |loss| format!("{loss:.4}"))}</td>
                            <td>{percent(record.train_accuracy)}</td>
                            <td>{percent(record.validation_accuracy)}</td>
                        </tr>
                    }).collect_view())}
                </tbody>
            </table>
        </details>
    }
}

// ---------------------------------------------------------------------------------------
// Use

/// Step 5: predictions with the model in use: a form, an image, or the drawing pad.
#[component]
pub fn UsePanel(uses: RwSignal<UseState>, link: Link) -> impl IntoView {
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
                        ModelInput::Image { digits: true, .. } => view! { <DrawingPad uses=uses on_digit=ask /> }.into_any(),
                        ModelInput::Image { .. } => view! { <ImageInput link=link uses=uses /> }.into_any(),
                        ModelInput::Table { columns, target } => view! {
                            <RowForm columns=columns target=target test_rows=summary.test_rows uses=uses on_predict=ask />
                        }.into_any(),
                    };
                    view! { {heading} {body} }.into_any()
                }
            }}
            {move || uses.with(|uses| uses.problem.clone()).map(|problem| view! { <p class="problem" role="alert" data-testid="predict-problem">{problem}</p> })}
            <PredictionView uses=uses />
            <SharePanel has_model=Signal::derive(move || model.with(Option::is_some)) />
            {move || model.get().map(|summary| view! { <CardEditor card=summary.card /> })}
        </div>
    }
}

/// The model card: what the file says about the model, with the fields people write.
#[component]
fn CardEditor(card: hearth_core::model::summary::ModelCard) -> impl IntoView {
    let keeper = expect_context::<Keeper>();
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
            {card.trained_at.clone().map(|date| view! { <p class="hint">{format!("Trained {}.", platform::local_date(js_sys::Date::parse(&date)))}</p> })}
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

/// Download, open and keep models; the Saved models list and the storage it uses.
#[component]
fn SharePanel(has_model: Signal<bool>) -> impl IntoView {
    let keeper = expect_context::<Keeper>();
    let saved = keeper.saved;
    let dragging = RwSignal::new(false);
    let open_first = move |files: Vec<(String, web_sys::File)>| {
        if let Some((name, file)) = files.into_iter().next() {
            keeper.open_file(name, file.as_ref());
        }
    };
    view! {
        <section class="share" aria-labelledby="share-heading">
            <h3 id="share-heading">"Share and keep"</h3>
            <div class="share-actions">
                <button type="button" data-testid="download-model" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download()>"Download model (.safetensors)"</button>
                <button type="button" data-testid="save-model" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.save_to_list()>"Save in this browser"</button>
                <button type="button" data-testid="download-pytorch" prop:disabled=move || !has_model.get()
                    on:click=move |_| keeper.download_pytorch()>"PyTorch (.py)"</button>
            </div>
            <p class="hint">"The PyTorch file defines the model as a torch.nn.Module and loads the weights from the downloaded .safetensors file: keep the two side by side."</p>
            <div class="dropzone model-drop" class:dragging=move || dragging.get() data-testid="model-drop"
                on:dragover=move |event: web_sys::DragEvent| { event.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |event: web_sys::DragEvent| { dragging.set(false); open_first(platform::dropped_files(&event)); }>
                <label class="field">
                    "Open a model file (.safetensors), or drop one here"
                    <input type="file" accept=".safetensors" data-testid="open-model"
                        on:change=move |event| open_first(platform::input_files(&event)) />
                </label>
            </div>
            {move || saved.with(|saved| saved.problem.clone()).map(|problem| view! { <p class="problem" role="alert" data-testid="share-problem">{problem}</p> })}
            {move || saved.with(|saved| saved.notice.clone()).map(|notice| view! { <p class="notice-ok" role="status" data-testid="share-notice">{notice}</p> })}
            <h4>"Saved models"</h4>
            {move || {
                let list = saved.with(|saved| saved.list.clone());
                if list.is_empty() {
                    return view! { <p class="hint" data-testid="saved-empty">"No models saved in this browser yet."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="saved" data-testid="saved-models">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Saved"</th><th scope="col">"Task"</th><th scope="col">"Test score"</th><th scope="col">"Size"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|info| {
                                let (open_id, delete_id) = (info.id.clone(), info.id.clone());
                                let name = info.name.clone();
                                view! {
                                    <tr>
                                        <td>{info.name.clone()}</td>
                                        <td>{platform::local_date(info.saved_at)}</td>
                                        <td>{info.task.clone()}</td>
                                        <td>{if info.metric.is_empty() { "–".to_string() } else { info.metric.clone() }}</td>
                                        <td class="number">{bytes_label(info.bytes as f64)}</td>
                                        <td class="actions">
                                            <button type="button" aria-label=format!("Open {name}") on:click=move |_| keeper.open_saved(open_id.clone())>"Open"</button>
                                            <button type="button" aria-label=format!("Delete {}", info.name) on:click=move |_| keeper.delete_saved(delete_id.clone())>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
            <p class="hint" data-testid="storage-usage">{move || saved.with(|saved| match saved.usage {
                Some((used, quota)) => format!("Storage: {} used of {} this browser allows. Everything stays on this device.", bytes_label(used), bytes_label(quota)),
                None => "Storage: this browser does not say how much it allows.".to_string(),
            })}</p>
        </section>
    }
}

/// The latest prediction, with a bar per class.
#[component]
fn PredictionView(uses: RwSignal<UseState>) -> impl IntoView {
    move || {
        let (model, prediction) = uses.with(|uses| (uses.model.clone(), uses.prediction.clone()));
        let (model, prediction) = (model?, prediction?);
        let bars = (model.task != Task::Regression).then(|| {
            let labels = model.labels.clone();
            view! {
                <ol class="bars" data-testid="probabilities" aria-label="Probability of each class">
                    {labels.iter().zip(&prediction.outputs).map(|(label, p)| {
                        let percent = f64::from(*p) * 100.0;
                        view! {
                            <li class:best=*label == prediction.predicted>
                                <span class="label">{label.clone()}</span>
                                <span class="bar"><span style:width=format!("{percent:.1}%")></span></span>
                                <span class="value">{format!("{percent:.1}%")}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
        });
        let saliency = prediction.saliency.clone().map(|saliency| {
            let pixels = saliency_rgba(&saliency);
            view! {
                <figure class="saliency" data-testid="saliency">
                    <Thumbnail width=saliency.width height=saliency.height pixels=pixels />
                    <figcaption>{format!(
                        "Saliency: which pixels move the score of \"{}\" most (the gradient of that class's score with respect to each pixel). Red to yellow marks the strongest; the image is dimmed beneath.",
                        saliency.class
                    )}</figcaption>
                </figure>
            }
        });
        Some(view! {
            <div class="prediction" aria-live="polite" data-testid="prediction"
                aria-busy=move || uses.with(UseState::pending).to_string()>
                <p>"Prediction: " <strong data-testid="predicted">{prediction.predicted.clone()}</strong>
                    {prediction.truth.clone().map(|truth| format!(" (true value: {truth})"))}</p>
                {bars}
                {saliency}
            </div>
        })
    }
}

/// A pad to draw a digit on, classified live while drawing.
#[component]
fn DrawingPad(
    uses: RwSignal<UseState>,
    on_digit: impl Fn(PredictInput) + Copy + 'static,
) -> impl IntoView {
    const SIZE: u32 = 280;
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let preview = NodeRef::<leptos::html::Canvas>::new();
    let last = StoredValue::new_local(None::<(f64, f64)>);
    let last_sent = StoredValue::new_local(0.0f64);
    let classify = move |force: bool| {
        let Some(canvas) = canvas.get_untracked() else {
            return;
        };
        let now = js_sys::Date::now();
        if !force && now - last_sent.get_value() < 80.0 {
            return;
        }
        last_sent.set_value(now);
        let ink = platform::canvas_ink(&canvas);
        if let Some(image) = digits::to_mnist(&ink, SIZE as usize, SIZE as usize) {
            if let Some(preview) = preview.get_untracked() {
                let rgba: Vec<u8> = image
                    .iter()
                    .flat_map(|&v| {
                        let g = 255 - (v * 255.0).round() as u8;
                        [g, g, g, 255]
                    })
                    .collect();
                platform::paint_rgba(&preview, 28, 28, &rgba);
            }
            on_digit(PredictInput::Pixels { values: image });
        }
    };
    let point = move |event: &web_sys::PointerEvent| {
        let Some(canvas) = canvas.get_untracked() else {
            return (0.0, 0.0);
        };
        let rect = canvas.get_bounding_client_rect();
        let scale = f64::from(SIZE) / rect.width().max(1.0);
        (
            (f64::from(event.client_x()) - rect.left()) * scale,
            (f64::from(event.client_y()) - rect.top()) * scale,
        )
    };
    let clear = move || {
        if let Some(canvas) = canvas.get_untracked() {
            platform::clear_canvas(&canvas);
        }
        if let Some(preview) = preview.get_untracked() {
            platform::clear_canvas(&preview);
        }
        uses.update(|uses| uses.prediction = None);
    };
    // The keyboard's pen: arrow keys move it, Space or Enter lowers and lifts it.
    let pen = RwSignal::new((f64::from(SIZE) / 2.0, f64::from(SIZE) / 2.0));
    let pen_down = RwSignal::new(false);
    let on_key = move |event: web_sys::KeyboardEvent| {
        let step = if event.shift_key() { 3.0 } else { 10.0 };
        let (dx, dy) = match event.key().as_str() {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            "ArrowDown" => (0.0, step),
            " " | "Enter" => {
                event.prevent_default();
                let down = !pen_down.get_untracked();
                pen_down.set(down);
                let at = pen.get_untracked();
                if down && let Some(canvas) = canvas.get_untracked() {
                    platform::draw_line(&canvas, at, at, 18.0);
                }
                classify(true);
                return;
            }
            "Delete" | "Backspace" | "Escape" => {
                event.prevent_default();
                clear();
                return;
            }
            _ => return,
        };
        event.prevent_default();
        let size = f64::from(SIZE);
        let from = pen.get_untracked();
        let to = (
            (from.0 + dx).clamp(0.0, size),
            (from.1 + dy).clamp(0.0, size),
        );
        pen.set(to);
        if pen_down.get_untracked() {
            if let Some(canvas) = canvas.get_untracked() {
                platform::draw_line(&canvas, from, to, 18.0);
            }
            classify(true);
        }
    };
    let percent = move |value: f64| format!("{:.1}%", value / f64::from(SIZE) * 100.0);
    view! {
        <div class="pad-area">
            <div class="pad-column">
                <div class="pad-frame">
                <canvas node_ref=canvas class="pad" width=SIZE height=SIZE data-testid="pad"
                    tabindex="0" role="application" aria-roledescription="drawing pad"
                    aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen"
                    aria-describedby="pad-keys"
                    on:keydown=on_key
                    on:pointerdown=move |event| {
                        if let Some(canvas) = canvas.get_untracked() {
                            let _ = canvas.set_pointer_capture(event.pointer_id());
                        }
                        let at = point(&event);
                        if let Some(canvas) = canvas.get_untracked() {
                            platform::draw_line(&canvas, at, at, 18.0);
                        }
                        last.set_value(Some(at));
                    }
                    on:pointermove=move |event| {
                        if let Some(from) = last.get_value() {
                            let to = point(&event);
                            if let Some(canvas) = canvas.get_untracked() {
                                platform::draw_line(&canvas, from, to, 18.0);
                            }
                            last.set_value(Some(to));
                            classify(false);
                        }
                    }
                    on:pointerup=move |_| { last.set_value(None); classify(true); }
                    on:pointercancel=move |_| last.set_value(None)
                ></canvas>
                <div class="pad-cursor" class:down=move || pen_down.get() aria-hidden="true"
                    style:left=move || percent(pen.get().0) style:top=move || percent(pen.get().1)></div>
                </div>
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

/// An image file to classify.
#[component]
fn ImageInput(link: Link, uses: RwSignal<UseState>) -> impl IntoView {
    view! {
        <label class="field">
            "Choose an image (PNG or JPEG)"
            <input type="file" accept="image/png,image/jpeg" data-testid="predict-image" on:change=move |event| {
                let files = platform::input_files(&event);
                if let Some((name, file)) = files.into_iter().next() {
                    let message = uses.try_update(|uses| uses.ask(PredictInput::ImageFile { name }));
                    platform::send_files(link, message, Some(file.as_ref()), &[]);
                }
            } />
        </label>
    }
}

/// A form for one table row, or a held-out test row.
#[component]
fn RowForm(
    columns: Vec<hearth_core::model::summary::InputColumn>,
    target: String,
    test_rows: usize,
    uses: RwSignal<UseState>,
    on_predict: impl Fn(PredictInput) + Copy + 'static,
) -> impl IntoView {
    let values: Vec<RwSignal<String>> = columns
        .iter()
        .map(|column| {
            RwSignal::new(match &column.kind {
                InputKind::Number { typical } => format!("{}", (typical * 1000.0).round() / 1000.0),
                InputKind::YesNo { true_value } => true_value.clone(),
                InputKind::Choice { levels } => levels.first().cloned().unwrap_or_default(),
            })
        })
        .collect();
    let names: Vec<String> = columns.iter().map(|column| column.name.clone()).collect();
    let cells = {
        let (names, values) = (names.clone(), values.clone());
        move || {
            names
                .iter()
                .cloned()
                .zip(values.iter().map(|value| value.get_untracked()))
                .collect::<Vec<_>>()
        }
    };
    let next_test = RwSignal::new(0usize);
    let fields = columns
        .into_iter()
        .zip(values.clone())
        .map(|(column, value)| {
            let id = format!("input-{}", column.name);
            let control = match column.kind {
                InputKind::Number { .. } => view! {
                    <input type="text" inputmode="decimal" id=id.clone() data-testid=id.clone()
                        prop:value=move || value.get() on:input=move |event| value.set(event_target_value(&event)) />
                }.into_any(),
                InputKind::YesNo { true_value } => view! {
                    <select id=id.clone() data-testid=id.clone() on:change=move |event| value.set(event_target_value(&event))>
                        <option value=true_value.clone() selected=move || value.get() == true_value>"yes"</option>
                        <option value="no" selected=move || value.get() == "no">"no"</option>
                    </select>
                }.into_any(),
                InputKind::Choice { levels } => view! {
                    <select id=id.clone() data-testid=id.clone() prop:value=move || value.get() on:change=move |event| value.set(event_target_value(&event))>
                        {levels.into_iter().map(|level| view! { <option value=level.clone()>{level.clone()}</option> }).collect_view()}
                    </select>
                }.into_any(),
            };
            view! { <label class="field" for=id.clone()>{column.name.clone()} {control}</label> }
        })
        .collect_view();
    let fill = {
        let (names, values) = (names.clone(), values.clone());
        move |row: &[(String, String)]| {
            for (name, value) in names.iter().zip(&values) {
                if let Some((_, cell)) = row.iter().find(|(column, _)| column == name) {
                    value.set(cell.clone());
                }
            }
        }
    };
    // A picked test row fills the form.
    Effect::new(move |_| {
        if let Some(row) = uses.with(|uses| uses.prediction.as_ref().and_then(|p| p.row.clone())) {
            fill(&row);
        }
    });
    let cells_for_button = cells.clone();
    view! {
        <form class="row-form" data-testid="row-form" on:submit=move |event| {
            event.prevent_default();
            on_predict(PredictInput::Row { cells: cells_for_button() });
        }>
            <p class="hint">{format!("Enter a row to predict \"{target}\".")}</p>
            <div class="fields">{fields}</div>
            <div class="row">
                <button type="submit" class="primary" data-testid="predict-row">"Predict"</button>
                {(test_rows > 0).then(|| view! {
                    <button type="button" data-testid="pick-test-row" on:click=move |_| {
                        let index = next_test.get_untracked() % test_rows;
                        next_test.set(index + 1);
                        on_predict(PredictInput::TestRow { index });
                    }>{move || format!("Try test row {} of {test_rows}", next_test.get() % test_rows + 1)}</button>
                })}
            </div>
        </form>
    }
}
