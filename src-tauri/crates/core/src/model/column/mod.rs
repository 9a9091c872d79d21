//! Typed storage for a result column ([`Values`]): times as epoch nanoseconds, numbers and
//! booleans in vectors of their own type, text in one buffer per column. Values that disagree
//! with a column's storage never lose anything: integers and floats together keep each
//! number's own spelling ([`Values::Number`]), anything else falls back to JSON values
//! ([`Values::Mixed`]). A column serializes exactly as the JSON array of its values did before
//! (times as RFC 3339 UTC text with 0, 3, 6 or 9 fraction digits, numbers as serde_json
//! writes them, null for absent values), so the UI, MCP results and the CLI see the same JSON.
//! [`Cell`] is one value read in place, the borrowed form of what [`Values::value`] returns.

mod cell;
#[cfg(test)]
mod tests;

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use super::ColumnType;
use crate::influx::parse::{ns_to_rfc3339, parse_time_ns};

pub use cell::{Cell, Num, Strings};

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

/// The storage a value being pushed needs.
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

    /// Every row as JSON, each typed cell made into its value as it is taken (JSON values
    /// are moved).
    pub fn into_json(self) -> IntoJson {
        match self {
            Values::Mixed(v) => IntoJson::Moved(v.into_iter()),
            values => IntoJson::Typed { values, next: 0 },
        }
    }

    /// Every row as JSON, moving what can be moved.
    pub fn into_vec(self) -> Vec<Value> {
        match self {
            Values::Mixed(v) => v,
            other => other.to_vec(),
        }
    }

    /// The type the values have as JSON: the one kind of all non-null values, floats with
    /// integers as float, `String` for any other mix (times are RFC 3339 text there: a parser
    /// that knows a column holds times says so itself), `Unknown` when all are null.
    pub fn kind(&self) -> ColumnType {
        let some = |any: bool, k| if any { k } else { ColumnType::Unknown };
        match self {
            Values::Float(v) => some(v.iter().any(Option::is_some), ColumnType::Float),
            Values::Integer(v) => some(v.iter().any(Option::is_some), ColumnType::Integer),
            Values::Boolean(v) => some(v.iter().any(Option::is_some), ColumnType::Boolean),
            Values::Time(v) => some(v.iter().any(Option::is_some), ColumnType::String),
            Values::String(v) => some(v.any(), ColumnType::String),
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
            Values::String(v) => v.truncate(n),
            Values::Mixed(v) => v.truncate(n),
        }
    }

    /// Rows `rows` (clamped to the column) as values of their own, stored the same way (so
    /// they serialize as those rows of this column do): a page of a kept result.
    pub fn slice(&self, rows: std::ops::Range<usize>) -> Values {
        let end = rows.end.min(self.len());
        let r = rows.start.min(end)..end;
        match self {
            Values::Time(v) => Values::Time(v[r].to_vec()),
            Values::Integer(v) => Values::Integer(v[r].to_vec()),
            Values::Float(v) => Values::Float(v[r].to_vec()),
            Values::Unsigned(v) => Values::Unsigned(v[r].to_vec()),
            Values::Number(v) => Values::Number(v[r].to_vec()),
            Values::Boolean(v) => Values::Boolean(v[r].to_vec()),
            Values::String(v) => {
                let mut out = Strings::default();
                r.for_each(|i| out.push(v.get(i)));
                Values::String(out)
            }
            Values::Mixed(v) => Values::Mixed(v[r].to_vec()),
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

/// The rows of a column as JSON values ([`Values::into_json`]).
pub enum IntoJson {
    Moved(std::vec::IntoIter<Value>),
    Typed { values: Values, next: usize },
}

impl Iterator for IntoJson {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        match self {
            IntoJson::Moved(v) => v.next(),
            IntoJson::Typed { values, next } => {
                let v = values.get(*next)?.to_value();
                *next += 1;
                Some(v)
            }
        }
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
