//! `hearth train`'s options: the arguments clap reads, and the training settings and split
//! they make.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};
use hearth_core::data::summary::{Split, Task};
use hearth_core::model::{EarlyStopping, ExampleWeights, Optimizer, Preset, Schedule, TrainConfig};

use crate::Failure;

/// `--preset`: one of the core's built-in architectures, as clap reads and lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetArg(pub Preset);

impl ValueEnum for PresetArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            PresetArg(Preset::Logistic),
            PresetArg(Preset::Mlp),
            PresetArg(Preset::Cnn),
            PresetArg(Preset::Sound),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0 {
            Preset::Logistic => "Logistic (or linear) regression: the output layer alone",
            Preset::Mlp => "Two hidden layers of 128 and 64 ReLU units (784-128-64-10 on MNIST)",
            Preset::Cnn => {
                "The small MNIST CNN: conv32-pool-conv64-pool-conv64-dense64 (images only)"
            }
            Preset::Sound => {
                "A CNN for one-second sound spectrograms: conv16-pool-conv32-pool-dense64-dropout"
            }
        };
        Some(PossibleValue::new(self.0.id()).help(help))
    }
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// A CSV file, a folder of class-named image subfolders, or builtin:NAME.
    pub data: String,
    /// Where to save the model (a .safetensors file).
    #[arg(long)]
    pub out: PathBuf,
    /// The column to predict (tables; default: the proposed one).
    #[arg(long)]
    pub target: Option<String>,
    /// The task, instead of the inferred one: binary, multiclass or regression.
    #[arg(long, value_parser = parse_task)]
    pub task: Option<Task>,
    /// The architecture [default: mlp].
    #[arg(long, value_enum, conflicts_with = "spec")]
    pub preset: Option<PresetArg>,
    /// A model spec (JSON, as the page's "Copy spec" gives) instead of a preset.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Train this model file further instead of a new model: its weights, preprocessing
    /// and classes, its history numbered on; --epochs more epochs. The data must have its
    /// columns (or classes).
    #[arg(long = "continue", value_name = "MODEL", conflicts_with_all = ["preset", "spec"])]
    pub continue_from: Option<PathBuf>,
    /// Build a new model on this model file: its first layers (--keep-layers) with their
    /// weights, then a new head for the data's classes (or value). The data is prepared
    /// anew; images must be of the size the model reads (--image-size, --channels).
    #[arg(long = "from", value_name = "MODEL", conflicts_with_all = ["preset", "spec", "continue_from"])]
    pub from: Option<PathBuf>,
    /// How many of --from's layers to keep [default: all but its head].
    #[arg(long, value_name = "N", requires = "from")]
    pub keep_layers: Option<usize>,
    /// Keep --from's layers as they are (no gradients for them), instead of fine-tuning
    /// them at --kept-rate times the learning rate.
    #[arg(long, requires = "from")]
    pub freeze: bool,
    /// The kept layers' learning rate as a fraction of --lr, when not frozen.
    #[arg(long, value_name = "FRACTION", requires = "from", conflicts_with = "freeze",
          default_value_t = hearth_core::model::DEFAULT_KEPT_RATE)]
    pub kept_rate: f64,
    #[arg(long, default_value_t = 10)]
    pub epochs: u32,
    /// Examples per training step.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// The learning rate.
    #[arg(long, default_value_t = 0.001)]
    pub lr: f64,
    /// sgd, momentum (SGD with 0.9), nesterov, adam, adamw or rmsprop.
    #[arg(long, default_value = "adam")]
    pub optimizer: String,
    /// constant, cosine, or step:EPOCHS:FACTOR (e.g. step:10:0.5).
    #[arg(long, default_value = "constant")]
    pub schedule: String,
    /// L1 penalty on the weights.
    #[arg(long, default_value_t = 0.0)]
    pub l1: f64,
    /// L2 penalty on the weights (weight decay).
    #[arg(long, default_value_t = 0.0)]
    pub l2: f64,
    /// Weight classes so that rare classes count as much as common ones.
    #[arg(long)]
    pub balanced: bool,
    /// Stop when the validation loss has not improved for this many epochs, and keep
    /// the best epoch's weights.
    #[arg(long)]
    pub patience: Option<u32>,
    /// Seeds the split, the initial weights, the shuffling and dropout.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Training and validation percentages; the test set gets the rest.
    #[arg(long, default_value = "70,15")]
    pub split: String,
    /// A column describing people (kept out of the inputs; metrics are shown per group).
    #[arg(long = "sensitive", value_name = "COLUMN")]
    pub sensitive: Vec<String>,
    /// A column describing people that is also an input (metrics are shown per group).
    #[arg(long = "sensitive-input", value_name = "COLUMN")]
    pub sensitive_input: Vec<String>,
    /// Group-aware reweighting by this sensitive column (Kamiran and Calders'
    /// reweighing), so that group and outcome are independent in the weighted training
    /// data: narrows the gap in selection rates between groups.
    #[arg(long, value_name = "COLUMN", conflicts_with = "balanced")]
    pub reweigh: Option<String>,
    /// A column to leave out of the inputs.
    #[arg(long = "exclude", value_name = "COLUMN")]
    pub exclude: Vec<String>,
    /// Image folders: the size images are brought to, WIDTHxHEIGHT.
    #[arg(long, default_value = "28x28")]
    pub image_size: String,
    /// Image folders: 1 (grayscale) or 3 (colour).
    #[arg(long, default_value_t = 1)]
    pub channels: u8,
    /// Images: shift training images by up to this many pixels.
    #[arg(long, default_value_t = 0)]
    pub augment_shift: u32,
    /// Images: rotate training images by up to this many degrees.
    #[arg(long, default_value_t = 0.0)]
    pub augment_rotate: f32,
    /// Images: mirror half of the training images left to right.
    #[arg(long)]
    pub augment_flip: bool,
    /// Skip CSV rows whose number of fields differs from the header's.
    #[arg(long)]
    pub skip_ragged: bool,
    /// The model's name in its card (default: the output file's name).
    #[arg(long)]
    pub name: Option<String>,
}

fn parse_task(text: &str) -> Result<Task, String> {
    match text.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "binary" => Ok(Task::Binary),
        "multiclass" => Ok(Task::MultiClass),
        "regression" => Ok(Task::Regression),
        _ => Err(format!(
            "\"{text}\" is not a task: use binary, multiclass or regression"
        )),
    }
}

/// The training settings from the options, checked.
pub(super) fn train_config(args: &TrainArgs) -> Result<TrainConfig, Failure> {
    let optimizer = Optimizer::parse(&args.optimizer).ok_or_else(|| {
        Failure::input(format!(
            "--optimizer {}: use sgd, momentum, nesterov, adam, adamw or rmsprop",
            args.optimizer
        ))
    })?;
    let schedule = parse_schedule(&args.schedule).ok_or_else(|| {
        Failure::input(format!(
            "--schedule {}: use constant, cosine, or step:EPOCHS:FACTOR (e.g. step:10:0.5)",
            args.schedule
        ))
    })?;
    let config = TrainConfig {
        optimizer,
        learning_rate: args.lr,
        schedule,
        batch_size: args.batch,
        epochs: args.epochs,
        l1: args.l1,
        l2: args.l2,
        weights: match (&args.reweigh, args.balanced) {
            (Some(column), _) => ExampleWeights::ReweighGroups {
                column: column.clone(),
            },
            (None, true) => ExampleWeights::Balanced,
            (None, false) => ExampleWeights::None,
        },
        seed: args.seed,
        early_stopping: args.patience.map(|patience| EarlyStopping {
            patience: patience.max(1),
            restore_best: true,
        }),
    };
    config.check().map_err(Failure::input)?;
    Ok(config)
}

fn parse_schedule(text: &str) -> Option<Schedule> {
    let lower = text.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split(':').collect();
    match parts.as_slice() {
        ["constant"] => Some(Schedule::Constant),
        ["cosine"] => Some(Schedule::Cosine { min_fraction: 0.0 }),
        ["step", every, factor] => Some(Schedule::Step {
            every_epochs: every.parse().ok().filter(|&every: &u32| every > 0)?,
            factor: factor.parse().ok()?,
        }),
        _ => None,
    }
}

/// `"70,15"` (percentages) or `"0.7,0.15"` as training and validation fractions.
pub(super) fn parse_split(text: &str, seed: u64) -> Result<Split, Failure> {
    let bad = || {
        Failure::input(format!(
            "--split {text}: give the training and validation percentages, like 70,15 (the test set gets the rest)"
        ))
    };
    let parts: Vec<f64> = text
        .split([',', '/'])
        .map(|part| part.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let fractions: Vec<f64> = if parts.iter().any(|&part| part > 1.0) {
        parts.iter().map(|part| part / 100.0).collect()
    } else {
        parts
    };
    let (train, validation) = match fractions.as_slice() {
        [train, validation] | [train, validation, _] => (*train, *validation),
        _ => return Err(bad()),
    };
    if !(train > 0.0 && validation >= 0.0 && train + validation <= 1.0 + 1e-9) {
        return Err(bad());
    }
    Ok(Split {
        train,
        validation,
        seed,
    })
}
