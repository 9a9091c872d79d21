//! The assistant activity log: the last [`CAPACITY`] MCP tool calls of this process (who
//! called what, how long it took, how many rows, how it ended), kept in memory on the [`Ctx`]
//! and announced as an `mcp.call` [`Event`](super::Event) carrying the entry, so the app's
//! Assistant screen lists them live. The MCP server records every call in one place.
//!
//! Arguments are summarised, never stored whole: values of secret-looking keys (token,
//! password, secret, authorization, webhook/channel URLs) are hidden and long text is cut.
//! Not here: persistence (the log starts empty with each process; the query history keeps
//! queries across runs).

use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use crate::model::{Actor, QueryLanguage};

/// How many calls the log keeps (oldest dropped first).
pub const CAPACITY: usize = 500;
/// Longest argument value shown in a summary, in characters.
const VALUE_MAX: usize = 80;
/// Longest summary, in characters.
const SUMMARY_MAX: usize = 240;

/// How a tool call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    Ok,
    /// `code` is the core error code (`Forbidden`, `QuerySyntax`...) when there is one.
    Error {
        code: Option<String>,
        message: String,
    },
}

/// One MCP tool call.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ActivityEntry {
    pub id: String,
    /// When the call started, RFC 3339.
    pub at: String,
    /// The MCP client's name (from `initialize`).
    pub client: String,
    pub tool: String,
    /// `key=value, ...`, short and without secrets.
    pub args_summary: String,
    pub duration_ms: f64,
    /// Rows returned (queries) or points written, when the tool says.
    pub rows: Option<usize>,
    pub outcome: Outcome,
    /// The query of `query-data` / `render-chart`, so the app can open it in Explore.
    pub query: Option<String>,
    pub language: Option<QueryLanguage>,
    pub database: Option<String>,
}

/// What the MCP server knows about a finished call; [`record`] makes the entry.
pub struct ToolCall<'a> {
    pub tool: &'a str,
    pub args: Option<&'a serde_json::Map<String, Value>>,
    pub started: chrono::DateTime<chrono::Utc>,
    pub duration: std::time::Duration,
    pub rows: Option<usize>,
    pub outcome: Outcome,
    /// The language the query ran in, when the result says (else the argument's).
    pub language: Option<QueryLanguage>,
}

/// Tools whose `query` argument is a query the user can open in Explore.
const QUERY_TOOLS: &[&str] = &["query-data", "render-chart"];

/// Log a finished tool call of `actor` and announce it.
pub fn record(ctx: &Ctx, actor: &Actor, call: ToolCall<'_>) -> ActivityEntry {
    let client = match actor {
        Actor::Assistant { client } => client.clone(),
        Actor::User => "user".into(),
        Actor::Scheduler => "scheduler".into(),
    };
    let arg = |k: &str| {
        call.args
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let query = QUERY_TOOLS
        .contains(&call.tool)
        .then(|| arg("query"))
        .flatten();
    let (language, database) = if query.is_some() {
        let lang = call
            .language
            .or_else(|| arg("language").and_then(|l| QueryLanguage::parse(&l)));
        (lang, arg("bucket"))
    } else {
        (None, None)
    };
    let entry = ActivityEntry {
        id: uuid::Uuid::new_v4().to_string(),
        at: call
            .started
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        client,
        tool: call.tool.to_string(),
        args_summary: summarize(call.args),
        duration_ms: (call.duration.as_secs_f64() * 10_000.0).round() / 10.0,
        rows: call.rows,
        outcome: call.outcome,
        query,
        language,
        database,
    };
    {
        let mut log = ctx.activity.lock().expect("activity log");
        log.push_back(entry.clone());
        while log.len() > CAPACITY {
            log.pop_front();
        }
    }
    let detail = format!("{} {}", entry.tool, entry.args_summary);
    ctx.emit_with(actor, "mcp.call", detail, Some(entry.clone()));
    entry
}

/// The logged calls, oldest first.
pub fn list(ctx: &Ctx) -> Vec<ActivityEntry> {
    ctx.activity
        .lock()
        .expect("activity log")
        .iter()
        .cloned()
        .collect()
}

/// Whether an argument named `key` may hold a secret (its value is then hidden).
fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token", "password", "passwd", "secret", "auth", "key", "cred", "channel", "webhook",
        "url", "header",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// `key=value, ...` of the arguments: nested values compact, long ones cut, secrets hidden.
pub fn summarize(args: Option<&serde_json::Map<String, Value>>) -> String {
    let Some(args) = args else {
        return String::new();
    };
    let parts: Vec<String> = args
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{k}={}", cut(&show(k, v), VALUE_MAX)))
        .collect();
    cut(&parts.join(", "), SUMMARY_MAX)
}

fn show(key: &str, v: &Value) -> String {
    if secret_key(key) {
        return "<hidden>".into();
    }
    match v {
        Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}: {}", show(k, v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(a) => {
            let inner: Vec<String> = a.iter().map(|v| show(key, v)).collect();
            format!("[{}]", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn summaries_are_short_and_hide_secrets() {
        let args = map(json!({
            "query": "SELECT   mean(usage)\n FROM cpu",
            "token": "s3cret-token",
            "notification": {"channels": ["webhook:https://h/x?k=s3cret-token"], "message": "hi"},
            "limit": 10,
            "language": null,
        }));
        let s = summarize(Some(&args));
        assert!(!s.contains("s3cret"), "no secret in the summary: {s}");
        assert!(
            s.contains("query=SELECT mean(usage) FROM cpu") && s.contains("limit=10"),
            "whitespace folded, values shown: {s}"
        );
        assert!(!s.contains("language"), "null arguments are left out: {s}");
        let long = map(json!({ "query": "x".repeat(500) }));
        let s = summarize(Some(&long));
        assert!(s.chars().count() <= SUMMARY_MAX && s.ends_with('…'), "{s}");
    }
}
