//! The per-worker accumulator: a sink that folds every domain's events and
//! consumption segments into fixed-size integer arrays over the horizon's
//! days, nights, months and partners. Workers merge by addition, which is
//! exact and commutative, so totals do not depend on threads or order.

use crate::calendar::{Date, Instant, NIGHT_START_SECONDS, SECONDS_PER_DAY};
use crate::credit::{Exact, Rate};
use crate::domain::{Domain, Partner, PartnerKind};
use crate::event::{Event, LoadSource, RejectReason, Segment, Sink, StopCause};
use crate::simulation::Simulation;

pub const MINUTES_PER_NIGHT: usize = 7 * 60;
pub const STOP_CAUSES: [StopCause; 8] = [
    StopCause::NoContract,
    StopCause::RejectedOrder,
    StopCause::AwaitingAcceptance,
    StopCause::ContractEnded,
    StopCause::ContractCancelled,
    StopCause::OutdatedDevicesApp,
    StopCause::OfflineNights,
    StopCause::ThresholdTooShort,
];
pub const REJECT_REASONS: [RejectReason; 3] =
    [RejectReason::RentalNotAccepted, RejectReason::InsufficientBalance, RejectReason::ContractAlreadyActive];

pub fn cause_index(cause: StopCause) -> usize {
    STOP_CAUSES.iter().position(|c| *c == cause).expect("every cause is listed")
}

fn reason_index(reason: RejectReason) -> usize {
    REJECT_REASONS.iter().position(|r| *r == reason).expect("every reason is listed")
}

/// The calendar of the horizon: its days and month boundaries.
#[derive(Clone, Debug)]
pub struct HorizonIndex {
    pub first_date: Date,
    pub days: usize,
    /// First day of each month, and the end date after the last month.
    pub month_starts: Vec<Date>,
    /// For each day, the index of its month.
    pub month_of_day: Vec<u16>,
}

impl HorizonIndex {
    pub fn new(first_date: Date, months: u32) -> HorizonIndex {
        let month_starts: Vec<Date> = (0..=months as i32).map(|k| first_date.plus_months(k)).collect();
        let days = (month_starts[months as usize].0 - first_date.0) as usize;
        let mut month_of_day = Vec::with_capacity(days);
        for month in 0..months as usize {
            let length = (month_starts[month + 1].0 - month_starts[month].0) as usize;
            month_of_day.extend(std::iter::repeat_n(month as u16, length));
        }
        HorizonIndex { first_date, days, month_starts, month_of_day }
    }

    pub fn months(&self) -> usize {
        self.month_starts.len() - 1
    }

    pub fn start(&self) -> Instant {
        self.first_date.midnight()
    }

    pub fn end(&self) -> Instant {
        self.month_starts[self.months()].midnight()
    }

    /// The day index of a date, if inside the horizon.
    pub fn day(&self, date: Date) -> Option<usize> {
        let index = date.0 - self.first_date.0;
        (index >= 0 && (index as usize) < self.days).then_some(index as usize)
    }

    pub fn month_of(&self, at: Instant) -> Option<usize> {
        self.day(at.date()).map(|day| self.month_of_day[day] as usize)
    }

    /// Nights tracked for the check load: the night before the first day,
    /// whose checks after midnight fall on it, up to the last day's night.
    pub fn nights(&self) -> usize {
        self.days + 1
    }

    pub fn night_index(&self, night: Date) -> Option<usize> {
        let index = night.0 - (self.first_date.0 - 1);
        (index >= 0 && (index as usize) < self.nights()).then_some(index as usize)
    }

    pub fn night_of_index(&self, index: usize) -> Date {
        self.first_date.plus_days(index as i32 - 1)
    }
}

/// The pathology detectors of a run, in the order of the `pathologies` table.
pub const DETECTORS: [&str; 3] = ["reload_bursts", "reloads_leaving_threshold", "stops_with_active_contract"];

/// Counts and the earliest examples (instant, domain key) of each detector.
/// Examples are the smallest by instant and key, so they do not depend on
/// how the domains were split over workers.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub counts: [u64; 3],
    pub examples: [Vec<(Instant, u64)>; 3],
}

impl Findings {
    fn add(&mut self, detector: usize, at: Instant, key: u64, keep: usize) {
        self.counts[detector] += 1;
        let examples = &mut self.examples[detector];
        let position = examples.partition_point(|example| *example < (at, key));
        if position < keep {
            examples.insert(position, (at, key));
            examples.truncate(keep);
        }
    }

    fn merge(&mut self, other: &Findings, keep: usize) {
        for detector in 0..DETECTORS.len() {
            self.counts[detector] += other.counts[detector];
            let mut all: Vec<(Instant, u64)> = self.examples[detector].iter().chain(&other.examples[detector]).copied().collect();
            all.sort();
            all.truncate(keep);
            self.examples[detector] = all;
        }
    }
}

/// Detector settings the tally needs.
#[derive(Copy, Clone, Debug)]
pub struct DetectorSettings {
    pub reload_count: usize,
    pub reload_window_seconds: i64,
    pub examples: usize,
}

impl Default for DetectorSettings {
    fn default() -> DetectorSettings {
        DetectorSettings { reload_count: 3, reload_window_seconds: 30 * SECONDS_PER_DAY, examples: 5 }
    }
}

/// What the tally keeps of the domain it is receiving.
#[derive(Clone, Debug, Default)]
struct DomainState {
    /// Instants of the domain's recent reloads, at most `reload_count` of them.
    recent_reloads: std::collections::VecDeque<Instant>,
    burst_flagged: bool,
    stop: Option<(Instant, StopCause)>,
    accepted_at: Option<Instant>,
    stopped_in_horizon: bool,
}

#[derive(Clone, Debug)]
pub struct Tally {
    pub horizon: HorizonIndex,
    /// The run's settings; the check clock places the checks of a run of nights.
    simulation: Simulation,
    seconds_per_month: i64,
    partners: usize,
    resellers: usize,
    pub domains: u64,
    /// Checks per (night, minute of the window); complete only after `flush_checks`.
    pub checks_by_night_minute: Vec<u32>,
    /// Recent checks in 16-bit counters, half the cache footprint of the
    /// hot loop. Each domain adds at most one check per night, so they are
    /// flushed before `u16::MAX` domains could overflow them.
    recent_checks: Vec<u16>,
    domains_since_flush: u32,
    pub offline_diff: Vec<i64>,
    pub reloads: Vec<u64>,
    pub reloaded_milli: Vec<i64>,
    pub invoices: Vec<u64>,
    pub alerts: Vec<u64>,
    pub manual_loads: Vec<u64>,
    pub manual_loaded_milli: Vec<i64>,
    pub consumed: Vec<i128>,
    pub consumed_diff: Vec<i128>,
    pub stopped_domains_diff: Vec<i64>,
    pub stopped_seconds: Vec<i64>,
    pub stopped_seconds_diff: Vec<i64>,
    pub month_end_balance: Vec<i128>,
    pub active_contracts_diff: Vec<i64>,
    pub contracts_new: Vec<u64>,
    pub contracts_ineffective: Vec<u64>,
    pub contracts_ended: Vec<u64>,
    pub contracts_cancelled: Vec<u64>,
    pub contracts_rejected: Vec<u64>,
    /// Per cause and month: stop episodes that began, and stopped seconds.
    pub stop_episodes_by_cause_month: Vec<u64>,
    pub stopped_seconds_by_cause_month: Vec<i64>,
    pub rejected_by_reason: [u64; 3],
    pub domains_stopped: u64,
    /// Per partner and day: invoices; per partner and month: reloaded milli-iSC.
    pub partner_invoices_daily: Vec<u32>,
    pub partner_reloaded_monthly: Vec<i64>,
    pub findings: Findings,
    pub detector_settings: DetectorSettings,
    state: DomainState,
}

impl Tally {
    pub fn new(horizon: HorizonIndex, simulation: &Simulation, resellers: usize, distributors: usize) -> Tally {
        let days = horizon.days;
        let months = horizon.months();
        let partners = resellers + distributors;
        Tally {
            simulation: simulation.clone(),
            seconds_per_month: simulation.seconds_per_month(),
            partners,
            resellers,
            domains: 0,
            checks_by_night_minute: vec![0; horizon.nights() * MINUTES_PER_NIGHT],
            recent_checks: vec![0; horizon.nights() * MINUTES_PER_NIGHT],
            domains_since_flush: 0,
            offline_diff: vec![0; days + 1],
            reloads: vec![0; days],
            reloaded_milli: vec![0; days],
            invoices: vec![0; days],
            alerts: vec![0; days],
            manual_loads: vec![0; days],
            manual_loaded_milli: vec![0; days],
            consumed: vec![0; days],
            consumed_diff: vec![0; days + 1],
            stopped_domains_diff: vec![0; days + 1],
            stopped_seconds: vec![0; days],
            stopped_seconds_diff: vec![0; days + 1],
            month_end_balance: vec![0; months],
            active_contracts_diff: vec![0; months + 1],
            contracts_new: vec![0; months],
            contracts_ineffective: vec![0; months],
            contracts_ended: vec![0; months],
            contracts_cancelled: vec![0; months],
            contracts_rejected: vec![0; months],
            stop_episodes_by_cause_month: vec![0; STOP_CAUSES.len() * months],
            stopped_seconds_by_cause_month: vec![0; STOP_CAUSES.len() * months],
            rejected_by_reason: [0; 3],
            domains_stopped: 0,
            partner_invoices_daily: vec![0; partners * days],
            partner_reloaded_monthly: vec![0; partners * months],
            findings: Findings::default(),
            detector_settings: DetectorSettings::default(),
            state: DomainState::default(),
            horizon,
        }
    }

    pub fn partner_index(&self, partner: Partner) -> usize {
        match partner.kind {
            PartnerKind::Reseller => partner.id as usize,
            PartnerKind::Distributor => self.resellers + partner.id as usize,
        }
    }

    pub fn partners(&self) -> usize {
        self.partners
    }

    pub fn resellers(&self) -> usize {
        self.resellers
    }

    pub fn seconds_per_month(&self) -> i64 {
        self.seconds_per_month
    }

    /// Moves the 16-bit recent check counts into the full counts.
    pub fn flush_checks(&mut self) {
        for (total, recent) in self.checks_by_night_minute.iter_mut().zip(self.recent_checks.iter_mut()) {
            *total += *recent as u32;
            *recent = 0;
        }
        self.domains_since_flush = 0;
    }

    /// Adds another worker's tally; both must cover the same horizon and
    /// partners, and both must have flushed their checks.
    pub fn merge(&mut self, other: &Tally) {
        assert!(self.domains_since_flush == 0 && other.domains_since_flush == 0, "merge after flush_checks");
        fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
            assert_eq!(into.len(), from.len(), "tallies of different shapes");
            for (a, b) in into.iter_mut().zip(from) {
                *a += *b;
            }
        }
        self.domains += other.domains;
        add(&mut self.checks_by_night_minute, &other.checks_by_night_minute);
        add(&mut self.offline_diff, &other.offline_diff);
        add(&mut self.reloads, &other.reloads);
        add(&mut self.reloaded_milli, &other.reloaded_milli);
        add(&mut self.invoices, &other.invoices);
        add(&mut self.alerts, &other.alerts);
        add(&mut self.manual_loads, &other.manual_loads);
        add(&mut self.manual_loaded_milli, &other.manual_loaded_milli);
        add(&mut self.consumed, &other.consumed);
        add(&mut self.consumed_diff, &other.consumed_diff);
        add(&mut self.stopped_domains_diff, &other.stopped_domains_diff);
        add(&mut self.stopped_seconds, &other.stopped_seconds);
        add(&mut self.stopped_seconds_diff, &other.stopped_seconds_diff);
        add(&mut self.month_end_balance, &other.month_end_balance);
        add(&mut self.active_contracts_diff, &other.active_contracts_diff);
        add(&mut self.contracts_new, &other.contracts_new);
        add(&mut self.contracts_ineffective, &other.contracts_ineffective);
        add(&mut self.contracts_ended, &other.contracts_ended);
        add(&mut self.contracts_cancelled, &other.contracts_cancelled);
        add(&mut self.contracts_rejected, &other.contracts_rejected);
        add(&mut self.stop_episodes_by_cause_month, &other.stop_episodes_by_cause_month);
        add(&mut self.stopped_seconds_by_cause_month, &other.stopped_seconds_by_cause_month);
        add(&mut self.rejected_by_reason, &other.rejected_by_reason);
        self.domains_stopped += other.domains_stopped;
        add(&mut self.partner_invoices_daily, &other.partner_invoices_daily);
        add(&mut self.partner_reloaded_monthly, &other.partner_reloaded_monthly);
        self.findings.merge(&other.findings, self.detector_settings.examples);
    }

    /// Closes the current domain's open stop episode and contract at the horizon end.
    pub fn finish_domain(&mut self) {
        let end = self.horizon.end();
        if let Some((since, cause)) = self.state.stop.take() {
            self.add_stopped(since, end, cause);
        }
        if let Some(accepted) = self.state.accepted_at.take() {
            // Still active: counted at every month end from its acceptance on,
            // the horizon's end included.
            self.add_active_contract(accepted, Instant::MAX);
        }
        if self.state.stopped_in_horizon {
            self.domains_stopped += 1;
        }
        self.state = DomainState::default();
        self.domains += 1;
        self.domains_since_flush += 1;
        if self.domains_since_flush == u16::MAX as u32 {
            self.flush_checks();
        }
    }

    fn count_check(&mut self, night: Date, at: Instant) {
        if let Some(index) = self.horizon.night_index(night) {
            let minute = ((at.0 - night.midnight().0 - NIGHT_START_SECONDS) / 60) as usize;
            self.recent_checks[index * MINUTES_PER_NIGHT + minute] += 1;
        }
    }

    fn add_stopped(&mut self, from: Instant, to: Instant, cause: StopCause) {
        let from = from.max(self.horizon.start());
        let to = to.min(self.horizon.end());
        if to <= from {
            return;
        }
        self.state.stopped_in_horizon = true;
        let first = self.horizon.day(from.date()).expect("inside the horizon");
        let last = self.horizon.day(Instant(to.0 - 1).date()).expect("inside the horizon");
        self.stopped_domains_diff[first] += 1;
        self.stopped_domains_diff[last + 1] -= 1;
        spread_over_days(&self.horizon, from, to, 1, &mut self.stopped_seconds, &mut self.stopped_seconds_diff);
        let cause = cause_index(cause);
        let months = self.horizon.months();
        let mut at = from;
        while at < to {
            let month = self.horizon.month_of(at).expect("inside the horizon");
            let month_end = self.horizon.month_starts[month + 1].midnight().min(to);
            self.stopped_seconds_by_cause_month[cause * months + month] += month_end.0 - at.0;
            at = month_end;
        }
    }

    fn add_active_contract(&mut self, from: Instant, to: Instant) {
        // Active at the end of month k when from ≤ boundary_k < to.
        let boundaries = &self.horizon.month_starts[1..];
        let first = boundaries.partition_point(|boundary| boundary.midnight() < from);
        let last = boundaries.partition_point(|boundary| boundary.midnight() < to);
        if first < last {
            self.active_contracts_diff[first] += 1;
            self.active_contracts_diff[last] -= 1;
        }
    }

    fn day_of(&self, at: Instant) -> Option<usize> {
        self.horizon.day(at.date())
    }
}

/// Adds `per_second` for every second of [from, to) to the days it falls
/// on: partial days directly, whole days through a difference array.
fn spread_over_days<T>(horizon: &HorizonIndex, from: Instant, to: Instant, per_second: T, days: &mut [T], diff: &mut [T])
where
    T: Copy + std::ops::AddAssign + std::ops::SubAssign + std::ops::Mul<Output = T> + From<i32> + TryFrom<i64>,
{
    let from = from.max(horizon.start());
    let to = to.min(horizon.end());
    if to <= from {
        return;
    }
    let seconds = |count: i64| -> T { T::try_from(count).ok().expect("seconds fit") };
    let first = horizon.day(from.date()).expect("inside the horizon");
    let last = horizon.day(Instant(to.0 - 1).date()).expect("inside the horizon");
    if first == last {
        days[first] += per_second * seconds(to.0 - from.0);
        return;
    }
    let first_end = from.date().plus_days(1).midnight();
    days[first] += per_second * seconds(first_end.0 - from.0);
    let last_start = Instant(to.0 - 1).date().midnight();
    days[last] += per_second * seconds(to.0 - last_start.0);
    if last > first + 1 {
        let whole_day = per_second * seconds(SECONDS_PER_DAY);
        diff[first + 1] += whole_day;
        diff[last] -= whole_day;
    }
}

impl Tally {
    /// Flags a burst of reloads and a reload that leaves the remaining
    /// operating time still at or below the contract's threshold.
    fn detect_after_reload(&mut self, domain: &Domain, at: Instant, balance_after: Exact, contract: u32) {
        let settings = self.detector_settings;
        let recent = &mut self.state.recent_reloads;
        recent.push_back(at);
        if recent.len() > settings.reload_count {
            recent.pop_front();
        }
        let burst = recent.len() == settings.reload_count && at.0 - recent[0].0 <= settings.reload_window_seconds;
        if burst && !self.state.burst_flagged {
            self.state.burst_flagged = true;
            self.findings.add(0, at, domain.key, settings.examples);
        }
        let threshold = domain.contracts.get(contract as usize).map(|order| self.simulation.rules.threshold_seconds(order.threshold));
        if let Some(threshold) = threshold
            && crate::credit::remaining_time_at_most(balance_after, domain.rate_at(at), threshold)
            && self.simulation.rules.reload_delay_seconds == 0
        {
            self.findings.add(1, at, domain.key, settings.examples);
        }
    }
}

impl Sink for Tally {
    fn event(&mut self, domain: &Domain, event: &Event) {
        match *event {
            Event::Check { night, at } => self.count_check(night, at),
            Event::ChecksRun { first, last } => {
                let lowest = self.horizon.night_of_index(0);
                let highest = self.horizon.night_of_index(self.horizon.nights() - 1);
                let first = first.max(lowest);
                let last = last.min(highest);
                if first > last {
                    return;
                }
                let clock = self.simulation.clock(domain.key);
                let first_index = self.horizon.night_index(first).expect("clamped to the tracked nights");
                for (offset, counts) in self.recent_checks
                    [first_index * MINUTES_PER_NIGHT..(first_index + (last.0 - first.0) as usize + 1) * MINUTES_PER_NIGHT]
                    .chunks_exact_mut(MINUTES_PER_NIGHT)
                    .enumerate()
                {
                    let night = first.plus_days(offset as i32);
                    let at = clock.night_instant(night);
                    let minute = ((at.0 - night.midnight().0 - NIGHT_START_SECONDS) / 60) as usize;
                    counts[minute] += 1;
                }
            }
            Event::OfflineNights { first, last } => {
                // Counted on the UTC date of the check the night would have
                // had, as checks are, so both columns follow one date rule.
                let clock = self.simulation.clock(domain.key);
                let mut night = first.max(self.horizon.first_date.plus_days(-1));
                let last = last.min(self.horizon.first_date.plus_days(self.horizon.days as i32 - 1));
                while night <= last {
                    if let Some(day) = self.horizon.day(clock.night_instant(night).date()) {
                        self.offline_diff[day] += 1;
                        self.offline_diff[day + 1] -= 1;
                    }
                    night = night.plus_days(1);
                }
            }
            Event::Reload { night, at, amount, balance_after, contract } => {
                self.count_check(night, at);
                if let Some(day) = self.day_of(at) {
                    self.reloads[day] += 1;
                    self.reloaded_milli[day] += amount.0;
                    self.detect_after_reload(domain, at, balance_after, contract);
                }
            }
            Event::Invoice { at, amount, partner, .. } => {
                if let Some(day) = self.day_of(at) {
                    self.invoices[day] += 1;
                    let partner = self.partner_index(partner);
                    let days = self.horizon.days;
                    self.partner_invoices_daily[partner * days + day] += 1;
                    let month = self.horizon.month_of_day[day] as usize;
                    self.partner_reloaded_monthly[partner * self.horizon.months() + month] += amount.0;
                }
            }
            Event::Alert { at, .. } => {
                if let Some(day) = self.day_of(at) {
                    self.alerts[day] += 1;
                }
            }
            Event::Stop { at, cause } => {
                self.state.stop = Some((at, cause));
                let contract_active =
                    matches!(cause, StopCause::OutdatedDevicesApp | StopCause::OfflineNights | StopCause::ThresholdTooShort);
                if contract_active && self.horizon.month_of(at).is_some() {
                    self.findings.add(2, at, domain.key, self.detector_settings.examples);
                }
                if let Some(month) = self.horizon.month_of(at) {
                    self.stop_episodes_by_cause_month[cause_index(cause) * self.horizon.months() + month] += 1;
                }
            }
            Event::Resume { at } | Event::RentalEnded { at } => {
                if let Some((since, cause)) = self.state.stop.take() {
                    self.add_stopped(since, at, cause);
                }
            }
            Event::RentalStarted { .. } => {}
            Event::ContractAccepted { at, effective, .. } => {
                self.state.accepted_at = Some(at);
                if let Some(month) = self.horizon.month_of(at) {
                    self.contracts_new[month] += 1;
                    if !effective {
                        self.contracts_ineffective[month] += 1;
                    }
                }
            }
            Event::ContractEnded { at, .. } | Event::ContractCancelled { at, .. } => {
                if let Some(accepted) = self.state.accepted_at.take() {
                    self.add_active_contract(accepted, at);
                }
                if let Some(month) = self.horizon.month_of(at) {
                    if matches!(event, Event::ContractEnded { .. }) {
                        self.contracts_ended[month] += 1;
                    } else {
                        self.contracts_cancelled[month] += 1;
                    }
                }
            }
            Event::ContractRejected { at, reason, .. } => {
                if let Some(month) = self.horizon.month_of(at) {
                    self.contracts_rejected[month] += 1;
                    self.rejected_by_reason[reason_index(reason)] += 1;
                }
            }
            Event::ManualLoad { at, amount, source, .. } => {
                if source == LoadSource::Opening {
                    return;
                }
                if let Some(day) = self.day_of(at) {
                    self.manual_loads[day] += 1;
                    self.manual_loaded_milli[day] += amount.0;
                }
            }
        }
    }

    fn segment(&mut self, _domain: &Domain, segment: &Segment) {
        let Segment { from, to, rate, balance_from } = *segment;
        if rate.0 > 0 && !balance_from.is_zero() {
            // The balance falls at the rate for q whole seconds, then the
            // remainder goes in the second in which it reaches zero.
            let full = rate.over(to.0 - from.0);
            let (linear_end, remainder) = if balance_from >= full {
                (to, Exact::ZERO)
            } else {
                let seconds = (balance_from.0 / rate.0 as i128) as i64;
                (from.plus_seconds(seconds), balance_from - rate.over(seconds))
            };
            spread_over_days(&self.horizon, from, linear_end, rate.0 as i128, &mut self.consumed, &mut self.consumed_diff);
            if !remainder.is_zero()
                && let Some(day) = self.day_of(linear_end)
            {
                self.consumed[day] += remainder.0;
            }
        }
        // A boundary belongs to the segment that starts at or before it; the
        // horizon's end belongs to the last segment, which ends there.
        let boundaries = &self.horizon.month_starts[1..];
        let horizon_end = self.horizon.end();
        let mut index = boundaries.partition_point(|boundary| boundary.midnight() < from);
        while index < boundaries.len()
            && (boundaries[index].midnight() < to || (to == horizon_end && boundaries[index].midnight() == to))
        {
            let boundary = boundaries[index].midnight();
            let balance = balance_at(balance_from, rate, boundary.0 - from.0);
            self.month_end_balance[index] += balance.0;
            index += 1;
        }
    }
}

fn balance_at(balance_from: Exact, rate: Rate, seconds: i64) -> Exact {
    Exact((balance_from.0 - rate.over(seconds).0).max(0))
}

