//! License-change rows of one file: `domain_id` (optional for a one-domain
//! file), `date` (a date such as `2024-02-01` or `2024-2-1`, meaning 00:00
//! UTC, or an RFC 3339 instant), `license_type` (optional, default `user`)
//! and `licenses`, the count after the change.

use crate::calendar::Instant;
use crate::input::table::{read_csv as read_table_csv, Columns, Location, Problems};
use crate::input::Problem;

/// The license type assumed when a file has no `license_type` column.
pub const DEFAULT_LICENSE_TYPE: &str = "user";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseRow {
    pub domain_id: String,
    pub at: Instant,
    pub license_type: String,
    pub count: u64,
    /// The 1-based line in the file, for later messages.
    pub line: u64,
}

const DATE_EXPECTED: &str = "expected a date like 2024-02-01 or an RFC 3339 instant like 2024-02-01T22:30:00Z";

/// Reads license-change rows from CSV bytes. Blank lines and CRLF line ends
/// are accepted; every other defect is a problem with its line.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<LicenseRow>, Vec<Problem>> {
    let columns = Columns { required: &["date", "licenses"], optional: &["domain_id", "license_type"] };
    let mut problems = Problems::new(file);
    let mut rows = Vec::new();
    read_table_csv(bytes, &columns, &mut problems, &mut |location, cells, problems| {
        let Location::Line(line) = location else {
            unreachable!("CSV rows have lines");
        };
        let date_text = cells[0].shown();
        let Some(at) = cells[0].as_str().and_then(Instant::parse) else {
            return problems.add(Some(location), Some("date"), Some(date_text), DATE_EXPECTED);
        };
        let count_text = cells[1].shown();
        let Some(count) = cells[1].as_str().and_then(|text| text.parse::<u64>().ok()) else {
            return problems.add(Some(location), Some("licenses"), Some(count_text), "expected a whole number of licenses, 0 or more");
        };
        let domain_id = cells[2].text().unwrap_or_default();
        let license_type = cells[3].text().unwrap_or_else(|| DEFAULT_LICENSE_TYPE.to_string());
        rows.push(LicenseRow { domain_id, at, license_type, count, line });
    });
    if problems.list.is_empty() { Ok(rows) } else { Err(problems.list) }
}
