//! The command line: clap types only. Commands turn these into a validated
//! scenario and call the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "isc-sim", version, about = "Simulate and forecast innovaphone's Automatic iSC Reloading Service (Auto-iSC)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario's population and write the forecast tables.
    Run(RunArgs),
    /// Draw the charts and report.html of a finished run again from its tables.
    Report(ReportArgs),
    /// Check a scenario and the input files it names, reporting every problem, without simulating.
    Validate(ValidateArgs),
    /// Run a scenario under its own rules and under candidate rules, and report the differences.
    Compare(CompareArgs),
    /// Match the simulated reloads of a scenario to an observed reload log.
    Backtest(BacktestArgs),
    /// Forecast the last months of a replayed history from the months before, and measure the error.
    BacktestForecast(BacktestForecastArgs),
}

#[derive(Debug, Args)]
pub struct BacktestForecastArgs {
    /// A replay scenario; its horizon end is the end of the history.
    pub scenario: PathBuf,

    /// Months held out: as_of lies this many months before the end of the history.
    #[arg(long, value_name = "MONTHS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub holdout: u32,

    /// Monte Carlo replications of the forecast.
    #[arg(long, value_name = "R", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replications: u32,

    /// Output folder [default: reports/<scenario name>-backtest-forecast].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Scenario TOML file (usually a replay of the history the log comes from).
    pub scenario: PathBuf,

    /// Observed reloads, CSV or Parquet: domain_id, at, amount_isc.
    #[arg(long, value_name = "FILE")]
    pub observed: PathBuf,

    /// A simulated reload matches an observed one within this many hours either side.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub tolerance_hours: u32,

    /// Output folder [default: reports/<scenario name>-backtest].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of domains of a generated population, replacing population.domains.
    #[arg(long, value_name = "N")]
    pub domains: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario TOML file; its [rules] are the base.
    pub scenario: PathBuf,

    /// Candidate rules: a TOML file with a [rules] table or the rule keys at the top level.
    #[arg(long, value_name = "RULES")]
    pub candidate: PathBuf,

    /// Output folder [default: reports/<scenario name>-compare].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of domains of a generated population, replacing population.domains.
    #[arg(long, value_name = "N")]
    pub domains: Option<u64>,

    /// Worker threads [default: one per CPU core]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,

    /// Monte Carlo replications; the monthly deltas carry P10, P50 and P90 across them.
    #[arg(long, value_name = "R", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replications: u32,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
}

/// The language of the report and its chart labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Language {
    En,
    De,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The folder of a finished run (with manifest.json and the tables).
    pub dir: PathBuf,

    /// Language of the report and its chart labels.
    #[arg(long, value_enum, default_value_t = Language::En)]
    pub lang: Language,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario TOML file; without it, the embedded scenarios/baseline.toml.
    pub scenario: Option<PathBuf>,

    /// Output folder [default: reports/<scenario name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of domains, replacing population.domains of the scenario.
    #[arg(long, value_name = "N")]
    pub domains: Option<u64>,

    /// Random seed, replacing the scenario's seed.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Worker threads [default: one per CPU core]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,

    /// Independent Monte Carlo replications; with more than one, the monthly
    /// and partner tables carry P10, P50 and P90 columns.
    #[arg(long, value_name = "R", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replications: u32,

    /// Write every event of chosen domains (see --detail-domains) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub domain_detail: Option<PathBuf>,

    /// Domains for --domain-detail: indices and ranges like `0-9,42`.
    #[arg(long, value_name = "LIST", default_value = "0-9", requires = "domain_detail")]
    pub detail_domains: String,

    /// Write every reload of the first replication inside the horizon to this
    /// CSV file (domain_id, at, amount_isc), the format `backtest --observed` reads.
    #[arg(long, value_name = "FILE")]
    pub reload_log: Option<PathBuf>,

    /// Write every replication's monthly table to this CSV file, one row per
    /// replication and month, for use elsewhere.
    #[arg(long, value_name = "FILE")]
    pub sample_paths: Option<PathBuf>,

    /// No progress bar; the summary is still printed.
    #[arg(long, short)]
    pub quiet: bool,

    /// Language of the report and its chart labels.
    #[arg(long, value_enum, default_value_t = Language::En)]
    pub lang: Language,

    /// Write the tables and manifest only: no charts and no report.html.
    #[arg(long)]
    pub no_report: bool,
}
