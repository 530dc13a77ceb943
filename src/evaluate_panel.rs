//! Step 4, Evaluate: how the model does on the held-out test split. Headline metrics, a
//! per-class table, the confusion matrix as a heatmap whose cells open the samples that
//! fell there, the ROC curve for binary tasks, and predicted-vs-actual and residual plots
//! for regression. Every chart has its numbers as text beside it.

use hearth_core::metrics::{
    CellSamples, ClassificationMetrics, Evaluation, GroupReport, RegressionMetrics,
};
use hearth_core::model::{ExampleWeights, ModelSpec};
use hearth_core::protocol::{FromEngine, ToEngine};
use leptos::prelude::*;

use crate::data_panel::Thumbnail;
use crate::engine_status::EngineStatus;
use crate::platform::{Link, send};
use crate::studio_state::{SpecState, TrainState};

/// What the Evaluate step shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvalState {
    pub evaluation: Option<Evaluation>,
    /// The confusion cell whose samples are shown.
    pub selected: Option<(usize, usize)>,
    pub samples: Option<CellSamples>,
    /// A retrain with group-aware reweighting, and the model before it.
    pub mitigation: Option<Mitigation>,
}

/// A retrain with group-aware reweighting by a sensitive column.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    pub column: String,
    /// The evaluation of the model before.
    pub before: Evaluation,
    pub phase: MitigationPhase,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MitigationPhase {
    /// Asked for; the engine has not started it yet.
    Requested,
    Training,
    /// The reweighted model's evaluation.
    Done(Box<Evaluation>),
    Failed(String),
}

impl EvalState {
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::Evaluated { evaluation } => {
                self.evaluation = evaluation.clone();
                self.selected = None;
                self.samples = None;
                self.mitigation = match self.mitigation.take() {
                    // The reweighted model: shown beside the one before.
                    Some(
                        mitigation @ Mitigation {
                            phase: MitigationPhase::Training,
                            ..
                        },
                    ) => evaluation.clone().map(|after| Mitigation {
                        phase: MitigationPhase::Done(Box::new(after)),
                        ..mitigation
                    }),
                    // Another model came in use: the comparison no longer applies.
                    _ => None,
                };
            }
            FromEngine::TrainStarted { .. } => {
                self.mitigation = match self.mitigation.take() {
                    Some(
                        mitigation @ Mitigation {
                            phase: MitigationPhase::Requested,
                            ..
                        },
                    ) => Some(Mitigation {
                        phase: MitigationPhase::Training,
                        ..mitigation
                    }),
                    // A run started from step 3.
                    _ => None,
                };
            }
            FromEngine::TrainFailed { message } => {
                if let Some(mitigation) = self.mitigation.as_mut()
                    && matches!(
                        mitigation.phase,
                        MitigationPhase::Requested | MitigationPhase::Training
                    )
                {
                    mitigation.phase = MitigationPhase::Failed(message.clone());
                }
            }
            FromEngine::DataLoaded { .. } => self.mitigation = None,
            FromEngine::CellSamples { samples }
                if self.selected == Some((samples.truth, samples.predicted)) =>
            {
                self.samples = Some(samples.clone());
            }
            _ => {}
        }
    }

    /// Retrains the model in use with group-aware reweighting by `column`, keeping its
    /// evaluation to compare with: the message to send, or why not.
    pub fn mitigate(
        &mut self,
        column: &str,
        train: &mut TrainState,
        spec: Option<&ModelSpec>,
    ) -> Result<ToEngine, String> {
        let before = self
            .evaluation
            .clone()
            .ok_or("Train a model first: its evaluation is what the retrain is compared with.")?;
        if train.busy() {
            return Err("A run is under way: wait for it to finish or stop it.".to_string());
        }
        let previous = train.config.weights.clone();
        train.config.weights = ExampleWeights::ReweighGroups {
            column: column.to_string(),
        };
        match train.start(spec) {
            Ok(message) => {
                self.mitigation = Some(Mitigation {
                    column: column.to_string(),
                    before,
                    phase: MitigationPhase::Requested,
                });
                Ok(message)
            }
            Err(problem) => {
                train.config.weights = previous;
                Err(problem)
            }
        }
    }

    /// Opens the samples of cell (`truth`, `predicted`).
    pub fn select(&mut self, truth: usize, predicted: usize) -> ToEngine {
        self.selected = Some((truth, predicted));
        self.samples = None;
        ToEngine::CellSamples { truth, predicted }
    }
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Step 4's content.
#[component]
pub fn EvaluatePanel(
    eval: RwSignal<EvalState>,
    train: RwSignal<TrainState>,
    specs: RwSignal<SpecState>,
    status: RwSignal<EngineStatus>,
    link: Link,
) -> impl IntoView {
    move || {
        let Some(evaluation) = eval.with(|eval| eval.evaluation.clone()) else {
            return view! {
                <p class="hint" data-testid="no-evaluation">
                    "Train a model in step 3: its held-out test split is scored here (the rows it never saw while training)."
                </p>
            }
            .into_any();
        };
        let body = match (&evaluation.classification, &evaluation.regression) {
            (Some(scores), _) => {
                let roc = evaluation.roc.clone();
                let labels: Vec<String> =
                    scores.per_class.iter().map(|c| c.label.clone()).collect();
                let boundary_labels = labels.clone();
                view! {
                    <Headline scores=scores.clone() />
                    <PerClass scores=scores.clone() />
                    <Confusion scores=scores.clone() eval=eval link=link />
                    {roc.map(|roc| view! { <Roc roc=roc auc=scores.roc_auc.unwrap_or(0.0) labels=labels /> })}
                    {evaluation.boundary.clone().map(|boundary| view! { <BoundaryView boundary=boundary labels=boundary_labels /> })}
                }
                .into_any()
            }
            (None, Some(scores)) => view! {
                <RegressionView scores=*scores points=evaluation.points.clone() />
            }
            .into_any(),
            (None, None) => ().into_any(),
        };
        let cost = evaluation.cost.clone();
        let groups = evaluation.groups.clone();
        let importance = evaluation.importance.clone();
        let regression = evaluation.regression.is_some();
        view! {
            <div class="evaluate-panel">
                <p class="model-name">"Model: " <strong>{evaluation.model.clone()}</strong> ", on its held-out test split"</p>
                {body}
                {(!importance.is_empty()).then(|| view! { <ImportanceView importance=importance regression=regression /> })}
                {groups.into_iter().map(|report| {
                    let column = report.column.clone();
                    let classes = !regression;
                    view! {
                        <GroupsView report=report />
                        {classes.then(|| view! { <MitigationView column=column eval=eval train=train specs=specs status=status link=link /> })}
                    }
                }).collect_view()}
                {cost.map(|cost| view! { <CostView cost=cost /> })}
            </div>
        }
        .into_any()
    }
}

#[component]
fn Headline(scores: ClassificationMetrics) -> impl IntoView {
    let auc = scores
        .roc_auc
        .map(|auc| format!(" · ROC AUC {auc:.3}"))
        .unwrap_or_default();
    view! {
        <p class="headline" data-testid="eval-headline">
            <strong>{format!("Accuracy {}", percent(scores.accuracy))}</strong>
            {format!(
                " on {} test samples · macro F1 {:.3} · weighted F1 {:.3} · log loss {:.3}{auc}",
                scores.n, scores.macro_avg.f1, scores.weighted_avg.f1, scores.log_loss
            )}
        </p>
    }
}

#[component]
fn PerClass(scores: ClassificationMetrics) -> impl IntoView {
    let average = |name: &'static str, avg: hearth_core::metrics::Averages| {
        view! {
            <tr class="average">
                <th scope="row">{name}</th>
                <td class="number">{format!("{:.3}", avg.precision)}</td>
                <td class="number">{format!("{:.3}", avg.recall)}</td>
                <td class="number">{format!("{:.3}", avg.f1)}</td>
                <td class="number">{scores.n}</td>
            </tr>
        }
    };
    view! {
        <h3>"Per class"</h3>
        <div class="table-wrap">
            <table class="metrics" data-testid="per-class">
                <thead><tr><th scope="col">"Class"</th><th scope="col">"Precision"</th><th scope="col">"Recall"</th><th scope="col">"F1"</th><th scope="col">"Support"</th></tr></thead>
                <tbody>
                    {scores.per_class.iter().map(|class| view! {
                        <tr>
                            <th scope="row">{class.label.clone()}</th>
                            <td class="number">{format!("{:.3}", class.precision)}</td>
                            <td class="number">{format!("{:.3}", class.recall)}</td>
                            <td class="number">{format!("{:.3}", class.f1)}</td>
                            <td class="number">{class.support}</td>
                        </tr>
                    }).collect_view()}
                    {average("macro average", scores.macro_avg)}
                    {average("weighted average", scores.weighted_avg)}
                </tbody>
            </table>
        </div>
    }
}

/// The confusion matrix: a cell's shade is its share of the true class's samples.
#[component]
fn Confusion(
    scores: ClassificationMetrics,
    eval: RwSignal<EvalState>,
    link: Link,
) -> impl IntoView {
    let labels: Vec<String> = scores.per_class.iter().map(|c| c.label.clone()).collect();
    let header = labels.clone();
    let rows = scores.confusion.clone();
    view! {
        <h3>"Confusion matrix"</h3>
        <p class="hint">"Rows are the true classes, columns the predicted ones. Choose a cell to see the test samples in it."</p>
        <div class="table-wrap">
            <table class="confusion" data-testid="confusion">
                <thead><tr><th scope="col">"true \\ predicted"</th>
                    {header.iter().map(|label| view! { <th scope="col">{label.clone()}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {rows.into_iter().enumerate().map(|(truth, row)| {
                        let total: usize = row.iter().sum();
                        let label = labels.get(truth).cloned().unwrap_or_default();
                        let labels = labels.clone();
                        view! {
                            <tr>
                                <th scope="row">{label.clone()}</th>
                                {row.into_iter().enumerate().map(|(predicted, count)| {
                                    let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
                                    let diagonal = truth == predicted;
                                    let background = if diagonal {
                                        format!("rgba(47, 125, 50, {:.2})", 0.08 + share * 0.6)
                                    } else {
                                        format!("rgba(210, 85, 43, {:.2})", if count == 0 { 0.0 } else { 0.1 + share * 0.8 })
                                    };
                                    let name = format!(
                                        "True {label}, predicted {}: {count} samples",
                                        labels.get(predicted).cloned().unwrap_or_default()
                                    );
                                    view! {
                                        <td style:background=background>
                                            <button type="button" class="cell" aria-label=name
                                                data-testid=format!("cell-{truth}-{predicted}")
                                                aria-pressed=move || (eval.with(|eval| eval.selected) == Some((truth, predicted))).to_string()
                                                on:click=move |_| {
                                                    let message = eval.try_update(|eval| eval.select(truth, predicted));
                                                    send(link, message);
                                                }>{count}</button>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <CellView eval=eval labels=labels.clone() />
    }
}

/// The samples of the chosen confusion cell.
#[component]
fn CellView(eval: RwSignal<EvalState>, labels: Vec<String>) -> impl IntoView {
    move || {
        let samples = eval.with(|eval| eval.samples.clone())?;
        let name = |index: usize| labels.get(index).cloned().unwrap_or_default();
        let title = format!(
            "{} test samples of class {} predicted as {}{}",
            samples.total,
            name(samples.truth),
            name(samples.predicted),
            if samples.total > samples.images.len().max(samples.rows.len()) {
                format!(
                    " (the first {})",
                    samples.images.len().max(samples.rows.len())
                )
            } else {
                String::new()
            }
        );
        let body = if !samples.images.is_empty() {
            let (width, height) = (samples.width, samples.height);
            view! {
                <div class="thumbs">
                    {samples.images.into_iter().map(|image| view! { <Thumbnail width=width height=height pixels=image.rgba /> }).collect_view()}
                </div>
            }
            .into_any()
        } else if let Some(first) = samples.rows.first() {
            let columns: Vec<String> = first.iter().map(|(column, _)| column.clone()).collect();
            view! {
                <div class="table-wrap">
                    <table class="metrics">
                        <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {samples.rows.into_iter().map(|row| view! {
                                <tr>{row.into_iter().map(|(_, value)| view! { <td>{value}</td> }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        } else {
            view! { <p class="hint">"No test sample fell in this cell."</p> }.into_any()
        };
        Some(view! {
            <section class="cell-samples" data-testid="cell-samples" aria-live="polite">
                <h4>{title}</h4>
                {body}
            </section>
        })
    }
}

/// Permutation importance as bars (mean over repeats) with the spread as text.
#[component]
fn ImportanceView(
    importance: Vec<hearth_core::metrics::Importance>,
    regression: bool,
) -> impl IntoView {
    let largest = importance
        .iter()
        .map(|item| item.mean.abs())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let value = move |v: f64| {
        if regression {
            format!("{v:.4}")
        } else {
            format!("{:.1} points", v * 100.0)
        }
    };
    view! {
        <h3>"Which columns matter"</h3>
        <p class="hint">{if regression {
            "Permutation importance on the validation split: how much the mean squared error grows when a column's values are shuffled among the rows (mean ± spread of 5 shuffles)."
        } else {
            "Permutation importance on the validation split: how many points of accuracy are lost when a column's values are shuffled among the rows (mean ± spread of 5 shuffles)."
        }}</p>
        <ol class="bars importance" data-testid="importance">
            {importance.into_iter().map(|item| {
                let width = (item.mean.max(0.0) / largest * 100.0).min(100.0);
                view! {
                    <li>
                        <span class="label">{item.feature.clone()}</span>
                        <span class="bar"><span style:width=format!("{width:.1}%")></span></span>
                        <span class="value">{format!("{} ± {}", value(item.mean), value(item.std))}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// The figures of each group of a sensitive column, and the gaps between groups.
#[component]
fn GroupsView(report: hearth_core::metrics::GroupReport) -> impl IntoView {
    let rate = |value: Option<f64>| value.map_or("–".to_string(), percent);
    let regression = report.groups.iter().any(|group| group.mse.is_some());
    let header: Vec<&'static str> = if regression {
        vec!["Group", "Rows", "MSE", "MAE"]
    } else {
        vec![
            "Group",
            "Rows",
            "Base rate",
            "Selection rate",
            "Accuracy",
            "True positive rate",
            "False positive rate",
        ]
    };
    let rows = report
        .groups
        .iter()
        .map(|group| {
            let cells: Vec<String> = if regression {
                vec![
                    group.mse.map_or("–".to_string(), |v| format!("{v:.4}")),
                    group.mae.map_or("–".to_string(), |v| format!("{v:.4}")),
                ]
            } else {
                vec![
                    rate(group.base_rate),
                    rate(group.selection_rate),
                    rate(group.accuracy),
                    rate(group.true_positive_rate),
                    rate(group.false_positive_rate),
                ]
            };
            view! {
                <tr>
                    <th scope="row">{group.group.clone()}</th>
                    <td class="number">{group.n}</td>
                    {cells.into_iter().map(|cell| view! { <td class="number">{cell}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    let gaps = report.demographic_parity_difference.map(|difference| {
        let ratio = report.demographic_parity_ratio.unwrap_or(1.0);
        let fails = report.four_fifths_rule == Some(false);
        view! {
            <p class="gaps" data-testid=format!("gaps-{}", report.column)>
                {format!("Demographic parity difference {difference:.3}, ratio {ratio:.3}")}
                <span class:flag=fails>{if fails { " (fails the four-fifths rule: the least-selected group is picked under 80% as often as the most)" } else { " (passes the four-fifths rule)" }}</span>
                {report.equalized_odds_difference.map(|eo| format!(" · equalized odds difference {eo:.3}"))}
            </p>
        }
    });
    view! {
        <h3>{format!("Groups by \"{}\"", report.column)}</h3>
        <div class="table-wrap">
            <table class="metrics" data-testid=format!("groups-{}", report.column)>
                <thead><tr>{header.into_iter().map(|name| view! { <th scope="col">{name}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {gaps}
    }
}

/// One click to retrain with group-aware reweighting by `column`, and the model before
/// and after it side by side.
#[component]
fn MitigationView(
    column: String,
    eval: RwSignal<EvalState>,
    train: RwSignal<TrainState>,
    specs: RwSignal<SpecState>,
    status: RwSignal<EngineStatus>,
    link: Link,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let mitigation = eval.with_untracked(|eval| {
        eval.mitigation
            .clone()
            .filter(|mitigation| mitigation.column == column)
    });
    let on_click = {
        let column = column.clone();
        move |_| {
            let spec = specs.with_untracked(|specs| specs.spec.clone());
            let outcome = train
                .try_update(|train| {
                    eval.try_update(|eval| eval.mitigate(&column, train, spec.as_ref()))
                })
                .flatten();
            match outcome {
                Some(Ok(message)) => {
                    problem.set(None);
                    send(link, Some(message));
                }
                Some(Err(message)) => problem.set(Some(message)),
                None => {}
            }
        }
    };
    let running = matches!(
        mitigation.as_ref().map(|mitigation| &mitigation.phase),
        Some(MitigationPhase::Requested | MitigationPhase::Training)
    );
    let state = mitigation.map(|mitigation| match mitigation.phase {
        MitigationPhase::Requested | MitigationPhase::Training => view! {
            <p class="notice" role="status" data-testid=format!("mitigation-progress-{column}")>
                {format!("Retraining with reweighting by \"{column}\": ")}
                {move || train.with(TrainState::progress_text)}
            </p>
        }
        .into_any(),
        MitigationPhase::Failed(message) => view! {
            <p class="problem" role="alert">{format!("The reweighted retrain failed: {message}")}</p>
        }
        .into_any(),
        MitigationPhase::Done(after) => {
            let pick = |evaluation: &Evaluation| {
                evaluation
                    .groups
                    .iter()
                    .find(|report| report.column == column)
                    .cloned()
            };
            match (pick(&mitigation.before), pick(&after)) {
                (Some(before_groups), Some(after_groups)) => view! {
                    <BeforeAfter column=column.clone() before=mitigation.before.clone() after=*after.clone() before_groups=before_groups after_groups=after_groups />
                }
                .into_any(),
                _ => ().into_any(),
            }
        }
    });
    view! {
        <div class="mitigation">
            <button type="button" data-testid=format!("mitigate-{column}")
                prop:disabled=move || running || !status.with(EngineStatus::is_ready) || train.with(TrainState::busy)
                on:click=on_click>
                {format!("Retrain with group-aware reweighting by \"{column}\"")}
            </button>
            <p class="hint">
                "The same model and settings, trained again with each training row weighted by P(group)·P(class) / P(group, class), so that group and outcome are independent in the weighted training data (Kamiran and Calders' reweighing). The model before stays beside it for comparison."
            </p>
            {move || problem.get().map(|problem| view! { <p class="problem" role="alert">{problem}</p> })}
            {state}
        </div>
    }
}

/// The model before and after reweighting: accuracy, each group's selection rate and
/// the gaps between groups.
#[component]
fn BeforeAfter(
    column: String,
    before: Evaluation,
    after: Evaluation,
    before_groups: GroupReport,
    after_groups: GroupReport,
) -> impl IntoView {
    let accuracy = |evaluation: &Evaluation| {
        evaluation
            .classification
            .as_ref()
            .map(|scores| scores.accuracy)
    };
    let mut rows: Vec<(String, Option<f64>, Option<f64>, bool)> = vec![(
        "Accuracy".to_string(),
        accuracy(&before),
        accuracy(&after),
        true,
    )];
    for group in &before_groups.groups {
        let later = after_groups
            .groups
            .iter()
            .find(|other| other.group == group.group)
            .and_then(|other| other.selection_rate);
        rows.push((
            format!("Selection rate of {}", group.group),
            group.selection_rate,
            later,
            true,
        ));
    }
    rows.push((
        "Demographic parity difference".to_string(),
        before_groups.demographic_parity_difference,
        after_groups.demographic_parity_difference,
        false,
    ));
    rows.push((
        "Demographic parity ratio".to_string(),
        before_groups.demographic_parity_ratio,
        after_groups.demographic_parity_ratio,
        false,
    ));
    rows.push((
        "Equalized odds difference".to_string(),
        before_groups.equalized_odds_difference,
        after_groups.equalized_odds_difference,
        false,
    ));
    let show = |value: Option<f64>, rate: bool| match value {
        None => "–".to_string(),
        Some(value) if rate => percent(value),
        Some(value) => format!("{value:.3}"),
    };
    let change = |a: Option<f64>, b: Option<f64>, rate: bool| match (a, b) {
        (Some(a), Some(b)) if rate => format!("{:+.1} points", (b - a) * 100.0),
        (Some(a), Some(b)) => format!("{:+.3}", b - a),
        _ => "–".to_string(),
    };
    let rule = |report: &GroupReport| match report.four_fifths_rule {
        Some(true) => "passes",
        Some(false) => "fails",
        None => "–",
    };
    view! {
        <h4>{format!("Before and after reweighting by \"{column}\" (test split)")}</h4>
        <div class="table-wrap">
            <table class="metrics before-after" data-testid=format!("mitigation-{column}")>
                <thead><tr><th scope="col">"Measure"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Change"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(name, a, b, rate)| view! {
                        <tr>
                            <th scope="row">{name}</th>
                            <td class="number">{show(a, rate)}</td>
                            <td class="number">{show(b, rate)}</td>
                            <td class="number">{change(a, b, rate)}</td>
                        </tr>
                    }).collect_view()}
                    <tr>
                        <th scope="row">"Four-fifths rule"</th>
                        <td>{rule(&before_groups)}</td>
                        <td>{rule(&after_groups)}</td>
                        <td></td>
                    </tr>
                </tbody>
            </table>
        </div>
        <p class="hint">
            "The reweighted model is now the model in use (step 5, downloads and the model card use it; its card records the reweighting). To go back, set Example weights to None in step 3 and train again: the same seed gives the same model."
        </p>
    }
}

/// A large count in words: 1.2 million, 3.4 billion (GFLOPs read poorly to most users).
fn large(value: f64) -> String {
    match value {
        v if v >= 1e15 => format!("{:.1} quadrillion", v / 1e15),
        v if v >= 1e12 => format!("{:.1} trillion", v / 1e12),
        v if v >= 1e9 => format!("{:.1} billion", v / 1e9),
        v if v >= 1e6 => format!("{:.1} million", v / 1e6),
        v => hearth_core::text::thousands(v.round() as u64),
    }
}

/// What training cost: size, arithmetic, time and where it ran.
#[component]
fn CostView(cost: hearth_core::metrics::Cost) -> impl IntoView {
    let rows = [
        ("Parameters", hearth_core::text::thousands(cost.parameters)),
        (
            "Model size (weights as float32)",
            crate::session::bytes_label(cost.model_bytes as f64),
        ),
        (
            "Forward pass, per example",
            format!("{} FLOPs", large(cost.forward_flops as f64)),
        ),
        (
            "Backward pass, per example (counted as 2× forward)",
            format!("{} FLOPs", large(cost.backward_flops as f64)),
        ),
        (
            "Training, in all",
            format!(
                "{} FLOPs over {} examples ({})",
                large(cost.training_flops),
                hearth_core::text::thousands(cost.examples),
                hearth_core::text::counted(cost.epochs as u64, "epoch")
            ),
        ),
        (
            "Wall time",
            if cost.seconds < 60.0 {
                format!("{:.1} s", cost.seconds)
            } else {
                crate::studio_state::duration(cost.seconds)
            },
        ),
        (
            "Speed",
            format!("{:.0} examples per second", cost.examples_per_second),
        ),
        ("Backend", cost.backend.clone()),
    ];
    view! {
        <h3>"Cost of the run"</h3>
        <table class="metrics cost" data-testid="cost">
            <tbody>
                {rows.into_iter().map(|(name, value)| view! { <tr><th scope="row">{name}</th><td>{value}</td></tr> }).collect_view()}
            </tbody>
        </table>
        <p class="hint">"FLOPs count a multiply-add as two. No energy figure is shown: this page cannot measure power, and a guess would not be worth reading."</p>
    }
}

const PLOT: f64 = 240.0;
const MARGIN: f64 = 30.0;

/// Maps a value in `range` onto the plot's pixels (y grows downwards when `flip`).
fn scale(value: f64, range: (f64, f64), flip: bool) -> f64 {
    let span = (range.1 - range.0).max(1e-12);
    let unit = ((value - range.0) / span).clamp(0.0, 1.0);
    if flip {
        MARGIN + (1.0 - unit) * (PLOT - 2.0 * MARGIN) + MARGIN / 2.0
    } else {
        MARGIN + unit * (PLOT - 2.0 * MARGIN)
    }
}

#[component]
fn Roc(roc: Vec<(f64, f64)>, auc: f64, labels: Vec<String>) -> impl IntoView {
    let points: String = roc
        .iter()
        .map(|&(fpr, tpr)| {
            format!(
                "{:.1},{:.1}",
                scale(fpr, (0.0, 1.0), false),
                scale(tpr, (0.0, 1.0), true)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let positive = labels.get(1).cloned().unwrap_or_default();
    let (low, high) = (scale(0.0, (0.0, 1.0), false), scale(1.0, (0.0, 1.0), false));
    let (bottom, top) = (scale(0.0, (0.0, 1.0), true), scale(1.0, (0.0, 1.0), true));
    view! {
        <h3>"ROC curve"</h3>
        <figure class="chart roc" data-testid="roc">
            <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img"
                aria-label=format!("ROC curve of class {positive}: area under the curve {auc:.3} over {} thresholds", roc.len().saturating_sub(2))>
                <line x1=low y1=bottom x2=high y2=top class="diagonal" />
                <polyline points=points class="series validation" fill="none" />
                <text x=MARGIN y={PLOT - 4.0} class="axis">"false positive rate →"</text>
                <text x="2" y="12" class="axis">"true positive rate ↑"</text>
            </svg>
            <figcaption>{format!("AUC {auc:.3} for \"{positive}\" (the diagonal is chance)")}</figcaption>
        </figure>
    }
}

/// Class colours of the decision-boundary plot (colour-blind safe, Okabe and Ito).
const CLASS_COLOURS: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

fn class_colour(class: u32) -> &'static str {
    CLASS_COLOURS[class as usize % CLASS_COLOURS.len()]
}

/// A classifier of two numeric columns over their plane: each cell coloured by the class
/// predicted at its centre (paler where the model is less sure), the test rows as dots of
/// their true class, ringed where the model gets them wrong.
#[component]
fn BoundaryView(boundary: hearth_core::metrics::Boundary, labels: Vec<String>) -> impl IntoView {
    let size = boundary.size.max(1);
    let (left, right) = (scale(0.0, (0.0, 1.0), false), scale(1.0, (0.0, 1.0), false));
    let (bottom, top) = (scale(0.0, (0.0, 1.0), true), scale(1.0, (0.0, 1.0), true));
    let cell_w = (right - left) / f64::from(size);
    let cell_h = (bottom - top) / f64::from(size);
    let cells = boundary
        .classes
        .iter()
        .zip(&boundary.confidence)
        .enumerate()
        .map(|(index, (&class, &confidence))| {
            let (row, column) = (index as u32 / size, index as u32 % size);
            // Opacity from 0.15 (a coin toss between classes) to 0.55 (certain).
            let opacity = 0.15 + 0.4 * f64::from(confidence).clamp(0.0, 1.0);
            view! {
                <rect x=format!("{:.2}", left + f64::from(column) * cell_w) y=format!("{:.2}", top + f64::from(row) * cell_h)
                    width=format!("{:.2}", cell_w + 0.05) height=format!("{:.2}", cell_h + 0.05)
                    fill=class_colour(class) fill-opacity=format!("{opacity:.2}") />
            }
        })
        .collect_view();
    let wrong = boundary
        .points
        .iter()
        .filter(|point| point.2 != point.3)
        .count();
    let points = boundary
        .points
        .iter()
        .map(|&(x, y, truth, predicted)| {
            let missed = truth != predicted;
            view! {
                <circle cx=format!("{:.1}", scale(x, boundary.x_range, false)) cy=format!("{:.1}", scale(y, boundary.y_range, true))
                    r=if missed { "3.2" } else { "2.2" } fill=class_colour(truth)
                    class:missed=missed />
            }
        })
        .collect_view();
    let key = labels
        .iter()
        .enumerate()
        .map(|(class, label)| {
            view! { <span class="key-item"><span class="swatch" style:background=class_colour(class as u32)></span>{label.clone()}</span> }
        })
        .collect_view();
    let summary = format!(
        "Decision boundary over {} and {}: {} test rows, {} on the wrong side",
        boundary.x_column,
        boundary.y_column,
        boundary.points.len(),
        wrong
    );
    view! {
        <h3>"Decision boundary"</h3>
        <figure class="chart boundary" data-testid="boundary">
            <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img" aria-label=summary.clone()>
                <g class="cells">{cells}</g>
                <g class="points">{points}</g>
                <text x=MARGIN y={PLOT - 4.0} class="axis">{format!("{} → ({:.2} to {:.2})", boundary.x_column, boundary.x_range.0, boundary.x_range.1)}</text>
                <text x="2" y="12" class="axis">{format!("{} ↑ ({:.2} to {:.2})", boundary.y_column, boundary.y_range.0, boundary.y_range.1)}</text>
            </svg>
            <figcaption>
                {format!("{summary} (ringed). Each square is coloured by the class the model predicts there, paler where it is less sure; dots are test rows coloured by their true class.")}
                <span class="key">{key}</span>
            </figcaption>
        </figure>
    }
}

#[component]
fn RegressionView(scores: RegressionMetrics, points: Vec<(f64, f64)>) -> impl IntoView {
    let low = points
        .iter()
        .flat_map(|(a, p)| [*a, *p])
        .fold(f64::INFINITY, f64::min);
    let high = points
        .iter()
        .flat_map(|(a, p)| [*a, *p])
        .fold(f64::NEG_INFINITY, f64::max);
    let range = if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    };
    let residuals: Vec<(f64, f64)> = points.iter().map(|(a, p)| (*p, a - p)).collect();
    let worst = residuals
        .iter()
        .map(|(_, r)| r.abs())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let dots = |values: &[(f64, f64)], x: (f64, f64), y: (f64, f64)| {
        values
            .iter()
            .map(|&(px, py)| {
                view! { <circle cx=format!("{:.1}", scale(px, x, false)) cy=format!("{:.1}", scale(py, y, true)) r="2.5" class="dot" /> }
            })
            .collect_view()
    };
    let r2 = scores.r2.map_or("–".to_string(), |r2| format!("{r2:.3}"));
    view! {
        <p class="headline" data-testid="eval-headline">
            <strong>{format!("R² {r2}")}</strong>
            {format!(" on {} test rows · MSE {:.4} · MAE {:.4}", scores.n, scores.mse, scores.mae)}
        </p>
        <div class="charts">
            <figure class="chart" data-testid="predicted-vs-actual">
                <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img"
                    aria-label=format!("Predicted against actual for {} test rows; R² {r2}; points on the diagonal are exact", scores.n)>
                    <line x1=scale(range.0, range, false) y1=scale(range.0, range, true) x2=scale(range.1, range, false) y2=scale(range.1, range, true) class="diagonal" />
                    {dots(&points, range, range)}
                    <text x=MARGIN y={PLOT - 4.0} class="axis">"actual →"</text>
                    <text x="2" y="12" class="axis">"predicted ↑"</text>
                </svg>
                <figcaption>"Predicted vs actual"</figcaption>
            </figure>
            <figure class="chart" data-testid="residuals">
                <svg viewBox=format!("0 0 {PLOT} {PLOT}") role="img"
                    aria-label=format!("Residuals (actual minus predicted) against predicted; the largest is {worst:.4}")>
                    <line x1=MARGIN y1=scale(0.0, (-worst, worst), true) x2={PLOT - MARGIN} y2=scale(0.0, (-worst, worst), true) class="diagonal" />
                    {dots(&residuals, range, (-worst, worst))}
                    <text x=MARGIN y={PLOT - 4.0} class="axis">"predicted →"</text>
                    <text x="2" y="12" class="axis">"residual ↑"</text>
                </svg>
                <figcaption>"Residuals"</figcaption>
            </figure>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::metrics::SplitName;

    #[test]
    fn only_the_chosen_cell_s_samples_are_kept() {
        let mut state = EvalState::default();
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(Evaluation {
                model: "m".into(),
                classification: None,
                regression: Some(hearth_core::metrics::regression(
                    SplitName::Test,
                    &[1.0, 2.0],
                    &[1.5, 2.0],
                )),
                roc: None,
                points: vec![(1.0, 1.5), (2.0, 2.0)],
                cost: None,
                groups: vec![],
                importance: vec![],
                boundary: None,
            }),
        });
        let samples = |truth, predicted| CellSamples {
            truth,
            predicted,
            total: 1,
            rows: vec![],
            images: vec![],
            width: 0,
            height: 0,
        };
        assert_eq!(
            state.select(1, 0),
            ToEngine::CellSamples {
                truth: 1,
                predicted: 0
            }
        );
        state.on_message(&FromEngine::CellSamples {
            samples: samples(0, 0),
        });
        assert!(
            state.samples.is_none(),
            "an answer for another cell is dropped"
        );
        state.on_message(&FromEngine::CellSamples {
            samples: samples(1, 0),
        });
        assert_eq!(state.samples, Some(samples(1, 0)));
        state.on_message(&FromEngine::Evaluated { evaluation: None });
        assert_eq!(state, EvalState::default());
        assert!((scale(0.5, (0.0, 1.0), false) - PLOT / 2.0).abs() < 1e-9);
    }

    fn evaluation(name: &str) -> Evaluation {
        Evaluation {
            model: name.into(),
            classification: None,
            regression: None,
            roc: None,
            points: vec![],
            cost: None,
            groups: vec![],
            importance: vec![],
            boundary: None,
        }
    }

    #[test]
    fn a_mitigation_keeps_the_model_before_and_shows_the_one_after() {
        use hearth_core::model::{InputShape, ModelSpec};
        let spec = ModelSpec::logistic(
            InputShape::Features { features: 3 },
            hearth_core::data::summary::Task::Binary,
            2,
        );
        let mut state = EvalState::default();
        let mut train = TrainState::default();
        assert!(
            state
                .mitigate("gender", &mut train, Some(&spec))
                .unwrap_err()
                .contains("Train a model first")
        );
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(evaluation("before")),
        });
        let message = state.mitigate("gender", &mut train, Some(&spec)).unwrap();
        let ToEngine::Train { config, .. } = message else {
            panic!("a Train message");
        };
        let reweigh = ExampleWeights::ReweighGroups {
            column: "gender".into(),
        };
        assert_eq!(config.weights, reweigh);
        assert_eq!(train.config.weights, reweigh, "step 3 shows the choice");
        assert!(
            state
                .mitigate("gender", &mut train, Some(&spec))
                .unwrap_err()
                .contains("A run is under way")
        );
        let started = FromEngine::TrainStarted {
            epochs: 1,
            steps_per_epoch: 1,
            examples: 1,
            parameters: 1,
            backend: hearth_core::protocol::Backend::Cpu,
        };
        state.on_message(&started);
        assert_eq!(
            state.mitigation.as_ref().map(|m| &m.phase),
            Some(&MitigationPhase::Training)
        );
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(evaluation("after")),
        });
        let mitigation = state.mitigation.clone().unwrap();
        assert_eq!(mitigation.before.model, "before");
        assert_eq!(
            mitigation.phase,
            MitigationPhase::Done(Box::new(evaluation("after")))
        );
        assert_eq!(state.evaluation.as_ref().unwrap().model, "after");

        // A run started from step 3 ends the comparison; so does a failed retrain's
        // message stay until then.
        state.on_message(&started);
        assert_eq!(state.mitigation, None);
        train = TrainState::default();
        state.mitigate("gender", &mut train, Some(&spec)).unwrap();
        state.on_message(&FromEngine::TrainFailed {
            message: "no".into(),
        });
        assert_eq!(
            state.mitigation.as_ref().map(|m| &m.phase),
            Some(&MitigationPhase::Failed("no".into()))
        );
        // A bad setting is refused and the weights chosen before stay.
        let mut train = TrainState::default();
        train.config.epochs = 0;
        assert!(state.mitigate("gender", &mut train, Some(&spec)).is_err());
        assert_eq!(train.config.weights, ExampleWeights::None);
    }
}
