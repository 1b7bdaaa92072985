//! Backtests: simulated reloads matched to an observed reload log, per
//! domain, within a tolerance window.

use crate::calendar::Instant;
use crate::credit::Milli;
use crate::domain::Domain;
use crate::event::{Event, Sink};

/// One reload of a domain, by the domain's index in its source.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReloadRecord {
    pub domain: u64,
    pub at: Instant,
    pub amount: Milli,
}

/// A sink that keeps the reloads inside [start, end) of the domain it is told about.
#[derive(Debug)]
pub struct ReloadCollector {
    pub start: Instant,
    pub end: Instant,
    pub domain: u64,
    pub reloads: Vec<ReloadRecord>,
}

impl Sink for ReloadCollector {
    fn event(&mut self, _domain: &Domain, event: &Event) {
        if let Event::Reload { at, amount, .. } = *event
            && at >= self.start
            && at < self.end
        {
            self.reloads.push(ReloadRecord { domain: self.domain, at, amount });
        }
    }
}

/// How an observed or simulated reload was matched.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Match {
    Matched { observed: ReloadRecord, simulated: ReloadRecord },
    /// Observed, but no simulated reload within the tolerance.
    Missed(ReloadRecord),
    /// Simulated, but no observed reload within the tolerance.
    Extra(ReloadRecord),
}

/// Matches the reloads of one domain, both sorted by instant: each observed
/// reload, in time order, takes the earliest unmatched simulated reload
/// within `tolerance_seconds` of it.
pub fn match_domain(observed: &[ReloadRecord], simulated: &[ReloadRecord], tolerance_seconds: i64) -> Vec<Match> {
    let mut taken = vec![false; simulated.len()];
    let mut matches = Vec::new();
    let mut first_candidate = 0;
    for observation in observed {
        while first_candidate < simulated.len() && simulated[first_candidate].at.0 < observation.at.0 - tolerance_seconds {
            first_candidate += 1;
        }
        let found = (first_candidate..simulated.len())
            .take_while(|&i| simulated[i].at.0 <= observation.at.0 + tolerance_seconds)
            .find(|&i| !taken[i]);
        match found {
            Some(index) => {
                taken[index] = true;
                matches.push(Match::Matched { observed: *observation, simulated: simulated[index] });
            }
            None => matches.push(Match::Missed(*observation)),
        }
    }
    for (index, simulation) in simulated.iter().enumerate() {
        if !taken[index] {
            matches.push(Match::Extra(*simulation));
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reload(hours: i64, amount: i64) -> ReloadRecord {
        ReloadRecord { domain: 0, at: Instant(hours * 3600), amount: Milli(amount) }
    }

    #[test]
    fn matches_within_tolerance() {
        let observed = [reload(0, 100), reload(100, 200), reload(300, 300)];
        let simulated = [reload(2, 100), reload(150, 200), reload(301, 310), reload(500, 1)];
        let matches = match_domain(&observed, &simulated, 24 * 3600);
        assert_eq!(matches[0], Match::Matched { observed: observed[0], simulated: simulated[0] });
        assert_eq!(matches[1], Match::Missed(observed[1]));
        assert_eq!(matches[2], Match::Matched { observed: observed[2], simulated: simulated[2] });
        assert_eq!(matches[3], Match::Extra(simulated[1]));
        assert_eq!(matches[4], Match::Extra(simulated[3]));
        assert_eq!(matches.len(), 5);
    }

    #[test]
    fn each_simulated_reload_matches_once() {
        let observed = [reload(10, 1), reload(11, 1)];
        let simulated = [reload(10, 1)];
        let matches = match_domain(&observed, &simulated, 24 * 3600);
        assert_eq!(matches, vec![Match::Matched { observed: observed[0], simulated: simulated[0] }, Match::Missed(observed[1])]);
    }
}
