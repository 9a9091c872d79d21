//! Every tool through rmcp's client over the Unix socket, against the real influxd: what a
//! success returns (exactly), and that failures are `isError` results reading
//! `"<Code>: <message>"`.

use base64::Engine as _;
use influxdesk_core::api::{history, settings};
use influxdesk_core::model::{AssistantPolicy, ListHistoryReq, UserSettings};
use influxdesk_core::{Actor, Ctx};
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};
use std::sync::Arc;

use crate::harness::*;

/// A context with an "allow" profile on a fresh database of the open server.
async fn setup(prefix: &str) -> (Arc<Ctx>, String) {
    let ctx = ctx();
    let db = unique_db(prefix);
    profile(
        &ctx,
        "local",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    (ctx, db)
}

const DAY: &str = "2023-11-14T00:00:00Z..2023-11-15T00:00:00Z";

#[tokio::test]
async fn write_metrics_then_query_data_returns_the_exact_point() {
    let (ctx, db) = setup("exact").await;
    let mcp = connect(&ctx).await;
    let w = mcp
        .ok(
            "write-metrics",
            json!({
                "bucket": db, "measurement": "cpu", "tags": {"host": "web-1"},
                "fields": {"usage": 0.5, "count": 3, "state": "ok", "up": true},
                "timestamp": "2023-11-14T22:13:20Z", "precision": "s"
            }),
        )
        .await;
    assert_eq!(
        w,
        json!({
            "bucket": db, "points": 1, "dropped": 0, "uncertain": 0,
            "line_protocol": "cpu,host=web-1 count=3.0,state=\"ok\",up=true,usage=0.5 1700000000"
        }),
        "the tool says exactly what it wrote"
    );

    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT * FROM cpu", "time_range": DAY}),
        )
        .await;
    assert_eq!(
        q["language"], "influxql",
        "InfluxQL detected from the v1 profile"
    );
    assert_eq!(q["rows"], 1);
    assert_eq!(q["truncated"], false);
    assert_eq!(q["limit"], 1000, "the default row cap");
    assert_eq!(
        q["tables"],
        json!([{
            "name": "cpu", "tags": {},
            "columns": ["time", "count", "host", "state", "up", "usage"],
            "rows": [["2023-11-14T22:13:20Z", 3, "web-1", "ok", true, 0.5]]
        }]),
        "the point comes back exactly as written"
    );
    assert_eq!(
        q["executed_query"],
        "SELECT * FROM cpu WHERE time >= '2023-11-14T00:00:00Z' AND time <= '2023-11-15T00:00:00Z'"
    );

    let r = mcp
        .call(
            "query-data",
            json!({"query": "SELECT * FROM cpu", "time_range": DAY, "format": "csv", "bucket": db}),
        )
        .await;
    let csv = "name,time,count,host,state,up,usage\ncpu,2023-11-14T22:13:20Z,3,web-1,ok,true,0.5\n";
    assert_eq!(text(&r), csv, "csv is the content the assistant reads");
    assert_eq!(
        r.structured_content.as_ref().unwrap()["text"],
        csv,
        "and the structured result carries it too"
    );
    let r = mcp
        .call(
            "query-data",
            json!({"query": "SELECT usage FROM cpu", "time_range": DAY, "format": "table"}),
        )
        .await;
    let table = text(&r);
    assert!(
        table.contains("usage") && table.contains("0.5") && table.contains("1 rows"),
        "{table}"
    );
}

#[tokio::test]
async fn a_partial_write_says_what_landed_in_the_servers_words() {
    let (ctx, db) = setup("partial").await;
    influxql(
        &ctx,
        None,
        &format!("CREATE RETENTION POLICY hour ON {db} DURATION 1h REPLICATION 1"),
    )
    .await;
    let mcp = connect(&ctx).await;
    // The first point gets the server's clock (inside the hour); the second is from 2023.
    let w = mcp
        .ok(
            "write-metrics",
            json!({"bucket": format!("{db}/hour"), "points": [
                {"measurement": "cpu", "fields": {"usage": 1}},
                {"measurement": "cpu", "fields": {"usage": 2}, "timestamp": "2023-11-14T22:13:20Z"}
            ]}),
        )
        .await;
    assert_eq!(
        (w["points"].as_u64(), w["dropped"].as_u64()),
        (Some(1), Some(1)),
        "{w}"
    );
    assert_eq!(
        w["server_message"], "partial write: points beyond retention policy dropped=1",
        "influxd's own words"
    );
}

#[tokio::test]
async fn a_bad_point_is_a_clear_error_and_nothing_is_written() {
    let (ctx, db) = setup("invalid").await;
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "fields": {"usage": 0.5}, "timestamp": "2023-11-14T22:13:20Z"}),
    )
    .await;
    write_lp(&ctx, &db, "jobs done=1i 1700000000000000000").await;

    let count = |ctx: Arc<Ctx>| async move {
        let r = influxql(&ctx, None, "SELECT count(*) FROM cpu, jobs WHERE time > 0").await;
        r.frames
            .iter()
            .flat_map(|f| f.columns[1..].iter().filter_map(|c| c.value(0).as_i64()))
            .sum::<i64>()
    };
    let before = count(ctx.clone()).await;
    assert_eq!(before, 2);

    for (args, want) in [
        (
            json!({"measurement": "cpu", "fields": {"usage": "high"}}),
            "already holds float values and this is a string",
        ),
        (
            json!({"measurement": "jobs", "fields": {"done": 2.5}}),
            "already holds integer values",
        ),
        (json!({"measurement": "cpu", "fields": {}}), "has no fields"),
        (
            json!({"measurement": "cpu", "fields": {"usage": 1}, "timestamp": "yesterday"}),
            "is not RFC 3339",
        ),
        (json!({"fields": {"usage": 1}}), "has no measurement"),
        (json!({}), "no point to write"),
        (
            json!({"measurement": "cpu", "fields": {"usage": null}}),
            "null is not a value",
        ),
        (
            // The first point is fine; the second is not: the batch is refused whole.
            json!({"points": [
                {"measurement": "cpu", "fields": {"usage": 0.9}, "timestamp": "2023-11-14T22:00:00Z"},
                {"measurement": "cpu", "fields": {"usage": true}}
            ]}),
            "point 2",
        ),
    ] {
        let e = mcp.err("write-metrics", args.clone()).await;
        assert!(
            e.starts_with("InvalidInput: ")
                && e.contains(want)
                && e.contains("Nothing was written"),
            "{args}: {e}"
        );
    }
    assert_eq!(
        count(ctx.clone()).await,
        before,
        "no refused point reached the server"
    );

    // An existing integer field takes JSON numbers as integers.
    let w = mcp
        .ok(
            "write-metrics",
            json!({"measurement": "jobs", "fields": {"done": 2}, "timestamp": "2023-11-14T22:14:00Z"}),
        )
        .await;
    assert_eq!(w["line_protocol"], "jobs done=2i 1700000040000000000");
    let w = mcp
        .ok(
            "write-metrics",
            json!({"points": [
                {"measurement": "cpu", "tags": {"host": "a"}, "fields": {"usage": 1}, "timestamp": "2023-11-14T22:15:00Z"},
                {"measurement": "cpu", "tags": {"host": "b"}, "fields": {"usage": 2}, "timestamp": "2023-11-14T22:15:00Z"}
            ], "precision": "s"}),
        )
        .await;
    assert_eq!(w["points"], 2);
    assert_eq!(
        w["line_protocol"],
        "cpu,host=a usage=1.0 1700000100\ncpu,host=b usage=2.0 1700000100"
    );
}

#[tokio::test]
async fn an_assistant_query_without_a_range_covers_the_last_hour() {
    let (ctx, _db) = setup("range").await;
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"points": [
            {"measurement": "recent", "fields": {"v": 1}},
            {"measurement": "recent", "fields": {"v": 2}, "timestamp": "2023-11-14T22:13:20Z"}
        ]}),
    )
    .await;
    let q = mcp
        .ok("query-data", json!({"query": "SELECT v FROM recent"}))
        .await;
    assert_eq!(
        q["executed_query"], "SELECT v FROM recent WHERE time >= now() - 1h",
        "no range and no time condition: the last hour"
    );
    assert_eq!(q["rows"], 1, "only the point written now: {q}");
    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT v FROM recent WHERE time > '2023-01-01T00:00:00Z'"}),
        )
        .await;
    assert_eq!(q["rows"], 2, "a query with its own time bound keeps it");
    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT v FROM recent", "time_range": "-87600h"}),
        )
        .await;
    assert_eq!(q["rows"], 2, "an explicit relative range applies");
}

#[tokio::test]
async fn results_are_capped_and_say_so() {
    let (ctx, _db) = setup("cap").await;
    let mcp = connect(&ctx).await;
    let points: Vec<Value> = (0..5)
        .map(|i| json!({"measurement": "m", "fields": {"v": i}, "timestamp": format!("2023-11-14T22:0{i}:00Z")}))
        .collect();
    mcp.ok("write-metrics", json!({"points": points})).await;
    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT v FROM m", "time_range": DAY, "limit": 2}),
        )
        .await;
    assert_eq!(
        (q["rows"].clone(), q["truncated"].clone()),
        (json!(2), json!(true))
    );
    assert!(
        q["note"].as_str().unwrap().contains("capped at 2 rows"),
        "{q}"
    );

    settings::update(&ctx, &Actor::User, UserSettings { row_limit: 3 })
        .await
        .unwrap();
    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT v FROM m", "time_range": DAY, "limit": 10}),
        )
        .await;
    assert_eq!(q["limit"], 3, "the app's row limit caps the tool's");
    assert!(
        q["note"].as_str().unwrap().contains("lowered from 10 to 3"),
        "{q}"
    );

    let e = mcp
        .err(
            "query-data",
            json!({"query": "SELECT v FROM m", "limit": 0}),
        )
        .await;
    assert!(e.starts_with("InvalidInput: "), "{e}");
    let e = mcp
        .err(
            "query-data",
            json!({"query": "SELEC v FROM m", "time_range": DAY}),
        )
        .await;
    assert!(e.starts_with("QuerySyntax: "), "{e}");
    let e = mcp
        .err(
            "query-data",
            json!({"query": "SELECT v FROM m", "time_range": "last week"}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("e.g. 15m"),
        "{e}"
    );
}

#[tokio::test]
async fn manage_buckets_creates_lists_updates_and_deletes() {
    let (ctx, _db) = setup("buckets").await;
    let mcp = connect(&ctx).await;
    let name = unique_db("made");
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "create", "bucket_name": name, "retention_period": "2h"}),
        )
        .await;
    assert_eq!(r["action"], "create");
    assert_eq!(r["bucket"]["name"], name.as_str());
    assert_eq!(r["bucket"]["retention"], "2h");
    assert_eq!(r["bucket"]["retention_seconds"], 7200);

    let names = |r: &Value| -> Vec<String> {
        r["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_string())
            .collect()
    };
    let list = mcp.ok("manage-buckets", json!({"action": "list"})).await;
    assert!(names(&list).contains(&name), "{list}");

    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "update", "bucket_name": name, "retention_period": "3h"}),
        )
        .await;
    assert_eq!(r["bucket"]["retention"], "3h");

    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "delete", "bucket_name": name}),
        )
        .await;
    assert_eq!(r["deleted"], name.as_str());
    let list = mcp.ok("manage-buckets", json!({"action": "list"})).await;
    assert!(!names(&list).contains(&name), "deleted: {list}");

    let e = mcp.err("manage-buckets", json!({"action": "create"})).await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("bucket_name"),
        "{e}"
    );
    let e = mcp
        .err(
            "manage-buckets",
            json!({"action": "create", "bucket_name": unique_db("x"), "retention_period": "a month"}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("\"inf\""),
        "{e}"
    );
}

#[tokio::test]
async fn schema_tools_list_and_describe() {
    let (ctx, db) = setup("schema").await;
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "tags": {"host": "a", "region": "eu"},
               "fields": {"usage": 0.5, "state": "ok", "up": true}}),
    )
    .await;
    write_lp(&ctx, &db, "jobs done=1i").await;
    let m = mcp.ok("list-measurements", json!({})).await;
    assert_eq!(m, json!({"bucket": db, "measurements": ["cpu", "jobs"]}));

    let d = mcp
        .ok(
            "describe-measurement",
            json!({"measurement": "cpu", "bucket": db}),
        )
        .await;
    assert_eq!(
        d,
        json!({
            "bucket": db, "measurement": "cpu", "tag_keys": ["host", "region"],
            "field_keys": [
                {"name": "state", "type": "string"},
                {"name": "up", "type": "boolean"},
                {"name": "usage", "type": "float"}
            ]
        })
    );
    let d = mcp
        .ok("describe-measurement", json!({"measurement": "jobs"}))
        .await;
    assert_eq!(
        d["field_keys"],
        json!([{"name": "done", "type": "integer"}])
    );
    let e = mcp
        .err("describe-measurement", json!({"measurement": "nope"}))
        .await;
    assert!(
        e.starts_with("NotFound: ") && e.contains("list-measurements"),
        "{e}"
    );
}

#[tokio::test]
async fn render_chart_returns_a_png_and_a_summary() {
    let (ctx, _db) = setup("chart").await;
    let mcp = connect(&ctx).await;
    let points: Vec<Value> = (0..10)
        .map(|i| {
            json!({"measurement": "temp", "tags": {"room": "lab"}, "fields": {"v": 20 + i},
                        "timestamp": format!("2023-11-14T22:{:02}:00Z", i)})
        })
        .collect();
    mcp.ok("write-metrics", json!({"points": points})).await;
    let r = mcp
        .call(
            "render-chart",
            json!({"query": "SELECT v FROM temp GROUP BY room", "time_range": DAY,
                   "chart_type": "line", "title": "Lab", "unit": "°C", "width": 640, "height": 320}),
        )
        .await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let image = r
        .content
        .iter()
        .find_map(|c| c.as_image())
        .expect("an image content");
    assert_eq!(image.mime_type, "image/png");
    let png = base64::engine::general_purpose::STANDARD
        .decode(&image.data)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a real PNG");
    assert_eq!(
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        640,
        "drawn at the asked width"
    );
    let summary = text(&r);
    assert!(
        summary.starts_with("line chart of 1 series")
            && summary.contains("10 points, min 20")
            && summary.contains("max 29"),
        "{summary}"
    );

    let e = mcp
        .err("render-chart", json!({"query": "DROP MEASUREMENT temp"}))
        .await;
    assert!(
        e.starts_with("Forbidden: query-data only reads") && e.contains("DROP MEASUREMENT temp"),
        "{e}"
    );
    let e = mcp
        .err(
            "render-chart",
            json!({"query": "SELECT v FROM temp", "chart_type": "pie"}),
        )
        .await;
    assert!(!e.is_empty());
}

#[tokio::test]
async fn resources_and_prompts() {
    let (ctx, db) = setup("res").await;
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "fields": {"v": 1}}),
    )
    .await;
    let list = mcp.client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = list.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["influxdesk://connection", "influxdesk://buckets"]);

    let read = |uri: &'static str| {
        let client = &mcp.client;
        async move {
            let r = client
                .read_resource(ReadResourceRequestParams::new(uri))
                .await
                .unwrap_or_else(|e| panic!("{uri}: {e}"));
            match &r.contents[0] {
                ResourceContents::TextResourceContents { text, .. } => {
                    serde_json::from_str::<Value>(text).unwrap()
                }
                other => panic!("{uri}: {other:?}"),
            }
        }
    };
    let c = read("influxdesk://connection").await;
    assert_eq!(c["profile"], "local");
    assert_eq!(c["url"], open_server().url.as_str());
    assert_eq!(c["api"], "v1");
    assert_eq!(c["database"], db.as_str());
    assert_eq!(c["assistant_policy"], "allow");
    assert_eq!(c["effective_policy"], "allow");
    let b = read("influxdesk://buckets").await;
    assert!(
        b["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == db.as_str()),
        "{b}"
    );
    let uri: &'static str = Box::leak(format!("influxdesk://buckets/{db}/measurements").into());
    assert_eq!(read(uri).await["measurements"], json!(["cpu"]));
    assert!(
        mcp.client
            .read_resource(ReadResourceRequestParams::new("influxdesk://nope"))
            .await
            .is_err(),
        "an unknown resource is a protocol error"
    );

    let prompts = mcp.client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["query-help", "line-protocol-guide"]);
    let prompt_text = |name: &'static str, lang: Option<&'static str>| {
        let client = &mcp.client;
        async move {
            let mut p = GetPromptRequestParams::new(name);
            if let Some(l) = lang {
                p.arguments = json!({"language": l}).as_object().cloned();
            }
            let r = client.get_prompt(p).await.unwrap();
            r.messages[0].content.as_text().unwrap().text.clone()
        }
    };
    let flux = prompt_text("query-help", Some("flux")).await;
    assert!(
        flux.contains("from(bucket:") && !flux.contains("date_bin"),
        "{flux}"
    );
    let all = prompt_text("query-help", None).await;
    assert!(all.contains("$timeFilter") && all.contains("date_bin") && all.contains("|>"));
    let lp = prompt_text("line-protocol-guide", None).await;
    assert!(lp.contains("measurement[,tag=value...]") && lp.contains("write-metrics"));
}

#[tokio::test]
async fn calls_act_as_the_named_client_in_events_and_history() {
    let (ctx, _db) = setup("actor").await;
    let mut events = ctx.subscribe();
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "fields": {"v": 1}}),
    )
    .await;
    mcp.ok("query-data", json!({"query": "SELECT v FROM cpu"}))
        .await;
    let assistant = Actor::Assistant {
        client: CLIENT.into(),
    };
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push((e.actor, e.action));
    }
    assert!(
        seen.contains(&(assistant.clone(), "write".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(assistant.clone(), "query.run".into())),
        "{seen:?}"
    );
    let h = history::list(&ctx, ListHistoryReq::default())
        .await
        .unwrap();
    assert_eq!(h[0].actor, format!("assistant:{CLIENT}"));
    assert!(h[0].time_range.is_some(), "the default range is recorded");
}
