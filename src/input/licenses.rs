//! License-change rows from CSV: `domain_id` (optional for a one-domain
//! file), `date` (a date such as `2024-02-01` or `2024-2-1`, meaning 00:00
//! UTC, or an RFC 3339 instant), `license_type` (optional, default `user`)
//! and `licenses`, the count after the change.

use crate::calendar::Instant;
use crate::input::{Problem, MAX_PROBLEMS};

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

const COLUMNS: [&str; 4] = ["domain_id", "date", "license_type", "licenses"];
const DATE_EXPECTED: &str = "expected a date like 2024-02-01 or an RFC 3339 instant like 2024-02-01T22:30:00Z";

/// Reads license-change rows from CSV bytes. Blank lines and CRLF line ends
/// are accepted; every other defect is a problem with its line.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<LicenseRow>, Vec<Problem>> {
    let mut problems = Vec::new();
    let problem = |line: Option<u64>, column: Option<&str>, value: Option<&str>, message: String| Problem {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        value: value.map(str::to_string),
        message,
    };
    let newlines: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
    // The csv crate's line count skips blank lines, and its byte offset may
    // point at the line ends before a record, so the line is that of the
    // first byte at or after the offset that is not a line end.
    let line_at = |byte: u64| {
        let mut start = byte as usize;
        while start < bytes.len() && (bytes[start] == b'\r' || bytes[start] == b'\n') {
            start += 1;
        }
        newlines.partition_point(|&offset| offset < start) as u64 + 1
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => return Err(vec![problem(Some(1), None, None, format!("unreadable header: {error}"))]),
    };
    let find = |name: &str| headers.iter().position(|header| header == name);
    for header in headers.iter() {
        if !COLUMNS.contains(&header) {
            let message = format!("unknown column; expected the columns {}", COLUMNS.join(", "));
            problems.push(problem(Some(1), Some(header), None, message));
        }
    }
    let (Some(date_column), Some(count_column)) = (find("date"), find("licenses")) else {
        let message = "missing column; a license file needs the columns date and licenses".to_string();
        problems.push(problem(Some(1), None, None, message));
        return Err(problems);
    };
    let domain_column = find("domain_id");
    let type_column = find("license_type");

    let mut rows = Vec::new();
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|position| line_at(position.byte()));
                problems.push(problem(line, None, None, format!("unreadable row: {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |position| line_at(position.byte()));
        if record.len() != headers.len() {
            let message = format!("row has {} fields; expected {} like the header", record.len(), headers.len());
            problems.push(problem(Some(line), None, Some(record.as_slice()), message));
            continue;
        }
        let domain_id = domain_column.map_or("", |column| &record[column]).to_string();
        if domain_column.is_some() && domain_id.is_empty() {
            problems.push(problem(Some(line), Some("domain_id"), Some(""), "missing; expected a domain id".to_string()));
            continue;
        }
        let date_text = &record[date_column];
        let Some(at) = Instant::parse(date_text) else {
            problems.push(problem(Some(line), Some("date"), Some(date_text), DATE_EXPECTED.to_string()));
            continue;
        };
        let count_text = &record[count_column];
        let Ok(count) = count_text.parse::<u64>() else {
            let message = "expected a whole number of licenses, 0 or more".to_string();
            problems.push(problem(Some(line), Some("licenses"), Some(count_text), message));
            continue;
        };
        let license_type = match type_column {
            Some(column) if record[column].is_empty() => {
                let message = "missing; expected a license type from the price list".to_string();
                problems.push(problem(Some(line), Some("license_type"), Some(""), message));
                continue;
            }
            Some(column) => record[column].to_string(),
            None => DEFAULT_LICENSE_TYPE.to_string(),
        };
        rows.push(LicenseRow { domain_id, at, license_type, count, line });
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}
