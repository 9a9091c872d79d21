//! The query builder: measurement, fields, tag filters, aggregate, GROUP BY time and tags,
//! fill -> a query in InfluxQL, Flux or SQL that follows the time picker (`$timeFilter`,
//! `v.timeRangeStart`, `$interval`/`v.windowPeriod`), so a user who does not know the
//! language still gets a chart.

use super::schema::{flux_str, quote_ident};
use super::timerange::parse_duration;
use crate::error::{Error, Result};
use crate::model::{Aggregate, BuildQueryReq, Fill, QueryLanguage, TagFilter};

pub(crate) fn influxql_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn sql_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn interval(req: &BuildQueryReq, lang: QueryLanguage) -> Result<Option<String>> {
    let Some(g) = req
        .group_by_time
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    else {
        return Ok(None);
    };
    if g.eq_ignore_ascii_case("auto") {
        return Ok(Some(
            match lang {
                QueryLanguage::Flux => "v.windowPeriod",
                _ => "$interval",
            }
            .to_string(),
        ));
    }
    let d = parse_duration(g)?;
    Ok(Some(match lang {
        QueryLanguage::Sql => format!("interval '{} seconds'", d.num_seconds().max(1)),
        _ => g.to_string(),
    }))
}

fn influxql_agg(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Mean => "mean",
        Aggregate::Median => "median",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::Sum => "sum",
        Aggregate::Count => "count",
        Aggregate::First => "first",
        Aggregate::Last => "last",
    }
}

fn tag_conditions(
    filters: &[TagFilter],
    eq: &dyn Fn(&str, &str, bool) -> String,
    or: &str,
    and: &str,
) -> Vec<String> {
    filters
        .iter()
        .filter(|f| !f.key.is_empty() && !f.values.is_empty())
        .map(|f| {
            let parts: Vec<String> = f.values.iter().map(|v| eq(&f.key, v, f.negate)).collect();
            format!("({})", parts.join(if f.negate { and } else { or }))
        })
        .collect()
}

/// Write the builder's query.
pub fn build(req: &BuildQueryReq) -> Result<String> {
    if req.measurement.trim().is_empty() {
        return Err(Error::invalid("pick a measurement"));
    }
    if req.fields.iter().all(|f| f.trim().is_empty()) {
        return Err(Error::invalid("pick at least one field"));
    }
    let every = interval(req, req.language)?;
    if every.is_some() && req.aggregate.is_none() {
        return Err(Error::invalid(
            "GROUP BY time needs an aggregate (e.g. mean): pick one, or clear the interval",
        ));
    }
    Ok(match req.language {
        QueryLanguage::Influxql => influxql(req, every),
        QueryLanguage::Flux => flux(req, every),
        QueryLanguage::Sql => sql(req, every),
    })
}

fn influxql(req: &BuildQueryReq, every: Option<String>) -> String {
    let fields: Vec<String> = req
        .fields
        .iter()
        .map(|f| match req.aggregate {
            Some(a) => format!(
                "{}({}) AS {}",
                influxql_agg(a),
                quote_ident(f),
                quote_ident(f)
            ),
            None => quote_ident(f),
        })
        .collect();
    let mut q = format!(
        "SELECT {} FROM {} WHERE $timeFilter",
        fields.join(", "),
        quote_ident(&req.measurement)
    );
    let eq = |k: &str, v: &str, neg: bool| {
        format!(
            "{} {} {}",
            quote_ident(k),
            if neg { "!=" } else { "=" },
            influxql_str(v)
        )
    };
    for c in tag_conditions(&req.tag_filters, &eq, " OR ", " AND ") {
        q.push_str(" AND ");
        q.push_str(&c);
    }
    let mut groups: Vec<String> = Vec::new();
    if let Some(e) = &every {
        groups.push(format!("time({e})"));
    }
    groups.extend(req.group_by_tags.iter().map(|t| quote_ident(t)));
    if !groups.is_empty() {
        q.push_str(" GROUP BY ");
        q.push_str(&groups.join(", "));
    }
    if every.is_some() {
        q.push_str(match req.fill {
            Fill::None => " fill(none)",
            Fill::Null => " fill(null)",
            Fill::Previous => " fill(previous)",
            Fill::Linear => " fill(linear)",
            Fill::Zero => " fill(0)",
        });
    }
    q
}

fn flux(req: &BuildQueryReq, every: Option<String>) -> String {
    let mut lines = vec![
        format!("from(bucket: {})", flux_str(&req.database)),
        "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)".to_string(),
        format!(
            "  |> filter(fn: (r) => r._measurement == {})",
            flux_str(&req.measurement)
        ),
    ];
    let fields: Vec<String> = req
        .fields
        .iter()
        .map(|f| format!("r._field == {}", flux_str(f)))
        .collect();
    lines.push(format!("  |> filter(fn: (r) => {})", fields.join(" or ")));
    let eq = |k: &str, v: &str, neg: bool| {
        format!(
            "r[{}] {} {}",
            flux_str(k),
            if neg { "!=" } else { "==" },
            flux_str(v)
        )
    };
    for c in tag_conditions(&req.tag_filters, &eq, " or ", " and ") {
        lines.push(format!("  |> filter(fn: (r) => {c})"));
    }
    if !req.group_by_tags.is_empty() {
        let cols: Vec<String> = ["_measurement", "_field"]
            .iter()
            .map(|s| flux_str(s))
            .chain(req.group_by_tags.iter().map(|t| flux_str(t)))
            .collect();
        lines.push(format!("  |> group(columns: [{}])", cols.join(", ")));
    }
    let mut prelude = String::new();
    if let (Some(a), Some(e)) = (req.aggregate, &every) {
        let create_empty = req.fill != Fill::None;
        lines.push(format!(
            "  |> aggregateWindow(every: {e}, fn: {}, createEmpty: {create_empty})",
            influxql_agg(a)
        ));
        match req.fill {
            Fill::Previous => lines.push("  |> fill(usePrevious: true)".into()),
            Fill::Zero => lines.push("  |> fill(value: 0.0)".into()),
            Fill::Linear => {
                prelude = "import \"interpolate\"\n".into();
                lines.push(format!("  |> interpolate.linear(every: {e})"));
            }
            Fill::None | Fill::Null => {}
        }
    } else if let Some(a) = req.aggregate {
        lines.push(format!("  |> {}()", influxql_agg(a)));
    }
    lines.push(format!(
        "  |> yield(name: {})",
        flux_str(req.aggregate.map_or("raw", influxql_agg))
    ));
    format!("{prelude}{}", lines.join("\n"))
}

fn sql(req: &BuildQueryReq, every: Option<String>) -> String {
    let agg = |f: &str| -> String {
        let c = sql_ident(f);
        match req.aggregate {
            None => c,
            Some(Aggregate::Mean) => format!("avg({c})"),
            Some(Aggregate::Median) => format!("median({c})"),
            Some(Aggregate::Min) => format!("min({c})"),
            Some(Aggregate::Max) => format!("max({c})"),
            Some(Aggregate::Sum) => format!("sum({c})"),
            Some(Aggregate::Count) => format!("count({c})"),
            Some(Aggregate::First) => format!("first_value({c} ORDER BY time)"),
            Some(Aggregate::Last) => format!("last_value({c} ORDER BY time)"),
        }
    };
    let gapfill = every.is_some() && req.fill != Fill::None;
    let mut cols = Vec::new();
    if let Some(e) = &every {
        let f = if gapfill {
            "date_bin_gapfill"
        } else {
            "date_bin"
        };
        cols.push(format!("{f}({e}, time) AS time"));
    } else if req.aggregate.is_none() {
        cols.push("time".to_string());
    }
    for f in &req.fields {
        let a = agg(f);
        let a = match (gapfill, req.fill) {
            (true, Fill::Previous) => format!("locf({a})"),
            (true, Fill::Linear) => format!("interpolate({a})"),
            (true, Fill::Zero) => format!("COALESCE({a}, 0)"),
            _ => a,
        };
        cols.push(format!("{a} AS {}", sql_ident(f)));
    }
    cols.extend(req.group_by_tags.iter().map(|t| sql_ident(t)));
    let mut q = format!(
        "SELECT {} FROM {} WHERE $timeFilter",
        cols.join(", "),
        sql_ident(&req.measurement)
    );
    let eq = |k: &str, v: &str, neg: bool| {
        format!(
            "{} {} {}",
            sql_ident(k),
            if neg { "<>" } else { "=" },
            sql_str(v)
        )
    };
    for c in tag_conditions(&req.tag_filters, &eq, " OR ", " AND ") {
        q.push_str(" AND ");
        q.push_str(&c);
    }
    let mut groups: Vec<String> = Vec::new();
    if every.is_some() {
        groups.push("1".into());
    }
    if req.aggregate.is_some() {
        groups.extend(req.group_by_tags.iter().map(|t| sql_ident(t)));
    }
    if !groups.is_empty() {
        q.push_str(" GROUP BY ");
        q.push_str(&groups.join(", "));
    }
    q.push_str(if every.is_some() || req.aggregate.is_none() {
        " ORDER BY time"
    } else {
        ""
    });
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(lang: QueryLanguage) -> BuildQueryReq {
        BuildQueryReq {
            language: lang,
            database: "demo".into(),
            measurement: "cpu".into(),
            fields: vec!["usage_user".into()],
            tag_filters: vec![TagFilter {
                key: "host".into(),
                values: vec!["web-01".into(), "web-02".into()],
                negate: false,
            }],
            aggregate: Some(Aggregate::Mean),
            group_by_time: Some("auto".into()),
            group_by_tags: vec!["host".into()],
            fill: Fill::None,
        }
    }

    #[test]
    fn influxql_follows_the_picker() {
        assert_eq!(
            build(&req(QueryLanguage::Influxql)).unwrap(),
            "SELECT mean(\"usage_user\") AS \"usage_user\" FROM \"cpu\" WHERE $timeFilter AND (\"host\" = 'web-01' OR \"host\" = 'web-02') GROUP BY time($interval), \"host\" fill(none)"
        );
        let mut r = req(QueryLanguage::Influxql);
        r.aggregate = None;
        r.group_by_time = None;
        r.tag_filters[0].negate = true;
        r.group_by_tags.clear();
        assert_eq!(
            build(&r).unwrap(),
            "SELECT \"usage_user\" FROM \"cpu\" WHERE $timeFilter AND (\"host\" != 'web-01' AND \"host\" != 'web-02')"
        );
    }

    #[test]
    fn flux_and_sql() {
        let f = build(&req(QueryLanguage::Flux)).unwrap();
        assert!(
            f.starts_with(
                "from(bucket: \"demo\")\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)"
            ),
            "{f}"
        );
        assert!(
            f.contains("r[\"host\"] == \"web-01\" or r[\"host\"] == \"web-02\""),
            "{f}"
        );
        assert!(
            f.contains("aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)"),
            "{f}"
        );
        let s = build(&req(QueryLanguage::Sql)).unwrap();
        assert_eq!(
            s,
            "SELECT date_bin($interval, time) AS time, avg(\"usage_user\") AS \"usage_user\", \"host\" FROM \"cpu\" WHERE $timeFilter AND (\"host\" = 'web-01' OR \"host\" = 'web-02') GROUP BY 1, \"host\" ORDER BY time"
        );
    }

    #[test]
    fn bad_forms_say_what_is_missing() {
        let mut r = req(QueryLanguage::Influxql);
        r.fields.clear();
        assert!(
            build(&r)
                .unwrap_err()
                .message()
                .contains("at least one field")
        );
        let mut r = req(QueryLanguage::Influxql);
        r.aggregate = None;
        assert!(
            build(&r)
                .unwrap_err()
                .message()
                .contains("needs an aggregate")
        );
        let mut r = req(QueryLanguage::Influxql);
        r.group_by_time = Some("5 minutes".into());
        assert!(build(&r).is_err());
    }
}
