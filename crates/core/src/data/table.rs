//! A table of text cells, stored column by column in one string per column, so that a
//! half-million-row file costs little more memory than its own size.

/// One column of text cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextColumn {
    pub name: String,
    text: String,
    /// The end offset of each cell in `text`.
    ends: Vec<u32>,
}

impl TextColumn {
    /// An empty column.
    pub fn new(name: impl Into<String>) -> Self {
        TextColumn {
            name: name.into(),
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// A column holding `cells`.
    pub fn from_cells<S: AsRef<str>>(name: impl Into<String>, cells: &[S]) -> Self {
        let mut column = TextColumn::new(name);
        for cell in cells {
            column.push(cell.as_ref());
        }
        column
    }

    /// Appends one cell.
    pub fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len() as u32);
    }

    /// The cell in row `row`. Panics when out of range, like slice indexing.
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize
        };
        &self.text[start..self.ends[row] as usize]
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All cells, in row order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Keeps only the rows for which `keep` is true.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let mut kept = TextColumn::new(std::mem::take(&mut self.name));
        for (row, &keep) in keep.iter().enumerate().take(self.len()) {
            if keep {
                kept.push(self.get(row));
            }
        }
        *self = kept;
    }
}

/// Named columns of text cells, all of the same length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The file name or the built-in set's name.
    pub name: String,
    pub columns: Vec<TextColumn>,
    /// The line in the source file where each row starts (empty for generated tables).
    pub lines: Vec<u64>,
}

impl Table {
    /// A table from column names and rows of cells (each row as long as `headers`).
    pub fn from_rows<S: AsRef<str>>(
        name: impl Into<String>,
        headers: &[S],
        rows: &[Vec<String>],
    ) -> Self {
        let mut columns: Vec<TextColumn> = headers
            .iter()
            .map(|header| TextColumn::new(header.as_ref()))
            .collect();
        for row in rows {
            for (column, cell) in columns.iter_mut().zip(row) {
                column.push(cell);
            }
        }
        Table {
            name: name.into(),
            columns,
            lines: Vec::new(),
        }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, TextColumn::len)
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&TextColumn> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// The column names, in order.
    pub fn headers(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|column| column.name.clone())
            .collect()
    }

    /// The source line of row `row`, when the table came from a file.
    pub fn line(&self, row: usize) -> Option<u64> {
        self.lines.get(row).copied()
    }

    /// Row `row` as cells.
    pub fn row(&self, row: usize) -> Vec<&str> {
        self.columns.iter().map(|column| column.get(row)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_including_empty_ones() {
        let column = TextColumn::from_cells("a", &["x", "", "héllo", ""]);
        assert_eq!(column.len(), 4);
        assert_eq!(column.iter().collect::<Vec<_>>(), ["x", "", "héllo", ""]);
    }

    #[test]
    fn rows_can_be_dropped() {
        let mut column = TextColumn::from_cells("a", &["1", "2", "3"]);
        column.retain_rows(&[true, false, true]);
        assert_eq!(column.iter().collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(column.name, "a");
    }

    #[test]
    fn a_table_reads_back_by_row_and_column() {
        let table = Table::from_rows(
            "t",
            &["a", "b"],
            &[vec!["1".into(), "x".into()], vec!["2".into(), "y".into()]],
        );
        assert_eq!(table.rows(), 2);
        assert_eq!(table.row(1), ["2", "y"]);
        assert_eq!(table.column("b").map(|c| c.get(0)), Some("x"));
    }
}
