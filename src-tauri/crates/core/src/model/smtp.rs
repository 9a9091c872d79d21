//! The SMTP account email alert channels send through (settings `alert_smtp`): one per app, as
//! Grafana and Kapacitor keep theirs. The password is never here: it is in the OS keychain
//! (service `influxdesk`, account `alert-smtp`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SmtpTls {
    /// Plain text (a relay on a trusted network only; usually port 25).
    None,
    /// Plain text upgraded with STARTTLS, which is required (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl SmtpTls {
    /// The usual port of this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The SMTP account email alerts go out through.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct SmtpSettings {
    /// The server's host name or IP address.
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// The login, when the server wants one (its password is in the keychain).
    pub username: Option<String>,
    /// The sender address, e.g. "influxdesk <alerts@example.com>".
    pub from: String,
}
