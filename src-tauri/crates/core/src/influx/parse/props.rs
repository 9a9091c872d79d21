//! The parsers against the serde_json path they replaced ([`super::reference`]) on generated
//! responses: numbers in every JSON spelling, escapes and unicode, nulls, mixed column types,
//! empty series, errors inside results, row budgets, bodies fed in pieces that cut tokens
//! anywhere; and truncated or garbled bytes, where they must agree and never panic.

use proptest::prelude::*;

use super::{Budget, reference};
use crate::error::Result;
use crate::influx::stream::{JsonLines, V1Chunks, complete_records};
use crate::model::Frame;

type Parsed = (Result<Vec<Frame>>, usize, bool);

fn run(f: fn(&[u8], &mut Budget) -> Result<Vec<Frame>>, body: &[u8], limit: usize) -> Parsed {
    let mut b = Budget::new(limit);
    let r = f(body, &mut b);
    (r, b.left, b.truncated)
}

/// Same frames (compared as JSON text, so -0.0 and 0.0 differ), same budget, or errors with
/// the same code (and the same message unless it quotes a decoder's words).
fn same(new: &Parsed, old: &Parsed) -> std::result::Result<(), TestCaseError> {
    match (&new.0, &old.0) {
        (Ok(a), Ok(b)) => {
            // The typed columns serialize to the very bytes of the old model's JSON values.
            prop_assert_eq!(
                serde_json::to_string(a).unwrap(),
                serde_json::to_string(b).unwrap()
            );
            prop_assert_eq!(a, b, "the same cells, read back");
            prop_assert_eq!((new.1, new.2), (old.1, old.2), "budget");
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(a.code(), b.code());
            if a.code() != crate::error::ErrorCode::Internal {
                prop_assert_eq!(a.message(), b.message());
            }
        }
        (a, b) => prop_assert!(false, "new {:?} vs old {:?}", a, b),
    }
    Ok(())
}

/// A JSON number in one of its many spellings.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?",
        Just("1.7976931348623157e308".into()),
        Just("2.2250738585072011e-308".into()),
        Just("4.9e-324".into()),
        Just("1e400".into()),
        Just("-0.0".into()),
        Just("18446744073709551616".into()),
        Just("-9223372036854775809".into()),
    ]
}

/// A JSON string with escapes and non-ASCII text.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[a-z\"\\\\/\n\t\u{e9}\u{1F600}]{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(r#""\u00e9\ud83d\ude00\n\"""#.into()),
        Just(r#""2024-01-01T00:00:00.5""#.into()),
        Just(r#""2024-01-01T00:00:00Z""#.into()),
        Just(r#""2024-01-01 00:00:00+01:00""#.into()),
    ]
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just("null".to_string()),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        5 => number(),
        3 => string(),
        1 => Just("[1,[2]]".to_string()),
        1 => Just(r#"{"a":1}"#.to_string()),
    ]
}

fn row() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::collection::vec(cell(), 0..6).prop_map(|c| format!("[{}]", c.join(","))),
        1 => prop_oneof![Just("5".to_string()), Just("null".into()), Just("{}".into())],
    ]
}

/// A `time` column of epoch nanoseconds, sometimes with a stray value.
fn time_rows() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                9 => any::<i64>().prop_map(|n| n.to_string()),
                1 => Just("null".to_string()),
                1 => cell(),
            ],
            prop::collection::vec(cell(), 0..3),
        ),
        0..8,
    )
    .prop_map(|rows| {
        let rows: Vec<String> = rows
            .into_iter()
            .map(|(t, rest)| {
                format!(
                    "[{}]",
                    std::iter::once(t).chain(rest).collect::<Vec<_>>().join(",")
                )
            })
            .collect();
        rows.join(",")
    })
}

fn series() -> impl Strategy<Value = String> {
    let columns = prop::collection::vec(
        prop_oneof![
            Just("time"),
            Just("v"),
            Just("w"),
            Just("h\\u00e9"),
            Just("x y")
        ],
        0..5,
    );
    (
        string(),
        prop::option::of(prop::collection::vec((string(), string()), 0..3)),
        prop::option::of(columns),
        prop_oneof![
            prop::collection::vec(row(), 0..8).prop_map(|r| r.join(",")),
            time_rows()
        ],
        prop::option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(|(name, tags, cols, rows, partial, values_first)| {
            let mut parts = vec![format!("\"name\":{name}")];
            if let Some(tags) = tags {
                let t: Vec<String> = tags.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                parts.push(format!("\"tags\":{{{}}}", t.join(",")));
            }
            let values = format!("\"values\":[{rows}]");
            if values_first {
                parts.push(values.clone());
            }
            if let Some(cols) = cols {
                let c: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
                parts.push(format!("\"columns\":[{}]", c.join(",")));
            }
            if !values_first {
                parts.push(values);
            }
            if let Some(p) = partial {
                parts.push(format!("\"partial\":{p}"));
            }
            format!("{{{}}}", parts.join(","))
        })
}

fn statement() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop_oneof![9 => series(), 1 => Just("7".to_string())], 0..4),
        prop::option::of(prop_oneof![
            Just("\"database not found: db\"".to_string()),
            Just("\"error parsing query: found X, expected Y\"".to_string()),
            Just("42".to_string()),
        ]),
    )
        .prop_map(|(series, error)| {
            let mut s = format!("{{\"statement_id\":0,\"series\":[{}]", series.join(","));
            if let Some(e) = error {
                s.push_str(&format!(",\"error\":{e}"));
            }
            s.push('}');
            s
        })
}

fn v1_doc() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => prop::collection::vec(statement(), 0..3)
            .prop_map(|r| format!("{{\"results\":[{}]}}", r.join(","))),
        1 => Just(r#"{"error":"not authorized to execute statement"}"#.to_string()),
        1 => Just(r#"{"results":5,"error":null}"#.to_string()),
        1 => Just("[1,2]".to_string()),
    ]
}

fn jsonl_doc() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("\"time\""),
        Just("\"host\""),
        Just("\"v\""),
        Just("\"w\\u00e9\""),
        Just("\"iox::measurement\""),
    ];
    let line = prop_oneof![
        20 => prop::collection::vec((key, cell()), 0..6).prop_map(|kv| {
            let kv: Vec<String> = kv.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", kv.join(","))
        }),
        2 => prop_oneof![Just(r#"{"iox::measurement":"a","time":"2024-01-01T00:00:00","v":1}"#), Just(r#"{"iox::measurement":"b","v":2.5,"time":"2024-01-01T00:00:01.25"}"#)].prop_map(str::to_string),
        1 => Just("   ".to_string()),
        1 => Just("[1]".to_string()),
    ];
    prop::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
}

/// A CSV field holding `s` (quoted when it needs to be).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn flux_doc() -> impl Strategy<Value = String> {
    const TYPES: [&str; 6] = [
        "double",
        "long",
        "unsignedLong",
        "boolean",
        "string",
        "dateTime:RFC3339",
    ];
    let value = |t: &'static str| -> BoxedStrategy<String> {
        match t {
            "double" => prop_oneof![
                number(),
                Just("NaN".into()),
                Just("+Inf".into()),
                Just("".into())
            ]
            .boxed(),
            "long" => prop_oneof![any::<i64>().prop_map(|n| n.to_string()), number()].boxed(),
            "unsignedLong" => {
                prop_oneof![any::<u64>().prop_map(|n| n.to_string()), number()].boxed()
            }
            "boolean" => {
                prop_oneof![Just("true".into()), Just("false".into()), Just("".into())].boxed()
            }
            "dateTime:RFC3339" => prop_oneof![
                any::<i64>().prop_map(super::ns_to_rfc3339),
                Just("2024-01-01T00:00:00.5+02:00".into()),
                Just("2024-13-01T00:00:00Z".into()),
                Just("".into()),
            ]
            .boxed(),
            _ => "\\PC{0,6}|[,\"\n ]{0,4}"
                .prop_map(|s| csv_field(&s))
                .boxed(),
        }
    };
    let table =
        prop::collection::vec((0..TYPES.len(), any::<bool>()), 1..5).prop_flat_map(move |cols| {
            let rows = prop::collection::vec(
                (
                    0u8..3,
                    cols.iter()
                        .map(|&(t, _)| value(TYPES[t]))
                        .collect::<Vec<_>>(),
                ),
                0..6,
            );
            (Just(cols), rows)
        });
    let tables = prop::collection::vec(table, 0..4);
    (tables, any::<bool>(), any::<bool>()).prop_map(|(tables, crlf, error)| {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut s = String::new();
        for (cols, rows) in tables {
            let groups: Vec<&str> = cols.iter().map(|&(_, g)| if g { "true" } else { "false" }).collect();
            let dts: Vec<&str> = cols.iter().map(|&(t, _)| TYPES[t]).collect();
            s += &format!("#group,false,false,{}{nl}", groups.join(","));
            s += &format!("#datatype,string,long,{}{nl}", dts.join(","));
            s += &format!("#default,_result,,{}{nl}", vec![""; cols.len()].join(","));
            let names: Vec<String> = (0..cols.len()).map(|i| ["_time", "_value", "_measurement", "host", "_field"].get(i).map_or(format!("c{i}"), |n| n.to_string())).collect();
            s += &format!(",result,table,{}{nl}", names.join(","));
            for (table, vals) in rows {
                s += &format!(",,{table},{}{nl}", vals.join(","));
            }
            s += nl;
        }
        if error {
            s += &format!("#datatype,string,string{nl}#group,true,true{nl}#default,,{nl},error,reference{nl},\"runtime error, \"\"x\"\"\",{nl}");
        }
        s
    })
}

/// `body` fed to a streaming parser in pieces cut at `cuts` (offsets taken modulo the length).
fn pieces(body: &[u8], cuts: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    at.push(0);
    at.push(body.len());
    at.sort_unstable();
    at.windows(2).map(|w| w[0]..w[1]).collect()
}

fn v1_fed(body: &[u8], cuts: &[usize], limit: usize) -> Parsed {
    let mut p = V1Chunks::default();
    let mut b = Budget::new(limit);
    let mut r = Ok(());
    for piece in pieces(body, cuts) {
        // As `Client::read_capped`: no more bytes once the budget is spent.
        if b.truncated {
            break;
        }
        r = r.and_then(|()| p.feed(&body[piece], &mut b));
    }
    let r = r.and_then(|()| p.finish(&mut b));
    (r, b.left, b.truncated)
}

fn jsonl_fed(body: &[u8], cuts: &[usize], limit: usize) -> Parsed {
    let mut p = JsonLines::default();
    let mut b = Budget::new(limit);
    let mut r = Ok(());
    for piece in pieces(body, cuts) {
        // As `Client::read_capped`: no more bytes once the budget is spent.
        if b.truncated {
            break;
        }
        r = r.and_then(|()| p.feed(&body[piece], &mut b));
    }
    let r = r.and_then(|()| p.finish(&mut b));
    (r, b.left, b.truncated)
}

/// The old rows fed line by line as the stream feeds them: none after the budget is spent.
fn jsonl_reference_fed(body: &[u8], limit: usize) -> Parsed {
    let mut rows = reference::JsonlFrames::default();
    let mut b = Budget::new(limit);
    let mut r = Ok(());
    for line in body.split(|c| *c == b'\n') {
        if b.truncated {
            break;
        }
        r = r.and_then(|()| rows.row(line, &mut b));
    }
    (r.map(|()| rows.finish()), b.left, b.truncated)
}

/// As the Flux query path feeds it: whole records of what arrived so far.
fn flux_fed(body: &[u8], cuts: &[usize], limit: usize) -> Parsed {
    let mut csv = super::FluxCsv::default();
    let mut b = Budget::new(limit);
    let mut pending = Vec::new();
    let mut r = Ok(());
    for piece in pieces(body, cuts) {
        pending.extend_from_slice(&body[piece]);
        let end = complete_records(&pending);
        r = r.and_then(|()| csv.records(&pending[..end], &mut b));
        pending.drain(..end);
    }
    if !b.truncated {
        r = r.and_then(|()| csv.records(&pending, &mut b));
    }
    (r.map(|()| csv.frames), b.left, b.truncated)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn v1_json_is_the_serde_json_path(doc in v1_doc(), limit in 0usize..40) {
        let b = doc.as_bytes();
        same(&run(super::v1_json, b, limit), &run(reference::v1_json, b, limit))?;
    }

    #[test]
    fn v1_chunks_in_pieces_are_the_whole(doc in v1_doc(), cuts in prop::collection::vec(any::<usize>(), 0..6), limit in 0usize..40) {
        // One chunk line: fed in pieces or whole, the same as the whole document parsed.
        let b = doc.as_bytes();
        let whole = run(reference::v1_json, b, limit);
        let fed = v1_fed(b, &cuts, limit);
        if whole.0.is_ok() && !doc.contains("\"partial\":true") {
            same(&fed, &whole)?;
        } else {
            prop_assert_eq!(fed.0.is_ok(), whole.0.is_ok());
        }
    }

    #[test]
    fn jsonl_is_the_serde_json_path(doc in jsonl_doc(), cuts in prop::collection::vec(any::<usize>(), 0..6), limit in 0usize..20) {
        let b = doc.as_bytes();
        let old = run(reference::jsonl, b, limit);
        same(&run(super::jsonl, b, limit), &old)?;
        same(&jsonl_fed(b, &cuts, limit), &jsonl_reference_fed(b, limit))?;
    }

    #[test]
    fn flux_csv_is_the_string_record_path(doc in flux_doc(), cuts in prop::collection::vec(any::<usize>(), 0..6), limit in 0usize..30) {
        let b = doc.as_bytes();
        let old = run(reference::flux_csv, b, limit);
        same(&run(super::flux_csv, b, limit), &old)?;
        same(&flux_fed(b, &cuts, limit), &old)?;
    }

    #[test]
    fn truncated_or_garbled_bytes_agree_and_never_panic(
        doc in prop_oneof![v1_doc(), jsonl_doc(), flux_doc()],
        cut in any::<usize>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cuts in prop::collection::vec(any::<usize>(), 0..4),
        limit in 0usize..30,
    ) {
        let mut b = doc.into_bytes();
        b.truncate(cut % (b.len() + 1));
        for (at, byte) in flips {
            if !b.is_empty() {
                let i = at % b.len();
                b[i] = byte;
            }
        }
        same(&run(super::v1_json, &b, limit), &run(reference::v1_json, &b, limit))?;
        same(&run(super::jsonl, &b, limit), &run(reference::jsonl, &b, limit))?;
        same(&run(super::flux_csv, &b, limit), &run(reference::flux_csv, &b, limit))?;
        let _ = v1_fed(&b, &cuts, limit);
        let _ = jsonl_fed(&b, &cuts, limit);
        let _ = flux_fed(&b, &cuts, limit);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..200), cuts in prop::collection::vec(any::<usize>(), 0..4)) {
        let _ = run(super::v1_json, &b, 10);
        let _ = run(super::jsonl, &b, 10);
        let _ = run(super::flux_csv, &b, 10);
        let _ = v1_fed(&b, &cuts, 10);
        let _ = jsonl_fed(&b, &cuts, 10);
        let _ = flux_fed(&b, &cuts, 10);
    }
}
