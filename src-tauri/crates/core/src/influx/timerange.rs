//! Time ranges for queries: parse durations ("6h", "30d", "1h30m"), resolve a [`TimeRange`]
//! against a clock, substitute the placeholders each language uses (`$timeFilter`,
//! `$interval`, `:dashboardTime:` in InfluxQL and SQL; `v.timeRangeStart`, `v.timeRangeStop`,
//! `v.windowPeriod` in Flux), and bound a SELECT that has no time condition, so no query from
//! the GUI or an assistant scans all of history. Not here: running the query.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::classify::influxql::{self, Tok};
use crate::error::{Error, Result};
use crate::model::{QueryLanguage, TimeRange};

/// A resolved window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub stop: DateTime<Utc>,
    /// The duration text for relative ranges (kept so the server evaluates `now()`).
    pub relative: Option<String>,
}

/// Parse "90s", "5m", "6h", "30d", "2w", "1h30m", "500ms" into a duration.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim().trim_start_matches('-');
    let bad = || {
        Error::invalid(format!(
            "\"{s}\" is not a duration: use a number and a unit, e.g. 15m, 6h, 7d (units: ms, s, m, \
             h, d, w)"
        ))
    };
    let too_long = || {
        Error::invalid(format!(
            "\"{s}\" is too long a duration: give at most a few thousand years, e.g. 3650d"
        ))
    };
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::zero();
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::try_milliseconds(n),
            "s" => Duration::try_seconds(n),
            "m" => Duration::try_minutes(n),
            "h" => Duration::try_hours(n),
            "d" => Duration::try_days(n),
            "w" => Duration::try_weeks(n),
            _ => return Err(bad()),
        };
        total = part
            .and_then(|p| total.checked_add(&p))
            .ok_or_else(too_long)?;
    }
    if total <= Duration::zero() {
        return Err(bad());
    }
    Ok(total)
}

fn parse_instant(s: &str, what: &str) -> Result<DateTime<Utc>> {
    crate::influx::parse::parse_time_ns(s.trim())
        .map(DateTime::from_timestamp_nanos)
        .ok_or_else(|| {
            Error::invalid(format!(
                "the time range's {what} \"{s}\" is not a timestamp: use RFC 3339, e.g. \
                 2024-05-01T00:00:00Z"
            ))
        })
}

/// Resolve a range against `now`.
pub fn resolve(range: &TimeRange, now: DateTime<Utc>) -> Result<Window> {
    match range {
        TimeRange::Relative { duration } => {
            let d = parse_duration(duration)?;
            let start = now.checked_sub_signed(d).ok_or_else(|| {
                Error::invalid(format!(
                    "the time range \"{duration}\" reaches back beyond the calendar: give a \
                     shorter one, e.g. 3650d"
                ))
            })?;
            Ok(Window {
                start,
                stop: now,
                relative: Some(duration.trim().trim_start_matches('-').to_string()),
            })
        }
        TimeRange::Absolute { from, to } => {
            let (start, stop) = (parse_instant(from, "start")?, parse_instant(to, "end")?);
            if start >= stop {
                return Err(Error::invalid(
                    "the time range's start must be before its end",
                ));
            }
            Ok(Window {
                start,
                stop,
                relative: None,
            })
        }
    }
}

/// A GROUP BY interval giving about 300 buckets over the window, rounded to a nice value.
pub fn auto_interval(w: &Window) -> &'static str {
    const NICE: [(i64, &str); 18] = [
        (1, "1s"),
        (5, "5s"),
        (10, "10s"),
        (30, "30s"),
        (60, "1m"),
        (120, "2m"),
        (300, "5m"),
        (600, "10m"),
        (1800, "30m"),
        (3600, "1h"),
        (2 * 3600, "2h"),
        (3 * 3600, "3h"),
        (6 * 3600, "6h"),
        (12 * 3600, "12h"),
        (86_400, "1d"),
        (7 * 86_400, "7d"),
        (30 * 86_400, "30d"),
        (365 * 86_400, "365d"),
    ];
    let target = (w.stop - w.start).num_seconds() / 300;
    NICE.iter()
        .find(|(s, _)| *s >= target)
        .map_or("365d", |(_, n)| n)
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn sql_interval(d: &str) -> String {
    match parse_duration(d) {
        Ok(dur) => format!("interval '{} seconds'", dur.num_seconds().max(1)),
        Err(_) => format!("interval '{d}'"),
    }
}

/// The condition text for `$timeFilter` in InfluxQL or SQL.
pub fn filter_text(lang: QueryLanguage, w: &Window) -> String {
    match (lang, &w.relative) {
        (QueryLanguage::Sql, Some(d)) => format!("time >= now() - {}", sql_interval(d)),
        (_, Some(d)) => format!("time >= now() - {d}"),
        (_, None) => format!("time >= '{}' AND time <= '{}'", rfc(w.start), rfc(w.stop)),
    }
}

const PLACEHOLDERS: [&str; 8] = [
    "$timeFilter",
    "$interval",
    ":dashboardTime:",
    ":upperDashboardTime:",
    ":interval:",
    "v.timeRangeStart",
    "v.timeRangeStop",
    "v.windowPeriod",
];

/// Apply the time range to a query: substitute placeholders, and give a SELECT without a time
/// condition the range's filter. With no range, placeholders are an error (they would not run).
pub fn apply(
    q: &str,
    lang: QueryLanguage,
    range: Option<&TimeRange>,
    now: DateTime<Utc>,
) -> Result<String> {
    let Some(range) = range else {
        if let Some(p) = PLACEHOLDERS.iter().find(|p| q.contains(*p)) {
            return Err(Error::invalid(format!(
                "the query uses {p} but no time range was given: pick a time range"
            )));
        }
        return Ok(q.to_string());
    };
    let w = resolve(range, now)?;
    let interval = auto_interval(&w);
    let out = match lang {
        QueryLanguage::Flux => {
            let (start, stop) = match &w.relative {
                Some(d) => (format!("-{d}"), "now()".to_string()),
                None => (rfc(w.start), rfc(w.stop)),
            };
            q.replace("v.timeRangeStart", &start)
                .replace("v.timeRangeStop", &stop)
                .replace("v.windowPeriod", interval)
        }
        QueryLanguage::Influxql | QueryLanguage::Sql => {
            let (lower, upper) = match (&w.relative, lang) {
                (Some(d), QueryLanguage::Sql) => {
                    (format!("now() - {}", sql_interval(d)), "now()".into())
                }
                (Some(d), _) => (format!("now() - {d}"), "now()".to_string()),
                (None, _) => (format!("'{}'", rfc(w.start)), format!("'{}'", rfc(w.stop))),
            };
            let iv = if lang == QueryLanguage::Sql {
                sql_interval(interval)
            } else {
                interval.to_string()
            };
            let substituted = q
                .replace("$timeFilter", &filter_text(lang, &w))
                .replace(":upperDashboardTime:", &upper)
                .replace(":dashboardTime:", &lower)
                .replace("$interval", &iv)
                .replace(":interval:", &iv);
            split_statements(&substituted)
                .into_iter()
                .map(|stmt| bound_select(stmt, &filter_text(lang, &w)))
                .collect::<Vec<_>>()
                .join(";")
        }
    };
    Ok(out)
}

/// Split into statements as the server does (strings, quoted identifiers, regexes and comments
/// hide their `;`), with InfluxQL's lexer.
fn split_statements(q: &str) -> Vec<&str> {
    influxql::statements(q).into_iter().map(|r| &q[r]).collect()
}

/// Top-level (outside parentheses) words: (byte index, uppercase word), and whether a SELECT
/// is nested inside parentheses.
fn top_level_words(s: &str) -> (Vec<(usize, String)>, bool) {
    let mut words = Vec::new();
    let (mut depth, mut nested_select) = (0i32, false);
    for t in influxql::tokens(s) {
        match t.tok {
            Tok::LParen => depth += 1,
            Tok::RParen => depth -= 1,
            Tok::Word => {
                let w = t.text(s).to_ascii_uppercase();
                if depth == 0 {
                    words.push((t.span.0, w));
                } else if w == "SELECT" {
                    nested_select = true;
                }
            }
            _ => {}
        }
    }
    (words, nested_select)
}

/// Whether a statement compares `time` with something (it is then bounded already): `time`
/// (bare or quoted) next to a comparison, or `time BETWEEN`, outside strings and comments.
pub fn has_time_bound(stmt: &str) -> bool {
    let toks = influxql::tokens(stmt);
    let is_time = |t: &influxql::Token| match t.tok {
        Tok::Word => t.text(stmt).eq_ignore_ascii_case("time"),
        Tok::QuotedIdent => t.text(stmt).trim_matches('"').eq_ignore_ascii_case("time"),
        _ => false,
    };
    let is_cmp = |t: &influxql::Token| {
        (t.tok == Tok::Op && matches!(t.text(stmt), "<" | ">" | "=" | "<=" | ">=" | "!=" | "<>"))
            || (t.tok == Tok::Word && t.text(stmt).eq_ignore_ascii_case("BETWEEN"))
    };
    toks.windows(2)
        .any(|w| (is_time(&w[0]) && is_cmp(&w[1])) || (is_cmp(&w[0]) && is_time(&w[1])))
}

const CLAUSES: [&str; 12] = [
    "GROUP", "ORDER", "LIMIT", "SLIMIT", "OFFSET", "SOFFSET", "FILL", "TZ", "HAVING", "WINDOW",
    "UNION", "INTO",
];

/// Give a top-level SELECT without a time condition the filter: into its WHERE (as
/// `filter AND (existing)`), or as a new WHERE before GROUP BY/ORDER BY/LIMIT/... .
/// Statements with subqueries are left alone (the outer and inner bounds are the author's).
fn bound_select(stmt: &str, filter: &str) -> String {
    let (words, nested) = top_level_words(stmt);
    if words.first().map(|(_, w)| w.as_str()) != Some("SELECT") || nested || has_time_bound(stmt) {
        return stmt.to_string();
    }
    let Some(from_idx) = words.iter().position(|(_, w)| w == "FROM") else {
        return stmt.to_string();
    };
    let trimmed_end = stmt.trim_end().len();
    let where_idx = words.iter().position(|(_, w)| w == "WHERE");
    let clause_after = |k: usize| {
        words[k + 1..]
            .iter()
            .find(|(_, w)| CLAUSES.contains(&w.as_str()))
            .map_or(trimmed_end, |(p, _)| *p)
    };
    match where_idx {
        Some(k) => {
            let cond_start = words[k].0 + "WHERE".len();
            let cond_end = clause_after(k);
            let existing = stmt[cond_start..cond_end].trim();
            format!(
                "{}WHERE {filter} AND ({existing}) {}",
                &stmt[..words[k].0],
                stmt[cond_end..].trim_start()
            )
            .trim_end()
            .to_string()
        }
        None => {
            let at = clause_after(from_idx);
            format!(
                "{} WHERE {filter} {}",
                stmt[..at].trim_end(),
                stmt[at..].trim_start()
            )
            .trim_end()
            .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
    fn rel(d: &str) -> TimeRange {
        TimeRange::Relative { duration: d.into() }
    }

    #[test]
    fn durations_parse_and_bad_ones_say_how() {
        assert_eq!(parse_duration("6h").unwrap(), Duration::hours(6));
        assert_eq!(parse_duration("-1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(
            parse_duration("500ms").unwrap(),
            Duration::milliseconds(500)
        );
        for bad in ["", "h", "6", "6 hours", "0s", "1y"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.message().contains("e.g. 15m"), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn influxql_placeholders_and_injection() {
        let q = apply(
            "SELECT mean(v) FROM m WHERE $timeFilter GROUP BY time($interval)",
            QueryLanguage::Influxql,
            Some(&rel("6h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT mean(v) FROM m WHERE time >= now() - 6h GROUP BY time(2m)"
        );
        let q = apply(
            "SELECT v FROM m",
            QueryLanguage::Influxql,
            Some(&rel("1h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q, "SELECT v FROM m WHERE time >= now() - 1h",
            "an unbounded SELECT gets the range"
        );
        let q = apply(
            "SELECT v FROM m WHERE host = 'a' OR host = 'b' GROUP BY host LIMIT 5",
            QueryLanguage::Influxql,
            Some(&rel("1h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT v FROM m WHERE time >= now() - 1h AND (host = 'a' OR host = 'b') GROUP BY host LIMIT 5"
        );
        let bounded = "SELECT v FROM m WHERE time > now() - 5m";
        assert_eq!(
            apply(bounded, QueryLanguage::Influxql, Some(&rel("1h")), now()).unwrap(),
            bounded,
            "already bounded"
        );
        let show = "SHOW MEASUREMENTS";
        assert_eq!(
            apply(show, QueryLanguage::Influxql, Some(&rel("1h")), now()).unwrap(),
            show
        );
        let abs = TimeRange::Absolute {
            from: "2024-05-01T00:00:00Z".into(),
            to: "2024-05-01T06:00:00Z".into(),
        };
        let q = apply(
            "SELECT v FROM m WHERE $timeFilter",
            QueryLanguage::Influxql,
            Some(&abs),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT v FROM m WHERE time >= '2024-05-01T00:00:00Z' AND time <= '2024-05-01T06:00:00Z'"
        );
        let q = apply(
            "SELECT v FROM m WHERE s = 'a;b'; SELECT w FROM n",
            QueryLanguage::Influxql,
            Some(&rel("1h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT v FROM m WHERE time >= now() - 1h AND (s = 'a;b'); SELECT w FROM n WHERE time >= now() - 1h"
        );
    }

    #[test]
    fn flux_and_sql_placeholders() {
        let q = apply("from(bucket:\"b\") |> range(start: v.timeRangeStart, stop: v.timeRangeStop) |> aggregateWindow(every: v.windowPeriod, fn: mean)", QueryLanguage::Flux, Some(&rel("6h")), now()).unwrap();
        assert_eq!(
            q,
            "from(bucket:\"b\") |> range(start: -6h, stop: now()) |> aggregateWindow(every: 2m, fn: mean)"
        );
        let q = apply(
            "SELECT * FROM cpu WHERE $timeFilter",
            QueryLanguage::Sql,
            Some(&rel("1h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT * FROM cpu WHERE time >= now() - interval '3600 seconds'"
        );
        let q = apply(
            "SELECT * FROM cpu ORDER BY time DESC LIMIT 10",
            QueryLanguage::Sql,
            Some(&rel("1h")),
            now(),
        )
        .unwrap();
        assert_eq!(
            q,
            "SELECT * FROM cpu WHERE time >= now() - interval '3600 seconds' ORDER BY time DESC LIMIT 10"
        );
        let sub = "SELECT * FROM (SELECT * FROM cpu) t";
        assert_eq!(
            apply(sub, QueryLanguage::Sql, Some(&rel("1h")), now()).unwrap(),
            sub,
            "subqueries are the author's"
        );
    }

    #[test]
    fn placeholders_without_a_range_are_an_error() {
        let e = apply(
            "SELECT v FROM m WHERE $timeFilter",
            QueryLanguage::Influxql,
            None,
            now(),
        )
        .unwrap_err();
        assert!(e.message().contains("$timeFilter"));
        assert_eq!(
            apply("SELECT v FROM m", QueryLanguage::Influxql, None, now()).unwrap(),
            "SELECT v FROM m"
        );
    }

    #[test]
    fn auto_interval_targets_about_300_buckets() {
        let w = resolve(&rel("6h"), now()).unwrap();
        assert_eq!(auto_interval(&w), "2m");
        assert_eq!(auto_interval(&resolve(&rel("30d"), now()).unwrap()), "3h");
        assert_eq!(auto_interval(&resolve(&rel("5m"), now()).unwrap()), "1s");
    }
}
