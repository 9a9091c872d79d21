//! `query-data` and `render-chart`: map the tool's parameters (time_range text, optional
//! language, limit) onto core's `RunQueryReq`, run it through `api::query::run` /
//! `api::charts::render_query` as the assistant, and shape the result (rows as JSON, or core's
//! CSV/table text; a PNG with core's chart summary).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use influxdesk_core::api::{charts, profiles, query, settings};
use influxdesk_core::format;
use influxdesk_core::model::{ApiKind, ExportFormat, QueryLanguage, RunQueryReq, TimeRange};
use influxdesk_core::{Actor, Ctx, Error, Result};

use crate::params::{DataFormat, QueryDataParams, QueryDataResult, RenderChartParams, Table};

/// Rows `query-data` returns when the assistant names no limit.
pub const DEFAULT_LIMIT: usize = 1000;

/// `"-1h"` / `"1h"` (up to now) or `"START..STOP"` (RFC 3339; STOP may be empty or `now`).
pub fn parse_time_range(s: &str, now: DateTime<Utc>) -> Result<TimeRange> {
    let s = s.trim();
    if let Some((from, to)) = s.split_once("..") {
        let from = from.trim();
        if from.is_empty() {
            return Err(Error::invalid(
                "the time range needs a start: use \"START..STOP\" with RFC 3339 times, e.g. \
                 2024-05-01T00:00:00Z..2024-05-02T00:00:00Z, or \"-6h\"",
            ));
        }
        let to = match to.trim() {
            "" | "now" | "now()" => now.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            t => t.to_string(),
        };
        return Ok(TimeRange::Absolute {
            from: from.to_string(),
            to,
        });
    }
    // Checked here so a bad range is an error before anything runs.
    influxdesk_core::influx::timerange::parse_duration(s)?;
    Ok(TimeRange::Relative {
        duration: s.trim_start_matches('-').to_string(),
    })
}

/// The API a profile speaks, probed once per profile per session for `auto` profiles.
#[derive(Default)]
pub struct ApiCache(Mutex<HashMap<String, ApiKind>>);

impl ApiCache {
    pub async fn api(&self, ctx: &Ctx, profile: Option<&str>) -> Result<Option<ApiKind>> {
        let p = profiles::resolve(ctx, profile).await?;
        if p.api != ApiKind::Auto {
            return Ok(Some(p.api));
        }
        if let Some(api) = self.0.lock().expect("api cache").get(&p.id) {
            return Ok(Some(*api));
        }
        let api = profiles::status(ctx, Some(&p.id)).await?.api;
        if let Some(api) = api {
            self.0.lock().expect("api cache").insert(p.id, api);
        }
        Ok(api)
    }
}

fn request(
    profile: Option<&str>,
    query: String,
    bucket: Option<String>,
    time_range: Option<&str>,
    language: Option<QueryLanguage>,
    row_limit: Option<usize>,
) -> Result<RunQueryReq> {
    Ok(RunQueryReq {
        profile: profile.map(str::to_string),
        language,
        database: bucket.filter(|b| !b.trim().is_empty()),
        query,
        row_limit,
        time_range: time_range
            .filter(|t| !t.trim().is_empty())
            .map(|t| parse_time_range(t, Utc::now()))
            .transpose()?,
        query_id: None,
    })
}

/// Run `query-data`.
pub async fn query_data(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    api: Option<ApiKind>,
    p: QueryDataParams,
) -> Result<QueryDataResult> {
    let max = settings::get(ctx).await?.row_limit;
    let asked = match p.limit {
        Some(0) => return Err(Error::invalid("limit must be at least 1")),
        Some(n) => n,
        None => DEFAULT_LIMIT,
    };
    let limit = asked.min(max);
    let language = QueryLanguage::for_query(&p.query, p.language, api);
    let req = request(
        profile,
        p.query,
        p.bucket,
        p.time_range.as_deref(),
        language,
        Some(limit),
    )?;
    let r = query::run(ctx, actor, req).await?;
    let mut notes = Vec::new();
    if asked > limit {
        notes.push(format!(
            "limit lowered from {asked} to {max}, the row limit setting of influxdesk"
        ));
    }
    if r.truncated {
        notes.push(format!(
            "capped at {limit} rows: only the first {limit} are shown and the rest were not \
             read; narrow the query (a shorter \
             time range, GROUP BY time, a filter) or raise limit (at most {max})"
        ));
    }
    let format = p.format.unwrap_or_default();
    let text = match format {
        DataFormat::Json => None,
        DataFormat::Csv => Some(format::csv(&r)),
        DataFormat::Table => Some(format::table(&r)),
    };
    Ok(QueryDataResult {
        language: r.language,
        rows: r.rows,
        truncated: r.truncated,
        limit,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        text,
        tables: (format == DataFormat::Json).then(|| Table::from_frames(r.frames)),
        executed_query: r.executed_query,
    })
}

/// Run `render-chart`: the PNG and the text summary of what it shows.
pub async fn render_chart(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    api: Option<ApiKind>,
    p: RenderChartParams,
) -> Result<(Vec<u8>, String)> {
    let language = QueryLanguage::for_query(&p.query, p.language, api);
    // A chart only reads: core refuses any other statement from an assistant.
    let spec = p.chart;
    let req = request(
        profile,
        p.query,
        p.bucket,
        p.time_range.as_deref(),
        language,
        None,
    )?;
    let (png, summary) =
        charts::render_query(ctx, actor, req, spec.clone(), ExportFormat::Png).await?;
    Ok((png, summary.text(&spec)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use influxdesk_core::model::Frame;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn rows_moved_into_json_match_the_serialized_result() {
        use influxdesk_core::model::{Column, ColumnType};
        use serde_json::json;
        let col = |name: &str, values: Vec<serde_json::Value>| Column {
            name: name.into(),
            kind: ColumnType::Float,
            values: values.into(),
        };
        let frames = vec![
            Frame {
                name: "cpu".into(),
                tags: [("host".to_string(), "a \"quoted\" host".to_string())].into(),
                columns: vec![
                    col(
                        "time",
                        vec![json!("2024-05-01T00:00:00Z"), json!("2024-05-01T00:00:10Z")],
                    ),
                    col("v", vec![json!(1.5), serde_json::Value::Null]),
                    // A short column: the missing value is null.
                    col("s", vec![json!("x")]),
                ],
            },
            Frame {
                name: String::new(),
                tags: Default::default(),
                columns: vec![],
            },
        ];
        for (note, text) in [
            (None, None),
            (Some("capped".to_string()), Some("a,b\n".to_string())),
        ] {
            let r = QueryDataResult {
                language: QueryLanguage::Influxql,
                rows: 2,
                truncated: note.is_some(),
                limit: 1000,
                executed_query: "SELECT v FROM cpu".into(),
                note,
                tables: Some(Table::from_frames(frames.clone())),
                text,
            };
            let expected = serde_json::to_value(&r).unwrap();
            assert_eq!(r.into_value(), expected);
        }
        let t = &Table::from_frames(frames)[0];
        assert_eq!(
            t.rows[1],
            vec![json!("2024-05-01T00:00:10Z"), json!(null), json!(null)]
        );
    }

    #[test]
    fn typed_columns_become_the_rows_their_json_says() {
        use influxdesk_core::influx::parse::{Budget, v1_json};
        // Times, floats, integers, numbers of both spellings, text, booleans, a mixed column.
        let body = br#"{"results":[{"series":[{"name":"m","columns":["time","f","i","n","s","b","x"],
            "values":[[1700000000000000001,0.5,3,1,"a",true,"t"],[1700000000000000000,null,-4,2.5,null,false,7],
            [null,1e300,null,18446744073709551615,"a",null,[1]]]}]}]}"#;
        let frames = v1_json(body, &mut Budget::new(10)).unwrap();
        let json = serde_json::to_value(&frames[0].columns).unwrap();
        let t = &Table::from_frames(frames)[0];
        assert_eq!(t.rows.len(), 3);
        for (j, col) in json.as_array().unwrap().iter().enumerate() {
            for (i, row) in t.rows.iter().enumerate() {
                assert_eq!(row[j], col["values"][i], "row {i} column {j}");
            }
        }
        assert_eq!(
            t.rows[0][0],
            serde_json::json!("2023-11-14T22:13:20.000000001Z")
        );
        assert_eq!(t.rows[0][3].to_string(), "1", "an integer stays an integer");
    }

    #[test]
    fn time_ranges_relative_and_absolute() {
        assert_eq!(
            parse_time_range("-1h", now()).unwrap(),
            TimeRange::Relative {
                duration: "1h".into()
            }
        );
        assert_eq!(
            parse_time_range("6h", now()).unwrap(),
            TimeRange::Relative {
                duration: "6h".into()
            }
        );
        assert_eq!(
            parse_time_range("2024-04-30T00:00:00Z..2024-05-01T00:00:00Z", now()).unwrap(),
            TimeRange::Absolute {
                from: "2024-04-30T00:00:00Z".into(),
                to: "2024-05-01T00:00:00Z".into()
            }
        );
        assert_eq!(
            parse_time_range("2024-04-30T00:00:00Z..now", now()).unwrap(),
            TimeRange::Absolute {
                from: "2024-04-30T00:00:00Z".into(),
                to: "2024-05-01T12:00:00Z".into()
            }
        );
        assert!(parse_time_range("last week", now()).is_err());
        assert!(parse_time_range("..now", now()).is_err());
    }
}
