//! UTC instants, dates, nights and the working-day calendar.
//!
//! Every instant is a count of seconds since 1970-01-01T00:00:00Z and every
//! date a count of days since 1970-01-01, so nothing here can depend on the
//! process time zone. Night D is the check window [D 22:00, D+1 05:00).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

pub const SECONDS_PER_DAY: i64 = 86_400;
pub const SECONDS_PER_HOUR: i64 = 3_600;
/// Start of a night's check window, as seconds after midnight of its date.
pub const NIGHT_START_SECONDS: i64 = 22 * SECONDS_PER_HOUR;
/// Length of a night's check window: seven hours.
pub const NIGHT_LENGTH_SECONDS: i64 = 7 * SECONDS_PER_HOUR;

/// A UTC instant in whole seconds since the Unix epoch.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub i64);

/// A UTC date as days since 1970-01-01.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(pub i32);

impl Instant {
    pub const MAX: Instant = Instant(i64::MAX / 4);
    pub const MIN: Instant = Instant(i64::MIN / 4);

    pub fn date(self) -> Date {
        Date(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }

    /// Seconds since midnight UTC of the instant's own date.
    pub fn second_of_day(self) -> i64 {
        self.0.rem_euclid(SECONDS_PER_DAY)
    }

    pub fn plus_seconds(self, seconds: i64) -> Instant {
        Instant(self.0 + seconds)
    }

    pub fn plus_days(self, days: i64) -> Instant {
        Instant(self.0 + days * SECONDS_PER_DAY)
    }

    /// The night whose check window contains this instant, if any.
    pub fn night(self) -> Option<Date> {
        let second = self.second_of_day();
        if second >= NIGHT_START_SECONDS {
            Some(self.date())
        } else if second < NIGHT_START_SECONDS + NIGHT_LENGTH_SECONDS - SECONDS_PER_DAY {
            Some(self.date().plus_days(-1))
        } else {
            None
        }
    }

    /// Parses `2024-02-01`, `2024-2-1` (midnight UTC) or an RFC 3339 instant.
    pub fn parse(text: &str) -> Option<Instant> {
        let text = text.trim();
        if let Some(date) = Date::parse(text) {
            return Some(date.midnight());
        }
        let parsed = chrono::DateTime::parse_from_rfc3339(text).ok()?;
        Some(Instant(parsed.timestamp()))
    }
}

impl fmt::Display for Instant {
    /// Formats as RFC 3339 in UTC, for example `2024-03-02T22:10:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.date();
        let second = self.second_of_day();
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            date,
            second / 3600,
            (second / 60) % 60,
            second % 60
        )
    }
}

impl Date {
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date::from_naive)
    }

    pub fn from_naive(date: NaiveDate) -> Date {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
        Date((date - epoch).num_days() as i32)
    }

    pub fn to_naive(self) -> NaiveDate {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
        epoch + chrono::Duration::days(self.0 as i64)
    }

    pub fn midnight(self) -> Instant {
        Instant(self.0 as i64 * SECONDS_PER_DAY)
    }

    pub fn plus_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// Shifts by whole months, clamping to the last day of the target month:
    /// 2024-01-31 + 1 month is 2024-02-29.
    pub fn plus_months(self, months: i32) -> Date {
        let date = self.to_naive();
        let shifted = if months >= 0 {
            date.checked_add_months(Months::new(months as u32))
        } else {
            date.checked_sub_months(Months::new(months.unsigned_abs()))
        };
        Date::from_naive(shifted.expect("date within chrono's range"))
    }

    /// Monday is 0, Sunday is 6.
    pub fn weekday_from_monday(self) -> u32 {
        self.to_naive().weekday().num_days_from_monday()
    }

    pub fn year_month(self) -> (i32, u32) {
        let date = self.to_naive();
        (date.year(), date.month())
    }

    /// The first day of this date's month.
    pub fn month_start(self) -> Date {
        let date = self.to_naive();
        Date::from_naive(date.with_day(1).expect("day 1 exists"))
    }

    /// Parses `2024-02-01` or `2024-2-1`. Other orders such as `01/02/2024`
    /// are ambiguous and rejected.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().split('-');
        let year = parse_digits(parts.next()?, 4, 4)?;
        let month = parse_digits(parts.next()?, 1, 2)?;
        let day = parse_digits(parts.next()?, 1, 2)?;
        if parts.next().is_some() {
            return None;
        }
        Date::from_ymd(year as i32, month, day)
    }

    /// The night check instant for a check offset into the window.
    pub fn night_instant(self, offset_seconds: i64) -> Instant {
        debug_assert!((0..NIGHT_LENGTH_SECONDS).contains(&offset_seconds));
        Instant(self.midnight().0 + NIGHT_START_SECONDS + offset_seconds)
    }
}

fn parse_digits(text: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if text.len() < min_len || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_naive().format("%Y-%m-%d"))
    }
}

/// The month-end series start + k months for k in 0..count, each computed
/// from the start so that clamping in February does not drift later dates.
pub fn month_series(start: Date, count: usize) -> Vec<Date> {
    (0..count as i32).map(|k| start.plus_months(k)).collect()
}

/// Working days (Monday to Friday minus public holidays), for contract acceptance.
#[derive(Clone, Debug, Default)]
pub struct WorkingCalendar {
    holidays: BTreeSet<Date>,
    /// The years the holiday list covers; outside them only weekends count.
    covered_years: Option<(i32, i32)>,
}

impl WorkingCalendar {
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> WorkingCalendar {
        let holidays: BTreeSet<Date> = holidays.into_iter().collect();
        let covered_years = match (holidays.first(), holidays.last()) {
            (Some(first), Some(last)) => Some((first.year_month().0, last.year_month().0)),
            _ => None,
        };
        WorkingCalendar { holidays, covered_years }
    }

    /// Baden-Württemberg's public holidays 2015 to 2040, embedded from `data/`.
    pub fn baden_wuerttemberg() -> WorkingCalendar {
        let text = include_str!("../data/public_holidays_de_bw_2015_2040.csv");
        let holidays = text
            .lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let date = line.split(',').next().unwrap_or_default();
                Date::parse(date).expect("embedded holiday file contains valid dates")
            });
        WorkingCalendar::new(holidays)
    }

    pub fn covered_years(&self) -> Option<(i32, i32)> {
        self.covered_years
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        date.weekday_from_monday() < 5 && !self.holidays.contains(&date)
    }

    /// The `count`-th working day after `date` (count ≥ 1).
    pub fn working_days_after(&self, date: Date, count: u32) -> Date {
        let mut day = date;
        let mut remaining = count.max(1);
        loop {
            day = day.plus_days(1);
            if self.is_working_day(day) {
                remaining -= 1;
                if remaining == 0 {
                    return day;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn plus_months_clamps_month_end() {
        assert_eq!(date("2024-01-31").plus_months(1), date("2024-02-29"));
        assert_eq!(date("2023-01-31").plus_months(1), date("2023-02-28"));
        assert_eq!(date("2024-01-31").plus_months(2), date("2024-03-31"));
        assert_eq!(date("2024-05-31").plus_months(1), date("2024-06-30"));
        assert_eq!(date("2024-03-31").plus_months(-1), date("2024-02-29"));
    }

    #[test]
    fn month_series_does_not_drift() {
        let series = month_series(date("2024-01-31"), 5);
        let expected = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"];
        assert_eq!(series, expected.map(date).to_vec());
    }

    #[test]
    fn night_window_crosses_midnight() {
        let night = date("2024-12-31");
        assert_eq!(night.night_instant(3 * 3600).to_string(), "2025-01-01T01:00:00Z");
        assert_eq!(night.night_instant(3 * 3600).night(), Some(night));
        assert_eq!(date("2023-02-28").night_instant(5 * 3600).to_string(), "2023-03-01T03:00:00Z");
        assert_eq!(date("2024-06-01").night_instant(0).to_string(), "2024-06-01T22:00:00Z");
        assert_eq!(date("2024-06-01").night_instant(7140).to_string(), "2024-06-01T23:59:00Z");
        assert_eq!(date("2024-06-01").night_instant(7200).to_string(), "2024-06-02T00:00:00Z");
        assert_eq!(date("2024-06-01").night_instant(25140).to_string(), "2024-06-02T04:59:00Z");
        assert_eq!(Instant::parse("2024-06-02T05:00:00Z").unwrap().night(), None);
        assert_eq!(Instant::parse("2024-06-02T21:59:59Z").unwrap().night(), None);
    }

    #[test]
    fn date_parse_accepts_iso_forms_only() {
        assert_eq!(date("2024-2-1"), date("2024-02-01"));
        assert!(Date::parse("01/02/2024").is_none());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("24-02-01").is_none());
        assert_eq!(Instant::parse("2024-03-02").unwrap().to_string(), "2024-03-02T00:00:00Z");
        assert_eq!(
            Instant::parse("2024-03-02T01:00:00+02:00").unwrap().to_string(),
            "2024-03-01T23:00:00Z"
        );
    }

    #[test]
    fn acceptance_next_working_day_bw() {
        let calendar = WorkingCalendar::baden_wuerttemberg();
        let cases = [
            ("2024-05-03", "2024-05-06"),
            ("2024-05-04", "2024-05-06"),
            ("2024-05-05", "2024-05-06"),
            ("2024-05-06", "2024-05-07"),
            ("2024-05-08", "2024-05-10"),
            ("2024-10-31", "2024-11-04"),
            ("2024-12-24", "2024-12-27"),
            ("2024-12-20", "2024-12-23"),
        ];
        for (order, active) in cases {
            assert_eq!(calendar.working_days_after(date(order), 1), date(active), "order on {order}");
        }
    }
}
