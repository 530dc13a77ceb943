//! What the page knows about the data set the engine holds, and the user's edits to its
//! configuration, as a plain struct tested natively. Each edit returns the message that
//! asks the engine to apply it.

use hearth_core::data::DataError;
use hearth_core::data::summary::{
    Augment, DataConfig, DataReport, DataSummary, MAX_CSV_BYTES, MissingStrategy, Role, Scaling,
    Task, Thumbnail,
};
use hearth_core::protocol::{FromEngine, ToEngine};

/// A load in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Loading {
    /// What is being done ("Reading t.csv").
    pub stage: String,
    /// Work done, in the stage's unit.
    pub done: f64,
    /// Work in all (0 when unknown).
    pub total: f64,
}

/// A load that failed (the data set loaded before stays).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What went wrong and what to do.
    pub message: String,
    /// Rows of the wrong length that a retry can skip.
    pub skippable_rows: Option<usize>,
}

/// The page's view of the data set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataState {
    /// What was loaded.
    pub summary: Option<DataSummary>,
    /// How a table is read (target, roles, split).
    pub config: Option<DataConfig>,
    /// What the model will see.
    pub report: Option<DataReport>,
    /// The load under way.
    pub loading: Option<Loading>,
    /// The last load's problem.
    pub problem: Option<Problem>,
    /// How training images are varied, and examples of it.
    pub augment: Augment,
    /// Examples of the augmentation.
    pub augment_preview: Vec<Thumbnail>,
}

impl DataState {
    /// Applies a message from the engine; other messages are ignored.
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::DataProgress { stage, done, total } => {
                self.loading = Some(Loading {
                    stage: stage.clone(),
                    done: *done,
                    total: *total,
                });
            }
            FromEngine::DataLoaded {
                summary,
                config,
                report,
            } => {
                self.summary = Some(summary.clone());
                self.config = config.clone();
                self.report = report.clone();
                self.loading = None;
                self.problem = None;
                self.augment = Augment::default();
                self.augment_preview.clear();
            }
            FromEngine::AugmentationPreview { thumbnails } => {
                self.augment_preview = thumbnails.clone();
            }
            FromEngine::DataReport { report } => self.report = Some(report.clone()),
            FromEngine::DataFailed {
                message,
                skippable_rows,
            } => {
                self.loading = None;
                self.problem = Some(Problem {
                    message: message.clone(),
                    skippable_rows: *skippable_rows,
                });
            }
            FromEngine::Error { fatal: true, .. } if self.loading.is_some() => {
                self.loading = None;
                self.problem = Some(Problem {
                    message: "The engine crashed while reading the data. Restart the engine (at the bottom of the page), then choose the data again.".to_string(),
                    skippable_rows: None,
                });
            }
            _ => {}
        }
    }

    /// Starts loading (clears the last problem); `what` is said while it runs.
    pub fn start(&mut self, what: &str) {
        self.problem = None;
        self.loading = Some(Loading {
            stage: what.to_string(),
            done: 0.0,
            total: 0.0,
        });
    }

    /// Checks a file before it is sent: too large a file is refused at once.
    pub fn check_csv_file(&mut self, name: &str, size: f64) -> bool {
        if size > MAX_CSV_BYTES as f64 {
            let error = DataError::TooLarge {
                file: name.to_string(),
                size_mb: size / 1_048_576.0,
                limit_mb: MAX_CSV_BYTES as f64 / 1_048_576.0,
            };
            self.problem = Some(Problem {
                message: error.to_string(),
                skippable_rows: None,
            });
            return false;
        }
        true
    }

    /// The fraction loaded, when known.
    pub fn loading_fraction(&self) -> Option<f64> {
        let loading = self.loading.as_ref()?;
        (loading.total > 0.0).then(|| (loading.done / loading.total).clamp(0.0, 1.0))
    }

    fn edit(&mut self, change: impl FnOnce(&mut DataConfig)) -> Option<ToEngine> {
        let config = self.config.as_mut()?;
        change(config);
        Some(ToEngine::ConfigureData {
            config: config.clone(),
        })
    }

    /// Makes `column` the target.
    pub fn set_target(&mut self, column: &str) -> Option<ToEngine> {
        self.edit(|config| config.set_target(column))
    }

    /// Chooses the task (`None`: the inferred one).
    pub fn set_task(&mut self, task: Option<Task>) -> Option<ToEngine> {
        self.edit(|config| config.task = task)
    }

    /// Gives `column` a role. Making a column the target goes through [`Self::set_target`];
    /// taking the target role away leaves the data without a target (the report says so).
    pub fn set_role(&mut self, column: &str, role: Role) -> Option<ToEngine> {
        if role == Role::Target {
            return self.set_target(column);
        }
        self.edit(|config| {
            let was_target = config.target() == Some(column);
            if let Some(entry) = config.column_mut(column) {
                entry.role = role;
            }
            if was_target {
                config.task = None;
            }
        })
    }

    /// Sets how `column` fills its missing values: the message to send.
    pub fn set_missing(&mut self, column: &str, strategy: MissingStrategy) -> Option<ToEngine> {
        self.edit(|config| {
            if let Some(entry) = config.column_mut(column) {
                entry.missing = strategy;
            }
        })
    }

    /// Adds or removes the "was missing" indicator of `column`: the message to send.
    pub fn set_indicator(&mut self, column: &str, indicator: bool) -> Option<ToEngine> {
        self.edit(|config| {
            if let Some(entry) = config.column_mut(column) {
                entry.indicator = indicator;
            }
        })
    }

    /// Sets how numbers are scaled: the message to send.
    pub fn set_scaling(&mut self, scaling: Scaling) -> Option<ToEngine> {
        self.edit(|config| config.scaling = scaling)
    }

    /// Changes the augmentation of training images; the engine answers with examples.
    pub fn set_augment(&mut self, change: impl FnOnce(&mut Augment)) -> Option<ToEngine> {
        if !matches!(self.summary, Some(DataSummary::Images(_))) {
            return None;
        }
        change(&mut self.augment);
        Some(ToEngine::SetAugmentation {
            augment: self.augment,
        })
    }

    /// Sets the training and validation percentages (the test set gets the rest).
    pub fn set_split(&mut self, train_percent: f64, validation_percent: f64) -> Option<ToEngine> {
        let train = (train_percent / 100.0).clamp(0.1, 1.0);
        let validation = (validation_percent / 100.0).clamp(0.0, 1.0 - train);
        self.edit(|config| {
            config.split.train = train;
            config.split.validation = validation;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::data::summary::{ColumnConfig, Split, TableSummary};

    fn loaded() -> DataState {
        let mut state = DataState::default();
        state.start("Reading t.csv");
        state.on_message(&FromEngine::DataLoaded {
            summary: DataSummary::Table(TableSummary {
                name: "t.csv".into(),
                rows: 3,
                columns: Vec::new(),
                preview: Vec::new(),
                notices: Vec::new(),
            }),
            config: Some(DataConfig {
                columns: ["a", "b", "c"]
                    .into_iter()
                    .map(|name| ColumnConfig {
                        name: name.into(),
                        role: if name == "c" {
                            Role::Target
                        } else {
                            Role::Feature
                        },
                        missing: MissingStrategy::Mean,
                        indicator: false,
                    })
                    .collect(),
                task: None,
                scaling: Scaling::Standardize,
                split: Split::default(),
            }),
            report: None,
        });
        state
    }

    #[test]
    fn progress_then_loaded() {
        let mut state = DataState::default();
        state.start("Reading big.csv");
        assert_eq!(state.loading_fraction(), None);
        state.on_message(&FromEngine::DataProgress {
            stage: "Parsing big.csv".into(),
            done: 25.0,
            total: 100.0,
        });
        assert_eq!(state.loading_fraction(), Some(0.25));
        let state = loaded();
        assert!(state.loading.is_none());
        assert_eq!(state.summary.as_ref().map(DataSummary::name), Some("t.csv"));
    }

    #[test]
    fn a_failure_keeps_the_loaded_set_and_says_what_is_wrong() {
        let mut state = loaded();
        state.start("Reading bad.csv");
        state.on_message(&FromEngine::DataFailed {
            message: "bad.csv is empty.".into(),
            skippable_rows: None,
        });
        assert!(state.loading.is_none());
        assert_eq!(
            state.problem.as_ref().map(|p| p.message.as_str()),
            Some("bad.csv is empty.")
        );
        assert_eq!(state.summary.as_ref().map(DataSummary::name), Some("t.csv"));
    }

    #[test]
    fn a_crash_while_reading_ends_the_wait_with_what_to_do() {
        let mut state = loaded();
        state.start("Reading big.csv");
        state.on_message(&FromEngine::Error {
            message: "the engine hit a bug".into(),
            fatal: true,
        });
        assert!(state.loading.is_none());
        let problem = state
            .problem
            .as_ref()
            .map(|p| p.message.as_str())
            .unwrap_or("");
        assert!(
            problem.starts_with("The engine crashed while reading"),
            "{problem}"
        );
        assert_eq!(state.summary.as_ref().map(DataSummary::name), Some("t.csv"));
    }

    #[test]
    fn edits_change_the_config_and_ask_the_engine() {
        let mut state = loaded();
        let message = state.set_target("a");
        let config = state.config.clone().unwrap();
        assert_eq!(config.target(), Some("a"));
        assert_eq!(
            config.columns[2].role,
            Role::Feature,
            "the old target becomes a feature"
        );
        assert_eq!(message, Some(ToEngine::ConfigureData { config }));
        state.set_role("b", Role::Sensitive);
        state.set_missing("b", MissingStrategy::DropRows);
        state.set_indicator("b", true);
        let b = &state.config.as_ref().unwrap().columns[1];
        assert_eq!(
            (b.role, b.missing, b.indicator),
            (Role::Sensitive, MissingStrategy::DropRows, true)
        );
        state.set_role("c", Role::Target);
        assert_eq!(state.config.as_ref().unwrap().target(), Some("c"));
        state.set_split(80.0, 30.0);
        let split = state.config.as_ref().unwrap().split;
        assert!((split.train - 0.8).abs() < 1e-12 && (split.validation - 0.2).abs() < 1e-12);
        assert_eq!(
            DataState::default().set_target("a"),
            None,
            "nothing loaded, nothing sent"
        );
    }

    #[test]
    fn oversized_files_are_refused_before_sending() {
        let mut state = loaded();
        assert!(!state.check_csv_file("huge.csv", 200.0 * 1_048_576.0));
        let message = state.problem.clone().unwrap().message;
        assert!(
            message.contains("huge.csv is 200 MB") && message.contains("up to 100 MB"),
            "{message}"
        );
        assert!(state.summary.is_some());
        assert!(state.check_csv_file("small.csv", 1000.0));
    }
}
