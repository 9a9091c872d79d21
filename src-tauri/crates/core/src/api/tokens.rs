//! API tokens: InfluxDB 2.x authorizations (list with description, status and permissions;
//! create read/write tokens scoped to buckets; disable/enable; delete) and InfluxDB 3 Core
//! tokens (list; create a named admin token, the only kind 3 Core has; delete by name). 1.x has
//! users instead (see [`super::users`]).
//!
//! A new token's value is in the answer of [`create`] and nowhere else: never logged, stored,
//! put in an event or the activity log. influxdesk keeps it only when the user makes a profile
//! with it (the keychain, through `profiles::add`). The MCP tool does not pass it on.

use serde::{Deserialize, Serialize};

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::tokens::{BucketPermission, TokenInfo, no_tokens};
use crate::influx::{Client, api_name};
use crate::model::{Actor, ApiKind, Profile};
use crate::secrets::Secret;

/// The tokens of a connection and what its server can do with them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct TokenList {
    /// "v2" or "v3".
    pub api: ApiKind,
    pub tokens: Vec<TokenInfo>,
    /// New tokens can be limited to buckets (read/write): 2.x. 3 Core makes admin tokens only.
    pub can_scope: bool,
    /// Tokens can be disabled and enabled again: 2.x. 3 Core tokens can only be deleted.
    pub can_disable: bool,
    /// What this server cannot do, for the screen and the assistant.
    pub note: Option<String>,
}

/// Create an API token.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct CreateTokenReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// What the token is for (2.x: its description; 3.x: its unique name).
    pub description: String,
    /// Buckets the token may read (2.x).
    pub read: Vec<String>,
    /// Buckets the token may write (2.x).
    pub write: Vec<String>,
    /// Expire after this long, e.g. "30d" (3.x); never when absent.
    pub expires_in: Option<String>,
}

/// A token just created. `value` is the token itself, shown this once.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CreatedToken {
    pub token: TokenInfo,
    /// The token's value: shown once, kept nowhere by influxdesk unless the user makes a
    /// profile with it.
    #[ts(type = "string")]
    pub value: ShownOnce,
}

/// A new token's value: serialized (for the one answer that shows it), never printed by Debug.
#[derive(Debug, Clone)]
pub struct ShownOnce(pub Secret);

impl Serialize for ShownOnce {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        ser.serialize_str(self.0.expose())
    }
}

/// Disable or enable a token (2.x).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct SetTokenStatusReq {
    pub profile: Option<String>,
    /// The token's id (2.x authorization ID) as `token list` shows it.
    pub id: String,
    /// false disables it (the server then refuses requests with it), true enables it again.
    pub active: bool,
}

/// Delete a token.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct DeleteTokenReq {
    pub profile: Option<String>,
    /// The token's id as `token list` shows it (2.x: authorization ID; 3.x: its name).
    pub id: String,
}

const V3_NOTE: &str = "InfluxDB 3 Core has admin tokens only (full access): new tokens cannot \
     be limited to databases (that is InfluxDB 3 Enterprise) and cannot be disabled, only \
     deleted. The server's operator token (_admin) cannot be deleted.";

async fn token_client(ctx: &Ctx, profile: Option<&str>) -> Result<(Profile, Client)> {
    let p = profiles::resolve(ctx, profile).await?;
    let c = ctx.client(&p).await?;
    match c.api() {
        ApiKind::V2 | ApiKind::V3 => Ok((p, c)),
        api => Err(no_tokens(api)),
    }
}

fn check_description(d: &str) -> Result<String> {
    let d = d.trim();
    if d.is_empty() {
        return Err(Error::invalid(
            "describe the token (what it is for), so it can be told apart later",
        ));
    }
    if d.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a token description cannot contain control characters (newlines, tabs)",
        ));
    }
    Ok(d.to_string())
}

fn clean(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The tokens of the connection's server (2.x: of its organization).
pub async fn list(ctx: &Ctx, profile: Option<&str>) -> Result<TokenList> {
    let (_, c) = token_client(ctx, profile).await?;
    let tokens = c.list_tokens().await?;
    let v2 = c.api() == ApiKind::V2;
    Ok(TokenList {
        api: c.api(),
        tokens,
        can_scope: v2,
        can_disable: v2,
        note: (!v2).then(|| V3_NOTE.to_string()),
    })
}

/// Create a token: 2.x with read and/or write permission on the named buckets; 3.x a named
/// admin token (refused when buckets are named: 3 Core cannot limit a token).
pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateTokenReq) -> Result<CreatedToken> {
    let description = check_description(&req.description)?;
    let read = clean(&req.read);
    let write = clean(&req.write);
    let (p, c) = token_client(ctx, req.profile.as_deref()).await?;
    let created = match c.api() {
        ApiKind::V2 => {
            if read.is_empty() && write.is_empty() {
                return Err(Error::invalid(
                    "name at least one bucket the token may read or write",
                ));
            }
            if req
                .expires_in
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty())
            {
                return Err(Error::invalid(
                    "InfluxDB 2.x tokens do not expire: leave the expiry out (disable or delete \
                     the token when it is no longer needed)",
                ));
            }
            let read_ids = c.v2_bucket_ids(&read).await?;
            let write_ids = c.v2_bucket_ids(&write).await?;
            let what = format!(
                "create the API token \"{description}\" on {}\nread: {}\nwrite: {}",
                p.name,
                list_or_none(&read),
                list_or_none(&write)
            );
            super::policy::check_admin(ctx, actor, &p, &what).await?;
            let perms: Vec<BucketPermission> = read_ids
                .into_iter()
                .map(|(_, id)| BucketPermission {
                    write: false,
                    bucket_id: id,
                })
                .chain(write_ids.into_iter().map(|(_, id)| BucketPermission {
                    write: true,
                    bucket_id: id,
                }))
                .collect();
            c.create_v2_token(&description, &perms).await?
        }
        _ => {
            if !read.is_empty() || !write.is_empty() {
                return Err(Error::invalid(format!(
                    "{V3_NOTE} Leave the databases out to create an admin token."
                )));
            }
            let expiry = match req.expires_in.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(e) => Some(super::buckets::parse_retention(e)?.ok_or_else(|| {
                    Error::invalid(
                        "give the expiry as a duration such as 30d or 12h, or leave it out \
                         for a token that never expires",
                    )
                })?),
            };
            if c.list_tokens().await?.iter().any(|t| t.id == description) {
                return Err(Error::Conflict(format!(
                    "a token named \"{description}\" already exists: pick another name"
                )));
            }
            let what = format!(
                "create the admin token \"{description}\" on {} (full access){}",
                p.name,
                req.expires_in
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .map(|e| format!("\nexpires in {e}"))
                    .unwrap_or_default()
            );
            super::policy::check_admin(ctx, actor, &p, &what).await?;
            c.create_v3_token(&description, expiry).await?
        }
    };
    ctx.emit(
        actor,
        "token.create",
        format!("\"{description}\" on {}", p.name),
    );
    Ok(CreatedToken {
        token: created.info,
        value: ShownOnce(created.value),
    })
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

async fn find(c: &Client, id: &str) -> Result<TokenInfo> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::invalid(
            "name the token by its id (`influxdesk token list` shows them)",
        ));
    }
    c.list_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "no token with id \"{id}\": `influxdesk token list` shows the tokens"
            ))
        })
}

/// Disable (or enable again) a 2.x token.
pub async fn set_status(ctx: &Ctx, actor: &Actor, req: SetTokenStatusReq) -> Result<TokenInfo> {
    let (p, c) = token_client(ctx, req.profile.as_deref()).await?;
    if c.api() != ApiKind::V2 {
        return Err(Error::invalid(format!(
            "{} tokens cannot be disabled, only deleted. {V3_NOTE}",
            api_name(c.api())
        )));
    }
    let t = find(&c, &req.id).await?;
    let verb = if req.active { "enable" } else { "disable" };
    let what = format!(
        "{verb} the API token \"{}\" ({}) on {}\npermissions: {}",
        t.description,
        t.id,
        p.name,
        t.permissions.join(", ")
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    let out = c.set_v2_token_status(&t.id, req.active).await?;
    ctx.emit(
        actor,
        &format!("token.{verb}"),
        format!("\"{}\" on {}", t.description, p.name),
    );
    Ok(out)
}

/// Delete a token.
pub async fn delete(ctx: &Ctx, actor: &Actor, req: DeleteTokenReq) -> Result<()> {
    let (p, c) = token_client(ctx, req.profile.as_deref()).await?;
    let t = find(&c, &req.id).await?;
    if !t.deletable {
        return Err(Error::invalid(
            "\"_admin\" is the server's operator token, which InfluxDB 3 does not let anyone \
             delete (regenerate it on the server instead: `influxdb3 create token --admin \
             --regenerate`)",
        ));
    }
    let what = format!(
        "delete the API token \"{}\" ({}) on {}: whatever uses it stops working\npermissions: {}",
        t.description,
        t.id,
        p.name,
        t.permissions.join(", ")
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.delete_token(&t.id).await?;
    ctx.emit(
        actor,
        "token.delete",
        format!("\"{}\" on {}", t.description, p.name),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_tokens_show_their_value_only_when_serialized() {
        let c = CreatedToken {
            token: TokenInfo {
                id: "1".into(),
                description: "ci".into(),
                status: "active".into(),
                permissions: vec![],
                user: None,
                created_at: None,
                expires_at: None,
                deletable: true,
            },
            value: ShownOnce(Secret::new("tok-VALUE")),
        };
        assert!(!format!("{c:?}").contains("tok-VALUE"));
        assert!(serde_json::to_string(&c).unwrap().contains("tok-VALUE"));
        assert!(check_description(" ").is_err());
        assert_eq!(clean(&["b".into(), " a ".into(), "b".into()]), ["a", "b"]);
    }
}
