//! Scenario files: TOML with a horizon, the seed, the rule settings and the
//! synthetic population's parameters. Loading validates every key: an
//! unknown key, a wrong type or a value out of range is an error naming the
//! key path, the value and what is allowed.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, Instant};
use crate::input::replay::ReplayConfig;
use crate::population::PopulationParams;
use crate::rules::RuleSet;

/// The scenario used when none is given: 1,000,000 domains over 36 months.
pub const BASELINE_TOML: &str = include_str!("../scenarios/baseline.toml");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name; the default output folder is `reports/<name>`.
    pub name: String,
    /// One line for reports.
    #[serde(default)]
    pub title: String,
    pub seed: u64,
    pub horizon: Horizon,
    #[serde(default)]
    pub rules: RuleSet,
    #[serde(default)]
    pub population: PopulationParams,
    #[serde(default)]
    pub capacity: Capacity,
    #[serde(default)]
    pub detectors: Detectors,
    /// History files to replay instead of generating a population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayConfig>,
    /// Forecasting from a replayed history: replay up to `as_of`, then continue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<crate::forecast::ForecastConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Horizon {
    /// First simulated UTC date, like `2027-01-01`.
    pub start: String,
    /// Whole months simulated from the start.
    pub months: u32,
}

/// Capacities that reports compare the load with.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Capacity {
    /// Invoices one invoicing partner can process per day; 0 means not set.
    pub partner_invoices_per_day: u32,
}

/// Settings of the pathology detectors in every run's `pathologies` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Detectors {
    /// A domain is flagged when it has this many reloads within `reload_window_days`.
    pub reload_count: u32,
    pub reload_window_days: u32,
    /// Examples listed per detector.
    pub examples: u32,
}

impl Default for Detectors {
    fn default() -> Detectors {
        Detectors { reload_count: 3, reload_window_days: 30, examples: 5 }
    }
}

/// A scenario that failed to load: every problem, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct ScenarioError {
    pub problems: Vec<String>,
}

impl Horizon {
    pub fn start_date(&self) -> Date {
        Date::parse(&self.start).expect("validated on load")
    }

    pub fn end_date(&self) -> Date {
        self.start_date().plus_months(self.months as i32)
    }

    pub fn start_instant(&self) -> Instant {
        self.start_date().midnight()
    }

    pub fn end_instant(&self) -> Instant {
        self.end_date().midnight()
    }

    pub fn days(&self) -> usize {
        (self.end_date().0 - self.start_date().0) as usize
    }
}

impl Scenario {
    /// Parses and validates a scenario; `origin` names the file in messages.
    pub fn from_toml(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let single = |message: String| ScenarioError { problems: vec![message] };
        let deserializer = toml::Deserializer::parse(text).map_err(|error| single(format!("{origin}: {error}")))?;
        let scenario: Scenario = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let line = inner.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let location = line.map_or(String::new(), |line| format!(":{line}"));
            let message = inner.message().trim().to_string();
            if path == "." || path.is_empty() {
                single(format!("{origin}{location}: {message}"))
            } else {
                single(format!("{origin}{location}: {path}: {message}"))
            }
        })?;
        let problems = scenario.problems();
        if !problems.is_empty() {
            let problems = problems.into_iter().map(|problem| format!("{origin}: {problem}")).collect();
            return Err(ScenarioError { problems });
        }
        Ok(scenario)
    }

    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError {
            problems: vec![format!("{origin}: cannot read the scenario: {error}")],
        })?;
        Scenario::from_toml(&origin, &text)
    }

    pub fn baseline() -> Scenario {
        Scenario::from_toml("scenarios/baseline.toml", BASELINE_TOML).expect("the embedded baseline is valid")
    }

    /// Every value out of range, as `key.path = value: expected …`.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            problems.push(format!(
                "name = {:?}: expected letters, digits, '-' or '_' (it names the output folder)",
                self.name
            ));
        }
        match Date::parse(&self.horizon.start) {
            Some(date) if (1990..=2100).contains(&date.year_month().0) => {}
            _ => problems.push(format!(
                "horizon.start = {:?}: expected a date like \"2027-01-01\" between 1990 and 2100",
                self.horizon.start
            )),
        }
        if !(1..=240).contains(&self.horizon.months) {
            problems.push(format!("horizon.months = {}: expected 1 to 240", self.horizon.months));
        }
        if !(2..=100).contains(&self.detectors.reload_count) {
            problems.push(format!("detectors.reload_count = {}: expected 2 to 100", self.detectors.reload_count));
        }
        if !(1..=3650).contains(&self.detectors.reload_window_days) {
            problems.push(format!("detectors.reload_window_days = {}: expected 1 to 3650", self.detectors.reload_window_days));
        }
        if self.detectors.examples > 100 {
            problems.push(format!("detectors.examples = {}: expected 0 to 100", self.detectors.examples));
        }
        if let Err(rule_problems) = self.rules.validate() {
            problems.extend(rule_problems.into_iter().map(|problem| format!("rules.{problem}")));
        }
        problems.extend(self.population.problems(&self.rules).into_iter().map(|p| format!("population.{p}")));
        if let Some(forecast) = &self.forecast {
            match Date::parse(&forecast.as_of) {
                Some(date) if date.to_string() == self.horizon.start || Date::parse(&self.horizon.start) == Some(date) => {}
                _ => problems.push(format!(
                    "forecast.as_of = {:?}: expected a date like \"2027-01-01\" equal to horizon.start ({:?}), where the forecast begins",
                    forecast.as_of, self.horizon.start
                )),
            }
            if !(0.0..=10.0).contains(&forecast.volatility_scale) {
                problems.push(format!("forecast.volatility_scale = {}: expected 0 to 10", forecast.volatility_scale));
            }
            if self.replay.is_none() {
                problems.push("forecast: expected a [replay] section with the history to forecast from".to_string());
            }
        }
        if let Some(replay) = &self.replay {
            if replay.domains.is_empty() {
                problems.push("replay.domains = \"\": expected the path of the domains file".to_string());
            }
            if replay.license_changes.is_empty() {
                problems.push("replay.license_changes = \"\": expected the path of the license changes file".to_string());
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        Scenario::from_toml("test.toml", text).unwrap_err().to_string()
    }

    const MINIMAL: &str = "name = \"t\"\nseed = 1\n[horizon]\nstart = \"2027-01-01\"\nmonths = 12\n";

    #[test]
    fn baseline_loads() {
        let scenario = Scenario::baseline();
        assert_eq!(scenario.population.domains, 1_000_000);
        assert_eq!(scenario.horizon.months, 36);
        assert_eq!(scenario.horizon.start, "2027-01-01");
    }

    #[test]
    fn unknown_key_names_its_path() {
        let message = error_of(&format!("{MINIMAL}[rules]\naverage_windw_days = 30\n"));
        assert!(message.contains("rules"), "{message}");
        assert!(message.contains("average_windw_days"), "{message}");
        assert!(message.contains("test.toml:7"), "{message}");
    }

    #[test]
    fn wrong_type_names_its_path() {
        let message = error_of(&format!("{MINIMAL}[rules]\naverage_window_days = \"thirty\"\n"));
        assert!(message.contains("rules.average_window_days"), "{message}");
    }

    #[test]
    fn out_of_range_names_value_and_allowed() {
        let message = error_of(&format!("{MINIMAL}[rules]\ninterval_months = [1, 5]\n"));
        assert!(message.contains("rules.interval_months contains 5: expected one of 1, 2, 3, 6, 12"), "{message}");
        let message = error_of(&format!("{MINIMAL}[rules]\nthreshold_days_two_weeks = 40\n"));
        assert!(message.contains("rules.threshold_days_two_weeks = 40: expected at most threshold_days_four_weeks (28)"), "{message}");
        let message = error_of(&MINIMAL.replace("months = 12", "months = 0"));
        assert!(message.contains("horizon.months = 0: expected 1 to 240"), "{message}");
        let message = error_of(&MINIMAL.replace("2027-01-01", "01/01/2027"));
        assert!(message.contains("horizon.start = \"01/01/2027\""), "{message}");
    }
}
