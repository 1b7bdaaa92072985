//! Aggregation of many domains' events into the forecast tables.

pub mod tables;
pub mod tally;
