//! The content of each chart, prepared from a run's tables: series, bands,
//! labels and titles in the report's language. The module `draw` draws
//! them. Daily series longer than 200 days are grouped into weeks (or runs
//! of weeks for very long horizons) so years of data stay readable.

use crate::calendar::Date;
use crate::report::data::{bands_of, Banded, Frame, RunData};
use crate::report::i18n::{self, Lang};
use crate::report::ReportError;

/// Partners drawn in the chart of daily invoices. The partner_daily table lists more.
pub const CHART_PARTNERS: usize = 5;

/// Daily series up to this length are drawn day by day.
const DAILY_POINTS_MAX: usize = 200;

/// One chart: the file stem of its PNG and SVG, its title and content.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub stem: &'static str,
    pub title: String,
    /// A sentence under the chart in the report, if any.
    pub note: Option<String>,
    pub kind: ChartKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChartKind {
    Lines(LineChart),
    StackedBars(StackedBars),
    HorizontalBars(HorizontalBars),
}

/// Lines and shaded bands over an index axis (months, days, minutes).
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub x_label: String,
    pub y_label: String,
    /// The label of each x index.
    pub x_ticks: Vec<String>,
    /// Every how many indices a label is shown.
    pub x_step: usize,
    pub bands: Vec<BandSeries>,
    pub lines: Vec<LineSeries>,
    /// A dashed horizontal line, such as a capacity.
    pub limit: Option<(String, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BandSeries {
    pub label: String,
    pub color: usize,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LineSeries {
    pub label: String,
    pub color: usize,
    pub values: Vec<f64>,
}

/// Bars per x category, stacked from several series.
#[derive(Clone, Debug, PartialEq)]
pub struct StackedBars {
    pub x_label: String,
    pub y_label: String,
    pub categories: Vec<String>,
    /// Every how many categories a label is shown.
    pub x_step: usize,
    /// Label, colour and one value per category, drawn bottom up in this order.
    pub series: Vec<(String, usize, Vec<f64>)>,
}

/// One horizontal bar per label, with an optional P10 to P90 whisker.
#[derive(Clone, Debug, PartialEq)]
pub struct HorizontalBars {
    pub x_label: String,
    pub value_label: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    pub ranges: Option<(String, Vec<(f64, f64)>)>,
}

/// The reduction of one group of days to one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Grouping {
    Max,
    Mean,
}

/// Days per point of a daily series of `days` days: 1 up to 200 days,
/// else 7, or a multiple of 7 so that at most about 200 points remain.
pub fn days_per_point(days: usize) -> usize {
    if days <= DAILY_POINTS_MAX { 1 } else { 7 * days.div_ceil(7 * DAILY_POINTS_MAX) }
}

/// Steps between labels on a month axis.
const MONTH_STEPS: [usize; 6] = [1, 2, 3, 6, 12, 24];
/// Steps between labels on an axis of days.
const DAY_STEPS: [usize; 6] = [1, 2, 7, 14, 28, 56];
/// Steps between labels on an axis of groups of days: quarters, half-years, years.
const GROUP_STEPS: [usize; 7] = [1, 2, 4, 13, 26, 52, 104];
/// Labels at most on a time axis.
const MAX_LABELS: usize = 9;

/// Returns the step between labelled ticks: the first candidate that
/// leaves at most `max_labels` labels for `count` positions.
pub fn tick_step(count: usize, max_labels: usize, candidates: &[usize]) -> usize {
    candidates
        .iter()
        .copied()
        .find(|&step| count.div_ceil(step) <= max_labels)
        .unwrap_or_else(|| count.div_ceil(max_labels.max(1)).max(1))
}

fn date_step(points: usize, days_per_point: usize) -> usize {
    tick_step(points, MAX_LABELS, if days_per_point == 1 { &DAY_STEPS } else { &GROUP_STEPS })
}

/// `values` in consecutive groups of `size` (the last may be shorter).
pub fn group(values: &[f64], size: usize, grouping: Grouping) -> Vec<f64> {
    values
        .chunks(size.max(1))
        .map(|chunk| match grouping {
            Grouping::Max => chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Grouping::Mean => chunk.iter().sum::<f64>() / chunk.len() as f64,
        })
        .collect()
}

/// P10, P50 and P90 at each position across equally long series.
pub fn band_across(series: &[Vec<f64>]) -> Banded {
    let length = series.first().map_or(0, Vec::len);
    let mut banded = Banded { p10: Vec::with_capacity(length), p50: Vec::with_capacity(length), p90: Vec::with_capacity(length) };
    for index in 0..length {
        let values: Vec<f64> = series.iter().map(|s| s[index]).collect();
        let (p10, p50, p90) = bands_of(&values);
        banded.p10.push(p10);
        banded.p50.push(p50);
        banded.p90.push(p90);
    }
    banded
}

/// Returns the title suffix of a grouped daily series, empty for single days.
fn grouping_suffix(size: usize, grouping: Grouping, lang: Lang) -> String {
    if size <= 1 {
        return String::new();
    }
    let texts = lang.texts();
    let weeks = size / 7;
    let text = match (grouping, weeks) {
        (Grouping::Max, 1) => texts.per_week_peak.to_string(),
        (Grouping::Max, n) => texts.per_weeks_peak.replace("{n}", &n.to_string()),
        (Grouping::Mean, 1) => texts.per_week_mean.to_string(),
        (Grouping::Mean, n) => texts.per_weeks_mean.replace("{n}", &n.to_string()),
    };
    format!(" ({text})")
}

/// Axis labels for the start dates of the groups of a daily series.
fn group_dates(dates: &[String], size: usize, file: &str, lang: Lang) -> Result<Vec<String>, ReportError> {
    dates
        .chunks(size.max(1))
        .map(|chunk| {
            Date::parse(&chunk[0])
                .map(|date| i18n::date(date, lang))
                .ok_or_else(|| ReportError::Input(format!("{file}: '{}' is not a date like 2027-01-31", chunk[0])))
        })
        .collect()
}

/// Axis labels of the months of a monthly table.
fn month_ticks(frame: &Frame, lang: Lang) -> Result<Vec<String>, ReportError> {
    frame
        .texts("month")?
        .iter()
        .map(|text| {
            i18n::parse_month(text).map(|(year, month)| i18n::month_short(year, month, lang)).ok_or_else(|| {
                ReportError::Input(format!("{}: '{text}' in the column 'month' is not a month like 2027-03", frame.file.display()))
            })
        })
        .collect()
}

/// Builds a band and a P50 line, or a single line without spread.
fn fan(banded: Banded, single_label: &str, lang: Lang) -> (Vec<BandSeries>, Vec<LineSeries>) {
    if banded.has_spread() {
        let band = BandSeries { label: lang.texts().legend_band.to_string(), color: 0, lower: banded.p10, upper: banded.p90 };
        (vec![band], vec![LineSeries { label: "P50".to_string(), color: 0, values: banded.p50 }])
    } else {
        (Vec::new(), vec![LineSeries { label: single_label.to_string(), color: 0, values: banded.p50 }])
    }
}

fn monthly_fan(run: &RunData, stem: &'static str, metric: &str, lang: Lang) -> Result<ChartSpec, ReportError> {
    let texts = lang.texts();
    let (title, y_label, single) = match metric {
        "reloaded_isc" => (texts.chart_reloaded, texts.axis_isc_per_month, texts.reloaded_isc),
        _ => (texts.chart_invoices, texts.axis_invoices_per_month, texts.invoices),
    };
    let (bands, lines) = fan(run.monthly.banded(metric)?, single, lang);
    let x_ticks = month_ticks(&run.monthly, lang)?;
    Ok(ChartSpec {
        stem,
        title: title.to_string(),
        note: None,
        kind: ChartKind::Lines(LineChart {
            x_label: texts.axis_month.to_string(),
            y_label: y_label.to_string(),
            x_step: tick_step(x_ticks.len(), MAX_LABELS, &MONTH_STEPS),
            x_ticks,
            bands,
            lines,
            limit: None,
        }),
    })
}

/// The busiest partners of the partner_daily table, busiest first: their
/// names, and the dates and invoices of each.
pub struct PartnerDays {
    pub partners: Vec<(String, i64)>,
    pub dates: Vec<String>,
    pub invoices: Vec<Vec<f64>>,
}

pub fn partner_days(frame: &Frame) -> Result<PartnerDays, ReportError> {
    let kinds = frame.texts("partner_kind")?;
    let ids = frame.numbers("partner_id")?;
    let dates = frame.texts("date")?;
    let invoices = frame.numbers("invoices")?;
    let mut result = PartnerDays { partners: Vec::new(), dates: Vec::new(), invoices: Vec::new() };
    for row in 0..kinds.len() {
        let key = (kinds[row].clone(), ids[row] as i64);
        if result.partners.last() != Some(&key) {
            if result.partners.contains(&key) {
                return Err(ReportError::Input(format!(
                    "{}: the rows of {} {} are not together",
                    frame.file.display(),
                    key.0,
                    key.1
                )));
            }
            result.partners.push(key);
            result.invoices.push(Vec::new());
        }
        if result.partners.len() == 1 {
            result.dates.push(dates[row].clone());
        } else {
            let position = result.invoices.last().map_or(0, Vec::len);
            if result.dates.get(position) != Some(&dates[row]) {
                return Err(ReportError::Input(format!(
                    "{}: data row {}: the partners do not share the same dates",
                    frame.file.display(),
                    row + 1
                )));
            }
        }
        result.invoices.last_mut().expect("the partner of this row is pushed above").push(invoices[row]);
    }
    if result.invoices.iter().any(|series| series.len() != result.dates.len()) {
        return Err(ReportError::Input(format!("{}: the partners do not share the same dates", frame.file.display())));
    }
    Ok(result)
}

fn partner_chart(run: &RunData, lang: Lang) -> Result<Option<ChartSpec>, ReportError> {
    let texts = lang.texts();
    let Some(frame) = &run.partner_daily else { return Ok(None) };
    let data = partner_days(frame)?;
    let size = days_per_point(data.dates.len());
    let file = frame.file.display().to_string();
    let lines = data
        .partners
        .iter()
        .zip(&data.invoices)
        .take(CHART_PARTNERS)
        .enumerate()
        .map(|(color, ((kind, id), values))| LineSeries {
            label: i18n::partner(kind, *id, lang),
            color,
            values: group(values, size, Grouping::Max),
        })
        .collect();
    let capacity = run.manifest.partner_capacity;
    let limit = (capacity > 0.0).then(|| (format!("{} = {}", texts.legend_capacity, i18n::count(capacity, lang)), capacity));
    let mut notes = Vec::new();
    if data.partners.is_empty() {
        notes.push(texts.no_invoices.to_string());
    }
    Ok(Some(ChartSpec {
        stem: "partner_invoices_daily",
        title: format!("{}{}", texts.chart_partner_daily, grouping_suffix(size, Grouping::Max, lang)),
        note: (!notes.is_empty()).then(|| notes.join(" ")),
        kind: ChartKind::Lines(LineChart {
            x_label: texts.axis_date.to_string(),
            y_label: texts.axis_invoices_per_day.to_string(),
            x_step: date_step(data.dates.len().div_ceil(size), size),
            x_ticks: group_dates(&data.dates, size, &file, lang)?,
            bands: Vec::new(),
            lines,
            limit,
        }),
    }))
}

fn check_load_chart(run: &RunData, lang: Lang) -> Result<ChartSpec, ReportError> {
    let texts = lang.texts();
    let frame = &run.check_load;
    let groups = frame.replication_rows()?;
    let times = frame.texts("time_utc")?;
    let means = frame.numbers("mean_checks")?;
    let peaks = frame.numbers("peak_checks")?;
    let per_replication = |values: &[f64]| -> Vec<Vec<f64>> {
        groups.iter().map(|rows| rows.iter().map(|&row| values[row]).collect()).collect()
    };
    let mean = band_across(&per_replication(&means)).p50;
    let peak_series = per_replication(&peaks);
    let peak: Vec<f64> =
        (0..groups[0].len()).map(|i| peak_series.iter().map(|s| s[i]).fold(f64::NEG_INFINITY, f64::max)).collect();
    Ok(ChartSpec {
        stem: "check_load",
        title: format!("{} (UTC)", texts.chart_check_load),
        note: None,
        kind: ChartKind::Lines(LineChart {
            x_label: texts.axis_time.to_string(),
            y_label: texts.axis_checks_per_minute.to_string(),
            x_ticks: groups[0].iter().map(|&row| times[row].clone()).collect(),
            x_step: tick_step(groups[0].len(), MAX_LABELS, &[30, 60, 120]),
            bands: Vec::new(),
            lines: vec![
                LineSeries { label: texts.legend_peak_night.to_string(), color: 1, values: peak },
                LineSeries { label: texts.legend_mean_night.to_string(), color: 0, values: mean },
            ],
            limit: None,
        }),
    })
}

/// Lists the stop causes of the monthly table's `stopped_hours_<cause>` columns.
pub fn stop_causes(columns: &[String]) -> Vec<String> {
    let mut causes: Vec<String> = Vec::new();
    for name in columns {
        let Some(rest) = name.strip_prefix("stopped_hours_") else { continue };
        let cause = ["_p10", "_p50", "_p90"].iter().find_map(|suffix| rest.strip_suffix(suffix)).unwrap_or(rest);
        if !causes.iter().any(|c| c == cause) {
            causes.push(cause.to_string());
        }
    }
    causes
}

fn stopped_chart(run: &RunData, lang: Lang) -> Result<ChartSpec, ReportError> {
    let texts = lang.texts();
    let mut series = Vec::new();
    // A cause keeps its colour whether or not the others occur.
    for (color, cause) in stop_causes(&run.monthly.column_names()).into_iter().enumerate() {
        let values = run.monthly.banded(&format!("stopped_hours_{cause}"))?.p50;
        if values.iter().any(|&v| v > 0.0) {
            series.push((i18n::cause(&cause, lang), color, values));
        }
    }
    let spread = run.manifest.replications > 1;
    Ok(ChartSpec {
        stem: "stopped_hours",
        title: format!("{}{}", texts.chart_stopped, if spread { " (P50)" } else { "" }),
        note: None,
        kind: ChartKind::StackedBars(StackedBars {
            x_label: texts.axis_month.to_string(),
            y_label: texts.axis_hours_per_month.to_string(),
            x_step: tick_step(run.monthly.rows(), MAX_LABELS, &MONTH_STEPS),
            categories: month_ticks(&run.monthly, lang)?,
            series,
        }),
    })
}

/// Returns the outcome rows of the given categories with the P10, P50 and
/// P90 of a numeric column across replications, in table order.
pub fn outcome_rows(frame: &Frame, categories: &[&str], column: &str) -> Result<Vec<(String, String, (f64, f64, f64))>, ReportError> {
    let groups = frame.replication_rows()?;
    let category = frame.texts("category")?;
    let outcome = frame.texts("outcome")?;
    let values = frame.numbers(column)?;
    let mut rows = Vec::new();
    for (position, &row) in groups[0].iter().enumerate() {
        if !categories.contains(&category[row].as_str()) {
            continue;
        }
        let across: Vec<f64> = groups.iter().map(|rows| values[rows[position]]).collect();
        rows.push((category[row].clone(), outcome[row].clone(), bands_of(&across)));
    }
    Ok(rows)
}

fn outcomes_chart(run: &RunData, lang: Lang) -> Result<ChartSpec, ReportError> {
    let texts = lang.texts();
    let rows = outcome_rows(&run.outcomes, &["contracts", "rejected_orders"], "count")?;
    let spread = rows.iter().any(|(_, _, (low, _, high))| low != high);
    Ok(ChartSpec {
        stem: "outcomes",
        title: format!("{}{}", texts.chart_outcomes, if spread { " (P50)" } else { "" }),
        note: None,
        kind: ChartKind::HorizontalBars(HorizontalBars {
            x_label: texts.axis_count.to_string(),
            value_label: if spread { "P50".to_string() } else { texts.count.to_string() },
            labels: rows.iter().map(|(category, name, _)| i18n::outcome(category, name, lang)).collect(),
            values: rows.iter().map(|(_, _, (_, p50, _))| *p50).collect(),
            ranges: spread.then(|| (texts.legend_band.to_string(), rows.iter().map(|(_, _, (low, _, high))| (*low, *high)).collect())),
        }),
    })
}

fn alerts_chart(run: &RunData, lang: Lang) -> Result<ChartSpec, ReportError> {
    let texts = lang.texts();
    let frame = &run.daily;
    let groups = frame.replication_rows()?;
    let dates = frame.texts("date")?;
    let alerts = frame.numbers("alert_emails")?;
    let first_dates: Vec<String> = groups[0].iter().map(|&row| dates[row].clone()).collect();
    let size = days_per_point(first_dates.len());
    let series: Vec<Vec<f64>> = groups
        .iter()
        .map(|rows| group(&rows.iter().map(|&row| alerts[row]).collect::<Vec<_>>(), size, Grouping::Mean))
        .collect();
    let (bands, lines) = fan(band_across(&series), texts.alert_emails, lang);
    Ok(ChartSpec {
        stem: "alert_emails",
        title: format!("{}{}", texts.chart_alerts, grouping_suffix(size, Grouping::Mean, lang)),
        note: None,
        kind: ChartKind::Lines(LineChart {
            x_label: texts.axis_date.to_string(),
            y_label: texts.axis_emails_per_day.to_string(),
            x_step: date_step(first_dates.len().div_ceil(size), size),
            x_ticks: group_dates(&first_dates, size, &frame.file.display().to_string(), lang)?,
            bands,
            lines,
            limit: None,
        }),
    })
}

/// Prepares every chart of the report, in report order. The partner chart
/// is left out when the run folder has no partner_daily table.
pub fn build(run: &RunData, lang: Lang) -> Result<Vec<ChartSpec>, ReportError> {
    let mut charts = vec![monthly_fan(run, "reloaded_isc", "reloaded_isc", lang)?, monthly_fan(run, "invoices", "invoices", lang)?];
    if let Some(chart) = partner_chart(run, lang)? {
        charts.push(chart);
    }
    charts.push(check_load_chart(run, lang)?);
    charts.push(stopped_chart(run, lang)?);
    charts.push(outcomes_chart(run, lang)?);
    charts.push(alerts_chart(run, lang)?);
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_series_are_grouped_beyond_200_days() {
        assert_eq!(days_per_point(1), 1);
        assert_eq!(days_per_point(200), 1);
        assert_eq!(days_per_point(201), 7);
        assert_eq!(days_per_point(1096), 7);
        assert_eq!(days_per_point(1400), 7);
        assert_eq!(days_per_point(1401), 14);
        assert_eq!(days_per_point(3653), 21);
        assert!(3653usize.div_ceil(days_per_point(3653)) <= DAILY_POINTS_MAX + 1);
    }

    #[test]
    fn grouping_keeps_peaks_and_means() {
        let values = [1.0, 5.0, 2.0, 0.0, 3.0, 3.0, 3.0, 9.0];
        assert_eq!(group(&values, 7, Grouping::Max), vec![5.0, 9.0]);
        assert_eq!(group(&values, 7, Grouping::Mean), vec![17.0 / 7.0, 9.0]);
        assert_eq!(group(&values, 1, Grouping::Max), values.to_vec());
        assert_eq!(group(&[], 7, Grouping::Mean), Vec::<f64>::new());
    }

    #[test]
    fn bands_across_replications() {
        let banded = band_across(&[vec![1.0, 10.0], vec![3.0, 10.0], vec![2.0, 10.0]]);
        assert_eq!(banded.p50, vec![2.0, 10.0]);
        assert!((banded.p10[0] - 1.2).abs() < 1e-12);
        assert!((banded.p90[0] - 2.8).abs() < 1e-12);
        assert!(banded.has_spread());
        assert!(!band_across(&[vec![4.0, 5.0]]).has_spread());
    }

    #[test]
    fn fan_is_a_single_line_without_spread() {
        let single = Banded { p10: vec![1.0, 2.0], p50: vec![1.0, 2.0], p90: vec![1.0, 2.0] };
        let (bands, lines) = fan(single, "invoices", Lang::En);
        assert!(bands.is_empty());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].label, "invoices");
        let spread = Banded { p10: vec![1.0, 2.0], p50: vec![1.5, 2.0], p90: vec![2.0, 2.5] };
        let (bands, lines) = fan(spread, "invoices", Lang::De);
        assert_eq!(bands[0].label, "P10 bis P90");
        assert_eq!(bands[0].lower, vec![1.0, 2.0]);
        assert_eq!(lines[0].values, vec![1.5, 2.0]);
    }

    #[test]
    fn causes_from_column_names() {
        let columns: Vec<String> = ["month", "stopped_domain_hours", "stopped_hours_no_contract_p10", "stopped_hours_no_contract_p50", "stopped_hours_no_contract_p90", "stopped_hours_offline_nights"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(stop_causes(&columns), vec!["no_contract", "offline_nights"]);
    }

    #[test]
    fn tick_steps() {
        assert_eq!(tick_step(36, 9, &MONTH_STEPS), 6);
        assert_eq!(tick_step(12, 9, &MONTH_STEPS), 2);
        assert_eq!(tick_step(3, 9, &MONTH_STEPS), 1);
        assert_eq!(tick_step(420, 9, &[30, 60, 120]), 60);
        assert_eq!(date_step(157, 7), 26);
        assert_eq!(date_step(31, 1), 7);
        assert_eq!(tick_step(10_000, 9, &MONTH_STEPS), 1112);
    }

    #[test]
    fn grouping_suffixes() {
        assert_eq!(grouping_suffix(1, Grouping::Max, Lang::En), "");
        assert_eq!(grouping_suffix(7, Grouping::Max, Lang::En), " (busiest day of each week)");
        assert_eq!(grouping_suffix(14, Grouping::Mean, Lang::De), " (Mittel je 2 Wochen)");
    }
}
