//! v1 `/query` JSON (`{"results":[{"series":[...],"error":...}]}`, with `epoch=ns`) parsed
//! straight into frames: serde visitors walk the document and push each cell of `values`
//! into its column as it is read, with no JSON tree of the response in between. The numbers
//! are serde_json's own (the same tokenizer as before), rows past the budget are skipped
//! unparsed. Errors keep the old precedence: bad JSON, then a top-level `error`, then the
//! first statement's `error`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Budget, classify_v1_error};
use crate::error::{Error, Result};
use crate::model::{Column, ColumnType, Frame, Values};

/// v1 `/query` JSON (with `epoch=ns`): `{"results":[{"series":[...],"error":...}]}`.
pub fn v1_json(body: &[u8], budget: &mut Budget) -> Result<Vec<Frame>> {
    let mut frames = Vec::new();
    objects(body, budget, &mut |frame, _| frames.push(frame))?;
    Ok(frames)
}

/// Parse one response object, handing each series to `on_series` with its `partial` flag.
pub(crate) fn objects(
    body: &[u8],
    budget: &mut Budget,
    on_series: &mut dyn FnMut(Frame, bool),
) -> Result<()> {
    let mut st = State {
        budget,
        on_series,
        top_error: None,
        result_error: None,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    Top(&mut st)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            Error::Internal(format!(
                "InfluxDB sent a query response that is not JSON: {e}"
            ))
        })?;
    match (st.top_error, st.result_error) {
        (Some(e), _) | (None, Some(e)) => Err(classify_v1_error(&e)),
        (None, None) => Ok(()),
    }
}

struct State<'a> {
    budget: &'a mut Budget,
    on_series: &'a mut dyn FnMut(Frame, bool),
    top_error: Option<String>,
    /// The first statement's error, in order.
    result_error: Option<String>,
}

type DeResult<T, E> = std::result::Result<T, E>;

/// Scalars where an object or array was expected: nothing to keep (the value is read).
macro_rules! scalars_are {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_unit<E: de::Error>(self) -> DeResult<Self::Value, E> {
            Ok($other(self))
        }
    };
}

/// A value read and dropped, checked as strictly as a `Value` is (serde's `IgnoredAny` skips
/// numbers unchecked, where reading the whole document refused `1e400` anywhere in it).
struct Skip;

impl<'de> serde::Deserialize<'de> for Skip {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> DeResult<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are!(|_| Skip);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> DeResult<Skip, A::Error> {
        drain_seq(seq).map(|()| Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<Skip, A::Error> {
        drain_map(map).map(|()| Skip)
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> DeResult<(), A::Error> {
    while seq.next_element::<Skip>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> DeResult<(), A::Error> {
    while map.next_entry::<Skip, Skip>()?.is_some() {}
    Ok(())
}

/// An object key we act on, read without allocating.
enum Key {
    Results,
    Series,
    Error,
    Name,
    Tags,
    Columns,
    Values,
    Partial,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> DeResult<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> DeResult<Key, E> {
                Ok(match s {
                    "results" => Key::Results,
                    "series" => Key::Series,
                    "error" => Key::Error,
                    "name" => Key::Name,
                    "tags" => Key::Tags,
                    "columns" => Key::Columns,
                    "values" => Key::Values,
                    "partial" => Key::Partial,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// The response object.
struct Top<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a query response object")
    }
    scalars_are!(|_| ());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> DeResult<(), A::Error> {
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> DeResult<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Results => map.next_value_seed(Results(&mut *self.0))?,
                Key::Error => {
                    let v: Value = map.next_value()?;
                    self.0.top_error = v.as_str().map(str::to_string);
                }
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(())
    }
}

/// `results`: one object per statement.
struct Results<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Results<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Results<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of statement results")
    }
    scalars_are!(|_| ());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<(), A::Error> {
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> DeResult<(), A::Error> {
        while seq.next_element_seed(Statement(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One statement's result: its `series` and `error`.
struct Statement<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Statement<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Statement<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a statement result")
    }
    scalars_are!(|_| ());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> DeResult<(), A::Error> {
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> DeResult<(), A::Error> {
        let mut error = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Series => map.next_value_seed(SeriesList(&mut *self.0))?,
                Key::Error => {
                    let v: Value = map.next_value()?;
                    error = v.as_str().map(str::to_string);
                }
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        if self.0.result_error.is_none() {
            self.0.result_error = error;
        }
        Ok(())
    }
}

/// `series`: a list of series objects.
struct SeriesList<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for SeriesList<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SeriesList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of series")
    }
    scalars_are!(|_| ());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<(), A::Error> {
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> DeResult<(), A::Error> {
        while seq.next_element_seed(OneSeries(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// A series being read: its columns fill as its rows are read.
#[derive(Default)]
struct Series {
    name: String,
    tags: BTreeMap<String, String>,
    names: Vec<String>,
    /// `columns` came before `values`: cells past it are skipped unread into a column.
    width: Option<usize>,
    cols: Vec<Values>,
    rows: usize,
    partial: bool,
}

impl Series {
    /// Column `i`, made (null up to this row) when the row is wider than those before.
    fn col(&mut self, i: usize) -> &mut Values {
        while self.cols.len() <= i {
            self.cols.push(Values::nulls(self.rows));
        }
        &mut self.cols[i]
    }

    fn end_row(&mut self) {
        self.rows += 1;
        for c in &mut self.cols {
            if c.len() < self.rows {
                c.push_null();
            }
        }
    }

    fn into_frame(mut self) -> Frame {
        let n = self.names.len();
        self.cols.truncate(n);
        while self.cols.len() < n {
            self.cols.push(Values::nulls(self.rows));
        }
        let columns = self
            .names
            .into_iter()
            .zip(self.cols)
            .map(|(name, mut values)| {
                let kind = if name == "time" && values.integers_as_times() {
                    ColumnType::Time
                } else {
                    values.kind()
                };
                Column { name, kind, values }
            })
            .collect();
        Frame {
            name: self.name,
            tags: self.tags,
            columns,
        }
    }
}

/// One cell, pushed into its column by its type as it is read (an array or object in a cell
/// is kept as a JSON value).
struct CellSeed<'s>(&'s mut Values);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> DeResult<(), E> {
        self.0.push_bool(b);
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> DeResult<(), E> {
        self.0.push_i64(i);
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> DeResult<(), E> {
        self.0.push_u64(u);
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> DeResult<(), E> {
        self.0.push_f64(f);
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> DeResult<(), E> {
        self.0.push_str(s);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> DeResult<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> DeResult<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> DeResult<(), A::Error> {
        let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.0.push_value(v);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<(), A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.0.push_value(v);
        Ok(())
    }
}

/// One series object, handed on when it ends.
struct OneSeries<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for OneSeries<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl OneSeries<'_, '_> {
    /// Not an object: an empty frame, as the series' fields are all missing.
    fn empty(self) {
        (self.0.on_series)(Series::default().into_frame(), false);
    }
}

impl<'de> Visitor<'de> for OneSeries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a series")
    }
    scalars_are!(OneSeries::empty);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> DeResult<(), A::Error> {
        drain_seq(seq)?;
        self.empty();
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> DeResult<(), A::Error> {
        let mut s = Series::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Name => {
                    let v: Value = map.next_value()?;
                    s.name = v.as_str().unwrap_or_default().to_string();
                }
                Key::Tags => {
                    let v: Value = map.next_value()?;
                    s.tags = match v {
                        Value::Object(o) => o
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                            .collect(),
                        _ => BTreeMap::new(),
                    };
                }
                Key::Columns => {
                    let v: Value = map.next_value()?;
                    s.names = match v {
                        Value::Array(a) => a
                            .iter()
                            .map(|c| c.as_str().unwrap_or_default().to_string())
                            .collect(),
                        _ => Vec::new(),
                    };
                    s.width = Some(s.names.len());
                }
                Key::Values => map.next_value_seed(Rows {
                    budget: &mut *self.0.budget,
                    series: &mut s,
                })?,
                Key::Partial => {
                    let v: Value = map.next_value()?;
                    s.partial = v.as_bool().unwrap_or(false);
                }
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        let partial = s.partial;
        (self.0.on_series)(s.into_frame(), partial);
        Ok(())
    }
}

/// `values`: the rows, kept while the budget lasts.
struct Rows<'s> {
    budget: &'s mut Budget,
    series: &'s mut Series,
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    scalars_are!(|_| ());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<(), A::Error> {
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> DeResult<(), A::Error> {
        if let Some(w) = self.series.width {
            self.series.cols.resize_with(w, Values::default);
        }
        while seq
            .next_element_seed(Row {
                budget: &mut *self.budget,
                series: &mut *self.series,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One row: its cells go to their columns (a row that is not a list is all nulls).
struct Row<'s> {
    budget: &'s mut Budget,
    series: &'s mut Series,
}

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> DeResult<(), D::Error> {
        if self.budget.take(1) == 0 {
            // Read (and checked) all the same, as the whole document was before.
            Skip::deserialize(d)?;
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row")
    }
    scalars_are!(|r: Row| r.series.end_row());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<(), A::Error> {
        drain_map(map)?;
        self.series.end_row();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> DeResult<(), A::Error> {
        let width = self.series.width.unwrap_or(usize::MAX);
        let mut i = 0;
        while i < width {
            if seq
                .next_element_seed(CellSeed(self.series.col(i)))?
                .is_none()
            {
                break;
            }
            i += 1;
        }
        if i == width {
            drain_seq(seq)?;
        }
        self.series.end_row();
        Ok(())
    }
}
