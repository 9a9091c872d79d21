//! Line protocol: a validator that checks a whole input, line by line and of any size, before
//! anything is sent (so a bad line or a field type conflict never causes a partial write), and
//! a builder that escapes names and values correctly.
//! Covers the syntax every InfluxDB generation accepts: `measurement[,tag=v...] field=v[,...]
//! [timestamp]` with floats, `i` integers, `u` unsigned, quoted strings and booleans.

mod bits;
mod plain;
mod scan;
mod validate;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::Result;
pub(crate) use bits::Finder;
pub use scan::has_timestamp;
pub use validate::{Checked, TypeUse, Validator};

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

pub(crate) fn parse_line(line: &str) -> std::result::Result<Point, String> {
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
    use std::collections::HashMap;

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
