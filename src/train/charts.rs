//! The run's charts: loss and accuracy, and every epoch as numbers.

use leptos::prelude::*;

use super::state::TrainState;
use crate::context;
use crate::widgets::chart::{CHART_HEIGHT, CHART_WIDTH, chart_points, y_range};
use crate::widgets::format::percent;

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

/// Training loss through the run and validation loss per epoch.
#[component]
pub fn LossChart() -> impl IntoView {
    let train = context::train();
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
pub fn AccuracyChart() -> impl IntoView {
    let train = context::train();
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
pub fn HistoryTable() -> impl IntoView {
    let train = context::train();
    let share = |value: Option<f32>| value.map_or("–".to_string(), |v| percent(f64::from(v)));
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
                            <td>{share(record.train_accuracy)}</td>
                            <td>{share(record.validation_accuracy)}</td>
                        </tr>
                    }).collect_view())}
                </tbody>
            </table>
        </details>
    }
}
