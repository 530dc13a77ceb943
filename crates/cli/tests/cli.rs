//! The `hearth` binary as a user runs it.

use std::process::Command;

fn hearth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
}

#[test]
fn check_trains_and_reports_a_falling_loss() {
    let output = hearth()
        .args(["check", "--steps", "20"])
        .output()
        .expect("hearth runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stdout: {stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("step "))
            .count(),
        20
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("engine check passed: loss "),
        "{summary}"
    );
}

#[test]
fn an_unknown_command_fails_with_usage() {
    let output = hearth().arg("fly").output().expect("hearth runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage:"));
}
