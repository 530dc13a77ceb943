//! Preprocessing: from a table and the user's [`DataConfig`] to model inputs. Rows with a
//! missing target (and, where asked, a missing feature) are dropped; the rows are split
//! (stratified by class for classification) with a seeded shuffle; missing values are
//! filled, categories one-hot encoded and numbers scaled with values fitted on the
//! training split only; constant inputs are dropped with a notice.
//!
//! The fitted [`Schema`] is what a model file stores: column names, fill values, scaling,
//! category and class names. Never rows.

use std::collections::{BTreeMap, HashMap};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::infer::{
    boolean_pair, is_missing, median_of_sorted, natural_cmp, numeric_stats, parse_number,
};
use super::summary::{
    ColumnConfig, ColumnKind, DataConfig, DataReport, MissingStrategy, Scaling, TableSummary,
    TargetSummary, Task,
};
use super::target::{analyse_target, target_schema};
use super::{DataError, Table, TextColumn};

/// The most classes a classification target may have.
pub const MAX_CLASSES: usize = 100;
/// The fewest rows a data set needs after dropping rows.
pub const MIN_ROWS: usize = 4;

/// How one input column becomes model inputs (fitted on the training split).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSchema {
    /// One input: `(value - shift) / scale`, `fill` where missing.
    Numeric {
        column: String,
        fill: f64,
        shift: f64,
        scale: f64,
        indicator: bool,
    },
    /// One input: 1 for `true_value` (compared ignoring case), else 0; `fill` where missing.
    Boolean {
        column: String,
        true_value: String,
        fill: f64,
        indicator: bool,
    },
    /// One input per level (one-hot); an unseen level gives all zeros; `fill` where missing.
    Categorical {
        column: String,
        levels: Vec<String>,
        fill: Option<String>,
        indicator: bool,
    },
}

impl FeatureSchema {
    pub fn column(&self) -> &str {
        match self {
            FeatureSchema::Numeric { column, .. }
            | FeatureSchema::Boolean { column, .. }
            | FeatureSchema::Categorical { column, .. } => column,
        }
    }

    /// How many model inputs this feature becomes.
    pub fn width(&self) -> usize {
        let values = match self {
            FeatureSchema::Numeric { .. } | FeatureSchema::Boolean { .. } => 1,
            FeatureSchema::Categorical { levels, .. } => levels.len(),
        };
        values + usize::from(self.indicator())
    }

    fn indicator(&self) -> bool {
        match self {
            FeatureSchema::Numeric { indicator, .. }
            | FeatureSchema::Boolean { indicator, .. }
            | FeatureSchema::Categorical { indicator, .. } => *indicator,
        }
    }

    /// The names of the inputs this column becomes.
    pub fn input_names(&self) -> Vec<String> {
        let mut names = match self {
            FeatureSchema::Numeric { column, .. } | FeatureSchema::Boolean { column, .. } => {
                vec![column.clone()]
            }
            FeatureSchema::Categorical { column, levels, .. } => levels
                .iter()
                .map(|level| format!("{column}={level}"))
                .collect(),
        };
        if self.indicator() {
            names.push(format!("{} (missing)", self.column()));
        }
        names
    }

    /// Appends the inputs for one cell (`None` when the column is absent).
    pub fn encode(&self, cell: Option<&str>, out: &mut Vec<f32>) {
        let cell = cell.filter(|cell| !is_missing(cell));
        let mut was_missing = cell.is_none();
        match self {
            FeatureSchema::Numeric {
                fill, shift, scale, ..
            } => {
                let value = cell.and_then(parse_number).unwrap_or_else(|| {
                    was_missing = true;
                    *fill
                });
                out.push(((value - shift) / scale) as f32);
            }
            FeatureSchema::Boolean {
                true_value, fill, ..
            } => out.push(match cell {
                Some(cell) => f32::from(u8::from(cell.trim().eq_ignore_ascii_case(true_value))),
                None => *fill as f32,
            }),
            FeatureSchema::Categorical { levels, fill, .. } => {
                let value = cell.map(str::trim).or(fill.as_deref());
                for level in levels {
                    out.push(f32::from(u8::from(value == Some(level.as_str()))));
                }
            }
        }
        if self.indicator() {
            out.push(f32::from(u8::from(was_missing)));
        }
    }
}

/// What the model predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetSchema {
    /// Class `i` is `labels[i]`.
    Classes {
        column: String,
        labels: Vec<String>,
        binary: bool,
    },
    /// A number; the model learns `(value - mean) / std` (fitted on the training split).
    Regression { column: String, mean: f64, std: f64 },
}

impl TargetSchema {
    pub fn column(&self) -> &str {
        match self {
            TargetSchema::Classes { column, .. } | TargetSchema::Regression { column, .. } => {
                column
            }
        }
    }

    pub fn task(&self) -> Task {
        match self {
            TargetSchema::Classes { binary: true, .. } => Task::Binary,
            TargetSchema::Classes { .. } => Task::MultiClass,
            TargetSchema::Regression { .. } => Task::Regression,
        }
    }
}

/// The fitted preprocessing: enough to turn a new row into model inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub features: Vec<FeatureSchema>,
    pub target: TargetSchema,
    pub scaling: Scaling,
}

impl Schema {
    /// The names of the model's inputs, in order.
    pub fn input_names(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(FeatureSchema::input_names)
            .collect()
    }

    /// The number of model inputs.
    pub fn width(&self) -> usize {
        self.input_names().len()
    }

    /// The model inputs for one row; `cell` gives a column's cell by name.
    pub fn encode<'a>(&self, cell: impl Fn(&str) -> Option<&'a str>) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.features.len());
        for feature in &self.features {
            feature.encode(cell(feature.column()), &mut out);
        }
        out
    }
}

/// A sensitive column's group per row, for per-group metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Groups {
    pub column: String,
    /// Group names; "(missing)" when some rows have none.
    pub levels: Vec<String>,
    /// One code per row of [`Prepared::x`].
    pub codes: Vec<u32>,
}

/// A table turned into model inputs, split and ready to train on.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub schema: Schema,
    /// Row-major inputs, `rows() * width` values.
    pub x: Vec<f32>,
    pub width: usize,
    /// One target per row: the class index, or the raw number for regression.
    pub y: Vec<f32>,
    /// Row indices of the training, validation and test sets.
    pub split: [Vec<u32>; 3],
    pub groups: Vec<Groups>,
    pub target: TargetSummary,
    pub dropped_rows: usize,
    pub notices: Vec<String>,
    /// The table row each prepared row came from.
    pub rows: Vec<usize>,
}

impl Prepared {
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// What the page shows about the prepared data.
    pub fn report(&self) -> DataReport {
        DataReport {
            target: Some(self.target.clone()),
            inputs: self.schema.input_names(),
            split_rows: [
                self.split[0].len(),
                self.split[1].len(),
                self.split[2].len(),
            ],
            dropped_rows: self.dropped_rows,
            notices: self.notices.clone(),
            problem: None,
        }
    }
}

/// Applies `config` to `table` (whose columns `summary` describes), or says why it cannot.
pub fn report(table: &Table, summary: &TableSummary, config: &DataConfig) -> DataReport {
    match prepare(table, summary, config) {
        Ok(prepared) => prepared.report(),
        Err(error) => DataReport {
            problem: Some(error.to_string()),
            ..DataReport::default()
        },
    }
}

/// Marks the rows to leave out (`keep[row] = false`) for each feature whose missing values
/// drop their row, with a notice for each.
fn drop_rows_missing<'t>(
    features: &[&ColumnConfig],
    kind_of: &dyn Fn(&str) -> Option<ColumnKind>,
    column: &dyn Fn(&str) -> Result<&'t TextColumn, DataError>,
    keep: &mut [bool],
    notices: &mut Vec<String>,
) -> Result<(), DataError> {
    for feature in features {
        if feature.missing != MissingStrategy::DropRows {
            continue;
        }
        let numeric = kind_of(&feature.name) == Some(ColumnKind::Numeric);
        let cells = column(&feature.name)?;
        let mut dropped = 0;
        for (row, cell) in cells.iter().enumerate() {
            if keep[row] && (is_missing(cell) || (numeric && parse_number(cell).is_none())) {
                keep[row] = false;
                dropped += 1;
            }
        }
        if dropped > 0 {
            notices.push(format!(
                "{dropped} row(s) with \"{}\" missing are left out (\"drop rows\").",
                feature.name
            ));
        }
    }
    Ok(())
}

/// Prepares `table` as `config` says.
pub fn prepare(
    table: &Table,
    summary: &TableSummary,
    config: &DataConfig,
) -> Result<Prepared, DataError> {
    let kind_of = |name: &str| {
        summary
            .columns
            .iter()
            .find(|column| column.name == name)
            .map(|column| column.kind)
    };
    let column = |name: &str| {
        table.column(name).ok_or_else(|| DataError::UnknownColumn {
            file: table.name.clone(),
            column: name.to_string(),
        })
    };
    let target_name = config.target().ok_or(DataError::NoTarget)?;
    let target_column = column(target_name)?;
    let target_kind = kind_of(target_name).unwrap_or(ColumnKind::Categorical);
    let analysis = analyse_target(target_name, target_kind, target_column.iter(), config.task)?;

    // Rows that are kept: a target, and every "drop rows" feature present.
    let features: Vec<_> = config
        .columns
        .iter()
        .filter(|column| column.role.is_input())
        .collect();
    if features.is_empty() {
        return Err(DataError::NoFeatures);
    }
    let mut notices = Vec::new();
    let mut keep: Vec<bool> = analysis.values.iter().map(Option::is_some).collect();
    let missing_target = keep.iter().filter(|keep| !**keep).count();
    if missing_target > 0 {
        notices.push(format!(
            "{missing_target} row(s) without a value in the target \"{target_name}\" are left out."
        ));
    }
    drop_rows_missing(&features, &kind_of, &column, &mut keep, &mut notices)?;
    let kept: Vec<usize> = (0..keep.len()).filter(|&row| keep[row]).collect();
    if kept.len() < MIN_ROWS {
        return Err(DataError::TooFewRows {
            rows: kept.len(),
            needed: MIN_ROWS,
        });
    }

    // Targets of the kept rows, then the split.
    let y: Vec<f32> = kept
        .iter()
        .map(|&row| analysis.values[row].unwrap_or(f32::NAN))
        .collect();
    let split = split_rows(&y, analysis.task.is_classification(), &config.split);
    let train = &split[0];
    let train_rows: Vec<usize> = train.iter().map(|&i| kept[i as usize]).collect();

    // Fit each feature on the training rows.
    let mut schemas = Vec::new();
    for feature in &features {
        let cells = column(&feature.name)?;
        let kind = kind_of(&feature.name).unwrap_or(ColumnKind::Categorical);
        match fit_feature(
            &feature.name,
            kind,
            feature.missing,
            feature.indicator,
            config.scaling,
            cells,
            &train_rows,
        ) {
            Fitted::Feature(schema) => schemas.push(schema),
            Fitted::Constant(value) => notices.push(format!(
                "\"{}\" has the same value ({value}) in every training row, so it is left out.",
                feature.name
            )),
        }
    }
    if schemas.is_empty() {
        return Err(DataError::NoFeatures);
    }

    let target_schema = target_schema(target_name, &analysis, train, &y);
    let schema = Schema {
        features: schemas,
        target: target_schema,
        scaling: config.scaling,
    };

    // Encode every kept row.
    let width = schema.width();
    let columns: Vec<_> = schema
        .features
        .iter()
        .map(|feature| column(feature.column()))
        .collect::<Result<_, _>>()?;
    let mut x = Vec::with_capacity(kept.len() * width);
    for &row in &kept {
        for (feature, cells) in schema.features.iter().zip(&columns) {
            feature.encode(Some(cells.get(row)), &mut x);
        }
    }

    // Sensitive columns as groups.
    let mut groups = Vec::new();
    for sensitive in config
        .columns
        .iter()
        .filter(|column| column.role.is_sensitive())
    {
        groups.push(groups_of(&sensitive.name, column(&sensitive.name)?, &kept));
    }

    let target = TargetSummary {
        column: target_name.to_string(),
        task: analysis.task,
        inferred: analysis.inferred,
        classes: analysis.classes,
        numeric: analysis.numeric,
    };
    Ok(Prepared {
        schema,
        x,
        width,
        y,
        split,
        groups,
        target,
        dropped_rows: table.rows() - kept.len(),
        notices,
        rows: kept,
    })
}

/// The groups of column `name` (whose cells are `cells`) over the table rows `kept`:
/// levels in natural order, "(missing)" for rows without a value.
pub fn groups_of(name: &str, cells: &super::TextColumn, kept: &[usize]) -> Groups {
    let names: Vec<String> = kept
        .iter()
        .map(|&row| {
            let cell = cells.get(row).trim();
            if is_missing(cell) {
                "(missing)".to_string()
            } else {
                cell.to_string()
            }
        })
        .collect();
    let mut levels: Vec<String> = names.clone();
    levels.sort_by(|a, b| natural_cmp(a, b));
    levels.dedup();
    let index: HashMap<&str, u32> = levels
        .iter()
        .enumerate()
        .map(|(i, level)| (level.as_str(), i as u32))
        .collect();
    let codes = names.iter().map(|name| index[name.as_str()]).collect();
    Groups {
        column: name.to_string(),
        levels,
        codes,
    }
}

/// Seeded split of rows `0..y.len()`; for classification, each class is split on its own
/// so that every set has the same class balance.
pub fn split_rows(y: &[f32], stratify: bool, split: &super::summary::Split) -> [Vec<u32>; 3] {
    let mut rng = ChaCha8Rng::seed_from_u64(split.seed);
    let mut strata: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for (row, &value) in y.iter().enumerate() {
        let key = if stratify { value as i64 } else { 0 };
        strata.entry(key).or_default().push(row as u32);
    }
    let mut sets: [Vec<u32>; 3] = Default::default();
    let train = split.train.clamp(0.05, 1.0);
    let validation = split.validation.clamp(0.0, 1.0 - train);
    for rows in strata.values_mut() {
        rows.shuffle(&mut rng);
        let n = rows.len();
        let n_train = ((n as f64 * train).round() as usize).clamp(1, n);
        let n_validation = ((n as f64 * validation).round() as usize).min(n - n_train);
        sets[0].extend_from_slice(&rows[..n_train]);
        sets[1].extend_from_slice(&rows[n_train..n_train + n_validation]);
        sets[2].extend_from_slice(&rows[n_train + n_validation..]);
    }
    for set in &mut sets {
        set.shuffle(&mut rng);
    }
    sets
}

enum Fitted {
    Feature(FeatureSchema),
    /// The column has one value in the training rows (shown in the notice).
    Constant(String),
}

fn fit_feature(
    name: &str,
    kind: ColumnKind,
    missing: MissingStrategy,
    indicator: bool,
    scaling: Scaling,
    cells: &super::TextColumn,
    train_rows: &[usize],
) -> Fitted {
    let present: Vec<&str> = train_rows
        .iter()
        .map(|&row| cells.get(row).trim())
        .filter(|cell| !is_missing(cell))
        .collect();
    // Numbers need no counts of their text (their most frequent value comes from sorting).
    let mut counts: HashMap<&str, usize> = HashMap::new();
    if kind != ColumnKind::Numeric {
        for cell in &present {
            *counts.entry(cell).or_default() += 1;
        }
    }
    let most_frequent = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| natural_cmp(b.0, a.0)))
        .map(|(value, _)| value.to_string());
    let has_missing = present.len() < train_rows.len();
    match kind {
        ColumnKind::Numeric => {
            let mut numbers: Vec<f64> = present
                .iter()
                .filter_map(|cell| parse_number(cell))
                .collect();
            numbers.sort_by(f64::total_cmp);
            let Some(stats) = numeric_stats(&numbers) else {
                return Fitted::Constant("no value".to_string());
            };
            let fill = match missing {
                MissingStrategy::Median => median_of_sorted(&numbers),
                MissingStrategy::MostFrequent => most_frequent_number(&numbers),
                _ => stats.mean,
            };
            if stats.max == stats.min && !(indicator && has_missing) {
                return Fitted::Constant(format!("{}", stats.min));
            }
            let (shift, scale) = match scaling {
                Scaling::Standardize if stats.std > 0.0 => (stats.mean, stats.std),
                Scaling::MinMax if stats.max > stats.min => (stats.min, stats.max - stats.min),
                _ => (0.0, 1.0),
            };
            Fitted::Feature(FeatureSchema::Numeric {
                column: name.to_string(),
                fill,
                shift,
                scale,
                indicator,
            })
        }
        ColumnKind::Boolean => {
            let values: Vec<&str> = counts.keys().copied().collect();
            let true_value = boolean_pair(&values)
                .map_or("true", |(_, yes)| yes)
                .to_string();
            let trues = present
                .iter()
                .filter(|cell| cell.eq_ignore_ascii_case(&true_value))
                .count();
            if (trues == 0 || trues == present.len()) && !(indicator && has_missing) {
                return Fitted::Constant(
                    present
                        .first()
                        .map_or("no value".to_string(), |v| v.to_string()),
                );
            }
            let share = trues as f64 / present.len().max(1) as f64;
            let fill = match missing {
                MissingStrategy::Mean | MissingStrategy::Median => share,
                _ => f64::from(u8::from(share >= 0.5)),
            };
            Fitted::Feature(FeatureSchema::Boolean {
                column: name.to_string(),
                true_value,
                fill,
                indicator,
            })
        }
        _ => {
            let mut levels: Vec<String> = counts.keys().map(|level| level.to_string()).collect();
            levels.sort_by(|a, b| natural_cmp(a, b));
            if levels.len() <= 1 && !(indicator && has_missing) {
                return Fitted::Constant(
                    levels
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "no value".to_string()),
                );
            }
            Fitted::Feature(FeatureSchema::Categorical {
                column: name.to_string(),
                levels,
                fill: match missing {
                    MissingStrategy::DropRows => None,
                    _ => most_frequent,
                },
                indicator,
            })
        }
    }
}

fn most_frequent_number(sorted: &[f64]) -> f64 {
    let mut best = (sorted.first().copied().unwrap_or(0.0), 0usize);
    let mut run = (best.0, 0usize);
    for &value in sorted {
        if value == run.0 {
            run.1 += 1;
        } else {
            run = (value, 1);
        }
        if run.1 > best.1 {
            best = run;
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::infer::{default_config, summarize_table};
    use crate::data::summary::{Role, Split};

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.iter().map(|cell| cell.to_string()).collect())
            .collect();
        Table::from_rows("people.csv", headers, &rows)
    }

    fn setup(table: &Table, target: &str) -> (TableSummary, DataConfig) {
        let summary = summarize_table(table, Vec::new());
        let mut config = default_config(&summary, Some(target), &[]);
        config.split = Split {
            train: 1.0,
            validation: 0.0,
            seed: 1,
        };
        (summary, config)
    }

    fn people() -> Table {
        table(
            &["age", "colour", "member", "sex", "spend"],
            &[
                &["20", "red", "yes", "f", "10"],
                &["30", "blue", "no", "m", "20"],
                &["NA", "red", "yes", "f", "30"],
                &["50", "green", "?", "m", "40"],
                &["60", "", "no", "f", "50"],
                &["40", "blue", "yes", "m", "NA"],
            ],
        )
    }

    #[test]
    fn numbers_are_filled_and_standardised_on_the_training_rows() {
        let data = people();
        let (summary, mut config) = setup(&data, "spend");
        config.column_mut("colour").unwrap().role = Role::Excluded;
        config.column_mut("member").unwrap().role = Role::Excluded;
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(prepared.target.task, Task::Regression);
        // The row without a target is dropped; "sex" is sensitive, not an input.
        assert_eq!(prepared.rows(), 5);
        assert_eq!(prepared.schema.input_names(), ["age"]);
        // Training ages 20,30,50,60 (+ the missing one): mean 40, filled with 40.
        let FeatureSchema::Numeric {
            fill, shift, scale, ..
        } = &prepared.schema.features[0]
        else {
            panic!("numeric expected");
        };
        assert_eq!((*fill, *shift), (40.0, 40.0));
        assert!((scale - 250f64.sqrt()).abs() < 1e-9);
        let mean: f32 = prepared.x.iter().sum::<f32>() / 5.0;
        assert!(mean.abs() < 1e-6, "standardised inputs average 0: {mean}");
        assert!(prepared.x.iter().all(|value| value.is_finite()));
        assert!(prepared.notices[0].contains("1 row(s) without a value in the target"));
        assert_eq!(prepared.groups[0].levels, ["f", "m"]);
        assert_eq!(prepared.groups[0].codes, [0, 1, 0, 1, 0]);
    }

    #[test]
    fn categories_are_one_hot_with_fill_and_indicator() {
        let data = people();
        let (summary, mut config) = setup(&data, "spend");
        config.column_mut("age").unwrap().role = Role::Excluded;
        config.column_mut("member").unwrap().role = Role::Excluded;
        config.column_mut("colour").unwrap().indicator = true;
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(
            prepared.schema.input_names(),
            [
                "colour=blue",
                "colour=green",
                "colour=red",
                "colour (missing)"
            ]
        );
        // Row 5 ("", most frequent fill: red and blue tie → natural order puts blue first).
        let row = |i: usize| &prepared.x[i * 4..i * 4 + 4];
        assert_eq!(row(0), [0.0, 0.0, 1.0, 0.0]);
        assert_eq!(row(4)[3], 1.0, "missing indicator");
        assert_eq!(
            row(4)[..3].iter().sum::<f32>(),
            1.0,
            "filled with one level"
        );
    }

    #[test]
    fn min_max_scaling_and_drop_rows() {
        let data = people();
        let (summary, mut config) = setup(&data, "spend");
        config.scaling = Scaling::MinMax;
        for name in ["colour", "member"] {
            config.column_mut(name).unwrap().role = Role::Excluded;
        }
        config.column_mut("age").unwrap().missing = MissingStrategy::DropRows;
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(prepared.rows(), 4);
        assert_eq!(prepared.dropped_rows, 2);
        let min = prepared.x.iter().copied().fold(f32::MAX, f32::min);
        let max = prepared.x.iter().copied().fold(f32::MIN, f32::max);
        assert_eq!((min, max), (0.0, 1.0));
        assert!(
            prepared
                .notices
                .iter()
                .any(|notice| notice.contains("\"age\" missing"))
        );
    }

    #[test]
    fn constant_columns_are_dropped_with_a_notice_never_a_nan() {
        let data = table(
            &["same", "x", "y"],
            &[
                &["1", "1", "a"],
                &["1", "2", "b"],
                &["1", "3", "a"],
                &["1", "4", "b"],
                &["1", "5", "a"],
            ],
        );
        let summary = summarize_table(&data, Vec::new());
        let mut config = default_config(&summary, Some("y"), &[]);
        config.column_mut("same").unwrap().role = Role::Feature;
        config.split.train = 1.0;
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(prepared.schema.input_names(), ["x"]);
        assert!(
            prepared
                .notices
                .iter()
                .any(|n| n.contains("\"same\" has the same value (1)"))
        );
        assert!(prepared.x.iter().all(|value| value.is_finite()));
    }

    #[test]
    fn scaling_is_fitted_on_the_training_split_only() {
        let rows: Vec<Vec<String>> = (0..100)
            .map(|i| {
                vec![
                    (i * 37 % 100).to_string(),
                    if i % 2 == 0 { "a" } else { "b" }.to_string(),
                ]
            })
            .collect();
        let data = Table::from_rows("t", &["x", "y"], &rows);
        let summary = summarize_table(&data, Vec::new());
        let config = default_config(&summary, Some("y"), &[]);
        let prepared = prepare(&data, &summary, &config).unwrap();
        let FeatureSchema::Numeric { shift, .. } = &prepared.schema.features[0] else {
            panic!("numeric expected");
        };
        let train_mean: f64 = prepared.split[0]
            .iter()
            .map(|&row| data.columns[0].get(row as usize).parse::<f64>().unwrap())
            .sum::<f64>()
            / prepared.split[0].len() as f64;
        assert!((shift - train_mean).abs() < 1e-9);
        assert_ne!(*shift, 49.5, "not the mean of all rows");
        assert_eq!(
            prepared.split.iter().map(Vec::len).collect::<Vec<_>>(),
            [70, 16, 14]
        );
        // Stratified: each set holds both classes half and half.
        for set in &prepared.split {
            let ones = set
                .iter()
                .filter(|&&row| prepared.y[row as usize] == 1.0)
                .count();
            assert!((ones as f64 - set.len() as f64 / 2.0).abs() <= 1.0);
        }
        // The same seed gives the same split; another seed another one.
        assert_eq!(
            prepare(&data, &summary, &config).unwrap().split,
            prepared.split
        );
        let mut other = config.clone();
        other.split.seed = 7;
        assert_ne!(
            prepare(&data, &summary, &other).unwrap().split,
            prepared.split
        );
    }

    #[test]
    fn tasks_are_inferred_and_can_be_overridden() {
        let data = people();
        let (summary, mut config) = setup(&data, "member");
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(prepared.target.task, Task::Binary);
        assert_eq!(
            prepared.target.classes,
            [("no".to_string(), 2), ("yes".to_string(), 3)]
        );
        config.set_target("colour");
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(prepared.target.task, Task::MultiClass);
        config.set_target("spend");
        config.task = Some(Task::MultiClass);
        let prepared = prepare(&data, &summary, &config).unwrap();
        assert_eq!(
            (prepared.target.task, prepared.target.inferred),
            (Task::MultiClass, Task::Regression)
        );
        config.set_target("colour");
        config.task = Some(Task::Regression);
        assert_eq!(
            prepare(&data, &summary, &config).unwrap_err(),
            DataError::TargetNotNumeric {
                column: "colour".into()
            }
        );
        config.task = Some(Task::Binary);
        assert!(matches!(
            prepare(&data, &summary, &config).unwrap_err(),
            DataError::NotBinary { classes: 3, .. }
        ));
    }

    #[test]
    fn bad_targets_are_explained() {
        let data = table(
            &["x", "y"],
            &[
                &["1", "a"],
                &["2", "a"],
                &["3", "a"],
                &["4", ""],
                &["5", "a"],
            ],
        );
        let (summary, config) = setup(&data, "y");
        let error = prepare(&data, &summary, &config).unwrap_err();
        assert_eq!(
            error,
            DataError::TargetOneClass {
                column: "y".into(),
                value: "a".into()
            }
        );
        assert!(error.to_string().contains("only one value"));

        let rows: Vec<Vec<String>> = (0..3000)
            .map(|i| vec![i.to_string(), format!("name {i}")])
            .collect();
        let data = Table::from_rows("t", &["x", "who"], &rows);
        let (summary, mut config) = setup(&data, "x");
        config.set_target("who");
        let error = prepare(&data, &summary, &config).unwrap_err();
        assert!(
            matches!(error, DataError::TargetTooManyClasses { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("too many classes"));

        let report = report(&data, &summary, &config);
        assert!(report.problem.is_some());
        assert!(report.inputs.is_empty());
    }

    #[test]
    fn the_schema_encodes_new_rows_like_the_training_rows() {
        let data = people();
        let (summary, mut config) = setup(&data, "spend");
        config.column_mut("member").unwrap().role = Role::Feature;
        let prepared = prepare(&data, &summary, &config).unwrap();
        let width = prepared.width;
        let headers = data.headers();
        for row in 0..5 {
            let cells = data.row(row);
            let encoded = prepared
                .schema
                .encode(|name| headers.iter().position(|h| h == name).map(|i| cells[i]));
            assert_eq!(encoded, prepared.x[row * width..(row + 1) * width]);
        }
        // Unseen category: all zeros; absent column: filled.
        let encoded = prepared.schema.encode(|name| match name {
            "colour" => Some("purple"),
            _ => None,
        });
        assert_eq!(encoded.len(), width);
        assert!(encoded.iter().all(|value| value.is_finite()));
        // The schema round-trips through JSON (it goes into the model file).
        let json = serde_json::to_string(&prepared.schema).unwrap();
        assert_eq!(
            serde_json::from_str::<Schema>(&json).unwrap(),
            prepared.schema
        );
        assert!(
            !json.contains("\"10\""),
            "no raw target rows in the schema: {json}"
        );
    }

    #[test]
    fn excluded_columns_never_reach_the_inputs_or_the_schema() {
        let data = table(
            &["email", "x", "y"],
            &[
                &["a@example.com", "1", "p"],
                &["b@example.com", "2", "q"],
                &["c@example.com", "3", "p"],
                &["d@example.com", "4", "q"],
                &["e@example.com", "5", "p"],
            ],
        );
        let (summary, config) = setup(&data, "y");
        assert_eq!(
            config.columns[0].role,
            Role::Excluded,
            "the privacy scan proposes exclusion"
        );
        let prepared = prepare(&data, &summary, &config).unwrap();
        let json = serde_json::to_string(&prepared.schema).unwrap();
        assert!(
            !json.contains("email") && !json.contains("example.com"),
            "{json}"
        );
    }
}
