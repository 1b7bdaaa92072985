//! The event-driven engine: one domain's simulation costs in proportion to
//! its events, not to its nights. Between two happenings the state is fixed
//! but for the falling balance. So the engine computes the next instant at
//! which anything can happen: a happening, the balance reaching zero, the
//! first night whose check reloads, or the next alert. It passes the quiet
//! nights before that instant as runs of checks and offline nights.
//!
//! It must emit the same events as `reference::simulate`, which walks every
//! night; the property tests hold the two to that.

use crate::calendar::{Date, Instant, SECONDS_PER_DAY};
use crate::contract::{order_rejection, ContractSchedule, ContractStatus};
use crate::credit::{
    months_of_average, remaining_time_at_most, seconds_until_remaining_at_most, seconds_until_zero, Exact, Milli, Rate,
};
use crate::domain::{Domain, LoadKind};
use crate::event::{Event, LoadSource, Segment, Sink};
use crate::manual::{self, PlannedLoad};
use crate::rules::AverageBasis;
use crate::simulation::{DomainClock, Simulation};

/// A state change due at an instant. Variants are ranked by the order in
/// which changes at one instant apply: license changes, rental start and
/// end, loads, reloads landing, contract end, cancellation, acceptance and
/// orders; a check at the same instant sees their result.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Change {
    Rate(Rate),
    DevicesApp,
    RentalStart,
    RentalEnd,
    InputLoad(u32),
    PlannedLoad { recovery: bool, months: u32 },
    ReloadLanding(Milli),
    ContractEnd(u32),
    ContractCancel(u32),
    ContractAccept(u32),
    ContractOrder(u32),
}

impl Change {
    fn rank(self) -> u8 {
        match self {
            Change::Rate(_) | Change::DevicesApp => 0,
            Change::RentalStart => 1,
            Change::RentalEnd => 2,
            Change::InputLoad(_) | Change::PlannedLoad { .. } => 3,
            Change::ReloadLanding(_) => 4,
            Change::ContractEnd(_) => 5,
            Change::ContractCancel(_) => 6,
            Change::ContractAccept(_) => 7,
            Change::ContractOrder(_) => 8,
        }
    }
}

#[derive(Copy, Clone, Debug)]
struct Due {
    at: Instant,
    rank: u8,
    sequence: u64,
    change: Change,
}

impl Due {
    fn key(&self) -> (Instant, u8, u64) {
        (self.at, self.rank, self.sequence)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum ContractState {
    Rejected,
    Pending,
    Active(Instant),
    Ended,
    Cancelled,
}

/// Reusable buffers, so that simulating a domain allocates nothing in steady state.
#[derive(Default)]
pub struct Engine {
    due: Vec<Due>,
    planned: Vec<Due>,
    cumulative: Vec<Exact>,
    stop_episodes: Vec<(Instant, Instant)>,
    contracts: Vec<Option<ContractState>>,
}

struct Run<'a, S: Sink> {
    domain: &'a Domain,
    simulation: &'a Simulation,
    clock: DomainClock<'a>,
    alert_response_key: u64,
    sink: &'a mut S,
    now: Instant,
    balance: Exact,
    rate: Rate,
    in_force: bool,
    devices_app_checks: bool,
    stopped: bool,
    stop_count: u64,
    pending_reload: bool,
    last_alert: Option<Instant>,
    alert_count: u64,
    current_contract: Option<u32>,
    next_night: Date,
    next_due: usize,
    next_sequence: u64,
    buffers: &'a mut Engine,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Simulates one domain from its start to the simulation end.
    pub fn simulate(&mut self, domain: &Domain, simulation: &Simulation, sink: &mut impl Sink) {
        self.prepare(domain, simulation);
        let start = domain.start;
        let mut run = Run {
            domain,
            simulation,
            clock: simulation.clock(domain.key),
            alert_response_key: manual::alert_response_key(simulation, domain),
            sink,
            now: start,
            balance: Exact::ZERO,
            rate: domain.rate_at(Instant(start.0 - 1)),
            in_force: domain.rental.in_force(start) && domain.rental.start < start,
            devices_app_checks: simulation.devices_app_checks(domain, start),
            stopped: false,
            stop_count: 0,
            pending_reload: false,
            last_alert: None,
            alert_count: 0,
            current_contract: None,
            next_night: simulation.first_night_from(domain, start, Date(i32::MIN)),
            next_due: 0,
            next_sequence: 1 << 40,
            buffers: self,
        };
        run.run();
    }

    fn prepare(&mut self, domain: &Domain, simulation: &Simulation) {
        self.due.clear();
        self.planned.clear();
        self.stop_episodes.clear();
        self.contracts.clear();
        self.contracts.resize(domain.contracts.len(), None);

        let start = domain.start;
        let mut push = |at: Instant, sequence: u64, change: Change| {
            if at >= start {
                self.due.push(Due { at, rank: change.rank(), sequence, change });
            }
        };
        for (index, change) in domain.rates.iter().enumerate() {
            push(change.at, index as u64, Change::Rate(change.rate));
        }
        for (index, (at, _)) in domain.devices_app_changes.iter().enumerate() {
            push(*at, (1 << 32) + index as u64, Change::DevicesApp);
        }
        if domain.rental.start >= start {
            push(domain.rental.start, 0, Change::RentalStart);
        }
        if let Some(end) = domain.rental.end {
            push(end, 0, Change::RentalEnd);
        }
        for (index, load) in domain.loads.iter().enumerate() {
            push(load.at, index as u64, Change::InputLoad(index as u32));
        }
        for (index, order) in domain.contracts.iter().enumerate() {
            let contract = index as u32;
            let schedule = ContractSchedule::of(order, contract, domain, simulation);
            push(order.ordered_at, index as u64, Change::ContractOrder(contract));
            push(schedule.accepted_at, index as u64, Change::ContractAccept(contract));
            if let Some(at) = schedule.ends_at {
                push(at, index as u64, Change::ContractEnd(contract));
            }
            if let Some(at) = schedule.cancellation_effective_at {
                push(at, index as u64, Change::ContractCancel(contract));
            }
        }
        self.due.sort_by_key(Due::key);

        self.cumulative.clear();
        let mut total = Exact::ZERO;
        for (index, change) in domain.rates.iter().enumerate() {
            if index > 0 {
                let previous = domain.rates[index - 1];
                total += previous.rate.over(change.at.0 - previous.at.0);
            }
            self.cumulative.push(total);
        }
    }
}

impl<S: Sink> Run<'_, S> {
    fn run(&mut self) {
        let end = self.simulation.end;
        self.process_instant(self.domain.start);
        self.night_if_due();
        loop {
            let next = self
                .next_change_at()
                .min(self.zero_at())
                .min(self.reload_night_at())
                .min(self.alert_night_at())
                .min(end);
            self.pass_quiet_nights(next);
            if next >= end {
                self.consume_until(end);
                return;
            }
            self.process_instant(next);
            self.night_if_due();
        }
    }

    fn night_at(&self, night: Date) -> Instant {
        self.clock.night_instant(night)
    }

    fn night_if_due(&mut self) {
        let night = self.next_night;
        let at = self.night_at(night);
        if at == self.now && at < self.simulation.end {
            self.night_step(night, at);
            self.next_night = night.plus_days(1);
        }
    }

    fn next_change_at(&self) -> Instant {
        let fixed = self.buffers.due.get(self.next_due).map_or(Instant::MAX, |due| due.at);
        let planned = self.buffers.planned.first().map_or(Instant::MAX, |due| due.at);
        fixed.min(planned)
    }

    fn zero_at(&self) -> Instant {
        if !self.in_force || self.stopped {
            return Instant::MAX;
        }
        seconds_until_zero(self.balance, self.rate).map_or(Instant::MAX, |s| self.now.plus_seconds(s))
    }

    fn status(&self) -> ContractStatus {
        let Some(contract) = self.current_contract else {
            return ContractStatus::None;
        };
        match self.buffers.contracts[contract as usize] {
            None => ContractStatus::None,
            Some(ContractState::Rejected) => ContractStatus::Rejected,
            Some(ContractState::Pending) => ContractStatus::Pending { contract },
            Some(ContractState::Active(since)) => ContractStatus::Active { contract, since },
            Some(ContractState::Ended) => ContractStatus::Ended,
            Some(ContractState::Cancelled) => ContractStatus::Cancelled,
        }
    }

    /// Returns the instant of the first night whose check reloads, if nothing changes before.
    fn reload_night_at(&self) -> Instant {
        let Some(contract) = self.status().active_contract() else {
            return Instant::MAX;
        };
        if !self.in_force || !self.devices_app_checks || self.pending_reload {
            return Instant::MAX;
        }
        let threshold = self.simulation.rules.threshold_seconds(self.domain.contracts[contract as usize].threshold);
        let Some(wait) = seconds_until_remaining_at_most(self.balance, self.rate, threshold) else {
            return Instant::MAX;
        };
        let mut night = self.clock.first_night_from(self.now.plus_seconds(wait), self.next_night);
        while let Some(outage) = self.domain.outage_containing(night) {
            night = outage.last.plus_days(1);
        }
        self.night_at(night)
    }

    /// Returns the instant of the next night whose alert rule sends an e-mail, if nothing changes before.
    fn alert_night_at(&self) -> Instant {
        if !self.in_force {
            return Instant::MAX;
        }
        let lead = self.simulation.rules.alert_lead_days as i64 * SECONDS_PER_DAY;
        let Some(wait) = seconds_until_remaining_at_most(self.balance, self.rate, lead) else {
            return Instant::MAX;
        };
        let mut earliest = self.now.plus_seconds(wait);
        if let Some(last) = self.last_alert {
            let spacing = self.simulation.rules.alert_spacing_days as i64 * SECONDS_PER_DAY;
            earliest = earliest.max(last.plus_seconds(spacing));
        }
        self.night_at(self.clock.first_night_from(earliest, self.next_night))
    }

    /// Emits the nights whose instant lies before `until`; none of them reloads or alerts.
    fn pass_quiet_nights(&mut self, until: Instant) {
        let first = self.next_night;
        let end = self.clock.first_night_from(until.min(self.simulation.end), first);
        self.next_night = end;
        if end <= first || !self.in_force || !self.devices_app_checks {
            return;
        }
        let mut night = first;
        let outages = &self.domain.outages;
        let mut index = outages.partition_point(|outage| outage.last < first);
        while night < end {
            match outages.get(index) {
                Some(outage) if outage.first <= night => {
                    let last = outage.last.min(end.plus_days(-1));
                    self.sink.event(self.domain, &Event::OfflineNights { first: night, last });
                    night = last.plus_days(1);
                    index += 1;
                }
                next_outage => {
                    let online_end = next_outage.map_or(end, |outage| outage.first.min(end));
                    let last = online_end.plus_days(-1);
                    self.sink.event(self.domain, &Event::ChecksRun { first: night, last });
                    night = online_end;
                }
            }
        }
    }

    fn process_instant(&mut self, at: Instant) {
        self.consume_until(at);
        loop {
            let fixed = self.buffers.due.get(self.next_due).filter(|due| due.at == at).map(|due| due.key());
            let planned = self.buffers.planned.first().filter(|due| due.at == at).map(|due| due.key());
            let change = match (fixed, planned) {
                (None, None) => break,
                (Some(f), Some(p)) if p < f => self.buffers.planned.remove(0).change,
                (Some(_), _) => {
                    self.next_due += 1;
                    self.buffers.due[self.next_due - 1].change
                }
                (None, Some(_)) => self.buffers.planned.remove(0).change,
            };
            self.apply(change);
        }
        self.update_stop();
    }

    fn consume_until(&mut self, until: Instant) {
        if until <= self.now {
            return;
        }
        if self.in_force {
            let segment = Segment { from: self.now, to: until, rate: self.rate, balance_from: self.balance };
            self.sink.segment(self.domain, &segment);
            self.balance = self.balance - segment.consumed();
        }
        self.now = until;
    }

    fn apply(&mut self, change: Change) {
        let now = self.now;
        let spm = self.simulation.seconds_per_month();
        match change {
            Change::Rate(rate) => self.rate = rate,
            Change::DevicesApp => self.devices_app_checks = self.simulation.devices_app_checks(self.domain, now),
            Change::RentalStart => {
                self.in_force = true;
                self.sink.event(self.domain, &Event::RentalStarted { at: now });
            }
            Change::RentalEnd => {
                self.in_force = false;
                if self.stopped {
                    self.stopped = false;
                    self.close_stop_episode(now);
                }
                self.sink.event(self.domain, &Event::RentalEnded { at: now });
            }
            Change::InputLoad(index) => {
                let load = self.domain.loads[index as usize];
                let source = match load.kind {
                    LoadKind::Opening => {
                        self.balance = load.amount.to_exact(spm);
                        LoadSource::Opening
                    }
                    LoadKind::Manual => {
                        self.balance += load.amount.to_exact(spm);
                        LoadSource::Input
                    }
                };
                let event = Event::ManualLoad { at: now, amount: load.amount, balance_after: self.balance, source };
                self.sink.event(self.domain, &event);
            }
            Change::PlannedLoad { recovery, months } => {
                if !self.in_force || (recovery && !self.stopped) {
                    return;
                }
                let amount = self.months_of_average(now.date(), months);
                if amount.0 == 0 {
                    return;
                }
                self.balance += amount.to_exact(spm);
                let source = if recovery { LoadSource::Recovery } else { LoadSource::AlertResponse };
                let event = Event::ManualLoad { at: now, amount, balance_after: self.balance, source };
                self.sink.event(self.domain, &event);
            }
            Change::ReloadLanding(amount) => {
                self.pending_reload = false;
                self.balance += amount.to_exact(spm);
            }
            Change::ContractEnd(contract) => {
                if self.close_contract(contract, ContractState::Ended) {
                    self.sink.event(self.domain, &Event::ContractEnded { at: now, contract });
                }
            }
            Change::ContractCancel(contract) => {
                if self.close_contract(contract, ContractState::Cancelled) {
                    self.sink.event(self.domain, &Event::ContractCancelled { at: now, contract });
                }
            }
            Change::ContractAccept(contract) => {
                if self.buffers.contracts[contract as usize] == Some(ContractState::Pending) {
                    self.buffers.contracts[contract as usize] = Some(ContractState::Active(now));
                    let effective = self.devices_app_checks;
                    self.sink.event(self.domain, &Event::ContractAccepted { at: now, contract, effective });
                }
            }
            Change::ContractOrder(contract) => {
                let open = self.status().is_open();
                match order_rejection(self.in_force, open, self.balance, self.rate, self.simulation) {
                    Some(reason) => {
                        self.buffers.contracts[contract as usize] = Some(ContractState::Rejected);
                        if !open {
                            self.current_contract = Some(contract);
                        }
                        self.sink.event(self.domain, &Event::ContractRejected { at: now, contract, reason });
                    }
                    None => {
                        self.buffers.contracts[contract as usize] = Some(ContractState::Pending);
                        self.current_contract = Some(contract);
                    }
                }
            }
        }
    }

    fn close_contract(&mut self, contract: u32, end_state: ContractState) -> bool {
        let state = &mut self.buffers.contracts[contract as usize];
        match state {
            Some(ContractState::Pending) | Some(ContractState::Active(_)) => {
                *state = Some(end_state);
                true
            }
            _ => false,
        }
    }

    fn update_stop(&mut self) {
        let now = self.now;
        if self.in_force && !self.stopped && self.balance.is_zero() {
            self.stopped = true;
            self.buffers.stop_episodes.push((now, Instant::MAX));
            let status = self.status();
            let cause = status.stop_cause(self.devices_app_checks, self.last_active_night_offline(status));
            self.sink.event(self.domain, &Event::Stop { at: now, cause });
            let stop_index = self.stop_count;
            self.stop_count += 1;
            if !status.reloads_by_itself(self.devices_app_checks)
                && let Some(plan) = manual::recovery(self.simulation, self.domain, stop_index, now)
            {
                self.plan_load(plan, true);
            }
        } else if self.stopped && !self.balance.is_zero() {
            self.stopped = false;
            self.close_stop_episode(now);
            self.sink.event(self.domain, &Event::Resume { at: now });
        }
    }

    /// Whether the last night before now, if the active contract was
    /// already active on it, was offline.
    fn last_active_night_offline(&self, status: ContractStatus) -> bool {
        let ContractStatus::Active { since, .. } = status else {
            return false;
        };
        let last_night = self.next_night.plus_days(-1);
        self.night_at(last_night) >= since && self.domain.is_offline(last_night)
    }

    fn close_stop_episode(&mut self, at: Instant) {
        if let Some(last) = self.buffers.stop_episodes.last_mut() {
            last.1 = at;
        }
    }

    fn plan_load(&mut self, plan: PlannedLoad, recovery: bool) {
        self.insert_planned(plan.at, Change::PlannedLoad { recovery, months: plan.months });
    }

    fn insert_planned(&mut self, at: Instant, change: Change) {
        let due = Due { at, rank: change.rank(), sequence: self.next_sequence, change };
        self.next_sequence += 1;
        let planned = &mut self.buffers.planned;
        let position = planned.partition_point(|queued| queued.key() < due.key());
        planned.insert(position, due);
    }

    /// The check and the alert rule of one night, at the night's instant.
    fn night_step(&mut self, night: Date, at: Instant) {
        let rules = &self.simulation.rules;
        let status = self.status();
        if self.in_force && self.devices_app_checks {
            if self.domain.is_offline(night) {
                self.sink.event(self.domain, &Event::OfflineNights { first: night, last: night });
            } else {
                let reload_contract = status.active_contract().filter(|&contract| {
                    let threshold = self.domain.contracts[contract as usize].threshold;
                    !self.pending_reload
                        && remaining_time_at_most(self.balance, self.rate, rules.threshold_seconds(threshold))
                });
                match reload_contract {
                    Some(contract) => self.reload(night, at, contract),
                    None => self.sink.event(self.domain, &Event::Check { night, at }),
                }
            }
        }
        let rules = &self.simulation.rules;
        let lead = rules.alert_lead_days as i64 * SECONDS_PER_DAY;
        let spacing = rules.alert_spacing_days as i64 * SECONDS_PER_DAY;
        let spaced = self.last_alert.is_none_or(|last| at.0 - last.0 >= spacing);
        if self.in_force && spaced && remaining_time_at_most(self.balance, self.rate, lead) {
            let event = Event::Alert { night, at, balance: self.balance, rate: self.rate };
            self.sink.event(self.domain, &event);
            self.last_alert = Some(at);
            let alert_index = self.alert_count;
            self.alert_count += 1;
            if self.status().active_contract().is_none()
                && let Some(plan) = manual::after_alert(self.domain, self.alert_response_key, alert_index, at)
            {
                self.plan_load(plan, false);
            }
        }
    }

    fn reload(&mut self, night: Date, at: Instant, contract: u32) {
        let order = self.domain.contracts[contract as usize];
        let amount = self.months_of_average(night, order.interval_months);
        let delay = self.simulation.rules.reload_delay_seconds;
        if delay == 0 {
            self.balance += amount.to_exact(self.simulation.seconds_per_month());
        } else {
            self.pending_reload = true;
            self.insert_planned(at.plus_seconds(delay), Change::ReloadLanding(amount));
        }
        let balance_after = self.balance;
        self.sink.event(self.domain, &Event::Reload { night, at, amount, balance_after, contract });
        let partner = self.domain.invoicing_partner(order.concluded_by);
        self.sink.event(self.domain, &Event::Invoice { at, amount, partner, contract });
        self.update_stop();
    }

    /// `months` × the average monthly consumption over the window before `day`.
    fn months_of_average(&self, day: Date, months: u32) -> Milli {
        let rules = &self.simulation.rules;
        let window_end = day.midnight();
        let window_start = day.plus_days(-(rules.average_window_days as i32)).midnight();
        let covered_from = window_start.max(self.domain.rental.start);
        let covered_seconds = (window_end.0 - covered_from.0).max(0);
        let consumed_until = window_end.min(self.domain.rental.end.unwrap_or(Instant::MAX));
        let mut consumption = self.configured_consumption(covered_from, consumed_until);
        if rules.average_basis == AverageBasis::Charged {
            for &(stop, resume) in self.buffers.stop_episodes.iter().rev() {
                if resume <= covered_from {
                    break;
                }
                let from = stop.max(covered_from);
                let to = resume.min(consumed_until).min(self.now);
                consumption = consumption - self.configured_consumption(from, to);
            }
        }
        months_of_average(consumption, covered_seconds, self.rate, months)
    }

    /// The configured licenses' consumption over [from, to), from prefix sums.
    fn configured_consumption(&self, from: Instant, to: Instant) -> Exact {
        if to <= from {
            return Exact::ZERO;
        }
        self.consumption_before(to) - self.consumption_before(from)
    }

    /// ∫ rate from the first change up to `at`.
    fn consumption_before(&self, at: Instant) -> Exact {
        let rates = &self.domain.rates;
        let index = rates.partition_point(|change| change.at <= at);
        if index == 0 {
            return Exact::ZERO;
        }
        let change = rates[index - 1];
        self.buffers.cumulative[index - 1] + change.rate.over(at.0 - change.at.0)
    }
}
