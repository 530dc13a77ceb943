//! What the page shows about a data set and what the user chooses about it. These types
//! travel between the engine worker (which holds the data) and the page (which holds
//! none of it), so they carry summaries and a short preview, never the whole set.

use serde::{Deserialize, Serialize};

/// The largest CSV file the browser reads (the page checks before sending it).
pub const MAX_CSV_BYTES: usize = 100 * 1024 * 1024;
/// The most rows the browser reads.
pub const MAX_CSV_ROWS: usize = 1_000_000;
/// The most columns a CSV file may have (MNIST as a table has 785).
pub const MAX_CSV_COLUMNS: usize = 20_000;
/// The most image files loaded at once, and the largest one.
pub const MAX_IMAGE_FILES: usize = 20_000;
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// What a column holds, as inferred from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers (a few cells that are not may be counted as missing).
    Numeric,
    /// Two values such as yes/no, true/false or 0/1.
    Boolean,
    /// A limited set of labels.
    Categorical,
    /// Free text: long, mostly unique values with spaces.
    Text,
    /// A unique value per row: a key, a row number, a code.
    Identifier,
}

impl ColumnKind {
    /// The word the page shows.
    pub fn label(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Text => "free text",
            ColumnKind::Identifier => "identifier",
        }
    }
}

/// What a column is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An input of the model.
    Feature,
    /// What the model predicts.
    Target,
    /// A protected attribute (gender, ethnicity, ...): kept out of the inputs and used
    /// for per-group (fairness) metrics.
    Sensitive,
    /// A protected attribute that is also an input: the model reads it, and per-group
    /// metrics compare its groups (how bias in the labels gets into a model).
    SensitiveInput,
    /// Never reaches the model or the model file.
    Excluded,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Feature,
        Role::Target,
        Role::Sensitive,
        Role::SensitiveInput,
        Role::Excluded,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::Feature => "feature",
            Role::Target => "target",
            Role::Sensitive => "sensitive",
            Role::SensitiveInput => "sensitive input",
            Role::Excluded => "excluded",
        }
    }

    /// Whether the model reads the column.
    pub fn is_input(self) -> bool {
        matches!(self, Role::Feature | Role::SensitiveInput)
    }

    /// Whether per-group metrics compare the column's groups.
    pub fn is_sensitive(self) -> bool {
        matches!(self, Role::Sensitive | Role::SensitiveInput)
    }
}

/// What to do with a feature's missing cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingStrategy {
    /// Leave out every row where this column is missing.
    DropRows,
    /// Fill in the mean of the training rows (numeric columns).
    Mean,
    /// Fill in the median of the training rows (numeric columns).
    Median,
    /// Fill in the most frequent value of the training rows.
    MostFrequent,
}

impl MissingStrategy {
    pub const ALL: [MissingStrategy; 4] = [
        MissingStrategy::DropRows,
        MissingStrategy::Mean,
        MissingStrategy::Median,
        MissingStrategy::MostFrequent,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MissingStrategy::DropRows => "drop rows",
            MissingStrategy::Mean => "mean",
            MissingStrategy::Median => "median",
            MissingStrategy::MostFrequent => "most frequent",
        }
    }

    /// Whether the strategy applies to a column of this kind (means need numbers).
    pub fn fits(self, kind: ColumnKind) -> bool {
        match self {
            MissingStrategy::Mean | MissingStrategy::Median => kind == ColumnKind::Numeric,
            _ => true,
        }
    }
}

/// How numeric features are scaled (fitted on the training split only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// Subtract the mean, divide by the standard deviation.
    #[default]
    Standardize,
    /// Map the training range to 0..1.
    MinMax,
    /// Leave the numbers as they are.
    None,
}

impl Scaling {
    pub const ALL: [Scaling; 3] = [Scaling::Standardize, Scaling::MinMax, Scaling::None];

    pub fn label(self) -> &'static str {
        match self {
            Scaling::Standardize => "standardize",
            Scaling::MinMax => "min-max",
            Scaling::None => "none",
        }
    }
}

/// What the model learns to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes.
    Binary,
    /// Three or more classes.
    MultiClass,
    /// A number.
    Regression,
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Binary, Task::MultiClass, Task::Regression];

    pub fn label(self) -> &'static str {
        match self {
            Task::Binary => "binary classification",
            Task::MultiClass => "multi-class classification",
            Task::Regression => "regression",
        }
    }

    pub fn is_classification(self) -> bool {
        self != Task::Regression
    }
}

/// Why a column looks like personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalData {
    Email,
    Phone,
    Name,
    UniqueId,
    Address,
    BirthDate,
}

impl PersonalData {
    pub fn label(self) -> &'static str {
        match self {
            PersonalData::Email => "e-mail addresses",
            PersonalData::Phone => "phone numbers",
            PersonalData::Name => "people's names",
            PersonalData::UniqueId => "a unique identifier",
            PersonalData::Address => "addresses",
            PersonalData::BirthDate => "dates of birth",
        }
    }
}

/// Summary statistics of a numeric column (over its non-missing cells).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NumericStats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub std: f64,
    pub median: f64,
}

/// Everything the page shows about one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    pub name: String,
    pub kind: ColumnKind,
    /// Empty, `?`, `NA`, `NaN`, `null` (and, in numeric columns, cells that are not numbers).
    pub missing: usize,
    /// Distinct non-missing values (counted up to a cap; see `distinct_capped`).
    pub distinct: usize,
    pub distinct_capped: bool,
    pub numeric: Option<NumericStats>,
    /// The most frequent values with their counts (not for numeric columns).
    pub top: Vec<(String, usize)>,
    /// Too many categories to one-hot encode usefully: left out by default.
    pub high_cardinality: bool,
    /// One value (or none) in every row: carries no information.
    pub constant: bool,
    /// Set when the column looks like personal data.
    pub personal: Option<PersonalData>,
    /// The role Hearth proposes.
    pub suggested_role: Role,
    /// Why, when the proposal is not "feature" (or anything else worth saying).
    pub note: Option<String>,
}

/// Everything the page shows about a loaded table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    pub name: String,
    pub rows: usize,
    pub columns: Vec<ColumnSummary>,
    /// The first rows, as text.
    pub preview: Vec<Vec<String>>,
    /// What reading the file found out or did (delimiter, header, skipped rows).
    pub notices: Vec<String>,
}

/// Random changes to training images. The default changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Augment {
    /// The largest shift, in pixels, in each of x and y.
    pub max_shift: u32,
    /// The largest rotation, in degrees, either way.
    pub max_rotation_degrees: f32,
    /// Mirror left to right, half of the time.
    pub flip_horizontal: bool,
}

impl Augment {
    /// Whether this changes nothing.
    pub fn is_none(&self) -> bool {
        self.max_shift == 0 && self.rotation_limit() == 0.0 && !self.flip_horizontal
    }

    /// The rotation limit as used: its magnitude, at most 180, and 0 when not a number.
    pub fn rotation_limit(&self) -> f32 {
        if self.max_rotation_degrees.is_finite() {
            self.max_rotation_degrees.abs().min(180.0)
        } else {
            0.0
        }
    }
}

/// Thumbnails per image in an augmentation preview: the original and its variants.
pub const AUGMENT_PREVIEW_VARIANTS: usize = 5;

/// One small image for the page to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thumbnail {
    /// The class index.
    pub class: u32,
    /// RGBA pixels, width x height x 4. As bytes, so that the message carries one typed
    /// array (element by element, 60 MNIST thumbnails took seconds to post).
    #[serde(with = "serde_bytes")]
    pub rgba: Vec<u8>,
}

/// Everything the page shows about a loaded image set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSummary {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    /// Class names with their image counts.
    pub classes: Vec<(String, usize)>,
    /// A few thumbnails per class.
    pub thumbnails: Vec<Thumbnail>,
    /// Files left out, each with the reason.
    pub notices: Vec<String>,
    /// Set when the images are sounds' spectrograms: how they were made.
    #[serde(default)]
    pub sound: Option<crate::sound::SoundFeatures>,
}

/// A loaded data set as the page sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSummary {
    Table(TableSummary),
    Images(ImageSummary),
}

impl DataSummary {
    pub fn name(&self) -> &str {
        match self {
            DataSummary::Table(table) => &table.name,
            DataSummary::Images(images) => &images.name,
        }
    }
}

/// The user's choices for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnConfig {
    pub name: String,
    pub role: Role,
    pub missing: MissingStrategy,
    /// Adds a 0/1 input saying whether the cell was missing.
    pub indicator: bool,
}

/// How the rows are split into training, validation and test sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Fractions of the rows; the test set gets the rest.
    pub train: f64,
    pub validation: f64,
    /// Seed of the shuffle, so a split can be repeated.
    pub seed: u64,
}

impl Default for Split {
    fn default() -> Self {
        Split {
            train: 0.7,
            validation: 0.15,
            seed: 42,
        }
    }
}

impl Split {
    pub fn test(&self) -> f64 {
        (1.0 - self.train - self.validation).max(0.0)
    }
}

/// The user's choices for a table: roles, target, task, missing values, scaling, split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataConfig {
    pub columns: Vec<ColumnConfig>,
    /// The task chosen by the user; `None` means the inferred one.
    pub task: Option<Task>,
    pub scaling: Scaling,
    pub split: Split,
}

impl DataConfig {
    /// The target column's name, when one has the target role.
    pub fn target(&self) -> Option<&str> {
        self.columns
            .iter()
            .find(|column| column.role == Role::Target)
            .map(|column| column.name.as_str())
    }

    /// Makes `name` the target (the previous target becomes a feature).
    pub fn set_target(&mut self, name: &str) {
        for column in &mut self.columns {
            if column.name == name {
                column.role = Role::Target;
            } else if column.role == Role::Target {
                column.role = Role::Feature;
            }
        }
        self.task = None;
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut ColumnConfig> {
        self.columns.iter_mut().find(|column| column.name == name)
    }
}

/// What the target looks like: the task and the class balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub column: String,
    /// The task in use (the user's choice, or the inferred one).
    pub task: Task,
    /// What Hearth inferred from the values.
    pub inferred: Task,
    /// Classes with their row counts (classification).
    pub classes: Vec<(String, usize)>,
    /// The target's statistics (regression).
    pub numeric: Option<NumericStats>,
}

/// The outcome of applying a [`DataConfig`]: what the model will see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DataReport {
    pub target: Option<TargetSummary>,
    /// Model inputs after one-hot encoding and indicators.
    pub inputs: Vec<String>,
    /// Rows in the training, validation and test sets.
    pub split_rows: [usize; 3],
    /// Rows left out (missing target, "drop rows").
    pub dropped_rows: usize,
    /// What preparing did that the user should know (constant columns dropped, ...).
    pub notices: Vec<String>,
    /// Why the data cannot be used as configured (then the other fields are empty).
    pub problem: Option<String>,
}
