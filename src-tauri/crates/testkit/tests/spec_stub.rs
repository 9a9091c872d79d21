//! Proves the spec stub really checks requests against the official specs.

use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::Value;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn write_v2(stub: &SpecStub, query: &str, auth: Option<&str>) -> reqwest::Response {
    let mut req = client()
        .post(format!("{}/api/v2/write?{query}", stub.url()))
        .header("Content-Type", "text/plain; charset=utf-8")
        .body("cpu,host=a usage=1.5 1700000000000000000\n");
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    req.send().await.unwrap()
}

fn only_violation(stub: &SpecStub) -> String {
    let v = stub.violations();
    assert_eq!(v.len(), 1, "{v:#?}");
    v[0].clone()
}

#[tokio::test]
async fn v2_write_conforming_passes() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = write_v2(&stub, "org=o&bucket=b&precision=ns", Some("Token x")).await;
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    stub.assert_conforms();
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/api/v2/write");
    assert_eq!(reqs[0].query_param("bucket"), Some("b"));
    assert_eq!(reqs[0].header("authorization"), Some("Token x"));
    assert!(reqs[0].body_text().starts_with("cpu,host=a"));
}

#[tokio::test]
async fn v2_write_missing_bucket_is_a_violation() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = write_v2(&stub, "org=o&precision=ns", Some("Token x")).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "invalid", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("bucket"),
        "{body}"
    );
    assert!(only_violation(&stub).contains("missing required query parameter `bucket`"));
}

#[tokio::test]
async fn v2_write_bad_precision_is_a_violation() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = write_v2(&stub, "org=o&bucket=b&precision=nanos", Some("Token x")).await;
    assert_eq!(resp.status(), 400);
    let v = only_violation(&stub);
    assert!(v.contains("precision") && v.contains("not one of"), "{v}");
}

#[tokio::test]
async fn v2_write_undeclared_param_is_a_violation() {
    let stub = SpecStub::start(Spec::V2).await;
    write_v2(&stub, "org=o&bucket=b&db=x", Some("Token x")).await;
    assert!(only_violation(&stub).contains("`db` is not declared"));
}

#[tokio::test]
async fn v2_missing_or_wrong_authorization_is_a_violation() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = write_v2(&stub, "org=o&bucket=b", None).await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized", "{body}");
    assert!(only_violation(&stub).contains("no Authorization header"));

    let stub = SpecStub::start(Spec::V2).await;
    let resp = write_v2(&stub, "org=o&bucket=b", Some("Bearer x")).await;
    assert_eq!(resp.status(), 401);
    let v = only_violation(&stub);
    assert!(
        v.contains("malformed credentials") && v.contains("Token <token>"),
        "{v}"
    );
}

#[tokio::test]
async fn v2_post_bucket_body_is_validated_against_schema() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = client()
        .post(format!("{}/api/v2/buckets", stub.url()))
        .header("Authorization", "Token x")
        .json(&serde_json::json!({"description": "no name", "retentionRules": [{"everySeconds": "1d"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v = stub.violations();
    assert!(
        v.iter()
            .any(|m| m.contains("missing required property `name`")),
        "{v:#?}"
    );
    assert!(
        v.iter()
            .any(|m| m.contains("missing required property `orgID`")),
        "{v:#?}"
    );
    assert!(
        v.iter()
            .any(|m| m.contains("$.retentionRules[0].everySeconds: expected integer")),
        "{v:#?}"
    );

    // A conforming one gets the documented 201 example.
    let stub = SpecStub::start(Spec::V2).await;
    let resp = client()
        .post(format!("{}/api/v2/buckets", stub.url()))
        .header("Authorization", "Token x")
        .json(
            &serde_json::json!({"name": "b", "orgID": "0123456789abcdef",
            "retentionRules": [{"type": "expire", "everySeconds": 86400}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert!(body["id"].is_string() && body["name"].is_string(), "{body}");
    stub.assert_conforms();
}

#[tokio::test]
async fn v2_post_bucket_without_content_type_or_body() {
    let stub = SpecStub::start(Spec::V2).await;
    client()
        .post(format!("{}/api/v2/buckets", stub.url()))
        .header("Authorization", "Token x")
        .send()
        .await
        .unwrap();
    assert!(only_violation(&stub).contains("missing required request body"));

    let stub = SpecStub::start(Spec::V2).await;
    client()
        .post(format!("{}/api/v2/buckets", stub.url()))
        .header("Authorization", "Token x")
        .header("Content-Type", "text/plain")
        .body(r#"{"name":"b","orgID":"o"}"#)
        .send()
        .await
        .unwrap();
    assert!(only_violation(&stub).contains("Content-Type `text/plain` is not one of"));
}

#[tokio::test]
async fn unknown_path_or_method_is_a_violation() {
    let stub = SpecStub::start(Spec::V2).await;
    let resp = client()
        .get(format!("{}/api/v2/nonsense", stub.url()))
        .header("Authorization", "Token x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "not found", "{body}");
    assert!(only_violation(&stub).contains("no such path"));

    let stub = SpecStub::start(Spec::V2).await;
    let resp = client()
        .put(format!("{}/api/v2/write", stub.url()))
        .header("Authorization", "Token x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(only_violation(&stub).contains("method PUT is not documented for /api/v2/write"));
}

#[tokio::test]
async fn v2_path_templates_and_root_endpoints() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = client();
    let get = |p: &str| {
        c.get(format!("{}{p}", stub.url()))
            .header("Authorization", "Token x")
    };
    assert_eq!(
        get("/api/v2/buckets/0123456789abcdef")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get("/api/v2/buckets?orgID=o&limit=5")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // /health and /ping live at the root and need no token on a real 2.x server.
    let health = c
        .get(format!("{}/health", stub.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let h: Value = health.json().await.unwrap();
    assert!(h["status"] == "pass" || h["status"] == "fail", "{h}");
    let ping = c.get(format!("{}/ping", stub.url())).send().await.unwrap();
    assert_eq!(ping.status(), 204);
    stub.assert_conforms();

    let stub = SpecStub::start(Spec::V2).await;
    let get = |p: &str| {
        client()
            .get(format!("{}{p}", stub.url()))
            .header("Authorization", "Token x")
    };
    assert_eq!(
        get("/api/v2/buckets?limit=many")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert!(only_violation(&stub).contains("`limit`: `many` is not an integer"));
}

#[tokio::test]
async fn v2_flux_query_json_and_vnd_flux() {
    let stub = SpecStub::start(Spec::V2).await;
    let csv = "#datatype,string,long\n,result,table\n,_result,0\n";
    stub.respond("POST", "/api/v2/query", 200, "application/csv", csv);
    let c = client();
    let resp = c
        .post(format!("{}/api/v2/query?org=o", stub.url()))
        .header("Authorization", "Token x")
        .header("Accept", "application/csv")
        .json(
            &serde_json::json!({"query": "from(bucket: \"b\") |> range(start: -1h)", "type": "flux",
            "dialect": {"annotations": ["datatype", "group", "default"], "header": true}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/csv");
    assert_eq!(resp.text().await.unwrap(), csv);
    let resp = c
        .post(format!("{}/api/v2/query?org=o", stub.url()))
        .header("Authorization", "Token x")
        .header("Content-Type", "application/vnd.flux")
        .body("buckets()")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), csv);
    stub.assert_conforms();

    let stub = SpecStub::start(Spec::V2).await;
    c.post(format!("{}/api/v2/query?org=o", stub.url()))
        .header("Authorization", "Token x")
        .json(&serde_json::json!({"query": "x", "type": "sql"}))
        .send()
        .await
        .unwrap();
    assert!(only_violation(&stub).contains("$.type: \"sql\" is not one of [flux]"));
}

#[tokio::test]
async fn v2_serves_v1_compat_query_and_write() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = client();
    let resp = c
        .post(format!(
            "{}/query?db=telegraf&q=SHOW%20DATABASES",
            stub.url()
        ))
        .header("Authorization", "Token x")
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let resp = c
        .post(format!(
            "{}/write?db=telegraf&rp=autogen&u=user&p=pass",
            stub.url()
        ))
        .header("Content-Type", "text/plain")
        .body("m f=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    stub.assert_conforms();

    let stub = SpecStub::start(Spec::V2V1Compat).await;
    c.post(format!("{}/query?db=telegraf", stub.url()))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .header("Content-Type", "application/vnd.influxql")
        .body("SHOW MEASUREMENTS")
        .send()
        .await
        .unwrap();
    stub.assert_conforms();

    let stub = SpecStub::start(Spec::V2V1Compat).await;
    c.post(format!("{}/query?db=telegraf&q=x", stub.url()))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert!(only_violation(&stub).contains("`Accept: application/xml` accepts none"));
}

#[tokio::test]
async fn v3_query_sql_conforming_with_documented_default_answer() {
    let stub = SpecStub::start(Spec::V3).await;
    let resp = client()
        .get(format!("{}/api/v3/query_sql", stub.url()))
        .query(&[("db", "x"), ("q", "select 1")])
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    // The spec documents a v1-shaped QueryResponse: {"results": [...]}.
    assert!(body["results"].is_array(), "{body}");
    stub.assert_conforms();

    // Accept / format negotiate among the documented media types.
    let resp = client()
        .get(format!(
            "{}/api/v3/query_sql?db=x&q=select%201&format=jsonl",
            stub.url()
        ))
        .header("Authorization", "Token t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/jsonl");
    let resp = client()
        .post(format!("{}/api/v3/query_sql", stub.url()))
        .header("Authorization", "Bearer t")
        .header("Accept", "text/csv")
        .json(&serde_json::json!({"db": "x", "q": "select 1", "format": "csv"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv");
    stub.assert_conforms();
}

#[tokio::test]
async fn v3_violations() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = client();
    // Missing q, wrong format enum.
    let resp = c
        .get(format!("{}/api/v3/query_sql?db=x&format=xml", stub.url()))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("`q`"), "{body}");
    let v = stub.violations();
    assert_eq!(v.len(), 2, "{v:#?}");
    // POST body missing the required db.
    let stub = SpecStub::start(Spec::V3).await;
    c.post(format!("{}/api/v3/query_sql", stub.url()))
        .header("Authorization", "Bearer t")
        .json(&serde_json::json!({"q": "select 1"}))
        .send()
        .await
        .unwrap();
    assert!(only_violation(&stub).contains("missing required property `db`"));
    // /health needs credentials on 3.x.
    let stub = SpecStub::start(Spec::V3).await;
    let resp = c
        .get(format!("{}/health", stub.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(only_violation(&stub).contains("Bearer <token>"));
}

#[tokio::test]
async fn v3_ping_and_write_defaults() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = client();
    let resp = c
        .get(format!("{}/ping", stub.url()))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-influxdb-version"], "3.8.0");
    let resp = c
        .post(format!(
            "{}/api/v3/write_lp?db=x&precision=nanosecond",
            stub.url()
        ))
        .header("Authorization", "Bearer t")
        .header("Content-Type", "text/plain; charset=utf-8")
        .body("m f=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    stub.assert_conforms();
}

#[tokio::test]
async fn respond_scripts_documented_answers() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.respond(
        "GET",
        "/api/v3/configure/database",
        200,
        "application/json",
        r#"{"databases":["a","b"]}"#,
    );
    stub.respond(
        "GET",
        "/api/v3/query_sql",
        400,
        "application/json",
        r#"{"error":"boom"}"#,
    );
    stub.respond_with_headers(
        "GET",
        "/ping",
        200,
        "application/json",
        &[("x-influxdb-version", "3.7.1")],
        r#"{"version":"3.7.1"}"#,
    );
    let c = client();
    let resp = c
        .get(format!(
            "{}/api/v3/configure/database?format=json",
            stub.url()
        ))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), r#"{"databases":["a","b"]}"#);
    let resp = c
        .get(format!("{}/api/v3/query_sql?db=x&q=bad", stub.url()))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = c
        .get(format!("{}/ping", stub.url()))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-influxdb-version"], "3.7.1");
    stub.assert_conforms();
}

#[tokio::test]
#[should_panic(expected = "status 418 is not documented")]
async fn respond_with_undocumented_status_panics() {
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond("POST", "/api/v2/write", 418, "application/json", "{}");
}

#[tokio::test]
#[should_panic(expected = "content type `text/html` is not documented")]
async fn respond_with_undocumented_content_type_panics() {
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond("POST", "/api/v2/query", 200, "text/html", "<p>");
}

#[tokio::test]
#[should_panic(expected = "no such path")]
async fn respond_on_unknown_path_panics() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.respond("GET", "/api/v3/nope", 200, "application/json", "{}");
}

#[tokio::test]
#[should_panic(expected = "no request was received")]
async fn assert_conforms_panics_without_requests() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.assert_conforms();
}

#[tokio::test]
#[should_panic(expected = "1 violation(s)")]
async fn assert_conforms_panics_on_violations() {
    let stub = SpecStub::start(Spec::V2).await;
    write_v2(&stub, "org=o", Some("Token x")).await;
    stub.assert_conforms();
}
