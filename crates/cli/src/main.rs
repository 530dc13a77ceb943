//! `hearth`: Hearth's command line, over the same core (and later the same model files)
//! as the browser app.

use std::process::ExitCode;

use burn::tensor::Device;
use clap::{Parser, Subcommand};

/// Hearth's command line.
#[derive(Parser, Debug)]
#[command(name = "hearth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        /// A CSV file, or `builtin:NAME` (mnist, iris, xor, circles, spirals, blobs,
        /// regression, loans).
        source: String,
        /// The column to predict (default: the proposed one).
        #[arg(long)]
        target: Option<String>,
        /// Skip rows whose number of fields differs from the header's.
        #[arg(long)]
        skip_ragged: bool,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { steps } => check(steps),
        Command::Data {
            source,
            target,
            skip_ragged,
        } => data(&source, target.as_deref(), skip_ragged),
    }
}

fn data(source: &str, target: Option<&str>, skip_ragged: bool) -> ExitCode {
    use hearth_core::data::session::{DataSession, Loaded};
    use hearth_core::data::summary::{DataSummary, MAX_CSV_BYTES};
    use hearth_core::protocol::FromEngine;

    let mut session = DataSession::default();
    let reply = if source.to_ascii_lowercase().starts_with("builtin:") {
        session.load_builtin(source)
    } else {
        let bytes = match std::fs::read(source) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("hearth: cannot read {source}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let name = std::path::Path::new(source)
            .file_name()
            .map_or(source.to_string(), |name| {
                name.to_string_lossy().into_owned()
            });
        if bytes.len() > MAX_CSV_BYTES {
            eprintln!(
                "note: {name} is larger than the browser's limit; the command line reads it anyway"
            );
        }
        session.load_csv(&name, &bytes, skip_ragged, &mut |_| {})
    };
    let mut report = match reply {
        FromEngine::DataLoaded {
            summary, report, ..
        } => {
            print_summary(&summary);
            if let DataSummary::Images(_) = summary {
                return ExitCode::SUCCESS;
            }
            report
        }
        FromEngine::DataFailed { message, .. } => {
            eprintln!("hearth: {message}");
            return ExitCode::FAILURE;
        }
        other => {
            eprintln!("hearth: unexpected reply {other:?}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(target), Loaded::Table(loaded)) = (target, &session.loaded) {
        if loaded.table.column(target).is_none() {
            eprintln!(
                "hearth: {source} has no column called \"{target}\"; its columns are: {}",
                loaded.table.headers().join(", ")
            );
            return ExitCode::FAILURE;
        }
        let mut config = loaded.config.clone();
        config.set_target(target);
        if let FromEngine::DataReport { report: new } = session.configure(config) {
            report = Some(new);
        }
    }
    let Some(report) = report else {
        return ExitCode::SUCCESS;
    };
    if let Some(problem) = report.problem {
        eprintln!("hearth: {problem}");
        return ExitCode::FAILURE;
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
    ExitCode::SUCCESS
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

fn check(steps: usize) -> ExitCode {
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
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("hearth: engine check failed: {error}");
            ExitCode::FAILURE
        }
    }
}
