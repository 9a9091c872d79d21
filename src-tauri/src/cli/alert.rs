//! `influxdesk alert`: the alert rules from the command line: list them (channels without
//! their secrets) and who evaluates them, send a test notification, delete one, and allow a
//! private host for alert channels. Each subcommand is one `core::api::alerts` call.

use clap::Subcommand;
use influxdesk_core::api::alerts::{self, AllowHostReq, ChannelTest, TestAlertReq};
use influxdesk_core::{Actor, Ctx, Error, Result};

#[derive(Subcommand)]
pub enum AlertCmd {
    /// List the alert rules with their state, and which process evaluates them.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send a test notification to an alert's channels and print each HTTP status (exits
    /// non-zero when a channel did not take it).
    Test {
        /// The alert's name or id.
        name: String,
        /// Only this channel, as `alert list` shows it.
        #[arg(long)]
        channel: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Delete an alert rule (its history stays in influxdesk_alerts).
    #[command(alias = "remove", alias = "delete")]
    Rm { name: String },
    /// Let alert channels reach HOST although it is a loopback, private or link-local address
    /// (e.g. a webhook receiver on this machine or the intranet); --remove takes it back.
    /// Without arguments: list the allowed hosts.
    AllowHost {
        host: Option<String>,
        #[arg(long, requires = "host")]
        remove: bool,
    },
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("could not encode the result: {e}")))
}

fn lines(sent: &[ChannelTest]) -> String {
    sent.iter()
        .map(|t| {
            format!(
                "{:<4} {}: {}\n",
                if t.ok { "ok" } else { "FAIL" },
                t.channel,
                t.message
            )
        })
        .collect()
}

pub async fn run(ctx: &Ctx, cmd: AlertCmd) -> Result<String> {
    let me = Actor::User;
    match cmd {
        AlertCmd::List { json: true } => json(&alerts::list(ctx).await?),
        AlertCmd::List { json: false } => {
            let rules = alerts::list(ctx).await?;
            let mut out = format!("{}\n", alerts::evaluator_status(ctx)?.message);
            if rules.is_empty() {
                out.push_str("no alert rules yet\n");
            }
            for r in rules {
                out.push_str(&format!(
                    "{:<24} {:<7} every {:<5} {}{}\n",
                    r.name,
                    format!("{:?}", r.status).to_lowercase(),
                    r.every,
                    r.notification.channels.join(", "),
                    if r.enabled { "" } else { " (disabled)" }
                ));
            }
            Ok(out)
        }
        AlertCmd::Test {
            name,
            channel,
            json: as_json,
        } => {
            let sent = alerts::test(
                ctx,
                &me,
                TestAlertReq {
                    alert: name,
                    channel,
                },
            )
            .await?;
            let text = if as_json { json(&sent)? } else { lines(&sent) };
            if sent.iter().all(|t| t.ok) {
                Ok(text)
            } else {
                Err(Error::Unreachable(format!(
                    "a channel did not take the test notification:\n{}",
                    lines(&sent)
                )))
            }
        }
        AlertCmd::Rm { name } => {
            alerts::delete(ctx, &me, &name).await?;
            Ok(format!("deleted alert \"{name}\"\n"))
        }
        AlertCmd::AllowHost { host: None, .. } => {
            let hosts = alerts::allowed_hosts(ctx).await?;
            Ok(if hosts.is_empty() {
                "no private hosts are allowed for alert channels\n".into()
            } else {
                hosts.join("\n") + "\n"
            })
        }
        AlertCmd::AllowHost {
            host: Some(host),
            remove,
        } => {
            let hosts = alerts::allow_host(
                ctx,
                &me,
                AllowHostReq {
                    host,
                    allow: !remove,
                },
            )
            .await?;
            Ok(format!(
                "alert channels may reach these private hosts: {}\n",
                if hosts.is_empty() {
                    "none".to_string()
                } else {
                    hosts.join(", ")
                }
            ))
        }
    }
}
