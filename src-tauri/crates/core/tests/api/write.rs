//! Honest, streamed, resumable writes against a real influxd 1.x: a partial write is reported
//! as what landed and what did not in the server's words, field types are checked against the
//! server's schema before anything is sent, a stream stops at a bad batch saying what landed,
//! and a file import survives the server being SIGKILLed mid-import, or a batch refused while
//! later batches sent alongside it land: resumed from its checkpoint, every point arrives
//! exactly once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use influxdesk_core::api::query;
use influxdesk_core::api::write::{self, BatchOptions, WriteFileReq, WriteHooks, WriteStreamReq};
use influxdesk_core::local;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use tokio::sync::mpsc;

use crate::harness::{self, add, ctx, fields, unique_db};

fn q(db: &str, text: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: None,
        database: Some(db.into()),
        query: text.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

pub async fn run(c: &Ctx, db: &str, text: &str) -> QueryResult {
    query::run(c, &Actor::User, q(db, text))
        .await
        .unwrap_or_else(|e| panic!("{text}: {}", e.message()))
}

/// The single value of a one-row aggregate, 0 when there are no rows.
pub async fn number(c: &Ctx, db: &str, text: &str) -> i64 {
    let r = run(c, db, text).await;
    r.frames
        .first()
        .and_then(|f| f.columns.get(1))
        .and_then(|col| col.values.first())
        .and_then(influxdesk_core::model::Cell::as_i64)
        .unwrap_or(0)
}

fn lines(db: &str, text: &str) -> WriteReq {
    WriteReq {
        profile: None,
        bucket: Some(db.into()),
        precision: Precision::S,
        lines: text.into(),
    }
}

pub async fn open_db(prefix: &str) -> (std::sync::Arc<Ctx>, String) {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db(prefix);
    run(&c, &db, &format!("CREATE DATABASE \"{db}\"")).await;
    (c, db)
}

#[tokio::test]
async fn a_partial_write_says_what_landed_and_what_did_not_in_the_servers_words() {
    let (c, db) = open_db("partial").await;
    run(
        &c,
        &db,
        &format!("CREATE RETENTION POLICY hour ON \"{db}\" DURATION 1h REPLICATION 1"),
    )
    .await;
    // Line 1 gets the server's clock (inside the hour); line 3 is from 1970 (outside it).
    let r = write::write(
        &c,
        &Actor::User,
        lines(&format!("{db}/hour"), "m v=1\n# old\nm v=2 0"),
    )
    .await
    .expect("a partial write is a report, not a refusal");
    assert_eq!(
        (r.points, r.dropped, r.uncertain),
        (1, 1, 0),
        "one landed, one was dropped: {r:?}"
    );
    assert!(!r.complete());
    let rej = &r.rejections[0];
    assert_eq!((rej.first_line, rej.last_line, rej.points), (1, 3, 2));
    assert!(
        rej.server
            .contains("partial write: points beyond retention policy dropped=1"),
        "the server's own words: {}",
        rej.server
    );
    let summary = r.summary();
    assert!(
        summary.contains("wrote 1 point") && summary.contains("did NOT store 1 point"),
        "{summary}"
    );
    let e = r.into_complete().unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().starts_with("partial write: wrote 1 point"));
    assert_eq!(
        number(
            &c,
            &db,
            &format!("SELECT count(v) FROM \"{db}\".\"hour\".m")
        )
        .await,
        1,
        "the report matches what the server holds"
    );
}

#[tokio::test]
async fn field_types_are_checked_against_the_schema_before_anything_is_sent() {
    let (c, db) = open_db("schema").await;
    write::write(&c, &Actor::User, lines(&db, "m v=1.5 1"))
        .await
        .unwrap();
    let e = write::write(
        &c,
        &Actor::User,
        lines(&db, "n v=1 2\nm v=3i 3\n# c\nm v=4i 4"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let msg = e.message();
    assert!(
        msg.contains("field \"v\" of measurement \"m\" is integer on lines 2 and 4, but the target already holds it as float"),
        "names the conflicting lines: {msg}"
    );
    assert!(msg.contains("Nothing was written"), "{msg}");
    assert_eq!(
        number(&c, &db, "SELECT count(v) FROM m").await,
        1,
        "the conflicting points were not sent"
    );
    assert_eq!(
        number(&c, &db, "SELECT count(v) FROM n").await,
        0,
        "not even line 1, which fits, was sent"
    );

    // A database that does not exist is said before anything is sent.
    let e = write::write(&c, &Actor::User, lines("no_such_db_w", "m v=1 1"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
}

#[tokio::test]
async fn a_stream_stops_at_a_bad_batch_and_says_what_landed_before_it() {
    let (c, db) = open_db("stream").await;
    let input: &[u8] = b"m v=1 1\nm v=2 2\nm v=3 3\nm v= 4\n";
    let req = WriteStreamReq {
        bucket: Some(db.clone()),
        precision: Precision::S,
        batch_lines: Some(2),
        ..WriteStreamReq::default()
    };
    let e = write::write_stream(&c, &Actor::User, req, input, WriteHooks::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let msg = e.message();
    assert!(msg.contains("line 4"), "{msg}");
    assert!(
        msg.contains("Lines 3-4 and the rest were not written"),
        "{msg}"
    );
    assert!(
        msg.contains("Before that, 2 points landed in 1 batch (up to line 2)"),
        "never 'nothing was written' when a batch landed: {msg}"
    );
    assert_eq!(number(&c, &db, "SELECT count(v) FROM m").await, 2);
}

/// An influxd of our own, so the test can SIGKILL it and start it again on the same data.
struct Influxd {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Influxd {
    fn start(dir: &Path, port: u16) -> Influxd {
        Influxd::start_with(dir, port, "")
    }

    /// Started with `http` added to its `[http]` section.
    fn start_with(dir: &Path, port: u16, http: &str) -> Influxd {
        let rpc = local::free_port().unwrap();
        let d = dir.display();
        let conf = dir.join("influxdb.conf");
        std::fs::write(
            &conf,
            format!(
                "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n[meta]\n  dir = \
                 \"{d}/meta\"\n[data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  \
                 query-log-enabled = false\n[http]\n  bind-address = \"127.0.0.1:{port}\"\n  \
                 log-enabled = false\n{http}\n[logging]\n  level = \"warn\"\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("influxd.log")).unwrap();
        let child = Command::new(local::influxd_path().unwrap())
            .args(["run", "-config"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("influxd starts");
        let mut s = Influxd {
            dir: dir.to_path_buf(),
            port,
            child: Some(child),
        };
        s.wait_ready();
        s
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !local::ping(self.port) {
            if let Some(Ok(Some(st))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "influxd exited ({st}): {}",
                    std::fs::read_to_string(self.dir.join("influxd.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "influxd never answered /ping");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        self.kill();
    }
}

fn checkpoints(data_dir: &Path) -> Vec<serde_json::Value> {
    let Ok(dir) = std::fs::read_dir(data_dir.join("imports")) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_import_survives_a_server_crash_and_resumes_exactly() {
    const POINTS: usize = 50_000;
    let scratch = tempfile::tempdir().unwrap();
    let port = local::free_port().unwrap();
    let mut server = Influxd::start(scratch.path(), port);
    let c = ctx();
    add(
        &c,
        fields("crashy", &format!("http://127.0.0.1:{port}"), ApiKind::V1),
        None,
    )
    .await;
    let db = "imports";
    run(&c, db, "CREATE DATABASE imports").await;

    // 50k points, each with its own timestamp (so a resend rewrites, never adds), plus a
    // header comment: line n+1 holds point n.
    let file = scratch.path().join("points.lp");
    let mut text = String::from("# generated\n");
    for i in 0..POINTS {
        text.push_str(&format!("m,host=h{} v={i}i {}\n", i % 7, 1_600_000_000 + i));
    }
    std::fs::write(&file, &text).unwrap();
    let req = |resume: bool| WriteFileReq {
        bucket: Some(db.into()),
        precision: Precision::S,
        path: file.display().to_string(),
        batch: BatchOptions {
            resume,
            batch_lines: Some(5_000),
            retries: Some(1),
            ..BatchOptions::default()
        },
        ..WriteFileReq::default()
    };

    // Progress through a channel of one: the import cannot run ahead of the test by more
    // than a batch or two while the test holds the next message.
    let (tx, mut rx) = mpsc::channel(1);
    let hooks = WriteHooks {
        progress: Some(tx),
        ..WriteHooks::default()
    };
    let import = {
        let (c, r) = (c.clone(), req(false));
        tokio::spawn(async move { write::write_file(&c, &Actor::User, r, hooks).await })
    };
    let first = rx.recv().await.expect("a first batch is acknowledged");
    assert_eq!((first.batches, first.points, first.line), (1, 4_999, 5_000));
    // The checkpoint is written in the background: wait until it is on disk.
    let cp = loop {
        let cp = checkpoints(c.data_dir());
        if !cp.is_empty() {
            break cp;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(cp.len(), 1, "one checkpoint: {cp:?}");
    assert!(
        cp[0]["line"].as_u64().unwrap() >= 5_000,
        "the checkpoint shows a batch acknowledged: {}",
        cp[0]
    );

    server.kill();
    while rx.recv().await.is_some() {}
    let e = import
        .await
        .unwrap()
        .expect_err("the import cannot finish without its server");
    assert!(
        matches!(
            e.code(),
            ErrorCode::Unreachable | ErrorCode::Timeout | ErrorCode::Internal
        ),
        "{:?}: {}",
        e.code(),
        e.message()
    );
    assert!(
        e.message().contains("--resume") && e.message().contains("landed in"),
        "says what landed and how to go on: {}",
        e.message()
    );
    let cp = checkpoints(c.data_dir());
    let acked = cp[0]["line"].as_u64().unwrap() as usize;
    assert!(
        (5_000..POINTS).contains(&acked),
        "stopped mid-import, at line {acked}"
    );

    let mut server = Influxd::start(scratch.path(), port);
    let e = write::write_file(&c, &Actor::User, req(false), WriteHooks::default())
        .await
        .expect_err("a checkpoint is not ignored silently");
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(
        e.message()
            .contains(&format!("continue after line {acked}")),
        "{}",
        e.message()
    );

    let r = write::write_file(&c, &Actor::User, req(true), WriteHooks::default())
        .await
        .unwrap_or_else(|e| panic!("resume: {}", e.message()));
    assert_eq!(r.resumed_after_line, Some(acked));
    assert_eq!((r.points, r.dropped, r.lines), (POINTS, 0, POINTS + 1));
    assert!(
        checkpoints(c.data_dir()).is_empty(),
        "a finished import leaves no checkpoint"
    );
    let count = number(&c, db, "SELECT count(v) FROM m").await;
    assert_eq!(count, POINTS as i64, "0 lost, 0 duplicated");
    let sum = number(&c, db, "SELECT sum(v) FROM m").await;
    assert_eq!(
        sum,
        (0..POINTS as i64).sum::<i64>(),
        "every value exactly once"
    );
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_refused_while_later_ones_land_keeps_the_checkpoint_before_it() {
    const POINTS: usize = 1_000;
    let scratch = tempfile::tempdir().unwrap();
    let port = local::free_port().unwrap();
    // Bodies over 20 kB are refused (413): only the second batch is that large.
    let mut server = Influxd::start_with(scratch.path(), port, "  max-body-size = 20000");
    let c = ctx();
    add(
        &c,
        fields("small", &format!("http://127.0.0.1:{port}"), ApiKind::V1),
        None,
    )
    .await;
    let db = "refusals";
    run(&c, db, "CREATE DATABASE refusals").await;
    let file = scratch.path().join("points.lp");
    let pad = "x".repeat(300);
    let mut text = String::new();
    for i in 0..POINTS {
        let s = if (100..200).contains(&i) {
            format!(",s=\"{pad}\"")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "m,host=h{} v={i}i{s} {}\n",
            i % 7,
            1_600_000_000 + i
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let req = |resume: bool| WriteFileReq {
        bucket: Some(db.into()),
        precision: Precision::S,
        path: file.display().to_string(),
        batch: BatchOptions {
            resume,
            batch_lines: Some(100),
            retries: Some(1),
            ..BatchOptions::default()
        },
        ..WriteFileReq::default()
    };
    let e = write::write_file(&c, &Actor::User, req(false), WriteHooks::default())
        .await
        .expect_err("the second batch is refused");
    let msg = e.message();
    assert!(
        msg.contains("refused lines 101-200 and stored none of them"),
        "{msg}"
    );
    assert!(
        msg.contains("Before that, 100 points landed in 1 batch (up to line 100)"),
        "{msg}"
    );
    // The batches sent alongside the refused one (the pump fills its window before it
    // awaits the first answer) landed, and the error says how many points they stored.
    let said: usize = msg
        .split("Lines 201-")
        .nth(1)
        .and_then(|m| m.split("were stored as well (").nth(1))
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("says what was stored alongside: {msg}"));
    assert!(said >= 100, "{msg}");
    let landed = number(&c, db, "SELECT count(v) FROM m").await;
    assert_eq!(
        landed as usize,
        100 + said,
        "the report is what the server holds"
    );
    let cp = checkpoints(c.data_dir());
    assert_eq!(
        cp[0]["line"].as_u64(),
        Some(100),
        "the checkpoint stays before the refused batch: {}",
        cp[0]
    );
    assert_eq!(cp[0]["points"].as_u64(), Some(100));

    // With room for the large batch, the resume sends lines 101 on: the later batches again
    // (the same points, rewritten), nothing lost, nothing twice.
    server.kill();
    let mut server = Influxd::start(scratch.path(), port);
    let r = write::write_file(&c, &Actor::User, req(true), WriteHooks::default())
        .await
        .unwrap_or_else(|e| panic!("resume: {}", e.message()));
    assert_eq!(r.resumed_after_line, Some(100));
    assert_eq!((r.points, r.dropped, r.lines), (POINTS, 0, POINTS));
    assert_eq!(
        number(&c, db, "SELECT count(v) FROM m").await,
        POINTS as i64,
        "0 lost, 0 duplicated"
    );
    assert_eq!(
        number(&c, db, "SELECT sum(v) FROM m").await,
        (0..POINTS as i64).sum::<i64>()
    );
    assert_eq!(number(&c, db, "SELECT count(s) FROM m").await, 100);
    server.kill();
}
