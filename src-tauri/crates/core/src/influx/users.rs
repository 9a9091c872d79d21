//! InfluxDB 1.x users and their privileges over InfluxQL: `SHOW USERS`, `SHOW GRANTS FOR`,
//! `CREATE USER`, `SET PASSWORD`, `GRANT`/`REVOKE` (per database or `ALL PRIVILEGES` for the
//! admin flag) and `DROP USER`. Names are quoted identifiers and passwords quoted InfluxQL
//! strings; statements that carry a password go in the POST body (never the URL, which servers
//! and proxies log), and a server error that echoes a password has it replaced.

use reqwest::Method;

use super::Client;
use super::parse::{self, Budget};
use super::schema::quote_ident;
use crate::error::{Error, Result};
use crate::model::{ApiKind, Frame};
use crate::secrets::Secret;

/// A privilege on one database, as 1.x grants it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Privilege {
    /// Read (queries).
    Read,
    /// Write (points).
    Write,
    /// Read and write.
    All,
}

impl Privilege {
    /// The InfluxQL keyword(s).
    pub fn keyword(self) -> &'static str {
        match self {
            Privilege::Read => "READ",
            Privilege::Write => "WRITE",
            Privilege::All => "ALL",
        }
    }

    /// `SHOW GRANTS` text ("READ", "WRITE", "ALL PRIVILEGES", "NO PRIVILEGES").
    fn from_shown(s: &str) -> Option<Privilege> {
        match s.trim().to_ascii_uppercase().as_str() {
            "READ" => Some(Privilege::Read),
            "WRITE" => Some(Privilege::Write),
            "ALL" | "ALL PRIVILEGES" => Some(Privilege::All),
            _ => None,
        }
    }
}

/// A user and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct UserInfo {
    pub name: String,
    /// Cluster admin (`WITH ALL PRIVILEGES`): everything on every database.
    pub admin: bool,
    /// Privileges per database (databases without one are left out).
    pub grants: Vec<Grant>,
}

/// One database privilege of a user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct Grant {
    pub database: String,
    pub privilege: Privilege,
}

/// An InfluxQL string literal: single quotes, with `\` and `'` escaped (the InfluxQL scanner
/// reads `\\`, `\'` and `\n` inside strings).
pub fn influxql_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The statements, built from validated names (quoted here) and passwords.
pub mod stmt {
    use super::{Privilege, influxql_str, quote_ident};

    /// `CREATE USER "u" WITH PASSWORD '…' [WITH ALL PRIVILEGES]`
    pub fn create_user(name: &str, password: &str, admin: bool) -> String {
        format!(
            "CREATE USER {} WITH PASSWORD {}{}",
            quote_ident(name),
            influxql_str(password),
            if admin { " WITH ALL PRIVILEGES" } else { "" }
        )
    }

    /// `SET PASSWORD FOR "u" = '…'`
    pub fn set_password(name: &str, password: &str) -> String {
        format!(
            "SET PASSWORD FOR {} = {}",
            quote_ident(name),
            influxql_str(password)
        )
    }

    /// `GRANT ALL PRIVILEGES TO "u"` / `REVOKE ALL PRIVILEGES FROM "u"`
    pub fn admin(name: &str, admin: bool) -> String {
        if admin {
            format!("GRANT ALL PRIVILEGES TO {}", quote_ident(name))
        } else {
            format!("REVOKE ALL PRIVILEGES FROM {}", quote_ident(name))
        }
    }

    /// `GRANT READ ON "db" TO "u"`
    pub fn grant(name: &str, database: &str, p: Privilege) -> String {
        format!(
            "GRANT {} ON {} TO {}",
            p.keyword(),
            quote_ident(database),
            quote_ident(name)
        )
    }

    /// `REVOKE READ ON "db" FROM "u"`
    pub fn revoke(name: &str, database: &str, p: Privilege) -> String {
        format!(
            "REVOKE {} ON {} FROM {}",
            p.keyword(),
            quote_ident(database),
            quote_ident(name)
        )
    }

    /// `DROP USER "u"`
    pub fn drop_user(name: &str) -> String {
        format!("DROP USER {}", quote_ident(name))
    }

    /// The statement as an approval dialog or event shows it: the password as `[REDACTED]`
    /// (what influxd itself logs).
    pub fn shown(statement: &str, password: &str) -> String {
        statement.replace(&influxql_str(password), "[REDACTED]")
    }
}

fn column_strings(f: &Frame, name: &str) -> Vec<Option<String>> {
    f.column(name)
        .map(|c| {
            c.values
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Client {
    fn require_v1_users(&self) -> Result<()> {
        match self.api {
            ApiKind::V1 | ApiKind::Auto => Ok(()),
            api => Err(Error::invalid(format!(
                "{} has no InfluxQL users: access is by API tokens there (Admin > Tokens, or \
                 `influxdesk token list`).",
                super::api_name(api)
            ))),
        }
    }

    /// Run one administrative InfluxQL statement as a POST with `q` in the form body. `secret`
    /// (a password in the statement) is replaced in any error the server sends back.
    pub(crate) async fn v1_admin(&self, statement: &str, secret: Option<&Secret>) -> Result<()> {
        self.require_v1_users()?;
        let rb = self
            .request(Method::POST, "/query")
            .form(&[("q", statement)]);
        let redact = |e: Error| match secret.filter(|s| !s.is_empty()) {
            Some(s) if e.message().contains(s.expose()) => {
                let msg = e.message().replace(s.expose(), "[REDACTED]");
                match e {
                    Error::Forbidden(_) => Error::Forbidden(msg),
                    Error::Unauthorized(_) => Error::Unauthorized(msg),
                    Error::NotFound(_) => Error::NotFound(msg),
                    _ => Error::InvalidInput(msg),
                }
            }
            _ => e,
        };
        let resp = self
            .check(self.send(rb, "query").await.map_err(redact)?, "query")
            .await
            .map_err(redact)?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.send_error(e, "reading the answer"))?;
        parse::v1_json(&body, &mut Budget::new(1_000))
            .map(|_| ())
            .map_err(|e| redact(admin_error(e)))
    }

    /// Every user with its admin flag and its grants (one `SHOW GRANTS FOR` per non-admin).
    pub async fn list_users(&self) -> Result<Vec<UserInfo>> {
        self.require_v1_users()?;
        let frames = self
            .query_v1("SHOW USERS", None, &mut Budget::new(100_000))
            .await
            .map_err(admin_error)?;
        let mut users = Vec::new();
        for f in &frames {
            let names = column_strings(f, "user");
            let admins = f.column("admin");
            for (i, name) in names.into_iter().enumerate() {
                let Some(name) = name else { continue };
                let admin = admins
                    .as_ref()
                    .and_then(|a| a.values.get(i))
                    .and_then(crate::model::Cell::as_bool)
                    .unwrap_or(false);
                users.push(UserInfo {
                    name,
                    admin,
                    grants: vec![],
                });
            }
        }
        for u in &mut users {
            u.grants = self.user_grants(&u.name).await?;
        }
        users.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(users)
    }

    /// One user's privileges per database (`SHOW GRANTS FOR`).
    pub async fn user_grants(&self, name: &str) -> Result<Vec<Grant>> {
        let q = format!("SHOW GRANTS FOR {}", quote_ident(name));
        let frames = self
            .query_v1(&q, None, &mut Budget::new(100_000))
            .await
            .map_err(admin_error)?;
        let mut out = Vec::new();
        for f in &frames {
            let dbs = column_strings(f, "database");
            let privs = column_strings(f, "privilege");
            for (db, p) in dbs.into_iter().zip(privs) {
                if let (Some(database), Some(privilege)) =
                    (db, p.as_deref().and_then(Privilege::from_shown))
                {
                    out.push(Grant {
                        database,
                        privilege,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.database.cmp(&b.database));
        Ok(out)
    }

    /// The databases of a 1.x server (for validating a grant).
    pub async fn v1_database_names(&self) -> Result<Vec<String>> {
        self.v1_databases().await
    }
}

/// A statement error as an admin action sees it: 1.x answers `user not found`, `user already
/// exists`, `requires admin privilege` in the statement result.
fn admin_error(e: Error) -> Error {
    let msg = e.message().to_string();
    let lower = msg.to_ascii_lowercase();
    if lower.contains("user not found") {
        Error::NotFound(format!(
            "{}. `influxdesk user list` (or Admin > Users) shows the users.",
            msg.trim_start_matches("InfluxDB could not run the query: ")
        ))
    } else if lower.contains("user already exists") {
        Error::Conflict(format!(
            "{}: pick another name, or change the existing user's password.",
            msg.trim_start_matches("InfluxDB could not run the query: ")
        ))
    } else if e.code() == crate::error::ErrorCode::QuerySyntax {
        Error::InvalidInput(msg)
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_statements_are_quoted() {
        assert_eq!(influxql_str(r"it's a \ pw"), r"'it\'s a \\ pw'");
        assert_eq!(
            stmt::create_user("bob\"x", "p'w", false),
            r#"CREATE USER "bob\"x" WITH PASSWORD 'p\'w'"#
        );
        assert_eq!(
            stmt::create_user("root", "pw", true),
            r#"CREATE USER "root" WITH PASSWORD 'pw' WITH ALL PRIVILEGES"#
        );
        assert_eq!(
            stmt::grant("bob", "my db", Privilege::Read),
            r#"GRANT READ ON "my db" TO "bob""#
        );
        assert_eq!(
            stmt::revoke("bob", "db", Privilege::All),
            r#"REVOKE ALL ON "db" FROM "bob""#
        );
        assert_eq!(
            stmt::shown(&stmt::set_password("bob", "s3cr'et"), "s3cr'et"),
            r#"SET PASSWORD FOR "bob" = [REDACTED]"#
        );
        assert_eq!(
            Privilege::from_shown("ALL PRIVILEGES"),
            Some(Privilege::All)
        );
        assert_eq!(Privilege::from_shown("NO PRIVILEGES"), None);
    }

    #[test]
    fn admin_errors_get_codes() {
        let e = admin_error(parse::classify_v1_error("user not found"));
        assert_eq!(e.code(), crate::error::ErrorCode::NotFound);
        let e = admin_error(parse::classify_v1_error("user already exists"));
        assert_eq!(e.code(), crate::error::ErrorCode::Conflict);
    }
}
