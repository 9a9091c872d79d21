//! InfluxDB 1.x users and access: list (with the admin flag and grants per database), create,
//! change a password, grant or revoke the admin flag, grant or revoke READ/WRITE/ALL on a
//! database, drop. Every field is checked (and the user and database looked up) before
//! anything is sent; an assistant's change goes through [`super::policy::check_admin`] with the
//! exact statement, its password shown as `[REDACTED]`. A password is never logged, stored,
//! put in an event or returned.

use serde::Deserialize;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::Client;
use crate::influx::users::{Privilege, UserInfo, stmt};
use crate::model::{Actor, Profile};
use crate::secrets::Secret;

/// Create a user.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct CreateUserReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    pub name: String,
    /// The new user's password (write-only: it never comes back).
    #[ts(type = "string")]
    pub password: Option<Secret>,
    /// Make it an admin (all privileges on every database).
    pub admin: bool,
}

/// Change a user's password.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct SetPasswordReq {
    pub profile: Option<String>,
    pub name: String,
    #[ts(type = "string")]
    pub password: Option<Secret>,
}

/// Grant or revoke the admin flag (`ALL PRIVILEGES`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct SetAdminReq {
    pub profile: Option<String>,
    pub name: String,
    /// true grants admin, false revokes it.
    pub admin: bool,
}

/// Grant or revoke a privilege on one database.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct GrantReq {
    #[serde(default)]
    pub profile: Option<String>,
    /// The user.
    pub name: String,
    /// The database (it must exist).
    pub database: String,
    /// read, write or all.
    pub privilege: Privilege,
}

/// Drop a user.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct DropUserReq {
    pub profile: Option<String>,
    pub name: String,
}

/// A user name as 1.x takes it: not empty, no control characters, at most 255 characters.
pub fn check_user_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid("give the user a name"));
    }
    if n.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a user name cannot contain control characters (newlines, tabs)",
        ));
    }
    if n.chars().count() > 255 {
        return Err(Error::invalid("a user name has at most 255 characters"));
    }
    Ok(n.to_string())
}

fn check_password(p: Option<&Secret>) -> Result<&Secret> {
    p.filter(|p| !p.is_empty()).ok_or_else(|| {
        Error::invalid("give a password (not empty); it is sent to the server and kept nowhere")
    })
}

async fn v1_client(ctx: &Ctx, profile: Option<&str>) -> Result<(Profile, Client)> {
    let p = profiles::resolve(ctx, profile).await?;
    let c = ctx.client(&p).await?;
    Ok((p, c))
}

async fn find_user(c: &Client, name: &str) -> Result<UserInfo> {
    c.list_users()
        .await?
        .into_iter()
        .find(|u| u.name == name)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "no user named \"{name}\" on this server: `influxdesk user list` (or Admin > \
                 Users) shows the users"
            ))
        })
}

async fn check_database(c: &Client, database: &str) -> Result<String> {
    let d = database.trim();
    if d.is_empty() {
        return Err(Error::invalid("name the database to grant on"));
    }
    if !c.v1_database_names().await?.iter().any(|n| n == d) {
        return Err(Error::NotFound(format!(
            "no database named \"{d}\": create it first (`influxdesk db create`), or pick one \
             of `influxdesk db list`"
        )));
    }
    Ok(d.to_string())
}

/// The users of a 1.x server with their admin flag and grants.
pub async fn list(ctx: &Ctx, profile: Option<&str>) -> Result<Vec<UserInfo>> {
    let (_, c) = v1_client(ctx, profile).await?;
    c.list_users().await
}

/// Create a user with a password (and optionally the admin flag).
pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateUserReq) -> Result<UserInfo> {
    let name = check_user_name(&req.name)?;
    let password = check_password(req.password.as_ref())?;
    let (p, c) = v1_client(ctx, req.profile.as_deref()).await?;
    if c.list_users().await?.iter().any(|u| u.name == name) {
        return Err(Error::Conflict(format!(
            "user \"{name}\" already exists: pick another name, or change its password"
        )));
    }
    let statement = stmt::create_user(&name, password.expose(), req.admin);
    let what = format!(
        "create the {}user \"{name}\" on {}\n{}",
        if req.admin { "admin " } else { "" },
        p.name,
        stmt::shown(&statement, password.expose())
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_admin(&statement, Some(password)).await?;
    ctx.emit(actor, "user.create", format!("{name} on {}", p.name));
    find_user(&c, &name).await
}

/// Create a user whose password nobody knows yet: a random one that is sent to the server and
/// forgotten. What an assistant's create does, since a password must not pass through an
/// assistant; the user then sets it (`influxdesk user passwd`, or Admin > Users > Password).
pub async fn create_without_password(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<String>,
    name: &str,
    admin: bool,
) -> Result<UserInfo> {
    let random = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    create(
        ctx,
        actor,
        CreateUserReq {
            profile,
            name: name.to_string(),
            password: Some(Secret::new(random)),
            admin,
        },
    )
    .await
}

/// Change a user's password.
pub async fn set_password(ctx: &Ctx, actor: &Actor, req: SetPasswordReq) -> Result<()> {
    let name = check_user_name(&req.name)?;
    let password = check_password(req.password.as_ref())?;
    let (p, c) = v1_client(ctx, req.profile.as_deref()).await?;
    find_user(&c, &name).await?;
    let statement = stmt::set_password(&name, password.expose());
    let what = format!(
        "change the password of user \"{name}\" on {}\n{}",
        p.name,
        stmt::shown(&statement, password.expose())
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_admin(&statement, Some(password)).await?;
    ctx.emit(actor, "user.password", format!("{name} on {}", p.name));
    Ok(())
}

/// Grant or revoke the admin flag.
pub async fn set_admin(ctx: &Ctx, actor: &Actor, req: SetAdminReq) -> Result<UserInfo> {
    let name = check_user_name(&req.name)?;
    let (p, c) = v1_client(ctx, req.profile.as_deref()).await?;
    find_user(&c, &name).await?;
    let statement = stmt::admin(&name, req.admin);
    let what = format!(
        "{} admin rights {} user \"{name}\" on {}\n{statement}",
        if req.admin { "grant" } else { "revoke" },
        if req.admin { "to" } else { "from" },
        p.name
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_admin(&statement, None).await?;
    ctx.emit(
        actor,
        if req.admin {
            "user.admin.grant"
        } else {
            "user.admin.revoke"
        },
        format!("{name} on {}", p.name),
    );
    find_user(&c, &name).await
}

/// Grant READ, WRITE or ALL on a database.
pub async fn grant(ctx: &Ctx, actor: &Actor, req: GrantReq) -> Result<UserInfo> {
    change_grant(ctx, actor, req, true).await
}

/// Revoke READ, WRITE or ALL on a database (revoking READ from ALL leaves WRITE, as on 1.x).
pub async fn revoke(ctx: &Ctx, actor: &Actor, req: GrantReq) -> Result<UserInfo> {
    change_grant(ctx, actor, req, false).await
}

async fn change_grant(ctx: &Ctx, actor: &Actor, req: GrantReq, grant: bool) -> Result<UserInfo> {
    let name = check_user_name(&req.name)?;
    let (p, c) = v1_client(ctx, req.profile.as_deref()).await?;
    find_user(&c, &name).await?;
    let database = check_database(&c, &req.database).await?;
    let statement = if grant {
        stmt::grant(&name, &database, req.privilege)
    } else {
        stmt::revoke(&name, &database, req.privilege)
    };
    let what = format!(
        "{} {} on database \"{database}\" {} user \"{name}\" on {}\n{statement}",
        if grant { "grant" } else { "revoke" },
        req.privilege.keyword(),
        if grant { "to" } else { "from" },
        p.name
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_admin(&statement, None).await?;
    ctx.emit(
        actor,
        if grant { "user.grant" } else { "user.revoke" },
        format!(
            "{} on {database} {} {name} on {}",
            req.privilege.keyword(),
            if grant { "to" } else { "from" },
            p.name
        ),
    );
    find_user(&c, &name).await
}

/// Drop a user.
pub async fn drop(ctx: &Ctx, actor: &Actor, req: DropUserReq) -> Result<()> {
    let name = check_user_name(&req.name)?;
    let (p, c) = v1_client(ctx, req.profile.as_deref()).await?;
    find_user(&c, &name).await?;
    let statement = stmt::drop_user(&name);
    let what = format!("drop the user \"{name}\" on {}\n{statement}", p.name);
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_admin(&statement, None).await?;
    ctx.emit(actor, "user.drop", format!("{name} on {}", p.name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(check_user_name("  ").is_err());
        assert!(check_user_name("a\nb").is_err());
        assert_eq!(check_user_name(" bob ").unwrap(), "bob");
        assert!(check_password(None).is_err());
        assert!(check_password(Some(&Secret::new(""))).is_err());
        assert!(check_password(Some(&Secret::new("x"))).is_ok());
    }
}
