//! The parsers' unit tests, and their comparison with the serde_json path they replaced
//! ([`super::reference`]) on generated inputs.

use super::*;

#[test]
fn v1_json_series_become_frames_with_rfc3339_times() {
    let body = br#"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},
        "columns":["time","usage","n"],"values":[[1700000000000000001,0.5,3],[1700000001000000000,null,4]]}]}]}"#;
    let mut b = Budget::new(10);
    let f = v1_json(body, &mut b).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name, "cpu");
    assert_eq!(f[0].tags["host"], "a");
    let t = f[0].column("time").unwrap();
    assert_eq!(t.kind, ColumnType::Time);
    assert_eq!(
        t.value(0),
        "2023-11-14T22:13:20.000000001Z",
        "nanoseconds are kept"
    );
    assert_eq!(f[0].column("usage").unwrap().kind, ColumnType::Float);
    assert_eq!(f[0].column("n").unwrap().kind, ColumnType::Integer);
    assert!(!b.truncated);
}

#[test]
fn v1_statement_errors_are_classified() {
    let e = v1_json(
        br#"{"results":[{"statement_id":0,"error":"database not found: nope"}]}"#,
        &mut Budget::new(1),
    )
    .unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::NotFound);
    let e = v1_json(
        br#"{"error":"error parsing query: found FORM, expected FROM at line 1, char 10"}"#,
        &mut Budget::new(1),
    )
    .unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::QuerySyntax);
    assert!(
        e.message()
            .contains("found FORM, expected FROM at line 1, char 10"),
        "server text kept"
    );
}

#[test]
fn row_limit_truncates_and_says_so() {
    let body = br#"{"results":[{"series":[{"name":"m","columns":["time","v"],"values":[[1,1],[2,2],[3,3]]}]}]}"#;
    let mut b = Budget::new(2);
    let f = v1_json(body, &mut b).unwrap();
    assert_eq!(f[0].rows(), 2);
    assert!(b.truncated);
}

#[test]
fn flux_annotated_csv_tables_become_frames() {
    let csv = "#group,false,false,true,true,false,false,true,true,true\r\n\
#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\r\n\
#default,_result,,,,,,,,\r\n\
,result,table,_start,_stop,_time,_value,_field,_measurement,host\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:10Z,1.5,usage,cpu,a\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:20Z,2.5,usage,cpu,a\r\n\
,,1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:10Z,7,usage,cpu,b\r\n\r\n";
    let f = flux_csv(csv.as_bytes(), &mut Budget::new(100)).unwrap();
    assert_eq!(f.len(), 2, "one frame per Flux table");
    assert_eq!(f[0].name, "cpu");
    assert_eq!(f[0].tags.get("host").map(String::as_str), Some("a"));
    assert_eq!(f[0].tags.get("_field").map(String::as_str), Some("usage"));
    assert_eq!(
        f[0].column("_value").unwrap().values,
        vec![Value::from(1.5), Value::from(2.5)]
    );
    assert_eq!(f[1].column("_time").unwrap().kind, ColumnType::Time);
    assert_eq!(f[1].rows(), 1);
}

#[test]
fn flux_error_table_is_an_error() {
    let csv = "#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n,\"type error 1:1-1:5: undefined identifier x\",\n";
    let e = flux_csv(csv.as_bytes(), &mut Budget::new(10)).unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::QuerySyntax);
    assert!(e.message().contains("undefined identifier x"));
}

#[test]
fn jsonl_rows_fill_sparse_columns_with_null() {
    let body = b"{\"host\":\"a\",\"time\":\"2024-01-01T00:00:00\",\"v\":1.5}\n{\"host\":\"b\",\"time\":\"2024-01-01T00:00:01\"}\n";
    let f = jsonl(body, &mut Budget::new(10)).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rows(), 2);
    assert_eq!(
        f[0].column("v").unwrap().values,
        vec![Value::from(1.5), Value::Null]
    );
    assert_eq!(
        f[0].column("time").unwrap().value(0),
        "2024-01-01T00:00:00Z"
    );
}
