//! Connectivity of on-premises domains: outages start on a night with a
//! per-domain probability and last a geometric number of nights. Cloud
//! domains are always online. The outages come from the domain's own stream,
//! so they do not depend on other domains or on the order of work.

use crate::calendar::Date;
use crate::domain::Outage;
use crate::random::{Purpose, Stream};

/// Offline behaviour of one domain.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Connectivity {
    /// Probability that an outage starts on a given online night.
    pub outage_start_probability: f64,
    /// Mean length of an outage in nights (at least 1).
    pub mean_outage_nights: f64,
}

impl Connectivity {
    pub const ALWAYS_ONLINE: Connectivity = Connectivity { outage_start_probability: 0.0, mean_outage_nights: 1.0 };

    /// The outages over nights `first` to `last`. With a mean of one night
    /// each night is offline independently with the start probability.
    /// The cost is proportional to the number of outages, not of nights.
    pub fn outages(&self, seed: u64, domain_key: u64, first: Date, last: Date) -> Vec<Outage> {
        let mut outages = Vec::new();
        if self.outage_start_probability <= 0.0 || last < first {
            return outages;
        }
        let mut stream = Stream::new(seed, domain_key, Purpose::Outage, 0);
        let continue_probability = 1.0 - 1.0 / self.mean_outage_nights.max(1.0);
        let mut night = first;
        loop {
            let gap = stream.geometric(self.outage_start_probability).min((last.0 - night.0 + 1) as u64);
            night = night.plus_days(gap as i32);
            if night > last {
                return outages;
            }
            let extra = stream.geometric(1.0 - continue_probability).min((last.0 - night.0) as u64);
            let outage_last = night.plus_days(extra as i32);
            outages.push(Outage { first: night, last: outage_last });
            night = outage_last.plus_days(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_night_outages_match_probability() {
        let connectivity = Connectivity { outage_start_probability: 0.1, mean_outage_nights: 1.0 };
        let mut offline = 0;
        let nights = 365;
        for key in 0..200 {
            let outages = connectivity.outages(42, key, Date(19_000), Date(19_000 + nights - 1));
            assert!(outages.windows(2).all(|w| w[0].last < w[1].first));
            offline += outages.iter().map(|o| o.last.0 - o.first.0 + 1).sum::<i32>();
        }
        let share = offline as f64 / (200 * nights) as f64;
        assert!((share - 0.1).abs() < 0.01, "offline share {share}");
    }

    #[test]
    fn longer_outages_have_the_mean_length() {
        let connectivity = Connectivity { outage_start_probability: 0.02, mean_outage_nights: 4.0 };
        let outages = connectivity.outages(7, 1, Date(0), Date(200_000));
        let mean = outages.iter().map(|o| (o.last.0 - o.first.0 + 1) as f64).sum::<f64>() / outages.len() as f64;
        assert!((mean - 4.0).abs() < 0.3, "mean outage {mean}");
        assert!(Connectivity::ALWAYS_ONLINE.outages(7, 1, Date(0), Date(1000)).is_empty());
    }
}
