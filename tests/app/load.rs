//! `influxdesk import-csv` end to end against a real influxd: a preview that shows the
//! columns, inferred types, first points and bad rows by line; an import whose values come
//! back exactly; a bad mapping refused with nothing written; `--json` output.

use crate::support::{influxd, run, scratch, text};

#[test]
fn import_csv_previews_then_imports_exact_values() {
    let server = influxd(None);
    let mut env = vec![(
        "INFLUXDESK_CONFIG_DIR".to_string(),
        scratch("load-cfg-").display().to_string(),
    )];
    let data = scratch("load-data-");
    env.push(("INFLUXDESK_DATA_DIR".into(), data.display().to_string()));
    let ok = |args: &[&str]| -> String {
        let o = run(args, &env, None);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        out
    };
    ok(&[
        "profile",
        "add",
        "local",
        "--url",
        &server.url(),
        "--database",
        "csvdb",
    ]);
    ok(&["query", "CREATE DATABASE csvdb"]);

    let file = data.join("sensors.csv");
    let mut csv = String::from("ts;room;temp;people\n");
    for i in 0..50 {
        csv.push_str(&format!(
            "{};r{};{}.5;{}\n",
            1_700_000_000_000i64 + i * 1_000,
            i % 2,
            20 + i,
            i
        ));
    }
    std::fs::write(&file, &csv).unwrap();
    let f = file.display().to_string();
    let base = [
        "import-csv",
        &f,
        "--bucket",
        "csvdb",
        "--time-column",
        "ts",
        "--time-format",
        "ms",
        "--tags",
        "room",
        "--measurement",
        "env",
        "--delimiter",
        ";",
    ];
    let preview = ok(&[&base[..], &["--preview", "--rows", "2"]].concat());
    assert_eq!(
        preview,
        "plain CSV, time format ms\n  ts      time\n  room    tag\n  temp    field float (inferred)\n  \
         people  field integer (inferred)\nfirst points (2 rows read):\n  \
         line 2: env,room=r0 temp=20.5,people=0i 1700000000000000000\n  \
         line 3: env,room=r1 temp=21.5,people=1i 1700000001000000000\n",
        "the preview shows what will be written"
    );
    let out = ok(&[&base[..], &["--batch-lines", "20"]].concat());
    assert!(
        out.starts_with("wrote 50 points") && out.contains("in 3 batches"),
        "{out}"
    );
    let sum = ok(&[
        "query",
        "--format",
        "csv",
        "SELECT sum(people), sum(temp) FROM env",
    ]);
    assert!(
        sum.contains(",1225,2250"),
        "sum of 0..50 and of 20.5..69.5: {sum}"
    );

    // A bad row: refused, named by its line, nothing more written; --json on success. (Left
    // to inference, "warm" among the first 100 rows would make temp a string, which the
    // schema check refuses against the floats stored: the type is given.)
    std::fs::write(&file, format!("{csv}1700000050000;r0;warm;7\n")).unwrap();
    let o = run(&[&base[..], &["--type", "temp=float"]].concat(), &env, None);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(
            "1 CSV row cannot be imported: line 52: column \"temp\": \"warm\" is not a finite float"
        ) && err.contains("Nothing was written."),
        "{err}"
    );
    let count = ok(&["query", "--format", "csv", "SELECT count(people) FROM env"]);
    assert!(count.contains(",50"), "{count}");
    std::fs::write(&file, format!("{csv}1700000050000;r0;1;7\n")).unwrap();
    let out = ok(&[&base[..], &["--json", "--type", "temp=float"]].concat());
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["points"].as_u64(), r["dropped"].as_u64()),
        (Some(51), Some(0)),
        "{r}"
    );
}
