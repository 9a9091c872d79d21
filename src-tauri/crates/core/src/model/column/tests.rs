//! Typed columns against the JSON values they stand for.
use super::*;
use serde_json::json;

/// Each value pushed by type, then serialized: the same JSON text as the values.
fn round_trip(values: Vec<Value>) -> Values {
    let typed = Values::from(values.clone());
    assert_eq!(
        serde_json::to_string(&typed).unwrap(),
        serde_json::to_string(&values).unwrap(),
        "{typed:?}"
    );
    assert_eq!(typed, values);
    assert_eq!(typed.to_vec(), values);
    typed
}

#[test]
fn typed_storage_serializes_as_the_json_values() {
    let t = round_trip(vec![json!(1.5), Value::Null, json!(-2.25)]);
    assert!(matches!(t, Values::Float(_)));
    let t = round_trip(vec![Value::Null, json!(1), json!(-7), json!(i64::MAX)]);
    assert!(matches!(t, Values::Integer(_)));
    let t = round_trip(vec![json!(1), json!(0.5), json!(u64::MAX), json!(-0.0)]);
    assert!(
        matches!(t, Values::Number(_)),
        "each number keeps its spelling"
    );
    let t = round_trip(vec![json!(u64::MAX), Value::Null]);
    assert!(matches!(t, Values::Unsigned(_)));
    let t = round_trip(vec![json!(true), json!(false), Value::Null]);
    assert!(matches!(t, Values::Boolean(_)));
    let t = round_trip(vec![
        json!("a"),
        json!("a"),
        Value::Null,
        json!(""),
        json!("é\""),
    ]);
    assert!(matches!(t, Values::String(_)));
    let t = round_trip(vec![
        json!("a"),
        json!(1),
        json!([1, "x"]),
        json!({"k": null}),
    ]);
    assert!(matches!(t, Values::Mixed(_)), "nothing is lost");
    let t = round_trip(vec![Value::Null, Value::Null]);
    assert_eq!(t.kind(), ColumnType::Unknown);
    round_trip(vec![]);
}

#[test]
fn times_serialize_as_rfc3339_and_fall_back_exactly() {
    let mut v = Values::with_kind(ColumnType::Time);
    v.push_time(1_700_000_000_000_000_001);
    v.push_null();
    v.push_time(0);
    let json = json!([
        "2023-11-14T22:13:20.000000001Z",
        null,
        "1970-01-01T00:00:00Z"
    ]);
    assert_eq!(serde_json::to_value(&v).unwrap(), json);
    assert_eq!(
        v.get(0).and_then(Cell::time_ns),
        Some(1_700_000_000_000_000_001)
    );
    // Text that is not a time in a time column: kept as text, the times as before.
    v.push_str("not a time");
    assert!(matches!(v, Values::Mixed(_)));
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        json!([
            "2023-11-14T22:13:20.000000001Z",
            null,
            "1970-01-01T00:00:00Z",
            "not a time"
        ])
    );
    assert!(!v.text_as_times());
    v.truncate(3);
    assert!(v.text_as_times());
    assert!(matches!(v, Values::Time(_)));
}

#[test]
fn kinds_join_as_the_json_values_do() {
    let kind = |v: Vec<Value>| Values::from(v).kind();
    assert_eq!(kind(vec![json!(1), json!(2.5)]), ColumnType::Float);
    assert_eq!(kind(vec![json!(1), json!(u64::MAX)]), ColumnType::String);
    assert_eq!(kind(vec![json!(u64::MAX)]), ColumnType::Unsigned);
    assert_eq!(kind(vec![json!(1), json!("x")]), ColumnType::String);
    assert_eq!(kind(vec![Value::Null, json!(true)]), ColumnType::Boolean);
    assert_eq!(kind(vec![json!([1])]), ColumnType::String);
}

#[test]
fn appending_keeps_every_value() {
    let mut a = Values::from(vec![json!(1), json!(2)]);
    a.append(Values::from(vec![json!(2.5), Value::Null]));
    a.append(Values::from(vec![json!("x")]));
    assert_eq!(
        a,
        vec![json!(1), json!(2), json!(2.5), Value::Null, json!("x")]
    );
    let mut t = Values::with_kind(ColumnType::Time);
    t.push_time(5);
    let mut u = Values::with_kind(ColumnType::Time);
    u.push_time(6);
    t.append(u);
    assert!(matches!(&t, Values::Time(v) if v == &[Some(5), Some(6)]));
}

#[test]
fn cells_read_as_their_json() {
    let v = Values::from(vec![json!(3), json!("2024-01-01T00:00:00Z"), Value::Null]);
    assert_eq!(v.get(0).and_then(Cell::as_f64), Some(3.0));
    assert_eq!(
        v.get(1).and_then(Cell::time_ns),
        Some(1_704_067_200_000_000_000)
    );
    assert_eq!(v.get(2), Some(Cell::Null));
    assert_eq!(v.get(3), None);
    assert_eq!(v.value(3), Value::Null);
    assert_eq!(
        v.get(1).map(Cell::text).as_deref(),
        Some("2024-01-01T00:00:00Z")
    );
    let f = Values::from(vec![json!(0.1), json!(1e300)]);
    assert_eq!(f.get(0).map(Cell::text).as_deref(), Some("0.1"));
    assert_eq!(
        f.get(1).map(Cell::text).as_deref(),
        Some(&*json!(1e300).to_string())
    );
}

#[test]
fn a_slice_serializes_as_those_rows_of_the_column() {
    let columns = [
        vec![json!(1.5), Value::Null, json!(-2.25), json!(3.0)],
        vec![json!(1), json!(0.5), Value::Null, json!(u64::MAX)],
        vec![json!("a"), json!("a"), Value::Null, json!("é\"")],
        vec![json!(true), Value::Null, json!(false), json!(true)],
        vec![json!("a"), json!(1), json!([1, "x"]), Value::Null],
    ];
    let mut times = Values::with_kind(ColumnType::Time);
    [Some(1_700_000_000_000_000_001), None, Some(0), Some(5)]
        .into_iter()
        .for_each(|t| match t {
            Some(ns) => times.push_time(ns),
            None => times.push_null(),
        });
    let all = columns
        .into_iter()
        .map(Values::from)
        .chain([times])
        .collect::<Vec<_>>();
    for v in &all {
        let json = v.to_vec();
        for start in 0..=5 {
            for end in 0..=6 {
                let s = v.slice(start..end);
                let (a, b) = (start.min(4), end.min(4));
                let want = json[a.min(b)..b].to_vec();
                assert_eq!(
                    serde_json::to_string(&s).unwrap(),
                    serde_json::to_string(&want).unwrap(),
                    "{v:?} rows {start}..{end}"
                );
                if !want.is_empty() {
                    assert_eq!(
                        std::mem::discriminant(&s),
                        std::mem::discriminant(v),
                        "stored the same way"
                    );
                }
            }
        }
    }
}
