//! A run's timing against a real influxd 1.x: the stages of a query kept by id (sent, first
//! byte, read and parsed) are in order and add up, and a chart of the kept result says how
//! long the backend took to draw it.

use influxdesk_core::Actor;
use influxdesk_core::api::{charts, query};
use influxdesk_core::chart::ChartSpec;
use influxdesk_core::model::*;

use crate::harness::{self, add, ctx, fields, unique_db};

#[tokio::test]
async fn a_kept_run_says_when_its_first_byte_came_and_how_long_parsing_took() {
    const POINTS: usize = 5_000;
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("timing");
    let req = |text: String, id: Option<&str>| harness::query_req(&db, text, id);
    query::run(
        &c,
        &Actor::User,
        req(format!("CREATE DATABASE \"{db}\""), None),
    )
    .await
    .unwrap();
    let lines: Vec<String> = (0..POINTS)
        .map(|i| format!("m v={}.5 {}", i % 97, 1_600_000_000 + i))
        .collect();
    crate::harness::write_s(&c, &db, &lines).await;

    let id = "timing-run-1";
    let r = query::run(
        &c,
        &Actor::User,
        req("SELECT v FROM m WHERE time > 0".into(), Some(id)),
    )
    .await
    .unwrap();
    assert_eq!(r.rows, POINTS);
    let t = query::timing(&c, id).unwrap();
    assert_eq!((t.query_id.as_str(), t.rows), (id, POINTS));
    assert!(t.bytes > POINTS * 10, "the response's bytes: {}", t.bytes);
    let first = t
        .first_byte_at_ms
        .expect("a 1.x response's first byte is seen");
    let (server, read) = (t.server_ms.unwrap(), t.read_ms.unwrap());
    assert!(t.started_at_ms <= first && first <= t.parsed_at_ms, "{t:?}");
    assert!(server >= 0.0 && t.parse_ms > 0.0, "{t:?}");
    assert!(
        t.parse_ms <= read + 1e-6,
        "parsing is part of reading: {t:?}"
    );
    assert!(
        (first + read - t.parsed_at_ms).abs() < 0.01,
        "first byte + read = parsed: {t:?}"
    );
    assert!(
        t.parsed_at_ms - t.started_at_ms <= r.elapsed_ms + 0.01,
        "inside the run: {t:?} vs {} ms",
        r.elapsed_ms
    );

    let drawn = charts::render(
        &c,
        charts::RenderChartReq {
            query_id: id.into(),
            spec: ChartSpec::default(),
        },
    )
    .await
    .unwrap();
    assert!(drawn.render_ms > 0.0 && drawn.svg.starts_with("<svg"));

    // The window's run answers with the kept result itself, not a copy of its rows.
    let shared = query::run_shared(
        &c,
        &Actor::User,
        req(
            "SELECT v FROM m WHERE time > 0".into(),
            Some("timing-run-2"),
        ),
    )
    .await
    .unwrap();
    let kept = query::cached(&c, "timing-run-2").unwrap();
    assert!(std::sync::Arc::ptr_eq(&shared, &kept), "shared, not copied");
    assert_eq!(shared.rows, POINTS);

    // A run never kept has no timing: NotFound, saying what to do.
    let e = query::timing(&c, "never-run").unwrap_err();
    assert_eq!(e.code(), influxdesk_core::ErrorCode::NotFound);
    assert!(e.message().contains("run the query again"), "{e}");
}
