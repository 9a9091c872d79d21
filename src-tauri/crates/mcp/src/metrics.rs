//! `write-metrics`: JSON points -> line protocol (core's `lineproto::Point`), checked whole
//! before anything is sent: a point needs a measurement and at least one field, timestamps are
//! RFC 3339, and a value must fit the type the field already has on the server (asked through
//! `api::schema::field_keys`). The write itself is core's `api::write::write`, which applies the
//! assistant policy.

use std::collections::{BTreeMap, HashMap};

use influxdesk_core::api::{profiles, schema, write};
use influxdesk_core::influx::lineproto::{FieldValue, Point};
use influxdesk_core::model::{ColumnType, Precision, SchemaReq, WriteReq};
use influxdesk_core::{Actor, Ctx, Error, Result};
use serde_json::Value;

use crate::params::{PointParams, WriteMetricsParams, WriteMetricsResult};

const NOTHING: &str = "Nothing was written.";

/// Validate, build and write the points of `p`.
pub async fn write_metrics(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    p: WriteMetricsParams,
) -> Result<WriteMetricsResult> {
    let precision = p.precision.unwrap_or_default();
    let mut inputs = Vec::new();
    let single = PointParams {
        measurement: p.measurement,
        tags: p.tags,
        fields: p.fields,
        timestamp: p.timestamp,
    };
    if single.measurement.is_some()
        || !single.fields.is_empty()
        || !single.tags.is_empty()
        || single.timestamp.is_some()
    {
        inputs.push(single);
    }
    inputs.extend(p.points);
    if inputs.is_empty() {
        return Err(Error::invalid(format!(
            "no point to write: give measurement and fields (e.g. {{\"measurement\": \"cpu\", \
             \"fields\": {{\"usage\": 0.5}}}}), or a list of such objects in points. {NOTHING}"
        )));
    }
    let prof = profiles::resolve(ctx, profile).await?;
    let bucket = p
        .bucket
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty())
        .or(prof.database.clone())
        .ok_or_else(|| {
            Error::invalid(format!(
                "no bucket given and connection \"{}\" has no default database/bucket: pass \
                 bucket. {NOTHING}",
                prof.name
            ))
        })?;
    let mut known: HashMap<String, HashMap<String, ColumnType>> = HashMap::new();
    let mut points = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        let n = i + 1;
        let measurement = input
            .measurement
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| Error::invalid(format!("point {n} has no measurement name. {NOTHING}")))?
            .to_string();
        if !known.contains_key(&measurement) {
            let types = existing_fields(ctx, &prof.id, &bucket, &measurement).await;
            known.insert(measurement.clone(), types);
        }
        let types = &known[&measurement];
        points.push(build_point(
            n,
            measurement.clone(),
            input,
            types,
            precision,
        )?);
    }
    let lines = points
        .iter()
        .map(Point::to_line)
        .collect::<Vec<_>>()
        .join("\n");
    let written = write::write(
        ctx,
        actor,
        WriteReq {
            profile: Some(prof.id.clone()),
            bucket: Some(bucket),
            precision,
            lines: lines.clone(),
        },
    )
    .await?;
    let said: Vec<String> = written
        .rejections
        .iter()
        .map(|r| r.server.clone())
        .collect();
    Ok(WriteMetricsResult {
        bucket: written.bucket,
        points: written.points,
        dropped: written.dropped,
        uncertain: written.uncertain,
        server_message: (!said.is_empty()).then(|| said.join("\n")),
        line_protocol: lines,
    })
}

/// The field types the server already has for `measurement` (empty when it has none yet, or
/// cannot say: the write then reports the server's own error).
async fn existing_fields(
    ctx: &Ctx,
    profile: &str,
    bucket: &str,
    measurement: &str,
) -> HashMap<String, ColumnType> {
    let req = SchemaReq {
        profile: Some(profile.to_string()),
        database: Some(bucket.to_string()),
        measurement: Some(measurement.to_string()),
        ..SchemaReq::default()
    };
    match schema::field_keys(ctx, req).await {
        Ok(keys) => keys.into_iter().map(|k| (k.name, k.kind)).collect(),
        Err(e) => {
            tracing::debug!("no field types for {measurement} in {bucket}: {e}");
            HashMap::new()
        }
    }
}

fn build_point(
    n: usize,
    measurement: String,
    input: PointParams,
    types: &HashMap<String, ColumnType>,
    precision: Precision,
) -> Result<Point> {
    let mut tags = BTreeMap::new();
    for (k, v) in input.tags {
        let value = match &v {
            Value::String(s) => s.clone(),
            Value::Number(x) => x.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(Error::invalid(format!(
                    "tag \"{k}\" of point {n} is {v}: tag values are strings. {NOTHING}"
                )));
            }
        };
        if k.is_empty() || value.is_empty() {
            return Err(Error::invalid(format!(
                "point {n} has an empty tag key or value (\"{k}\"): leave the tag out instead. \
                 {NOTHING}"
            )));
        }
        tags.insert(k, value);
    }
    if input.fields.is_empty() {
        return Err(Error::invalid(format!(
            "point {n} ({measurement}) has no fields: give at least one, e.g. {{\"value\": \
             1.5}}. {NOTHING}"
        )));
    }
    let mut fields = Vec::with_capacity(input.fields.len());
    for (k, v) in input.fields {
        if k.is_empty() {
            return Err(Error::invalid(format!(
                "point {n} has a field with an empty name. {NOTHING}"
            )));
        }
        let existing = types.get(&k).copied().unwrap_or(ColumnType::Unknown);
        let value = field_value(&v, existing).map_err(|why| {
            Error::invalid(format!(
                "field \"{k}\" of point {n} ({measurement}): {why}. {NOTHING}"
            ))
        })?;
        fields.push((k, value));
    }
    let timestamp = input
        .timestamp
        .as_deref()
        .map(|t| timestamp(t, precision))
        .transpose()
        .map_err(|why| Error::invalid(format!("point {n}: {why}. {NOTHING}")))?;
    Ok(Point {
        measurement,
        tags,
        fields,
        timestamp,
    })
}

fn type_name(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Float => "float",
        ColumnType::Integer => "integer",
        ColumnType::Unsigned => "unsigned",
        ColumnType::String => "string",
        ColumnType::Boolean => "boolean",
        ColumnType::Time => "time",
        ColumnType::Unknown => "unknown",
    }
}

/// A JSON value as the line protocol value a field of type `existing` takes.
fn field_value(v: &Value, existing: ColumnType) -> std::result::Result<FieldValue, String> {
    let wrong = |got: &str| {
        format!(
            "the field already holds {} values and this is {got}; InfluxDB keeps one type per \
             field, so send {}",
            type_name(existing),
            match existing {
                ColumnType::Float | ColumnType::Integer | ColumnType::Unsigned => "a number",
                ColumnType::String => "a string",
                ColumnType::Boolean => "true or false",
                _ => "the same type",
            }
        )
    };
    match (v, existing) {
        (Value::Bool(b), ColumnType::Boolean | ColumnType::Unknown) => Ok(FieldValue::Boolean(*b)),
        (Value::Bool(_), _) => Err(wrong("a boolean")),
        (Value::String(s), ColumnType::String | ColumnType::Unknown) => {
            Ok(FieldValue::String(s.clone()))
        }
        (Value::String(_), _) => Err(wrong("a string")),
        (Value::Number(x), ColumnType::Integer) => x
            .as_i64()
            .or_else(|| integral(x.as_f64()?))
            .map(FieldValue::Integer)
            .ok_or_else(|| wrong(&format!("{x}, not a whole number"))),
        (Value::Number(x), ColumnType::Unsigned) => x
            .as_u64()
            .or_else(|| integral(x.as_f64()?).and_then(|i| u64::try_from(i).ok()))
            .map(FieldValue::Unsigned)
            .ok_or_else(|| wrong(&format!("{x}, not a whole number of 0 or more"))),
        (Value::Number(x), ColumnType::Float | ColumnType::Unknown | ColumnType::Time) => x
            .as_f64()
            .filter(|f| f.is_finite())
            .map(FieldValue::Float)
            .ok_or_else(|| format!("{x} is not a finite number")),
        (Value::Number(_), _) => Err(wrong("a number")),
        (Value::Null, _) => Err("null is not a value: leave the field out instead".into()),
        _ => Err(format!(
            "{v} is not a field value: use a number, a string or a boolean"
        )),
    }
}

fn integral(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// An RFC 3339 time (or an integer epoch already in `precision` units) in `precision` units.
fn timestamp(t: &str, precision: Precision) -> std::result::Result<i64, String> {
    let t = t.trim();
    if !t.is_empty()
        && t.trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return t
            .parse()
            .map_err(|_| format!("timestamp \"{t}\" is out of range"));
    }
    let ns = chrono::DateTime::parse_from_rfc3339(t)
        .map_err(|_| format!("timestamp \"{t}\" is not RFC 3339: use e.g. 2024-05-01T12:00:00Z"))?
        .timestamp_nanos_opt()
        .ok_or_else(|| format!("timestamp \"{t}\" is outside 1677-2262"))?;
    let per: i64 = match precision {
        Precision::Ns => 1,
        Precision::Us => 1_000,
        Precision::Ms => 1_000_000,
        Precision::S => 1_000_000_000,
    };
    Ok(ns.div_euclid(per))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_the_type_the_field_already_has() {
        use ColumnType::*;
        assert_eq!(field_value(&json!(5), Unknown), Ok(FieldValue::Float(5.0)));
        assert_eq!(field_value(&json!(5), Integer), Ok(FieldValue::Integer(5)));
        assert_eq!(
            field_value(&json!(5.0), Integer),
            Ok(FieldValue::Integer(5))
        );
        assert_eq!(
            field_value(&json!(7), Unsigned),
            Ok(FieldValue::Unsigned(7))
        );
        assert_eq!(field_value(&json!(0.5), Float), Ok(FieldValue::Float(0.5)));
        assert_eq!(
            field_value(&json!("ok"), String),
            Ok(FieldValue::String("ok".into()))
        );
        assert_eq!(
            field_value(&json!(true), Boolean),
            Ok(FieldValue::Boolean(true))
        );
        for (v, t) in [
            (json!(1.5), Integer),
            (json!(-1), Unsigned),
            (json!("x"), Float),
            (json!(1), String),
            (json!(1), Boolean),
            (json!(true), Float),
        ] {
            let e = field_value(&v, t).unwrap_err();
            assert!(e.contains("already holds"), "{v} as {t:?}: {e}");
        }
        assert!(field_value(&json!(null), Unknown).is_err());
        assert!(field_value(&json!({"a": 1}), Unknown).is_err());
    }

    #[test]
    fn timestamps_are_rfc3339_in_the_precision() {
        assert_eq!(
            timestamp("2023-11-14T22:13:20Z", Precision::S),
            Ok(1_700_000_000)
        );
        assert_eq!(
            timestamp("2023-11-14T22:13:20.123456789Z", Precision::Ns),
            Ok(1_700_000_000_123_456_789)
        );
        assert_eq!(
            timestamp("2023-11-14T23:13:20.5+01:00", Precision::Ms),
            Ok(1_700_000_000_500)
        );
        assert_eq!(timestamp("1700000000", Precision::S), Ok(1_700_000_000));
        assert!(
            timestamp("yesterday", Precision::S)
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert!(timestamp("2023-13-01T00:00:00Z", Precision::S).is_err());
    }
}
