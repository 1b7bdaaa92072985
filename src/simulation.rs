//! The settings one run applies to every domain: the rules, the working-day
//! calendar, the seed and the end of the simulated span.

use std::collections::BTreeMap;

use crate::calendar::{Date, Instant, WorkingCalendar, NIGHT_LENGTH_SECONDS};
use crate::devices_app::DevicesAppVersion;
use crate::domain::Domain;
use crate::random::{night_offset_from_key, purpose_key, Purpose};
use crate::rules::RuleSet;

/// Position of each domain's check in the night window.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckClock {
    /// Uniform over the window, drawn from the domain's stream per night.
    Random,
    /// The same offset after 22:00 for every domain, with exceptions per
    /// night; for hand-worked cases and controlled QA runs.
    Fixed { offset_seconds: i64, by_night: BTreeMap<Date, i64> },
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub rules: RuleSet,
    pub calendar: WorkingCalendar,
    pub seed: u64,
    /// Simulation stops before this instant.
    pub end: Instant,
    pub check_clock: CheckClock,
    seconds_per_month: i64,
    minimum_version: DevicesAppVersion,
}

impl Simulation {
    /// Validates the rules; returns their problems as `key = value: expected …`.
    pub fn new(rules: RuleSet, calendar: WorkingCalendar, seed: u64, end: Instant) -> Result<Simulation, Vec<String>> {
        rules.validate()?;
        let seconds_per_month = rules.seconds_per_month();
        let minimum_version = rules.minimum_version();
        let check_clock = CheckClock::Random;
        Ok(Simulation { rules, calendar, seed, end, check_clock, seconds_per_month, minimum_version })
    }

    /// Seconds in the month that prices and averages are stated in.
    pub fn seconds_per_month(&self) -> i64 {
        self.seconds_per_month
    }

    /// The domain's check instant of a night (also the instant its alert rule
    /// is evaluated), uniform over [D 22:00, D+1 05:00) to the second.
    pub fn night_instant(&self, domain: &Domain, night: Date) -> Instant {
        self.clock(domain.key).night_instant(night)
    }

    /// Returns the check clock of one domain, for loops over many of its nights.
    pub fn clock(&self, domain_key: u64) -> DomainClock<'_> {
        DomainClock { key: purpose_key(self.seed, domain_key, Purpose::NightOffset), clock: &self.check_clock }
    }

    /// Whether the domain's Devices App at that instant performs the nightly check.
    pub fn devices_app_checks(&self, domain: &Domain, at: Instant) -> bool {
        domain.devices_app_at(at) >= self.minimum_version
    }

    /// The first night at or after `min_night` whose instant is at or after `at`.
    pub fn first_night_from(&self, domain: &Domain, at: Instant, min_night: Date) -> Date {
        self.clock(domain.key).first_night_from(at, min_night)
    }
}

/// One domain's check instants, with its stream key computed once.
#[derive(Copy, Clone, Debug)]
pub struct DomainClock<'a> {
    key: u64,
    clock: &'a CheckClock,
}

impl DomainClock<'_> {
    pub fn night_instant(&self, night: Date) -> Instant {
        let offset = match self.clock {
            CheckClock::Random => night_offset_from_key(self.key, night),
            CheckClock::Fixed { offset_seconds, by_night } => {
                by_night.get(&night).copied().unwrap_or(*offset_seconds).clamp(0, NIGHT_LENGTH_SECONDS - 1)
            }
        };
        night.night_instant(offset)
    }

    /// The first night at or after `min_night` whose instant is at or after `at`.
    pub fn first_night_from(&self, at: Instant, min_night: Date) -> Date {
        let candidate = match at.night() {
            Some(night) if self.night_instant(night) >= at => night,
            Some(night) => night.plus_days(1),
            None => at.date(),
        };
        candidate.max(min_night)
    }
}
