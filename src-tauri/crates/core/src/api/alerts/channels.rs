//! What an alert channel is, and the checks on it. A channel is `desktop` (an event the GUI
//! shows), `history` (history only: state changes are recorded and nobody is notified; given
//! alone), `email:<address>[,...]` (a mail through the app's SMTP account, see `email`;
//! addresses are not secret and stay in the rule) or an HTTP endpoint (`webhook:<url>`,
//! `slack:<url>`, `teams:<url>`, `pagerduty:<routing key>` to the Events API v2; bodies in
//! `payloads`) whose URL (or key) is kept in the OS keychain (`keychain`) and shown everywhere
//! else without its path, query or credentials. An HTTP channel may not point at a loopback,
//! private, link-local or cloud-metadata address unless the user allowed the host (the rules
//! are in `addresses`). Not here: sending (`send`) and when to notify (`evaluate`).

use url::Url;

use super::addresses::target;
use super::{email, payloads};
use crate::api::Ctx;
use crate::error::{Error, Result};

/// The kinds of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Webhook,
    Slack,
    Teams,
    PagerDuty,
    Desktop,
    Email,
    History,
}

impl Kind {
    /// Whether the channel's text is a secret kept in the keychain (HTTP channels).
    pub(super) fn secret(self) -> bool {
        !matches!(self, Kind::Desktop | Kind::Email | Kind::History)
    }
}

/// A channel's kind and, for HTTP channels, its URL (unparsed).
pub(super) fn split(c: &str) -> Option<(Kind, &str)> {
    let c = c.trim();
    if c == "desktop" {
        return Some((Kind::Desktop, ""));
    }
    if c == "history" {
        return Some((Kind::History, ""));
    }
    for (prefix, kind) in [
        ("email:", Kind::Email),
        ("webhook:", Kind::Webhook),
        ("slack:", Kind::Slack),
        ("teams:", Kind::Teams),
        ("pagerduty:", Kind::PagerDuty),
    ] {
        if let Some(rest) = c.strip_prefix(prefix) {
            return Some((kind, rest));
        }
    }
    None
}

pub(super) fn not_a_channel(c: &str) -> Error {
    Error::invalid(format!(
        "\"{}\" is not a channel: use \"webhook:https://...\", \
         \"slack:https://hooks.slack.com/...\", \"teams:https://...\" (an incoming webhook), \
         \"pagerduty:ROUTING_KEY\", \"email:someone@example.com\", \"desktop\" or \"history\" \
         (history only: record state changes, notify nobody)",
        redact_channel(c)
    ))
}

/// A channel without its secret parts: scheme, host and port of the URL, and "…" for a path,
/// a query or credentials (a Slack or webhook URL's path is often the secret itself).
pub fn redact_channel(c: &str) -> String {
    let (prefix, rest) = match c.trim().split_once(':') {
        Some((p @ ("webhook" | "slack" | "teams"), rest)) => (p, rest),
        // The routing key is the secret: only its last 4 characters are shown (so two
        // PagerDuty channels can be told apart), and only for a key long enough to stay secret.
        Some(("pagerduty", key)) => {
            let key = key.trim().trim_start_matches('…');
            let n = key.chars().count();
            let tail: String = if n >= 4 && (n == 4 || n >= 16) {
                key.chars().skip(n - 4).collect()
            } else {
                String::new()
            };
            return format!("pagerduty:…{tail}");
        }
        _ => return c.trim().to_string(),
    };
    let Ok(u) = Url::parse(rest) else {
        return format!("{prefix}:…");
    };
    let mut out = format!("{prefix}:{}://{}", u.scheme(), u.host_str().unwrap_or(""));
    if let Some(port) = u.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push('/');
    if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
        out.push('…');
    }
    out
}

/// Check a channel as given when creating a rule: its form and where it points.
pub(crate) async fn check(c: &str, allowed: &[String]) -> Result<()> {
    match split(c) {
        Some((Kind::Desktop | Kind::History, _)) => Ok(()),
        Some((Kind::Email, to)) => email::recipients(to).map(|_| ()),
        Some((Kind::PagerDuty, key)) => {
            if !payloads::is_routing_key(key.trim()) {
                return Err(Error::invalid(
                    "a PagerDuty channel is \"pagerduty:ROUTING_KEY\": the integration key of an \
                     Events API v2 service (letters and digits)",
                ));
            }
            target(&payloads::pagerduty_endpoint(), "pagerduty", allowed, false)
                .await
                .map(|_| ())
        }
        Some((_, url)) => target(url, &redact_channel(c), allowed, false)
            .await
            .map(|_| ()),
        None => Err(not_a_channel(c)),
    }
}

/// Check a rule's channels together: `history` (history only) stands alone, and email needs
/// the SMTP account set.
pub(crate) fn check_set(ctx: &Ctx, channels: &[String]) -> Result<()> {
    let kinds: Vec<Option<Kind>> = channels
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| split(c).map(|(k, _)| k))
        .collect();
    if kinds.contains(&Some(Kind::History)) && kinds.len() > 1 {
        return Err(Error::invalid(
            "\"history\" means history only (state changes are recorded, nobody is notified): \
             give it alone, or drop it and keep the other channels",
        ));
    }
    if kinds.contains(&Some(Kind::Email)) && ctx.store.settings()?.alert_smtp.is_none() {
        return Err(email::no_account());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn channels_are_checked_by_form_and_address() {
        check("webhook:http://127.0.0.1:9/h", &["127.0.0.1".into()])
            .await
            .expect("an allowed host passes");
        check("desktop", &[]).await.unwrap();
        check("history", &[]).await.unwrap();
        check("email:ops@example.com,oncall@example.org", &[])
            .await
            .unwrap();
        let e = check("email:not an address", &[]).await.unwrap_err();
        assert!(e.message().contains("not an email address"), "{e}");
        let e = check("webhook:http://127.0.0.1:9/h", &[])
            .await
            .unwrap_err();
        assert!(e.message().contains("allow-host 127.0.0.1"), "{e}");
        for bad in [
            "webhook:ftp://example.com/x",
            "sms:+15550100",
            "webhook:",
            "teams:",
        ] {
            let e = check(bad, &[]).await.unwrap_err();
            assert!(e.message().contains("is not a channel"), "{bad}: {e}");
        }
    }

    #[test]
    fn channel_secrets_are_not_shown() {
        assert_eq!(
            redact_channel("slack:https://hooks.slack.com/services/T0/B0/XYZ"),
            "slack:https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_channel("webhook:https://u:p@example.com/hook?token=abc"),
            "webhook:https://example.com/…"
        );
        assert_eq!(
            redact_channel("webhook:http://127.0.0.1:8080/hook"),
            "webhook:http://127.0.0.1:8080/…"
        );
        assert_eq!(
            redact_channel("webhook:https://example.com"),
            "webhook:https://example.com/"
        );
        assert_eq!(redact_channel("webhook:not a url"), "webhook:…");
        assert_eq!(redact_channel("desktop"), "desktop");
        assert_eq!(redact_channel("history"), "history");
        assert_eq!(
            redact_channel("email:ops@example.com"),
            "email:ops@example.com",
            "addresses are not secret"
        );
        assert_eq!(
            redact_channel("teams:https://example.webhook.office.com/webhookb2/SECRET"),
            "teams:https://example.webhook.office.com/…"
        );
        assert_eq!(redact_channel("pagerduty:R0UT1NGKEY"), "pagerduty:…");
        let key = "pagerduty:0123456789abcdef0123456789abWXYZ";
        assert_eq!(redact_channel(key), "pagerduty:…WXYZ");
        assert_eq!(redact_channel(&redact_channel(key)), "pagerduty:…WXYZ");
        let once = redact_channel("slack:https://hooks.slack.com/services/T0/B0/XYZ");
        assert_eq!(
            redact_channel(&once),
            once,
            "redacting twice changes nothing"
        );
    }
}
