//! Parse throughput of the three result formats next to the official Python clients parsing
//! the same bytes (see peers.py), as ratios; then the v3 rows end to end from a real InfluxDB 3
//! Core: influxdesk's v3 client (HTTP JSON Lines, streamed and parsed) next to the official
//! `influxdb3-python` client (Arrow Flight) running the same SQL. Run by `.ci/bench` (release
//! build, Python peers in a venv); set INFLUXDESK_BENCH_PYTHON to the interpreter that has
//! `influxdb`, `influxdb-client` and `influxdb3-python`.
//!
//! The machine is shared: next to the wall-clock rate, each parse is also timed on the CPU
//! (this thread's time on a core, `/proc/thread-self/schedstat`; Python's `time.thread_time`),
//! which other load does not stretch. Goals (issue 13): ≥ 20x the peer and ≥ 200 MB/s.

use std::time::Instant;

use influxdesk_core::influx::Client;
use influxdesk_core::influx::parse::{self, Budget};
use influxdesk_core::model::{ApiKind, Frame, Profile, QueryLanguage};

const ROWS: usize = 200_000;
const HOSTS: usize = 10;
const V3_QUERY: &str = "SELECT host, time, usage_user, usage_system FROM cpu";

fn v1_json() -> String {
    let per = ROWS / HOSTS;
    let mut s = String::from("{\"results\":[{\"statement_id\":0,\"series\":[");
    for h in 0..HOSTS {
        if h > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"name\":\"cpu\",\"tags\":{{\"host\":\"host-{h:02}\"}},\"columns\":[\"time\",\"usage_user\",\"usage_system\",\"cores\"],\"values\":["
        ));
        for i in 0..per {
            if i > 0 {
                s.push(',');
            }
            let t = 1_700_000_000_000_000_000i64 + (i as i64) * 10_000_000_000;
            s.push_str(&format!(
                "[{t},{:.3},{:.3},{}]",
                10.0 + (i % 97) as f64 * 0.731,
                2.0 + (i % 13) as f64 * 0.37,
                4 + h % 4
            ));
        }
        s.push_str("]}");
    }
    s.push_str("]}]}");
    s
}

fn flux_csv() -> String {
    let per = ROWS / HOSTS;
    let mut s = String::new();
    s.push_str("#group,false,false,true,true,false,false,true,true,true\r\n");
    s.push_str("#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\r\n");
    s.push_str("#default,_result,,,,,,,,\r\n");
    s.push_str(",result,table,_start,_stop,_time,_value,_field,_measurement,host\r\n");
    for h in 0..HOSTS {
        for i in 0..per {
            let t = chrono::DateTime::from_timestamp(1_700_000_000 + (i as i64) * 10, 0).unwrap();
            s.push_str(&format!(
                ",,{h},2023-11-14T00:00:00Z,2023-11-16T00:00:00Z,{},{:.3},usage_user,cpu,host-{h:02}\r\n",
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                10.0 + (i % 97) as f64 * 0.731
            ));
        }
    }
    s.push_str("\r\n");
    s
}

/// Row `i` of the v3 data (JSON Lines here, line protocol for the 3 Core below).
fn v3_row(i: usize) -> (String, i64, f64, f64) {
    (
        format!("host-{:02}", i % HOSTS),
        1_700_000_000 + (i as i64) * 10,
        10.0 + (i % 97) as f64 * 0.731,
        2.0 + (i % 13) as f64 * 0.37,
    )
}

fn jsonl() -> String {
    let mut s = String::new();
    for i in 0..ROWS {
        let (host, secs, user, system) = v3_row(i);
        let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        s.push_str(&format!(
            "{{\"host\":\"{host}\",\"time\":\"{}\",\"usage_user\":{user:.3},\"usage_system\":{system:.3}}}\n",
            t.format("%Y-%m-%dT%H:%M:%S"),
        ));
    }
    s
}

type Parser = fn(&[u8], &mut Budget) -> influxdesk_core::Result<Vec<Frame>>;

/// This thread's time on a CPU so far, in seconds (`/proc/thread-self/schedstat`, in ns).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}

/// This process's CPU seconds (user + system, all threads), from `/proc/self/stat`.
fn process_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`: utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    // USER_HZ is 100 on Linux.
    f.iter().sum::<f64>() / 100.0
}

/// Best of 5: wall seconds, this thread's CPU seconds (each the least of the runs), rows.
fn best_of(data: &[u8], f: Parser) -> (f64, f64, usize) {
    let (mut wall, mut cpu, mut rows) = (f64::MAX, f64::MAX, 0);
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_secs());
        let frames = f(data, &mut Budget::new(usize::MAX)).expect("parses");
        cpu = cpu.min(cpu_secs() - c);
        wall = wall.min(t.elapsed().as_secs_f64());
        rows = frames.iter().map(Frame::rows).sum();
        drop(frames);
    }
    (wall, cpu, rows)
}

fn python() -> String {
    std::env::var("INFLUXDESK_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn run_peers(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = std::process::Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers.py"))
        .args(args)
        .output()
        .expect("run the Python peers");
    assert!(
        out.status.success(),
        "the Python peers failed (pip install influxdb influxdb-client influxdb3-python): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("peers print JSON")
}

fn goal(ratio: f64, mbs: f64) -> &'static str {
    match (ratio >= 20.0, mbs >= 200.0) {
        (true, true) => "met",
        (false, true) => "ratio < 20x",
        (true, false) => "< 200 MB/s",
        (false, false) => "neither",
    }
}

fn parse_rows() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        (
            "v1 JSON (influxdb)",
            "v1",
            v1_json(),
            parse::v1_json as Parser,
        ),
        (
            "Flux CSV (influxdb-client)",
            "flux",
            flux_csv(),
            parse::flux_csv as Parser,
        ),
        (
            "v3 JSONL (json.loads)",
            "jsonl",
            jsonl(),
            parse::jsonl as Parser,
        ),
    ];
    let mut paths = Vec::new();
    let mut ours = Vec::new();
    for (label, key, text, f) in &inputs {
        let p = dir.path().join(key);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
        let (wall, cpu, rows) = best_of(text.as_bytes(), *f);
        assert_eq!(rows, ROWS, "{label}: every row parsed");
        ours.push((wall, cpu));
    }
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    let peers = run_peers(&args);
    println!(
        "parse throughput, {ROWS} rows each, same bytes for both sides; best of 5 (ours), of 3 \
         (peer); wall = elapsed, cpu = the parsing thread's time on a core"
    );
    println!(
        "{:<27} {:>5} {:>17} {:>17} {:>15} {:>19}",
        "format (peer)",
        "MB",
        "ours MB/s wall/cpu",
        "peer MB/s wall/cpu",
        "ratio wall/cpu",
        "goal (cpu | wall)"
    );
    for (i, (label, key, text, _)) in inputs.iter().enumerate() {
        let mb = text.len() as f64 / 1e6;
        let (pw, pc) = (
            peers[key][0].as_f64().unwrap(),
            peers[key][1].as_f64().unwrap(),
        );
        assert_eq!(
            peers["rows"][key].as_u64(),
            Some(ROWS as u64),
            "the peer parsed every row of {label}"
        );
        let (ow, oc) = ours[i];
        println!(
            "{label:<27} {mb:>5.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>6.1}x {:>6.1}x {:>19}",
            mb / ow,
            mb / oc,
            mb / pw,
            mb / pc,
            pw / ow,
            pc / oc,
            format!("{} | {}", goal(pc / oc, mb / oc), goal(pw / ow, mb / ow)),
        );
    }
}

/// The v3 rows end to end from a real InfluxDB 3 Core: influxdesk vs `influxdb3-python`.
async fn v3_end_to_end() {
    let Some(server) = influxdesk_testkit::influxdb3::open() else {
        println!("v3 end to end: SKIPPED (no InfluxDB 3 Core binary; see ../shared/servers)");
        return;
    };
    let db = server.database("parsebench").await;
    let http = reqwest::Client::new();
    for start in (0..ROWS).step_by(50_000) {
        let mut lp = String::new();
        for i in start..(start + 50_000).min(ROWS) {
            let (host, secs, user, system) = v3_row(i);
            lp.push_str(&format!(
                "cpu,host={host} usage_user={user:.3},usage_system={system:.3} {secs}\n"
            ));
        }
        let r = http
            .post(format!("{}/api/v3/write_lp", server.url))
            .query(&[("db", db.name.as_str()), ("precision", "second")])
            .body(lp)
            .send()
            .await
            .expect("write to 3 Core");
        assert!(r.status().is_success(), "write: {}", r.status());
    }
    let profile = Profile {
        name: "bench".into(),
        url: server.url.clone(),
        api: ApiKind::V3,
        database: Some(db.name.clone()),
        timeout_ms: 600_000,
        ..Profile::default()
    };
    let client = Client::new(&profile, None).expect("client");
    let (mut wall, mut cpu, mut bytes) = (f64::MAX, f64::MAX, 0);
    for _ in 0..3 {
        let (t, c) = (Instant::now(), process_cpu_secs());
        let r = client
            .query_read(QueryLanguage::Sql, Some(&db.name), V3_QUERY, ROWS + 1)
            .await
            .expect("the v3 query runs");
        cpu = cpu.min(process_cpu_secs() - c);
        wall = wall.min(t.elapsed().as_secs_f64());
        assert_eq!(r.frames.iter().map(Frame::rows).sum::<usize>(), ROWS);
        assert!(!r.capped);
        bytes = r.bytes_read;
    }
    let peer = run_peers(&[
        "v3".as_ref(),
        server.url.as_ref(),
        db.name.as_ref(),
        V3_QUERY.as_ref(),
    ]);
    assert_eq!(
        peer["rows"].as_u64(),
        Some(ROWS as u64),
        "the peer read every row"
    );
    let (pw, pc) = (
        peer["v3"][0].as_f64().unwrap(),
        peer["v3"][1].as_f64().unwrap(),
    );
    println!(
        "\nv3 end to end: the same {ROWS} rows by SQL from a real InfluxDB 3 Core on this machine, \
         best of 3 (client CPU = the client process's, server time excluded)"
    );
    println!(
        "{:<46} {:>8} {:>11} {:>13}",
        "client (transport)", "wall s", "rows/s", "client CPU s"
    );
    println!(
        "{:<46} {wall:>8.3} {:>11.0} {cpu:>13.2}",
        format!(
            "influxdesk (HTTP JSON Lines, {:.1} MB, streamed)",
            bytes as f64 / 1e6
        ),
        ROWS as f64 / wall
    );
    println!(
        "{:<46} {pw:>8.3} {:>11.0} {pc:>13.2}",
        "influxdb3-python 0.x (Arrow Flight -> pyarrow)",
        ROWS as f64 / pw
    );
    println!(
        "ratio (peer wall / ours): {:.2}x; goal >= 20x: {}",
        pw / wall,
        if pw / wall >= 20.0 { "met" } else { "not met" }
    );
}

fn main() {
    parse_rows();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(v3_end_to_end());
}
