//! Exact iSC arithmetic: amounts, rates and balances as integers.
//!
//! The credit unit is the milli-iSC (0.001 iSC). A rate is milli-iSC per
//! month. A balance is held in finer units, 1/S milli-iSC where S is the
//! number of seconds in a month, so that a rate of R milli-iSC per month
//! consumes exactly R units per second and consumption to the second never
//! rounds. Threshold comparisons are integer comparisons.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

/// An amount in milli-iSC, the credit unit of invoices, loads and reports.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Milli(pub i64);

/// A consumption rate in milli-iSC per month; equally, balance units per second.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(pub i64);

/// An exact balance or consumption in units of 1/S milli-iSC (S = seconds per month).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Exact(pub i128);

impl Milli {
    pub const ZERO: Milli = Milli(0);

    /// Parses a decimal iSC amount with at most 3 decimals, such as `153.611`.
    pub fn parse_isc(text: &str) -> Option<Milli> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || fraction.len() > 3 || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let mut fraction_milli: i64 = 0;
        for (position, byte) in fraction.bytes().enumerate() {
            fraction_milli += (byte - b'0') as i64 * [100, 10, 1][position];
        }
        let value = whole.checked_mul(1000)?.checked_add(fraction_milli)?;
        Some(Milli(if negative { -value } else { value }))
    }

    pub fn to_exact(self, seconds_per_month: i64) -> Exact {
        Exact(self.0 as i128 * seconds_per_month as i128)
    }

    pub fn as_isc_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl fmt::Display for Milli {
    /// Formats with 3 decimals of an iSC: `153.611`, `-0.300`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:03}", magnitude / 1000, magnitude % 1000)
    }
}

impl Add for Milli {
    type Output = Milli;
    fn add(self, other: Milli) -> Milli {
        Milli(self.0 + other.0)
    }
}

impl AddAssign for Milli {
    fn add_assign(&mut self, other: Milli) {
        self.0 += other.0;
    }
}

impl Sum for Milli {
    fn sum<I: Iterator<Item = Milli>>(iter: I) -> Milli {
        Milli(iter.map(|m| m.0).sum())
    }
}

impl Rate {
    pub const ZERO: Rate = Rate(0);

    /// Exact consumption over a number of seconds at this rate.
    pub fn over(self, seconds: i64) -> Exact {
        Exact(self.0 as i128 * seconds as i128)
    }
}

impl Exact {
    pub const ZERO: Exact = Exact(0);

    /// Rounds to milli-iSC, halves away from zero.
    pub fn round_to_milli(self, seconds_per_month: i64) -> Milli {
        Milli(divide_rounded(self.0, seconds_per_month as i128) as i64)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn min(self, other: Exact) -> Exact {
        Exact(self.0.min(other.0))
    }
}

impl Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        Exact(self.0 + other.0)
    }
}

impl Sub for Exact {
    type Output = Exact;
    fn sub(self, other: Exact) -> Exact {
        Exact(self.0 - other.0)
    }
}

impl AddAssign for Exact {
    fn add_assign(&mut self, other: Exact) {
        self.0 += other.0;
    }
}

/// Integer division rounding halves away from zero.
pub fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    assert!(denominator > 0, "divide_rounded needs a positive denominator");
    let quotient = numerator.abs() / denominator;
    let remainder = numerator.abs() % denominator;
    let rounded = if 2 * remainder >= denominator { quotient + 1 } else { quotient };
    if numerator < 0 { -rounded } else { rounded }
}

/// Whether the remaining operating time balance ÷ rate is at or below the
/// given number of seconds. It is infinite, so never at or below, at rate 0.
pub fn remaining_time_at_most(balance: Exact, rate: Rate, seconds: i64) -> bool {
    rate.0 > 0 && balance <= rate.over(seconds)
}

/// Whole seconds from now until the balance is zero at this rate, rounded
/// up to the first whole second at which it is zero; None at rate 0.
pub fn seconds_until_zero(balance: Exact, rate: Rate) -> Option<i64> {
    if rate.0 <= 0 {
        return None;
    }
    Some(ceil_div(balance.0.max(0), rate.0) as i64)
}

/// ⌈numerator ÷ divisor⌉ for numerator ≥ 0 and divisor > 0, in 64 bits
/// when the numerator fits, as it does for any real balance.
fn ceil_div(numerator: i128, divisor: i64) -> i128 {
    if let Ok(small) = u64::try_from(numerator) {
        let divisor = divisor as u64;
        return small.div_ceil(divisor) as i128;
    }
    (numerator + divisor as i128 - 1) / divisor as i128
}

/// Whole seconds from now until the remaining operating time is at or below
/// `seconds`: the least s ≥ 0 with balance − rate·s ≤ rate·seconds.
pub fn seconds_until_remaining_at_most(balance: Exact, rate: Rate, seconds: i64) -> Option<i64> {
    if rate.0 <= 0 {
        return None;
    }
    let excess = balance.0 - rate.over(seconds).0;
    if excess <= 0 {
        return Some(0);
    }
    Some(ceil_div(excess, rate.0) as i64)
}

/// The reload or load amount: `months` × the average monthly consumption,
/// rounded once at the end. The average is the window consumption per
/// covered second scaled to a month, which in exact units is simply
/// consumption ÷ covered seconds milli-iSC. With no covered second the
/// average is the current rate, which is already per month.
pub fn months_of_average(window_consumption: Exact, covered_seconds: i64, current: Rate, months: u32) -> Milli {
    if covered_seconds <= 0 {
        return Milli(current.0 * months as i64);
    }
    let amount = divide_rounded(window_consumption.0 * months as i128, covered_seconds as i128);
    Milli(amount as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECONDS_PER_MONTH: i64 = 30 * 86_400;

    #[test]
    fn milli_parses_and_prints() {
        assert_eq!(Milli::parse_isc("153.611"), Some(Milli(153_611)));
        assert_eq!(Milli::parse_isc("0.3"), Some(Milli(300)));
        assert_eq!(Milli::parse_isc("-4.2"), Some(Milli(-4_200)));
        assert_eq!(Milli::parse_isc("1.2345"), None);
        assert_eq!(Milli::parse_isc("seven"), None);
        assert_eq!(Milli::parse_isc(""), None);
        assert_eq!(Milli(4_200).to_string(), "4.200");
        assert_eq!(Milli(-300).to_string(), "-0.300");
    }

    #[test]
    fn threshold_is_inclusive_and_exact() {
        // 3 licenses at 3 iSC per month: 9 iSC per month, 0.3 iSC per day.
        let rate = Rate(9_000);
        let balance = Milli(4_200).to_exact(SECONDS_PER_MONTH);
        assert!(remaining_time_at_most(balance, rate, 14 * 86_400));
        let above = Milli(4_201).to_exact(SECONDS_PER_MONTH);
        assert!(!remaining_time_at_most(above, rate, 14 * 86_400));
        assert!(!remaining_time_at_most(Exact::ZERO, Rate::ZERO, 14 * 86_400));
    }

    #[test]
    fn ten_small_reloads_sum_exactly() {
        let total: Milli = std::iter::repeat_n(Milli(100), 10).sum();
        assert_eq!(total, Milli(1_000));
        assert_eq!(total.to_string(), "1.000");
    }

    #[test]
    fn zero_reached_on_whole_second() {
        // 0.300 iSC at 0.1 iSC per day (3 iSC per month) lasts exactly 3 days.
        let balance = Milli(300).to_exact(SECONDS_PER_MONTH);
        assert_eq!(seconds_until_zero(balance, Rate(3_000)), Some(3 * 86_400));
        assert_eq!(seconds_until_zero(Exact(7), Rate(2)), Some(4));
        assert_eq!(seconds_until_zero(balance, Rate::ZERO), None);
    }

    #[test]
    fn average_rounds_once() {
        // 10 covered days at 10 iSC per day, three months: 900 iSC.
        let consumption = Milli(100_000).to_exact(SECONDS_PER_MONTH);
        assert_eq!(months_of_average(consumption, 10 * 86_400, Rate(300_000), 3), Milli(900_000));
        assert_eq!(months_of_average(Exact::ZERO, 0, Rate(300_000), 3), Milli(900_000));
        assert_eq!(divide_rounded(5, 2), 3);
        assert_eq!(divide_rounded(-5, 2), -3);
        assert_eq!(divide_rounded(4, 3), 1);
    }
}
