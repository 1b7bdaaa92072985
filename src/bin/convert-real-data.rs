//! `convert-real-data`: builds replay inputs (the schema of `docs/inputs.md`)
//! from the two public employment data sets in `data/`.
//!
//! ```text
//! cargo run --release --bin convert-real-data -- [--data DIR] [--out DIR]
//! ```
//!
//! It reads `DIR/uk_firm_employment_1976_1984.csv`,
//! `DIR/us_employment_by_industry_monthly.csv` and `DIR/prices.csv`, and
//! writes `OUT/uk-firms/` and `OUT/us-industries/`, each with `domains.csv`,
//! `license_changes.csv`, `contracts.csv`, `balance_events.csv` and
//! `connectivity.csv`. The same inputs give the same bytes, because the
//! converter uses no clock, no random generator, no floating point and no
//! hash-map order.
//!
//! # The rules
//!
//! **One domain per firm or series.** Domain ids are `uk-firm-001` …
//! `uk-firm-140` and `us-<Series_ID>`. Each domain has an ordinal n: the
//! firm number for the UK (1 … 140), the position in ascending `Series_ID`
//! order for the US (1 … 148). The rules below that need variety use n.
//!
//! **Scaling to `user` licenses.** UK `emp` is in thousands of employees:
//! licenses = max(1, round(emp × 10)), one license per 100 employees. The
//! median of the firms' first-year headcounts, 2,703 employees, becomes 27
//! users, and the largest firm-year (108,562 employees) becomes 1,086. The
//! US series count thousands of persons in whole industries, so each series
//! is scaled to its own first published value in the window: licenses =
//! max(1, round(start_users × value ÷ first_value)), with start_users =
//! 10 + (FNV-1a-64 of the `Series_ID` bytes mod 31), between 10 and 40
//! (median about 25). The scaled counts keep the series' relative growth
//! and seasonality. All arithmetic is exact on the decimal text, and round
//! means round half up. With the shipped data, max(1, …) never applies.
//!
//! **Calendar.** UK years move by 45 years (1976 … 1984 become 2021 … 2029),
//! so the replay horizon 2027-01-01 + 36 months covers the panel's last
//! three years (1982 … 1984), in which 105 firms leave the panel. The count
//! of year Y applies from January 1 of Y + 45, 00:00 UTC. US months move by
//! 11 whole years, so calendar months (and seasonality) stay in place: the
//! window October 2009 … September 2019, the last 120 months of the data,
//! becomes October 2020 … September 2030, and the horizon 2027-01-01 +
//! 36 months (source 2016 … 2018) lies inside with more than six years of
//! history before it. The count of a month applies from its first day, 00:00
//! UTC. Both replay scenarios therefore share the baseline's horizon.
//!
//! **Gaps.** Every UK firm's years are consecutive (the converter checks it
//! and fails otherwise). US blanks before a series' first published month in
//! the window are skipped: the rental starts at that month. Blanks inside or
//! at the end write no row, so the last published count holds ("last value
//! carried forward"). A blank is never read as zero. In the shipped window,
//! only `CEU4245210001` (Department Stores, discontinued) has blanks, in its
//! last 21 months, so its count of December 2017 (2028-12-01) holds.
//!
//! **Rental start and end.** The rental starts at the first shifted data
//! date. A UK firm whose last year is before the panel's last year (1984)
//! ends its rental on January 1 after its last year (shifted). The panel
//! does not say why a firm leaves, so ending the rental is a choice. US
//! series never end: trailing blanks are carried forward, because a series
//! that is no longer published does not mean that the customer left.
//!
//! **Deployment.** Cloud when n mod 8 is 3 or 4 (a quarter of the domains,
//! half of them with a contract), otherwise on-premises. A cloud domain also
//! rents one `cloud_instance` license from its rental start.
//!
//! **Opening balance.** At the rental start, kind `opening`, two months of
//! the initial rate (users × the `user` price, plus the `cloud_instance`
//! price for a cloud domain, from `DIR/prices.csv`). An order seven days
//! later then still finds more than one month of consumption on the balance.
//!
//! **Contracts.** Every domain with an even n orders Auto-iSC at its rental
//! start + 7 days, 10:00 UTC. With k = n ÷ 2, the threshold is 2 weeks when
//! k is odd and 4 weeks when k is even. The interval is 1, 2, 3, 6 or 12
//! months for k mod 5 = 0 … 4, so all ten combinations appear. The reseller
//! concludes the contract when k mod 3 = 0, otherwise the end customer. A
//! UK contract whose rental ends has `end_date` = the day before the rental
//! end, so both stop at the same instant. No contract is cancelled.
//!
//! **Channel.** UK: one distributor per sector (`uk-dist-s<sector>`, 9).
//! Within a sector, firms in ascending order form resellers of three
//! (`uk-res-s<sector>-<group>`, 49). US: one distributor per supersector,
//! the two digits after `CEU` (`us-dist-<digits>`), and `us-dist-other` for
//! the two ids of another form (`PAYNSA`, `TEMPHELPN`), 21 in all. Within a
//! distributor, series in ascending order form resellers of three
//! (`us-res-<digits>-<group>`, 60).
//!
//! **Devices App.** `13r1 SR28`, except `13r1 SR20` when n mod 13 = 6 (about
//! 8 %). The even ones among them have a contract that never reloads.
//!
//! **Invoice reference.** `PO-<domain id>` when n mod 5 = 0, otherwise none.
//!
//! **Connectivity.** An on-premises domain with n mod 9 = 4 is offline for
//! one span in 2027: first night 2027-01-01 + ((37 × n) mod 330) days,
//! lasting 1, 2, 3, 5 or 10 nights for n mod 5 = 0 … 4.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, ensure};
use clap::Parser;
use isc_sim::calendar::Date;

const UK_FILE: &str = "uk_firm_employment_1976_1984.csv";
const US_FILE: &str = "us_employment_by_industry_monthly.csv";
const PRICES_FILE: &str = "prices.csv";
const UK_FOLDER: &str = "uk-firms";
const US_FOLDER: &str = "us-industries";

/// UK years are moved by this many years.
const UK_SHIFT_YEARS: i32 = 45;
/// UK licenses per thousand employees (one license per 100 employees).
const UK_LICENSES_PER_THOUSAND: u128 = 10;
/// The US window in source months, (year, month), both included.
const US_WINDOW_FIRST: (i32, u32) = (2009, 10);
const US_WINDOW_LAST: (i32, u32) = (2019, 9);
/// US months are moved by this many whole years.
const US_SHIFT_YEARS: i32 = 11;
/// US start sizes: US_START_MIN + (FNV-1a-64 of the id mod US_START_SPREAD).
const US_START_MIN: u64 = 10;
const US_START_SPREAD: u64 = 31;

/// Opening balance in months of the initial rate.
const OPENING_MONTHS: u64 = 2;
/// Days from the rental start to the Auto-iSC order, and the hour of the order.
const ORDER_AFTER_DAYS: i32 = 7;
const ORDER_HOUR: u32 = 10;
const INTERVALS: [u32; 5] = [1, 2, 3, 6, 12];
const CURRENT_APP: &str = "13r1 SR28";
const OLD_APP: &str = "13r1 SR20";
/// The date from which the first nights of offline spans are counted.
const OFFLINE_FROM: (i32, u32, u32) = (2027, 1, 1);
const OFFLINE_NIGHTS: [i32; 5] = [1, 2, 3, 5, 10];
/// Domains per reseller within a distributor.
const DOMAINS_PER_RESELLER: usize = 3;

#[derive(Debug, Parser)]
#[command(
    name = "convert-real-data",
    about = "Build replay inputs from the public UK firm and US industry employment data"
)]
struct Args {
    /// Folder with the source CSV files and prices.csv.
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,

    /// Folder that receives uk-firms/ and us-industries/.
    #[arg(long, value_name = "DIR", default_value = "data/replay")]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    for (name, replay) in convert(&args.data)? {
        let folder = args.out.join(name);
        replay.write(&folder)?;
        println!(
            "{}: {} domains, {} license changes, {} contracts, {} balance events, {} offline spans",
            folder.display(),
            replay.domains.len(),
            replay.license_changes.len(),
            replay.contracts.len(),
            replay.balance_events.len(),
            replay.connectivity.len()
        );
    }
    Ok(())
}

/// Both replays, with the folder name each is written to.
fn convert(data: &Path) -> Result<Vec<(&'static str, Replay)>> {
    let prices = read_prices(&data.join(PRICES_FILE))?;
    let uk = uk_replay(&data.join(UK_FILE), &prices)?;
    let us = us_replay(&data.join(US_FILE), &prices)?;
    Ok(vec![(UK_FOLDER, uk), (US_FOLDER, us)])
}

// ---------------------------------------------------------------------------
// Output rows

#[derive(Clone, Debug, Default, PartialEq)]
struct Replay {
    domains: Vec<DomainRow>,
    license_changes: Vec<LicenseRow>,
    contracts: Vec<ContractRow>,
    balance_events: Vec<BalanceRow>,
    connectivity: Vec<OfflineRow>,
}

#[derive(Clone, Debug, PartialEq)]
struct DomainRow {
    domain_id: String,
    cloud: bool,
    reseller_id: String,
    distributor_id: String,
    rental_start: Date,
    rental_end: Option<Date>,
    devices_app: &'static str,
    invoice_reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct LicenseRow {
    domain_id: String,
    date: Date,
    license_type: &'static str,
    licenses: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct ContractRow {
    domain_id: String,
    ordered_at: String,
    threshold_weeks: u32,
    interval_months: u32,
    end_date: Option<Date>,
    concluded_by: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
struct BalanceRow {
    domain_id: String,
    at: Date,
    amount_milli: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct OfflineRow {
    domain_id: String,
    first_night: Date,
    last_night: Date,
}

impl Replay {
    fn write(&self, folder: &Path) -> Result<()> {
        fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
        let text = |value: Option<String>| value.unwrap_or_default();

        let mut out = writer(folder, "domains.csv")?;
        out.write_record([
            "domain_id",
            "deployment",
            "reseller_id",
            "distributor_id",
            "rental_start",
            "rental_end",
            "devices_app",
            "invoice_reference",
        ])?;
        for row in &self.domains {
            out.write_record([
                row.domain_id.clone(),
                if row.cloud { "cloud" } else { "on_premises" }.to_string(),
                row.reseller_id.clone(),
                row.distributor_id.clone(),
                row.rental_start.to_string(),
                text(row.rental_end.map(|date| date.to_string())),
                row.devices_app.to_string(),
                text(row.invoice_reference.clone()),
            ])?;
        }
        out.flush()?;

        let mut out = writer(folder, "license_changes.csv")?;
        out.write_record(["domain_id", "date", "license_type", "licenses"])?;
        for row in &self.license_changes {
            out.write_record([
                row.domain_id.clone(),
                row.date.to_string(),
                row.license_type.to_string(),
                row.licenses.to_string(),
            ])?;
        }
        out.flush()?;

        let mut out = writer(folder, "contracts.csv")?;
        out.write_record([
            "domain_id",
            "ordered_at",
            "threshold_weeks",
            "interval_months",
            "end_date",
            "cancelled_at",
            "concluded_by",
        ])?;
        for row in &self.contracts {
            out.write_record([
                row.domain_id.clone(),
                row.ordered_at.clone(),
                row.threshold_weeks.to_string(),
                row.interval_months.to_string(),
                text(row.end_date.map(|date| date.to_string())),
                String::new(),
                row.concluded_by.to_string(),
            ])?;
        }
        out.flush()?;

        let mut out = writer(folder, "balance_events.csv")?;
        out.write_record(["domain_id", "at", "kind", "amount_isc"])?;
        for row in &self.balance_events {
            out.write_record([
                row.domain_id.clone(),
                row.at.to_string(),
                "opening".to_string(),
                format_milli(row.amount_milli),
            ])?;
        }
        out.flush()?;

        let mut out = writer(folder, "connectivity.csv")?;
        out.write_record(["domain_id", "first_night", "last_night"])?;
        for row in &self.connectivity {
            out.write_record([row.domain_id.clone(), row.first_night.to_string(), row.last_night.to_string()])?;
        }
        out.flush()?;
        Ok(())
    }
}

fn writer(folder: &Path, name: &str) -> Result<csv::Writer<fs::File>> {
    let path = folder.join(name);
    csv::Writer::from_path(&path).with_context(|| format!("cannot write {}", path.display()))
}

// ---------------------------------------------------------------------------
// The rules shared by both data sets

/// One domain as a data set provides it, before the shared rules apply.
struct Source {
    ordinal: u32,
    domain_id: String,
    reseller_id: String,
    distributor_id: String,
    rental_end: Option<Date>,
    /// `user` counts by ascending date. The first is the rental start.
    users: Vec<(Date, u64)>,
}

struct Prices {
    user_milli: u64,
    cloud_instance_milli: u64,
}

fn add_domain(replay: &mut Replay, source: Source, prices: &Prices) -> Result<()> {
    let n = source.ordinal;
    let (rental_start, initial_users) =
        *source.users.first().ok_or_else(|| anyhow!("{}: no published value in the window", source.domain_id))?;
    let cloud = matches!(n % 8, 3 | 4);
    let id = source.domain_id;

    replay.domains.push(DomainRow {
        domain_id: id.clone(),
        cloud,
        reseller_id: source.reseller_id,
        distributor_id: source.distributor_id,
        rental_start,
        rental_end: source.rental_end,
        devices_app: if n % 13 == 6 { OLD_APP } else { CURRENT_APP },
        invoice_reference: n.is_multiple_of(5).then(|| format!("PO-{id}")),
    });

    if cloud {
        replay.license_changes.push(LicenseRow {
            domain_id: id.clone(),
            date: rental_start,
            license_type: "cloud_instance",
            licenses: 1,
        });
    }
    for &(date, licenses) in &source.users {
        replay.license_changes.push(LicenseRow { domain_id: id.clone(), date, license_type: "user", licenses });
    }

    let monthly_milli = initial_users * prices.user_milli + if cloud { prices.cloud_instance_milli } else { 0 };
    replay.balance_events.push(BalanceRow {
        domain_id: id.clone(),
        at: rental_start,
        amount_milli: OPENING_MONTHS * monthly_milli,
    });

    if n.is_multiple_of(2) {
        let k = n / 2;
        let ordered = rental_start.plus_days(ORDER_AFTER_DAYS);
        replay.contracts.push(ContractRow {
            domain_id: id.clone(),
            ordered_at: format!("{ordered}T{ORDER_HOUR:02}:00:00Z"),
            threshold_weeks: if k % 2 == 1 { 2 } else { 4 },
            interval_months: INTERVALS[(k % 5) as usize],
            end_date: source.rental_end.map(|end| end.plus_days(-1)),
            concluded_by: if k.is_multiple_of(3) { "reseller" } else { "end_customer" },
        });
    }

    if !cloud && n % 9 == 4 {
        let (year, month, day) = OFFLINE_FROM;
        let from = Date::from_ymd(year, month, day).expect("valid date");
        let first_night = from.plus_days(((37 * n) % 330) as i32);
        let nights = OFFLINE_NIGHTS[(n % 5) as usize];
        replay.connectivity.push(OfflineRow {
            domain_id: id,
            first_night,
            last_night: first_night.plus_days(nights - 1),
        });
    }
    Ok(())
}

/// Resellers of `DOMAINS_PER_RESELLER` consecutive members (ascending) of
/// each distributor: member index i becomes group i ÷ 3 + 1.
fn reseller_groups<K: Ord + Clone>(members: &[(String, K)]) -> BTreeMap<K, usize> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups = BTreeMap::new();
    for (distributor, key) in members {
        let index = seen.entry(distributor.clone()).or_insert(0);
        groups.insert(key.clone(), *index / DOMAINS_PER_RESELLER + 1);
        *index += 1;
    }
    groups
}

fn read_prices(path: &Path) -> Result<Prices> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .ok_or_else(|| anyhow!("{}: column {name} is missing", path.display()))
    };
    let (type_column, price_column) = (column("license_type")?, column("price_isc_per_month")?);
    let mut prices = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        let line = index + 2;
        let price = parse_decimal(&record[price_column]).filter(|decimal| decimal.scale <= 3).ok_or_else(|| {
            anyhow!(
                "{}:{line}: price is '{}'; expected iSC with at most 3 decimals",
                path.display(),
                &record[price_column]
            )
        })?;
        let milli = price.units * 10u128.pow(3 - price.scale);
        prices.insert(record[type_column].to_string(), u64::try_from(milli)?);
    }
    let price = |name: &str| {
        prices.get(name).copied().ok_or_else(|| anyhow!("{}: license type {name} not found", path.display()))
    };
    Ok(Prices { user_milli: price("user")?, cloud_instance_milli: price("cloud_instance")? })
}

// ---------------------------------------------------------------------------
// UK firms

struct FirmYear {
    year: i32,
    sector: String,
    emp: Decimal,
}

fn uk_replay(path: &Path, prices: &Prices) -> Result<Replay> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .ok_or_else(|| anyhow!("{}: column {name} is missing", path.display()))
    };
    let (firm_column, year_column, sector_column, emp_column) =
        (column("firm")?, column("year")?, column("sector")?, column("emp")?);

    let mut firms: BTreeMap<u32, Vec<FirmYear>> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        let line = index + 2;
        let cell = |column: usize, name: &str| -> Result<&str> {
            let value = record[column].trim();
            ensure!(!value.is_empty(), "{}:{line}: {name} is missing (blank)", path.display());
            Ok(value)
        };
        let firm: u32 = cell(firm_column, "firm")?
            .parse()
            .with_context(|| format!("{}:{line}: firm is not a whole number", path.display()))?;
        let year: i32 = cell(year_column, "year")?
            .parse()
            .with_context(|| format!("{}:{line}: year is not a whole number", path.display()))?;
        let emp_text = cell(emp_column, "emp")?;
        let emp = parse_decimal(emp_text)
            .ok_or_else(|| anyhow!("{}:{line}: emp is '{emp_text}'; expected a decimal number", path.display()))?;
        let sector = cell(sector_column, "sector")?.to_string();
        firms.entry(firm).or_default().push(FirmYear { year, sector, emp });
    }
    ensure!(!firms.is_empty(), "{}: no data rows", path.display());

    let panel_last = firms.values().flatten().map(|row| row.year).max().expect("rows exist");
    for (firm, rows) in &mut firms {
        rows.sort_by_key(|row| row.year);
        for pair in rows.windows(2) {
            ensure!(pair[0].year != pair[1].year, "{}: firm {firm} has year {} twice", path.display(), pair[0].year);
            ensure!(
                pair[1].year == pair[0].year + 1,
                "{}: firm {firm} has a gap between {} and {}; the converter expects consecutive years",
                path.display(),
                pair[0].year,
                pair[1].year
            );
            ensure!(pair[0].sector == pair[1].sector, "{}: firm {firm} changes its sector", path.display());
        }
    }

    let members: Vec<(String, u32)> = firms.iter().map(|(firm, rows)| (rows[0].sector.clone(), *firm)).collect();
    let groups = reseller_groups(&members);
    let january =
        |year: i32| Date::from_ymd(year + UK_SHIFT_YEARS, 1, 1).ok_or_else(|| anyhow!("year {year} out of range"));

    let mut replay = Replay::default();
    for (firm, rows) in &firms {
        let sector = &rows[0].sector;
        let last = rows.last().expect("a firm has rows").year;
        let users =
            rows.iter().map(|row| Ok((january(row.year)?, uk_licenses(row.emp)))).collect::<Result<Vec<_>>>()?;
        let source = Source {
            ordinal: *firm,
            domain_id: format!("uk-firm-{firm:03}"),
            reseller_id: format!("uk-res-s{sector}-{}", groups[firm]),
            distributor_id: format!("uk-dist-s{sector}"),
            rental_end: if last < panel_last { Some(january(last + 1)?) } else { None },
            users,
        };
        add_domain(&mut replay, source, prices)?;
    }
    Ok(replay)
}

/// Returns max(1, round(emp × 10)), one license per 100 employees, with emp in thousands.
fn uk_licenses(emp: Decimal) -> u64 {
    let licenses = round_half_up(emp.units * UK_LICENSES_PER_THOUSAND, 10u128.pow(emp.scale));
    licenses.max(1)
}

// ---------------------------------------------------------------------------
// US industries

fn us_replay(path: &Path, prices: &Prices) -> Result<Replay> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .ok_or_else(|| anyhow!("{}: column {name} is missing", path.display()))
    };
    let (month_column, series_column, employed_column) = (column("Month")?, column("Series_ID")?, column("Employed")?);

    // Series id → source month → value, None for a blank.
    let mut series: BTreeMap<String, BTreeMap<(i32, u32), Option<Decimal>>> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        let line = index + 2;
        let month_text = record[month_column].trim();
        let month = parse_month(month_text)
            .ok_or_else(|| anyhow!("{}:{line}: Month is '{month_text}'; expected like '1939 Jan'", path.display()))?;
        let id = record[series_column].trim();
        ensure!(!id.is_empty(), "{}:{line}: Series_ID is blank", path.display());
        let employed = record[employed_column].trim();
        let value = if employed.is_empty() {
            None
        } else {
            Some(parse_decimal(employed).ok_or_else(|| {
                anyhow!("{}:{line}: Employed is '{employed}'; expected a decimal number or blank", path.display())
            })?)
        };
        let previous = series.entry(id.to_string()).or_default().insert(month, value);
        ensure!(previous.is_none(), "{}:{line}: {id} has {month_text} twice", path.display());
    }
    ensure!(!series.is_empty(), "{}: no data rows", path.display());

    let members: Vec<(String, String)> = series.keys().map(|id| (us_supersector(id), id.clone())).collect();
    let groups = reseller_groups(&members);

    let mut replay = Replay::default();
    for (position, (id, months)) in series.iter().enumerate() {
        let start_users = us_start_users(id);
        let published: Vec<((i32, u32), Decimal)> = months
            .range(US_WINDOW_FIRST..=US_WINDOW_LAST)
            .filter_map(|(month, value)| value.map(|value| (*month, value)))
            .collect();
        let first = published.first().map(|(_, value)| *value).ok_or_else(|| {
            anyhow!(
                "{}: {id} has no published value from {:?} to {:?}",
                path.display(),
                US_WINDOW_FIRST,
                US_WINDOW_LAST
            )
        })?;
        ensure!(first.units > 0, "{}: {id} starts at zero and cannot be scaled", path.display());
        let users = published
            .iter()
            .map(|&((year, month), value)| {
                let date = Date::from_ymd(year + US_SHIFT_YEARS, month, 1)
                    .ok_or_else(|| anyhow!("month {year}-{month} out of range"))?;
                Ok((date, us_licenses(start_users, value, first)))
            })
            .collect::<Result<Vec<_>>>()?;
        let supersector = us_supersector(id);
        let source = Source {
            ordinal: position as u32 + 1,
            domain_id: format!("us-{id}"),
            reseller_id: format!("us-res-{supersector}-{}", groups[id]),
            distributor_id: format!("us-dist-{supersector}"),
            rental_end: None,
            users,
        };
        add_domain(&mut replay, source, prices)?;
    }
    Ok(replay)
}

/// Returns 10 + (FNV-1a-64 of the id mod 31), a start size of 10 to 40 users.
fn us_start_users(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    US_START_MIN + hash % US_START_SPREAD
}

/// Returns max(1, round(start_users × value ÷ first)).
fn us_licenses(start_users: u64, value: Decimal, first: Decimal) -> u64 {
    let numerator = start_users as u128 * value.units * 10u128.pow(first.scale);
    let denominator = first.units * 10u128.pow(value.scale);
    round_half_up(numerator, denominator).max(1)
}

/// Returns the two digits after `CEU` (the BLS supersector), or `other` for
/// the ids of another form (`PAYNSA`, `TEMPHELPN`).
fn us_supersector(id: &str) -> String {
    match id.strip_prefix("CEU").and_then(|rest| rest.get(..2)) {
        Some(digits) if digits.bytes().all(|byte| byte.is_ascii_digit()) => digits.to_string(),
        _ => "other".to_string(),
    }
}

fn parse_month(text: &str) -> Option<(i32, u32)> {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (year, name) = text.split_once(' ')?;
    let year: i32 = year.parse().ok()?;
    let month = NAMES.iter().position(|candidate| *candidate == name)? as u32 + 1;
    Some((year, month))
}

// ---------------------------------------------------------------------------
// Exact decimals

/// A non-negative decimal: units ÷ 10^scale.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Decimal {
    units: u128,
    scale: u32,
}

/// Parses `12`, `12.5` or `.5`, without a sign or an exponent, with at most 18 decimals.
fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.bytes().chain(fraction.bytes()).all(|byte| byte.is_ascii_digit())
        || fraction.len() > 18
        || whole.len() > 18
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    Some(Decimal { units: digits.parse().ok()?, scale: fraction.len() as u32 })
}

/// Divides and rounds half up.
fn round_half_up(numerator: u128, denominator: u128) -> u64 {
    ((2 * numerator + denominator) / (2 * denominator)) as u64
}

/// Formats milli-iSC as an amount with 3 decimals, like `162.000`.
fn format_milli(milli: u64) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn temp_folder(name: &str) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("convert-real-data-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(&folder).unwrap();
        folder
    }

    fn converted() -> Vec<(&'static str, Replay)> {
        convert(&repo().join("data")).unwrap()
    }

    fn replay(name: &str) -> Replay {
        converted().into_iter().find(|(folder, _)| *folder == name).unwrap().1
    }

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn users_of(replay: &Replay, id: &str) -> Vec<(Date, u64)> {
        replay
            .license_changes
            .iter()
            .filter(|row| row.domain_id == id && row.license_type == "user")
            .map(|row| (row.date, row.licenses))
            .collect()
    }

    fn domain<'a>(replay: &'a Replay, id: &str) -> &'a DomainRow {
        replay.domains.iter().find(|row| row.domain_id == id).unwrap()
    }

    /// Computes the median, rounded down when the two middle values differ by an odd number.
    fn median(mut values: Vec<u64>) -> u64 {
        values.sort_unstable();
        let middle = values.len() / 2;
        if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2 }
    }

    fn files(folder: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                for (name, bytes) in files_in(&path) {
                    files.insert(name, bytes);
                }
            }
        }
        files
    }

    fn files_in(folder: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            let name = format!(
                "{}/{}",
                folder.file_name().unwrap().to_string_lossy(),
                path.file_name().unwrap().to_string_lossy()
            );
            out.push((name, fs::read(&path).unwrap()));
        }
        out
    }

    fn write_all(out: &Path) {
        for (name, replay) in converted() {
            replay.write(&out.join(name)).unwrap();
        }
    }

    #[test]
    fn row_counts() {
        let uk = replay(UK_FOLDER);
        assert_eq!(uk.domains.len(), 140);
        // One user row per firm-year, plus one cloud_instance row per cloud domain.
        let uk_user_rows = uk.license_changes.iter().filter(|row| row.license_type == "user").count();
        assert_eq!(uk_user_rows, 1_031);
        let uk_clouds = uk.domains.iter().filter(|row| row.cloud).count();
        assert_eq!(uk_clouds, 36);
        assert_eq!(uk.license_changes.len(), 1_031 + uk_clouds);
        assert_eq!(uk.contracts.len(), 70);
        assert_eq!(uk.balance_events.len(), 140);
        // Firms ending in 1982 (62) and 1983 (43) end their rentals.
        assert_eq!(uk.domains.iter().filter(|row| row.rental_end == Some(date("2028-01-01"))).count(), 62);
        assert_eq!(uk.domains.iter().filter(|row| row.rental_end == Some(date("2029-01-01"))).count(), 43);
        assert_eq!(uk.domains.iter().filter(|row| row.rental_end.is_none()).count(), 35);

        let us = replay(US_FOLDER);
        assert_eq!(us.domains.len(), 148);
        // 147 series with all 120 months, one with 99 before its trailing blanks.
        let us_user_rows = us.license_changes.iter().filter(|row| row.license_type == "user").count();
        assert_eq!(us_user_rows, 147 * 120 + 99);
        assert_eq!(us.contracts.len(), 74);
        assert_eq!(us.domains.iter().filter(|row| row.cloud).count(), 38);

        // The channel: distributors and resellers.
        let count = |replay: &Replay, pick: fn(&DomainRow) -> &str| {
            replay.domains.iter().map(pick).collect::<std::collections::BTreeSet<_>>().len()
        };
        assert_eq!(count(&uk, |row| &row.distributor_id), 9);
        assert_eq!(count(&uk, |row| &row.reseller_id), 49);
        assert_eq!(count(&us, |row| &row.distributor_id), 21);
        assert_eq!(count(&us, |row| &row.reseller_id), 60);
        assert_eq!(domain(&us, "us-PAYNSA").distributor_id, "us-dist-other");
        assert!(us.domains.iter().all(|row| row.rental_end.is_none()));
        assert!(us.domains.iter().all(|row| row.rental_start == date("2020-10-01")));
    }

    #[test]
    fn counts_nonzero_years_consecutive() {
        for (_, replay) in converted() {
            assert!(replay.license_changes.iter().all(|row| row.licenses >= 1));
            assert!(replay.balance_events.iter().all(|row| row.amount_milli > 0));
        }
        // Every UK firm has one row per year with no gap (the reader also fails on a gap).
        let uk = replay(UK_FOLDER);
        for row in &uk.domains {
            let dates: Vec<Date> = users_of(&uk, &row.domain_id).into_iter().map(|(date, _)| date).collect();
            for pair in dates.windows(2) {
                assert_eq!(pair[1], pair[0].plus_months(12));
            }
        }
    }

    #[test]
    fn us_trailing_blanks_carried_forward() {
        let us = replay(US_FOLDER);
        // Department Stores: published to December 2017 (2028-12-01 shifted), then blank.
        let rows = users_of(&us, "us-CEU4245210001");
        assert_eq!(rows.len(), 99);
        let (last_date, last_count) = *rows.last().unwrap();
        assert_eq!(last_date, date("2028-12-01"));
        // 25 × 1425.7 ÷ 1455.5 = 24.49 → 24.
        assert_eq!(us_start_users("CEU4245210001"), 25);
        assert_eq!(last_count, 24);
    }

    #[test]
    fn us_leading_inner_trailing_blanks() {
        let folder = temp_folder("gaps");
        let path = folder.join("us.csv");
        let text = "Month,Series_ID,Title,Employed\n\
            2009 Oct,CEUX,\"Test, with comma\",\n\
            2009 Nov,CEUX,\"Test, with comma\",\n\
            2009 Dec,CEUX,\"Test, with comma\",200.0\n\
            2010 Jan,CEUX,\"Test, with comma\",\n\
            2010 Feb,CEUX,\"Test, with comma\",300.0\n\
            2010 Mar,CEUX,\"Test, with comma\",\n\
            2008 Jan,CEUX,\"Test, with comma\",999.0\n";
        fs::write(&path, text).unwrap();
        let prices = Prices { user_milli: 3_000, cloud_instance_milli: 20_000 };
        let replay = us_replay(&path, &prices).unwrap();
        let start = us_start_users("CEUX");
        // The rental starts at the first published month in the window; blanks write no row.
        assert_eq!(replay.domains[0].rental_start, date("2020-12-01"));
        assert_eq!(
            users_of(&replay, "us-CEUX"),
            vec![(date("2020-12-01"), start), (date("2021-02-01"), round_half_up(start as u128 * 3, 2))]
        );
        // A series with nothing published in the window is an error, not an empty domain.
        fs::write(&path, "Month,Series_ID,Title,Employed\n2009 Oct,CEUY,T,\n").unwrap();
        assert!(us_replay(&path, &prices).is_err());
        // A bad cell is an error, never a zero.
        fs::write(&path, "Month,Series_ID,Title,Employed\n2009 Oct,CEUY,T,n/a\n").unwrap();
        assert!(us_replay(&path, &prices).is_err());
        fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn uk_gap_is_an_error() {
        let folder = temp_folder("uk-gap");
        let path = folder.join("uk.csv");
        fs::write(&path, "firm,year,sector,emp,wage,capital,output\n1,1977,7,5.0,1,1,1\n1,1979,7,5.0,1,1,1\n").unwrap();
        let prices = Prices { user_milli: 3_000, cloud_instance_milli: 20_000 };
        assert!(uk_replay(&path, &prices).is_err());
        fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn output_deterministic_and_shipped() {
        let first = temp_folder("first");
        let second = temp_folder("second");
        write_all(&first);
        write_all(&second);
        let (a, b) = (files(&first), files(&second));
        assert_eq!(a.len(), 10);
        assert_eq!(a, b);
        // The files under data/replay/ are this converter's output.
        assert_eq!(files(&repo().join("data/replay")), a, "data/replay/ is stale: run the converter");
        fs::remove_dir_all(&first).unwrap();
        fs::remove_dir_all(&second).unwrap();
    }

    #[test]
    fn uk_firm_spot_check() {
        let uk = replay(UK_FOLDER);
        // Firm 1: 1977–1983, emp 5.0409999 … 2.9360001 thousand.
        let expected = [50, 56, 50, 47, 41, 32, 29];
        let rows = users_of(&uk, "uk-firm-001");
        assert_eq!(rows.len(), 7);
        for (index, (date_of_row, licenses)) in rows.iter().enumerate() {
            assert_eq!(*date_of_row, Date::from_ymd(2022 + index as i32, 1, 1).unwrap());
            assert_eq!(*licenses, expected[index]);
        }
        let firm = domain(&uk, "uk-firm-001");
        assert_eq!(firm.rental_start, date("2022-01-01"));
        assert_eq!(firm.rental_end, Some(date("2029-01-01")));
        assert!(!firm.cloud);
        assert_eq!(firm.distributor_id, "uk-dist-s7");
        assert_eq!(firm.devices_app, "13r1 SR28");
        // Opening balance: 2 months × 50 users × 3.000 iSC.
        let opening = uk.balance_events.iter().find(|row| row.domain_id == "uk-firm-001").unwrap();
        assert_eq!(opening.at, date("2022-01-01"));
        assert_eq!(format_milli(opening.amount_milli), "300.000");
        // Firm 4 (n = 4): cloud, contract k = 2: 4 weeks, 3 months, end customer.
        let cloud = domain(&uk, "uk-firm-004");
        assert!(cloud.cloud);
        let contract = uk.contracts.iter().find(|row| row.domain_id == "uk-firm-004").unwrap();
        assert_eq!(contract.threshold_weeks, 4);
        assert_eq!(contract.interval_months, 3);
        assert_eq!(contract.concluded_by, "end_customer");
        assert_eq!(contract.ordered_at, format!("{}T10:00:00Z", cloud.rental_start.plus_days(7)));
        assert_eq!(contract.end_date, cloud.rental_end.map(|end| end.plus_days(-1)));
        // The median of the first-year counts is 27 users (26 and 28 in the middle).
        let first_counts = uk.domains.iter().map(|row| users_of(&uk, &row.domain_id)[0].1).collect();
        assert_eq!(median(first_counts), 27);
    }

    #[test]
    fn us_series_spot_check() {
        let us = replay(US_FOLDER);
        // Total Private: 108,283 in October 2009, 128,363 in December 2018, 129,312 in September 2019.
        assert_eq!(us_start_users("CEU0500000001"), 26);
        let rows = users_of(&us, "us-CEU0500000001");
        assert_eq!(rows.len(), 120);
        assert_eq!(rows[0], (date("2020-10-01"), 26));
        // 26 × 128,363 ÷ 108,283 = 30.82 → 31; 26 × 129,312 ÷ 108,283 = 31.05 → 31.
        assert!(rows.contains(&(date("2029-12-01"), 31)));
        assert_eq!(rows[119], (date("2030-09-01"), 31));
        let total = domain(&us, "us-CEU0500000001");
        assert_eq!(total.distributor_id, "us-dist-05");
        assert_eq!(total.reseller_id, "us-res-05-1");
        // Start sizes stay within 10 … 40 and the median domain is in 15 … 30.
        let first_counts: Vec<u64> = us.domains.iter().map(|row| users_of(&us, &row.domain_id)[0].1).collect();
        assert!(first_counts.iter().all(|count| (10..=40).contains(count)));
        assert!((15..=30).contains(&median(first_counts)));
    }

    #[test]
    fn rules_valid_for_schema() {
        for (_, replay) in converted() {
            let clouds: Vec<&str> =
                replay.domains.iter().filter(|row| row.cloud).map(|row| row.domain_id.as_str()).collect();
            for row in &replay.connectivity {
                assert!(!clouds.contains(&row.domain_id.as_str()), "a cloud domain is never offline");
                assert!(row.last_night >= row.first_night);
            }
            assert!(!replay.connectivity.is_empty());
            for row in &replay.contracts {
                assert!([2, 4].contains(&row.threshold_weeks));
                assert!(INTERVALS.contains(&row.interval_months));
            }
            // One distributor per reseller.
            let mut distributor_of = BTreeMap::new();
            for row in &replay.domains {
                let previous = distributor_of.insert(row.reseller_id.clone(), row.distributor_id.clone());
                assert!(previous.is_none_or(|previous| previous == row.distributor_id));
            }
            // No duplicate (domain, date, type) in license changes.
            let mut keys: Vec<_> =
                replay.license_changes.iter().map(|row| (&row.domain_id, row.date, row.license_type)).collect();
            let count = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), count);
        }
    }

    #[test]
    fn scenario_paths_and_horizon() {
        // Each data set with the months that one of its counts covers.
        for (scenario, folder, period) in
            [("replay-uk-firms.toml", UK_FOLDER, 12), ("replay-us-industries.toml", US_FOLDER, 1)]
        {
            let path = repo().join("scenarios").join(scenario);
            let table: toml::Table = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
            let replay_section = table["replay"].as_table().unwrap();
            for file in ["domains", "license_changes", "contracts", "balance_events", "connectivity"] {
                let relative = replay_section[file].as_str().unwrap();
                assert_eq!(relative, format!("../data/replay/{folder}/{file}.csv"));
                assert!(path.parent().unwrap().join(relative).is_file(), "{scenario}: {relative} is missing");
            }
            assert_eq!(replay_section["duplicates"].as_str(), Some("error"));
            let horizon = table["horizon"].as_table().unwrap();
            let start = date(horizon["start"].as_str().unwrap());
            let end = start.plus_months(horizon["months"].as_integer().unwrap() as i32);
            let data = replay(folder);
            // Every domain rents at the horizon start, and the last count covers the horizon's end.
            assert!(data.domains.iter().all(|row| row.rental_start <= start));
            assert!(data.domains.iter().all(|row| row.rental_end.is_none_or(|end| end > start)));
            let last_change = data.license_changes.iter().map(|row| row.date).max().unwrap();
            assert!(last_change.plus_months(period) >= end, "{scenario}: no data at the horizon's end");
        }
    }
}
