//! `isc-sim report`: draw the charts and report.html of a finished run
//! again from its tables, without simulating.

use std::path::Path;
use std::time::Instant as WallClock;

use anyhow::Result;
use isc_sim::report::{self, Lang, Rendered, ReportError};

use crate::cli::{Language, ReportArgs};
use crate::commands::invalid;

pub fn lang(language: Language) -> Lang {
    match language {
        Language::En => Lang::En,
        Language::De => Lang::De,
    }
}

/// Writes the report into `dir`. A missing or malformed run folder is
/// invalid input (exit status 2).
pub fn render(dir: &Path, language: Language) -> Result<Rendered> {
    report::render(dir, lang(language)).map_err(|error| match error {
        ReportError::Input(message) => invalid(message),
        ReportError::Output(message) => anyhow::anyhow!(message),
    })
}

pub fn execute(args: ReportArgs) -> Result<()> {
    let started = WallClock::now();
    let rendered = render(&args.dir, args.lang)?;
    if !args.quiet {
        println!(
            "Report written to {} with {} chart files in {:.1} s",
            rendered.report.display(),
            rendered.charts.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
