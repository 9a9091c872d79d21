//! Where dashboards are kept and the checks every change goes through: loading a profile's
//! file, finding a dashboard by id or name, names, time ranges and auto-refresh, and
//! [`change`], which checks a change on a copy, asks the policy, then applies it under the
//! file's lock.

use super::{DASHBOARDS_DIR, Dashboard, DashboardReq, DashboardsFile, MAX_NAME, MIN_REFRESH_SECS};
use crate::api::{Ctx, policy, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, Profile, TimeRange};
use crate::store::{CURRENT_VERSION, Store};

/// Where a profile's dashboards are kept.
pub(super) fn store(ctx: &Ctx) -> Store {
    Store::new(ctx.data_dir().join(DASHBOARDS_DIR))
}

/// The file of a profile: its id, with anything but `[A-Za-z0-9_-]` hex-escaped.
pub(super) fn file_name(profile: &Profile) -> String {
    let mut out = String::new();
    for b in profile.id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    format!("{out}.json")
}

pub(super) fn load(ctx: &Ctx, p: &Profile) -> Result<DashboardsFile> {
    store(ctx).load(&file_name(p))
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The dashboard `key` names (id, else name ignoring case).
pub(crate) fn find<'a>(file: &'a DashboardsFile, key: &str) -> Result<&'a Dashboard> {
    let i = index(file, key)?;
    Ok(&file.dashboards[i])
}

pub(super) fn index(file: &DashboardsFile, key: &str) -> Result<usize> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::invalid("name the dashboard (its id or name)"));
    }
    file.dashboards
        .iter()
        .position(|d| d.id == key)
        .or_else(|| {
            file.dashboards
                .iter()
                .position(|d| d.name.eq_ignore_ascii_case(key))
        })
        .ok_or_else(|| {
            let names: Vec<String> = file
                .dashboards
                .iter()
                .map(|d| format!("\"{}\"", d.name))
                .collect();
            Error::NotFound(format!(
                "no dashboard \"{key}\" on this connection. {}",
                if names.is_empty() {
                    "It has no dashboards yet: create one first.".to_string()
                } else {
                    format!("Its dashboards: {}.", names.join(", "))
                }
            ))
        })
}

pub(super) fn find_mut<'a>(file: &'a mut DashboardsFile, key: &str) -> Result<&'a mut Dashboard> {
    let i = index(file, key)?;
    Ok(&mut file.dashboards[i])
}

/// A checked name or title: trimmed, no control characters, at most [`MAX_NAME`] characters.
pub(crate) fn clean_text(s: &str, what: &str, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(format!(
            "the {what} is empty: give it a name"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "the {what} \"{}\" has a control character (a line break or tab): use one line of \
             plain text",
            t.escape_debug()
        )));
    }
    if t.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "the {what} is longer than {MAX_NAME} characters: shorten it"
        )));
    }
    Ok(t.to_string())
}

/// A name no other dashboard of the file has (`except` is the dashboard being renamed).
pub(super) fn unique_name(
    file: &DashboardsFile,
    name: &str,
    except: Option<&str>,
) -> Result<String> {
    let name = clean_text(name, "dashboard name", true)?;
    if file
        .dashboards
        .iter()
        .any(|d| Some(d.id.as_str()) != except && d.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::Conflict(format!(
            "a dashboard named \"{name}\" already exists on this connection: choose another name"
        )));
    }
    Ok(name)
}

pub(crate) fn check_range(r: &TimeRange) -> Result<()> {
    crate::influx::timerange::resolve(r, chrono::Utc::now()).map(|_| ())
}

/// `None`, "" and "off" turn auto-refresh off; otherwise a duration of at least 5 s.
pub(super) fn check_refresh(r: Option<&str>) -> Result<Option<String>> {
    let Some(r) = r.map(str::trim).filter(|r| !r.is_empty() && *r != "off") else {
        return Ok(None);
    };
    let d = crate::influx::timerange::parse_duration(r)?;
    if d < chrono::Duration::seconds(MIN_REFRESH_SECS) {
        return Err(Error::invalid(format!(
            "auto-refresh every \"{r}\" is too often: give {MIN_REFRESH_SECS}s or more (e.g. 30s, \
             1m), or \"off\""
        )));
    }
    Ok(Some(r.to_string()))
}

/// Read-only access of an assistant to a profile's dashboards.
pub(super) async fn read_access(ctx: &Ctx, actor: &Actor, p: &Profile, what: &str) -> Result<()> {
    policy::check_read(ctx, actor, p, what).await
}

/// One dashboard of `req`'s profile, read under the policy as "`verb` dashboard \"NAME\"".
pub(super) async fn read_one(
    ctx: &Ctx,
    actor: &Actor,
    req: &DashboardReq,
    verb: &str,
) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let what = format!("{verb} dashboard \"{}\"", req.dashboard);
    read_access(ctx, actor, &p, &what).await?;
    find(&load(ctx, &p)?, &req.dashboard).cloned()
}

/// Apply a change to a profile's dashboards: first on a copy (so bad input is refused before
/// anyone is asked), then, once the policy allows it, on the file under its lock. `describe`
/// words the change for the policy (first line a summary, then the details).
pub(crate) async fn change<T>(
    ctx: &Ctx,
    actor: &Actor,
    p: &Profile,
    action: &str,
    apply: impl Fn(&mut DashboardsFile) -> Result<T>,
    describe: impl FnOnce(&T) -> String,
) -> Result<T> {
    let mut copy = load(ctx, p)?;
    let dry = apply(&mut copy)?;
    let what = describe(&dry);
    policy::check_write(ctx, actor, p, &what).await?;
    let out = store(ctx).update(&file_name(p), |f: &mut DashboardsFile| {
        f.version = CURRENT_VERSION;
        apply(f)
    })?;
    ctx.emit(
        actor,
        action,
        format!("{} on {}", what.lines().next().unwrap_or_default(), p.name),
    );
    Ok(out)
}
