//! Totals and output files do not depend on the thread count or on
//! repetition: credit sums are exact integers and workers merge by addition.

use std::sync::atomic::AtomicU64;

use isc_sim::calendar::{Instant, WorkingCalendar};
use isc_sim::credit::{Milli, Rate};
use isc_sim::domain::{BalanceLoad, Domain, LoadKind, RateChange};
use isc_sim::input::pricing::{read_price_list, EMBEDDED_PRICES_CSV};
use isc_sim::output::write_table;
use isc_sim::runner::{combine, DomainList, Run};
use isc_sim::scenario::Scenario;

const SCENARIO: &str = "name = \"c13\"\nseed = 42\n[horizon]\nstart = \"2027-01-01\"\nmonths = 1\n";

/// A domain that consumes exactly `amount` iSC: 1 iSC a day until its balance runs out.
fn domain(key: u64, amount: &str) -> Domain {
    let start = Instant::parse("2027-01-01").unwrap();
    let mut domain = Domain::new(key, start);
    domain.rates.push(RateChange { at: start, rate: Rate(30_000) });
    domain.loads.push(BalanceLoad { at: start, amount: Milli::parse_isc(amount).unwrap(), kind: LoadKind::Opening });
    domain
}

/// Runs the three domains with `threads` workers and returns the bytes of every table file.
fn output_bytes(domains: &DomainList, threads: usize) -> Vec<(String, Vec<u8>)> {
    let scenario = Scenario::from_toml("c13.toml", SCENARIO).unwrap();
    let prices = read_price_list("prices.csv", EMBEDDED_PRICES_CSV.as_bytes()).unwrap();
    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = Run { scenario: &scenario, prices: &prices, calendar: &calendar, replications: 1, replay: Some(domains), progress: &progress };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let replications = pool.install(|| run.execute()).unwrap();
    let dir = std::env::temp_dir().join(format!("isc-sim-c13-{}-{threads}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for table in combine(&replications) {
        write_table(&dir, &table).unwrap();
        for extension in ["csv", "parquet"] {
            let name = format!("{}.{extension}", table.name);
            files.push((name.clone(), std::fs::read(dir.join(&name)).unwrap()));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    files
}

#[test]
fn c13_totals_independent_of_threads() {
    let domains = DomainList { domains: vec![domain(1, "0.1"), domain(2, "0.2"), domain(3, "0.3")], resellers: 1, distributors: 1, ids: Vec::new() };
    let reference = output_bytes(&domains, 1);
    let monthly = String::from_utf8(reference.iter().find(|(name, _)| name == "monthly.csv").unwrap().1.clone()).unwrap();
    let header: Vec<&str> = monthly.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = monthly.lines().nth(1).unwrap().split(',').collect();
    let consumed = header.iter().position(|column| *column == "consumed_isc").unwrap();
    assert_eq!(row[consumed], "0.600");
    for threads in [2, 8] {
        assert_eq!(output_bytes(&domains, threads), reference, "{threads} threads");
    }
    for _ in 0..20 {
        assert_eq!(output_bytes(&domains, 2), reference, "a repeated run");
    }
    let reversed = DomainList { domains: domains.domains.iter().rev().cloned().collect(), ..domains.clone() };
    assert_eq!(output_bytes(&reversed, 2), reference, "reversed input order");
}

#[test]
fn open_contract_active_at_every_month_end() {
    use isc_sim::domain::{ConcludedBy, ContractOrder};
    use isc_sim::rules::Threshold;
    let scenario = Scenario::from_toml("c.toml", &SCENARIO.replace("months = 1", "months = 3")).unwrap();
    let mut with_contract = domain(1, "1000");
    with_contract.start = Instant::parse("2026-12-01").unwrap();
    with_contract.rental.start = with_contract.start;
    with_contract.rates[0].at = with_contract.start;
    with_contract.loads[0].at = with_contract.start;
    with_contract.contracts.push(ContractOrder {
        ordered_at: with_contract.start,
        threshold: Threshold::TwoWeeks,
        interval_months: 1,
        end_date: None,
        cancelled_at: None,
        concluded_by: ConcludedBy::EndCustomer,
    });
    let domains = DomainList { domains: vec![with_contract], resellers: 1, distributors: 1, ids: Vec::new() };
    let prices = read_price_list("prices.csv", EMBEDDED_PRICES_CSV.as_bytes()).unwrap();
    let calendar = WorkingCalendar::baden_wuerttemberg();
    let progress = AtomicU64::new(0);
    let run = Run { scenario: &scenario, prices: &prices, calendar: &calendar, replications: 1, replay: Some(&domains), progress: &progress };
    let tables = run.execute().unwrap();
    let active = tables[0].monthly.column("active_contracts").unwrap().clone();
    assert_eq!(active, isc_sim::aggregate::tables::Column::Int(vec![1, 1, 1]));
    let outcomes = &tables[0].outcomes;
    let names = outcomes.column("outcome").unwrap();
    let counts = outcomes.column("count").unwrap();
    let (isc_sim::aggregate::tables::Column::Text(names), isc_sim::aggregate::tables::Column::Int(counts)) = (names, counts) else {
        panic!("outcome columns have the wrong types");
    };
    let active_at_end = names.iter().position(|name| name == "active_at_end").unwrap();
    assert_eq!(counts[active_at_end], 1);
}
