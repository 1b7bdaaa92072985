//! `isc-sim compare`: the same domains and random draws under the
//! scenario's rules and under candidate rules; writes the per-domain diff,
//! the monthly deltas with bands across replications, their charts and a summary.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use anyhow::Result;
use isc_sim::aggregate::tables::{percentile, Column, Table};
use isc_sim::calendar::WorkingCalendar;
use isc_sim::compare::{better_worse, DomainDiff, DomainOutcome};
use isc_sim::output::{sha256_hex, write_table, StagedDir};
use isc_sim::report::charts::{BandSeries, ChartKind, ChartSpec, LineChart, LineSeries};
use isc_sim::report::{draw, i18n::Lang};
use isc_sim::rules::RuleSet;
use serde_json::json;

use crate::cli::CompareArgs;
use crate::commands::{invalid, prepare, Prepared};

/// Monthly measures whose deltas the comparison reports.
const MEASURES: [&str; 7] =
    ["reloads", "reloaded_isc", "invoices", "alert_emails", "manual_loads", "stop_episodes", "stopped_domain_hours"];

/// Reads candidate rules: an optional `name` and a `[rules]` table, or the
/// rule keys at the top level. Returns the name (the file stem without one)
/// and the validated rules.
pub fn load_rules(path: &Path) -> Result<(String, RuleSet)> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| invalid(format!("{origin}: cannot read the rules: {error}")))?;
    let mut table: toml::Table = text.parse().map_err(|error| invalid(format!("{origin}: {error}")))?;
    let stem = path.file_stem().map_or_else(|| "candidate".to_string(), |stem| stem.to_string_lossy().to_string());
    let name = match table.remove("name") {
        None => stem,
        Some(toml::Value::String(name)) if !name.trim().is_empty() => name,
        Some(other) => return Err(invalid(format!("{origin}: name = {other}: expected a non-empty text naming the rule set"))),
    };
    let (prefix, value) = match table.remove("rules") {
        Some(rules) if table.is_empty() => ("rules.", rules),
        Some(_) => {
            let extra: Vec<&String> = table.keys().collect();
            return Err(invalid(format!("{origin}: unknown keys {extra:?} beside [rules]; expected only name and [rules]")));
        }
        None => ("", toml::Value::Table(table)),
    };
    let rules: RuleSet = serde_path_to_error::deserialize(value)
        .map_err(|error| invalid(format!("{origin}: {prefix}{}: {}", error.path(), error.inner().message().trim())))?;
    rules
        .validate()
        .map_err(|problems| invalid(problems.iter().map(|p| format!("{origin}: {prefix}{p}")).collect::<Vec<_>>().join("\n")))?;
    Ok((name, rules))
}

pub fn execute(args: CompareArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let Prepared { scenario, origin, text: scenario_text, replay, prices, .. } = prepare(Some(&args.scenario), args.domains, None)?;
    let (candidate_name, candidate) = load_rules(&args.candidate)?;
    if let Some(out) = &args.out {
        isc_sim::output::check_target(out).map_err(invalid)?;
    }
    let (pool, threads) = crate::commands::worker_pool(args.threads)?;
    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = isc_sim::runner::Run {
        scenario: &scenario,
        prices: &prices,
        calendar: &calendar,
        replications: args.replications,
        replay: replay.as_ref().map(|input| &input.list),
        progress: &progress,
    };
    if replay.is_none() {
        run.population(0).map_err(invalid)?;
    }
    let (pairs, diffs, domains) = pool.install(|| run.compare(&candidate)).map_err(|m| anyhow::anyhow!("the comparison failed: {m}"))?;

    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-compare", scenario.name)));
    isc_sim::output::check_target(&out_dir).map_err(invalid)?;
    let staged = StagedDir::new(&out_dir)?;
    let names: Option<&Vec<String>> = replay.as_ref().map(|input| &input.domain_ids);
    write_table(staged.path(), &diff_table(&diffs, names))?;
    let monthly = monthly_delta(&pairs);
    write_table(staged.path(), &monthly)?;
    draw_delta_charts(staged.path(), &monthly)?;

    let stops = better_worse(domains, &diffs, |o| o.stopped_seconds);
    let reloaded = better_worse(domains, &diffs, |o| o.reloaded_milli);
    let summary = json!({
        "candidate": candidate_name,
        "domains": domains,
        "domains_with_differences": diffs.len(),
        "stopped_hours": { "better": stops.better, "worse": stops.worse, "unchanged": stops.unchanged },
        "reloaded_isc": { "better_less_reloaded": reloaded.better, "worse_more_reloaded": reloaded.worse, "unchanged": reloaded.unchanged },
    });
    std::fs::write(staged.path().join("summary.json"), serde_json::to_string_pretty(&summary)? + "\n")?;
    let manifest = json!({
        "tool": "isc-sim compare",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": { "file": origin, "sha256": sha256_hex(scenario_text.as_bytes()), "name": scenario.name },
        "candidate_rules": { "name": candidate_name, "file": args.candidate.display().to_string(), "rules": candidate },
        "base_rules": scenario.rules,
        "seed": scenario.seed,
        "replications": args.replications,
        "threads": threads,
        "wall_seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    });
    std::fs::write(staged.path().join("manifest.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    let written = staged.commit()?;

    println!("{} compared with the rule set '{}' ({})", origin, candidate_name, args.candidate.display());
    println!("{} domains, {} with a difference in reloads, first reload, reloaded iSC, stops or stopped hours", domains, diffs.len());
    println!("  stopped hours:  {} better off, {} worse off, {} unchanged", stops.better, stops.worse, stops.unchanged);
    println!("  reloaded iSC:   {} less (better off), {} more (worse off), {} unchanged", reloaded.better, reloaded.worse, reloaded.unchanged);
    for measure in ["reloaded_isc", "invoices", "stopped_domain_hours"] {
        let total = |column: &str| match monthly.column(column) {
            Some(Column::Float(values)) => values.iter().sum::<f64>(),
            _ => 0.0,
        };
        println!(
            "  {measure}: base {:.3}, candidate {:.3}, delta P50 {:.3}",
            total(&format!("{measure}_base")),
            total(&format!("{measure}_candidate")),
            total(&format!("{measure}_delta_p50"))
        );
    }
    println!("Written to {}", written.display());
    Ok(())
}

fn instant_text(at: Option<isc_sim::calendar::Instant>) -> String {
    at.map_or(String::new(), |at| at.to_string())
}

fn diff_table(diffs: &[DomainDiff], names: Option<&Vec<String>>) -> Table {
    let side = |select: fn(&DomainDiff) -> &DomainOutcome, measure: fn(&DomainOutcome) -> f64| -> Column {
        Column::Float(diffs.iter().map(|d| measure(select(d))).collect())
    };
    fn base(diff: &DomainDiff) -> &DomainOutcome {
        &diff.base
    }
    fn candidate(diff: &DomainDiff) -> &DomainOutcome {
        &diff.candidate
    }
    let domain = diffs.iter().map(|d| names.map_or_else(|| d.index.to_string(), |names| names[d.index as usize].clone())).collect();
    let columns = vec![
        ("domain".to_string(), Column::Text(domain)),
        ("reloads_base".to_string(), side(base, |o| o.reloads as f64)),
        ("reloads_candidate".to_string(), side(candidate, |o| o.reloads as f64)),
        ("first_reload_base".to_string(), Column::Text(diffs.iter().map(|d| instant_text(d.base.first_reload)).collect())),
        ("first_reload_candidate".to_string(), Column::Text(diffs.iter().map(|d| instant_text(d.candidate.first_reload)).collect())),
        ("reloaded_isc_base".to_string(), side(base, |o| o.reloaded_milli as f64 / 1000.0)),
        ("reloaded_isc_candidate".to_string(), side(candidate, |o| o.reloaded_milli as f64 / 1000.0)),
        ("stop_episodes_base".to_string(), side(base, |o| o.stop_episodes as f64)),
        ("stop_episodes_candidate".to_string(), side(candidate, |o| o.stop_episodes as f64)),
        ("stopped_hours_base".to_string(), side(base, |o| isc_sim::aggregate::tables::hours_of_seconds(o.stopped_seconds))),
        ("stopped_hours_candidate".to_string(), side(candidate, |o| isc_sim::aggregate::tables::hours_of_seconds(o.stopped_seconds))),
    ];
    Table { name: "domain_diff".to_string(), key_columns: 1, columns }
}

fn numbers(table: &Table, name: &str) -> Vec<f64> {
    match table.column(name) {
        Some(Column::Int(values)) => values.iter().map(|&v| v as f64).collect(),
        Some(Column::Float(values)) => values.clone(),
        _ => Vec::new(),
    }
}

/// Per month: each measure's P50 under both rule sets and the P10, P50 and
/// P90 of the per-replication delta (candidate − base).
fn monthly_delta(pairs: &[(isc_sim::runner::ReplicationTables, isc_sim::runner::ReplicationTables)]) -> Table {
    let months = pairs[0].0.monthly.column("month").cloned().expect("the monthly table has months");
    let mut columns = vec![("month".to_string(), months)];
    let rows = pairs[0].0.monthly.rows();
    for measure in MEASURES {
        let base: Vec<Vec<f64>> = pairs.iter().map(|(b, _)| numbers(&b.monthly, measure)).collect();
        let candidate: Vec<Vec<f64>> = pairs.iter().map(|(_, c)| numbers(&c.monthly, measure)).collect();
        let band = |values: Vec<f64>, p: f64| {
            let mut sorted = values;
            sorted.sort_by(f64::total_cmp);
            (percentile(&sorted, p) * 1000.0).round() / 1000.0
        };
        let at = |series: &Vec<Vec<f64>>, row: usize| series.iter().map(|s| s[row]).collect::<Vec<f64>>();
        let delta = |row: usize| base.iter().zip(&candidate).map(|(b, c)| c[row] - b[row]).collect::<Vec<f64>>();
        columns.push((format!("{measure}_base"), Column::Float((0..rows).map(|r| band(at(&base, r), 0.5)).collect())));
        columns.push((format!("{measure}_candidate"), Column::Float((0..rows).map(|r| band(at(&candidate, r), 0.5)).collect())));
        for (suffix, p) in [("p10", 0.1), ("p50", 0.5), ("p90", 0.9)] {
            columns.push((format!("{measure}_delta_{suffix}"), Column::Float((0..rows).map(|r| band(delta(r), p)).collect())));
        }
    }
    Table { name: "monthly_delta".to_string(), key_columns: 1, columns }
}

fn draw_delta_charts(dir: &Path, monthly: &Table) -> Result<()> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)?;
    let months: Vec<String> = match monthly.column("month") {
        Some(Column::Text(values)) => values.clone(),
        _ => Vec::new(),
    };
    let step = (months.len() / 12).max(1);
    for (stem, measure, title, unit) in [
        ("delta_reloaded_isc", "reloaded_isc", "Reloaded iSC per month: candidate − base", "iSC"),
        ("delta_stopped_domain_hours", "stopped_domain_hours", "Stopped domain-hours per month: candidate − base", "hours"),
        ("delta_invoices", "invoices", "Invoices per month: candidate − base", "count"),
    ] {
        let spec = ChartSpec {
            stem,
            title: title.to_string(),
            note: None,
            kind: ChartKind::Lines(LineChart {
                x_label: "Month".to_string(),
                y_label: format!("Difference ({unit})"),
                x_ticks: months.clone(),
                x_step: step,
                bands: vec![BandSeries {
                    label: "P10 to P90".to_string(),
                    color: 0,
                    lower: numbers(monthly, &format!("{measure}_delta_p10")),
                    upper: numbers(monthly, &format!("{measure}_delta_p90")),
                }],
                lines: vec![LineSeries { label: "P50".to_string(), color: 0, values: numbers(monthly, &format!("{measure}_delta_p50")) }],
                limit: Some(("no difference".to_string(), 0.0)),
            }),
        };
        draw::png(&spec, Lang::En, &charts.join(format!("{stem}.png"))).map_err(|m| anyhow::anyhow!(m))?;
        std::fs::write(charts.join(format!("{stem}.svg")), draw::svg(&spec, Lang::En).map_err(|m| anyhow::anyhow!(m))?)?;
    }
    Ok(())
}
