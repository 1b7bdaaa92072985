//! The event-driven engine and the night-by-night reference must emit the
//! same events on random domains over three years: random license paths,
//! prices, contracts, outages, end dates, cancellations, loads and rules.

use isc_sim::calendar::{Date, Instant, WorkingCalendar};
use isc_sim::credit::{Exact, Milli, Rate};
use isc_sim::devices_app::DevicesAppVersion;
use isc_sim::domain::{
    BalanceLoad, ConcludedBy, ContractOrder, Deployment, Domain, LoadKind, ManualBehaviour, Outage, RateChange, Rental,
};
use isc_sim::engine::Engine;
use isc_sim::event::{Event, Recorder, Segment};
use isc_sim::random::{Purpose, Stream};
use isc_sim::rules::{AverageBasis, CancellationCutoff, RuleSet, Threshold};
use isc_sim::simulation::Simulation;
use proptest::prelude::*;

const DAY: i64 = 86_400;

fn instant_in(stream: &mut Stream, from: Instant, days: i64) -> Instant {
    let seconds = (stream.uniform() * (days * DAY) as f64) as i64;
    // Round some instants to midnight or to the hour, where ties with nights and loads live.
    match stream.next_bits() % 4 {
        0 => Instant(from.0 + seconds - seconds.rem_euclid(DAY)),
        1 => Instant(from.0 + seconds - seconds.rem_euclid(3600)),
        _ => Instant(from.0 + seconds),
    }
}

fn random_rules(stream: &mut Stream) -> RuleSet {
    let mut rules = RuleSet::default();
    if stream.bernoulli(0.3) {
        rules.average_basis = AverageBasis::Charged;
    }
    if stream.bernoulli(0.3) {
        rules.cancellation_cutoff = CancellationCutoff::Night;
    }
    if stream.bernoulli(0.2) {
        rules.reload_delay_seconds = (stream.next_bits() % (3 * DAY as u64)) as i64 + 1;
    }
    if stream.bernoulli(0.2) {
        rules.acceptance_delay_weights = vec![0.5, 0.3, 0.2];
    }
    if stream.bernoulli(0.2) {
        rules.average_window_days = 1 + (stream.next_bits() % 60) as u32;
        rules.alert_spacing_days = 1 + (stream.next_bits() % 10) as u32;
        rules.days_per_month = 28 + (stream.next_bits() % 4) as u32;
    }
    rules
}

fn random_domain(stream: &mut Stream, key: u64, start: Instant) -> Domain {
    let mut domain = Domain::new(key, start);
    let horizon_days = 3 * 365;
    domain.deployment = if stream.bernoulli(0.3) { Deployment::Cloud } else { Deployment::OnPremises };
    let rental_start = match stream.next_bits() % 3 {
        0 => Instant(start.0 - 400 * DAY),
        1 => start,
        _ => instant_in(stream, start, 400),
    };
    let rental_end = stream.bernoulli(0.2).then(|| instant_in(stream, rental_start.max(start), 900));
    domain.rental = Rental { start: rental_start, end: rental_end };

    let mut at = Instant(start.0 - 100 * DAY);
    let changes = 1 + stream.next_bits() % 25;
    for _ in 0..changes {
        let licenses = match stream.next_bits() % 10 {
            0 => 0,
            1 => 200 + stream.next_bits() % 2000,
            _ => 1 + stream.next_bits() % 60,
        };
        let price_milli = 1_000 + (stream.next_bits() % 59_000) as i64;
        domain.rates.push(RateChange { at, rate: Rate(licenses as i64 * price_milli) });
        at = instant_in(stream, at, (horizon_days / changes as i64).max(1) * 2);
    }

    let versions = ["12r2 SR5", "13r1 SR27", "13r1 SR28", "14r1"];
    domain.devices_app = versions[(stream.next_bits() % 4) as usize].parse::<DevicesAppVersion>().unwrap();
    if stream.bernoulli(0.3) {
        let upgrade = versions[(stream.next_bits() % 4) as usize].parse().unwrap();
        domain.devices_app_changes.push((instant_in(stream, start, horizon_days), upgrade));
    }

    if domain.deployment == Deployment::OnPremises {
        let mut night = start.date();
        let start_probability = [0.0, 0.01, 0.05, 0.3][(stream.next_bits() % 4) as usize];
        loop {
            if start_probability == 0.0 {
                break;
            }
            night = night.plus_days(1 + stream.geometric(start_probability) as i32);
            if night.0 > start.date().0 + horizon_days as i32 {
                break;
            }
            let length = 1 + stream.geometric(0.5) as i32;
            let last = night.plus_days(length - 1);
            domain.outages.push(Outage { first: night, last });
            night = last.plus_days(1);
        }
    }

    let opening = match stream.next_bits() % 4 {
        0 => 0,
        1 => (stream.next_bits() % 1_000_000) as i64,
        _ => (stream.next_bits() % 50_000_000) as i64,
    };
    domain.loads.push(BalanceLoad { at: start, amount: Milli(opening), kind: LoadKind::Opening });
    for _ in 0..stream.next_bits() % 4 {
        let amount = Milli((stream.next_bits() % 5_000_000) as i64);
        domain.loads.push(BalanceLoad { at: instant_in(stream, start, horizon_days), amount, kind: LoadKind::Manual });
    }
    domain.loads.sort_by_key(|load| load.at);

    for _ in 0..stream.next_bits() % 4 {
        let ordered_at = instant_in(stream, start, horizon_days);
        let threshold = if stream.bernoulli(0.5) { Threshold::TwoWeeks } else { Threshold::FourWeeks };
        let interval_months = [1, 2, 3, 6, 12][(stream.next_bits() % 5) as usize];
        let end_date = stream.bernoulli(0.3).then(|| instant_in(stream, ordered_at, 500).date());
        let cancelled_at = stream.bernoulli(0.3).then(|| instant_in(stream, ordered_at, 500));
        let concluded_by = if stream.bernoulli(0.5) { ConcludedBy::EndCustomer } else { ConcludedBy::Reseller };
        domain.contracts.push(ContractOrder { ordered_at, threshold, interval_months, end_date, cancelled_at, concluded_by });
    }
    domain.contracts.sort_by_key(|order| order.ordered_at);

    domain.reseller = (stream.next_bits() % 100) as u32;
    domain.distributor = (stream.next_bits() % 10) as u32;
    if stream.bernoulli(0.5) {
        domain.manual = ManualBehaviour {
            load_after_alert_probability: stream.uniform(),
            lag_hours_min: 0,
            lag_hours_max: (stream.next_bits() % 200) as u32,
            months_weights: vec![0.5, 0.0, 0.3, 0.0, 0.0, 0.2],
            recovery_daily_probability: stream.uniform() * 0.5,
        };
    }
    domain.check_invariants().expect("generated domain is valid");
    domain
}

/// Expands runs of nights into one event per night so that both engines'
/// streams compare event by event.
fn normalized(events: &[Event], domain: &Domain, simulation: &Simulation) -> Vec<Event> {
    let mut out = Vec::new();
    for event in events {
        match *event {
            Event::ChecksRun { first, last } => {
                let mut night = first;
                while night <= last {
                    out.push(Event::Check { night, at: simulation.night_instant(domain, night) });
                    night = night.plus_days(1);
                }
            }
            Event::OfflineNights { first, last } => {
                let mut night = first;
                while night <= last {
                    out.push(Event::OfflineNights { first: night, last: night });
                    night = night.plus_days(1);
                }
            }
            ref other => out.push(other.clone()),
        }
    }
    out
}

fn total_consumed(segments: &[Segment]) -> Exact {
    segments.iter().fold(Exact::ZERO, |sum, segment| sum + segment.consumed())
}

fn check_one(seed: u64) -> Result<(), TestCaseError> {
    let mut stream = Stream::new(seed, 0, Purpose::Population, 0);
    let start = Instant::parse("2024-01-01").unwrap();
    let end = Instant::parse("2027-01-01").unwrap();
    let rules = random_rules(&mut stream);
    let simulation = Simulation::new(rules, WorkingCalendar::baden_wuerttemberg(), seed, end).unwrap();
    let domain = random_domain(&mut stream, seed.rotate_left(17), start);

    let mut fast = Recorder::default();
    Engine::new().simulate(&domain, &simulation, &mut fast);
    let mut plain = Recorder::default();
    isc_sim::reference::simulate(&domain, &simulation, &mut plain);

    let fast_events = normalized(&fast.events, &domain, &simulation);
    let plain_events = normalized(&plain.events, &domain, &simulation);
    if let Some(index) = fast_events.iter().zip(&plain_events).position(|(a, b)| a != b) {
        let from = index.saturating_sub(3);
        prop_assert!(
            false,
            "seed {seed}: first difference at event {index}\nfast:  {:#?}\nplain: {:#?}",
            &fast_events[from..(index + 2).min(fast_events.len())],
            &plain_events[from..(index + 2).min(plain_events.len())]
        );
    }
    prop_assert_eq!(fast_events.len(), plain_events.len(), "seed {}: event counts differ", seed);
    prop_assert_eq!(total_consumed(&fast.segments), total_consumed(&plain.segments), "seed {}: consumption differs", seed);
    for event in &fast_events {
        if let Event::Reload { balance_after, .. } | Event::ManualLoad { balance_after, .. } = event {
            prop_assert!(balance_after.0 >= 0, "seed {}: negative balance", seed);
        }
    }
    let mut previous = Instant::MIN;
    for event in fast_events.iter().filter(|e| !matches!(e, Event::OfflineNights { .. })) {
        prop_assert!(event.at() >= previous, "seed {}: events out of time order at {:?}", seed, event);
        previous = event.at();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engines_emit_identical_events(seed in any::<u64>()) {
        check_one(seed)?;
    }
}

#[test]
fn random_domains_exercise_every_event() {
    // Guards the generator above: if it stopped producing some kind of event,
    // the agreement test would pass without testing that rule.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..2_000u64 {
        let mut stream = Stream::new(seed, 0, Purpose::Population, 0);
        let start = Instant::parse("2024-01-01").unwrap();
        let end = Instant::parse("2027-01-01").unwrap();
        let rules = random_rules(&mut stream);
        let simulation = Simulation::new(rules, WorkingCalendar::baden_wuerttemberg(), seed, end).unwrap();
        let domain = random_domain(&mut stream, seed.rotate_left(17), start);
        let mut recorder = Recorder::default();
        Engine::new().simulate(&domain, &simulation, &mut recorder);
        for event in &recorder.events {
            let name = format!("{event:?}");
            let name = name.split([' ', '{']).next().unwrap().to_string();
            let detail = match event {
                Event::Stop { cause, .. } => format!("{name}:{cause:?}"),
                Event::ContractRejected { reason, .. } => format!("{name}:{reason:?}"),
                Event::ManualLoad { source, .. } => format!("{name}:{source:?}"),
                _ => name,
            };
            seen.insert(detail);
        }
    }
    let expected = [
        "Alert", "Check", "ChecksRun", "ContractAccepted", "ContractCancelled", "ContractEnded",
        "ContractRejected:InsufficientBalance", "ContractRejected:ContractAlreadyActive",
        "ContractRejected:RentalNotAccepted", "Invoice", "ManualLoad:AlertResponse", "ManualLoad:Input",
        "ManualLoad:Opening", "ManualLoad:Recovery", "OfflineNights", "Reload", "RentalEnded", "RentalStarted",
        "Resume", "Stop:NoContract", "Stop:OfflineNights", "Stop:ThresholdTooShort", "Stop:ContractCancelled",
        "Stop:ContractEnded", "Stop:OutdatedDevicesApp", "Stop:RejectedOrder",
    ];
    for name in expected {
        assert!(seen.contains(name), "no {name} event in 2,000 random domains; seen: {seen:?}");
    }
    let _ = Date(0);
}
