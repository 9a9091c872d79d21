//! The HTTP side of a connection: what a profile's HTTP client is built from (shared by every
//! query of the profiles that agree on it) and the checks of a server URL.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::Profile;

/// What the HTTP client of a profile is built from: profiles that agree on these share one
/// `reqwest::Client` (its connection pool and its loaded TLS roots).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpSettings {
    timeout_ms: u64,
    skip_verify: bool,
    /// Ask for gzip-compressed answers: not from a server on this machine, where compressing
    /// costs the server more CPU than the bytes it saves (a 1,000-row v1 answer: +30%).
    gzip: bool,
    /// The CA file's path and its contents when read (a changed file is a new client).
    ca: Option<(String, Vec<u8>)>,
}

impl HttpSettings {
    /// The settings of `profile`, reading its CA certificate file if it names one.
    pub fn of(profile: &Profile) -> Result<HttpSettings> {
        let ca = match profile
            .tls
            .ca_cert
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    Error::invalid(format!(
                        "the CA certificate file {path} could not be read ({e}). Pick a PEM \
                         file with the certificate of the CA that signed the server's \
                         certificate."
                    ))
                })?;
                Some((path.to_string(), pem))
            }
        };
        Ok(HttpSettings {
            timeout_ms: if profile.timeout_ms == 0 {
                crate::model::DEFAULT_TIMEOUT_MS
            } else {
                profile.timeout_ms
            },
            skip_verify: profile.tls.skip_verify,
            gzip: !parse_url(&profile.url).is_ok_and(|u| is_loopback(&u)),
            ca,
        })
    }

    /// A new HTTP client with these settings.
    pub fn build(&self) -> Result<reqwest::Client> {
        let timeout = Duration::from_millis(self.timeout_ms);
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("influxdesk/", env!("CARGO_PKG_VERSION")))
            .danger_accept_invalid_certs(self.skip_verify)
            .gzip(self.gzip);
        if let Some((path, pem)) = &self.ca {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::invalid(format!("{path} is not a PEM certificate file ({e})."))
            })?;
            if certs.is_empty() {
                return Err(Error::invalid(format!(
                    "{path} contains no PEM certificate."
                )));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        b.build()
            .map_err(|e| Error::Internal(format!("could not build the HTTP client: {e}")))
    }
}

/// Whether `u` names this machine (`localhost`, 127.0.0.0/8 or `::1`).
fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub(super) fn parse_url(s: &str) -> Result<url::Url> {
    let s = s.trim();
    let u = url::Url::parse(s).map_err(|e| {
        Error::invalid(format!(
            "\"{s}\" is not a valid URL ({e}). Use the server's base URL, e.g. http://localhost:8086"
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(Error::invalid(format!(
            "\"{s}\" is not an http(s) URL. Use e.g. http://localhost:8086 or https://host:8086"
        )));
    }
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() {
        return Err(Error::invalid(
            "put credentials in the profile's username and token/password fields, not in the URL \
             (URLs end up in logs; the keychain is where secrets belong)",
        ));
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(url: &str) -> Profile {
        Profile {
            url: url.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn http_settings_share_a_client_and_skip_gzip_on_this_machine() {
        let local = HttpSettings::of(&profile("http://localhost:8086")).unwrap();
        assert!(!local.gzip);
        assert!(
            !HttpSettings::of(&profile("http://127.0.0.2:8086"))
                .unwrap()
                .gzip
        );
        assert!(
            !HttpSettings::of(&profile("http://[::1]:8086"))
                .unwrap()
                .gzip
        );
        let remote = HttpSettings::of(&profile("https://influx.example.com")).unwrap();
        assert!(remote.gzip);
        // Profiles that differ only in what the HTTP client does not depend on share one.
        assert_eq!(
            HttpSettings::of(&profile("http://127.0.0.1:9999")).unwrap(),
            local
        );
        let mut slow = profile("http://localhost:8086");
        slow.timeout_ms = 90_000;
        assert_ne!(HttpSettings::of(&slow).unwrap(), local);

        // A CA file is read each time: a changed file makes a new client; a missing one is a
        // clear error, not a client without the CA.
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "one").unwrap();
        let mut with_ca = profile("https://influx.example.com");
        with_ca.tls.ca_cert = Some(ca.display().to_string());
        let first = HttpSettings::of(&with_ca).unwrap();
        std::fs::write(&ca, "two").unwrap();
        assert_ne!(HttpSettings::of(&with_ca).unwrap(), first);
        let e = first.build().unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput);
        std::fs::remove_file(&ca).unwrap();
        let e = HttpSettings::of(&with_ca).unwrap_err();
        assert!(e.to_string().contains("could not be read"), "{e}");
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        for bad in [
            "localhost:8086",
            "ftp://x",
            "http://u:p@h:8086",
            "http://h/?token=x",
            "nope",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{bad}");
        }
        assert!(parse_url("https://h:8086/prefix").is_ok());
    }
}
