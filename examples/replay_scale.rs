//! Writes the large replay input of the ingest benchmark, or times polars
//! alone reading its license file.
//!
//! ```sh
//! cargo run --release --example replay_scale -- write /tmp/scale 1000000 30
//! cargo run --release --example replay_scale -- read /tmp/scale/license_changes.parquet
//! ```
//!
//! `write DIR DOMAINS CHANGES_PER_DOMAIN` makes domains.csv, a Parquet file of
//! DOMAINS × CHANGES_PER_DOMAIN license changes in shuffled order, and
//! scenario.toml; the contents follow from the arguments alone.

use std::fs::File;
use std::path::Path;
use std::time::Instant;

use isc_sim::random::{Purpose, Stream};
use polars::prelude::*;

fn write(dir: &Path, domains: u64, per_domain: u64) -> PolarsResult<()> {
    std::fs::create_dir_all(dir)?;
    let mut text = String::from("domain_id,deployment,reseller_id,distributor_id,rental_start,devices_app\n");
    for index in 0..domains {
        let deployment = if index % 4 == 0 { "cloud" } else { "on_premises" };
        text += &format!("d{index:07},{deployment},r{},x{},2024-01-01,13r1 SR28\n", index % 3000, index % 40);
    }
    std::fs::write(dir.join("domains.csv"), text)?;

    let rows = (domains * per_domain) as usize;
    let mut ids = Vec::with_capacity(rows);
    let mut dates = Vec::with_capacity(rows);
    let mut counts = Vec::with_capacity(rows);
    let mut stream = Stream::new(1, 0, Purpose::Population, 0);
    for index in 0..domains {
        let mut users: i64 = 5 + (stream.next_bits() % 40) as i64;
        for change in 0..per_domain {
            // One change every 36 days from 2024-01-01, so 30 changes span about 3 years.
            let day = change * 36;
            let date = isc_sim::calendar::Date::parse("2024-01-01").unwrap().plus_days(day as i32);
            ids.push(format!("d{index:07}"));
            dates.push(date.to_string());
            users = (users + (stream.next_bits() % 7) as i64 - 3).max(1);
            counts.push(users);
        }
    }
    // Shuffle so the reader has to sort (a fixed permutation by multiplication).
    let order: Vec<usize> = (0..rows).map(|i| (i as u128 * 2_654_435_761u128 % rows as u128) as usize).collect();
    let mut frame = df!(
        "domain_id" => order.iter().map(|&i| ids[i].as_str()).collect::<Vec<_>>(),
        "date" => order.iter().map(|&i| dates[i].as_str()).collect::<Vec<_>>(),
        "license_type" => vec!["user"; rows],
        "licenses" => order.iter().map(|&i| counts[i]).collect::<Vec<_>>(),
    )?;
    ParquetWriter::new(File::create(dir.join("license_changes.parquet"))?).finish(&mut frame)?;
    std::fs::write(
        dir.join("scenario.toml"),
        "name = \"replay-scale\"\nseed = 1\n[horizon]\nstart = \"2024-01-01\"\nmonths = 36\n[replay]\ndomains = \"domains.csv\"\nlicense_changes = \"license_changes.parquet\"\n",
    )?;
    Ok(())
}

fn main() -> PolarsResult<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("write") => write(Path::new(&args[2]), args[3].parse().unwrap(), args[4].parse().unwrap()),
        Some("read") => {
            let started = Instant::now();
            let frame = ParquetReader::new(File::open(&args[2])?).finish()?;
            println!("polars read {} rows in {:.2} s", frame.height(), started.elapsed().as_secs_f64());
            Ok(())
        }
        _ => {
            eprintln!("usage: replay_scale write DIR DOMAINS CHANGES_PER_DOMAIN | read FILE");
            std::process::exit(2);
        }
    }
}
