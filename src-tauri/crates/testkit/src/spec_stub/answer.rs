//! The stub's answers: documented error shapes and statuses, and a minimal valid body synthesized from a response's schema.

use super::*;

pub(super) fn error_status(op: &Operation, auth_bad: bool) -> u16 {
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
pub(super) fn error_media(doc: &Doc, response: &Yaml) -> Option<(String, Yaml)> {
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
pub(super) fn doc_error_schema(doc: &Doc) -> Option<Yaml> {
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

pub(super) fn error_answer(doc: &Doc, op: Option<&Operation>, status: u16, msg: &str) -> Answer {
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
pub(super) fn schema_props(doc: &Doc, schema: &Yaml, depth: usize) -> BTreeMap<String, Yaml> {
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

pub(super) fn default_answer(op: &Operation, rec: &Recorded) -> Answer {
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

pub(super) fn media_body(doc: &Doc, media_type: &str, media: &Yaml) -> Vec<u8> {
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
pub(super) fn synth(doc: &Doc, schema: &Yaml, depth: usize, use_examples: bool) -> Json {
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
