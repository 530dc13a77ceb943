//! Groups of a sensitive column: their figures and gaps, and the retrain with group-aware
//! reweighting beside the model before it.

use hearth_core::metrics::{Evaluation, GroupReport};
use leptos::prelude::*;

use super::state::MitigationPhase;
use crate::context;
use crate::engine::link::send;
use crate::engine::status::EngineStatus;
use crate::train::state::TrainState;
use crate::widgets::format::percent;

/// The figures of each group of a sensitive column, and the gaps between groups.
#[component]
pub fn GroupsView(report: hearth_core::metrics::GroupReport) -> impl IntoView {
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
pub fn MitigationView(column: String) -> impl IntoView {
    let eval = context::eval();
    let train = context::train();
    let specs = context::specs();
    let status = context::status();
    let link = context::link();
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
pub fn BeforeAfter(
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
