//! Spot statements that write data or change schema, in InfluxQL, Flux and SQL, so queries an
//! assistant sends can be refused unless the profile's policy allows writes. A small lexer per
//! language skips string literals, quoted identifiers, regexes and comments, then looks at
//! words: InfluxQL and SQL per `;`-separated statement (its leading keyword, and `INTO` in a
//! SELECT), Flux by its sink calls (`to()`, `wideTo()`, any `pkg.to()`).
//!
//! Not a parser: it errs on the side of refusing (a user-defined Flux function named `to` is
//! refused too). Not here: the policy that decides what a refusal means (`api::policy`).

use crate::model::QueryLanguage;

/// What in `query` writes or changes schema, e.g. `"DROP"`, `"SELECT ... INTO"`, `"to()"`;
/// `None` when it only reads.
pub fn mutating_statement(lang: QueryLanguage, query: &str) -> Option<String> {
    match lang {
        QueryLanguage::Influxql => statements(query, Dialect::Influxql)
            .iter()
            .find_map(|s| influxql_statement(s)),
        QueryLanguage::Sql => statements(query, Dialect::Sql)
            .iter()
            .find_map(|s| sql_statement(s)),
        QueryLanguage::Flux => flux_sink(query),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Influxql,
    Sql,
}

/// A word (uppercased) at a parenthesis depth.
#[derive(Debug, Clone, PartialEq)]
struct Word {
    text: String,
    depth: i32,
}

/// Words per statement, skipping strings, quoted identifiers, comments and (InfluxQL) regexes.
fn statements(q: &str, dialect: Dialect) -> Vec<Vec<Word>> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = vec![Vec::new()];
    let mut depth = 0;
    // The last significant token, to tell an InfluxQL regex from a division.
    let mut prev = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            '\'' | '"' => {
                i = skip_quoted(&chars, i, dialect);
                prev = c.to_string();
                continue;
            }
            '/' if dialect == Dialect::Influxql
                && matches!(prev.as_str(), "=~" | "!~" | "FROM" | ",") =>
            {
                i += 1;
                while i < chars.len() && chars[i] != '/' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                prev = "/".into();
                continue;
            }
            ';' => {
                out.push(Vec::new());
                depth = 0;
                prev.clear();
            }
            '(' => {
                depth += 1;
                prev = "(".into();
            }
            ')' => {
                depth -= 1;
                prev = ")".into();
            }
            '=' | '!' if next == Some('~') => {
                prev = format!("{c}~");
                i += 2;
                continue;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect::<String>().to_uppercase();
                prev = text.clone();
                if let Some(stmt) = out.last_mut() {
                    stmt.push(Word { text, depth });
                }
                continue;
            }
            c if c.is_whitespace() => {}
            c => prev = c.to_string(),
        }
        i += 1;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The index after a quoted string or identifier starting at `start`.
fn skip_quoted(chars: &[char], start: usize, dialect: Dialect) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if dialect == Dialect::Influxql => i += 2,
            c if c == quote => {
                // SQL doubles a quote to escape it.
                if dialect == Dialect::Sql && chars.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// Drop a leading `EXPLAIN [ANALYZE] [VERBOSE]`: EXPLAIN ANALYZE runs the statement.
fn explained(words: &[Word]) -> &[Word] {
    let mut w = words;
    if w.first().is_some_and(|x| x.text == "EXPLAIN") {
        w = &w[1..];
        while w
            .first()
            .is_some_and(|x| matches!(x.text.as_str(), "ANALYZE" | "VERBOSE"))
        {
            w = &w[1..];
        }
    }
    w
}

fn has_into(words: &[Word]) -> bool {
    words.iter().any(|w| w.depth == 0 && w.text == "INTO")
}

fn influxql_statement(words: &[Word]) -> Option<String> {
    let w = explained(words);
    let first = w.first()?.text.as_str();
    match first {
        "DROP" | "DELETE" | "CREATE" | "ALTER" | "GRANT" | "REVOKE" | "KILL" => {
            Some(first.to_string())
        }
        "SET" if w.get(1).is_some_and(|x| x.text == "PASSWORD") => Some("SET PASSWORD".into()),
        "SELECT" if has_into(w) => Some("SELECT ... INTO".into()),
        _ => None,
    }
}

const SQL_WRITES: [&str; 13] = [
    "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "MERGE", "GRANT",
    "REVOKE", "REPLACE", "UPSERT",
];

fn sql_statement(words: &[Word]) -> Option<String> {
    let w = explained(words);
    let first = w.first()?.text.as_str();
    if SQL_WRITES.contains(&first) {
        return Some(first.to_string());
    }
    let body = match first {
        // `WITH x AS (...) <statement>`: the statement is the first top-level verb.
        "WITH" => {
            let k = w.iter().position(|x| {
                x.depth == 0
                    && matches!(
                        x.text.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                    )
            })?;
            if w[k].text != "SELECT" {
                return Some(w[k].text.clone());
            }
            &w[k..]
        }
        "SELECT" => w,
        _ => return None,
    };
    has_into(body).then(|| "SELECT ... INTO".into())
}

/// The first Flux sink call (`to(`, `wideTo(`, `pkg.to(`, `pkg.wideTo(`) outside strings,
/// comments and regexes.
fn flux_sink(q: &str) -> Option<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    // The last significant character, to tell a regex from a division.
    let mut prev: Option<char> = None;
    // The identifier before a `.`, for `pkg.to(`.
    let mut qualifier: Option<String> = None;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                prev = Some('"');
                qualifier = None;
            }
            '/' if prev.is_none_or(|p| "~(,:=[{|>+-*!<".contains(p)) => {
                i += 1;
                while i < chars.len() && chars[i] != '/' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                prev = Some('/');
                qualifier = None;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let ident: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let called = chars.get(j) == Some(&'(');
                if called && (ident == "to" || ident == "wideTo") {
                    return Some(match qualifier {
                        Some(pkg) => format!("{pkg}.{ident}()"),
                        None => format!("{ident}()"),
                    });
                }
                let mut k = j;
                qualifier = None;
                if chars.get(k) == Some(&'.') {
                    k += 1;
                    while k < chars.len() && chars[k].is_whitespace() {
                        k += 1;
                    }
                    qualifier = Some(ident);
                    i = k;
                }
                prev = Some('a');
                continue;
            }
            c if c.is_whitespace() => {}
            c => {
                prev = Some(c);
                qualifier = None;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueryLanguage::{Flux, Influxql, Sql};

    fn found(lang: QueryLanguage, q: &str) -> Option<String> {
        mutating_statement(lang, q)
    }

    #[test]
    fn influxql_writes_and_schema_changes_are_found() {
        for (q, want) in [
            ("DROP DATABASE telegraf", "DROP"),
            ("drop measurement cpu", "DROP"),
            ("DELETE FROM cpu WHERE time < now() - 30d", "DELETE"),
            ("CREATE DATABASE x", "CREATE"),
            (
                "CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT mean(v) INTO m2 FROM m GROUP BY time(1h) END",
                "CREATE",
            ),
            ("ALTER RETENTION POLICY autogen ON db DURATION 1d", "ALTER"),
            ("GRANT ALL TO bob", "GRANT"),
            ("REVOKE ALL PRIVILEGES FROM bob", "REVOKE"),
            ("KILL QUERY 12", "KILL"),
            ("SET PASSWORD FOR bob = 'x'", "SET PASSWORD"),
            (
                "SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h)",
                "SELECT ... INTO",
            ),
            (
                "select * into \"db\".\"rp\".:MEASUREMENT from /.*/",
                "SELECT ... INTO",
            ),
            ("EXPLAIN ANALYZE SELECT v INTO x FROM m", "SELECT ... INTO"),
            ("SHOW DATABASES; DROP SERIES FROM cpu", "DROP"),
            ("SELECT v FROM m;\n  -- cleanup\n  DELETE FROM m", "DELETE"),
            ("/* leading comment */ DROP SHARD 1", "DROP"),
        ] {
            assert_eq!(found(Influxql, q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn influxql_reads_pass_even_when_they_mention_writes() {
        for q in [
            "SELECT * FROM m WHERE note = 'drop table; DELETE'",
            "SELECT \"drop\", \"into\" FROM \"create\"",
            "SELECT created_at, dropped_total, deleted FROM m",
            "SELECT v FROM m WHERE host =~ /into|drop/",
            "SELECT v FROM /drop.*/",
            "SELECT v FROM m -- DROP DATABASE x\n",
            "SELECT v FROM m /* ; DROP DATABASE x */",
            "SHOW MEASUREMENTS; SHOW FIELD KEYS FROM cpu",
            "SHOW QUERIES",
            "SELECT v FROM m WHERE s = 'it\\'s; DROP x'",
            "SELECT a / b FROM m",
            "EXPLAIN SELECT v FROM m",
            "SHOW GRANTS FOR bob",
        ] {
            assert_eq!(found(Influxql, q), None, "{q}");
        }
    }

    #[test]
    fn sql_ddl_and_dml_are_found() {
        for (q, want) in [
            ("INSERT INTO cpu VALUES (1)", "INSERT"),
            ("update cpu set v = 1", "UPDATE"),
            ("DELETE FROM cpu", "DELETE"),
            ("CREATE TABLE t (a int)", "CREATE"),
            (
                "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/tmp/x'",
                "CREATE",
            ),
            ("DROP TABLE cpu", "DROP"),
            ("ALTER TABLE cpu ADD COLUMN x int", "ALTER"),
            ("TRUNCATE cpu", "TRUNCATE"),
            ("COPY (SELECT * FROM cpu) TO '/tmp/out.csv'", "COPY"),
            (
                "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
                "MERGE",
            ),
            ("GRANT SELECT ON cpu TO bob", "GRANT"),
            ("REVOKE SELECT ON cpu FROM bob", "REVOKE"),
            ("SELECT * INTO backup FROM cpu", "SELECT ... INTO"),
            (
                "WITH recent AS (SELECT * FROM cpu) INSERT INTO t SELECT * FROM recent",
                "INSERT",
            ),
            (
                "WITH r AS (SELECT 1) SELECT * INTO t FROM r",
                "SELECT ... INTO",
            ),
            ("SELECT 1; DROP TABLE cpu", "DROP"),
            ("EXPLAIN ANALYZE DELETE FROM cpu", "DELETE"),
        ] {
            assert_eq!(found(Sql, q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn sql_reads_pass_even_when_they_mention_writes() {
        for q in [
            "SELECT created_at, updated_at, deleted FROM cpu",
            "SELECT * FROM cpu WHERE note = 'DROP TABLE cpu; --'",
            "SELECT * FROM cpu WHERE note = 'it''s; delete'",
            "SELECT \"drop\", \"insert into\" FROM \"create\"",
            "SELECT * FROM cpu -- DROP TABLE cpu",
            "SELECT * FROM cpu /* DELETE FROM cpu */ WHERE time > now() - interval '1 hour'",
            "WITH recent AS (SELECT * FROM cpu) SELECT count(*) FROM recent",
            "SELECT * FROM (SELECT * FROM cpu) t",
            "SHOW TABLES",
            "EXPLAIN SELECT * FROM cpu",
            "SELECT table_name FROM information_schema.tables",
        ] {
            assert_eq!(found(Sql, q), None, "{q}");
        }
    }

    #[test]
    fn flux_sinks_are_found() {
        for (q, want) in [
            (
                "from(bucket: \"a\") |> range(start: -1h) |> to(bucket: \"b\")",
                "to()",
            ),
            (
                "from(bucket:\"a\")|>range(start:-1h)|>to (bucket:\"b\")",
                "to()",
            ),
            (
                "import \"experimental\"\nfrom(bucket: \"a\") |> range(start: -1h) |> experimental.to(bucket: \"b\")",
                "experimental.to()",
            ),
            (
                "import \"influxdata/influxdb\"\ndata |> influxdb.wideTo(bucket: \"b\")",
                "influxdb.wideTo()",
            ),
            ("data |> wideTo(bucket: \"b\")", "wideTo()"),
            (
                "import \"sql\"\ndata |> sql.to(driverName: \"postgres\")",
                "sql.to()",
            ),
        ] {
            assert_eq!(found(Flux, q).as_deref(), Some(want), "{q}");
        }
    }

    #[test]
    fn flux_reads_pass_even_when_they_mention_to() {
        for q in [
            "from(bucket: \"to(\") |> range(start: -1h)",
            "from(bucket: \"a\") |> range(start: -1h) // |> to(bucket: \"b\")",
            "from(bucket: \"a\") |> range(start: -1h) |> filter(fn: (r) => r.to == \"x\")",
            "from(bucket: \"a\") |> range(start: -1h) |> filter(fn: (r) => r.host =~ /to(a|b)/)",
            "import \"strings\"\nfrom(bucket: \"a\") |> range(start: -1h) |> map(fn: (r) => ({r with s: strings.toUpper(v: r.s)}))",
            "from(bucket: \"a\") |> range(start: -1h) |> toFloat()",
            "x = {to: 1}\nfrom(bucket: \"a\") |> range(start: -1h)",
            "from(bucket: \"a\") |> range(start: -1h) |> map(fn: (r) => ({r with v: r._value / 2.0}))",
            "s = \"say \\\"to(\\\" \"\nfrom(bucket: \"a\") |> range(start: -1h)",
        ] {
            assert_eq!(found(Flux, q), None, "{q}");
        }
    }
}
