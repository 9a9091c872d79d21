//! THE service layer: one async fn per user action, taking a [`Ctx`] and an [`Actor`]. The
//! Tauri commands, the MCP tools and the CLI subcommands are thin shells over these; if a
//! shell needs an `if`, the logic belongs here.

pub mod activity;
pub mod admin;
pub mod alerts;
pub mod buckets;
pub mod catalog;
pub mod charts;
pub mod dashboards;
pub mod events;
pub mod export;
pub mod history;
pub mod metrics;
pub mod policy;
pub mod profiles;
pub mod query;
pub mod schema;
pub mod settings;
pub mod tokens;
pub mod users;
pub mod write;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::influx::{self, Client};
use crate::model::{Actor, ApiKind, Profile, ProfileSource, TlsOptions};
use crate::secrets::{Secret, SecretStore};
use crate::store::Store;

pub use crate::model::Actor as ActorKind;

/// Something that happened, for the GUI (and later the activity log). Never carries a secret.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Event {
    pub actor: Actor,
    /// e.g. "profile.add", "query.run", "write".
    pub action: String,
    /// A human summary, e.g. the profile name or "3 points to demo".
    pub detail: String,
    /// The MCP tool call, for `mcp.call` events (the Assistant screen's activity log).
    pub activity: Option<activity::ActivityEntry>,
}

/// The `env` profile from `INFLUX_*` variables: process-only, wins over the active profile.
#[derive(Clone)]
pub struct EnvProfile {
    pub profile: Profile,
    pub token: Option<Secret>,
}

pub const ENV_PROFILE_ID: &str = "env";

impl EnvProfile {
    /// Read `INFLUX_URL`, `INFLUX_TOKEN`, `INFLUX_ORG`, `INFLUX_BUCKET`, `INFLUX_TIMEOUT` (ms),
    /// `INFLUX_VERIFY_SSL` through `var` (so tests need not touch the process environment).
    /// The official InfluxDB 3 MCP server's `INFLUX_DB_INSTANCE_URL`, `INFLUX_DB_TOKEN` and
    /// `INFLUX_DB_PRODUCT_TYPE` (core|enterprise: the v3 API) work too; `INFLUX_*` wins.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<EnvProfile>> {
        let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let Some(url) = set("INFLUX_URL").or_else(|| set("INFLUX_DB_INSTANCE_URL")) else {
            return Ok(None);
        };
        let product_api = match set("INFLUX_DB_PRODUCT_TYPE").map(|t| t.trim().to_ascii_lowercase())
        {
            None => None,
            Some(t) if matches!(t.as_str(), "core" | "enterprise") => Some(ApiKind::V3),
            Some(t)
                if matches!(
                    t.as_str(),
                    "cloud-dedicated" | "clustered" | "cloud-serverless"
                ) =>
            {
                Some(ApiKind::Auto)
            }
            Some(t) => {
                return Err(Error::invalid(format!(
                    "INFLUX_DB_PRODUCT_TYPE must be core, enterprise, cloud-dedicated, \
                     clustered or cloud-serverless, not \"{t}\""
                )));
            }
        };
        let timeout_ms = match var("INFLUX_TIMEOUT").filter(|s| !s.trim().is_empty()) {
            None => crate::model::DEFAULT_TIMEOUT_MS,
            Some(t) => t.trim().parse::<u64>().map_err(|_| {
                Error::invalid(format!(
                    "INFLUX_TIMEOUT must be milliseconds (a whole number), not \"{t}\""
                ))
            })?,
        };
        let skip_verify = match var("INFLUX_VERIFY_SSL").map(|s| s.trim().to_ascii_lowercase()) {
            None => false,
            Some(s) if s.is_empty() || matches!(s.as_str(), "1" | "true" | "yes" | "on") => false,
            Some(s) if matches!(s.as_str(), "0" | "false" | "no" | "off") => true,
            Some(s) => {
                return Err(Error::invalid(format!(
                    "INFLUX_VERIFY_SSL must be true or false, not \"{s}\""
                )));
            }
        };
        let token = var("INFLUX_TOKEN")
            .filter(|t| !t.is_empty())
            .or_else(|| var("INFLUX_DB_TOKEN").filter(|t| !t.is_empty()))
            .map(Secret::new);
        let profile = Profile {
            id: ENV_PROFILE_ID.into(),
            name: ENV_PROFILE_ID.into(),
            url: url.trim().to_string(),
            api: var("INFLUX_API")
                .as_deref()
                .and_then(ApiKind::parse)
                .or(product_api)
                .unwrap_or(ApiKind::Auto),
            org: var("INFLUX_ORG").filter(|s| !s.is_empty()),
            database: var("INFLUX_BUCKET").filter(|s| !s.is_empty()),
            username: var("INFLUX_USERNAME").filter(|s| !s.is_empty()),
            tls: TlsOptions {
                skip_verify,
                ca_cert: None,
            },
            timeout_ms,
            secret_stored: token.is_some(),
            source: ProfileSource::Env,
            ..Profile::default()
        };
        Ok(Some(EnvProfile { profile, token }))
    }
}

/// How to build a [`Ctx`].
pub struct CtxOptions {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub secrets: SecretStore,
    pub env_profile: Option<EnvProfile>,
}

impl CtxOptions {
    /// Directories from `INFLUXDESK_CONFIG_DIR` / `INFLUXDESK_DATA_DIR` (else the OS dirs),
    /// secrets in the OS keychain, and the `env` profile from `INFLUX_*`.
    pub fn from_env() -> Result<CtxOptions> {
        let var = |k: &str| std::env::var(k).ok();
        let config_dir = var("INFLUXDESK_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|d| d.join("influxdesk")))
            .ok_or_else(|| {
                Error::Storage("no config directory: set INFLUXDESK_CONFIG_DIR".into())
            })?;
        let data_dir = var("INFLUXDESK_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("influxdesk")))
            .ok_or_else(|| Error::Storage("no data directory: set INFLUXDESK_DATA_DIR".into()))?;
        Ok(CtxOptions {
            config_dir,
            data_dir,
            secrets: SecretStore::keychain(),
            env_profile: EnvProfile::from_vars(var)?,
        })
    }
}

/// Everything an action needs. Shared (`Arc`) by the GUI, the CLI and the MCP server.
pub struct Ctx {
    pub(crate) store: Store,
    pub(crate) secrets: SecretStore,
    pub(crate) env: Option<EnvProfile>,
    pub(crate) data_dir: PathBuf,
    events: broadcast::Sender<Event>,
    /// Detected API per profile id (for `auto` profiles), so queries do not probe each time.
    detected: Mutex<HashMap<String, ApiKind>>,
    /// HTTP clients by their settings, shared by every query of the profiles that use them
    /// (one connection pool; the TLS roots loaded once, not per query).
    http: Mutex<HashMap<crate::influx::HttpSettings, reqwest::Client>>,
    /// Running queries by query id, for cancel.
    pub(crate) running: Mutex<HashMap<String, CancellationToken>>,
    /// Recent results by query id, for charts and exports.
    pub(crate) results: Mutex<ResultCache>,
    /// What assistants may do in this session (see `policy`).
    pub(crate) assistant: std::sync::RwLock<policy::AssistantRules>,
    /// The last MCP tool calls (see `activity`).
    pub(crate) activity: Mutex<std::collections::VecDeque<activity::ActivityEntry>>,
    /// The alert evaluator's lease, while this process evaluates (see `alerts`).
    pub(crate) alerts_lease: Mutex<Option<alerts::Lease>>,
    /// Query history entries not written yet (see `history`).
    pub(crate) history: history::HistoryQueue,
    /// This context, for the tasks it spawns (they must not keep it alive by themselves).
    pub(crate) me: std::sync::Weak<Ctx>,
}

impl Drop for Ctx {
    /// Whatever history is still queued is written before the context goes.
    fn drop(&mut self) {
        history::flush(self);
    }
}

/// The last few results, by query id (the least recently run or read dropped first), with
/// how their runs went.
#[derive(Default)]
pub(crate) struct ResultCache(std::collections::VecDeque<CachedRun>);

pub(crate) struct CachedRun {
    id: String,
    result: Arc<crate::model::QueryResult>,
    timing: crate::model::QueryTiming,
}

const RESULT_CACHE: usize = 16;

impl ResultCache {
    pub(crate) fn put(
        &mut self,
        id: String,
        result: Arc<crate::model::QueryResult>,
        timing: crate::model::QueryTiming,
    ) {
        self.0.retain(|c| c.id != id);
        self.0.push_back(CachedRun { id, result, timing });
        while self.0.len() > RESULT_CACHE {
            self.0.pop_front();
        }
    }
    /// The result kept under `id`; reading it makes it the last to be dropped (the table
    /// on screen reads its pages, the chart redraws it).
    pub(crate) fn get(&mut self, id: &str) -> Option<Arc<crate::model::QueryResult>> {
        let i = self.0.iter().position(|c| c.id == id)?;
        let run = self.0.remove(i)?;
        let result = run.result.clone();
        self.0.push_back(run);
        Some(result)
    }
    pub(crate) fn timing(&self, id: &str) -> Option<crate::model::QueryTiming> {
        self.0.iter().find(|c| c.id == id).map(|c| c.timing.clone())
    }
}

/// Removes a running query's token when the run ends, however it ends.
pub(crate) struct Running<'a> {
    ctx: &'a Ctx,
    id: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.ctx
            .running
            .lock()
            .expect("running map")
            .remove(&self.id);
    }
}

impl Ctx {
    pub fn new(opts: CtxOptions) -> Arc<Ctx> {
        let (events, _) = broadcast::channel(256);
        Arc::new_cyclic(|me| Ctx {
            me: me.clone(),
            history: Default::default(),
            store: Store::new(opts.config_dir),
            secrets: opts.secrets,
            env: opts.env_profile,
            data_dir: opts.data_dir,
            events,
            detected: Mutex::new(HashMap::new()),
            http: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            results: Mutex::new(ResultCache::default()),
            assistant: Default::default(),
            activity: Mutex::default(),
            alerts_lease: Mutex::default(),
        })
    }

    /// Write what is kept in memory to be written later (the query history's queue) now:
    /// for a process about to end without dropping its context.
    pub fn flush(&self) {
        history::flush(self);
    }

    pub fn config_dir(&self) -> &std::path::Path {
        self.store.dir()
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub fn info(&self) -> crate::model::AppInfo {
        crate::model::AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            config_dir: self.store.dir().display().to_string(),
            data_dir: self.data_dir.display().to_string(),
            secret_store: self.secrets.describe().to_string(),
            env_profile: self.env.is_some(),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, actor: &Actor, action: &str, detail: impl Into<String>) {
        self.emit_with(actor, action, detail.into(), None);
    }

    fn emit_with(
        &self,
        actor: &Actor,
        action: &str,
        detail: String,
        activity: Option<activity::ActivityEntry>,
    ) {
        tracing::info!(target: "influxdesk::activity", ?actor, action, %detail);
        let _ = self.events.send(Event {
            actor: actor.clone(),
            action: action.into(),
            detail,
            activity,
        });
    }

    pub(crate) fn register_running(&self, id: &str, token: CancellationToken) -> Running<'_> {
        self.running
            .lock()
            .expect("running map")
            .insert(id.to_string(), token);
        Running {
            ctx: self,
            id: id.to_string(),
        }
    }

    pub(crate) fn forget_detected(&self, id: &str) {
        self.detected.lock().expect("detected map").remove(id);
    }

    /// The secret of a profile: the env token, or the keychain's.
    pub(crate) async fn secret_of(&self, p: &Profile) -> Result<Option<Secret>> {
        if p.source == ProfileSource::Env {
            return Ok(self.env.as_ref().and_then(|e| e.token.clone()));
        }
        if !p.secret_stored {
            return Ok(None);
        }
        match self.secrets.get(&p.id).await? {
            Some(s) => Ok(Some(s)),
            None => Err(Error::Unauthorized(format!(
                "the keychain has no token/password for profile \"{}\" although one was saved. \
                 Edit the profile and enter it again.",
                p.name
            ))),
        }
    }

    /// A client for a profile, with `auto` resolved (probed once per profile and cached), on
    /// the shared HTTP client for its settings.
    pub(crate) async fn client(&self, p: &Profile) -> Result<Client> {
        let secret = self.secret_of(p).await?;
        let http = self.http_client(p)?;
        if p.api != ApiKind::Auto {
            return Client::with_http(p, secret, http);
        }
        let cached = self
            .detected
            .lock()
            .expect("detected map")
            .get(&p.id)
            .copied();
        if let Some(api) = cached {
            let mut resolved = p.clone();
            resolved.api = api;
            return Client::with_http(&resolved, secret, http);
        }
        let mut client = Client::with_http(p, secret, http)?;
        let probe = client.probe().await?;
        client.resolve_auto(probe.api);
        self.detected
            .lock()
            .expect("detected map")
            .insert(p.id.clone(), probe.api);
        Ok(client)
    }

    /// The HTTP client for `p`'s settings, built the first time they are seen.
    fn http_client(&self, p: &Profile) -> Result<reqwest::Client> {
        let settings = crate::influx::HttpSettings::of(p)?;
        let mut map = self.http.lock().expect("http clients");
        if let Some(c) = map.get(&settings) {
            return Ok(c.clone());
        }
        let c = settings.build()?;
        map.insert(settings, c.clone());
        Ok(c)
    }

    /// The language a query for `p` is in: the one named, or the profile's own (probing an
    /// `auto` profile's server once).
    pub(crate) async fn language_of(
        &self,
        p: &Profile,
        named: Option<crate::model::QueryLanguage>,
    ) -> Result<crate::model::QueryLanguage> {
        match named {
            Some(l) => Ok(l),
            None if p.api != ApiKind::Auto => Ok(natural_language(p.api)),
            None => Ok(natural_language(self.client(p).await?.api())),
        }
    }
}

/// The language a profile speaks natively once its API is known.
pub fn natural_language(api: ApiKind) -> crate::model::QueryLanguage {
    influx::default_language(api)
}
