//! One domain's inputs: its rental, license rate over time, Devices App
//! versions, connectivity, balance loads, Auto-iSC contract orders, sales
//! channel and manual-load behaviour. Both engines read the same `Domain`.

use crate::calendar::{Date, Instant};
use crate::credit::{Milli, Rate};
use crate::devices_app::DevicesAppVersion;
use crate::rules::Threshold;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Deployment {
    OnPremises,
    Cloud,
}

/// Who concluded the Auto-iSC contract; it decides the invoicing partner.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConcludedBy {
    EndCustomer,
    Reseller,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartnerKind {
    Reseller,
    Distributor,
}

/// The partner that receives an invoice.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partner {
    pub kind: PartnerKind,
    pub id: u32,
}

/// The rental contract; consumption runs while it is in force, [start, end).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rental {
    pub start: Instant,
    pub end: Option<Instant>,
}

impl Rental {
    pub fn in_force(&self, at: Instant) -> bool {
        at >= self.start && self.end.is_none_or(|end| at < end)
    }
}

/// The total license rate from an instant on, Σ count × price.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RateChange {
    pub at: Instant,
    pub rate: Rate,
}

/// Consecutive offline nights, first to last inclusive.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    pub first: Date,
    pub last: Date,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoadKind {
    /// Sets the balance, for example at the start of the observed history.
    Opening,
    /// Adds to the balance, bought by hand.
    Manual,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BalanceLoad {
    pub at: Instant,
    pub amount: Milli,
    pub kind: LoadKind,
}

/// One Auto-iSC order with its lifetime as entered.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ContractOrder {
    pub ordered_at: Instant,
    pub threshold: Threshold,
    pub interval_months: u32,
    /// The last day of service, if the contract has an end date.
    pub end_date: Option<Date>,
    /// When the customer cancelled, if they did.
    pub cancelled_at: Option<Instant>,
    pub concluded_by: ConcludedBy,
}

/// How a domain without an active Auto-iSC contract loads by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct ManualBehaviour {
    /// Probability that an alert e-mail leads to a manual load.
    pub load_after_alert_probability: f64,
    /// Lag from the alert to the load, uniform in [min, max] hours.
    pub lag_hours_min: u32,
    pub lag_hours_max: u32,
    /// Weights of loading 1, 2, 3, … months of average consumption.
    pub months_weights: Vec<f64>,
    /// Probability per day that a stopped domain loads by hand.
    pub recovery_daily_probability: f64,
}

impl Default for ManualBehaviour {
    fn default() -> ManualBehaviour {
        ManualBehaviour {
            load_after_alert_probability: 0.0,
            lag_hours_min: 0,
            lag_hours_max: 0,
            months_weights: vec![1.0],
            recovery_daily_probability: 0.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    /// Stable key of the domain; its random streams are keyed by it.
    pub key: u64,
    pub deployment: Deployment,
    /// The instant the simulation of this domain starts; the balance is zero
    /// before the first load.
    pub start: Instant,
    pub rental: Rental,
    /// The rate step function, sorted by instant; zero before the first change.
    /// Changes before `start` only feed the average.
    pub rates: Vec<RateChange>,
    /// The Devices App version before any upgrade.
    pub devices_app: DevicesAppVersion,
    /// Upgrades (or downgrades), sorted by instant.
    pub devices_app_changes: Vec<(Instant, DevicesAppVersion)>,
    /// Offline nights, sorted and disjoint; always empty for cloud domains.
    pub outages: Vec<Outage>,
    /// Loads from the input, sorted by instant.
    pub loads: Vec<BalanceLoad>,
    /// Auto-iSC orders, sorted by order instant.
    pub contracts: Vec<ContractOrder>,
    pub reseller: u32,
    pub distributor: u32,
    pub invoice_reference: Option<String>,
    pub manual: ManualBehaviour,
}

impl Domain {
    /// A domain with no licenses, loads or contracts, in force from `start`.
    pub fn new(key: u64, start: Instant) -> Domain {
        Domain {
            key,
            deployment: Deployment::OnPremises,
            start,
            rental: Rental { start, end: None },
            rates: Vec::new(),
            devices_app: DevicesAppVersion::AUTO_ISC_MINIMUM,
            devices_app_changes: Vec::new(),
            outages: Vec::new(),
            loads: Vec::new(),
            contracts: Vec::new(),
            reseller: 0,
            distributor: 0,
            invoice_reference: None,
            manual: ManualBehaviour::default(),
        }
    }

    pub fn invoicing_partner(&self, concluded_by: ConcludedBy) -> Partner {
        match concluded_by {
            ConcludedBy::EndCustomer => Partner { kind: PartnerKind::Reseller, id: self.reseller },
            ConcludedBy::Reseller => Partner { kind: PartnerKind::Distributor, id: self.distributor },
        }
    }

    pub fn rate_at(&self, at: Instant) -> Rate {
        let index = self.rates.partition_point(|change| change.at <= at);
        if index == 0 { Rate::ZERO } else { self.rates[index - 1].rate }
    }

    pub fn devices_app_at(&self, at: Instant) -> DevicesAppVersion {
        let index = self.devices_app_changes.partition_point(|(when, _)| *when <= at);
        if index == 0 { self.devices_app } else { self.devices_app_changes[index - 1].1 }
    }

    pub fn is_offline(&self, night: Date) -> bool {
        self.outage_containing(night).is_some()
    }

    pub fn outage_containing(&self, night: Date) -> Option<Outage> {
        let index = self.outages.partition_point(|outage| outage.last < night);
        self.outages.get(index).copied().filter(|outage| outage.first <= night)
    }

    /// Checks the invariants the engines rely on; returns the first broken one.
    pub fn check_invariants(&self) -> Result<(), String> {
        let sorted = |ok: bool, what: &str| if ok { Ok(()) } else { Err(format!("{what} are not sorted by instant")) };
        sorted(self.rates.windows(2).all(|w| w[0].at <= w[1].at), "rate changes")?;
        sorted(self.loads.windows(2).all(|w| w[0].at <= w[1].at), "balance loads")?;
        sorted(self.contracts.windows(2).all(|w| w[0].ordered_at <= w[1].ordered_at), "contract orders")?;
        sorted(self.devices_app_changes.windows(2).all(|w| w[0].0 <= w[1].0), "Devices App changes")?;
        if !self.outages.windows(2).all(|w| w[0].last < w[1].first) || self.outages.iter().any(|o| o.first > o.last) {
            return Err("outages overlap or are not sorted".to_string());
        }
        if self.deployment == Deployment::Cloud && !self.outages.is_empty() {
            return Err("a cloud domain is always online, but outages are given".to_string());
        }
        if self.rates.iter().any(|change| change.rate.0 < 0) {
            return Err("a rate is negative".to_string());
        }
        if self.loads.iter().any(|load| load.at < self.start) || self.contracts.iter().any(|c| c.ordered_at < self.start) {
            return Err("a load or order lies before the domain's start".to_string());
        }
        if self.loads.iter().any(|load| load.amount.0 < 0) {
            return Err("a load amount is negative".to_string());
        }
        if self.rental.end.is_some_and(|end| end < self.rental.start) {
            return Err("the rental ends before it starts".to_string());
        }
        Ok(())
    }
}
