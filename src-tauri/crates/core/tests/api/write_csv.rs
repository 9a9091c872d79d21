//! CSV import against a real influxd 1.x: exact values and types back from the server, an
//! InfluxDB 2 annotated CSV and a gzip file read as they are, bad rows named by line with
//! nothing written, the preview; and a 1M-line line protocol file arriving with the exact
//! count.

use std::io::Write as _;

use influxdesk_core::api::write::csv::{
    self, CsvFieldType, CsvMapping, CsvRole, ImportCsvReq, PreviewCsvReq,
};
use influxdesk_core::api::write::{self, BatchOptions, WriteFileReq, WriteHooks};
use influxdesk_core::model::Precision;
use influxdesk_core::{Actor, ErrorCode};
use serde_json::{Value, json};

use crate::write::{number, open_db, run};

fn req(db: &str, path: &std::path::Path, mapping: CsvMapping) -> ImportCsvReq {
    ImportCsvReq {
        bucket: Some(db.into()),
        path: path.display().to_string(),
        mapping,
        batch: BatchOptions {
            batch_lines: Some(2),
            ..BatchOptions::default()
        },
        ..ImportCsvReq::default()
    }
}

/// Every row of `SELECT ...` as JSON arrays (time first).
async fn rows(c: &influxdesk_core::Ctx, db: &str, q: &str) -> Vec<Vec<Value>> {
    let r = run(c, db, q).await;
    let f = &r.frames[0];
    (0..f.rows())
        .map(|i| f.columns.iter().map(|col| col.value(i)).collect())
        .collect()
}

#[tokio::test]
async fn a_csv_import_stores_exact_values_and_types() {
    let (c, db) = open_db("csv").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weather.csv");
    std::fs::write(
        &file,
        "when,station,temp,count,ok,note,skip\n\
         2024-05-01 00:00:00,north,21.5,3,true,\"hello, \"\"world\"\"\",x\n\
         2024-05-01 00:00:01,south pole,-4,12,false,,x\n\
         2024-05-01 00:00:02,north,0.25,7,true,plain,x\n",
    )
    .unwrap();
    let mapping = CsvMapping {
        time_column: Some("when".into()),
        time_format: Some("%Y-%m-%d %H:%M:%S".into()),
        tags: vec!["station".into()],
        ignore: vec!["skip".into()],
        measurement: Some("weather".into()),
        ..CsvMapping::default()
    };
    let r = csv::import(
        &c,
        &Actor::User,
        req(&db, &file, mapping),
        WriteHooks::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("import: {}", e.message()));
    assert_eq!((r.points, r.dropped, r.batches), (3, 0, 2), "{r:?}");

    let got = rows(
        &c,
        &db,
        "SELECT temp, \"count\", ok, note, station FROM weather",
    )
    .await;
    assert_eq!(
        got,
        vec![
            vec![
                json!("2024-05-01T00:00:00Z"),
                json!(21.5),
                json!(3),
                json!(true),
                json!("hello, \"world\""),
                json!("north")
            ],
            vec![
                json!("2024-05-01T00:00:01Z"),
                json!(-4),
                json!(12),
                json!(false),
                Value::Null,
                json!("south pole")
            ],
            vec![
                json!("2024-05-01T00:00:02Z"),
                json!(0.25),
                json!(7),
                json!(true),
                json!("plain"),
                json!("north")
            ],
        ],
        "values, times and tags as in the file"
    );
    let types = rows(&c, &db, "SHOW FIELD KEYS FROM weather").await;
    let types: Vec<(String, String)> = types
        .iter()
        .map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        types,
        [
            ("count", "integer"),
            ("note", "string"),
            ("ok", "boolean"),
            ("temp", "float")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec(),
        "-4 in a column of decimals is a float; 3, 12, 7 are integers"
    );
}

#[tokio::test]
async fn an_annotated_csv_and_a_gzip_file_are_read_as_they_are() {
    let (c, db) = open_db("csvann").await;
    let dir = tempfile::tempdir().unwrap();
    // A Flux result, as `influx query --raw` or the InfluxDB 2 UI gives it: two tables.
    let annotated = "#group,false,false,true,true,false,false,true,true,true\n\
        #datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\n\
        #default,_result,,,,,,,,\n\
        ,result,table,_start,_stop,_time,_value,_field,_measurement,host\n\
        ,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:00Z,1.5,usage,cpu,a\n\
        ,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:10Z,2.5,usage,cpu,a\n\
        \n\
        #group,false,false,true,true,false,false,true,true,true\n\
        #datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,long,string,string,string\n\
        #default,_result,,,,,,,,\n\
        ,result,table,_start,_stop,_time,_value,_field,_measurement,host\n\
        ,,1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:00Z,42,procs,cpu,b\n";
    let file = dir.path().join("flux.csv");
    std::fs::write(&file, annotated).unwrap();
    let p = csv::preview(
        &c,
        &Actor::User,
        PreviewCsvReq {
            path: file.display().to_string(),
            ..PreviewCsvReq::default()
        },
    )
    .await
    .unwrap();
    assert!(p.annotated && p.problem.is_none(), "{p:?}");
    let lps: Vec<&str> = p.points.iter().map(|x| x.lp.as_str()).collect();
    assert_eq!(
        lps,
        [
            "cpu,host=a usage=1.5 1704067200000000000",
            "cpu,host=a usage=2.5 1704067210000000000",
            "cpu,host=b procs=42i 1704067200000000000",
        ],
        "each table by its own annotations"
    );
    assert_eq!(p.points[2].line, 12, "rows are numbered by file line");

    let r = csv::import(
        &c,
        &Actor::User,
        req(&db, &file, CsvMapping::default()),
        WriteHooks::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("annotated: {}", e.message()));
    assert_eq!(r.points, 3);
    assert_eq!(number(&c, &db, "SELECT sum(usage) FROM cpu").await, 4);
    assert_eq!(number(&c, &db, "SELECT sum(procs) FROM cpu").await, 42);

    // The same kind of rows in a gzip file with epoch milliseconds.
    let gz = dir.path().join("points.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    writeln!(enc, "ts,host,v").unwrap();
    for i in 0..1_000 {
        writeln!(enc, "{},h{},{}", 1_700_000_000_000i64 + i, i % 3, i).unwrap();
    }
    enc.finish().unwrap();
    let mapping = CsvMapping {
        time_column: Some("ts".into()),
        time_format: Some("ms".into()),
        tags: vec!["host".into()],
        measurement: Some("gz".into()),
        ..CsvMapping::default()
    };
    let mut r = req(&db, &gz, mapping);
    r.batch.batch_lines = None;
    let r = csv::import(&c, &Actor::User, r, WriteHooks::default())
        .await
        .unwrap_or_else(|e| panic!("gzip: {}", e.message()));
    assert_eq!((r.points, r.lines), (1_000, 1_001));
    assert_eq!(number(&c, &db, "SELECT count(v) FROM gz").await, 1_000);
    assert_eq!(
        number(&c, &db, "SELECT sum(v) FROM gz").await,
        (0..1_000).sum::<i64>()
    );
}

#[tokio::test]
async fn bad_rows_are_named_by_line_and_nothing_is_written() {
    let (c, db) = open_db("csvbad").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    let mut text = String::from("time,v\n");
    for i in 0..200 {
        text.push_str(&format!("{},{}\n", 1_700_000_000 + i, i));
    }
    // Line 150 (row 149): not an integer; line 180: a time that is not one.
    text = text.replacen("1700000148,148", "1700000148,1.5", 1);
    text = text.replacen("1700000178,178", "yesterday,178", 1);
    std::fs::write(&file, &text).unwrap();
    let mapping = CsvMapping {
        time_format: Some("s".into()),
        measurement: Some("m".into()),
        ..CsvMapping::default()
    };
    let p = csv::preview(
        &c,
        &Actor::User,
        PreviewCsvReq {
            path: file.display().to_string(),
            mapping: mapping.clone(),
            rows: Some(1_000),
        },
    )
    .await
    .unwrap();
    let v = p.columns.iter().find(|c| c.name == "v").unwrap();
    assert_eq!(
        (v.role, v.kind, v.inferred),
        (CsvRole::Field, Some(CsvFieldType::Integer), true),
        "inferred from the first 100 rows"
    );
    assert_eq!(p.columns[0].role, CsvRole::Time, "found by its name");
    let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [150, 180], "{:?}", p.errors);
    assert_eq!(p.points.len(), 198);

    let e = csv::import(
        &c,
        &Actor::User,
        req(&db, &file, mapping.clone()),
        WriteHooks::default(),
    )
    .await
    .expect_err("bad rows refuse the import");
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let m = e.message();
    assert!(
        m.starts_with(
            "2 CSV rows cannot be imported: line 150: column \"v\": \"1.5\" is not an integer"
        ) && m.contains("line 180: time \"yesterday\" is not an epoch time in s")
            && m.contains("--type v=float")
            && m.ends_with("Nothing was written."),
        "{m}"
    );
    assert_eq!(number(&c, &db, "SELECT count(v) FROM m").await, 0);

    // Overriding the type imports every row but the bad time... which still refuses.
    let float = CsvMapping {
        types: [("v".to_string(), CsvFieldType::Float)].into(),
        ..mapping
    };
    let e = csv::import(
        &c,
        &Actor::User,
        req(&db, &file, float),
        WriteHooks::default(),
    )
    .await
    .expect_err("one bad row left");
    assert!(
        e.message()
            .starts_with("1 CSV row cannot be imported: line 180"),
        "{}",
        e.message()
    );

    // A mapping that does not fit the header: a preview shows the header to fix it with.
    let p = csv::preview(
        &c,
        &Actor::User,
        PreviewCsvReq {
            path: file.display().to_string(),
            mapping: CsvMapping {
                tags: vec!["host".into()],
                ..CsvMapping::default()
            },
            rows: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(p.header, ["time", "v"]);
    assert!(p.problem.is_some() && p.columns.is_empty(), "{p:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_line_file_arrives_with_the_exact_count() {
    const N: usize = 1_000_000;
    let (c, db) = open_db("million").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("million.lp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..N {
        writeln!(
            out,
            "big,host=h{} v={i}i {}",
            i % 10,
            1_600_000_000 + i as i64
        )
        .unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    let r = write::write_file(
        &c,
        &Actor::User,
        WriteFileReq {
            bucket: Some(db.clone()),
            precision: Precision::S,
            path: file.display().to_string(),
            ..WriteFileReq::default()
        },
        WriteHooks::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("1M lines: {}", e.message()));
    assert_eq!((r.points, r.dropped, r.batches), (N, 0, N / 5_000));
    assert_eq!(
        number(&c, &db, "SELECT count(v) FROM big").await,
        N as i64,
        "every line is a point, each exactly once"
    );
}

#[tokio::test]
async fn a_check_names_bad_lines_and_type_conflicts_with_the_target() {
    use influxdesk_core::api::write::CheckLinesReq;
    let (c, db) = open_db("check").await;
    write::write(
        &c,
        &Actor::User,
        influxdesk_core::model::WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::S,
            lines: "m v=1i 1".into(),
        },
    )
    .await
    .unwrap();
    let req = |lines: &str| CheckLinesReq {
        bucket: Some(db.clone()),
        precision: Precision::S,
        lines: lines.into(),
        ..CheckLinesReq::default()
    };
    let r = write::check(
        &c,
        &Actor::User,
        req("m v=2i 60\nm v=\nm,host=a v=3i,ok=true 120"),
    )
    .await
    .unwrap();
    assert_eq!((r.points, r.bad_lines), (2, 1));
    assert_eq!(r.errors[0].line, 2, "{:?}", r.errors);
    assert!(r.schema_checked && r.conflicts.is_empty(), "{r:?}");
    assert_eq!(r.preview[1].tags["host"], "a");
    assert_eq!(r.preview[1].fields["v"], "3i");
    assert_eq!(r.preview[0].time.as_deref(), Some("1970-01-01T00:01:00Z"));

    let r = write::check(&c, &Actor::User, req("m v=2.5 60"))
        .await
        .unwrap();
    assert_eq!(r.bad_lines, 0);
    assert!(
        r.conflicts.len() == 1
            && r.conflicts[0].contains("\"v\"")
            && r.conflicts[0].contains("integer"),
        "the stored integer field: {:?}",
        r.conflicts
    );
    let r = write::check(&c, &Actor::User, req("m v=1i 1\nm v=2.5 2"))
        .await
        .unwrap();
    assert!(
        r.conflicts[0].starts_with("field type conflict in the input"),
        "{:?}",
        r.conflicts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_csv_import_resumes_from_its_checkpoint_exactly() {
    const ROWS: usize = 20_000;
    let (c, db) = open_db("csvresume").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rows.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&file).unwrap(),
        flate2::Compression::fast(),
    );
    writeln!(enc, "time,v").unwrap();
    for i in 0..ROWS {
        writeln!(enc, "{},{i}", 1_600_000_000 + i).unwrap();
    }
    enc.finish().unwrap();
    let mapping = CsvMapping {
        time_format: Some("s".into()),
        measurement: Some("r".into()),
        ..CsvMapping::default()
    };
    let req = |resume: bool| ImportCsvReq {
        bucket: Some(db.clone()),
        path: file.display().to_string(),
        mapping: mapping.clone(),
        batch: BatchOptions {
            resume,
            batch_lines: Some(1_000),
            ..BatchOptions::default()
        },
        ..ImportCsvReq::default()
    };
    // Progress through a channel of one; cancel once the first batch is acknowledged.
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let hooks = WriteHooks {
        progress: Some(tx),
        ..WriteHooks::default()
    };
    let cancel = hooks.cancel.clone();
    let import = {
        let (c, r) = (c.clone(), req(false));
        tokio::spawn(async move { csv::import(&c, &Actor::User, r, hooks).await })
    };
    let first = rx.recv().await.expect("a first batch");
    assert_eq!((first.points, first.line), (1_000, 1_001), "rows 2-1001");
    cancel.cancel();
    while rx.recv().await.is_some() {}
    let e = import.await.unwrap().expect_err("cancelled");
    assert_eq!(e.code(), ErrorCode::Cancelled, "{}", e.message());
    assert!(e.message().contains("--resume"), "{}", e.message());
    let landed = number(&c, &db, "SELECT count(v) FROM r").await;
    assert!((1_000..ROWS as i64).contains(&landed), "{landed}");

    let e = csv::import(&c, &Actor::User, req(false), WriteHooks::default())
        .await
        .expect_err("the checkpoint is not ignored");
    assert_eq!(e.code(), ErrorCode::Conflict);
    let r = csv::import(&c, &Actor::User, req(true), WriteHooks::default())
        .await
        .unwrap_or_else(|e| panic!("resume: {}", e.message()));
    assert!(r.resumed_after_line.is_some());
    assert_eq!(r.points, ROWS, "the tally covers both runs");
    assert_eq!(number(&c, &db, "SELECT count(v) FROM r").await, ROWS as i64);
    assert_eq!(
        number(&c, &db, "SELECT sum(v) FROM r").await,
        (0..ROWS as i64).sum::<i64>(),
        "every row exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_job_reports_progress_and_cancel_stops_it_after_the_batches_on_their_way() {
    use influxdesk_core::api::write::jobs::{self, LoadJob};
    let (c, db) = open_db("jobs").await;
    let lines: String = (0..30_000)
        .map(|i| format!("j v={i}i {}\n", 1_600_000_000 + i))
        .collect();
    let job = LoadJob::Text(influxdesk_core::model::WriteReq {
        profile: None,
        bucket: Some(db.clone()),
        precision: Precision::S,
        lines,
    });
    // The first progress cancels, from inside the callback: the pump, held to one progress
    // message ahead of the callback, starts at most two more batches after the first ones on
    // their way (IN_FLIGHT = 3) before it sees it, and lets those on their way land.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let run = {
        let (c, c2, seen) = (c.clone(), c.clone(), seen.clone());
        tokio::spawn(async move {
            jobs::run(&c, &Actor::User, "job-1", job, move |p| {
                let mut s = seen.lock().unwrap();
                if s.is_empty() {
                    let ran = futures::executor::block_on(jobs::cancel(&c2, &Actor::User, "job-1"));
                    assert!(ran.unwrap(), "the job is registered while it runs");
                }
                s.push(p.points);
            })
            .await
        })
    };
    let e = run.await.unwrap().expect_err("cancelled");
    assert_eq!(e.code(), ErrorCode::Cancelled, "{}", e.message());
    assert!(
        !jobs::cancel(&c, &Actor::User, "job-1").await.unwrap(),
        "gone when done"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], 5_000, "progress after the first batch");
    let landed = number(&c, &db, "SELECT count(v) FROM j").await;
    assert_eq!(
        Some(&(landed as usize)),
        seen.last(),
        "progress told what landed"
    );
    assert!(
        landed % 5_000 == 0 && (5_000..=25_000).contains(&landed),
        "whole batches, stopped early: {landed}"
    );
}
