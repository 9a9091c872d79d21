//! Typed storage for a result column ([`Values`]): times as epoch nanoseconds, numbers and
//! booleans in vectors of their own type, text in one buffer per column. Values that disagree
//! with a column's storage never lose anything: integers and floats together keep each
//! number's own spelling ([`Values::Number`]), anything else falls back to JSON values
//! ([`Values::Mixed`]). A column serializes exactly as the JSON array of its values did before
//! (times as RFC 3339 UTC text with 0, 3, 6 or 9 fraction digits, numbers as serde_json
//! writes them, null for absent values), so the UI, MCP results and the CLI see the same JSON.
//! [`Cell`] is one value read in place, the borrowed form of what [`Values::value`] returns.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::{Number, Value};

use super::ColumnType;
use crate::influx::parse::{ns_to_rfc3339, parse_time_ns, rfc3339_in};

/// A number as JSON gave it: integers stay integers (`1` is not `1.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    /// Above `i64::MAX` only (smaller ones are `Int`, as serde_json reads them).
    UInt(u64),
    /// Finite.
    Float(f64),
}

impl Num {
    fn from_u64(u: u64) -> Num {
        i64::try_from(u).map_or(Num::UInt(u), Num::Int)
    }
    fn cell<'a>(self) -> Cell<'a> {
        match self {
            Num::Int(i) => Cell::Integer(i),
            Num::UInt(u) => Cell::Unsigned(u),
            Num::Float(f) => Cell::Float(f),
        }
    }
}

/// Where a text cell's bytes are in [`Strings::buf`]; `start > end` is null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

const NULL_SPAN: Span = Span {
    start: usize::MAX,
    end: 0,
};

/// Text cells in one buffer: no allocation per cell, and a value equal to the one above
/// (a tag on consecutive rows) is stored once.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    buf: String,
    spans: Vec<Span>,
}

impl Strings {
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    /// Cell `i` (`None` when null or past the end).
    pub fn get(&self, i: usize) -> Option<&str> {
        let s = self.spans.get(i)?;
        self.buf.get(s.start..s.end)
    }
    pub fn push(&mut self, s: Option<&str>) {
        let span = match s {
            None => NULL_SPAN,
            Some(s) => match self.spans.last() {
                Some(&last) if self.buf.get(last.start..last.end) == Some(s) => last,
                _ => {
                    let start = self.buf.len();
                    self.buf.push_str(s);
                    Span {
                        start,
                        end: self.buf.len(),
                    }
                }
            },
        };
        self.spans.push(span);
    }
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.spans.iter().map(|s| self.buf.get(s.start..s.end))
    }
    fn nulls(n: usize) -> Strings {
        Strings {
            buf: String::new(),
            spans: vec![NULL_SPAN; n],
        }
    }
}

/// One cell, read in place: what [`Values::value`] gives as JSON, with times as nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    /// Epoch nanoseconds (JSON: RFC 3339 UTC text).
    Time(i64),
    /// Finite.
    Float(f64),
    Integer(i64),
    /// Above `i64::MAX` only: smaller unsigned values read as `Integer`, as in JSON.
    Unsigned(u64),
    Boolean(bool),
    String(&'a str),
    /// An array or object a server put in a cell.
    Other(&'a Value),
}

impl<'a> Cell<'a> {
    /// The cell of a JSON value.
    pub fn of(v: &'a Value) -> Cell<'a> {
        match v {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Boolean(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Cell::Integer(i),
                (None, Some(u)) => Cell::Unsigned(u),
                _ => Cell::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => Cell::String(s),
            other => Cell::Other(other),
        }
    }

    pub fn is_null(self) -> bool {
        self == Cell::Null
    }

    /// The JSON value (times as RFC 3339 text).
    pub fn to_value(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Time(ns) => Value::String(ns_to_rfc3339(ns)),
            Cell::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Cell::Integer(i) => Value::from(i),
            Cell::Unsigned(u) => Value::from(u),
            Cell::Boolean(b) => Value::Bool(b),
            Cell::String(s) => Value::String(s.to_string()),
            Cell::Other(v) => v.clone(),
        }
    }

    /// A number as f64 (not booleans, not text).
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Cell::Float(f) => Some(f),
            Cell::Integer(i) => Some(i as f64),
            Cell::Unsigned(u) => Some(u as f64),
            _ => None,
        }
    }

    pub fn as_i64(self) -> Option<i64> {
        match self {
            Cell::Integer(i) => Some(i),
            _ => None,
        }
    }

    /// A non-negative integer.
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Cell::Integer(i) => u64::try_from(i).ok(),
            Cell::Unsigned(u) => Some(u),
            _ => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self {
            Cell::Boolean(b) => Some(b),
            _ => None,
        }
    }

    /// Text cells (not times: see [`Cell::text`]).
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Cell::String(s) => Some(s),
            _ => None,
        }
    }

    /// Epoch nanoseconds of a time cell, of RFC 3339 text, or of an integer.
    pub fn time_ns(self) -> Option<i64> {
        match self {
            Cell::Time(ns) | Cell::Integer(ns) => Some(ns),
            Cell::String(s) => parse_time_ns(s),
            _ => None,
        }
    }

    /// The cell as text for people and CSV: "" for null, text as it is, anything else as
    /// its JSON.
    pub fn text(self) -> Cow<'a, str> {
        match self {
            Cell::Null => Cow::Borrowed(""),
            Cell::String(s) => Cow::Borrowed(s),
            Cell::Time(ns) => Cow::Owned(ns_to_rfc3339(ns)),
            Cell::Integer(i) => Cow::Owned(i.to_string()),
            Cell::Unsigned(u) => Cow::Owned(u.to_string()),
            Cell::Boolean(b) => Cow::Borrowed(if b { "true" } else { "false" }),
            other => Cow::Owned(other.to_value().to_string()),
        }
    }

    /// The column type of this value as it reads in JSON (`Unknown` for null).
    fn json_kind(self) -> ColumnType {
        match self {
            Cell::Null => ColumnType::Unknown,
            Cell::Float(_) => ColumnType::Float,
            Cell::Integer(_) => ColumnType::Integer,
            Cell::Unsigned(_) => ColumnType::Unsigned,
            Cell::Boolean(_) => ColumnType::Boolean,
            Cell::Time(_) | Cell::String(_) | Cell::Other(_) => ColumnType::String,
        }
    }

    /// Same JSON (a time equals its RFC 3339 text).
    fn same(self, other: Cell) -> bool {
        match (self, other) {
            (Cell::Time(ns), Cell::String(s)) | (Cell::String(s), Cell::Time(ns)) => {
                rfc3339_in(ns, &mut [0; 32]) == s
            }
            (Cell::Other(a), b) | (b, Cell::Other(a)) => *a == b.to_value(),
            (a, b) => a == b,
        }
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Null => s.serialize_unit(),
            Cell::Time(ns) => s.serialize_str(rfc3339_in(ns, &mut [0; 32])),
            Cell::Float(f) => s.serialize_f64(f),
            Cell::Integer(i) => s.serialize_i64(i),
            Cell::Unsigned(u) => s.serialize_u64(u),
            Cell::Boolean(b) => s.serialize_bool(b),
            Cell::String(t) => s.serialize_str(t),
            Cell::Other(v) => v.serialize(s),
        }
    }
}

/// A column's values, row by row, stored by type (see the module doc).
#[derive(Debug, Clone)]
pub enum Values {
    /// Epoch nanoseconds.
    Time(Vec<Option<i64>>),
    /// Finite floats.
    Float(Vec<Option<f64>>),
    Integer(Vec<Option<i64>>),
    /// Any u64 (a column the server typed unsigned).
    Unsigned(Vec<Option<u64>>),
    /// Integers and floats in one column, each kept as it was spelled (InfluxDB 1.x writes a
    /// float 1.0 as `1`).
    Number(Vec<Option<Num>>),
    Boolean(Vec<Option<bool>>),
    String(Strings),
    /// Values of several kinds (text and numbers, a time column with text that is not a
    /// time, arrays): JSON values as they came.
    Mixed(Vec<Value>),
}

impl Default for Values {
    /// No values yet, of no type yet: the first value that is not null sets the storage.
    fn default() -> Self {
        Values::Float(Vec::new())
    }
}

impl From<Vec<Value>> for Values {
    /// Stored by type as if pushed one by one.
    fn from(values: Vec<Value>) -> Self {
        values.into_iter().collect()
    }
}

impl FromIterator<Value> for Values {
    fn from_iter<I: IntoIterator<Item = Value>>(values: I) -> Self {
        let mut out = Values::default();
        for v in values {
            out.push_value(v);
        }
        out
    }
}

/// The storage matching `v`'s first non-null value, with `n` nulls.
enum Want {
    Time,
    Float,
    Integer,
    Unsigned,
    Boolean,
    String,
}

impl Values {
    /// Empty storage for a column the server declared of type `kind`.
    pub fn with_kind(kind: ColumnType) -> Values {
        match kind {
            ColumnType::Time => Values::Time(Vec::new()),
            ColumnType::Float | ColumnType::Unknown => Values::Float(Vec::new()),
            ColumnType::Integer => Values::Integer(Vec::new()),
            ColumnType::Unsigned => Values::Unsigned(Vec::new()),
            ColumnType::Boolean => Values::Boolean(Vec::new()),
            ColumnType::String => Values::String(Strings::default()),
        }
    }

    /// `n` nulls.
    pub fn nulls(n: usize) -> Values {
        Values::Float(vec![None; n])
    }

    /// JSON values kept as they are (no typed storage): what the old model held.
    pub fn mixed(values: Vec<Value>) -> Values {
        Values::Mixed(values)
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Time(v) | Values::Integer(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Unsigned(v) => v.len(),
            Values::Number(v) => v.len(),
            Values::Boolean(v) => v.len(),
            Values::String(v) => v.len(),
            Values::Mixed(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, read in place (`None` past the end).
    pub fn get(&self, i: usize) -> Option<Cell<'_>> {
        Some(match self {
            Values::Time(v) => v.get(i)?.map_or(Cell::Null, Cell::Time),
            Values::Float(v) => v.get(i)?.map_or(Cell::Null, Cell::Float),
            Values::Integer(v) => v.get(i)?.map_or(Cell::Null, Cell::Integer),
            Values::Unsigned(v) => v.get(i)?.map_or(Cell::Null, |u| Num::from_u64(u).cell()),
            Values::Number(v) => v.get(i)?.map_or(Cell::Null, Num::cell),
            Values::Boolean(v) => v.get(i)?.map_or(Cell::Null, Cell::Boolean),
            Values::String(v) => {
                if i >= v.len() {
                    return None;
                }
                v.get(i).map_or(Cell::Null, Cell::String)
            }
            Values::Mixed(v) => Cell::of(v.get(i)?),
        })
    }

    pub fn first(&self) -> Option<Cell<'_>> {
        self.get(0)
    }

    /// Row `i` as JSON (null past the end): for code that is not on a hot path.
    pub fn value(&self, i: usize) -> Value {
        self.get(i).map_or(Value::Null, Cell::to_value)
    }

    /// Every row, read in place.
    pub fn iter(&self) -> Cells<'_> {
        Cells {
            values: self,
            rows: 0..self.len(),
        }
    }

    /// Every row as JSON.
    pub fn to_vec(&self) -> Vec<Value> {
        self.iter().map(Cell::to_value).collect()
    }

    /// Every row as JSON, moving what can be moved.
    pub fn into_vec(self) -> Vec<Value> {
        match self {
            Values::Mixed(v) => v,
            other => other.to_vec(),
        }
    }

    /// The type the values have as JSON: the one kind of all non-null values, floats with
    /// integers as float, `String` for any other mix, `Unknown` when all are null.
    pub fn kind(&self) -> ColumnType {
        let some = |any: bool, k| if any { k } else { ColumnType::Unknown };
        match self {
            Values::Float(v) => some(v.iter().any(Option::is_some), ColumnType::Float),
            Values::Integer(v) => some(v.iter().any(Option::is_some), ColumnType::Integer),
            Values::Boolean(v) => some(v.iter().any(Option::is_some), ColumnType::Boolean),
            Values::Time(v) => some(v.iter().any(Option::is_some), ColumnType::String),
            Values::String(v) => some(v.spans.iter().any(|s| s.start <= s.end), ColumnType::String),
            _ => self
                .iter()
                .fold(ColumnType::Unknown, |k, c| join_kinds(k, c.json_kind())),
        }
    }

    fn all_null(&self) -> bool {
        self.iter().all(Cell::is_null)
    }

    /// Storage that takes a value of kind `want` (after `n` rows).
    fn make_room(&mut self, want: Want) {
        let n = self.len();
        if self.all_null() {
            *self = match want {
                Want::Time => Values::Time(vec![None; n]),
                Want::Float => Values::Float(vec![None; n]),
                Want::Integer => Values::Integer(vec![None; n]),
                Want::Unsigned => Values::Unsigned(vec![None; n]),
                Want::Boolean => Values::Boolean(vec![None; n]),
                Want::String => Values::String(Strings::nulls(n)),
            };
            return;
        }
        let numeric = matches!(want, Want::Float | Want::Integer | Want::Unsigned);
        *self = match std::mem::take(self) {
            Values::Float(v) if numeric => {
                Values::Number(v.into_iter().map(|x| x.map(Num::Float)).collect())
            }
            Values::Integer(v) if numeric => {
                Values::Number(v.into_iter().map(|x| x.map(Num::Int)).collect())
            }
            Values::Unsigned(v) if numeric => {
                Values::Number(v.into_iter().map(|x| x.map(Num::from_u64)).collect())
            }
            other => Values::Mixed(other.into_vec()),
        };
    }

    pub fn push_null(&mut self) {
        match self {
            Values::Time(v) | Values::Integer(v) => v.push(None),
            Values::Float(v) => v.push(None),
            Values::Unsigned(v) => v.push(None),
            Values::Number(v) => v.push(None),
            Values::Boolean(v) => v.push(None),
            Values::String(v) => v.push(None),
            Values::Mixed(v) => v.push(Value::Null),
        }
    }

    /// A time (epoch nanoseconds).
    pub fn push_time(&mut self, ns: i64) {
        match self {
            Values::Time(v) => v.push(Some(ns)),
            Values::Mixed(v) => v.push(Value::String(ns_to_rfc3339(ns))),
            _ => {
                self.make_room(Want::Time);
                self.push_time(ns);
            }
        }
    }

    /// A float; one that is not finite is null (JSON has no NaN).
    pub fn push_f64(&mut self, f: f64) {
        if !f.is_finite() {
            return self.push_null();
        }
        match self {
            Values::Float(v) => v.push(Some(f)),
            Values::Number(v) => v.push(Some(Num::Float(f))),
            Values::Mixed(v) => v.push(Value::from(f)),
            _ => {
                self.make_room(Want::Float);
                self.push_f64(f);
            }
        }
    }

    pub fn push_i64(&mut self, i: i64) {
        match self {
            Values::Integer(v) => v.push(Some(i)),
            Values::Number(v) => v.push(Some(Num::Int(i))),
            Values::Mixed(v) => v.push(Value::from(i)),
            _ => {
                self.make_room(Want::Integer);
                self.push_i64(i);
            }
        }
    }

    pub fn push_u64(&mut self, u: u64) {
        match (self, i64::try_from(u)) {
            (Values::Unsigned(v), _) => v.push(Some(u)),
            (Values::Integer(v), Ok(i)) => v.push(Some(i)),
            (Values::Number(v), _) => v.push(Some(Num::from_u64(u))),
            (Values::Mixed(v), _) => v.push(Value::from(u)),
            (this, Ok(i)) => {
                this.make_room(Want::Integer);
                this.push_i64(i);
            }
            (this, Err(_)) => {
                this.make_room(Want::Unsigned);
                this.push_u64(u);
            }
        }
    }

    pub fn push_bool(&mut self, b: bool) {
        match self {
            Values::Boolean(v) => v.push(Some(b)),
            Values::Mixed(v) => v.push(Value::Bool(b)),
            _ => {
                self.make_room(Want::Boolean);
                self.push_bool(b);
            }
        }
    }

    pub fn push_str(&mut self, s: &str) {
        match self {
            Values::String(v) => v.push(Some(s)),
            Values::Mixed(v) => v.push(Value::String(s.to_string())),
            _ => {
                self.make_room(Want::String);
                self.push_str(s);
            }
        }
    }

    /// A JSON value, stored by its type.
    pub fn push_value(&mut self, v: Value) {
        match v {
            Value::Null => self.push_null(),
            Value::Bool(b) => self.push_bool(b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => self.push_i64(i),
                (None, Some(u), _) => self.push_u64(u),
                (None, None, Some(f)) => self.push_f64(f),
                _ => self.push_null(),
            },
            Value::String(s) => match self {
                Values::Mixed(m) => m.push(Value::String(s)),
                _ => self.push_str(&s),
            },
            other => {
                if !matches!(self, Values::Mixed(_)) {
                    *self = Values::Mixed(std::mem::take(self).into_vec());
                }
                if let Values::Mixed(m) = self {
                    m.push(other);
                }
            }
        }
    }

    /// A cell read from another column.
    pub fn push_cell(&mut self, c: Cell) {
        match c {
            Cell::Null => self.push_null(),
            Cell::Time(ns) => self.push_time(ns),
            Cell::Float(f) => self.push_f64(f),
            Cell::Integer(i) => self.push_i64(i),
            Cell::Unsigned(u) => self.push_u64(u),
            Cell::Boolean(b) => self.push_bool(b),
            Cell::String(s) => self.push_str(s),
            Cell::Other(v) => self.push_value(v.clone()),
        }
    }

    /// The rows of `more` after these.
    pub fn append(&mut self, more: Values) {
        match (&mut *self, more) {
            (Values::Time(a), Values::Time(b)) | (Values::Integer(a), Values::Integer(b)) => {
                a.extend(b)
            }
            (Values::Float(a), Values::Float(b)) => a.extend(b),
            (Values::Unsigned(a), Values::Unsigned(b)) => a.extend(b),
            (Values::Number(a), Values::Number(b)) => a.extend(b),
            (Values::Boolean(a), Values::Boolean(b)) => a.extend(b),
            (Values::Mixed(a), Values::Mixed(b)) => a.extend(b),
            (_, Values::Mixed(b)) => b.into_iter().for_each(|v| self.push_value(v)),
            (_, more) => more.iter().for_each(|c| self.push_cell(c)),
        }
    }

    /// Keep the first `n` rows.
    pub fn truncate(&mut self, n: usize) {
        match self {
            Values::Time(v) | Values::Integer(v) => v.truncate(n),
            Values::Float(v) => v.truncate(n),
            Values::Unsigned(v) => v.truncate(n),
            Values::Number(v) => v.truncate(n),
            Values::Boolean(v) => v.truncate(n),
            Values::String(v) => v.spans.truncate(n),
            Values::Mixed(v) => v.truncate(n),
        }
    }

    /// These values as times when every one is an integer (epoch nanoseconds) or null.
    pub fn integers_as_times(&mut self) -> bool {
        match self {
            Values::Time(_) => true,
            Values::Integer(v) => {
                *self = Values::Time(std::mem::take(v));
                true
            }
            other => {
                let ns: Option<Vec<Option<i64>>> = other
                    .iter()
                    .map(|c| match c {
                        Cell::Null => Some(None),
                        Cell::Integer(i) => Some(Some(i)),
                        _ => None,
                    })
                    .collect();
                ns.map(|ns| *other = Values::Time(ns)).is_some()
            }
        }
    }

    /// These values as times when every one is RFC 3339 text or null.
    pub fn text_as_times(&mut self) -> bool {
        let ns: Option<Vec<Option<i64>>> = self
            .iter()
            .map(|c| match c {
                Cell::Null => Some(None),
                Cell::Time(ns) => Some(Some(ns)),
                Cell::String(s) => parse_time_ns(s).map(Some),
                _ => None,
            })
            .collect();
        ns.map(|ns| *self = Values::Time(ns)).is_some()
    }
}

/// The rows of a column, read in place ([`Values::iter`]).
pub struct Cells<'a> {
    values: &'a Values,
    rows: std::ops::Range<usize>,
}

impl<'a> Iterator for Cells<'a> {
    type Item = Cell<'a>;
    fn next(&mut self) -> Option<Cell<'a>> {
        let i = self.rows.next()?;
        self.values.get(i)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl ExactSizeIterator for Cells<'_> {}

impl<'a> IntoIterator for &'a Values {
    type Item = Cell<'a>;
    type IntoIter = Cells<'a>;
    fn into_iter(self) -> Cells<'a> {
        self.iter()
    }
}

/// The kind of a column holding values of kinds `a` and `b`.
pub(crate) fn join_kinds(a: ColumnType, b: ColumnType) -> ColumnType {
    match (a, b) {
        (ColumnType::Unknown, k) | (k, ColumnType::Unknown) => k,
        (a, b) if a == b => a,
        (ColumnType::Integer | ColumnType::Unsigned, ColumnType::Float)
        | (ColumnType::Float, ColumnType::Integer | ColumnType::Unsigned) => ColumnType::Float,
        _ => ColumnType::String,
    }
}

impl PartialEq for Values {
    /// Same JSON, row by row.
    fn eq(&self, other: &Values) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a.same(b))
    }
}

impl PartialEq<Vec<Value>> for Values {
    fn eq(&self, other: &Vec<Value>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(Cell::of(b)))
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        match self {
            Values::Float(v) => {
                for x in v {
                    seq.serialize_element(x)?;
                }
            }
            Values::Integer(v) => {
                for x in v {
                    seq.serialize_element(x)?;
                }
            }
            Values::Mixed(v) => {
                for x in v {
                    seq.serialize_element(x)?;
                }
            }
            other => {
                for c in other.iter() {
                    seq.serialize_element(&c)?;
                }
            }
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each value pushed by type, then serialized: the same JSON text as the values.
    fn round_trip(values: Vec<Value>) -> Values {
        let typed = Values::from(values.clone());
        assert_eq!(
            serde_json::to_string(&typed).unwrap(),
            serde_json::to_string(&values).unwrap(),
            "{typed:?}"
        );
        assert_eq!(typed, values);
        assert_eq!(typed.to_vec(), values);
        typed
    }

    #[test]
    fn typed_storage_serializes_as_the_json_values() {
        let t = round_trip(vec![json!(1.5), Value::Null, json!(-2.25)]);
        assert!(matches!(t, Values::Float(_)));
        let t = round_trip(vec![Value::Null, json!(1), json!(-7), json!(i64::MAX)]);
        assert!(matches!(t, Values::Integer(_)));
        let t = round_trip(vec![json!(1), json!(0.5), json!(u64::MAX), json!(-0.0)]);
        assert!(
            matches!(t, Values::Number(_)),
            "each number keeps its spelling"
        );
        let t = round_trip(vec![json!(u64::MAX), Value::Null]);
        assert!(matches!(t, Values::Unsigned(_)));
        let t = round_trip(vec![json!(true), json!(false), Value::Null]);
        assert!(matches!(t, Values::Boolean(_)));
        let t = round_trip(vec![
            json!("a"),
            json!("a"),
            Value::Null,
            json!(""),
            json!("é\""),
        ]);
        assert!(matches!(t, Values::String(_)));
        let t = round_trip(vec![
            json!("a"),
            json!(1),
            json!([1, "x"]),
            json!({"k": null}),
        ]);
        assert!(matches!(t, Values::Mixed(_)), "nothing is lost");
        let t = round_trip(vec![Value::Null, Value::Null]);
        assert_eq!(t.kind(), ColumnType::Unknown);
        round_trip(vec![]);
    }

    #[test]
    fn times_serialize_as_rfc3339_and_fall_back_exactly() {
        let mut v = Values::with_kind(ColumnType::Time);
        v.push_time(1_700_000_000_000_000_001);
        v.push_null();
        v.push_time(0);
        let json = json!([
            "2023-11-14T22:13:20.000000001Z",
            null,
            "1970-01-01T00:00:00Z"
        ]);
        assert_eq!(serde_json::to_value(&v).unwrap(), json);
        assert_eq!(
            v.get(0).and_then(Cell::time_ns),
            Some(1_700_000_000_000_000_001)
        );
        // Text that is not a time in a time column: kept as text, the times as before.
        v.push_str("not a time");
        assert!(matches!(v, Values::Mixed(_)));
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!([
                "2023-11-14T22:13:20.000000001Z",
                null,
                "1970-01-01T00:00:00Z",
                "not a time"
            ])
        );
        assert!(!v.text_as_times());
        v.truncate(3);
        assert!(v.text_as_times());
        assert!(matches!(v, Values::Time(_)));
    }

    #[test]
    fn kinds_join_as_the_json_values_do() {
        let kind = |v: Vec<Value>| Values::from(v).kind();
        assert_eq!(kind(vec![json!(1), json!(2.5)]), ColumnType::Float);
        assert_eq!(kind(vec![json!(1), json!(u64::MAX)]), ColumnType::String);
        assert_eq!(kind(vec![json!(u64::MAX)]), ColumnType::Unsigned);
        assert_eq!(kind(vec![json!(1), json!("x")]), ColumnType::String);
        assert_eq!(kind(vec![Value::Null, json!(true)]), ColumnType::Boolean);
        assert_eq!(kind(vec![json!([1])]), ColumnType::String);
    }

    #[test]
    fn appending_keeps_every_value() {
        let mut a = Values::from(vec![json!(1), json!(2)]);
        a.append(Values::from(vec![json!(2.5), Value::Null]));
        a.append(Values::from(vec![json!("x")]));
        assert_eq!(
            a,
            vec![json!(1), json!(2), json!(2.5), Value::Null, json!("x")]
        );
        let mut t = Values::with_kind(ColumnType::Time);
        t.push_time(5);
        let mut u = Values::with_kind(ColumnType::Time);
        u.push_time(6);
        t.append(u);
        assert!(matches!(&t, Values::Time(v) if v == &[Some(5), Some(6)]));
    }

    #[test]
    fn cells_read_as_their_json() {
        let v = Values::from(vec![json!(3), json!("2024-01-01T00:00:00Z"), Value::Null]);
        assert_eq!(v.get(0).and_then(Cell::as_f64), Some(3.0));
        assert_eq!(
            v.get(1).and_then(Cell::time_ns),
            Some(1_704_067_200_000_000_000)
        );
        assert_eq!(v.get(2), Some(Cell::Null));
        assert_eq!(v.get(3), None);
        assert_eq!(v.value(3), Value::Null);
        assert_eq!(
            v.get(1).map(Cell::text).as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        let f = Values::from(vec![json!(0.1), json!(1e300)]);
        assert_eq!(f.get(0).map(Cell::text).as_deref(), Some("0.1"));
        assert_eq!(
            f.get(1).map(Cell::text).as_deref(),
            Some(&*json!(1e300).to_string())
        );
    }
}
