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

/// The price list shipped with the project. Its prices are illustrative
/// until innovaphone's list is loaded.
pub const EMBEDDED_PRICES_CSV: &str = include_str!("../../data/prices.csv");

/// Reads a price list: `license_type,price_isc_per_month[,description]`,
/// one row per type, prices with at most 3 decimals.
pub fn read_price_list(file: &str, bytes: &[u8]) -> Result<PriceList, Vec<crate::input::Problem>> {
    use crate::input::{Problem, MAX_PROBLEMS};
    let problem = |line: u64, column: Option<&str>, value: Option<&str>, message: &str| Problem {
        file: file.to_string(),
        line: Some(line),
        column: column.map(str::to_string),
        value: value.map(str::to_string),
        message: message.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => return Err(vec![problem(1, None, None, &format!("unreadable header: {error}"))]),
    };
    let find = |name: &str| headers.iter().position(|header| header == name);
    let (Some(type_column), Some(price_column)) = (find("license_type"), find("price_isc_per_month")) else {
        return Err(vec![problem(1, None, None, "missing column; a price list needs license_type and price_isc_per_month")]);
    };
    let mut problems = Vec::new();
    let mut prices = PriceList::default();
    for (index, record) in reader.records().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(index as u64 + 2, |p| p.line());
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(problem(line, None, None, &format!("unreadable row: {error}")));
                continue;
            }
        };
        let (Some(license_type), Some(price_text)) = (record.get(type_column), record.get(price_column)) else {
            problems.push(problem(line, None, Some(record.as_slice()), "row is shorter than the header"));
            continue;
        };
        if license_type.is_empty() {
            problems.push(problem(line, Some("license_type"), Some(""), "missing; expected a license type name"));
            continue;
        }
        match Milli::parse_isc(price_text) {
            Some(price) if price.0 > 1_000_000_000 => {
                let message = "too large; expected at most 1,000,000 iSC per license per month";
                problems.push(problem(line, Some("price_isc_per_month"), Some(price_text), message));
            }
            Some(price) if price.0 >= 0 => {
                if prices.prices.insert(license_type.to_string(), price).is_some() {
                    problems.push(problem(line, Some("license_type"), Some(license_type), "duplicate; each type needs one price"));
                }
            }
            _ => problems.push(problem(
                line,
                Some("price_isc_per_month"),
                Some(price_text),
                "expected iSC per license per month, 0 or more, with at most 3 decimals, like 3.500",
            )),
        }
    }
    if problems.is_empty() { Ok(prices) } else { Err(problems) }
}
