//! Databases, buckets and retention policies and the requests that change them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A database (v1, v3) or bucket (v2) with its retention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Bucket {
    pub name: String,
    /// The server's id (v2).
    pub id: Option<String>,
    /// How long data is kept, in seconds; None keeps it forever.
    #[ts(type = "number | null")]
    pub retention_seconds: Option<u64>,
    /// The same, for people: "30d", "12h", "forever".
    pub retention: String,
    pub description: Option<String>,
    /// v1: the retention policies of the database; the default one is marked.
    pub retention_policies: Vec<RetentionPolicy>,
    /// v1: the default retention policy's shard group duration, in seconds.
    #[ts(type = "number | null")]
    pub shard_group_seconds: Option<u64>,
    /// Series cardinality, where the server reports it (v1 `SHOW STATS`).
    #[ts(type = "number | null")]
    pub series: Option<u64>,
    /// Size on disk in bytes, where the server reports it (v1 `SHOW STATS` shards).
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
}

/// A v1 retention policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RetentionPolicy {
    pub name: String,
    #[ts(type = "number | null")]
    pub duration_seconds: Option<u64>,
    pub default: bool,
    /// How much time one shard group covers, in seconds.
    #[ts(type = "number | null")]
    pub shard_group_seconds: Option<u64>,
    /// The replication factor (1 on open-source 1.x).
    #[ts(type = "number | null")]
    pub replication: Option<u64>,
}

/// Create a database/bucket.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct CreateBucketReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    pub name: String,
    /// How long to keep data: "30d", "12h", "90m"; "0" or "inf" keeps it forever (default).
    pub retention_period: Option<String>,
    /// A description (stored by InfluxDB 2.x buckets only; elsewhere reported as ignored).
    pub description: Option<String>,
    /// InfluxDB 1.x: how much time one shard group covers, e.g. "1d" (server default when
    /// absent; reported as ignored elsewhere).
    pub shard_group_duration: Option<String>,
}

/// Change a database/bucket's retention or description.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct UpdateBucketReq {
    pub profile: Option<String>,
    pub name: String,
    /// New retention: "30d", "12h"; "0" or "inf" for forever. Unchanged when absent.
    pub retention_period: Option<String>,
    /// New description (2.x; reported as ignored elsewhere). Unchanged when absent.
    pub description: Option<String>,
    /// InfluxDB 1.x: new shard group duration of the default retention policy, e.g. "1d".
    /// Unchanged when absent.
    pub shard_group_duration: Option<String>,
}

/// What a create or update of a database/bucket left behind.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BucketChange {
    /// The database/bucket as the server now lists it.
    pub bucket: Bucket,
    /// What was asked but could not be stored here (e.g. a description on 1.x).
    pub notes: Vec<String>,
}

/// Delete a database/bucket and all its data.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DeleteBucketReq {
    pub profile: Option<String>,
    pub name: String,
}
