//! Checking a recorded request against its operation: parameters, body and credentials.

use super::*;

/// Checks `rec` against `op`, pushing violations into `rec.violations`. Returns whether the
/// credentials were missing or malformed.
pub(super) fn check_request(op: &Operation, rec: &mut Recorded) -> bool {
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

pub(super) fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

pub(super) fn check_body(
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
pub(super) fn check_string_value(
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

pub(super) fn string_to_json(doc: &Doc, schema: &Yaml, v: &str) -> Result<Json, String> {
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
pub(super) fn query_auth_params(op: &Operation) -> Vec<String> {
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

pub(super) fn security_scheme<'a>(doc: &'a Doc, name: &str) -> Option<&'a Yaml> {
    doc.root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(|s| s.get(name))
        .map(|s| doc.resolve(s))
}

/// `Some(credentials)` if `value` is `<scheme> <credentials>` (scheme case-insensitive).
pub(super) fn auth_credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (word, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    (word.eq_ignore_ascii_case(scheme) && !rest.is_empty()).then_some(rest)
}

pub(super) fn scheme_satisfied(doc: &Doc, name: &str, rec: &Recorded) -> bool {
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

pub(super) fn describe_scheme(doc: &Doc, name: &str) -> String {
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

pub(super) fn check_auth(op: &Operation, rec: &Recorded, out: &mut Vec<String>) -> bool {
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
