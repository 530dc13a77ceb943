//! Printing what the commands found: the architecture, metrics as a classification report,
//! per-group figures, and the same as JSON.

use hearth_core::data::prep::Groups;
use hearth_core::data::summary::Task;
use hearth_core::metrics::{
    self, ClassificationMetrics, GroupReport, Outcomes, RegressionMetrics, SplitName,
};
use hearth_core::model::ModelSpec;
use hearth_core::text::thousands;
use serde_json::{Value, json};

use crate::Failure;

/// Metrics of one model on one set of examples.
pub enum Scores {
    Classification(ClassificationMetrics),
    Regression(RegressionMetrics),
}

/// The metrics and per-group figures of `predictions` against `truth` (class indices or
/// values), for each sensitive column's groups (one code per example).
pub fn score(
    split: SplitName,
    task: Task,
    labels: &[String],
    truth: &[f32],
    predictions: &[Vec<f32>],
    groups: &[Groups],
) -> (Scores, Vec<GroupReport>) {
    let by_group = |outcomes: Outcomes| -> Vec<GroupReport> {
        groups
            .iter()
            .map(|groups| {
                metrics::by_group(
                    split,
                    &groups.column,
                    &groups.levels,
                    &groups.codes,
                    outcomes,
                )
            })
            .collect()
    };
    if task == Task::Regression {
        let truth: Vec<f64> = truth.iter().map(|&y| f64::from(y)).collect();
        let predicted: Vec<f64> = predictions
            .iter()
            .map(|row| f64::from(row.first().copied().unwrap_or(f32::NAN)))
            .collect();
        let reports = by_group(Outcomes::Values {
            truth: &truth,
            predicted: &predicted,
        });
        let scores = metrics::regression(split, &truth, &predicted);
        return (Scores::Regression(scores), reports);
    }
    let truth: Vec<usize> = truth.iter().map(|&y| y as usize).collect();
    let predicted = metrics::predicted_classes(predictions);
    let reports = by_group(Outcomes::Classes {
        truth: &truth,
        predicted: &predicted,
        binary: task == Task::Binary,
    });
    let scores = metrics::classification(split, labels, &truth, predictions);
    (Scores::Classification(scores), reports)
}

/// The layers with their output shapes, parameters and FLOPs, and the totals; layers kept
/// from the model it was built on say so.
pub fn print_layers(spec: &ModelSpec) -> Result<(), Failure> {
    let infos = spec
        .infer()
        .map_err(|error| Failure::input(format!("the model does not fit together: {error}")))?;
    let (kept, how) = spec.origin.as_ref().map_or((0, ""), |origin| {
        let how = if origin.frozen {
            " (kept, frozen)"
        } else {
            " (kept, fine-tuned)"
        };
        (origin.kept_layers, how)
    });
    let names: Vec<String> = infos
        .iter()
        .enumerate()
        .map(|(index, info)| {
            let how = if index < kept { how } else { "" };
            format!("{}{how}", info.name)
        })
        .collect();
    let width = names
        .iter()
        .map(|name| name.chars().count())
        .fold(34, usize::max);
    println!(
        "  {:<width$} {:>14} {:>12} {:>14}",
        "layer", "output", "parameters", "FLOPs"
    );
    println!("  {:<width$} {:>14}", "input", spec_input(spec));
    for (info, name) in infos.iter().zip(&names) {
        println!(
            "  {:<width$} {:>14} {:>12} {:>14}",
            name,
            info.output.label(),
            thousands(info.params),
            thousands(info.flops)
        );
    }
    println!(
        "  {:<width$} {:>14} {:>12} {:>14}",
        "total",
        "",
        thousands(spec.params()),
        thousands(spec.flops())
    );
    Ok(())
}

fn spec_input(spec: &ModelSpec) -> String {
    hearth_core::model::Shape::from(spec.input).label()
}

/// The metrics as a report for people.
pub fn print_scores(scores: &Scores) {
    match scores {
        Scores::Classification(m) => {
            println!(
                "{} ({} examples): accuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}, log loss {:.4}{}",
                m.split.label(),
                m.n,
                m.accuracy,
                m.macro_avg.f1,
                m.weighted_avg.f1,
                m.log_loss,
                m.roc_auc
                    .map(|auc| format!(", ROC AUC {auc:.4}"))
                    .unwrap_or_default()
            );
            let width = m
                .per_class
                .iter()
                .map(|class| class.label.chars().count())
                .max()
                .unwrap_or(5)
                .clamp(12, 24);
            println!(
                "  {:<width$} {:>9} {:>9} {:>9} {:>9}",
                "class", "precision", "recall", "F1", "support"
            );
            for class in &m.per_class {
                println!(
                    "  {:<width$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                    class.label, class.precision, class.recall, class.f1, class.support
                );
            }
            for (name, average) in [("macro avg", m.macro_avg), ("weighted avg", m.weighted_avg)] {
                println!(
                    "  {:<width$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                    name, average.precision, average.recall, average.f1, m.n
                );
            }
            println!("  confusion matrix (rows: true class, columns: predicted):");
            for (class, row) in m.per_class.iter().zip(&m.confusion) {
                let cells: Vec<String> = row.iter().map(|count| format!("{count:>6}")).collect();
                println!("  {:<width$} {}", class.label, cells.join(""));
            }
        }
        Scores::Regression(m) => println!(
            "{} ({} examples): MSE {:.6}, MAE {:.6}, R² {}",
            m.split.label(),
            m.n,
            m.mse,
            m.mae,
            m.r2.map_or("undefined (constant target)".to_string(), |r2| format!(
                "{r2:.4}"
            ))
        ),
    }
}

/// Per-group figures as a table for people.
pub fn print_groups(report: &GroupReport) {
    let percent = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v:.3}"));
    println!("by {} ({}):", report.column, report.split.label());
    println!(
        "  {:<16} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "group", "n", "accuracy", "base", "selected", "TPR", "FPR", "MSE", "MAE"
    );
    for group in &report.groups {
        println!(
            "  {:<16} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
            group.group,
            group.n,
            percent(group.accuracy),
            percent(group.base_rate),
            percent(group.selection_rate),
            percent(group.true_positive_rate),
            percent(group.false_positive_rate),
            percent(group.mse),
            percent(group.mae),
        );
    }
    if let (Some(difference), Some(ratio)) = (
        report.demographic_parity_difference,
        report.demographic_parity_ratio,
    ) {
        println!(
            "  demographic parity: difference {difference:.3}, ratio {ratio:.3}{}",
            if ratio < 0.8 {
                " (below 0.8: fails the four-fifths rule)"
            } else {
                " (meets the four-fifths rule)"
            }
        );
    }
    if let Some(odds) = report.equalized_odds_difference {
        println!("  equalized odds difference: {odds:.3}");
    }
}

/// The metrics as one JSON object: `task`, `n`, the split, the headline figures, and
/// `groups` keyed by sensitive column.
pub fn scores_json(task: Task, scores: &Scores, groups: &[GroupReport]) -> Value {
    let mut object = match scores {
        Scores::Classification(m) => json!({
            "split": m.split,
            "n": m.n,
            "accuracy": m.accuracy,
            "macro_f1": m.macro_avg.f1,
            "weighted_f1": m.weighted_avg.f1,
            "macro_avg": m.macro_avg,
            "weighted_avg": m.weighted_avg,
            "log_loss": m.log_loss,
            "roc_auc": m.roc_auc,
            "labels": m.per_class.iter().map(|class| class.label.clone()).collect::<Vec<_>>(),
            "per_class": m.per_class,
            "confusion": m.confusion,
        }),
        Scores::Regression(m) => json!({
            "split": m.split,
            "n": m.n,
            "mse": m.mse,
            "mae": m.mae,
            "r2": m.r2,
        }),
    };
    object["task"] = json!(hearth_core::model::apply::task_name(task));
    object["groups"] = Value::Object(
        groups
            .iter()
            .map(|report| (report.column.clone(), json!(report)))
            .collect(),
    );
    object
}
