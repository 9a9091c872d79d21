//! Template variables: their rules, their current values (a query-backed variable asks the
//! server for a tag's values) and `${name}` substitution into cell queries.
//!
//! Substitution follows where the placeholder stands, per language, so a value can never end
//! a literal early or add a clause:
//! - bare (`host = ${host}`): a string literal ('...' in InfluxQL and SQL, "..." in Flux);
//!   an interval variable is a duration (`10s`; SQL: `INTERVAL '10 seconds'`);
//! - inside a string (`'${host}'`, Flux `"${host}"`): the value escaped for that string;
//! - inside a quoted identifier (`"${measurement}"` in InfluxQL and SQL): escaped for it;
//! - inside a regex after `=~`/`!~` (InfluxQL, Flux): the value as a literal pattern;
//! - inside a comment: left as written.
//!
//! Values with control characters are refused. `${name}` that names no variable is an error in
//! InfluxQL and SQL, and left alone in Flux (where it is string interpolation).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::choices::{self, Choice};
use super::{Variable, VariableKind};
use crate::api::{Ctx, schema};
use crate::error::{Error, Result};
use crate::influx::timerange::parse_duration;
use crate::model::{Profile, QueryLanguage, SchemaReq};

/// Most values a query-backed variable offers.
pub const MAX_VALUES: usize = 1000;

/// A variable with its choices and the value in use.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct ResolvedVariable {
    pub name: String,
    pub kind: VariableKind,
    /// What can be chosen (a constant: its one value).
    pub options: Vec<String>,
    /// The value in use (a multi-select variable: the first chosen); none when there is nothing
    /// to choose (a tag without values).
    pub value: Option<String>,
    /// Several values can be chosen.
    pub multi: bool,
    /// Every value in use (one unless `multi`).
    pub values: Vec<String>,
    /// Why the choices could not be had (a query-backed variable whose query failed).
    pub error: Option<String>,
}

/// The current choices of a dashboard's variables.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct VariableValuesReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// Chosen values by variable name (instead of the saved choices): a string, or a list
    /// for a multi-select variable.
    pub values: BTreeMap<String, Choice>,
}

fn valid_name(n: &str) -> bool {
    let mut cs = n.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value is one line of text: no control characters.
pub(super) fn check_value(var: &str, v: &str) -> Result<()> {
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "variable \"{var}\": the value \"{}\" has a control character (a line break or tab): \
             values are one line of text",
            v.escape_debug()
        )));
    }
    Ok(())
}

fn check_interval(var: &str, v: &str) -> Result<()> {
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid(format!(
            "interval variable \"{var}\": \"{v}\" is not a duration: use e.g. 10s, 1m, 1h"
        )));
    }
    parse_duration(v).map(|_| ())
}

/// The rules of a dashboard's variables: valid unique names, values as their kind needs.
pub(crate) fn check_all(vars: &[Variable]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for v in vars {
        if !valid_name(&v.name) {
            return Err(Error::invalid(format!(
                "\"{}\" is not a variable name: use letters, digits and _, not starting with a \
                 digit (it is written ${{name}} in queries)",
                v.name
            )));
        }
        if !seen.insert(v.name.as_str()) {
            return Err(Error::Conflict(format!(
                "two variables are named \"{}\": give each its own name",
                v.name
            )));
        }
        for x in v.values.iter().chain(&v.selected).chain(&v.selected_values) {
            check_value(&v.name, x)?;
        }
        match v.kind {
            VariableKind::Custom | VariableKind::Interval if v.values.is_empty() => {
                return Err(Error::invalid(format!(
                    "variable \"{}\" has no values to choose from: list at least one",
                    v.name
                )));
            }
            VariableKind::Constant if v.values.len() != 1 => {
                return Err(Error::invalid(format!(
                    "constant \"{}\" needs exactly one value",
                    v.name
                )));
            }
            VariableKind::Query => {
                for (what, f) in [("measurement", &v.measurement), ("tag_key", &v.tag_key)] {
                    if f.as_deref().is_none_or(|s| s.trim().is_empty()) {
                        return Err(Error::invalid(format!(
                            "query variable \"{}\" needs a {what} (its values are the tag's \
                             values)",
                            v.name
                        )));
                    }
                }
            }
            _ => {}
        }
        if v.kind == VariableKind::Interval {
            for x in v.values.iter().chain(&v.selected) {
                check_interval(&v.name, x)?;
            }
        }
        if let Some(s) = &v.selected
            && matches!(v.kind, VariableKind::Custom | VariableKind::Interval)
            && !v.values.contains(s)
        {
            return Err(Error::invalid(format!(
                "variable \"{}\": the chosen value \"{s}\" is not one of its values",
                v.name
            )));
        }
    }
    choices::check(vars)
}

/// The choices and values of `vars` on profile `p`; `chosen` overrides the saved choices.
/// Variables are resolved after those they depend on; the result keeps the dashboard's order.
pub(crate) async fn resolve(
    ctx: &Ctx,
    p: &Profile,
    vars: &[Variable],
    chosen: &BTreeMap<String, Choice>,
) -> Result<Vec<ResolvedVariable>> {
    for name in chosen.keys() {
        if !vars.iter().any(|v| &v.name == name) {
            return Err(Error::invalid(format!(
                "the dashboard has no variable \"{name}\"{}",
                if vars.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; its variables: {}",
                        vars.iter()
                            .map(|v| v.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )));
        }
    }
    let mut done: Vec<Option<ResolvedVariable>> = vec![None; vars.len()];
    for i in choices::order(vars)? {
        let v = &vars[i];
        let conds: Vec<(String, Vec<String>)> = v
            .depends_on
            .iter()
            .map(|d| {
                let values = vars
                    .iter()
                    .position(|o| o.name == d.variable)
                    .and_then(|j| done[j].as_ref())
                    .map(|r| r.values.clone())
                    .unwrap_or_default();
                (d.tag.clone(), values)
            })
            .collect();
        let (options, error) = match v.kind {
            VariableKind::Query if !conds.is_empty() => {
                match choices::tag_values_where(ctx, p, v, &conds, MAX_VALUES).await {
                    Ok(vals) => (vals, None),
                    Err(e) => (Vec::new(), Some(format!("{}: {}", e.code(), e.message()))),
                }
            }
            VariableKind::Query => {
                let req = SchemaReq {
                    profile: Some(p.id.clone()),
                    database: v.database.clone(),
                    measurement: v.measurement.clone(),
                    tag_key: v.tag_key.clone(),
                    search: None,
                    limit: Some(MAX_VALUES),
                };
                match schema::tag_values(ctx, req).await {
                    Ok(vals) => (vals, None),
                    Err(e) => (Vec::new(), Some(format!("{}: {}", e.code(), e.message()))),
                }
            }
            _ => (v.values.clone(), None),
        };
        let values: Vec<String> = match chosen.get(&v.name).map(Choice::values) {
            Some(cs) if cs.len() != 1 && !v.multi => {
                return Err(Error::invalid(format!(
                    "variable \"{}\" takes one value ({} given): make it multi-select to choose \
                     several",
                    v.name,
                    cs.len()
                )));
            }
            Some(cs) if cs.is_empty() => {
                return Err(Error::invalid(format!(
                    "choose at least one value of variable \"{}\"",
                    v.name
                )));
            }
            Some(cs) => {
                for c in &cs {
                    check_choice(v, &options, c)?;
                }
                cs
            }
            None => {
                let saved: Vec<String> = v
                    .selected_values
                    .iter()
                    .filter(|s| v.multi && options.contains(s))
                    .cloned()
                    .collect();
                if saved.is_empty() {
                    v.selected
                        .clone()
                        .filter(|s| options.contains(s))
                        .or_else(|| options.first().cloned())
                        .into_iter()
                        .collect()
                } else {
                    saved
                }
            }
        };
        done[i] = Some(ResolvedVariable {
            name: v.name.clone(),
            kind: v.kind,
            options,
            value: values.first().cloned(),
            multi: v.multi,
            values,
            error,
        });
    }
    Ok(done.into_iter().flatten().collect())
}

/// `c` is one of the choices of `v`.
fn check_choice(v: &Variable, options: &[String], c: &String) -> Result<()> {
    if v.kind == VariableKind::Constant && Some(c) != v.values.first() {
        return Err(Error::invalid(format!(
            "\"{}\" is a constant: its value cannot be chosen",
            v.name
        )));
    }
    if !options.contains(c) {
        check_value(&v.name, c)?;
        return Err(Error::invalid(format!(
            "\"{c}\" is not one of the values of variable \"{}\"{}",
            v.name,
            if options.is_empty() {
                " (it has none)".to_string()
            } else {
                format!(": choose one of {}", options.join(", "))
            }
        )));
    }
    Ok(())
}

/// The current choices of a dashboard's variables (the GUI's variable bar).
pub async fn variable_values(
    ctx: &Ctx,
    actor: &crate::model::Actor,
    req: VariableValuesReq,
) -> Result<Vec<ResolvedVariable>> {
    let p = crate::api::profiles::resolve(ctx, req.profile.as_deref()).await?;
    super::read_access(ctx, actor, &p, "read dashboard variables").await?;
    let d = super::find(&super::load(ctx, &p)?, &req.dashboard)?.clone();
    resolve(ctx, &p, &d.variables, &req.values).await
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum At {
    Bare,
    Single,
    Double,
    Regex,
    LineComment,
    BlockComment,
}

/// Replace every `${name}` of `query` by its variable's value, quoted for `lang` and for where
/// it stands (see the module doc).
pub fn substitute(query: &str, lang: QueryLanguage, vars: &[ResolvedVariable]) -> Result<String> {
    if !query.contains("${") {
        return Ok(query.to_string());
    }
    let cs: Vec<char> = query.chars().collect();
    let mut out = String::with_capacity(query.len());
    let mut at = At::Bare;
    let mut i = 0;
    // The last two non-space characters outside literals (for `=~ /regex/`).
    let mut prev: Vec<char> = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        let next = cs.get(i + 1).copied();
        if c == '$' && next == Some('{') && !matches!(at, At::LineComment | At::BlockComment) {
            let end = cs[i + 2..]
                .iter()
                .position(|&x| x == '}')
                .map(|p| i + 2 + p);
            let name: Option<String> = end.map(|e| cs[i + 2..e].iter().collect());
            if let (Some(e), Some(name)) = (end, name.filter(|n| valid_name(n))) {
                match vars.iter().find(|v| v.name == name) {
                    Some(v) => {
                        let value = v.value.as_deref().ok_or_else(|| {
                            Error::invalid(format!(
                                "variable ${{{name}}} has no value{}: choose one or fix the \
                                 variable",
                                v.error
                                    .as_deref()
                                    .map(|e| format!(" ({e})"))
                                    .unwrap_or_default()
                            ))
                        })?;
                        check_value(&name, value)?;
                        if v.values.len() > 1 {
                            out += &choices::several(lang, at, &name, &v.values)?;
                        } else {
                            out += &quoted(lang, at, v.kind, &name, value)?;
                        }
                        i = e + 1;
                        continue;
                    }
                    None if lang != QueryLanguage::Flux => {
                        return Err(Error::invalid(format!(
                            "the query uses ${{{name}}}, but the dashboard has no variable \
                             \"{name}\": add it, or remove the placeholder"
                        )));
                    }
                    None => {}
                }
            }
        }
        out.push(c);
        i += 1;
        at = match (at, c) {
            (At::Bare, '\'') if lang != QueryLanguage::Flux => At::Single,
            (At::Bare, '"') => At::Double,
            (At::Bare, '/')
                if lang != QueryLanguage::Sql
                    && matches!(prev.as_slice(), [.., '=' | '!', '~']) =>
            {
                At::Regex
            }
            (At::Bare, '-') if lang != QueryLanguage::Flux && next == Some('-') => At::LineComment,
            (At::Bare, '/') if lang == QueryLanguage::Flux && next == Some('/') => At::LineComment,
            (At::Bare, '/') if lang == QueryLanguage::Sql && next == Some('*') => At::BlockComment,
            (At::LineComment, '\n') => At::Bare,
            (At::BlockComment, '*') if next == Some('/') => {
                out.push('/');
                i += 1;
                At::Bare
            }
            // Backslash escapes (InfluxQL, Flux): the next character is part of the literal.
            (At::Single | At::Double | At::Regex, '\\') if lang != QueryLanguage::Sql => {
                if let Some(n) = next {
                    out.push(n);
                    i += 1;
                }
                at
            }
            (At::Single, '\'') | (At::Double, '"') | (At::Regex, '/') => At::Bare,
            (a, _) => a,
        };
        if at == At::Bare && !c.is_whitespace() {
            prev.push(c);
            if prev.len() > 2 {
                prev.remove(0);
            }
        }
    }
    Ok(out)
}

fn escape(v: &str, specials: &[char]) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    for c in v.chars() {
        if specials.contains(&c) {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

pub(super) fn regex(v: &str) -> String {
    escape(
        v,
        &[
            '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$', '/',
        ],
    )
}

pub(super) fn quoted(
    lang: QueryLanguage,
    at: At,
    kind: VariableKind,
    name: &str,
    v: &str,
) -> Result<String> {
    use QueryLanguage::*;
    Ok(match (lang, at) {
        (_, At::Bare) if kind == VariableKind::Interval => {
            check_interval(name, v)?;
            if lang == Sql {
                let ms = parse_duration(v)?.num_milliseconds();
                if ms % 1000 == 0 {
                    format!("INTERVAL '{} seconds'", ms / 1000)
                } else {
                    format!("INTERVAL '{ms} milliseconds'")
                }
            } else {
                v.to_string()
            }
        }
        (Influxql, At::Bare) => format!("'{}'", escape(v, &['\\', '\''])),
        (Influxql, At::Single) => escape(v, &['\\', '\'']),
        (Influxql, At::Double) => escape(v, &['\\', '"']),
        (Sql, At::Bare) => format!("'{}'", v.replace('\'', "''")),
        (Sql, At::Single) => v.replace('\'', "''"),
        (Sql, At::Double) => v.replace('"', "\"\""),
        (Flux, At::Bare) => crate::influx::schema::flux_str(v),
        (Flux, At::Double | At::Single) => {
            let s = crate::influx::schema::flux_str(v);
            s[1..s.len() - 1].to_string()
        }
        (_, At::Regex) => regex(v),
        (_, At::LineComment | At::BlockComment) => format!("${{{name}}}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueryLanguage::*;

    fn var(name: &str, kind: VariableKind, value: &str) -> ResolvedVariable {
        ResolvedVariable {
            name: name.into(),
            kind,
            options: vec![value.into()],
            value: Some(value.into()),
            multi: false,
            values: vec![value.into()],
            error: None,
        }
    }

    fn sub(q: &str, lang: QueryLanguage, value: &str) -> String {
        let vars = [
            var("host", VariableKind::Custom, value),
            var("every", VariableKind::Interval, "90s"),
        ];
        substitute(q, lang, &vars).unwrap()
    }

    #[test]
    fn influxql_values_are_quoted_for_where_they_stand() {
        let evil = r#"a' OR 1=1; DROP DATABASE "x"\"#;
        assert_eq!(
            sub("SELECT * FROM cpu WHERE host = ${host}", Influxql, evil),
            r#"SELECT * FROM cpu WHERE host = 'a\' OR 1=1; DROP DATABASE "x"\\'"#,
            "bare: a string literal, its quote escaped"
        );
        assert_eq!(
            sub("WHERE host = '${host}'", Influxql, "it's"),
            r"WHERE host = 'it\'s'",
            "inside a string: escaped"
        );
        assert_eq!(
            sub(r#"SELECT "${host}" FROM x"#, Influxql, r#"a"b"#),
            r#"SELECT "a\"b" FROM x"#,
            "inside an identifier: escaped"
        );
        assert_eq!(
            sub("WHERE host =~ /^${host}$/", Influxql, "web.01/x"),
            r"WHERE host =~ /^web\.01\/x$/",
            "inside a regex: a literal pattern"
        );
        assert_eq!(
            sub("GROUP BY time(${every}) -- ${host}", Influxql, "x"),
            "GROUP BY time(90s) -- ${host}",
            "an interval is a bare duration; comments are left alone"
        );
        assert_eq!(
            sub(r"WHERE a = 'x\'${host}'", Influxql, "q'"),
            r"WHERE a = 'x\'q\''",
            "an escaped quote does not end the string"
        );
    }

    #[test]
    fn sql_and_flux_have_their_own_quoting() {
        assert_eq!(
            sub("SELECT * FROM cpu WHERE host = ${host}", Sql, "o'k"),
            "SELECT * FROM cpu WHERE host = 'o''k'"
        );
        assert_eq!(
            sub(r#"SELECT "${host}""#, Sql, r#"a"b"#),
            r#"SELECT "a""b""#
        );
        assert_eq!(
            sub("date_bin(${every}, time)", Sql, "x"),
            "date_bin(INTERVAL '90 seconds', time)"
        );
        assert_eq!(
            sub(r#"filter(fn: (r) => r.host == ${host})"#, Flux, r#"a"${x}"#),
            r#"filter(fn: (r) => r.host == "a\"\${x}")"#
        );
        assert_eq!(
            sub(r#"r.host == "${host}" and "${r.x}""#, Flux, "a\"b"),
            r#"r.host == "a\"b" and "${r.x}""#,
            "Flux interpolation of other names is left alone"
        );
        assert_eq!(
            sub("aggregateWindow(every: ${every})", Flux, "x"),
            "aggregateWindow(every: 90s)"
        );
    }

    #[test]
    fn bad_values_and_unknown_names_are_refused() {
        let vars = [var("host", VariableKind::Custom, "a\nDROP")];
        let e = substitute("WHERE host = ${host}", Influxql, &vars).unwrap_err();
        assert!(e.message().contains("control character"), "{e}");
        let e = substitute("WHERE host = ${nope}", Sql, &vars).unwrap_err();
        assert!(e.message().contains("no variable \"nope\""), "{e}");
        let bad_interval = [var("every", VariableKind::Interval, "1m; DROP")];
        assert!(substitute("time(${every})", Influxql, &bad_interval).is_err());
        let rules = |v: Variable| check_all(&[v]).unwrap_err().message().to_string();
        assert!(
            rules(Variable {
                name: "1x".into(),
                ..Variable::default()
            })
            .contains("name")
        );
        assert!(
            rules(Variable {
                name: "x".into(),
                kind: VariableKind::Custom,
                ..Variable::default()
            })
            .contains("no values")
        );
        assert!(
            rules(Variable {
                name: "x".into(),
                kind: VariableKind::Interval,
                values: vec!["soon".into()],
                ..Variable::default()
            })
            .contains("not a duration")
        );
    }
}
