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

// ---------------------------------------------------------------------------------------------
// Spec loading and indexing

struct Doc {
    file: String,
    root: Yaml,
}

impl Doc {
    /// Follows `$ref`s (sibling keywords are ignored, as OpenAPI 3.0 says).
    fn resolve<'a>(&'a self, mut v: &'a Yaml) -> &'a Yaml {
        for _ in 0..64 {
            match v.get("$ref").and_then(Yaml::as_str) {
                Some(r) => {
                    v = self.pointer(r).unwrap_or_else(|| {
                        panic!("spec stub: unresolvable $ref `{r}` in {}", self.file)
                    })
                }
                None => return v,
            }
        }
        v
    }

    fn pointer(&self, r: &str) -> Option<&Yaml> {
        let p = r.strip_prefix("#/")?;
        let mut cur = &self.root;
        for seg in p.split('/') {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            cur = cur.get(seg.as_str())?;
        }
        Some(cur)
    }
}

fn specs_dir() -> PathBuf {
    match std::env::var_os("INFLUXDESK_SPECS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/specs"),
    }
}

fn load_doc(file: &str) -> Arc<Doc> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Doc>>>> = OnceLock::new();
    let path = specs_dir().join(file);
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(d) = cache.get(&path) {
        return d.clone();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "spec stub: cannot read the OpenAPI spec {} ({e}). The specs live in the repository \
             root's sibling `shared/specs`; set INFLUXDESK_SPECS_DIR to the directory holding \
             {file} if they are elsewhere.",
            path.display()
        )
    });
    let root: Yaml = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("spec stub: {} is not valid YAML: {e}", path.display()));
    let doc = Arc::new(Doc {
        file: file.to_string(),
        root,
    });
    cache.insert(path, doc.clone());
    doc
}

const METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

/// Operations a real 2.x server serves without credentials although the spec inherits the
/// global token requirement.
const V2_PUBLIC: &[(&str, &str)] = &[
    ("GET", "/ping"),
    ("HEAD", "/ping"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/api/v2/setup"),
    ("POST", "/api/v2/setup"),
];

#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Param(String),
}

struct Operation {
    doc: Arc<Doc>,
    method: String,
    template: String,
    segments: Vec<Seg>,
    op: Yaml,
    /// Resolved parameters (path-level merged with operation-level).
    params: Vec<Yaml>,
    /// Security alternatives (each a list of scheme names that must all be satisfied).
    security: Vec<Vec<String>>,
    auth_required: bool,
}

impl Operation {
    fn describe(&self) -> String {
        match self.op.get("operationId").and_then(Yaml::as_str) {
            Some(id) => format!("{} {} ({id})", self.method, self.template),
            None => format!("{} {}", self.method, self.template),
        }
    }

    fn responses(&self) -> Vec<(String, &Yaml)> {
        entries(self.op.get("responses"))
    }

    fn explicit_codes(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self
            .responses()
            .iter()
            .filter_map(|(k, _)| k.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// The response documented for this status: an explicit code or an `NXX` range.
    fn documented_response(&self, status: u16) -> Option<&Yaml> {
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let responses = self.responses();
        responses
            .iter()
            .find(|(k, _)| *k == code)
            .or_else(|| {
                responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
            })
            .map(|(_, v)| self.doc.resolve(v))
    }

    fn default_response(&self) -> Option<&Yaml> {
        self.responses()
            .into_iter()
            .find(|(k, _)| k == "default")
            .map(|(_, v)| self.doc.resolve(v))
    }

    fn params_in<'a>(&'a self, location: &'a str) -> impl Iterator<Item = &'a Yaml> + 'a {
        self.params
            .iter()
            .filter(move |p| p.get("in").and_then(Yaml::as_str) == Some(location))
    }
}

struct SpecIndex {
    spec: Spec,
    docs: Vec<Arc<Doc>>,
    ops: Vec<Operation>,
}

enum Found<'a> {
    Op(&'a Operation),
    WrongMethod(String, Vec<String>),
    None,
}

impl SpecIndex {
    fn get(spec: Spec) -> Arc<SpecIndex> {
        type IndexCache = Mutex<HashMap<(Spec, PathBuf), Arc<SpecIndex>>>;
        static CACHE: OnceLock<IndexCache> = OnceLock::new();
        let key = (spec, specs_dir());
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| Arc::new(SpecIndex::build(spec)))
            .clone()
    }

    fn build(spec: Spec) -> SpecIndex {
        let docs: Vec<Arc<Doc>> = spec.files().iter().map(|f| load_doc(f)).collect();
        let mut ops = Vec::new();
        for doc in &docs {
            collect_ops(spec, doc, &mut ops);
        }
        SpecIndex { spec, docs, ops }
    }

    fn find(&self, method: &str, path: &str) -> Found<'_> {
        let segs: Vec<String> = split_path(path).map(percent_decode).collect();
        // Best template: most literal segments, earliest first.
        let mut best: Option<(Vec<bool>, &str)> = None;
        for op in &self.ops {
            if op.segments.len() != segs.len() {
                continue;
            }
            let matches = op.segments.iter().zip(&segs).all(|(t, s)| match t {
                Seg::Lit(l) => l == s,
                Seg::Param(_) => !s.is_empty(),
            });
            if !matches {
                continue;
            }
            let score: Vec<bool> = op
                .segments
                .iter()
                .map(|s| matches!(s, Seg::Lit(_)))
                .collect();
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, &op.template));
            }
        }
        let Some((_, template)) = best else {
            return Found::None;
        };
        let same: Vec<&Operation> = self.ops.iter().filter(|o| o.template == template).collect();
        match same.iter().find(|o| o.method == method) {
            Some(op) => Found::Op(op),
            None => Found::WrongMethod(
                template.to_string(),
                same.iter().map(|o| o.method.clone()).collect(),
            ),
        }
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn collect_ops(spec: Spec, doc: &Arc<Doc>, out: &mut Vec<Operation>) {
    let root = &doc.root;
    for (p, item) in entries(root.get("paths")) {
        let item = doc.resolve(item);
        let path_params: Vec<Yaml> = seq(item.get("parameters"))
            .iter()
            .map(|x| doc.resolve(x).clone())
            .collect();
        for (m, op) in entries(Some(item)) {
            let method = m.to_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let prefix = server_prefix(
                op.get("servers")
                    .or_else(|| item.get("servers"))
                    .or_else(|| root.get("servers")),
            );
            let template = if p == "/" && !prefix.is_empty() {
                prefix.clone()
            } else {
                format!("{prefix}{p}")
            };
            let segments = split_path(&template)
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) if !name.contains(['{', '}']) => Seg::Param(name.to_string()),
                        _ => Seg::Lit(s.to_string()),
                    },
                )
                .collect();
            let mut params = path_params.clone();
            for prm in seq(op.get("parameters")) {
                let prm = doc.resolve(prm).clone();
                let key = param_key(&prm);
                params.retain(|x| param_key(x) != key);
                params.push(prm);
            }
            let security: Vec<Vec<String>> =
                seq(op.get("security").or_else(|| root.get("security")))
                    .iter()
                    .map(|req| entries(Some(req)).into_iter().map(|(k, _)| k).collect())
                    .collect();
            let public = spec == Spec::V2
                && V2_PUBLIC
                    .iter()
                    .any(|(pm, pp)| *pm == method && *pp == template);
            let auth_required =
                !public && !security.is_empty() && security.iter().all(|alt| !alt.is_empty());
            out.push(Operation {
                doc: doc.clone(),
                method,
                template,
                segments,
                op: op.clone(),
                params,
                security,
                auth_required,
            });
        }
    }
}

fn param_key(p: &Yaml) -> (String, String) {
    let location = p.get("in").and_then(Yaml::as_str).unwrap_or("").to_string();
    let mut name = p
        .get("name")
        .and_then(Yaml::as_str)
        .unwrap_or("")
        .to_string();
    if location == "header" {
        name = name.to_ascii_lowercase();
    }
    (location, name)
}

fn server_prefix(servers: Option<&Yaml>) -> String {
    let url = seq(servers)
        .first()
        .and_then(|s| s.get("url"))
        .and_then(Yaml::as_str)
        .unwrap_or("");
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("")
        }
        None => url,
    };
    path.trim_end_matches('/').to_string()
}

fn entries(v: Option<&Yaml>) -> Vec<(String, &Yaml)> {
    match v {
        Some(Yaml::Mapping(m)) => m.iter().map(|(k, v)| (key_str(k), v)).collect(),
        _ => Vec::new(),
    }
}

fn key_str(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn seq(v: Option<&Yaml>) -> &[Yaml] {
    v.and_then(Yaml::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn to_json(v: &Yaml) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

// ---------------------------------------------------------------------------------------------
// Media types

/// `Text/Plain; charset=utf-8` -> `text/plain`
fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Does the concrete media type `actual` match the documented `documented` (which may be a
/// wildcard range)?
fn media_match(actual: &str, documented: &str) -> bool {
    let a = essence(actual);
    let d = essence(documented);
    if a == d || d == "*/*" {
        return true;
    }
    match d.strip_suffix("/*") {
        Some(t) => a.split('/').next() == Some(t),
        None => false,
    }
}

fn media_entries<'a>(doc: &'a Doc, response: &'a Yaml) -> Vec<(String, &'a Yaml)> {
    entries(doc.resolve(response).get("content"))
        .into_iter()
        .map(|(k, v)| (k, doc.resolve(v)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Request checking

/// Checks `rec` against `op`, pushing violations into `rec.violations`. Returns whether the
/// credentials were missing or malformed.
fn check_request(op: &Operation, rec: &mut Recorded) -> bool {
    let doc = &op.doc;
    let mut out = Vec::new();

    // Path parameters.
    let segs: Vec<String> = split_path(&rec.path).map(percent_decode).collect();
    for (t, s) in op.segments.iter().zip(&segs) {
        if let Seg::Param(name) = t
            && let Some(p) = op
                .params_in("path")
                .find(|p| p.get("name").and_then(Yaml::as_str) == Some(name))
            && let Some(schema) = p.get("schema")
        {
            check_string_value(
                doc,
                schema,
                std::slice::from_ref(s),
                &format!("path parameter `{name}`"),
                &mut out,
            );
        }
    }

    // Query parameters.
    let query_auth = query_auth_params(op);
    let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (k, v) in &rec.query {
        by_name.entry(k.as_str()).or_default().push(v.clone());
    }
    for p in op.params_in("query") {
        let name = p.get("name").and_then(Yaml::as_str).unwrap_or("");
        let required = p.get("required").and_then(Yaml::as_bool).unwrap_or(false);
        let allow_empty = p
            .get("allowEmptyValue")
            .and_then(Yaml::as_bool)
            .unwrap_or(false);
        match by_name.get(name) {
            None if required => out.push(format!("missing required query parameter `{name}`")),
            None => {}
            Some(values) => {
                if required && !allow_empty && values.iter().all(String::is_empty) {
                    out.push(format!("required query parameter `{name}` is empty"));
                }
                if let Some(schema) = p.get("schema") {
                    check_string_value(
                        doc,
                        schema,
                        values,
                        &format!("query parameter `{name}`"),
                        &mut out,
                    );
                }
            }
        }
    }
    for name in by_name.keys() {
        let declared = op
            .params_in("query")
            .any(|p| p.get("name").and_then(Yaml::as_str) == Some(name));
        if !declared && !query_auth.iter().any(|q| q == name) {
            out.push(format!(
                "query parameter `{name}` is not declared for {}",
                op.describe()
            ));
        }
    }

    // Request body media types allowed (body content keys ∪ Content-Type header enum).
    let body_decl = if matches!(rec.method.as_str(), "GET" | "HEAD") {
        None
    } else {
        op.op.get("requestBody").map(|b| doc.resolve(b))
    };
    let body_media: Vec<(String, &Yaml)> = body_decl
        .map(|b| {
            entries(b.get("content"))
                .into_iter()
                .map(|(k, v)| (k, doc.resolve(v)))
                .collect()
        })
        .unwrap_or_default();
    let mut allowed_ct: Vec<String> = body_media.iter().map(|(k, _)| essence(k)).collect();

    // Header parameters.
    for p in op.params_in("header") {
        let name = p.get("name").and_then(Yaml::as_str).unwrap_or("");
        let lname = name.to_ascii_lowercase();
        let required = p.get("required").and_then(Yaml::as_bool).unwrap_or(false);
        let schema = p.get("schema").map(|s| doc.resolve(s));
        let enum_values: Vec<String> = schema
            .map(|s| {
                seq(s.get("enum"))
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if lname == "content-type" {
            allowed_ct.extend(enum_values.iter().map(|e| essence(e)));
        }
        let value = rec.header(&lname).map(str::to_string);
        let Some(value) = value else {
            if required {
                out.push(format!("missing required header `{name}`"));
            }
            continue;
        };
        match lname.as_str() {
            "content-type" => {} // checked with the body below
            "accept" | "accept-encoding" if !enum_values.is_empty() => {
                let ok = value.split(',').any(|range| {
                    let r = essence(range);
                    r == "*/*"
                        || r == "*"
                        || enum_values
                            .iter()
                            .any(|e| media_match(e, &r) || essence(e) == r)
                });
                if !ok {
                    out.push(format!(
                        "header `{name}: {value}` accepts none of the documented values [{}]",
                        enum_values.join(", ")
                    ));
                }
            }
            "authorization" => {} // checked by the security requirements
            _ => {
                if let Some(schema) = p.get("schema") {
                    check_string_value(
                        doc,
                        schema,
                        &[value],
                        &format!("header `{name}`"),
                        &mut out,
                    );
                }
            }
        }
    }

    // Content-Type, for requests that send one or a body.
    let ct = rec.header("content-type").map(str::to_string);
    if let Some(ct) = &ct
        && !allowed_ct.is_empty()
        && !allowed_ct.iter().any(|a| media_match(ct, a))
    {
        out.push(format!(
            "Content-Type `{ct}` is not one of the documented [{}]",
            dedup(&allowed_ct).join(", ")
        ));
    }

    // Security.
    let auth_bad = check_auth(op, rec, &mut out);

    // Body.
    if matches!(rec.method.as_str(), "GET" | "HEAD") {
        if !rec.body.is_empty() {
            out.push(format!("{} request with a body", rec.method));
        }
    } else if let Some(decl) = body_decl {
        let required = decl
            .get("required")
            .and_then(Yaml::as_bool)
            .unwrap_or(false);
        if rec.body.is_empty() {
            if required {
                out.push("missing required request body".to_string());
            }
        } else if let Some(ct) = &ct {
            check_body(doc, rec, ct, &body_media, &mut out);
        } else {
            out.push(format!(
                "request body without Content-Type (documented: {})",
                dedup(&allowed_ct).join(", ")
            ));
        }
    } else if !rec.body.is_empty() {
        out.push(format!(
            "request body sent but {} documents none",
            op.describe()
        ));
    }

    rec.violations.extend(out);
    auth_bad
}

fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn check_body(
    doc: &Doc,
    rec: &Recorded,
    ct: &str,
    media: &[(String, &Yaml)],
    out: &mut Vec<String>,
) {
    let encoding = rec
        .header("content-encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !encoding.is_empty() && encoding != "identity" {
        return; // compressed: only presence is checked
    }
    let e = essence(ct);
    let schema = media
        .iter()
        .find(|(k, _)| media_match(&e, k))
        .and_then(|(_, m)| m.get("schema"));
    if is_json(&e) {
        match serde_json::from_slice::<Json>(&rec.body) {
            Err(err) => out.push(format!("request body is not valid JSON: {err}")),
            Ok(v) => {
                if let Some(schema) = schema {
                    validate(doc, schema, &v, "$", true, out, 0);
                }
            }
        }
    } else if e == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&rec.body)
            .into_owned()
            .collect();
        let schema = schema.map(|s| doc.resolve(s));
        let mut obj = serde_json::Map::new();
        for (k, v) in pairs {
            let prop = schema
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.get(k.as_str()));
            let val = match prop {
                Some(ps) => string_to_json(doc, ps, &v).unwrap_or(Json::String(v)),
                None => Json::String(v),
            };
            obj.insert(k, val);
        }
        if let Some(schema) = schema {
            validate(doc, schema, &Json::Object(obj), "form", true, out, 0);
        }
    } else if (e.starts_with("text/") || e.contains("flux") || e.contains("influxql"))
        && std::str::from_utf8(&rec.body).is_err()
    {
        out.push(format!("`{e}` request body is not valid UTF-8"));
    }
}

/// Query/path/header values arrive as strings: convert to the declared type, then validate.
fn check_string_value(
    doc: &Doc,
    schema: &Yaml,
    values: &[String],
    what: &str,
    out: &mut Vec<String>,
) {
    let s = doc.resolve(schema);
    let ty = s.get("type").and_then(Yaml::as_str).unwrap_or("");
    let value = if ty == "array" {
        let items = s.get("items").cloned().unwrap_or(Yaml::Null);
        let mut arr = Vec::new();
        for v in values {
            match string_to_json(doc, &items, v) {
                Ok(j) => arr.push(j),
                Err(e) => {
                    out.push(format!("{what}: {e}"));
                    return;
                }
            }
        }
        Json::Array(arr)
    } else {
        if values.len() > 1 {
            out.push(format!("{what} given {} times", values.len()));
        }
        let v = values.last().map(String::as_str).unwrap_or("");
        match string_to_json(doc, s, v) {
            Ok(j) => j,
            Err(e) => {
                out.push(format!("{what}: {e}"));
                return;
            }
        }
    };
    let mut errs = Vec::new();
    validate(doc, s, &value, "", true, &mut errs, 0);
    out.extend(errs.into_iter().map(|e| format!("{what}{e}")));
}

fn string_to_json(doc: &Doc, schema: &Yaml, v: &str) -> Result<Json, String> {
    let s = doc.resolve(schema);
    match s.get("type").and_then(Yaml::as_str).unwrap_or("") {
        "integer" => v
            .trim()
            .parse::<i64>()
            .map(Json::from)
            .map_err(|_| format!("`{v}` is not an integer")),
        "number" => v
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Json::Number))
            .ok_or_else(|| format!("`{v}` is not a number")),
        "boolean" => match v {
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            _ => Err(format!("`{v}` is not a boolean (true|false)")),
        },
        _ => Ok(Json::String(v.to_string())),
    }
}

/// Names of query parameters that carry credentials under the operation's security schemes.
fn query_auth_params(op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    for alt in &op.security {
        for name in alt {
            let Some(scheme) = security_scheme(&op.doc, name) else {
                continue;
            };
            if scheme.get("type").and_then(Yaml::as_str) == Some("apiKey")
                && scheme.get("in").and_then(Yaml::as_str) == Some("query")
            {
                let n = scheme.get("name").and_then(Yaml::as_str).unwrap_or("");
                if n == "u=&p=" {
                    out.extend(["u".to_string(), "p".to_string()]);
                } else {
                    out.push(n.to_string());
                }
            }
        }
    }
    out
}

fn security_scheme<'a>(doc: &'a Doc, name: &str) -> Option<&'a Yaml> {
    doc.root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(|s| s.get(name))
        .map(|s| doc.resolve(s))
}

/// `Some(credentials)` if `value` is `<scheme> <credentials>` (scheme case-insensitive).
fn auth_credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (word, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    (word.eq_ignore_ascii_case(scheme) && !rest.is_empty()).then_some(rest)
}

fn scheme_satisfied(doc: &Doc, name: &str, rec: &Recorded) -> bool {
    let Some(s) = security_scheme(doc, name) else {
        return false;
    };
    let authz = rec.header("authorization");
    let ty = s.get("type").and_then(Yaml::as_str).unwrap_or("");
    let location = s.get("in").and_then(Yaml::as_str).unwrap_or("");
    let key = s.get("name").and_then(Yaml::as_str).unwrap_or("");
    match (
        ty,
        s.get("scheme")
            .and_then(Yaml::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref(),
    ) {
        ("http", Some("basic")) => authz
            .and_then(|a| auth_credentials(a, "Basic"))
            .is_some_and(|c| {
                c.len() % 4 == 0
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            }),
        ("http", Some(other)) => authz.and_then(|a| auth_credentials(a, other)).is_some(),
        ("apiKey", _) if location == "header" && key.eq_ignore_ascii_case("authorization") => {
            authz.and_then(|a| auth_credentials(a, "Token")).is_some()
        }
        ("apiKey", _) if location == "header" => rec.header(key).is_some(),
        ("apiKey", _) if location == "query" && key == "u=&p=" => {
            rec.query_param("u").is_some() && rec.query_param("p").is_some()
        }
        ("apiKey", _) if location == "query" => rec.query_param(key).is_some(),
        _ => authz.is_some(),
    }
}

fn describe_scheme(doc: &Doc, name: &str) -> String {
    let Some(s) = security_scheme(doc, name) else {
        return name.to_string();
    };
    let ty = s.get("type").and_then(Yaml::as_str).unwrap_or("");
    let location = s.get("in").and_then(Yaml::as_str).unwrap_or("");
    let key = s.get("name").and_then(Yaml::as_str).unwrap_or("");
    match (ty, s.get("scheme").and_then(Yaml::as_str)) {
        ("http", Some(sch)) if sch.eq_ignore_ascii_case("basic") => {
            "`Authorization: Basic <base64 user:password>`".to_string()
        }
        ("http", Some(sch)) if sch.eq_ignore_ascii_case("bearer") => {
            "`Authorization: Bearer <token>`".to_string()
        }
        ("apiKey", _) if location == "header" && key.eq_ignore_ascii_case("authorization") => {
            "`Authorization: Token <token>`".to_string()
        }
        ("apiKey", _) if key == "u=&p=" => "`u` and `p` query parameters".to_string(),
        ("apiKey", _) => format!("{location} `{key}`"),
        _ => name.to_string(),
    }
}

fn check_auth(op: &Operation, rec: &Recorded, out: &mut Vec<String>) -> bool {
    if !op.auth_required {
        return false;
    }
    if op
        .security
        .iter()
        .any(|alt| alt.iter().all(|s| scheme_satisfied(&op.doc, s, rec)))
    {
        return false;
    }
    let expected: Vec<String> = op
        .security
        .iter()
        .map(|alt| {
            alt.iter()
                .map(|s| describe_scheme(&op.doc, s))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    match rec.header("authorization") {
        None => out.push(format!(
            "missing credentials: no Authorization header (expected {})",
            expected.join(" or ")
        )),
        Some(v) => {
            let word = v.split_whitespace().next().unwrap_or("");
            out.push(format!(
                "malformed credentials: `Authorization: {word} …` is not an accepted form (expected {})",
                expected.join(" or ")
            ));
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Schema validation

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Validates `v` against `schema`, pushing `"<path>: problem"` messages. `request` selects
/// OpenAPI's readOnly/writeOnly semantics for `required`.
fn validate(
    doc: &Doc,
    schema: &Yaml,
    v: &Json,
    path: &str,
    request: bool,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let s = doc.resolve(schema);
    if !s.is_mapping() {
        return;
    }
    let at = |msg: String| {
        if path.is_empty() {
            format!(": {msg}")
        } else {
            format!("{path}: {msg}")
        }
    };

    if v.is_null() && s.get("nullable").and_then(Yaml::as_bool) == Some(true) {
        return;
    }

    for branch in seq(s.get("allOf")) {
        validate(doc, branch, v, path, request, out, depth + 1);
    }
    for key in ["oneOf", "anyOf"] {
        let branches = seq(s.get(key));
        if branches.is_empty() {
            continue;
        }
        let mut first_errs = None;
        let ok = branches.iter().any(|b| {
            let mut errs = Vec::new();
            validate(doc, b, v, path, request, &mut errs, depth + 1);
            let ok = errs.is_empty();
            first_errs.get_or_insert(errs);
            ok
        });
        if !ok {
            out.push(at(format!(
                "{} matches none of the {} {key} alternatives (first: {})",
                short(v),
                branches.len(),
                first_errs.unwrap_or_default().join("; ")
            )));
        }
    }

    if let Some(values) = s.get("enum").and_then(Yaml::as_sequence) {
        let allowed: Vec<Json> = values.iter().map(to_json).collect();
        let hit = allowed.iter().any(|a| json_eq(a, v));
        if !hit {
            out.push(at(format!(
                "{} is not one of [{}]",
                short(v),
                allowed
                    .iter()
                    .map(|a| a
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| a.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
            return;
        }
    }

    if let Some(ty) = s.get("type").and_then(Yaml::as_str) {
        let ok = match ty {
            "string" => v.is_string(),
            "integer" => match v {
                Json::Number(n) => {
                    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
                }
                _ => false,
            },
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => true,
        };
        if !ok {
            out.push(at(format!(
                "expected {ty}, got {} {}",
                json_kind(v),
                short(v)
            )));
            return;
        }
    }

    match v {
        Json::String(st) => {
            let n = st.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Yaml::as_u64)
                && n < min
            {
                out.push(at(format!("string shorter than minLength {min}")));
            }
            if let Some(max) = s.get("maxLength").and_then(Yaml::as_u64)
                && n > max
            {
                out.push(at(format!("string longer than maxLength {max}")));
            }
        }
        Json::Number(num) => {
            let f = num.as_f64().unwrap_or(0.0);
            let excl_min = s.get("exclusiveMinimum").and_then(Yaml::as_bool) == Some(true);
            let excl_max = s.get("exclusiveMaximum").and_then(Yaml::as_bool) == Some(true);
            if let Some(min) = s.get("minimum").and_then(Yaml::as_f64)
                && (f < min || (excl_min && f == min))
            {
                out.push(at(format!("{f} is below the minimum {min}")));
            }
            if let Some(max) = s.get("maximum").and_then(Yaml::as_f64)
                && (f > max || (excl_max && f == max))
            {
                out.push(at(format!("{f} is above the maximum {max}")));
            }
        }
        Json::Array(items) => {
            if let Some(min) = s.get("minItems").and_then(Yaml::as_u64)
                && (items.len() as u64) < min
            {
                out.push(at(format!("fewer than minItems {min} items")));
            }
            if let Some(max) = s.get("maxItems").and_then(Yaml::as_u64)
                && (items.len() as u64) > max
            {
                out.push(at(format!("more than maxItems {max} items")));
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(
                        doc,
                        item_schema,
                        item,
                        &format!("{path}[{i}]"),
                        request,
                        out,
                        depth + 1,
                    );
                }
            }
        }
        Json::Object(obj) => {
            let props = s.get("properties");
            for req in seq(s.get("required")) {
                let Some(name) = req.as_str() else { continue };
                if obj.contains_key(name) {
                    continue;
                }
                let prop = props.and_then(|p| p.get(name));
                let flag = |k: &str| {
                    prop.is_some_and(|p| {
                        p.get(k).and_then(Yaml::as_bool) == Some(true)
                            || doc.resolve(p).get(k).and_then(Yaml::as_bool) == Some(true)
                    })
                };
                if (request && flag("readOnly")) || (!request && flag("writeOnly")) {
                    continue;
                }
                out.push(at(format!("missing required property `{name}`")));
            }
            let additional = s.get("additionalProperties");
            for (k, val) in obj {
                let child = format!("{path}.{k}");
                match props.and_then(|p| p.get(k.as_str())) {
                    Some(ps) => validate(doc, ps, val, &child, request, out, depth + 1),
                    None => match additional {
                        Some(Yaml::Bool(false)) => {
                            out.push(at(format!("property `{k}` is not allowed")))
                        }
                        Some(a @ Yaml::Mapping(_)) => {
                            validate(doc, a, val, &child, request, out, depth + 1)
                        }
                        _ => {}
                    },
                }
            }
        }
        _ => {}
    }
}

fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

fn error_status(op: &Operation, auth_bad: bool) -> u16 {
    let codes = op.explicit_codes();
    if auth_bad {
        return 401;
    }
    // 400, else 422 if only that is documented; an undocumented 400 is still covered by the
    // `default` response (or the document's error shape).
    if !codes.contains(&400) && codes.contains(&422) {
        422
    } else {
        400
    }
}

/// The JSON-ish (else first) media type and its schema documented by a response.
fn error_media(doc: &Doc, response: &Yaml) -> Option<(String, Yaml)> {
    let media = media_entries(doc, response);
    let pick = media
        .iter()
        .find(|(k, _)| is_json(&essence(k)))
        .or_else(|| media.first())?;
    Some((
        pick.0.clone(),
        pick.1.get("schema").cloned().unwrap_or(Yaml::Null),
    ))
}

/// The document-wide error shape: v2 `Error`, v3 `ErrorMessage` (via `responses/BadRequest`).
fn doc_error_schema(doc: &Doc) -> Option<Yaml> {
    let comps = doc.root.get("components")?;
    if let Some(e) = comps.get("schemas").and_then(|s| s.get("Error")) {
        return Some(e.clone());
    }
    for name in ["BadRequest", "GeneralServerError", "NotFound"] {
        if let Some(r) = comps.get("responses").and_then(|r| r.get(name))
            && let Some((_, schema)) = error_media(doc, r)
        {
            return Some(schema);
        }
    }
    comps
        .get("schemas")
        .and_then(|s| s.get("ErrorMessage"))
        .cloned()
}

fn error_answer(doc: &Doc, op: Option<&Operation>, status: u16, msg: &str) -> Answer {
    let documented = op.and_then(|op| {
        op.documented_response(status)
            .and_then(|r| error_media(doc, r))
            .or_else(|| op.default_response().and_then(|r| error_media(doc, r)))
    });
    let (media, schema) = match documented {
        Some(m) => m,
        None => (
            "application/json".to_string(),
            doc_error_schema(doc).unwrap_or(Yaml::Null),
        ),
    };
    let e = essence(&media);
    let body = if is_json(&e) {
        let mut v = synth(doc, &schema, 0, false);
        let props = schema_props(doc, &schema, 0);
        if !v.is_object() {
            v = Json::Object(Default::default());
        }
        let obj = v.as_object_mut().expect("object");
        let preferred = match status {
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not found",
            405 => "method not allowed",
            413 => "request too large",
            _ => "invalid",
        };
        if let Some(code) = props.get("code") {
            let values: Vec<String> = seq(doc.resolve(code).get("enum"))
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            let chosen = if values.is_empty() || values.iter().any(|x| x == preferred) {
                preferred.to_string()
            } else if values.iter().any(|x| x == "invalid") {
                "invalid".to_string()
            } else {
                values[0].clone()
            };
            obj.insert("code".into(), Json::String(chosen));
        }
        for key in ["message", "error"] {
            if props.contains_key(key) {
                obj.insert(key.into(), Json::String(msg.to_string()));
            }
        }
        if props.is_empty() {
            obj.insert("code".into(), Json::String(preferred.to_string()));
            obj.insert("message".into(), Json::String(msg.to_string()));
        }
        serde_json::to_vec(&v).unwrap_or_default()
    } else {
        msg.as_bytes().to_vec()
    };
    Answer {
        status,
        content_type: Some(media),
        headers: Vec::new(),
        body,
    }
}

/// Properties of an object schema, including those of `allOf` branches.
fn schema_props(doc: &Doc, schema: &Yaml, depth: usize) -> BTreeMap<String, Yaml> {
    let mut out = BTreeMap::new();
    if depth > 16 {
        return out;
    }
    let s = doc.resolve(schema);
    for (k, v) in entries(s.get("properties")) {
        out.insert(k, v.clone());
    }
    for b in seq(s.get("allOf")) {
        out.extend(schema_props(doc, b, depth + 1));
    }
    out
}

fn default_answer(op: &Operation, rec: &Recorded) -> Answer {
    let doc = &op.doc;
    let responses = op.responses();
    let mut best: Option<(u16, &Yaml)> = None;
    for (k, v) in &responses {
        let code = if k.eq_ignore_ascii_case("2XX") {
            Some(200)
        } else {
            k.parse::<u16>().ok()
        };
        if let Some(c) = code
            && (200..300).contains(&c)
            && best.is_none_or(|(b, _)| c < b)
        {
            best = Some((c, v));
        }
    }
    let Some((status, resp)) = best else {
        return Answer {
            status: 200,
            content_type: None,
            headers: Vec::new(),
            body: Vec::new(),
        };
    };
    let resp = doc.resolve(resp);
    let mut headers = Vec::new();
    for (name, h) in entries(resp.get("headers")) {
        let h = doc.resolve(h);
        let example = h.get("example").or_else(|| {
            h.get("schema")
                .map(|s| doc.resolve(s))
                .and_then(|s| s.get("example"))
        });
        if let Some(ex) = example {
            let text = match ex {
                Yaml::String(s) => s.clone(),
                other => to_json(other).to_string(),
            };
            headers.push((name, text));
        }
    }
    let media = media_entries(doc, resp);
    if media.is_empty() || status == 204 {
        return Answer {
            status,
            content_type: None,
            headers,
            body: Vec::new(),
        };
    }
    // Negotiate: v3 `format`, then Accept, then the first documented.
    let mut wanted: Vec<String> = Vec::new();
    if let Some(f) = rec.query_param("format") {
        let m = match f {
            "json" => "application/json",
            "jsonl" | "json_lines" => "application/jsonl",
            "csv" => "text/csv",
            "parquet" => "application/vnd.apache.parquet",
            _ => "",
        };
        if !m.is_empty() {
            wanted.push(m.to_string());
        }
    }
    if let Some(accept) = rec.header("accept") {
        wanted.extend(accept.split(',').map(essence).filter(|r| r != "*/*"));
    }
    let chosen = wanted
        .iter()
        .find_map(|w| media.iter().find(|(k, _)| media_match(k, w)))
        .unwrap_or(&media[0]);
    let (media_type, media_obj) = chosen;
    Answer {
        status,
        content_type: Some(media_type.clone()),
        headers,
        body: media_body(doc, media_type, media_obj),
    }
}

fn media_body(doc: &Doc, media_type: &str, media: &Yaml) -> Vec<u8> {
    let json_media = is_json(&essence(media_type));
    let schema = media.get("schema").cloned().unwrap_or(Yaml::Null);
    let example = media.get("example").or_else(|| {
        entries(media.get("examples"))
            .into_iter()
            .next()
            .and_then(|(_, ex)| doc.resolve(ex).get("value"))
    });
    match (example, json_media) {
        (Some(Yaml::String(s)), false) => return s.as_bytes().to_vec(),
        (Some(ex), false) => return serde_json::to_vec(ex).unwrap_or_default(),
        (Some(ex), true) => {
            // JSON examples are sometimes given as a string holding the JSON document.
            let (value, raw) = match ex {
                Yaml::String(s) => match serde_json::from_str::<Json>(s) {
                    Ok(v) => (v, s.as_bytes().to_vec()),
                    Err(_) => (
                        Json::String(s.clone()),
                        serde_json::to_vec(s).unwrap_or_default(),
                    ),
                },
                other => (
                    to_json(other),
                    serde_json::to_vec(other).unwrap_or_default(),
                ),
            };
            // Some documented examples contradict their schema; serve only valid ones.
            let mut errs = Vec::new();
            validate(doc, &schema, &value, "$", false, &mut errs, 0);
            if errs.is_empty() {
                return raw;
            }
        }
        (None, _) => {}
    }
    let v = synth(doc, &schema, 0, true);
    match v {
        Json::String(s) if !json_media => s.into_bytes(),
        Json::Null if !json_media => Vec::new(),
        other => serde_json::to_vec(&other).unwrap_or_default(),
    }
}

/// A minimal valid instance of `schema` (required properties only); a schema's own `example`
/// is used when it validates and `use_examples` is set.
fn synth(doc: &Doc, schema: &Yaml, depth: usize, use_examples: bool) -> Json {
    if depth > 16 {
        return Json::Null;
    }
    let s = doc.resolve(schema);
    if !s.is_mapping() {
        return Json::Null;
    }
    if use_examples && let Some(ex) = schema.get("example").or_else(|| s.get("example")) {
        let j = to_json(ex);
        let mut errs = Vec::new();
        validate(doc, s, &j, "$", false, &mut errs, 0);
        if errs.is_empty() {
            return j;
        }
    }
    if let Some(first) = seq(s.get("enum")).first() {
        return to_json(first);
    }
    let allof = seq(s.get("allOf"));
    if !allof.is_empty() {
        let mut merged = serde_json::Map::new();
        let mut last = Json::Null;
        for b in allof {
            match synth(doc, b, depth + 1, use_examples) {
                Json::Object(o) => merged.extend(o),
                other => last = other,
            }
        }
        if merged.is_empty() && !last.is_null() {
            return last;
        }
        // `required` next to `allOf` (v2's Authorization) names properties of the branches.
        let props = schema_props(doc, s, 0);
        for req in seq(s.get("required")) {
            let Some(name) = req.as_str() else { continue };
            if !merged.contains_key(name) {
                let v = props
                    .get(name)
                    .map(|p| synth(doc, p, depth + 1, use_examples))
                    .unwrap_or(Json::Null);
                merged.insert(name.to_string(), v);
            }
        }
        return Json::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = seq(s.get(key)).first() {
            return synth(doc, first, depth + 1, use_examples);
        }
    }
    let ty = s.get("type").and_then(Yaml::as_str).unwrap_or_else(|| {
        if s.get("properties").is_some() || s.get("required").is_some() {
            "object"
        } else {
            ""
        }
    });
    let default = s.get("default").map(to_json);
    match ty {
        "object" => {
            let mut obj = serde_json::Map::new();
            let props = s.get("properties");
            for req in seq(s.get("required")) {
                let Some(name) = req.as_str() else { continue };
                let v = props
                    .and_then(|p| p.get(name))
                    .map(|p| synth(doc, p, depth + 1, use_examples))
                    .unwrap_or(Json::Null);
                obj.insert(name.to_string(), v);
            }
            Json::Object(obj)
        }
        "array" => {
            let n = s.get("minItems").and_then(Yaml::as_u64).unwrap_or(0);
            let items = s.get("items").cloned().unwrap_or(Yaml::Null);
            Json::Array(
                (0..n)
                    .map(|_| synth(doc, &items, depth + 1, use_examples))
                    .collect(),
            )
        }
        "string" => {
            if let Some(d @ Json::String(_)) = default {
                return d;
            }
            let format = s.get("format").and_then(Yaml::as_str).unwrap_or("");
            match format {
                "date-time" => Json::String("1970-01-01T00:00:00Z".into()),
                "date" => Json::String("1970-01-01".into()),
                _ => {
                    let n = s.get("minLength").and_then(Yaml::as_u64).unwrap_or(0) as usize;
                    Json::String("x".repeat(n))
                }
            }
        }
        "integer" | "number" => {
            if let Some(d @ Json::Number(_)) = default {
                return d;
            }
            let min = s
                .get("minimum")
                .and_then(Yaml::as_f64)
                .unwrap_or(0.0)
                .max(0.0);
            Json::from(min.ceil() as i64)
        }
        "boolean" => match default {
            Some(d @ Json::Bool(_)) => d,
            _ => Json::Bool(false),
        },
        _ => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Doc {
        Doc {
            file: "inline".into(),
            root: serde_yaml::from_str(yaml).unwrap(),
        }
    }

    fn errors(d: &Doc, schema: &str, v: Json) -> Vec<String> {
        let schema: Yaml = d.pointer(schema).unwrap().clone();
        let mut out = Vec::new();
        validate(d, &schema, &v, "$", true, &mut out, 0);
        out
    }

    const SCHEMAS: &str = r##"
components:
  schemas:
    Base:
      type: object
      required: [id, name]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string, minLength: 1}
        n: {type: integer, minimum: 0}
        kind: {type: string, enum: [a, b]}
        tags: {type: array, items: {type: string}}
        nested: {$ref: '#/components/schemas/Nested'}
    Nested:
      type: object
      additionalProperties: false
      properties:
        ok: {type: boolean}
    Both:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [extra]
          properties:
            extra: {type: number}
    Either:
      oneOf:
        - type: string
        - type: integer
"##;

    #[test]
    fn validator_checks_types_required_enums_and_composition() {
        let d = doc(SCHEMAS);
        let base = "#/components/schemas/Base";
        assert!(errors(&d, base, serde_json::json!({"name": "x"})).is_empty());
        let e = errors(
            &d,
            base,
            serde_json::json!({"n": -1, "kind": "c", "tags": [1]}),
        );
        assert!(
            e.iter()
                .any(|m| m.contains("missing required property `name`")),
            "{e:?}"
        );
        assert!(
            !e.iter().any(|m| m.contains("`id`")),
            "readOnly required: {e:?}"
        );
        assert!(
            e.iter().any(|m| m.contains("$.n") && m.contains("minimum")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.contains("$.kind") && m.contains("not one of")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.contains("$.tags[0]") && m.contains("expected string")),
            "{e:?}"
        );
        let e = errors(
            &d,
            base,
            serde_json::json!({"name": "x", "nested": {"ok": 1, "z": 1}}),
        );
        assert!(e.iter().any(|m| m.contains("$.nested.ok")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("`z` is not allowed")), "{e:?}");

        let both = "#/components/schemas/Both";
        let e = errors(&d, both, serde_json::json!({"name": "x"}));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("`extra`"));
        assert!(errors(&d, both, serde_json::json!({"name": "x", "extra": 1.5})).is_empty());

        let either = "#/components/schemas/Either";
        assert!(errors(&d, either, serde_json::json!("s")).is_empty());
        assert!(errors(&d, either, serde_json::json!(3)).is_empty());
        assert_eq!(errors(&d, either, serde_json::json!(true)).len(), 1);
    }

    #[test]
    fn synthesized_instances_validate() {
        let d = doc(SCHEMAS);
        for name in ["Base", "Both", "Either", "Nested"] {
            let schema = d
                .pointer(&format!("#/components/schemas/{name}"))
                .unwrap()
                .clone();
            let v = synth(&d, &schema, 0, true);
            let mut out = Vec::new();
            validate(&d, &schema, &v, "$", false, &mut out, 0);
            assert!(out.is_empty(), "{name}: {v} -> {out:?}");
        }
    }

    /// Every operation's default answer and every error answer can be built, and JSON ones
    /// validate against the documented schema; synthesized request bodies validate too.
    #[test]
    fn every_operation_answers_within_its_own_schema() {
        for spec in [Spec::V2, Spec::V2V1Compat, Spec::V3] {
            let index = SpecIndex::get(spec);
            let mut problems = Vec::new();
            for op in &index.ops {
                let doc = &op.doc;
                let rec = Recorded {
                    method: op.method.clone(),
                    path: op.template.clone(),
                    query: Vec::new(),
                    headers: Vec::new(),
                    body: Vec::new(),
                    violations: Vec::new(),
                    status: 0,
                };
                let answer = default_answer(op, &rec);
                if let Some(ct) = &answer.content_type
                    && is_json(&essence(ct))
                    && let Some(resp) = op.documented_response(answer.status)
                    && let Some((_, media)) =
                        media_entries(doc, resp).into_iter().find(|(k, _)| k == ct)
                    && let Some(schema) = media.get("schema")
                {
                    match serde_json::from_slice::<Json>(&answer.body) {
                        Ok(v) => {
                            let mut errs = Vec::new();
                            validate(doc, schema, &v, "$", false, &mut errs, 0);
                            if !errs.is_empty() {
                                problems.push(format!("{} answer: {errs:?}", op.describe()));
                            }
                        }
                        Err(e) => problems.push(format!("{} answer not JSON: {e}", op.describe())),
                    }
                }
                let err = error_answer(doc, Some(op), 400, "x");
                assert!(!err.body.is_empty(), "{}", op.describe());
                if let Some(body) = op.op.get("requestBody").map(|b| doc.resolve(b)) {
                    for (k, media) in entries(body.get("content")) {
                        let media = doc.resolve(media);
                        if let (true, Some(schema)) = (is_json(&essence(&k)), media.get("schema")) {
                            let v = synth(doc, schema, 0, true);
                            let mut errs = Vec::new();
                            validate(doc, schema, &v, "$", true, &mut errs, 0);
                            if !errs.is_empty() {
                                problems.push(format!("{} request {v}: {errs:?}", op.describe()));
                            }
                        }
                    }
                }
            }
            assert!(index.ops.len() > 20 || spec == Spec::V2V1Compat, "{spec:?}");
            assert!(problems.is_empty(), "{spec:?}:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn media_helpers() {
        assert_eq!(essence("Text/Plain; charset=utf-8"), "text/plain");
        assert!(media_match("text/plain; charset=utf-8", "text/plain"));
        assert!(media_match("application/json", "*/*"));
        assert!(media_match("text/csv", "text/*"));
        assert!(!media_match("application/csv", "text/csv"));
        assert_eq!(server_prefix(None), "");
        let s: Yaml = serde_yaml::from_str("[{url: /api/v2}]").unwrap();
        assert_eq!(server_prefix(Some(&s)), "/api/v2");
        let s: Yaml = serde_yaml::from_str("[{url: 'https://{baseurl}'}]").unwrap();
        assert_eq!(server_prefix(Some(&s)), "");
        assert_eq!(percent_decode("a%20b%2Fc%"), "a b/c%");
    }
}
