//! `isc-sim run`: simulate a scenario and write its forecast tables,
//! manifest and summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant as WallClock, SystemTime};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use isc_sim::aggregate::tables::{percentile, Column, Table};
use isc_sim::calendar::{Instant, WorkingCalendar};
use isc_sim::output::{sha256_hex, write_table, StagedDir};
use isc_sim::runner::{combine, ReplicationTables, Run};
use serde_json::json;

use crate::cli::RunArgs;
use crate::commands::{invalid, parse_index_list, prepare, Prepared};

pub fn execute(args: RunArgs) -> Result<()> {
    let started = WallClock::now();
    let Prepared { scenario, origin, text: scenario_text, replay, prices, prices_origin, prices_bytes } =
        prepare(args.scenario.as_deref(), args.domains, args.seed)?;
    let detail_indices = match &args.domain_detail {
        Some(_) => parse_index_list(&args.detail_domains)?,
        None => Vec::new(),
    };
    if let Some(beyond) = detail_indices.iter().find(|&&index| index >= scenario.population.domains) {
        return Err(invalid(format!(
            "--detail-domains: domain {beyond} does not exist; the run has domains 0 to {}",
            scenario.population.domains.saturating_sub(1)
        )));
    }
    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&scenario.name));
    isc_sim::output::check_target(&out_dir).map_err(invalid)?;
    if let Some(path) = &args.sample_paths
        && path.is_dir()
    {
        return Err(invalid(format!("--sample-paths {} is a folder; expected a file path", path.display())));
    }

    let (pool, threads) = crate::commands::worker_pool(args.threads)?;
    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = Run {
        scenario: &scenario,
        prices: &prices,
        calendar: &calendar,
        replications: args.replications,
        replay: replay.as_ref().map(|input| &input.list),
        progress: &progress,
    };
    if replay.is_none() {
        // The population must fit the price list before any work starts.
        run.population(0).map_err(|message| invalid(format!("{prices_origin}: {message}")))?;
    }

    let total = scenario.population.domains * args.replications as u64;
    let bar = progress_bar(total, args.quiet);
    let done = AtomicBool::new(false);
    let replications: Vec<ReplicationTables> = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                bar.set_position(progress.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let result = pool.install(|| run.execute());
        done.store(true, Ordering::Relaxed);
        result
    })
    .map_err(|message| anyhow::anyhow!("the simulation failed: {message}"))?;
    bar.finish_and_clear();

    let staged = StagedDir::new(&out_dir)?;
    // Partners are named by their ids in the replay files, or by kind and
    // number in a generated population.
    let partner_name = |kind: &str, id: i64| -> String {
        let names = replay.as_ref().map(|input| if kind == "reseller" { &input.reseller_ids } else { &input.distributor_ids });
        match names.and_then(|names| names.get(id as usize)) {
            Some(name) => name.clone(),
            None => format!("{kind}-{id}"),
        }
    };
    for table in combine(&replications) {
        let table = isc_sim::aggregate::tables::with_partner_names(table, &partner_name);
        write_table(staged.path(), &table)?;
    }
    if let (Some(forecast), Some(input)) = (&scenario.forecast, &replay) {
        let estimates = isc_sim::forecast::estimate(&input.list.domains, scenario.horizon.start_instant());
        let text = serde_json::to_string_pretty(&json!({ "as_of": forecast.as_of, "volatility_scale": forecast.volatility_scale, "estimates": estimates }))?;
        std::fs::write(staged.path().join("forecast_estimates.json"), text + "\n")?;
    }
    if let Some(path) = &args.sample_paths {
        let monthly: Vec<isc_sim::aggregate::tables::Table> = replications.iter().map(|r| r.monthly.clone()).collect();
        isc_sim::output::write_csv_file(path, &isc_sim::aggregate::tables::stacked(&monthly))?;
    }
    if let Some(path) = &args.reload_log {
        let reloads = pool.install(|| run.reloads()).map_err(|m| anyhow::anyhow!(m))?;
        let ids = replay.as_ref().map(|input| &input.domain_ids);
        crate::commands::backtest::write_reload_log(path, &reloads, |index| {
            ids.map_or_else(|| index.to_string(), |ids| ids[index as usize].clone())
        })?;
    }
    if let Some(path) = &args.domain_detail {
        let details = pool.install(|| run.details(&detail_indices)).map_err(|m| anyhow::anyhow!(m))?;
        let ids = replay.as_ref().map(|input| &input.domain_ids);
        let id_of = |index: u64| ids.map_or_else(|| index.to_string(), |ids| ids[index as usize].clone());
        crate::commands::detail::write(path, &details, &id_of)?;
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    let manifest = json!({
        "tool": "isc-sim",
        "version": env!("CARGO_PKG_VERSION"),
        "created_at_utc": Instant(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)).to_string(),
        "scenario": { "file": origin, "sha256": sha256_hex(scenario_text.as_bytes()), "name": scenario.name, "title": scenario.title },
        "seed": scenario.seed,
        "replications": args.replications,
        "threads": threads,
        "domains": scenario.population.domains,
        "horizon": { "start": scenario.horizon.start, "end": scenario.horizon.end_date().to_string(), "months": scenario.horizon.months },
        "parameters": scenario,
        "input_files": input_files(&replay, &prices_origin, &prices_bytes),
        "tables": ["daily", "monthly", "partners", "check_load", "outcomes", "partner_daily", "pathologies"],
        "wall_seconds": (wall_seconds * 1000.0).round() / 1000.0,
    });
    let manifest_path = staged.path().join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    // The report from the staged tables; when it fails, the tables are kept.
    let report = (!args.no_report).then(|| crate::commands::report::render(staged.path(), args.lang));
    let written = staged.commit()?;

    print!("{}", summary(&scenario, &replications, threads, &written, started.elapsed().as_secs_f64()));
    match report {
        Some(Ok(_)) => println!("Report written to {}", written.join("report.html").display()),
        Some(Err(error)) => {
            let retry = format!("the tables are written, but not the report; `isc-sim report {}` tries again", written.display());
            return Err(anyhow::anyhow!("{error:#}").context(retry));
        }
        None => {}
    }
    Ok(())
}

fn input_files(replay: &Option<isc_sim::input::replay::ReplayInput>, prices_origin: &str, prices_bytes: &[u8]) -> serde_json::Value {
    let mut files: Vec<serde_json::Value> = Vec::new();
    match replay {
        Some(input) => files.extend(input.files.iter().map(|(file, hash)| json!({ "file": file, "sha256": hash }))),
        None => files.push(json!({ "file": prices_origin, "sha256": sha256_hex(prices_bytes) })),
    }
    let holidays = include_bytes!("../../data/public_holidays_de_bw_2015_2040.csv");
    files.push(json!({ "file": "embedded data/public_holidays_de_bw_2015_2040.csv", "sha256": sha256_hex(holidays) }));
    serde_json::Value::Array(files)
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{spinner} simulating [{bar:40}] {human_pos}/{human_len} domains, ETA {eta}")
        .expect("valid template")
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn column_total(table: &Table, name: &str) -> f64 {
    match table.column(name) {
        Some(Column::Int(values)) => values.iter().map(|&v| v as f64).sum(),
        Some(Column::Float(values)) => values.iter().sum(),
        _ => 0.0,
    }
}

fn column_max(table: &Table, name: &str) -> f64 {
    match table.column(name) {
        Some(Column::Int(values)) => values.iter().copied().max().unwrap_or(0) as f64,
        Some(Column::Float(values)) => values.iter().copied().fold(0.0, f64::max),
        _ => 0.0,
    }
}

/// Formats a count with thousands separators.
fn grouped(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if rounded < 0 { format!("-{out}") } else { out }
}

fn summary(scenario: &isc_sim::scenario::Scenario, replications: &[ReplicationTables], threads: usize, out: &std::path::Path, seconds: f64) -> String {
    let band = |values: Vec<f64>| -> String {
        let mut sorted = values;
        sorted.sort_by(f64::total_cmp);
        if sorted.len() == 1 {
            grouped(sorted[0])
        } else {
            format!("{} (P10 {}, P90 {})", grouped(percentile(&sorted, 0.5)), grouped(percentile(&sorted, 0.1)), grouped(percentile(&sorted, 0.9)))
        }
    };
    let totals = |table: fn(&ReplicationTables) -> &Table, name: &str| -> String {
        band(replications.iter().map(|r| column_total(table(r), name)).collect())
    };
    let peaks = |table: fn(&ReplicationTables) -> &Table, name: &str| -> String {
        band(replications.iter().map(|r| column_max(table(r), name)).collect())
    };
    let horizon = &scenario.horizon;
    let mut text = String::new();
    text += &format!("{} — {}\n", scenario.name, scenario.title);
    text += &format!(
        "{} domains, {} to {} ({} months), seed {}, {} replication(s), {} thread(s)\n\n",
        grouped(scenario.population.domains as f64),
        horizon.start,
        horizon.end_date(),
        horizon.months,
        scenario.seed,
        replications.len(),
        threads
    );
    let rows = [
        ("reloads", totals(|r| &r.monthly, "reloads")),
        ("reloaded iSC", totals(|r| &r.monthly, "reloaded_isc")),
        ("invoices", totals(|r| &r.monthly, "invoices")),
        ("peak invoices on one day", peaks(|r| &r.daily, "invoices")),
        ("checks", totals(|r| &r.monthly, "checks")),
        ("peak checks in one minute", peaks(|r| &r.check_load, "peak_checks")),
        ("alert e-mails", totals(|r| &r.monthly, "alert_emails")),
        ("consumed iSC", totals(|r| &r.monthly, "consumed_isc")),
        ("manual loads", totals(|r| &r.monthly, "manual_loads")),
        ("stop episodes", totals(|r| &r.monthly, "stop_episodes")),
        ("stopped domain-hours", totals(|r| &r.monthly, "stopped_domain_hours")),
        ("new Auto-iSC contracts", totals(|r| &r.monthly, "new_contracts")),
        ("rejected orders", totals(|r| &r.monthly, "rejected_orders")),
    ];
    for (label, value) in rows {
        text += &format!("  {label:<28} {value}\n");
    }
    text += &format!("\nTables written to {} in {:.1} s\n", out.display(), seconds);
    text
}
