//! As-of forecasting: history is replayed up to `as_of`, then every domain
//! continues from its exact state. License changes, rental ends, Auto-iSC
//! orders, outages and new domains come from models estimated on the
//! replayed history.
//! The engine simulates history and continuation in one pass, so the state
//! at `as_of` is exactly the replay's.

use serde::{Deserialize, Serialize};

use crate::calendar::{Instant, SECONDS_PER_DAY};
use crate::contract::ContractSchedule;
use crate::credit::{Milli, Rate};
use crate::domain::{BalanceLoad, ConcludedBy, ContractOrder, Domain, LoadKind, RateChange};
use crate::random::{Purpose, Stream};
use crate::rules::Threshold;
use crate::simulation::Simulation;

const SECONDS_PER_YEAR: f64 = 365.25 * SECONDS_PER_DAY as f64;
/// Days after a rental's start whose Auto-iSC orders count as its setup.
const SETUP_DAYS: i64 = 30;
const SECONDS_PER_MONTH: f64 = SECONDS_PER_YEAR / 12.0;

/// The `[forecast]` section of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastConfig {
    /// The end of the known history, like `2027-01-01`; the horizon starts here.
    pub as_of: String,
    /// Multiplies the estimated volatility of license changes. 0 gives the
    /// deterministic continuation: the expected drift applied on the 1st of
    /// every month, and no random changes, rental ends, orders, outages or
    /// new domains.
    #[serde(default = "one")]
    pub volatility_scale: f64,
}

fn one() -> f64 {
    1.0
}

/// The continuation model, estimated from the history before `as_of`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Estimates {
    /// Rate changes per domain and year of rental in force.
    pub changes_per_year: f64,
    /// Mean and standard deviation of ln(new rate ÷ old rate) of changes
    /// within ±ln(1.2), the ordinary steps.
    pub step_log_mean: f64,
    pub step_log_sd: f64,
    /// Share of changes beyond ±ln(1.2), their mean |log| size and the share of rises.
    pub jump_share: f64,
    pub jump_log_mean: f64,
    pub jump_up_share: f64,
    /// Rentals ended per rental-month in force.
    pub rental_end_monthly: f64,
    /// Auto-iSC orders per month of a domain without an open contract.
    pub orders_monthly: f64,
    /// New rentals per month over the 12 months before as_of.
    pub new_domains_monthly: f64,
    /// Offline nights per on-premises night in force, and the mean outage length in nights.
    pub offline_share: f64,
    pub mean_outage_nights: f64,
    /// The share of 4-week thresholds and the weights of intervals 1, 2, 3, 6 and 12 among the history's orders.
    pub four_weeks_share: f64,
    pub interval_weights: Vec<f64>,
    /// Size of the history behind the estimates.
    pub domain_years: f64,
    pub changes: u64,
}

/// Estimates the continuation model from the domains' history before `as_of`.
pub fn estimate(domains: &[Domain], as_of: Instant) -> Estimates {
    let mut exposure_seconds = 0.0;
    let mut steps = Vec::new();
    let mut ends = 0u64;
    let mut no_contract_seconds = 0.0;
    let mut orders = 0u64;
    let mut four_weeks = 0u64;
    let mut mix_orders = 0u64;
    let mut intervals = [0u64; 5];
    let (mut offline_nights, mut outages, mut on_premises_nights) = (0i64, 0u64, 0i64);
    let year_before = as_of.date().plus_months(-12).midnight();
    let new_domains = domains.iter().filter(|d| d.rental.start >= year_before && d.rental.start < as_of).count();
    for domain in domains {
        if domain.deployment == crate::domain::Deployment::OnPremises {
            let first = domain.rental.start.date();
            let last = domain.rental.end.unwrap_or(Instant::MAX).min(as_of).date();
            on_premises_nights += (last.0 - first.0).max(0) as i64;
            for outage in domain.outages.iter().filter(|o| o.first < as_of.date()) {
                offline_nights += (outage.last.min(as_of.date().plus_days(-1)).0 - outage.first.0 + 1) as i64;
                outages += 1;
            }
        }
        let start = domain.rental.start;
        let end = domain.rental.end.unwrap_or(Instant::MAX).min(as_of);
        if end > start {
            exposure_seconds += (end.0 - start.0) as f64;
        }
        if domain.rental.end.is_some_and(|rental_end| rental_end <= as_of) {
            ends += 1;
        }
        for pair in domain.rates.windows(2) {
            if pair[1].at > as_of || pair[1].at <= start {
                continue;
            }
            if pair[0].rate.0 > 0 && pair[1].rate.0 > 0 {
                steps.push((pair[1].rate.0 as f64 / pair[0].rate.0 as f64).ln());
            }
        }
        // Orders in a rental's first 30 days belong to its setup, which
        // arrivals copy from their templates; the rate counts later orders only.
        let settled = start.plus_days(SETUP_DAYS);
        let first_order = domain.contracts.iter().find(|order| order.ordered_at <= as_of);
        let uncovered_until = first_order.map_or(end, |order| order.ordered_at.min(end));
        if uncovered_until > settled {
            no_contract_seconds += (uncovered_until.0 - settled.0) as f64;
        }
        for order in domain.contracts.iter().filter(|order| order.ordered_at <= as_of) {
            if order.ordered_at > settled {
                orders += 1;
            }
            mix_orders += 1;
            if order.threshold == Threshold::FourWeeks {
                four_weeks += 1;
            }
            if let Some(position) = [1, 2, 3, 6, 12].iter().position(|m| *m == order.interval_months) {
                intervals[position] += 1;
            }
        }
    }
    let jump = 1.2_f64.ln();
    let ordinary: Vec<f64> = steps.iter().copied().filter(|s| s.abs() <= jump).collect();
    let jumps: Vec<f64> = steps.iter().copied().filter(|s| s.abs() > jump).collect();
    let mean = |values: &[f64]| if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
    let step_log_mean = mean(&ordinary);
    let step_log_sd = if ordinary.len() > 1 {
        (ordinary.iter().map(|s| (s - step_log_mean).powi(2)).sum::<f64>() / (ordinary.len() - 1) as f64).sqrt()
    } else {
        0.0
    };
    let interval_total: u64 = intervals.iter().sum();
    Estimates {
        changes_per_year: if exposure_seconds > 0.0 { steps.len() as f64 / (exposure_seconds / SECONDS_PER_YEAR) } else { 0.0 },
        step_log_mean,
        step_log_sd,
        jump_share: if steps.is_empty() { 0.0 } else { jumps.len() as f64 / steps.len() as f64 },
        jump_log_mean: mean(&jumps.iter().map(|s| s.abs()).collect::<Vec<_>>()),
        jump_up_share: if jumps.is_empty() { 0.5 } else { jumps.iter().filter(|s| **s > 0.0).count() as f64 / jumps.len() as f64 },
        rental_end_monthly: if exposure_seconds > 0.0 { ends as f64 / (exposure_seconds / SECONDS_PER_MONTH) } else { 0.0 },
        orders_monthly: if no_contract_seconds > 0.0 { orders as f64 / (no_contract_seconds / SECONDS_PER_MONTH) } else { 0.0 },
        new_domains_monthly: new_domains as f64 / 12.0,
        offline_share: if on_premises_nights > 0 { offline_nights as f64 / on_premises_nights as f64 } else { 0.0 },
        mean_outage_nights: if outages > 0 { offline_nights as f64 / outages as f64 } else { 1.0 },
        four_weeks_share: if mix_orders > 0 { four_weeks as f64 / mix_orders as f64 } else { 0.5 },
        interval_weights: if interval_total > 0 {
            intervals.iter().map(|c| *c as f64 / interval_total as f64).collect()
        } else {
            vec![1.0, 0.0, 0.0, 0.0, 0.0]
        },
        domain_years: exposure_seconds / SECONDS_PER_YEAR,
        changes: steps.len() as u64,
    }
}

/// Continues a replayed domain from its state at `as_of` with draws from the estimates.
/// Everything the history holds after `as_of` is dropped: later license
/// changes, loads, orders, cancellations, outages and the rental end.
pub fn continue_domain(domain: &Domain, as_of: Instant, end: Instant, estimates: &Estimates, volatility_scale: f64, simulation: &Simulation) -> Domain {
    continued(domain, as_of, end, estimates, volatility_scale, simulation, false)
}

/// Continues a domain of `arrivals` like a replayed one, from its start.
pub fn continue_arrival(domain: &Domain, as_of: Instant, end: Instant, estimates: &Estimates, volatility_scale: f64, simulation: &Simulation) -> Domain {
    continued(domain, as_of, end, estimates, volatility_scale, simulation, true)
}

fn continued(
    domain: &Domain,
    as_of: Instant,
    end: Instant,
    estimates: &Estimates,
    volatility_scale: f64,
    simulation: &Simulation,
    arrival: bool,
) -> Domain {
    let mut next = domain.clone();
    if arrival {
        return draw_future(next, domain, as_of.max(domain.rental.start), end, estimates, volatility_scale, simulation, as_of);
    }
    next.rates.retain(|change| change.at <= as_of);
    next.loads.retain(|load| load.at <= as_of);
    next.devices_app_changes.retain(|(at, _)| *at <= as_of);
    let as_of_night = as_of.date();
    next.outages.retain(|outage| outage.first < as_of_night);
    if let Some(last) = next.outages.last_mut() {
        last.last = last.last.min(as_of_night.plus_days(-1));
    }
    next.contracts.retain(|order| order.ordered_at <= as_of);
    for order in &mut next.contracts {
        if order.cancelled_at.is_some_and(|at| at > as_of) {
            order.cancelled_at = None;
        }
    }
    if next.rental.end.is_some_and(|rental_end| rental_end > as_of) {
        next.rental.end = None;
    }
    if next.rental.start > as_of {
        // A rental that starts after as_of is not known at as_of; new
        // rentals come from `arrivals` instead.
        next.rental.end = Some(next.rental.start);
        return next;
    }
    if !next.rental.in_force(as_of) {
        return next;
    }
    let from = as_of.max(next.rental.start);
    draw_future(next, domain, from, end, estimates, volatility_scale, simulation, as_of)
}

/// Draws license changes, the rental end, an order and outages from `from` on.
#[allow(clippy::too_many_arguments)]
fn draw_future(
    mut next: Domain,
    domain: &Domain,
    from: Instant,
    end: Instant,
    estimates: &Estimates,
    volatility_scale: f64,
    simulation: &Simulation,
    as_of: Instant,
) -> Domain {
    if volatility_scale == 0.0 {
        // The deterministic continuation: the expected log change per month
        // applied on the 1st of each month, nothing drawn.
        let monthly_log = estimates.step_log_mean * estimates.changes_per_year / 12.0;
        let mut rate = next.rate_at(from).0 as f64;
        let mut month = from.date().month_start().plus_months(1);
        while month.midnight() < end && rate > 0.0 && monthly_log != 0.0 {
            rate *= monthly_log.exp();
            let change = RateChange { at: month.midnight(), rate: Rate(rate.round().max(1.0) as i64) };
            if next.rates.last().is_none_or(|last| last.at < change.at && last.rate != change.rate) {
                next.rates.push(change);
            }
            month = month.plus_months(1);
        }
        return next;
    }
    let mut stream = Stream::new(simulation.seed, domain.key, Purpose::LicensePath, 1);
    // Rental end.
    if estimates.rental_end_monthly > 0.0 {
        let months = -(1.0 - stream.uniform()).ln() / estimates.rental_end_monthly;
        let at = from.0 as f64 + months * SECONDS_PER_MONTH;
        if at < end.0 as f64 {
            next.rental.end = Some(Instant(at as i64).max(from.plus_seconds(1)));
        }
    }
    // License changes: a Poisson process with log-normal steps and jumps.
    let mut rate = next.rate_at(from).0 as f64;
    let mut at = from.0 as f64;
    let per_second = estimates.changes_per_year / SECONDS_PER_YEAR;
    while per_second > 0.0 && rate > 0.0 {
        at += -(1.0 - stream.uniform()).ln() / per_second;
        if at >= end.0 as f64 {
            break;
        }
        let jump = volatility_scale > 0.0 && stream.bernoulli(estimates.jump_share);
        let step = if jump {
            let size = estimates.jump_log_mean;
            if stream.bernoulli(estimates.jump_up_share) { size } else { -size }
        } else {
            let normal = standard_normal(&mut stream);
            estimates.step_log_mean + volatility_scale * estimates.step_log_sd * normal
        };
        rate = (rate * step.exp()).max(1.0);
        let change = RateChange { at: Instant(at as i64), rate: Rate(rate.round() as i64) };
        if next.rates.last().is_none_or(|last| last.at < change.at && last.rate != change.rate) {
            next.rates.push(change);
        }
    }
    // An Auto-iSC order, for a domain without an open contract at as_of.
    let open = next.contracts.iter().enumerate().any(|(index, order)| {
        let schedule = ContractSchedule::of(order, index as u32, &next, simulation);
        let closed = [schedule.ends_at, schedule.cancellation_effective_at].into_iter().flatten().any(|at| at <= as_of);
        !closed
    });
    if !open && estimates.orders_monthly > 0.0 {
        let months = -(1.0 - stream.uniform()).ln() / estimates.orders_monthly;
        let at = Instant((from.0 as f64 + months * SECONDS_PER_MONTH) as i64);
        if at < end && next.rental.end.is_none_or(|rental_end| at < rental_end) {
            let monthly = next.rate_at(at).0;
            // The customer tops up to one month first, as innovaphone requires.
            next.loads.push(BalanceLoad { at: at.plus_seconds(-1).max(from), amount: Milli(monthly + monthly / 20), kind: LoadKind::Manual });
            let threshold = if stream.bernoulli(estimates.four_weeks_share) { Threshold::FourWeeks } else { Threshold::TwoWeeks };
            let interval_months = [1, 2, 3, 6, 12][stream.weighted(&estimates.interval_weights).min(4)];
            next.contracts.push(ContractOrder {
                ordered_at: at,
                threshold,
                interval_months,
                end_date: None,
                cancelled_at: None,
                concluded_by: ConcludedBy::EndCustomer,
            });
        }
    }
    // Outages after as_of, at the history's offline share and outage length.
    if next.deployment == crate::domain::Deployment::OnPremises && estimates.offline_share > 0.0 {
        let mean = estimates.mean_outage_nights.max(1.0);
        let start_probability = (estimates.offline_share / mean).min(1.0);
        let connectivity = crate::connectivity::Connectivity { outage_start_probability: start_probability, mean_outage_nights: mean };
        let first = as_of.date().max(next.outages.last().map_or(as_of.date(), |o| o.last.plus_days(2)));
        next.outages.extend(connectivity.outages(simulation.seed ^ 0x00F0_5EC4, domain.key, first, end.date()));
    }
    next.loads.sort_by_key(|load| load.at);
    next
}

/// Draws a standard normal value (Box–Muller) from the domain's own stream.
fn standard_normal(stream: &mut Stream) -> f64 {
    let u = 1.0 - stream.uniform();
    let v = stream.uniform();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Draws the domains that start renting after `as_of`, as a Poisson process
/// at the estimated monthly rate. Each copies a template, a domain of the history
/// chosen at random among those that started in the year before `as_of`
/// (its licenses, channel and behaviour), moved to its arrival instant with
/// the template's first license count and opening load; its key is new.
pub fn arrivals(domains: &[Domain], as_of: Instant, end: Instant, estimates: &Estimates, simulation: &Simulation) -> Vec<Domain> {
    let year_before = as_of.date().plus_months(-12).midnight();
    let templates: Vec<&Domain> = domains.iter().filter(|d| d.rental.start >= year_before && d.rental.start < as_of).collect();
    if templates.is_empty() || estimates.new_domains_monthly <= 0.0 {
        return Vec::new();
    }
    let mut stream = Stream::new(simulation.seed, u64::MAX, Purpose::Population, 1);
    let mut new = Vec::new();
    let mut at = as_of.0 as f64;
    loop {
        at += -(1.0 - stream.uniform()).ln() / estimates.new_domains_monthly * SECONDS_PER_MONTH;
        if at >= end.0 as f64 {
            return new;
        }
        let template = templates[crate::random::below(stream.next_bits(), templates.len() as u64) as usize];
        let start = Instant(at as i64);
        let shift = start.0 - template.rental.start.0;
        let mut domain = Domain::new(crate::random::mix64(template.key ^ stream.next_bits()), start);
        domain.deployment = template.deployment;
        domain.devices_app = template.devices_app;
        domain.reseller = template.reseller;
        domain.distributor = template.distributor;
        domain.manual = template.manual.clone();
        domain.rates = template.rates.iter().take(1).map(|change| RateChange { at: start, rate: change.rate }).collect();
        domain.loads = template
            .loads
            .iter()
            .take(1)
            .map(|load| BalanceLoad { at: Instant(load.at.0 + shift).max(start), amount: load.amount, kind: load.kind })
            .collect();
        // The template's setup order, if it made one, moves along.
        let setup_end = template.rental.start.plus_days(SETUP_DAYS);
        domain.contracts = template
            .contracts
            .iter()
            .filter(|order| order.ordered_at <= setup_end)
            .take(1)
            .map(|order| ContractOrder {
                ordered_at: Instant(order.ordered_at.0 + shift).max(start),
                end_date: None,
                cancelled_at: None,
                ..*order
            })
            .collect();
        new.push(domain);
    }
}

/// Checks that `as_of` lies inside the replayed history: after the first
/// rental start and no later than a month after the last license change.
pub fn check_as_of(domains: &[Domain], as_of: Instant) -> Result<(), String> {
    let first = domains.iter().map(|d| d.rental.start).min();
    let last = domains.iter().filter_map(|d| d.rates.last().map(|change| change.at)).max();
    match (first, last) {
        (Some(first), _) if as_of <= first => {
            Err(format!("forecast.as_of {as_of} is not after the history's first rental start {first}; expected a date inside the history"))
        }
        (_, Some(last)) if as_of > last.plus_days(31) => Err(format!(
            "forecast.as_of {as_of} is more than a month after the history's last license change {last}; expected a date inside the history"
        )),
        (None, _) => Err("forecast: the replay holds no domain to forecast from".to_string()),
        _ => Ok(()),
    }
}
