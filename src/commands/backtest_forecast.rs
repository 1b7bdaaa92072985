//! `isc-sim backtest-forecast`: forecast the last months of a replayed
//! history from the months before them, and compare with the replay of what
//! really followed and with the naive forecast "the next months repeat the
//! last ones".

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use anyhow::Result;
use isc_sim::aggregate::tables::{percentile, Column, Table};
use isc_sim::calendar::WorkingCalendar;
use isc_sim::forecast::ForecastConfig;
use isc_sim::output::{write_table, StagedDir};
use isc_sim::runner::{ReplicationTables, Run};
use isc_sim::scenario::Scenario;
use serde_json::json;

use crate::cli::BacktestForecastArgs;
use crate::commands::{invalid, prepare};

/// Monthly series whose forecast accuracy is measured.
const SERIES: [&str; 5] = ["reloaded_isc", "reloads", "invoices", "stopped_domain_hours", "alert_emails"];

fn numbers(table: &Table, name: &str) -> Vec<f64> {
    match table.column(name) {
        Some(Column::Int(values)) => values.iter().map(|&v| v as f64).collect(),
        Some(Column::Float(values)) => values.clone(),
        _ => Vec::new(),
    }
}

/// Mean absolute percentage error over the months whose actual is not 0, in percent.
fn mape(forecast: &[f64], actual: &[f64]) -> Option<f64> {
    let errors: Vec<f64> = forecast.iter().zip(actual).filter(|(_, a)| **a != 0.0).map(|(f, a)| ((f - a) / a).abs()).collect();
    (!errors.is_empty()).then(|| 100.0 * errors.iter().sum::<f64>() / errors.len() as f64)
}

fn simulate(scenario: &Scenario, prepared: &crate::commands::Prepared, replications: u32) -> Result<Vec<ReplicationTables>> {
    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = Run {
        scenario,
        prices: &prepared.prices,
        calendar: &calendar,
        replications,
        replay: prepared.replay.as_ref().map(|input| &input.list),
        progress: &progress,
    };
    run.execute().map_err(|message| anyhow::anyhow!("the simulation failed: {message}"))
}

pub fn execute(args: BacktestForecastArgs) -> Result<()> {
    let prepared = prepare(Some(&args.scenario), None, None)?;
    if prepared.replay.is_none() {
        return Err(invalid(format!("{}: backtest-forecast needs a [replay] section with the history", prepared.origin)));
    }
    let history = &prepared.scenario.horizon;
    if args.holdout >= history.months {
        return Err(invalid(format!(
            "--holdout {}: expected fewer months than the scenario's horizon ({} months of history)",
            args.holdout, history.months
        )));
    }
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-backtest-forecast", prepared.scenario.name)));
    isc_sim::output::check_target(&out_dir).map_err(invalid)?;
    let as_of = history.end_date().plus_months(-(args.holdout as i32));

    let window = |start: isc_sim::calendar::Date, forecast: bool| -> Scenario {
        let mut scenario = prepared.scenario.clone();
        scenario.horizon.start = start.to_string();
        scenario.horizon.months = args.holdout;
        scenario.forecast = forecast.then(|| ForecastConfig { as_of: start.to_string(), volatility_scale: 1.0 });
        scenario
    };
    let actual = simulate(&window(as_of, false), &prepared, 1)?;
    let forecast = simulate(&window(as_of, true), &prepared, args.replications)?;
    let naive = simulate(&window(as_of.plus_months(-(args.holdout as i32)), false), &prepared, 1)?;

    let (mut names, mut forecast_mape, mut naive_mape, mut coverage) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut summary = serde_json::Map::new();
    for series in SERIES {
        let truth = numbers(&actual[0].monthly, series);
        let paths: Vec<Vec<f64>> = forecast.iter().map(|r| numbers(&r.monthly, series)).collect();
        let band = |month: usize, p: f64| {
            let mut values: Vec<f64> = paths.iter().map(|path| path[month]).collect();
            values.sort_by(f64::total_cmp);
            percentile(&values, p)
        };
        let p50: Vec<f64> = (0..truth.len()).map(|m| band(m, 0.5)).collect();
        let inside = (0..truth.len()).filter(|&m| band(m, 0.1) <= truth[m] && truth[m] <= band(m, 0.9)).count();
        let naive_values = numbers(&naive[0].monthly, series);
        let forecast_error = mape(&p50, &truth);
        let naive_error = mape(&naive_values, &truth);
        let share = inside as f64 / truth.len().max(1) as f64;
        names.push(series.to_string());
        forecast_mape.push(forecast_error.unwrap_or(f64::NAN));
        naive_mape.push(naive_error.unwrap_or(f64::NAN));
        coverage.push(share);
        summary.insert(series.to_string(), json!({ "p50_mape_percent": forecast_error, "naive_mape_percent": naive_error, "share_of_months_in_p10_p90": share }));
    }
    let table = Table {
        name: "backtest_forecast".to_string(),
        key_columns: 1,
        columns: vec![
            ("series".to_string(), Column::Text(names.clone())),
            ("p50_mape_percent".to_string(), Column::Float(forecast_mape.clone())),
            ("naive_mape_percent".to_string(), Column::Float(naive_mape.clone())),
            ("share_of_months_in_p10_p90".to_string(), Column::Float(coverage.clone())),
        ],
    };
    let staged = StagedDir::new(&out_dir)?;
    write_table(staged.path(), &table)?;
    let manifest = json!({
        "tool": "isc-sim backtest-forecast",
        "scenario": prepared.origin,
        "as_of": as_of.to_string(),
        "holdout_months": args.holdout,
        "replications": args.replications,
        "series": summary,
    });
    std::fs::write(staged.path().join("manifest.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    let written = staged.commit()?;

    println!("{}: forecast as of {as_of} for {} months, {} replications", prepared.origin, args.holdout, args.replications);
    println!("  {:<22} {:>14} {:>16} {:>20}", "series", "P50 MAPE (%)", "naive MAPE (%)", "months in P10-P90");
    for index in 0..names.len() {
        println!(
            "  {:<22} {:>14.1} {:>16.1} {:>19.0}%",
            names[index],
            forecast_mape[index],
            naive_mape[index],
            100.0 * coverage[index]
        );
    }
    println!("Written to {}", written.display());
    Ok(())
}
