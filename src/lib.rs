//! `isc_sim` simulates innovaphone's Automatic iSC Reloading Service
//! (Auto-iSC) for millions of customer domains.
//!
//! Each domain holds an iSC balance that its rented licenses drain to the
//! second. Every night, at a random instant between 22:00 and 05:00 UTC, its
//! Devices App checks; when the remaining operating time is at or below the
//! contract's threshold, innovaphone reloads 1 to 12 months of average
//! consumption and invoices the reseller or distributor. A domain whose
//! balance reaches zero stops.
//!
//! The library is organised by concept:
//! - [`calendar`]: UTC instants, dates, nights, month arithmetic, working days;
//! - [`credit`]: exact integer iSC arithmetic and the reload amount;
//! - [`rules`]: every rule setting with its default;
//! - [`contract`]: preconditions, acceptance, end date and cancellation;
//! - [`domain`]: one domain's inputs; [`event`]: what a simulation emits;
//! - [`engine`]: the event-driven engine; [`reference`]: the night-by-night one.
//!
//! ```
//! use isc_sim::{calendar::{Instant, WorkingCalendar}, credit::{Milli, Rate}};
//! use isc_sim::domain::{BalanceLoad, Domain, LoadKind, RateChange};
//! use isc_sim::{engine::Engine, event::Recorder, rules::RuleSet, simulation::Simulation};
//!
//! let start = Instant::parse("2027-01-01").unwrap();
//! let end = Instant::parse("2027-03-01").unwrap();
//! let simulation = Simulation::new(RuleSet::default(), WorkingCalendar::baden_wuerttemberg(), 42, end).unwrap();
//! let mut domain = Domain::new(1, start);
//! domain.rates.push(RateChange { at: start, rate: Rate(300_000) }); // 10 licenses at 30 iSC a month
//! domain.loads.push(BalanceLoad { at: start, amount: Milli(100_000), kind: LoadKind::Opening });
//! let mut recorder = Recorder::default();
//! Engine::new().simulate(&domain, &simulation, &mut recorder);
//! assert!(recorder.events.iter().any(|e| matches!(e, isc_sim::event::Event::Stop { .. })));
//! ```

pub mod aggregate;
pub mod backtest;
pub mod calendar;
pub mod compare;
pub mod calibration;
pub mod connectivity;
pub mod contract;
pub mod credit;
pub mod devices_app;
pub mod domain;
pub mod engine;
pub mod forecast;
pub mod event;
pub mod input;
pub mod manual;
pub mod output;
pub mod population;
pub mod random;
pub mod reference;
pub mod report;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod simulation;
