//! Reading a finished run folder back: manifest.json and the tables, each
//! from its Parquet file or, without it, its CSV file. Every problem names
//! the file and what is missing or wrong.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{CsvReadOptions, DataFrame, DataType, ParquetReader, SerReader};
use serde_json::Value;

use crate::aggregate::tables::percentile;
use crate::report::ReportError;

/// The manifest's fields that the report uses, and the whole of it.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub raw: Value,
    pub version: String,
    pub scenario_name: String,
    pub scenario_title: String,
    pub seed: u64,
    pub replications: u64,
    pub domains: u64,
    pub horizon_start: String,
    pub horizon_end: String,
    pub horizon_months: u64,
    /// `parameters.capacity.partner_invoices_per_day`, where 0 means not set.
    pub partner_capacity: f64,
}

/// One table read back, with the file it came from for messages.
pub struct Frame {
    pub file: PathBuf,
    frame: DataFrame,
}

/// A run folder's manifest and tables.
pub struct RunData {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub daily: Frame,
    pub monthly: Frame,
    pub partners: Frame,
    pub check_load: Frame,
    pub outcomes: Frame,
    /// Absent in folders written before the table existed.
    pub partner_daily: Option<Frame>,
}

/// P10, P50 and P90 of one metric per row. With one replication all three are equal.
#[derive(Clone, Debug, PartialEq)]
pub struct Banded {
    pub p10: Vec<f64>,
    pub p50: Vec<f64>,
    pub p90: Vec<f64>,
}

impl Banded {
    /// Returns whether the band has any width, which needs several replications.
    pub fn has_spread(&self) -> bool {
        self.p10.iter().zip(&self.p90).any(|(low, high)| low != high)
    }
}

/// Computes the P10, P50 and P90 of `values`, which must not be empty.
pub fn bands_of(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (percentile(&sorted, 0.1), percentile(&sorted, 0.5), percentile(&sorted, 0.9))
}

fn input(message: String) -> ReportError {
    ReportError::Input(message)
}

impl Frame {
    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    pub fn has(&self, name: &str) -> bool {
        self.frame.column(name).is_ok()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.frame.get_column_names().iter().map(|name| name.to_string()).collect()
    }

    fn missing(&self, name: &str) -> ReportError {
        input(format!("{}: the column '{name}' is missing", self.file.display()))
    }

    /// Reads a text column, in which every value must be present.
    pub fn texts(&self, name: &str) -> Result<Vec<String>, ReportError> {
        let column = self.frame.column(name).map_err(|_| self.missing(name))?;
        let strings = column
            .str()
            .map_err(|_| input(format!("{}: the column '{name}' is not text but {}", self.file.display(), column.dtype())))?;
        strings
            .iter()
            .enumerate()
            .map(|(row, value)| {
                value.map(str::to_string).ok_or_else(|| {
                    input(format!("{}: the column '{name}' has no value in data row {}", self.file.display(), row + 1))
                })
            })
            .collect()
    }

    /// Reads a numeric column as floats, in which every value must be present.
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, ReportError> {
        let column = self.frame.column(name).map_err(|_| self.missing(name))?;
        let numeric = column.dtype().is_primitive_numeric();
        let floats = if numeric { column.cast(&DataType::Float64).ok() } else { None };
        let floats = floats
            .ok_or_else(|| input(format!("{}: the column '{name}' is not numeric but {}", self.file.display(), column.dtype())))?;
        let floats = floats.f64().map_err(|error| input(format!("{}: the column '{name}': {error}", self.file.display())))?;
        floats
            .iter()
            .enumerate()
            .map(|(row, value)| {
                value.ok_or_else(|| {
                    input(format!("{}: the column '{name}' has no value in data row {}", self.file.display(), row + 1))
                })
            })
            .collect()
    }

    /// Reads a metric from the column `name` (one replication) or from the
    /// columns `name_p10`, `name_p50` and `name_p90` (several).
    pub fn banded(&self, name: &str) -> Result<Banded, ReportError> {
        if self.has(name) {
            let values = self.numbers(name)?;
            return Ok(Banded { p10: values.clone(), p50: values.clone(), p90: values });
        }
        let suffixed = [format!("{name}_p10"), format!("{name}_p50"), format!("{name}_p90")];
        if suffixed.iter().all(|column| self.has(column)) {
            return Ok(Banded {
                p10: self.numbers(&suffixed[0])?,
                p50: self.numbers(&suffixed[1])?,
                p90: self.numbers(&suffixed[2])?,
            });
        }
        Err(input(format!(
            "{}: neither the column '{name}' nor the columns '{name}_p10', '{name}_p50' and '{name}_p90' are there",
            self.file.display()
        )))
    }

    /// Groups the rows by replication, in replication order. A table without
    /// a `replication` column is one replication.
    pub fn replication_rows(&self) -> Result<Vec<Vec<usize>>, ReportError> {
        if !self.has("replication") {
            return Ok(vec![(0..self.rows()).collect()]);
        }
        let numbers = self.numbers("replication")?;
        let mut groups: Vec<(i64, Vec<usize>)> = Vec::new();
        for (row, value) in numbers.iter().enumerate() {
            if *value < 0.0 || value.fract() != 0.0 {
                return Err(input(format!(
                    "{}: the column 'replication' holds {value} in data row {}, not a replication number",
                    self.file.display(),
                    row + 1
                )));
            }
            let key = *value as i64;
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((key, vec![row])),
            }
        }
        groups.sort_by_key(|(key, _)| *key);
        let groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, rows)| rows).collect();
        if groups.windows(2).any(|pair| pair[0].len() != pair[1].len()) {
            return Err(input(format!("{}: the replications have different numbers of rows", self.file.display())));
        }
        Ok(groups)
    }
}

/// Reads `<name>.parquet` from `dir`, or `<name>.csv` when there is no Parquet file.
pub fn read_table(dir: &Path, name: &str) -> Result<Option<Frame>, ReportError> {
    let parquet = dir.join(format!("{name}.parquet"));
    let csv = dir.join(format!("{name}.csv"));
    if parquet.is_file() {
        let file = File::open(&parquet).map_err(|error| input(format!("{}: cannot open: {error}", parquet.display())))?;
        let frame = ParquetReader::new(file)
            .finish()
            .map_err(|error| input(format!("{}: not a readable Parquet table: {error}", parquet.display())))?;
        return Ok(Some(Frame { file: parquet, frame }));
    }
    if csv.is_file() {
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(csv.clone()))
            .and_then(|reader| reader.finish())
            .map_err(|error| input(format!("{}: not a readable CSV table: {error}", csv.display())))?;
        return Ok(Some(Frame { file: csv, frame }));
    }
    Ok(None)
}

fn required_table(dir: &Path, name: &str) -> Result<Frame, ReportError> {
    let frame = read_table(dir, name)?.ok_or_else(|| {
        input(format!("{}: neither {name}.parquet nor {name}.csv is there; is this the folder of a finished run?", dir.display()))
    })?;
    if frame.rows() == 0 {
        return Err(input(format!("{}: the table has no rows", frame.file.display())));
    }
    Ok(frame)
}

fn text_at<'a>(value: &'a Value, path: &str, file: &Path) -> Result<&'a str, ReportError> {
    lookup(value, path)
        .and_then(Value::as_str)
        .ok_or_else(|| input(format!("{}: '{path}' is missing or not text", file.display())))
}

fn number_at(value: &Value, path: &str, file: &Path) -> Result<u64, ReportError> {
    lookup(value, path)
        .and_then(Value::as_u64)
        .ok_or_else(|| input(format!("{}: '{path}' is missing or not a whole number", file.display())))
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |node, key| node.get(key))
}

/// Reads and checks manifest.json.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ReportError> {
    let file = dir.join("manifest.json");
    let text = std::fs::read_to_string(&file).map_err(|error| {
        input(format!("{}: cannot read the run's manifest: {error}; is this the folder of a finished run?", file.display()))
    })?;
    let raw: Value = serde_json::from_str(&text).map_err(|error| input(format!("{}: not valid JSON: {error}", file.display())))?;
    if !raw.is_object() {
        return Err(input(format!("{}: not a JSON object", file.display())));
    }
    let capacity = match lookup(&raw, "parameters.capacity.partner_invoices_per_day") {
        None | Some(Value::Null) => 0.0,
        Some(value) => value.as_f64().filter(|v| *v >= 0.0).ok_or_else(|| {
            input(format!("{}: 'parameters.capacity.partner_invoices_per_day' is not a number of at least 0", file.display()))
        })?,
    };
    Ok(Manifest {
        version: lookup(&raw, "version").and_then(Value::as_str).unwrap_or("").to_string(),
        scenario_name: text_at(&raw, "scenario.name", &file)?.to_string(),
        scenario_title: lookup(&raw, "scenario.title").and_then(Value::as_str).unwrap_or("").to_string(),
        seed: number_at(&raw, "seed", &file)?,
        replications: number_at(&raw, "replications", &file)?,
        domains: number_at(&raw, "domains", &file)?,
        horizon_start: text_at(&raw, "horizon.start", &file)?.to_string(),
        horizon_end: text_at(&raw, "horizon.end", &file)?.to_string(),
        horizon_months: number_at(&raw, "horizon.months", &file)?,
        partner_capacity: capacity,
        raw,
    })
}

/// Reads a finished run folder.
pub fn read_run(dir: &Path) -> Result<RunData, ReportError> {
    if !dir.exists() {
        return Err(input(format!("{}: no such run folder", dir.display())));
    }
    if !dir.is_dir() {
        return Err(input(format!("{}: not a folder; give the folder of a finished run", dir.display())));
    }
    let manifest = read_manifest(dir)?;
    let partner_daily = read_table(dir, "partner_daily")?;
    Ok(RunData {
        dir: dir.to_path_buf(),
        daily: required_table(dir, "daily")?,
        monthly: required_table(dir, "monthly")?,
        partners: required_table(dir, "partners")?,
        check_load: required_table(dir, "check_load")?,
        outcomes: required_table(dir, "outcomes")?,
        partner_daily,
        manifest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_of_values() {
        assert_eq!(bands_of(&[5.0]), (5.0, 5.0, 5.0));
        let (p10, p50, p90) = bands_of(&[3.0, 1.0, 2.0]);
        assert!((p10 - 1.2).abs() < 1e-12);
        assert_eq!(p50, 2.0);
        assert!((p90 - 2.8).abs() < 1e-12);
    }

    #[test]
    fn lookup_follows_dotted_paths() {
        let value: Value = serde_json::json!({"a": {"b": {"c": 3}}});
        assert_eq!(lookup(&value, "a.b.c").and_then(Value::as_u64), Some(3));
        assert!(lookup(&value, "a.x.c").is_none());
    }
}
