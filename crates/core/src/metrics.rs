//! Metrics of a model on one split: accuracy, per-class precision/recall/F1/support with
//! macro and weighted averages, the confusion matrix, log loss and (binary) ROC AUC for
//! classification; MSE, MAE and R² for regression. Every result says which split it was
//! computed on. Plain Rust over predictions, so the engine, the CLI and the page share it.

use serde::{Deserialize, Serialize};

/// Which rows a metric was computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitName {
    Train,
    Validation,
    Test,
    /// A whole file given to `hearth eval`.
    All,
}

impl SplitName {
    pub fn label(self) -> &'static str {
        match self {
            SplitName::Train => "training",
            SplitName::Validation => "validation",
            SplitName::Test => "test",
            SplitName::All => "all rows",
        }
    }
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Rows whose true class this is.
    pub support: usize,
}

/// Averages of the per-class metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Classification metrics on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    pub split: SplitName,
    pub n: usize,
    pub accuracy: f64,
    pub per_class: Vec<ClassMetrics>,
    /// The unweighted mean over classes.
    pub macro_avg: Averages,
    /// The mean over classes weighted by support.
    pub weighted_avg: Averages,
    /// `confusion[true][predicted]` row counts.
    pub confusion: Vec<Vec<usize>>,
    /// Mean negative log-probability of the true class (probabilities clipped to 1e-15).
    pub log_loss: f64,
    /// Area under the ROC curve, for binary tasks with both classes present.
    pub roc_auc: Option<f64>,
}

/// Regression metrics on one split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub split: SplitName,
    pub n: usize,
    pub mse: f64,
    pub mae: f64,
    /// 1 − residual / total sum of squares; `None` when the targets are all equal.
    pub r2: Option<f64>,
}

/// Classification metrics from true class indices and predicted probabilities
/// (`probabilities[i]` has one value per class and sums to 1). The predicted class is
/// the most probable one (the first on ties).
pub fn classification(
    split: SplitName,
    labels: &[String],
    truth: &[usize],
    probabilities: &[Vec<f32>],
) -> ClassificationMetrics {
    let classes = labels.len();
    let n = truth.len().min(probabilities.len());
    let mut confusion = vec![vec![0usize; classes]; classes];
    let mut log_loss = 0.0;
    for (&actual, row) in truth.iter().zip(probabilities) {
        let predicted = argmax(row);
        if actual < classes && predicted < classes {
            confusion[actual][predicted] += 1;
        }
        let p = f64::from(row.get(actual).copied().unwrap_or(0.0)).clamp(1e-15, 1.0);
        log_loss -= p.ln();
    }
    let correct: usize = (0..classes).map(|class| confusion[class][class]).sum();
    let per_class: Vec<ClassMetrics> = (0..classes)
        .map(|class| {
            let true_positive = confusion[class][class] as f64;
            let predicted: usize = (0..classes).map(|row| confusion[row][class]).sum();
            let support: usize = confusion[class].iter().sum();
            let precision = ratio(true_positive, predicted as f64);
            let recall = ratio(true_positive, support as f64);
            ClassMetrics {
                label: labels[class].clone(),
                precision,
                recall,
                f1: ratio(2.0 * precision * recall, precision + recall),
                support,
            }
        })
        .collect();
    let average = |weight: &dyn Fn(&ClassMetrics) -> f64| {
        let total: f64 = per_class.iter().map(weight).sum();
        let mean = |value: &dyn Fn(&ClassMetrics) -> f64| {
            ratio(per_class.iter().map(|c| weight(c) * value(c)).sum(), total)
        };
        Averages {
            precision: mean(&|c| c.precision),
            recall: mean(&|c| c.recall),
            f1: mean(&|c| c.f1),
        }
    };
    let roc_auc = if classes == 2 {
        let scores: Vec<f32> = probabilities
            .iter()
            .map(|row| row.get(1).copied().unwrap_or(0.0))
            .collect();
        let positives: Vec<bool> = truth.iter().map(|&actual| actual == 1).collect();
        roc_auc(&scores[..n], &positives[..n])
    } else {
        None
    };
    ClassificationMetrics {
        split,
        n,
        accuracy: ratio(correct as f64, n as f64),
        macro_avg: average(&|_| 1.0),
        weighted_avg: average(&|c| c.support as f64),
        per_class,
        confusion,
        log_loss: if n == 0 { 0.0 } else { log_loss / n as f64 },
        roc_auc,
    }
}

/// Regression metrics from true and predicted values.
pub fn regression(split: SplitName, truth: &[f64], predicted: &[f64]) -> RegressionMetrics {
    let n = truth.len().min(predicted.len());
    let pairs = || truth.iter().zip(predicted).take(n);
    let mse = ratio(pairs().map(|(t, p)| (t - p).powi(2)).sum(), n as f64);
    let mae = ratio(pairs().map(|(t, p)| (t - p).abs()).sum(), n as f64);
    let mean = ratio(truth.iter().take(n).sum(), n as f64);
    let total: f64 = truth.iter().take(n).map(|t| (t - mean).powi(2)).sum();
    let residual: f64 = pairs().map(|(t, p)| (t - p).powi(2)).sum();
    RegressionMetrics {
        split,
        n,
        mse,
        mae,
        r2: (total > 0.0).then(|| 1.0 - residual / total),
    }
}

/// The area under the ROC curve: the probability that a random positive scores above a
/// random negative (ties count half). `None` without both classes.
pub fn roc_auc(scores: &[f32], positives: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f32, bool)> = scores
        .iter()
        .copied()
        .zip(positives.iter().copied())
        .collect();
    let n_pos = pairs.iter().filter(|(_, positive)| *positive).count();
    let n_neg = pairs.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' ranks (1-based, ties get their average rank).
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start;
        while end + 1 < pairs.len() && pairs[end + 1].0 == pairs[start].0 {
            end += 1;
        }
        let average_rank = (start + end) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * pairs[start..=end].iter().filter(|(_, p)| *p).count() as f64;
        start = end + 1;
    }
    let n_pos = n_pos as f64;
    Some((rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg as f64))
}

/// One group's figures (rows whose sensitive column has this value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    pub group: String,
    pub n: usize,
    /// Classification: the share classified right.
    pub accuracy: Option<f64>,
    /// Binary: the share whose true class is the positive one (class 1).
    pub base_rate: Option<f64>,
    /// Binary: the share predicted positive.
    pub selection_rate: Option<f64>,
    /// Binary: of the true positives, the share predicted positive (`None` without any).
    pub true_positive_rate: Option<f64>,
    /// Binary: of the true negatives, the share predicted positive (`None` without any).
    pub false_positive_rate: Option<f64>,
    /// Regression.
    pub mse: Option<f64>,
    pub mae: Option<f64>,
}

/// Metrics per group of one sensitive column, and the gaps between groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    pub column: String,
    pub split: SplitName,
    pub groups: Vec<GroupMetrics>,
    /// Binary: the largest selection rate minus the smallest.
    pub demographic_parity_difference: Option<f64>,
    /// Binary: the smallest selection rate over the largest (1 when all are 0).
    pub demographic_parity_ratio: Option<f64>,
    /// Binary: the larger of the true-positive-rate gap and the false-positive-rate gap.
    pub equalized_odds_difference: Option<f64>,
    /// Binary: whether the parity ratio is at least 0.8 (the "four-fifths rule").
    pub four_fifths_rule: Option<bool>,
}

/// What a model predicted, for per-group metrics.
#[derive(Debug, Clone, Copy)]
pub enum Outcomes<'a> {
    /// Class indices; `binary` makes class 1 the positive outcome.
    Classes {
        truth: &'a [usize],
        predicted: &'a [usize],
        binary: bool,
    },
    Values {
        truth: &'a [f64],
        predicted: &'a [f64],
    },
}

/// Metrics per group: `codes[i]` is the group (an index into `levels`) of example `i`.
/// Groups without examples are left out.
pub fn by_group(
    split: SplitName,
    column: &str,
    levels: &[String],
    codes: &[u32],
    outcomes: Outcomes,
) -> GroupReport {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); levels.len()];
    for (example, &code) in codes.iter().enumerate() {
        if let Some(list) = members.get_mut(code as usize) {
            list.push(example);
        }
    }
    let groups: Vec<GroupMetrics> = levels
        .iter()
        .zip(&members)
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(level, rows)| group_metrics(level, rows, outcomes))
        .collect();
    let spread = |value: &dyn Fn(&GroupMetrics) -> Option<f64>| {
        let values: Vec<f64> = groups.iter().filter_map(value).collect();
        let max = values.iter().copied().reduce(f64::max)?;
        let min = values.iter().copied().reduce(f64::min)?;
        Some((min, max))
    };
    let selection = spread(&|g| g.selection_rate);
    let difference =
        |value: &dyn Fn(&GroupMetrics) -> Option<f64>| spread(value).map(|(min, max)| max - min);
    let parity_ratio = selection.map(|(min, max)| if max > 0.0 { min / max } else { 1.0 });
    let odds = match (
        difference(&|g| g.true_positive_rate),
        difference(&|g| g.false_positive_rate),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    GroupReport {
        column: column.to_string(),
        split,
        demographic_parity_difference: selection.map(|(min, max)| max - min),
        demographic_parity_ratio: parity_ratio,
        equalized_odds_difference: odds,
        four_fifths_rule: parity_ratio.map(|ratio| ratio >= 0.8),
        groups,
    }
}

fn group_metrics(level: &str, rows: &[usize], outcomes: Outcomes) -> GroupMetrics {
    let n = rows.len();
    let mut metrics = GroupMetrics {
        group: level.to_string(),
        n,
        accuracy: None,
        base_rate: None,
        selection_rate: None,
        true_positive_rate: None,
        false_positive_rate: None,
        mse: None,
        mae: None,
    };
    match outcomes {
        Outcomes::Classes {
            truth,
            predicted,
            binary,
        } => {
            let pairs: Vec<(usize, usize)> = rows
                .iter()
                .filter_map(|&i| Some((*truth.get(i)?, *predicted.get(i)?)))
                .collect();
            let count = |keep: &dyn Fn(&(usize, usize)) -> bool| {
                pairs.iter().filter(|pair| keep(pair)).count() as f64
            };
            let n = pairs.len() as f64;
            metrics.accuracy = Some(ratio(count(&|(t, p)| t == p), n));
            if binary {
                let positives = count(&|(t, _)| *t == 1);
                let negatives = n - positives;
                metrics.base_rate = Some(ratio(positives, n));
                metrics.selection_rate = Some(ratio(count(&|(_, p)| *p == 1), n));
                metrics.true_positive_rate =
                    (positives > 0.0).then(|| count(&|(t, p)| *t == 1 && *p == 1) / positives);
                metrics.false_positive_rate =
                    (negatives > 0.0).then(|| count(&|(t, p)| *t == 0 && *p == 1) / negatives);
            }
        }
        Outcomes::Values { truth, predicted } => {
            let pairs: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|&i| Some((*truth.get(i)?, *predicted.get(i)?)))
                .collect();
            let n = pairs.len() as f64;
            metrics.mse = Some(ratio(pairs.iter().map(|(t, p)| (t - p).powi(2)).sum(), n));
            metrics.mae = Some(ratio(pairs.iter().map(|(t, p)| (t - p).abs()).sum(), n));
        }
    }
    metrics
}

/// The most probable class of each row of probabilities (the first on ties).
pub fn predicted_classes(probabilities: &[Vec<f32>]) -> Vec<usize> {
    probabilities.iter().map(|row| argmax(row)).collect()
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (index, value) in row.iter().enumerate() {
        if *value > row[best] {
            best = index;
        }
    }
    best
}

/// What the Evaluate step shows about a model on its held-out test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The model's name.
    pub model: String,
    pub classification: Option<ClassificationMetrics>,
    pub regression: Option<RegressionMetrics>,
    /// Binary tasks: the ROC curve of the second class's probability.
    pub roc: Option<Vec<(f64, f64)>>,
    /// Regression: (actual, predicted) for each test row.
    pub points: Vec<(f64, f64)>,
    /// What training cost (set when training ends).
    #[serde(default)]
    pub cost: Option<Cost>,
    /// Per-group figures for each sensitive column of a table.
    #[serde(default)]
    pub groups: Vec<GroupReport>,
    /// Tables: permutation importance of each column on the validation split, most
    /// important first.
    #[serde(default)]
    pub importance: Vec<Importance>,
    /// Classifiers of two numeric columns: the predicted class over the plane.
    #[serde(default)]
    pub boundary: Option<Boundary>,
}

/// A classifier's decision over the plane of its two numeric inputs: the predicted
/// class of each cell of a `size` × `size` grid over the data's range, and the test
/// rows on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    /// The columns of the horizontal and vertical axes, in the data's units.
    pub x_column: String,
    pub y_column: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub size: u32,
    /// The predicted class of each cell, row by row from the top (the highest y) and
    /// left to right; a cell's value is that of its centre.
    pub classes: Vec<u32>,
    /// The probability of the predicted class in each cell.
    pub confidence: Vec<f32>,
    /// The test rows: (x, y, true class, predicted class).
    pub points: Vec<(f64, f64, u32, u32)>,
}

/// How much a column matters: the mean and spread, over repeats, of how much the score
/// gets worse when the column's values are shuffled among the validation rows (accuracy
/// lost for classification, mean squared error gained for regression).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub feature: String,
    pub mean: f64,
    pub std: f64,
}

/// What training a model cost. FLOPs count a multiply-add as two; the backward pass is
/// counted as twice the forward pass (gradients for the inputs and for the weights), the
/// usual convention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub parameters: u64,
    /// The weights as float32: 4 bytes a parameter (the model file adds its header).
    pub model_bytes: u64,
    pub forward_flops: u64,
    pub backward_flops: u64,
    /// (forward + backward) × examples trained.
    pub training_flops: f64,
    pub epochs: usize,
    pub examples: u64,
    pub seconds: f64,
    pub examples_per_second: f64,
    pub backend: String,
}

impl Cost {
    pub fn new(
        parameters: u64,
        forward_flops: u64,
        epochs: usize,
        examples: u64,
        seconds: f64,
        backend: &str,
    ) -> Cost {
        let backward_flops = 2 * forward_flops;
        Cost {
            parameters,
            model_bytes: 4 * parameters,
            forward_flops,
            backward_flops,
            training_flops: (forward_flops + backward_flops) as f64 * examples as f64,
            epochs,
            examples,
            seconds,
            examples_per_second: if seconds > 0.0 {
                examples as f64 / seconds
            } else {
                0.0
            },
            backend: backend.to_string(),
        }
    }
}

/// The test samples that fell in one cell of the confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSamples {
    pub truth: usize,
    pub predicted: usize,
    /// How many samples the cell holds (more than are shown when it is large).
    pub total: usize,
    /// Table rows: each sample's cells, (column, value).
    pub rows: Vec<Vec<(String, String)>>,
    /// Image sets: each sample as a thumbnail of `width` x `height`.
    pub images: Vec<crate::data::summary::Thumbnail>,
    pub width: u32,
    pub height: u32,
}

/// The ROC curve: (false positive rate, true positive rate) as the threshold falls from
/// above the highest score to below the lowest, from (0, 0) to (1, 1); rows with equal
/// scores move the curve together (a diagonal step). `None` without both classes.
pub fn roc_curve(scores: &[f32], positives: &[bool]) -> Option<Vec<(f64, f64)>> {
    let mut pairs: Vec<(f32, bool)> = scores
        .iter()
        .copied()
        .zip(positives.iter().copied())
        .collect();
    let n_pos = pairs.iter().filter(|(_, positive)| *positive).count() as f64;
    let n_neg = pairs.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut curve = vec![(0.0, 0.0)];
    let (mut true_positives, mut false_positives) = (0.0, 0.0);
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start;
        while end + 1 < pairs.len() && pairs[end + 1].0 == pairs[start].0 {
            end += 1;
        }
        for &(_, positive) in &pairs[start..=end] {
            if positive {
                true_positives += 1.0;
            } else {
                false_positives += 1.0;
            }
        }
        curve.push((false_positives / n_neg, true_positives / n_pos));
        start = end + 1;
    }
    Some(curve)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_s_cost_counts_forward_and_backward_flops() {
        // The MLP 784-128-64-10 trained for 2 epochs of 100 examples in 4 seconds.
        let forward = 2 * (784 * 128 + 128 * 64 + 64 * 10);
        let cost = Cost::new(109_386, forward, 2, 200, 4.0, "CPU");
        assert_eq!(cost.model_bytes, 437_544);
        assert_eq!(cost.backward_flops, 2 * forward);
        assert_eq!(cost.training_flops, (3 * forward * 200) as f64);
        assert_eq!(cost.examples_per_second, 50.0);
    }

    #[test]
    fn the_roc_curve_steps_through_every_threshold() {
        // By hand: 3 positives, 3 negatives, scores falling.
        let scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4];
        let positives = [true, true, false, true, false, false];
        let curve = roc_curve(&scores, &positives).unwrap();
        let third = 1.0 / 3.0;
        let expected = [
            (0.0, 0.0),
            (0.0, third),
            (0.0, 2.0 * third),
            (third, 2.0 * third),
            (third, 1.0),
            (2.0 * third, 1.0),
            (1.0, 1.0),
        ];
        assert_eq!(curve.len(), expected.len());
        for (got, want) in curve.iter().zip(expected) {
            assert!(
                (got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12,
                "{curve:?}"
            );
        }
        // Its area is the AUC: 8 of the 9 positive-negative pairs are ordered right.
        let area: f64 = curve
            .windows(2)
            .map(|pair| (pair[1].0 - pair[0].0) * (pair[1].1 + pair[0].1) / 2.0)
            .sum();
        assert!((area - 8.0 / 9.0).abs() < 1e-12);
        assert!((roc_auc(&scores, &positives).unwrap() - area).abs() < 1e-12);
        // Ties move together; one class alone has no curve.
        assert_eq!(
            roc_curve(&[0.5, 0.5], &[true, false]).unwrap(),
            vec![(0.0, 0.0), (1.0, 1.0)]
        );
        assert_eq!(roc_curve(&[0.5, 0.7], &[true, true]), None);
    }

    fn one_hot(classes: usize, class: usize) -> Vec<f32> {
        (0..classes)
            .map(|c| if c == class { 1.0 } else { 0.0 })
            .collect()
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn per_class_metrics_match_a_hand_count() {
        // truth:     a a a b b c
        // predicted: a a b b c c
        let truth = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 0, 1, 1, 2, 2];
        let probabilities: Vec<Vec<f32>> = predicted.iter().map(|&p| one_hot(3, p)).collect();
        let metrics = classification(
            SplitName::Test,
            &labels(&["a", "b", "c"]),
            &truth,
            &probabilities,
        );
        assert_eq!(metrics.split, SplitName::Test);
        assert_eq!(metrics.n, 6);
        assert!((metrics.accuracy - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(metrics.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
        let a = &metrics.per_class[0];
        assert_eq!((a.precision, a.recall, a.support), (1.0, 2.0 / 3.0, 3));
        assert!((a.f1 - 0.8).abs() < 1e-12);
        let b = &metrics.per_class[1];
        assert_eq!((b.precision, b.recall), (0.5, 0.5));
        let c = &metrics.per_class[2];
        assert_eq!((c.precision, c.recall), (0.5, 1.0));
        let macro_f1 = (0.8 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((metrics.macro_avg.f1 - macro_f1).abs() < 1e-12);
        let weighted_f1 = (0.8 * 3.0 + 0.5 * 2.0 + 2.0 / 3.0) / 6.0;
        assert!((metrics.weighted_avg.f1 - weighted_f1).abs() < 1e-12);
        assert_eq!(metrics.roc_auc, None, "AUC is for binary tasks");
        // Wrong one-hot predictions give the clipped log loss.
        assert!((metrics.log_loss - 2.0 * -(1e-15f64).ln() / 6.0).abs() < 1e-9);
    }

    #[test]
    fn log_loss_of_calibrated_probabilities() {
        let probabilities = vec![vec![0.8, 0.2], vec![0.3, 0.7]];
        let metrics = classification(
            SplitName::Validation,
            &labels(&["no", "yes"]),
            &[0, 1],
            &probabilities,
        );
        let expected = -(0.8f64.ln() + 0.7f64.ln()) / 2.0;
        assert!((metrics.log_loss - expected).abs() < 1e-6);
        assert_eq!(metrics.roc_auc, Some(1.0));
    }

    #[test]
    fn roc_auc_counts_ordered_pairs_and_ties() {
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[0.9, 0.1], &[false, true]), Some(0.0));
        assert_eq!(roc_auc(&[0.2, 0.3], &[true, true]), None);
    }

    #[test]
    fn regression_metrics() {
        let metrics = regression(
            SplitName::Test,
            &[1.0, 2.0, 3.0, 4.0],
            &[1.5, 2.0, 2.5, 4.0],
        );
        assert_eq!(metrics.n, 4);
        assert!((metrics.mse - 0.125).abs() < 1e-12);
        assert!((metrics.mae - 0.25).abs() < 1e-12);
        assert!((metrics.r2.unwrap() - (1.0 - 0.5 / 5.0)).abs() < 1e-12);
        assert_eq!(
            regression(SplitName::All, &[2.0, 2.0], &[1.0, 3.0]).r2,
            None
        );
        assert_eq!(regression(SplitName::All, &[], &[]).mse, 0.0);
    }

    #[test]
    fn metrics_say_their_split_in_json() {
        let metrics = regression(SplitName::Validation, &[1.0, 2.0], &[1.0, 2.0]);
        let json = serde_json::to_value(metrics).unwrap();
        assert_eq!(json["split"], "validation");
        assert_eq!(json["r2"], 1.0);
    }

    #[test]
    fn group_figures_match_a_hand_count() {
        // Group m: truth 1 1 0 0 0, predicted 1 1 1 0 0 -> selection 3/5, TPR 2/2, FPR 1/3.
        // Group f: truth 1 1 0 0, predicted 1 0 0 0 -> selection 1/4, TPR 1/2, FPR 0/2.
        let truth = [1, 1, 0, 0, 0, 1, 1, 0, 0];
        let predicted = [1, 1, 1, 0, 0, 1, 0, 0, 0];
        let codes = [1, 1, 1, 1, 1, 0, 0, 0, 0];
        let levels = labels(&["f", "m", "unused"]);
        let report = by_group(
            SplitName::Test,
            "sex",
            &levels,
            &codes,
            Outcomes::Classes {
                truth: &truth,
                predicted: &predicted,
                binary: true,
            },
        );
        assert_eq!(report.groups.len(), 2, "the empty group is left out");
        let (f, m) = (&report.groups[0], &report.groups[1]);
        assert_eq!((f.group.as_str(), f.n, m.n), ("f", 4, 5));
        assert_eq!(f.accuracy, Some(0.75));
        assert_eq!(m.accuracy, Some(0.8));
        assert_eq!(f.base_rate, Some(0.5));
        assert_eq!(m.base_rate, Some(0.4));
        assert_eq!(f.selection_rate, Some(0.25));
        assert_eq!(m.selection_rate, Some(0.6));
        assert_eq!(f.true_positive_rate, Some(0.5));
        assert_eq!(m.true_positive_rate, Some(1.0));
        assert_eq!(f.false_positive_rate, Some(0.0));
        assert!((m.false_positive_rate.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((report.demographic_parity_difference.unwrap() - 0.35).abs() < 1e-12);
        assert!((report.demographic_parity_ratio.unwrap() - 0.25 / 0.6).abs() < 1e-12);
        // TPR gap 0.5, FPR gap 1/3: the larger.
        assert!((report.equalized_odds_difference.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(report.four_fifths_rule, Some(false));
    }

    #[test]
    fn groups_of_multi_class_and_regression_outcomes() {
        let report = by_group(
            SplitName::All,
            "site",
            &labels(&["a", "b"]),
            &[0, 0, 1],
            Outcomes::Classes {
                truth: &[0, 2, 1],
                predicted: &[0, 1, 1],
                binary: false,
            },
        );
        assert_eq!(report.groups[0].accuracy, Some(0.5));
        assert_eq!(report.groups[1].accuracy, Some(1.0));
        assert_eq!(report.groups[0].selection_rate, None);
        assert_eq!(report.demographic_parity_difference, None);
        assert_eq!(report.four_fifths_rule, None);

        let report = by_group(
            SplitName::All,
            "site",
            &labels(&["a", "b"]),
            &[0, 0, 1],
            Outcomes::Values {
                truth: &[1.0, 2.0, 3.0],
                predicted: &[2.0, 2.0, 1.0],
            },
        );
        assert_eq!(report.groups[0].mse, Some(0.5));
        assert_eq!(report.groups[0].mae, Some(0.5));
        assert_eq!(report.groups[1].mse, Some(4.0));
        assert_eq!(report.groups[1].accuracy, None);
    }
}
