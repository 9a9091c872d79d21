//! `influxdesk alert smtp`: show or set the SMTP account email alert channels send through,
//! one `core::api::alerts::smtp` / `set_smtp` call. The password comes from standard input
//! (`--password-stdin`), never from the command line.

use std::io::IsTerminal;

use clap::Args;
use influxdesk_core::api::alerts::{self, SetSmtpReq, SmtpView};
use influxdesk_core::model::{SecretChange, SmtpTls};
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, Ctx, Error, Result};

#[derive(Args)]
pub struct SmtpArgs {
    /// The SMTP server's host name or IP address (a private one needs `alert allow-host`).
    #[arg(long)]
    host: Option<String>,
    /// The port (default: 25 for none, 587 for starttls, 465 for tls).
    #[arg(long, requires = "host")]
    port: Option<u16>,
    /// none, starttls (default) or tls.
    #[arg(long, requires = "host", value_parser = parse_tls)]
    tls: Option<SmtpTls>,
    /// The login, when the server wants one.
    #[arg(long, requires = "host")]
    username: Option<String>,
    /// The sender address, e.g. alerts@example.com.
    #[arg(long, requires = "host")]
    from: Option<String>,
    /// Read the password from standard input (kept in the keychain).
    #[arg(long, requires = "host", conflicts_with = "clear_password")]
    password_stdin: bool,
    /// Remove the stored password.
    #[arg(long, requires = "host")]
    clear_password: bool,
    #[arg(long)]
    json: bool,
}

fn parse_tls(s: &str) -> std::result::Result<SmtpTls, String> {
    match s.to_ascii_lowercase().as_str() {
        "none" | "off" | "plain" => Ok(SmtpTls::None),
        "starttls" => Ok(SmtpTls::Starttls),
        "tls" | "ssl" | "smtps" => Ok(SmtpTls::Tls),
        _ => Err(format!(
            "unknown TLS mode \"{s}\": use none, starttls or tls"
        )),
    }
}

fn text(v: &SmtpView) -> String {
    match &v.settings {
        None => "no SMTP account: email alert channels cannot send (set one with \
                 `influxdesk alert smtp --host HOST --from ADDRESS`)\n"
            .into(),
        Some(s) => format!(
            "SMTP {}:{} ({}), from {}, {}\n",
            s.host,
            s.port,
            match s.tls {
                SmtpTls::None => "no TLS",
                SmtpTls::Starttls => "STARTTLS",
                SmtpTls::Tls => "TLS",
            },
            s.from,
            match (&s.username, v.password_set) {
                (Some(u), true) => format!("login {u} (password in the keychain)"),
                (Some(u), false) => format!("login {u} (NO password stored)"),
                (None, _) => "no login".into(),
            }
        ),
    }
}

pub async fn run(ctx: &Ctx, a: SmtpArgs) -> Result<String> {
    let view = match a.host {
        None => alerts::smtp(ctx).await?,
        Some(host) => {
            let password = if a.password_stdin {
                if std::io::stdin().is_terminal() {
                    eprint!("SMTP password (input is not hidden; prefer piping it): ");
                }
                let p = super::read_stdin("the SMTP password")?;
                let p = p.trim_end_matches(['\r', '\n']).to_string();
                if p.is_empty() {
                    return Err(Error::invalid(
                        "--password-stdin was given but standard input was empty",
                    ));
                }
                SecretChange::Set(Secret::new(p))
            } else if a.clear_password {
                SecretChange::Clear
            } else {
                SecretChange::Keep
            };
            let from = a.from.ok_or_else(|| {
                Error::invalid("give the sender address with --from, e.g. alerts@example.com")
            })?;
            let req = SetSmtpReq {
                host,
                port: a.port,
                tls: a.tls.unwrap_or_default(),
                username: a.username,
                from,
                password,
            };
            alerts::set_smtp(ctx, &Actor::User, req).await?
        }
    };
    if a.json {
        return serde_json::to_string_pretty(&view)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("could not encode the result: {e}")));
    }
    Ok(text(&view))
}
