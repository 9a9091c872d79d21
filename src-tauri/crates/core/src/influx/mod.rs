//! The InfluxDB HTTP client for all three API generations (v1 `/query` `/write`; v2
//! `/api/v2/*`; v3 `/api/v3/*`), coded against the official specs in `shared/specs`. It knows
//! HTTP, auth schemes, detection and response formats; it knows nothing of profiles files,
//! keychains or actors (that is `api`). Every failure becomes an [`Error`] that keeps the
//! server's text and says what to do; no error or log line carries a secret or a URL query.

pub mod admin_v1;
pub mod buckets;
pub mod builder;
pub mod catalog;
pub mod checks;
pub mod classify;
pub mod delete;
mod http;
pub mod lineproto;
pub mod parse;
pub mod predicate;
pub mod queries;
pub mod schema;
pub mod stream;
pub mod tasks;
pub use stream::{MAX_RESPONSE_BYTES, QueryRead, ReadTiming};
pub mod timerange;
pub mod tokens;
pub mod users;
pub mod write;

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::model::{ApiKind, ColumnType, Frame, Profile, QueryLanguage};
use crate::secrets::Secret;
pub use http::HttpSettings;
use http::parse_url;
use parse::Budget;

/// What `/ping` (and friends) told us about the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub api: ApiKind,
    pub product: String,
    pub version: String,
    pub latency_ms: f64,
}

enum Auth {
    None,
    /// v1 user + password, sent as HTTP basic auth (1.6.7 rejects `Token user:pass`).
    Basic(String, Secret),
    /// `Authorization: Token <t>` (v2; v1 1.8+; v3 accepts it too).
    Token(Secret),
    /// `Authorization: Bearer <t>` (v3).
    Bearer(Secret),
}

/// A client for one server with one set of credentials.
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    api: ApiKind,
    org: Option<String>,
    username: Option<String>,
    secret: Option<Secret>,
    auth: Auth,
}

impl Client {
    /// Build a client for `profile`. With `api: auto` call [`Client::connect`] instead, which
    /// probes the server first.
    pub fn new(profile: &Profile, secret: Option<Secret>) -> Result<Client> {
        let http = HttpSettings::of(profile)?.build()?;
        Client::with_http(profile, secret, http)
    }

    /// A client for `profile` on an HTTP client already built for its [`HttpSettings`] (kept
    /// by the context, so queries share connections and the TLS roots are loaded once).
    pub fn with_http(
        profile: &Profile,
        secret: Option<Secret>,
        http: reqwest::Client,
    ) -> Result<Client> {
        let base = parse_url(&profile.url)?;
        let mut c = Client {
            http,
            base,
            api: profile.api,
            org: profile.org.clone().filter(|s| !s.is_empty()),
            username: profile.username.clone().filter(|s| !s.is_empty()),
            secret: secret.filter(|s| !s.is_empty()),
            auth: Auth::None,
        };
        c.set_api(profile.api);
        Ok(c)
    }

    /// Build a client and, for `api: auto`, probe the server to learn which API it speaks.
    pub async fn connect(profile: &Profile, secret: Option<Secret>) -> Result<(Client, Probe)> {
        let mut c = Client::new(profile, secret)?;
        let probe = c.probe().await?;
        c.resolve_auto(probe.api);
        Ok((c, probe))
    }

    /// For an `auto` client, speak the API the probe found (others keep theirs).
    pub fn resolve_auto(&mut self, probed: ApiKind) {
        if self.api == ApiKind::Auto {
            self.set_api(probed);
        }
    }

    fn set_api(&mut self, api: ApiKind) {
        self.api = api;
        self.auth = match (api, &self.username, &self.secret) {
            (_, _, None) => Auth::None,
            (ApiKind::V1, Some(u), Some(s)) => Auth::Basic(u.clone(), s.clone()),
            (ApiKind::V3, _, Some(s)) => Auth::Bearer(s.clone()),
            (_, _, Some(s)) => Auth::Token(s.clone()),
        };
    }

    pub fn api(&self) -> ApiKind {
        self.api
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        let rb = self.http.request(method, url);
        match &self.auth {
            Auth::None => rb,
            Auth::Basic(u, p) => rb.basic_auth(u, Some(p.expose())),
            Auth::Token(t) => rb.header(AUTHORIZATION, sensitive("Token", t)),
            Auth::Bearer(t) => rb.header(AUTHORIZATION, sensitive("Bearer", t)),
        }
    }

    async fn send(&self, rb: RequestBuilder, what: &str) -> Result<Response> {
        rb.send().await.map_err(|e| self.send_error(e, what))
    }

    fn send_error(&self, e: reqwest::Error, what: &str) -> Error {
        let url = self.base.as_str().trim_end_matches('/');
        let mut chain = String::new();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = src {
            chain = s.to_string();
            src = s.source();
        }
        let lower = chain.to_ascii_lowercase();
        if e.is_timeout() {
            Error::Timeout(format!(
                "{what} timed out talking to {url}. The server may be overloaded or the query \
                 too large: narrow the time range, or raise the profile's timeout."
            ))
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            Error::Unreachable(format!(
                "TLS with {url} failed ({chain}). If the server uses a self-signed or private CA \
                 certificate, set the profile's CA certificate file (\"skip verify\" also works \
                 but is insecure); if the server speaks plain HTTP, use an http:// URL."
            ))
        } else if e.is_connect() {
            let why = if lower.contains("refused") {
                "connection refused: nothing listens there. Is InfluxDB running, and is the port right?"
            } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup")
            {
                "the host name does not resolve. Check the URL's host."
            } else {
                "check the URL and that the server is reachable from this machine."
            };
            Error::Unreachable(format!("could not connect to {url} for {what}: {why}"))
        } else {
            Error::Unreachable(format!(
                "{what} failed talking to {url}: {}",
                e.without_url()
            ))
        }
    }

    /// Map a non-success HTTP answer to an error, keeping the server's text.
    async fn check(&self, resp: Response, what: &str) -> Result<Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        Err(self.status_error(status, &body, what))
    }

    fn status_error(&self, status: StatusCode, body: &str, what: &str) -> Error {
        let server = server_message(body);
        let server_part = if server.is_empty() {
            String::new()
        } else {
            format!(": {server}")
        };
        let url = self.base.as_str().trim_end_matches('/');
        match status {
            StatusCode::UNAUTHORIZED => Error::Unauthorized(format!(
                "{url} rejected the credentials for {what} (401{server_part}). {}",
                match self.api {
                    ApiKind::V1 => "Check the profile's username and password.",
                    ApiKind::V3 => V3_TOKEN_HELP,
                    _ => "Check the profile's API token (and that it has not been revoked).",
                }
            )),
            StatusCode::FORBIDDEN if self.api == ApiKind::V3 => Error::Forbidden(format!(
                "{url} refused {what} (403{server_part}). The token is valid but lacks \
                 permission. {V3_TOKEN_HELP}"
            )),
            StatusCode::FORBIDDEN => Error::Forbidden(format!(
                "{url} refused {what} (403{server_part}). The credentials are valid but lack \
                 permission: use a token or user with access to this resource."
            )),
            StatusCode::NOT_FOUND => Error::NotFound(format!(
                "{what}: not found (404{server_part}). Check the database/bucket name{}.",
                if self.api == ApiKind::V2 {
                    " and the organization"
                } else {
                    ""
                }
            )),
            StatusCode::CONFLICT => {
                Error::Conflict(format!("{what}: conflict (409{server_part})."))
            }
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
                if what.starts_with("query") =>
            {
                if self.api == ApiKind::V1 || server.contains("error parsing query") {
                    parse::classify_v1_error(&server)
                } else {
                    Error::QuerySyntax(format!(
                        "the server could not run the query ({}{server_part}).",
                        status.as_u16()
                    ))
                }
            }
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => Error::InvalidInput(
                format!("{what} was rejected ({}{server_part}).", status.as_u16()),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Error::InvalidInput(format!(
                "{what} was too large for the server (413{server_part}). Split it into smaller \
                 batches."
            )),
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => Error::Timeout(format!(
                "{what} timed out on the server ({}{server_part}). Narrow the query or time range.",
                status.as_u16()
            )),
            s => Error::Internal(format!(
                "{url} answered {} to {what}{server_part}",
                s.as_u16()
            )),
        }
    }

    /// Ask `/ping` (and `/health` where needed) which server this is.
    pub async fn probe(&self) -> Result<Probe> {
        let start = Instant::now();
        let resp = self
            .send(self.request(Method::GET, "/ping"), "the connection test")
            .await?;
        let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
        let status = resp.status();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let version_h = header("x-influxdb-version");
        let build_h = header("x-influxdb-build");
        if status == StatusCode::UNAUTHORIZED {
            let body = resp.text().await.unwrap_or_default();
            return Err(self.status_error(status, &body, "the connection test"));
        }
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(Error::Unreachable(format!(
                "{} does not look like InfluxDB: /ping answered {}{}. Check the URL (it should \
                 be the server's base URL, e.g. http://host:8086).",
                self.base.as_str().trim_end_matches('/'),
                status.as_u16(),
                if body.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", server_message(&body))
                }
            )));
        }
        let body: Option<Value> = resp.json().await.ok();
        let body_version = body
            .as_ref()
            .and_then(|b| b.get("version"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let build = build_h.clone().unwrap_or_default();
        let version = version_h.or(body_version.clone()).unwrap_or_default();
        let v = version.trim_start_matches('v');
        let (api, product) = if build.eq_ignore_ascii_case("core")
            || build.eq_ignore_ascii_case("enterprise")
            || body_version.is_some()
            || v.starts_with("3.")
        {
            let b = if build.is_empty() {
                "Core".to_string()
            } else {
                build.clone()
            };
            (ApiKind::V3, format!("InfluxDB 3 {b}"))
        } else if v.starts_with("1.") {
            (
                ApiKind::V1,
                format!(
                    "InfluxDB 1.x{}",
                    if build.is_empty() {
                        String::new()
                    } else {
                        format!(" {build}")
                    }
                ),
            )
        } else if v.starts_with("2.") {
            (ApiKind::V2, "InfluxDB 2 OSS".to_string())
        } else if version.is_empty() {
            (ApiKind::V2, "InfluxDB Cloud".to_string())
        } else {
            (ApiKind::V2, format!("InfluxDB {build}").trim().to_string())
        };
        Ok(Probe {
            api,
            product,
            version,
            latency_ms,
        })
    }

    async fn v1_databases(&self) -> Result<Vec<String>> {
        let frames = self
            .query_v1("SHOW DATABASES", None, &mut Budget::new(100_000))
            .await?;
        Ok(frames
            .iter()
            .filter_map(|f| f.column("name"))
            .flat_map(|c| {
                c.values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
            })
            .collect())
    }

    /// Databases (v1, v3) or buckets (v2) visible with these credentials.
    pub async fn databases(&self) -> Result<Vec<String>> {
        match self.api {
            ApiKind::V1 | ApiKind::Auto => self.v1_databases().await,
            // Buckets and v3 databases come with their retention from one listing.
            ApiKind::V2 | ApiKind::V3 => Ok(self
                .list_buckets()
                .await?
                .into_iter()
                .map(|b| b.name)
                .collect()),
        }
    }

    /// Run a query. `database` is `db`, `db/rp` (v1) or a bucket name (v2 InfluxQL via DBRP).
    /// Returns the frames and whether rows were cut at `row_limit` (or at
    /// [`MAX_RESPONSE_BYTES`]).
    pub async fn query(
        &self,
        lang: QueryLanguage,
        database: Option<&str>,
        q: &str,
        row_limit: usize,
    ) -> Result<(Vec<Frame>, bool)> {
        let r = self.query_read(lang, database, q, row_limit).await?;
        Ok((r.frames, r.capped))
    }

    /// [`Client::query`], saying also how many bytes of the response were read: the body is
    /// parsed as it streams in, and reading stops (the response is closed, and a 1.x server
    /// told to KILL the query) at the row cap or at [`MAX_RESPONSE_BYTES`].
    pub async fn query_read(
        &self,
        lang: QueryLanguage,
        database: Option<&str>,
        q: &str,
        row_limit: usize,
    ) -> Result<QueryRead> {
        let mut budget = Budget::new(row_limit);
        let mut bytes_read = 0;
        let mut killed = false;
        let mut timing = stream::ReadTiming::start();
        let frames = match (self.api, lang) {
            (ApiKind::V1 | ApiKind::Auto, QueryLanguage::Influxql) => {
                let r = self.query_v1_chunked(q, database, &mut budget).await?;
                bytes_read = r.bytes_read;
                killed = r.killed;
                timing = r.timing;
                r.frames
            }
            (ApiKind::V2, QueryLanguage::Influxql) => {
                // Read whole, then parsed: the first byte is not seen apart.
                let frames = self.query_v1(q, database, &mut budget).await?;
                timing.parsed = Some(std::time::Instant::now());
                frames
            }
            (ApiKind::V2, QueryLanguage::Flux) => {
                let mut rb = self
                    .request(Method::POST, "/api/v2/query")
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/csv")
                    .json(&json!({
                        "query": q,
                        "type": "flux",
                        "dialect": {"header": true, "delimiter": ",", "annotations": ["datatype", "group", "default"]}
                    }));
                if let Some(org) = &self.org {
                    rb = rb.query(&[("org", org)]);
                }
                let mut resp = self.check(self.send(rb, "query").await?, "query").await?;
                let mut csv = parse::FluxCsv::default();
                let mut pending: Vec<u8> = Vec::new();
                let (read, _) = self
                    .read_capped(&mut resp, &mut budget, &mut timing, |b, budget| {
                        pending.extend_from_slice(b);
                        let end = stream::complete_records(&pending);
                        csv.records(&pending[..end], budget)?;
                        pending.drain(..end);
                        if pending.len() > stream::MAX_LINE_BYTES {
                            return Err(Error::Internal(
                                "the server sent a CSV record longer than 64 MB; narrow the query"
                                    .into(),
                            ));
                        }
                        Ok(())
                    })
                    .await?;
                if !budget.truncated {
                    timing.parsing(|| csv.records(&pending, &mut budget))?;
                }
                timing.parsed = Some(std::time::Instant::now());
                bytes_read = read;
                csv.frames
            }
            (ApiKind::V3, QueryLanguage::Sql | QueryLanguage::Influxql) => {
                let db = database.filter(|d| !d.is_empty()).ok_or_else(|| {
                    Error::invalid("InfluxDB 3 queries need a database: pick one, or set the profile's default database")
                })?;
                let path = if lang == QueryLanguage::Sql {
                    "/api/v3/query_sql"
                } else {
                    "/api/v3/query_influxql"
                };
                // JSON Lines come from `format: jsonl`. The spec also lists `Accept:
                // application/jsonl`, but the real InfluxDB 3 Core (3.10) refuses that header
                // with 400 "invalid mime type": the server wins, so ask for `application/json`
                // (in the spec's enum too) and let `format` pick the lines.
                let rb = self
                    .request(Method::POST, path)
                    .header("Accept", "application/json")
                    .json(&json!({"db": db, "q": q, "format": "jsonl"}));
                let mut resp = self.check(self.send(rb, "query").await?, "query").await?;
                let mut rows = stream::JsonLines::default();
                let (read, _) = self
                    .read_capped(&mut resp, &mut budget, &mut timing, |b, budget| {
                        rows.feed(b, budget)
                    })
                    .await?;
                bytes_read = read;
                let frames = timing.parsing(|| rows.finish(&mut budget))?;
                timing.parsed = Some(std::time::Instant::now());
                frames
            }
            (api, lang) => {
                return Err(Error::invalid(format!(
                    "{} cannot run {} queries. {}",
                    api_name(api),
                    lang_name(lang),
                    match api {
                        ApiKind::V1 => "InfluxDB 1.x speaks InfluxQL.",
                        ApiKind::V2 => "InfluxDB 2.x speaks Flux and InfluxQL.",
                        _ => "InfluxDB 3 speaks SQL and InfluxQL.",
                    }
                )));
            }
        };
        Ok(QueryRead {
            frames,
            capped: budget.truncated,
            bytes_read,
            killed,
            timing,
        })
    }

    async fn query_v1(
        &self,
        q: &str,
        database: Option<&str>,
        budget: &mut Budget,
    ) -> Result<Vec<Frame>> {
        // 2.x's v1-compat `/query` (influxdb-v2-v1compat.yml) documents no `epoch`: there times
        // come back as RFC 3339 strings, typed as time below.
        let v2 = self.api == ApiKind::V2;
        let mut params: Vec<(&str, &str)> = vec![("q", q)];
        if !v2 {
            params.push(("epoch", "ns"));
        }
        let (db, rp) = split_db_rp(database);
        if v2 && db.is_none() {
            return Err(Error::invalid(
                "InfluxQL on InfluxDB 2.x needs a bucket (a database mapped by DBRP): pick one, or \
                 set the profile's default bucket",
            ));
        }
        if let Some(db) = db {
            params.push(("db", db));
        }
        if let Some(rp) = rp {
            params.push(("rp", rp));
        }
        // Reads go as GET; anything that changes state must be a POST on 1.x. 2.x's v1-compat
        // `/query` is documented (influxdb-v2-v1compat.yml) for POST only: always POST there.
        let first = q
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let read_only = (first == "SELECT" && !contains_word(q, "INTO")) || first == "SHOW";
        let method = if read_only && !v2 {
            Method::GET
        } else {
            Method::POST
        };
        let rb = self.request(method, "/query").query(&params);
        let resp = self.check(self.send(rb, "query").await?, "query").await?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.send_error(e, "reading the query result"))?;
        let mut frames = parse::v1_json(&body, budget)?;
        if v2 {
            frames.iter_mut().for_each(type_rfc3339_time);
        }
        Ok(frames)
    }

    /// Stop a running InfluxQL query on a 1.x server (`SHOW QUERIES` + `KILL QUERY`). The
    /// server lists queries re-formatted (`946684800s` comes back as `10957d`), so the match
    /// is on the database and the statement's shape before WHERE, and among several, the one
    /// whose running time is closest to ours. Other servers stop when the connection closes;
    /// this returns false there.
    pub async fn kill_query(
        &self,
        text: &str,
        database: Option<&str>,
        elapsed: Duration,
    ) -> Result<bool> {
        if !matches!(self.api, ApiKind::V1 | ApiKind::Auto) {
            return Ok(false);
        }
        let (db, _) = split_db_rp(database);
        let shape = statement_shape(text);
        let mut best: Option<(u64, f64)> = None;
        for q in self.v1_show_queries().await? {
            let Ok(id) = q.id.parse::<u64>() else {
                continue;
            };
            let same_db = db.is_none_or(|d| q.database == d);
            if !same_db || statement_shape(&q.query) != shape {
                continue;
            }
            let gap = (q.seconds.unwrap_or(0.0) - elapsed.as_secs_f64()).abs();
            if best.is_none_or(|(_, g)| gap < g) {
                best = Some((id, gap));
            }
        }
        let Some((id, _)) = best else {
            return Ok(false);
        };
        self.kill_running_query(id).await?;
        Ok(true)
    }

    /// The Prometheus text of `/metrics` (v2, v3).
    pub async fn prometheus_metrics(&self) -> Result<String> {
        let resp = self
            .send(self.request(Method::GET, "/metrics"), "reading /metrics")
            .await?;
        self.check(resp, "reading /metrics")
            .await?
            .text()
            .await
            .map_err(|e| self.send_error(e, "reading /metrics"))
    }
}

/// What to do about a 401/403 from InfluxDB 3: its token model has admin tokens (everything,
/// what a desktop profile needs) and, on Enterprise, per-database resource tokens.
const V3_TOKEN_HELP: &str = "InfluxDB 3 needs an API token: give the profile an admin token \
     (on the server, `influxdb3 create token --admin` prints a new one once), or a token with \
     read and write access to this database.";

/// An Authorization value marked sensitive, so HTTP-level debug output never shows it.
fn sensitive(scheme: &str, t: &Secret) -> HeaderValue {
    let mut v = HeaderValue::from_str(&format!("{scheme} {}", t.expose()))
        .unwrap_or_else(|_| HeaderValue::from_static("Token invalid-characters-in-token"));
    v.set_sensitive(true);
    v
}

/// A statement compared without case, quotes and spaces, up to its WHERE.
fn statement_shape(q: &str) -> String {
    let flat: String = q
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
        .to_lowercase();
    match flat.find("where") {
        Some(i) => flat[..i].to_string(),
        None => flat,
    }
}

/// Seconds of a Go duration string as `SHOW QUERIES` prints it ("1m2.5s", "51µs").
fn go_duration(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s.trim();
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        total += v * match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "µs" | "us" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[u..];
    }
    Some(total)
}

/// `db/rp` -> (db, rp). A bare name is a database with its default retention policy.
pub fn split_db_rp(database: Option<&str>) -> (Option<&str>, Option<&str>) {
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        None => (None, None),
        Some(d) => match d.split_once('/') {
            Some((db, rp)) if !rp.is_empty() => (Some(db), Some(rp)),
            Some((db, _)) => (Some(db), None),
            None => (Some(d), None),
        },
    }
}

/// A `time` column of RFC 3339 strings (v1-compat answers without `epoch`) as a time column,
/// in the same normalized form as epoch answers.
fn type_rfc3339_time(frame: &mut Frame) {
    for col in frame
        .columns
        .iter_mut()
        .filter(|c| c.name == "time" && c.kind == ColumnType::String)
    {
        if col.values.text_as_times() {
            col.kind = ColumnType::Time;
        }
    }
}

fn contains_word(q: &str, word: &str) -> bool {
    q.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w.eq_ignore_ascii_case(word))
}

async fn json_body(resp: Response) -> Result<Value> {
    resp.json()
        .await
        .map_err(|e| Error::Internal(format!("the server sent a response that is not JSON: {e}")))
}

/// The useful text of an error body: v1 `{"error"}`, v2 `{"code","message"}`, v3 text/JSON.
fn server_message(body: &str) -> String {
    let body = body.trim();
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        for key in ["message", "error", "msg"] {
            if let Some(m) = v.get(key).and_then(Value::as_str) {
                return m.to_string();
            }
        }
    }
    body.chars().take(500).collect()
}

pub fn api_name(api: ApiKind) -> &'static str {
    match api {
        ApiKind::V1 => "InfluxDB 1.x",
        ApiKind::V2 => "InfluxDB 2.x",
        ApiKind::V3 => "InfluxDB 3",
        ApiKind::Auto => "InfluxDB",
    }
}

fn lang_name(l: QueryLanguage) -> &'static str {
    match l {
        QueryLanguage::Influxql => "InfluxQL",
        QueryLanguage::Flux => "Flux",
        QueryLanguage::Sql => "SQL",
    }
}

/// The language a server speaks natively.
pub fn default_language(api: ApiKind) -> QueryLanguage {
    match api {
        ApiKind::V2 => QueryLanguage::Flux,
        ApiKind::V3 => QueryLanguage::Sql,
        _ => QueryLanguage::Influxql,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_queries_matching() {
        assert_eq!(
            statement_shape("SELECT count(v) FROM m WHERE time >= 946684800s GROUP BY time(10s)"),
            statement_shape("SELECT count(v) FROM \"m\" WHERE time >= 10957d GROUP BY time(10s)")
        );
        assert_eq!(go_duration("1m2.5s"), Some(62.5));
        assert_eq!(go_duration("51µs"), Some(51e-6));
        assert_eq!(go_duration("bad"), None);
    }

    #[test]
    fn db_rp_split() {
        assert_eq!(
            split_db_rp(Some("telegraf/autogen")),
            (Some("telegraf"), Some("autogen"))
        );
        assert_eq!(split_db_rp(Some("telegraf")), (Some("telegraf"), None));
        assert_eq!(split_db_rp(Some(" ")), (None, None));
    }

    #[test]
    fn server_messages_are_extracted() {
        assert_eq!(
            server_message(r#"{"code":"invalid","message":"bad org"}"#),
            "bad org"
        );
        assert_eq!(
            server_message(r#"{"error":"authorization failed"}"#),
            "authorization failed"
        );
        assert_eq!(server_message("plain text\n"), "plain text");
    }
}
