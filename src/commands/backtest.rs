//! `isc-sim backtest`: simulated reloads matched to an observed reload log,
//! with matched, missed and extra reloads, timing and amount errors, and the
//! domains that disagree most.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result};
use isc_sim::aggregate::tables::{percentile, Column, Table};
use isc_sim::backtest::{match_domain, Match, ReloadRecord};
use isc_sim::calendar::{Instant, WorkingCalendar};
use isc_sim::credit::Milli;
use isc_sim::input::table::{collect_rows, Columns, Problems};
use isc_sim::output::{write_table, StagedDir};
use serde_json::json;

use crate::cli::BacktestArgs;
use crate::commands::{invalid, prepare};

/// Domains listed in the summary as disagreeing most.
const WORST_DOMAINS: usize = 20;

/// Writes reloads as `domain_id,at,amount_isc`, to a temporary name renamed at the end.
pub fn write_reload_log(path: &Path, reloads: &[ReloadRecord], id_of: impl Fn(u64) -> String) -> Result<()> {
    let partial = path.with_extension("csv.partial");
    let mut writer = csv::Writer::from_path(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    writer.write_record(["domain_id", "at", "amount_isc"])?;
    for reload in reloads {
        writer.write_record([id_of(reload.domain), reload.at.to_string(), reload.amount.to_string()])?;
    }
    writer.flush()?;
    drop(writer);
    std::fs::rename(&partial, path).with_context(|| format!("cannot move the reload log to {}", path.display()))?;
    Ok(())
}

/// Reads the observed log, mapping domain ids to indices; every problem is reported.
fn read_observed(path: &Path, index_of: &HashMap<String, u64>) -> Result<Vec<ReloadRecord>> {
    let file = path.display().to_string();
    let mut problems = Problems::new(&file);
    let columns = Columns { required: &["domain_id", "at", "amount_isc"], optional: &[] };
    let rows = collect_rows(path, &columns, &mut problems, |cells| {
        let id = cells[0].text().ok_or(("domain_id", "missing; expected a domain id".to_string()))?;
        let domain = *index_of.get(&id).ok_or(("domain_id", "unknown domain; expected a domain of the scenario".to_string()))?;
        let at = cells[1]
            .as_str()
            .and_then(Instant::parse)
            .ok_or(("at", "expected a date like 2024-02-01 or an RFC 3339 instant like 2024-02-01T22:30:00Z".to_string()))?;
        let amount = cells[2]
            .as_str()
            .and_then(Milli::parse_isc)
            .filter(|m| m.0 >= 0)
            .ok_or(("amount_isc", "expected iSC, 0 or more, with at most 3 decimals".to_string()))?;
        Ok(ReloadRecord { domain, at, amount })
    });
    if !problems.list.is_empty() {
        let lines: Vec<String> = problems.list.iter().map(ToString::to_string).collect();
        return Err(invalid(lines.join("\n")));
    }
    let mut observed: Vec<ReloadRecord> = rows.into_iter().map(|(_, row)| row).collect();
    observed.sort();
    Ok(observed)
}

fn quantiles(values: &mut [f64]) -> serde_json::Value {
    if values.is_empty() {
        return json!(null);
    }
    values.sort_by(f64::total_cmp);
    let mean_abs = values.iter().map(|v| v.abs()).sum::<f64>() / values.len() as f64;
    json!({
        "p10": percentile(values, 0.1), "p50": percentile(values, 0.5), "p90": percentile(values, 0.9),
        "min": values[0], "max": values[values.len() - 1], "mean_absolute": mean_abs,
    })
}

pub fn execute(args: BacktestArgs) -> Result<()> {
    let prepared = prepare(Some(&args.scenario), args.domains, None)?;
    let scenario = &prepared.scenario;
    let domains = scenario.population.domains;
    let index_of: HashMap<String, u64> = (0..domains).map(|index| (prepared.domain_id(index), index)).collect();
    let observed = read_observed(&args.observed, &index_of)?;
    if let Some(out) = &args.out {
        isc_sim::output::check_target(out).map_err(invalid)?;
    }

    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = isc_sim::runner::Run {
        scenario,
        prices: &prepared.prices,
        calendar: &calendar,
        replications: 1,
        replay: prepared.replay.as_ref().map(|input| &input.list),
        progress: &progress,
    };
    let simulated = run.reloads().map_err(|m| anyhow::anyhow!("the simulation failed: {m}"))?;

    let tolerance = args.tolerance_hours as i64 * 3600;
    let mut matches = Vec::new();
    let (mut observed_at, mut simulated_at) = (0, 0);
    for domain in 0..domains {
        let observed_end = observed_at + observed[observed_at..].partition_point(|r| r.domain == domain);
        let simulated_end = simulated_at + simulated[simulated_at..].partition_point(|r| r.domain == domain);
        matches.extend(match_domain(&observed[observed_at..observed_end], &simulated[simulated_at..simulated_end], tolerance));
        (observed_at, simulated_at) = (observed_end, simulated_end);
    }

    let (mut matched, mut missed, mut extra) = (0u64, 0u64, 0u64);
    let mut timing_hours = Vec::new();
    let mut amount_errors = Vec::new();
    let mut disagreement: HashMap<u64, (u64, u64, u64, i64)> = HashMap::new();
    let mut rows: (Vec<String>, Vec<String>, Vec<String>, Vec<String>, Vec<f64>, Vec<f64>) = Default::default();
    for entry in &matches {
        let (domain, status, observed_at, simulated_at, observed_isc, simulated_isc) = match entry {
            Match::Matched { observed, simulated } => {
                matched += 1;
                timing_hours.push((simulated.at.0 - observed.at.0) as f64 / 3600.0);
                amount_errors.push((simulated.amount.0 - observed.amount.0) as f64 / 1000.0);
                let slot = disagreement.entry(observed.domain).or_default();
                slot.0 += 1;
                slot.3 += (simulated.amount.0 - observed.amount.0).abs();
                (observed.domain, "matched", observed.at.to_string(), simulated.at.to_string(), observed.amount, simulated.amount)
            }
            Match::Missed(observed) => {
                missed += 1;
                disagreement.entry(observed.domain).or_default().1 += 1;
                (observed.domain, "missed", observed.at.to_string(), String::new(), observed.amount, Milli(0))
            }
            Match::Extra(simulated) => {
                extra += 1;
                disagreement.entry(simulated.domain).or_default().2 += 1;
                (simulated.domain, "extra", String::new(), simulated.at.to_string(), Milli(0), simulated.amount)
            }
        };
        rows.0.push(prepared.domain_id(domain));
        rows.1.push(status.to_string());
        rows.2.push(observed_at);
        rows.3.push(simulated_at);
        rows.4.push(observed_isc.as_isc_f64());
        rows.5.push(simulated_isc.as_isc_f64());
    }
    let table = Table {
        name: "backtest_matches".to_string(),
        key_columns: 1,
        columns: vec![
            ("domain".to_string(), Column::Text(rows.0)),
            ("status".to_string(), Column::Text(rows.1)),
            ("observed_at".to_string(), Column::Text(rows.2)),
            ("simulated_at".to_string(), Column::Text(rows.3)),
            ("observed_isc".to_string(), Column::Float(rows.4)),
            ("simulated_isc".to_string(), Column::Float(rows.5)),
        ],
    };
    let mut worst: Vec<(u64, (u64, u64, u64, i64))> =
        disagreement.into_iter().filter(|(_, (_, missed, extra, error))| missed + extra > 0 || *error > 0).collect();
    worst.sort_by_key(|(domain, (_, missed, extra, error))| (std::cmp::Reverse(missed + extra), std::cmp::Reverse(*error), *domain));
    worst.truncate(WORST_DOMAINS);
    let worst_json: Vec<serde_json::Value> = worst
        .iter()
        .map(|(domain, (matched, missed, extra, error))| {
            json!({ "domain": prepared.domain_id(*domain), "matched": matched, "missed": missed, "extra": extra, "absolute_amount_error_isc": *error as f64 / 1000.0 })
        })
        .collect();
    let total_observed = matched + missed;
    let summary = json!({
        "observed": total_observed,
        "simulated": matched + extra,
        "matched": matched,
        "missed": missed,
        "extra": extra,
        "matched_share_of_observed": if total_observed > 0 { matched as f64 / total_observed as f64 } else { 1.0 },
        "tolerance_hours": args.tolerance_hours,
        "timing_error_hours": quantiles(&mut timing_hours),
        "amount_error_isc": quantiles(&mut amount_errors),
        "domains_disagreeing_most": worst_json,
    });

    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-backtest", scenario.name)));
    isc_sim::output::check_target(&out_dir).map_err(invalid)?;
    let staged = StagedDir::new(&out_dir)?;
    write_table(staged.path(), &table)?;
    std::fs::write(staged.path().join("summary.json"), serde_json::to_string_pretty(&summary)? + "\n")?;
    let written = staged.commit()?;
    let share = if total_observed > 0 { 100.0 * matched as f64 / total_observed as f64 } else { 100.0 };
    println!("{}: {} observed and {} simulated reloads", prepared.origin, total_observed, matched + extra);
    println!("  matched {matched} ({share:.1} % of observed), missed {missed}, extra {extra}, tolerance ±{} h", args.tolerance_hours);
    println!("Written to {}", written.display());
    Ok(())
}
