//! A classifier's metrics: the headline, per class, the confusion matrix and its samples,
//! the ROC curve and the decision boundary.

use hearth_core::metrics::ClassificationMetrics;
use leptos::prelude::*;

use crate::context;
use crate::engine::link::send;
use crate::widgets::chart::{MARGIN, PLOT, scale};
use crate::widgets::format::percent;
use crate::widgets::thumbnail::ThumbnailCanvas;

/// The classifier's headline: accuracy, F1, log loss and ROC AUC on the test split.
#[component]
pub fn Headline(scores: ClassificationMetrics) -> impl IntoView {
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

/// Precision, recall and F1 of each class, with their averages.
#[component]
pub fn PerClass(scores: ClassificationMetrics) -> impl IntoView {
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
pub fn Confusion(scores: ClassificationMetrics) -> impl IntoView {
    let eval = context::eval();
    let link = context::link();
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
        <CellView labels=labels.clone() />
    }
}

/// The samples of the chosen confusion cell.
#[component]
pub fn CellView(labels: Vec<String>) -> impl IntoView {
    let eval = context::eval();
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
                    {samples.images.into_iter().map(|image| view! { <ThumbnailCanvas width=width height=height pixels=image.rgba /> }).collect_view()}
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

/// The ROC curve of a binary classifier, with its area.
#[component]
pub fn Roc(roc: Vec<(f64, f64)>, auc: f64, labels: Vec<String>) -> impl IntoView {
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
pub fn BoundaryView(
    boundary: hearth_core::metrics::Boundary,
    labels: Vec<String>,
) -> impl IntoView {
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
