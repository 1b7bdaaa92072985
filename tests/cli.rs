//! The `isc-sim run` command as a user runs it: determinism across threads,
//! runs and time zones, Monte Carlo columns, the detail file, and clear
//! errors with exit status 2 that leave no output behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_isc-sim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    binary().arg("run").args(args).output().unwrap()
}

fn table_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "csv" || e == "parquet"))
        .map(|path| (path.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&path).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn tables_identical_across_threads_runs_and_time_zones() {
    let dir = scratch("determinism");
    let outputs: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("out{i}"))).collect();
    let out = |i: usize| outputs[i].to_str().unwrap().to_string();
    let common = ["--domains", "3000", "--quiet"];
    assert!(run(&[&common[..], &["--threads", "1", "--out", &out(0)]].concat()).status.success());
    assert!(run(&[&common[..], &["--threads", "2", "--out", &out(1)]].concat()).status.success());
    assert!(run(&[&common[..], &["--threads", "2", "--out", &out(2)]].concat()).status.success());
    let berlin = binary()
        .env("TZ", "Europe/Berlin")
        .args(["run", "--domains", "3000", "--quiet", "--threads", "2", "--out", &out(3)])
        .output()
        .unwrap();
    assert!(berlin.status.success());
    let reference = table_bytes(&outputs[0]);
    assert_eq!(reference.len(), 14, "seven tables as CSV and Parquet");
    for i in 1..4 {
        assert!(table_bytes(&outputs[i]) == reference, "run {i} differs");
    }
    let manifest = std::fs::read_to_string(outputs[0].join("manifest.json")).unwrap();
    assert!(manifest.contains("\"sha256\""), "{manifest}");
    assert!(manifest.contains("\"threads\": 1"), "{manifest}");
}

#[test]
fn summary_and_replication_columns() {
    let dir = scratch("replications");
    let out = dir.join("out");
    let output = run(&["--domains", "1500", "--replications", "3", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("reloaded iSC"), "{stdout}");
    assert!(stdout.contains("P10"), "{stdout}");
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    let header = monthly.lines().next().unwrap();
    for column in ["month", "reloaded_isc_p10", "reloaded_isc_p50", "reloaded_isc_p90", "invoices_p50"] {
        assert!(header.split(',').any(|c| c == column), "{column} missing in {header}");
    }
    assert_eq!(monthly.lines().count(), 37);
    let daily = std::fs::read_to_string(out.join("daily.csv")).unwrap();
    assert!(daily.starts_with("replication,date,"));
    assert_eq!(daily.lines().count(), 1 + 3 * 1096);
}

#[test]
fn domain_detail_lists_events() {
    let dir = scratch("detail");
    let detail = dir.join("detail.csv");
    let output = run(&[
        "--domains", "500", "--quiet", "--out", dir.join("out").to_str().unwrap(),
        "--domain-detail", detail.to_str().unwrap(), "--detail-domains", "0-4,17",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&detail).unwrap();
    assert!(text.starts_with("domain,event,at,"));
    let domains: std::collections::BTreeSet<&str> = text.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(domains.into_iter().collect::<Vec<_>>(), vec!["0", "1", "17", "2", "3", "4"]);
    assert!(text.contains(",manual_load,"), "every domain starts with its opening balance");
}

#[test]
fn invalid_scenario_exits_2_and_writes_nothing() {
    let dir = scratch("invalid");
    let scenario = dir.join("bad.toml");
    std::fs::write(&scenario, "name = \"bad\"\nseed = 1\n[horizon]\nstart = \"2027-01-01\"\nmonths = 12\n[rules]\ninterval_months = [1, 5]\n").unwrap();
    let out = dir.join("out");
    let output = run(&[scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules.interval_months contains 5: expected one of 1, 2, 3, 6, 12"), "{stderr}");
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(!out.exists());

    std::fs::write(&scenario, "name = \"bad\"\nseed = 1\n[horizon]\nstart = \"2027-01-01\"\nmonths = 12\n[population]\ndomains = 100\nprice_list = \"prices.csv\"\n").unwrap();
    std::fs::write(dir.join("prices.csv"), "license_type,price_isc_per_month\nuser,3\nuc,cheap\n").unwrap();
    let output = run(&[scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("prices.csv:3: price_isc_per_month is 'cheap'"), "{stderr}");
    assert!(!out.exists());

    std::fs::write(dir.join("prices.csv"), "license_type,price_isc_per_month\nuser,3\n").unwrap();
    let output = run(&[scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no license type 'uc'"));
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["--replications", "0"][..], &["--threads", "0"], &["--domains", "many"], &["--no-such-option"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let output = run(&["/no/such/scenario.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/no/such/scenario.toml"));
    let output = run(&["--domains", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("population.domains = 0"));
}

#[test]
fn out_never_replaces_foreign_files() {
    let dir = scratch("foreign");
    let user_folder = dir.join("thesis");
    std::fs::create_dir_all(user_folder.join("deep")).unwrap();
    std::fs::write(user_folder.join("thesis.txt"), "years of work").unwrap();
    let output = run(&["--domains", "200", "--quiet", "--out", user_folder.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an isc-sim output folder"));
    assert_eq!(std::fs::read_to_string(user_folder.join("thesis.txt")).unwrap(), "years of work");

    let user_file = dir.join("notes.txt");
    std::fs::write(&user_file, "keep me").unwrap();
    let output = run(&["--domains", "200", "--quiet", "--out", user_file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&user_file).unwrap(), "keep me");

    let earlier = dir.join("earlier-run");
    assert!(run(&["--domains", "200", "--quiet", "--no-report", "--out", earlier.to_str().unwrap()]).status.success());
    assert!(run(&["--domains", "300", "--quiet", "--no-report", "--out", earlier.to_str().unwrap()]).status.success(), "a run folder is replaced");
    assert!(std::fs::read_to_string(earlier.join("manifest.json")).unwrap().contains("\"domains\": 300"));
}

#[test]
fn detail_domains_must_exist() {
    let dir = scratch("detail-range");
    let output = run(&[
        "--domains", "100", "--quiet", "--out", dir.join("out").to_str().unwrap(),
        "--domain-detail", dir.join("d.csv").to_str().unwrap(), "--detail-domains", "500",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("domain 500 does not exist"));
}
