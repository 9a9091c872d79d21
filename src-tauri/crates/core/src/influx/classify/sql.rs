//! SQL (InfluxDB 3's DataFusion dialect) by parsing with `sqlparser`: a read is exactly one
//! query statement (or `EXPLAIN` of one, or `SHOW TABLES`/`SHOW COLUMNS`, or `DESCRIBE`) in
//! which no query, at any depth, has `INTO` or a data-changing body. Whatever does not parse is
//! not a read: the allow-list fails closed.

use std::ops::ControlFlow;

use sqlparser::ast::{SetExpr, Statement, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::{Class, Verdict};

pub fn classify(q: &str) -> Verdict {
    if nested_comment(q) {
        // sqlparser's generic dialect nests block comments; a parser that does not would read
        // other statements out of the same text.
        return Verdict::syntax("it nests a /* comment */ in another");
    }
    // A tokenizer that ends `--` comments at a carriage return sees other statements than one
    // that ends them at a newline: both readings must be reads.
    if q.contains('\r') {
        let other = classify_one(&q.replace('\r', "\n"));
        if other.class != Class::Read {
            return other;
        }
    }
    classify_one(q)
}

fn classify_one(q: &str) -> Verdict {
    let statements = match Parser::parse_sql(&GenericDialect {}, q) {
        Ok(s) => s,
        Err(e) => return Verdict::syntax(format!("it does not parse as SQL ({e})")),
    };
    match statements.as_slice() {
        [] => Verdict::read(),
        [one] => statement(one),
        [_, second, ..] => Verdict::new(
            Class::Admin,
            format!(
                "{} statements (a read is one query; the second is {})",
                statements.len(),
                statement_name(second)
            ),
        ),
    }
}

fn statement(s: &Statement) -> Verdict {
    let inner = match s {
        Statement::Explain { statement, .. } => statement.as_ref(),
        other => other,
    };
    match inner {
        Statement::Query(_)
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ExplainTable { .. } => {}
        other => {
            let class = if matches!(
                other,
                Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_)
            ) {
                Class::Write
            } else {
                Class::Admin
            };
            return Verdict::new(class, statement_name(other));
        }
    }
    // Every query inside (CTEs, subqueries, set operations) must only read too.
    let mut check = ReadOnly;
    match s.visit(&mut check) {
        ControlFlow::Continue(()) => Verdict::read(),
        ControlFlow::Break(v) => v,
    }
}

/// Whether a `/*` appears inside a block comment (outside strings and quoted identifiers).
fn nested_comment(q: &str) -> bool {
    let b = q.as_bytes();
    let (mut i, mut depth) = (0, 0u32);
    while i < b.len() {
        let two = (b[i], b.get(i + 1).copied());
        if depth > 0 {
            match two {
                (b'/', Some(b'*')) => return true,
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    i += 1;
                }
                _ => {}
            }
        } else {
            match two {
                (b'/', Some(b'*')) => {
                    depth = 1;
                    i += 1;
                }
                (b'-', Some(b'-')) => {
                    while i < b.len() && !matches!(b[i], b'\n' | b'\r') {
                        i += 1;
                    }
                }
                (q @ (b'\'' | b'"'), _) => {
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    false
}

struct ReadOnly;

impl Visitor for ReadOnly {
    type Break = Verdict;

    fn pre_visit_query(&mut self, query: &sqlparser::ast::Query) -> ControlFlow<Verdict> {
        body(&query.body)
    }

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<Verdict> {
        match s {
            Statement::Query(_)
            | Statement::Explain { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ExplainTable { .. } => ControlFlow::Continue(()),
            other => ControlFlow::Break(Verdict::new(Class::Write, statement_name(other))),
        }
    }
}

fn body(b: &SetExpr) -> ControlFlow<Verdict> {
    match b {
        SetExpr::Select(s) if s.into.is_some() => {
            ControlFlow::Break(Verdict::new(Class::Write, "SELECT ... INTO"))
        }
        SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) | SetExpr::Table(_) => {
            ControlFlow::Continue(())
        }
        SetExpr::SetOperation { left, right, .. } => {
            body(left)?;
            body(right)
        }
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            ControlFlow::Break(Verdict::new(Class::Write, statement_name(s)))
        }
    }
}

/// The statement's leading words, e.g. `DROP TABLE`, from its SQL text.
fn statement_name(s: &Statement) -> String {
    let text = s.to_string();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    let name = words.join(" ");
    name.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads() {
        for q in [
            "SELECT created_at, updated_at, deleted FROM cpu",
            "SELECT * FROM cpu WHERE note = 'DROP TABLE cpu; --'",
            "SELECT * FROM cpu WHERE note = 'it''s; delete'",
            "SELECT \"drop\", \"insert into\" FROM \"create\"",
            "SELECT * FROM cpu -- DROP TABLE cpu",
            "SELECT * FROM cpu /* DELETE FROM cpu */ WHERE time > now() - interval '1 hour'",
            "WITH recent AS (SELECT * FROM cpu) SELECT count(*) FROM recent",
            "SELECT * FROM (SELECT * FROM cpu) t UNION ALL SELECT * FROM mem",
            "SHOW TABLES",
            "SHOW COLUMNS FROM cpu",
            "EXPLAIN SELECT * FROM cpu",
            "EXPLAIN ANALYZE SELECT * FROM cpu",
            "SELECT table_name FROM information_schema.tables",
            "SELECT * FROM system.queries",
            "select date_bin(interval '5 minutes', time) as t, avg(usage) from cpu group by 1",
        ] {
            assert_eq!(classify(q), Verdict::read(), "{q} only reads");
        }
    }

    #[test]
    fn everything_else_is_not_a_read() {
        for (q, class) in [
            ("INSERT INTO cpu VALUES (1)", Class::Write),
            ("update cpu set v = 1", Class::Write),
            ("DELETE FROM cpu", Class::Write),
            ("CREATE TABLE t (a int)", Class::Admin),
            (
                "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/tmp/x'",
                Class::Admin,
            ),
            ("DROP TABLE cpu", Class::Admin),
            ("ALTER TABLE cpu ADD COLUMN x int", Class::Admin),
            ("TRUNCATE cpu", Class::Admin),
            ("COPY (SELECT * FROM cpu) TO '/tmp/out.csv'", Class::Admin),
            ("GRANT SELECT ON cpu TO bob", Class::Admin),
            ("SELECT * INTO backup FROM cpu", Class::Write),
            ("WITH r AS (SELECT 1) SELECT * INTO t FROM r", Class::Write),
            ("SELECT 1; DROP TABLE cpu", Class::Admin),
            ("SELECT 1; SELECT 2", Class::Admin),
            ("EXPLAIN ANALYZE DELETE FROM cpu", Class::Write),
            ("SET datafusion.execution.batch_size = 1", Class::Admin),
            (
                "SELECT * FROM cpu WHERE note = E'\\''; DROP TABLE cpu; --'",
                Class::Admin,
            ),
            ("SELEKT 1", Class::Admin),
            ("SELECT * FROM (SELECT 1 INTO t) x", Class::Write),
            (
                "/* /* */ COPY (SELECT 1) TO '/tmp/x' -- */ SELECT 1",
                Class::Admin,
            ),
        ] {
            assert_eq!(classify(q).class, class, "{q}");
        }
    }
}
