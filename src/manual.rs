//! Manual loads by domains without an active Auto-iSC contract: a response
//! to an alert e-mail, or a recovery after a stop. Each draw comes from the
//! domain's own stream, keyed by the alert or stop index.

use crate::calendar::{Instant, SECONDS_PER_DAY, SECONDS_PER_HOUR};
use crate::domain::Domain;
use crate::random::{purpose_key, Purpose, Stream};
use crate::simulation::Simulation;

/// A manual load a customer will make: when, and how many months of average.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PlannedLoad {
    pub at: Instant,
    pub months: u32,
}

/// The domain's key for alert responses, to compute once per domain.
pub fn alert_response_key(simulation: &Simulation, domain: &Domain) -> u64 {
    purpose_key(simulation.seed, domain.key, Purpose::AlertResponse)
}

/// The load, if any, that the domain's `alert_index`-th alert e-mail leads
/// to; `response_key` comes from `alert_response_key`.
pub fn after_alert(domain: &Domain, response_key: u64, alert_index: u64, alert_at: Instant) -> Option<PlannedLoad> {
    let behaviour = &domain.manual;
    if behaviour.load_after_alert_probability <= 0.0 {
        return None;
    }
    let mut stream = Stream::from_purpose_key(response_key, alert_index);
    if !stream.bernoulli(behaviour.load_after_alert_probability) {
        return None;
    }
    let span = behaviour.lag_hours_max.saturating_sub(behaviour.lag_hours_min) as u64;
    let lag_hours = behaviour.lag_hours_min as u64 + crate::random::below(stream.next_bits(), span + 1);
    let months = stream.weighted(&behaviour.months_weights) as u32 + 1;
    Some(PlannedLoad { at: alert_at.plus_seconds(lag_hours as i64 * SECONDS_PER_HOUR), months })
}

/// The load that restarts the domain after its `stop_index`-th stop, when
/// no contract will reload it (none is active, or the Devices App is too
/// old to check): whole
/// days later, the number of days geometric with the daily probability.
pub fn recovery(simulation: &Simulation, domain: &Domain, stop_index: u64, stop_at: Instant) -> Option<PlannedLoad> {
    let behaviour = &domain.manual;
    if behaviour.recovery_daily_probability <= 0.0 {
        return None;
    }
    let mut stream = Stream::new(simulation.seed, domain.key, Purpose::Recovery, stop_index);
    let days = stream.geometric(behaviour.recovery_daily_probability).saturating_add(1);
    let horizon_days = ((simulation.end.0 - stop_at.0) / SECONDS_PER_DAY + 1) as u64;
    if days > horizon_days {
        return None;
    }
    let months = stream.weighted(&behaviour.months_weights) as u32 + 1;
    Some(PlannedLoad { at: stop_at.plus_days(days as i64), months })
}
