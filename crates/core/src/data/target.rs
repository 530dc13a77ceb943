//! The target column: which task it asks for (inferred, or as chosen), its classes or
//! its numbers, and how the model learns it.

use std::collections::HashMap;

use super::DataError;
use super::infer::{boolean_pair, is_missing, natural_cmp, numeric_stats, parse_number};
use super::prep::{MAX_CLASSES, TargetSchema};
use super::summary::{ColumnKind, Task};

/// How the target is learned: its classes, or its mean and spread on the `train` rows.
pub(super) fn target_schema(
    target_name: &str,
    analysis: &TargetAnalysis,
    train: &[u32],
    y: &[f32],
) -> TargetSchema {
    match analysis.task {
        Task::Regression => {
            let train_y: Vec<f64> = train.iter().map(|&i| f64::from(y[i as usize])).collect();
            let stats = numeric_stats(&train_y);
            TargetSchema::Regression {
                column: target_name.to_string(),
                mean: stats.map_or(0.0, |s| s.mean),
                std: stats.map_or(1.0, |s| if s.std > 0.0 { s.std } else { 1.0 }),
            }
        }
        task => TargetSchema::Classes {
            column: target_name.to_string(),
            labels: analysis
                .classes
                .iter()
                .map(|(label, _)| label.clone())
                .collect(),
            binary: task == Task::Binary,
        },
    }
}

/// The target's task, classes and per-row values.
pub(super) struct TargetAnalysis {
    pub(super) task: Task,
    pub(super) inferred: Task,
    pub(super) classes: Vec<(String, usize)>,
    pub(super) numeric: Option<super::summary::NumericStats>,
    /// The class index (classification) or the number (regression); `None` if missing.
    pub(super) values: Vec<Option<f32>>,
}

/// A class label's canonical spelling: numbers as numbers ("1.0" is "1"), booleans in
/// lower case, other text trimmed.
fn class_key(cell: &str, kind: ColumnKind) -> String {
    let cell = cell.trim();
    match (kind, parse_number(cell)) {
        (_, Some(number)) => format!("{number}"),
        (ColumnKind::Boolean, None) => cell.to_lowercase(),
        _ => cell.to_string(),
    }
}

pub(super) fn analyse_target<'a>(
    column: &str,
    kind: ColumnKind,
    cells: impl Iterator<Item = &'a str> + Clone,
    chosen: Option<Task>,
) -> Result<TargetAnalysis, DataError> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut numbers = Vec::new();
    let mut all_numeric = true;
    for cell in cells.clone() {
        if is_missing(cell) {
            continue;
        }
        match parse_number(cell) {
            Some(number) => numbers.push(number),
            None => all_numeric = false,
        }
        if counts.len() <= 10 * MAX_CLASSES || counts.contains_key(cell) {
            *counts.entry(class_key(cell, kind)).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return Err(DataError::TargetEmpty {
            column: column.to_string(),
        });
    }
    let numeric = all_numeric && matches!(kind, ColumnKind::Numeric | ColumnKind::Identifier);
    let distinct = counts.len();
    let integers = numbers.iter().all(|value| value.fract() == 0.0);
    let inferred = if kind == ColumnKind::Boolean || distinct == 2 {
        Task::Binary
    } else if numeric && !(integers && distinct <= 10 && distinct * 2 <= numbers.len()) {
        // Numbers are a quantity, unless they are a few small codes that repeat (0-9 grades).
        Task::Regression
    } else {
        Task::MultiClass
    };
    let task = chosen.unwrap_or(inferred);
    if distinct == 1 {
        let value = counts.keys().next().cloned().unwrap_or_default();
        return Err(DataError::TargetOneClass {
            column: column.to_string(),
            value,
        });
    }
    if task == Task::Regression {
        if !numeric && !all_numeric {
            return Err(DataError::TargetNotNumeric {
                column: column.to_string(),
            });
        }
        let values = cells
            .map(|cell| {
                if is_missing(cell) {
                    None
                } else {
                    parse_number(cell).map(|v| v as f32)
                }
            })
            .collect();
        return Ok(TargetAnalysis {
            task,
            inferred,
            classes: Vec::new(),
            numeric: numeric_stats(&numbers),
            values,
        });
    }
    if distinct > MAX_CLASSES {
        return Err(DataError::TargetTooManyClasses {
            column: column.to_string(),
            distinct,
            limit: MAX_CLASSES,
        });
    }
    if task == Task::Binary && distinct != 2 {
        return Err(DataError::NotBinary {
            column: column.to_string(),
            classes: distinct,
        });
    }
    let mut classes: Vec<(String, usize)> = counts.into_iter().collect();
    // Booleans: the "false" side first, so class 1 is "yes"/"true".
    let pair = if kind == ColumnKind::Boolean {
        let values: Vec<&str> = classes.iter().map(|(label, _)| label.as_str()).collect();
        boolean_pair(&values)
    } else {
        None
    };
    classes.sort_by(|a, b| match pair {
        Some((no, _)) => (b.0 == no).cmp(&(a.0 == no)),
        None => natural_cmp(&a.0, &b.0),
    });
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, (label, _))| (label.as_str(), i))
        .collect();
    let values = cells
        .map(|cell| {
            if is_missing(cell) {
                None
            } else {
                index.get(class_key(cell, kind).as_str()).map(|&i| i as f32)
            }
        })
        .collect();
    Ok(TargetAnalysis {
        task,
        inferred,
        classes,
        numeric: None,
        values,
    })
}
