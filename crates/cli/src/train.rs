//! `hearth train`: the data set prepared as the page prepares it, a model from a preset or
//! a spec file, trained by the core's step machine with a progress bar and an epoch table,
//! scored on the test split and saved as a model file.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use hearth_core::data::ImageSet;
use hearth_core::data::images::ImageShape;
use hearth_core::data::prep::Groups;
use hearth_core::data::session::Loaded;
use hearth_core::data::summary::{Augment, Role, Split, Task};
use hearth_core::inference::ActiveModel;
use hearth_core::metrics::SplitName;
use hearth_core::model::file::{self, FORMAT_VERSION, ModelCard, ModelDocument};
use hearth_core::model::summary::ModelSource;
use hearth_core::model::{
    ExampleWeights, InputShape, ModelSpec, Preset, PresetError, Schedule, Shape, TrainConfig,
};
use hearth_core::protocol::FromEngine;
use hearth_core::training::further;
use hearth_core::training::job::{JobError, check_spec};
use hearth_core::training::transfer::Base;
use hearth_core::training::{SpecMismatch, StepOutcome, TrainSet, Trainer};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::report::{self, Scores};
use crate::{Failure, source};
use hearth_core::text::capitalised;
pub use options::{PresetArg, TrainArgs};
use options::{parse_split, train_config};

mod options;

/// The examples and what the model file needs to know about them.
struct TrainingData {
    set: TrainSet,
    input: InputShape,
    task: Task,
    labels: Vec<String>,
    target: Option<String>,
    schema: Option<hearth_core::data::prep::Schema>,
    /// The sensitive columns' groups, over all prepared rows.
    groups: Vec<Groups>,
    /// The weights the trainer uses, when they differ from the config's (reweighting by
    /// group becomes one weight per row).
    trainer_weights: Option<ExampleWeights>,
    data_name: String,
}

pub fn run(args: &TrainArgs) -> Result<(), Failure> {
    let out_folder = args
        .out
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !out_folder.is_dir() {
        return Err(Failure::input(format!(
            "cannot save to {}: the folder {} does not exist",
            args.out.display(),
            out_folder.display()
        )));
    }
    let config = train_config(args)?;
    let device = Device::flex();
    let base = args
        .continue_from
        .as_deref()
        .map(|path| open_model("--continue", path, &device))
        .transpose()?;
    let start = args
        .from
        .as_deref()
        .map(|path| open_base(path, &device))
        .transpose()?;
    let prepared = prepare(args, &config, base.as_ref())?;
    let spec = match (&base, &start) {
        (Some(model), _) => model.spec.clone(),
        (None, Some(start)) => base_spec(args, start, &prepared)?,
        (None, None) => model_spec(args, &prepared)?,
    };
    println!("model:");
    report::print_layers(&spec)?;
    print_plan(&config, prepared.set.train.len());

    let test_rows = prepared.set.test.clone();
    let truth: Vec<f32> = test_rows
        .iter()
        .map(|&row| prepared.set.y[row as usize])
        .collect();
    let started = Instant::now();
    let mut trainer_config = config.clone();
    if let Some(weights) = prepared.trainer_weights {
        trainer_config.weights = weights;
    }
    let mut trainer = Trainer::new(spec.clone(), trainer_config, prepared.set, &device)
        .map_err(|error| Failure::input(error.to_string()))?;
    begin(&mut trainer, &spec, &config, base.as_ref(), start.as_ref())?;
    let reason = train_with_progress(&mut trainer, &config, prepared.task)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{reason} in {seconds:.1} s");

    let mut metrics = test_metrics(
        &trainer,
        &test_rows,
        &truth,
        prepared.task,
        &prepared.labels,
        &prepared.groups,
    )?;
    metrics.insert(
        "training".into(),
        json!({ "seconds": seconds, "epochs": trainer.history.len() }),
    );

    let network = trainer
        .network()
        .ok_or_else(|| Failure::internal("the trained model is gone"))?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.out.file_stem().map_or("model".to_string(), |stem| {
            stem.to_string_lossy().into_owned()
        })
    });
    let description = match &prepared.target {
        _ if base.is_some() => base
            .as_ref()
            .map(|model| model.card.description.clone())
            .unwrap_or_default(),
        Some(target) => format!(
            "{} of \"{target}\" from {}, trained with `hearth train`.",
            capitalised(prepared.task.label()),
            prepared.data_name
        ),
        None => format!(
            "{} of {}, trained with `hearth train`.",
            capitalised(prepared.task.label()),
            prepared.data_name
        ),
    };
    let document = ModelDocument {
        sound: None,
        format_version: FORMAT_VERSION,
        spec,
        preprocessing: prepared.schema,
        class_labels: prepared.labels,
        train_config: Some(config),
        history: trainer.history.clone(),
        metrics: serde_json::Value::Object(metrics),
        card: ModelCard {
            name,
            description,
            ..ModelCard::default()
        },
    };
    let bytes =
        file::save(&network, &document).map_err(|error| Failure::internal(error.to_string()))?;
    std::fs::write(&args.out, &bytes)
        .map_err(|error| Failure::input(format!("cannot write {}: {error}", args.out.display())))?;
    println!(
        "saved {} ({} bytes)",
        args.out.display(),
        hearth_core::text::thousands(bytes.len() as u64)
    );
    Ok(())
}

/// Puts the weights a run begins with in `trainer`: the model trained further, or the
/// kept layers of the one it is built on (fresh ones otherwise).
fn begin(
    trainer: &mut Trainer,
    spec: &ModelSpec,
    config: &TrainConfig,
    further: Option<&ActiveModel>,
    start: Option<&Base>,
) -> Result<(), Failure> {
    if let Some(model) = further {
        let weights = pollster::block_on(model.weights())
            .map_err(|error| Failure::internal(error.to_string()))?;
        let from = trainer
            .continue_from(&weights, model.history.clone())
            .map_err(|error| Failure::input(error.to_string()))?;
        println!(
            "training further: {} from epoch {from}, to epoch {}",
            model.summary.name,
            from + config.epochs
        );
    }
    if let Some(start) = start {
        let kept = start
            .kept(spec)
            .map_err(|error| Failure::input(format!("--from: {error}")))?;
        trainer
            .keep_layers(&kept)
            .map_err(|error| Failure::input(format!("--from: {error}")))?;
        if let Some(origin) = &spec.origin {
            println!("built on {}: {}", origin.model, origin.kept_summary());
        }
    }
    Ok(())
}

/// The model file at `path`, to train further (`option` names it in messages).
fn open_model(option: &str, path: &Path, device: &Device) -> Result<ActiveModel, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|error| Failure::input(format!("cannot read {}: {error}", path.display())))?;
    let name = path
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    ActiveModel::open(&name, &bytes, device, ModelSource::File)
        .map_err(|error| Failure::input(format!("{option}: {error}")))
}

/// The model file at `path`, to build a new model on.
fn open_base(path: &Path, device: &Device) -> Result<Base, Failure> {
    let model = open_model("--from", path, device)?;
    pollster::block_on(Base::new(&model)).map_err(|error| Failure::internal(error.to_string()))
}

/// The spec of a new model on `start`: its first --keep-layers layers, then a head for the
/// prepared data, whose input must be what `start` reads.
fn base_spec(
    args: &TrainArgs,
    start: &Base,
    prepared: &TrainingData,
) -> Result<ModelSpec, Failure> {
    let layers = start.summary.layers.len();
    let kept = args.keep_layers.unwrap_or(layers);
    if kept == 0 || kept > layers {
        return Err(Failure::input(format!(
            "--keep-layers {kept}: {} has {} before its head; keep 1 to {layers}",
            start.summary.name,
            hearth_core::text::counted(layers as u64, "layer")
        )));
    }
    if prepared.input != start.summary.input {
        let model = Shape::from(start.summary.input).label();
        let data = Shape::from(prepared.input).label();
        let advice = match start.summary.input {
            InputShape::Image {
                height,
                width,
                channels,
            } => format!(
                "load the images at its size: --image-size {width}x{height} --channels {channels}"
            ),
            InputShape::Features { features } => {
                format!("it needs a table with {features} input columns")
            }
        };
        return Err(Failure::input(format!(
            "--from: {} reads inputs of {model}, and {} gives {data}; {advice}",
            start.summary.name, args.data
        )));
    }
    start
        .summary
        .spec(
            kept,
            Vec::new(),
            args.freeze,
            args.kept_rate,
            prepared.task,
            prepared.labels.len(),
        )
        .map_err(|error| Failure::input(format!("--from: {error}")))
}

/// Prints what training will do: epochs, steps of `train_rows`, optimizer and schedule.
fn print_plan(config: &TrainConfig, train_rows: usize) {
    println!(
        "training: {} epochs of {} steps (batch {}), {} at learning rate {}{}",
        config.epochs,
        train_rows.div_ceil(config.batch_size),
        config.batch_size,
        config.optimizer.label(),
        config.learning_rate,
        match config.schedule {
            Schedule::Constant => String::new(),
            Schedule::Cosine { .. } => " with cosine decay".to_string(),
            Schedule::Step {
                every_epochs,
                factor,
            } => format!(" times {factor} every {every_epochs} epochs"),
        }
    );
}

/// Scores the trained model on the test rows, printing the scores and the per-group
/// figures, for the model file's metrics.
fn test_metrics(
    trainer: &Trainer,
    test_rows: &[u32],
    truth: &[f32],
    task: Task,
    labels: &[String],
    all_groups: &[Groups],
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let mut metrics = serde_json::Map::new();
    let mut reports = Vec::new();
    if test_rows.is_empty() {
        println!("no test rows: the split leaves none, so there are no test metrics");
    } else {
        let predictions = pollster::block_on(trainer.predict(test_rows))
            .map_err(|error| Failure::internal(error.to_string()))?;
        let groups: Vec<Groups> = all_groups
            .iter()
            .map(|groups| Groups {
                codes: test_rows
                    .iter()
                    .map(|&row| groups.codes[row as usize])
                    .collect(),
                ..groups.clone()
            })
            .collect();
        let (scores, group_reports) =
            report::score(SplitName::Test, task, labels, truth, &predictions, &groups);
        report::print_scores(&scores);
        for group in &group_reports {
            report::print_groups(group);
        }
        metrics.insert(
            "test".into(),
            match &scores {
                Scores::Classification(m) => json!(m),
                Scores::Regression(m) => json!(m),
            },
        );
        reports = group_reports;
    }
    if !reports.is_empty() {
        metrics.insert("groups".into(), json!(reports));
    }
    Ok(metrics)
}

/// Reads and prepares the data as the options say.
fn prepare(
    args: &TrainArgs,
    config: &TrainConfig,
    base: Option<&ActiveModel>,
) -> Result<TrainingData, Failure> {
    let not_fitting = |error: JobError| Failure::input(format!("{}: {error}", args.data));
    let (width, height) = source::parse_size(&args.image_size)
        .map_err(|message| Failure::input(format!("--image-size: {message}")))?;
    let shape = ImageShape {
        width,
        height,
        channels: args.channels,
    };
    let split = parse_split(&args.split, config.seed)?;
    let (mut session, _) = source::load(&args.data, args.skip_ragged, shape)?;
    match &session.loaded {
        Loaded::Table(loaded) => {
            let mut data_config = loaded.config.clone();
            let unknown = |name: &str| {
                Failure::input(format!(
                    "{} has no column called \"{name}\"; its columns are: {}",
                    args.data,
                    loaded.table.headers().join(", ")
                ))
            };
            if let Some(target) = &args.target {
                if loaded.table.column(target).is_none() {
                    return Err(unknown(target));
                }
                data_config.set_target(target);
            }
            for (names, role) in [
                (&args.sensitive, Role::Sensitive),
                (&args.sensitive_input, Role::SensitiveInput),
                (&args.exclude, Role::Excluded),
            ] {
                for name in names {
                    if Some(name.as_str()) == data_config.target() {
                        return Err(Failure::input(format!(
                            "\"{name}\" is the target; it cannot also be {}",
                            role.label()
                        )));
                    }
                    data_config
                        .column_mut(name)
                        .ok_or_else(|| unknown(name))?
                        .role = role;
                }
            }
            if args.task.is_some() {
                data_config.task = args.task;
            }
            data_config.split = split;
            let data_name = loaded.table.name.clone();
            if let FromEngine::DataReport { report } = session.configure(data_config)
                && let Some(problem) = report.problem
            {
                return Err(Failure::input(format!("{}: {problem}", args.data)));
            }
            let mut prepared = session
                .prepared()
                .ok_or_else(|| Failure::internal("the table is gone"))?
                .map_err(|error| Failure::input(format!("{}: {error}", args.data)))?;
            if let Some(model) = base {
                let Loaded::Table(loaded) = &session.loaded else {
                    return Err(Failure::internal("the table is gone"));
                };
                prepared = further::as_trained(prepared, &loaded.table, model.basis())
                    .map_err(not_fitting)?;
            }
            let report = prepared.report();
            println!(
                "data: {data_name}, target \"{}\" ({}), {} inputs",
                prepared.target.column,
                prepared.target.task.label(),
                prepared.width
            );
            println!(
                "rows: {} training, {} validation, {} test, {} left out",
                report.split_rows[0],
                report.split_rows[1],
                report.split_rows[2],
                report.dropped_rows
            );
            for notice in &prepared.notices {
                println!("note: {notice}");
            }
            let trainer_weights = match &config.weights {
                ExampleWeights::ReweighGroups { column } => Some(ExampleWeights::PerSample {
                    weights: hearth_core::training::reweigh::reweighing_prepared(&prepared, column)
                        .map_err(|message| Failure::input(format!("--reweigh: {message}")))?,
                }),
                _ => None,
            };
            let labels = match &prepared.schema.target {
                hearth_core::data::prep::TargetSchema::Classes { labels, .. } => labels.clone(),
                hearth_core::data::prep::TargetSchema::Regression { .. } => Vec::new(),
            };
            Ok(TrainingData {
                set: TrainSet::from_prepared(&prepared),
                input: InputShape::Features {
                    features: prepared.width,
                },
                task: prepared.target.task,
                labels,
                target: Some(prepared.target.column.clone()),
                trainer_weights,
                groups: prepared.groups,
                schema: Some(prepared.schema),
                data_name,
            })
        }
        Loaded::Images(images) => {
            let data = image_data(args, images, &split)?;
            match base {
                Some(model) => with_classes_of(data, images, model).map_err(not_fitting),
                None => Ok(data),
            }
        }
        Loaded::Nothing => Err(Failure::internal("nothing was loaded")),
    }
}

/// `data` (from `images`) with the classes of `model`, which it trains further.
fn with_classes_of(
    mut data: TrainingData,
    images: &ImageSet,
    model: &ActiveModel,
) -> Result<TrainingData, JobError> {
    let map = further::image_classes(images, model.basis())?;
    further::remap_classes(&mut data.set.y, &map);
    data.labels = model.labels.clone();
    data.task = model.spec.task;
    Ok(data)
}

/// An image set as training data, refusing the options that only tables have.
fn image_data(args: &TrainArgs, images: &ImageSet, split: &Split) -> Result<TrainingData, Failure> {
    if let Some(option) = [
        args.target.as_ref().map(|_| "--target"),
        (!args.sensitive.is_empty()).then_some("--sensitive"),
        (!args.sensitive_input.is_empty()).then_some("--sensitive-input"),
        (!args.exclude.is_empty()).then_some("--exclude"),
        args.reweigh.as_ref().map(|_| "--reweigh"),
    ]
    .into_iter()
    .flatten()
    .next()
    {
        return Err(Failure::input(format!(
            "{option}: {} is a set of images, which has no columns (the class is the folder name)",
            args.data
        )));
    }
    let classes = images.classes.len();
    if args.task == Some(Task::Regression) || (args.task == Some(Task::Binary) && classes != 2) {
        return Err(Failure::input(format!(
            "--task: images are classified by their folders, and {} has {classes} classes",
            args.data
        )));
    }
    let task = args.task.unwrap_or(if images.classes.len() == 2 {
        Task::Binary
    } else {
        Task::MultiClass
    });
    let augment = Augment {
        max_shift: args.augment_shift,
        max_rotation_degrees: args.augment_rotate,
        flip_horizontal: args.augment_flip,
    };
    let set = TrainSet::from_images(images, split, augment);
    println!(
        "data: {}, {} images of {}x{}x{} in {} classes",
        images.name,
        images.len(),
        images.width,
        images.height,
        images.channels,
        images.classes.len()
    );
    println!(
        "images: {} training, {} validation, {} test",
        set.train.len(),
        set.validation.len(),
        set.test.len()
    );
    Ok(TrainingData {
        set,
        input: InputShape::Image {
            height: images.height as usize,
            width: images.width as usize,
            channels: images.channels as usize,
        },
        task,
        labels: images.classes.clone(),
        target: None,
        schema: None,
        groups: Vec::new(),
        trainer_weights: None,
        data_name: images.name.clone(),
    })
}

/// The model: a preset for the data, or a spec file checked against the data.
fn model_spec(args: &TrainArgs, prepared: &TrainingData) -> Result<ModelSpec, Failure> {
    let classes = prepared.labels.len();
    let Some(path) = &args.spec else {
        let PresetArg(preset) = args.preset.unwrap_or(PresetArg(Preset::Mlp));
        return preset
            .spec(prepared.input, prepared.task, classes)
            .map_err(|error| match error {
                PresetError::CnnNeedsImages => {
                    Failure::input("--preset cnn needs images; use logistic or mlp for a table")
                }
            });
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| Failure::input(format!("cannot read {}: {error}", path.display())))?;
    let spec: ModelSpec = serde_json::from_str(&text).map_err(|error| {
        Failure::input(format!(
            "{}, line {}, column {}: not a model spec ({})",
            path.display(),
            error.line(),
            error.column(),
            error
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
        ))
    })?;
    // The page's check, said the command line's way (naming the spec file).
    let file = path.display();
    check_spec(&spec, prepared.input, prepared.task, classes).map_err(|error| {
        Failure::input(match error {
            SpecMismatch::Invalid(error) => format!("{file}: {error}"),
            SpecMismatch::Input { model, data } => {
                format!("{file}: the spec's input is {model} but the data gives {data}")
            }
            SpecMismatch::Output {
                model_task,
                model_outputs,
                data_task,
                data_outputs,
            } => format!(
                "{file}: the spec does {model_task} with {model_outputs} output(s), but the data \
                 needs {data_task} with {data_outputs}"
            ),
        })
    })?;
    Ok(spec)
}

/// Steps the trainer to the end, with a progress bar on a terminal and a table row per
/// epoch. Returns why training ended.
fn train_with_progress(
    trainer: &mut Trainer,
    config: &TrainConfig,
    task: Task,
) -> Result<String, Failure> {
    let steps_per_epoch = trainer_steps(trainer, config);
    let bar = ProgressBar::new(steps_per_epoch * u64::from(config.epochs));
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps, epoch {msg}, {rate} steps/s, {eta} left",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{:.0}", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let classifies = task != Task::Regression;
    println!(
        "{:>5} {:>11} {:>11}{} {:>10} {:>8}",
        "epoch",
        "train loss",
        "val loss",
        if classifies {
            format!(" {:>9} {:>9}", "train acc", "val acc")
        } else {
            String::new()
        },
        "lr",
        "time"
    );
    let started = Instant::now();
    let result = pollster::block_on(async {
        loop {
            match trainer.step().await? {
                StepOutcome::Step { epoch, .. } => {
                    bar.set_message(epoch.to_string());
                    bar.inc(1);
                }
                StepOutcome::Epoch(record) => {
                    bar.inc(1);
                    let number = |value: Option<f32>, digits: usize| {
                        value.map_or("-".to_string(), |v| format!("{v:.digits$}"))
                    };
                    bar.suspend(|| {
                        println!(
                            "{:>5} {:>11.5} {:>11}{} {:>10.6} {:>7.1}s",
                            record.epoch,
                            record.train_loss,
                            number(record.validation_loss, 5),
                            if classifies {
                                format!(
                                    " {:>9} {:>9}",
                                    number(record.train_accuracy, 4),
                                    number(record.validation_accuracy, 4)
                                )
                            } else {
                                String::new()
                            },
                            record.learning_rate,
                            started.elapsed().as_secs_f64()
                        );
                    });
                }
                StepOutcome::Finished { reason } => return Ok(reason),
            }
        }
    });
    bar.finish_and_clear();
    result.map_err(|error: hearth_core::Error| match error {
        hearth_core::Error::Diverged { .. }
        | hearth_core::Error::Config(_)
        | hearth_core::Error::Spec(_)
        | hearth_core::Error::Inputs { .. }
        | hearth_core::Error::EmptyTrainingSplit => Failure::input(error.to_string()),
        other => Failure::internal(other.to_string()),
    })
}

fn trainer_steps(trainer: &Trainer, config: &TrainConfig) -> u64 {
    trainer.train_rows().div_ceil(config.batch_size.max(1)) as u64
}
