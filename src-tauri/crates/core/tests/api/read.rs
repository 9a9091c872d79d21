//! Bounded reads against a real influxd 1.x: a query over many points with a small row cap
//! stops reading the (chunked) response at the cap, says it capped, and reads a bounded
//! number of bytes, not the whole answer.

use influxdesk_core::Actor;
use influxdesk_core::api::query;
use influxdesk_core::influx::Client;
use influxdesk_core::model::*;

use crate::harness::{self, add, ctx, fields, unique_db};

#[tokio::test]
async fn a_capped_query_reads_a_bounded_part_of_the_response() {
    const POINTS: usize = 20_000;
    let s = harness::open_server();
    let c = ctx();
    let profile = add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("capped");
    let run = |text: String, limit: Option<usize>| {
        let (c, db) = (c.clone(), db.clone());
        async move {
            query::run(
                &c,
                &Actor::User,
                RunQueryReq {
                    profile: None,
                    language: None,
                    database: Some(db),
                    query: text,
                    row_limit: limit,
                    time_range: None,
                    query_id: None,
                },
            )
            .await
            .unwrap()
        }
    };
    run(format!("CREATE DATABASE \"{db}\""), None).await;
    let lines: Vec<String> = (0..POINTS)
        .map(|i| {
            format!(
                "m,host=h{} v={i}i,note=\"some text\" {}",
                i % 5,
                1_600_000_000 + i
            )
        })
        .collect();
    crate::harness::write_s(&c, &db, &lines).await;

    let client = Client::new(&profile, None).unwrap();
    let q = "SELECT * FROM m WHERE time > 0";
    let whole = client
        .query_read(QueryLanguage::Influxql, Some(&db), q, POINTS + 1)
        .await
        .unwrap();
    assert!(!whole.capped);
    assert_eq!(whole.frames.iter().map(Frame::rows).sum::<usize>(), POINTS);
    let capped = client
        .query_read(QueryLanguage::Influxql, Some(&db), q, 1)
        .await
        .unwrap();
    eprintln!(
        "capped query read {} bytes, the whole answer {} bytes (killed on the server: {})",
        capped.bytes_read, whole.bytes_read, capped.killed
    );
    assert!(capped.capped, "the result says it capped");
    assert_eq!(capped.frames.iter().map(Frame::rows).sum::<usize>(), 1);
    assert!(
        capped.bytes_read * 10 < whole.bytes_read,
        "reading stops at the cap: {} bytes of {}",
        capped.bytes_read,
        whole.bytes_read
    );

    // Through the service layer: one row, marked truncated.
    let r = run(q.to_string(), Some(1)).await;
    assert_eq!((r.rows, r.truncated), (1, true));
}

/// A capped 1.x read leaves nothing running on the server: the query is found in SHOW QUERIES
/// and killed while our response is still open (influxd, blocked on writing an answer far
/// bigger than the socket buffers, keeps it running until then), so the kill does not depend
/// on how fast the server or the machine is.
#[tokio::test]
async fn a_capped_query_is_killed_on_the_server() {
    const POINTS: usize = 30_000;
    let s = harness::open_server();
    let c = ctx();
    let profile = add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("killed");
    let client = Client::new(&profile, None).unwrap();
    client
        .query_read(
            QueryLanguage::Influxql,
            None,
            &format!("CREATE DATABASE \"{db}\""),
            1,
        )
        .await
        .unwrap();
    // About 30 MB of answer: 1 KB of text per point.
    let text = "x".repeat(1000);
    for batch in 0..POINTS / 5_000 {
        let lines: Vec<String> = (batch * 5_000..(batch + 1) * 5_000)
            .map(|i| {
                format!(
                    "wide,host=h{} note=\"{text}\",v={i}i {}",
                    i % 3,
                    1_600_000_000 + i
                )
            })
            .collect();
        crate::harness::write_s(&c, &db, &lines).await;
    }
    let q = "SELECT * FROM wide WHERE time > 0";
    let capped = client
        .query_read(QueryLanguage::Influxql, Some(&db), q, 1)
        .await
        .unwrap();
    assert!(capped.capped);
    assert!(
        capped.killed,
        "the capped query was found in SHOW QUERIES and killed"
    );
    // And it is gone from the server's running queries.
    let running = || async {
        let frames = client
            .query_read(QueryLanguage::Influxql, None, "SHOW QUERIES", 1000)
            .await
            .unwrap()
            .frames;
        frames.iter().any(|f| {
            f.column("query").is_some_and(|col| {
                col.values
                    .iter()
                    .any(|v| v.as_str().is_some_and(|t| t.contains("FROM wide")))
            })
        })
    };
    let mut tries = 0;
    while running().await {
        tries += 1;
        assert!(tries < 600, "the killed query is still running after 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
