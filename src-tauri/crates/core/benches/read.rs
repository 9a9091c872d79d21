//! Peak memory of a capped read next to the same query read whole, against a real influxd 1.x
//! holding 2M points (issue 7 §2). Each side runs in a fresh child process of this bench (so
//! one side's heap cannot hide the other's) and reports its peak RSS (`VmHWM`); the parent
//! prints both, the bytes each read, and the ratio. Nothing is asserted: it is a measurement.
//!
//! `INFLUXDESK_READ_POINTS` changes the number of points (default 2,000,000).

use std::path::PathBuf;
use std::time::Instant;

use influxdesk_core::influx::Client;
use influxdesk_core::local::{LocalConfig, LocalServer};
use influxdesk_core::model::{ApiKind, Frame, Profile, QueryLanguage};
use influxdesk_testkit::bench::peak_rss_mib;

const DB: &str = "bench";
const QUERY: &str = "SELECT * FROM m WHERE time > 0";
const BATCH: usize = 100_000;

fn profile(url: &str) -> Profile {
    Profile {
        name: "bench".into(),
        url: url.into(),
        api: ApiKind::V1,
        database: Some(DB.into()),
        // A measurement, not a guardrail: reading 2M points whole on a loaded machine can
        // take longer than the default 30 s.
        timeout_ms: 600_000,
        ..Profile::default()
    }
}

/// The child: run the query with `limit`, print `rows bytes_read capped peak_mib seconds`.
async fn child(url: &str, limit: usize) {
    let client = Client::new(&profile(url), None).expect("client");
    let t = Instant::now();
    let r = client
        .query_read(QueryLanguage::Influxql, Some(DB), QUERY, limit)
        .await
        .expect("the query runs");
    let rows: usize = r.frames.iter().map(Frame::rows).sum();
    println!(
        "{rows} {} {} {:.1} {:.3}",
        r.bytes_read,
        r.capped,
        peak_rss_mib(),
        t.elapsed().as_secs_f64()
    );
}

async fn fill(url: &str, points: usize) {
    let http = reqwest::Client::new();
    let post = |path: String, body: String| {
        let http = http.clone();
        async move {
            let r = http
                .post(path)
                .body(body)
                .send()
                .await
                .expect("influxd answers");
            assert!(
                r.status().is_success(),
                "{}",
                r.text().await.unwrap_or_default()
            );
        }
    };
    post(
        format!("{url}/query?q=CREATE%20DATABASE%20{DB}"),
        String::new(),
    )
    .await;
    let mut i = 0;
    while i < points {
        let n = BATCH.min(points - i);
        let body: String = (i..i + n)
            .map(|k| {
                format!(
                    "m,host=h{} v={k}i,load={}.25,note=\"text {k}\" {}\n",
                    k % 8,
                    k % 100,
                    1_600_000_000_000_000_000i64 + k as i64 * 1_000_000_000
                )
            })
            .collect();
        post(format!("{url}/write?db={DB}&precision=ns"), body).await;
        i += n;
    }
}

fn run_child(url: &str, limit: usize) -> Vec<String> {
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env("INFLUXDESK_READ_CHILD", format!("{url} {limit}"))
        .output()
        .expect("the child runs");
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[tokio::main]
async fn main() {
    if let Ok(args) = std::env::var("INFLUXDESK_READ_CHILD") {
        let (url, limit) = args.split_once(' ').expect("url limit");
        child(url, limit.parse().expect("limit")).await;
        return;
    }
    let points: usize = std::env::var("INFLUXDESK_READ_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = LocalServer::start(&LocalConfig {
        dir: PathBuf::from(dir.path()),
        http_port: 0,
        auth_enabled: false,
        tls: None,
    })
    .expect("influxd starts (Debian's influxdb package)");
    let url = server.url();
    let t = Instant::now();
    fill(&url, points).await;
    println!(
        "read: {points} points written to a real influxd in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let capped = run_child(&url, 1_000);
    let whole = run_child(&url, points + 1);
    let mib = |v: &[String]| v[3].parse::<f64>().unwrap_or(f64::NAN);
    println!(
        "read: capped at 1,000 rows: {} rows, {} bytes read, capped={}, peak RSS {:.1} MiB, {} s",
        capped[0],
        capped[1],
        capped[2],
        mib(&capped),
        capped[4]
    );
    println!(
        "read: the same query whole:  {} rows, {} bytes read, peak RSS {:.1} MiB, {} s",
        whole[0],
        whole[1],
        mib(&whole),
        whole[4]
    );
    println!(
        "read: peak RSS whole / capped = {:.1}x",
        mib(&whole) / mib(&capped)
    );
}
