//! Property tests over every parser of user (or assistant) input: random text never panics,
//! and what is refused is refused as InvalidInput with a message. Durations, time ranges,
//! precisions, languages, line protocol, chart specs and query rewriting.

use chrono::{DateTime, Utc};
use influxdesk_core::ErrorCode;
use influxdesk_core::chart::{self, ChartSpec, Series};
use influxdesk_core::influx::{lineproto, timerange};
use influxdesk_core::model::{Precision, QueryLanguage, TimeRange};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Text that looks like the input it is fed to, and text that does not.
fn durationish() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,25}(ms|s|m|h|d|w|y|us|ns)?",
        "(-?[0-9]{1,20}[smhdw]){1,6}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn durations_and_ranges_never_panic(d in durationish(), from in "\\PC{0,40}", to in "\\PC{0,40}") {
        if let Err(e) = timerange::parse_duration(&d) {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
        for range in [
            TimeRange::Relative { duration: d.clone() },
            TimeRange::Absolute { from: from.clone(), to: to.clone() },
            TimeRange::Absolute { from: d.clone(), to: "2024-05-01T00:00:00Z".into() },
        ] {
            match timerange::resolve(&range, now()) {
                Ok(w) => prop_assert!(w.start <= w.stop),
                Err(e) => prop_assert_eq!(e.code(), ErrorCode::InvalidInput),
            }
        }
    }

    #[test]
    fn time_bounds_are_applied_to_any_query_without_panicking(
        q in "\\PC{0,120}",
        d in durationish(),
        lang in prop::sample::select(&[QueryLanguage::Influxql, QueryLanguage::Sql, QueryLanguage::Flux][..]),
    ) {
        let range = TimeRange::Relative { duration: d };
        let _ = timerange::apply(&q, lang, Some(&range), now());
        let _ = timerange::apply(&q, lang, None, now());
        let _ = timerange::has_time_bound(&q);
    }

    #[test]
    fn line_protocol_never_panics(text in "\\PC{0,300}", lines in prop::collection::vec("[a-z,= \\\\\"0-9.ieTF-]{0,60}", 0..8)) {
        if let Err(e) = lineproto::parse_batch(&text) {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
        let joined = lines.join("\n");
        if let Err(e) = lineproto::parse_batch(&joined) {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
    }

    #[test]
    fn small_parsers_never_panic(s in "\\PC{0,30}") {
        let _ = Precision::parse(&s);
        let _ = QueryLanguage::parse(&s);
        let _ = influxdesk_core::model::ApiKind::parse(&s);
        let _ = influxdesk_core::influx::parse::parse_time_ns(&s);
    }

    #[test]
    fn chart_specs_are_checked_not_trusted(
        width in any::<u32>(),
        height in any::<u32>(),
        decimals in prop::option::of(any::<u8>()),
        y_min in prop::option::of(any::<f64>()),
        y_max in prop::option::of(any::<f64>()),
        title in prop::option::of("\\PC{0,100}"),
        points in prop::collection::vec((any::<i64>(), any::<f64>()), 0..50),
    ) {
        let spec = ChartSpec {
            width: width % 20_000,
            height: height % 20_000,
            decimals,
            y_min,
            y_max,
            title,
            ..ChartSpec::default()
        };
        let mut points = points;
        points.sort_by_key(|p| p.0);
        let series = vec![Series { key: "m.v".into(), name: "v".into(), points }];
        if let Err(e) = chart::render_svg(&series, &spec) {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput);
        }
    }
}

/// Ranges that once made plotters' tick search run forever (found by the property above).
#[test]
fn extreme_value_ranges_still_draw() {
    for values in [
        vec![-1e308, 1e308],
        vec![f64::MAX, f64::MIN],
        vec![1e300, 1e300 * (1.0 + f64::EPSILON)],
        vec![5e-324, 1e-323],
    ] {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, v)| (1_700_000_000_000_000_000 + i as i64 * 1_000_000_000, *v))
            .collect();
        let series = vec![Series {
            key: "m.v".into(),
            name: "v".into(),
            points,
        }];
        chart::render_svg(&series, &ChartSpec::default()).expect("an extreme range still draws");
    }
}
