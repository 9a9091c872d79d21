//! Line protocol: a validator that checks a whole input, line by line and of any size, before
//! anything is sent (so a bad line or a field type conflict never causes a partial write), and
//! a builder that escapes names and values correctly.
//! Covers the syntax every InfluxDB generation accepts: `measurement[,tag=v...] field=v[,...]
//! [timestamp]` with floats, `i` integers, `u` unsigned, quoted strings and booleans.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::error::{Error, Result};

/// A field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Float(f64),
    Integer(i64),
    Unsigned(u64),
    String(String),
    Boolean(bool),
}

/// One parsed point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub measurement: String,
    pub tags: BTreeMap<String, String>,
    pub fields: Vec<(String, FieldValue)>,
    pub timestamp: Option<i64>,
}

/// Bad lines reported by number before the rest are summed up.
pub const MAX_REPORTED: usize = 20;
/// Line numbers kept per field type, to name where a conflict is.
const LINES_KEPT: usize = 5;

/// Parse every line; every bad line (up to [`MAX_REPORTED`]) fails the whole batch with its
/// line number, as does a field given two types. Blank lines and `#` comments are skipped.
pub fn parse_batch(text: &str) -> Result<Vec<Point>> {
    let mut v = Validator::default();
    let points: Vec<Point> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| v.line(i + 1, line))
        .collect();
    v.finish()?;
    Ok(points)
}

/// InfluxDB's name of a field value's type.
pub fn type_name(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float",
        FieldValue::Integer(_) => "integer",
        FieldValue::Unsigned(_) => "unsigned",
        FieldValue::String(_) => "string",
        FieldValue::Boolean(_) => "boolean",
    }
}

/// Where one type of one field is used: the first few line numbers and how many points.
#[derive(Debug, Clone)]
pub struct TypeUse {
    pub kind: &'static str,
    pub lines: Vec<usize>,
    pub count: usize,
}

impl TypeUse {
    /// "line 7", "lines 7, 9 and 12", "lines 7, 9, 12, 15, 20 and 95 more".
    pub fn where_(&self) -> String {
        let nums: Vec<String> = self.lines.iter().map(usize::to_string).collect();
        let more = self.count.saturating_sub(self.lines.len());
        match (nums.as_slice(), more) {
            ([one], 0) => format!("line {one}"),
            (all, 0) => match all.split_last() {
                Some((last, rest)) => format!("lines {} and {last}", rest.join(", ")),
                None => "no line".into(),
            },
            (all, more) => format!("lines {} and {more} more", all.join(", ")),
        }
    }
}

/// Line-by-line validation of input of any size: counts points, keeps every bad line's
/// number and reason (the first [`MAX_REPORTED`]), and which type each field of each
/// measurement takes on which lines, so a write can be refused whole before anything is sent:
/// for a syntax error, for a field given two types, or for a type the server's schema
/// already holds differently ([`Validator::schema_conflicts`]). Memory grows with the number
/// of distinct fields, not with the input.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<(usize, String)>,
    bad_lines: usize,
    /// Good points seen.
    pub points: usize,
    /// Good points without a timestamp (they get the server's clock).
    pub without_timestamp: usize,
    types: HashMap<(String, String), Vec<TypeUse>>,
}

impl Validator {
    /// Check line `n` (1-based; the text without its line ending is fine either way). A good
    /// line gives its point; a blank line, a comment or a bad line gives `None` (a bad one is
    /// recorded).
    pub fn line(&mut self, n: usize, raw: &str) -> Option<Point> {
        let line = raw.trim_start().trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            return None;
        }
        match parse_line(line) {
            Ok(p) => {
                self.points += 1;
                if p.timestamp.is_none() {
                    self.without_timestamp += 1;
                }
                for (k, v) in &p.fields {
                    let uses = self
                        .types
                        .entry((p.measurement.clone(), k.clone()))
                        .or_default();
                    let kind = type_name(v);
                    match uses.iter_mut().find(|u| u.kind == kind) {
                        Some(u) => {
                            u.count += 1;
                            if u.lines.len() < LINES_KEPT && u.lines.last() != Some(&n) {
                                u.lines.push(n);
                            }
                        }
                        None => uses.push(TypeUse {
                            kind,
                            lines: vec![n],
                            count: 1,
                        }),
                    }
                }
                Some(p)
            }
            Err(why) => self.bad(n, why),
        }
    }

    /// Record line `n` as bad (e.g. not UTF-8).
    pub fn bad(&mut self, n: usize, why: String) -> Option<Point> {
        self.bad_lines += 1;
        if self.errors.len() < MAX_REPORTED {
            self.errors.push((n, why));
        }
        None
    }

    /// The bad lines recorded (the first [`MAX_REPORTED`]): line number and what is wrong.
    pub fn errors(&self) -> &[(usize, String)] {
        &self.errors
    }

    /// How many lines were bad in all.
    pub fn bad_lines(&self) -> usize {
        self.bad_lines
    }

    /// Whether any line was bad or any field has two types.
    pub fn has_errors(&self) -> bool {
        self.bad_lines > 0 || self.types.values().any(|u| u.len() > 1)
    }

    /// The measurements seen.
    pub fn measurements(&self) -> std::collections::BTreeSet<&str> {
        self.types.keys().map(|(m, _)| m.as_str()).collect()
    }

    /// What is wrong with the input so far (bad lines, a field given two types), or `None`.
    pub fn problems(&self) -> Option<String> {
        if !self.errors.is_empty() {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(n, why)| format!("line {n}: {why}"))
                .collect();
            let more = self.bad_lines.saturating_sub(self.errors.len());
            let first = list.first().cloned().unwrap_or_default();
            return Some(format!(
                "line protocol error on {}{}. Expected `measurement[,tag=value...] \
                 field=value[,field2=value2...] [timestamp]`, e.g. `cpu,host=a usage=0.5 \
                 1700000000000000000`.",
                if list.len() == 1 {
                    first
                } else {
                    format!("{} lines: {}", self.bad_lines, list.join("; "))
                },
                if more > 0 {
                    format!("; and {more} more bad lines")
                } else {
                    String::new()
                }
            ));
        }
        let mut mixed: Vec<String> = Vec::new();
        for ((m, f), uses) in &self.types {
            if let [first, rest @ ..] = uses.as_slice() {
                for other in rest {
                    mixed.push(format!(
                        "field \"{f}\" of measurement \"{m}\" is {} in one point ({}) and {} in \
                         another ({})",
                        first.kind,
                        first.where_(),
                        other.kind,
                        other.where_()
                    ));
                }
            }
        }
        if mixed.is_empty() {
            return None;
        }
        mixed.sort();
        Some(format!(
            "field type conflict in the input: {}. InfluxDB keeps one type per field, and would \
             drop the points of the other type. Write integers with an `i` suffix everywhere, \
             or floats everywhere.",
            mixed.join("; ")
        ))
    }

    /// Fail when a line was bad, a field has two types in the input, or there were no points.
    pub fn finish(&self) -> Result<()> {
        if let Some(p) = self.problems() {
            return Err(Error::invalid(format!("{p} Nothing was written.")));
        }
        if self.points == 0 {
            return Err(Error::invalid(
                "no points to write: the input has no line protocol lines",
            ));
        }
        Ok(())
    }

    /// The fields whose type differs from the type `existing` says the target already holds
    /// (keyed by measurement and field, valued by InfluxDB's type name), one sentence each with
    /// the line numbers, sorted. Empty when the write fits the schema.
    pub fn schema_conflicts(
        &self,
        existing: &HashMap<(String, String), &'static str>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (key, uses) in &self.types {
            let Some(have) = existing.get(key) else {
                continue;
            };
            for u in uses.iter().filter(|u| u.kind != *have) {
                out.push(format!(
                    "field \"{}\" of measurement \"{}\" is {} on {}, but the target already \
                     holds it as {have}",
                    key.1,
                    key.0,
                    u.kind,
                    u.where_()
                ));
            }
        }
        out.sort();
        out
    }
}

/// Split on `sep` outside quotes and not escaped by a backslash.
fn split_unescaped(s: &str, sep: char, respect_quotes: bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut escaped, mut quoted) = (0, false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if respect_quotes => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && matches!(n, ',' | ' ' | '=' | '"' | '\\')
        {
            out.push(n);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

fn parse_line(line: &str) -> std::result::Result<Point, String> {
    // Sections are separated by unescaped spaces outside quoted field strings.
    let sections = split_unescaped(line, ' ', true);
    let sections: Vec<&str> = sections.into_iter().filter(|s| !s.is_empty()).collect();
    let (series, fields, ts) = match sections.as_slice() {
        [s, f] => (*s, *f, None),
        [s, f, t] => (*s, *f, Some(*t)),
        [_] => return Err("no fields: a point needs at least one field, e.g. `value=1`".into()),
        _ => return Err("too many spaces: escape spaces in names as `\\ `".into()),
    };
    let mut parts = split_unescaped(series, ',', false).into_iter();
    let measurement = unescape(parts.next().unwrap_or_default());
    if measurement.is_empty() {
        return Err("missing measurement name".into());
    }
    let mut tags = BTreeMap::new();
    for tag in parts {
        let kv = split_unescaped(tag, '=', false);
        match kv.as_slice() {
            [k, v] if !k.is_empty() && !v.is_empty() => {
                tags.insert(unescape(k), unescape(v));
            }
            _ => {
                return Err(format!(
                    "bad tag `{tag}`: tags are key=value with both non-empty"
                ));
            }
        }
    }
    let mut out_fields = Vec::new();
    for field in split_unescaped(fields, ',', true) {
        let Some(eq) = find_unescaped_eq(field) else {
            return Err(format!("bad field `{field}`: fields are key=value"));
        };
        let (k, v) = (&field[..eq], &field[eq + 1..]);
        if k.is_empty() {
            return Err(format!("bad field `{field}`: empty field key"));
        }
        out_fields.push((unescape(k), parse_field_value(v)?));
    }
    let timestamp = match ts {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| format!("bad timestamp `{t}`: it must be an integer (epoch)"))?,
        ),
    };
    Ok(Point {
        measurement,
        tags,
        fields: out_fields,
        timestamp,
    })
}

fn find_unescaped_eq(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '=' => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_field_value(v: &str) -> std::result::Result<FieldValue, String> {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        return Ok(FieldValue::String(unescape(&v[1..v.len() - 1])));
    }
    match v {
        "t" | "T" | "true" | "True" | "TRUE" => return Ok(FieldValue::Boolean(true)),
        "f" | "F" | "false" | "False" | "FALSE" => return Ok(FieldValue::Boolean(false)),
        _ => {}
    }
    if let Some(n) = v.strip_suffix('i') {
        return n
            .parse()
            .map(FieldValue::Integer)
            .map_err(|_| format!("bad integer `{v}`"));
    }
    if let Some(n) = v.strip_suffix('u') {
        return n
            .parse()
            .map(FieldValue::Unsigned)
            .map_err(|_| format!("bad unsigned `{v}`"));
    }
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(FieldValue::Float(f)),
        _ => Err(format!(
            "bad field value `{v}`: use a number (1.5), an integer (1i), a quoted string (\"x\") \
             or a boolean (true)"
        )),
    }
}

fn escape_into(out: &mut String, s: &str, specials: &[char]) {
    for c in s.chars() {
        if specials.contains(&c) || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
}

impl Point {
    /// Encode as one line of line protocol (no trailing newline).
    pub fn to_line(&self) -> String {
        let mut s = String::new();
        escape_into(&mut s, &self.measurement, &[',', ' ']);
        for (k, v) in &self.tags {
            s.push(',');
            escape_into(&mut s, k, &[',', ' ', '=']);
            s.push('=');
            escape_into(&mut s, v, &[',', ' ', '=']);
        }
        s.push(' ');
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            escape_into(&mut s, k, &[',', ' ', '=']);
            s.push('=');
            match v {
                FieldValue::Float(f) => {
                    let _ = write!(s, "{f:?}");
                }
                FieldValue::Integer(n) => {
                    let _ = write!(s, "{n}i");
                }
                FieldValue::Unsigned(n) => {
                    let _ = write!(s, "{n}u");
                }
                FieldValue::Boolean(b) => s.push_str(if *b { "true" } else { "false" }),
                FieldValue::String(v) => {
                    s.push('"');
                    escape_into(&mut s, v, &['"']);
                    s.push('"');
                }
            }
        }
        if let Some(t) = self.timestamp {
            let _ = write!(s, " {t}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_field_types_and_escapes() {
        let pts = parse_batch(
            "# comment\nweather\\ station,city=New\\ York,k\\=x=v temp=21.5,count=3i,big=7u,\
             ok=true,note=\"hi, \\\"there\\\" x=1\" 1700000000000000000\n\ncpu v=1",
        )
        .unwrap();
        assert_eq!(pts.len(), 2);
        let p = &pts[0];
        assert_eq!(p.measurement, "weather station");
        assert_eq!(p.tags["city"], "New York");
        assert_eq!(p.tags["k=x"], "v");
        assert_eq!(p.fields[0], ("temp".into(), FieldValue::Float(21.5)));
        assert_eq!(p.fields[1], ("count".into(), FieldValue::Integer(3)));
        assert_eq!(p.fields[2], ("big".into(), FieldValue::Unsigned(7)));
        assert_eq!(p.fields[3], ("ok".into(), FieldValue::Boolean(true)));
        assert_eq!(
            p.fields[4],
            (
                "note".into(),
                FieldValue::String("hi, \"there\" x=1".into())
            )
        );
        assert_eq!(p.timestamp, Some(1_700_000_000_000_000_000));
        assert_eq!(pts[1].timestamp, None);
    }

    #[test]
    fn bad_lines_name_the_line_and_say_nothing_was_written() {
        for (input, why) in [
            ("cpu", "no fields"),
            ("cpu v=abc", "bad field value"),
            ("cpu,host v=1", "bad tag"),
            ("cpu v=1 12:00", "bad timestamp"),
            ("cpu v=1.5i", "bad integer"),
        ] {
            let e = parse_batch(&format!("ok v=1\n{input}")).unwrap_err();
            assert!(e.message().contains("line 2"), "{input}: {}", e.message());
            assert!(e.message().contains(why), "{input}: {}", e.message());
            assert!(e.message().contains("Nothing was written"));
        }
        assert!(
            parse_batch("\n# only a comment\n").is_err(),
            "empty batch is refused"
        );
        let e = parse_batch("cpu v=1.5\ncpu v=2i").unwrap_err();
        assert!(
            e.message()
                .contains("is float in one point (line 1) and integer in another (line 2)"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn every_bad_line_is_named_and_counted() {
        let mut input = String::from("ok v=1\n");
        for _ in 0..(MAX_REPORTED + 5) {
            input.push_str("bad\n");
        }
        let e = parse_batch(&input).unwrap_err();
        let msg = e.message();
        assert!(msg.contains("25 lines: line 2: no fields"), "{msg}");
        assert!(msg.contains("line 21: no fields"), "{msg}");
        assert!(
            !msg.contains("line 22:"),
            "only the first 20 are listed: {msg}"
        );
        assert!(msg.contains("and 5 more bad lines"), "{msg}");
    }

    #[test]
    fn conflicts_with_the_schema_name_their_lines() {
        let mut v = Validator::default();
        let input = "m a=1,b=\"x\" 1\nm a=2 2\n# c\nm a=3 3\nm a=4 4\nm a=5 5\nm a=6 6\nn a=1i";
        for (i, l) in input.lines().enumerate() {
            v.line(i + 1, l);
        }
        v.finish().unwrap();
        assert_eq!((v.points, v.without_timestamp), (7, 1));
        assert_eq!(
            v.measurements().into_iter().collect::<Vec<_>>(),
            vec!["m", "n"]
        );
        let existing: HashMap<(String, String), &'static str> = [
            (("m".to_string(), "a".to_string()), "integer"),
            (("m".to_string(), "b".to_string()), "string"),
            (("n".to_string(), "a".to_string()), "integer"),
        ]
        .into();
        assert_eq!(
            v.schema_conflicts(&existing),
            vec![
                "field \"a\" of measurement \"m\" is float on lines 1, 2, 4, 5, 6 and 1 more, \
                 but the target already holds it as integer"
                    .to_string()
            ],
            "the first five lines and a count of the rest"
        );
    }

    #[test]
    fn builder_round_trips_through_the_parser() {
        let p = Point {
            measurement: "m, x".into(),
            tags: [("t=1".to_string(), "a b".to_string())].into(),
            fields: vec![
                ("f".into(), FieldValue::Float(1.0)),
                ("s".into(), FieldValue::String("q\"uote\\".into())),
                ("i".into(), FieldValue::Integer(-4)),
            ],
            timestamp: Some(5),
        };
        let back = parse_batch(&p.to_line()).unwrap();
        assert_eq!(back, vec![p]);
    }
}
