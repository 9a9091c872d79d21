//! A spec-checking HTTP stub of InfluxDB v2 and v3 servers, for contract tests.
//!
//! No 2.x or 3.x server can be installed on the test machines, so v2/v3 client code is tested
//! against this stub instead. It loads the official OpenAPI descriptions from `shared/specs`,
//! checks every request it receives against the operation the spec documents for it, records
//! each departure from the spec as a *violation*, and answers with the spec's documented
//! response shapes.
//!
//! # Where the specs come from
//!
//! `$INFLUXDESK_SPECS_DIR` if set, else `<testkit's CARGO_MANIFEST_DIR>/../../../../shared/specs`
//! (the repository root's sibling `shared/specs`). A missing file panics with a clear message.
//! Parsed specs are cached per process.
//!
//! | [`Spec`] | files | served paths |
//! |---|---|---|
//! | `V2` | `influxdb-v2-oss.yml` + `influxdb-v2-v1compat.yml` | `/api/v2/...`, plus `/ping`, `/health`, `/ready`, `/metrics`, `/debug/pprof/*` at the root, plus v1-compat `POST /query`, `POST /write` |
//! | `V2V1Compat` | `influxdb-v2-v1compat.yml` | `POST /query`, `POST /write` |
//! | `V3` | `influxdb3-core.yml` | `/api/v3/...`, `/api/v2/write`, `/query`, `/write`, `/health`, `/ping`, `/metrics`, `/api/v1/health` |
//!
//! Server prefixes: the v2 OSS spec declares `servers: [{url: /api/v2}]` and spec paths relative
//! to it (`/buckets` is served as `/api/v2/buckets`); operations with their own
//! `servers: [{url: ''}]` (`/ping`, `/health`, `/ready`, `/metrics`, `/debug/pprof/*`) are served
//! at the root. The spec path `/` (GetRoutes) is served as `/api/v2`. Absolute server URLs
//! (v3's `https://{baseurl}`) contribute only their path (none).
//!
//! # Usage
//!
//! ```no_run
//! # async fn demo() {
//! use influxdesk_testkit::spec_stub::{Spec, SpecStub};
//! let stub = SpecStub::start(Spec::V2).await;
//! stub.respond("POST", "/api/v2/query", 200, "application/csv", "#datatype,string\n");
//! // ... point the client under test at stub.url() ...
//! stub.assert_conforms();
//! # }
//! ```
//!
//! # What a request is checked for
//!
//! - method + path must match a documented operation (path templates such as
//!   `/api/v2/buckets/{bucketID}`; literal segments win over templated ones). Otherwise a
//!   violation, answered 404 with the spec's error shape.
//! - query parameters: required ones present (and not empty unless `allowEmptyValue`), none that
//!   the operation does not declare (except `u`/`p` where query-string auth applies), values of
//!   the declared type (integer, number, boolean, arrays as repeated params), enums, min/max,
//!   minLength/maxLength; a non-array parameter given twice is a violation.
//! - header parameters: required ones present; `Content-Type` (compared without parameters such
//!   as charset), `Accept` (any listed range matching, `*/*` and `type/*` accepted) and
//!   `Accept-Encoding` against their enums; other headers against their schema.
//! - authorization: the operation's `security` (or the document's) must be satisfied by one
//!   alternative: `TokenAuthentication` = `Authorization: Token <t>`, `BearerAuthentication` =
//!   `Authorization: Bearer <t>`, `BasicAuthentication` = `Authorization: Basic <base64>`,
//!   `QuerystringAuthentication` = `u` and `p` query parameters. `security: []` needs nothing.
//!   Exception (`V2` only): `GET|HEAD /ping`, `GET /health`, `GET /ready`, `GET /metrics` and
//!   `GET|POST /api/v2/setup` need no credentials, as on a real 2.x server (the spec inherits
//!   the global token requirement there).
//! - request body (not for GET/HEAD, where any body is a violation and a documented body is
//!   ignored): required bodies present; a body needs a `Content-Type` that is one of the
//!   documented media types (or one of the `Content-Type` header parameter's enum values: the
//!   v1-compat `/query` documents `text/plain` as body but `application/vnd.influxql` as
//!   header); JSON bodies (`application/json`, `*+json`) must parse and validate against the
//!   schema; `application/x-www-form-urlencoded` bodies are validated field by field against an
//!   object schema; text bodies must be non-empty UTF-8. Gzip/deflate-encoded bodies are only
//!   checked for being non-empty.
//! - schema validation: `$ref`, `type` (string/integer/number/boolean/array/object), `nullable`,
//!   `enum`, `required` (readOnly properties are not required in requests), `properties`,
//!   `additionalProperties` (false or a schema), `items`, `minItems`/`maxItems`,
//!   `minLength`/`maxLength`, `minimum`/`maximum`; `allOf` applies every branch, `oneOf`/`anyOf`
//!   pass if any branch validates.
//!
//! Not checked: `pattern`, `format`, `uniqueItems`, `discriminator`, cookie params, readOnly
//! properties sent in requests, and whether the client can parse the answer.
//!
//! # Answers
//!
//! - a request with violations gets an error status: 401 if credentials are missing or
//!   malformed, else 400 (422 if the operation documents 422 but not 400). The body follows
//!   that response's schema (else the operation's `default` response, else the document's
//!   error schema: v2 `Error {code, message}`, v3 `ErrorMessage {error, data}`), with `code` /
//!   `message` / `error` filled from the violations (v3 documents most errors without content).
//! - otherwise a scripted answer ([`SpecStub::respond`]) for exactly that method + path; it stays
//!   in place for every later matching request until replaced by another `respond` call.
//! - otherwise the lowest documented 2xx: no body if it documents no content (e.g. 204), else
//!   the media type chosen by the `format` query parameter (v3) or `Accept`, defaulting to the
//!   first documented one, with the media type's `example`/`examples` (JSON ones only if they
//!   validate: a few v2 examples contradict their schema), else the schema's (valid)
//!   `example`, else a minimal valid instance (required properties only). Documented
//!   response headers that carry an example are sent too (v3 `/ping`: `x-influxdb-version`).
//!
//! Scripted bodies are served as given and not validated against the response schema (the v3
//! spec's JSON query response schema is v1-shaped while real 3.x servers answer with an array
//! of row objects).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

mod answer;
mod check;
mod schema;
mod spec;

use answer::*;
use check::*;
use schema::*;
use spec::*;

/// Which server API the stub speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    /// InfluxDB 2.x OSS: `influxdb-v2-oss.yml` plus the v1-compat `/query` and `/write`.
    V2,
    /// Only the v2 server's v1-compatibility API (`influxdb-v2-v1compat.yml`).
    V2V1Compat,
    /// InfluxDB 3 Core (`influxdb3-core.yml`).
    V3,
}

impl Spec {
    fn files(self) -> &'static [&'static str] {
        match self {
            Spec::V2 => &["influxdb-v2-oss.yml", "influxdb-v2-v1compat.yml"],
            Spec::V2V1Compat => &["influxdb-v2-v1compat.yml"],
            Spec::V3 => &["influxdb3-core.yml"],
        }
    }
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Upper-case method, e.g. `POST`.
    pub method: String,
    /// The path as received (still percent-encoded), without the query string.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Headers with lower-case names, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The ways this request departed from the spec (empty if it conforms).
    pub violations: Vec<String>,
    /// The status the stub answered with.
    pub status: u16,
}

impl Recorded {
    /// First header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// First query parameter of that name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A running stub server; stops when dropped.
pub struct SpecStub {
    inner: Arc<Inner>,
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

struct Inner {
    index: Arc<SpecIndex>,
    state: Mutex<StubState>,
}

#[derive(Default)]
struct StubState {
    requests: Vec<Recorded>,
    scripted: HashMap<(String, String), Answer>,
}

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl SpecStub {
    /// Loads the spec (cached per process), binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(spec: Spec) -> SpecStub {
        let index = tokio::task::spawn_blocking(move || SpecIndex::get(spec))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        let inner = Arc::new(Inner {
            index,
            state: Mutex::new(StubState::default()),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("spec stub: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("spec stub: local_addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SpecStub { inner, addr, task }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The spec this stub checks against.
    pub fn spec(&self) -> Spec {
        self.inner.index.spec
    }

    /// Script the answer for the next requests matching METHOD + PATH (exact path, no query);
    /// it stays until replaced. The status and content type must be one the spec documents for
    /// that operation (explicit codes or `2XX`-style ranges; `default` does not count), else
    /// this panics. Pass `""` as content type for a response without content. For an error
    /// status whose documented response has no content (common in the v3 spec),
    /// `application/json` is accepted too. The body is served as given.
    pub fn respond(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) {
        self.respond_with_headers(method, path, status, content_type, &[], body);
    }

    /// Like [`respond`](Self::respond), with extra response headers (e.g.
    /// `X-Influxdb-Version` on `/ping`). Header names and values are not checked.
    pub fn respond_with_headers(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) {
        let method = method.to_ascii_uppercase();
        let index = &self.inner.index;
        let op = match index.find(&method, path) {
            Found::Op(op) => op,
            Found::WrongMethod(template, methods) => panic!(
                "spec stub respond({method} {path}): {template} documents only {} in {:?}",
                methods.join(", "),
                index.spec
            ),
            Found::None => panic!(
                "spec stub respond({method} {path}): no such path in the {:?} spec ({})",
                index.spec,
                index.spec.files().join(" + ")
            ),
        };
        let documented: Vec<String> = op.explicit_codes().iter().map(|c| c.to_string()).collect();
        let resp = op.documented_response(status).unwrap_or_else(|| {
            panic!(
                "spec stub respond({method} {path}): status {status} is not documented for {} (documented: {})",
                op.describe(),
                documented.join(", ")
            )
        });
        let media: Vec<String> = media_entries(&op.doc, resp)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let ct = essence(content_type);
        let ok = if media.is_empty() {
            ct.is_empty() || (status >= 400 && is_json(&ct))
        } else {
            !ct.is_empty() && media.iter().any(|k| media_match(&ct, k))
        };
        if !ok {
            panic!(
                "spec stub respond({method} {path}): content type `{content_type}` is not documented for status {status} of {} (documented: {})",
                op.describe(),
                if media.is_empty() {
                    "no content".to_string()
                } else {
                    media.join(", ")
                }
            );
        }
        let answer = Answer {
            status,
            content_type: (!content_type.is_empty()).then(|| content_type.to_string()),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        };
        self.inner
            .state
            .lock()
            .unwrap()
            .scripted
            .insert((method, path.to_string()), answer);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.state.lock().unwrap().requests.clone()
    }

    /// Every way a request departed from the spec, as `METHOD /path?query: what`.
    pub fn violations(&self) -> Vec<String> {
        self.inner
            .state
            .lock()
            .unwrap()
            .requests
            .iter()
            .flat_map(|r| {
                let target = request_target(r);
                r.violations
                    .iter()
                    .map(move |v| format!("{} {target}: {v}", r.method))
            })
            .collect()
    }

    /// Panics listing the violations; also panics if no request was received.
    pub fn assert_conforms(&self) {
        let spec = self.inner.index.spec;
        let received = self.inner.state.lock().unwrap().requests.len();
        if received == 0 {
            panic!("spec stub ({spec:?}): no request was received");
        }
        let violations = self.violations();
        if !violations.is_empty() {
            panic!(
                "spec stub ({spec:?}, {}): {} violation(s):\n  - {}",
                spec.files().join(" + "),
                violations.len(),
                violations.join("\n  - ")
            );
        }
    }
}

impl Drop for SpecStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn request_target(r: &Recorded) -> String {
    if r.query.is_empty() {
        r.path.clone()
    } else {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(r.query.iter())
            .finish();
        format!("{}?{q}", r.path)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut rec = Recorded {
        method: method.as_str().to_ascii_uppercase(),
        path: uri.path().to_string(),
        query: uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        violations: Vec::new(),
        status: 0,
    };
    let answer = inner.process(&mut rec);
    rec.status = answer.status;
    inner.state.lock().unwrap().requests.push(rec);

    let mut resp = Response::new(Body::from(answer.body));
    *resp.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    if let Some(ct) = answer.content_type
        && let Ok(v) = HeaderValue::from_str(&ct)
    {
        h.insert(axum::http::header::CONTENT_TYPE, v);
    }
    for (k, v) in answer.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.insert(k, v);
        }
    }
    resp
}

impl Inner {
    fn process(&self, rec: &mut Recorded) -> Answer {
        let index = &self.index;
        match index.find(&rec.method, &rec.path) {
            Found::Op(op) => {
                let auth_bad = check_request(op, rec);
                if !rec.violations.is_empty() {
                    return error_answer(
                        &op.doc,
                        Some(op),
                        error_status(op, auth_bad),
                        &rec.violations.join("; "),
                    );
                }
                let scripted = self
                    .state
                    .lock()
                    .unwrap()
                    .scripted
                    .get(&(rec.method.clone(), rec.path.clone()))
                    .cloned();
                scripted.unwrap_or_else(|| default_answer(op, rec))
            }
            Found::WrongMethod(template, methods) => {
                rec.violations.push(format!(
                    "method {} is not documented for {template} (documented: {})",
                    rec.method,
                    methods.join(", ")
                ));
                error_answer(&index.docs[0], None, 404, &rec.violations.join("; "))
            }
            Found::None => {
                rec.violations.push(format!(
                    "no such path in the {:?} spec ({})",
                    index.spec,
                    index.spec.files().join(" + ")
                ));
                error_answer(&index.docs[0], None, 404, &rec.violations.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests;
