//! Validating JSON values against the documents' schemas (the subset of JSON Schema OpenAPI uses).

use super::*;

pub(super) fn json_kind(v: &Json) -> &'static str {
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

pub(super) fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Validates `v` against `schema`, pushing `"<path>: problem"` messages. `request` selects
/// OpenAPI's readOnly/writeOnly semantics for `required`.
pub(super) fn validate(
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

pub(super) fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}
