//! The typed events a domain's simulation emits, and the sink that receives
//! them. Aggregation happens in the sink, so no engine keeps its events.

use crate::calendar::{Date, Instant};
use crate::credit::{Exact, Milli, Rate};
use crate::domain::{Domain, Partner};

/// Why an Auto-iSC order was rejected.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// The rental contract was not in force at the order.
    RentalNotAccepted,
    /// Less than the required months of consumption were on the balance.
    InsufficientBalance,
    /// Another Auto-iSC contract of the domain was still pending or active.
    ContractAlreadyActive,
}

/// What left a domain stopped, judged at the stop instant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StopCause {
    /// No Auto-iSC contract was ever ordered.
    NoContract,
    /// The last order was rejected.
    RejectedOrder,
    /// An order was waiting for acceptance.
    AwaitingAcceptance,
    /// The contract had reached its end date.
    ContractEnded,
    /// The contract had been cancelled.
    ContractCancelled,
    /// The contract was active, but the Devices App is too old to check.
    OutdatedDevicesApp,
    /// The contract was active, but the last night's check was missed offline.
    OfflineNights,
    /// The contract was active and checking, but the balance ran out between
    /// two checks, so the threshold was too short for a license jump.
    ThresholdTooShort,
}

/// Where a manual load came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoadSource {
    /// An opening balance from the input, which sets the balance.
    Opening,
    /// A manual load from the input.
    Input,
    /// A load a customer made in response to an alert e-mail.
    AlertResponse,
    /// A load that restarted a stopped domain.
    Recovery,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    RentalStarted { at: Instant },
    RentalEnded { at: Instant },
    /// A check without a reload.
    Check { night: Date, at: Instant },
    /// Checks without a reload on every night from `first` to `last`; each
    /// night's instant follows from the seed, the domain key and the night.
    ChecksRun { first: Date, last: Date },
    /// Nights from `first` to `last` on which the domain would have checked
    /// but was offline.
    OfflineNights { first: Date, last: Date },
    /// A check that reloaded. `balance_after` includes the amount unless the
    /// scenario delays reloads.
    Reload { night: Date, at: Instant, amount: Milli, balance_after: Exact, contract: u32 },
    Invoice { at: Instant, amount: Milli, partner: Partner, contract: u32 },
    Alert { night: Date, at: Instant, balance: Exact, rate: Rate },
    Stop { at: Instant, cause: StopCause },
    Resume { at: Instant },
    ContractRejected { at: Instant, contract: u32, reason: RejectReason },
    /// Acceptance; `effective` is false when the Devices App is too old to check.
    ContractAccepted { at: Instant, contract: u32, effective: bool },
    ContractEnded { at: Instant, contract: u32 },
    ContractCancelled { at: Instant, contract: u32 },
    ManualLoad { at: Instant, amount: Milli, balance_after: Exact, source: LoadSource },
}

impl Event {
    /// The instant of an event; for runs of nights, the first night's start.
    pub fn at(&self) -> Instant {
        match self {
            Event::RentalStarted { at }
            | Event::RentalEnded { at }
            | Event::Check { at, .. }
            | Event::Reload { at, .. }
            | Event::Invoice { at, .. }
            | Event::Alert { at, .. }
            | Event::Stop { at, .. }
            | Event::Resume { at }
            | Event::ContractRejected { at, .. }
            | Event::ContractAccepted { at, .. }
            | Event::ContractEnded { at, .. }
            | Event::ContractCancelled { at, .. }
            | Event::ManualLoad { at, .. } => *at,
            Event::ChecksRun { first, .. } | Event::OfflineNights { first, .. } => first.night_instant(0),
        }
    }
}

/// A stretch [from, to) at a constant rate while the rental is in force;
/// `balance_from` is the balance at `from`. The domain consumes
/// min(balance_from, rate × seconds); a zero balance means it is stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: Instant,
    pub to: Instant,
    pub rate: Rate,
    pub balance_from: Exact,
}

impl Segment {
    pub fn consumed(&self) -> Exact {
        self.rate.over(self.to.0 - self.from.0).min(self.balance_from)
    }
}

/// Receives a domain's events in time order, and its consumption segments.
pub trait Sink {
    fn event(&mut self, domain: &Domain, event: &Event);
    fn segment(&mut self, _domain: &Domain, _segment: &Segment) {}
}

/// A sink that keeps every event, for tests and the per-domain detail file.
#[derive(Default, Debug)]
pub struct Recorder {
    pub events: Vec<Event>,
    pub segments: Vec<Segment>,
}

impl Sink for Recorder {
    fn event(&mut self, _domain: &Domain, event: &Event) {
        self.events.push(event.clone());
    }

    fn segment(&mut self, _domain: &Domain, segment: &Segment) {
        self.segments.push(*segment);
    }
}

impl<A: Sink, B: Sink> Sink for (A, B) {
    fn event(&mut self, domain: &Domain, event: &Event) {
        self.0.event(domain, event);
        self.1.event(domain, event);
    }

    fn segment(&mut self, domain: &Domain, segment: &Segment) {
        self.0.segment(domain, segment);
        self.1.segment(domain, segment);
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn event(&mut self, domain: &Domain, event: &Event) {
        (**self).event(domain, event);
    }

    fn segment(&mut self, domain: &Domain, segment: &Segment) {
        (**self).segment(domain, segment);
    }
}
