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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { steps } => check(steps),
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
