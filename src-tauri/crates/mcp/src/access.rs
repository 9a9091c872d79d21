//! `manage-users` (InfluxDB 1.x users: list, create, grant, revoke, admin flag, delete) and
//! `manage-tokens` (2.x/3.x API tokens: list, disable, enable, delete). Each action is one core
//! call as the assistant, so the profile's admin policy applies and the approval shows the
//! exact statement.
//!
//! Secrets never pass through an assistant: `manage-users create` makes the user with a random
//! password nobody is told (the user sets it in influxdesk or with `influxdesk user passwd`),
//! and `manage-tokens` has no create: a new token's value would land in the assistant's
//! context, so the tool says where the user creates one (influxdesk Admin > Tokens, or
//! `influxdesk token create`, which show it once).

use influxdesk_core::api::tokens::{self, DeleteTokenReq, SetTokenStatusReq, TokenList};
use influxdesk_core::api::users::{self, DropUserReq, GrantReq, SetAdminReq};
use influxdesk_core::influx::tokens::TokenInfo;
use influxdesk_core::influx::users::{Privilege, UserInfo};
use influxdesk_core::{Actor, Ctx, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What `manage-users` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// List users with their admin flag and privileges per database.
    List,
    /// Create a user (its password is random and not shown: the user sets it in influxdesk).
    Create,
    /// Grant `privilege` on `database` to `name`.
    Grant,
    /// Revoke `privilege` on `database` from `name`.
    Revoke,
    /// Grant (`admin: true`) or revoke (`admin: false`) admin rights.
    SetAdmin,
    /// Drop the user `name`.
    Delete,
}

/// `manage-users`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ManageUsersParams {
    pub action: UserAction,
    /// The user (every action but list).
    #[serde(default)]
    pub name: Option<String>,
    /// The database, for grant and revoke (it must exist).
    #[serde(default)]
    pub database: Option<String>,
    /// read, write or all, for grant and revoke.
    #[serde(default)]
    pub privilege: Option<Privilege>,
    /// For create: make the user an admin. For set_admin: true grants, false revokes.
    #[serde(default)]
    pub admin: Option<bool>,
}

/// What `manage-users` did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManageUsersResult {
    /// What happened, in a sentence (and what the user still has to do).
    pub message: String,
    /// list: every user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserInfo>>,
    /// The user as it is now (create, grant, revoke, set_admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
}

fn need<'a>(v: &'a Option<String>, what: &str, action: &str) -> Result<&'a str> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::invalid(format!("{action} needs {what}")))
}

pub async fn manage_users(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    p: ManageUsersParams,
) -> Result<ManageUsersResult> {
    let prof = profile.map(str::to_string);
    let done = |message: String, user: UserInfo| ManageUsersResult {
        message,
        users: None,
        user: Some(user),
    };
    match p.action {
        UserAction::List => {
            let all = users::list(ctx, profile).await?;
            Ok(ManageUsersResult {
                message: format!("{} users", all.len()),
                users: Some(all),
                user: None,
            })
        }
        UserAction::Create => {
            let name = need(&p.name, "name", "create")?;
            let u =
                users::create_without_password(ctx, actor, prof, name, p.admin.unwrap_or(false))
                    .await?;
            Ok(done(
                format!(
                    "created user \"{}\" with a random password that nobody is told (passwords \
                     never pass through an assistant). Ask the user to set it in influxdesk \
                     (Admin > Users > Password) or with `influxdesk user passwd {} \
                     --password-stdin`.",
                    u.name, u.name
                ),
                u,
            ))
        }
        UserAction::Grant | UserAction::Revoke => {
            let action = if p.action == UserAction::Grant {
                "grant"
            } else {
                "revoke"
            };
            let req = GrantReq {
                profile: prof,
                name: need(&p.name, "name", action)?.to_string(),
                database: need(&p.database, "database", action)?.to_string(),
                privilege: p.privilege.ok_or_else(|| {
                    Error::invalid(format!("{action} needs privilege: read, write or all"))
                })?,
            };
            let u = if p.action == UserAction::Grant {
                users::grant(ctx, actor, req).await?
            } else {
                users::revoke(ctx, actor, req).await?
            };
            Ok(done(format!("{action}ed; \"{}\" now as shown", u.name), u))
        }
        UserAction::SetAdmin => {
            let admin = p.admin.ok_or_else(|| {
                Error::invalid("set_admin needs admin: true grants admin rights, false revokes")
            })?;
            let req = SetAdminReq {
                profile: prof,
                name: need(&p.name, "name", "set_admin")?.to_string(),
                admin,
            };
            let u = users::set_admin(ctx, actor, req).await?;
            Ok(done(
                format!(
                    "\"{}\" is {} admin",
                    u.name,
                    if u.admin { "now an" } else { "no longer an" }
                ),
                u,
            ))
        }
        UserAction::Delete => {
            let name = need(&p.name, "name", "delete")?.to_string();
            users::drop(
                ctx,
                actor,
                DropUserReq {
                    profile: prof,
                    name: name.clone(),
                },
            )
            .await?;
            Ok(ManageUsersResult {
                message: format!("dropped user \"{}\"", name.trim()),
                users: None,
                user: None,
            })
        }
    }
}

/// What `manage-tokens` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenAction {
    /// List tokens with description, status and permissions (never their values).
    List,
    /// Refused: a new token's value must not pass through an assistant (see the message).
    Create,
    /// Disable token `id` (2.x): the server refuses requests with it.
    Disable,
    /// Enable token `id` again (2.x).
    Enable,
    /// Delete token `id`: whatever uses it stops working.
    Delete,
}

/// `manage-tokens`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ManageTokensParams {
    pub action: TokenAction,
    /// The token's id as list shows it (2.x: authorization ID; 3.x: its name).
    #[serde(default)]
    pub id: Option<String>,
}

/// What `manage-tokens` did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManageTokensResult {
    pub message: String,
    /// list: the tokens and what the server can do with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenList>,
    /// disable/enable: the token as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
}

/// Why `manage-tokens create` is refused.
pub const NO_CREATE: &str = "an assistant cannot create API tokens: the new token's value would \
     pass through the assistant, and influxdesk never gives secrets to assistants. Ask the user \
     to create it in influxdesk (Admin > Tokens, which shows it once with Copy and can make a \
     connection profile with it) or with `influxdesk token create --description ... --read \
     BUCKET --write BUCKET`. Nothing was created.";

pub async fn manage_tokens(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    p: ManageTokensParams,
) -> Result<ManageTokensResult> {
    let prof = profile.map(str::to_string);
    match p.action {
        TokenAction::List => {
            let l = tokens::list(ctx, profile).await?;
            Ok(ManageTokensResult {
                message: format!("{} tokens", l.tokens.len()),
                tokens: Some(l),
                token: None,
            })
        }
        TokenAction::Create => Err(Error::Forbidden(NO_CREATE.into())),
        TokenAction::Disable | TokenAction::Enable => {
            let active = p.action == TokenAction::Enable;
            let action = if active { "enable" } else { "disable" };
            let t = tokens::set_status(
                ctx,
                actor,
                SetTokenStatusReq {
                    profile: prof,
                    id: need(&p.id, "id", action)?.to_string(),
                    active,
                },
            )
            .await?;
            Ok(ManageTokensResult {
                message: format!("token \"{}\" is {}", t.description, t.status),
                tokens: None,
                token: Some(t),
            })
        }
        TokenAction::Delete => {
            let id = need(&p.id, "id", "delete")?.to_string();
            tokens::delete(
                ctx,
                actor,
                DeleteTokenReq {
                    profile: prof,
                    id: id.clone(),
                },
            )
            .await?;
            Ok(ManageTokensResult {
                message: format!("deleted token {}", id.trim()),
                tokens: None,
                token: None,
            })
        }
    }
}
