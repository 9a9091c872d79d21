//! Histogram and heatmap charts of real data: latencies of two hosts written to the real
//! influxd, queried back and drawn by `charts::render_query` (the CLI's `chart`) as PNG and SVG.
//! The counts in the summary must be the points influxd returned; the PNGs go to
//! test-artifacts/ to be looked at.

use influxdesk_core::Actor;
use influxdesk_core::api::{charts, write};
use influxdesk_core::chart::{ChartSpec, ChartType, HistogramLayout, Theme};
use influxdesk_core::model::*;

use crate::harness;

/// Points per host: one every 10 s for two hours from 2024-05-01T10:00:00Z.
const POINTS: i64 = 720;
const T0_S: i64 = 1_714_557_600;

/// Two hosts' request latencies in ms: web-01 around 40, db-01 around 120 and slowing down
/// over the two hours, with deterministic noise (xorshift).
fn latency_lines() -> String {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 1000.0
    };
    // The mean of 4 uniforms: roughly bell-shaped in [-1, 1].
    let mut noise = move || (0..4).map(|_| uniform()).sum::<f64>() / 2.0 - 1.0;
    let mut lines = Vec::new();
    for i in 0..POINTS {
        let t = T0_S + i * 10;
        let web = 40.0 + 15.0 * noise();
        let db = 120.0 + 60.0 * (i as f64 / POINTS as f64) + 25.0 * noise();
        lines.push(format!("latency,host=web-01 ms={web:.2} {t}"));
        lines.push(format!("latency,host=db-01 ms={db:.2} {t}"));
    }
    lines.join("\n")
}

fn req(db: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Influxql),
        database: Some(db.into()),
        query: "SELECT \"ms\" FROM \"latency\" WHERE time >= '2024-05-01T10:00:00Z' AND \
                time < '2024-05-01T12:00:00Z' GROUP BY \"host\""
            .into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

fn save(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../test-artifacts");
    std::fs::create_dir_all(&dir).ok();
    std::fs::write(dir.join(name), png).ok();
}

#[tokio::test]
async fn histogram_and_heatmap_of_real_data_count_every_point() {
    let (c, db) = harness::profile_with_db("distrib", None).await;
    write::write(
        &c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::S,
            lines: latency_lines(),
        },
    )
    .await
    .unwrap();

    let histogram = ChartSpec {
        chart_type: ChartType::Histogram,
        width: 900,
        height: 380,
        title: Some("Request latency".into()),
        unit: Some("ms".into()),
        bins: Some(40),
        ..ChartSpec::default()
    };
    let heatmap = ChartSpec {
        chart_type: ChartType::Heatmap,
        title: Some("Request latency over time".into()),
        theme: Theme::Dark,
        time_buckets: Some(48),
        bins: Some(30),
        ..histogram.clone()
    };
    for (spec, file) in [
        (histogram.clone(), "chart-histogram.png"),
        (heatmap.clone(), "chart-heatmap.png"),
    ] {
        let what = spec.chart_type.as_str();
        let (png, summary) =
            charts::render_query(&c, &Actor::User, req(&db), spec.clone(), ExportFormat::Png)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "{what}");
        save(file, &png);
        assert_eq!(summary.chart_type, spec.chart_type);
        let per_host: Vec<usize> = summary.series.iter().map(|s| s.points).collect();
        assert_eq!(
            per_host, [POINTS as usize; 2],
            "{what}: both hosts, every point"
        );
        let d = summary
            .distribution
            .clone()
            .expect("a distribution summary");
        assert_eq!(
            (d.counted, d.outside),
            (2 * POINTS as u64, 0),
            "{what}: every point counted once"
        );
        let lo = summary
            .series
            .iter()
            .map(|s| s.min)
            .fold(f64::INFINITY, f64::min);
        let hi = summary
            .series
            .iter()
            .map(|s| s.max)
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(
            (d.min, d.max),
            (lo, hi),
            "{what}: binned over the data's range"
        );
        assert!(
            d.max_count > 0 && d.max_count < 2 * POINTS as u64,
            "{what}: {d:?}"
        );
        assert_eq!(d.bins, spec.bins.unwrap());
        assert_eq!(d.time_buckets, spec.time_buckets);
        assert!(summary.text(&spec).contains("1440 points in"), "{what}");

        // The SVG the window shows says the same, with no NaN in it.
        let (svg, again) =
            charts::render_query(&c, &Actor::User, req(&db), spec.clone(), ExportFormat::Svg)
                .await
                .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(!svg.contains("NaN"), "{what}");
        assert_eq!(again.distribution, Some(d), "{what}: the same counts");
    }

    // Side by side with a fixed range: the slow tail is left out and said to be.
    let fixed = ChartSpec {
        histogram_layout: Some(HistogramLayout::SideBySide),
        bin_min: Some(0.0),
        bin_max: Some(100.0),
        ..histogram
    };
    let (png, summary) =
        charts::render_query(&c, &Actor::User, req(&db), fixed.clone(), ExportFormat::Png)
            .await
            .unwrap();
    save("chart-histogram-side-by-side.png", &png);
    let d = summary.distribution.clone().unwrap();
    assert_eq!(d.counted + d.outside, 2 * POINTS as u64);
    assert!(d.outside >= POINTS as u64, "db-01 is above 100 ms: {d:?}");
    assert!(
        summary
            .text(&fixed)
            .contains("points outside that range left out"),
        "{}",
        summary.text(&fixed)
    );
}
