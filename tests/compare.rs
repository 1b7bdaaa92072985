//! `isc-sim compare` on small replays with known answers: a rule set
//! compared with itself differs nowhere, and a longer 2-week threshold
//! moves a known domain's first reload a week earlier.

use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-compare-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two domains at 1 iSC a day with 100 iSC: d1 has a 2-week contract, d2 none.
fn write_replay(dir: &PathBuf) -> PathBuf {
    let files = [
        ("domains.csv", "domain_id,deployment,reseller_id,distributor_id,rental_start,devices_app\nd1,cloud,r1,x1,2024-01-01,13r1 SR28\nd2,cloud,r1,x1,2024-01-01,13r1 SR28\n"),
        ("licenses.csv", "domain_id,date,license_type,licenses\nd1,2024-01-01,user,10\nd2,2024-01-01,user,10\n"),
        ("prices.csv", "license_type,price_isc_per_month\nuser,3\n"),
        ("loads.csv", "domain_id,at,kind,amount_isc\nd1,2024-01-01,opening,100\nd2,2024-01-01,opening,100\n"),
        ("contracts.csv", "domain_id,ordered_at,threshold_weeks,interval_months,concluded_by\nd1,2024-01-01,2,1,end_customer\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        "name = \"cmp\"\nseed = 3\n[horizon]\nstart = \"2024-01-01\"\nmonths = 4\n[population.manual]\nload_after_alert_probability = 0.0\nrecovery_daily_probability = 0.0\n[replay]\ndomains = \"domains.csv\"\nlicense_changes = \"licenses.csv\"\nprices = \"prices.csv\"\nbalance_events = \"loads.csv\"\ncontracts = \"contracts.csv\"\n",
    )
    .unwrap();
    scenario
}

fn compare(scenario: &PathBuf, rules: &str, out: &PathBuf) -> std::process::Output {
    let rules_path = out.with_extension("rules.toml");
    std::fs::write(&rules_path, rules).unwrap();
    Command::new(env!("CARGO_BIN_EXE_isc-sim"))
        .args(["compare", scenario.to_str().unwrap(), "--candidate", rules_path.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
fn self_comparison_has_no_difference() {
    let dir = scratch("self");
    let scenario = write_replay(&dir);
    let out = dir.join("out");
    let output = compare(&scenario, "[rules]\n", &out);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let diff = std::fs::read_to_string(out.join("domain_diff.csv")).unwrap();
    assert_eq!(diff.lines().count(), 1, "only the header: {diff}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"domains_with_differences\": 0"), "{summary}");
    let monthly = std::fs::read_to_string(out.join("monthly_delta.csv")).unwrap();
    let header: Vec<&str> = monthly.lines().next().unwrap().split(',').collect();
    for line in monthly.lines().skip(1) {
        for (name, value) in header.iter().zip(line.split(',')) {
            if name.contains("_delta_") {
                assert_eq!(value, "0.000", "{name} in {line}");
            }
        }
    }
}

#[test]
fn longer_threshold_reloads_a_week_earlier() {
    let dir = scratch("threshold");
    let scenario = write_replay(&dir);
    let out = dir.join("out");
    let output = compare(&scenario, "name = \"three-week trigger\"\n[rules]\nthreshold_days_two_weeks = 21\n", &out);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let diff = std::fs::read_to_string(out.join("domain_diff.csv")).unwrap();
    let rows: Vec<&str> = diff.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{diff}");
    let fields: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(fields[0], "d1");
    // 100 iSC at 1 iSC a day: T reaches 14 days at 2024-03-27 00:00 and 21
    // days at 2024-03-20 00:00; the first check at or after it reloads.
    assert!(fields[3].starts_with("2024-03-27T"), "base {}", fields[3]);
    assert!(fields[4].starts_with("2024-03-20T"), "candidate {}", fields[4]);
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"domains_with_differences\": 1"), "{summary}");
    assert!(summary.contains("\"candidate\": \"three-week trigger\""), "{summary}");
    assert!(out.join("charts/delta_reloaded_isc.png").exists());
}

#[test]
fn invalid_candidate_rules_exit_2() {
    let dir = scratch("invalid");
    let scenario = write_replay(&dir);
    let out = dir.join("out");
    let output = compare(&scenario, "[rules]\nthreshold_dayz = 3\n", &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("threshold_dayz"), "{}", String::from_utf8_lossy(&output.stderr));
    let output = compare(&scenario, "interval_months = [5]\n", &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("interval_months contains 5"), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!out.exists());
}
