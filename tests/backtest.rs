//! `isc-sim backtest`: a reload log written by the simulator matches 100 %,
//! and a moved or changed reload shows as missed, extra or an amount error.

use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-backtest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn isc_sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_isc-sim")).args(args).output().unwrap()
}

#[test]
fn own_log_matches_and_changes_show() {
    let dir = scratch("log");
    let scenario = "scenarios/replay-us-industries.toml";
    let log = dir.join("reloads.csv");
    let run = isc_sim(&["run", scenario, "--quiet", "--no-report", "--out", dir.join("run").to_str().unwrap(), "--reload-log", log.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    let out = dir.join("same");
    let output = isc_sim(&["backtest", scenario, "--observed", log.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"matched_share_of_observed\": 1.0"), "{summary}");
    assert!(summary.contains("\"missed\": 0") && summary.contains("\"extra\": 0"), "{summary}");

    // Move the first reload 3 days later and add 1 iSC to the second.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines.len() > 3, "the replay reloads");
    let first: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    let moved = isc_sim::calendar::Instant::parse(&first[1]).unwrap().plus_days(3);
    lines[1] = format!("{},{},{}", first[0], moved, first[2]);
    let second: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    let amount = isc_sim::credit::Milli::parse_isc(&second[2]).unwrap();
    lines[2] = format!("{},{},{}", second[0], second[1], isc_sim::credit::Milli(amount.0 + 1000));
    let changed = dir.join("changed.csv");
    std::fs::write(&changed, lines.join("\n") + "\n").unwrap();
    let out = dir.join("changed");
    let output = isc_sim(&["backtest", scenario, "--observed", changed.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["missed"], 1, "{summary}");
    assert_eq!(summary["extra"], 1, "{summary}");
    assert_eq!(summary["amount_error_isc"]["min"], -1.0, "{summary}");
    assert_eq!(summary["domains_disagreeing_most"][0]["domain"], first[0], "{summary}");
}

#[test]
fn unknown_domain_in_log_exits_2() {
    let dir = scratch("bad");
    let log = dir.join("bad.csv");
    std::fs::write(&log, "domain_id,at,amount_isc\nnobody,2027-03-01,10\nus-CEU0600000001,01/03/2027,10\n").unwrap();
    let output = isc_sim(&["backtest", "scenarios/replay-us-industries.toml", "--observed", log.to_str().unwrap(), "--out", dir.join("out").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.csv:2: domain_id is 'nobody'"), "{stderr}");
    assert!(stderr.contains("bad.csv:3: at is '01/03/2027'"), "{stderr}");
    assert!(!dir.join("out").exists());
}
