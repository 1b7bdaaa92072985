//! Comparing two rule sets on the same domains. Both runs draw the same
//! random numbers (each draw is keyed by seed, domain, purpose and index,
//! never by the rules), so every difference comes from the rules.

use crate::calendar::Instant;
use crate::domain::Domain;
use crate::event::{Event, Sink};

/// What QA compares per domain over the horizon.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainOutcome {
    pub reloads: u32,
    pub first_reload: Option<Instant>,
    /// Reloaded milli-iSC.
    pub reloaded_milli: i64,
    pub stop_episodes: u32,
    pub stopped_seconds: i64,
}

/// A sink that folds one domain's events into its `DomainOutcome`.
#[derive(Clone, Debug)]
pub struct OutcomeSink {
    start: Instant,
    end: Instant,
    outcome: DomainOutcome,
    stopped_since: Option<Instant>,
}

impl OutcomeSink {
    pub fn new(start: Instant, end: Instant) -> OutcomeSink {
        OutcomeSink { start, end, outcome: DomainOutcome::default(), stopped_since: None }
    }

    fn add_stopped(&mut self, from: Instant, to: Instant) {
        let from = from.max(self.start);
        let to = to.min(self.end);
        if to > from {
            self.outcome.stopped_seconds += to.0 - from.0;
        }
    }

    /// The finished domain's outcome; the sink is ready for the next domain.
    pub fn finish(&mut self) -> DomainOutcome {
        if let Some(since) = self.stopped_since.take() {
            self.add_stopped(since, self.end);
        }
        std::mem::take(&mut self.outcome)
    }
}

impl Sink for OutcomeSink {
    fn event(&mut self, _domain: &Domain, event: &Event) {
        let inside = |at: Instant| at >= self.start && at < self.end;
        match *event {
            Event::Reload { at, amount, .. } if inside(at) => {
                self.outcome.reloads += 1;
                self.outcome.first_reload.get_or_insert(at);
                self.outcome.reloaded_milli += amount.0;
            }
            Event::Stop { at, .. } => {
                if inside(at) {
                    self.outcome.stop_episodes += 1;
                }
                self.stopped_since = Some(at);
            }
            Event::Resume { at } | Event::RentalEnded { at } => {
                if let Some(since) = self.stopped_since.take() {
                    self.add_stopped(since, at);
                }
            }
            _ => {}
        }
    }
}

/// A domain whose outcome differs between the two rule sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainDiff {
    pub index: u64,
    pub base: DomainOutcome,
    pub candidate: DomainOutcome,
}

/// Domains better off, worse off and unchanged on one measure.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally3 {
    pub better: u64,
    pub worse: u64,
    pub unchanged: u64,
}

/// Counts domains by whether the candidate lowers (better), raises (worse)
/// or keeps a measure where less is better: stopped seconds, and reloaded
/// iSC, as less prepaid credit is better for the customer's cash.
pub fn better_worse(domains: u64, diffs: &[DomainDiff], measure: impl Fn(&DomainOutcome) -> i64) -> Tally3 {
    let mut tally = Tally3::default();
    for diff in diffs {
        let (base, candidate) = (measure(&diff.base), measure(&diff.candidate));
        if candidate < base {
            tally.better += 1;
        } else if candidate > base {
            tally.worse += 1;
        }
    }
    tally.unchanged = domains - tally.better - tally.worse;
    tally
}
