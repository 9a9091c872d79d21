//! Line-by-line validation of input of any size, checking each line once: [`Validator::check`]
//! (borrowed bytes, no allocation per line: the file import's path) and [`Validator::line`]
//! (which also gives the parsed point: the preview, CSV rows). Field types are kept in a
//! small table keyed by a hash of (measurement, field), so a field seen before costs a hash
//! and a comparison, never a cloned key.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::scan::{self, FieldAt};
use super::{MAX_REPORTED, Point, parse_line, type_name};
use crate::error::{Error, Result};

/// Line numbers kept per field type, to name where a conflict is.
const LINES_KEPT: usize = 5;

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

/// What [`Validator::check`] made of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Blank or a comment: not a point.
    Skip,
    /// A good point (`true`: it has a timestamp).
    Point(bool),
    /// A bad line (recorded with its number and reason).
    Bad,
}

/// The hash of a table key is its own hash.
#[derive(Default)]
struct Passthrough(u64);

impl Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FxHash's step over 8 bytes at a time, seeded with `h`.
fn hash(mut h: u64, b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    (h.rotate_left(5) ^ b.len() as u64).wrapping_mul(K)
}

/// `a == b` for the short keys of a line, inline (no call into `memcmp`): words that may
/// overlap in the middle, a whole word or two for most keys.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let w4 = |s: &[u8], i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[i..i + 4]);
        u32::from_le_bytes(w)
    };
    match n {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        _ => {
            let mut i = 0;
            while i + 8 < n {
                if w8(a, i) != w8(b, i) {
                    return false;
                }
                i += 8;
            }
            w8(a, n - 8) == w8(b, n - 8)
        }
    }
}

/// One field of one measurement and the types it was given.
#[derive(Debug)]
struct Slot {
    measurement: String,
    field: String,
    uses: Vec<TypeUse>,
}

/// The fields seen, by (measurement, field).
#[derive(Debug, Default)]
struct Table {
    slots: Vec<Slot>,
    by_hash: HashMap<u64, usize, BuildHasherDefault<Passthrough>>,
    /// Keys whose hash another key had first (practically never).
    collided: HashMap<(String, String), usize>,
}

impl Table {
    fn slot(&mut self, h: u64, m: &str, f: &str) -> usize {
        if let Some(&i) = self.by_hash.get(&h) {
            let s = &self.slots[i];
            if s.measurement == m && s.field == f {
                return i;
            }
            let key = (m.to_string(), f.to_string());
            if let Some(&i) = self.collided.get(&key) {
                return i;
            }
            self.collided.insert(key, self.slots.len());
        } else {
            self.by_hash.insert(h, self.slots.len());
        }
        self.slots.push(Slot {
            measurement: m.to_string(),
            field: f.to_string(),
            uses: Vec::new(),
        });
        self.slots.len() - 1
    }

    fn record(&mut self, slot: usize, n: usize, kind: &'static str) {
        let uses = &mut self.slots[slot].uses;
        // Kinds are the same few literals: their addresses settle it first.
        match uses
            .iter_mut()
            .find(|u| std::ptr::eq(u.kind, kind) || u.kind == kind)
        {
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
    table: Table,
    /// Reused per line by [`Validator::check`].
    fields: Vec<FieldAt>,
    /// The slots of the previous good line's fields, by position (all of its measurement):
    /// a line like the one before it finds its fields without hashing.
    last: Vec<usize>,
    names: (String, String),
}

/// The line without leading whitespace and its line ending; `None` for a blank line or a
/// comment.
fn content(raw: &str) -> Option<&str> {
    let line = match raw.as_bytes().first() {
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => raw,
        _ => raw.trim_start(),
    };
    let mut end = line.len();
    while end > 0 && matches!(line.as_bytes()[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    let line = &line[..end];
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    Some(line)
}

impl Validator {
    /// Check line `n` (1-based; the bytes without their line ending are fine either way),
    /// allocating nothing for a good line.
    pub fn check(&mut self, n: usize, raw: &[u8]) -> Checked {
        let Ok(text) = std::str::from_utf8(raw) else {
            self.bad(n, "the line is not UTF-8 text".into());
            return Checked::Bad;
        };
        self.check_text(n, text)
    }

    /// [`Validator::check`] of a line known to be UTF-8 already (a block of lines checked
    /// at once).
    pub fn check_text(&mut self, n: usize, text: &str) -> Checked {
        let Some(line) = content(text) else {
            return Checked::Skip;
        };
        let mut fields = std::mem::take(&mut self.fields);
        let out = match scan::scan(line, &mut fields) {
            Some(s) => {
                self.points += 1;
                if !s.timestamped {
                    self.without_timestamp += 1;
                }
                let m = &line[s.measurement.0..s.measurement.1];
                let (mut mname, mut fname) = std::mem::take(&mut self.names);
                let m = if s.escaped {
                    scan::unescape_into(m, &mut mname);
                    mname.as_str()
                } else {
                    m
                };
                let mut hm = None;
                // The previous line's slots hold for this one while its measurement and keys
                // are the same, position by position.
                let same_m = self.last.first().is_some_and(|&i| {
                    same(self.table.slots[i].measurement.as_bytes(), m.as_bytes())
                });
                for (j, f) in fields.iter().enumerate() {
                    let k = &line[f.key.0..f.key.1];
                    let k = if f.escaped {
                        scan::unescape_into(k, &mut fname);
                        fname.as_str()
                    } else {
                        k
                    };
                    let known = self.last.get(j).copied().filter(|&i| {
                        same_m && same(self.table.slots[i].field.as_bytes(), k.as_bytes())
                    });
                    let slot = match known {
                        Some(i) => i,
                        None => {
                            let hm = *hm.get_or_insert_with(|| hash(0, m.as_bytes()));
                            let i = self.table.slot(hash(hm, k.as_bytes()), m, k);
                            if j < self.last.len() {
                                self.last[j] = i;
                            } else {
                                self.last.push(i);
                            }
                            i
                        }
                    };
                    self.table.record(slot, n, f.kind);
                }
                // Every slot kept is of this line (so of one measurement).
                self.last.truncate(fields.len());
                self.names = (mname, fname);
                Checked::Point(s.timestamped)
            }
            None => {
                // The parser says what is wrong (a bad line only).
                let why = match parse_line(line) {
                    Err(why) => why,
                    Ok(_) => "the line could not be read as line protocol".into(),
                };
                self.bad(n, why);
                Checked::Bad
            }
        };
        self.fields = fields;
        out
    }

    /// Check line `n` (1-based; the text without its line ending is fine either way). A good
    /// line gives its point; a blank line, a comment or a bad line gives `None` (a bad one is
    /// recorded).
    pub fn line(&mut self, n: usize, raw: &str) -> Option<Point> {
        let line = content(raw)?;
        match parse_line(line) {
            Ok(p) => {
                self.points += 1;
                if p.timestamp.is_none() {
                    self.without_timestamp += 1;
                }
                let hm = hash(0, p.measurement.as_bytes());
                for (k, v) in &p.fields {
                    let slot = self.table.slot(hash(hm, k.as_bytes()), &p.measurement, k);
                    self.table.record(slot, n, type_name(v));
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
        self.bad_lines > 0 || self.table.slots.iter().any(|s| s.uses.len() > 1)
    }

    /// The measurements seen.
    pub fn measurements(&self) -> std::collections::BTreeSet<&str> {
        self.table
            .slots
            .iter()
            .map(|s| s.measurement.as_str())
            .collect()
    }

    /// The fields seen, with the types each was given.
    pub fn field_types(&self) -> impl Iterator<Item = (&str, &str, &[TypeUse])> {
        self.table
            .slots
            .iter()
            .map(|s| (s.measurement.as_str(), s.field.as_str(), s.uses.as_slice()))
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
        for (m, f, uses) in self.field_types() {
            if let [first, rest @ ..] = uses {
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
        if existing.is_empty() {
            return out;
        }
        for s in &self.table.slots {
            let key = (s.measurement.clone(), s.field.clone());
            let Some(have) = existing.get(&key) else {
                continue;
            };
            for u in s.uses.iter().filter(|u| u.kind != *have) {
                out.push(format!(
                    "field \"{}\" of measurement \"{}\" is {} on {}, but the target already \
                     holds it as {have}",
                    s.field,
                    s.measurement,
                    u.kind,
                    u.where_()
                ));
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_and_line_agree_and_keys_are_unescaped() {
        let input = "# c\n  m\\ x,t=1 a=1,b\\,c=\"s\" 5\n\nm\\ x a=2\nbad\n\u{a0}m a=1i\r\n";
        let (mut fast, mut slow) = (Validator::default(), Validator::default());
        let mut got = Vec::new();
        for (i, l) in input.split('\n').enumerate() {
            got.push(fast.check(i + 1, l.as_bytes()));
            slow.line(i + 1, l);
        }
        use Checked::*;
        assert_eq!(
            got,
            [
                Skip,
                Point(true),
                Skip,
                Point(false),
                Bad,
                Point(false),
                Skip
            ]
        );
        assert_eq!((fast.points, fast.without_timestamp), (3, 2));
        assert_eq!(fast.errors(), slow.errors());
        assert_eq!(fast.problems(), slow.problems());
        let mut fields: Vec<_> = fast
            .field_types()
            .map(|(m, f, u)| (m.to_string(), f.to_string(), u[0].kind, u[0].count))
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                ("m".into(), "a".into(), "integer", 1),
                ("m x".into(), "a".into(), "float", 2),
                ("m x".into(), "b,c".into(), "string", 1)
            ]
        );
        assert_eq!(fast.check(9, b"\xff v=1"), Bad);
    }

    #[test]
    fn a_slot_kept_by_position_is_never_another_measurements() {
        let mut v = Validator::default();
        for (n, l) in ["x a=1,b=1", "y c=1", "y c=1,b=\"s\""].iter().enumerate() {
            assert_eq!(v.check(n + 1, l.as_bytes()), Checked::Point(false));
        }
        assert_eq!(
            v.problems(),
            None,
            "x.b is a float, y.b a string: no conflict"
        );
        let mut t: Vec<_> = v
            .field_types()
            .map(|(m, f, u)| format!("{m}.{f}:{}", u[0].kind))
            .collect();
        t.sort();
        assert_eq!(t, ["x.a:float", "x.b:float", "y.b:string", "y.c:float"]);
    }

    #[test]
    fn same_compares_keys_of_every_length() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] = b'#';
                assert!(!same(&a, &b), "{n} {at}");
            }
            assert!(!same(&a, &a[..n.saturating_sub(1)]) || n == 0, "{n}");
        }
    }

    /// Lines near the grammar: good ones, and good ones with one special byte put in; some
    /// names are long, so lines cross the scanner's 64-byte blocks.
    fn lines() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        const N: &str = r#"([a-c]{1,3}|[a-c]{20,40}|[a-c]\\[ ,="\\][a-c]?)"#;
        const V: &str = r#"(-?[0-9]{1,4}(\.[0-9]{0,3})?|-?[0-9]{1,20}i|[0-9]{1,20}u|"[a ,=\\]{0,4}"|t|f|true|FALSE|1e[0-9]{1,3}|[a-z.]{1,3}|)"#;
        let good = format!(
            "{N}(,{N}={N}){{0,2}} {{1,2}}{N}={V}(,{N}={V}){{0,2}}( {{1,2}}-?[0-9]{{1,20}})? ?"
        );
        let re = |r: &str| proptest::string::string_regex(r).expect("a valid regex");
        let noisy = (re(&good), 0usize..160, re(r#"[ ,="\\a1]"#)).prop_map(|(mut l, at, c)| {
            l.insert_str(at.min(l.len()), &c);
            l
        });
        proptest::prop_oneof![
            re("[ab ,=\"\\\\0-9.eEiu+\\-tf#\t\u{b}\u{e9}]{0,24}"),
            re(&good),
            noisy,
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The allocation-free check accepts exactly what the parser accepts, with the same
        /// timestamps, field types and messages.
        #[test]
        fn check_matches_the_parser(line in lines()        ) {
            let (mut fast, mut slow) = (Validator::default(), Validator::default());
            let got = fast.check(1, line.as_bytes());
            let want = slow.line(1, &line);
            let expect = match &want {
                Some(p) => Checked::Point(p.timestamp.is_some()),
                None if slow.bad_lines() > 0 => Checked::Bad,
                None => Checked::Skip,
            };
            proptest::prop_assert_eq!(got, expect);
            proptest::prop_assert_eq!(fast.errors(), slow.errors());
            let types = |v: &Validator| {
                let mut t: Vec<(String, String, &str)> = v
                    .field_types()
                    .flat_map(|(m, f, u)| u.iter().map(move |u| (m.to_string(), f.to_string(), u.kind)))
                    .collect();
                t.sort();
                t
            };
            proptest::prop_assert_eq!(types(&fast), types(&slow));
        }
    }
}
