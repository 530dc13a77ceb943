//! The `hearth` binary as a user runs it.

// The helpers here are not #[test] functions, so clippy's allowances for tests miss them;
// a failing helper should stop the test at once, as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

#[test]
fn data_describes_a_built_in_set() {
    let output = hearth()
        .args(["data", "builtin:loans"])
        .output()
        .expect("hearth runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stdout: {stdout}");
    assert!(
        stdout.contains("target: approved (binary classification)"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.trim_start().starts_with("email") && line.contains("excluded")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.trim_start().starts_with("gender") && line.contains("sensitive")),
        "{stdout}"
    );
    let inputs = stdout
        .lines()
        .find(|line| line.starts_with("inputs:"))
        .unwrap_or_default();
    // loans proposes gender as a sensitive input: read by the model, compared by group.
    assert!(
        inputs.contains("gender") && !inputs.contains("email"),
        "{inputs}"
    );
}

#[test]
fn data_reads_a_csv_and_names_the_line_of_a_bad_row() {
    let dir = std::env::temp_dir().join(format!("hearth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("ragged.csv");
    std::fs::write(&path, "a,b\n1,x\n2\n3,y\n4,x\n5,y\n").expect("write");
    let output = hearth()
        .arg("data")
        .arg(&path)
        .output()
        .expect("hearth runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ragged.csv: 1 row(s)") && stderr.contains("line 3"),
        "{stderr}"
    );
    let output = hearth()
        .arg("data")
        .arg(&path)
        .args(["--skip-ragged", "--target", "b"])
        .output()
        .expect("hearth runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("ragged.csv: 4 rows, 2 columns"), "{stdout}");
    assert!(
        stdout.contains("target: b (binary classification)"),
        "{stdout}"
    );
}

#[test]
fn data_names_an_unknown_built_in_set() {
    let output = hearth()
        .args(["data", "builtin:nope"])
        .output()
        .expect("hearth runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no built-in data set called \"nope\"") && stderr.contains("mnist, iris"),
        "{stderr}"
    );
}
