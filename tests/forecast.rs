//! As-of forecasting on the US industry replay: the history before `as_of`
//! is replayed exactly, and a zero volatility gives the deterministic
//! continuation.

use std::path::Path;

use isc_sim::calendar::{Instant, WorkingCalendar};
use isc_sim::event::{Event, Recorder};
use isc_sim::forecast::{continue_domain, estimate};
use isc_sim::input::replay::load;
use isc_sim::rules::RuleSet;
use isc_sim::scenario::Scenario;
use isc_sim::simulation::Simulation;

fn us_replay() -> (Scenario, Vec<isc_sim::domain::Domain>) {
    let path = Path::new("scenarios/forecast-us-industries.toml");
    let scenario = Scenario::load(path).unwrap();
    let input = load(scenario.replay.as_ref().unwrap(), path.parent().unwrap()).unwrap();
    (scenario, input.list.domains)
}

/// Events before `as_of`, with runs of nights expanded to one event per night.
fn before(events: &[Event], as_of: Instant, domain: &isc_sim::domain::Domain, simulation: &Simulation) -> Vec<Event> {
    let mut out = Vec::new();
    for event in events {
        match *event {
            Event::ChecksRun { first, last } | Event::OfflineNights { first, last } => {
                let mut night = first;
                while night <= last {
                    let at = simulation.night_instant(domain, night);
                    if at < as_of {
                        out.push(match event {
                            Event::ChecksRun { .. } => Event::Check { night, at },
                            _ => Event::OfflineNights { first: night, last: night },
                        });
                    }
                    night = night.plus_days(1);
                }
            }
            ref other if other.at() < as_of => out.push(other.clone()),
            _ => {}
        }
    }
    out
}

#[test]
fn history_before_as_of_replays_exactly() {
    let (scenario, domains) = us_replay();
    let as_of = scenario.horizon.start_instant();
    let end = scenario.horizon.end_instant();
    let simulation = Simulation::new(RuleSet::default(), WorkingCalendar::baden_wuerttemberg(), scenario.seed, end).unwrap();
    let estimates = estimate(&domains, as_of);
    assert!(estimates.changes > 1_000, "the history has license changes: {estimates:?}");
    let mut engine = isc_sim::engine::Engine::new();
    let mut compared = 0;
    for domain in &domains {
        let continued = continue_domain(domain, as_of, end, &estimates, 1.0, &simulation);
        let (mut plain, mut forecast) = (Recorder::default(), Recorder::default());
        engine.simulate(domain, &simulation, &mut plain);
        engine.simulate(&continued, &simulation, &mut forecast);
        let plain_before = before(&plain.events, as_of, domain, &simulation);
        assert_eq!(plain_before, before(&forecast.events, as_of, &continued, &simulation), "domain {}", domain.key);
        compared += plain_before.len();
    }
    assert!(compared > 10_000, "{compared} events compared");
}

#[test]
fn zero_volatility_is_deterministic_continuation() {
    let (scenario, domains) = us_replay();
    let as_of = scenario.horizon.start_instant();
    let end = scenario.horizon.end_instant();
    let estimates = estimate(&domains, as_of);
    let monthly_log = estimates.step_log_mean * estimates.changes_per_year / 12.0;
    assert!(monthly_log != 0.0);
    let seeds = [1, 2];
    for domain in domains.iter().filter(|d| d.rental.in_force(as_of)).take(20) {
        let continued: Vec<_> = seeds
            .iter()
            .map(|seed| {
                let simulation = Simulation::new(RuleSet::default(), WorkingCalendar::baden_wuerttemberg(), *seed, end).unwrap();
                continue_domain(domain, as_of, end, &estimates, 0.0, &simulation)
            })
            .collect();
        assert_eq!(continued[0], continued[1], "no draw at zero volatility");
        let next = &continued[0];
        assert_eq!(next.contracts.len(), domain.contracts.iter().filter(|o| o.ordered_at <= as_of).count());
        assert_eq!(next.rental.end, None);
        // After as_of: one change on the 1st of each month, the rate times exp(monthly drift).
        let mut expected = domain.rate_at(as_of).0 as f64;
        let after: Vec<_> = next.rates.iter().filter(|change| change.at > as_of).collect();
        assert_eq!(after.len(), 11, "changes on Feb 1 to Dec 1");
        for (month, change) in after.iter().enumerate() {
            expected *= monthly_log.exp();
            assert_eq!(change.at, isc_sim::calendar::Date::parse("2027-02-01").unwrap().plus_months(month as i32).midnight());
            assert_eq!(change.rate.0, expected.round() as i64);
        }
    }
}

#[test]
fn forecast_command_writes_estimates_and_paths() {
    let dir = std::env::temp_dir().join(format!("isc-sim-forecast-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let paths = dir.join("paths.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isc-sim"))
        .args(["run", "scenarios/forecast-us-industries.toml", "--replications", "3", "--quiet", "--no-report"])
        .args(["--out", dir.join("out").to_str().unwrap(), "--sample-paths", paths.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let estimates = std::fs::read_to_string(dir.join("out/forecast_estimates.json")).unwrap();
    assert!(estimates.contains("\"changes_per_year\""), "{estimates}");
    let text = std::fs::read_to_string(&paths).unwrap();
    assert!(text.starts_with("replication,month,"));
    assert_eq!(text.lines().count(), 1 + 3 * 12);
    let monthly = std::fs::read_to_string(dir.join("out/monthly.csv")).unwrap();
    assert!(monthly.lines().next().unwrap().contains("reloaded_isc_p90"));
}

#[test]
fn arrivals_follow_recent_rental_starts() {
    use isc_sim::credit::{Milli, Rate};
    use isc_sim::domain::{BalanceLoad, Domain, LoadKind, RateChange};
    let as_of = Instant::parse("2027-01-01").unwrap();
    let end = Instant::parse("2029-01-01").unwrap();
    // 24 domains started in the year before as_of: 2 new rentals a month.
    let domains: Vec<Domain> = (0..24)
        .map(|index| {
            let start = Instant::parse("2026-01-05").unwrap().plus_days(index * 15);
            let mut domain = Domain::new(index as u64, start);
            domain.rates.push(RateChange { at: start, rate: Rate(300_000 + index * 1_000) });
            domain.loads.push(BalanceLoad { at: start, amount: Milli(600_000), kind: LoadKind::Opening });
            domain.reseller = 7;
            domain
        })
        .collect();
    let estimates = estimate(&domains, as_of);
    assert_eq!(estimates.new_domains_monthly, 2.0);
    let simulation = Simulation::new(RuleSet::default(), WorkingCalendar::baden_wuerttemberg(), 5, end).unwrap();
    let arrivals = isc_sim::forecast::arrivals(&domains, as_of, end, &estimates, &simulation);
    // 24 months at 2 a month: 48 expected; a Poisson count lies within ±4 sd (28) surely.
    assert!((20..=76).contains(&arrivals.len()), "{} arrivals", arrivals.len());
    let mut keys = std::collections::BTreeSet::new();
    for arrival in &arrivals {
        assert!(arrival.rental.start > as_of && arrival.rental.start < end);
        assert_eq!(arrival.reseller, 7);
        assert_eq!(arrival.rates[0].at, arrival.rental.start);
        assert!(domains.iter().any(|d| d.rates[0].rate == arrival.rates[0].rate), "a template's first rate");
        assert_eq!(arrival.loads[0].amount, Milli(600_000));
        assert_eq!(arrival.check_invariants(), Ok(()));
        keys.insert(arrival.key);
    }
    assert_eq!(keys.len(), arrivals.len(), "every arrival has its own key");
    let again = isc_sim::forecast::arrivals(&domains, as_of, end, &estimates, &simulation);
    assert_eq!(again, arrivals, "the same seed draws the same arrivals");
}

#[test]
fn backtest_forecast_reports_each_series() {
    let dir = std::env::temp_dir().join(format!("isc-sim-backtest-forecast-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isc-sim"))
        .args(["backtest-forecast", "scenarios/replay-us-industries.toml", "--holdout", "12", "--replications", "5"])
        .args(["--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = std::fs::read_to_string(dir.join("backtest_forecast.csv")).unwrap();
    assert!(table.starts_with("series,p50_mape_percent,naive_mape_percent,share_of_months_in_p10_p90"));
    for series in ["reloaded_isc", "reloads", "invoices", "stopped_domain_hours", "alert_emails"] {
        let row = table.lines().find(|line| line.starts_with(&format!("{series},"))).unwrap_or_else(|| panic!("{series} missing"));
        let values: Vec<f64> = row.split(',').skip(1).map(|v| v.parse().unwrap()).collect();
        assert!(values[0].is_finite() && values[0] >= 0.0, "{row}");
        assert!((0.0..=1.0).contains(&values[2]), "{row}");
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_isc-sim"))
        .args(["backtest-forecast", "scenarios/replay-us-industries.toml", "--holdout", "36"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn as_of_outside_history_is_rejected() {
    let dir = std::env::temp_dir().join(format!("isc-sim-forecast-range-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("scenarios/forecast-us-industries.toml").unwrap();
    let base = std::env::current_dir().unwrap().join("data");
    let text = text.replace("\"../data", &format!("\"{}", base.display()));
    for date in ["2019-01-01", "2031-06-01"] {
        let scenario = dir.join(format!("{date}.toml"));
        std::fs::write(&scenario, text.replace("2027-01-01", date)).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_isc-sim"))
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--out", dir.join(format!("out-{date}")).to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{date}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("expected a date inside the history"), "{date}");
        assert!(!dir.join(format!("out-{date}")).exists());
    }
}
