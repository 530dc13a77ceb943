//! The model card as Markdown: generated from the model file's document (the card's own
//! fields, the architecture, the data it reads, how it was trained and what it cost, and
//! the test metrics overall and per group), so that it always says what the file holds.

use super::config::ExampleWeights;
use super::file::ModelDocument;
use super::spec::Shape;
use crate::data::prep::{FeatureSchema, TargetSchema};
use crate::metrics::{ClassificationMetrics, Cost, GroupReport, RegressionMetrics};
use crate::text::{capitalised, thousands};

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn or_missing(text: &str, missing: &str) -> String {
    if text.trim().is_empty() {
        format!("_{missing}_")
    } else {
        text.trim().to_string()
    }
}

/// The card of the model `document` describes, as Markdown.
pub fn markdown(document: &ModelDocument) -> String {
    let card = &document.card;
    let spec = &document.spec;
    let mut out = String::new();
    let name = if card.name.is_empty() {
        "Model"
    } else {
        &card.name
    };
    out.push_str(&format!("# Model card: {name}\n\n"));
    if !card.description.is_empty() {
        out.push_str(&format!("{}\n\n", card.description));
    }
    if let Some(date) = &card.trained_at {
        out.push_str(&format!("Trained {date} with Hearth.\n\n"));
    }
    out.push_str(&format!(
        "## Intended use\n\n{}\n\n## Limitations\n\n{}\n\n",
        or_missing(&card.intended_use, "Not stated by the model's author."),
        or_missing(&card.limitations, "Not stated by the model's author.")
    ));

    out.push_str("## Model\n\n");
    out.push_str(&format!(
        "{}, {} parameters. Input: {}.\n\n| # | Layer | Output | Parameters |\n|---|---|---|---|\n",
        capitalised(spec.task.label()),
        thousands(spec.params()),
        Shape::from(spec.input).label()
    ));
    if let Ok(infos) = spec.infer() {
        for (index, (layer, info)) in spec.layers.iter().zip(&infos).enumerate() {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                index + 1,
                layer.label(),
                info.output.label(),
                thousands(info.params)
            ));
        }
        if let Some(head) = infos.last() {
            out.push_str(&format!(
                "| out | head ({} outputs) | {} | {} |\n",
                spec.outputs,
                head.output.label(),
                thousands(head.params)
            ));
        }
    }
    out.push('\n');

    out.push_str("## Data\n\n");
    match &document.preprocessing {
        Some(schema) => {
            let target = match &schema.target {
                TargetSchema::Classes { column, labels, .. } => {
                    format!("\"{column}\", one of: {}", labels.join(", "))
                }
                TargetSchema::Regression { column, mean, std } => {
                    format!("\"{column}\", a number (mean {mean:.4}, sd {std:.4} in training)")
                }
            };
            out.push_str(&format!("Predicts {target}.\n\nReads:\n\n"));
            for feature in &schema.features {
                let how = match feature {
                    FeatureSchema::Numeric { .. } => "a number, scaled as in training".to_string(),
                    FeatureSchema::Boolean { true_value, .. } => {
                        format!("yes/no (\"{true_value}\" is yes)")
                    }
                    FeatureSchema::Categorical { levels, .. } => {
                        format!("one of {} categories", levels.len())
                    }
                };
                out.push_str(&format!("- {}: {how}\n", feature.column()));
            }
            out.push('\n');
        }
        None => out.push_str(&format!(
            "Images of {} in {} classes: {}.\n\n",
            Shape::from(spec.input).label(),
            document.class_labels.len(),
            document.class_labels.join(", ")
        )),
    }

    out.push_str("## Training\n\n");
    if let Some(config) = &document.train_config {
        out.push_str(&format!(
            "{} epochs of batch {}, learning rate {}, seed {}; {} epochs ran.\n\n",
            config.epochs,
            config.batch_size,
            config.learning_rate,
            config.seed,
            document.history.len()
        ));
        if let ExampleWeights::ReweighGroups { column } = &config.weights {
            out.push_str(&format!(
                "Mitigation: group-aware reweighting by \"{column}\" (Kamiran and Calders' reweighing: each training row weighs P(group)·P(class) / P(group, class), so that group and outcome are independent in the weighted training data).\n\n"
            ));
        } else if config.weights != ExampleWeights::None {
            out.push_str(&format!(
                "Example weights: {}.\n\n",
                config.weights.describe()
            ));
        }
    }
    if let Some(cost) = document
        .metrics
        .get("training")
        .and_then(|value| serde_json::from_value::<Cost>(value.clone()).ok())
    {
        out.push_str(&format!(
            "Cost: {} FLOPs per example forward, {} backward (counted as twice the forward), {:.3e} FLOPs in all over {} examples; {:.1} s on {} ({:.0} examples per second). Weights: {} bytes as float32.\n\n",
            thousands(cost.forward_flops),
            thousands(cost.backward_flops),
            cost.training_flops,
            thousands(cost.examples),
            cost.seconds,
            cost.backend,
            cost.examples_per_second,
            thousands(cost.model_bytes)
        ));
    }

    out.push_str("## Metrics on the held-out test split\n\n");
    let test = document.metrics.get("test");
    if let Some(scores) =
        test.and_then(|v| serde_json::from_value::<ClassificationMetrics>(v.clone()).ok())
    {
        out.push_str(&format!(
            "Accuracy {} on {} samples; macro F1 {:.3}; log loss {:.3}{}.\n\n| Class | Precision | Recall | F1 | Support |\n|---|---|---|---|---|\n",
            percent(scores.accuracy),
            scores.n,
            scores.macro_avg.f1,
            scores.log_loss,
            scores.roc_auc.map(|auc| format!("; ROC AUC {auc:.3}")).unwrap_or_default()
        ));
        for class in &scores.per_class {
            out.push_str(&format!(
                "| {} | {:.3} | {:.3} | {:.3} | {} |\n",
                class.label, class.precision, class.recall, class.f1, class.support
            ));
        }
        out.push('\n');
    } else if let Some(scores) =
        test.and_then(|v| serde_json::from_value::<RegressionMetrics>(v.clone()).ok())
    {
        out.push_str(&format!(
            "R² {} on {} rows; MSE {:.4}; MAE {:.4}.\n\n",
            scores.r2.map_or("–".to_string(), |r2| format!("{r2:.3}")),
            scores.n,
            scores.mse,
            scores.mae
        ));
    } else {
        out.push_str("_Not measured: the model was not scored on a held-out split._\n\n");
    }
    let groups: Vec<GroupReport> = document
        .metrics
        .get("groups")
        .and_then(|value| serde_json::from_value(value.clone()).ok())
        .unwrap_or_default();
    for report in groups {
        out.push_str(&format!(
            "### By \"{}\"\n\n| Group | Rows | Base rate | Selection rate | Accuracy | TPR | FPR |\n|---|---|---|---|---|---|---|\n",
            report.column
        ));
        let rate = |value: Option<f64>| value.map_or("–".to_string(), percent);
        for group in &report.groups {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                group.group,
                group.n,
                rate(group.base_rate),
                rate(group.selection_rate),
                rate(group.accuracy),
                rate(group.true_positive_rate),
                rate(group.false_positive_rate)
            ));
        }
        if let (Some(difference), Some(ratio)) = (
            report.demographic_parity_difference,
            report.demographic_parity_ratio,
        ) {
            out.push_str(&format!(
                "\nDemographic parity difference {difference:.3}, ratio {ratio:.3} ({} the four-fifths rule){}.\n",
                if report.four_fifths_rule == Some(false) { "fails" } else { "passes" },
                report
                    .equalized_odds_difference
                    .map(|eo| format!("; equalized odds difference {eo:.3}"))
                    .unwrap_or_default()
            ));
        }
        out.push('\n');
    }
    out.push_str("_Generated by Hearth from the model file; the same card is inside the file._\n");
    out
}
