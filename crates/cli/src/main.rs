//! `hearth`: Hearth's command line, over the same core and model files as the browser
//! app: describe a data set, train a model, evaluate it, predict with it, inspect a file.
//!
//! Exit status: 0 on success, 2 on bad input (with one line on stderr that names the file
//! and, where it applies, the line and column), 1 when something else fails.

mod evaluate;
mod inspect;
mod report;
mod source;
mod train;

use std::process::ExitCode;

use burn::tensor::Device;
use clap::{Parser, Subcommand};
use hearth_core::data::images::ImageShape;

/// Hearth's command line.
#[derive(Parser, Debug)]
#[command(name = "hearth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads to train on (default: every core this machine offers; 1 for one thread).
    #[arg(long, global = true)]
    threads: Option<usize>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a tiny network for a few steps on the CPU backend and print its losses,
    /// to check that the engine works on this machine.
    Check {
        /// How many training steps to run.
        #[arg(long, default_value_t = 20)]
        steps: usize,
    },
    /// Read a data set and print what Hearth makes of it: column types, proposed roles,
    /// missing values, the target and task, the class balance and the split.
    Data {
        /// A CSV file, a folder of class-named image subfolders, or `builtin:NAME`
        /// (mnist, iris, xor, circles, spirals, blobs, regression, loans).
        source: String,
        /// The column to predict (default: the proposed one).
        #[arg(long)]
        target: Option<String>,
        /// Skip rows whose number of fields differs from the header's.
        #[arg(long)]
        skip_ragged: bool,
    },
    /// Train a model on a data set and save it as a .safetensors model file.
    Train(Box<train::TrainArgs>),
    /// Score a model on a whole data set that holds the target (all rows).
    Eval(evaluate::EvalArgs),
    /// Predict with a model: a CSV with the prediction (and each class's probability) per
    /// row or image, in input order.
    Predict(evaluate::PredictArgs),
    /// Show what a model file holds: architecture, shapes, parameters, preprocessing,
    /// training history, metrics and model card.
    Inspect(inspect::InspectArgs),
    /// Write a Python file that defines the model as a PyTorch module and loads its
    /// weights from the model file (to continue in PyTorch).
    Export(inspect::ExportArgs),
    /// Store a model file's weights as 16-bit floats: half the size (the digit model that
    /// ships with the page is stored so). Hearth widens them to f32 when it loads the file.
    Half(inspect::HalfArgs),
    /// Put the weights of a PyTorch state dict (saved with safetensors.torch.save_file from
    /// the module `hearth export` wrote) back into a Hearth model file, keeping its
    /// preprocessing, classes and card.
    Import(inspect::ImportArgs),
    /// Run the training benchmark natively (the browser's is `node bench/run.mjs`): the
    /// same model, data and settings as in the page, on the CPU backend; prints JSON.
    Bench {
        /// mlp or cnn.
        #[arg(long, default_value = "mlp")]
        model: String,
        /// Epochs before the test accuracy is measured.
        #[arg(long, default_value_t = 1)]
        epochs: u32,
        /// Steps timed for steps per second (after 5 warm-up steps).
        #[arg(long, default_value_t = 50)]
        timed_steps: u32,
        /// Train on the first 640 training digits and hold out 200: a short run that
        /// proves the benchmark works, not a measurement.
        #[arg(long)]
        quick: bool,
        /// Freeze the first N layers (no gradients for them), as a model built on another
        /// with --freeze trains: steps per second with and without.
        #[arg(long, default_value_t = 0, value_name = "N")]
        frozen: usize,
    },
}

/// `hearth bench`: hearth_core::bench on the CPU backend, its result as JSON.
fn bench(
    model: &str,
    epochs: u32,
    timed_steps: u32,
    quick: bool,
    frozen: usize,
) -> Result<(), Failure> {
    use hearth_core::bench::{BenchModel, BenchSettings};
    let model = match model {
        "mlp" => BenchModel::Mlp,
        "cnn" => BenchModel::Cnn,
        other => {
            return Err(Failure::input(format!("--model {other}: use mlp or cnn")));
        }
    };
    let mut settings = BenchSettings {
        epochs: epochs.max(1),
        timed_steps,
        frozen,
        ..BenchSettings::full(model)
    };
    if quick {
        settings.train = 640;
        settings.test = 200;
        settings.inference_runs = 20;
    }
    let clock = std::time::Instant::now();
    let now = || clock.elapsed().as_secs_f64() * 1000.0;
    let result = pollster::block_on(hearth_core::bench::run(
        settings,
        None,
        &Device::flex(),
        &now,
        &|| f64::NAN,
    ))
    .map_err(Failure::internal)?;
    println!(
        "{}",
        serde_json::to_string(&result).map_err(|error| Failure::internal(error.to_string()))?
    );
    Ok(())
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The user's files or options are wrong (exit status 2).
    Input(String),
    /// Something else went wrong (exit status 1).
    Internal(String),
}

impl Failure {
    /// The user's files or options are wrong; `message` says how.
    pub fn input(message: impl std::fmt::Display) -> Self {
        Failure::Input(message.to_string())
    }

    /// Something else went wrong; `message` says what.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Failure::Internal(message.to_string())
    }
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "hearth: internal error at {}: {}. Please report it.",
            info.location()
                .map(|at| format!("{}:{}", at.file(), at.line()))
                .unwrap_or_default(),
            one_line(&message)
        );
    }));
    let cli = Cli::parse();
    let cores = cli.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    hearth_core::training::parallel::start_pool(cores);
    let result = match cli.command {
        Command::Check { steps } => check(steps),
        Command::Data {
            source,
            target,
            skip_ragged,
        } => data(&source, target.as_deref(), skip_ragged),
        Command::Train(args) => train::run(&args),
        Command::Eval(args) => evaluate::eval(&args),
        Command::Predict(args) => evaluate::predict(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Export(args) => inspect::export(&args),
        Command::Half(args) => inspect::half(&args),
        Command::Import(args) => inspect::import(&args),
        Command::Bench {
            model,
            epochs,
            timed_steps,
            quick,
            frozen,
        } => bench(&model, epochs, timed_steps, quick, frozen),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("hearth: {}", one_line(&message));
            ExitCode::from(2)
        }
        Err(Failure::Internal(message)) => {
            eprintln!("hearth: {}", one_line(&message));
            ExitCode::FAILURE
        }
    }
}

/// `message` on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn data(source: &str, target: Option<&str>, skip_ragged: bool) -> Result<(), Failure> {
    use hearth_core::data::session::Loaded;
    use hearth_core::protocol::FromEngine;

    let (mut session, summary) = source::load(source, skip_ragged, ImageShape::GRAY_28)?;
    print_summary(&summary);
    let Loaded::Table(loaded) = &session.loaded else {
        return Ok(());
    };
    let mut config = loaded.config.clone();
    if let Some(target) = target {
        if loaded.table.column(target).is_none() {
            return Err(Failure::input(format!(
                "{source} has no column called \"{target}\"; its columns are: {}",
                loaded.table.headers().join(", ")
            )));
        }
        config.set_target(target);
    }
    let report = match session.configure(config) {
        FromEngine::DataReport { report } => report,
        other => return Err(Failure::internal(format!("unexpected reply {other:?}"))),
    };
    if let Some(problem) = report.problem {
        return Err(Failure::input(problem));
    }
    if let Some(target) = &report.target {
        println!(
            "target: {} ({}{})",
            target.column,
            target.task.label(),
            if target.task == target.inferred {
                ""
            } else {
                ", chosen"
            }
        );
        for (class, count) in &target.classes {
            println!("  class {class}: {count} rows");
        }
    }
    let [train, validation, test] = report.split_rows;
    println!(
        "inputs: {} ({})",
        report.inputs.len(),
        report.inputs.join(", ")
    );
    println!(
        "rows: {train} training, {validation} validation, {test} test, {} left out",
        report.dropped_rows
    );
    for notice in &report.notices {
        println!("note: {notice}");
    }
    Ok(())
}

fn print_summary(summary: &hearth_core::data::summary::DataSummary) {
    use hearth_core::data::summary::DataSummary;
    match summary {
        DataSummary::Table(table) => {
            println!(
                "{}: {} rows, {} columns",
                table.name,
                table.rows,
                table.columns.len()
            );
            for notice in &table.notices {
                println!("note: {notice}");
            }
            for column in &table.columns {
                println!(
                    "  {:<24} {:<12} {:<10} missing {:>6}{}",
                    column.name,
                    column.kind.label(),
                    column.suggested_role.label(),
                    column.missing,
                    column
                        .note
                        .as_ref()
                        .map(|note| format!("  ({note})"))
                        .unwrap_or_default()
                );
            }
        }
        DataSummary::Images(images) => {
            let total: usize = images.classes.iter().map(|(_, count)| count).sum();
            println!(
                "{}: {total} images, {} x {} x {}, {} classes",
                images.name,
                images.width,
                images.height,
                images.channels,
                images.classes.len()
            );
            for (class, count) in &images.classes {
                println!("  class {class}: {count} images");
            }
            for notice in &images.notices {
                println!("note: {notice}");
            }
        }
    }
}

fn check(steps: usize) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let result = pollster::block_on(hearth_core::selftest::train_tiny_mlp(
        &Device::flex(),
        steps,
        |step, loss| println!("step {step:>4}  loss {loss:.4}"),
    ));
    match result {
        Ok(losses) => {
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "engine check passed: loss {:.4} -> {:.4} in {steps} steps ({:.0} steps per second, CPU)",
                losses.first().copied().unwrap_or(f32::NAN),
                losses.last().copied().unwrap_or(f32::NAN),
                steps as f64 / seconds.max(1e-9)
            );
            Ok(())
        }
        Err(error) => Err(Failure::internal(format!("engine check failed: {error}"))),
    }
}
