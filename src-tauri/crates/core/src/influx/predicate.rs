//! The tag predicate of a delete, as a user types it (`host = "a" AND (dc != "x" OR dc = "y")`):
//! only tag comparisons with `=` or `!=` against a quoted value, joined by AND/OR with
//! parentheses. Parsed into a tree, then written for each server with core's quoting: InfluxQL
//! (`"host" = 'a'`) and the InfluxDB 2.x delete predicate syntax (`host="a"`, AND only). Field
//! comparisons, regexes and time are not predicates here (the time range is separate).

use crate::error::{Error, Result};
use crate::influx::builder::influxql_str;
use crate::influx::schema::quote_ident;

/// A parsed predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// `key = value` (or `!=` when `negated`).
    Cmp {
        key: String,
        negated: bool,
        value: String,
    },
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare or double-quoted word (a key, or a double-quoted value).
    Word {
        text: String,
        quoted: bool,
    },
    /// A single-quoted value.
    Single(String),
    Eq,
    Ne,
    Open,
    Close,
}

const HELP: &str = "write tag comparisons like host = \"a\" or region != \"eu\", joined by AND \
                    or OR, with parentheses if needed";

fn bad(what: impl std::fmt::Display) -> Error {
    Error::invalid(format!("the predicate {what}: {HELP}"))
}

fn quoted(chars: &mut std::iter::Peekable<std::str::Chars>, q: char) -> Result<String> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return Err(bad(format!("has an unclosed {q}"))),
            Some('\\') => match chars.next() {
                Some(c) => out.push(c),
                None => return Err(bad(format!("has an unclosed {q}"))),
            },
            Some(c) if c == q => return Ok(out),
            Some(c) => out.push(c),
        }
    }
}

fn lex(s: &str) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
            }
            '=' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                }
                out.push(Tok::Eq);
            }
            '!' | '<' => {
                chars.next();
                match (c, chars.next()) {
                    ('!', Some('=')) | ('<', Some('>')) => out.push(Tok::Ne),
                    _ => {
                        return Err(bad(format!(
                            "uses an operator other than = and != near {c}"
                        )));
                    }
                }
            }
            '"' => {
                chars.next();
                out.push(Tok::Word {
                    text: quoted(&mut chars, '"')?,
                    quoted: true,
                });
            }
            '\'' => {
                chars.next();
                out.push(Tok::Single(quoted(&mut chars, '\'')?));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                        w.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Word {
                    text: w,
                    quoted: false,
                });
            }
            c => return Err(bad(format!("has \"{c}\", which it cannot contain"))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

fn keyword(t: Option<&Tok>, k: &str) -> bool {
    matches!(t, Some(Tok::Word { text, quoted: false }) if text.eq_ignore_ascii_case(k))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn or(&mut self, depth: usize) -> Result<Predicate> {
        let mut left = self.and(depth)?;
        while keyword(self.peek(), "or") {
            self.at += 1;
            left = Predicate::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }
    fn and(&mut self, depth: usize) -> Result<Predicate> {
        let mut left = self.term(depth)?;
        while keyword(self.peek(), "and") {
            self.at += 1;
            left = Predicate::And(Box::new(left), Box::new(self.term(depth)?));
        }
        Ok(left)
    }
    fn term(&mut self, depth: usize) -> Result<Predicate> {
        if depth > 32 {
            return Err(bad("nests parentheses too deeply"));
        }
        match self.next() {
            Some(Tok::Open) => {
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Tok::Close) => Ok(inner),
                    _ => Err(bad("has a ( without its )")),
                }
            }
            Some(Tok::Word { text: key, quoted }) => {
                if !quoted && (key.eq_ignore_ascii_case("and") || key.eq_ignore_ascii_case("or")) {
                    return Err(bad(format!("has {key} where a tag name should be")));
                }
                if key.eq_ignore_ascii_case("time") && !quoted {
                    return Err(bad("compares time: give the time range in from/to instead"));
                }
                let negated = match self.next() {
                    Some(Tok::Eq) => false,
                    Some(Tok::Ne) => true,
                    _ => return Err(bad(format!("needs = or != after {key}"))),
                };
                let value = match self.next() {
                    Some(Tok::Word { text, quoted: true }) | Some(Tok::Single(text)) => text,
                    Some(Tok::Word { text, .. }) => {
                        return Err(bad(format!(
                            "compares {key} with {text} unquoted: quote values, e.g. {key} = \"{text}\""
                        )));
                    }
                    _ => return Err(bad(format!("needs a quoted value after {key}"))),
                };
                Ok(Predicate::Cmp {
                    key,
                    negated,
                    value,
                })
            }
            _ => Err(bad("is incomplete")),
        }
    }
}

impl Predicate {
    /// Parse `s`; an empty text is no predicate.
    pub fn parse(s: &str) -> Result<Option<Predicate>> {
        let toks = lex(s)?;
        if toks.is_empty() {
            return Ok(None);
        }
        let mut p = Parser { toks, at: 0 };
        let tree = p.or(0)?;
        if let Some(t) = p.peek() {
            return Err(bad(format!(
                "has something unexpected after a comparison ({t:?}): join comparisons with AND or OR"
            )));
        }
        Ok(Some(tree))
    }

    /// The tag keys it compares, in order of appearance.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Predicate::Cmp { key, .. } => vec![key.as_str()],
            Predicate::And(a, b) | Predicate::Or(a, b) => {
                let mut k = a.keys();
                k.extend(b.keys());
                k
            }
        }
    }

    /// InfluxQL (`"host" = 'a' AND ...`), parenthesized as parsed.
    pub fn influxql(&self) -> String {
        match self {
            Predicate::Cmp {
                key,
                negated,
                value,
            } => format!(
                "{} {} {}",
                quote_ident(key),
                if *negated { "!=" } else { "=" },
                influxql_str(value)
            ),
            Predicate::And(a, b) => format!("{} AND {}", a.influxql_group(), b.influxql_group()),
            Predicate::Or(a, b) => format!("{} OR {}", a.influxql_group(), b.influxql_group()),
        }
    }

    fn influxql_group(&self) -> String {
        match self {
            Predicate::Cmp { .. } => self.influxql(),
            _ => format!("({})", self.influxql()),
        }
    }

    /// The InfluxDB 2.x delete predicate (`host="a" AND ...`); 2.x has no OR there.
    pub fn v2(&self) -> Result<String> {
        match self {
            Predicate::Cmp {
                key,
                negated,
                value,
            } => {
                if key.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    return Err(Error::invalid(format!(
                        "InfluxDB 2.x delete predicates cannot name the tag \"{key}\" (only \
                         letters, digits and _)"
                    )));
                }
                Ok(format!(
                    "{key}{}\"{}\"",
                    if *negated { "!=" } else { "=" },
                    value.replace('\\', "\\\\").replace('"', "\\\"")
                ))
            }
            Predicate::And(a, b) => Ok(format!("({}) AND ({})", a.v2()?, b.v2()?)),
            Predicate::Or(..) => Err(Error::invalid(
                "InfluxDB 2.x deletes cannot use OR: delete each alternative separately",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn p(s: &str) -> Predicate {
        Predicate::parse(s).unwrap().unwrap()
    }

    #[test]
    fn predicates_parse_and_render() {
        assert_eq!(p("host = \"a\"").influxql(), "\"host\" = 'a'");
        assert_eq!(
            p("host = 'a' and (dc != \"x\" OR dc <> 'y')").influxql(),
            "\"host\" = 'a' AND (\"dc\" != 'x' OR \"dc\" != 'y')"
        );
        assert_eq!(
            p("\"my tag\" = \"it's \\\"q\\\"\"").influxql(),
            "\"my tag\" = 'it\\'s \"q\"'"
        );
        assert_eq!(
            p("host = \"a\" AND dc != \"x\"").v2().unwrap(),
            "(host=\"a\") AND (dc!=\"x\")"
        );
        assert_eq!(
            p("a = \"1\" or b = \"2\" and c = \"3\"").keys(),
            ["a", "b", "c"]
        );
        assert_eq!(Predicate::parse("  ").unwrap(), None);
        assert_eq!(
            p("a = \"1\" OR b = \"2\"").v2().unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn bad_predicates_are_refused_with_help() {
        for bad in [
            "host",
            "host = a",
            "host > \"a\"",
            "host = \"a",
            "(host = \"a\"",
            "host = \"a\" dc = \"b\"",
            "time > \"2020\"",
            "host =~ /a/",
            "host = \"a\"; DROP DATABASE x",
            "AND = \"a\"",
            &"(".repeat(40),
        ] {
            let e = Predicate::parse(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad}");
            assert!(
                e.message().contains("host = \"a\""),
                "{bad}: {}",
                e.message()
            );
        }
    }
}
