//! `influxdesk token`: API tokens from the command line (InfluxDB 2.x authorizations, InfluxDB
//! 3 Core admin tokens): list, create (2.x scoped to buckets with --read/--write; 3.x a named
//! admin token), disable/enable (2.x), rm. A created token is printed once, on standard output,
//! and kept nowhere. Each subcommand is one `core::api::tokens` call.

use super::output::json;
use clap::{Args, Subcommand};
use influxdesk_core::api::tokens::{self, CreateTokenReq, DeleteTokenReq, SetTokenStatusReq};
use influxdesk_core::influx::tokens::TokenInfo;
use influxdesk_core::{Actor, Ctx, Result};

#[derive(Args)]
pub struct TokenArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long, short, global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    cmd: TokenCmd,
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// List the tokens with description, status and permissions (never their values).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a token and print it once. 2.x: give buckets with --read and/or --write.
    /// 3 Core: an admin token named by --description (it cannot be limited).
    Create {
        /// What the token is for (3.x: its unique name).
        #[arg(long)]
        description: String,
        /// A bucket the token may read (repeat for more).
        #[arg(long, value_name = "BUCKET")]
        read: Vec<String>,
        /// A bucket the token may write (repeat for more).
        #[arg(long, value_name = "BUCKET")]
        write: Vec<String>,
        /// Expire after this long, e.g. 30d (3.x only).
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
        /// Print JSON (with the token's value) instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Disable a token (2.x): the server refuses requests with it. --enable turns it back on.
    Disable {
        /// The token's id, as `token list` shows it.
        id: String,
        #[arg(long)]
        enable: bool,
        #[arg(long)]
        json: bool,
    },
    /// Delete a token: whatever uses it stops working.
    #[command(alias = "remove", alias = "delete")]
    Rm {
        /// The token's id, as `token list` shows it.
        id: String,
    },
}

fn line(t: &TokenInfo) -> String {
    format!(
        "{:<20} {:<8} {:<24} {}\n",
        t.id,
        t.status,
        t.description,
        t.permissions.join(", ")
    )
}

pub async fn run(ctx: &Ctx, a: TokenArgs) -> Result<String> {
    let me = Actor::User;
    let profile = a.profile;
    match a.cmd {
        TokenCmd::List { json: as_json } => {
            let l = tokens::list(ctx, profile.as_deref()).await?;
            if as_json {
                return json(&l);
            }
            let mut out = format!(
                "{:<20} {:<8} {:<24} PERMISSIONS\n",
                "ID", "STATUS", "DESCRIPTION"
            );
            out.extend(l.tokens.iter().map(line));
            if let Some(n) = &l.note {
                out.push_str(&format!("note: {n}\n"));
            }
            Ok(out)
        }
        TokenCmd::Create {
            description,
            read,
            write,
            expires_in,
            json: as_json,
        } => {
            let req = CreateTokenReq {
                profile,
                description,
                read,
                write,
                expires_in,
            };
            let c = tokens::create(ctx, &me, req).await?;
            if as_json {
                return json(&c);
            }
            Ok(format!(
                "created token \"{}\" (id {}): {}\nIt is shown this once and influxdesk keeps it \
                 nowhere. To connect with it: influxdesk profile add NAME --url URL --token-stdin\n\
                 {}\n",
                c.token.description,
                c.token.id,
                c.token.permissions.join(", "),
                c.value.0.expose()
            ))
        }
        TokenCmd::Disable {
            id,
            enable,
            json: as_json,
        } => {
            let req = SetTokenStatusReq {
                profile,
                id,
                active: enable,
            };
            let t = tokens::set_status(ctx, &me, req).await?;
            if as_json { json(&t) } else { Ok(line(&t)) }
        }
        TokenCmd::Rm { id } => {
            let req = DeleteTokenReq {
                profile,
                id: id.clone(),
            };
            tokens::delete(ctx, &me, req).await?;
            Ok(format!("deleted token {}\n", id.trim()))
        }
    }
}
