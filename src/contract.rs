//! The Auto-iSC contract's lifetime: the order's preconditions and rejection,
//! acceptance on a later working day, the end date as the last day of
//! service, and cancellation effective at the start of the next day.

use crate::calendar::{Date, Instant, NIGHT_START_SECONDS};
use crate::credit::{Exact, Rate};
use crate::domain::{ContractOrder, Domain};
use crate::event::{RejectReason, StopCause};
use crate::random::{Purpose, Stream};
use crate::rules::CancellationCutoff;
use crate::simulation::Simulation;

/// The instants at which an accepted order's state changes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ContractSchedule {
    /// 00:00 UTC of the working day on which innovaphone accepts.
    pub accepted_at: Instant,
    /// 00:00 UTC of the day after the end date, the last day of service.
    pub ends_at: Option<Instant>,
    /// The instant from which a cancellation stops reloads.
    pub cancellation_effective_at: Option<Instant>,
}

impl ContractSchedule {
    /// Computes the schedule of order `index` of the domain. The acceptance
    /// delay in working days is drawn from the domain's own stream.
    pub fn of(order: &ContractOrder, index: u32, domain: &Domain, simulation: &Simulation) -> ContractSchedule {
        let weights = &simulation.rules.acceptance_delay_weights;
        let delay_days = if weights.len() == 1 {
            1
        } else {
            let mut stream = Stream::new(simulation.seed, domain.key, Purpose::AcceptanceDelay, index as u64);
            stream.weighted(weights) as u32 + 1
        };
        let accepted_at = simulation.calendar.working_days_after(order.ordered_at.date(), delay_days).midnight();
        let ends_at = order.end_date.map(|last_day| last_day.plus_days(1).midnight());
        let cancellation_effective_at = order
            .cancelled_at
            .map(|made| cancellation_effective(made.date(), simulation.rules.cancellation_cutoff));
        ContractSchedule { accepted_at, ends_at, cancellation_effective_at }
    }
}

/// A cancellation made on day C stops reloads at 00:00 UTC of C+1, or, when
/// judged by night, from night C+1 on (C+1 22:00).
pub fn cancellation_effective(cancelled_on: Date, cutoff: CancellationCutoff) -> Instant {
    let next_day = cancelled_on.plus_days(1).midnight();
    match cutoff {
        CancellationCutoff::Instant => next_day,
        CancellationCutoff::Night => next_day.plus_seconds(NIGHT_START_SECONDS),
    }
}

/// Why an order placed now must be rejected, if it must: the rental must be
/// accepted (in force) and the balance must hold the required months of
/// consumption at the current rate. An order while another contract is
/// pending or active is rejected too.
pub fn order_rejection(
    rental_in_force: bool,
    other_contract_open: bool,
    balance: Exact,
    rate: Rate,
    simulation: &Simulation,
) -> Option<RejectReason> {
    if !rental_in_force {
        return Some(RejectReason::RentalNotAccepted);
    }
    if other_contract_open {
        return Some(RejectReason::ContractAlreadyActive);
    }
    let required_seconds = simulation.rules.order_minimum_months as i64 * simulation.seconds_per_month();
    if balance < rate.over(required_seconds) {
        return Some(RejectReason::InsufficientBalance);
    }
    None
}

/// A domain's contract situation, as both engines track it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ContractStatus {
    None,
    Rejected,
    Pending { contract: u32 },
    Active { contract: u32, since: Instant },
    Ended,
    Cancelled,
}

impl ContractStatus {
    pub fn is_open(self) -> bool {
        matches!(self, ContractStatus::Pending { .. } | ContractStatus::Active { .. })
    }

    pub fn active_contract(self) -> Option<u32> {
        match self {
            ContractStatus::Active { contract, .. } => Some(contract),
            _ => None,
        }
    }

    /// Whether an active contract with a checking Devices App will reload a
    /// stopped domain by itself; otherwise its customer recovers by hand.
    pub fn reloads_by_itself(self, devices_app_checks: bool) -> bool {
        self.active_contract().is_some() && devices_app_checks
    }

    /// Classifies a stop. `last_night_offline` tells whether the last night
    /// before the stop on which the contract was active was offline.
    pub fn stop_cause(self, devices_app_checks: bool, last_night_offline: bool) -> StopCause {
        match self {
            ContractStatus::None => StopCause::NoContract,
            ContractStatus::Rejected => StopCause::RejectedOrder,
            ContractStatus::Pending { .. } => StopCause::AwaitingAcceptance,
            ContractStatus::Ended => StopCause::ContractEnded,
            ContractStatus::Cancelled => StopCause::ContractCancelled,
            ContractStatus::Active { .. } if !devices_app_checks => StopCause::OutdatedDevicesApp,
            ContractStatus::Active { .. } if last_night_offline => StopCause::OfflineNights,
            ContractStatus::Active { .. } => StopCause::ThresholdTooShort,
        }
    }
}
