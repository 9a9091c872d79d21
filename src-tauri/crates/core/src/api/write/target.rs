//! Where a write goes: the client, the database/bucket, and the field types the server already
//! holds there, asked once per measurement, to check a write against before sending.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::{DEFAULT_RETRIES, MAX_RETRIES};
use crate::api::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::influx::Client;
use crate::influx::lineproto::Validator;
use crate::model::{ApiKind, Precision, Profile};

/// Where the points go, and what the target's schema already says.
pub(super) struct Target {
    pub(super) client: Arc<Client>,
    pub(super) profile: Profile,
    pub(super) bucket: String,
    pub(super) precision: Precision,
    pub(super) retries: u32,
    /// Field types the target holds, by (measurement, field).
    known: HashMap<(String, String), &'static str>,
    /// Measurements whose field types were asked for.
    asked: BTreeSet<String>,
}

impl Target {
    pub(super) async fn open(
        ctx: &Ctx,
        profile: Profile,
        bucket: String,
        precision: Precision,
        retries: Option<u32>,
    ) -> Result<Target> {
        let client = Arc::new(ctx.client(&profile).await?);
        Ok(Target {
            client,
            profile,
            bucket,
            precision,
            retries: retries.unwrap_or(DEFAULT_RETRIES).min(MAX_RETRIES),
            known: HashMap::new(),
            asked: BTreeSet::new(),
        })
    }

    /// Check what `v` has seen against the target's field types (asking the server about
    /// measurements not asked yet). The message says nothing of what was written: callers
    /// add that.
    pub(super) async fn check(&mut self, v: &Validator) -> Result<()> {
        let conflicts = self.conflicts(v).await?;
        if conflicts.is_empty() {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "field type conflict with what \"{}\" already holds: {}. InfluxDB keeps one type \
             per field and would drop these points (a partial write). Send each field with the \
             type it has (integers with an `i` suffix, floats without).",
            self.bucket,
            conflicts.join("; ")
        )))
    }

    /// The fields of `v` whose type differs from what the target holds, one sentence each
    /// (asking the server about measurements not asked yet).
    pub(super) async fn conflicts(&mut self, v: &Validator) -> Result<Vec<String>> {
        let new: BTreeSet<&str> = v
            .measurements()
            .into_iter()
            .filter(|m| !self.asked.contains(*m))
            .collect();
        if !new.is_empty() {
            match self.client.field_types(&self.bucket, &new).await {
                Ok(types) => self.known.extend(types),
                // The database must exist on 1.x. (On 2.x an unmapped bucket is "not found"
                // to InfluxQL: the schema is then unknown, and the write says the rest.)
                Err(e) if e.code() == ErrorCode::NotFound && self.client.api() == ApiKind::V1 => {
                    return Err(e);
                }
                Err(e) => tracing::debug!(
                    "no field types for {} measurements of {}: {e}",
                    new.len(),
                    self.bucket
                ),
            }
            self.asked.extend(new.into_iter().map(str::to_string));
        }
        Ok(v.schema_conflicts(&self.known))
    }
}
