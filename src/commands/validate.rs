//! `isc-sim validate`: check a scenario and its input files without simulating.

use anyhow::Result;

use crate::cli::ValidateArgs;
use crate::commands::{invalid, load_prices, load_scenario};

pub fn execute(args: ValidateArgs) -> Result<()> {
    let (scenario, origin, _) = load_scenario(Some(&args.scenario))?;
    match &scenario.replay {
        Some(config) => {
            let base = args.scenario.parent().unwrap_or(std::path::Path::new("."));
            let input = isc_sim::input::replay::load(config, base).map_err(|errors| {
                let count = errors.problems.len();
                invalid(format!("{errors}\n{count} problem(s) found in the inputs of {origin}"))
            })?;
            println!(
                "{origin}: valid; {} domains, {} license changes, {} resellers, {} distributors, {} observed reloads",
                input.list.domains.len(),
                input.license_rows,
                input.reseller_ids.len(),
                input.distributor_ids.len(),
                input.observed_reloads.len()
            );
        }
        None => {
            let (prices, prices_origin, _) = load_prices(&scenario, Some(&args.scenario))?;
            let horizon = &scenario.horizon;
            isc_sim::population::Population::new(&scenario.population, &prices, scenario.seed, horizon.start_instant(), horizon.end_instant())
                .map_err(|message| invalid(format!("{prices_origin}: {message}")))?;
            println!("{origin}: valid; a generated population of {} domains", scenario.population.domains);
        }
    }
    Ok(())
}
