//! The rule settings: every choice the specification makes where the sources
//! are silent, as a named setting with its default, so that planners can vary
//! them and QA can compare rule sets.

use serde::{Deserialize, Serialize};

use crate::calendar::SECONDS_PER_DAY;
use crate::devices_app::DevicesAppVersion;

/// The trigger a customer chose: reload when the remaining operating time is
/// at or below 2 or 4 weeks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Threshold {
    TwoWeeks,
    FourWeeks,
}

impl Threshold {
    pub fn from_weeks(weeks: u32) -> Option<Threshold> {
        match weeks {
            2 => Some(Threshold::TwoWeeks),
            4 => Some(Threshold::FourWeeks),
            _ => None,
        }
    }

    pub fn weeks(self) -> u32 {
        match self {
            Threshold::TwoWeeks => 2,
            Threshold::FourWeeks => 4,
        }
    }
}

/// What the 30-day average counts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AverageBasis {
    /// The configured licenses at their prices, also while the domain was stopped.
    Configured,
    /// Only what was debited from the balance, so stopped time counts as zero.
    Charged,
}

/// When a cancellation stops reloads.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancellationCutoff {
    /// No reload at or after 00:00 UTC of the day after the cancellation,
    /// even for a check of the night that started before it.
    Instant,
    /// No reload for the nights from the day after the cancellation on, so
    /// the checks of the cancellation day's night still reload after midnight.
    Night,
}

/// The rule settings. Defaults follow the specification's choices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSet {
    /// Length of the month that prices and the average are stated in.
    pub days_per_month: u32,
    /// Remaining operating time that triggers a reload under the 2-week choice.
    pub threshold_days_two_weeks: u32,
    /// Remaining operating time that triggers a reload under the 4-week choice.
    pub threshold_days_four_weeks: u32,
    /// Reload intervals a contract may choose, in months.
    pub interval_months: Vec<u32>,
    /// Full UTC days before the night's date that the average covers.
    pub average_window_days: u32,
    pub average_basis: AverageBasis,
    /// Weights of an acceptance delay of 1, 2, 3, … working days after the order date.
    pub acceptance_delay_weights: Vec<f64>,
    pub cancellation_cutoff: CancellationCutoff,
    /// Seconds between a reload's check and the credits reaching the balance.
    pub reload_delay_seconds: i64,
    /// Alert e-mails start when the remaining operating time is at or below this.
    pub alert_lead_days: u32,
    /// Minimum days between two alert e-mails of one domain.
    pub alert_spacing_days: u32,
    /// Months of consumption at the current rate that must be on the balance to order.
    pub order_minimum_months: u32,
    /// Oldest Devices App version that performs the nightly check, like `13r1 SR28`.
    pub minimum_devices_app: String,
}

impl Default for RuleSet {
    fn default() -> RuleSet {
        RuleSet {
            days_per_month: 30,
            threshold_days_two_weeks: 14,
            threshold_days_four_weeks: 28,
            interval_months: vec![1, 2, 3, 6, 12],
            average_window_days: 30,
            average_basis: AverageBasis::Configured,
            acceptance_delay_weights: vec![1.0],
            cancellation_cutoff: CancellationCutoff::Instant,
            reload_delay_seconds: 0,
            alert_lead_days: 49,
            alert_spacing_days: 7,
            order_minimum_months: 1,
            minimum_devices_app: "13r1 SR28".to_string(),
        }
    }
}

impl RuleSet {
    /// Checks every setting and returns each problem as `key = value: expected …`.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if !(1..=31).contains(&self.days_per_month) {
            problems.push(format!("days_per_month = {}: expected 1 to 31", self.days_per_month));
        }
        for (key, days) in [
            ("threshold_days_two_weeks", self.threshold_days_two_weeks),
            ("threshold_days_four_weeks", self.threshold_days_four_weeks),
        ] {
            if !(1..=366).contains(&days) {
                problems.push(format!("{key} = {days}: expected 1 to 366"));
            }
        }
        if self.threshold_days_two_weeks > self.threshold_days_four_weeks {
            problems.push(format!(
                "threshold_days_two_weeks = {}: expected at most threshold_days_four_weeks ({})",
                self.threshold_days_two_weeks, self.threshold_days_four_weeks
            ));
        }
        if self.interval_months.is_empty() {
            problems.push("interval_months = []: expected at least one of 1, 2, 3, 6, 12".to_string());
        }
        for months in &self.interval_months {
            if ![1, 2, 3, 6, 12].contains(months) {
                problems.push(format!("interval_months contains {months}: expected one of 1, 2, 3, 6, 12"));
            }
        }
        if !(1..=366).contains(&self.average_window_days) {
            problems.push(format!("average_window_days = {}: expected 1 to 366", self.average_window_days));
        }
        let weights_valid = !self.acceptance_delay_weights.is_empty()
            && self.acceptance_delay_weights.iter().all(|w| w.is_finite() && *w >= 0.0)
            && self.acceptance_delay_weights.iter().sum::<f64>() > 0.0;
        if !weights_valid {
            problems.push(format!(
                "acceptance_delay_weights = {:?}: expected non-negative weights for 1, 2, 3, … working days with a positive sum",
                self.acceptance_delay_weights
            ));
        }
        if !(0..=30 * SECONDS_PER_DAY).contains(&self.reload_delay_seconds) {
            problems.push(format!("reload_delay_seconds = {}: expected 0 to 2592000", self.reload_delay_seconds));
        }
        if !(1..=366).contains(&self.alert_lead_days) {
            problems.push(format!("alert_lead_days = {}: expected 1 to 366", self.alert_lead_days));
        }
        if !(1..=366).contains(&self.alert_spacing_days) {
            problems.push(format!("alert_spacing_days = {}: expected 1 to 366", self.alert_spacing_days));
        }
        if self.order_minimum_months > 24 {
            problems.push(format!("order_minimum_months = {}: expected 0 to 24", self.order_minimum_months));
        }
        if let Err(message) = self.minimum_devices_app.parse::<DevicesAppVersion>() {
            problems.push(format!("minimum_devices_app: {message}"));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    pub fn seconds_per_month(&self) -> i64 {
        self.days_per_month as i64 * SECONDS_PER_DAY
    }

    pub fn threshold_seconds(&self, threshold: Threshold) -> i64 {
        let days = match threshold {
            Threshold::TwoWeeks => self.threshold_days_two_weeks,
            Threshold::FourWeeks => self.threshold_days_four_weeks,
        };
        days as i64 * SECONDS_PER_DAY
    }

    pub fn minimum_version(&self) -> DevicesAppVersion {
        self.minimum_devices_app.parse().unwrap_or(DevicesAppVersion::AUTO_ISC_MINIMUM)
    }
}
