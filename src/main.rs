//! `isc-sim`: the command-line front end. It parses arguments, builds a
//! validated scenario and calls the library. Exit status: 0 on success, 2
//! for invalid input or usage, 1 for any other failure.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::InvalidInput;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::execute(args),
        Command::Report(args) => commands::report::execute(args),
        Command::Validate(args) => commands::validate::execute(args),
        Command::Compare(args) => commands::compare::execute(args),
        Command::Backtest(args) => commands::backtest::execute(args),
        Command::BacktestForecast(args) => commands::backtest_forecast::execute(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<InvalidInput>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}
