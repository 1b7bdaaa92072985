//! A whole run: for each Monte Carlo replication, generate the population
//! domain by domain in parallel, simulate each with the event-driven engine
//! into per-worker tallies, merge them, and build the forecast tables.
//! Memory keeps one tally per worker, never the population or its events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::aggregate::tables::{self, Table};
use crate::aggregate::tally::{DetectorSettings, HorizonIndex, Tally};
use crate::calendar::WorkingCalendar;
use crate::domain::Domain;
use crate::engine::Engine;
use crate::event::Recorder;
use crate::input::pricing::PriceList;
use crate::population::Population;
use crate::random::{stream_key, Purpose};
use crate::scenario::Scenario;
use crate::backtest::{ReloadCollector, ReloadRecord};
use crate::compare::{DomainDiff, OutcomeSink};
use crate::rules::RuleSet;
use crate::simulation::Simulation;

/// Domains one parallel task simulates before it returns its tally to the pool.
const CHUNK_DOMAINS: u64 = 2_048;

/// Invoicing partners in the `partner_daily` table: the busiest ones.
const PARTNER_DAILY_TOP: usize = 10;

/// The tables of one replication.
#[derive(Clone, Debug)]
pub struct ReplicationTables {
    pub daily: Table,
    pub monthly: Table,
    pub partners: Table,
    pub check_load: Table,
    pub outcomes: Table,
    /// Invoices per day of the busiest invoicing partners.
    pub partner_daily: Table,
    /// Counts and first examples of the pathology detectors.
    pub pathologies: Table,
}

/// Source of a run's domains: generated, or read from history.
pub trait DomainSource: Sync {
    fn len(&self) -> u64;
    /// Domain `index`, built afresh; the same index gives the same domain.
    fn domain(&self, index: u64) -> Domain;
    /// Numbers of resellers and distributors; partner ids lie below them.
    fn channel_size(&self) -> (usize, usize);
}

impl DomainSource for Population {
    fn len(&self) -> u64 {
        Population::len(self)
    }

    fn domain(&self, index: u64) -> Domain {
        Population::domain(self, index)
    }

    fn channel_size(&self) -> (usize, usize) {
        Population::channel_size(self)
    }
}

/// Domains given in full, for example read from history files.
#[derive(Clone, Debug, Default)]
pub struct DomainList {
    pub domains: Vec<Domain>,
    pub resellers: usize,
    pub distributors: usize,
    /// The id of each domain in the input files; empty where domains have no names.
    pub ids: Vec<String>,
}

impl DomainList {
    /// Borrows the list, so each replication need not copy the domains.
    fn clone_ref(&self) -> DomainListRef<'_> {
        DomainListRef(self)
    }
}

struct DomainListRef<'a>(&'a DomainList);

impl DomainSource for DomainListRef<'_> {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn domain(&self, index: u64) -> Domain {
        self.0.domain(index)
    }

    fn channel_size(&self) -> (usize, usize) {
        self.0.channel_size()
    }
}

/// Replayed domains known up to `as_of` and continued from the estimates.
struct ForecastSource<'a> {
    list: &'a DomainList,
    as_of: crate::calendar::Instant,
    estimates: crate::forecast::Estimates,
    volatility_scale: f64,
    simulation: Simulation,
    /// Domains that start renting after as_of, after the replayed ones.
    arrivals: Vec<Domain>,
}

impl DomainSource for ForecastSource<'_> {
    fn len(&self) -> u64 {
        self.list.len() + self.arrivals.len() as u64
    }

    fn domain(&self, index: u64) -> Domain {
        if index >= self.list.len() {
            let arrival = &self.arrivals[(index - self.list.len()) as usize];
            let end = self.simulation.end;
            return crate::forecast::continue_arrival(arrival, self.as_of, end, &self.estimates, self.volatility_scale, &self.simulation);
        }
        let domain = &self.list.domains[index as usize];
        let end = self.simulation.end;
        crate::forecast::continue_domain(domain, self.as_of, end, &self.estimates, self.volatility_scale, &self.simulation)
    }

    fn channel_size(&self) -> (usize, usize) {
        self.list.channel_size()
    }
}

impl DomainSource for DomainList {
    fn len(&self) -> u64 {
        self.domains.len() as u64
    }

    fn domain(&self, index: u64) -> Domain {
        self.domains[index as usize].clone()
    }

    fn channel_size(&self) -> (usize, usize) {
        (self.resellers, self.distributors)
    }
}

/// The events of one chosen domain, for the per-domain detail file.
pub struct DomainDetail {
    /// The domain's index in its source.
    pub index: u64,
    pub domain: Domain,
    pub simulation: Simulation,
    pub events: Recorder,
}

/// Returns the seed of replication `index`. Replication 0 uses the scenario's seed.
pub fn replication_seed(seed: u64, index: u32) -> u64 {
    if index == 0 { seed } else { stream_key(seed, 0, Purpose::Replication, index as u64) }
}

pub struct Run<'a> {
    pub scenario: &'a Scenario,
    pub prices: &'a PriceList,
    pub calendar: &'a WorkingCalendar,
    pub replications: u32,
    /// Domains read from history; without them the population is generated.
    pub replay: Option<&'a DomainList>,
    /// Counts simulated domains over all replications, for progress display.
    pub progress: &'a AtomicU64,
}

impl Run<'_> {
    /// Simulates every replication; fails when the rules or the population
    /// parameters do not build a simulation.
    pub fn execute(&self) -> Result<Vec<ReplicationTables>, String> {
        (0..self.replications).map(|index| self.replication(index)).collect()
    }

    pub fn simulation(&self, replication: u32) -> Result<Simulation, String> {
        let horizon = &self.scenario.horizon;
        let seed = replication_seed(self.scenario.seed, replication);
        Simulation::new(self.scenario.rules.clone(), self.calendar.clone(), seed, horizon.end_instant())
            .map_err(|problems| problems.join("; "))
    }

    pub fn population(&self, replication: u32) -> Result<Population, String> {
        let horizon = &self.scenario.horizon;
        let seed = replication_seed(self.scenario.seed, replication);
        Population::new(&self.scenario.population, self.prices, seed, horizon.start_instant(), horizon.end_instant())
    }

    /// Domain keys to ids, for replayed domains with names; generated
    /// domains are named by their key, which is their index.
    fn domain_names(&self) -> std::collections::HashMap<u64, String> {
        match self.replay {
            Some(list) => list.domains.iter().zip(&list.ids).map(|(domain, id)| (domain.key, id.clone())).collect(),
            None => std::collections::HashMap::new(),
        }
    }

    /// Detector settings from the scenario.
    fn detector_settings(&self) -> DetectorSettings {
        let detectors = &self.scenario.detectors;
        DetectorSettings {
            reload_count: detectors.reload_count as usize,
            reload_window_seconds: detectors.reload_window_days as i64 * 86_400,
            examples: detectors.examples as usize,
        }
    }

    /// The domains of one replication: the replayed list, or the population
    /// generated with the replication's seed.
    pub fn source(&self, replication: u32) -> Result<Box<dyn DomainSource + '_>, String> {
        match (self.replay, &self.scenario.forecast) {
            (Some(list), Some(forecast)) => {
                let as_of = self.scenario.horizon.start_instant();
                let estimates = crate::forecast::estimate(&list.domains, as_of);
                let simulation = self.simulation(replication)?;
                let arrivals = if forecast.volatility_scale == 0.0 {
                    Vec::new()
                } else {
                    crate::forecast::arrivals(&list.domains, as_of, simulation.end, &estimates, &simulation)
                };
                Ok(Box::new(ForecastSource { list, as_of, estimates, volatility_scale: forecast.volatility_scale, simulation, arrivals }))
            }
            (Some(list), None) => Ok(Box::new(list.clone_ref())),
            (None, _) => Ok(Box::new(self.population(replication)?)),
        }
    }

    fn replication(&self, index: u32) -> Result<ReplicationTables, String> {
        let simulation = self.simulation(index)?;
        let population = self.source(index)?;
        let horizon = HorizonIndex::new(self.scenario.horizon.start_date(), self.scenario.horizon.months);
        let (resellers, distributors) = population.channel_size();
        let settings = self.detector_settings();
        let new_tally = || {
            let mut tally = Tally::new(horizon.clone(), &simulation, resellers, distributors);
            tally.detector_settings = settings;
            tally
        };

        let pool: Mutex<Vec<(Engine, Tally)>> = Mutex::new(Vec::new());
        let chunks = population.len().div_ceil(CHUNK_DOMAINS);
        (0..chunks).into_par_iter().for_each(|chunk| {
            let taken = pool.lock().expect("no worker panicked").pop();
            let (mut engine, mut tally) = taken.unwrap_or_else(|| (Engine::new(), new_tally()));
            let first = chunk * CHUNK_DOMAINS;
            let last = (first + CHUNK_DOMAINS).min(population.len());
            for index in first..last {
                let domain = population.domain(index);
                engine.simulate(&domain, &simulation, &mut tally);
                tally.finish_domain();
            }
            self.progress.fetch_add(last - first, Ordering::Relaxed);
            pool.lock().expect("no worker panicked").push((engine, tally));
        });

        let mut workers = pool.into_inner().expect("no worker panicked").into_iter().map(|(_, mut tally)| {
            tally.flush_checks();
            tally
        });
        let mut total = workers.next().unwrap_or_else(new_tally);
        for tally in workers {
            total.merge(&tally);
        }
        Ok(tables_of(&total, self.scenario, &self.domain_names()))
    }

    /// Simulates every replication under the scenario's rules and under
    /// `candidate`, with the same domains and random draws. Returns the
    /// tables of both per replication and, for replication 0, each domain
    /// whose outcome differs, in index order.
    pub fn compare(&self, candidate: &RuleSet) -> Result<(Vec<(ReplicationTables, ReplicationTables)>, Vec<DomainDiff>, u64), String> {
        let mut pairs = Vec::new();
        let mut diffs = Vec::new();
        let mut domains = 0;
        for index in 0..self.replications {
            let base = self.simulation(index)?;
            let other = Simulation::new(candidate.clone(), base.calendar.clone(), base.seed, base.end).map_err(|p| p.join("; "))?;
            let population = self.source(index)?;
            domains = population.len();
            let horizon = HorizonIndex::new(self.scenario.horizon.start_date(), self.scenario.horizon.months);
            let (resellers, distributors) = population.channel_size();
            let settings = self.detector_settings();
            let new_pair = || {
                let mut left = Tally::new(horizon.clone(), &base, resellers, distributors);
                let mut right = Tally::new(horizon.clone(), &other, resellers, distributors);
                left.detector_settings = settings;
                right.detector_settings = settings;
                (left, right)
            };
            type Worker = (Engine, (Tally, Tally), Vec<DomainDiff>);
            let pool: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
            let chunks = population.len().div_ceil(CHUNK_DOMAINS);
            let (start, end) = (horizon.start(), horizon.end());
            (0..chunks).into_par_iter().for_each(|chunk| {
                let taken = pool.lock().expect("no worker panicked").pop();
                let (mut engine, (mut left, mut right), mut found) = taken.unwrap_or_else(|| (Engine::new(), new_pair(), Vec::new()));
                let mut base_outcome = OutcomeSink::new(start, end);
                let mut other_outcome = OutcomeSink::new(start, end);
                let first = chunk * CHUNK_DOMAINS;
                let last = (first + CHUNK_DOMAINS).min(population.len());
                for domain_index in first..last {
                    let domain = population.domain(domain_index);
                    let mut sinks = (&mut left, &mut base_outcome);
                    engine.simulate(&domain, &base, &mut sinks);
                    left.finish_domain();
                    let mut sinks = (&mut right, &mut other_outcome);
                    engine.simulate(&domain, &other, &mut sinks);
                    right.finish_domain();
                    let (a, b) = (base_outcome.finish(), other_outcome.finish());
                    if index == 0 && a != b {
                        found.push(DomainDiff { index: domain_index, base: a, candidate: b });
                    }
                }
                self.progress.fetch_add(2 * (last - first), Ordering::Relaxed);
                pool.lock().expect("no worker panicked").push((engine, (left, right), found));
            });
            let workers = pool.into_inner().expect("no worker panicked");
            let (mut total_left, mut total_right) = new_pair();
            for (_, (mut left, mut right), found) in workers {
                left.flush_checks();
                right.flush_checks();
                total_left.merge(&left);
                total_right.merge(&right);
                diffs.extend(found);
            }
            let names = self.domain_names();
            pairs.push((tables_of(&total_left, self.scenario, &names), tables_of(&total_right, self.scenario, &names)));
        }
        diffs.sort_by_key(|diff| diff.index);
        Ok((pairs, diffs, domains))
    }

    /// Collects every reload of replication 0 inside the horizon, sorted by domain and instant.
    pub fn reloads(&self) -> Result<Vec<ReloadRecord>, String> {
        let simulation = self.simulation(0)?;
        let population = self.source(0)?;
        let horizon = &self.scenario.horizon;
        let (start, end) = (horizon.start_instant(), horizon.end_instant());
        let chunks = population.len().div_ceil(CHUNK_DOMAINS);
        let mut reloads: Vec<ReloadRecord> = (0..chunks)
            .into_par_iter()
            .flat_map_iter(|chunk| {
                let mut engine = Engine::new();
                let mut collector = ReloadCollector { start, end, domain: 0, reloads: Vec::new() };
                let first = chunk * CHUNK_DOMAINS;
                for index in first..(first + CHUNK_DOMAINS).min(population.len()) {
                    collector.domain = index;
                    engine.simulate(&population.domain(index), &simulation, &mut collector);
                }
                collector.reloads
            })
            .collect();
        reloads.sort();
        Ok(reloads)
    }

    /// Simulates the chosen domains of replication 0 again, keeping their events.
    pub fn details(&self, domain_indices: &[u64]) -> Result<Vec<DomainDetail>, String> {
        let simulation = self.simulation(0)?;
        let population = self.source(0)?;
        let mut engine = Engine::new();
        Ok(domain_indices
            .iter()
            .filter(|&&index| index < population.len())
            .map(|&index| {
                let domain = population.domain(index);
                let mut events = Recorder::default();
                engine.simulate(&domain, &simulation, &mut events);
                DomainDetail { index, domain, simulation: simulation.clone(), events }
            })
            .collect())
    }
}

/// Builds the tables of one replication from its merged tally.
fn tables_of(total: &Tally, scenario: &Scenario, names: &std::collections::HashMap<u64, String>) -> ReplicationTables {
    let name_of = |key: u64| names.get(&key).cloned().unwrap_or_else(|| key.to_string());
    ReplicationTables {
        pathologies: tables::pathologies(total, scenario.capacity.partner_invoices_per_day, &name_of),
        daily: tables::daily(total),
        monthly: tables::monthly(total),
        partners: tables::partners(total),
        check_load: tables::check_load(total),
        outcomes: tables::outcomes(total),
        partner_daily: tables::partner_daily(total, PARTNER_DAILY_TOP),
    }
}

/// The tables to write: one replication as it is; several as the monthly
/// and partner tables with P10, P50 and P90 columns, and the daily, check
/// load and outcome tables stacked with a replication column; then the
/// busiest partners' invoices per day, of replication 0 only.
pub fn combine(replications: &[ReplicationTables]) -> Vec<Table> {
    if replications.len() == 1 {
        let only = &replications[0];
        let mut partners = only.partners.clone();
        partners = tables::drop_idle_partner_rows(&partners, std::slice::from_ref(&only.partners));
        return vec![
            only.daily.clone(),
            only.monthly.clone(),
            partners,
            only.check_load.clone(),
            only.outcomes.clone(),
            only.partner_daily.clone(),
            only.pathologies.clone(),
        ];
    }
    let pick = |select: fn(&ReplicationTables) -> &Table| -> Vec<Table> { replications.iter().map(|r| select(r).clone()).collect() };
    let partner_tables = pick(|r| &r.partners);
    let partners = tables::drop_idle_partner_rows(&tables::percentiles(&partner_tables), &partner_tables);
    vec![
        tables::stacked(&pick(|r| &r.daily)),
        tables::percentiles(&pick(|r| &r.monthly)),
        partners,
        tables::stacked(&pick(|r| &r.check_load)),
        tables::stacked(&pick(|r| &r.outcomes)),
        // Replication 0 only: the busiest partners differ between replications.
        replications[0].partner_daily.clone(),
        tables::stacked(&pick(|r| &r.pathologies)),
    ]
}
