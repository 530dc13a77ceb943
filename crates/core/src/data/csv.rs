//! Reading CSV files into a [`Table`]: the `csv` crate parses; this module finds out what
//! the file is (encoding, delimiter, header) and turns every way a file can be wrong into a
//! [`DataError`] that names the file and the line.

use super::{DataError, Table, TextColumn};

pub use super::summary::{
    MAX_CSV_BYTES as MAX_BYTES, MAX_CSV_COLUMNS as MAX_COLUMNS, MAX_CSV_ROWS as MAX_ROWS,
};

/// How to read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Leave out rows whose number of fields differs from the header's (otherwise such
    /// rows are an error that says how many there are).
    pub skip_ragged: bool,
    pub max_bytes: usize,
    pub max_rows: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            skip_ragged: false,
            max_bytes: MAX_BYTES,
            max_rows: MAX_ROWS,
        }
    }
}

/// What reading found out about the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvInfo {
    pub delimiter: u8,
    pub has_header: bool,
    /// Rows left out because their number of fields was wrong.
    pub skipped_rows: usize,
}

impl CsvInfo {
    /// Sentences for the page, e.g. "Separated by semicolons; the first row is the header."
    pub fn notices(&self) -> Vec<String> {
        let delimiter = match self.delimiter {
            b',' => "commas",
            b';' => "semicolons",
            b'\t' => "tabs",
            b'|' => "vertical bars",
            _ => "an unusual character",
        };
        let mut notices = vec![format!(
            "Fields are separated by {delimiter}; {}.",
            if self.has_header {
                "the first row holds the column names"
            } else {
                "the file has no header row, so the columns are named column_1, column_2, ..."
            }
        )];
        if self.skipped_rows > 0 {
            notices.push(format!(
                "{} row(s) with the wrong number of fields were skipped.",
                self.skipped_rows
            ));
        }
        notices
    }
}

/// Reads `bytes`, the contents of the file called `file`. `progress` is called now and
/// then with the number of bytes read so far.
pub fn read_csv(
    file: &str,
    bytes: &[u8],
    options: &CsvOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<(Table, CsvInfo), DataError> {
    if bytes.len() > options.max_bytes {
        return Err(DataError::TooLarge {
            file: file.to_string(),
            size_mb: bytes.len() as f64 / 1_048_576.0,
            limit_mb: options.max_bytes as f64 / 1_048_576.0,
        });
    }
    let text = decode(file, bytes)?;
    if text.trim().is_empty() {
        return Err(DataError::Empty {
            file: file.to_string(),
        });
    }
    let text = strip_space_before_quotes(text);
    let (delimiter, sample) = detect_delimiter(&text);
    let has_header = detect_header(&sample);

    let mut reader = reader(&text, delimiter);

    let mut record = ::csv::StringRecord::new();
    let mut columns: Vec<TextColumn> = Vec::new();
    let mut lines = Vec::new();
    let mut ragged = 0usize;
    let mut first_ragged: Option<(u64, usize)> = None;
    let mut expected = 0usize;
    let mut first = true;
    let mut since_progress = 0usize;
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                return Err(DataError::Csv {
                    file: file.to_string(),
                    line: error.position().map_or(line, |position| position.line()),
                    message: error.to_string(),
                });
            }
        }
        // A line holding only a delimiter-free blank is not a row.
        if is_blank(&record) {
            continue;
        }
        if first {
            first = false;
            expected = record.len();
            if expected > MAX_COLUMNS {
                return Err(DataError::TooManyColumns {
                    file: file.to_string(),
                    found: expected,
                    limit: MAX_COLUMNS,
                });
            }
            columns = header_names(&record, has_header)
                .into_iter()
                .map(TextColumn::new)
                .collect();
            if has_header {
                continue;
            }
        }
        if record.len() != expected {
            ragged += 1;
            first_ragged.get_or_insert((line, record.len()));
            continue;
        }
        if lines.len() >= options.max_rows {
            return Err(DataError::TooManyRows {
                file: file.to_string(),
                limit: options.max_rows,
            });
        }
        for (column, cell) in columns.iter_mut().zip(record.iter()) {
            column.push(cell);
        }
        lines.push(line);
        since_progress += 1;
        if since_progress == 20_000 {
            since_progress = 0;
            progress(reader.position().byte() as usize);
        }
    }
    if let Some((first_line, found)) = first_ragged
        && !options.skip_ragged
    {
        return Err(DataError::Ragged {
            file: file.to_string(),
            count: ragged,
            expected,
            first_line,
            found,
        });
    }
    if lines.is_empty() {
        return Err(if has_header {
            DataError::HeaderOnly {
                file: file.to_string(),
            }
        } else {
            DataError::Empty {
                file: file.to_string(),
            }
        });
    }
    progress(text.len());
    let table = Table {
        name: file.to_string(),
        columns,
        lines,
    };
    Ok((
        table,
        CsvInfo {
            delimiter,
            has_header,
            skipped_rows: ragged,
        },
    ))
}

/// Checks that `bytes` is UTF-8 text (without its byte-order mark).
fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        // UTF-16: NUL bytes everywhere, but it is text in the wrong encoding.
        return Err(DataError::NotUtf8 {
            file: file.to_string(),
            line: 1,
            column: 1,
        });
    }
    // Binary files (images, spreadsheets, archives) have NUL or many control bytes early.
    let head = &bytes[..bytes.len().min(8192)];
    let control = head
        .iter()
        .filter(|&&byte| byte < 0x20 && !matches!(byte, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    if let Some(offset) = head.iter().position(|&byte| byte == 0)
        && (control * 20 > head.len() || offset < head.len())
    {
        return Err(DataError::Binary {
            file: file.to_string(),
            offset,
        });
    }
    if control * 20 > head.len() {
        return Err(DataError::Binary {
            file: file.to_string(),
            offset: 0,
        });
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let good = &bytes[..error.valid_up_to()];
        let line = good.iter().filter(|&&byte| byte == b'\n').count() as u64 + 1;
        let line_start = good
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |at| at + 1);
        DataError::NotUtf8 {
            file: file.to_string(),
            line,
            column: error.valid_up_to() - line_start + 1,
        }
    })
}

/// Spaces between a delimiter and an opening quote (`a, "b, c"`) would stop the parser
/// from seeing the quote; they are removed before parsing (only when the file has any).
fn strip_space_before_quotes(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = text
        .as_bytes()
        .windows(3)
        .any(|window| matches!(window[0], b',' | b';' | b'\t' | b'|') && window[1] == b' ');
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && matches!(byte, b',' | b';' | b'\t' | b'|') {
            let mut next = index + 1;
            while next < bytes.len() && bytes[next] == b' ' {
                next += 1;
            }
            if next > index + 1 && next < bytes.len() && bytes[next] == b'"' {
                out.push_str(&text[start..=index]);
                start = next;
                index = next;
                continue;
            }
        }
        index += 1;
    }
    out.push_str(&text[start..]);
    std::borrow::Cow::Owned(out)
}

/// The delimiter that splits the first lines into the most consistent number of fields
/// (more than one): comma, semicolon, tab or vertical bar; with the first 50 records as
/// it splits them (comma when none does).
fn detect_delimiter(text: &str) -> (u8, Vec<Vec<String>>) {
    let mut best: Option<(u8, usize, usize, Vec<Vec<String>>)> = None; // (delimiter, rows agreeing, fields, records)
    let mut comma = Vec::new();
    for delimiter in [b',', b';', b'\t', b'|'] {
        let records = sample_records(text, delimiter, 50);
        let mut counts = std::collections::HashMap::<usize, usize>::new();
        for record in &records {
            *counts.entry(record.len()).or_default() += 1;
        }
        let found = counts
            .iter()
            .filter(|(fields, _)| **fields > 1)
            .max_by_key(|(fields, agreeing)| (**agreeing, **fields))
            .map(|(&fields, &agreeing)| (agreeing, fields));
        if let Some((agreeing, fields)) = found
            && best
                .as_ref()
                .is_none_or(|best| (agreeing, fields) > (best.1, best.2))
        {
            best = Some((delimiter, agreeing, fields, records));
        } else if delimiter == b',' {
            comma = records;
        }
    }
    best.map_or((b',', comma), |(delimiter, _, _, records)| {
        (delimiter, records)
    })
}

/// A reader of `text` split by `delimiter`: no header handling (done here), rows of any
/// length (counted here), cells trimmed.
fn reader(text: &str, delimiter: u8) -> ::csv::Reader<&[u8]> {
    ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// A line with nothing on it, which is not a row.
fn is_blank(record: &::csv::StringRecord) -> bool {
    record.len() == 1 && record.get(0).is_some_and(str::is_empty)
}

/// The first `limit` records (ignoring errors) when split by `delimiter`.
fn sample_records(text: &str, delimiter: u8, limit: usize) -> Vec<Vec<String>> {
    reader(text, delimiter)
        .records()
        .map_while(Result::ok)
        .filter(|record| !is_blank(record))
        .take(limit)
        .map(|record| record.iter().map(str::to_string).collect())
        .collect()
}

/// Whether the first record names the columns. It does unless it looks like data: a
/// header has no empty or missing-looking cells and no numbers where the rows below have
/// numbers; with text everywhere, a first row whose values never recur below is a header.
fn detect_header(sample: &[Vec<String>]) -> bool {
    let Some((first, rest)) = sample.split_first() else {
        return true;
    };
    if first.iter().any(|cell| cell.is_empty()) {
        return false;
    }
    if rest.is_empty() {
        // A single line: a header (with no data) unless it is all numbers.
        return !first.iter().all(|cell| is_number(cell));
    }
    let mut text_over_numbers = false;
    for (index, cell) in first.iter().enumerate() {
        let below: Vec<&str> = rest
            .iter()
            .filter_map(|row| row.get(index).map(String::as_str))
            .filter(|cell| !super::infer::is_missing(cell))
            .collect();
        let numeric_below = !below.is_empty() && below.iter().all(|cell| is_number(cell));
        if numeric_below && is_number(cell) {
            return false;
        }
        if numeric_below && !is_number(cell) {
            text_over_numbers = true;
        }
    }
    if text_over_numbers {
        return true;
    }
    // All text: a header's values do not recur as data in their column.
    !first.iter().enumerate().any(|(index, cell)| {
        rest.iter()
            .any(|row| row.get(index).is_some_and(|below| below == cell))
    })
}

fn is_number(cell: &str) -> bool {
    super::infer::parse_number(cell).is_some()
}

/// Column names: the header's cells (blank ones named after their position, repeated ones
/// numbered), or column_1, column_2, ... without a header.
fn header_names(record: &::csv::StringRecord, has_header: bool) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for (index, cell) in record.iter().enumerate() {
        let base = if has_header && !cell.is_empty() {
            cell.to_string()
        } else {
            format!("column_{}", index + 1)
        };
        let mut name = base.clone();
        let mut counter = 2;
        while names.contains(&name) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<(Table, CsvInfo), DataError> {
        read_csv("data.csv", text, &CsvOptions::default(), &mut |_| {})
    }

    fn cells(table: &Table) -> Vec<Vec<String>> {
        (0..table.rows())
            .map(|row| table.row(row).into_iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn commas_with_a_header() {
        let (table, info) = read(b"a,b,c\n1,2,x\n3,4,y\n").unwrap();
        assert_eq!(table.headers(), ["a", "b", "c"]);
        assert_eq!(cells(&table), [["1", "2", "x"], ["3", "4", "y"]]);
        assert_eq!((info.delimiter, info.has_header), (b',', true));
        assert_eq!(table.lines, [2, 3]);
    }

    #[test]
    fn semicolons_and_tabs_are_detected() {
        let (table, info) = read(b"a;b\n1,5;2,5\n3;4\n").unwrap();
        assert_eq!(info.delimiter, b';');
        assert_eq!(cells(&table), [["1,5", "2,5"], ["3", "4"]]);
        let (table, info) = read(b"name\tscore\nAnn, B\t3\nCy\t4\n").unwrap();
        assert_eq!(info.delimiter, b'\t');
        assert_eq!(table.column("name").map(|c| c.get(0)), Some("Ann, B"));
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_newlines() {
        let (table, _) =
            read(b"id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,z\n").unwrap();
        let text: Vec<&str> = table.column("text").unwrap().iter().collect();
        assert_eq!(text, ["a, b", "say \"hi\"", "two\nlines", "z"]);
        // Rows keep the line where they start.
        assert_eq!(table.lines, [2, 3, 4, 6]);
    }

    #[test]
    fn bom_crlf_and_spaces_after_separators() {
        let (table, _) =
            read(b"\xEF\xBB\xBFname, age, city\r\nAnn, 31, \"Paris, FR\"\r\nBob,  42 ,Rome\r\n")
                .unwrap();
        assert_eq!(table.headers(), ["name", "age", "city"]);
        assert_eq!(
            cells(&table),
            [["Ann", "31", "Paris, FR"], ["Bob", "42", "Rome"]]
        );
    }

    #[test]
    fn a_file_without_header_gets_column_names() {
        let (table, info) = read(b"1,2,3\n4,5,6\n").unwrap();
        assert!(!info.has_header);
        assert_eq!(table.headers(), ["column_1", "column_2", "column_3"]);
        assert_eq!(table.rows(), 2);
        let (_, info) = read(b"red,small\nblue,large\nred,large\n").unwrap();
        assert!(!info.has_header, "the first row's values recur below: data");
        let (_, info) = read(b"colour,size\nred,small\nblue,large\n").unwrap();
        assert!(info.has_header);
    }

    #[test]
    fn blank_and_repeated_header_names_are_made_unique() {
        let (table, _) = read(b"a,,a\n1,2,3\n").unwrap();
        // A blank header cell makes the row look like data, unless the others say header.
        assert_eq!(table.columns.len(), 3);
        let (table, _) = read(b"x,y,x\n1,2,3\n").unwrap();
        assert_eq!(table.headers(), ["x", "y", "x_2"]);
    }

    #[test]
    fn empty_and_header_only_files_are_refused() {
        assert_eq!(
            read(b"").unwrap_err(),
            DataError::Empty {
                file: "data.csv".into()
            }
        );
        assert!(matches!(
            read(b" \n\r\n").unwrap_err(),
            DataError::Empty { .. }
        ));
        let error = read(b"a,b,c\n").unwrap_err();
        assert_eq!(
            error,
            DataError::HeaderOnly {
                file: "data.csv".into()
            }
        );
        assert!(
            error
                .to_string()
                .contains("data.csv has a header row but no data rows")
        );
    }

    #[test]
    fn ragged_rows_are_counted_and_can_be_skipped() {
        let text = b"a,b\n1,2\n3\n4,5\n6,7,8\n";
        let error = read(text).unwrap_err();
        assert_eq!(
            error,
            DataError::Ragged {
                file: "data.csv".into(),
                count: 2,
                expected: 2,
                first_line: 3,
                found: 1
            }
        );
        assert!(error.to_string().contains("line 3"), "{error}");
        let options = CsvOptions {
            skip_ragged: true,
            ..CsvOptions::default()
        };
        let (table, info) = read_csv("data.csv", text, &options, &mut |_| {}).unwrap();
        assert_eq!(cells(&table), [["1", "2"], ["4", "5"]]);
        assert_eq!(info.skipped_rows, 2);
        assert!(info.notices()[1].contains("2 row(s)"));
    }

    #[test]
    fn binary_files_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10";
        let error = read(png).unwrap_err();
        assert!(matches!(error, DataError::Binary { .. }), "{error:?}");
        assert!(error.to_string().contains("not a text file"));
    }

    #[test]
    fn non_utf8_files_name_the_line() {
        // Latin-1 "é" on the third line.
        let error = read(b"name,city\nAnn,Paris\nBob,Qu\xe9bec\n").unwrap_err();
        assert_eq!(
            error,
            DataError::NotUtf8 {
                file: "data.csv".into(),
                line: 3,
                column: 7
            }
        );
        assert!(error.to_string().contains("UTF-8"));
        let utf16 = b"\xFF\xFEa\x00,\x00b\x00";
        assert!(matches!(
            read(utf16).unwrap_err(),
            DataError::NotUtf8 { .. }
        ));
    }

    #[test]
    fn limits_are_said() {
        let options = CsvOptions {
            max_bytes: 10,
            ..CsvOptions::default()
        };
        let error =
            read_csv("big.csv", b"a,b\n1,2\n3,4\n5,6\n", &options, &mut |_| {}).unwrap_err();
        assert!(matches!(error, DataError::TooLarge { .. }));
        let options = CsvOptions {
            max_rows: 2,
            ..CsvOptions::default()
        };
        let error =
            read_csv("big.csv", b"a,b\n1,2\n3,4\n5,6\n", &options, &mut |_| {}).unwrap_err();
        assert_eq!(
            error,
            DataError::TooManyRows {
                file: "big.csv".into(),
                limit: 2
            }
        );
        // A header of a million commas is refused before a column is made for each.
        let mut wide = ",".repeat(1_000_000);
        wide.push_str("\n1\n");
        let error = read(wide.as_bytes()).unwrap_err();
        assert_eq!(
            error,
            DataError::TooManyColumns {
                file: "data.csv".into(),
                found: 1_000_001,
                limit: MAX_COLUMNS
            }
        );
        assert!(error.to_string().contains("Hearth reads up to 20000"));
    }

    #[test]
    fn a_large_file_reports_progress() {
        let mut text = String::from("x,y\n");
        for row in 0..50_000 {
            text.push_str(&format!("{row},{}\n", row % 7));
        }
        let mut calls = Vec::new();
        let (table, _) = read_csv(
            "big.csv",
            text.as_bytes(),
            &CsvOptions::default(),
            &mut |done| calls.push(done),
        )
        .unwrap();
        assert_eq!(table.rows(), 50_000);
        assert!(calls.len() >= 3, "{calls:?}");
        assert!(calls.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(calls.last().copied(), Some(text.len()));
    }
}
