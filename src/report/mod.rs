//! The capacity report of a finished run: charts as PNG and SVG in
//! `charts/`, and `report.html`, one self-contained page, in English or
//! German. Everything is read back from the run folder's manifest and
//! tables, so a report can be drawn again at any time without simulating.
//!
//! Outputs are written into a temporary folder inside the run folder and
//! renamed into place at the end, so a failure never leaves a half-written
//! report.

pub mod charts;
pub mod data;
pub mod draw;
pub mod html;
pub mod i18n;
mod raster;

use std::fs;
use std::path::{Path, PathBuf};

pub use i18n::Lang;

/// The reason a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The run folder is missing, incomplete or malformed.
    #[error("{0}")]
    Input(String),
    /// Drawing or writing the outputs failed.
    #[error("{0}")]
    Output(String),
}

/// The files a report wrote.
#[derive(Debug)]
pub struct Rendered {
    pub report: PathBuf,
    pub charts: Vec<PathBuf>,
}

/// The folder that receives the new charts and page before they move into place.
struct Staging {
    dir: PathBuf,
    done: bool,
}

impl Staging {
    fn new(run_dir: &Path) -> Result<Staging, ReportError> {
        let dir = run_dir.join(format!(".report.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|error| output(&dir, "cannot clear", error))?;
        }
        fs::create_dir_all(dir.join("charts")).map_err(|error| output(&dir, "cannot create", error))?;
        Ok(Staging { dir, done: false })
    }

    fn charts(&self) -> PathBuf {
        self.dir.join("charts")
    }

    /// Moves `charts/` and `report.html` into the run folder, replacing old ones.
    fn commit(mut self, run_dir: &Path) -> Result<(), ReportError> {
        let charts = run_dir.join("charts");
        let old = run_dir.join(format!(".charts.old-{}", std::process::id()));
        if charts.exists() {
            fs::rename(&charts, &old).map_err(|error| output(&charts, "cannot move aside", error))?;
        }
        if let Err(error) = fs::rename(self.charts(), &charts) {
            let _ = fs::rename(&old, &charts);
            return Err(output(&charts, "cannot move the new charts to", error));
        }
        let report = run_dir.join("report.html");
        fs::rename(self.dir.join("report.html"), &report).map_err(|error| output(&report, "cannot write", error))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|error| output(&old, "cannot remove", error))?;
        }
        self.done = true;
        let _ = fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn output(path: &Path, action: &str, error: std::io::Error) -> ReportError {
    ReportError::Output(format!("{action} {}: {error}", path.display()))
}

/// Draws the charts and writes report.html into the run folder `dir`.
pub fn render(dir: &Path, lang: Lang) -> Result<Rendered, ReportError> {
    let run = data::read_run(dir)?;
    let specs = charts::build(&run, lang)?;
    let staging = Staging::new(dir)?;
    let mut figures = Vec::new();
    let mut written = Vec::new();
    for spec in &specs {
        let png = staging.charts().join(format!("{}.png", spec.stem));
        draw::png(spec, lang, &png).map_err(ReportError::Output)?;
        let svg_text = draw::svg(spec, lang).map_err(ReportError::Output)?;
        let svg = staging.charts().join(format!("{}.svg", spec.stem));
        fs::write(&svg, &svg_text).map_err(|error| output(&svg, "cannot write", error))?;
        written.push(dir.join("charts").join(format!("{}.png", spec.stem)));
        written.push(dir.join("charts").join(format!("{}.svg", spec.stem)));
        figures.push(html::Figure { stem: spec.stem.to_string(), title: spec.title.clone(), note: spec.note.clone(), svg: svg_text });
    }
    let page = html::page(&run, lang, &figures)?;
    let staged_page = staging.dir.join("report.html");
    fs::write(&staged_page, page).map_err(|error| output(&staged_page, "cannot write", error))?;
    staging.commit(dir)?;
    Ok(Rendered { report: dir.join("report.html"), charts: written })
}
