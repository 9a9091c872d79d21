//! Loading the OpenAPI documents and indexing their operations by method and path, and the media types they document.

use super::*;

pub(super) struct Doc {
    pub(super) file: String,
    pub(super) root: Yaml,
}

impl Doc {
    /// Follows `$ref`s (sibling keywords are ignored, as OpenAPI 3.0 says).
    pub(super) fn resolve<'a>(&'a self, mut v: &'a Yaml) -> &'a Yaml {
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

    pub(super) fn pointer(&self, r: &str) -> Option<&Yaml> {
        let p = r.strip_prefix("#/")?;
        let mut cur = &self.root;
        for seg in p.split('/') {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            cur = cur.get(seg.as_str())?;
        }
        Some(cur)
    }
}

pub(super) fn specs_dir() -> PathBuf {
    match std::env::var_os("INFLUXDESK_SPECS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/specs"),
    }
}

pub(super) fn load_doc(file: &str) -> Arc<Doc> {
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

pub(super) const METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

/// Operations a real 2.x server serves without credentials although the spec inherits the
/// global token requirement.
pub(super) const V2_PUBLIC: &[(&str, &str)] = &[
    ("GET", "/ping"),
    ("HEAD", "/ping"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/api/v2/setup"),
    ("POST", "/api/v2/setup"),
];

#[derive(Debug, Clone)]
pub(super) enum Seg {
    Lit(String),
    Param(String),
}

pub(super) struct Operation {
    pub(super) doc: Arc<Doc>,
    pub(super) method: String,
    pub(super) template: String,
    pub(super) segments: Vec<Seg>,
    pub(super) op: Yaml,
    /// Resolved parameters (path-level merged with operation-level).
    pub(super) params: Vec<Yaml>,
    /// Security alternatives (each a list of scheme names that must all be satisfied).
    pub(super) security: Vec<Vec<String>>,
    pub(super) auth_required: bool,
}

impl Operation {
    pub(super) fn describe(&self) -> String {
        match self.op.get("operationId").and_then(Yaml::as_str) {
            Some(id) => format!("{} {} ({id})", self.method, self.template),
            None => format!("{} {}", self.method, self.template),
        }
    }

    pub(super) fn responses(&self) -> Vec<(String, &Yaml)> {
        entries(self.op.get("responses"))
    }

    pub(super) fn explicit_codes(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self
            .responses()
            .iter()
            .filter_map(|(k, _)| k.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// The response documented for this status: an explicit code or an `NXX` range.
    pub(super) fn documented_response(&self, status: u16) -> Option<&Yaml> {
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

    pub(super) fn default_response(&self) -> Option<&Yaml> {
        self.responses()
            .into_iter()
            .find(|(k, _)| k == "default")
            .map(|(_, v)| self.doc.resolve(v))
    }

    pub(super) fn params_in<'a>(
        &'a self,
        location: &'a str,
    ) -> impl Iterator<Item = &'a Yaml> + 'a {
        self.params
            .iter()
            .filter(move |p| p.get("in").and_then(Yaml::as_str) == Some(location))
    }
}

pub(super) struct SpecIndex {
    pub(super) spec: Spec,
    pub(super) docs: Vec<Arc<Doc>>,
    pub(super) ops: Vec<Operation>,
}

pub(super) enum Found<'a> {
    Op(&'a Operation),
    WrongMethod(String, Vec<String>),
    None,
}

impl SpecIndex {
    pub(super) fn get(spec: Spec) -> Arc<SpecIndex> {
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

    pub(super) fn build(spec: Spec) -> SpecIndex {
        let docs: Vec<Arc<Doc>> = spec.files().iter().map(|f| load_doc(f)).collect();
        let mut ops = Vec::new();
        for doc in &docs {
            collect_ops(spec, doc, &mut ops);
        }
        SpecIndex { spec, docs, ops }
    }

    pub(super) fn find(&self, method: &str, path: &str) -> Found<'_> {
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

pub(super) fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

pub(super) fn collect_ops(spec: Spec, doc: &Arc<Doc>, out: &mut Vec<Operation>) {
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

pub(super) fn param_key(p: &Yaml) -> (String, String) {
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

pub(super) fn server_prefix(servers: Option<&Yaml>) -> String {
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

pub(super) fn entries(v: Option<&Yaml>) -> Vec<(String, &Yaml)> {
    match v {
        Some(Yaml::Mapping(m)) => m.iter().map(|(k, v)| (key_str(k), v)).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn key_str(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

pub(super) fn seq(v: Option<&Yaml>) -> &[Yaml] {
    v.and_then(Yaml::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn to_json(v: &Yaml) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

pub(super) fn percent_decode(s: &str) -> String {
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

pub(super) fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

// ---------------------------------------------------------------------------------------------
// Media types

/// `Text/Plain; charset=utf-8` -> `text/plain`
pub(super) fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub(super) fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Does the concrete media type `actual` match the documented `documented` (which may be a
/// wildcard range)?
pub(super) fn media_match(actual: &str, documented: &str) -> bool {
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

pub(super) fn media_entries<'a>(doc: &'a Doc, response: &'a Yaml) -> Vec<(String, &'a Yaml)> {
    entries(doc.resolve(response).get("content"))
        .into_iter()
        .map(|(k, v)| (k, doc.resolve(v)))
        .collect()
}
