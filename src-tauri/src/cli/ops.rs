//! `influxdesk queries` (the server's running queries; `--kill ID` stops one), and later
//! `delete`, `overview` and `health`: each one `core::api::admin` call as the user.

use clap::Args;
use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq};
use influxdesk_core::{Actor, Ctx, Error, Result};

#[derive(Args)]
pub struct QueriesArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long)]
    profile: Option<String>,
    /// Stop the query with this id (the ID column of the list; 1.x KILL QUERY).
    #[arg(long, value_name = "ID")]
    kill: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("could not encode the result: {e}")))
}

/// One line per query: id, how long, database, status, text (on one line).
fn table(list: &[queries::RunningQuery]) -> String {
    if list.is_empty() {
        return "no queries running\n".into();
    }
    let mut out = format!(
        "{:<8} {:<12} {:<16} {:<10} QUERY\n",
        "ID", "DURATION", "DATABASE", "STATUS"
    );
    for q in list {
        out.push_str(&format!(
            "{:<8} {:<12} {:<16} {:<10} {}\n",
            q.id,
            q.duration,
            q.database,
            q.status,
            q.query.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    out
}

pub async fn queries(ctx: &Ctx, a: QueriesArgs) -> Result<String> {
    match a.kill {
        Some(id) => {
            let q = queries::kill(
                ctx,
                &Actor::User,
                KillQueryReq {
                    profile: a.profile,
                    id,
                },
            )
            .await?;
            if a.json {
                json(&q)
            } else {
                Ok(format!("killed query {}: {}\n", q.id, q.query))
            }
        }
        None => {
            let list = queries::list(ctx, ListQueriesReq { profile: a.profile }).await?;
            if a.json {
                json(&list)
            } else {
                Ok(table(&list))
            }
        }
    }
}
