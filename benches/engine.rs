//! Per-domain engine throughput on the baseline population, in domain-years
//! per second: the engine alone with a counting sink, and with the tally
//! that the run uses. Results are recorded in reports/benchmarks/.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use isc_sim::aggregate::tally::{HorizonIndex, Tally};
use isc_sim::calendar::WorkingCalendar;
use isc_sim::domain::Domain;
use isc_sim::engine::Engine;
use isc_sim::event::{Event, Sink};
use isc_sim::input::pricing::{read_price_list, EMBEDDED_PRICES_CSV};
use isc_sim::population::Population;
use isc_sim::scenario::Scenario;
use isc_sim::simulation::Simulation;

const DOMAINS: u64 = 20_000;

#[derive(Default)]
struct Counter {
    events: u64,
}

impl Sink for Counter {
    fn event(&mut self, _domain: &Domain, _event: &Event) {
        self.events += 1;
    }
}

fn engine(c: &mut Criterion) {
    let scenario = Scenario::baseline();
    let horizon = &scenario.horizon;
    let prices = read_price_list("prices.csv", EMBEDDED_PRICES_CSV.as_bytes()).unwrap();
    let population = Population::new(&scenario.population, &prices, scenario.seed, horizon.start_instant(), horizon.end_instant()).unwrap();
    let domains: Vec<Domain> = (0..DOMAINS).map(|i| population.domain(i)).collect();
    let simulation = Simulation::new(scenario.rules.clone(), WorkingCalendar::baden_wuerttemberg(), scenario.seed, horizon.end_instant()).unwrap();
    let years = horizon.months as u64 / 12;

    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(DOMAINS * years));
    group.bench_function("domain_years_counting_sink", |b| {
        let mut engine = Engine::new();
        b.iter(|| {
            let mut counter = Counter::default();
            for domain in &domains {
                engine.simulate(domain, &simulation, &mut counter);
            }
            black_box(counter.events)
        })
    });
    group.bench_function("domain_years_with_tally", |b| {
        let mut engine = Engine::new();
        let index = HorizonIndex::new(horizon.start_date(), horizon.months);
        let (resellers, distributors) = population.channel_size();
        let mut tally = Tally::new(index, &simulation, resellers, distributors);
        b.iter(|| {
            for domain in &domains {
                engine.simulate(domain, &simulation, &mut tally);
                tally.finish_domain();
            }
            black_box(tally.domains)
        })
    });
    group.bench_function("domain_years_generate_and_tally", |b| {
        let mut engine = Engine::new();
        let index = HorizonIndex::new(horizon.start_date(), horizon.months);
        let (resellers, distributors) = population.channel_size();
        let mut tally = Tally::new(index, &simulation, resellers, distributors);
        b.iter(|| {
            for i in 0..DOMAINS {
                let domain = population.domain(i);
                engine.simulate(&domain, &simulation, &mut tally);
                tally.finish_domain();
            }
            black_box(tally.domains)
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
