//! Email alert channels: `email:<address>[,<address>...]` sends each transition as a plain-text
//! mail (the rule, level, series, value and time) through the app's one SMTP account (settings
//! `alert_smtp`: host, port, TLS mode none / starttls / tls, username, from; the password in
//! the OS keychain, service `influxdesk`, account `alert-smtp`). SMTP is spoken by `lettre`
//! over rustls with the system's CA certificates. The SMTP host obeys the same address rules as
//! webhook hosts (`addresses`): a loopback or private server only when the user allowed it, and
//! the connection is pinned to the addresses checked. Not here: when to notify (`evaluate`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::addresses::{allowed_hosts, normal_host, target};
use super::{AlertRule, Evaluation, now_str};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::model::{Actor, SecretChange, SmtpSettings, SmtpTls};

/// The keychain account of the SMTP password.
pub const SMTP_ACCOUNT: &str = "alert-smtp";
/// How long one mail may take, connecting included.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Most recipients of one email channel.
const MAX_RECIPIENTS: usize = 20;

/// The SMTP account as shown: settings, and whether the keychain holds a password (never the
/// password itself).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SmtpView {
    /// None until an SMTP account is set.
    pub settings: Option<SmtpSettings>,
    pub password_set: bool,
}

/// Set the SMTP account email alert channels send through.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SetSmtpReq {
    /// The server's host name or IP address, e.g. "smtp.example.com".
    pub host: String,
    /// The port (default: 25 for none, 587 for starttls, 465 for tls).
    #[serde(default)]
    #[ts(optional)]
    pub port: Option<u16>,
    /// none, starttls (default) or tls.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The login, when the server wants one.
    #[serde(default)]
    #[ts(optional)]
    pub username: Option<String>,
    /// The sender, e.g. "alerts@example.com" or "influxdesk <alerts@example.com>".
    pub from: String,
    /// The password (write-only: kept in the keychain, never shown again).
    #[serde(default)]
    pub password: SecretChange,
}

/// The recipients of an email channel's address list, checked.
pub(super) fn recipients(list: &str) -> Result<Vec<Mailbox>> {
    let bad = |a: &str| {
        Error::invalid(format!(
            "\"{a}\" is not an email address: an email channel is \
             \"email:someone@example.com\" (several addresses separated by commas)"
        ))
    };
    let mut out = Vec::new();
    for a in list.split(',').map(str::trim) {
        if a.is_empty() || a.contains(['<', '>', '\r', '\n']) {
            return Err(bad(a));
        }
        out.push(a.parse::<Mailbox>().map_err(|_| bad(a))?);
    }
    if out.len() > MAX_RECIPIENTS {
        return Err(Error::invalid(format!(
            "an email channel has at most {MAX_RECIPIENTS} addresses: use a mailing list"
        )));
    }
    Ok(out)
}

/// The SMTP account as shown.
pub async fn smtp(ctx: &Ctx) -> Result<SmtpView> {
    let settings = ctx.store.settings()?.alert_smtp;
    let password_set = match &settings {
        Some(_) => ctx.secrets.get(SMTP_ACCOUNT).await?.is_some(),
        None => false,
    };
    Ok(SmtpView {
        settings,
        password_set,
    })
}

/// A host as an URL host (IPv6 in brackets).
fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Set (replace) the SMTP account. Only the user may: an assistant that could point alerts at
/// a mail server could reach the user's network.
pub async fn set_smtp(ctx: &Ctx, actor: &Actor, req: SetSmtpReq) -> Result<SmtpView> {
    if !matches!(actor, Actor::User) {
        return Err(Error::Forbidden(
            "only the user may set the SMTP account of email alerts (influxdesk alert smtp)".into(),
        ));
    }
    let host = normal_host(&req.host);
    if host.is_empty() || host.contains(['/', ' ', '@', '?', '#']) {
        return Err(Error::invalid(format!(
            "\"{}\" is not a host: give the SMTP server's host name or IP address, e.g. \
             smtp.example.com",
            req.host.trim()
        )));
    }
    let port = req.port.unwrap_or_else(|| req.tls.default_port());
    if port == 0 {
        return Err(Error::invalid("the SMTP port must be between 1 and 65535"));
    }
    let from = req.from.trim().to_string();
    from.parse::<Mailbox>().map_err(|_| {
        Error::invalid(format!(
            "\"{from}\" is not a sender address: give one like alerts@example.com or \
             \"influxdesk <alerts@example.com>\""
        ))
    })?;
    let username = req
        .username
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let shown = format!("SMTP server {}", url_host(&host));
    let url = format!("http://{}:{port}/", url_host(&host));
    target(&url, &shown, &allowed_hosts(ctx)?, false).await?;
    match req.password {
        SecretChange::Set(p) if p.is_empty() => {
            return Err(Error::invalid(
                "the SMTP password is empty: give it, or keep the stored one",
            ));
        }
        SecretChange::Set(p) => ctx.secrets.set(SMTP_ACCOUNT, p).await?,
        SecretChange::Clear => ctx.secrets.delete(SMTP_ACCOUNT).await?,
        SecretChange::Keep => {}
    }
    let settings = SmtpSettings {
        host: host.clone(),
        port,
        tls: req.tls,
        username,
        from,
    };
    let saved = settings.clone();
    ctx.store.update_settings(|s| {
        s.alert_smtp = Some(saved);
        Ok(())
    })?;
    ctx.emit(
        actor,
        "settings.update",
        format!("email alerts send through {}:{port}", url_host(&host)),
    );
    smtp(ctx).await
}

/// The subject of a notification mail.
pub(super) fn subject(rule: &AlertRule, e: &Evaluation, test: bool) -> String {
    let level = e.status.as_str().to_uppercase();
    let text = if test {
        format!("[influxdesk] test: {}", rule.name)
    } else if e.series.is_empty() {
        format!("[influxdesk] {level}: {}", rule.name)
    } else {
        format!("[influxdesk] {level}: {} on {}", rule.name, e.series)
    };
    text.replace(['\r', '\n'], " ")
}

/// The text of a notification mail: the message, then the rule, level, series, value, time.
pub(super) fn body(rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) -> String {
    format!(
        "{}\n\nRule:   {}\nLevel:  {} (was {})\nSeries: {}\nValue:  {}\nTime:   {}\n\n\
         -- \ninfluxdesk alert \"{}\"\n",
        e.message,
        rule.name,
        e.status.as_str().to_uppercase(),
        e.previous.as_str().to_uppercase(),
        if e.series.is_empty() {
            "(all)"
        } else {
            &e.series
        },
        e.value.map_or("none".into(), |v| v.to_string()),
        now_str(now),
        rule.name,
    )
}

/// Send the evaluation `e` of `rule` to the addresses `to` (an email channel without its
/// prefix): what the server answered on success.
pub(super) async fn send(
    ctx: &Ctx,
    rule: &AlertRule,
    to: &str,
    e: &Evaluation,
    now: DateTime<Utc>,
    test: bool,
) -> Result<String> {
    let to = recipients(to)?;
    let Some(s) = ctx.store.settings()?.alert_smtp else {
        return Err(no_account());
    };
    let password = match &s.username {
        Some(_) => Some(ctx.secrets.get(SMTP_ACCOUNT).await?.ok_or_else(|| {
            Error::NotFound(
                "the keychain has no SMTP password for the username set: give it with \
                 `influxdesk alert smtp ... --password-stdin`"
                    .into(),
            )
        })?),
        None => None,
    };
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|_| Error::invalid("the SMTP sender address in settings is not valid"))?;
    let mut m = Message::builder()
        .from(from)
        .subject(subject(rule, e, test))
        .header(ContentType::TEXT_PLAIN);
    for r in to {
        m = m.to(r);
    }
    let mail = m
        .body(body(rule, e, now))
        .map_err(|err| Error::Internal(format!("could not build the mail: {err}")))?;

    let shown = format!("SMTP server {}:{}", url_host(&s.host), s.port);
    let url = format!("http://{}:{}/", url_host(&s.host), s.port);
    let t = target(&url, &shown, &allowed_hosts(ctx)?, true).await?;
    // Connect to an address that was checked; TLS still verifies the name given.
    let connect_to = match &t.pinned {
        Some((_, addrs)) => addrs
            .first()
            .map(|a| a.ip().to_string())
            .ok_or_else(|| Error::Unreachable(format!("{shown}: no address")))?,
        None => s.host.clone(),
    };
    let params = || {
        TlsParameters::new(s.host.clone())
            .map_err(|_| Error::invalid(format!("{shown}: TLS cannot be set up for this host")))
    };
    let tls = match s.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(params()?),
        SmtpTls::Tls => Tls::Wrapper(params()?),
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(connect_to)
        .port(s.port)
        .tls(tls)
        .timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(p)) = (&s.username, &password) {
        b = b.credentials(Credentials::new(user.clone(), p.expose().to_string()));
    }
    let mailer = b.build();
    let sent = tokio::time::timeout(SEND_TIMEOUT, mailer.send(mail)).await;
    let scrub = |text: String| match &password {
        Some(p) if !p.is_empty() => text.replace(p.expose(), "<redacted>"),
        _ => text,
    };
    match sent {
        Err(_) => Err(Error::Timeout(format!(
            "{shown} did not take the mail within {} s",
            SEND_TIMEOUT.as_secs()
        ))),
        Ok(Ok(r)) => Ok(scrub(format!(
            "delivered: SMTP {}",
            r.code().to_string().trim()
        ))),
        Ok(Err(err)) => {
            let what = scrub(err.to_string());
            Err(if err.is_permanent() || err.is_transient() {
                Error::Unreachable(format!("{shown} refused the mail: {what}"))
            } else if err.is_tls() || what.contains("certificate") || what.contains("tls") {
                Error::Unreachable(format!(
                    "{shown}: the TLS connection failed ({what}); check the TLS mode and port, \
                     and that this system trusts the server's certificate"
                ))
            } else if err.is_timeout() {
                Error::Timeout(format!("{shown} did not answer: {what}"))
            } else {
                Error::Unreachable(format!("{shown}: {what}"))
            })
        }
    }
}

pub(super) fn no_account() -> Error {
    Error::invalid(
        "email alerts need an SMTP account: set one with `influxdesk alert smtp --host HOST \
         --from ADDRESS [--tls none|starttls|tls] [--port N] [--username U --password-stdin]` \
         or in the Alerts screen",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(recipients("a@example.com, b@example.org").unwrap().len(), 2);
        for bad in [
            "",
            "nobody",
            "a@example.com,",
            "x <a@example.com>",
            "a@b.c\r\nBcc: x@y.z",
        ] {
            let e = recipients(bad).unwrap_err();
            assert!(e.message().contains("not an email address"), "{bad}: {e}");
        }
    }
}
