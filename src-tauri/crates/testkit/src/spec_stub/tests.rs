//! The stub against the real spec documents: what it accepts, refuses and answers.

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
