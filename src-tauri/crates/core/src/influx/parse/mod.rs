//! Response parsers into the one result model ([`Frame`]): v1 InfluxQL JSON, v2 Flux annotated
//! CSV, v3 JSON Lines. Each stops at a row limit and reports whether it cut rows. Times become
//! epoch nanoseconds in typed columns, RFC 3339 UTC strings as JSON (nanosecond precision
//! kept). Each format has its module; all three
//! read the bytes straight into the frames' columns (no JSON tree or string record of the
//! response in between) and are the same readers the streaming query path feeds chunk by
//! chunk (`influx::stream`).

mod flux;
mod jsonl;
#[cfg(test)]
mod props;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
mod time;
mod v1;

#[cfg(test)]
use serde_json::Value;

use crate::error::Error;
#[cfg(test)]
use crate::model::ColumnType;

pub use flux::{FluxCsv, flux_csv};
pub use jsonl::{JsonlFrames, jsonl};
pub use time::{ns_to_rfc3339, parse_time_ns, rfc3339_in};
pub(crate) use v1::objects as v1_objects;
pub use v1::v1_json;

/// Rows kept so far against the limit.
pub struct Budget {
    pub left: usize,
    pub truncated: bool,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget {
            left: limit,
            truncated: false,
        }
    }
    /// How many of `n` rows may be kept.
    fn take(&mut self, n: usize) -> usize {
        let k = n.min(self.left);
        if k < n {
            self.truncated = true;
        }
        self.left -= k;
        k
    }
}

/// The kind of a column of these JSON values (the old model's rule, kept for the oracle).
#[cfg(test)]
pub(crate) fn kind_of(values: &[Value]) -> ColumnType {
    let mut kind = ColumnType::Unknown;
    for v in values {
        let k = match v {
            Value::Null => continue,
            Value::Bool(_) => ColumnType::Boolean,
            Value::String(_) => ColumnType::String,
            Value::Number(n) if n.is_i64() => ColumnType::Integer,
            Value::Number(n) if n.is_u64() => ColumnType::Unsigned,
            Value::Number(_) => ColumnType::Float,
            _ => ColumnType::String,
        };
        kind = join_kinds(kind, k);
    }
    kind
}

pub(crate) use crate::model::join_kinds;

/// A server-side error inside a v1 result, with the statement's text kept.
pub fn classify_v1_error(msg: &str) -> Error {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("error parsing query")
        || lower.contains("found ") && lower.contains("expected")
    {
        Error::QuerySyntax(format!(
            "InfluxQL error: {msg}. Fix the query and run it again."
        ))
    } else if lower.contains("database not found") || lower.contains("retention policy not found") {
        Error::NotFound(format!(
            "{msg}. Pick an existing database (SHOW DATABASES lists them) or create it first."
        ))
    } else if lower.contains("not authorized") || lower.contains("requires admin") {
        Error::Forbidden(format!("{msg}. Use a user with the needed privileges."))
    } else if lower.contains("authorization failed")
        || lower.contains("unable to parse authentication")
    {
        Error::Unauthorized(format!(
            "{msg}. Check the username and password of the profile."
        ))
    } else {
        Error::QuerySyntax(format!("InfluxDB could not run the query: {msg}"))
    }
}
