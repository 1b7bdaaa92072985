//! The forecast tables built from a merged tally, and their P10, P50 and P90
//! across Monte Carlo replications. Amounts are iSC with 3 decimals, from
//! exact integer sums rounded once.

use crate::aggregate::tally::{Tally, MINUTES_PER_NIGHT, REJECT_REASONS, STOP_CAUSES};
use crate::credit::Exact;
use crate::event::{RejectReason, StopCause};

#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Text(Vec<String>),
    Int(Vec<i64>),
    Float(Vec<f64>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Text(values) => values.len(),
            Column::Int(values) => values.len(),
            Column::Float(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn number(&self, row: usize) -> Option<f64> {
        match self {
            Column::Text(_) => None,
            Column::Int(values) => Some(values[row] as f64),
            Column::Float(values) => Some(values[row]),
        }
    }

    fn select(&self, rows: &[usize]) -> Column {
        match self {
            Column::Text(values) => Column::Text(rows.iter().map(|&r| values[r].clone()).collect()),
            Column::Int(values) => Column::Int(rows.iter().map(|&r| values[r]).collect()),
            Column::Float(values) => Column::Float(rows.iter().map(|&r| values[r]).collect()),
        }
    }
}

/// A named table of equally long columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: String,
    /// How many leading columns identify a row (dates, partners, …).
    pub key_columns: usize,
    pub columns: Vec<(String, Column)>,
}

impl Table {
    fn new(name: &str, key_columns: usize) -> Table {
        Table { name: name.to_string(), key_columns, columns: Vec::new() }
    }

    fn text(mut self, name: &str, values: Vec<String>) -> Table {
        self.columns.push((name.to_string(), Column::Text(values)));
        self
    }

    fn int(mut self, name: &str, values: Vec<i64>) -> Table {
        self.columns.push((name.to_string(), Column::Int(values)));
        self
    }

    fn float(mut self, name: &str, values: Vec<f64>) -> Table {
        self.columns.push((name.to_string(), Column::Float(values)));
        self
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, column)| column.len())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(column_name, _)| column_name == name).map(|(_, column)| column)
    }

    fn select_rows(&self, rows: &[usize]) -> Table {
        let columns = self.columns.iter().map(|(name, column)| (name.clone(), column.select(rows))).collect();
        Table { name: self.name.clone(), key_columns: self.key_columns, columns }
    }
}

fn prefix_sums<T: Copy + std::ops::AddAssign + Default>(diff: &[T], days: usize) -> Vec<T> {
    let mut running = T::default();
    diff[..days]
        .iter()
        .map(|value| {
            running += *value;
            running
        })
        .collect()
}

fn isc_of_exact(exact: i128, seconds_per_month: i64) -> f64 {
    Exact(exact).round_to_milli(seconds_per_month).as_isc_f64()
}

/// Converts seconds to hours with 3 decimals, rounded once, so that the
/// float is the decimal that CSV prints.
pub fn hours_of_seconds(seconds: i64) -> f64 {
    crate::credit::divide_rounded(seconds as i128 * 1000, 3600) as f64 / 1000.0
}

fn isc_of_milli(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// Per-day series, shared by the daily and monthly tables.
struct DailySeries {
    checks: Vec<i64>,
    offline: Vec<i64>,
    consumed_exact: Vec<i128>,
    stopped_domains: Vec<i64>,
    stopped_seconds: Vec<i64>,
}

fn daily_series(tally: &Tally) -> DailySeries {
    let horizon = &tally.horizon;
    let days = horizon.days;
    let mut checks = vec![0i64; days];
    for night_index in 0..horizon.nights() {
        let night = horizon.night_of_index(night_index);
        let row = &tally.checks_by_night_minute[night_index * MINUTES_PER_NIGHT..(night_index + 1) * MINUTES_PER_NIGHT];
        let before_midnight: u64 = row[..120].iter().map(|&c| c as u64).sum();
        let after_midnight: u64 = row[120..].iter().map(|&c| c as u64).sum();
        if let Some(day) = horizon.day(night) {
            checks[day] += before_midnight as i64;
        }
        if let Some(day) = horizon.day(night.plus_days(1)) {
            checks[day] += after_midnight as i64;
        }
    }
    let full_days = prefix_sums(&tally.consumed_diff, days);
    let consumed_exact = (0..days).map(|d| tally.consumed[d] + full_days[d]).collect();
    let stopped_full = prefix_sums(&tally.stopped_seconds_diff, days);
    let stopped_seconds = (0..days).map(|d| tally.stopped_seconds[d] + stopped_full[d]).collect();
    DailySeries {
        checks,
        offline: prefix_sums(&tally.offline_diff, days),
        consumed_exact,
        stopped_domains: prefix_sums(&tally.stopped_domains_diff, days),
        stopped_seconds,
    }
}

pub fn daily(tally: &Tally) -> Table {
    let horizon = &tally.horizon;
    let days = horizon.days;
    let series = daily_series(tally);
    let spm = tally.seconds_per_month();
    let ints = |values: &[u64]| values.iter().map(|&v| v as i64).collect::<Vec<_>>();
    Table::new("daily", 1)
        .text("date", (0..days).map(|d| horizon.first_date.plus_days(d as i32).to_string()).collect())
        .int("checks", series.checks)
        .int("offline_nights", series.offline)
        .int("reloads", ints(&tally.reloads))
        .float("reloaded_isc", tally.reloaded_milli.iter().map(|&m| isc_of_milli(m)).collect())
        .int("invoices", ints(&tally.invoices))
        .int("alert_emails", ints(&tally.alerts))
        .float("consumed_isc", series.consumed_exact.iter().map(|&e| isc_of_exact(e, spm)).collect())
        .int("manual_loads", ints(&tally.manual_loads))
        .float("manual_loaded_isc", tally.manual_loaded_milli.iter().map(|&m| isc_of_milli(m)).collect())
        .int("stopped_domains", series.stopped_domains)
        .float("stopped_domain_hours", series.stopped_seconds.iter().map(|&s| hours_of_seconds(s)).collect())
}

pub fn monthly(tally: &Tally) -> Table {
    let horizon = &tally.horizon;
    let months = horizon.months();
    let series = daily_series(tally);
    let spm = tally.seconds_per_month();
    let sum_i64 = |values: &[i64]| -> Vec<i64> {
        let mut out = vec![0i64; months];
        for (day, value) in values.iter().enumerate() {
            out[horizon.month_of_day[day] as usize] += value;
        }
        out
    };
    let sum_u64 = |values: &[u64]| sum_i64(&values.iter().map(|&v| v as i64).collect::<Vec<_>>());
    let mut consumed = vec![0i128; months];
    for (day, value) in series.consumed_exact.iter().enumerate() {
        consumed[horizon.month_of_day[day] as usize] += value;
    }
    let stop_episodes: Vec<i64> = (0..months)
        .map(|month| (0..STOP_CAUSES.len()).map(|cause| tally.stop_episodes_by_cause_month[cause * months + month] as i64).sum())
        .collect();
    let active = prefix_sums(&tally.active_contracts_diff, months);
    let ints = |values: &[u64]| values.iter().map(|&v| v as i64).collect::<Vec<_>>();
    let months_text = (0..months)
        .map(|m| {
            let (year, month) = horizon.month_starts[m].year_month();
            format!("{year:04}-{month:02}")
        })
        .collect();
    let mut table = Table::new("monthly", 1)
        .text("month", months_text)
        .int("checks", sum_i64(&series.checks))
        .int("offline_nights", sum_i64(&series.offline))
        .int("reloads", sum_u64(&tally.reloads))
        .float("reloaded_isc", sum_i64(&tally.reloaded_milli).iter().map(|&m| isc_of_milli(m)).collect())
        .int("invoices", sum_u64(&tally.invoices))
        .int("alert_emails", sum_u64(&tally.alerts))
        .float("consumed_isc", consumed.iter().map(|&e| isc_of_exact(e, spm)).collect())
        .int("manual_loads", sum_u64(&tally.manual_loads))
        .float("manual_loaded_isc", sum_i64(&tally.manual_loaded_milli).iter().map(|&m| isc_of_milli(m)).collect())
        .int("stop_episodes", stop_episodes)
        .float("stopped_domain_hours", sum_i64(&series.stopped_seconds).iter().map(|&s| hours_of_seconds(s)).collect());
    for (cause_number, cause) in STOP_CAUSES.iter().enumerate() {
        let hours = (0..months)
            .map(|month| hours_of_seconds(tally.stopped_seconds_by_cause_month[cause_number * months + month]))
            .collect();
        table = table.float(&format!("stopped_hours_{}", cause_name(*cause)), hours);
    }
    table
        .float("balance_outstanding_isc", tally.month_end_balance.iter().map(|&e| isc_of_exact(e, spm)).collect())
        .int("active_contracts", active)
        .int("new_contracts", ints(&tally.contracts_new))
        .int("ineffective_contracts", ints(&tally.contracts_ineffective))
        .int("ended_contracts", ints(&tally.contracts_ended))
        .int("cancelled_contracts", ints(&tally.contracts_cancelled))
        .int("rejected_orders", ints(&tally.contracts_rejected))
}

/// Per invoicing partner and month: invoices, reloaded iSC and the peak
/// invoices on one day; every partner and month, zeros included.
pub fn partners(tally: &Tally) -> Table {
    let horizon = &tally.horizon;
    let (days, months) = (horizon.days, horizon.months());
    let mut kinds = Vec::new();
    let mut ids = Vec::new();
    let mut month_names = Vec::new();
    let mut invoices = Vec::new();
    let mut reloaded = Vec::new();
    let mut peaks = Vec::new();
    for partner in 0..tally.partners() {
        let (kind, id) = if partner < tally.resellers() {
            ("reseller", partner)
        } else {
            ("distributor", partner - tally.resellers())
        };
        let daily = &tally.partner_invoices_daily[partner * days..(partner + 1) * days];
        for month in 0..months {
            let first = (horizon.month_starts[month].0 - horizon.first_date.0) as usize;
            let last = (horizon.month_starts[month + 1].0 - horizon.first_date.0) as usize;
            let slice = &daily[first..last];
            kinds.push(kind.to_string());
            ids.push(id as i64);
            let (year, month_number) = horizon.month_starts[month].year_month();
            month_names.push(format!("{year:04}-{month_number:02}"));
            invoices.push(slice.iter().map(|&c| c as i64).sum());
            reloaded.push(isc_of_milli(tally.partner_reloaded_monthly[partner * months + month]));
            peaks.push(slice.iter().copied().max().unwrap_or(0) as i64);
        }
    }
    Table::new("partners", 3)
        .text("partner_kind", kinds)
        .int("partner_id", ids)
        .text("month", month_names)
        .int("invoices", invoices)
        .float("reloaded_isc", reloaded)
        .int("peak_invoices_per_day", peaks)
}

/// Checks per minute of the night window: the mean over the horizon's
/// complete nights and the peak night.
pub fn check_load(tally: &Tally) -> Table {
    let horizon = &tally.horizon;
    // Nights from the first day to the day before the last: the last
    // night's checks after midnight fall after the horizon.
    let nights: Vec<usize> = (1..horizon.nights() - 1).collect();
    let mut minutes = Vec::new();
    let mut times = Vec::new();
    let mut means = Vec::new();
    let mut peaks = Vec::new();
    let mut peak_nights = Vec::new();
    for minute in 0..MINUTES_PER_NIGHT {
        let counts = nights.iter().map(|&night| tally.checks_by_night_minute[night * MINUTES_PER_NIGHT + minute] as u64);
        let total: u64 = counts.clone().sum();
        let (peak_night, peak) = nights
            .iter()
            .map(|&night| (night, tally.checks_by_night_minute[night * MINUTES_PER_NIGHT + minute]))
            .fold((nights[0], 0u32), |best, item| if item.1 > best.1 { item } else { best });
        minutes.push(minute as i64);
        times.push(format!("{:02}:{:02}", (22 + minute / 60) % 24, minute % 60));
        means.push(total as f64 / nights.len().max(1) as f64);
        peaks.push(peak as i64);
        peak_nights.push(horizon.night_of_index(peak_night).to_string());
    }
    Table::new("check_load", 2)
        .int("minute", minutes)
        .text("time_utc", times)
        .float("mean_checks", means)
        .int("peak_checks", peaks)
        .text("peak_night", peak_nights)
}

pub fn cause_name(cause: StopCause) -> &'static str {
    match cause {
        StopCause::NoContract => "no_contract",
        StopCause::RejectedOrder => "rejected_order",
        StopCause::AwaitingAcceptance => "awaiting_acceptance",
        StopCause::ContractEnded => "contract_ended",
        StopCause::ContractCancelled => "contract_cancelled",
        StopCause::OutdatedDevicesApp => "outdated_devices_app",
        StopCause::OfflineNights => "offline_nights",
        StopCause::ThresholdTooShort => "threshold_too_short",
    }
}

pub fn reason_name(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::RentalNotAccepted => "rental_not_accepted",
        RejectReason::InsufficientBalance => "insufficient_balance",
        RejectReason::ContractAlreadyActive => "contract_already_active",
    }
}

/// Contract outcomes and stop episodes by cause over the horizon.
pub fn outcomes(tally: &Tally) -> Table {
    let months = tally.horizon.months();
    let mut categories = Vec::new();
    let mut names = Vec::new();
    let mut counts = Vec::new();
    let mut hours = Vec::new();
    let mut row = |category: &str, name: &str, count: i64, stopped_hours: f64| {
        categories.push(category.to_string());
        names.push(name.to_string());
        counts.push(count);
        hours.push(stopped_hours);
    };
    let total = |values: &[u64]| values.iter().sum::<u64>() as i64;
    row("domains", "simulated", tally.domains as i64, 0.0);
    row("domains", "stopped_at_least_once", tally.domains_stopped as i64, 0.0);
    row("contracts", "accepted", total(&tally.contracts_new), 0.0);
    row("contracts", "accepted_ineffective", total(&tally.contracts_ineffective), 0.0);
    row("contracts", "ended", total(&tally.contracts_ended), 0.0);
    row("contracts", "cancelled", total(&tally.contracts_cancelled), 0.0);
    let active_at_end: i64 = tally.active_contracts_diff[..months].iter().sum();
    row("contracts", "active_at_end", active_at_end, 0.0);
    for (index, reason) in REJECT_REASONS.iter().enumerate() {
        row("rejected_orders", reason_name(*reason), tally.rejected_by_reason[index] as i64, 0.0);
    }
    for (index, cause) in STOP_CAUSES.iter().enumerate() {
        let episodes: u64 = tally.stop_episodes_by_cause_month[index * months..(index + 1) * months].iter().sum();
        let seconds: i64 = tally.stopped_seconds_by_cause_month[index * months..(index + 1) * months].iter().sum();
        row("stops", cause_name(*cause), episodes as i64, hours_of_seconds(seconds));
    }
    Table::new("outcomes", 2)
        .text("category", categories)
        .text("outcome", names)
        .int("count", counts)
        .float("stopped_domain_hours", hours)
}

/// Stacks every replication's rows into one table with a leading `replication` column.
pub fn stacked(tables: &[Table]) -> Table {
    let first = &tables[0];
    let mut replication = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        replication.extend(std::iter::repeat_n(index as i64, table.rows()));
    }
    let mut columns = vec![("replication".to_string(), Column::Int(replication))];
    for (position, (name, column)) in first.columns.iter().enumerate() {
        let merged = match column {
            Column::Text(_) => Column::Text(tables.iter().flat_map(|t| text_values(&t.columns[position].1)).collect()),
            Column::Int(_) => Column::Int(tables.iter().flat_map(|t| int_values(&t.columns[position].1)).collect()),
            Column::Float(_) => Column::Float(tables.iter().flat_map(|t| float_values(&t.columns[position].1)).collect()),
        };
        columns.push((name.clone(), merged));
    }
    Table { name: first.name.clone(), key_columns: first.key_columns + 1, columns }
}

fn text_values(column: &Column) -> Vec<String> {
    match column {
        Column::Text(values) => values.clone(),
        _ => unreachable!("replications share the column types"),
    }
}

fn int_values(column: &Column) -> Vec<i64> {
    match column {
        Column::Int(values) => values.clone(),
        _ => unreachable!("replications share the column types"),
    }
}

fn float_values(column: &Column) -> Vec<f64> {
    match column {
        Column::Float(values) => values.clone(),
        _ => unreachable!("replications share the column types"),
    }
}

/// The P-th percentile with linear interpolation between order statistics
/// (Hyndman and Fan's type 7, the default of R and NumPy).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.len() == 1 {
        return sorted[0];
    }
    let position = p * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (position - low as f64) * (sorted[high] - sorted[low])
}

/// Key columns of the first replication, then P10, P50 and P90 of every
/// numeric column across replications (same rows in the same order).
pub fn percentiles(tables: &[Table]) -> Table {
    let first = &tables[0];
    let mut columns: Vec<(String, Column)> = first.columns[..first.key_columns].to_vec();
    for (position, (name, _)) in first.columns.iter().enumerate().skip(first.key_columns) {
        let mut bands = [Vec::new(), Vec::new(), Vec::new()];
        for row in 0..first.rows() {
            let mut values: Vec<f64> =
                tables.iter().map(|t| t.columns[position].1.number(row).expect("numeric column")).collect();
            values.sort_by(f64::total_cmp);
            for (band, p) in bands.iter_mut().zip([0.1, 0.5, 0.9]) {
                band.push((percentile(&values, p) * 1000.0).round() / 1000.0);
            }
        }
        for (band, suffix) in bands.into_iter().zip(["p10", "p50", "p90"]) {
            columns.push((format!("{name}_{suffix}"), Column::Float(band)));
        }
    }
    Table { name: first.name.clone(), key_columns: first.key_columns, columns }
}

/// Keeps the rows of a partner table with any invoice in any replication.
pub fn drop_idle_partner_rows(table: &Table, replications: &[Table]) -> Table {
    let rows: Vec<usize> = (0..table.rows())
        .filter(|&row| {
            replications.iter().any(|t| t.column("invoices").and_then(|c| c.number(row)).unwrap_or(0.0) > 0.0)
        })
        .collect();
    table.select_rows(&rows)
}

/// Invoices per day of the `top` invoicing partners with the most invoices
/// over the horizon (ties to the lower partner number), every day of the
/// horizon with zeros included, busiest partner first. Partners without
/// any invoice are left out.
pub fn partner_daily(tally: &Tally, top: usize) -> Table {
    let horizon = &tally.horizon;
    let days = horizon.days;
    let mut ranked: Vec<(usize, u64)> = (0..tally.partners())
        .map(|partner| {
            let daily = &tally.partner_invoices_daily[partner * days..(partner + 1) * days];
            (partner, daily.iter().map(|&c| c as u64).sum())
        })
        .filter(|&(_, total)| total > 0)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(top);
    let mut kinds = Vec::new();
    let mut ids = Vec::new();
    let mut dates = Vec::new();
    let mut invoices = Vec::new();
    for (partner, _) in ranked {
        let (kind, id) = if partner < tally.resellers() {
            ("reseller", partner)
        } else {
            ("distributor", partner - tally.resellers())
        };
        let daily = &tally.partner_invoices_daily[partner * days..(partner + 1) * days];
        for (day, &count) in daily.iter().enumerate() {
            kinds.push(kind.to_string());
            ids.push(id as i64);
            dates.push(horizon.first_date.plus_days(day as i32).to_string());
            invoices.push(count as i64);
        }
    }
    Table::new("partner_daily", 3)
        .text("partner_kind", kinds)
        .int("partner_id", ids)
        .text("date", dates)
        .int("invoices", invoices)
}

/// The pathology detectors: domains with a burst of reloads, reloads after
/// which the remaining operating time is still at or below the threshold,
/// stops while an Auto-iSC contract was active, and partner-days whose
/// invoices exceed the capacity (when one is set), each with a count and
/// the earliest examples. `name_of` turns a domain key into its id.
pub fn pathologies(tally: &Tally, partner_capacity: u32, name_of: &dyn Fn(u64) -> String) -> Table {
    use crate::aggregate::tally::DETECTORS;
    let settings = tally.detector_settings;
    let mut detectors: Vec<String> = Vec::new();
    let mut descriptions: Vec<String> = Vec::new();
    let mut counts: Vec<i64> = Vec::new();
    let mut examples: Vec<String> = Vec::new();
    let what = [
        format!("domains with {} or more reloads within {} days", settings.reload_count, settings.reload_window_seconds / 86_400),
        "reloads after which the remaining operating time is still at or below the threshold".to_string(),
        "stops while an Auto-iSC contract was active".to_string(),
    ];
    for (index, name) in DETECTORS.iter().enumerate() {
        detectors.push(name.to_string());
        descriptions.push(what[index].clone());
        counts.push(tally.findings.counts[index] as i64);
        let listed: Vec<String> =
            tally.findings.examples[index].iter().map(|(at, key)| format!("domain {} at {at}", name_of(*key))).collect();
        examples.push(listed.join("; "));
    }

    detectors.push("partner_days_over_capacity".to_string());
    let days = tally.horizon.days;
    if partner_capacity == 0 {
        descriptions.push("partner-days over capacity: not checked, capacity.partner_invoices_per_day is not set".to_string());
        counts.push(0);
        examples.push(String::new());
    } else {
        descriptions.push(format!("partner-days with more than {partner_capacity} invoices"));
        let mut over: Vec<(usize, usize, u32)> = Vec::new();
        for partner in 0..tally.partners() {
            for day in 0..days {
                let invoices = tally.partner_invoices_daily[partner * days + day];
                if invoices > partner_capacity {
                    over.push((day, partner, invoices));
                }
            }
        }
        counts.push(over.len() as i64);
        over.sort();
        let listed: Vec<String> = over
            .iter()
            .take(settings.examples)
            .map(|(day, partner, invoices)| {
                let (kind, id) = if *partner < tally.resellers() {
                    ("reseller", *partner)
                } else {
                    ("distributor", partner - tally.resellers())
                };
                format!("{kind} {id} on {}: {invoices} invoices", tally.horizon.first_date.plus_days(*day as i32))
            })
            .collect();
        examples.push(listed.join("; "));
    }
    Table::new("pathologies", 1)
        .text("detector", detectors)
        .text("description", descriptions)
        .int("count", counts)
        .text("first_examples", examples)
}

/// Adds a `partner_name` column after `partner_id` to a table that has
/// `partner_kind` and `partner_id`; other tables come back unchanged.
pub fn with_partner_names(table: Table, name_of: &dyn Fn(&str, i64) -> String) -> Table {
    let (Some(Column::Text(kinds)), Some(Column::Int(ids))) = (table.column("partner_kind"), table.column("partner_id")) else {
        return table;
    };
    let names: Vec<String> = kinds.iter().zip(ids).map(|(kind, id)| name_of(kind, *id)).collect();
    let position = table.columns.iter().position(|(name, _)| name == "partner_id").expect("checked above") + 1;
    let mut table = table;
    table.columns.insert(position, ("partner_name".to_string(), Column::Text(names)));
    if table.key_columns >= position {
        table.key_columns += 1;
    }
    table
}
