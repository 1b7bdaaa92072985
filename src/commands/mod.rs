//! The commands of the binary. Each turns its arguments into library calls.

pub mod backtest;
pub mod backtest_forecast;
pub mod compare;
pub mod detail;
pub mod report;
pub mod run;
pub mod validate;

use std::path::Path;

use isc_sim::input::pricing::{read_price_list, PriceList, EMBEDDED_PRICES_CSV};
use isc_sim::scenario::Scenario;

/// Invalid input or usage; the binary exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

pub fn invalid(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(InvalidInput(message.into()))
}

/// The scenario at `path`, or the embedded baseline, with its origin and text.
pub fn load_scenario(path: Option<&Path>) -> anyhow::Result<(Scenario, String, String)> {
    match path {
        Some(path) => {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|error| invalid(format!("{origin}: cannot read the scenario: {error}")))?;
            let scenario = Scenario::from_toml(&origin, &text).map_err(|error| invalid(error.to_string()))?;
            Ok((scenario, origin, text))
        }
        None => {
            let text = isc_sim::scenario::BASELINE_TOML.to_string();
            Ok((Scenario::baseline(), "embedded scenarios/baseline.toml".to_string(), text))
        }
    }
}

/// The scenario's price list, with the file name and bytes it came from.
pub fn load_prices(scenario: &Scenario, scenario_path: Option<&Path>) -> anyhow::Result<(PriceList, String, Vec<u8>)> {
    let configured = &scenario.population.price_list;
    let (origin, bytes) = if configured.is_empty() {
        ("embedded data/prices.csv".to_string(), EMBEDDED_PRICES_CSV.as_bytes().to_vec())
    } else {
        let base = scenario_path.and_then(Path::parent).unwrap_or(Path::new("."));
        let path = base.join(configured);
        let origin = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|error| {
            invalid(format!("{origin}: cannot read the price list named by population.price_list: {error}"))
        })?;
        (origin, bytes)
    };
    let prices = read_price_list(&origin, &bytes).map_err(|problems| {
        invalid(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })?;
    Ok((prices, origin, bytes))
}

/// Parses `0-9,42` into sorted, distinct domain indices.
pub fn parse_index_list(text: &str) -> anyhow::Result<Vec<u64>> {
    let mut indices = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || invalid(format!("--detail-domains: '{part}' is not an index or a range like 0-9"));
        match part.split_once('-') {
            Some((first, last)) => {
                let first: u64 = first.trim().parse().map_err(|_| bad())?;
                let last: u64 = last.trim().parse().map_err(|_| bad())?;
                if last < first || last - first > 100_000 {
                    return Err(invalid(format!("--detail-domains: range '{part}' must rise and hold at most 100001 domains")));
                }
                indices.extend(first..=last);
            }
            None => indices.push(part.parse().map_err(|_| bad())?),
        }
    }
    indices.sort_unstable();
    indices.dedup();
    Ok(indices)
}

/// A scenario ready to run: validated, with its replayed domains (which
/// take the scenario's manual-load model) or its price list.
pub struct Prepared {
    pub scenario: Scenario,
    pub origin: String,
    pub text: String,
    pub replay: Option<isc_sim::input::replay::ReplayInput>,
    pub prices: PriceList,
    /// Where the price list came from, and its bytes, for the manifest.
    pub prices_origin: String,
    pub prices_bytes: Vec<u8>,
}

/// Loads, validates and reads the inputs of the scenario at `path`, or of
/// the embedded baseline without one; `domains` and `seed` replace the scenario's.
pub fn prepare(path: Option<&Path>, domains: Option<u64>, seed: Option<u64>) -> anyhow::Result<Prepared> {
    let (mut scenario, origin, text) = load_scenario(path)?;
    if let Some(domains) = domains {
        scenario.population.domains = domains;
    }
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let problems = scenario.problems();
    if !problems.is_empty() {
        return Err(invalid(problems.iter().map(|p| format!("{origin}: {p}")).collect::<Vec<_>>().join("\n")));
    }
    let base = path.and_then(Path::parent).unwrap_or(Path::new("."));
    let mut replay = match &scenario.replay {
        Some(config) => Some(isc_sim::input::replay::load(config, base).map_err(|errors| invalid(errors.to_string()))?),
        None => None,
    };
    if let (Some(input), Some(forecast)) = (&replay, &scenario.forecast) {
        let as_of = scenario.horizon.start_instant();
        isc_sim::forecast::check_as_of(&input.list.domains, as_of).map_err(|message| invalid(format!("{origin}: {message} ({})", forecast.as_of)))?;
    }
    if let Some(input) = &mut replay {
        scenario.population.domains = input.list.domains.len() as u64;
        let behaviour = scenario.population.manual.behaviour();
        for domain in &mut input.list.domains {
            domain.manual = behaviour.clone();
        }
    }
    let (prices, prices_origin, prices_bytes) = match &replay {
        Some(input) => (input.prices.clone(), "replay price list".to_string(), Vec::new()),
        None => load_prices(&scenario, path)?,
    };
    Ok(Prepared { scenario, origin, text, replay, prices, prices_origin, prices_bytes })
}

impl Prepared {
    /// The id of domain `index`: its id in the replay files, or its index.
    pub fn domain_id(&self, index: u64) -> String {
        match &self.replay {
            Some(input) => input.domain_ids[index as usize].clone(),
            None => index.to_string(),
        }
    }
}

/// Builds the worker pool: `threads` workers, or one per CPU core without it.
pub fn worker_pool(threads: Option<u16>) -> anyhow::Result<(rayon::ThreadPool, usize)> {
    use anyhow::Context;
    let threads = threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start the worker threads")?;
    Ok((pool, threads))
}
