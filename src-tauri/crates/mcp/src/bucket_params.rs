//! `manage-buckets`' parameters and results: the seed's (action, bucket_name,
//! retention_period, description), extended with shard group duration and 1.x retention
//! policies, and the databases/buckets and policies it returns. Re-exported by `params`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What `manage-buckets` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BucketAction {
    /// Create a database/bucket.
    Create,
    /// Change its retention period, description (2.x) or shard group duration (1.x).
    Update,
    /// Delete it and all its data.
    Delete,
    /// List databases/buckets with their retention.
    List,
    /// InfluxDB 1.x: list the retention policies of bucket_name.
    ListRetentionPolicies,
    /// InfluxDB 1.x: create the retention policy `retention_policy` on bucket_name.
    CreateRetentionPolicy,
    /// InfluxDB 1.x: change the retention policy (duration, shard group, default).
    UpdateRetentionPolicy,
    /// InfluxDB 1.x: drop the retention policy and its data.
    DeleteRetentionPolicy,
}

/// `manage-buckets`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ManageBucketsParams {
    /// create, update, delete or list.
    pub action: BucketAction,
    /// The database (InfluxDB 1.x, 3.x) or bucket (2.x) to create, update or delete.
    #[serde(default)]
    pub bucket_name: Option<String>,
    /// How long data is kept: "30d", "12h", "90m"; "0" or "inf" keeps it forever. Create:
    /// default forever. Update: unchanged when absent.
    #[serde(default)]
    pub retention_period: Option<String>,
    /// A description (stored by InfluxDB 2.x buckets; on 1.x and 3.x the result's notes say
    /// it was ignored).
    #[serde(default)]
    pub description: Option<String>,
    /// InfluxDB 1.x: how much time one shard group covers, e.g. "1d" (at least 1h).
    #[serde(default)]
    pub shard_group_duration: Option<String>,
    /// The retention policy for the *_retention_policy actions (InfluxDB 1.x).
    #[serde(default)]
    pub retention_policy: Option<String>,
    /// create/update_retention_policy: make it the database's default policy.
    #[serde(default)]
    pub default: Option<bool>,
}

/// A v1 retention policy.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionPolicyInfo {
    pub name: String,
    /// "30d", "12h" or "forever".
    pub duration: String,
    /// The policy writes go to when none is named.
    pub default: bool,
    /// How much time one shard group covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_group_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<u64>,
}

impl From<influxdesk_core::model::RetentionPolicy> for RetentionPolicyInfo {
    fn from(rp: influxdesk_core::model::RetentionPolicy) -> Self {
        RetentionPolicyInfo {
            name: rp.name,
            duration: influxdesk_core::influx::buckets::human(rp.duration_seconds),
            default: rp.default,
            shard_group_duration: rp
                .shard_group_seconds
                .map(|s| influxdesk_core::influx::buckets::human(Some(s))),
            replication: rp.replication,
        }
    }
}

/// A database or bucket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BucketInfo {
    pub name: String,
    /// The server's id (2.x).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// How long data is kept: "30d", "12h" or "forever".
    pub retention: String,
    /// The same in seconds; absent when data is kept forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// InfluxDB 1.x: the database's retention policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retention_policies: Vec<RetentionPolicyInfo>,
    /// InfluxDB 1.x: the default policy's shard group duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_group_duration: Option<String>,
    /// Series cardinality, where the server reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<u64>,
    /// Size on disk in bytes, where the server reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

impl From<influxdesk_core::model::Bucket> for BucketInfo {
    fn from(b: influxdesk_core::model::Bucket) -> Self {
        BucketInfo {
            name: b.name,
            id: b.id,
            retention: b.retention,
            retention_seconds: b.retention_seconds,
            description: b.description,
            retention_policies: b
                .retention_policies
                .into_iter()
                .map(RetentionPolicyInfo::from)
                .collect(),
            shard_group_duration: b
                .shard_group_seconds
                .map(|s| influxdesk_core::influx::buckets::human(Some(s))),
            series: b.series,
            size_bytes: b.size_bytes,
        }
    }
}

/// What `manage-buckets` did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManageBucketsResult {
    pub action: BucketAction,
    /// list: every database/bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<BucketInfo>>,
    /// create, update: the database/bucket as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<BucketInfo>,
    /// delete: the name of the deleted database/bucket (or retention policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
    /// list_retention_policies: the database's policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_policies: Option<Vec<RetentionPolicyInfo>>,
    /// create/update_retention_policy: the policy as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<RetentionPolicyInfo>,
    /// What was asked but not stored on this server (e.g. a description on 1.x).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}
