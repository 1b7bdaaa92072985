//! The plain reference implementation: walks every night of the span in
//! order, applies every happening at its instant and evaluates the check and
//! the alert rule on each night. It is written for clarity, not speed; the
//! property tests require the fast engine to emit the same events.

use crate::calendar::{Date, Instant};
use crate::contract::{order_rejection, ContractSchedule, ContractStatus};
use crate::credit::{months_of_average, remaining_time_at_most, seconds_until_zero, Exact, Milli};
use crate::domain::{Domain, LoadKind};
use crate::event::{Event, LoadSource, Segment, Sink};
use crate::manual::{self, PlannedLoad};
use crate::rules::AverageBasis;
use crate::simulation::Simulation;

/// Something that changes a domain's state at an instant. The derived order
/// of the variants is the order within one instant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    RateChange,
    RentalStart,
    RentalEnd,
    InputLoad(usize),
    PlannedLoad { source_is_recovery: bool, months: u32 },
    ReloadLanding(i64),
    ContractEnd(u32),
    ContractCancel(u32),
    ContractAccept(u32),
    ContractOrder(u32),
}

/// A happening with its instant; `sequence` orders dynamic ones after static ones.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    at: Instant,
    rank: u8,
    sequence: u64,
    what: Happening,
}

fn rank(what: &Happening) -> u8 {
    match what {
        Happening::RateChange => 0,
        Happening::RentalStart => 1,
        Happening::RentalEnd => 2,
        Happening::InputLoad(_) | Happening::PlannedLoad { .. } => 3,
        Happening::ReloadLanding(_) => 4,
        Happening::ContractEnd(_) => 5,
        Happening::ContractCancel(_) => 6,
        Happening::ContractAccept(_) => 7,
        Happening::ContractOrder(_) => 8,
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

struct State<'a> {
    domain: &'a Domain,
    simulation: &'a Simulation,
    alert_response_key: u64,
    now: Instant,
    balance: Exact,
    in_force: bool,
    stopped: bool,
    stop_count: u64,
    stop_episodes: Vec<(Instant, Instant)>,
    contracts: Vec<Option<ContractState>>,
    current_contract: Option<u32>,
    last_active_night_offline: bool,
    pending_reload: bool,
    last_alert: Option<Instant>,
    alert_count: u64,
    queue: Vec<Scheduled>,
    next_sequence: u64,
}

/// Simulates one domain night by night from its start to the simulation end.
pub fn simulate(domain: &Domain, simulation: &Simulation, sink: &mut impl Sink) {
    let mut state = State::new(domain, simulation);
    let mut night = simulation.first_night_from(domain, domain.start, Date(i32::MIN));
    loop {
        let night_at = simulation.night_instant(domain, night);
        let until = night_at.min(simulation.end);
        state.process_happenings_before(until, sink);
        if night_at >= simulation.end {
            break;
        }
        state.process_instant(night_at, sink);
        state.night_step(night, night_at, sink);
        night = night.plus_days(1);
    }
    state.consume_until(simulation.end, sink);
}

impl<'a> State<'a> {
    fn new(domain: &'a Domain, simulation: &'a Simulation) -> State<'a> {
        let mut queue = Vec::new();
        let mut push = |at: Instant, sequence: u64, what: Happening| {
            if at >= domain.start {
                queue.push(Scheduled { at, rank: rank(&what), sequence, what });
            }
        };
        for (index, change) in domain.rates.iter().enumerate() {
            push(change.at, index as u64, Happening::RateChange);
        }
        if domain.rental.start >= domain.start {
            push(domain.rental.start, 0, Happening::RentalStart);
        }
        if let Some(end) = domain.rental.end {
            push(end, 0, Happening::RentalEnd);
        }
        for (index, load) in domain.loads.iter().enumerate() {
            push(load.at, index as u64, Happening::InputLoad(index));
        }
        for (index, order) in domain.contracts.iter().enumerate() {
            let index = index as u32;
            let schedule = ContractSchedule::of(order, index, domain, simulation);
            push(order.ordered_at, index as u64, Happening::ContractOrder(index));
            push(schedule.accepted_at, index as u64, Happening::ContractAccept(index));
            if let Some(at) = schedule.ends_at {
                push(at, index as u64, Happening::ContractEnd(index));
            }
            if let Some(at) = schedule.cancellation_effective_at {
                push(at, index as u64, Happening::ContractCancel(index));
            }
        }
        queue.sort();
        State {
            domain,
            simulation,
            alert_response_key: manual::alert_response_key(simulation, domain),
            now: domain.start,
            balance: Exact::ZERO,
            in_force: domain.rental.in_force(domain.start) && domain.rental.start < domain.start,
            stopped: false,
            stop_count: 0,
            stop_episodes: Vec::new(),
            contracts: vec![None; domain.contracts.len()],
            current_contract: None,
            last_active_night_offline: false,
            pending_reload: false,
            last_alert: None,
            alert_count: 0,
            queue,
            next_sequence: 1 << 40,
        }
    }

    fn schedule(&mut self, at: Instant, what: Happening) {
        let item = Scheduled { at, rank: rank(&what), sequence: self.next_sequence, what };
        self.next_sequence += 1;
        let position = self.queue.partition_point(|queued| *queued < item);
        self.queue.insert(position, item);
    }

    fn status(&self) -> ContractStatus {
        let Some(contract) = self.current_contract else {
            return ContractStatus::None;
        };
        match self.contracts[contract as usize] {
            None => ContractStatus::None,
            Some(ContractState::Rejected) => ContractStatus::Rejected,
            Some(ContractState::Pending) => ContractStatus::Pending { contract },
            Some(ContractState::Active(since)) => ContractStatus::Active { contract, since },
            Some(ContractState::Ended) => ContractStatus::Ended,
            Some(ContractState::Cancelled) => ContractStatus::Cancelled,
        }
    }

    /// Processes every instant before `until` at which a happening is due or
    /// the balance reaches zero.
    fn process_happenings_before(&mut self, until: Instant, sink: &mut impl Sink) {
        loop {
            let next_happening = self.queue.first().map_or(Instant::MAX, |item| item.at);
            let next_zero = self.zero_instant().unwrap_or(Instant::MAX);
            let next = next_happening.min(next_zero);
            if next >= until {
                return;
            }
            self.process_instant(next, sink);
        }
    }

    /// The instant at which the balance reaches zero at the current rate.
    fn zero_instant(&self) -> Option<Instant> {
        if !self.in_force || self.stopped {
            return None;
        }
        let rate = self.domain.rate_at(self.now);
        seconds_until_zero(self.balance, rate).map(|seconds| self.now.plus_seconds(seconds))
    }

    /// Consumes up to `at`, applies every happening due at `at`, then stops or resumes.
    fn process_instant(&mut self, at: Instant, sink: &mut impl Sink) {
        self.consume_until(at, sink);
        while self.queue.first().is_some_and(|item| item.at == at) {
            let item = self.queue.remove(0);
            self.apply(item.what, sink);
        }
        self.update_stop(sink);
    }

    fn consume_until(&mut self, until: Instant, sink: &mut impl Sink) {
        if until <= self.now {
            return;
        }
        if self.in_force {
            let rate = self.domain.rate_at(self.now);
            let segment = Segment { from: self.now, to: until, rate, balance_from: self.balance };
            sink.segment(self.domain, &segment);
            self.balance = self.balance - segment.consumed();
        }
        self.now = until;
    }

    fn apply(&mut self, what: Happening, sink: &mut impl Sink) {
        let now = self.now;
        match what {
            Happening::RateChange => {}
            Happening::RentalStart => {
                self.in_force = true;
                sink.event(self.domain, &Event::RentalStarted { at: now });
            }
            Happening::RentalEnd => {
                self.in_force = false;
                if self.stopped {
                    self.stopped = false;
                    self.close_stop_episode(now);
                }
                sink.event(self.domain, &Event::RentalEnded { at: now });
            }
            Happening::InputLoad(index) => {
                let load = self.domain.loads[index];
                let spm = self.simulation.seconds_per_month();
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
                sink.event(self.domain, &event);
            }
            Happening::PlannedLoad { source_is_recovery, months } => {
                if !self.in_force || (source_is_recovery && !self.stopped) {
                    return;
                }
                let amount = self.average_amount(now.date(), months);
                if amount.0 == 0 {
                    return;
                }
                self.balance += amount.to_exact(self.simulation.seconds_per_month());
                let source = if source_is_recovery { LoadSource::Recovery } else { LoadSource::AlertResponse };
                let event = Event::ManualLoad { at: now, amount, balance_after: self.balance, source };
                sink.event(self.domain, &event);
            }
            Happening::ReloadLanding(amount) => {
                self.pending_reload = false;
                self.balance += Milli(amount).to_exact(self.simulation.seconds_per_month());
            }
            Happening::ContractEnd(index) => {
                if self.close_contract(index, ContractState::Ended) {
                    sink.event(self.domain, &Event::ContractEnded { at: now, contract: index });
                }
            }
            Happening::ContractCancel(index) => {
                if self.close_contract(index, ContractState::Cancelled) {
                    sink.event(self.domain, &Event::ContractCancelled { at: now, contract: index });
                }
            }
            Happening::ContractAccept(index) => {
                if self.contracts[index as usize] == Some(ContractState::Pending) {
                    self.contracts[index as usize] = Some(ContractState::Active(now));
                    self.last_active_night_offline = false;
                    let effective = self.simulation.devices_app_checks(self.domain, now);
                    sink.event(self.domain, &Event::ContractAccepted { at: now, contract: index, effective });
                }
            }
            Happening::ContractOrder(index) => {
                let rate = self.domain.rate_at(now);
                let open = self.status().is_open();
                match order_rejection(self.in_force, open, self.balance, rate, self.simulation) {
                    Some(reason) => {
                        self.contracts[index as usize] = Some(ContractState::Rejected);
                        if !open {
                            self.current_contract = Some(index);
                        }
                        sink.event(self.domain, &Event::ContractRejected { at: now, contract: index, reason });
                    }
                    None => {
                        self.contracts[index as usize] = Some(ContractState::Pending);
                        self.current_contract = Some(index);
                    }
                }
            }
        }
    }

    /// Ends a pending or active contract; returns whether it was open.
    fn close_contract(&mut self, index: u32, end_state: ContractState) -> bool {
        match self.contracts[index as usize] {
            Some(ContractState::Pending) | Some(ContractState::Active(_)) => {
                self.contracts[index as usize] = Some(end_state);
                true
            }
            _ => false,
        }
    }

    fn update_stop(&mut self, sink: &mut impl Sink) {
        let now = self.now;
        if self.in_force && !self.stopped && self.balance.is_zero() {
            self.stopped = true;
            self.stop_episodes.push((now, Instant::MAX));
            let checks = self.simulation.devices_app_checks(self.domain, now);
            let cause = self.status().stop_cause(checks, self.last_active_night_offline);
            sink.event(self.domain, &Event::Stop { at: now, cause });
            let stop_index = self.stop_count;
            self.stop_count += 1;
            if !self.status().reloads_by_itself(checks)
                && let Some(plan) = manual::recovery(self.simulation, self.domain, stop_index, now)
            {
                self.schedule_load(plan, true);
            }
        } else if self.stopped && !self.balance.is_zero() {
            self.stopped = false;
            self.close_stop_episode(now);
            sink.event(self.domain, &Event::Resume { at: now });
        }
    }

    fn close_stop_episode(&mut self, at: Instant) {
        if let Some(last) = self.stop_episodes.last_mut() {
            last.1 = at;
        }
    }

    fn schedule_load(&mut self, plan: PlannedLoad, source_is_recovery: bool) {
        self.schedule(plan.at, Happening::PlannedLoad { source_is_recovery, months: plan.months });
    }

    /// The check and the alert rule of one night, at the night's instant.
    fn night_step(&mut self, night: Date, at: Instant, sink: &mut impl Sink) {
        let rules = &self.simulation.rules;
        let rate = self.domain.rate_at(at);
        let status = self.status();
        let offline = self.domain.is_offline(night);
        if status.active_contract().is_some() {
            self.last_active_night_offline = offline;
        }
        if self.in_force && self.simulation.devices_app_checks(self.domain, at) {
            if offline {
                sink.event(self.domain, &Event::OfflineNights { first: night, last: night });
            } else {
                let reload_contract = status.active_contract().filter(|&contract| {
                    let threshold = self.domain.contracts[contract as usize].threshold;
                    !self.pending_reload
                        && remaining_time_at_most(self.balance, rate, rules.threshold_seconds(threshold))
                });
                match reload_contract {
                    Some(contract) => self.reload(night, at, contract, sink),
                    None => sink.event(self.domain, &Event::Check { night, at }),
                }
            }
        }
        let lead_seconds = rules.alert_lead_days as i64 * 86_400;
        let spacing_seconds = rules.alert_spacing_days as i64 * 86_400;
        let spaced = self.last_alert.is_none_or(|last| at.0 - last.0 >= spacing_seconds);
        if self.in_force && spaced && remaining_time_at_most(self.balance, rate, lead_seconds) {
            let event = Event::Alert { night, at, balance: self.balance, rate };
            sink.event(self.domain, &event);
            self.last_alert = Some(at);
            let alert_index = self.alert_count;
            self.alert_count += 1;
            if self.status().active_contract().is_none()
                && let Some(plan) = manual::after_alert(self.domain, self.alert_response_key, alert_index, at)
            {
                self.schedule_load(plan, false);
            }
        }
    }

    fn reload(&mut self, night: Date, at: Instant, contract: u32, sink: &mut impl Sink) {
        let order = self.domain.contracts[contract as usize];
        let amount = self.average_amount(night, order.interval_months);
        let delay = self.simulation.rules.reload_delay_seconds;
        if delay == 0 {
            self.balance += amount.to_exact(self.simulation.seconds_per_month());
        } else {
            self.pending_reload = true;
            self.schedule(at.plus_seconds(delay), Happening::ReloadLanding(amount.0));
        }
        let balance_after = self.balance;
        sink.event(self.domain, &Event::Reload { night, at, amount, balance_after, contract });
        let partner = self.domain.invoicing_partner(order.concluded_by);
        sink.event(self.domain, &Event::Invoice { at, amount, partner, contract });
        self.update_stop(sink);
    }

    /// `months` × the average monthly consumption over the window before `day`.
    fn average_amount(&self, day: Date, months: u32) -> Milli {
        let rules = &self.simulation.rules;
        let window_end = day.midnight();
        let window_start = day.plus_days(-(rules.average_window_days as i32)).midnight();
        let covered_from = window_start.max(self.domain.rental.start);
        let covered_seconds = (window_end.0 - covered_from.0).max(0);
        let consumed_until = window_end.min(self.domain.rental.end.unwrap_or(Instant::MAX));
        let mut consumption = self.configured_consumption(covered_from, consumed_until);
        if rules.average_basis == AverageBasis::Charged {
            for &(stop, resume) in &self.stop_episodes {
                let from = stop.max(covered_from);
                let to = resume.min(consumed_until).min(self.now);
                consumption = consumption - self.configured_consumption(from, to);
            }
        }
        months_of_average(consumption, covered_seconds, self.domain.rate_at(self.now), months)
    }

    /// The configured licenses' consumption over [from, to), walking every rate change.
    fn configured_consumption(&self, from: Instant, to: Instant) -> Exact {
        let mut total = Exact::ZERO;
        let rates = &self.domain.rates;
        for (index, change) in rates.iter().enumerate() {
            let segment_end = rates.get(index + 1).map_or(Instant::MAX, |next| next.at);
            let overlap_from = change.at.max(from);
            let overlap_to = segment_end.min(to);
            if overlap_to > overlap_from {
                total += change.rate.over(overlap_to.0 - overlap_from.0);
            }
        }
        total
    }
}
