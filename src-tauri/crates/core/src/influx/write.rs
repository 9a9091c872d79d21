//! Writing one batch of line protocol (`/write` on 1.x, `/api/v2/write` on 2.x,
//! `/api/v3/write_lp` on 3.x, which is all or nothing here) and reading the answer honestly: a
//! 400 after a partial write (1.x/2.x `partial write: <reason> dropped=N`) is not a refusal
//! but "some points landed, N did not", in the server's words; a failed request says whether
//! the batch can have reached the server, so the caller retries only where that is safe. Also
//! the field types a target already holds, to check a write against them before sending.
//! Batching, retries and checkpoints are `api::write`'s business.

use std::collections::{BTreeSet, HashMap};

use reqwest::{Method, StatusCode};

use super::parse::Budget;
use super::{Client, server_message, split_db_rp};
use crate::error::{Error, Result};
use crate::model::{ApiKind, Frame, Precision};

/// What the server stored of a batch it answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Every point.
    All,
    /// Some points were dropped; `dropped` is how many when the server said (1.x and 2.x
    /// append `dropped=N`), `written` how many were stored when it said that instead (2.x
    /// `partial write error (N written)`), and `message` is its own text.
    Partial {
        dropped: Option<usize>,
        written: Option<usize>,
        message: String,
    },
}

/// Why a batch did not get an answer that says what was stored.
#[derive(Debug)]
pub enum BatchError {
    /// The request never reached the server (the connection was refused): resending is safe.
    NotSent(Error),
    /// The answer was lost or the server failed (a timeout, a reset, a 5xx): it may have
    /// stored some, all or none of the batch.
    Uncertain(Error),
    /// The server refused the batch and stored none of it (bad request, unknown database,
    /// credentials, too large).
    Refused(Error),
}

impl BatchError {
    pub fn error(&self) -> &Error {
        match self {
            BatchError::NotSent(e) | BatchError::Uncertain(e) | BatchError::Refused(e) => e,
        }
    }
    pub fn into_error(self) -> Error {
        match self {
            BatchError::NotSent(e) | BatchError::Uncertain(e) | BatchError::Refused(e) => e,
        }
    }
}

/// `partial write: <reason> dropped=N` (1.x, and 2.x inside its message) as [`Stored`]; `None`
/// when the text is no partial write. 1.x reports lines it could not parse as `unable to
/// parse '...'` with `dropped=0`: those did not land either, so they count as dropped.
pub fn partial_write(message: &str) -> Option<Stored> {
    let lower = message.to_ascii_lowercase();
    if !lower.contains("partial write") {
        return None;
    }
    let said = lower.rfind("dropped=").and_then(|i| {
        let digits: String = lower[i + "dropped=".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<usize>().ok()
    });
    let unparsed = lower.matches("unable to parse").count();
    // 2.x: "partial write error (N written): ...".
    let written = lower.find(" written)").and_then(|end| {
        let start = lower[..end].rfind('(')? + 1;
        lower[start..end].trim().parse::<usize>().ok()
    });
    Some(Stored::Partial {
        dropped: said.map(|d| d.saturating_add(unparsed)),
        written,
        message: message.trim().to_string(),
    })
}

impl Client {
    /// Send one batch of line protocol (already validated) to `bucket` (`db` or `db/rp` on
    /// 1.x, a bucket on 2.x, a database on 3.x).
    pub async fn write_batch(
        &self,
        bucket: &str,
        precision: Precision,
        body: bytes::Bytes,
    ) -> std::result::Result<Stored, BatchError> {
        let rb = match self.api {
            ApiKind::V1 | ApiKind::Auto => {
                let (db, rp) = split_db_rp(Some(bucket));
                let mut q: Vec<(&str, &str)> = vec![("db", db.unwrap_or_default())];
                if let Some(rp) = rp {
                    q.push(("rp", rp));
                }
                let p = match precision {
                    Precision::Ns => None,
                    Precision::Us => Some("u"),
                    Precision::Ms => Some("ms"),
                    Precision::S => Some("s"),
                };
                if let Some(p) = p {
                    q.push(("precision", p));
                }
                self.request(Method::POST, "/write").query(&q)
            }
            ApiKind::V2 => {
                let mut q: Vec<(&str, &str)> =
                    vec![("bucket", bucket), ("precision", precision.as_str())];
                if let Some(org) = &self.org {
                    q.push(("org", org));
                }
                self.request(Method::POST, "/api/v2/write").query(&q)
            }
            ApiKind::V3 => {
                let p = match precision {
                    Precision::Ns => "nanosecond",
                    Precision::Us => "microsecond",
                    Precision::Ms => "millisecond",
                    Precision::S => "second",
                };
                self.request(Method::POST, "/api/v3/write_lp").query(&[
                    ("db", bucket),
                    ("precision", p),
                    ("accept_partial", "false"),
                ])
            }
        };
        let rb = rb
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body);
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                let not_sent = e.is_connect();
                let err = self.send_error(e, "write");
                return Err(if not_sent {
                    BatchError::NotSent(err)
                } else {
                    BatchError::Uncertain(err)
                });
            }
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(Stored::All);
        }
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => return Err(BatchError::Uncertain(self.send_error(e, "write"))),
        };
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Err(BatchError::Uncertain(
                self.status_error(status, &text, "write"),
            ));
        }
        // 3.x runs with accept_partial=false: a refusal there stored nothing.
        if self.api != ApiKind::V3
            && matches!(
                status,
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            )
        {
            let said = server_message(&text);
            match partial_write(&said) {
                // "(0 written)": nothing landed, a refusal in all but name.
                Some(Stored::Partial {
                    written: Some(0), ..
                }) => {}
                Some(p) => return Ok(p),
                None => {}
            }
            // 2.x: "some or all the points were rejected" (the spec's 422), count unknown.
            if self.api == ApiKind::V2 && status == StatusCode::UNPROCESSABLE_ENTITY {
                return Ok(Stored::Partial {
                    dropped: None,
                    written: None,
                    message: said,
                });
            }
        }
        Err(BatchError::Refused(
            self.status_error(status, &text, "write"),
        ))
    }

    /// The field types `bucket` already holds for `measurements`, by (measurement, field),
    /// as InfluxDB names types (`float`, `integer`, `unsigned`, `string`, `boolean`), from
    /// `SHOW FIELD KEYS` (1.x, and 2.x through its v1-compatible API where the bucket is
    /// mapped). Empty on 3.x: it refuses a conflicting batch whole (`accept_partial=false`),
    /// so there is no partial write to prevent.
    pub async fn field_types(
        &self,
        bucket: &str,
        measurements: &BTreeSet<&str>,
    ) -> Result<HashMap<(String, String), &'static str>> {
        let mut out = HashMap::new();
        if self.api == ApiKind::V3 || measurements.is_empty() {
            return Ok(out);
        }
        let statements: Vec<String> = if measurements.len() > 20 {
            // One statement for all: it answers a series per measurement.
            vec!["SHOW FIELD KEYS".into()]
        } else {
            measurements
                .iter()
                .map(|m| format!("SHOW FIELD KEYS FROM {}", super::schema::quote_ident(m)))
                .collect()
        };
        for show in statements {
            let frames = self
                .query_v1(&show, Some(bucket), &mut Budget::new(10_000_000))
                .await?;
            for f in frames
                .iter()
                .filter(|f| measurements.contains(f.name.as_str()))
            {
                for (k, t) in v1_field_rows(f) {
                    out.insert((f.name.clone(), k), t);
                }
            }
        }
        Ok(out)
    }
}

fn v1_field_rows(f: &Frame) -> Vec<(String, &'static str)> {
    let (Some(keys), Some(types)) = (f.column("fieldKey"), f.column("fieldType")) else {
        return Vec::new();
    };
    keys.values
        .iter()
        .zip(&types.values)
        .filter_map(|(k, t)| {
            let kind = match t.as_str()? {
                "float" => "float",
                "integer" => "integer",
                "unsigned" => "unsigned",
                "string" => "string",
                "boolean" => "boolean",
                _ => return None,
            };
            Some((k.as_str()?.to_string(), kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_writes_are_read_from_the_servers_words() {
        // influxd 1.6.7's own texts.
        let conflict = "partial write: field type conflict: input field \"v\" on measurement \
                        \"m\" is type string, already exists as type float dropped=1";
        assert_eq!(
            partial_write(conflict),
            Some(Stored::Partial {
                dropped: Some(1),
                written: None,
                message: conflict.into()
            })
        );
        let retention = "partial write: points beyond retention policy dropped=2";
        assert_eq!(
            partial_write(retention),
            Some(Stored::Partial {
                dropped: Some(2),
                written: None,
                message: retention.into()
            })
        );
        let unparsed = "partial write: unable to parse 'm v=': missing field value\nunable to \
                        parse 'x': missing fields dropped=0";
        assert_eq!(
            partial_write(unparsed),
            Some(Stored::Partial {
                dropped: Some(2),
                written: None,
                message: unparsed.into()
            }),
            "lines 1.x could not parse did not land"
        );
        // 2.x wraps it; without a count the number is unknown.
        assert_eq!(
            partial_write("failure writing points to database: partial write: x"),
            Some(Stored::Partial {
                dropped: None,
                written: None,
                message: "failure writing points to database: partial write: x".into()
            })
        );
        assert_eq!(
            partial_write("partial write error (3 written): unable to parse 'x': bad"),
            Some(Stored::Partial {
                dropped: None,
                written: Some(3),
                message: "partial write error (3 written): unable to parse 'x': bad".into()
            }),
            "2.x says how many were written"
        );
        assert_eq!(partial_write("database not found: \"x\""), None);
    }
}
