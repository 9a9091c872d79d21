//! Server administration beyond the database list (which is [`super::buckets`]): 1.x retention
//! policies ([`retention`]), downsampling — 1.x continuous queries and the "downsample" action
//! that makes a retention policy and a CQ together ([`downsampling`]) — 2.x tasks and 3.x
//! processing-engine triggers ([`tasks`]); the server's running queries ([`queries`]),
//! deleting data ([`delete`]), the server overview ([`overview`]) and the assistant's health
//! check ([`health`]). Every change an assistant asks for goes through
//! [`super::policy::check_admin`] with the exact statements as the detail lines.

pub mod delete;
pub mod downsampling;
pub mod health;
pub mod investigate;
pub mod overview;
pub mod queries;
pub mod retention;
pub mod tasks;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::Client;
use crate::model::{ApiKind, Profile};

/// The profile and a client for it, refusing servers other than `want` with `why`.
pub(crate) async fn client_for(
    ctx: &Ctx,
    profile: Option<&str>,
    want: ApiKind,
    why: &str,
) -> Result<(Profile, Client)> {
    let p = profiles::resolve(ctx, profile).await?;
    let c = ctx.client(&p).await?;
    if c.api() != want {
        return Err(Error::invalid(format!(
            "{why} exist on {} only; \"{}\" is {}",
            crate::influx::api_name(want),
            p.name,
            crate::influx::api_name(c.api())
        )));
    }
    Ok((p, c))
}

/// A name of a database, retention policy, continuous query or measurement: not empty, no
/// control characters, at most 255 bytes. (Names are always sent quoted.)
pub(crate) fn check_name<'a>(what: &str, name: &'a str) -> Result<&'a str> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid(format!("give the {what} a name")));
    }
    if n.len() > 255 || n.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "\"{}\" is not a valid {what} name: use at most 255 characters and no control \
             characters (newlines, tabs)",
            n.escape_debug()
        )));
    }
    Ok(n)
}

/// A duration such as "5m", "12h", "30d", "52w" or "1y" (365 days), in seconds.
pub fn parse_span(what: &str, s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_lowercase();
    let bad = || {
        Error::invalid(format!(
            "{what} \"{s}\" is not a duration: use e.g. 5m, 1h, 30d, 52w or 1y"
        ))
    };
    if let Some(years) = t.strip_suffix('y') {
        let n: u64 = years.parse().map_err(|_| bad())?;
        if n == 0 || n > 1000 {
            return Err(bad());
        }
        return Ok(n * 365 * 86_400);
    }
    let d = crate::influx::timerange::parse_duration(&t).map_err(|_| bad())?;
    let secs = d.num_seconds();
    if secs <= 0 {
        return Err(Error::invalid(format!(
            "{what} \"{s}\" must be at least 1s"
        )));
    }
    Ok(secs as u64)
}

/// A retention duration: `inf`/`0` (None) or at least 1 hour (1.x's minimum).
pub(crate) fn parse_keep(what: &str, s: Option<&str>) -> Result<Option<u64>> {
    let t = s.unwrap_or("inf").trim().to_ascii_lowercase();
    if matches!(
        t.as_str(),
        "" | "0" | "0s" | "inf" | "infinite" | "forever" | "none"
    ) {
        return Ok(None);
    }
    let secs = parse_span(what, &t)?;
    if secs < 3600 {
        return Err(Error::invalid(format!(
            "{what} \"{t}\" is too short: InfluxDB 1.x keeps data at least 1h (use 1h or more, \
             or \"inf\")"
        )));
    }
    Ok(Some(secs))
}

/// The same error code with a message that tells the whole story.
pub(crate) fn reword(e: Error, msg: String) -> Error {
    match e {
        Error::Unauthorized(_) => Error::Unauthorized(msg),
        Error::Forbidden(_) => Error::Forbidden(msg),
        Error::NotFound(_) => Error::NotFound(msg),
        Error::Conflict(_) => Error::Conflict(msg),
        Error::InvalidInput(_) => Error::InvalidInput(msg),
        Error::QuerySyntax(_) => Error::QuerySyntax(msg),
        Error::Unreachable(_) => Error::Unreachable(msg),
        Error::Timeout(_) => Error::Timeout(msg),
        Error::KeychainUnavailable(_) => Error::KeychainUnavailable(msg),
        Error::Storage(_) => Error::Storage(msg),
        Error::Cancelled(_) => Error::Cancelled(msg),
        Error::Internal(_) => Error::Internal(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_names() {
        assert_eq!(parse_span("every", "5m").unwrap(), 300);
        assert_eq!(parse_span("keep", "1y").unwrap(), 31_536_000);
        assert!(parse_span("every", "soon").is_err());
        assert!(parse_span("every", "0s").is_err());
        assert_eq!(parse_keep("keep", Some("inf")).unwrap(), None);
        assert!(
            parse_keep("keep", Some("10m"))
                .unwrap_err()
                .message()
                .contains("at least 1h")
        );
        assert!(check_name("retention policy", "a\nb").is_err());
        assert!(check_name("retention policy", " ").is_err());
        assert_eq!(check_name("x", " ok name ").unwrap(), "ok name");
    }
}
