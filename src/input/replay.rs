//! Replay inputs: the history files a scenario names, read, validated
//! across files and turned into domains for the engine. Every problem is
//! collected (up to the cap per file) before the run gives up, so one run
//! of `isc-sim validate` lists them all.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, Instant};
use crate::credit::Milli;
use crate::devices_app::DevicesAppVersion;
use crate::domain::{BalanceLoad, ConcludedBy, ContractOrder, Deployment, Domain, LoadKind, Outage, Rental};
use crate::input::pricing::{read_price_list, PriceList, EMBEDDED_PRICES_CSV};
use crate::input::table::{collect_rows, Cell, Columns, Location, Problems};
use crate::input::{InputErrors, Problem};
use crate::random::mix64;
use crate::rules::Threshold;
use crate::runner::DomainList;

/// Handling of two rows with the same key.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// A duplicate is an error naming both lines.
    #[default]
    Error,
    /// The later row replaces the earlier one.
    LastRowWins,
}

/// The `[replay]` section of a scenario: file paths relative to the scenario file.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    pub domains: String,
    pub license_changes: String,
    #[serde(default)]
    pub prices: String,
    #[serde(default)]
    pub contracts: String,
    #[serde(default)]
    pub balance_events: String,
    #[serde(default)]
    pub connectivity: String,
    #[serde(default)]
    pub devices_app_changes: String,
    #[serde(default)]
    pub observed_reloads: String,
    #[serde(default)]
    pub duplicates: DuplicatePolicy,
}

/// A reload from the observed log, for backtests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedReload {
    pub domain: usize,
    pub at: Instant,
    pub amount: Milli,
}

/// The domains read from history, with the names behind their indices.
#[derive(Debug)]
pub struct ReplayInput {
    pub list: DomainList,
    /// Domain ids in the order of `list.domains`.
    pub domain_ids: Vec<String>,
    pub reseller_ids: Vec<String>,
    pub distributor_ids: Vec<String>,
    pub prices: PriceList,
    pub observed_reloads: Vec<ObservedReload>,
    /// Each file read, with its path as given and its bytes' SHA-256.
    pub files: Vec<(String, String)>,
    pub license_rows: u64,
}

/// FNV-1a for the id look-up table: millions of short ids are looked up
/// once per input row, and the standard library's SipHash, built to resist
/// crafted keys, costs several times more per id.
#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= *byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FnvHasher>>;

/// A stable key for a domain id, so that its random streams depend on its
/// id alone, not on its position in the files (FNV-1a, then SplitMix64).
pub fn domain_key(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.as_bytes() {
        hash ^= *byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(hash)
}

const INSTANT_EXPECTED: &str = "expected a date like 2024-02-01 or an RFC 3339 instant like 2024-02-01T22:30:00Z";

fn instant(cell: &Cell) -> Result<Instant, String> {
    match cell {
        Cell::Text(text) if !text.trim().is_empty() => Instant::parse(text).ok_or_else(|| INSTANT_EXPECTED.to_string()),
        Cell::Text(_) | Cell::Missing => Err(format!("missing; {INSTANT_EXPECTED}")),
        _ => Err(INSTANT_EXPECTED.to_string()),
    }
}

fn optional_instant(cell: &Cell) -> Result<Option<Instant>, String> {
    if cell.text().is_none() { Ok(None) } else { instant(cell).map(Some) }
}

fn date(cell: &Cell) -> Result<Date, String> {
    let expected = "expected a date like 2024-02-01";
    match cell {
        Cell::Text(text) if !text.trim().is_empty() => Date::parse(text).ok_or_else(|| expected.to_string()),
        Cell::Text(_) | Cell::Missing => Err(format!("missing; {expected}")),
        _ => Err(expected.to_string()),
    }
}

/// The largest license count a row may give; larger counts are input errors
/// (and would overflow the rate in milli-iSC per month).
pub const MAX_LICENSES: u64 = 10_000_000;

fn licenses(cell: &Cell) -> Result<u64, String> {
    let value = count(cell)?;
    if value > MAX_LICENSES {
        return Err(format!("too large; expected at most {MAX_LICENSES} licenses"));
    }
    Ok(value)
}

fn count(cell: &Cell) -> Result<u64, String> {
    let expected = "expected a whole number, 0 or more";
    match cell {
        Cell::Int(value) if *value >= 0 => Ok(*value as u64),
        Cell::Int(_) => Err(format!("negative; {expected}")),
        Cell::Text(text) => {
            let text = text.trim();
            if text.starts_with('-') && text[1..].parse::<u64>().is_ok() {
                return Err(format!("negative; {expected}"));
            }
            if text.is_empty() {
                return Err(format!("missing; {expected}"));
            }
            text.parse().map_err(|_| expected.to_string())
        }
        Cell::Float(value) if value.fract() == 0.0 && *value >= 0.0 => Ok(*value as u64),
        _ => Err(expected.to_string()),
    }
}

fn amount(cell: &Cell) -> Result<Milli, String> {
    let expected = "expected iSC, 0 or more, with at most 3 decimals, like 153.611";
    let parsed = match cell {
        Cell::Text(text) => Milli::parse_isc(text),
        Cell::Int(value) => value.checked_mul(1000).map(Milli),
        Cell::Float(value) => {
            let milli = (value * 1000.0).round();
            ((value * 1000.0 - milli).abs() < 1e-6).then_some(Milli(milli as i64))
        }
        Cell::Missing => None,
    };
    match parsed {
        Some(milli) if milli.0 > 1_000_000_000_000_000 => Err("too large; expected at most 1,000,000,000,000 iSC".to_string()),
        Some(milli) if milli.0 >= 0 => Ok(milli),
        Some(_) => Err(format!("negative; {expected}")),
        None => Err(expected.to_string()),
    }
}

fn text(cell: &Cell, what: &str) -> Result<String, String> {
    cell.text().ok_or_else(|| format!("missing; expected {what}"))
}

/// Reads one file with the given columns; `parse` turns a row's cells into a record.
fn read<T>(
    base: &Path,
    path: &str,
    columns: Columns,
    problems: &mut Vec<Problem>,
    files: &mut Vec<(String, String)>,
    mut parse: impl FnMut(&[Cell]) -> Result<T, (&'static str, String)>,
) -> Vec<(Location, T)> {
    let full_path: PathBuf = base.join(path);
    let mut file_problems = Problems::new(path);
    if let Ok(bytes) = std::fs::read(&full_path) {
        files.push((path.to_string(), crate::output::sha256_hex(&bytes)));
    }
    let rows = collect_rows(&full_path, &columns, &mut file_problems, |cells| parse(cells));
    problems.extend(file_problems.list);
    rows
}

fn shown(location: Location) -> String {
    match location {
        Location::Line(line) => format!("line {line}"),
        Location::ParquetRow(row) => format!("Parquet row {row}"),
    }
}

fn location_problem(file: &str, location: Location, column: &str, value: String, message: String) -> Problem {
    let (line, message) = match location {
        Location::Line(line) => (Some(line), message),
        Location::ParquetRow(row) => (None, format!("{message} (Parquet row {row})")),
    };
    Problem { file: file.to_string(), line, column: Some(column.to_string()), value: Some(value), message }
}

/// Sorts rows by key (input order among equal keys) and resolves duplicates
/// by the policy; each duplicate under `Error` becomes a problem.
fn sort_and_resolve<K: Ord, T>(
    file: &str,
    rows: &mut Vec<(Location, T)>,
    key: impl Fn(&T) -> K,
    describe: impl Fn(&T) -> String,
    policy: DuplicatePolicy,
    problems: &mut Vec<Problem>,
) {
    // Locations are unique, so an unstable sort keeps input order among
    // equal keys and needs no scratch memory.
    rows.sort_unstable_by(|a, b| key(&a.1).cmp(&key(&b.1)).then(a.0.cmp(&b.0)));
    // Compacts in place: `kept` rows stand before `next`, so large files
    // need no second copy.
    let mut kept = 0;
    let mut reported = 0;
    for next in 0..rows.len() {
        let duplicate = kept > 0 && key(&rows[kept - 1].1) == key(&rows[next].1);
        if !duplicate {
            rows.swap(kept, next);
            kept += 1;
            continue;
        }
        match policy {
            DuplicatePolicy::LastRowWins => rows.swap(kept - 1, next),
            DuplicatePolicy::Error => {
                if reported < crate::input::MAX_PROBLEMS {
                    let first = shown(rows[kept - 1].0);
                    let message = format!("duplicate of {first}; set duplicates = \"last_row_wins\" in [replay] to keep the later row");
                    problems.push(location_problem(file, rows[next].0, "row", describe(&rows[next].1), message));
                    reported += 1;
                }
            }
        }
    }
    rows.truncate(kept);
}

/// A sort key for a domain id that needs no allocation: the first 16 bytes
/// and the length, then, for longer ids, a 64-bit hash of the whole id. The
/// order depends on the ids alone, but is not alphabetical past 16 bytes.
fn domain_sort_key(id: &str) -> ([u8; 16], usize, u64) {
    let mut prefix = [0u8; 16];
    let bytes = id.as_bytes();
    let length = bytes.len().min(16);
    prefix[..length].copy_from_slice(&bytes[..length]);
    let rest = if bytes.len() > 16 { domain_key(id) } else { 0 };
    (prefix, bytes.len(), rest)
}

struct DomainRow {
    id: String,
    deployment: Deployment,
    reseller: String,
    distributor: String,
    rental_start: Instant,
    rental_end: Option<Instant>,
    devices_app: DevicesAppVersion,
    invoice_reference: Option<String>,
}

/// Reads and validates every replay file and builds the domains.
pub fn load(config: &ReplayConfig, base: &Path) -> Result<ReplayInput, InputErrors> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let policy = config.duplicates;

    let prices = if config.prices.is_empty() {
        read_price_list("embedded data/prices.csv", EMBEDDED_PRICES_CSV.as_bytes()).expect("the embedded price list is valid")
    } else {
        let path = base.join(&config.prices);
        match std::fs::read(&path) {
            Ok(bytes) => {
                files.push((config.prices.clone(), crate::output::sha256_hex(&bytes)));
                read_price_list(&config.prices, &bytes).unwrap_or_else(|list| {
                    problems.extend(list);
                    PriceList::default()
                })
            }
            Err(error) => {
                problems.push(Problem { file: config.prices.clone(), line: None, column: None, value: None, message: format!("cannot read the file: {error}") });
                PriceList::default()
            }
        }
    };

    // Domains.
    let columns = Columns {
        required: &["domain_id", "deployment", "reseller_id", "distributor_id", "rental_start", "devices_app"],
        optional: &["rental_end", "invoice_reference"],
    };
    let mut domain_rows = read(base, &config.domains, columns, &mut problems, &mut files, |cells| {
        let id = text(&cells[0], "a domain id").map_err(|m| ("domain_id", m))?;
        let deployment = match cells[1].text().as_deref() {
            Some("on_premises") => Deployment::OnPremises,
            Some("cloud") => Deployment::Cloud,
            _ => return Err(("deployment", "expected on_premises or cloud".to_string())),
        };
        let reseller = text(&cells[2], "a reseller id").map_err(|m| ("reseller_id", m))?;
        let distributor = text(&cells[3], "a distributor id").map_err(|m| ("distributor_id", m))?;
        let rental_start = instant(&cells[4]).map_err(|m| ("rental_start", m))?;
        let devices_app = text(&cells[5], "a version like 13r1 SR28")
            .and_then(|v| v.parse::<DevicesAppVersion>())
            .map_err(|m| ("devices_app", m))?;
        let rental_end = optional_instant(&cells[6]).map_err(|m| ("rental_end", m))?;
        if rental_end.is_some_and(|end| end <= rental_start) {
            return Err(("rental_end", "is not after rental_start; expected the end of the rental after its start".to_string()));
        }
        let invoice_reference = cells[7].text();
        Ok(DomainRow { id, deployment, reseller, distributor, rental_start, rental_end, devices_app, invoice_reference })
    });
    sort_and_resolve(&config.domains, &mut domain_rows, |row| domain_sort_key(&row.id), |row| row.id.clone(), policy, &mut problems);
    let index_of: FnvMap<String, usize> = domain_rows.iter().enumerate().map(|(index, (_, row))| (row.id.clone(), index)).collect();

    let unknown_domain = |id: &str| format!("unknown domain '{id}'; expected a domain_id of {}", config.domains);
    let domain_index = |cell: &Cell| -> Result<usize, (&'static str, String)> {
        let Some(id) = cell.as_str() else {
            let id = text(cell, "a domain id").map_err(|m| ("domain_id", m))?;
            return index_of.get(&id).copied().ok_or_else(|| ("domain_id", unknown_domain(&id)));
        };
        index_of.get(id).copied().ok_or_else(|| ("domain_id", unknown_domain(id)))
    };

    // License changes.
    let mut license_types: Vec<String> = prices.prices.keys().cloned().collect();
    license_types.sort();
    let columns = Columns { required: &["domain_id", "date", "license_type", "licenses"], optional: &[] };
    let mut license_rows = read(base, &config.license_changes, columns, &mut problems, &mut files, |cells| {
        let domain = domain_index(&cells[0])?;
        let at = instant(&cells[1]).map_err(|m| ("date", m))?;
        let license_type = cells[2].as_str().ok_or(("license_type", "missing; expected a license type".to_string()))?;
        let Ok(type_index) = license_types.binary_search_by(|known| known.as_str().cmp(license_type)) else {
            let message = format!("unknown license type; expected one of the price list: {}", license_types.join(", "));
            return Err(("license_type", message));
        };
        let licenses = licenses(&cells[3]).map_err(|m| ("licenses", m))?;
        Ok((domain as u32, at, type_index as u16, licenses))
    });
    sort_and_resolve(
        &config.license_changes,
        &mut license_rows,
        |row| (row.0, row.1, row.2),
        |row| format!("{} {} {}", domain_rows[row.0 as usize].1.id, row.1, license_types[row.2 as usize]),
        policy,
        &mut problems,
    );

    // Contracts.
    let mut contract_rows = if config.contracts.is_empty() {
        Vec::new()
    } else {
        let columns = Columns {
            required: &["domain_id", "ordered_at", "threshold_weeks", "interval_months", "concluded_by"],
            optional: &["end_date", "cancelled_at"],
        };
        read(base, &config.contracts, columns, &mut problems, &mut files, |cells| {
            let domain = domain_index(&cells[0])?;
            let ordered_at = instant(&cells[1]).map_err(|m| ("ordered_at", m))?;
            let threshold = count(&cells[2])
                .ok()
                .and_then(|weeks| Threshold::from_weeks(weeks as u32))
                .ok_or(("threshold_weeks", "expected 2 or 4".to_string()))?;
            let interval_months = count(&cells[3])
                .ok()
                .filter(|months| [1, 2, 3, 6, 12].contains(months))
                .ok_or(("interval_months", "expected one of 1, 2, 3, 6, 12".to_string()))? as u32;
            let concluded_by = match cells[4].text().as_deref() {
                Some("end_customer") => ConcludedBy::EndCustomer,
                Some("reseller") => ConcludedBy::Reseller,
                _ => return Err(("concluded_by", "expected end_customer or reseller".to_string())),
            };
            let end_date = match cells[5].text() {
                None => None,
                Some(_) => Some(date(&cells[5]).map_err(|m| ("end_date", m))?),
            };
            if end_date.is_some_and(|end| end < ordered_at.date()) {
                return Err(("end_date", format!("is before ordered_at {ordered_at}; expected the last day of service on or after the order date")));
            }
            let cancelled_at = optional_instant(&cells[6]).map_err(|m| ("cancelled_at", m))?;
            if cancelled_at.is_some_and(|at| at < ordered_at) {
                return Err(("cancelled_at", format!("is before ordered_at {ordered_at}; expected a cancellation after the order")));
            }
            Ok((domain, ContractOrder { ordered_at, threshold, interval_months, end_date, cancelled_at, concluded_by }))
        })
    };
    sort_and_resolve(
        &config.contracts,
        &mut contract_rows,
        |row| (row.0, row.1.ordered_at),
        |row| format!("{} {}", domain_rows[row.0].1.id, row.1.ordered_at),
        policy,
        &mut problems,
    );

    // Balance events.
    let mut load_rows = if config.balance_events.is_empty() {
        Vec::new()
    } else {
        let columns = Columns { required: &["domain_id", "at", "kind", "amount_isc"], optional: &[] };
        read(base, &config.balance_events, columns, &mut problems, &mut files, |cells| {
            let domain = domain_index(&cells[0])?;
            let at = instant(&cells[1]).map_err(|m| ("at", m))?;
            let kind = match cells[2].text().as_deref() {
                Some("opening") => LoadKind::Opening,
                Some("manual") => LoadKind::Manual,
                _ => return Err(("kind", "expected opening or manual".to_string())),
            };
            let amount = amount(&cells[3]).map_err(|m| ("amount_isc", m))?;
            Ok((domain, BalanceLoad { at, amount, kind }))
        })
    };
    sort_and_resolve(
        &config.balance_events,
        &mut load_rows,
        |row| (row.0, row.1.at),
        |row| format!("{} {}", domain_rows[row.0].1.id, row.1.at),
        policy,
        &mut problems,
    );

    // Connectivity.
    let mut outage_rows = if config.connectivity.is_empty() {
        Vec::new()
    } else {
        let columns = Columns { required: &["domain_id", "first_night", "last_night"], optional: &[] };
        read(base, &config.connectivity, columns, &mut problems, &mut files, |cells| {
            let domain = domain_index(&cells[0])?;
            if domain_rows[domain].1.deployment == Deployment::Cloud {
                return Err(("domain_id", "is a cloud domain, which is always online; expected an on-premises domain".to_string()));
            }
            let first = date(&cells[1]).map_err(|m| ("first_night", m))?;
            let last = date(&cells[2]).map_err(|m| ("last_night", m))?;
            if last < first {
                return Err(("last_night", format!("is before first_night {first}; expected the last offline night on or after the first")));
            }
            Ok((domain, Outage { first, last }))
        })
    };
    sort_and_resolve(
        &config.connectivity,
        &mut outage_rows,
        |row| (row.0, row.1.first, row.1.last),
        |row| format!("{} {} {}", domain_rows[row.0].1.id, row.1.first, row.1.last),
        policy,
        &mut problems,
    );

    // Devices App changes.
    let mut version_rows = if config.devices_app_changes.is_empty() {
        Vec::new()
    } else {
        let columns = Columns { required: &["domain_id", "at", "devices_app"], optional: &[] };
        read(base, &config.devices_app_changes, columns, &mut problems, &mut files, |cells| {
            let domain = domain_index(&cells[0])?;
            let at = instant(&cells[1]).map_err(|m| ("at", m))?;
            let version = text(&cells[2], "a version like 13r1 SR28")
                .and_then(|v| v.parse::<DevicesAppVersion>())
                .map_err(|m| ("devices_app", m))?;
            Ok((domain, at, version))
        })
    };
    sort_and_resolve(
        &config.devices_app_changes,
        &mut version_rows,
        |row| (row.0, row.1),
        |row| format!("{} {}", domain_rows[row.0].1.id, row.1),
        policy,
        &mut problems,
    );

    // Observed reloads.
    let mut observed_rows = if config.observed_reloads.is_empty() {
        Vec::new()
    } else {
        let columns = Columns { required: &["domain_id", "at", "amount_isc"], optional: &[] };
        read(base, &config.observed_reloads, columns, &mut problems, &mut files, |cells| {
            let domain = domain_index(&cells[0])?;
            let at = instant(&cells[1]).map_err(|m| ("at", m))?;
            let amount = amount(&cells[2]).map_err(|m| ("amount_isc", m))?;
            Ok(ObservedReload { domain, at, amount })
        })
    };
    sort_and_resolve(
        &config.observed_reloads,
        &mut observed_rows,
        |row| (row.domain, row.at),
        |row| format!("{} {}", domain_rows[row.domain].1.id, row.at),
        policy,
        &mut problems,
    );

    if !problems.is_empty() {
        return Err(InputErrors { problems });
    }
    Ok(build(domain_rows, license_rows, license_types, &prices, contract_rows, load_rows, outage_rows, version_rows, observed_rows, files))
}

/// The rate step function of one domain's sorted license rows, with types
/// as indices into `type_prices` (milli-iSC per license and month); the
/// same sums as `pricing::rate_changes` without a string per row.
fn indexed_rate_changes(rows: &[(Location, (u32, Instant, u16, u64))], type_prices: &[i64]) -> Vec<crate::domain::RateChange> {
    let mut counts = vec![0u64; type_prices.len()];
    let mut changes = Vec::with_capacity(rows.len());
    for (index, (_, (_, at, license_type, count))) in rows.iter().enumerate() {
        counts[*license_type as usize] = *count;
        let last_at_instant = rows.get(index + 1).is_none_or(|next| next.1.1 != *at);
        if last_at_instant {
            let rate: i64 = counts.iter().zip(type_prices).map(|(count, price)| *count as i64 * price).sum();
            changes.push(crate::domain::RateChange { at: *at, rate: crate::credit::Rate(rate) });
        }
    }
    changes
}

#[allow(clippy::too_many_arguments)]
fn build(
    domain_rows: Vec<(Location, DomainRow)>,
    license_rows: Vec<(Location, (u32, Instant, u16, u64))>,
    license_types: Vec<String>,
    prices: &PriceList,
    contract_rows: Vec<(Location, (usize, ContractOrder))>,
    load_rows: Vec<(Location, (usize, BalanceLoad))>,
    outage_rows: Vec<(Location, (usize, Outage))>,
    version_rows: Vec<(Location, (usize, Instant, DevicesAppVersion))>,
    observed_rows: Vec<(Location, ObservedReload)>,
    files: Vec<(String, String)>,
) -> ReplayInput {
    let sorted_ids = |select: fn(&DomainRow) -> &String| -> Vec<String> {
        let mut ids: Vec<String> = domain_rows.iter().map(|(_, row)| select(row).clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let reseller_ids = sorted_ids(|row| &row.reseller);
    let distributor_ids = sorted_ids(|row| &row.distributor);

    let mut domains: Vec<Domain> = domain_rows
        .iter()
        .map(|(_, row)| {
            let mut domain = Domain::new(domain_key(&row.id), row.rental_start);
            domain.deployment = row.deployment;
            domain.rental = Rental { start: row.rental_start, end: row.rental_end };
            domain.devices_app = row.devices_app;
            domain.reseller = reseller_ids.binary_search(&row.reseller).expect("collected above") as u32;
            domain.distributor = distributor_ids.binary_search(&row.distributor).expect("collected above") as u32;
            domain.invoice_reference = row.invoice_reference.clone();
            domain
        })
        .collect();

    let license_count = license_rows.len() as u64;
    let type_prices: Vec<i64> = license_types.iter().map(|name| prices.price(name).map_or(0, |price| price.0)).collect();
    let mut start = 0;
    while start < license_rows.len() {
        let domain = license_rows[start].1.0 as usize;
        let end = start + license_rows[start..].partition_point(|(_, row)| row.0 as usize == domain);
        domains[domain].rates = indexed_rate_changes(&license_rows[start..end], &type_prices);
        start = end;
    }
    for (_, (domain, order)) in contract_rows {
        domains[domain].contracts.push(order);
    }
    for (_, (domain, load)) in load_rows {
        domains[domain].loads.push(load);
    }
    for (_, (domain, outage)) in outage_rows {
        let outages = &mut domains[domain].outages;
        // Overlapping or adjacent spans merge into one outage.
        match outages.last_mut() {
            Some(last) if outage.first.0 <= last.last.0 + 1 => last.last = last.last.max(outage.last),
            _ => outages.push(outage),
        }
    }
    for (_, (domain, at, version)) in version_rows {
        domains[domain].devices_app_changes.push((at, version));
    }
    for domain in &mut domains {
        let first_load = domain.loads.first().map_or(Instant::MAX, |load| load.at);
        let first_order = domain.contracts.first().map_or(Instant::MAX, |order| order.ordered_at);
        domain.start = domain.rental.start.min(first_load).min(first_order);
        debug_assert_eq!(domain.check_invariants(), Ok(()));
    }
    ReplayInput {
        list: DomainList {
            domains,
            resellers: reseller_ids.len(),
            distributors: distributor_ids.len(),
            ids: domain_rows.iter().map(|(_, row)| row.id.clone()).collect(),
        },
        domain_ids: domain_rows.into_iter().map(|(_, row)| row.id).collect(),
        reseller_ids,
        distributor_ids,
        prices: prices.clone(),
        observed_reloads: observed_rows.into_iter().map(|(_, row)| row).collect(),
        files,
        license_rows: license_count,
    }
}
