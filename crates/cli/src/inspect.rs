//! `hearth inspect`: what a model file holds, for people or as JSON.

use std::path::PathBuf;

use burn::tensor::Device;
use clap::Args;
use hearth_core::data::prep::{FeatureSchema, Schema, TargetSchema};
use hearth_core::model::file::{self, ModelDocument};
use hearth_core::model::{InputShape, Schedule, Shape};
use serde_json::{Value, json};

use crate::report;
use crate::{Failure, source};
use hearth_core::text::thousands;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A model file from `hearth train` or the page.
    pub model: PathBuf,
    /// Print one JSON object: the file's document, each layer's shape, parameters and
    /// FLOPs, and the tensors.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A model file from `hearth train` or the page.
    pub model: PathBuf,
    /// Where to write the file (default: beside the model, named after it, e.g.
    /// `iris_model.py` or `iris-model.onnx` for `iris-model.safetensors`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// pytorch (a Python file with a torch.nn.Module that loads the model file's weights)
    /// or onnx (a standard ONNX model that does the preprocessing too).
    /// torchrun (the PyTorch module, and beside it train_MODULE.py, which trains the
    /// model further with DistributedDataParallel under torchrun).
    #[arg(long, default_value = "pytorch", value_parser = ["pytorch", "onnx", "torchrun"])]
    pub format: String,
}

/// What `hearth import` reads and writes.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The Hearth model file the PyTorch module was exported from.
    pub model: PathBuf,
    /// The module's state dict, as safetensors.torch.save_file(model.state_dict(), PATH)
    /// writes it.
    pub state: PathBuf,
    /// Where to write the new Hearth model file.
    #[arg(long)]
    pub out: PathBuf,
}

/// `hearth import`: a state dict's weights in a Hearth model file.
pub fn import(args: &ImportArgs) -> Result<(), Failure> {
    let model = source::read(&args.model)?;
    let state = source::read(&args.state)?;
    let bytes = hearth_core::model::export::import_state(
        &args.model.display().to_string(),
        &model,
        &args.state.display().to_string(),
        &state,
    )
    .map_err(|error| Failure::input(error.to_string()))?;
    // What Hearth will do with it: load it whole, as the page does.
    file::load(&args.out.display().to_string(), &bytes, &Device::flex())
        .map_err(|error| Failure::internal(error.to_string()))?;
    std::fs::write(&args.out, &bytes)
        .map_err(|error| Failure::input(format!("cannot write {}: {error}", args.out.display())))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// What `hearth half` reads and writes.
#[derive(Args, Debug)]
pub struct HalfArgs {
    /// A model file from `hearth train` or the page.
    pub model: PathBuf,
    /// Where to write the f16 model file (it may be the same file).
    #[arg(long)]
    pub out: PathBuf,
}

/// `hearth half`: the model file with its weights in f16.
pub fn half(args: &HalfArgs) -> Result<(), Failure> {
    let bytes = source::read(&args.model)?;
    let name = args.model.display().to_string();
    // It must be a model Hearth can load, before and after.
    file::load(&name, &bytes, &Device::flex())
        .map_err(|error| Failure::input(error.to_string()))?;
    let half = hearth_core::model::half::halved(&bytes)
        .map_err(|reason| Failure::input(format!("{name}: {reason}")))?;
    file::load(&name, &half, &Device::flex())
        .map_err(|error| Failure::internal(error.to_string()))?;
    std::fs::write(&args.out, &half).map_err(|error| {
        Failure::input(format!("could not write {}: {error}", args.out.display()))
    })?;
    println!(
        "{}: {} bytes, f16 weights ({} bytes in f32)",
        args.out.display(),
        half.len(),
        bytes.len()
    );
    Ok(())
}

/// `hearth export`: the model as a PyTorch module in a Python file.
pub fn export(args: &ExportArgs) -> Result<(), Failure> {
    let bytes = source::read(&args.model)?;
    let name = args.model.display().to_string();
    let (_, document) = file::load(&name, &bytes, &Device::flex())
        .map_err(|error| Failure::input(error.to_string()))?;
    if args.format == "onnx" {
        let onnx = hearth_core::model::onnx::export(&name, &bytes)
            .map_err(|error| Failure::input(error.to_string()))?;
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| args.model.with_extension("onnx"));
        std::fs::write(&out, onnx)
            .map_err(|error| Failure::input(format!("cannot write {}: {error}", out.display())))?;
        println!("wrote {}", out.display());
        return Ok(());
    }
    let file_name = args
        .model
        .file_name()
        .map_or("model.safetensors".to_string(), |name| {
            name.to_string_lossy().into_owned()
        });
    let python = hearth_core::model::export::pytorch(&document, &file_name)
        .map_err(|error| Failure::input(format!("{name}: {error}")))?;
    let out = args.out.clone().unwrap_or_else(|| {
        args.model.with_file_name(format!(
            "{}.py",
            hearth_core::model::export::module_name(&file_name)
        ))
    });
    std::fs::write(&out, python)
        .map_err(|error| Failure::input(format!("cannot write {}: {error}", out.display())))?;
    println!("wrote {}", out.display());
    if args.format == "torchrun" {
        let module = out.file_stem().map_or("model".to_string(), |stem| {
            stem.to_string_lossy().into_owned()
        });
        let script = out.with_file_name(format!("train_{module}.py"));
        std::fs::write(
            &script,
            hearth_core::model::export::torchrun_script(&module, &file_name, document.spec.input),
        )
        .map_err(|error| Failure::input(format!("cannot write {}: {error}", script.display())))?;
        println!(
            "wrote {} (torchrun --nproc_per_node=N {} DATA.csv --target COLUMN --out OUT.safetensors)",
            script.display(),
            script.display()
        );
    }
    Ok(())
}

pub fn run(args: &InspectArgs) -> Result<(), Failure> {
    let bytes = source::read(&args.model)?;
    let name = args.model.display().to_string();
    // Loading builds the network, so a file whose weights do not fit is refused here too.
    let (_, document) = file::load(&name, &bytes, &Device::flex())
        .map_err(|error| Failure::input(error.to_string()))?;
    let tensors = file::tensors(&bytes);
    let layers = document
        .spec
        .infer()
        .map_err(|error| Failure::input(format!("{name}: {error}")))?;
    if args.json {
        let mut object = serde_json::to_value(&document)
            .map_err(|error| Failure::internal(error.to_string()))?;
        object["file"] = json!(name);
        object["file_bytes"] = json!(bytes.len());
        object["layers"] = json!(layers);
        object["parameters"] = json!(document.spec.params());
        object["flops_per_example"] = json!(document.spec.flops());
        object["tensors"] = json!(tensors);
        println!("{object}");
        return Ok(());
    }
    print_document(&name, bytes.len(), &document)?;
    println!("tensors:");
    for tensor in &tensors {
        println!(
            "  {:<28} {:<5} {:?}",
            tensor.name, tensor.dtype, tensor.shape
        );
    }
    Ok(())
}

fn print_document(name: &str, size: usize, document: &ModelDocument) -> Result<(), Failure> {
    let card = &document.card;
    println!(
        "{name}: \"{}\", Hearth model file version {}, {} bytes",
        card.name,
        document.format_version,
        thousands(size as u64)
    );
    if !card.description.is_empty() {
        println!("  {}", card.description);
    }
    let spec = &document.spec;
    println!("task: {}", spec.task.label());
    if !document.class_labels.is_empty() {
        println!("classes: {}", document.class_labels.join(", "));
    }
    println!("architecture:");
    report::print_layers(spec)?;
    if let Some(origin) = &spec.origin {
        println!(
            "built on: {} ({}), file sha256 {}",
            origin.model,
            origin.kept_summary(),
            origin.sha256
        );
    }
    match (&spec.input, &document.preprocessing) {
        (InputShape::Image { .. }, _) => println!(
            "inputs: {} images, pixel values divided by 255",
            Shape::from(spec.input).label()
        ),
        (InputShape::Features { features }, Some(schema)) => print_schema(*features, schema),
        (InputShape::Features { features }, None) => {
            println!("inputs: {features} numbers (no preprocessing recorded)")
        }
    }
    if let Some(config) = &document.train_config {
        println!(
            "training: {}, learning rate {}{}, batch {}, {} epochs, seed {}{}{}{}{}",
            config.optimizer.label(),
            config.learning_rate,
            match config.schedule {
                Schedule::Constant => String::new(),
                Schedule::Cosine { min_fraction } =>
                    format!(" (cosine decay to {min_fraction} of it)"),
                Schedule::Step {
                    every_epochs,
                    factor,
                } => format!(" (times {factor} every {every_epochs} epochs)"),
            },
            config.batch_size,
            config.epochs,
            config.seed,
            if config.l1 > 0.0 {
                format!(", L1 {}", config.l1)
            } else {
                String::new()
            },
            if config.l2 > 0.0 {
                format!(", L2 {}", config.l2)
            } else {
                String::new()
            },
            match config.weights.describe() {
                weights if weights.is_empty() => weights,
                weights => format!(", {weights}"),
            },
            config
                .early_stopping
                .map(|early| format!(", early stopping after {} epochs", early.patience))
                .unwrap_or_default()
        );
    }
    if !document.history.is_empty() {
        println!("history:");
        println!(
            "  {:>5} {:>11} {:>11} {:>9} {:>9}",
            "epoch", "train loss", "val loss", "train acc", "val acc"
        );
        let number = |value: Option<f32>, digits: usize| {
            value.map_or("-".to_string(), |v| format!("{v:.digits$}"))
        };
        for record in &document.history {
            println!(
                "  {:>5} {:>11.5} {:>11} {:>9} {:>9}",
                record.epoch,
                record.train_loss,
                number(record.validation_loss, 5),
                number(record.train_accuracy, 4),
                number(record.validation_accuracy, 4)
            );
        }
    }
    print_metrics(&document.metrics);
    for (label, text) in [
        ("intended use", &card.intended_use),
        ("limitations", &card.limitations),
    ] {
        if !text.is_empty() {
            println!("{label}: {text}");
        }
    }
    Ok(())
}

fn print_schema(features: usize, schema: &Schema) {
    println!("inputs: {features} from {} columns", schema.features.len());
    let indicator = |on: bool| {
        if on {
            ", with a missing-value input"
        } else {
            ""
        }
    };
    for feature in &schema.features {
        match feature {
            FeatureSchema::Numeric {
                column,
                fill,
                shift,
                scale,
                indicator: on,
            } => println!(
                "  {column}: number, (x - {shift:.6}) / {scale:.6}, missing -> {fill:.6}{}",
                indicator(*on)
            ),
            FeatureSchema::Boolean {
                column,
                true_value,
                fill,
                indicator: on,
            } => println!(
                "  {column}: yes/no, 1 for \"{true_value}\", missing -> {fill}{}",
                indicator(*on)
            ),
            FeatureSchema::Categorical {
                column,
                levels,
                fill,
                indicator: on,
            } => println!(
                "  {column}: one of {} ({}), one input each, missing -> {}{}",
                levels.len(),
                levels.join(", "),
                fill.as_deref().unwrap_or("none"),
                indicator(*on)
            ),
        }
    }
    match &schema.target {
        TargetSchema::Classes { column, labels, .. } => {
            println!("target: {column} ({} classes)", labels.len())
        }
        TargetSchema::Regression { column, mean, std } => {
            println!("target: {column} (a number; learned as (y - {mean:.6}) / {std:.6})")
        }
    }
}

fn print_metrics(metrics: &Value) {
    let Some(test) = metrics.get("test") else {
        return;
    };
    let figure = |key: &str| test.get(key).and_then(Value::as_f64);
    let n = test.get("n").and_then(Value::as_u64).unwrap_or(0);
    if let Some(accuracy) = figure("accuracy") {
        let f1 = test
            .get("macro_avg")
            .and_then(|avg| avg.get("f1"))
            .and_then(Value::as_f64);
        println!(
            "test metrics ({n} examples): accuracy {accuracy:.4}{}{}",
            f1.map(|f1| format!(", macro F1 {f1:.4}"))
                .unwrap_or_default(),
            figure("roc_auc")
                .map(|auc| format!(", ROC AUC {auc:.4}"))
                .unwrap_or_default()
        );
    } else if let Some(mse) = figure("mse") {
        println!(
            "test metrics ({n} examples): MSE {mse:.6}, MAE {:.6}{}",
            figure("mae").unwrap_or(f64::NAN),
            figure("r2")
                .map(|r2| format!(", R² {r2:.4}"))
                .unwrap_or_default()
        );
    }
    if let Some(groups) = metrics.get("groups").and_then(Value::as_array) {
        for group in groups {
            if let Ok(report) =
                serde_json::from_value::<hearth_core::metrics::GroupReport>(group.clone())
            {
                report::print_groups(&report);
            }
        }
    }
}
