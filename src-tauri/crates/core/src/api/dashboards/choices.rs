//! Multi-value choices and variables that depend on others.
//!
//! - A `multi` variable takes several values at once; a request gives a variable's choice as
//!   one string or a list ([`Choice`]).
//! - A query variable with `depends_on` offers only the tag values seen together with other
//!   variables' values (`the hosts of the chosen region`): variables are resolved in dependency
//!   order ([`order`]), a circle of dependencies is refused with the circle spelled out, and the
//!   narrowed tag values are asked of the server with every name and value quoted for its
//!   language ([`tag_values_where`]).
//!
//! - Several chosen values where one `${name}` stands ([`several`], called by
//!   `vars::substitute`): alternatives inside a regex, a list of literals when bare.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::vars::{At, check_value, quoted, regex};
use super::{Variable, VariableKind};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::influx::builder::influxql_str;
use crate::influx::schema::{flux_str, quote_ident, sql_ident};
use crate::model::{ApiKind, Profile, QueryLanguage};

/// Rows read at most when the server cannot de-duplicate (see `influx::schema`).
const SCAN_ROWS: usize = 50_000;

/// A variable's choice in a request: one value, or several for a `multi` variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(untagged)]
#[ts(export, rename = "VariableChoice")]
pub enum Choice {
    One(String),
    Many(Vec<String>),
}

impl Choice {
    pub fn values(&self) -> Vec<String> {
        match self {
            Choice::One(v) => vec![v.clone()],
            Choice::Many(v) => v.clone(),
        }
    }
}

impl From<&str> for Choice {
    fn from(v: &str) -> Self {
        Choice::One(v.to_string())
    }
}

/// A query variable's narrowing: only the tag values seen with tag `tag` equal to (one of) the
/// values of variable `variable`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct TagDependency {
    /// The tag key of the same measurement, e.g. `region`.
    pub tag: String,
    /// The variable whose value(s) that tag must have, e.g. `region`.
    pub variable: String,
}

/// The rules of dependencies: only query variables have them, on tags, naming variables that
/// exist (not intervals); no circle.
pub(crate) fn check(vars: &[Variable]) -> Result<()> {
    for v in vars {
        if v.kind != VariableKind::Query && !v.depends_on.is_empty() {
            return Err(Error::invalid(format!(
                "variable \"{}\" is not a query variable: only a query variable's tag values \
                 can depend on other variables",
                v.name
            )));
        }
        if v.multi && matches!(v.kind, VariableKind::Constant | VariableKind::Interval) {
            return Err(Error::invalid(format!(
                "variable \"{}\": a {} takes one value; only custom and query variables can be \
                 multi-select",
                v.name,
                if v.kind == VariableKind::Constant {
                    "constant"
                } else {
                    "interval"
                }
            )));
        }
        for d in &v.depends_on {
            if d.tag.trim().is_empty() {
                return Err(Error::invalid(format!(
                    "variable \"{}\" depends on \"{}\" without a tag: name the tag whose values \
                     must match it",
                    v.name, d.variable
                )));
            }
            match vars.iter().find(|o| o.name == d.variable) {
                None => {
                    return Err(Error::invalid(format!(
                        "variable \"{}\" depends on \"{}\", which is not a variable of this \
                         dashboard",
                        v.name, d.variable
                    )));
                }
                Some(o) if o.kind == VariableKind::Interval => {
                    return Err(Error::invalid(format!(
                        "variable \"{}\" depends on the interval \"{}\": a tag is compared with \
                         tag values, not durations",
                        v.name, d.variable
                    )));
                }
                Some(_) => {}
            }
        }
    }
    order(vars).map(|_| ())
}

/// The indexes of `vars` in an order where every variable comes after those it depends on
/// (otherwise as listed). A circle is an error naming it.
pub(crate) fn order(vars: &[Variable]) -> Result<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        i: usize,
        vars: &[Variable],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        out: &mut Vec<usize>,
    ) -> Result<()> {
        match marks[i] {
            Mark::Done => return Ok(()),
            Mark::Open => {
                let from = path.iter().position(|&p| p == i).unwrap_or(0);
                let mut names: Vec<&str> = path[from..]
                    .iter()
                    .map(|&p| vars[p].name.as_str())
                    .collect();
                names.push(vars[i].name.as_str());
                return Err(Error::invalid(format!(
                    "variables depend on each other in a circle: {}; remove one of these \
                     dependencies",
                    names.join(" → ")
                )));
            }
            Mark::New => {}
        }
        marks[i] = Mark::Open;
        path.push(i);
        for d in &vars[i].depends_on {
            if let Some(j) = vars.iter().position(|o| o.name == d.variable) {
                visit(j, vars, marks, path, out)?;
            }
        }
        path.pop();
        marks[i] = Mark::Done;
        out.push(i);
        Ok(())
    }
    let mut marks = vec![Mark::New; vars.len()];
    let mut out = Vec::with_capacity(vars.len());
    for i in 0..vars.len() {
        visit(i, vars, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// The values of query variable `v`'s tag where each `(tag, values)` condition holds (the tag
/// equals one of the values), on profile `p`, at most `limit`. No values for a condition: none.
pub(crate) async fn tag_values_where(
    ctx: &Ctx,
    p: &Profile,
    v: &Variable,
    conds: &[(String, Vec<String>)],
    limit: usize,
) -> Result<Vec<String>> {
    if conds.iter().any(|(_, vals)| vals.is_empty()) {
        return Ok(Vec::new());
    }
    let db = v
        .database
        .as_deref()
        .or(p.database.as_deref())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Error::invalid("pick a database or bucket for the variable first"))?;
    let m = v.measurement.as_deref().unwrap_or_default();
    let key = v.tag_key.as_deref().unwrap_or_default();
    let c = ctx.client(p).await?;
    let strings = |frames: &[crate::model::Frame], col: &str| -> Vec<String> {
        let mut out: Vec<String> = frames
            .iter()
            .filter_map(|f| f.column(col))
            .flat_map(|c| {
                c.values
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
            })
            .collect();
        out.sort();
        out.dedup();
        out.truncate(limit);
        out
    };
    match c.api() {
        ApiKind::V2 => {
            let q = format!(
                "import \"influxdata/influxdb/schema\"\nschema.tagValues(bucket: {}, tag: {}, \
                 start: -30d, predicate: (r) => r._measurement == {}{})\n  |> limit(n: {limit})",
                flux_str(db),
                flux_str(key),
                flux_str(m),
                conds
                    .iter()
                    .map(|(t, vals)| format!(
                        " and ({})",
                        vals.iter()
                            .map(|x| format!("r[{}] == {}", flux_str(t), flux_str(x)))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ))
                    .collect::<String>()
            );
            let (frames, _) = c.query(QueryLanguage::Flux, None, &q, limit).await?;
            Ok(strings(&frames, "_value"))
        }
        ApiKind::V3 => {
            let col = sql_ident(key);
            let mut from = format!(
                "FROM {} WHERE time > now() - interval '30 days' AND {col} IS NOT NULL",
                sql_ident(m)
            );
            for (t, vals) in conds {
                let list: Vec<String> = vals
                    .iter()
                    .map(|x| format!("'{}'", x.replace('\'', "''")))
                    .collect();
                from.push_str(&format!(" AND {} IN ({})", sql_ident(t), list.join(", ")));
            }
            let q = format!("SELECT DISTINCT {col} AS value {from} ORDER BY value LIMIT {limit}");
            match c.query(QueryLanguage::Sql, Some(db), &q, limit).await {
                Ok((frames, _)) => Ok(strings(&frames, "value")),
                // The 3.10 Core build here cannot plan DISTINCT (see influx::schema): read the
                // sorted column, bounded, and de-duplicate here.
                Err(Error::Internal(msg)) if msg.contains("Physical input schema") => {
                    let q =
                        format!("SELECT {col} AS value {from} ORDER BY value LIMIT {SCAN_ROWS}");
                    let (frames, _) = c.query(QueryLanguage::Sql, Some(db), &q, SCAN_ROWS).await?;
                    Ok(strings(&frames, "value"))
                }
                Err(e) => Err(e),
            }
        }
        _ => {
            let wh: Vec<String> = conds
                .iter()
                .map(|(t, vals)| {
                    format!(
                        "({})",
                        vals.iter()
                            .map(|x| format!("{} = {}", quote_ident(t), influxql_str(x)))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    )
                })
                .collect();
            let q = format!(
                "SHOW TAG VALUES FROM {} WITH KEY = {} WHERE {} LIMIT {limit}",
                quote_ident(m),
                quote_ident(key),
                wh.join(" AND ")
            );
            let (frames, _) = c
                .query(QueryLanguage::Influxql, Some(db), &q, limit)
                .await?;
            Ok(strings(&frames, "value"))
        }
    }
}

/// Several chosen values where one placeholder stands: alternatives inside a regex
/// (`(a|b)`), a comma-separated list of literals when bare (for `IN (${x})`, Flux
/// `contains(set: [${x}])`); inside quotes only one value fits.
pub(super) fn several(
    lang: QueryLanguage,
    at: At,
    name: &str,
    values: &[String],
) -> Result<String> {
    for v in values {
        check_value(name, v)?;
    }
    match at {
        At::Regex => Ok(format!(
            "({})",
            values
                .iter()
                .map(|v| regex(v))
                .collect::<Vec<_>>()
                .join("|")
        )),
        At::Bare => Ok(values
            .iter()
            .map(|v| quoted(lang, at, VariableKind::Custom, name, v))
            .collect::<Result<Vec<_>>>()?
            .join(", ")),
        At::LineComment | At::BlockComment => Ok(format!("${{{name}}}")),
        At::Single | At::Double => Err(Error::invalid(format!(
            "${{{name}}} has {} values chosen, but stands inside quotes, where one fits: use it \
             in a regex (=~ /^${{{name}}}$/) or a list (IN (${{{name}}})), or choose one value",
            values.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dashboards::{ResolvedVariable, substitute};
    use QueryLanguage::*;

    fn var(name: &str, deps: &[&str]) -> Variable {
        Variable {
            name: name.into(),
            kind: VariableKind::Query,
            measurement: Some("m".into()),
            tag_key: Some(name.into()),
            depends_on: deps
                .iter()
                .map(|d| TagDependency {
                    tag: (*d).into(),
                    variable: (*d).into(),
                })
                .collect(),
            ..Variable::default()
        }
    }

    #[test]
    fn dependencies_come_first_and_circles_are_named() {
        let vars = [
            var("host", &["region"]),
            var("region", &["dc"]),
            var("dc", &[]),
        ];
        let names: Vec<&str> = order(&vars)
            .unwrap()
            .into_iter()
            .map(|i| vars[i].name.as_str())
            .collect();
        assert_eq!(names, ["dc", "region", "host"], "each after what it uses");
        let circle = [var("a", &["b"]), var("b", &["c"]), var("c", &["a"])];
        let e = check(&circle).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(e.message().contains("a → b → c → a"), "{e}");
        let e = check(&[var("a", &["a"])]).unwrap_err();
        assert!(e.message().contains("a → a"), "itself: {e}");
        let e = check(&[var("a", &["nope"])]).unwrap_err();
        assert!(
            e.message().contains("\"nope\", which is not a variable"),
            "{e}"
        );
    }

    #[test]
    fn choices_are_one_value_or_a_list() {
        let one: Choice = serde_json::from_value(serde_json::json!("a")).unwrap();
        let many: Choice = serde_json::from_value(serde_json::json!(["a", "b"])).unwrap();
        assert_eq!(
            (one.values(), many.values()),
            (vec!["a".to_string()], vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn several_values_are_a_list_or_regex_alternatives() {
        let v = ResolvedVariable {
            name: "host".into(),
            kind: VariableKind::Custom,
            options: vec!["a.1".into(), "o'b".into()],
            value: Some("a.1".into()),
            multi: true,
            values: vec!["a.1".into(), "o'b".into()],
            error: None,
        };
        let vars = [v];
        assert_eq!(
            substitute("WHERE host =~ /^${host}$/", Influxql, &vars).unwrap(),
            r"WHERE host =~ /^(a\.1|o'b)$/",
            "regex: literal alternatives"
        );
        assert_eq!(
            substitute("WHERE host IN (${host})", Sql, &vars).unwrap(),
            "WHERE host IN ('a.1', 'o''b')",
            "bare: a list of literals"
        );
        assert_eq!(
            substitute("contains(value: r.host, set: [${host}])", Flux, &vars).unwrap(),
            r#"contains(value: r.host, set: ["a.1", "o'b"])"#
        );
        let e = substitute("WHERE host = '${host}'", Influxql, &vars).unwrap_err();
        assert!(e.message().contains("2 values chosen"), "{e}");
    }
}
