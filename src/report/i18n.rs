//! The report's two languages: labels, names of causes and outcomes, and
//! number, date and month formats. English writes 1,234,567.8 and
//! 2026-12-04; German writes 1.234.567,8 and 04.12.2026.

use crate::calendar::Date;

/// The language of the report's text and chart labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Lang::En => (',', '.'),
            Lang::De => ('.', ','),
        }
    }
}

/// Formats `value` rounded to `decimals` places, with thousands separators.
pub fn number(value: f64, decimals: usize, lang: Lang) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let (group, point) = lang.separators();
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), Some(fraction.to_string())),
        None => (text, None),
    };
    let mut out = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(point);
        out.push_str(&fraction);
    }
    let is_zero = out.chars().all(|c| c == '0' || c == group || c == point);
    if value < 0.0 && !is_zero { format!("-{out}") } else { out }
}

/// Formats a whole count with thousands separators.
pub fn count(value: f64, lang: Lang) -> String {
    number(value, 0, lang)
}

/// Formats a count for sentences: exact below a million, else as
/// "1.2 million" or "1,2 Mio.".
pub fn compact(value: f64, lang: Lang) -> String {
    let size = value.abs();
    let (scaled, unit) = if size >= 999_950_000.0 {
        (value / 1e9, if lang == Lang::En { "billion" } else { "Mrd." })
    } else if size >= 999_950.0 {
        (value / 1e6, if lang == Lang::En { "million" } else { "Mio." })
    } else {
        return count(value, lang);
    };
    format!("{} {unit}", number(scaled, 1, lang))
}

/// Formats a chart axis value in short form. From an axis top (`top`) of
/// 100,000 it is in thousands, from a million in millions, with a suffix,
/// so all labels of one axis share their unit.
pub fn axis(value: f64, top: f64, lang: Lang) -> String {
    let size = top.abs();
    if value == 0.0 {
        return "0".to_string();
    }
    let suffix = |million: bool| match (lang, million) {
        (Lang::En, true) => "M",
        (Lang::En, false) => "k",
        (Lang::De, true) => " Mio.",
        (Lang::De, false) => " Tsd.",
    };
    if size >= 1e6 {
        format!("{}{}", trimmed(value / 1e6, 2, lang), suffix(true))
    } else if size >= 1e5 {
        format!("{}{}", trimmed(value / 1e3, 1, lang), suffix(false))
    } else {
        trimmed(value, 2, lang)
    }
}

/// Formats with at most `decimals` places, without trailing zeros.
fn trimmed(value: f64, decimals: usize, lang: Lang) -> String {
    let text = number(value, decimals, lang);
    let (_, point) = lang.separators();
    if decimals > 0 && text.contains(point) {
        text.trim_end_matches('0').trim_end_matches(point).to_string()
    } else {
        text
    }
}

/// Formats a share as 12.5 % or 12,5 %.
pub fn percent(share: f64, lang: Lang) -> String {
    format!("{} %", number(share * 100.0, 1, lang))
}

pub fn date(date: Date, lang: Lang) -> String {
    let naive = date.to_naive();
    use chrono::Datelike;
    match lang {
        Lang::En => format!("{:04}-{:02}-{:02}", naive.year(), naive.month(), naive.day()),
        Lang::De => format!("{:02}.{:02}.{:04}", naive.day(), naive.month(), naive.year()),
    }
}

const MONTHS_EN: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTHS_DE: [&str; 12] =
    ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"];
const MONTHS_SHORT_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_SHORT_DE: [&str; 12] = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"];

/// Formats a month as "March 2027" or "März 2027". `month` counts from 1.
pub fn month(year: i32, month: u32, lang: Lang) -> String {
    let names = if lang == Lang::En { &MONTHS_EN } else { &MONTHS_DE };
    format!("{} {year}", names[(month.clamp(1, 12) - 1) as usize])
}

/// Formats a month for chart axes as "Mar 2027" or "Mär 2027".
pub fn month_short(year: i32, month: u32, lang: Lang) -> String {
    let names = if lang == Lang::En { &MONTHS_SHORT_EN } else { &MONTHS_SHORT_DE };
    format!("{} {year}", names[(month.clamp(1, 12) - 1) as usize])
}

/// Parses a table's month key, `2027-03`, into year and month.
pub fn parse_month(text: &str) -> Option<(i32, u32)> {
    let (year, month) = text.split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    (year.to_string().len() == 4 && (1..=12).contains(&month)).then_some((year, month))
}

/// Names a partner as "reseller 17" or "Reseller 17".
pub fn partner(kind: &str, id: i64, lang: Lang) -> String {
    let name = match (kind, lang) {
        ("reseller", Lang::En) => "reseller",
        ("distributor", Lang::En) => "distributor",
        ("reseller", Lang::De) => "Reseller",
        ("distributor", Lang::De) => "Distributor",
        (other, _) => other,
    };
    format!("{name} {id}")
}

/// Names a stop cause given by its column suffix, such as `offline_nights`.
pub fn cause(name: &str, lang: Lang) -> String {
    let known = match name {
        "no_contract" => Some(("no contract", "kein Vertrag")),
        "rejected_order" => Some(("rejected order", "abgelehnte Bestellung")),
        "awaiting_acceptance" => Some(("awaiting acceptance", "Annahme ausstehend")),
        "contract_ended" => Some(("contract ended", "Vertrag beendet")),
        "contract_cancelled" => Some(("contract cancelled", "Vertrag gekündigt")),
        "outdated_devices_app" => Some(("outdated Devices App", "veraltete Devices App")),
        "offline_nights" => Some(("offline nights", "Offline-Nächte")),
        "threshold_too_short" => Some(("threshold too short", "Schwelle zu kurz")),
        _ => None,
    };
    pick(known, name, lang)
}

/// Names an outcome row of the outcomes table.
pub fn outcome(category: &str, name: &str, lang: Lang) -> String {
    let known = match (category, name) {
        ("domains", "simulated") => Some(("domains simulated", "simulierte Domains")),
        ("domains", "stopped_at_least_once") => Some(("domains stopped at least once", "mindestens einmal gestoppte Domains")),
        ("contracts", "accepted") => Some(("contracts accepted", "angenommene Verträge")),
        ("contracts", "accepted_ineffective") => Some(("contracts accepted but ineffective", "angenommen, aber unwirksam")),
        ("contracts", "ended") => Some(("contracts ended", "beendete Verträge")),
        ("contracts", "cancelled") => Some(("contracts cancelled", "gekündigte Verträge")),
        ("contracts", "active_at_end") => Some(("contracts active at the end", "aktive Verträge am Ende")),
        ("rejected_orders", "rental_not_accepted") => Some(("rejected: rental not accepted", "abgelehnt: Miete nicht akzeptiert")),
        ("rejected_orders", "insufficient_balance") => Some(("rejected: insufficient balance", "abgelehnt: Guthaben zu gering")),
        ("rejected_orders", "contract_already_active") => Some(("rejected: contract already active", "abgelehnt: Vertrag schon aktiv")),
        ("stops", cause_name) => return format!("{}: {}", lang.texts().stops_prefix, cause(cause_name, lang)),
        _ => None,
    };
    pick(known, name, lang)
}

fn pick(known: Option<(&str, &str)>, raw: &str, lang: Lang) -> String {
    match (known, lang) {
        (Some((english, _)), Lang::En) => english.to_string(),
        (Some((_, german)), Lang::De) => german.to_string(),
        (None, _) => raw.replace('_', " "),
    }
}

/// Every fixed text of the report and its charts.
pub struct Texts {
    pub report_title: &'static str,
    pub key_figures: &'static str,
    pub charts: &'static str,
    pub monthly_figures: &'static str,
    pub busiest_partners: &'static str,
    pub outcomes_heading: &'static str,
    pub busiest_minutes: &'static str,
    pub parameters: &'static str,
    pub manifest: &'static str,
    pub generated_by: &'static str,
    pub month: &'static str,
    pub date: &'static str,
    pub partner: &'static str,
    pub parameter: &'static str,
    pub value: &'static str,
    pub outcome: &'static str,
    pub count: &'static str,
    pub stopped_hours: &'static str,
    pub time_utc: &'static str,
    pub mean_checks: &'static str,
    pub peak_checks: &'static str,
    pub peak_night: &'static str,
    pub reloads: &'static str,
    pub reloaded_isc: &'static str,
    pub invoices: &'static str,
    pub alert_emails: &'static str,
    pub checks: &'static str,
    pub active_contracts: &'static str,
    pub total_invoices: &'static str,
    pub peak_invoices_per_day: &'static str,
    pub stops_prefix: &'static str,
    pub p50_note: &'static str,
    pub partner_table_note: &'static str,
    pub no_partner_daily: &'static str,
    pub no_invoices: &'static str,
    // Charts.
    pub chart_reloaded: &'static str,
    pub chart_invoices: &'static str,
    pub chart_partner_daily: &'static str,
    pub chart_check_load: &'static str,
    pub chart_stopped: &'static str,
    pub chart_outcomes: &'static str,
    pub chart_alerts: &'static str,
    pub axis_month: &'static str,
    pub axis_date: &'static str,
    pub axis_time: &'static str,
    pub axis_isc_per_month: &'static str,
    pub axis_invoices_per_month: &'static str,
    pub axis_invoices_per_day: &'static str,
    pub axis_checks_per_minute: &'static str,
    pub axis_hours_per_month: &'static str,
    pub axis_count: &'static str,
    pub axis_emails_per_day: &'static str,
    pub legend_band: &'static str,
    pub legend_capacity: &'static str,
    pub legend_mean_night: &'static str,
    pub legend_peak_night: &'static str,
    pub per_week_peak: &'static str,
    pub per_weeks_peak: &'static str,
    pub per_week_mean: &'static str,
    pub per_weeks_mean: &'static str,
}

pub static EN: Texts = Texts {
    report_title: "Auto-iSC capacity report",
    key_figures: "Key figures",
    charts: "Charts",
    monthly_figures: "Monthly figures",
    busiest_partners: "Busiest invoicing partners",
    outcomes_heading: "Contract outcomes and stops",
    busiest_minutes: "Busiest minutes of the night",
    parameters: "Scenario parameters",
    manifest: "Manifest",
    generated_by: "Written by isc-sim {version} from the tables in this folder.",
    month: "Month",
    date: "Date",
    partner: "Partner",
    parameter: "Parameter",
    value: "Value",
    outcome: "Outcome",
    count: "Count",
    stopped_hours: "Stopped domain-hours",
    time_utc: "Time (UTC)",
    mean_checks: "Mean checks",
    peak_checks: "Peak checks",
    peak_night: "Peak night",
    reloads: "Reloads",
    reloaded_isc: "Reloaded iSC",
    invoices: "Invoices",
    alert_emails: "Alert e-mails",
    checks: "Checks",
    active_contracts: "Active contracts",
    total_invoices: "Invoices over the horizon",
    peak_invoices_per_day: "Most invoices on one day",
    stops_prefix: "stops",
    p50_note: "Values are the P50 (median) of the replications, with P10 and P90 in brackets or in the shaded band.",
    partner_table_note: "Invoices over the horizon are the sum of the monthly values; the most invoices on one day is the highest monthly peak.",
    no_partner_daily: "This run folder has no partner_daily table (written by newer versions of isc-sim run), so the chart of the busiest partners' daily invoices is missing.",
    no_invoices: "No partner received an invoice in this run.",
    chart_reloaded: "Reloaded iSC per month",
    chart_invoices: "Invoices per month",
    chart_partner_daily: "Invoices per day of the busiest invoicing partners",
    chart_check_load: "Checks per minute of the night window",
    chart_stopped: "Stopped domain-hours per month by cause",
    chart_outcomes: "Contract outcomes over the horizon",
    chart_alerts: "Alert e-mails per day",
    axis_month: "Month",
    axis_date: "Date (UTC)",
    axis_time: "Time of night (UTC)",
    axis_isc_per_month: "Reloaded iSC per month (iSC)",
    axis_invoices_per_month: "Invoices per month (count)",
    axis_invoices_per_day: "Invoices per day (count)",
    axis_checks_per_minute: "Checks per minute (count)",
    axis_hours_per_month: "Stopped time per month (domain-hours)",
    axis_count: "Count (contracts or orders)",
    axis_emails_per_day: "Alert e-mails per day (count)",
    legend_band: "P10 to P90",
    legend_capacity: "capacity (scenario)",
    legend_mean_night: "mean over nights",
    legend_peak_night: "busiest night of each minute",
    per_week_peak: "busiest day of each week",
    per_weeks_peak: "busiest day of each {n} weeks",
    per_week_mean: "weekly mean",
    per_weeks_mean: "mean of each {n} weeks",
};

pub static DE: Texts = Texts {
    report_title: "Auto-iSC-Kapazitätsbericht",
    key_figures: "Kennzahlen",
    charts: "Diagramme",
    monthly_figures: "Monatswerte",
    busiest_partners: "Partner mit den meisten Rechnungen",
    outcomes_heading: "Vertragsergebnisse und Stopps",
    busiest_minutes: "Die stärksten Minuten der Nacht",
    parameters: "Szenarioparameter",
    manifest: "Manifest",
    generated_by: "Erstellt von isc-sim {version} aus den Tabellen dieses Ordners.",
    month: "Monat",
    date: "Datum",
    partner: "Partner",
    parameter: "Parameter",
    value: "Wert",
    outcome: "Ergebnis",
    count: "Anzahl",
    stopped_hours: "Gestoppte Domain-Stunden",
    time_utc: "Uhrzeit (UTC)",
    mean_checks: "Prüfungen im Mittel",
    peak_checks: "Prüfungen in der Spitzennacht",
    peak_night: "Spitzennacht",
    reloads: "Nachladungen",
    reloaded_isc: "Nachgeladene iSC",
    invoices: "Rechnungen",
    alert_emails: "Warn-E-Mails",
    checks: "Prüfungen",
    active_contracts: "Aktive Verträge",
    total_invoices: "Rechnungen im Zeitraum",
    peak_invoices_per_day: "Höchstens Rechnungen an einem Tag",
    stops_prefix: "Stopps",
    p50_note: "Die Werte sind der P50 (Median) der Replikationen, mit P10 und P90 in Klammern oder im schattierten Band.",
    partner_table_note: "Die Rechnungen im Zeitraum sind die Summe der Monatswerte; der Höchstwert an einem Tag ist die höchste Monatsspitze.",
    no_partner_daily: "Dieser Ordner hat keine Tabelle partner_daily (neuere Versionen von isc-sim run schreiben sie), daher fehlt das Diagramm der täglichen Rechnungen der stärksten Partner.",
    no_invoices: "In diesem Lauf hat kein Partner eine Rechnung erhalten.",
    chart_reloaded: "Nachgeladene iSC pro Monat",
    chart_invoices: "Rechnungen pro Monat",
    chart_partner_daily: "Rechnungen pro Tag der Partner mit den meisten Rechnungen",
    chart_check_load: "Prüfungen pro Minute im Nachtfenster",
    chart_stopped: "Gestoppte Domain-Stunden pro Monat nach Ursache",
    chart_outcomes: "Vertragsergebnisse im Zeitraum",
    chart_alerts: "Warn-E-Mails pro Tag",
    axis_month: "Monat",
    axis_date: "Datum (UTC)",
    axis_time: "Uhrzeit in der Nacht (UTC)",
    axis_isc_per_month: "Nachgeladene iSC pro Monat (iSC)",
    axis_invoices_per_month: "Rechnungen pro Monat (Anzahl)",
    axis_invoices_per_day: "Rechnungen pro Tag (Anzahl)",
    axis_checks_per_minute: "Prüfungen pro Minute (Anzahl)",
    axis_hours_per_month: "Gestoppte Zeit pro Monat (Domain-Stunden)",
    axis_count: "Anzahl (Verträge oder Bestellungen)",
    axis_emails_per_day: "Warn-E-Mails pro Tag (Anzahl)",
    legend_band: "P10 bis P90",
    legend_capacity: "Kapazität (Szenario)",
    legend_mean_night: "Mittel der Nächte",
    legend_peak_night: "stärkste Nacht je Minute",
    per_week_peak: "stärkster Tag jeder Woche",
    per_weeks_peak: "stärkster Tag je {n} Wochen",
    per_week_mean: "Wochenmittel",
    per_weeks_mean: "Mittel je {n} Wochen",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_both_languages() {
        assert_eq!(number(1_234_567.84, 1, Lang::En), "1,234,567.8");
        assert_eq!(number(1_234_567.84, 1, Lang::De), "1.234.567,8");
        assert_eq!(number(999.5, 0, Lang::De), "1.000");
        assert_eq!(number(0.0, 2, Lang::En), "0.00");
        assert_eq!(number(-1234.5, 1, Lang::De), "-1.234,5");
        assert_eq!(number(-0.04, 1, Lang::En), "0.0");
        assert_eq!(number(123.0, 0, Lang::En), "123");
        assert_eq!(number(f64::NAN, 1, Lang::En), "–");
        assert_eq!(count(1_000_000.0, Lang::En), "1,000,000");
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact(1_234_567.0, Lang::En), "1.2 million");
        assert_eq!(compact(1_234_567.0, Lang::De), "1,2 Mio.");
        assert_eq!(compact(999_999.0, Lang::En), "1.0 million");
        assert_eq!(compact(123_456.0, Lang::De), "123.456");
        assert_eq!(compact(2_500_000_000.0, Lang::De), "2,5 Mrd.");
        assert_eq!(compact(12.0, Lang::En), "12");
    }

    #[test]
    fn axis_labels() {
        assert_eq!(axis(1_500_000.0, 2e6, Lang::En), "1.5M");
        assert_eq!(axis(1_500_000.0, 2e6, Lang::De), "1,5 Mio.");
        assert_eq!(axis(500_000.0, 2e6, Lang::De), "0,5 Mio.");
        assert_eq!(axis(250_000.0, 3e5, Lang::De), "250 Tsd.");
        assert_eq!(axis(80_000.0, 1.3e5, Lang::De), "80 Tsd.");
        assert_eq!(axis(20_000.0, 3e4, Lang::De), "20.000");
        assert_eq!(axis(2.5, 3.0, Lang::De), "2,5");
        assert_eq!(axis(0.0, 2e6, Lang::En), "0");
    }

    #[test]
    fn dates_and_months() {
        let day = Date::parse("2026-12-04").unwrap();
        assert_eq!(date(day, Lang::De), "04.12.2026");
        assert_eq!(date(day, Lang::En), "2026-12-04");
        assert_eq!(month(2027, 3, Lang::De), "März 2027");
        assert_eq!(month(2027, 3, Lang::En), "March 2027");
        assert_eq!(month_short(2027, 10, Lang::De), "Okt 2027");
        assert_eq!(parse_month("2027-03"), Some((2027, 3)));
        assert_eq!(parse_month("2027-13"), None);
        assert_eq!(parse_month("March"), None);
        assert_eq!(percent(0.125, Lang::De), "12,5 %");
    }

    #[test]
    fn names() {
        assert_eq!(partner("reseller", 17, Lang::De), "Reseller 17");
        assert_eq!(cause("offline_nights", Lang::De), "Offline-Nächte");
        assert_eq!(cause("something_new", Lang::En), "something new");
        assert_eq!(outcome("stops", "contract_ended", Lang::En), "stops: contract ended");
        assert_eq!(Lang::parse("de"), Some(Lang::De));
        assert_eq!(Lang::parse("fr"), None);
    }
}
