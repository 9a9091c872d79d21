//! The address rules of alert channels: an HTTP channel reaches only public addresses unless
//! the user allowed its host (settings `alert_allowed_hosts`). Loopback, private, link-local,
//! shared, multicast and reserved ranges (IPv4 and IPv6, and IPv6 forms that carry an IPv4
//! address) and the cloud metadata services are refused with an error saying how to allow
//! the host. A name is resolved once and every address is judged; the connection is then
//! pinned to those addresses, so a second lookup cannot point elsewhere (DNS rebinding). Not
//! here: sending (that is `send`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use url::Url;

use super::channels::not_a_channel;
use crate::api::Ctx;
use crate::error::{Error, Result};

/// How long resolving a channel's host may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// Names of cloud metadata services (their addresses are link-local or private anyway).
const METADATA_NAMES: [&str; 2] = ["metadata.google.internal", "metadata.goog"];

/// A host as settings keep it: trimmed, lowercase, without IPv6 brackets or a final dot.
pub(crate) fn normal_host(h: &str) -> String {
    h.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The hosts the user allowed to be private (settings `alert_allowed_hosts`).
pub(crate) fn allowed_hosts(ctx: &Ctx) -> Result<Vec<String>> {
    Ok(ctx.store.settings()?.alert_allowed_hosts)
}

fn is_allowed(allowed: &[String], host: &str) -> bool {
    let host = normal_host(host);
    allowed.iter().any(|h| normal_host(h) == host)
}

/// Why an IPv4 address is not one alerts reach on their own; `None` for a public address.
fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(if o == [169, 254, 169, 254] {
        "the cloud metadata address"
    } else if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private address"
    } else if ip.is_link_local() {
        "a link-local address"
    } else if o[0] == 0 {
        "an unspecified address"
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        "a shared (carrier-grade NAT) address"
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        "an IETF protocol address"
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        "a benchmarking address"
    } else if ip.is_documentation() {
        "a documentation address"
    } else if ip.is_multicast() || o[0] >= 240 {
        "a multicast, reserved or broadcast address"
    } else {
        return None;
    })
}

/// Why an address is not one alerts reach on their own; `None` for a public address. IPv6
/// forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by it.
pub(crate) fn forbidden(ip: IpAddr) -> Option<&'static str> {
    let v6 = match ip {
        IpAddr::V4(v4) => return v4_reason(v4),
        IpAddr::V6(v6) => v6,
    };
    let s = v6.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if v6.is_unspecified() {
        return Some("an unspecified address");
    }
    if v6.is_loopback() {
        return Some("a loopback address");
    }
    if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Some("the cloud metadata address");
    }
    if let Some(v4) = v6.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    if s[..6] == [0; 6] {
        return v4_reason(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return v4_reason(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return v4_reason(embedded(s[1], s[2]));
    }
    Some(if (s[0] & 0xfe00) == 0xfc00 {
        "a private (unique local) address"
    } else if (s[0] & 0xffc0) == 0xfe80 {
        "a link-local address"
    } else if (s[0] & 0xffc0) == 0xfec0 {
        "a site-local address"
    } else if (s[0] & 0xff00) == 0xff00 {
        "a multicast address"
    } else if s[0] == 0x2001 && s[1] == 0xdb8 {
        "a documentation address"
    } else if s[0] == 0x100 && s[1..4] == [0; 3] {
        "a discard address"
    } else {
        return None;
    })
}

fn refused(shown: &str, host: &str, why: &str) -> Error {
    Error::Forbidden(format!(
        "{shown} is refused: {host} is {why}. Alert notifications go only to public addresses \
         unless you allow the host: run `influxdesk alert allow-host {host}` (or add \"{host}\" \
         to alert_allowed_hosts in influxdesk's settings.json)"
    ))
}

/// Where an HTTP channel may connect: its URL, and for a host name the checked addresses the
/// connection is pinned to.
pub(super) struct Target {
    pub(super) url: Url,
    pub(super) pinned: Option<(String, Vec<SocketAddr>)>,
}

/// Check an HTTP channel's URL against the address rules. `resolve`: look the name up and
/// check every address (sending); without it an unresolvable name passes (creating a rule
/// offline), while a name that resolves is still checked.
pub(super) async fn target(
    raw: &str,
    shown: &str,
    allowed: &[String],
    resolve: bool,
) -> Result<Target> {
    let url = Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| not_a_channel(shown))?;
    let host = url.host_str().unwrap_or("").to_string();
    if host.is_empty() {
        return Err(not_a_channel(shown));
    }
    let free = is_allowed(allowed, &host);
    let port = url.port_or_known_default().unwrap_or(80);
    let domain = match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            return match forbidden(IpAddr::V4(ip)) {
                Some(why) if !free => Err(refused(shown, &host, why)),
                _ => Ok(Target { url, pinned: None }),
            };
        }
        Some(url::Host::Ipv6(ip)) => {
            return match forbidden(IpAddr::V6(ip)) {
                Some(why) if !free => Err(refused(shown, &normal_host(&host), why)),
                _ => Ok(Target { url, pinned: None }),
            };
        }
        Some(url::Host::Domain(d)) => normal_host(d),
        None => return Err(not_a_channel(shown)),
    };
    if !free {
        if domain == "localhost" || domain.ends_with(".localhost") {
            return Err(refused(shown, &domain, "a loopback name"));
        }
        if METADATA_NAMES.contains(&domain.as_str()) {
            return Err(refused(shown, &domain, "a cloud metadata service"));
        }
    }
    let name = domain.clone();
    let looked_up = tokio::time::timeout(
        RESOLVE_TIMEOUT,
        tokio::net::lookup_host((name.as_str(), port)),
    )
    .await;
    let addrs: Vec<SocketAddr> = match looked_up {
        Ok(Ok(a)) => a.collect(),
        _ if !resolve => return Ok(Target { url, pinned: None }),
        Ok(Err(_)) | Err(_) => Vec::new(),
    };
    judge(&domain, &addrs, allowed, shown)?;
    Ok(Target {
        url,
        pinned: Some((domain, addrs)),
    })
}

/// Judge what a name resolved to: every address must be public, unless the host is allowed.
fn judge(domain: &str, addrs: &[SocketAddr], allowed: &[String], shown: &str) -> Result<()> {
    if addrs.is_empty() {
        return Err(Error::Unreachable(format!(
            "{shown}: the host {domain} could not be resolved. Check the channel's URL and \
             your network"
        )));
    }
    if is_allowed(allowed, domain) {
        return Ok(());
    }
    match addrs.iter().find_map(|a| Some((a, forbidden(a.ip())?))) {
        Some((a, why)) => Err(refused(
            shown,
            &normal_host(domain),
            &format!("resolved to {why} ({})", a.ip()),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_forbidden() {
        for a in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "ff02::1",
        ] {
            let ip: IpAddr = a.parse().unwrap();
            assert!(forbidden(ip).is_some(), "{a} must be refused");
        }
        assert_eq!(
            forbidden("169.254.169.254".parse().unwrap()),
            Some("the cloud metadata address")
        );
        assert_eq!(
            forbidden("fd00:ec2::254".parse().unwrap()),
            Some("the cloud metadata address")
        );
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = a.parse().unwrap();
            assert_eq!(forbidden(ip), None, "{a} is public");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_resolving() {
        for (url, want) in [
            ("http://127.0.0.1:9/h", "127.0.0.1 is a loopback address"),
            ("http://[::1]/h", "::1 is a loopback address"),
            ("http://[::ffff:7f00:1]/h", "is a loopback address"),
            (
                "http://169.254.169.254/latest",
                "the cloud metadata address",
            ),
            (
                "http://metadata.google.internal/x",
                "a cloud metadata service",
            ),
            ("http://LOCALHOST:8080/x", "localhost is a loopback name"),
            ("http://192.168.0.10/x", "a private address"),
        ] {
            let e = target(url, "webhook:…", &[], false)
                .await
                .map(|_| ())
                .unwrap_err();
            assert!(
                e.message().contains(want) && e.message().contains("allow-host"),
                "{url}: {e}"
            );
            assert!(
                !e.message().contains("/h") && !e.message().contains("/x"),
                "{e}"
            );
        }
        target("http://127.0.0.1:9/h", "w", &["127.0.0.1".into()], false)
            .await
            .expect("an allowed host passes");
        target("http://[::1]/h", "w", &["[::1]".into()], false)
            .await
            .expect("an allowed IPv6 host passes");
        assert!(
            target("ftp://example.com/x", "w", &[], false)
                .await
                .is_err()
        );
    }

    #[test]
    fn every_resolved_address_is_judged() {
        let addrs = |list: &[&str]| -> Vec<SocketAddr> {
            list.iter()
                .map(|a| SocketAddr::new(a.parse().unwrap(), 443))
                .collect()
        };
        // A name that resolves to a public and a private address (a rebinding setup) is
        // refused, naming the address; only public answers pass, and they are what is pinned.
        let e = judge(
            "hooks.example.com",
            &addrs(&["93.184.215.14", "10.0.0.7"]),
            &[],
            "webhook:https://hooks.example.com/…",
        )
        .unwrap_err();
        assert!(
            e.message()
                .contains("resolved to a private address (10.0.0.7)")
                && e.message().contains("allow-host hooks.example.com"),
            "{e}"
        );
        let e = judge(
            "x.example",
            &addrs(&["::ffff:169.254.169.254"]),
            &[],
            "webhook:…",
        )
        .unwrap_err();
        assert!(e.message().contains("cloud metadata"), "{e}");
        judge("hooks.example.com", &addrs(&["93.184.215.14"]), &[], "w").unwrap();
        judge(
            "intranet.example",
            &addrs(&["10.0.0.7"]),
            &["Intranet.Example.".into()],
            "w",
        )
        .expect("an allowed host may be private");
        assert!(
            judge("x", &[], &[], "w").is_err(),
            "no address: unreachable"
        );
    }
}
