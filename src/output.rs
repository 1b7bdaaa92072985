//! Writing a run's folder: every table as CSV and as Parquet through polars,
//! and the manifest. Everything goes to a temporary folder beside the target
//! first and is renamed into place at the end, so a failed run never leaves
//! a half-written report.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{Column as PolarsColumn, CsvWriter, DataFrame, ParquetWriter, SerWriter};
use sha2::{Digest, Sha256};

use crate::aggregate::tables::{Column, Table};

/// A folder being written; `commit` moves it into place.
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// Checks that `target` can be replaced by a run's output: it must not
/// exist, or be an empty folder, or a folder an earlier isc-sim command
/// wrote (it holds a `manifest.json` naming the tool). Anything else is
/// left alone, so a mistyped `--out` never deletes a user's files.
pub fn check_target(target: &Path) -> std::result::Result<(), String> {
    if !target.exists() {
        return Ok(());
    }
    if !target.is_dir() {
        return Err(format!("--out {} is a file; choose a folder path", target.display()));
    }
    let mut entries = fs::read_dir(target).map_err(|error| format!("cannot read {}: {error}", target.display()))?;
    if entries.next().is_none() {
        return Ok(());
    }
    let manifest = fs::read_to_string(target.join("manifest.json")).unwrap_or_default();
    if manifest.contains("\"tool\": \"isc-sim") {
        return Ok(());
    }
    Err(format!(
        "--out {} exists and is not an isc-sim output folder (no manifest.json from isc-sim); choose another folder or remove it",
        target.display()
    ))
}

impl StagedDir {
    pub fn new(target: &Path) -> Result<StagedDir> {
        check_target(target).map_err(|message| anyhow::anyhow!(message))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).with_context(|| format!("cannot create the output folder {}", parent.display()))?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
        }
        fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(StagedDir { target: target.to_path_buf(), staging, committed: false })
    }

    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Replaces the target folder with the staged one.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.staging.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old)
                .with_context(|| format!("cannot move the previous {} aside", self.target.display()))?;
        }
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("cannot move the new report to {}", self.target.display()))?;
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Converts a table into a polars data frame.
pub fn data_frame(table: &Table) -> Result<DataFrame> {
    let columns: Vec<PolarsColumn> = table
        .columns
        .iter()
        .map(|(name, column)| match column {
            Column::Text(values) => PolarsColumn::new(name.as_str().into(), values.as_slice()),
            Column::Int(values) => PolarsColumn::new(name.as_str().into(), values.as_slice()),
            Column::Float(values) => PolarsColumn::new(name.as_str().into(), values.as_slice()),
        })
        .collect();
    DataFrame::new(table.rows(), columns).with_context(|| format!("cannot build the {} table", table.name))
}

/// Writes `<name>.csv` (floats with 3 decimals) and `<name>.parquet` into `dir`.
pub fn write_table(dir: &Path, table: &Table) -> Result<()> {
    let mut frame = data_frame(table)?;
    let csv_path = dir.join(format!("{}.csv", table.name));
    let file = File::create(&csv_path).with_context(|| format!("cannot create {}", csv_path.display()))?;
    CsvWriter::new(BufWriter::new(file))
        .include_header(true)
        .with_float_precision(Some(3))
        .finish(&mut frame)
        .with_context(|| format!("cannot write {}", csv_path.display()))?;
    let parquet_path = dir.join(format!("{}.parquet", table.name));
    let file = File::create(&parquet_path).with_context(|| format!("cannot create {}", parquet_path.display()))?;
    ParquetWriter::new(BufWriter::new(file))
        .finish(&mut frame)
        .with_context(|| format!("cannot write {}", parquet_path.display()))?;
    Ok(())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes one table as CSV to `path`, through a temporary name renamed at the end.
pub fn write_csv_file(path: &Path, table: &Table) -> Result<()> {
    let mut frame = data_frame(table)?;
    let partial = path.with_extension("csv.partial");
    let file = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    CsvWriter::new(BufWriter::new(file))
        .include_header(true)
        .with_float_precision(Some(3))
        .finish(&mut frame)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    if let Err(error) = fs::rename(&partial, path) {
        let _ = fs::remove_file(&partial);
        return Err(error).with_context(|| format!("cannot move the file to {}", path.display()));
    }
    Ok(())
}
