//! Parse throughput of the three result formats next to the official Python clients parsing
//! the same bytes (see peers.py), as a ratio. Run by `.ci/bench` (release build, Python peers
//! in a venv); set INFLUXDESK_BENCH_PYTHON to the interpreter that has `influxdb` and
//! `influxdb-client`.

use std::time::Instant;

use influxdesk_core::influx::parse::{self, Budget};

const ROWS: usize = 200_000;
const HOSTS: usize = 10;

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

fn jsonl() -> String {
    let mut s = String::new();
    for i in 0..ROWS {
        let t = chrono::DateTime::from_timestamp(1_700_000_000 + (i as i64) * 10, 0).unwrap();
        s.push_str(&format!(
            "{{\"host\":\"host-{:02}\",\"time\":\"{}\",\"usage_user\":{:.3},\"usage_system\":{:.3}}}\n",
            i % HOSTS,
            t.format("%Y-%m-%dT%H:%M:%S"),
            10.0 + (i % 97) as f64 * 0.731,
            2.0 + (i % 13) as f64 * 0.37
        ));
    }
    s
}

type Parser = fn(&[u8], &mut Budget) -> influxdesk_core::Result<Vec<influxdesk_core::model::Frame>>;

fn best_of_3(data: &[u8], f: Parser) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut rows = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let frames = f(data, &mut Budget::new(usize::MAX)).expect("parses");
        best = best.min(t.elapsed().as_secs_f64());
        rows = frames.iter().map(|f| f.rows()).sum();
    }
    (best, rows)
}

fn main() {
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
        let (secs, rows) = best_of_3(text.as_bytes(), *f);
        assert_eq!(rows, ROWS, "{label}: every row parsed");
        ours.push(secs);
    }
    let python = std::env::var("INFLUXDESK_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers.py"))
        .args(&paths)
        .output()
        .expect("run the Python peers");
    assert!(
        out.status.success(),
        "the Python peers failed (pip install influxdb influxdb-client): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("peers print JSON");
    println!("parse throughput, {ROWS} rows each, best of 3 (same bytes for both sides)");
    println!(
        "{:<28} {:>9} {:>12} {:>12} {:>12} {:>9}",
        "format (peer)", "MB", "ours MB/s", "ours rows/s", "peer rows/s", "speedup"
    );
    for (i, (label, key, text, _)) in inputs.iter().enumerate() {
        let mb = text.len() as f64 / 1e6;
        let peer = peers[key].as_f64().unwrap();
        assert_eq!(
            peers["rows"][key].as_u64(),
            Some(ROWS as u64),
            "the peer parsed every row of {label}"
        );
        println!(
            "{:<28} {:>9.1} {:>12.1} {:>12.0} {:>12.0} {:>8.1}x",
            label,
            mb,
            mb / ours[i],
            ROWS as f64 / ours[i],
            ROWS as f64 / peer,
            peer / ours[i]
        );
    }
}
