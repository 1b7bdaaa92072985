//! report.html: one self-contained page with the charts inline as SVG data
//! URIs, the key figures in sentences, the main tables, the scenario's
//! parameters and the manifest. It loads nothing: no script, no external
//! style, font or image, and a Content-Security-Policy that forbids them.
//! Every text is built as plain text and passes through [`escape`] on its
//! way into the page, so names from input never become markup.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::Value;

use crate::calendar::Date;
use crate::report::charts::{outcome_rows, partner_days};
use crate::report::data::{bands_of, RunData};
use crate::report::i18n::{self, Lang};
use crate::report::ReportError;

/// Rows in the table of busiest partners.
const TABLE_PARTNERS: usize = 10;
/// Rows in the table of busiest minutes.
const TABLE_MINUTES: usize = 10;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A drawn chart for the page.
pub struct Figure {
    pub stem: String,
    pub title: String,
    pub note: Option<String>,
    pub svg: String,
}

/// P10, P50 and P90.
type Band = (f64, f64, f64);

/// Formats "x unit" or, when the band has width, "x unit (P10 a, P90 b)".
fn with_band(band: Band, format: impl Fn(f64) -> String, unit: &str) -> String {
    let (p10, p50, p90) = band;
    let value = if unit.is_empty() { format(p50) } else { format!("{} {unit}", format(p50)) };
    if p10 == p90 { value } else { format!("{value} (P10 {}, P90 {})", format(p10), format(p90)) }
}

/// Per replication, the sum and the largest value of a daily column.
fn daily_totals(run: &RunData, column: &str) -> Result<(Band, Band), ReportError> {
    let groups = run.daily.replication_rows()?;
    let values = run.daily.numbers(column)?;
    let sums: Vec<f64> = groups.iter().map(|rows| rows.iter().map(|&r| values[r]).sum()).collect();
    let peaks: Vec<f64> = groups.iter().map(|rows| rows.iter().map(|&r| values[r]).fold(0.0, f64::max)).collect();
    Ok((bands_of(&sums), bands_of(&peaks)))
}

fn parse_date(text: &str, file: &str) -> Result<Date, ReportError> {
    Date::parse(text).ok_or_else(|| ReportError::Input(format!("{file}: '{text}' is not a date like 2027-01-31")))
}

/// Returns the month name of a `2027-03` key, or the key itself when it is not one.
fn month_name(key: &str, lang: Lang) -> String {
    i18n::parse_month(key).map_or_else(|| key.to_string(), |(year, month)| i18n::month(year, month, lang))
}

/// Writes the key figures of the run, one plain-text sentence each.
pub fn key_figures(run: &RunData, lang: Lang) -> Result<Vec<String>, ReportError> {
    let en = lang == Lang::En;
    let manifest = &run.manifest;
    let big = |v: f64| i18n::compact(v, lang);
    let whole = |v: f64| i18n::count(v, lang);
    let mut sentences = Vec::new();

    let file = run.dir.join("manifest.json").display().to_string();
    let start = i18n::date(parse_date(&manifest.horizon_start, &file)?, lang);
    let end = i18n::date(parse_date(&manifest.horizon_end, &file)?, lang);
    let replications = manifest.replications;
    sentences.push(if en {
        format!(
            "The run simulates {} domains over {} months, from {start} up to {end}, with seed {} and {} {}.",
            whole(manifest.domains as f64),
            manifest.horizon_months,
            manifest.seed,
            replications,
            if replications == 1 { "replication" } else { "replications" }
        )
    } else {
        format!(
            "Der Lauf simuliert {} Domains über {} Monate, vom {start} bis vor dem {end}, mit Seed {} und {} {}.",
            whole(manifest.domains as f64),
            manifest.horizon_months,
            manifest.seed,
            replications,
            if replications == 1 { "Replikation" } else { "Replikationen" }
        )
    });

    // The busiest month of reloads.
    let months = run.monthly.texts("month")?;
    let reloaded = run.monthly.banded("reloaded_isc")?;
    let spread = reloaded.has_spread();
    let busiest = (0..months.len()).max_by(|&a, &b| reloaded.p50[a].total_cmp(&reloaded.p50[b])).unwrap_or(0);
    let month = month_name(&months[busiest], lang);
    let amount = with_band((reloaded.p10[busiest], reloaded.p50[busiest], reloaded.p90[busiest]), big, "iSC");
    sentences.push(match (en, spread) {
        (true, true) => format!("In the P50 case, {amount} are reloaded in {month}, more than in any other month."),
        (true, false) => format!("{amount} are reloaded in {month}, more than in any other month."),
        (false, true) => format!("Im P50-Fall werden im {month} {amount} nachgeladen, mehr als in jedem anderen Monat."),
        (false, false) => format!("Im {month} werden {amount} nachgeladen, mehr als in jedem anderen Monat."),
    });

    // Totals over the horizon.
    let (isc, _) = daily_totals(run, "reloaded_isc")?;
    let (reloads, _) = daily_totals(run, "reloads")?;
    let (invoices, invoice_peak) = daily_totals(run, "invoices")?;
    sentences.push(if en {
        format!(
            "Over the whole horizon, {} are reloaded in {}, invoiced with {}.",
            with_band(isc, big, "iSC"),
            with_band(reloads, whole, "reloads"),
            with_band(invoices, whole, "invoices")
        )
    } else {
        format!(
            "Im ganzen Zeitraum werden {} in {} nachgeladen und mit {} berechnet.",
            with_band(isc, big, "iSC"),
            with_band(reloads, whole, "Nachladungen"),
            with_band(invoices, whole, "Rechnungen")
        )
    });
    if invoice_peak.0 == invoice_peak.2 {
        let dates = run.daily.texts("date")?;
        let values = run.daily.numbers("invoices")?;
        let rows = &run.daily.replication_rows()?[0];
        let top = rows.iter().copied().max_by(|&a, &b| values[a].total_cmp(&values[b]).then(b.cmp(&a))).unwrap_or(0);
        let day = i18n::date(parse_date(&dates[top], &run.daily.file.display().to_string())?, lang);
        sentences.push(if en {
            format!("The busiest day for invoices is {day}, with {} invoices.", whole(values[top]))
        } else {
            format!("Der Tag mit den meisten Rechnungen ist der {day} mit {} Rechnungen.", whole(values[top]))
        });
    } else {
        sentences.push(if en {
            format!("The busiest day for invoices has {}.", with_band(invoice_peak, whole, "invoices"))
        } else {
            format!("Der Tag mit den meisten Rechnungen hat {}.", with_band(invoice_peak, whole, "Rechnungen"))
        });
    }

    // The busiest partners and the capacity.
    if let Some(frame) = &run.partner_daily {
        let data = partner_days(frame)?;
        if let (Some((kind, id)), Some(values)) = (data.partners.first(), data.invoices.first()) {
            let name = i18n::partner(kind, *id, lang);
            let total: f64 = values.iter().sum();
            let top = (0..values.len()).max_by(|&a, &b| values[a].total_cmp(&values[b]).then(b.cmp(&a))).unwrap_or(0);
            let day = i18n::date(parse_date(&data.dates[top], &frame.file.display().to_string())?, lang);
            let (total, peak) = (whole(total), whole(values[top]));
            let seeded = replications > 1;
            sentences.push(match (en, seeded) {
                (true, false) => format!(
                    "The busiest invoicing partner, {name}, receives {total} invoices over the horizon, at most {peak} on one day ({day})."
                ),
                (true, true) => format!(
                    "In the replication with the scenario's seed, the busiest invoicing partner, {name}, receives {total} invoices over the horizon, at most {peak} on one day ({day})."
                ),
                (false, false) => format!(
                    "Der Partner mit den meisten Rechnungen, {name}, erhält im Zeitraum {total} Rechnungen, an einem Tag höchstens {peak} ({day})."
                ),
                (false, true) => format!(
                    "In der Replikation mit dem Seed des Szenarios erhält der Partner mit den meisten Rechnungen, {name}, im Zeitraum {total} Rechnungen, an einem Tag höchstens {peak} ({day})."
                ),
            });
        }
        let capacity = manifest.partner_capacity;
        let partners = data.partners.len();
        if capacity > 0.0 {
            let over: Vec<usize> =
                data.invoices.iter().map(|series| series.iter().filter(|&&v| v > capacity).count()).collect();
            let partners_over = over.iter().filter(|&&days| days > 0).count();
            let days_over: usize = over.iter().sum();
            let c = whole(capacity);
            sentences.push(match (en, partners_over) {
                (true, 0) => format!("The scenario's capacity is {c} invoices per partner and day; none of the {partners} busiest partners exceeds it."),
                (true, _) => format!(
                    "The scenario's capacity is {c} invoices per partner and day; {partners_over} of the {partners} busiest partners exceed it, on {} partner-days in all.",
                    whole(days_over as f64)
                ),
                (false, 0) => format!("Die Kapazität im Szenario beträgt {c} Rechnungen pro Partner und Tag; keiner der {partners} Partner mit den meisten Rechnungen überschreitet sie."),
                (false, _) => format!(
                    "Die Kapazität im Szenario beträgt {c} Rechnungen pro Partner und Tag; {partners_over} der {partners} Partner mit den meisten Rechnungen überschreiten sie, an insgesamt {} Partner-Tagen.",
                    whole(days_over as f64)
                ),
            });
        } else {
            sentences.push(if en {
                "The scenario sets no partner capacity (capacity.partner_invoices_per_day = 0).".to_string()
            } else {
                "Das Szenario legt keine Partnerkapazität fest (capacity.partner_invoices_per_day = 0).".to_string()
            });
        }
    }

    // The check load.
    let frame = &run.check_load;
    let peaks = frame.numbers("peak_checks")?;
    let means = frame.numbers("mean_checks")?;
    let times = frame.texts("time_utc")?;
    let nights = frame.texts("peak_night")?;
    let top = (0..peaks.len()).max_by(|&a, &b| peaks[a].total_cmp(&peaks[b]).then(b.cmp(&a))).unwrap_or(0);
    let night = i18n::date(parse_date(&nights[top], &frame.file.display().to_string())?, lang);
    let mean_peak = means.iter().copied().fold(0.0, f64::max);
    sentences.push(if en {
        format!(
            "At the peak, {} checks fall in one minute, at {} UTC in the night that starts on {night}; the busiest minute of an average night has {} checks.",
            whole(peaks[top]),
            times[top],
            i18n::number(mean_peak, 1, lang)
        )
    } else {
        format!(
            "In der Spitze fallen {} Prüfungen in eine Minute, um {} UTC in der Nacht, die am {night} beginnt; die stärkste Minute einer durchschnittlichen Nacht hat {} Prüfungen.",
            whole(peaks[top]),
            times[top],
            i18n::number(mean_peak, 1, lang)
        )
    });

    // Alert e-mails.
    let (alerts, alert_peak) = daily_totals(run, "alert_emails")?;
    sentences.push(if en {
        format!("{} are sent, at most {} on one day.", with_band(alerts, whole, "alert e-mails"), with_band(alert_peak, whole, ""))
    } else {
        format!("Es werden {} versandt, höchstens {} an einem Tag.", with_band(alerts, whole, "Warn-E-Mails"), with_band(alert_peak, whole, ""))
    });

    // Stops.
    let stops = outcome_rows(&run.outcomes, &["stops"], "stopped_domain_hours")?;
    let total_hours: f64 = stops.iter().map(|(_, _, (_, p50, _))| p50).sum();
    let stopped_domains = outcome_rows(&run.outcomes, &["domains"], "count")?;
    let stopped_once = stopped_domains.iter().find(|(_, name, _)| name == "stopped_at_least_once").map(|(_, _, band)| band.1);
    if total_hours > 0.0 {
        let (_, cause, (_, hours, _)) = stops.iter().max_by(|a, b| (a.2).1.total_cmp(&(b.2).1)).expect("not empty when the total is positive");
        let cause = i18n::cause(cause, lang);
        let share = i18n::percent(hours / total_hours, lang);
        sentences.push(if en {
            format!("Domains stand still for {} domain-hours in all; the largest cause is “{cause}”, with {share} of them.", big(total_hours))
        } else {
            format!("Domains stehen insgesamt {} Domain-Stunden still; die größte Ursache ist „{cause}“ mit {share} davon.", big(total_hours))
        });
    } else {
        sentences.push(if en { "No domain is stopped.".to_string() } else { "Keine Domain wird gestoppt.".to_string() });
    }
    if let Some(count) = stopped_once.filter(|&c| c > 0.0) {
        let share = i18n::percent(count / (manifest.domains.max(1) as f64), lang);
        sentences.push(if en {
            format!("{} domains ({share} of all) stop at least once.", whole(count))
        } else {
            format!("{} Domains ({share} aller Domains) stoppen mindestens einmal.", whole(count))
        });
    }

    // Contracts.
    let contracts = outcome_rows(&run.outcomes, &["contracts", "rejected_orders"], "count")?;
    let find = |name: &str| contracts.iter().find(|(category, n, _)| category == "contracts" && n == name).map_or(0.0, |r| (r.2).1);
    let rejected: f64 = contracts.iter().filter(|(category, _, _)| category == "rejected_orders").map(|r| (r.2).1).sum();
    sentences.push(if en {
        format!(
            "{} Auto-iSC contracts are accepted and {} orders rejected; {} contracts are active at the end of the horizon.",
            whole(find("accepted")),
            whole(rejected),
            whole(find("active_at_end"))
        )
    } else {
        format!(
            "{} Auto-iSC-Verträge werden angenommen und {} Bestellungen abgelehnt; am Ende des Zeitraums sind {} Verträge aktiv.",
            whole(find("accepted")),
            whole(rejected),
            whole(find("active_at_end"))
        )
    });
    if replications > 1 {
        sentences.push(lang.texts().p50_note.to_string());
    }
    Ok(sentences)
}

/// Builds an HTML table from a header and rows of plain text. `numeric`
/// marks the columns to align right.
fn table(header: &[String], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let align = |index: usize| if numeric.get(index).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
    let mut html = String::from("<table>\n<thead><tr>");
    for (index, cell) in header.iter().enumerate() {
        html += &format!("<th{}>{}</th>", align(index), escape(cell));
    }
    html += "</tr></thead>\n<tbody>\n";
    for row in rows {
        html += "<tr>";
        for (index, cell) in row.iter().enumerate() {
            html += &format!("<td{}>{}</td>", align(index), escape(cell));
        }
        html += "</tr>\n";
    }
    html + "</tbody>\n</table>\n"
}

fn monthly_table(run: &RunData, lang: Lang) -> Result<String, ReportError> {
    let texts = lang.texts();
    let months = run.monthly.texts("month")?;
    let metrics: [(&str, &str, usize); 7] = [
        ("reloads", texts.reloads, 0),
        ("reloaded_isc", texts.reloaded_isc, 0),
        ("invoices", texts.invoices, 0),
        ("alert_emails", texts.alert_emails, 0),
        ("checks", texts.checks, 0),
        ("stopped_domain_hours", texts.stopped_hours, 1),
        ("active_contracts", texts.active_contracts, 0),
    ];
    let spread = run.manifest.replications > 1;
    let mut header = vec![texts.month.to_string()];
    let mut columns = Vec::new();
    for (name, label, decimals) in metrics {
        let banded = run.monthly.banded(name)?;
        let with_range = spread && matches!(name, "reloaded_isc" | "invoices");
        header.push(if spread { format!("{label} P50") } else { label.to_string() });
        columns.push((banded.p50.clone(), decimals));
        if with_range {
            header.push(format!("{label} P10"));
            columns.push((banded.p10, decimals));
            header.push(format!("{label} P90"));
            columns.push((banded.p90, decimals));
        }
    }
    let rows: Vec<Vec<String>> = months
        .iter()
        .enumerate()
        .map(|(row, key)| {
            let mut cells = vec![month_name(key, lang)];
            cells.extend(columns.iter().map(|(values, decimals)| i18n::number(values[row], *decimals, lang)));
            cells
        })
        .collect();
    let numeric: Vec<bool> = (0..header.len()).map(|i| i > 0).collect();
    Ok(table(&header, &rows, &numeric))
}

fn partners_table(run: &RunData, lang: Lang) -> Result<String, ReportError> {
    let texts = lang.texts();
    let frame = &run.partners;
    let kinds = frame.texts("partner_kind")?;
    let ids = frame.numbers("partner_id")?;
    let invoices = frame.banded("invoices")?.p50;
    let reloaded = frame.banded("reloaded_isc")?.p50;
    let peaks = frame.banded("peak_invoices_per_day")?.p50;
    // Partner, invoices, peak and reloaded iSC, in order of first appearance.
    let mut partners: Vec<((String, i64), f64, f64, f64)> = Vec::new();
    let mut positions: HashMap<(String, i64), usize> = HashMap::new();
    for row in 0..kinds.len() {
        let key = (kinds[row].clone(), ids[row] as i64);
        match positions.get(&key) {
            Some(&position) => {
                let entry = &mut partners[position];
                entry.1 += invoices[row];
                entry.2 = entry.2.max(peaks[row]);
                entry.3 += reloaded[row];
            }
            None => {
                positions.insert(key.clone(), partners.len());
                partners.push((key, invoices[row], peaks[row], reloaded[row]));
            }
        }
    }

    partners.sort_by(|a, b| b.1.total_cmp(&a.1));
    partners.truncate(TABLE_PARTNERS);
    let header = vec![
        texts.partner.to_string(),
        texts.total_invoices.to_string(),
        texts.peak_invoices_per_day.to_string(),
        texts.reloaded_isc.to_string(),
    ];
    let rows: Vec<Vec<String>> = partners
        .iter()
        .map(|((kind, id), total, peak, isc)| {
            vec![i18n::partner(kind, *id, lang), i18n::count(*total, lang), i18n::count(*peak, lang), i18n::number(*isc, 0, lang)]
        })
        .collect();
    let mut html = table(&header, &rows, &[false, true, true, true]);
    if run.manifest.replications > 1 {
        html += &format!("<p class=\"note\">{}</p>\n", escape(texts.partner_table_note));
    }
    Ok(html)
}

fn outcomes_table(run: &RunData, lang: Lang) -> Result<String, ReportError> {
    let texts = lang.texts();
    let counts = outcome_rows(&run.outcomes, &["domains", "contracts", "rejected_orders", "stops"], "count")?;
    let hours = outcome_rows(&run.outcomes, &["domains", "contracts", "rejected_orders", "stops"], "stopped_domain_hours")?;
    let spread = counts.iter().any(|(_, _, (low, _, high))| low != high);
    let mut header = vec![texts.outcome.to_string(), texts.count.to_string()];
    if spread {
        header[1] = format!("{} P50", texts.count);
        header.push("P10".to_string());
        header.push("P90".to_string());
    }
    header.push(texts.stopped_hours.to_string());
    let rows: Vec<Vec<String>> = counts
        .iter()
        .zip(&hours)
        .map(|((category, name, (p10, p50, p90)), (_, _, (_, stopped, _)))| {
            let mut cells = vec![i18n::outcome(category, name, lang), i18n::count(*p50, lang)];
            if spread {
                cells.push(i18n::count(*p10, lang));
                cells.push(i18n::count(*p90, lang));
            }
            cells.push(if category == "stops" { i18n::number(*stopped, 1, lang) } else { String::new() });
            cells
        })
        .collect();
    let numeric: Vec<bool> = (0..header.len()).map(|i| i > 0).collect();
    Ok(table(&header, &rows, &numeric))
}

fn minutes_table(run: &RunData, lang: Lang) -> Result<String, ReportError> {
    let texts = lang.texts();
    let frame = &run.check_load;
    let groups = frame.replication_rows()?;
    let times = frame.texts("time_utc")?;
    let means = frame.numbers("mean_checks")?;
    let peaks = frame.numbers("peak_checks")?;
    let nights = frame.texts("peak_night")?;
    let file = frame.file.display().to_string();
    // Per minute: the P50 of the mean, and the highest peak with its night.
    let mut minutes: Vec<(usize, f64, f64, usize)> = (0..groups[0].len())
        .map(|position| {
            let mean = bands_of(&groups.iter().map(|rows| means[rows[position]]).collect::<Vec<_>>()).1;
            let peak_row = groups
                .iter()
                .map(|rows| rows[position])
                .max_by(|&a, &b| peaks[a].total_cmp(&peaks[b]).then(b.cmp(&a)))
                .expect("at least one replication");
            (groups[0][position], mean, peaks[peak_row], peak_row)
        })
        .collect();

    minutes.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    minutes.truncate(TABLE_MINUTES);
    let header =
        vec![texts.time_utc.to_string(), texts.peak_checks.to_string(), texts.peak_night.to_string(), texts.mean_checks.to_string()];
    let mut rows = Vec::new();
    for (row, mean, peak, peak_row) in minutes {
        rows.push(vec![
            times[row].clone(),
            i18n::count(peak, lang),
            i18n::date(parse_date(&nights[peak_row], &file)?, lang),
            i18n::number(mean, 1, lang),
        ]);
    }
    Ok(table(&header, &rows, &[false, true, false, true]))
}

/// `parameters` flattened to `key.path = value` rows.
pub fn flatten(value: &Value, prefix: &str, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(child, &path, rows);
            }
        }
        Value::String(text) => rows.push((prefix.to_string(), text.clone())),
        other => rows.push((prefix.to_string(), other.to_string())),
    }
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:1.7em;margin:0 0 4px}
h2{font-size:1.25em;margin:36px 0 12px;border-bottom:1px solid #ccc;padding-bottom:4px}
.subtitle{color:#444;margin:0 0 16px}
ul.figures li{margin:6px 0;line-height:1.45}
figure{margin:18px 0 28px}
figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{color:#444;font-size:.92em;margin-top:4px}
table{border-collapse:collapse;font-size:.88em;margin:8px 0}
th,td{border:1px solid #d4d4d4;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafafa}
.note{color:#444;font-size:.9em}
pre{background:#f6f6f6;border:1px solid #ddd;padding:10px;overflow-x:auto;font-size:.82em;white-space:pre-wrap;word-break:break-all}
footer{margin-top:40px;color:#555;font-size:.85em}";

/// Builds the whole page.
pub fn page(run: &RunData, lang: Lang, figures: &[Figure]) -> Result<String, ReportError> {
    let texts = lang.texts();
    let manifest = &run.manifest;
    let title = format!("{} – {}", texts.report_title, manifest.scenario_name);
    let mut html = String::new();
    html += &format!("<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n", lang.code());
    html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<link rel=\"icon\" href=\"data:,\">\n";
    html += &format!("<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n", escape(&title));
    html += &format!("<h1>{}</h1>\n", escape(texts.report_title));
    let subtitle = if manifest.scenario_title.is_empty() {
        manifest.scenario_name.clone()
    } else {
        format!("{} ({})", manifest.scenario_title, manifest.scenario_name)
    };
    html += &format!("<p class=\"subtitle\">{}</p>\n", escape(&subtitle));

    html += &format!("<section>\n<h2>{}</h2>\n<ul class=\"figures\">\n", escape(texts.key_figures));
    for sentence in key_figures(run, lang)? {
        html += &format!("<li>{}</li>\n", escape(&sentence));
    }
    html += "</ul>\n</section>\n";

    html += &format!("<section>\n<h2>{}</h2>\n", escape(texts.charts));
    for figure in figures {
        let data = base64::engine::general_purpose::STANDARD.encode(figure.svg.as_bytes());
        html += &format!(
            "<figure id=\"{}\">\n<img src=\"data:image/svg+xml;base64,{data}\" alt=\"{}\" width=\"{}\" height=\"{}\">\n",
            escape(&figure.stem),
            escape(&figure.title),
            crate::report::draw::WIDTH,
            crate::report::draw::HEIGHT
        );
        let mut caption = format!("charts/{0}.png, charts/{0}.svg", figure.stem);
        if let Some(note) = &figure.note {
            caption = format!("{note} {caption}");
        }
        html += &format!("<figcaption>{}</figcaption>\n</figure>\n", escape(&caption));
    }
    if run.partner_daily.is_none() {
        html += &format!("<p class=\"note\">{}</p>\n", escape(texts.no_partner_daily));
    }
    html += "</section>\n";

    html += &format!("<section>\n<h2>{}</h2>\n{}</section>\n", escape(texts.monthly_figures), monthly_table(run, lang)?);
    html += &format!("<section>\n<h2>{}</h2>\n{}</section>\n", escape(texts.busiest_partners), partners_table(run, lang)?);
    html += &format!("<section>\n<h2>{}</h2>\n{}</section>\n", escape(texts.outcomes_heading), outcomes_table(run, lang)?);
    html += &format!("<section>\n<h2>{}</h2>\n{}</section>\n", escape(texts.busiest_minutes), minutes_table(run, lang)?);

    let mut parameters = Vec::new();
    if let Some(value) = manifest.raw.get("parameters") {
        flatten(value, "", &mut parameters);
    }
    let rows: Vec<Vec<String>> = parameters.into_iter().map(|(key, value)| vec![key, value]).collect();
    html += &format!(
        "<section>\n<h2>{}</h2>\n{}</section>\n",
        escape(texts.parameters),
        table(&[texts.parameter.to_string(), texts.value.to_string()], &rows, &[false, false])
    );
    let pretty = serde_json::to_string_pretty(&manifest.raw).unwrap_or_default();
    html += &format!("<section>\n<h2>{}</h2>\n<pre>{}</pre>\n</section>\n", escape(texts.manifest), escape(&pretty));
    html += &format!(
        "<footer>{}</footer>\n</main>\n</body>\n</html>\n",
        escape(&texts.generated_by.replace("{version}", env!("CARGO_PKG_VERSION")))
    );
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_hostile_text() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("\"quoted\" & 'single'"), "&quot;quoted&quot; &amp; &#39;single&#39;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("März 2027 – ok"), "März 2027 – ok");
        for hostile in ["<script>", "\" onload=\"x", "' onmouseover='x", "</style><script>", "a&b"] {
            let escaped = escape(hostile);
            for special in ['<', '>', '"', '\''] {
                assert!(!escaped.contains(special), "{special} in {escaped}");
            }
        }
    }

    #[test]
    fn tables_escape_every_cell() {
        let html = table(&["<th>".to_string()], &[vec!["<script>alert('x')</script>".to_string()]], &[false]);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("<th>&lt;th&gt;</th>"));
    }

    #[test]
    fn bands_in_sentences() {
        let format = |v: f64| i18n::count(v, Lang::En);
        assert_eq!(with_band((5.0, 5.0, 5.0), format, ""), "5");
        assert_eq!(with_band((5.0, 5.0, 5.0), format, "iSC"), "5 iSC");
        assert_eq!(with_band((1000.0, 2000.0, 3000.0), format, "invoices"), "2,000 invoices (P10 1,000, P90 3,000)");
    }

    #[test]
    fn parameters_flatten_to_paths() {
        let value = serde_json::json!({"name": "<b>", "rules": {"days": 30, "list": [1, 2]}});
        let mut rows = Vec::new();
        flatten(&value, "", &mut rows);
        assert!(rows.contains(&("name".to_string(), "<b>".to_string())));
        assert!(rows.contains(&("rules.days".to_string(), "30".to_string())));
        assert!(rows.contains(&("rules.list".to_string(), "[1,2]".to_string())));
    }
}
