//! The user's setting of which hosts on loopback, private or link-local addresses alert
//! channels may reach (settings `alert_allowed_hosts`). Only the user may change it. Not here:
//! judging an address (that is `addresses`).

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::addresses;
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::model::Actor;

/// Allow (or stop allowing) alert notifications to a host on a loopback, private or
/// link-local address.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct AllowHostReq {
    /// A host name or IP address as it appears in the channel's URL, e.g. "127.0.0.1" or
    /// "hooks.internal.example".
    pub host: String,
    /// true to allow, false to stop allowing.
    pub allow: bool,
}

/// The hosts on private addresses that alert channels may reach (settings).
pub async fn allowed_hosts(ctx: &Ctx) -> Result<Vec<String>> {
    addresses::allowed_hosts(ctx)
}

/// Allow or disallow a private host for alert channels. Only the user may: an assistant that
/// could allow hosts could reach the user's network.
pub async fn allow_host(ctx: &Ctx, actor: &Actor, req: AllowHostReq) -> Result<Vec<String>> {
    if !matches!(actor, Actor::User) {
        return Err(Error::Forbidden(
            "only the user may allow alert channels to reach private hosts (influxdesk alert \
             allow-host HOST)"
                .into(),
        ));
    }
    let host = addresses::normal_host(&req.host);
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(Error::invalid(format!(
            "\"{}\" is not a host: give a host name or IP address, e.g. 127.0.0.1",
            req.host
        )));
    }
    let hosts = ctx.store.update_settings(|s| {
        s.alert_allowed_hosts
            .retain(|h| addresses::normal_host(h) != host);
        if req.allow {
            s.alert_allowed_hosts.push(host.clone());
        }
        Ok(s.alert_allowed_hosts.clone())
    })?;
    ctx.emit(
        actor,
        "settings.update",
        format!(
            "alert channels {} reach {host}",
            if req.allow { "may" } else { "may no longer" }
        ),
    );
    Ok(hosts)
}
