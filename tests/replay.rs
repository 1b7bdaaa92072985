//! Replaying history files: validation with file, line, column, value and
//! the expected form; sorting and duplicates; CSV and Parquet alike; and the
//! run and validate commands on the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use isc_sim::input::replay::{load, DuplicatePolicy, ReplayConfig};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const DOMAINS: &str = "domain_id,deployment,reseller_id,distributor_id,rental_start,rental_end,devices_app,invoice_reference
d1,on_premises,r1,x1,2024-01-01,,13r1 SR28,PO-1
d2,cloud,r2,x1,2024-01-01,,14r1,
";
const LICENSES: &str = "domain_id,date,license_type,licenses
d1,2024-01-05,user,10
d1,2024-2-1,user,12
d1,2024-03-01,user,15
d2,2024-01-01,user,5
";
const CONTRACTS: &str = "domain_id,ordered_at,threshold_weeks,interval_months,end_date,cancelled_at,concluded_by
d1,2024-01-10T10:00:00Z,2,1,,,end_customer
";
const LOADS: &str = "domain_id,at,kind,amount_isc
d1,2024-01-01,opening,100
d2,2024-01-01,opening,1000.5
";
const OUTAGES: &str = "domain_id,first_night,last_night
d1,2024-02-10,2024-02-12
";

fn write_inputs(dir: &Path, files: &[(&str, &str)]) -> ReplayConfig {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let has = |name: &str| if files.iter().any(|(n, _)| *n == name) { name.to_string() } else { String::new() };
    ReplayConfig {
        domains: "domains.csv".into(),
        license_changes: "licenses.csv".into(),
        contracts: has("contracts.csv"),
        balance_events: has("loads.csv"),
        connectivity: has("outages.csv"),
        ..ReplayConfig::default()
    }
}

fn problems_of(dir: &Path, files: &[(&str, &str)]) -> Vec<String> {
    let config = write_inputs(dir, files);
    match load(&config, dir) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.problems.iter().map(ToString::to_string).collect(),
    }
}

fn base_files<'a>() -> Vec<(&'a str, &'a str)> {
    vec![("domains.csv", DOMAINS), ("licenses.csv", LICENSES), ("contracts.csv", CONTRACTS), ("loads.csv", LOADS), ("outages.csv", OUTAGES)]
}

fn with<'a>(name: &'a str, text: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut files = base_files();
    for file in files.iter_mut() {
        if file.0 == name {
            file.1 = text;
        }
    }
    files
}

#[test]
fn valid_inputs_build_domains() {
    let dir = scratch("valid");
    let config = write_inputs(&dir, &base_files());
    let input = load(&config, &dir).unwrap();
    assert_eq!(input.list.domains.len(), 2);
    assert_eq!(input.domain_ids, vec!["d1", "d2"]);
    let d1 = &input.list.domains[0];
    assert_eq!(d1.rates.len(), 3);
    assert_eq!(d1.rates[1].at.to_string(), "2024-02-01T00:00:00Z", "2024-2-1 is read as 2024-02-01");
    assert_eq!(d1.contracts.len(), 1);
    assert_eq!(d1.outages.len(), 1);
    assert_eq!(d1.invoice_reference.as_deref(), Some("PO-1"));
    assert_eq!(input.list.domains[1].loads[0].amount.0, 1_000_500);
    assert_eq!(input.reseller_ids, vec!["r1", "r2"]);
}

#[test]
fn row_order_does_not_matter() {
    let dir = scratch("order");
    let reversed = "domain_id,date,license_type,licenses\nd2,2024-01-01,user,5\nd1,2024-03-01,user,15\nd1,2024-2-1,user,12\nd1,2024-01-05,user,10\n";
    let sorted = load(&write_inputs(&dir, &base_files()), &dir).unwrap();
    let shuffled = load(&write_inputs(&dir, &with("licenses.csv", reversed)), &dir).unwrap();
    assert_eq!(sorted.list.domains, shuffled.list.domains);
}

#[test]
fn every_defect_names_file_line_column() {
    let dir = scratch("defects");
    let cases: Vec<(&str, String, &str)> = vec![
        ("licenses.csv", "domain_id,date,license_type\nd1,2024-01-01,user\n".into(), "licenses.csv:1: licenses: missing column"),
        ("licenses.csv", "domain_id,date,license_type,licenses,colour\nd1,2024-01-01,user,1,red\n".into(), "licenses.csv:1: colour: unknown column"),
        ("licenses.csv", format!("{LICENSES}d1,01/02/2024,user,3\n"), "licenses.csv:6: date is '01/02/2024'; expected a date like 2024-02-01"),
        ("licenses.csv", format!("{LICENSES}d1,2024-04-01,user,seven\n"), "licenses.csv:6: licenses is 'seven'; expected a whole number"),
        ("licenses.csv", format!("{LICENSES}d1,2024-04-01,user,-3\n"), "licenses.csv:6: licenses is '-3'; negative"),
        ("licenses.csv", format!("{LICENSES}d1,2024-04-01,user,\n"), "licenses.csv:6: licenses is ''; missing"),
        ("licenses.csv", format!("{LICENSES}d1,2024-04-01,user,400000000000000\n"), "licenses.csv:6: licenses is '400000000000000'; too large"),
        ("licenses.csv", format!("{LICENSES}d1,2024-04-01,gold,3\n"), "licenses.csv:6: license_type is 'gold'; unknown license type"),
        ("licenses.csv", format!("{LICENSES}d9,2024-04-01,user,3\n"), "licenses.csv:6: domain_id is 'd9'; unknown domain 'd9'"),
        ("licenses.csv", format!("{LICENSES}d1,2024-2-1,user,13\n"), "licenses.csv:6: row is 'd1 2024-02-01T00:00:00Z user'; duplicate of line 3"),
        ("contracts.csv", format!("{CONTRACTS}d2,2024-03-01,2,1,2024-02-01,,reseller\n"), "contracts.csv:3: end_date is '2024-02-01'; is before ordered_at"),
        ("contracts.csv", format!("{CONTRACTS}d2,2024-03-01,3,1,,,reseller\n"), "contracts.csv:3: threshold_weeks is '3'; expected 2 or 4"),
        ("contracts.csv", format!("{CONTRACTS}d2,2024-03-01,2,5,,,reseller\n"), "contracts.csv:3: interval_months is '5'; expected one of 1, 2, 3, 6, 12"),
        ("contracts.csv", format!("{CONTRACTS}d2,2024-03-01,2,1,,2024-02-01,reseller\n"), "contracts.csv:3: cancelled_at is '2024-02-01'; is before ordered_at"),
        ("outages.csv", format!("{OUTAGES}d2,2024-02-10,2024-02-10\n"), "outages.csv:3: domain_id is 'd2'; is a cloud domain"),
        ("loads.csv", format!("{LOADS}d1,2024-02-01,manual,1.2345\n"), "loads.csv:4: amount_isc is '1.2345'; expected iSC"),
        ("domains.csv", format!("{DOMAINS}d3,on_premises,r1,x1,2024-01-01,,13r1,\n"), ""),
        ("domains.csv", format!("{DOMAINS}d3,satellite,r1,x1,2024-01-01,,13r1,\n"), "domains.csv:4: deployment is 'satellite'; expected on_premises or cloud"),
        ("domains.csv", format!("{DOMAINS}d3,cloud,r1,x1,2024-01-01,,13.1,\n"), "domains.csv:4: devices_app is '13.1'"),
    ];
    for (file, text, expected) in cases {
        let problems = problems_of(&dir, &with(file, &text));
        if expected.is_empty() {
            assert!(problems.is_empty(), "{file}: {problems:?}");
            continue;
        }
        assert_eq!(problems.len(), 1, "{file} {expected}: {problems:?}");
        assert!(problems[0].starts_with(expected), "expected '{expected}', got '{}'", problems[0]);
    }
}

#[test]
fn blank_lines_and_crlf_keep_line_numbers() {
    let dir = scratch("crlf");
    let licenses = "domain_id,date,license_type,licenses\r\nd1,2024-01-01,user,5\r\n\r\nd1,2024-01-15,user,7\r\n\r\nd1,2024-01-20,user,seven\r\n";
    let problems = problems_of(&dir, &with("licenses.csv", licenses));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("licenses.csv:6: licenses is 'seven'"), "{}", problems[0]);
    let good = "domain_id,date,license_type,licenses\r\nd1,2024-01-01,user,5\r\n\r\nd1,2024-01-15,user,7\r\n\r\nd2,2024-01-01,user,1";
    let input = load(&write_inputs(&dir, &with("licenses.csv", good)), &dir).unwrap();
    assert_eq!(input.list.domains[0].rates.len(), 2);
}

#[test]
fn duplicates_last_row_wins_when_asked() {
    let dir = scratch("duplicates");
    let licenses = format!("{LICENSES}d1,2024-2-1,user,13\n");
    let mut config = write_inputs(&dir, &with("licenses.csv", &licenses));
    assert!(load(&config, &dir).is_err());
    config.duplicates = DuplicatePolicy::LastRowWins;
    let input = load(&config, &dir).unwrap();
    assert_eq!(input.list.domains[0].rates[1].rate.0, 13 * 3_000);
}

#[test]
fn problems_capped_per_file() {
    let dir = scratch("cap");
    let mut licenses = String::from("domain_id,date,license_type,licenses\n");
    for _ in 0..200 {
        licenses.push_str("d1,2024-01-01,user,x\n");
    }
    let problems = problems_of(&dir, &with("licenses.csv", &licenses));
    assert_eq!(problems.len(), 50);
}

#[test]
fn parquet_reads_like_csv() {
    use polars::prelude::*;
    let dir = scratch("parquet");
    let csv_config = write_inputs(&dir, &base_files());
    let from_csv = load(&csv_config, &dir).unwrap();
    let mut frame = df!(
        "domain_id" => ["d1", "d1", "d1", "d2"],
        "date" => ["2024-01-05", "2024-2-1", "2024-03-01", "2024-01-01"],
        "license_type" => ["user", "user", "user", "user"],
        "licenses" => [10i64, 12, 15, 5],
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("licenses.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    let parquet_config = ReplayConfig { license_changes: "licenses.parquet".into(), ..csv_config.clone() };
    let from_parquet = load(&parquet_config, &dir).unwrap();
    assert_eq!(from_csv.list.domains, from_parquet.list.domains);

    let mut bad = df!(
        "domain_id" => ["d1"],
        "date" => ["01/02/2024"],
        "license_type" => ["user"],
        "licenses" => [-4i64],
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("bad.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut bad).unwrap();
    let config = ReplayConfig { license_changes: "bad.parquet".into(), ..csv_config };
    let problems: Vec<String> = load(&config, &dir).unwrap_err().problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("bad.parquet: date is '01/02/2024'") && problems[0].contains("(Parquet row 0)"), "{}", problems[0]);
}

fn scenario_text(extra: &str) -> String {
    format!(
        "name = \"replay-test\"\nseed = 5\n[horizon]\nstart = \"2024-01-01\"\nmonths = 6\n[replay]\ndomains = \"domains.csv\"\nlicense_changes = \"licenses.csv\"\ncontracts = \"contracts.csv\"\nbalance_events = \"loads.csv\"\nconnectivity = \"outages.csv\"\n{extra}"
    )
}

#[test]
fn binary_runs_and_validates_replay() {
    let dir = scratch("binary");
    write_inputs(&dir, &base_files());
    std::fs::write(dir.join("scenario.toml"), scenario_text("")).unwrap();
    let binary = env!("CARGO_BIN_EXE_isc-sim");
    let validate = Command::new(binary).args(["validate", dir.join("scenario.toml").to_str().unwrap()]).output().unwrap();
    assert!(validate.status.success(), "{}", String::from_utf8_lossy(&validate.stderr));
    assert!(String::from_utf8_lossy(&validate.stdout).contains("2 domains, 4 license changes"));

    let out = dir.join("out");
    let run = Command::new(binary)
        .args(["run", dir.join("scenario.toml").to_str().unwrap(), "--quiet", "--no-report", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    assert_eq!(monthly.lines().count(), 7);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("licenses.csv"), "input files are listed with their hashes");

    std::fs::write(dir.join("licenses.csv"), format!("{LICENSES}d1,01/02/2024,user,3\nd9,2024-01-01,user,1\n")).unwrap();
    let out_bad = dir.join("out-bad");
    for args in [vec!["validate", dir.join("scenario.toml").to_str().unwrap()], vec!["run", dir.join("scenario.toml").to_str().unwrap(), "--out", out_bad.to_str().unwrap()]] {
        let output = Command::new(binary).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("licenses.csv:6: date is '01/02/2024'"), "{stderr}");
        assert!(stderr.contains("licenses.csv:7: domain_id is 'd9'"), "{stderr}");
    }
    assert!(!out_bad.exists());
}

#[test]
fn replay_tables_ignore_time_zone() {
    let dir = scratch("tz");
    write_inputs(&dir, &base_files());
    std::fs::write(dir.join("scenario.toml"), scenario_text("")).unwrap();
    let binary = env!("CARGO_BIN_EXE_isc-sim");
    let mut outputs = Vec::new();
    for zone in ["UTC", "Europe/Berlin", "Pacific/Auckland"] {
        let out = dir.join(format!("out-{}", zone.replace('/', "-")));
        let run = Command::new(binary)
            .env("TZ", zone)
            .args(["run", dir.join("scenario.toml").to_str().unwrap(), "--quiet", "--no-report", "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let tables: Vec<Vec<u8>> = ["daily.csv", "monthly.csv", "daily.parquet"].iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
        outputs.push(tables);
    }
    assert!(outputs[1] == outputs[0] && outputs[2] == outputs[0], "tables differ between time zones");
}
