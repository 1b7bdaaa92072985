//! The synthetic population's parameters, each with its default. Defaults
//! estimated from real public data are marked so in `scenarios/baseline.toml`; the
//! others are assumptions, labelled there as such.

use serde::{Deserialize, Serialize};

use crate::rules::RuleSet;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationParams {
    /// Number of domains.
    pub domains: u64,
    /// Price list CSV (`license_type,price_isc_per_month,description`),
    /// relative to the scenario file; empty means the embedded `data/prices.csv`.
    pub price_list: String,
    /// Days simulated before the horizon so that balances and contracts settle.
    pub warmup_days: u32,
    /// Share of cloud instances; the rest are on-premises domains.
    pub cloud_share: f64,
    /// Share of domains whose rental started before the horizon.
    pub existing_share: f64,
    /// Rental age at the horizon start in months: quantiles P0, P10, P25, P50, P75, P90, P100.
    pub tenure_months_quantiles: Vec<f64>,
    /// Probability per month that a rental ends.
    pub rental_end_monthly: f64,
    pub users: UserParams,
    pub licenses: LicenseParams,
    pub changes: ChangeParams,
    pub contracts: ContractParams,
    pub devices_app: DevicesAppParams,
    pub connectivity: ConnectivityParams,
    pub channel: ChannelParams,
    pub manual: ManualParams,
}

/// Users per domain: a log-normal body with a Pareto tail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserParams {
    pub median: f64,
    /// Standard deviation of ln(users) in the body.
    pub log_sd: f64,
    /// Share of domains drawn from the tail.
    pub tail_share: f64,
    /// Smallest tail domain.
    pub tail_scale: f64,
    /// Pareto shape of the tail; smaller is heavier.
    pub tail_shape: f64,
    pub max: u64,
}

/// License types per user, priced by the price list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LicenseParams {
    /// Share of domains with a UC license per user.
    pub uc_share: f64,
    /// Share of domains with a myApps license per user.
    pub apps_share: f64,
    /// Share of domains that rent desk phones, and phones per user there.
    pub phone_rental_share: f64,
    pub phones_per_user: f64,
}

/// License changes over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChangeParams {
    /// License changes per domain and year (a Poisson process).
    pub per_year: f64,
    /// Mean and standard deviation of the yearly log change of users.
    pub yearly_log_mean: f64,
    pub yearly_log_sd: f64,
    /// Expected sudden jumps per domain and year (part of `per_year`), and
    /// the jump's absolute log size; its sign is growth with `jump_up_share`.
    pub jumps_per_year: f64,
    pub jump_log_mean: f64,
    pub jump_log_sd: f64,
    pub jump_up_share: f64,
    /// Share of domains with seasonal swings, and the factor per calendar month.
    pub seasonal_share: f64,
    pub seasonal_factors: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContractParams {
    /// Share of domains that use Auto-iSC at some time.
    pub adoption_share: f64,
    /// Of the adopting domains that exist before the horizon, the share whose contract is already active.
    pub existing_share: f64,
    /// Mean months from the horizon start (or a later rental start) until an
    /// adopting domain without a contract orders one; exponential, so the
    /// order rate does not depend on the horizon's length.
    pub order_delay_months_mean: f64,
    /// Share choosing the 4-week threshold; the rest choose 2 weeks.
    pub four_weeks_share: f64,
    /// Weights of the intervals 1, 2, 3, 6 and 12 months.
    pub interval_weights: Vec<f64>,
    /// Share of contracts with an end date.
    pub end_date_share: f64,
    /// Probability per month that a contract is cancelled.
    pub cancellation_monthly: f64,
    /// Share concluded by the reseller (invoiced to the distributor).
    pub reseller_concluded_share: f64,
    /// Share of orders placed without first topping the balance up to one
    /// month. They are rejected only when the balance then has less.
    pub low_balance_share: f64,
    /// Share of new rentals ordering Auto-iSC before the rental is accepted.
    pub early_order_share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesAppParams {
    /// Share of domains on a Devices App older than the minimum version.
    pub outdated_share: f64,
    /// Probability that an outdated domain upgrades during the horizon.
    pub upgrade_probability: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectivityParams {
    /// Shares of on-premises domains per class, and each class's
    /// probability that an outage starts on a night.
    pub class_shares: Vec<f64>,
    pub class_outage_start_probability: Vec<f64>,
    /// Mean outage length in nights.
    pub mean_outage_nights: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelParams {
    pub resellers: u32,
    pub distributors: u32,
    /// Zipf exponents of reseller and distributor sizes.
    pub reseller_zipf: f64,
    pub distributor_zipf: f64,
    /// Share of domains with an invoice reference.
    pub invoice_reference_share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManualParams {
    pub load_after_alert_probability: f64,
    pub lag_hours_max: u32,
    /// Weights of loading 1, 2, 3, … months of average consumption.
    pub months_weights: Vec<f64>,
    pub recovery_daily_probability: f64,
}

impl Default for PopulationParams {
    fn default() -> PopulationParams {
        PopulationParams {
            domains: 1_000_000,
            price_list: String::new(),
            warmup_days: 180,
            cloud_share: 0.25,
            existing_share: 0.85,
            tenure_months_quantiles: vec![0.0, 2.0, 9.0, 29.0, 55.0, 69.0, 72.0],
            rental_end_monthly: 0.0082,
            users: UserParams::default(),
            licenses: LicenseParams::default(),
            changes: ChangeParams::default(),
            contracts: ContractParams::default(),
            devices_app: DevicesAppParams::default(),
            connectivity: ConnectivityParams::default(),
            channel: ChannelParams::default(),
            manual: ManualParams::default(),
        }
    }
}

impl Default for UserParams {
    fn default() -> UserParams {
        UserParams { median: 15.0, log_sd: 0.8, tail_share: 0.01, tail_scale: 150.0, tail_shape: 1.2, max: 20_000 }
    }
}

impl Default for LicenseParams {
    fn default() -> LicenseParams {
        LicenseParams { uc_share: 0.4, apps_share: 0.6, phone_rental_share: 0.3, phones_per_user: 0.8 }
    }
}

impl Default for ChangeParams {
    fn default() -> ChangeParams {
        ChangeParams {
            per_year: 4.0,
            yearly_log_mean: -0.027,
            yearly_log_sd: 0.071,
            jumps_per_year: 0.119,
            jump_log_mean: 0.325,
            jump_log_sd: 0.167,
            jump_up_share: 0.217,
            seasonal_share: 0.1,
            seasonal_factors: vec![0.978, 0.98, 0.985, 0.992, 1.0, 1.009, 1.006, 1.008, 1.008, 1.01, 1.01, 1.013],
        }
    }
}

impl Default for ContractParams {
    fn default() -> ContractParams {
        ContractParams {
            adoption_share: 0.435,
            existing_share: 0.7,
            order_delay_months_mean: 24.0,
            four_weeks_share: 0.4,
            interval_weights: vec![0.385, 0.165, 0.105, 0.105, 0.241],
            end_date_share: 0.1,
            cancellation_monthly: 0.005,
            reseller_concluded_share: 0.3,
            low_balance_share: 0.03,
            early_order_share: 0.02,
        }
    }
}

impl Default for DevicesAppParams {
    fn default() -> DevicesAppParams {
        DevicesAppParams { outdated_share: 0.08, upgrade_probability: 0.5 }
    }
}

impl Default for ConnectivityParams {
    fn default() -> ConnectivityParams {
        ConnectivityParams {
            class_shares: vec![0.8, 0.18, 0.02],
            class_outage_start_probability: vec![0.002, 0.02, 0.15],
            mean_outage_nights: 1.5,
        }
    }
}

impl Default for ChannelParams {
    fn default() -> ChannelParams {
        ChannelParams {
            resellers: 3_000,
            distributors: 40,
            reseller_zipf: 1.1,
            distributor_zipf: 1.0,
            invoice_reference_share: 0.2,
        }
    }
}

impl Default for ManualParams {
    fn default() -> ManualParams {
        ManualParams {
            load_after_alert_probability: 0.35,
            lag_hours_max: 72,
            months_weights: vec![0.5, 0.2, 0.2, 0.0, 0.0, 0.1],
            recovery_daily_probability: 0.3,
        }
    }
}

impl ManualParams {
    /// Returns the behaviour every domain of a run shares, generated or replayed.
    pub fn behaviour(&self) -> crate::domain::ManualBehaviour {
        crate::domain::ManualBehaviour {
            load_after_alert_probability: self.load_after_alert_probability,
            lag_hours_min: 0,
            lag_hours_max: self.lag_hours_max,
            months_weights: self.months_weights.clone(),
            recovery_daily_probability: self.recovery_daily_probability,
        }
    }
}

impl PopulationParams {
    /// Every value out of range, as `key.path = value: expected …`.
    pub fn problems(&self, _rules: &RuleSet) -> Vec<String> {
        let mut problems = Vec::new();
        let mut share = |key: &str, value: f64| {
            if !(0.0..=1.0).contains(&value) {
                problems.push(format!("{key} = {value}: expected a share from 0 to 1"));
            }
        };
        share("cloud_share", self.cloud_share);
        share("existing_share", self.existing_share);
        share("rental_end_monthly", self.rental_end_monthly);
        share("users.tail_share", self.users.tail_share);
        share("licenses.uc_share", self.licenses.uc_share);
        share("licenses.apps_share", self.licenses.apps_share);
        share("licenses.phone_rental_share", self.licenses.phone_rental_share);
        share("changes.jump_up_share", self.changes.jump_up_share);
        share("changes.seasonal_share", self.changes.seasonal_share);
        share("contracts.adoption_share", self.contracts.adoption_share);
        share("contracts.existing_share", self.contracts.existing_share);
        share("contracts.four_weeks_share", self.contracts.four_weeks_share);
        share("contracts.end_date_share", self.contracts.end_date_share);
        share("contracts.cancellation_monthly", self.contracts.cancellation_monthly);
        share("contracts.reseller_concluded_share", self.contracts.reseller_concluded_share);
        share("contracts.low_balance_share", self.contracts.low_balance_share);
        share("contracts.early_order_share", self.contracts.early_order_share);
        share("devices_app.outdated_share", self.devices_app.outdated_share);
        share("devices_app.upgrade_probability", self.devices_app.upgrade_probability);
        share("channel.invoice_reference_share", self.channel.invoice_reference_share);
        share("manual.load_after_alert_probability", self.manual.load_after_alert_probability);
        share("manual.recovery_daily_probability", self.manual.recovery_daily_probability);
        for value in &self.connectivity.class_outage_start_probability {
            share("connectivity.class_outage_start_probability", *value);
        }

        if !(1..=100_000_000).contains(&self.domains) {
            problems.push(format!("domains = {}: expected 1 to 100000000", self.domains));
        }
        if self.warmup_days > 3_650 {
            problems.push(format!("warmup_days = {}: expected 0 to 3650", self.warmup_days));
        }
        let quantiles = &self.tenure_months_quantiles;
        if quantiles.len() != 7 || quantiles.windows(2).any(|w| w[0] > w[1]) || quantiles.iter().any(|q| !(0.0..=600.0).contains(q)) {
            problems.push(format!(
                "tenure_months_quantiles = {quantiles:?}: expected 7 rising values (P0, P10, P25, P50, P75, P90, P100) from 0 to 600 months"
            ));
        }
        let positive = |key: &str, value: f64, problems: &mut Vec<String>| {
            if !(value.is_finite() && value > 0.0) {
                problems.push(format!("{key} = {value}: expected a positive number"));
            }
        };
        positive("users.median", self.users.median, &mut problems);
        positive("contracts.order_delay_months_mean", self.contracts.order_delay_months_mean, &mut problems);
        positive("users.log_sd", self.users.log_sd, &mut problems);
        positive("users.tail_scale", self.users.tail_scale, &mut problems);
        positive("users.tail_shape", self.users.tail_shape, &mut problems);
        positive("licenses.phones_per_user", self.licenses.phones_per_user, &mut problems);
        positive("changes.yearly_log_sd", self.changes.yearly_log_sd, &mut problems);
        positive("changes.jump_log_sd", self.changes.jump_log_sd, &mut problems);
        positive("channel.reseller_zipf", self.channel.reseller_zipf, &mut problems);
        positive("channel.distributor_zipf", self.channel.distributor_zipf, &mut problems);
        if self.users.max < 1 {
            problems.push("users.max = 0: expected at least 1".to_string());
        }
        if !(0.0..=365.0).contains(&self.changes.per_year) {
            problems.push(format!("changes.per_year = {}: expected 0 to 365", self.changes.per_year));
        }
        if !(0.0..=self.changes.per_year.max(0.0)).contains(&self.changes.jumps_per_year) {
            problems.push(format!(
                "changes.jumps_per_year = {}: expected 0 to changes.per_year ({}), as jumps are part of the changes",
                self.changes.jumps_per_year, self.changes.per_year
            ));
        }
        if !self.changes.yearly_log_mean.is_finite() || self.changes.yearly_log_mean.abs() > 2.0 {
            problems.push(format!("changes.yearly_log_mean = {}: expected -2 to 2", self.changes.yearly_log_mean));
        }
        if !self.changes.jump_log_mean.is_finite() || !(0.0..=5.0).contains(&self.changes.jump_log_mean) {
            problems.push(format!("changes.jump_log_mean = {}: expected 0 to 5", self.changes.jump_log_mean));
        }
        if self.changes.seasonal_factors.len() != 12 || self.changes.seasonal_factors.iter().any(|f| !(0.1..=10.0).contains(f)) {
            problems.push(format!(
                "changes.seasonal_factors = {:?}: expected 12 factors, January to December, from 0.1 to 10",
                self.changes.seasonal_factors
            ));
        }
        weights("contracts.interval_weights", &self.contracts.interval_weights, Some(5), &mut problems);
        weights("manual.months_weights", &self.manual.months_weights, None, &mut problems);
        weights("connectivity.class_shares", &self.connectivity.class_shares, None, &mut problems);
        if self.connectivity.class_shares.len() != self.connectivity.class_outage_start_probability.len() {
            problems.push(format!(
                "connectivity.class_outage_start_probability has {} values: expected one per class in class_shares ({})",
                self.connectivity.class_outage_start_probability.len(),
                self.connectivity.class_shares.len()
            ));
        }
        if !(1.0..=365.0).contains(&self.connectivity.mean_outage_nights) {
            problems.push(format!("connectivity.mean_outage_nights = {}: expected 1 to 365", self.connectivity.mean_outage_nights));
        }
        if !(1..=1_000_000).contains(&self.channel.resellers) {
            problems.push(format!("channel.resellers = {}: expected 1 to 1000000", self.channel.resellers));
        }
        if !(1..=10_000).contains(&self.channel.distributors) {
            problems.push(format!("channel.distributors = {}: expected 1 to 10000", self.channel.distributors));
        }
        if self.manual.lag_hours_max > 24 * 90 {
            problems.push(format!("manual.lag_hours_max = {}: expected 0 to 2160", self.manual.lag_hours_max));
        }
        problems
    }
}

fn weights(key: &str, values: &[f64], length: Option<usize>, problems: &mut Vec<String>) {
    let valid = !values.is_empty()
        && values.iter().all(|w| w.is_finite() && *w >= 0.0)
        && values.iter().sum::<f64>() > 0.0
        && length.is_none_or(|length| values.len() == length);
    if !valid {
        let count = length.map_or(String::new(), |length| format!("{length} "));
        problems.push(format!("{key} = {values:?}: expected {count}non-negative weights with a positive sum"));
    }
}
