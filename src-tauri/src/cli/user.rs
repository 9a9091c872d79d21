//! `influxdesk user`: InfluxDB 1.x users from the command line: list (admin flag and grants),
//! create and passwd (the password only from standard input with --password-stdin, never a
//! flag), grant/revoke READ, WRITE or ALL on a database, the admin flag, rm. Each subcommand is
//! one `core::api::users` call.

use clap::{Args, Subcommand};
use influxdesk_core::api::users::{
    self, CreateUserReq, DropUserReq, GrantReq, SetAdminReq, SetPasswordReq,
};
use influxdesk_core::influx::users::{Privilege, UserInfo};
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, Ctx, Error, Result};

use super::output::json;

#[derive(Args)]
pub struct UserArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long, short, global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    cmd: UserCmd,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// List the users with their admin flag and privileges per database.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a user; the password is read from standard input (--password-stdin).
    Create {
        name: String,
        /// Read the password from standard input (required: passwords never go on the
        /// command line).
        #[arg(long)]
        password_stdin: bool,
        /// Make the user an admin (all privileges on every database).
        #[arg(long)]
        admin: bool,
        /// Print JSON instead of a line.
        #[arg(long)]
        json: bool,
    },
    /// Change a user's password, read from standard input (--password-stdin).
    Passwd {
        name: String,
        /// Read the new password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant READ, WRITE or ALL on a database.
    Grant(GrantArgs),
    /// Revoke READ, WRITE or ALL on a database (revoking READ from ALL leaves WRITE).
    Revoke(GrantArgs),
    /// Make a user an admin, or take admin away with --revoke.
    Admin {
        name: String,
        #[arg(long)]
        revoke: bool,
        #[arg(long)]
        json: bool,
    },
    /// Drop a user.
    #[command(alias = "remove", alias = "delete", alias = "drop")]
    Rm { name: String },
}

#[derive(Args)]
pub struct GrantArgs {
    /// The user.
    name: String,
    /// The database.
    #[arg(long, alias = "database")]
    db: String,
    /// read, write or all.
    #[arg(long, value_parser = parse_privilege)]
    privilege: Privilege,
    /// Print JSON instead of a line.
    #[arg(long)]
    json: bool,
}

fn parse_privilege(s: &str) -> std::result::Result<Privilege, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "read" => Ok(Privilege::Read),
        "write" => Ok(Privilege::Write),
        "all" => Ok(Privilege::All),
        _ => Err(format!(
            "\"{s}\" is not a privilege: use read, write or all"
        )),
    }
}

/// The password from standard input (one line; the trailing newline is not part of it).
fn password(given: bool) -> Result<Option<Secret>> {
    if !given {
        return Err(Error::invalid(
            "give the password on standard input with --password-stdin (passwords never go on \
             the command line), e.g. `read -s PW; echo \"$PW\" | influxdesk user create NAME \
             --password-stdin`",
        ));
    }
    let s = super::read_stdin("the password")?;
    Ok(Some(Secret::new(s.trim_end_matches(['\r', '\n']))))
}

fn line(u: &UserInfo) -> String {
    let grants = if u.admin {
        "admin: all privileges".to_string()
    } else if u.grants.is_empty() {
        "no privileges".to_string()
    } else {
        u.grants
            .iter()
            .map(|g| format!("{} {}", g.privilege.keyword(), g.database))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("{:<24} {grants}\n", u.name)
}

fn shown(u: &UserInfo, as_json: bool) -> Result<String> {
    if as_json { json(u) } else { Ok(line(u)) }
}

pub async fn run(ctx: &Ctx, a: UserArgs) -> Result<String> {
    let me = Actor::User;
    let profile = a.profile;
    match a.cmd {
        UserCmd::List { json: as_json } => {
            let all = users::list(ctx, profile.as_deref()).await?;
            if as_json {
                return json(&all);
            }
            Ok(if all.is_empty() {
                "no users\n".into()
            } else {
                all.iter().map(line).collect()
            })
        }
        UserCmd::Create {
            name,
            password_stdin,
            admin,
            json: as_json,
        } => {
            let req = CreateUserReq {
                profile,
                name,
                password: password(password_stdin)?,
                admin,
            };
            shown(&users::create(ctx, &me, req).await?, as_json)
        }
        UserCmd::Passwd {
            name,
            password_stdin,
        } => {
            let req = SetPasswordReq {
                profile,
                name: name.clone(),
                password: password(password_stdin)?,
            };
            users::set_password(ctx, &me, req).await?;
            Ok(format!("changed the password of \"{}\"\n", name.trim()))
        }
        UserCmd::Grant(g) => {
            let as_json = g.json;
            shown(
                &users::grant(ctx, &me, grant_req(profile, g)).await?,
                as_json,
            )
        }
        UserCmd::Revoke(g) => {
            let as_json = g.json;
            shown(
                &users::revoke(ctx, &me, grant_req(profile, g)).await?,
                as_json,
            )
        }
        UserCmd::Admin {
            name,
            revoke,
            json: as_json,
        } => {
            let req = SetAdminReq {
                profile,
                name,
                admin: !revoke,
            };
            shown(&users::set_admin(ctx, &me, req).await?, as_json)
        }
        UserCmd::Rm { name } => {
            let req = DropUserReq {
                profile,
                name: name.clone(),
            };
            users::drop(ctx, &me, req).await?;
            Ok(format!("dropped user \"{}\"\n", name.trim()))
        }
    }
}

fn grant_req(profile: Option<String>, g: GrantArgs) -> GrantReq {
    GrantReq {
        profile,
        name: g.name,
        database: g.db,
        privilege: g.privilege,
    }
}
