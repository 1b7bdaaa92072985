//! Rows of an input table from CSV or Parquet, with the location of each
//! row for messages. CSV is parsed with the `csv` crate, which reports byte
//! offsets, so that every message names the true line even after blank
//! lines; Parquet is read with polars.

use std::path::Path;

use polars::prelude::{DataType, ParquetReader, SerReader};

use crate::input::{Problem, MAX_PROBLEMS};

/// Position of a row: a CSV line (the header is line 1) or a Parquet row (from 0).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Line(u64),
    ParquetRow(u64),
}

/// One cell, as the file stores it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    Missing,
}

impl Cell<'_> {
    /// Formats the cell as text for messages.
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(text) => text.to_string(),
            Cell::Int(value) => value.to_string(),
            Cell::Float(value) => value.to_string(),
            Cell::Missing => String::new(),
        }
    }

    /// Returns the trimmed text of a non-empty text cell, without copying.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Text(text) if !text.trim().is_empty() => Some(text.trim()),
            _ => None,
        }
    }

    /// The text of a non-empty cell; None for an empty or missing one.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Text(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
            Cell::Text(_) | Cell::Missing => None,
            other => Some(other.shown()),
        }
    }
}

/// The columns a table must have and may have.
pub struct Columns<'a> {
    pub required: &'a [&'a str],
    pub optional: &'a [&'a str],
}

/// Collects a file's problems up to the cap.
pub struct Problems {
    pub file: String,
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn new(file: &str) -> Problems {
        Problems { file: file.to_string(), list: Vec::new() }
    }

    pub fn full(&self) -> bool {
        self.list.len() >= MAX_PROBLEMS
    }

    pub fn add(&mut self, location: Option<Location>, column: Option<&str>, value: Option<String>, message: impl Into<String>) {
        if self.full() {
            return;
        }
        let (line, message) = match location {
            Some(Location::Line(line)) => (Some(line), message.into()),
            Some(Location::ParquetRow(row)) => (None, format!("{} (Parquet row {row})", message.into())),
            None => (None, message.into()),
        };
        self.list.push(Problem { file: self.file.clone(), line, column: column.map(str::to_string), value, message });
    }
}

/// Calls `each` for every row with the cells of the known columns, in the
/// order of `columns.required` then `columns.optional` (Missing where an
/// optional column is absent). Header problems end the reading. `size`
/// first receives an upper bound of the row count, to reserve memory.
pub fn for_each_row(
    path: &Path,
    columns: &Columns,
    problems: &mut Problems,
    size: &mut dyn FnMut(usize),
    mut each: impl FnMut(Location, &[Cell], &mut Problems),
) {
    let parquet = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("parquet"));
    if parquet {
        read_parquet(path, columns, problems, size, &mut each);
    } else {
        match std::fs::read(path) {
            Ok(bytes) => {
                size(bytes.iter().filter(|byte| **byte == b'\n').count() + 1);
                read_csv(&bytes, columns, problems, &mut each)
            }
            Err(error) => problems.add(None, None, None, format!("cannot read the file: {error}")),
        }
    }
}

/// Collects every row that `parse` accepts, with its location. The other rows become problems.
pub fn collect_rows<T>(
    path: &Path,
    columns: &Columns,
    problems: &mut Problems,
    mut parse: impl FnMut(&[Cell]) -> Result<T, (&'static str, String)>,
) -> Vec<(Location, T)> {
    let rows = std::cell::RefCell::new(Vec::new());
    let names: Vec<&str> = columns.required.iter().chain(columns.optional).copied().collect();
    for_each_row(path, columns, problems, &mut |bound| rows.borrow_mut().reserve_exact(bound), |location, cells, problems| {
        match parse(cells) {
            Ok(record) => rows.borrow_mut().push((location, record)),
            Err((column, message)) => {
                let value = names.iter().position(|name| *name == column).map(|position| cells[position].shown());
                problems.add(Some(location), Some(column), value, message);
            }
        }
    });
    let mut rows = rows.into_inner();
    rows.shrink_to_fit();
    rows
}

/// Positions of the known columns in the header; None after reporting problems.
fn header_positions(header: &[String], columns: &Columns, problems: &mut Problems, location: Option<Location>) -> Option<Vec<Option<usize>>> {
    let known: Vec<&str> = columns.required.iter().chain(columns.optional).copied().collect();
    let mut ok = true;
    for name in header {
        if !known.contains(&name.as_str()) {
            problems.add(location, Some(name), None, format!("unknown column; expected the columns {}", known.join(", ")));
            ok = false;
        }
    }
    for name in columns.required {
        if !header.iter().any(|h| h == name) {
            problems.add(location, Some(name), None, "missing column; it is required");
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(known.iter().map(|name| header.iter().position(|h| h == name)).collect())
}

pub fn read_csv(bytes: &[u8], columns: &Columns, problems: &mut Problems, each: &mut dyn FnMut(Location, &[Cell], &mut Problems)) {
    let newlines: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
    // The csv crate's line count skips blank lines, and its byte offset may
    // point at the line ends before a record. So the line is taken from the
    // first byte at or after the offset that is not a line end.
    let line_at = |byte: u64| {
        let mut start = byte as usize;
        while start < bytes.len() && (bytes[start] == b'\r' || bytes[start] == b'\n') {
            start += 1;
        }
        newlines.partition_point(|&offset| offset < start) as u64 + 1
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(str::to_string).collect(),
        Err(error) => {
            problems.add(Some(Location::Line(1)), None, None, format!("unreadable header: {error}"));
            return;
        }
    };
    let Some(positions) = header_positions(&header, columns, problems, Some(Location::Line(1))) else {
        return;
    };
    let mut record = csv::StringRecord::new();
    loop {
        if problems.full() {
            return;
        }
        match reader.read_record(&mut record) {
            Ok(false) => return,
            Ok(true) => {}
            Err(error) => {
                let location = error.position().map(|p| Location::Line(line_at(p.byte())));
                problems.add(location, None, None, format!("unreadable row: {error}"));
                continue;
            }
        }
        let location = Location::Line(record.position().map_or(0, |p| line_at(p.byte())));
        if record.len() != header.len() {
            let message = format!("row has {} fields; expected {} like the header", record.len(), header.len());
            problems.add(Some(location), None, Some(record.as_slice().to_string()), message);
            continue;
        }
        let cells: Vec<Cell> = positions.iter().map(|position| position.map_or(Cell::Missing, |p| Cell::Text(&record[p]))).collect();
        each(location, &cells, problems);
    }
}

fn read_parquet(
    path: &Path,
    columns: &Columns,
    problems: &mut Problems,
    size: &mut dyn FnMut(usize),
    each: &mut dyn FnMut(Location, &[Cell], &mut Problems),
) {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => return problems.add(None, None, None, format!("cannot read the file: {error}")),
    };
    let frame = match ParquetReader::new(file).finish() {
        Ok(frame) => frame,
        Err(error) => return problems.add(None, None, None, format!("unreadable Parquet file: {error}")),
    };
    let header: Vec<String> = frame.get_column_names().iter().map(|name| name.to_string()).collect();
    let Some(positions) = header_positions(&header, columns, problems, None) else {
        return;
    };
    // One iterator per known column, walking the row groups as polars read
    // them, so no column is copied into one piece.
    let mut casts = Vec::new();
    let mut kinds = Vec::new();
    for (known, position) in columns.required.iter().chain(columns.optional).zip(&positions) {
        let Some(position) = position else {
            kinds.push(None);
            continue;
        };
        let series = frame.columns()[*position].as_materialized_series();
        let target = match series.dtype() {
            DataType::String => DataType::String,
            DataType::Float32 | DataType::Float64 => DataType::Float64,
            dtype if dtype.is_integer() => DataType::Int64,
            other => {
                let message = format!("column type {other} is not supported; expected text (dates as text like 2024-02-01) or numbers");
                return problems.add(None, Some(known), None, message);
            }
        };
        match series.cast(&target) {
            Ok(cast) => {
                kinds.push(Some(casts.len()));
                casts.push(cast);
            }
            Err(error) => return problems.add(None, Some(known), None, format!("unreadable column: {error}")),
        }
    }
    let mut iterators: Vec<Box<dyn Iterator<Item = Cell<'_>> + '_>> = Vec::new();
    for series in &casts {
        let iterator: Box<dyn Iterator<Item = Cell<'_>> + '_> = match series.dtype() {
            DataType::String => Box::new(series.str().expect("string column").iter().map(|v| v.map_or(Cell::Missing, Cell::Text))),
            DataType::Float64 => Box::new(series.f64().expect("f64 column").iter().map(|v| v.map_or(Cell::Missing, Cell::Float))),
            _ => Box::new(series.i64().expect("i64 column").iter().map(|v| v.map_or(Cell::Missing, Cell::Int))),
        };
        iterators.push(iterator);
    }
    size(frame.height());
    let mut cells: Vec<Cell> = Vec::with_capacity(kinds.len());
    let mut values: Vec<Cell> = Vec::with_capacity(iterators.len());
    for row in 0..frame.height() {
        if problems.full() {
            return;
        }
        values.clear();
        values.extend(iterators.iter_mut().map(|iterator| iterator.next().unwrap_or(Cell::Missing)));
        cells.clear();
        cells.extend(kinds.iter().map(|kind| kind.map_or(Cell::Missing, |index| std::mem::replace(&mut values[index], Cell::Missing))));
        each(Location::ParquetRow(row as u64), &cells, problems);
    }
}
