//! API tokens: InfluxDB 2.x authorizations (`/api/v2/authorizations`: list, create with
//! bucket permissions, status active/inactive, delete) and InfluxDB 3 Core tokens (listed from
//! `system.tokens`, named admin tokens made with `/api/v3/configure/token/named_admin`,
//! deleted by name with `/api/v3/configure/token`). A listing never carries a token's value
//! (2.x servers before 2.? sent it in full: it is dropped here); only a create returns it.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Client, json_body};
use crate::error::{Error, Result};
use crate::model::{ApiKind, QueryLanguage};
use crate::secrets::Secret;

/// A token as listed (never its value).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct TokenInfo {
    /// 2.x: the authorization ID; 3.x: the token's name (what delete takes).
    pub id: String,
    /// 2.x: the description; 3.x: the token's name.
    pub description: String,
    /// "active" or "inactive" (2.x); 3.x tokens are always "active" until they expire.
    pub status: String,
    /// Human permissions, e.g. `read buckets/metrics`, `write buckets (all)`, `admin (all)`.
    pub permissions: Vec<String>,
    /// The user owning it (2.x), when the server says.
    pub user: Option<String>,
    /// RFC 3339, when the server says.
    pub created_at: Option<String>,
    /// RFC 3339 expiry (3.x), when it has one.
    pub expires_at: Option<String>,
    /// False for the one token the server never lets anyone delete (3.x's operator token).
    pub deletable: bool,
}

/// InfluxDB 3's operator token: it cannot be deleted (only regenerated on the server).
pub const OPERATOR_TOKEN: &str = "_admin";

/// A token just created: its listing and, once, its value.
pub struct Created {
    pub info: TokenInfo,
    pub value: Secret,
}

/// One permission to grant a new 2.x token.
#[derive(Debug, Clone)]
pub struct BucketPermission {
    pub write: bool,
    pub bucket_id: String,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn v2_permission(p: &Value) -> String {
    let action = s(p, "action").unwrap_or_else(|| "?".into());
    let r = p.get("resource").cloned().unwrap_or(Value::Null);
    let kind = s(&r, "type").unwrap_or_else(|| "?".into());
    let which = s(&r, "name")
        .or_else(|| s(&r, "id"))
        .map_or_else(|| " (all)".to_string(), |n| format!("/{n}"));
    format!("{action} {kind}{which}")
}

fn v2_info(a: &Value) -> TokenInfo {
    TokenInfo {
        id: s(a, "id").unwrap_or_default(),
        description: s(a, "description").unwrap_or_default(),
        status: s(a, "status").unwrap_or_else(|| "active".into()),
        permissions: a
            .get("permissions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(v2_permission)
            .collect(),
        user: s(a, "user"),
        created_at: s(a, "createdAt"),
        expires_at: None,
        deletable: true,
    }
}

fn v3_info(row: &Value) -> TokenInfo {
    let name = s(row, "name").unwrap_or_default();
    let perms = s(row, "permissions").unwrap_or_default();
    let deletable = name != OPERATOR_TOKEN;
    TokenInfo {
        id: name.clone(),
        description: name,
        status: "active".into(),
        permissions: if perms == "*:*:*" || perms.is_empty() {
            vec!["admin (all)".into()]
        } else {
            perms.split(',').map(|p| p.trim().to_string()).collect()
        },
        user: None,
        created_at: s(row, "created_at"),
        expires_at: s(row, "expiry"),
        deletable,
    }
}

impl Client {
    /// The tokens the server lists (2.x authorizations of the profile's organization; 3.x
    /// `system.tokens`).
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        match self.api {
            ApiKind::V2 => {
                let mut rb = self.request(Method::GET, "/api/v2/authorizations");
                if let Some(org) = &self.org {
                    rb = rb.query(&[("org", org.as_str())]);
                }
                let resp = self.send(rb, "listing API tokens").await?;
                let v = json_body(self.check(resp, "listing API tokens").await?).await?;
                Ok(v.get("authorizations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(v2_info)
                    .collect())
            }
            ApiKind::V3 => {
                let (frames, _) = self
                    .query(
                        QueryLanguage::Sql,
                        Some("_internal"),
                        "SELECT * FROM system.tokens",
                        10_000,
                    )
                    .await?;
                let mut out = Vec::new();
                for f in &frames {
                    for i in 0..f.rows() {
                        let mut row = serde_json::Map::new();
                        for c in &f.columns {
                            row.insert(c.name.clone(), c.value(i));
                        }
                        out.push(v3_info(&Value::Object(row)));
                    }
                }
                Ok(out)
            }
            api => Err(no_tokens(api)),
        }
    }

    /// Create a 2.x token with these bucket permissions.
    pub async fn create_v2_token(
        &self,
        description: &str,
        perms: &[BucketPermission],
    ) -> Result<Created> {
        let org_id = self.v2_org_id().await?;
        let permissions: Vec<Value> = perms
            .iter()
            .map(|p| {
                json!({
                    "action": if p.write { "write" } else { "read" },
                    "resource": {"type": "buckets", "id": p.bucket_id, "orgID": org_id},
                })
            })
            .collect();
        let body = json!({
            "orgID": org_id,
            "description": description,
            "permissions": permissions,
        });
        let rb = self
            .request(Method::POST, "/api/v2/authorizations")
            .json(&body);
        let resp = self.send(rb, "creating the API token").await?;
        let v = json_body(self.check(resp, "creating the API token").await?).await?;
        let value = s(&v, "token").filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::Internal("the server created the token but did not send its value".into())
        })?;
        Ok(Created {
            info: v2_info(&v),
            value: Secret::new(value),
        })
    }

    /// Create a 3.x named admin token (3 Core has no narrower tokens).
    pub async fn create_v3_token(&self, name: &str, expiry_secs: Option<u64>) -> Result<Created> {
        let mut body = json!({"token_name": name});
        if let Some(e) = expiry_secs {
            body["expiry_secs"] = json!(e);
        }
        let rb = self
            .request(Method::POST, "/api/v3/configure/token/named_admin")
            .json(&body);
        let resp = self.send(rb, "creating the token").await?;
        let v = json_body(
            self.check(resp, "creating the token")
                .await
                .map_err(v3_auth_off)?,
        )
        .await?;
        let value = s(&v, "token").filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::Internal("the server created the token but did not send its value".into())
        })?;
        Ok(Created {
            info: TokenInfo {
                id: s(&v, "name").unwrap_or_else(|| name.to_string()),
                description: s(&v, "name").unwrap_or_else(|| name.to_string()),
                status: "active".into(),
                permissions: vec!["admin (all)".into()],
                user: None,
                created_at: s(&v, "created_at"),
                expires_at: s(&v, "expiry"),
                deletable: true,
            },
            value: Secret::new(value),
        })
    }

    /// Set a 2.x token's status (`active` / `inactive`).
    pub async fn set_v2_token_status(&self, id: &str, active: bool) -> Result<TokenInfo> {
        let rb = self
            .request(Method::PATCH, &format!("/api/v2/authorizations/{id}"))
            .json(&json!({"status": if active { "active" } else { "inactive" }}));
        let resp = self.send(rb, "changing the API token").await?;
        let v = json_body(self.check(resp, "changing the API token").await?).await?;
        Ok(v2_info(&v))
    }

    /// Delete a token: 2.x by authorization ID, 3.x by name.
    pub async fn delete_token(&self, id: &str) -> Result<()> {
        match self.api {
            ApiKind::V2 => {
                let rb = self.request(Method::DELETE, &format!("/api/v2/authorizations/{id}"));
                let resp = self.send(rb, "deleting the API token").await?;
                self.check(resp, "deleting the API token").await?;
                Ok(())
            }
            ApiKind::V3 => {
                let rb = self
                    .request(Method::DELETE, "/api/v3/configure/token")
                    .query(&[("token_name", id)]);
                let resp = self.send(rb, "deleting the token").await?;
                match self.check(resp, "deleting the token").await {
                    Ok(_) => Ok(()),
                    Err(e) if e.message().contains("operator token") => {
                        Err(Error::invalid(format!(
                            "\"{id}\" is the server's operator token, which InfluxDB 3 does not \
                             let anyone delete (regenerate it on the server instead: \
                             `influxdb3 create token --admin --regenerate`)."
                        )))
                    }
                    Err(e) => Err(v3_auth_off(e)),
                }
            }
            api => Err(no_tokens(api)),
        }
    }

    /// The bucket IDs of 2.x bucket names (NotFound naming the first missing one).
    pub async fn v2_bucket_ids(&self, names: &[String]) -> Result<Vec<(String, String)>> {
        let buckets = self.list_buckets().await?;
        names
            .iter()
            .map(|n| {
                buckets
                    .iter()
                    .find(|b| &b.name == n)
                    .and_then(|b| b.id.clone())
                    .map(|id| (n.clone(), id))
                    .ok_or_else(|| {
                        Error::NotFound(format!(
                            "no bucket named \"{n}\" in this organization: `influxdesk db list` \
                             shows the buckets"
                        ))
                    })
            })
            .collect()
    }
}

/// 3 Core started `--without-auth` answers token endpoints 405 "endpoint disabled".
fn v3_auth_off(e: Error) -> Error {
    if e.message().contains("without auth") {
        Error::invalid(
            "this InfluxDB 3 server runs without authentication (`--without-auth`): it has no \
             tokens to create or delete. Start it with auth on to manage tokens.",
        )
    } else {
        e
    }
}

pub(crate) fn no_tokens(api: ApiKind) -> Error {
    Error::invalid(format!(
        "{} has no API tokens: access is by users and passwords there (Admin > Users, or \
         `influxdesk user list`).",
        super::api_name(api)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_never_keep_a_value() {
        let a = json!({"id": "0a1", "token": "LEAKED", "status": "inactive", "description": "ci",
            "permissions": [{"action": "read", "resource": {"type": "buckets", "name": "m"}},
                            {"action": "write", "resource": {"type": "buckets"}}]});
        let i = v2_info(&a);
        assert_eq!(i.permissions, ["read buckets/m", "write buckets (all)"]);
        assert_eq!(i.status, "inactive");
        assert!(!format!("{i:?}").contains("LEAKED"));
        let t = v3_info(&json!({"name": "ci", "permissions": "*:*:*", "hash": "02d"}));
        assert_eq!(t.permissions, ["admin (all)"]);
        assert_eq!(t.id, "ci");
        assert!(t.deletable);
        assert!(!v3_info(&json!({"name": "_admin"})).deletable);
    }
}
