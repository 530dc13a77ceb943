//! What a finished job is scored with on the held-out data: the test metrics, ROC curve,
//! per-group reports, permutation importance and decision boundary, and the model in use
//! that carries them.

use super::job::{Job, JobError};
use crate::data::prep::FeatureSchema;
use crate::data::session::DataSession;
use crate::data::summary::Task;
use crate::inference;
use crate::inference::active_model::{ActiveModel, summarize, target_scale};
use crate::metrics::{self, Evaluation, SplitName};
use crate::model::network::Network;
use crate::model::spec::Shape;
use crate::model::summary::ModelSource;

impl ActiveModel {
    /// Scores this model (opened from a file, or handed to a new engine) on `data`'s
    /// held-out test split, as a model trained on it is scored: the test rows to try, the
    /// evaluation, the confusion drill-down. Only where `data`, as it is set up, gives the
    /// model exactly the inputs it was trained with (the same preprocessing and classes);
    /// otherwise it stays unscored and the error says why.
    pub async fn evaluate_on(&mut self, data: &DataSession) -> Result<(), JobError> {
        let config = self.config.clone().unwrap_or_default();
        let mut job = Job::start(data, self.spec.clone(), config, &self.device)?;
        if job.schema != self.schema || job.labels != self.labels {
            return Err(JobError::PreparedOtherwise);
        }
        let weights = self.network.to_host().await?;
        job.trainer.use_weights(&weights)?;
        let scored = job.model().await?;
        self.summary.test_rows = scored.summary.test_rows;
        self.summary.test_score = scored.summary.test_score;
        self.test = scored.test;
        self.evaluation = scored.evaluation.map(|evaluation| Evaluation {
            model: self.summary.name.clone(),
            ..evaluation
        });
        self.test_classes = scored.test_classes;
        self.test_images = scored.test_images;
        Ok(())
    }
}

impl Job {
    /// The trained model, scored on the held-out test split, ready to predict with.
    pub async fn model(&self) -> Result<ActiveModel, JobError> {
        let network = self.trainer.network().ok_or(JobError::ModelGone)?;
        let mut metrics = serde_json::Map::new();
        let mut test_score = None;
        let mut evaluation = None;
        let mut test_classes = Vec::new();
        if !self.test_rows.is_empty() {
            let predictions = self.trainer.predict(&self.test_rows).await?;
            let mut report = Evaluation {
                model: self.card().name,
                classification: None,
                regression: None,
                roc: None,
                points: Vec::new(),
                cost: None,
                groups: Vec::new(),
                importance: Vec::new(),
                boundary: None,
            };
            if self.spec.task == Task::Regression {
                let truth: Vec<f64> = self.test_truth.iter().map(|&y| f64::from(y)).collect();
                let predicted: Vec<f64> = predictions
                    .iter()
                    .map(|row| f64::from(row.first().copied().unwrap_or(f32::NAN)))
                    .collect();
                let scores = metrics::regression(SplitName::Test, &truth, &predicted);
                test_score = Some(scores.r2.unwrap_or(0.0));
                metrics.insert("test".to_string(), serde_json::json!(scores));
                report.regression = Some(scores);
                report.groups = self.group_reports(metrics::Outcomes::Values {
                    truth: &truth,
                    predicted: &predicted,
                });
                report.points = truth.into_iter().zip(predicted).collect();
            } else {
                let truth: Vec<usize> = self.test_truth.iter().map(|&y| y as usize).collect();
                let scores =
                    metrics::classification(SplitName::Test, &self.labels, &truth, &predictions);
                test_score = Some(scores.accuracy);
                metrics.insert("test".to_string(), serde_json::json!(scores));
                if self.labels.len() == 2 {
                    let positive: Vec<f32> = predictions
                        .iter()
                        .map(|row| row.get(1).copied().unwrap_or(0.0))
                        .collect();
                    let positives: Vec<bool> = truth.iter().map(|&class| class == 1).collect();
                    report.roc = metrics::roc_curve(&positive, &positives);
                }
                let predicted = metrics::predicted_classes(&predictions);
                report.groups = self.group_reports(metrics::Outcomes::Classes {
                    truth: &truth,
                    predicted: &predicted,
                    binary: self.labels.len() == 2,
                });
                report.boundary = self.decision_boundary(&network, &truth, &predicted).await?;
                test_classes = truth.iter().copied().zip(predicted).collect();
                report.classification = Some(scores);
            }
            if !report.groups.is_empty() {
                metrics.insert("groups".to_string(), serde_json::json!(report.groups));
            }
            report.importance = self.permutation_importance(&network).await?;
            evaluation = Some(report);
        }
        let test_images = self
            .image_shape
            .map(|shape| (shape, self.trainer.examples(&self.test_rows)));
        let mut document = self.document();
        document.metrics = serde_json::Value::Object(metrics);
        let summary = summarize(
            &self.name,
            ModelSource::Trained,
            &document,
            test_score,
            self.test.len(),
        );
        Ok(ActiveModel {
            test: self.test.clone(),
            evaluation,
            test_classes,
            test_images,
            ..ActiveModel::from_document(network, document, summary, self.device.clone())
        })
    }

    /// Permutation importance of each table column on the validation split (5 seeded
    /// shuffles each); none for images or without validation rows.
    async fn permutation_importance(
        &self,
        network: &Network,
    ) -> Result<Vec<metrics::Importance>, crate::Error> {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        const REPEATS: u64 = 5;
        let (Some(schema), rows) = (&self.schema, self.trainer.validation_rows()) else {
            return Ok(Vec::new());
        };
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let width = Shape::from(self.spec.input).size();
        let x = self.trainer.examples(rows);
        let truth: Vec<f32> = rows.iter().map(|&row| self.trainer.target(row)).collect();
        let regression = self.spec.task == Task::Regression;
        let scale = target_scale(Some(schema));
        // Higher is better: accuracy, or minus the mean squared error.
        let score = |outputs: &[Vec<f32>]| -> f64 {
            if regression {
                let error: f64 = outputs
                    .iter()
                    .zip(&truth)
                    .map(|(row, &y)| {
                        (f64::from(row.first().copied().unwrap_or(f32::NAN)) - f64::from(y)).powi(2)
                    })
                    .sum();
                -error / truth.len() as f64
            } else {
                let predicted = metrics::predicted_classes(outputs);
                let right = predicted
                    .iter()
                    .zip(&truth)
                    .filter(|(p, y)| **p == **y as usize)
                    .count();
                right as f64 / truth.len() as f64
            }
        };
        let predict = |x: Vec<f32>| async move {
            inference::predict(network, &self.spec, &x, scale, &self.device).await
        };
        let baseline = score(&predict(x.clone()).await?);
        let mut importance = Vec::new();
        let mut start = 0;
        for (index, feature) in schema.features.iter().enumerate() {
            let columns = start..start + feature.width();
            start = columns.end;
            let mut drops = Vec::new();
            for repeat in 0..REPEATS {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                    self.trainer.config.seed ^ (index as u64 * 7919 + repeat),
                );
                let mut order: Vec<usize> = (0..rows.len()).collect();
                order.shuffle(&mut rng);
                let mut shuffled = x.clone();
                for (to, &from) in order.iter().enumerate() {
                    for column in columns.clone() {
                        shuffled[to * width + column] = x[from * width + column];
                    }
                }
                drops.push(baseline - score(&predict(shuffled).await?));
            }
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let spread =
                (drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / drops.len() as f64).sqrt();
            importance.push(metrics::Importance {
                feature: feature.column().to_string(),
                mean,
                std: spread,
            });
        }
        importance.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        Ok(importance)
    }

    /// For a classifier of two numeric columns, its predicted class over a grid that
    /// spans the data (all splits, with a margin of a tenth of the range), with the test
    /// rows (`truth` and `predicted`, in test-row order) on it.
    async fn decision_boundary(
        &self,
        network: &Network,
        truth: &[usize],
        predicted: &[usize],
    ) -> Result<Option<metrics::Boundary>, crate::Error> {
        const SIZE: u32 = 48;
        let Some(schema) = self
            .schema
            .as_ref()
            .filter(|schema| schema.features.len() == 2)
        else {
            return Ok(None);
        };
        // Both inputs numeric, without missing-value indicators: (column, shift, scale).
        let axes: Vec<(&str, f64, f64)> = schema
            .features
            .iter()
            .filter_map(|feature| match feature {
                FeatureSchema::Numeric {
                    column,
                    shift,
                    scale,
                    indicator: false,
                    ..
                } => Some((column.as_str(), *shift, *scale)),
                _ => None,
            })
            .collect();
        let [(x_column, x_shift, x_scale), (y_column, y_shift, y_scale)] = axes[..] else {
            return Ok(None);
        };
        let rows: Vec<u32> = (0..self.trainer.rows() as u32).collect();
        let all = self.trainer.examples(&rows);
        let raw = |x: &[f32], axis: usize| {
            let (shift, scale) = if axis == 0 {
                (x_shift, x_scale)
            } else {
                (y_shift, y_scale)
            };
            f64::from(x[axis]) * scale + shift
        };
        let range = |axis: usize| {
            let (low, high) = all
                .chunks(2)
                .map(|x| raw(x, axis))
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
            let margin = ((high - low) / 10.0).max(1e-6);
            (low - margin, high + margin)
        };
        let (x_range, y_range) = (range(0), range(1));
        if !(x_range.0.is_finite() && y_range.0.is_finite()) {
            return Ok(None);
        }
        let mut grid = Vec::with_capacity((SIZE * SIZE * 2) as usize);
        let at = |range: (f64, f64), i: u32| {
            range.0 + (f64::from(i) + 0.5) / f64::from(SIZE) * (range.1 - range.0)
        };
        for row in 0..SIZE {
            let y = at(y_range, SIZE - 1 - row);
            for column in 0..SIZE {
                let x = at(x_range, column);
                grid.push(((x - x_shift) / x_scale) as f32);
                grid.push(((y - y_shift) / y_scale) as f32);
            }
        }
        let outputs =
            inference::predict(network, &self.spec, &grid, (0.0, 1.0), &self.device).await?;
        let classes = metrics::predicted_classes(&outputs);
        let confidence = outputs
            .iter()
            .zip(&classes)
            .map(|(row, &class)| row.get(class).copied().unwrap_or(0.0))
            .collect();
        let test = self.trainer.examples(&self.test_rows);
        let points = test
            .chunks(2)
            .zip(truth.iter().zip(predicted))
            .map(|(x, (&truth, &predicted))| (raw(x, 0), raw(x, 1), truth as u32, predicted as u32))
            .collect();
        Ok(Some(metrics::Boundary {
            x_column: x_column.to_string(),
            y_column: y_column.to_string(),
            x_range,
            y_range,
            size: SIZE,
            classes: classes.into_iter().map(|class| class as u32).collect(),
            confidence,
            points,
        }))
    }

    /// Per-group figures on the test rows for each sensitive column, from what the model
    /// predicted for them (`outcomes`, in test-row order).
    fn group_reports(&self, outcomes: metrics::Outcomes) -> Vec<metrics::GroupReport> {
        self.groups
            .iter()
            .map(|groups| {
                let codes: Vec<u32> = self
                    .test_rows
                    .iter()
                    .map(|&row| groups.codes.get(row as usize).copied().unwrap_or(0))
                    .collect();
                metrics::by_group(
                    SplitName::Test,
                    &groups.column,
                    &groups.levels,
                    &codes,
                    outcomes,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::data::session::DataSession;
    use crate::data::summary::Task;
    use crate::model::TrainConfig;
    use crate::model::spec::{InputShape, ModelSpec};
    use crate::training::job::tests::trained;

    #[test]
    fn an_opened_model_is_scored_on_the_data_it_was_trained_on_as_set_up() {
        use crate::data::summary::Scaling;
        use crate::inference::ActiveModel;
        use crate::model::summary::{ModelSource, PredictInput};
        use crate::training::job::JobError;
        use burn::tensor::Device;

        let mut data = DataSession::default();
        data.load_builtin("iris");
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let config = TrainConfig {
            epochs: 5,
            learning_rate: 0.02,
            ..TrainConfig::default()
        };
        let trained = trained(&data, spec, config);
        let bytes = pollster::block_on(trained.file_bytes()).unwrap();
        let open = || {
            ActiveModel::open(
                "iris.safetensors",
                &bytes,
                &Device::flex(),
                ModelSource::Saved,
            )
            .unwrap()
        };
        let mut opened = open();
        assert_eq!(
            (opened.summary.test_rows, opened.evaluation.is_some()),
            (0, false)
        );
        pollster::block_on(opened.evaluate_on(&data)).unwrap();
        // The same test rows, scores and drill-down as right after training.
        assert_eq!(opened.summary.test_rows, trained.summary.test_rows);
        assert_eq!(opened.summary.test_score, trained.summary.test_score);
        assert_eq!(opened.test_classes, trained.test_classes);
        let (scored, reference) = (
            opened.evaluation.as_ref().unwrap(),
            trained.evaluation.as_ref().unwrap(),
        );
        assert_eq!(scored.classification, reference.classification);
        assert_eq!(scored.model, opened.summary.name);
        let picked = |model: &ActiveModel| {
            pollster::block_on(model.predict(&PredictInput::TestRow { index: 3 }, None)).unwrap()
        };
        assert_eq!(picked(&opened).row, picked(&trained).row);
        assert_eq!(picked(&opened).outputs, picked(&trained).outputs);

        // Set up otherwise (min-max scaling), the data would feed it other inputs.
        let crate::data::session::Loaded::Table(loaded) = &data.loaded else {
            panic!("iris is a table");
        };
        let mut config = loaded.config.clone();
        config.scaling = Scaling::MinMax;
        data.configure(config);
        let mut elsewhere = open();
        assert_eq!(
            pollster::block_on(elsewhere.evaluate_on(&data)).unwrap_err(),
            JobError::PreparedOtherwise
        );
        assert_eq!(elsewhere.summary.test_rows, 0);
        assert!(elsewhere.evaluation.is_none());
    }

    #[test]
    fn binary_and_regression_runs_give_their_curves_and_points() {
        let mut data = DataSession::default();
        data.load_builtin("loans");
        let prepared = data.prepared().unwrap().unwrap();
        let spec = ModelSpec::logistic(
            InputShape::Features {
                features: prepared.width,
            },
            Task::Binary,
            2,
        );
        let config = TrainConfig {
            epochs: 3,
            learning_rate: 0.02,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config.clone());
        let evaluation = model.evaluation.unwrap();
        let roc = evaluation.roc.unwrap();
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let auc = evaluation.classification.unwrap().roc_auc.unwrap();
        let area: f64 = roc
            .windows(2)
            .map(|pair| (pair[1].0 - pair[0].0) * (pair[1].1 + pair[0].1) / 2.0)
            .sum();
        assert!((area - auc).abs() < 1e-9, "curve area {area}, AUC {auc}");

        data.load_builtin("regression");
        let prepared = data.prepared().unwrap().unwrap();
        let spec = ModelSpec::mlp(
            InputShape::Features {
                features: prepared.width,
            },
            Task::Regression,
            0,
        );
        let model = trained(&data, spec, config);
        let evaluation = model.evaluation.unwrap();
        let scores = evaluation.regression.unwrap();
        assert_eq!(evaluation.points.len(), scores.n);
        let mse = evaluation
            .points
            .iter()
            .map(|(actual, predicted)| (actual - predicted).powi(2))
            .sum::<f64>()
            / scores.n as f64;
        assert!((mse - scores.mse).abs() < 1e-9 * mse.max(1.0));
    }

    #[test]
    fn a_classifier_of_two_numeric_columns_shows_its_decision_boundary() {
        let mut data = DataSession::default();
        data.load_builtin("circles");
        let spec = ModelSpec::mlp(InputShape::Features { features: 2 }, Task::Binary, 2);
        let config = TrainConfig {
            epochs: 30,
            learning_rate: 0.01,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config);
        let evaluation = model.evaluation.as_ref().unwrap();
        let boundary = evaluation.boundary.as_ref().expect("two numeric inputs");
        let size = boundary.size as usize;
        assert_eq!(boundary.classes.len(), size * size);
        assert_eq!(boundary.confidence.len(), size * size);
        assert!(
            boundary
                .confidence
                .iter()
                .all(|&p| (0.5..=1.0).contains(&p))
        );
        // The test rows, with what the model predicted for them.
        assert_eq!(boundary.points.len(), model.test_classes.len());
        for (point, &(truth, predicted)) in boundary.points.iter().zip(&model.test_classes) {
            assert_eq!((point.2, point.3), (truth as u32, predicted as u32));
            assert!(boundary.x_range.0 < point.0 && point.0 < boundary.x_range.1);
            assert!(boundary.y_range.0 < point.1 && point.1 < boundary.y_range.1);
        }
        // The cell under a test row predicts what the model predicted for the row, but
        // for rows right at the boundary.
        let cell = |x: f64, y: f64| {
            let unit = |v: f64, (lo, hi): (f64, f64)| ((v - lo) / (hi - lo) * size as f64) as usize;
            let (column, row) = (
                unit(x, boundary.x_range),
                size - 1 - unit(y, boundary.y_range),
            );
            boundary.classes[row * size + column]
        };
        let agree = boundary
            .points
            .iter()
            .filter(|point| cell(point.0, point.1) == point.3)
            .count();
        assert!(
            agree * 10 >= boundary.points.len() * 9,
            "{agree} of {}",
            boundary.points.len()
        );
        // Circles: the inner ring is one class, so the centre and a corner differ.
        assert_ne!(
            boundary.classes[(size / 2) * size + size / 2],
            boundary.classes[0],
            "{:?}",
            boundary.classes
        );

        // Not for four columns (iris) or regression.
        data.load_builtin("iris");
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let config = TrainConfig {
            epochs: 1,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config);
        assert!(model.evaluation.unwrap().boundary.is_none());
    }
}
