//! The Evaluate step's panel: the metrics of the model in use, by kind of task, with the
//! columns that matter, the groups and the cost.

use leptos::prelude::*;

use super::classification::{BoundaryView, Confusion, Headline, PerClass, Roc};
use super::cost::CostView;
use super::fairness::{GroupsView, MitigationView};
use super::regression::RegressionView;
use crate::context;

/// Step 4's content.
#[component]
pub fn EvaluatePanel() -> impl IntoView {
    let eval = context::eval();
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
                    <Confusion scores=scores.clone() />
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
                        {classes.then(|| view! { <MitigationView column=column /> })}
                    }
                }).collect_view()}
                {cost.map(|cost| view! { <CostView cost=cost /> })}
            </div>
        }
        .into_any()
    }
}

/// Permutation importance as bars (mean over repeats) with the spread as text.
#[component]
pub fn ImportanceView(
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
