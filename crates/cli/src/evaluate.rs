//! `hearth eval` and `hearth predict`: a model file applied to a data set, with the
//! preprocessing it was trained with.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::Args;
use hearth_core::data::images::{self, ImageShape};
use hearth_core::data::session::Loaded;
use hearth_core::data::summary::Task;
use hearth_core::inference;
use hearth_core::metrics::SplitName;
use hearth_core::model::apply::{self, Examples, Purpose};
use hearth_core::model::file::{self, ModelDocument};
use hearth_core::model::network::Network;

use crate::report;
use crate::{Failure, source};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A model file from `hearth train` or the page.
    pub model: PathBuf,
    /// A CSV file with the model's columns and its target, a folder of class-named image
    /// subfolders, or builtin:NAME.
    pub data: String,
    /// Report metrics per group of this column (repeatable).
    #[arg(long = "sensitive", value_name = "COLUMN")]
    pub sensitive: Vec<String>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Skip CSV rows whose number of fields differs from the header's.
    #[arg(long)]
    pub skip_ragged: bool,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model file from `hearth train` or the page.
    pub model: PathBuf,
    /// A CSV file with the model's columns, a folder of images or one image, or
    /// builtin:NAME.
    pub data: String,
    /// Write the CSV here instead of to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip CSV rows whose number of fields differs from the header's.
    #[arg(long)]
    pub skip_ragged: bool,
}

/// A model file read and checked.
struct Model {
    network: Network,
    document: ModelDocument,
    device: Device,
}

fn open(path: &Path) -> Result<Model, Failure> {
    let bytes = source::read(path)?;
    let device = Device::flex();
    let (network, document) = file::load(&path.display().to_string(), &bytes, &device)
        .map_err(|error| Failure::input(error.to_string()))?;
    Ok(Model {
        network,
        document,
        device,
    })
}

impl Model {
    fn image_shape(&self) -> Option<ImageShape> {
        ImageShape::read_by(self.document.spec.input)
    }

    /// `(mean, std)` that regression outputs are mapped back with.
    fn target_scale(&self) -> (f64, f64) {
        match &self.document.preprocessing {
            Some(schema) => match &schema.target {
                hearth_core::data::prep::TargetSchema::Regression { mean, std, .. } => {
                    (*mean, *std)
                }
                _ => (0.0, 1.0),
            },
            None => (0.0, 1.0),
        }
    }

    fn predict(&self, x: &[f32]) -> Result<Vec<Vec<f32>>, Failure> {
        pollster::block_on(inference::predict(
            &self.network,
            &self.document.spec,
            x,
            self.target_scale(),
            &self.device,
        ))
        .map_err(|error| Failure::internal(error.to_string()))
    }

    /// The data set as the model's examples.
    fn examples(
        &self,
        data: &str,
        skip_ragged: bool,
        purpose: Purpose,
        sensitive: &[String],
    ) -> Result<Examples, Failure> {
        let shape = self.image_shape().unwrap_or(ImageShape::GRAY_28);
        let (session, _) = source::load(data, skip_ragged, shape)?;
        let spec = &self.document.spec;
        let result = match (&session.loaded, &self.document.preprocessing) {
            (Loaded::Table(loaded), Some(schema)) => {
                apply::from_table(spec, schema, &loaded.table, purpose, sensitive)
            }
            (Loaded::Images(images), _) => {
                if let Some(column) = sensitive.first() {
                    return Err(Failure::input(format!(
                        "--sensitive {column}: {data} is a set of images, which has no columns"
                    )));
                }
                apply::from_images(spec, &self.document.class_labels, images)
            }
            (Loaded::Table(loaded), None) => {
                return Err(Failure::input(format!(
                    "{} does not fit the model: the model reads {} images, not table rows. Give it a folder of images.",
                    loaded.table.name,
                    shape_words(shape)
                )));
            }
            (Loaded::Nothing, _) => return Err(Failure::internal("nothing was loaded")),
        };
        let examples = result.map_err(|error| Failure::input(error.to_string()))?;
        for notice in &examples.notices {
            eprintln!("note: {notice}");
        }
        Ok(examples)
    }
}

pub fn eval(args: &EvalArgs) -> Result<(), Failure> {
    let model = open(&args.model)?;
    let examples = model.examples(
        &args.data,
        args.skip_ragged,
        Purpose::Evaluate,
        &args.sensitive,
    )?;
    let truth = examples
        .truth
        .as_ref()
        .ok_or_else(|| Failure::internal("the examples have no targets"))?;
    let predictions = model.predict(&examples.x)?;
    let task = model.document.spec.task;
    let (scores, reports) = report::score(
        SplitName::All,
        task,
        &model.document.class_labels,
        truth,
        &predictions,
        &examples.groups,
    );
    if args.json {
        let mut object = report::scores_json(task, &scores, &reports);
        object["model"] = serde_json::json!(args.model.display().to_string());
        object["data"] = serde_json::json!(args.data);
        println!("{object}");
    } else {
        println!(
            "{} on {}: {}",
            args.model.display(),
            args.data,
            task.label()
        );
        report::print_scores(&scores);
        for group in &reports {
            report::print_groups(group);
        }
    }
    Ok(())
}

pub fn predict(args: &PredictArgs) -> Result<(), Failure> {
    let model = open(&args.model)?;
    let labels = &model.document.class_labels;
    let task = model.document.spec.task;
    // An image model reads every image file it is given, with or without class folders.
    let builtin = args.data.to_ascii_lowercase().starts_with("builtin:");
    let image_files = model.image_shape().filter(|_| !builtin);
    let (names, x): (Vec<String>, Vec<f32>) = match image_files {
        Some(shape) => image_inputs(&args.data, shape)?,
        None => {
            let examples = model.examples(&args.data, args.skip_ragged, Purpose::Predict, &[])?;
            let names = examples
                .rows
                .iter()
                .map(|row| (row + 1).to_string())
                .collect();
            (names, examples.x)
        }
    };
    let predictions = model.predict(&x)?;

    let output: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|error| {
            Failure::input(format!("cannot write {}: {error}", path.display()))
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(output);
    let first = if image_files.is_some() { "file" } else { "row" };
    let mut header = vec![first.to_string(), "prediction".to_string()];
    if task != Task::Regression {
        header.extend(labels.iter().map(|label| format!("p_{label}")));
    }
    let failed = |error: csv::Error| Failure::internal(format!("cannot write the CSV: {error}"));
    writer.write_record(&header).map_err(failed)?;
    let best = hearth_core::metrics::predicted_classes(&predictions);
    for ((name, row), &best) in names.iter().zip(&predictions).zip(&best) {
        let mut record = vec![name.clone()];
        if task == Task::Regression {
            record.push(format!("{}", row.first().copied().unwrap_or(f32::NAN)));
        } else {
            record.push(labels.get(best).cloned().unwrap_or_default());
            record.extend(row.iter().map(|p| format!("{p:.6}")));
        }
        writer.write_record(&record).map_err(failed)?;
    }
    writer
        .flush()
        .map_err(|error| Failure::internal(format!("cannot write the CSV: {error}")))?;
    if let Some(path) = &args.out {
        eprintln!(
            "wrote {} predictions to {}",
            predictions.len(),
            path.display()
        );
    }
    Ok(())
}

/// "28x28 grayscale" or "32x32 colour".
fn shape_words(shape: ImageShape) -> String {
    format!(
        "{}x{} {}",
        shape.width,
        shape.height,
        if shape.channels == 1 {
            "grayscale"
        } else {
            "colour"
        }
    )
}

/// One image file, or every image under a folder (sorted by path), decoded and brought
/// to `shape`: their names and inputs.
fn image_inputs(data: &str, shape: ImageShape) -> Result<(Vec<String>, Vec<f32>), Failure> {
    let path = Path::new(data);
    let files = if path.is_dir() {
        source::image_files(path)?
    } else {
        vec![(source::file_name(path), path.to_path_buf())]
    };
    if files.is_empty() {
        return Err(Failure::input(format!(
            "{data} holds no PNG or JPEG images"
        )));
    }
    let mut names = Vec::with_capacity(files.len());
    let mut x = Vec::with_capacity(files.len() * shape.image_size());
    for (name, full) in files {
        let bytes = source::read(&full)?;
        let pixels = images::decode_resize(&full.display().to_string(), &bytes, shape)
            .map_err(|error| Failure::input(error.to_string()))?;
        x.extend(pixels.iter().map(|&p| f32::from(p) / 255.0));
        names.push(name);
    }
    Ok((names, x))
}
