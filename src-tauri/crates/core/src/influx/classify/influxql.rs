//! InfluxQL: a lexer that follows the grammar of InfluxDB's own scanner (strings and quoted
//! identifiers with backslash escapes, regex literals, `--` and `/* */` comments, numbers and
//! durations), and the statement classifier built on it.
//!
//! The one place where InfluxQL's lexing depends on the parser is `/`: the server reads it as
//! a regex where its parser expects one (after `=~`, in `FROM` sources, `GROUP BY`
//! dimensions, operands) and as division or a comment elsewhere. A lexer that guesses wrong
//! sees a different set of statements than the server (`GROUP BY /'/; DROP ...`). The
//! classifier does not guess: at every `/` it follows both readings, and a query is a read only
//! when every reading is. The paths share their states, so the walk stays linear in the
//! query's length. [`statements`] is the one deterministic tokenization (the parser's reading,
//! as far as a lexer can tell), used to place time bounds; it never decides what may run.

use std::collections::HashSet;
use std::ops::Range;

use super::{Class, Verdict};

/// A lexical token. Words are unquoted identifiers and keywords (compare case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Word,
    QuotedIdent,
    Str,
    Regex,
    Number,
    Semi,
    LParen,
    RParen,
    Comma,
    Dot,
    /// An operator or any other punctuation (`=~`, `!=`, `/`, `*`, `$param`, ...).
    Op,
}

/// A token and its byte range in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: (usize, usize),
}

impl Token {
    pub fn text<'a>(&self, q: &'a str) -> &'a str {
        &q[self.span.0..self.span.1]
    }
    fn is_word(&self, q: &str, kw: &str) -> bool {
        self.tok == Tok::Word && self.text(q).eq_ignore_ascii_case(kw)
    }
}

/// Precomputed ends of delimited literals, so that every lexing step is O(1) whichever
/// reading reached it.
struct Tables {
    /// For a literal body starting at p: the index of the closing delimiter (or len).
    regex_end: Vec<u32>,
    squote_end: Vec<u32>,
    dquote_end: Vec<u32>,
    /// The index of the next `*/` at or after p (or len).
    comment_end: Vec<u32>,
    /// The index of the next `\n` at or after p (or len).
    line_end: Vec<u32>,
}

impl Tables {
    fn new(b: &[u8]) -> Self {
        let n = b.len();
        // `escapes`: what a backslash escapes. In strings and quoted identifiers the server's
        // ScanString takes a backslash and the next character together (any but n, backslash
        // and the quotes is an error, so nothing runs). In a regex its ScanRegex escapes only
        // `/`: before anything else a backslash is a literal, so in `a\\/b/` the regex runs on
        // past the first slash (the second backslash escapes it).
        let delimited = |close: u8, escapes: fn(u8) -> bool| {
            let mut end = vec![n as u32; n + 2];
            for p in (0..n).rev() {
                end[p] = match b[p] {
                    b'\\' if b.get(p + 1).is_some_and(|&c| escapes(c)) => end[p + 2],
                    c if c == close => p as u32,
                    _ => end[p + 1],
                };
            }
            end
        };
        let mut comment_end = vec![n as u32; n + 1];
        let mut line_end = vec![n as u32; n + 1];
        for p in (0..n).rev() {
            comment_end[p] = if b[p] == b'*' && b.get(p + 1) == Some(&b'/') {
                p as u32
            } else {
                comment_end[p + 1]
            };
            line_end[p] = if matches!(b[p], b'\n' | b'\r' | 0) {
                p as u32
            } else {
                line_end[p + 1]
            };
        }
        Tables {
            regex_end: delimited(b'/', |c| c == b'/'),
            squote_end: delimited(b'\'', |_| true),
            dquote_end: delimited(b'"', |_| true),
            comment_end,
            line_end,
        }
    }
}

/// One lexing step from a position: a token, or a skipped comment/whitespace, then where the
/// next step starts.
#[derive(Debug, Clone, Copy)]
enum Step {
    Token(Token, usize),
    Skip(usize),
    End,
}

/// How to read a `/` that does not start `/*`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slash {
    Regex,
    Divide,
}

struct Lexer<'a> {
    b: &'a [u8],
    t: Tables,
}

impl<'a> Lexer<'a> {
    fn new(q: &'a str) -> Self {
        let b = q.as_bytes();
        Lexer {
            b,
            t: Tables::new(b),
        }
    }

    fn delimited(&self, p: usize, end: &[u32]) -> usize {
        // The closing delimiter is included; an unterminated literal runs to the end (the
        // server refuses it, so nothing after it can run either).
        (end[p + 1] as usize + 1).min(self.b.len())
    }

    /// The readings of the input at `p`: one, or two at a `/`.
    fn steps(&self, p: usize) -> ([Option<Step>; 2], usize) {
        let b = self.b;
        let n = b.len();
        if p >= n {
            return ([Some(Step::End), None], 1);
        }
        let c = b[p];
        let next = b.get(p + 1).copied();
        let one = |s: Step| ([Some(s), None], 1);
        let tok = |tok: Tok, end: usize| {
            Step::Token(
                Token {
                    tok,
                    span: (p, end),
                },
                end,
            )
        };
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => one(Step::Skip(p + 1)),
            b'-' if next == Some(b'-') => one(Step::Skip(self.t.line_end[p] as usize)),
            b'/' => {
                let regex = tok(Tok::Regex, self.delimited(p, &self.t.regex_end));
                let other = if next == Some(b'*') {
                    let end = self.t.comment_end[(p + 2).min(n)] as usize;
                    Step::Skip((end + 2).min(n))
                } else {
                    tok(Tok::Op, p + 1)
                };
                ([Some(other), Some(regex)], 2)
            }
            b'\'' => one(tok(Tok::Str, self.delimited(p, &self.t.squote_end))),
            b'"' => one(tok(Tok::QuotedIdent, self.delimited(p, &self.t.dquote_end))),
            b';' => one(tok(Tok::Semi, p + 1)),
            b'(' => one(tok(Tok::LParen, p + 1)),
            b')' => one(tok(Tok::RParen, p + 1)),
            b',' => one(tok(Tok::Comma, p + 1)),
            b'.' if !next.is_some_and(|d| d.is_ascii_digit()) => one(tok(Tok::Dot, p + 1)),
            b'0'..=b'9' | b'.' => one(tok(Tok::Number, self.number_end(p))),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut e = p + 1;
                while e < n && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
                    e += 1;
                }
                one(tok(Tok::Word, e))
            }
            b'=' | b'!' if next == Some(b'~') => one(tok(Tok::Op, p + 2)),
            b'!' | b'<' | b'>' | b'=' if next == Some(b'=') => one(tok(Tok::Op, p + 2)),
            b'<' if next == Some(b'>') => one(tok(Tok::Op, p + 2)),
            b':' if next == Some(b':') => one(tok(Tok::Op, p + 2)),
            _ => {
                // Any other character (including non-ASCII, which the server refuses) is one
                // token of its own.
                let len = std::str::from_utf8(&b[p..(p + 4).min(n)])
                    .ok()
                    .or_else(|| {
                        (1..4)
                            .rev()
                            .find_map(|k| std::str::from_utf8(&b[p..(p + k).min(n)]).ok())
                    })
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                one(tok(Tok::Op, p + len))
            }
        }
    }

    /// Digits, a fraction, then a duration unit as the server's scanner reads it (`u`, `µ`,
    /// `s`, `h`, `d`, `w`, `m`, `ms`): `10s` is one token, `10sINTO` is `10s` then `INTO`.
    fn number_end(&self, p: usize) -> usize {
        let b = self.b;
        let mut e = p;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        if e < b.len() && b[e] == b'.' {
            e += 1;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
        }
        match b.get(e) {
            Some(b'u' | b's' | b'h' | b'd' | b'w') => e + 1,
            Some(b'm') if b.get(e + 1) == Some(&b's') => e + 2,
            Some(b'm') => e + 1,
            Some(0xC2) if b.get(e + 1) == Some(&0xB5) => e + 2,
            _ => e,
        }
    }
}

/// Where a statement stands, as far as the classifier needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stmt {
    Start,
    Select,
    Show,
    Explain,
}

/// Why a reading stops being a read.
enum Stop {
    /// `SELECT ... INTO`.
    Into,
    /// A statement that is not a read starts at this byte; `known` when its first word is an
    /// InfluxQL statement (else it is no statement at all: a typo, a stray token).
    At { at: usize, known: bool },
}

/// Classify: a read only when every statement, in every reading of every `/`, is a `SELECT`
/// without `INTO`, a `SHOW`, or an `EXPLAIN [ANALYZE] [VERBOSE]` of such a `SELECT`.
///
/// A `/` right after `=~` or `!~` can only be a regex; anywhere else both readings are
/// followed (a regex where the parser expects one, division or a comment elsewhere; a `*`
/// can be a wildcard operand before a division). The walk keeps (position, statement state,
/// after a regex operator) and visits each once, so it is linear in the query's length; the
/// first statement that is not a read ends it.
pub fn classify(q: &str) -> Verdict {
    if q.contains('\0') {
        // The server's scanner reads NUL as the end of its input in some places and not in
        // others: no reading of such text is safe to call a read.
        return Verdict::syntax("it contains a NUL character");
    }
    let lx = Lexer::new(q);
    let mut seen: HashSet<(usize, Stmt, bool)> = HashSet::new();
    let mut todo = vec![(0usize, Stmt::Start, false)];
    // The first stray statement (no InfluxQL statement word): described if nothing worse is.
    let mut stray: Option<usize> = None;
    while let Some((p, st, regex_op)) = todo.pop() {
        if !seen.insert((p, st, regex_op)) {
            continue;
        }
        let (steps, k) = lx.steps(p);
        // At a `/` (k == 2): steps[0] is division or a comment, steps[1] the regex.
        let readings: &[Option<Step>] = if k == 2 && regex_op {
            &steps[1..2]
        } else {
            &steps[..k]
        };
        for step in readings.iter().flatten() {
            let (token, next) = match *step {
                Step::End => continue,
                Step::Skip(next) => {
                    todo.push((next, st, regex_op));
                    continue;
                }
                Step::Token(t, next) => (t, next),
            };
            let regex_op = token.tok == Tok::Op && matches!(token.text(q), "=~" | "!~");
            match advance(q, st, &token) {
                Ok(st) => todo.push((next, st, regex_op)),
                Err(Stop::Into) => return Verdict::new(Class::Write, "SELECT ... INTO"),
                Err(Stop::At { at, known: true }) => return describe(q, at),
                Err(Stop::At { at, known: false }) => {
                    stray.get_or_insert(at);
                }
            }
        }
    }
    stray.map_or_else(Verdict::read, |at| describe(q, at))
}

fn advance(q: &str, st: Stmt, t: &Token) -> Result<Stmt, Stop> {
    let word = |kw: &str| t.is_word(q, kw);
    match st {
        _ if t.tok == Tok::Semi => Ok(Stmt::Start),
        Stmt::Start if word("SELECT") => Ok(Stmt::Select),
        Stmt::Start if word("SHOW") => Ok(Stmt::Show),
        Stmt::Start if word("EXPLAIN") => Ok(Stmt::Explain),
        Stmt::Explain if word("ANALYZE") || word("VERBOSE") => Ok(Stmt::Explain),
        Stmt::Explain if word("SELECT") => Ok(Stmt::Select),
        Stmt::Start | Stmt::Explain => Err(Stop::At {
            at: t.span.0,
            known: t.tok == Tok::Word && STATEMENTS.iter().any(|w| t.is_word(q, w)),
        }),
        Stmt::Select if word("INTO") => Err(Stop::Into),
        Stmt::Select | Stmt::Show => Ok(st),
    }
}

/// Name a statement that is not a read by its first words (`DROP DATABASE "telegraf"`), and
/// say whether it changes data (write) or the server (admin).
fn describe(q: &str, from: usize) -> Verdict {
    let words: Vec<String> = tokens_from(q, from)
        .take_while(|t| t.tok != Tok::Semi)
        .take(4)
        .map(|t| {
            let s = t.text(q);
            if t.tok == Tok::Word && is_keyword(s) {
                s.to_ascii_uppercase()
            } else {
                s.chars().take(64).collect()
            }
        })
        .collect();
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    if !STATEMENTS.contains(&w(0)) {
        let text: String = words.join(" ").chars().take(80).collect();
        return Verdict::syntax(if text.is_empty() {
            "it does not start with a statement".to_string()
        } else {
            format!("\"{text}\" is not an InfluxQL statement")
        });
    }
    let class = match (w(0), w(1)) {
        ("DELETE" | "INSERT", _) => Class::Write,
        ("DROP", "SERIES" | "MEASUREMENT") => Class::Write,
        _ => Class::Admin,
    };
    // Keywords and the object they name, e.g. DROP DATABASE telegraf.
    let n = match (w(0), w(1)) {
        ("DROP" | "CREATE", "DATABASE" | "MEASUREMENT" | "USER" | "SHARD" | "SUBSCRIPTION") => 3,
        ("DROP" | "CREATE" | "ALTER", "RETENTION" | "CONTINUOUS") => 4,
        ("KILL", "QUERY") | ("SET", "PASSWORD") | ("DROP", "SERIES") => 2,
        _ => 2,
    };
    let what = words
        .iter()
        .take(n)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    Verdict::new(class, what)
}

/// The words InfluxQL statements start with.
const STATEMENTS: [&str; 11] = [
    "ALTER", "CREATE", "DELETE", "DROP", "EXPLAIN", "GRANT", "INSERT", "KILL", "REVOKE", "SET",
    "SHOW",
];

/// The parser's reading of `/` as far as a lexer can tell: a regex where an operand or a
/// source is expected (after an operator, `(`, `,`, a keyword, or an identifier in `FROM`),
/// division after an operand.
fn tokens_from(q: &str, from: usize) -> impl Iterator<Item = Token> + '_ {
    let lx = Lexer::new(q);
    let mut p = from;
    let mut prev: Option<Token> = None;
    // Per parenthesis depth: inside a FROM clause's sources.
    let mut in_from: Vec<bool> = vec![false];
    std::iter::from_fn(move || {
        loop {
            let (steps, k) = lx.steps(p);
            let step = if k == 2 {
                let regex = match prev {
                    None => true,
                    Some(t) => match t.tok {
                        Tok::Word => *in_from.last().unwrap_or(&false) || is_keyword(t.text(q)),
                        Tok::QuotedIdent | Tok::Dot => *in_from.last().unwrap_or(&false),
                        Tok::Str | Tok::Number | Tok::RParen | Tok::Regex => false,
                        _ => true,
                    },
                };
                let slash = if regex { Slash::Regex } else { Slash::Divide };
                // steps()[0] is division (or a comment), [1] the regex; `/*` is a comment
                // unless a regex is expected.
                if slash == Slash::Regex {
                    steps[1]
                } else {
                    steps[0]
                }
            } else {
                steps[0]
            };
            match step? {
                Step::End => return None,
                Step::Skip(next) => p = next,
                Step::Token(t, next) => {
                    p = next;
                    match t.tok {
                        Tok::LParen => in_from.push(false),
                        Tok::RParen if in_from.len() > 1 => {
                            in_from.pop();
                        }
                        Tok::Semi => in_from = vec![false],
                        Tok::Word => {
                            let up = t.text(q).to_ascii_uppercase();
                            if let Some(top) = in_from.last_mut() {
                                if up == "FROM" {
                                    *top = true;
                                } else if is_keyword(&up) {
                                    *top = false;
                                }
                            }
                        }
                        _ => {}
                    }
                    prev = Some(t);
                    return Some(t);
                }
            }
        }
    })
}

/// All tokens of `q`, in the deterministic reading.
pub fn tokens(q: &str) -> Vec<Token> {
    tokens_from(q, 0).collect()
}

/// The byte ranges of the statements of `q` (without their `;`), in the deterministic reading.
pub fn statements(q: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for t in tokens(q) {
        if t.tok == Tok::Semi {
            out.push(start..t.span.0);
            start = t.span.1;
        }
    }
    out.push(start..q.len());
    out
}

/// InfluxQL's reserved words (the server's token list).
const KEYWORDS: [&str; 76] = [
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BEGIN",
    "BY",
    "CARDINALITY",
    "CREATE",
    "CONTINUOUS",
    "DATABASE",
    "DATABASES",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESTINATIONS",
    "DIAGNOSTICS",
    "DISTINCT",
    "DROP",
    "DURATION",
    "END",
    "EVERY",
    "EXACT",
    "EXPLAIN",
    "FIELD",
    "FOR",
    "FROM",
    "GRANT",
    "GRANTS",
    "GROUP",
    "GROUPS",
    "IN",
    "INF",
    "INSERT",
    "INTO",
    "KEY",
    "KEYS",
    "KILL",
    "LIMIT",
    "MEASUREMENT",
    "MEASUREMENTS",
    "NAME",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "PASSWORD",
    "POLICY",
    "POLICIES",
    "PRIVILEGES",
    "QUERIES",
    "QUERY",
    "READ",
    "REPLICATION",
    "RESAMPLE",
    "RETENTION",
    "REVOKE",
    "SELECT",
    "SERIES",
    "SET",
    "SHARD",
    "SHARDS",
    "SLIMIT",
    "SOFFSET",
    "STATS",
    "SUBSCRIPTION",
    "SUBSCRIPTIONS",
    "TAG",
    "TO",
    "USER",
    "USERS",
    "VALUES",
    "WHERE",
    "WITH",
];

fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w)) || w.eq_ignore_ascii_case("WRITE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(q: &str) -> Class {
        classify(q).class
    }

    #[test]
    fn reads() {
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
            "SELECT a / b / c FROM m WHERE x = 'y'",
            "EXPLAIN SELECT v FROM m",
            "EXPLAIN ANALYZE SELECT v FROM m",
            "SHOW GRANTS FOR bob",
            "SELECT mean(v) FROM m WHERE time > now() - 1h GROUP BY time(10s), /host/",
            "select max(/x/) from m",
            "",
            ";;",
        ] {
            assert_eq!(class(q), Class::Read, "{q} only reads");
        }
    }

    #[test]
    fn writes_and_admin() {
        for (q, want, what) in [
            (
                "DROP DATABASE telegraf",
                Class::Admin,
                "DROP DATABASE telegraf",
            ),
            ("drop measurement cpu", Class::Write, "DROP MEASUREMENT cpu"),
            (
                "DELETE FROM cpu WHERE time < now() - 30d",
                Class::Write,
                "DELETE FROM",
            ),
            ("CREATE DATABASE x", Class::Admin, "CREATE DATABASE x"),
            (
                "ALTER RETENTION POLICY autogen ON db DURATION 1d",
                Class::Admin,
                "ALTER RETENTION POLICY autogen",
            ),
            ("GRANT ALL TO bob", Class::Admin, "GRANT ALL"),
            ("REVOKE ALL PRIVILEGES FROM bob", Class::Admin, "REVOKE ALL"),
            ("KILL QUERY 12", Class::Admin, "KILL QUERY"),
            ("SET PASSWORD FOR bob = 'x'", Class::Admin, "SET PASSWORD"),
            (
                "SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h)",
                Class::Write,
                "SELECT ... INTO",
            ),
            (
                "select * into \"db\".\"rp\".:MEASUREMENT from /.*/",
                Class::Write,
                "SELECT ... INTO",
            ),
            (
                "EXPLAIN ANALYZE SELECT v INTO x FROM m",
                Class::Write,
                "SELECT ... INTO",
            ),
            (
                "SHOW DATABASES; DROP SERIES FROM cpu",
                Class::Write,
                "DROP SERIES",
            ),
            (
                "SELECT v FROM m;\n  -- cleanup\n  DELETE FROM m",
                Class::Write,
                "DELETE FROM",
            ),
            (
                "/* leading comment */ DROP SHARD 1",
                Class::Admin,
                "DROP SHARD 1",
            ),
            ("EXPLAIN DROP DATABASE x", Class::Admin, "DROP DATABASE x"),
            (
                "WITH x AS (SELECT 1) SELECT 2",
                Class::Admin,
                "\"WITH x AS (\" is not an",
            ),
            (
                "SELEC v FROM m",
                Class::Admin,
                "\"SELEC v FROM m\" is not an InfluxQL",
            ),
            // The server's scanner reads `10sinto` as the duration 10s, then INTO.
            (
                "SELECT * FROM m WHERE time > now() - 10sinto x",
                Class::Write,
                "SELECT ... INTO",
            ),
        ] {
            let v = classify(q);
            assert_eq!(v.class, want, "{q}");
            assert!(v.what.starts_with(what), "{q}: {} names {what}", v.what);
        }
    }

    #[test]
    fn every_reading_of_a_slash_is_followed() {
        // The exploit: the server reads /'/ as a regex in GROUP BY.
        for q in [
            "SELECT * FROM cpu GROUP BY /'/; DROP DATABASE telegraf; SELECT * FROM cpu WHERE host = 'x'",
            "SELECT max(/'|x/) FROM cpu; DROP DATABASE telegraf; SELECT 'x' FROM cpu",
            // After an identifier in FROM, a regex follows (db.rp./regex/ and `rp /re/`).
            "SELECT * FROM cpu /'/; DROP DATABASE telegraf; SELECT * FROM cpu WHERE a = '/",
            // And division hides nothing either.
            "SELECT a /'/ FROM m; DROP DATABASE telegraf; SELECT '/' FROM m",
            // `/*` is a regex where one is expected, a comment elsewhere.
            "SELECT * FROM m WHERE h =~ /*'/; DROP DATABASE telegraf; SELECT '*/",
            "SELECT * FROM m WHERE h =~ /\\/'/; DROP DATABASE x",
            // A regex escapes only `/`: `\\/` is a backslash, then an escaped slash.
            "SELECT * FROM cpu WHERE host =~ /a\\\\/ AND x = '/; DROP DATABASE telegraf; SELECT * FROM cpu WHERE a = 'x' -- '",
            // `--` ends at \r as at \n (the server reads \r as \n), and NUL is refused.
            "SELECT * FROM cpu; -- x\rDROP DATABASE telegraf",
            "SELECT * FROM cpu; -- x\0DROP DATABASE telegraf",
            // `*` is a wildcard operand, so the `/` after it may be division.
            "SELECT v FROM cpu WHERE * /'/' = 1; DROP DATABASE telegraf; SELECT v FROM cpu WHERE a = 'x' -- '",
        ] {
            assert_eq!(class(q), Class::Admin, "{q} hides a DROP");
        }
    }

    #[test]
    fn deterministic_statements_split_like_the_server() {
        let q = "SELECT * FROM cpu GROUP BY /;/; SELECT a / b FROM m WHERE s = ';'";
        let parts: Vec<&str> = statements(q).into_iter().map(|r| q[r].trim()).collect();
        assert_eq!(
            parts,
            [
                "SELECT * FROM cpu GROUP BY /;/",
                "SELECT a / b FROM m WHERE s = ';'"
            ]
        );
        let q = "SELECT v FROM db.rp./;x/ -- ; c\n; SHOW DATABASES";
        assert_eq!(
            statements(q).len(),
            2,
            "the regex and the comment hide their ';'"
        );
    }

    #[test]
    fn long_inputs_stay_linear() {
        let q = "/\\".repeat(100_000) + "; DROP DATABASE x";
        let _ = classify(&q);
        let q = "SELECT a".to_string() + &" / b".repeat(50_000);
        assert_eq!(class(&q), Class::Read);
        // Many readings that each end at a stray statement: still one pass.
        let q = "SELECT a".to_string() + &" /;x/ b".repeat(30_000);
        assert_ne!(class(&q), Class::Read);
    }
}
