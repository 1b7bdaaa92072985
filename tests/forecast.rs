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
