//! Reading history from files. Every problem names the file, the line, the
//! column, the value and what was expected; a reader collects up to
//! `MAX_PROBLEMS` problems of a file before it gives up, and never drops a
//! row or reads a bad cell as zero.

pub mod licenses;
pub mod pricing;
pub mod replay;
pub mod table;

use std::fmt;

/// Problems reported per file before the reader stops looking.
pub const MAX_PROBLEMS: usize = 50;

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line in a CSV file; the header is line 1.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    /// Formats as `file:line: column is 'value'; message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        match (&self.column, &self.value) {
            (Some(column), Some(value)) => write!(f, "{column} is '{value}'; ")?,
            (Some(column), None) => write!(f, "{column}: ")?,
            _ => {}
        }
        write!(f, "{}", self.message)
    }
}

/// All problems found in the inputs, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors {
    pub problems: Vec<Problem>,
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}
