//! Builders for the hand-worked cases: one domain, 30 iSC per license per
//! month (1 iSC per license per day), online, with an active contract when asked.

#![allow(dead_code)]

use std::collections::BTreeMap;

use isc_sim::calendar::{Date, Instant, WorkingCalendar};
use isc_sim::credit::{Exact, Milli, Rate};
use isc_sim::domain::{BalanceLoad, ConcludedBy, ContractOrder, Domain, LoadKind, RateChange, Rental};
use isc_sim::engine::Engine;
use isc_sim::event::{Event, Recorder, Segment};
use isc_sim::rules::{RuleSet, Threshold};
use isc_sim::simulation::{CheckClock, Simulation};

pub const SECONDS_PER_MONTH: i64 = 30 * 86_400;

pub fn at(text: &str) -> Instant {
    Instant::parse(text).unwrap_or_else(|| panic!("bad instant {text}"))
}

pub fn day(text: &str) -> Date {
    Date::parse(text).unwrap_or_else(|| panic!("bad date {text}"))
}

pub fn isc(text: &str) -> Milli {
    Milli::parse_isc(text).unwrap_or_else(|| panic!("bad amount {text}"))
}

/// Licenses at 30 iSC per license per month.
pub fn licenses(count: i64) -> Rate {
    Rate(count * 30_000)
}

pub struct Case {
    pub domain: Domain,
    pub simulation: Simulation,
}

impl Case {
    /// A domain whose rental and simulation start at `start`, simulated until `end`.
    pub fn new(start: &str, end: &str) -> Case {
        let start = at(start);
        let mut simulation =
            Simulation::new(RuleSet::default(), WorkingCalendar::baden_wuerttemberg(), 42, at(end)).unwrap();
        simulation.check_clock = CheckClock::Fixed { offset_seconds: 3_600, by_night: BTreeMap::new() };
        let mut domain = Domain::new(1, start);
        domain.rental = Rental { start, end: None };
        Case { domain, simulation }
    }

    /// Every night's check at this time of night, `HH:MM` between 22:00 and 04:59.
    pub fn checks_at(mut self, time: &str) -> Case {
        let offset = offset_of(time);
        if let CheckClock::Fixed { offset_seconds, .. } = &mut self.simulation.check_clock {
            *offset_seconds = offset;
        }
        self
    }

    /// The check of one night at this time of night.
    pub fn check_of_night(mut self, night: &str, time: &str) -> Case {
        let offset = offset_of(time);
        if let CheckClock::Fixed { by_night, .. } = &mut self.simulation.check_clock {
            by_night.insert(day(night), offset);
        }
        self
    }

    pub fn rate_from(mut self, from: &str, rate: Rate) -> Case {
        self.domain.rates.push(RateChange { at: at(from), rate });
        self.domain.rates.sort_by_key(|change| change.at);
        self
    }

    /// Sets the balance at an instant (an opening balance in the input).
    pub fn balance_at(mut self, when: &str, amount: &str) -> Case {
        self.domain.loads.push(BalanceLoad { at: at(when), amount: isc(amount), kind: LoadKind::Opening });
        self.domain.loads.sort_by_key(|load| load.at);
        self
    }

    pub fn order(mut self, when: &str, threshold_weeks: u32, interval_months: u32) -> Case {
        self.domain.contracts.push(ContractOrder {
            ordered_at: at(when),
            threshold: Threshold::from_weeks(threshold_weeks).unwrap(),
            interval_months,
            end_date: None,
            cancelled_at: None,
            concluded_by: ConcludedBy::EndCustomer,
        });
        self
    }

    pub fn last_order_ends(mut self, last_day: &str) -> Case {
        self.domain.contracts.last_mut().unwrap().end_date = Some(day(last_day));
        self
    }

    pub fn last_order_cancelled(mut self, when: &str) -> Case {
        self.domain.contracts.last_mut().unwrap().cancelled_at = Some(at(when));
        self
    }

    /// Runs both engines, asserts they agree, and returns the fast engine's record.
    pub fn run(&self) -> Recorder {
        self.domain.check_invariants().unwrap();
        let mut fast = Recorder::default();
        Engine::new().simulate(&self.domain, &self.simulation, &mut fast);
        let mut plain = Recorder::default();
        isc_sim::reference::simulate(&self.domain, &self.simulation, &mut plain);
        assert_eq!(expand(&fast.events, self), expand(&plain.events, self), "engines disagree");
        fast
    }
}

fn offset_of(time: &str) -> i64 {
    let (hours, minutes) = time.split_once(':').unwrap();
    let hours: i64 = hours.parse().unwrap();
    let minutes: i64 = minutes.parse().unwrap();
    let seconds = ((hours + 24 - 22) % 24) * 3_600 + minutes * 60;
    assert!(seconds < 7 * 3_600, "{time} is outside the night window");
    seconds
}

/// The events with runs of checks expanded to one `Check` per night.
pub fn expand(events: &[Event], case: &Case) -> Vec<Event> {
    let mut out = Vec::new();
    for event in events {
        match *event {
            Event::ChecksRun { first, last } => {
                let mut night = first;
                while night <= last {
                    out.push(Event::Check { night, at: case.simulation.night_instant(&case.domain, night) });
                    night = night.plus_days(1);
                }
            }
            ref other => out.push(other.clone()),
        }
    }
    out
}

pub fn reloads(recorder: &Recorder) -> Vec<(Instant, Milli, Exact)> {
    recorder
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Reload { at, amount, balance_after, .. } => Some((*at, *amount, *balance_after)),
            _ => None,
        })
        .collect()
}

pub fn invoices(recorder: &Recorder) -> Vec<(Date, Milli)> {
    recorder
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Invoice { at, amount, .. } => Some((at.date(), *amount)),
            _ => None,
        })
        .collect()
}

/// Exact consumption over [from, to), from the engine's segments.
pub fn consumed_between(segments: &[Segment], from: Instant, to: Instant) -> Exact {
    let mut total = Exact::ZERO;
    for segment in segments {
        let start = segment.from.max(from);
        let end = segment.to.min(to);
        if end <= start {
            continue;
        }
        // A segment's balance is linear until it runs out, so the part
        // consumed in [start, end) is what remains at start minus at end.
        let remaining = |when: Instant| {
            let used = segment.rate.over(when.0 - segment.from.0);
            Exact((segment.balance_from.0 - used.0).max(0))
        };
        total += remaining(start) - remaining(end);
    }
    total
}

/// The exact balance at an instant, from the segment that covers it.
pub fn balance_at(segments: &[Segment], when: Instant) -> Exact {
    let segment = segments.iter().find(|s| s.from <= when && when <= s.to).expect("a segment covers the instant");
    Exact((segment.balance_from.0 - segment.rate.over(when.0 - segment.from.0).0).max(0))
}

pub fn milli(exact: Exact) -> Milli {
    exact.round_to_milli(SECONDS_PER_MONTH)
}
