//! The one statement classifier: does a query only read, or does it write data or change the
//! server? Per language, by parsing, allow-list style and failing closed: InfluxQL by a lexer
//! that follows the grammar (every reading of an ambiguous `/`), SQL with `sqlparser`, Flux by
//! its imports and identifiers. It guards every path an assistant or the alert scheduler
//! reaches; the user's own queries in the app are not classified (they may run anything their
//! credentials allow). Not here: the policy that decides who may do what (`api::policy`).

mod flux;
pub mod influxql;
mod sql;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::QueryLanguage;

/// What a query does to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Read,
    /// Writes or deletes data (`SELECT ... INTO`, `DELETE`, `DROP SERIES`, `to()`).
    Write,
    /// Changes the server or reaches out of it (databases, users, retention, `http.post`), or
    /// could not be checked.
    Admin,
}

/// A classification and what decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub class: Class,
    /// The statement or identifier that makes it more than a read (`DROP DATABASE telegraf`,
    /// `SELECT ... INTO`, `to()`, `import "http"`); empty for a read.
    pub what: String,
    /// It is not a statement of the language at all (a typo, or SQL that does not parse):
    /// refused as a syntax error rather than as a change.
    pub syntax: bool,
}

impl Verdict {
    pub fn read() -> Self {
        Verdict {
            class: Class::Read,
            what: String::new(),
            syntax: false,
        }
    }

    pub(crate) fn new(class: Class, what: impl Into<String>) -> Self {
        Verdict {
            class,
            what: what.into(),
            syntax: false,
        }
    }

    /// Not a statement of the language; classed as admin, so it never counts as a read.
    pub(crate) fn syntax(what: impl Into<String>) -> Self {
        Verdict {
            class: Class::Admin,
            what: what.into(),
            syntax: true,
        }
    }
}

/// The longest query that is classified; a longer one is not a read.
pub const MAX_LEN: usize = 256 * 1024;

/// Classify `query` as the server of `lang` would read it.
pub fn classify(lang: QueryLanguage, query: &str) -> Verdict {
    if query.len() > MAX_LEN {
        return Verdict::new(
            Class::Admin,
            format!(
                "a query of {} KiB (at most {} KiB is checked)",
                query.len() / 1024,
                MAX_LEN / 1024
            ),
        );
    }
    match lang {
        QueryLanguage::Influxql => influxql::classify(query),
        QueryLanguage::Sql => sql::classify(query),
        QueryLanguage::Flux => flux::classify(query),
    }
}

/// `Ok` when `query` only reads; otherwise a Forbidden error that names what it does and
/// where such a change belongs. `who` is what only reads, e.g. "query-data".
pub fn ensure_read(lang: QueryLanguage, query: &str, who: &str) -> Result<()> {
    let v = classify(lang, query);
    let name = lang.name();
    if v.syntax {
        return Err(Error::QuerySyntax(format!(
            "{who} could not run this {name} query: {}. A query that reads starts with {}",
            v.what,
            match lang {
                QueryLanguage::Influxql => "SELECT, SHOW or EXPLAIN",
                QueryLanguage::Sql => "SELECT (or WITH, EXPLAIN, SHOW TABLES, SHOW COLUMNS)",
                QueryLanguage::Flux => "from(), import or a variable",
            }
        )));
    }
    let hint = match v.class {
        Class::Read => return Ok(()),
        Class::Write => {
            "write points with write-metrics (or the app's Load Data); copying or deleting data \
             is for the user to run in the app"
        }
        Class::Admin => {
            "change databases and retention with manage-buckets; anything else is for the user \
             to run in the app"
        }
    };
    Err(Error::Forbidden(format!(
        "{who} only reads, and this {name} query is not a read: it has {} ({}). Send a \
         read-only query; to change the server, {hint}",
        v.what,
        match v.class {
            Class::Write => "it writes data",
            _ => "it changes the server or reaches out of it",
        }
    )))
}

#[cfg(test)]
mod props;
