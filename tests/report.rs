//! The capacity report as a user gets it. `isc-sim run` writes charts and a
//! self-contained report.html, and `isc-sim report DIR` draws them again in
//! English or German. Broken run folders give a clear error and exit
//! status 2, and input text never becomes markup.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHARTS: [&str; 7] =
    ["reloaded_isc", "invoices", "partner_invoices_daily", "check_load", "stopped_hours", "outcomes", "alert_emails"];

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_isc-sim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isc-sim-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    let output = binary().arg("run").args(args).arg("--quiet").output().unwrap();
    assert!(output.status.success(), "run failed: {}", String::from_utf8_lossy(&output.stderr));
    output
}

fn report(dir: &Path, extra: &[&str]) -> Output {
    binary().arg("report").arg(dir).args(extra).output().unwrap()
}

fn html(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Returns whether `text` contains a date like 04.12.2026.
fn has_german_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(10).any(|w| {
        let digit = |i: usize| w[i].is_ascii_digit();
        digit(0) && digit(1) && w[2] == b'.' && digit(3) && digit(4) && w[5] == b'.' && (6..10).all(digit)
    })
}

#[test]
fn report_english_then_german() {
    let dir = scratch("replications");
    let out = dir.join("run");
    run(&["--domains", "2000", "--replications", "3", "--out", out.to_str().unwrap()]);

    let page = html(&out);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"en\">"));
    assert!(!page.contains("http://"), "the page must load nothing");
    assert!(!page.contains("https://"), "the page must load nothing");
    assert!(!page.to_lowercase().contains("<script"), "the page has no script");
    assert!(!page.contains("<link rel=\"stylesheet\""));
    assert_eq!(page.matches("<img src=\"data:image/svg+xml;base64,").count(), CHARTS.len());
    assert!(page.contains("In the P50 case"));
    assert!(page.contains("Key figures"));
    assert!(page.contains("Scenario parameters"));
    assert!(page.contains("Manifest"));
    assert!(page.contains("partner_invoices_per_day"));
    for chart in CHARTS {
        let png = std::fs::read(out.join("charts").join(format!("{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{chart}.png is a PNG");
        let svg = std::fs::read_to_string(out.join("charts").join(format!("{chart}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{chart}.svg is an SVG");
        assert!(page.contains(&format!("<figure id=\"{chart}\">")));
    }
    let fan = std::fs::read_to_string(out.join("charts/invoices.svg")).unwrap();
    assert!(fan.contains("P10 to P90"));
    assert!(fan.contains("P50"));
    assert!(fan.contains("Invoices per month"));
    // No temporary files are left behind.
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let german = report(&out, &["--lang", "de"]);
    assert!(german.status.success(), "{}", stderr(&german));
    let page = html(&out);
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("Kennzahlen"));
    assert!(page.contains("Szenarioparameter"));
    assert!(page.contains("Im P50-Fall"));
    assert!(page.contains("März 2027"), "German month names");
    assert!(has_german_date(&page), "German dates like 04.12.2026");
    assert!(!page.contains("Key figures"));
    let svg = std::fs::read_to_string(out.join("charts/invoices.svg")).unwrap();
    assert!(svg.contains("Rechnungen pro Monat"));
    assert!(svg.contains("P10 bis P90"));
    // The tables are untouched by `report`.
    assert!(out.join("monthly.parquet").exists());
    assert!(out.join("manifest.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn single_replication_and_no_report() {
    let dir = scratch("single");
    let out = dir.join("run");
    run(&["--domains", "500", "--out", out.to_str().unwrap(), "--lang", "de"]);
    let page = html(&out);
    assert!(page.contains("<html lang=\"de\">"));
    assert!(!page.contains("Im P50-Fall"));
    let svg = std::fs::read_to_string(out.join("charts/reloaded_isc.svg")).unwrap();
    assert!(!svg.contains("P10 bis P90"), "one replication: a single line, no band");

    let bare = dir.join("bare");
    run(&["--domains", "500", "--out", bare.to_str().unwrap(), "--no-report"]);
    assert!(bare.join("monthly.csv").exists());
    assert!(!bare.join("report.html").exists());
    assert!(!bare.join("charts").exists());
    // The report can be written later from the tables alone.
    let later = report(&bare, &["--quiet"]);
    assert!(later.status.success(), "{}", stderr(&later));
    assert!(later.stdout.is_empty());
    assert!(bare.join("report.html").exists());
    assert!(bare.join("charts/outcomes.png").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scenario_title_is_escaped() {
    let dir = scratch("hostile");
    let scenario = dir.join("hostile.toml");
    let baseline = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml")).unwrap();
    let hostile = r#"title = "<script>alert('x')</script> & \"quoted\" <img src=x onerror=alert(1)>""#;
    let text: String = baseline
        .lines()
        .map(|line| if line.starts_with("title = ") { hostile.to_string() } else { line.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("run");
    run(&[scenario.to_str().unwrap(), "--domains", "300", "--out", out.to_str().unwrap()]);
    let page = html(&out);
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn broken_run_folders_exit_2() {
    let dir = scratch("broken");
    let good = dir.join("good");
    run(&["--domains", "300", "--out", good.to_str().unwrap(), "--no-report"]);
    let copy = |name: &str| -> PathBuf {
        let target = dir.join(name);
        std::fs::create_dir_all(&target).unwrap();
        for entry in std::fs::read_dir(&good).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, target.join(path.file_name().unwrap())).unwrap();
        }
        target
    };
    let fails = |folder: &Path, expected: &[&str]| {
        let output = report(folder, &[]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(!message.contains("panicked"), "{message}");
        for part in expected {
            assert!(message.contains(part), "'{part}' in: {message}");
        }
        assert!(!folder.join("report.html").exists());
    };

    fails(&dir.join("nowhere"), &["nowhere", "no such run folder"]);
    fails(&good.join("monthly.csv"), &["not a folder"]);
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails(&empty, &["manifest.json", "finished run"]);

    let folder = copy("no-monthly");
    std::fs::remove_file(folder.join("monthly.parquet")).unwrap();
    std::fs::remove_file(folder.join("monthly.csv")).unwrap();
    fails(&folder, &["monthly.parquet", "monthly.csv"]);

    let folder = copy("bad-manifest");
    std::fs::write(folder.join("manifest.json"), "{ not json").unwrap();
    fails(&folder, &["manifest.json", "not valid JSON"]);

    let folder = copy("manifest-without-horizon");
    let manifest = std::fs::read_to_string(folder.join("manifest.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value.as_object_mut().unwrap().remove("horizon");
    std::fs::write(folder.join("manifest.json"), value.to_string()).unwrap();
    fails(&folder, &["manifest.json", "horizon.start"]);

    let folder = copy("truncated-parquet");
    let bytes = std::fs::read(folder.join("daily.parquet")).unwrap();
    std::fs::write(folder.join("daily.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    fails(&folder, &["daily.parquet"]);

    // Without Parquet files the CSV files serve; a missing column is named.
    let folder = copy("csv-missing-column");
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "parquet") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let csv = std::fs::read_to_string(folder.join("check_load.csv")).unwrap();
    std::fs::write(folder.join("check_load.csv"), csv.replacen("peak_checks", "renamed", 1)).unwrap();
    fails(&folder, &["check_load.csv", "peak_checks"]);

    // A run folder from before partner_daily existed still gets a report.
    let folder = copy("old-run");
    std::fs::remove_file(folder.join("partner_daily.parquet")).unwrap();
    std::fs::remove_file(folder.join("partner_daily.csv")).unwrap();
    let output = report(&folder, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(html(&folder).contains("no partner_daily table"));
    assert!(!folder.join("charts/partner_invoices_daily.png").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_language_is_usage_error() {
    let output = binary().args(["report", "/nonexistent", "--lang", "fr"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--lang"));
}
