//! Property tests: generated disguises of every statement that writes or changes the server
//! never classify as a read, and no input makes the classifier panic.

use proptest::prelude::*;

use super::{Class, classify};
use crate::model::QueryLanguage::{Flux, Influxql, Sql};

const INFLUXQL: [&str; 20] = [
    "DROP DATABASE telegraf",
    "DELETE FROM cpu WHERE time < now()",
    "DROP MEASUREMENT cpu",
    "DROP SERIES FROM cpu WHERE host = 'a'",
    "CREATE DATABASE pwned",
    "CREATE USER evil WITH PASSWORD 'x' WITH ALL PRIVILEGES",
    "DROP USER bob",
    "GRANT ALL TO bob",
    "GRANT READ ON telegraf TO bob",
    "REVOKE ALL PRIVILEGES FROM bob",
    "SET PASSWORD FOR bob = 'y'",
    "ALTER RETENTION POLICY autogen ON telegraf DURATION 1h",
    "DROP RETENTION POLICY autogen ON telegraf",
    "CREATE RETENTION POLICY r ON telegraf DURATION 1d REPLICATION 1 DEFAULT",
    "CREATE CONTINUOUS QUERY cq ON telegraf BEGIN SELECT mean(v) INTO m FROM cpu GROUP BY time(1h) END",
    "DROP CONTINUOUS QUERY cq ON telegraf",
    "SELECT * INTO telegraf.autogen.copy FROM cpu GROUP BY *",
    "KILL QUERY 1",
    "DROP SHARD 1",
    "CREATE SUBSCRIPTION s ON telegraf.autogen DESTINATIONS ALL 'http://x'",
];

/// Reads that leave a quote, regex or comment open in some reading, to hide what follows.
const INFLUXQL_PREFIXES: [&str; 12] = [
    "SELECT * FROM cpu GROUP BY /'/",
    "SELECT max(/'|x/) FROM cpu",
    "SELECT * FROM cpu /'/",
    "SELECT v /'/ FROM cpu",
    "SELECT * FROM cpu WHERE host =~ /*'/",
    "SELECT * FROM cpu WHERE host =~ /\\/'/",
    "SELECT * FROM cpu WHERE host = 'it\\'s'",
    "SELECT \"a\\\"b\" FROM cpu",
    "SELECT * FROM cpu -- '\n",
    "SELECT * FROM cpu /* ' */",
    "SHOW MEASUREMENTS WITH MEASUREMENT =~ /\"/",
    "SELECT * FROM db.rp./'/",
];

const SQL: [&str; 10] = [
    "DROP TABLE cpu",
    "DELETE FROM cpu",
    "INSERT INTO cpu VALUES (1)",
    "SELECT * INTO copied FROM cpu",
    "CREATE TABLE t (a int)",
    "COPY (SELECT * FROM cpu) TO '/tmp/out.csv'",
    "UPDATE cpu SET v = 1",
    "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
    "SET datafusion.execution.batch_size = 1",
    "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/'",
];

const FLUX: [&str; 9] = [
    "from(bucket: \"a\") |> range(start: -1h) |> to(bucket: \"b\")",
    "import \"experimental\"\nfrom(bucket: \"a\") |> range(start: -1h) |> experimental.to(bucket: \"b\")",
    "import \"http\"\nhttp.post(url: \"http://169.254.169.254/\")",
    "import \"sql\"\nsql.from(driverName: \"x\", dataSourceName: \"y\", query: \"z\")",
    "import \"influxdata/influxdb/secrets\"\nx = secrets.get(key: \"k\")",
    "from(bucket: \"a\", host: \"http://10.0.0.1\") |> range(start: -1h)",
    "import \"experimental/http/requests\"\nrequests.get(url: \"http://x\")",
    "import \"csv\"\ncsv.from(file: \"/etc/passwd\")",
    "data |> wideTo(bucket: \"b\")",
];

/// Separators the server skips (or refuses, which runs nothing either).
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("   ".to_string()),
        Just(" /* ; ' \" */ ".to_string()),
        Just(" -- ; '\n".to_string()),
        Just("\u{a0}".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{3000}".to_string()),
        Just(" -- ; '\r".to_string()),
        Just("\0".to_string()),
    ]
}

/// `stmt` with random letter case and separators between its words.
fn disguised(stmts: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop::sample::select(stmts),
        prop::collection::vec((any::<bool>(), separator()), 64),
        any::<u64>(),
    )
        .prop_map(|(stmt, seps, case_bits)| {
            let words: Vec<&str> = stmt.split(' ').collect();
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                let flip = case_bits.rotate_left(i as u32) & 1 == 1;
                if flip && !w.starts_with('\'') && !w.starts_with('"') {
                    out.extend(w.chars().enumerate().map(|(k, c)| {
                        if (case_bits >> (k % 64)) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    }));
                } else {
                    out.push_str(w);
                }
                if i + 1 < words.len() {
                    let (odd, sep) = &seps[i % seps.len()];
                    out.push_str(if *odd { sep } else { " " });
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn disguised_influxql_changes_are_never_reads(
        stmt in disguised(&INFLUXQL),
        prefix in prop::option::of(prop::sample::select(&INFLUXQL_PREFIXES[..])),
        sep in separator(),
        suffix in prop::sample::select(&["", "SELECT 'x' FROM cpu", "SELECT '/' FROM cpu", "SELECT '*/' FROM cpu"][..]),
    ) {
        let mut q = stmt;
        if let Some(p) = prefix {
            q = format!("{p};{sep}{q}");
        }
        if !suffix.is_empty() {
            q = format!("{q};{sep}{suffix}");
        }
        prop_assert_ne!(classify(Influxql, &q).class, Class::Read, "{:?}", q);
    }

    #[test]
    fn disguised_sql_changes_are_never_reads(
        stmt in disguised(&SQL),
        chain in prop::sample::select(&["", "SELECT 1; ", "SELECT 'a;b'; ", "/* x */ "][..]),
    ) {
        let q = format!("{chain}{stmt}");
        prop_assert_ne!(classify(Sql, &q).class, Class::Read, "{:?}", q);
    }

    #[test]
    fn disguised_flux_is_never_a_read(
        stmt in prop::sample::select(&FLUX[..]),
        alias in "[a-z][a-z0-9_]{0,6}",
        wrap in 0..4u8,
        sep in prop::sample::select(&[" ", "\n", "\t", " // c\n", "\u{a0}"][..]),
    ) {
        let q = match wrap {
            // An alias of the sink: `w = to` then `w(...)`.
            0 => format!("{alias} = to{sep}from(bucket: \"a\") |> range(start: -1h) |> {alias}(bucket: \"b\")"),
            // Inside a string interpolation.
            1 => format!("{alias} = \"${{ {stmt} }}\"{sep}from(bucket: \"a\") |> range(start: -1h)"),
            // After a division that could be read as a regex opening a string.
            2 => format!("{alias} = 1 /\"/{sep}{stmt}{sep}// \""),
            _ => stmt.replace(' ', sep),
        };
        prop_assert_ne!(classify(Flux, &q).class, Class::Read, "{:?}", q);
    }

    #[test]
    fn any_input_is_classified_without_panicking(q in "\\PC{0,200}", raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let raw = String::from_utf8_lossy(&raw).into_owned();
        for lang in [Influxql, Sql, Flux] {
            let _ = classify(lang, &q);
            let _ = classify(lang, &raw);
        }
        let _ = super::influxql::statements(&q);
    }
}
