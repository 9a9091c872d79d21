//! Who acts, connection profiles and what a connection test finds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secrets::Secret;

/// Who performs an action. Core uses it for policy, the activity log and GUI events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Actor {
    /// The person at the GUI or the command line.
    User,
    /// An AI assistant over MCP; `client` is the MCP client's name.
    Assistant { client: String },
    /// influxdesk's own alert evaluator (its queries stay out of the user's history).
    Scheduler,
}

/// Which HTTP API a profile speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ApiKind {
    /// Probe the server (`/ping` headers, `/health`, `/api/v3`) and use what it speaks.
    #[default]
    Auto,
    /// InfluxDB 1.x: InfluxQL over `/query`, `/write`.
    V1,
    /// InfluxDB 2.x OSS/Cloud: Flux, buckets, `Token` auth.
    V2,
    /// InfluxDB 3 Core/Enterprise: SQL and InfluxQL, databases, `Bearer` auth.
    V3,
}

impl ApiKind {
    pub fn parse(s: &str) -> Option<ApiKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Some(ApiKind::Auto),
            "v1" | "1" | "1.x" => Some(ApiKind::V1),
            "v2" | "2" | "2.x" => Some(ApiKind::V2),
            "v3" | "3" | "3.x" => Some(ApiKind::V3),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Auto => "auto",
            ApiKind::V1 => "v1",
            ApiKind::V2 => "v2",
            ApiKind::V3 => "v3",
        }
    }
}

/// What an AI assistant may change on a profile, for one class of changes (writes, or
/// administration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AssistantPolicy {
    /// Nothing of this class: refused.
    #[default]
    ReadOnly,
    /// Each change waits for the user's approval in the app.
    Ask,
    /// Changes run without asking.
    Allow,
}

/// Whether an AI assistant may read (query, list, describe) on a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReadPolicy {
    /// Queries and listings run without asking.
    #[default]
    Allow,
    /// Each read waits for the user's approval in the app.
    Ask,
    /// Assistants may not even read this connection.
    Off,
}

/// TLS options of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct TlsOptions {
    /// Accept any certificate. Insecure: only for test servers with self-signed certificates.
    pub skip_verify: bool,
    /// A PEM file with the CA certificate(s) that signed the server's certificate.
    pub ca_cert: Option<String>,
}

/// Where a profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProfileSource {
    /// Saved in the profiles file.
    #[default]
    Saved,
    /// Defined by `INFLUX_*` environment variables for this process only (name `env`).
    Env,
}

/// A connection profile as stored and as shown. Holds no secret: `secret_stored` only says
/// whether the keychain has one for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub url: String,
    pub api: ApiKind,
    /// v2: organization name (or ID).
    pub org: Option<String>,
    /// Default database (v1, v3; `db` or `db/rp` on v1) or bucket (v2).
    pub database: Option<String>,
    /// v1 username (the password is the profile's secret).
    pub username: Option<String>,
    pub tls: TlsOptions,
    /// Request timeout in milliseconds.
    #[ts(type = "number")]
    pub timeout_ms: u64,
    /// What assistants may write (points, alert rules): read_only, ask or allow.
    pub assistant_policy: AssistantPolicy,
    /// What assistants may administer (databases, retention, users, tokens, continuous
    /// queries, deletes, killing queries). Unset: the same as `assistant_policy`.
    pub assistant_admin: Option<AssistantPolicy>,
    /// Whether assistants may read (queries, schema, metrics).
    pub assistant_read: ReadPolicy,
    /// Whether a token/password is stored in the keychain for this profile.
    pub secret_stored: bool,
    /// A local InfluxDB that influxdesk itself runs (the demo server).
    pub managed_local: bool,
    /// Always `saved` in the profiles file (the store resets it on load, so a file can never
    /// claim the `env` profile's token).
    pub source: ProfileSource,
}

pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

impl Default for Profile {
    fn default() -> Self {
        Profile {
            id: String::new(),
            name: String::new(),
            url: String::new(),
            api: ApiKind::Auto,
            org: None,
            database: None,
            username: None,
            tls: TlsOptions::default(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            assistant_policy: AssistantPolicy::ReadOnly,
            assistant_admin: None,
            assistant_read: ReadPolicy::Allow,
            secret_stored: false,
            managed_local: false,
            source: ProfileSource::Saved,
        }
    }
}

impl Profile {
    /// What assistants may administer here (the write level unless set on its own).
    pub fn admin_policy(&self) -> AssistantPolicy {
        self.assistant_admin.unwrap_or(self.assistant_policy)
    }

    /// The form fields of this profile (to copy or re-save it).
    pub fn fields(&self) -> ProfileFields {
        ProfileFields {
            name: self.name.clone(),
            url: self.url.clone(),
            api: self.api,
            org: self.org.clone(),
            database: self.database.clone(),
            username: self.username.clone(),
            tls: self.tls.clone(),
            timeout_ms: Some(self.timeout_ms),
            assistant_policy: Some(self.assistant_policy),
            assistant_admin: Some(self.admin_policy()),
            assistant_read: Some(self.assistant_read),
        }
    }
}

/// The fields a user edits in the connection form (add, edit, test before saving).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ProfileFields {
    /// A unique, human name, e.g. "prod-eu".
    pub name: String,
    /// Base URL, e.g. `http://localhost:8086` or `https://eu-central-1-1.aws.cloud2.influxdata.com`.
    pub url: String,
    pub api: ApiKind,
    pub org: Option<String>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub tls: TlsOptions,
    /// Milliseconds; 0 or absent means the default (30 s).
    #[ts(type = "number | null")]
    pub timeout_ms: Option<u64>,
    /// What assistants may write: read_only, ask or allow.
    pub assistant_policy: Option<AssistantPolicy>,
    /// What assistants may administer; absent keeps the profile's setting.
    pub assistant_admin: Option<AssistantPolicy>,
    /// Whether assistants may read.
    pub assistant_read: Option<ReadPolicy>,
}

/// What to do with the profile's secret when saving.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(tag = "action", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum SecretChange {
    /// Leave whatever the keychain holds.
    #[default]
    Keep,
    /// Store this token/password (write-only: it never comes back).
    Set(#[ts(type = "string")] Secret),
    /// Remove the stored secret.
    Clear,
}

/// Add a new profile.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct AddProfileReq {
    pub fields: ProfileFields,
    #[serde(default)]
    pub secret: SecretChange,
    /// Make it the active profile.
    #[serde(default)]
    pub activate: bool,
}

/// Edit an existing profile (by id or name).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct UpdateProfileReq {
    pub profile: String,
    pub fields: ProfileFields,
    #[serde(default)]
    pub secret: SecretChange,
}

/// Copy a profile (and its secret) under a new name.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct DuplicateProfileReq {
    pub profile: String,
    /// Defaults to "<name> copy".
    pub new_name: Option<String>,
}

/// Test a connection: a saved profile, or unsaved form values.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "target", rename_all = "snake_case")]
#[ts(export)]
pub enum TestProfileReq {
    /// A saved profile by id or name (None: the active one).
    Saved { profile: Option<String> },
    /// Form values; `secret` Keep means "use the one stored for `existing`".
    Draft {
        fields: ProfileFields,
        #[serde(default)]
        secret: SecretChange,
        existing: Option<String>,
    },
}

/// All profiles and which one is active.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProfileList {
    pub profiles: Vec<Profile>,
    pub active: Option<String>,
}

/// What a connection test found.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[ts(export)]
pub struct ServerInfo {
    /// The API actually spoken (never `auto`).
    pub api: ApiKind,
    /// Product as reported, e.g. "InfluxDB OSS", "InfluxDB 3 Core".
    pub product: String,
    pub version: String,
    /// Round trip of the health probe, in milliseconds.
    pub latency_ms: f64,
    /// Databases (v1, v3) or buckets (v2) visible with these credentials.
    pub databases: Vec<String>,
    /// Whether the credentials were accepted (or none are needed).
    pub auth_ok: bool,
}

/// The health shown in the connection switcher.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionStatus {
    pub profile_id: String,
    pub reachable: bool,
    pub auth_ok: bool,
    pub latency_ms: Option<f64>,
    pub api: Option<ApiKind>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub error: Option<crate::error::ErrorBody>,
}

/// A summary of an import from the influx CLI config or the environment.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportReport {
    pub imported: Vec<String>,
    /// Names skipped because a profile with that name already exists.
    pub skipped: Vec<String>,
    pub source: String,
}
