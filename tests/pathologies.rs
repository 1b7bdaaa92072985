//! The pathology detectors on hand-built domains with known answers.

use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-pathologies-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// d1: 10 licenses at 1 iSC a day, a 4-week contract, 540 iSC on May 1 when
/// the licenses jump to 40: it reloads on the nights of May 1, 2 and 3, and
/// after the first two reloads the remaining time is still at most 28 days
/// (about 20 and 27 days). d2: 2-week contract, 25 iSC at 06:00 on April 1
/// (after the last check of the night before), offline
/// on the nights of April 1 and 2: it stops on April 3 with its contract active.
fn write_replay(dir: &PathBuf, capacity: u32) -> PathBuf {
    let files = [
        ("domains.csv", "domain_id,deployment,reseller_id,distributor_id,rental_start,devices_app\nd1,cloud,r1,x1,2024-03-01,13r1 SR28\nd2,on_premises,r2,x1,2024-03-01,13r1 SR28\n"),
        ("licenses.csv", "domain_id,date,license_type,licenses\nd1,2024-03-01,user,10\nd1,2024-05-01,user,40\nd2,2024-03-01,user,10\n"),
        ("prices.csv", "license_type,price_isc_per_month\nuser,30\n"),
        ("loads.csv", "domain_id,at,kind,amount_isc\nd1,2024-03-01,opening,1000\nd1,2024-05-01,opening,540\nd2,2024-03-01,opening,1000\nd2,2024-04-01T06:00:00Z,opening,25\n"),
        ("contracts.csv", "domain_id,ordered_at,threshold_weeks,interval_months,concluded_by\nd1,2024-03-01,4,1,end_customer\nd2,2024-03-01,2,1,end_customer\n"),
        ("outages.csv", "domain_id,first_night,last_night\nd2,2024-04-01,2024-04-02\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"pathologies\"\nseed = 11\n[horizon]\nstart = \"2024-03-01\"\nmonths = 3\n[capacity]\npartner_invoices_per_day = {capacity}\n[detectors]\nreload_count = 3\nreload_window_days = 30\n[population.manual]\nload_after_alert_probability = 0.0\nrecovery_daily_probability = 0.0\n[replay]\ndomains = \"domains.csv\"\nlicense_changes = \"licenses.csv\"\nprices = \"prices.csv\"\nbalance_events = \"loads.csv\"\ncontracts = \"contracts.csv\"\nconnectivity = \"outages.csv\"\n"
        ),
    )
    .unwrap();
    scenario
}

fn pathologies(dir: &PathBuf, capacity: u32) -> Vec<Vec<String>> {
    let scenario = write_replay(dir, capacity);
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_isc-sim"))
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-report", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut reader = csv::Reader::from_path(out.join("pathologies.csv")).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn detectors_find_known_cases() {
    let dir = scratch("known");
    let rows = pathologies(&dir, 0);
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap_or_else(|| panic!("{name} missing: {rows:?}")).clone();

    let bursts = row("reload_bursts");
    assert_eq!(bursts[2], "1");
    assert!(bursts[3].starts_with("domain d1 at 2024-05-0"), "{bursts:?}");

    let leaving = row("reloads_leaving_threshold");
    assert_eq!(leaving[2], "2", "{leaving:?}");
    assert!(leaving[3].starts_with("domain d1 at 2024-05-0"), "{leaving:?}");

    let stops = row("stops_with_active_contract");
    assert_eq!(stops[2], "1", "{stops:?}");
    assert_eq!(stops[3], "domain d2 at 2024-04-03T18:00:00Z");

    let capacity = row("partner_days_over_capacity");
    assert_eq!(capacity[2], "0");
    assert!(capacity[1].contains("not set"), "{capacity:?}");
}

#[test]
fn capacity_counts_partner_days_over_it() {
    let dir = scratch("capacity");
    // Capacity 0 means unset, so the smallest set capacity is 1, which no
    // day of these two domains' single invoices per night can exceed
    // unless two invoices of one partner fall on one date.
    let rows = pathologies(&dir, 1);
    let capacity = rows.iter().find(|r| r[0] == "partner_days_over_capacity").unwrap();
    assert!(capacity[1].contains("more than 1 invoices"), "{capacity:?}");
    let daily = std::fs::read_to_string(dir.join("out/partner_daily.csv")).unwrap();
    let busy_days = daily.lines().skip(1).filter(|line| line.rsplit(',').next().unwrap().parse::<u32>().unwrap() > 1).count();
    assert_eq!(capacity[2], busy_days.to_string(), "{daily}");
}
