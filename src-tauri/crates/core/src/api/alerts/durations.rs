//! The durations of alert rules as users write them ("30s", "1h30m"): parsed with checked
//! arithmetic, so no input can overflow, and `every` held to the evaluator's shortest period.
//! Also the one way times are written into rules and history (RFC 3339, whole seconds).

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// The shortest `every`: the evaluator is not a load generator.
pub const MIN_EVERY_SECS: i64 = 10;

pub(crate) fn now_str(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A rule's duration ("90s", "1h30m"; units ms, s, m, h, d, w), with checked arithmetic so
/// that no input can overflow; at most 10 years.
pub(crate) fn duration(s: &str, what: &str) -> Result<chrono::Duration> {
    let bad = || {
        Error::invalid(format!(
            "{what} \"{s}\" is not a duration: use a number and a unit, e.g. 30s, 5m, 1h \
             (units: ms, s, m, h, d, w)"
        ))
    };
    let t = s.trim();
    if matches!(t, "0" | "") {
        return if t.is_empty() {
            Err(bad())
        } else {
            Ok(chrono::Duration::zero())
        };
    }
    let (mut total_ms, mut rest) = (0i64, t);
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let per_ms: i64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ms = n
            .checked_mul(per_ms)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(bad)?;
    }
    const TEN_YEARS_MS: i64 = 3650 * 86_400_000;
    if total_ms > TEN_YEARS_MS {
        return Err(Error::invalid(format!(
            "{what} \"{s}\" is longer than ten years: give a shorter one"
        )));
    }
    Ok(chrono::Duration::milliseconds(total_ms))
}

/// `every`, checked: a duration of at least [`MIN_EVERY_SECS`].
pub(crate) fn every(s: &str) -> Result<chrono::Duration> {
    let d = duration(s, "every")?;
    if d < chrono::Duration::seconds(MIN_EVERY_SECS) {
        return Err(Error::invalid(format!(
            "every \"{}\" is too often: alerts are evaluated at most every {MIN_EVERY_SECS}s, so \
             give \"{MIN_EVERY_SECS}s\" or more (e.g. \"30s\", \"1m\")",
            s.trim()
        )));
    }
    Ok(d)
}
