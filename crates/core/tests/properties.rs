//! Property tests (proptest) for preprocessing and the model file: random tables and
//! models, against what must hold for every one of them.
//!
//! - Scaling, filling and one-hot levels are fitted on the training rows only: changing
//!   any cell of a validation or test row changes nothing that was fitted.
//! - A categorical column becomes one input per level seen in the training rows (plus the
//!   missing indicator), and each row sets at most one of them.
//! - A model file round trip is exact: the same description, bit-identical predictions,
//!   and the same header and weight bytes when saved again.

// The helpers here are not #[test] functions, so clippy's allowances for tests miss them;
// a failing helper should stop the test at once, as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use hearth_core::data::Table;
use hearth_core::data::infer::{default_config, is_missing, summarize_table};
use hearth_core::data::prep::{FeatureSchema, Prepared, TargetSchema, prepare};
use hearth_core::data::summary::{MissingStrategy, Scaling, Split, Task};
use proptest::prelude::*;

/// One generated row: a number (or missing), a category (or missing), the target label.
#[derive(Debug, Clone)]
struct Row {
    number: Option<i32>,
    colour: Option<usize>,
    label: usize,
}

const COLOURS: [&str; 6] = ["red", "green", "blue", "amber", "violet", "teal"];

fn row(classes: usize) -> impl Strategy<Value = Row> {
    (
        prop::option::weighted(0.9, -5_000i32..5_000),
        prop::option::weighted(0.9, 0..COLOURS.len()),
        0..classes,
    )
        .prop_map(|(number, colour, label)| Row {
            number,
            colour,
            label,
        })
}

/// A table of 12 to 80 rows with 2 or 3 classes, each class at least twice.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    (2usize..=3).prop_flat_map(|classes| {
        prop::collection::vec(row(classes), 12..80).prop_filter(
            "every class at least twice",
            move |rows| {
                (0..classes).all(|class| rows.iter().filter(|row| row.label == class).count() >= 2)
            },
        )
    })
}

fn table(rows: &[Row]) -> Table {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.number
                    .map_or(String::new(), |n| format!("{}", f64::from(n) / 4.0)),
                row.colour
                    .map_or("NA".to_string(), |c| COLOURS[c].to_string()),
                format!("class {}", row.label),
            ]
        })
        .collect();
    Table::from_rows("generated.csv", &["size", "colour", "kind"], &cells)
}

#[derive(Debug, Clone)]
struct Settings {
    scaling: Scaling,
    missing: MissingStrategy,
    indicator: bool,
    train: f64,
    seed: u64,
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop::sample::select(vec![Scaling::Standardize, Scaling::MinMax, Scaling::None]),
        prop::sample::select(vec![
            MissingStrategy::Mean,
            MissingStrategy::Median,
            MissingStrategy::MostFrequent,
            MissingStrategy::DropRows,
        ]),
        any::<bool>(),
        0.3f64..0.9,
        any::<u64>(),
    )
        .prop_map(|(scaling, missing, indicator, train, seed)| Settings {
            scaling,
            missing,
            indicator,
            train,
            seed,
        })
}

/// Prepares `table` with the proposed configuration changed as `settings` say.
fn prepare_with(table: &Table, settings: &Settings) -> Option<Prepared> {
    prepare_configured_by(table, table, settings)
}

/// Prepares `table` with the configuration proposed for `proposed_for` (the page keeps the
/// user's configuration when cells change), changed as `settings` say.
fn prepare_configured_by(
    table: &Table,
    proposed_for: &Table,
    settings: &Settings,
) -> Option<Prepared> {
    let summary = summarize_table(table, Vec::new());
    let mut config = default_config(
        &summarize_table(proposed_for, Vec::new()),
        Some("kind"),
        &[],
    );
    config.scaling = settings.scaling;
    config.split = Split {
        train: settings.train,
        validation: (1.0 - settings.train) / 2.0,
        seed: settings.seed,
    };
    for column in &mut config.columns {
        column.missing = settings.missing;
        column.indicator = settings.indicator;
    }
    prepare(table, &summary, &config).ok()
}

/// The table rows of the training split.
fn training_rows(prepared: &Prepared) -> BTreeSet<usize> {
    prepared.split[0]
        .iter()
        .map(|&index| prepared.rows[index as usize])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fitting_sees_only_the_training_rows(
        rows in rows(),
        settings in settings(),
        replacement in (-5_000i32..5_000, 0..COLOURS.len()),
    ) {
        let before = table(&rows);
        let Some(prepared) = prepare_with(&before, &settings) else {
            return Ok(()); // refused (say, every size missing after "drop rows"): nothing fitted
        };
        let training = training_rows(&prepared);
        // Every validation and test row gets other values (present ones, so that the
        // same rows are kept), and a category no training row has.
        let mut changed = rows.clone();
        for (index, row) in changed.iter_mut().enumerate() {
            if !training.contains(&index) && prepared.rows.contains(&index) {
                row.number = row.number.map(|_| replacement.0);
                row.colour = row.colour.map(|_| replacement.1);
            }
        }
        let after = table(&changed);
        let summary = summarize_table(&before, Vec::new());
        prop_assume!(summary.columns.iter().map(|c| c.kind).eq(
            summarize_table(&after, Vec::new()).columns.iter().map(|c| c.kind)
        ));
        let again = prepare_configured_by(&after, &before, &settings)
            .expect("the same rows prepare again");
        prop_assert_eq!(&again.split, &prepared.split);
        prop_assert_eq!(&again.schema, &prepared.schema);

        // And what was fitted is the training rows' own statistics.
        for feature in &prepared.schema.features {
            let cells = before.column(feature.column()).unwrap();
            let present: Vec<&str> = training
                .iter()
                .map(|&row| cells.get(row).trim())
                .filter(|cell| !is_missing(cell))
                .collect();
            match feature {
                FeatureSchema::Numeric { shift, scale, .. } => {
                    let numbers: Vec<f64> =
                        present.iter().map(|cell| cell.parse().unwrap()).collect();
                    let n = numbers.len() as f64;
                    let mean = numbers.iter().sum::<f64>() / n;
                    let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let std = (numbers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                    let (want_shift, want_scale) = match settings.scaling {
                        Scaling::Standardize if std > 0.0 => (mean, std),
                        Scaling::MinMax if max > min => (min, max - min),
                        _ => (0.0, 1.0),
                    };
                    prop_assert!((shift - want_shift).abs() <= 1e-9 * want_shift.abs().max(1.0));
                    // The spread: the population's or the sample's standard deviation.
                    let sample = std * (n / (n - 1.0).max(1.0)).sqrt();
                    prop_assert!(
                        (scale - want_scale).abs() <= 1e-9 * want_scale
                            || (scale - sample).abs() <= 1e-9 * sample,
                        "scale {} for {:?}", scale, settings.scaling
                    );
                }
                FeatureSchema::Categorical { levels, .. } => {
                    let seen: BTreeSet<&str> = present.iter().copied().collect();
                    prop_assert_eq!(levels.iter().map(String::as_str).collect::<BTreeSet<_>>(), seen);
                }
                FeatureSchema::Boolean { .. } => {}
            }
        }
    }

    #[test]
    fn one_hot_widths_match_the_categories(rows in rows(), settings in settings()) {
        let data = table(&rows);
        let Some(prepared) = prepare_with(&data, &settings) else {
            return Ok(());
        };
        let schema = &prepared.schema;
        prop_assert_eq!(prepared.width, schema.width());
        prop_assert_eq!(prepared.x.len(), prepared.rows() * prepared.width);
        prop_assert_eq!(schema.input_names().len(), schema.width());
        prop_assert_eq!(
            schema.features.iter().map(FeatureSchema::width).sum::<usize>(),
            schema.width()
        );
        let training = training_rows(&prepared);
        let mut offset = 0;
        for feature in &schema.features {
            if let FeatureSchema::Categorical { column, levels, fill, indicator } = feature {
                let cells = data.column(column).unwrap();
                let categories: BTreeSet<&str> = training
                    .iter()
                    .map(|&row| cells.get(row).trim())
                    .filter(|cell| !is_missing(cell))
                    .collect();
                prop_assert_eq!(levels.len(), categories.len());
                prop_assert_eq!(feature.width(), levels.len() + usize::from(*indicator));
                for (index, &row) in prepared.rows.iter().enumerate() {
                    let inputs = &prepared.x[index * prepared.width + offset..][..feature.width()];
                    let hot: Vec<usize> = (0..levels.len()).filter(|&i| inputs[i] == 1.0).collect();
                    prop_assert!(inputs[..levels.len()].iter().all(|&v| v == 0.0 || v == 1.0));
                    let cell = cells.get(row).trim();
                    let value = if is_missing(cell) { fill.as_deref() } else { Some(cell) };
                    let expected: Vec<usize> =
                        levels.iter().position(|level| Some(level.as_str()) == value).into_iter().collect();
                    prop_assert_eq!(hot, expected);
                    if *indicator {
                        prop_assert_eq!(inputs[levels.len()], f32::from(u8::from(is_missing(cell))));
                    }
                }
            }
            offset += feature.width();
        }
        match &schema.target {
            TargetSchema::Classes { labels, binary, .. } => {
                let classes: BTreeSet<&str> = (0..data.rows())
                    .map(|row| data.column("kind").unwrap().get(row))
                    .collect();
                prop_assert_eq!(labels.len(), classes.len());
                prop_assert_eq!(*binary, prepared.target.task == Task::Binary);
            }
            TargetSchema::Regression { .. } => prop_assert!(false, "the target is a class"),
        }
    }
}

#[cfg(feature = "modelfile")]
mod model_file {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};
    use hearth_core::model::file::{FORMAT_VERSION, ModelDocument, load, save};
    use hearth_core::model::network::Network;
    use hearth_core::model::summary::ModelCard;
    use hearth_core::model::{Activation, InputShape, Layer, ModelSpec, TrainConfig};

    fn hidden() -> impl Strategy<Value = Vec<Layer>> {
        let layer = prop_oneof![
            (1usize..24, prop::sample::select(Activation::ALL.to_vec()))
                .prop_map(|(units, activation)| Layer::Dense { units, activation }),
            (0.0f32..0.9).prop_map(|rate| Layer::Dropout { rate }),
            prop::sample::select(Activation::ALL.to_vec())
                .prop_map(|activation| Layer::BatchNorm { activation }),
        ];
        prop::collection::vec(layer, 0..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        #[test]
        fn a_model_file_round_trip_is_exact(
            rows in rows(),
            settings in settings(),
            layers in hidden(),
            seed in any::<u64>(),
            name in "\\PC{0,40}",
            intended_use in "\\PC{0,200}",
        ) {
            let data = table(&rows);
            let Some(prepared) = prepare_with(&data, &settings) else {
                return Ok(());
            };
            let (task, classes) = (prepared.target.task, prepared.target.classes.len());
            let spec = ModelSpec::new(
                InputShape::Features { features: prepared.width },
                layers,
                task,
                classes,
            );
            let device = Device::flex();
            device.seed(seed);
            let network = Network::new(&spec, seed, &device).unwrap();
            let TargetSchema::Classes { labels, .. } = &prepared.schema.target else {
                unreachable!("classes")
            };
            let document = ModelDocument {
                format_version: FORMAT_VERSION,
                spec,
                preprocessing: Some(prepared.schema.clone()),
                class_labels: labels.clone(),
                train_config: Some(TrainConfig::default()),
                history: Vec::new(),
                metrics: serde_json::json!({"split": "test", "accuracy": seed as f64 / u64::MAX as f64}),
                card: ModelCard { name, intended_use, ..ModelCard::default() },
                sound: None,
            };
            let bytes = save(&network, &document).unwrap();
            let (loaded, read) = load("model.safetensors", &bytes, &device).unwrap();
            prop_assert_eq!(&read, &document);
            let input = || Tensor::<2>::from_data(
                TensorData::new(prepared.x.clone(), [prepared.rows(), prepared.width]),
                &device,
            );
            let bits = |tensor: Tensor<2>| -> Vec<u32> {
                tensor.into_data().try_into_vec::<f32>().unwrap().into_iter().map(f32::to_bits).collect()
            };
            prop_assert_eq!(
                bits(network.infer(&document.spec, input())),
                bits(loaded.infer(&read.spec, input()))
            );
            // Saved again: the same header (burn writes its metadata map in any order, so
            // compared as JSON) and the same weight bytes.
            let split = |bytes: &[u8]| {
                let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
                let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + length]).unwrap();
                (header, bytes[8 + length..].to_vec())
            };
            prop_assert_eq!(split(&save(&loaded, &read).unwrap()), split(&bytes));
        }
    }
}
