//! The price list: iSC per license per month for each license type, and the
//! rate step function it gives a domain's license counts.

use std::collections::BTreeMap;

use crate::calendar::Instant;
use crate::credit::{Milli, Rate};
use crate::domain::RateChange;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PriceList {
    /// Milli-iSC per license per month, by license type.
    pub prices: BTreeMap<String, Milli>,
}

impl PriceList {
    pub fn price(&self, license_type: &str) -> Option<Milli> {
        self.prices.get(license_type).copied()
    }
}

/// A license count from an instant on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseCount {
    pub at: Instant,
    pub license_type: String,
    pub count: u64,
}

/// The rate step function of one domain: at each change instant the rate is
/// Σ count × price over the license types. `counts` must be sorted by
/// instant and every type must be priced; several changes at one instant
/// give one step.
pub fn rate_changes(counts: &[LicenseCount], prices: &PriceList) -> Vec<RateChange> {
    let mut current: BTreeMap<&str, u64> = BTreeMap::new();
    let mut changes: Vec<RateChange> = Vec::new();
    for (index, row) in counts.iter().enumerate() {
        current.insert(row.license_type.as_str(), row.count);
        let last_at_instant = counts.get(index + 1).is_none_or(|next| next.at != row.at);
        if !last_at_instant {
            continue;
        }
        let rate: i64 = current
            .iter()
            .map(|(license_type, count)| {
                let price = prices.price(license_type).expect("license types are validated against the price list");
                *count as i64 * price.0
            })
            .sum();
        changes.push(RateChange { at: row.at, rate: Rate(rate) });
    }
    changes
}
