//! Bounded reads against a real influxd 1.x: a query over many points with a small row cap
//! stops reading the (chunked) response at the cap, says it capped, and reads a bounded
//! number of bytes, not the whole answer.

use influxdesk_core::Actor;
use influxdesk_core::api::{query, write};
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
    write::write(
        &c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::S,
            lines: lines.join("\n"),
        },
    )
    .await
    .unwrap();

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
