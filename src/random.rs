//! Keyed random streams: every draw is a pure function of
//! (scenario seed, domain key, purpose, index), so a domain's results do not
//! depend on threads, shards, input order or other domains.
//!
//! The generator is SplitMix64's finalizer applied to the mixed key and a
//! counter. It is defined here, not taken from a crate, so that the same seed
//! gives the same draws whatever the version of `rand`.

use std::convert::Infallible;

use rand::TryRng;

use crate::calendar::{Date, NIGHT_LENGTH_SECONDS};

/// Purpose of a draw. The discriminants are part of the stream key and must
/// never be reused or renumbered, or every seeded result would change.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    NightOffset = 1,
    Outage = 2,
    AcceptanceDelay = 3,
    AlertResponse = 4,
    Recovery = 5,
    Population = 6,
    LicensePath = 7,
    Partner = 8,
    Contract = 9,
    Replication = 10,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Steele, Lea and Flood, 2014).
pub fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Returns the key of one stream.
pub fn stream_key(seed: u64, domain: u64, purpose: Purpose, index: u64) -> u64 {
    indexed_key(purpose_key(seed, domain, purpose), index)
}

/// The part of a stream key fixed by (seed, domain, purpose); hot loops
/// compute it once per domain and derive each index's key with `indexed_key`.
pub fn purpose_key(seed: u64, domain: u64, purpose: Purpose) -> u64 {
    let mut key = mix64(seed ^ 0x6973_632D_7369_6D00);
    key = mix64(key.wrapping_add(GOLDEN_GAMMA) ^ domain);
    mix64(key.wrapping_add(GOLDEN_GAMMA) ^ purpose as u64)
}

pub fn indexed_key(purpose_key: u64, index: u64) -> u64 {
    mix64(purpose_key.wrapping_add(GOLDEN_GAMMA) ^ index)
}

/// Maps 64 random bits to a uniform float in [0, 1) with 53 bits.
pub fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Maps 64 random bits to a uniform integer in [0, bound) without modulo bias
/// beyond 2^-64 (Lemire's multiply-shift).
pub fn below(bits: u64, bound: u64) -> u64 {
    ((bits as u128 * bound as u128) >> 64) as u64
}

/// The check offset of one night, uniform over the seven-hour window to the second.
pub fn night_offset_seconds(seed: u64, domain: u64, night: Date) -> i64 {
    night_offset_from_key(purpose_key(seed, domain, Purpose::NightOffset), night)
}

/// The check offset of one night from the domain's `NightOffset` purpose key.
pub fn night_offset_from_key(purpose_key: u64, night: Date) -> i64 {
    below(indexed_key(purpose_key, night.0 as u32 as u64), NIGHT_LENGTH_SECONDS as u64) as i64
}

/// A sequence of draws from one key; implements `rand::Rng` for `rand_distr`.
#[derive(Clone, Debug)]
pub struct Stream {
    key: u64,
    counter: u64,
}

impl Stream {
    pub fn new(seed: u64, domain: u64, purpose: Purpose, index: u64) -> Stream {
        Stream { key: stream_key(seed, domain, purpose, index), counter: 0 }
    }

    /// The same stream as `new`, from a precomputed `purpose_key`.
    pub fn from_purpose_key(purpose_key: u64, index: u64) -> Stream {
        Stream { key: indexed_key(purpose_key, index), counter: 0 }
    }

    pub fn next_bits(&mut self) -> u64 {
        self.counter += 1;
        mix64(self.key.wrapping_add(self.counter.wrapping_mul(GOLDEN_GAMMA)))
    }

    pub fn uniform(&mut self) -> f64 {
        unit_interval(self.next_bits())
    }

    pub fn bernoulli(&mut self, probability: f64) -> bool {
        self.uniform() < probability
    }

    /// Index drawn with the given non-negative weights; 0 when all are zero.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0;
        }
        let mut target = self.uniform() * total;
        for (index, weight) in weights.iter().enumerate() {
            if target < *weight {
                return index;
            }
            target -= weight;
        }
        weights.len() - 1
    }

    /// Number of failures before the first success, success probability p in (0, 1].
    pub fn geometric(&mut self, probability: f64) -> u64 {
        if probability >= 1.0 {
            return 0;
        }
        if probability <= 0.0 {
            return u64::MAX;
        }
        let u = 1.0 - self.uniform();
        (u.ln() / (1.0 - probability).ln()).floor().min(1e15) as u64
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_bits() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_bits())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_bits().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_values_are_pinned() {
        // Pinned so that a change to the generator, which changes every
        // seeded result, cannot pass unnoticed.
        let mut stream = Stream::new(42, 7, Purpose::Population, 0);
        let first = stream.next_bits();
        let again = Stream::new(42, 7, Purpose::Population, 0).next_bits();
        assert_eq!(first, again);
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161D_100B_05E5);
        assert_ne!(stream_key(42, 7, Purpose::Population, 0), stream_key(42, 8, Purpose::Population, 0));
    }

    #[test]
    fn night_offsets_cover_window_uniformly() {
        let mut before_midnight = 0;
        for domain in 0..10_000u64 {
            let offset = night_offset_seconds(42, domain, Date(19_800));
            assert!((0..NIGHT_LENGTH_SECONDS).contains(&offset));
            let hour = (22 + offset / 3600) % 24;
            assert!([22, 23, 0, 1, 2, 3, 4].contains(&hour), "hour {hour}");
            if offset < 7_200 {
                before_midnight += 1;
            }
        }
        let share = before_midnight as f64 / 10_000.0;
        assert!((share - 2.0 / 7.0).abs() < 0.02, "share before midnight {share}");
    }
}
