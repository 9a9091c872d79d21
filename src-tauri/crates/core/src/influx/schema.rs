//! Schema exploration on each server generation: measurements, tag keys, tag values and field
//! keys with their types. v1: `SHOW ...`; v2: Flux `schema.*` functions (field types through
//! the v1-compatible `SHOW FIELD KEYS` when the bucket has a DBRP mapping); v3: SQL
//! `information_schema` and `SELECT DISTINCT`.

use super::Client;
use crate::error::{Error, Result};
use crate::model::{ApiKind, ColumnType, FieldKey, Frame, QueryLanguage};

/// Rows read at most to find tag values where the server cannot run DISTINCT (see below).
const V3_TAG_SCAN_ROWS: usize = 100_000;

/// `"name"` for InfluxQL and SQL identifiers.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// SQL identifiers double their quotes.
pub(crate) fn sql_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A Flux string literal.
pub fn flux_str(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "\\${")
    )
}

/// A case-insensitive InfluxQL/Flux regex matching `s` literally.
fn regex_literal(s: &str) -> String {
    let mut out = String::from("/(?i)");
    for c in s.chars() {
        if "\\.+*?()|[]{}^$/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('/');
    out
}

fn strings(frames: &[Frame], column: &str) -> Vec<String> {
    let mut out: Vec<String> = frames
        .iter()
        .filter_map(|f| f.column(column))
        .flat_map(|c| {
            c.values
                .iter()
                .filter_map(crate::model::Cell::as_str)
                .map(str::to_string)
        })
        .collect();
    out.dedup();
    out
}

fn v1_field_type(t: &str) -> ColumnType {
    match t {
        "float" => ColumnType::Float,
        "integer" => ColumnType::Integer,
        "unsigned" => ColumnType::Unsigned,
        "string" => ColumnType::String,
        "boolean" => ColumnType::Boolean,
        _ => ColumnType::Unknown,
    }
}

pub(super) fn arrow_type(t: &str) -> ColumnType {
    match t {
        t if t.starts_with("Float") => ColumnType::Float,
        t if t.starts_with("Int") => ColumnType::Integer,
        t if t.starts_with("UInt") => ColumnType::Unsigned,
        t if t.starts_with("Boolean") => ColumnType::Boolean,
        t if t.starts_with("Timestamp") => ColumnType::Time,
        t if t.contains("Utf8") => ColumnType::String,
        _ => ColumnType::Unknown,
    }
}

impl Client {
    async fn run(
        &self,
        lang: QueryLanguage,
        db: Option<&str>,
        q: &str,
        limit: usize,
    ) -> Result<Vec<Frame>> {
        Ok(self.query(lang, db, q, limit).await?.0)
    }

    async fn v3_columns(&self, db: &str, measurement: &str) -> Result<Vec<(String, String)>> {
        let q = format!(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'iox' \
             AND table_name = {} ORDER BY column_name",
            sql_str(measurement)
        );
        let frames = self.run(QueryLanguage::Sql, Some(db), &q, 10_000).await?;
        // Row by row: `strings` de-duplicates, and two tags in a row share a type (that
        // shifted every column after them onto the wrong type on the real 3 Core).
        let mut out = Vec::new();
        for f in &frames {
            let (Some(names), Some(types)) = (f.column("column_name"), f.column("data_type"))
            else {
                continue;
            };
            for (n, t) in names.values.iter().zip(&types.values) {
                if let (Some(n), Some(t)) = (n.as_str(), t.as_str()) {
                    out.push((n.to_string(), t.to_string()));
                }
            }
        }
        Ok(out)
    }

    pub async fn measurements(&self, db: &str, limit: usize) -> Result<Vec<String>> {
        match self.api {
            ApiKind::V2 => {
                let q = format!(
                    "import \"influxdata/influxdb/schema\"\nschema.measurements(bucket: {})",
                    flux_str(db)
                );
                Ok(strings(
                    &self.run(QueryLanguage::Flux, None, &q, limit).await?,
                    "_value",
                ))
            }
            ApiKind::V3 => {
                let q = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'iox' ORDER BY table_name";
                let names = strings(
                    &self.run(QueryLanguage::Sql, Some(db), q, limit).await?,
                    "table_name",
                );
                // 3.10 Core keeps a deleted table in information_schema under a new name
                // until it is hard-deleted: leave those out.
                let deleted = self.v3_deleted_tables(db).await;
                Ok(names.into_iter().filter(|n| !deleted.contains(n)).collect())
            }
            _ => {
                let q = format!("SHOW MEASUREMENTS LIMIT {limit}");
                Ok(strings(
                    &self
                        .run(QueryLanguage::Influxql, Some(db), &q, limit)
                        .await?,
                    "name",
                ))
            }
        }
    }

    pub async fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>> {
        match self.api {
            ApiKind::V2 => {
                let q = format!(
                    "import \"influxdata/influxdb/schema\"\nschema.measurementTagKeys(bucket: {}, measurement: {})",
                    flux_str(db),
                    flux_str(measurement)
                );
                let keys = strings(
                    &self.run(QueryLanguage::Flux, None, &q, 10_000).await?,
                    "_value",
                );
                Ok(keys.into_iter().filter(|k| !k.starts_with('_')).collect())
            }
            ApiKind::V3 => Ok(self
                .v3_columns(db, measurement)
                .await?
                .into_iter()
                .filter(|(_, t)| t.starts_with("Dictionary"))
                .map(|(n, _)| n)
                .collect()),
            _ => {
                let q = format!("SHOW TAG KEYS FROM {}", quote_ident(measurement));
                Ok(strings(
                    &self
                        .run(QueryLanguage::Influxql, Some(db), &q, 10_000)
                        .await?,
                    "tagKey",
                ))
            }
        }
    }

    pub async fn tag_values(
        &self,
        db: &str,
        measurement: &str,
        key: &str,
        search: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        match self.api {
            ApiKind::V2 => {
                let mut q = format!(
                    "import \"influxdata/influxdb/schema\"\nschema.measurementTagValues(bucket: {}, measurement: {}, tag: {})",
                    flux_str(db),
                    flux_str(measurement),
                    flux_str(key)
                );
                if let Some(s) = search {
                    q.push_str(&format!(
                        "\n  |> filter(fn: (r) => r._value =~ {})",
                        regex_literal(s)
                    ));
                }
                q.push_str(&format!("\n  |> limit(n: {limit})"));
                Ok(strings(
                    &self.run(QueryLanguage::Flux, None, &q, limit).await?,
                    "_value",
                ))
            }
            ApiKind::V3 => {
                let col = sql_ident(key);
                let mut from = format!(
                    "FROM {} WHERE time > now() - interval '30 days' AND {col} IS NOT NULL",
                    sql_ident(measurement)
                );
                if let Some(s) = search {
                    from.push_str(&format!(" AND {col} ILIKE {}", sql_str(&format!("%{s}%"))));
                }
                let q =
                    format!("SELECT DISTINCT {col} AS value {from} ORDER BY value LIMIT {limit}");
                match self.run(QueryLanguage::Sql, Some(db), &q, limit).await {
                    Ok(frames) => Ok(strings(&frames, "value")),
                    // The 3.10 Core build in ../shared/servers (DataFusion 51 from crates.io
                    // instead of InfluxData's fork) cannot plan any aggregate or DISTINCT over a
                    // table: 500 "Physical input schema should be the same as the one converted
                    // from logical input schema". There, read the sorted column (bounded) and
                    // de-duplicate here.
                    Err(Error::Internal(m)) if m.contains("Physical input schema") => {
                        let q = format!(
                            "SELECT {col} AS value {from} ORDER BY value LIMIT {V3_TAG_SCAN_ROWS}"
                        );
                        let frames = self
                            .run(QueryLanguage::Sql, Some(db), &q, V3_TAG_SCAN_ROWS)
                            .await?;
                        let mut values = strings(&frames, "value");
                        values.truncate(limit);
                        Ok(values)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => {
                let mut q = format!(
                    "SHOW TAG VALUES FROM {} WITH KEY = {}",
                    quote_ident(measurement),
                    quote_ident(key)
                );
                if let Some(s) = search {
                    q.push_str(&format!(
                        " WHERE {} =~ {}",
                        quote_ident(key),
                        regex_literal(s)
                    ));
                }
                q.push_str(&format!(" LIMIT {limit}"));
                Ok(strings(
                    &self
                        .run(QueryLanguage::Influxql, Some(db), &q, limit)
                        .await?,
                    "value",
                ))
            }
        }
    }

    pub async fn field_keys(&self, db: &str, measurement: &str) -> Result<Vec<FieldKey>> {
        let show = format!("SHOW FIELD KEYS FROM {}", quote_ident(measurement));
        match self.api {
            ApiKind::V2 => {
                // Types come from the v1-compatible API when the bucket is mapped; names always.
                if let Ok(frames) = self
                    .run(QueryLanguage::Influxql, Some(db), &show, 10_000)
                    .await
                {
                    let keys = v1_fields(&frames);
                    if !keys.is_empty() {
                        return Ok(keys);
                    }
                }
                let q = format!(
                    "import \"influxdata/influxdb/schema\"\nschema.measurementFieldKeys(bucket: {}, measurement: {})",
                    flux_str(db),
                    flux_str(measurement)
                );
                let names = strings(
                    &self.run(QueryLanguage::Flux, None, &q, 10_000).await?,
                    "_value",
                );
                Ok(names
                    .into_iter()
                    .map(|name| FieldKey {
                        name,
                        kind: ColumnType::Unknown,
                    })
                    .collect())
            }
            ApiKind::V3 => Ok(self
                .v3_columns(db, measurement)
                .await?
                .into_iter()
                .filter(|(n, t)| n != "time" && !t.starts_with("Dictionary"))
                .map(|(name, t)| FieldKey {
                    name,
                    kind: arrow_type(&t),
                })
                .collect()),
            _ => Ok(v1_fields(
                &self
                    .run(QueryLanguage::Influxql, Some(db), &show, 10_000)
                    .await?,
            )),
        }
    }
}

fn v1_fields(frames: &[Frame]) -> Vec<FieldKey> {
    // Row by row: names and types are parallel columns (types repeat, so never de-duplicate).
    let mut out = Vec::new();
    for f in frames {
        let (Some(keys), Some(types)) = (f.column("fieldKey"), f.column("fieldType")) else {
            continue;
        };
        for (k, t) in keys.values.iter().zip(&types.values) {
            if let Some(name) = k.as_str() {
                out.push(FieldKey {
                    name: name.to_string(),
                    kind: v1_field_type(t.as_str().unwrap_or_default()),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_field_keys_keep_repeated_types() {
        use crate::model::{Column, ColumnType as T};
        let col = |name: &str, v: &[&str]| Column {
            name: name.into(),
            kind: T::String,
            values: v.iter().map(|s| serde_json::Value::from(*s)).collect(),
        };
        let f = Frame {
            name: "cpu".into(),
            tags: Default::default(),
            columns: vec![
                col("fieldKey", &["a", "b", "c"]),
                col("fieldType", &["float", "float", "integer"]),
            ],
        };
        let got: Vec<(String, T)> = v1_fields(&[f])
            .into_iter()
            .map(|k| (k.name, k.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), T::Float),
                ("b".into(), T::Float),
                ("c".into(), T::Integer)
            ]
        );
    }

    #[test]
    fn quoting_and_regex_escaping() {
        assert_eq!(quote_ident("a\"b"), "\"a\\\"b\"");
        assert_eq!(sql_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(sql_str("o'neil"), "'o''neil'");
        assert_eq!(flux_str("a\"${x}"), "\"a\\\"\\${x}\"");
        assert_eq!(regex_literal("web.01/x"), "/(?i)web\\.01\\/x/");
        assert_eq!(arrow_type("Dictionary(Int32, Utf8)"), ColumnType::String);
        assert_eq!(arrow_type("Float64"), ColumnType::Float);
        assert_eq!(arrow_type("Timestamp(Nanosecond, None)"), ColumnType::Time);
    }
}
