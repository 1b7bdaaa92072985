//! Parameters for a synthetic domain population, estimated from the real
//! public data in `data/` (see `data/README.md` and `docs/calibration.md`).
//!
//! The data come from other industries (a telecom operator's customers, UK
//! firms' headcounts, US industry employment), so every figure here is a
//! proxy for innovaphone's customers, not a measurement of them.
//!
//! Every reader checks each cell it uses. A malformed row, an invalid value or
//! a repeated key is an error that names the file, the 1-based line (the
//! header is line 1), the column and the value. No cell is read as zero. All
//! sums run in a fixed order, so the figures are the same on every run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// An error that stops an estimate. Every variant names the file, and those
/// about one row name its line too.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error("{file}: cannot read the file: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:1: missing column '{column}'")]
    MissingColumn { file: String, column: &'static str },
    #[error("{file}:{line}: unreadable row: {reason}")]
    Row { file: String, line: u64, reason: String },
    #[error("{file}:{line}: {column} is '{value}'; expected {expected}")]
    Value { file: String, line: u64, column: &'static str, value: String, expected: String },
    #[error("{file}:{line}: {key} appears a second time; first on line {first_line}")]
    Duplicate { file: String, line: u64, key: String, first_line: u64 },
    #[error("{file}: series '{series}' is not in the file")]
    UnknownSeries { file: String, series: String },
    #[error("{file}: no estimate possible: {reason}")]
    NoData { file: String, reason: String },
}

type Result<T> = std::result::Result<T, CalibrationError>;

// ---------------------------------------------------------------------------
// Telecom customers: Auto-iSC adoption, reload-interval mix, rental ends and
// the age of rentals at the start of a simulation.
// ---------------------------------------------------------------------------

/// A contract term of the telecom data, the proxy for a reload interval
/// (month-to-month for short intervals, one and two years for long ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContractTerm {
    MonthToMonth,
    OneYear,
    TwoYear,
}

impl ContractTerm {
    /// All terms, in the order of [`TelcoEstimates::terms`].
    pub const ALL: [ContractTerm; 3] = [ContractTerm::MonthToMonth, ContractTerm::OneYear, ContractTerm::TwoYear];

    /// Returns the spelling in the `contract` column.
    pub fn label(self) -> &'static str {
        match self {
            ContractTerm::MonthToMonth => "Month-to-month",
            ContractTerm::OneYear => "One year",
            ContractTerm::TwoYear => "Two year",
        }
    }

    fn parse(text: &str) -> Option<ContractTerm> {
        ContractTerm::ALL.into_iter().find(|term| term.label() == text)
    }

    /// Returns the position in [`ContractTerm::ALL`], which lists the
    /// variants in declaration order.
    fn index(self) -> usize {
        self as usize
    }
}

/// The payment methods of the `payment_method` column that charge the
/// customer without an action of theirs.
pub const AUTOMATIC_PAYMENT_METHODS: [&str; 2] = ["Bank transfer (automatic)", "Credit card (automatic)"];

/// The payment methods that need an action of the customer.
pub const MANUAL_PAYMENT_METHODS: [&str; 2] = ["Electronic check", "Mailed check"];

/// The figures of one contract term.
#[derive(Clone, Debug, PartialEq)]
pub struct TermEstimate {
    pub term: ContractTerm,
    pub customers: u64,
    /// This term's customers ÷ all customers.
    pub share: f64,
    pub churned: u64,
    /// Customer-months of tenure, the exposure for the hazard.
    pub exposure_months: u64,
    /// Churned ÷ exposure; `None` without exposure.
    pub monthly_churn_hazard: Option<f64>,
    /// Customers of this term paying automatically ÷ this term's customers;
    /// `None` for a term without customers.
    pub automatic_payment_share: Option<f64>,
}

/// Empirical quantiles and mean of a sample, in its own unit.
#[derive(Clone, Debug, PartialEq)]
pub struct TenureDistribution {
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub max: f64,
    pub mean: f64,
}

/// Estimates from [`telco_estimates`].
#[derive(Clone, Debug, PartialEq)]
pub struct TelcoEstimates {
    pub customers: u64,
    /// Customers with a tenure of 0 months, less than a full month.
    pub new_customers: u64,
    pub churned: u64,
    /// Customer-months of tenure over all customers.
    pub exposure_months: u64,
    /// Customers paying automatically ÷ all customers: the proxy for the
    /// share of domains with an Auto-iSC contract.
    pub automatic_payment_share: f64,
    /// Churned ÷ exposure, over all customers; `None` without exposure.
    pub monthly_churn_hazard: Option<f64>,
    /// One entry per term, in the order of [`ContractTerm::ALL`].
    pub terms: [TermEstimate; 3],
    /// Tenure in months.
    pub tenure: TenureDistribution,
}

impl TelcoEstimates {
    /// Returns the figures of one term.
    pub fn term(&self, term: ContractTerm) -> &TermEstimate {
        &self.terms[term.index()]
    }
}

/// Estimates adoption, term mix, churn and tenure from a telecom customer
/// table with one row per customer and the columns `tenure` (whole months),
/// `contract` (`Month-to-month`, `One year`, `Two year`), `payment_method`
/// (one of [`AUTOMATIC_PAYMENT_METHODS`] or [`MANUAL_PAYMENT_METHODS`]) and
/// `churn` (`Yes` or `No`). Other columns are not read, so the blank
/// `total_charges` of new customers does not matter.
///
/// Method:
/// - shares are counts of customers divided by the number of customers, over
///   all customers and per contract term;
/// - the monthly churn hazard is the number of churned customers divided by
///   the customer-months of tenure (the exposure, churned customers included
///   up to their churn). This is the maximum-likelihood estimate of a
///   constant (exponential) hazard under right censoring, and under that
///   model 1 ÷ hazard is the mean lifetime in months;
/// - tenure quantiles are empirical, interpolated linearly between order
///   statistics (R's type 7, as in [`quantile`]); the mean is arithmetic.
pub fn telco_estimates(path: impl AsRef<Path>) -> Result<TelcoEstimates> {
    const COLUMNS: [&str; 4] = ["tenure", "contract", "payment_method", "churn"];
    #[derive(Default)]
    struct Tally {
        customers: u64,
        churned: u64,
        exposure_months: u64,
        automatic: u64,
    }
    let mut tallies: [Tally; 3] = Default::default();
    let mut tenures = Vec::new();

    let file = read_rows(path.as_ref(), &COLUMNS, |row| {
        let tenure = row.parse_with(0, "a whole number of months, 0 or more", |text| text.parse::<u32>().ok())?;
        let term = row.parse_with(1, "Month-to-month, One year or Two year", ContractTerm::parse)?;
        let methods = "Bank transfer (automatic), Credit card (automatic), Electronic check or Mailed check";
        let automatic = row.parse_with(2, methods, |text| {
            if AUTOMATIC_PAYMENT_METHODS.contains(&text) {
                Some(true)
            } else if MANUAL_PAYMENT_METHODS.contains(&text) {
                Some(false)
            } else {
                None
            }
        })?;
        let churned = row.parse_with(3, "Yes or No", |text| match text {
            "Yes" => Some(true),
            "No" => Some(false),
            _ => None,
        })?;
        let tally = &mut tallies[term.index()];
        tally.customers += 1;
        tally.churned += u64::from(churned);
        tally.exposure_months += u64::from(tenure);
        tally.automatic += u64::from(automatic);
        tenures.push(f64::from(tenure));
        Ok(())
    })?;

    let customers: u64 = tallies.iter().map(|tally| tally.customers).sum();
    if customers == 0 {
        return Err(CalibrationError::NoData { file, reason: "no customer rows".to_string() });
    }
    let churned: u64 = tallies.iter().map(|tally| tally.churned).sum();
    let exposure_months: u64 = tallies.iter().map(|tally| tally.exposure_months).sum();
    let automatic: u64 = tallies.iter().map(|tally| tally.automatic).sum();

    let ratio = |numerator: u64, denominator: u64| (denominator > 0).then(|| numerator as f64 / denominator as f64);
    let terms = ContractTerm::ALL.map(|term| {
        let tally = &tallies[term.index()];
        TermEstimate {
            term,
            customers: tally.customers,
            share: tally.customers as f64 / customers as f64,
            churned: tally.churned,
            exposure_months: tally.exposure_months,
            monthly_churn_hazard: ratio(tally.churned, tally.exposure_months),
            automatic_payment_share: ratio(tally.automatic, tally.customers),
        }
    });

    let new_customers = tenures.iter().filter(|&&tenure| tenure == 0.0).count() as u64;
    let mean = exposure_months as f64 / customers as f64;
    tenures.sort_by(f64::total_cmp);
    let tenure = TenureDistribution {
        p10: quantile(&tenures, 0.10),
        p25: quantile(&tenures, 0.25),
        p50: quantile(&tenures, 0.50),
        p75: quantile(&tenures, 0.75),
        p90: quantile(&tenures, 0.90),
        max: tenures[tenures.len() - 1],
        mean,
    };
    Ok(TelcoEstimates {
        customers,
        new_customers,
        churned,
        exposure_months,
        automatic_payment_share: automatic as f64 / customers as f64,
        monthly_churn_hazard: ratio(churned, exposure_months),
        terms,
        tenure,
    })
}

// ---------------------------------------------------------------------------
// Firm headcounts: yearly license growth, shrinkage and jumps.
// ---------------------------------------------------------------------------

/// Estimates from [`firm_headcount_changes`]. A change is the natural
/// logarithm of this year's employment ÷ last year's.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadcountChanges {
    pub firms: u64,
    /// Firm-years read.
    pub observations: u64,
    /// Year-on-year changes: pairs of consecutive years of one firm.
    pub count: u64,
    pub mean: f64,
    /// Sample standard deviation (divisor count − 1).
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// ln(1.2): a change whose absolute value exceeds it is a jump, that is
    /// a rise of over 20 % or a fall below 1 ÷ 1.2 (a fall of over 16.7 %).
    pub jump_threshold: f64,
    pub jumps_up: u64,
    pub jumps_down: u64,
    /// (jumps up + jumps down) ÷ count.
    pub jump_share: f64,
    /// Mean of the changes that are not jumps; `None` if all are jumps.
    pub non_jump_mean: Option<f64>,
    /// Sample standard deviation of the changes that are not jumps; `None`
    /// with fewer than two of them.
    pub non_jump_sd: Option<f64>,
    /// Mean and sample standard deviation of |change| over the jumps; `None`
    /// with fewer than two jumps.
    pub jump_size_mean: Option<f64>,
    pub jump_size_sd: Option<f64>,
}

/// Estimates the distribution of yearly headcount changes from a firm panel
/// with the columns `firm` (an id), `year` and `emp` (employment, positive;
/// the unit does not matter as only ratios are used). The panel may be
/// unbalanced and in any row order; a firm-year given twice is an error.
///
/// Method: for every firm and year whose previous year is also present, the
/// change is ln(emp this year ÷ emp previous year). A gap in a firm's years
/// breaks the chain, so no change spans more than one year. Over all changes
/// the mean, the sample standard deviation and the quantiles (R's type 7, as
/// in [`quantile`]) are computed. A change with |change| > ln(1.2) is a jump,
/// and the other changes give the mean and standard deviation of ordinary
/// drift.
pub fn firm_headcount_changes(path: impl AsRef<Path>) -> Result<HeadcountChanges> {
    const COLUMNS: [&str; 3] = ["firm", "year", "emp"];
    // Firm id, then year: the map's order makes the changes' order, and so
    // the sums, independent of the file's row order.
    let mut panel: BTreeMap<(u64, i32), (f64, u64)> = BTreeMap::new();
    let mut duplicate = None;

    let file = read_rows(path.as_ref(), &COLUMNS, |row| {
        let firm = row.parse_with(0, "a whole-number firm id", |text| text.parse::<u64>().ok())?;
        let year = row.parse_with(1, "a year like 1980", |text| text.parse::<i32>().ok())?;
        let emp = row.parse_with(2, "a positive number", parse_positive)?;
        if let Some(&(_, first_line)) = panel.get(&(firm, year)) {
            duplicate.get_or_insert((format!("firm {firm} in {year}"), row.line, first_line));
        } else {
            panel.insert((firm, year), (emp, row.line));
        }
        Ok(())
    })?;
    if let Some((key, line, first_line)) = duplicate {
        return Err(CalibrationError::Duplicate { file, line, key, first_line });
    }

    let firms = panel.keys().map(|&(firm, _)| firm).collect::<BTreeSet<_>>().len() as u64;
    let changes: Vec<f64> = panel
        .iter()
        .filter_map(|(&(firm, year), &(emp, _))| {
            let &(previous, _) = panel.get(&(firm, year - 1))?;
            Some((emp / previous).ln())
        })
        .collect();
    if changes.len() < 2 {
        let reason = format!("{} year-on-year changes; at least 2 are needed", changes.len());
        return Err(CalibrationError::NoData { file, reason });
    }

    let jump_threshold = 1.2_f64.ln();
    let jumps_up = changes.iter().filter(|&&change| change > jump_threshold).count() as u64;
    let jumps_down = changes.iter().filter(|&&change| change < -jump_threshold).count() as u64;
    let ordinary: Vec<f64> = changes.iter().copied().filter(|change| change.abs() <= jump_threshold).collect();
    let (mean, sd) = mean_and_sd(&changes);
    let (non_jump_mean, non_jump_sd) = match ordinary.len() {
        0 => (None, None),
        1 => (Some(ordinary[0]), None),
        _ => {
            let (mean, sd) = mean_and_sd(&ordinary);
            (Some(mean), Some(sd))
        }
    };

    let jump_sizes: Vec<f64> =
        changes.iter().map(|change| change.abs()).filter(|size| *size > jump_threshold).collect();
    let (jump_size_mean, jump_size_sd) = if jump_sizes.len() >= 2 {
        let (mean, sd) = mean_and_sd(&jump_sizes);
        (Some(mean), Some(sd))
    } else {
        (None, None)
    };

    let mut sorted = changes.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(HeadcountChanges {
        firms,
        observations: panel.len() as u64,
        count: changes.len() as u64,
        mean,
        sd,
        p5: quantile(&sorted, 0.05),
        p25: quantile(&sorted, 0.25),
        p50: quantile(&sorted, 0.50),
        p75: quantile(&sorted, 0.75),
        p95: quantile(&sorted, 0.95),
        jump_threshold,
        jumps_up,
        jumps_down,
        jump_share: (jumps_up + jumps_down) as f64 / changes.len() as f64,
        non_jump_mean,
        non_jump_sd,
        jump_size_mean,
        jump_size_sd,
    })
}

// ---------------------------------------------------------------------------
// Monthly employment: the seasonal swing of license counts.
// ---------------------------------------------------------------------------

/// Estimates from [`seasonal_amplitude`].
#[derive(Clone, Debug, PartialEq)]
pub struct Seasonality {
    /// Series with at least one complete year.
    pub series: u64,
    /// Complete years (all 12 months published), summed over the series.
    pub series_years: u64,
    /// Average seasonal factor of January to December; they average 1.
    pub factors: [f64; 12],
    /// Largest factor − smallest factor.
    pub amplitude: f64,
    /// The calendar month (1 to 12) with the largest factor.
    pub peak_month: u32,
    /// The calendar month (1 to 12) with the smallest factor.
    pub trough_month: u32,
}

const MONTH_NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Estimates the average seasonal pattern of monthly series in a long table
/// with the columns `Month` (like `1939 Jan`), `Series_ID` and `Employed`.
/// `Employed` is positive, or blank where nothing was published. A blank is
/// skipped, never read as zero. `series_ids` selects the series, and an empty
/// slice selects every series in the file. A series that is named but not in
/// the file is an error, and so is a month given twice for one series.
///
/// Method: for each selected series and calendar year with all 12 months
/// present, each month's value is divided by that year's mean of the 12
/// values; years with any month missing are left out. The factor of a
/// calendar month is the plain mean of these ratios over all complete
/// series-years, so each complete year of each series weighs the same. The
/// amplitude is the largest factor minus the smallest.
pub fn seasonal_amplitude(path: impl AsRef<Path>, series_ids: &[&str]) -> Result<Seasonality> {
    const COLUMNS: [&str; 3] = ["Month", "Series_ID", "Employed"];
    type Year = [Option<f64>; 12];
    // Published values by series and year, in a map so that the sums run in
    // a fixed order. `seen` keeps the line of every series-month, blanks
    // included, so that a repeated month can name both lines.
    let mut table: BTreeMap<String, BTreeMap<i32, Year>> = BTreeMap::new();
    let mut seen: BTreeMap<(String, i32, usize), u64> = BTreeMap::new();
    let mut duplicate = None;

    let file = read_rows(path.as_ref(), &COLUMNS, |row| {
        let (year, month) = row.parse_with(0, "a month like 1939 Jan", parse_month)?;
        let series = row.text(1);
        if series.is_empty() {
            return Err(row.invalid(1, "a series id"));
        }
        let value = match row.text(2) {
            "" => None,
            _ => Some(row.parse_with(2, "a positive number or a blank", parse_positive)?),
        };

        let key = (series.to_string(), year, month);
        if let Some(&first_line) = seen.get(&key) {
            let name = format!("series {series} in {} {year}", MONTH_NAMES[month]);
            duplicate.get_or_insert((name, row.line, first_line));
            return Ok(());
        }
        seen.insert(key, row.line);
        if let Some(value) = value {
            let years = table.entry(series.to_string()).or_default();
            years.entry(year).or_insert([None; 12])[month] = Some(value);
        }
        Ok(())
    })?;
    if let Some((key, line, first_line)) = duplicate {
        return Err(CalibrationError::Duplicate { file, line, key, first_line });
    }
    let all_series: BTreeSet<&str> = seen.keys().map(|(series, _, _)| series.as_str()).collect();
    let selected: BTreeSet<&str> = match series_ids {
        [] => all_series.clone(),
        ids => ids.iter().copied().collect(),
    };
    if let Some(missing) = selected.iter().find(|series| !all_series.contains(*series)) {
        return Err(CalibrationError::UnknownSeries { file, series: missing.to_string() });
    }

    let mut sums = [0.0_f64; 12];
    let mut series_years = 0_u64;
    let mut series_count = 0_u64;
    for series in &selected {
        let Some(years) = table.get(*series) else { continue };
        let mut complete_here = 0;
        for months in years.values() {
            if months.iter().any(Option::is_none) {
                continue;
            }
            let values = months.map(|value| value.unwrap_or_default());
            let year_mean = values.iter().sum::<f64>() / 12.0;
            for (sum, value) in sums.iter_mut().zip(values) {
                *sum += value / year_mean;
            }
            complete_here += 1;
        }
        series_years += complete_here;
        series_count += u64::from(complete_here > 0);
    }
    if series_years == 0 {
        let reason = "no selected series has a year with all 12 months".to_string();
        return Err(CalibrationError::NoData { file, reason });
    }

    let factors = sums.map(|sum| sum / series_years as f64);
    let (mut peak, mut trough) = (0, 0);
    for (month, factor) in factors.iter().enumerate() {
        if *factor > factors[peak] {
            peak = month;
        }
        if *factor < factors[trough] {
            trough = month;
        }
    }
    Ok(Seasonality {
        series: series_count,
        series_years,
        factors,
        amplitude: factors[peak] - factors[trough],
        peak_month: peak as u32 + 1,
        trough_month: trough as u32 + 1,
    })
}

// ---------------------------------------------------------------------------
// Statistics.
// ---------------------------------------------------------------------------

/// Returns the p-quantile (0 ≤ p ≤ 1) of an ascending, non-empty sample, by linear
/// interpolation between order statistics: with h = (n − 1)·p, the value is
/// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]). This is R's default (type 7) and
/// numpy's `linear`, so the figures can be checked with either.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "a quantile needs at least one value");
    assert!((0.0..=1.0).contains(&p), "a quantile's p lies in [0, 1]");
    let h = (sorted.len() - 1) as f64 * p;
    let lower = h.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    sorted[lower] + (h - lower as f64) * (sorted[upper] - sorted[lower])
}

/// Mean and sample standard deviation (divisor n − 1) of at least two values,
/// by two passes, which avoids the cancellation of the sum-of-squares form.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|value| (value - mean).powi(2)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

// ---------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------

/// One data row, with what an error about it needs.
struct Row<'a> {
    file: &'a str,
    line: u64,
    columns: &'a [&'static str],
    positions: &'a [usize],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// Returns the cell of the `index`-th requested column.
    fn text(&self, index: usize) -> &str {
        &self.record[self.positions[index]]
    }

    fn invalid(&self, index: usize, expected: &str) -> CalibrationError {
        CalibrationError::Value {
            file: self.file.to_string(),
            line: self.line,
            column: self.columns[index],
            value: self.text(index).to_string(),
            expected: expected.to_string(),
        }
    }

    /// Parses the `index`-th requested column, or fails naming the cell and
    /// `expected`.
    fn parse_with<T>(&self, index: usize, expected: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        parse(self.text(index)).ok_or_else(|| self.invalid(index, expected))
    }
}

/// Reads the CSV file at `path` (header row first), checks that it has every
/// one of `columns`, and calls `visit` for each data row, in file order,
/// until it fails. Returns the file name used in errors.
fn read_rows(
    path: &Path,
    columns: &[&'static str],
    mut visit: impl FnMut(&Row<'_>) -> Result<()>,
) -> Result<String> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CalibrationError::Read { file: file.clone(), source })?;
    // The csv crate places a record's position before the blank lines that
    // precede it, so its line number can be too small. The line is counted
    // here from the record's first byte after those line ends instead.
    let newlines: Vec<usize> = bytes.iter().enumerate().filter(|(_, byte)| **byte == b'\n').map(|(i, _)| i).collect();
    let line_at = |offset: u64| {
        let mut start = offset as usize;
        while start < bytes.len() && (bytes[start] == b'\r' || bytes[start] == b'\n') {
            start += 1;
        }
        newlines.partition_point(|&newline| newline < start) as u64 + 1
    };

    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes.as_slice());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            let reason = format!("unreadable header: {error}");
            return Err(CalibrationError::Row { file, line: 1, reason });
        }
    };
    let mut positions = Vec::with_capacity(columns.len());
    for &column in columns {
        match headers.iter().position(|header| header == column) {
            Some(position) => positions.push(position),
            None => return Err(CalibrationError::MissingColumn { file, column }),
        }
    }

    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                last_line = record.position().map_or(last_line + 1, |position| line_at(position.byte()));
                let row = Row { file: &file, line: last_line, columns, positions: &positions, record: &record };
                visit(&row)?;
            }
            Err(error) => {
                // Only I/O errors lack a position, and a byte slice raises none.
                // Should one arise, the line after the last record is reported.
                let line = error.position().map_or(last_line + 1, |position| line_at(position.byte()));
                return Err(CalibrationError::Row { file, line, reason: error.to_string() });
            }
        }
    }
    Ok(file)
}

/// A finite, strictly positive number: employment must be, since the
/// estimates take its logarithm or divide by a year's mean.
fn parse_positive(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite() && *value > 0.0)
}

/// `1939 Jan` → (1939, 0), the month counted from 0.
fn parse_month(text: &str) -> Option<(i32, usize)> {
    let (year, month) = text.split_once(' ')?;
    if year.len() != 4 || !year.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let month = MONTH_NAMES.iter().position(|name| *name == month)?;
    Some((year.parse().ok()?, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TELCO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/telco_customer_churn.csv");
    const UK_FIRMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/uk_firm_employment_1976_1984.csv");
    const US_EMPLOYMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/us_employment_by_industry_monthly.csv");

    /// Asserts that `expected`, written to 4 significant digits, is
    /// `actual` rounded to them: within half a unit of the 4th digit.
    #[track_caller]
    fn close(actual: f64, expected: f64) {
        let unit = 10_f64.powf(expected.abs().log10().floor() - 3.0);
        assert!((actual - expected).abs() <= 0.5 * unit * (1.0 + 1e-9), "got {actual}, expected {expected}");
    }

    /// Asserts that seasonal factors, written to 4 decimals, are `actual`
    /// rounded to them. Factors lie near 1, where 4 significant digits would
    /// keep only 3 decimals of the swing.
    #[track_caller]
    fn factors_close(actual: &[f64; 12], expected: [f64; 12]) {
        for (month, (actual, expected)) in actual.iter().zip(expected).enumerate() {
            let month = month + 1;
            let within = (actual - expected).abs() <= 0.5e-4 * (1.0 + 1e-9);
            assert!(within, "month {month}: got {actual}, expected {expected}");
        }
    }

    /// A file in the temporary folder, removed when dropped, named after the
    /// test so that tests running in parallel never share one.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, text: &str) -> TempFile {
            let path = std::env::temp_dir().join(format!("isc-sim-calibration-{}-{name}.csv", std::process::id()));
            std::fs::write(&path, text).expect("temporary folder is writable");
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn telco_figures() {
        let estimates = telco_estimates(TELCO).unwrap();
        assert_eq!(estimates.customers, 7043);
        assert_eq!(estimates.new_customers, 11);
        assert_eq!(estimates.churned, 1869);
        assert_eq!(estimates.exposure_months, 227_990);
        close(estimates.automatic_payment_share, 0.4353);
        close(estimates.monthly_churn_hazard.unwrap(), 0.008198);

        let shares: f64 = estimates.terms.iter().map(|term| term.share).sum();
        assert!((shares - 1.0).abs() < 1e-12);
        let customers: u64 = estimates.terms.iter().map(|term| term.customers).sum();
        assert_eq!(customers, estimates.customers);

        let month = estimates.term(ContractTerm::MonthToMonth);
        assert_eq!((month.customers, month.churned, month.exposure_months), (3875, 1655, 69_892));
        close(month.share, 0.5502);
        close(month.monthly_churn_hazard.unwrap(), 0.02368);
        close(month.automatic_payment_share.unwrap(), 0.2921);
        let one = estimates.term(ContractTerm::OneYear);
        assert_eq!((one.customers, one.churned, one.exposure_months), (1473, 166, 61_932));
        close(one.share, 0.2091);
        close(one.monthly_churn_hazard.unwrap(), 0.002680);
        close(one.automatic_payment_share.unwrap(), 0.5356);
        let two = estimates.term(ContractTerm::TwoYear);
        assert_eq!((two.customers, two.churned, two.exposure_months), (1695, 48, 96_166));
        close(two.share, 0.2407);
        close(two.monthly_churn_hazard.unwrap(), 0.0004991);
        close(two.automatic_payment_share.unwrap(), 0.6755);

        let tenure = &estimates.tenure;
        assert_eq!((tenure.p10, tenure.p25, tenure.p50, tenure.p75, tenure.p90), (2.0, 9.0, 29.0, 55.0, 69.0));
        assert_eq!(tenure.max, 72.0);
        close(tenure.mean, 32.37);
    }

    #[test]
    fn firm_figures() {
        let changes = firm_headcount_changes(UK_FIRMS).unwrap();
        assert_eq!((changes.firms, changes.observations), (140, 1031));
        // Every firm's years are consecutive, so each firm gives years − 1.
        assert_eq!(changes.count, 1031 - 140);
        close(changes.mean, -0.04379);
        close(changes.sd, 0.1377);
        close(changes.p5, -0.2403);
        close(changes.p25, -0.09842);
        close(changes.p50, -0.02514);
        close(changes.p75, 0.01488);
        close(changes.p95, 0.1183);
        close(changes.jump_threshold, 0.1823);
        assert_eq!((changes.jumps_up, changes.jumps_down), (23, 83));
        close(changes.jump_share, 0.1190);
        close(changes.non_jump_mean.unwrap(), -0.02678);
        close(changes.non_jump_sd.unwrap(), 0.07099);
    }

    #[test]
    fn seasonality_of_all_series() {
        let seasonality = seasonal_amplitude(US_EMPLOYMENT, &[]).unwrap();
        assert_eq!((seasonality.series, seasonality.series_years), (148, 5918));
        let expected = [0.9780, 0.9800, 0.9851, 0.9922, 1.0002, 1.0093, 1.0058, 1.0076, 1.0083, 1.0102, 1.0104, 1.0129];
        factors_close(&seasonality.factors, expected);
        let mean: f64 = seasonality.factors.iter().sum::<f64>() / 12.0;
        assert!((mean - 1.0).abs() < 1e-12);
        close(seasonality.amplitude, 0.03483);
        assert_eq!((seasonality.peak_month, seasonality.trough_month), (12, 1));
    }

    #[test]
    fn seasonality_of_retail_trade() {
        let seasonality = seasonal_amplitude(US_EMPLOYMENT, &["CEU4200000001"]).unwrap();
        assert_eq!((seasonality.series, seasonality.series_years), (1, 80));
        let expected = [0.9791, 0.9685, 0.9746, 0.9853, 0.9913, 0.9982, 0.9951, 0.9959, 1.0016, 1.0105, 1.0316, 1.0683];
        factors_close(&seasonality.factors, expected);
        close(seasonality.amplitude, 0.09978);
        assert_eq!((seasonality.peak_month, seasonality.trough_month), (12, 2));
    }

    #[test]
    fn quantile_matches_r_type_7() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&values, 0.25), 3.25);
        assert_eq!(quantile(&values, 0.5), 5.5);
        assert_eq!(quantile(&values, 1.0), 10.0);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
    }

    #[test]
    fn telco_small_table() {
        let text = "churn,tenure,contract,payment_method,total_charges\n\
                    Yes,2,Month-to-month,Electronic check,10\n\
                    No,0,Month-to-month,Credit card (automatic),\n\
                    No,10,Two year,Bank transfer (automatic),100\n\
                    Yes,8,Two year,Mailed check,80\n";
        let file = TempFile::new("telco-small", text);
        let estimates = telco_estimates(&file.0).unwrap();
        assert_eq!((estimates.customers, estimates.new_customers, estimates.exposure_months), (4, 1, 20));
        assert_eq!(estimates.automatic_payment_share, 0.5);
        assert_eq!(estimates.monthly_churn_hazard, Some(0.1));
        let month = estimates.term(ContractTerm::MonthToMonth);
        assert_eq!((month.share, month.monthly_churn_hazard), (0.5, Some(0.5)));
        let one = estimates.term(ContractTerm::OneYear);
        assert_eq!((one.customers, one.monthly_churn_hazard, one.automatic_payment_share), (0, None, None));
        assert_eq!(estimates.term(ContractTerm::TwoYear).monthly_churn_hazard, Some(1.0 / 18.0));
        assert_eq!((estimates.tenure.p50, estimates.tenure.max, estimates.tenure.mean), (5.0, 10.0, 5.0));
    }

    #[test]
    fn firm_gaps_and_row_order() {
        // Firm 1 misses 1979, so 1978 → 1980 is no change; firm 2 is unsorted.
        let text = "firm,year,emp\n1,1977,1.0\n1,1978,2.0\n1,1980,2.0\n1,1981,2.1\n2,1981,1.5\n2,1980,1.0\n";
        let file = TempFile::new("firm-gaps", text);
        let changes = firm_headcount_changes(&file.0).unwrap();
        assert_eq!((changes.firms, changes.observations, changes.count), (2, 6, 3));
        assert_eq!((changes.jumps_up, changes.jumps_down), (2, 0));
        close(changes.non_jump_mean.unwrap(), 1.05_f64.ln());
        assert_eq!(changes.non_jump_sd, None);
    }

    #[test]
    fn seasonality_skips_incomplete_years() {
        // Year 2000 has a blank March, so only 2001 counts. Reading the blank
        // as zero would add a year with a March factor of 0.
        let mut text = String::from("Month,Series_ID,Title,Employed\n");
        for (year, march) in [(2000, ""), (2001, "300")] {
            for (month, name) in MONTH_NAMES.iter().enumerate() {
                let value = if month == 2 { march.to_string() } else { "100".to_string() };
                text.push_str(&format!("{year} {name},S1,\"Trade, Retail\",{value}\n"));
            }
        }
        let file = TempFile::new("season-blanks", &text);
        let seasonality = seasonal_amplitude(&file.0, &["S1"]).unwrap();
        assert_eq!((seasonality.series, seasonality.series_years), (1, 1));
        close(seasonality.factors[2], 300.0 / (1400.0 / 12.0));
        close(seasonality.factors[0], 100.0 / (1400.0 / 12.0));
        assert_eq!((seasonality.peak_month, seasonality.trough_month), (3, 1));
    }

    #[test]
    fn missing_file_names_the_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/no_such_file.csv");
        for error in [
            telco_estimates(path).unwrap_err(),
            firm_headcount_changes(path).unwrap_err(),
            seasonal_amplitude(path, &[]).unwrap_err(),
        ] {
            assert!(matches!(error, CalibrationError::Read { .. }), "{error:?}");
            assert!(error.to_string().starts_with(&format!("{path}: cannot read the file")), "{error}");
        }
    }

    #[test]
    fn short_row_names_line() {
        let file = TempFile::new("short-row", "firm,year,emp\n1,1977,1.0\n\n1,1978\n");
        let error = firm_headcount_changes(&file.0).unwrap_err();
        let path = file.0.display().to_string();
        assert!(matches!(error, CalibrationError::Row { line: 4, .. }), "{error:?}");
        assert!(error.to_string().starts_with(&format!("{path}:4: unreadable row")), "{error}");
    }

    #[test]
    fn bad_values_name_cell() {
        let header = "tenure,contract,payment_method,churn\n";
        let rows = "3,One year,Mailed check,No\nx,One year,Mailed check,No\n";
        let telco = TempFile::new("bad-tenure", &format!("{header}{rows}"));
        let error = telco_estimates(&telco.0).unwrap_err();
        let expected = format!("{}:3: tenure is 'x'; expected a whole number of months, 0 or more", telco.0.display());
        assert_eq!(error.to_string(), expected);

        let telco = TempFile::new("bad-contract", &format!("{header}3,Three year,Mailed check,No\n"));
        let error = telco_estimates(&telco.0).unwrap_err();
        assert!(matches!(error, CalibrationError::Value { line: 2, column: "contract", .. }), "{error:?}");

        let firms = TempFile::new("zero-emp", "firm,year,emp\n1,1977,1.0\n1,1978,0\n");
        let error = firm_headcount_changes(&firms.0).unwrap_err();
        let expected = format!("{}:3: emp is '0'; expected a positive number", firms.0.display());
        assert_eq!(error.to_string(), expected);

        let text = "Month,Series_ID,Title,Employed\n1939 Jan,S1,A,1\n1939 January,S1,A,1\n";
        let series = TempFile::new("bad-month", text);
        let error = seasonal_amplitude(&series.0, &[]).unwrap_err();
        assert!(matches!(error, CalibrationError::Value { line: 3, column: "Month", .. }), "{error:?}");
    }

    #[test]
    fn missing_column_on_header_line() {
        let file = TempFile::new("no-churn", "tenure,contract,payment_method\n3,One year,Mailed check\n");
        let error = telco_estimates(&file.0).unwrap_err();
        assert_eq!(error.to_string(), format!("{}:1: missing column 'churn'", file.0.display()));
    }

    #[test]
    fn repeated_keys_name_both_lines() {
        let firms = TempFile::new("dup-firm", "firm,year,emp\n1,1977,1.0\n1,1978,2.0\n1,1977,1.5\n");
        let error = firm_headcount_changes(&firms.0).unwrap_err();
        assert!(matches!(error, CalibrationError::Duplicate { line: 4, first_line: 2, .. }), "{error:?}");

        let series = TempFile::new("dup-month", "Month,Series_ID,Title,Employed\n1939 Jan,S1,A,\n1939 Jan,S1,A,5\n");
        let error = seasonal_amplitude(&series.0, &[]).unwrap_err();
        assert!(matches!(error, CalibrationError::Duplicate { line: 3, first_line: 2, .. }), "{error:?}");
    }

    #[test]
    fn unknown_series_and_empty_data() {
        let error = seasonal_amplitude(US_EMPLOYMENT, &["CEU9999999999"]).unwrap_err();
        let expected = format!("{US_EMPLOYMENT}: series 'CEU9999999999' is not in the file");
        assert_eq!(error.to_string(), expected);

        let header_only = TempFile::new("header-only", "tenure,contract,payment_method,churn\n");
        assert!(matches!(telco_estimates(&header_only.0).unwrap_err(), CalibrationError::NoData { .. }));
        let one_change = TempFile::new("one-change", "firm,year,emp\n1,1977,1.0\n1,1978,2.0\n");
        assert!(matches!(firm_headcount_changes(&one_change.0).unwrap_err(), CalibrationError::NoData { .. }));
        let partial_year = TempFile::new("partial-year", "Month,Series_ID,Title,Employed\n1939 Jan,S1,A,5\n");
        assert!(matches!(seasonal_amplitude(&partial_year.0, &[]).unwrap_err(), CalibrationError::NoData { .. }));
    }
}
