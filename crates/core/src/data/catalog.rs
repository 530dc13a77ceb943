//! The list of built-in data sets, for the page's menu and the command line's help.
//! The sets themselves are in `builtin` (they need the `ingest` feature).

use serde::{Deserialize, Serialize};

/// Whether a built-in set is a table or a set of images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuiltinKind {
    Table,
    Images,
}

/// What the UI lists about a built-in set, before loading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BuiltinInfo {
    /// The name to pass to `builtin::load` (lower case).
    pub name: &'static str,
    /// The name users see.
    pub title: &'static str,
    /// One or two sentences for the list.
    pub description: &'static str,
    pub kind: BuiltinKind,
    /// The file (next to the page) that holds the set's data when it is too large to ship
    /// inside the engine: the browser fetches it when the set is first chosen (and the
    /// service worker keeps it for offline use). `None`: the data are in the engine.
    pub file: Option<&'static str>,
}

/// The built-in sets, in the order the UI lists them.
pub const BUILTINS: &[BuiltinInfo] = &[
    BuiltinInfo {
        name: "mnist",
        title: "MNIST digits",
        description: "10,000 handwritten digits, 28×28 pixels in grayscale, in 10 classes (0-9).",
        kind: BuiltinKind::Images,
        file: Some("mnist-10k.bin.gz"),
    },
    BuiltinInfo {
        name: "iris",
        title: "Iris flowers",
        description: "Fisher's 150 iris flowers: four measurements each; predict which of three species.",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "xor",
        title: "XOR",
        description: "500 points in four clusters where opposite corners share a class: no straight line separates them.",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "circles",
        title: "Circles",
        description: "500 points on two noisy concentric rings: inner ring or outer ring?",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "spirals",
        title: "Spirals",
        description: "600 points on three interleaved spiral arms: a hard problem for small models.",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "blobs",
        title: "Blobs",
        description: "600 points in four overlapping Gaussian clusters.",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "regression",
        title: "House prices",
        description: "500 synthetic houses: predict the price from area, rooms, age, distance to the centre and district.",
        kind: BuiltinKind::Table,
        file: None,
    },
    BuiltinInfo {
        name: "loans",
        title: "Loan approvals (biased)",
        description: "2,000 synthetic loan applications with names and e-mails to keep private, and a hidden bias against one gender to discover.",
        kind: BuiltinKind::Table,
        file: None,
    },
];
