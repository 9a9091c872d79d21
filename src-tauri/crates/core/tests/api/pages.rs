//! The window's view of a large result against a real influxd 1.x: a run's head carries each
//! frame's first page (within the head's budget), the pages read after it add up to exactly
//! the kept result, bad page requests say what to do, and the result the table reads stays
//! kept while newer runs push older ones out.

use influxdesk_core::api::query;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use serde_json::Value;

use crate::harness::{self, query_req as req};

fn json(columns: &[Column]) -> Vec<Value> {
    columns
        .iter()
        .map(|c| serde_json::to_value(&c.values).unwrap())
        .collect()
}

#[tokio::test]
async fn a_result_reaches_the_window_as_a_head_and_pages_that_add_up_to_it() {
    // One series larger than a page, then 45 of a page each: 23,734 rows over 46 frames,
    // more than the head carries.
    const BIG: usize = 1_234;
    const SMALL: usize = 45;
    let (c, db) = harness::profile_with_db("pages", None).await;
    let mut lines: Vec<String> = (0..BIG)
        .map(|i| format!("m,h=big v={i}.5,n=\"r{i}\" {}", 1_600_000_000 + i))
        .collect();
    for k in 0..SMALL {
        lines.extend((0..PAGE_ROWS).map(|i| format!("m,h=s{k:02} v={i} {}", 1_600_000_000 + i)));
    }
    harness::write_s(&c, &db, &lines).await;

    let text = "SELECT v, n FROM m WHERE time > 0 GROUP BY h";
    let full = query::run_shared(&c, &Actor::User, req(&db, text, Some("pages-1")))
        .await
        .unwrap();
    assert_eq!(full.frames.len(), SMALL + 1);
    assert_eq!(full.rows, BIG + SMALL * PAGE_ROWS);
    assert!(
        full.rows > HEAD_ROWS,
        "the head cannot carry every frame's first page"
    );

    let head = full.head();
    assert_eq!(
        (head.rows, head.query_id.as_deref(), head.frames.len()),
        (full.rows, Some("pages-1"), full.frames.len())
    );
    let mut budget = HEAD_ROWS;
    let mut empty_heads = 0;
    for (i, (h, f)) in head.frames.iter().zip(&full.frames).enumerate() {
        assert_eq!((&h.name, &h.tags, h.rows), (&f.name, &f.tags, f.rows()));
        let want = f.rows().min(PAGE_ROWS).min(budget);
        budget -= want;
        assert!(h.columns.iter().all(|c| c.len() == want), "frame {i}");
        assert_eq!(json(&h.columns), json(&f.page(0, want)), "frame {i}");
        empty_heads += usize::from(want == 0);
    }
    assert!(empty_heads > 0, "frames past the budget start empty");
    assert_eq!(
        head.frames[0].columns[0].len(),
        PAGE_ROWS,
        "the big frame's first page"
    );

    // Every frame read page by page after its head is the kept frame, value for value.
    for (i, (h, f)) in head.frames.iter().zip(&full.frames).enumerate() {
        let mut got = json(&h.columns);
        let mut offset = h.columns[0].len();
        while offset < h.rows {
            let p = query::rows(&c, "pages-1", i, offset, 333).unwrap();
            assert_eq!((p.frame, p.offset, p.rows), (i, offset, f.rows()));
            let n = p.columns[0].len();
            assert_eq!(n, 333.min(f.rows() - offset));
            for (all, page) in got.iter_mut().zip(json(&p.columns)) {
                all.as_array_mut()
                    .unwrap()
                    .extend(page.as_array().unwrap().iter().cloned());
            }
            offset += n;
        }
        assert_eq!(got, json(&f.columns), "frame {i} from its pages");
    }
    let big = &full.frames[0];
    assert_eq!(big.column("n").unwrap().str_at(BIG - 1), Some("r1233"));

    // Past the end: an empty page that still says how many rows the frame has.
    let p = query::rows(&c, "pages-1", 0, BIG + 10, 100).unwrap();
    assert_eq!(p.rows, BIG);
    assert!(p.columns.iter().all(|c| c.is_empty()));
    let p = query::rows(&c, "pages-1", 0, usize::MAX, MAX_PAGE_ROWS).unwrap();
    assert!(p.columns.iter().all(|c| c.is_empty()), "no overflow");

    // Bad requests say what to do.
    for limit in [0, MAX_PAGE_ROWS + 1] {
        let e = query::rows(&c, "pages-1", 0, 0, limit).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.message().contains("page by page"), "{e}");
    }
    let e = query::rows(&c, "pages-1", SMALL + 1, 0, 10).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("46 frame(s)"), "{e}");
    let e = query::rows(&c, "never-run", 0, 0, 10).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(e.message().contains("run the query again"), "{e}");

    // A result kept under no id has nowhere to read pages from: its head is all of it.
    let unkept = query::run(&c, &Actor::User, req(&db, text, None))
        .await
        .unwrap();
    let head = unkept.head();
    assert_eq!(
        head.frames
            .iter()
            .map(|f| json(&f.columns))
            .collect::<Vec<_>>(),
        unkept
            .frames
            .iter()
            .map(|f| json(&f.columns))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_result_the_table_reads_stays_kept_while_newer_runs_push_older_ones_out() {
    let (c, db) = harness::profile_with_db("pages_kept", None).await;
    harness::write_s(&c, &db, &["m v=1 1600000000"]).await;
    let run = |id: String| {
        let c = c.clone();
        let r = req(&db, "SELECT v FROM m", Some(&id));
        async move { query::run_shared(&c, &Actor::User, r).await.unwrap() }
    };
    // The table's result, then runs until the cache is full and spills.
    run("table".into()).await;
    let mut n = 0;
    while query::rows(&c, "table", 0, 0, 1).is_ok() {
        // Each run is read once as the table would (after which it is the newest), then the
        // next run; the first unread run is the oldest and goes first.
        run(format!("other-{n}")).await;
        n += 1;
        if n == 64 {
            break;
        }
    }
    assert_eq!(
        n, 64,
        "read between runs, the table's result is never dropped"
    );
    let e = query::rows(&c, "other-0", 0, 0, 1).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::NotFound,
        "an unread old run was dropped"
    );
}
