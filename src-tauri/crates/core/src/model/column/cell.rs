//! One value of a column read in place ([`Cell`]), numbers as JSON spelled them ([`Num`]),
//! and text cells kept in one buffer ([`Strings`]).

use std::borrow::Cow;

use serde::ser::{Serialize, Serializer};
use serde_json::{Number, Value};

use crate::influx::parse::{ns_to_rfc3339, parse_time_ns, rfc3339_in};
use crate::model::ColumnType;

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
    pub(super) fn from_u64(u: u64) -> Num {
        i64::try_from(u).map_or(Num::UInt(u), Num::Int)
    }
    pub(super) fn cell<'a>(self) -> Cell<'a> {
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
    /// Some cell is not null.
    pub fn any(&self) -> bool {
        self.spans.iter().any(|s| s.start <= s.end)
    }
    pub(super) fn truncate(&mut self, n: usize) {
        self.spans.truncate(n);
    }
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.spans.iter().map(|s| self.buf.get(s.start..s.end))
    }
    pub(super) fn nulls(n: usize) -> Strings {
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
    pub(super) fn json_kind(self) -> ColumnType {
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
    pub(super) fn same(self, other: Cell) -> bool {
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
