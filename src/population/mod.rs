//! The synthetic population: domain `i` is a pure function of the seed, `i`
//! and the parameters, so domains can be generated in any order, on any
//! thread, one at a time, and the population never has to be held in memory.

mod params;

pub use params::*;

use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};

use crate::calendar::{Date, Instant, SECONDS_PER_DAY};
use crate::connectivity::Connectivity;
use crate::credit::{Milli, Rate};
use crate::devices_app::DevicesAppVersion;
use crate::domain::{
    BalanceLoad, ConcludedBy, ContractOrder, Deployment, Domain, LoadKind, ManualBehaviour, RateChange, Rental,
};
use crate::input::pricing::PriceList;
use crate::random::{Purpose, Stream};
use crate::rules::Threshold;

const INTERVALS: [u32; 5] = [1, 2, 3, 6, 12];
const DAYS_PER_MONTH_MEAN: f64 = 30.436_875;

/// Prices of the license types the generator uses, in milli-iSC per month.
#[derive(Copy, Clone, Debug)]
struct Prices {
    user: i64,
    uc: i64,
    apps: i64,
    phone: i64,
    cloud_instance: i64,
}

/// The license mix of one domain, fixed over its life.
#[derive(Copy, Clone, Debug)]
struct Mix {
    uc: bool,
    apps: bool,
    phones_per_user: f64,
    cloud: bool,
}

pub struct Population {
    params: PopulationParams,
    seed: u64,
    horizon_start: Instant,
    horizon_end: Instant,
    prices: Prices,
    manual: ManualBehaviour,
    resellers: WeightedAliasIndex<f64>,
    reseller_distributor: Vec<u32>,
    outage_classes: WeightedAliasIndex<f64>,
}

impl Population {
    /// Prepares the generator; fails when the price list lacks a license type it uses.
    pub fn new(
        params: &PopulationParams,
        prices: &PriceList,
        seed: u64,
        horizon_start: Instant,
        horizon_end: Instant,
    ) -> Result<Population, String> {
        let price = |name: &str| {
            prices
                .price(name)
                .map(|milli| milli.0)
                .ok_or_else(|| format!("the price list has no license type '{name}'; the population uses user, uc, apps, phone and cloud_instance"))
        };
        let prices = Prices {
            user: price("user")?,
            uc: price("uc")?,
            apps: price("apps")?,
            phone: price("phone")?,
            cloud_instance: price("cloud_instance")?,
        };
        let zipf = |count: u32, exponent: f64| -> Vec<f64> {
            (1..=count).map(|rank| 1.0 / (rank as f64).powf(exponent)).collect()
        };
        let channel = &params.channel;
        let resellers = WeightedAliasIndex::new(zipf(channel.resellers, channel.reseller_zipf)).map_err(|e| e.to_string())?;
        let distributors =
            WeightedAliasIndex::new(zipf(channel.distributors, channel.distributor_zipf)).map_err(|e| e.to_string())?;
        let reseller_distributor = (0..channel.resellers)
            .map(|reseller| {
                let mut stream = Stream::new(seed, reseller as u64, Purpose::Partner, 0);
                distributors.sample(&mut stream) as u32
            })
            .collect();
        let outage_classes =
            WeightedAliasIndex::new(params.connectivity.class_shares.clone()).map_err(|e| e.to_string())?;
        let manual = params.manual.behaviour();
        Ok(Population {
            params: params.clone(),
            seed,
            horizon_start,
            horizon_end,
            prices,
            manual,
            resellers,
            reseller_distributor,
            outage_classes,
        })
    }

    pub fn len(&self) -> u64 {
        self.params.domains
    }

    pub fn is_empty(&self) -> bool {
        self.params.domains == 0
    }

    pub fn channel_size(&self) -> (usize, usize) {
        (self.params.channel.resellers as usize, self.params.channel.distributors as usize)
    }

    /// Generates domain `index` (its key is the index).
    pub fn domain(&self, index: u64) -> Domain {
        let params = &self.params;
        let key = index;
        let mut stream = Stream::new(self.seed, key, Purpose::Population, 0);
        let horizon_seconds = (self.horizon_end.0 - self.horizon_start.0) as f64;

        let cloud = stream.bernoulli(params.cloud_share);
        let users = self.users(&mut stream);
        let existing = stream.bernoulli(params.existing_share);
        let rental_start = if existing {
            let months = quantile_draw(&params.tenure_months_quantiles, stream.uniform());
            let seconds = (months * DAYS_PER_MONTH_MEAN * SECONDS_PER_DAY as f64) as i64;
            Instant(self.horizon_start.0 - seconds.max(1))
        } else {
            Instant(self.horizon_start.0 + (stream.uniform() * horizon_seconds) as i64)
        };
        let warmup_start = self.horizon_start.plus_days(-(params.warmup_days as i64));
        let adopts = stream.bernoulli(params.contracts.adoption_share);
        let early_order = adopts && !existing && stream.bernoulli(params.contracts.early_order_share);
        let mut start = rental_start.max(warmup_start);
        if early_order {
            start = rental_start.plus_days(-10);
        }
        let rental_end = {
            // Memoryless from the horizon start for rentals that exist then,
            // so the warm-up does not thin out the base at the horizon start.
            let months = Exp::new(params.rental_end_monthly.max(1e-12)).expect("positive rate").sample(&mut stream);
            let from = rental_start.max(self.horizon_start);
            let end = from.0 as f64 + months * DAYS_PER_MONTH_MEAN * SECONDS_PER_DAY as f64;
            (end < self.horizon_end.0 as f64).then(|| Instant(end as i64).max(rental_start.plus_seconds(1)))
        };

        let mut domain = Domain::new(key, start);
        domain.deployment = if cloud { Deployment::Cloud } else { Deployment::OnPremises };
        domain.rental = Rental { start: rental_start, end: rental_end };
        domain.manual = self.manual.clone();

        let mix = Mix {
            uc: stream.bernoulli(params.licenses.uc_share),
            apps: stream.bernoulli(params.licenses.apps_share),
            phones_per_user: if stream.bernoulli(params.licenses.phone_rental_share) { params.licenses.phones_per_user } else { 0.0 },
            cloud,
        };
        domain.rates = self.rate_path(key, users, mix, rental_start);

        self.devices_app(&mut stream, &mut domain);
        if !cloud {
            let class = self.outage_classes.sample(&mut stream);
            let connectivity = Connectivity {
                outage_start_probability: params.connectivity.class_outage_start_probability[class],
                mean_outage_nights: params.connectivity.mean_outage_nights,
            };
            let last_night = self.horizon_end.date();
            domain.outages = connectivity.outages(self.seed, key, start.date().plus_days(-1), last_night);
        }

        let reseller = self.resellers.sample(&mut stream) as u32;
        domain.reseller = reseller;
        domain.distributor = self.reseller_distributor[reseller as usize];
        if stream.bernoulli(params.channel.invoice_reference_share) {
            domain.invoice_reference = Some(format!("PO-{key:07}"));
        }

        self.balance_and_contract(&mut stream, &mut domain, existing, adopts, early_order);
        debug_assert_eq!(domain.check_invariants(), Ok(()));
        domain
    }

    fn users(&self, stream: &mut Stream) -> f64 {
        let params = &self.params.users;
        let users = if stream.bernoulli(params.tail_share) {
            Pareto::new(params.tail_scale, params.tail_shape).expect("validated").sample(stream)
        } else {
            LogNormal::new(params.median.ln(), params.log_sd).expect("validated").sample(stream)
        };
        users.clamp(1.0, params.max as f64)
    }

    fn rate_for(&self, users: f64, mix: Mix) -> Rate {
        let users = users.round().max(1.0) as i64;
        let prices = self.prices;
        let mut rate = users * prices.user;
        if mix.uc {
            rate += users * prices.uc;
        }
        if mix.apps {
            rate += users * prices.apps;
        }
        rate += (users as f64 * mix.phones_per_user).round() as i64 * prices.phone;
        if mix.cloud {
            rate += prices.cloud_instance;
        }
        Rate(rate)
    }

    /// The rate step function from the rental start to the horizon end:
    /// changes at Poisson instants with log-normal steps and occasional
    /// jumps, and, for seasonal domains, a factor per calendar month.
    fn rate_path(&self, key: u64, users: f64, mix: Mix, rental_start: Instant) -> Vec<RateChange> {
        let params = &self.params.changes;
        let mut stream = Stream::new(self.seed, key, Purpose::LicensePath, 0);
        let seasonal = stream.bernoulli(params.seasonal_share);
        let seasonal_factor = |at: Instant| {
            if seasonal { params.seasonal_factors[at.date().year_month().1 as usize - 1] } else { 1.0 }
        };
        // Only the last window before the domain's start matters for history,
        // so a long tenure starts its path shortly before the warm-up.
        let path_start = rental_start.max(self.horizon_start.plus_days(-(self.params.warmup_days as i64) - 400));
        let mut changes = vec![RateChange { at: rental_start, rate: self.rate_for(users * seasonal_factor(path_start), mix) }];
        let mut base = users;
        let mut at = path_start;
        let mut next_month = at.date().month_start().plus_months(1);
        let per_second = params.per_year / (365.25 * SECONDS_PER_DAY as f64);
        let gap = (per_second > 0.0).then(|| Exp::new(per_second).expect("positive rate"));
        let jump_probability = if params.per_year > 0.0 { params.jumps_per_year / params.per_year } else { 0.0 };
        let step_sd = params.yearly_log_sd / params.per_year.max(1.0).sqrt();
        let step_mean = params.yearly_log_mean / params.per_year.max(1.0);
        let mut next_change = gap.map_or(Instant::MAX, |gap| at.plus_seconds(gap.sample(&mut stream) as i64 + 1));
        loop {
            let month_boundary = if seasonal { next_month.midnight() } else { Instant::MAX };
            at = next_change.min(month_boundary);
            if at >= self.horizon_end {
                break;
            }
            if at == next_change {
                let step = if stream.bernoulli(jump_probability) {
                    let size = Normal::new(params.jump_log_mean, params.jump_log_sd).expect("validated").sample(&mut stream);
                    if stream.bernoulli(params.jump_up_share) { size.abs() } else { -size.abs() }
                } else {
                    Normal::new(step_mean, step_sd).expect("validated").sample(&mut stream)
                };
                base = (base * step.exp()).clamp(1.0, self.params.users.max as f64);
                next_change = at.plus_seconds(gap.expect("changes are drawn").sample(&mut stream) as i64 + 1);
            } else {
                next_month = next_month.plus_months(1);
            }
            let rate = self.rate_for(base * seasonal_factor(at), mix);
            let last = changes.last().expect("the path starts with one change");
            if rate != last.rate && at > last.at {
                changes.push(RateChange { at, rate });
            }
        }
        changes
    }

    fn devices_app(&self, stream: &mut Stream, domain: &mut Domain) {
        let params = &self.params.devices_app;
        if stream.bernoulli(params.outdated_share) {
            domain.devices_app = DevicesAppVersion::new(13, 1, (1 + stream.next_bits() % 27) as u16);
            if stream.bernoulli(params.upgrade_probability) {
                let span = (self.horizon_end.0 - domain.start.0) as f64;
                let at = Instant(domain.start.0 + 1 + (stream.uniform() * span) as i64);
                domain.devices_app_changes.push((at.min(self.horizon_end), DevicesAppVersion::new(14, 1, 0)));
            }
        } else {
            let current = [DevicesAppVersion::new(13, 1, 28), DevicesAppVersion::new(13, 2, 0), DevicesAppVersion::new(14, 1, 0)];
            domain.devices_app = current[(stream.next_bits() % 3) as usize];
        }
    }

    /// Adds the opening balance, the Auto-iSC orders and the loads that prepare them.
    fn balance_and_contract(&self, stream: &mut Stream, domain: &mut Domain, existing: bool, adopts: bool, early_order: bool) {
        let params = &self.params.contracts;
        let mut contract_stream = Stream::new(self.seed, domain.key, Purpose::Contract, 0);
        let start = domain.start;
        let month_at = |domain: &Domain, at: Instant| domain.rate_at(at).0;
        let threshold = if contract_stream.bernoulli(params.four_weeks_share) { Threshold::FourWeeks } else { Threshold::TwoWeeks };
        let interval_index = contract_stream.weighted(&params.interval_weights);
        let interval_months = INTERVALS[interval_index.min(INTERVALS.len() - 1)];
        let concluded_by =
            if contract_stream.bernoulli(params.reseller_concluded_share) { ConcludedBy::Reseller } else { ConcludedBy::EndCustomer };
        let contract_active_at_start = adopts && existing && contract_stream.bernoulli(params.existing_share);

        let opening_months = if contract_active_at_start {
            1.05 + stream.uniform() * interval_months as f64
        } else {
            0.5 + stream.uniform() * 2.5
        };
        let rental_start = domain.rental.start;
        if rental_start <= start {
            let amount = (month_at(domain, start) as f64 * opening_months).round() as i64;
            domain.loads.push(BalanceLoad { at: start, amount: Milli(amount), kind: LoadKind::Opening });
        } else {
            domain.loads.push(BalanceLoad { at: start, amount: Milli(0), kind: LoadKind::Opening });
            let first = (month_at(domain, rental_start) as f64 * (1.0 + stream.uniform() * 2.0)).round() as i64;
            domain.loads.push(BalanceLoad { at: rental_start, amount: Milli(first), kind: LoadKind::Manual });
        }
        if !adopts {
            return;
        }

        let ordered_at = if contract_active_at_start {
            start
        } else if early_order {
            rental_start.plus_days(-1 - (contract_stream.next_bits() % 8) as i64)
        } else {
            let from = start.max(self.horizon_start).max(rental_start);
            let rate = 1.0 / params.order_delay_months_mean;
            let months = Exp::new(rate).expect("validated positive").sample(&mut contract_stream);
            Instant(from.0 + (months * DAYS_PER_MONTH_MEAN * SECONDS_PER_DAY as f64) as i64)
        };
        let mut orders = vec![ordered_at];
        if early_order {
            // After the rejection the customer orders again once the rental runs.
            orders.push(rental_start.plus_days(3 + (contract_stream.next_bits() % 10) as i64));
        }
        let last_order_instant = domain.rental.end.unwrap_or(self.horizon_end).min(self.horizon_end);
        for (index, &ordered_at) in orders.iter().enumerate() {
            // No order is placed for a rental that has ended.
            if ordered_at >= last_order_instant {
                continue;
            }
            let prepared = !contract_stream.bernoulli(params.low_balance_share);
            if prepared && ordered_at > start && domain.rental.in_force(ordered_at) {
                // The customer tops up to one month before ordering, as innovaphone requires.
                let amount = (month_at(domain, ordered_at) as f64 * 1.05).round() as i64;
                domain.loads.push(BalanceLoad { at: ordered_at.plus_seconds(-1).max(start), amount: Milli(amount), kind: LoadKind::Manual });
            }
            let end_date = contract_stream.bernoulli(params.end_date_share).then(|| {
                let span_days = ((self.horizon_end.0 - ordered_at.0) / SECONDS_PER_DAY).max(1) + 365;
                ordered_at.date().plus_days(1 + (contract_stream.next_bits() % span_days as u64) as i32)
            });
            let cancelled_at = {
                let months = Exp::new(params.cancellation_monthly.max(1e-12)).expect("positive rate").sample(&mut contract_stream);
                let at = ordered_at.0 as f64 + months * DAYS_PER_MONTH_MEAN * SECONDS_PER_DAY as f64;
                (at < self.horizon_end.0 as f64).then(|| Instant(at as i64).max(ordered_at))
            };
            let last = index + 1 == orders.len();
            domain.contracts.push(ContractOrder {
                ordered_at,
                threshold,
                interval_months,
                end_date: if last { end_date } else { None },
                cancelled_at: if last { cancelled_at } else { None },
                concluded_by,
            });
        }
        domain.loads.sort_by_key(|load| load.at);
    }
}

/// Draws from a distribution given by quantiles at P0, P10, P25, P50, P75,
/// P90 and P100, interpolating linearly between them.
fn quantile_draw(quantiles: &[f64], u: f64) -> f64 {
    const LEVELS: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
    let index = LEVELS.partition_point(|level| *level <= u).clamp(1, LEVELS.len() - 1);
    let (low, high) = (LEVELS[index - 1], LEVELS[index]);
    let fraction = (u - low) / (high - low);
    quantiles[index - 1] + fraction * (quantiles[index] - quantiles[index - 1])
}

/// Returns the first date that a domain of this population can simulate.
pub fn first_date(horizon_start: Instant, params: &PopulationParams) -> Date {
    horizon_start.plus_days(-(params.warmup_days as i64)).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::{firm_headcount_changes, seasonal_amplitude, telco_estimates, ContractTerm};
    use crate::scenario::Scenario;

    fn data(name: &str) -> String {
        format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn close(value: f64, estimate: f64, tolerance: f64, what: &str) {
        assert!((value - estimate).abs() <= tolerance, "{what}: baseline has {value}, the data give {estimate}");
    }

    #[test]
    fn baseline_matches_calibration() {
        let params = Scenario::baseline().population;
        let telco = telco_estimates(data("telco_customer_churn.csv")).unwrap();
        close(params.contracts.adoption_share, telco.automatic_payment_share, 0.001, "adoption_share");
        close(params.rental_end_monthly, telco.monthly_churn_hazard.unwrap(), 0.0001, "rental_end_monthly");
        let tenure = &telco.tenure;
        let quantiles = [tenure.p10, tenure.p25, tenure.p50, tenure.p75, tenure.p90, tenure.max];
        for (value, estimate) in params.tenure_months_quantiles[1..].iter().zip(quantiles) {
            close(*value, estimate, 0.5, "tenure_months_quantiles");
        }
        let weights = &params.contracts.interval_weights;
        close(weights[0] + weights[1], telco.term(ContractTerm::MonthToMonth).share, 0.001, "month-to-month");
        close(weights[2] + weights[3], telco.term(ContractTerm::OneYear).share, 0.001, "one year");
        close(weights[4], telco.term(ContractTerm::TwoYear).share, 0.001, "two years");

        let firms = firm_headcount_changes(data("uk_firm_employment_1976_1984.csv")).unwrap();
        let changes = &params.changes;
        close(changes.yearly_log_mean, firms.non_jump_mean.unwrap(), 0.001, "yearly_log_mean");
        close(changes.yearly_log_sd, firms.non_jump_sd.unwrap(), 0.001, "yearly_log_sd");
        close(changes.jumps_per_year, firms.jump_share, 0.001, "jumps_per_year");
        close(changes.jump_log_mean, firms.jump_size_mean.unwrap(), 0.001, "jump_log_mean");
        close(changes.jump_log_sd, firms.jump_size_sd.unwrap(), 0.001, "jump_log_sd");
        let up_share = firms.jumps_up as f64 / (firms.jumps_up + firms.jumps_down) as f64;
        close(changes.jump_up_share, up_share, 0.001, "jump_up_share");

        let seasons = seasonal_amplitude(data("us_employment_by_industry_monthly.csv"), &[]).unwrap();
        for (value, estimate) in changes.seasonal_factors.iter().zip(seasons.factors) {
            close(*value, estimate, 0.001, "seasonal_factors");
        }
        assert_eq!(PopulationParams::default(), params, "the defaults in code equal the baseline file");
    }

    #[test]
    fn domains_are_pure_functions_of_index() {
        let scenario = Scenario::baseline();
        let prices = crate::input::pricing::read_price_list("prices", crate::input::pricing::EMBEDDED_PRICES_CSV.as_bytes()).unwrap();
        let horizon = &scenario.horizon;
        let population = Population::new(&scenario.population, &prices, 7, horizon.start_instant(), horizon.end_instant()).unwrap();
        for index in [0, 1, 999, 123_456] {
            let domain = population.domain(index);
            assert_eq!(domain, population.domain(index));
            assert_eq!(domain.check_invariants(), Ok(()));
        }
        let users: Vec<i64> = (0..20_000).map(|i| population.domain(i).rates[0].rate.0).collect();
        let mut sorted = users.clone();
        sorted.sort_unstable();
        assert!(sorted[10_000] < sorted[19_990] / 5, "rates are heavy-tailed");
    }
}
