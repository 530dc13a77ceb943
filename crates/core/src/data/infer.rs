//! Type inference and summary statistics per column, and the roles Hearth proposes.

use std::collections::HashMap;

use super::privacy;
use super::summary::{
    ColumnConfig, ColumnKind, ColumnSummary, DataConfig, MissingStrategy, NumericStats, Role,
    Scaling, Split, TableSummary,
};
use super::{Table, TextColumn};

/// Cells that mean "no value" (compared after trimming, ignoring case).
pub const MISSING_TOKENS: [&str; 8] = ["", "?", "na", "n/a", "nan", "null", "none", "-"];
/// More distinct values than this makes a categorical column high-cardinality: one-hot
/// encoding it would add that many inputs, mostly seen once.
pub const HIGH_CARDINALITY: usize = 50;
/// Distinct values are counted up to this many (enough to tell every kind apart).
pub const DISTINCT_CAP: usize = 100_000;
/// Rows shown in the preview.
pub const PREVIEW_ROWS: usize = 20;

/// Whether a cell means "no value".
pub fn is_missing(cell: &str) -> bool {
    let cell = cell.trim();
    cell.len() <= 4
        && MISSING_TOKENS
            .iter()
            .any(|token| cell.eq_ignore_ascii_case(token))
}

/// The cell as a finite number, when it is one (`1e3`, `-2.5`, `+7`; not `inf`).
pub fn parse_number(cell: &str) -> Option<f64> {
    let cell = cell.trim();
    // Rust accepts "inf", "NaN" and "infinity"; data does not mean numbers by them.
    if !cell.bytes().any(|byte| byte.is_ascii_digit()) {
        return None;
    }
    cell.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// The two spellings of a boolean column, lower-case, false first.
const BOOLEAN_PAIRS: [(&str, &str); 5] = [
    ("false", "true"),
    ("no", "yes"),
    ("n", "y"),
    ("f", "t"),
    ("0", "1"),
];

/// Whether `value` (any case) is the "true" side of a boolean column holding `values`.
pub fn boolean_pair(values: &[&str]) -> Option<(&'static str, &'static str)> {
    BOOLEAN_PAIRS.into_iter().find(|(no, yes)| {
        values
            .iter()
            .all(|value| value.eq_ignore_ascii_case(no) || value.eq_ignore_ascii_case(yes))
    })
}

/// What one pass over a column's cells learns.
struct Scan<'a> {
    missing: usize,
    counts: HashMap<&'a str, usize>,
    capped: bool,
    numbers: Vec<f64>,
    not_numbers: usize,
    first_not_number: Option<(usize, &'a str)>,
    with_space: usize,
    total_length: usize,
}

fn scan(column: &TextColumn) -> Scan<'_> {
    let mut scan = Scan {
        missing: 0,
        counts: HashMap::new(),
        capped: false,
        numbers: Vec::new(),
        not_numbers: 0,
        first_not_number: None,
        with_space: 0,
        total_length: 0,
    };
    for (row, cell) in column.iter().enumerate() {
        if is_missing(cell) {
            scan.missing += 1;
            continue;
        }
        if scan.counts.len() < DISTINCT_CAP || scan.counts.contains_key(cell) {
            *scan.counts.entry(cell).or_default() += 1;
        } else {
            scan.capped = true;
        }
        match parse_number(cell) {
            Some(number) => scan.numbers.push(number),
            None => {
                scan.not_numbers += 1;
                scan.first_not_number.get_or_insert((row, cell));
            }
        }
        if cell.contains(' ') {
            scan.with_space += 1;
        }
        scan.total_length += cell.chars().count();
    }
    scan
}

/// Statistics of numbers (empty input gives `None`).
pub fn numeric_stats(numbers: &[f64]) -> Option<NumericStats> {
    if numbers.is_empty() {
        return None;
    }
    let count = numbers.len() as f64;
    let mean = numbers.iter().sum::<f64>() / count;
    let variance = numbers
        .iter()
        .map(|value| (value - mean).powi(2))
        .sum::<f64>()
        / count;
    let mut sorted = numbers.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(NumericStats {
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        mean,
        std: variance.sqrt(),
        median: median_of_sorted(&sorted),
    })
}

pub(crate) fn median_of_sorted(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// The kind of `column`, from its `scan`: `present` cells hold a value, `values` are its
/// distinct values.
fn column_kind(
    column: &TextColumn,
    scan: &Scan<'_>,
    present: usize,
    values: &[&str],
) -> ColumnKind {
    let distinct = scan.counts.len();
    // Mostly numbers, with a few stray words: numeric, the strays counted as missing.
    let numeric = present > 0
        && (scan.not_numbers == 0
            || (scan.not_numbers * 20 <= present && scan.numbers.len() >= 10));
    let all_integers = scan.numbers.iter().all(|value| value.fract() == 0.0);
    if present > 0 && boolean_pair(values).is_some() {
        ColumnKind::Boolean
    } else if numeric {
        // Past the distinct-value cap the column is as good as unique.
        let unique = (distinct == present || scan.capped) && present > 20;
        if all_integers
            && ((unique && privacy::id_like_name(&column.name)) || is_row_counter(&scan.numbers))
        {
            ColumnKind::Identifier
        } else {
            ColumnKind::Numeric
        }
    } else if present > 0
        && scan.total_length as f64 / present as f64 >= 20.0
        && scan.with_space * 2 >= present
        && distinct * 10 >= present * 8
    {
        ColumnKind::Text
    } else if present > 20 && distinct == present && !scan.capped {
        ColumnKind::Identifier
    } else {
        ColumnKind::Categorical
    }
}

/// Infers the kind of `column` and summarises it. `line` maps a row to its file line.
pub fn summarize_column(column: &TextColumn, line: &dyn Fn(usize) -> Option<u64>) -> ColumnSummary {
    let scan = scan(column);
    let present = column.len() - scan.missing;
    let distinct = scan.counts.len();
    let mut note = None;
    let values: Vec<&str> = scan.counts.keys().copied().collect();

    let kind = column_kind(column, &scan, present, &values);

    let mut missing = scan.missing;
    if kind == ColumnKind::Numeric && scan.not_numbers > 0 {
        missing += scan.not_numbers;
        if let Some((row, cell)) = scan.first_not_number {
            let at = line(row).map_or(format!("row {}", row + 1), |line| format!("line {line}"));
            note = Some(format!(
                "{} cell(s) are not numbers and count as missing (the first: \"{}\" on {at}).",
                scan.not_numbers,
                shorten(cell, 30)
            ));
        }
    }

    let numeric_stats = if kind == ColumnKind::Numeric {
        numeric_stats(&scan.numbers)
    } else {
        None
    };
    let mut top: Vec<(String, usize)> = if kind == ColumnKind::Numeric {
        Vec::new()
    } else {
        let mut counts: Vec<(&str, usize)> = scan.counts.iter().map(|(k, v)| (*k, *v)).collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| natural_cmp(a.0, b.0)));
        counts
            .into_iter()
            .take(8)
            .map(|(value, count)| (shorten(value, 40), count))
            .collect()
    };
    if kind == ColumnKind::Identifier {
        top.truncate(3);
    }
    let constant = distinct <= 1;
    let high_cardinality = kind == ColumnKind::Categorical && distinct > HIGH_CARDINALITY;
    let personal = privacy::scan(&column.name, kind, &values);

    let (suggested_role, reason) = if let Some(personal) = personal {
        (
            Role::Excluded,
            Some(format!(
                "Looks like {}: personal data, proposed to be left out of the model.",
                personal.label()
            )),
        )
    } else if privacy::sensitive_name(&column.name)
        && !matches!(kind, ColumnKind::Text | ColumnKind::Identifier)
    {
        (
            Role::Sensitive,
            Some("Looks like a protected attribute: kept out of the inputs and used to compare groups.".to_string()),
        )
    } else if constant {
        (
            Role::Excluded,
            Some(if present == 0 {
                "Has no values.".to_string()
            } else {
                "Has the same value in every row: nothing to learn from.".to_string()
            }),
        )
    } else if kind == ColumnKind::Identifier {
        (
            Role::Excluded,
            Some(
                "A different value in every row (an identifier): nothing to learn from."
                    .to_string(),
            ),
        )
    } else if kind == ColumnKind::Text {
        (
            Role::Excluded,
            Some("Free text: Hearth does not read text yet.".to_string()),
        )
    } else if high_cardinality {
        (
            Role::Excluded,
            Some(format!(
                "{distinct} categories (more than {HIGH_CARDINALITY}): too many to encode one by one."
            )),
        )
    } else {
        (Role::Feature, None)
    };
    let note = match (note, reason) {
        (Some(a), Some(b)) => Some(format!("{b} {a}")),
        (a, b) => b.or(a),
    };

    ColumnSummary {
        name: column.name.clone(),
        kind,
        missing,
        distinct,
        distinct_capped: scan.capped,
        numeric: numeric_stats,
        top,
        high_cardinality,
        constant,
        personal,
        suggested_role,
        note,
    }
}

/// Row numbers 1, 2, 3, ... (or 0, 1, 2, ...) in order: a counter, not a measurement.
fn is_row_counter(numbers: &[f64]) -> bool {
    numbers.len() > 20 && numbers.windows(2).all(|pair| pair[1] - pair[0] == 1.0)
}

/// Summarises every column and takes the first rows as the preview.
pub fn summarize_table(table: &Table, notices: Vec<String>) -> TableSummary {
    let line = |row: usize| table.line(row);
    let columns = table
        .columns
        .iter()
        .map(|column| summarize_column(column, &line))
        .collect();
    let preview = (0..table.rows().min(PREVIEW_ROWS))
        .map(|row| {
            table
                .row(row)
                .into_iter()
                .map(|cell| shorten(cell, 60))
                .collect()
        })
        .collect();
    TableSummary {
        name: table.name.clone(),
        rows: table.rows(),
        columns,
        preview,
        notices,
    }
}

/// The configuration Hearth proposes: the suggested roles, `target` (or else a column
/// named like a target, or else the last usable column) as the target, and `sensitive`
/// columns marked sensitive.
pub fn default_config(
    summary: &TableSummary,
    target: Option<&str>,
    sensitive: &[(String, Role)],
) -> DataConfig {
    let mut columns: Vec<ColumnConfig> = summary
        .columns
        .iter()
        .map(|column| ColumnConfig {
            name: column.name.clone(),
            role: sensitive
                .iter()
                .find(|(name, _)| *name == column.name)
                .map_or(column.suggested_role, |(_, role)| *role),
            missing: if column.kind == ColumnKind::Numeric {
                MissingStrategy::Mean
            } else {
                MissingStrategy::MostFrequent
            },
            indicator: false,
        })
        .collect();
    let usable = |column: &ColumnSummary| {
        !column.constant
            && matches!(
                column.kind,
                ColumnKind::Numeric | ColumnKind::Boolean | ColumnKind::Categorical
            )
    };
    let chosen = target
        .and_then(|name| {
            summary
                .columns
                .iter()
                .position(|column| column.name == name)
        })
        .or_else(|| {
            summary.columns.iter().position(|column| {
                usable(column)
                    && matches!(
                        column.name.to_ascii_lowercase().as_str(),
                        "target" | "label" | "class" | "y" | "outcome" | "species"
                    )
            })
        })
        .or_else(|| {
            summary
                .columns
                .iter()
                .rposition(|column| usable(column) && column.suggested_role == Role::Feature)
        });
    if let Some(index) = chosen {
        columns[index].role = Role::Target;
    }
    DataConfig {
        columns,
        task: None,
        scaling: Scaling::default(),
        split: Split::default(),
    }
}

/// Compares so that "item2" comes before "item10": numbers first, by value, then other
/// text by its stem, its trailing number and itself. A total order (sorting panics on
/// one that is not: the fuzzer found "9" < "10" < "9x" < "9" with numbers compared only
/// when both sides were numbers).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            let key = |text: &str| {
                let digits: String = text
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let stem_len = text.len() - digits.len();
                let number = digits.chars().rev().collect::<String>().parse::<u64>().ok();
                (text[..stem_len].to_lowercase(), number, text.to_string())
            };
            key(a).cmp(&key(b))
        }
    }
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(limit - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summarize(name: &str, cells: &[&str]) -> ColumnSummary {
        summarize_column(&TextColumn::from_cells(name, cells), &|row| {
            Some(row as u64 + 2)
        })
    }

    fn many<'a>(values: &'a [&'a str], count: usize) -> Vec<&'a str> {
        values.iter().copied().cycle().take(count).collect()
    }

    #[test]
    fn natural_order_is_a_total_order() {
        let texts = [
            "10",
            "9",
            "9x",
            "10x",
            "x9",
            "x10",
            "X9",
            "a",
            "A",
            "",
            " 9",
            "1e3",
            "1000",
            "1.0",
            "1",
            "-0",
            "0",
            "NaN",
            "inf",
            "item2",
            "item10",
            "item02",
            "ß",
            "9999999999999999999999",
        ];
        for a in texts {
            assert_eq!(natural_cmp(a, a), std::cmp::Ordering::Equal);
            for b in texts {
                assert_eq!(
                    natural_cmp(a, b),
                    natural_cmp(b, a).reverse(),
                    "{a:?} {b:?}"
                );
                for c in texts {
                    if natural_cmp(a, b).is_le() && natural_cmp(b, c).is_le() {
                        assert!(natural_cmp(a, c).is_le(), "{a:?} <= {b:?} <= {c:?}");
                    }
                }
            }
        }
        let mut items = vec!["item10", "9x", "item2", "10", "9", "b"];
        items.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(items, ["9", "10", "9x", "b", "item2", "item10"]);
    }

    #[test]
    fn missing_tokens_are_recognised() {
        for cell in [
            "", " ", "?", "NA", "na", "N/A", "NaN", "null", "NULL", "None", "-",
        ] {
            assert!(is_missing(cell), "{cell:?}");
        }
        for cell in ["0", "nano", "Nancy", "n", "--5"] {
            assert!(!is_missing(cell), "{cell:?}");
        }
    }

    #[test]
    fn numbers_parse_but_not_words_that_rust_calls_numbers() {
        assert_eq!(parse_number(" 1e3 "), Some(1000.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("+7"), Some(7.0));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_number("1e999"), None);
    }

    #[test]
    fn kinds_are_inferred() {
        let numeric = summarize("height", &["1.5", "2", "NA", "3.25", ""]);
        assert_eq!(numeric.kind, ColumnKind::Numeric);
        assert_eq!(numeric.missing, 2);
        let stats = numeric.numeric.unwrap();
        assert_eq!((stats.min, stats.max, stats.median), (1.5, 3.25, 2.0));
        assert!((stats.mean - 6.75 / 3.0).abs() < 1e-12);

        assert_eq!(
            summarize("smoker", &["yes", "no", "Yes", "?"]).kind,
            ColumnKind::Boolean
        );
        assert_eq!(
            summarize("flag", &["0", "1", "1"]).kind,
            ColumnKind::Boolean
        );
        assert_eq!(
            summarize("flag", &["TRUE", "false"]).kind,
            ColumnKind::Boolean
        );

        let colour = summarize("colour", &many(&["red", "green", "blue"], 30));
        assert_eq!(colour.kind, ColumnKind::Categorical);
        assert_eq!(colour.distinct, 3);
        assert_eq!(colour.top[0], ("blue".to_string(), 10));
        assert_eq!(colour.suggested_role, Role::Feature);

        let ids: Vec<String> = (0..40).map(|i| format!("K{i:04}X")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let id = summarize("code", &ids);
        assert_eq!(id.kind, ColumnKind::Identifier);
        assert_eq!(id.suggested_role, Role::Excluded);

        let rows: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        assert_eq!(
            summarize("n", &rows).kind,
            ColumnKind::Identifier,
            "a row counter"
        );

        let reviews: Vec<String> = (0..30)
            .map(|i| format!("This product was fine, I would buy it again {i} times"))
            .collect();
        let reviews: Vec<&str> = reviews.iter().map(String::as_str).collect();
        let text = summarize("review", &reviews);
        assert_eq!(text.kind, ColumnKind::Text);
        assert_eq!(text.suggested_role, Role::Excluded);
    }

    #[test]
    fn stray_words_in_a_numeric_column_count_as_missing_with_their_line() {
        let mut cells = many(&["1", "2", "3.5"], 30);
        cells[7] = "unknown";
        let column = summarize("income", &cells);
        assert_eq!(column.kind, ColumnKind::Numeric);
        assert_eq!(column.missing, 1);
        let note = column.note.unwrap();
        assert!(note.contains("\"unknown\" on line 9"), "{note}");
    }

    #[test]
    fn high_cardinality_and_constant_columns_are_left_out() {
        let cities: Vec<String> = (0..200).map(|i| format!("city{}", i % 80)).collect();
        let cities: Vec<&str> = cities.iter().map(String::as_str).collect();
        let city = summarize("city", &cities);
        assert_eq!(city.kind, ColumnKind::Categorical);
        assert!(city.high_cardinality);
        assert_eq!(city.suggested_role, Role::Excluded);
        assert!(city.note.unwrap().contains("80 categories"));

        let constant = summarize("country", &["FR", "FR", "FR"]);
        assert!(constant.constant);
        assert_eq!(constant.suggested_role, Role::Excluded);
        let empty = summarize("empty", &["", "NA", ""]);
        assert!(empty.constant);
        assert_eq!(empty.missing, 3);
        assert_eq!(empty.note.as_deref(), Some("Has no values."));
    }

    #[test]
    fn the_default_config_picks_a_target_and_keeps_sensitive_columns_out() {
        let table = Table::from_rows(
            "t",
            &["age", "sex", "colour", "label"],
            &(0..30)
                .map(|i| {
                    vec![
                        (20 + i % 25).to_string(),
                        if i % 2 == 0 { "f" } else { "m" }.to_string(),
                        ["red", "blue"][i % 2].to_string(),
                        ["yes", "no"][i % 3 % 2].to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        let summary = summarize_table(&table, Vec::new());
        assert_eq!(summary.preview.len(), 20);
        let config = default_config(&summary, None, &[]);
        assert_eq!(config.target(), Some("label"));
        let role = |name: &str| config.columns.iter().find(|c| c.name == name).unwrap().role;
        assert_eq!(role("sex"), Role::Sensitive);
        assert_eq!(role("age"), Role::Feature);
        let config = default_config(
            &summary,
            Some("colour"),
            &[("age".to_string(), Role::Sensitive)],
        );
        assert_eq!(config.target(), Some("colour"));
        let role = |name: &str| config.columns.iter().find(|c| c.name == name).unwrap().role;
        assert_eq!(role("age"), Role::Sensitive);
    }

    #[test]
    fn natural_order() {
        let mut items = vec!["item10", "item2", "Item1", "10", "9"];
        items.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(items, ["9", "10", "Item1", "item2", "item10"]);
    }
}
