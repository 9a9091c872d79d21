//! Connection profiles: list, add, edit, duplicate, delete, activate, test, health, and
//! import from the influx CLI config or `INFLUX_*` variables. Profiles live in the profiles
//! file; their secrets in the keychain (account = profile id). Every change either completes
//! (file and keychain) or leaves both as they were.

use std::path::{Path, PathBuf};

use super::{Ctx, ENV_PROFILE_ID};
use crate::error::{Error, ErrorBody, Result};
use crate::influx::Client;
use crate::model::*;
use crate::secrets::Secret;

/// All saved profiles, plus the `env` profile when `INFLUX_URL` is set (it is then active).
pub async fn list(ctx: &Ctx) -> Result<ProfileList> {
    let mut profiles = ctx.store.profiles()?.profiles;
    let mut active = ctx.store.settings()?.active_profile;
    if active
        .as_ref()
        .is_some_and(|a| !profiles.iter().any(|p| &p.id == a))
    {
        active = None;
    }
    if active.is_none() {
        active = profiles.first().map(|p| p.id.clone());
    }
    if let Some(env) = &ctx.env {
        profiles.insert(0, env.profile.clone());
        active = Some(ENV_PROFILE_ID.into());
    }
    Ok(ProfileList { profiles, active })
}

/// Find a profile by id or name (case-insensitive name); `None` is the active profile.
pub async fn resolve(ctx: &Ctx, which: Option<&str>) -> Result<Profile> {
    let all = list(ctx).await?;
    let which = which.map(str::trim).filter(|s| !s.is_empty());
    let key = match which {
        Some(k) => k.to_string(),
        None => all.active.clone().ok_or_else(|| {
            Error::NotFound(
                "no connection profile yet. Add one in Connections, or run `influxdesk profile add \
                 NAME --url URL`."
                    .into(),
            )
        })?,
    };
    all.profiles
        .iter()
        .find(|p| p.id == key)
        .or_else(|| {
            all.profiles
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&key))
        })
        .cloned()
        .ok_or_else(|| {
            Error::NotFound(format!(
                "no profile named \"{key}\". Known profiles: {}.",
                names(&all.profiles)
            ))
        })
}

fn names(ps: &[Profile]) -> String {
    if ps.is_empty() {
        return "none".into();
    }
    ps.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn saved(p: &Profile) -> Result<()> {
    if p.source == ProfileSource::Env {
        return Err(Error::invalid(
            "the \"env\" profile comes from INFLUX_* environment variables and cannot be changed \
             here: change the variables, or import it as a saved profile",
        ));
    }
    Ok(())
}

/// Check and normalize form fields into a profile (keeping id and the secret flag of `base`).
fn apply_fields(base: &Profile, f: &ProfileFields, others: &[Profile]) -> Result<Profile> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "the profile needs a name, e.g. \"local\" or \"prod-eu\"",
        ));
    }
    if name.eq_ignore_ascii_case(ENV_PROFILE_ID) {
        return Err(Error::invalid(
            "\"env\" is reserved for the INFLUX_* profile: pick another name",
        ));
    }
    if others
        .iter()
        .any(|o| o.id != base.id && o.name.eq_ignore_ascii_case(name))
    {
        return Err(Error::Conflict(format!(
            "a profile named \"{name}\" already exists: pick another name or edit that one"
        )));
    }
    let timeout_ms = match f.timeout_ms {
        None | Some(0) => DEFAULT_TIMEOUT_MS,
        Some(t) if !(100..=3_600_000).contains(&t) => {
            return Err(Error::invalid("timeout must be between 100 ms and 1 hour"));
        }
        Some(t) => t,
    };
    let clean = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let p = Profile {
        id: base.id.clone(),
        name: name.to_string(),
        url: f.url.trim().trim_end_matches('/').to_string(),
        api: f.api,
        org: clean(&f.org),
        database: clean(&f.database),
        username: clean(&f.username),
        tls: TlsOptions {
            skip_verify: f.tls.skip_verify,
            ca_cert: clean(&f.tls.ca_cert),
        },
        timeout_ms,
        assistant_policy: f.assistant_policy.unwrap_or(base.assistant_policy),
        assistant_admin: f.assistant_admin.or(base.assistant_admin),
        assistant_read: f.assistant_read.unwrap_or(base.assistant_read),
        secret_stored: base.secret_stored,
        managed_local: base.managed_local,
        source: ProfileSource::Saved,
    };
    // Builds the HTTP client: checks URL and CA file without touching the network.
    Client::new(&p, None)?;
    Ok(p)
}

/// Add a profile; its secret (if any) goes to the keychain first, so a keychain failure saves
/// nothing.
pub async fn add(ctx: &Ctx, actor: &Actor, req: AddProfileReq) -> Result<Profile> {
    let existing = ctx.store.profiles()?.profiles;
    let base = Profile {
        id: new_id(),
        ..Profile::default()
    };
    let mut p = apply_fields(&base, &req.fields, &existing)?;
    if let SecretChange::Set(s) = &req.secret
        && !s.is_empty()
    {
        ctx.secrets.set(&p.id, s.clone()).await?;
        p.secret_stored = true;
    }
    let saved_p = p.clone();
    let result = ctx.store.update_profiles(|f| {
        if f.profiles
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&saved_p.name))
        {
            return Err(Error::Conflict(format!(
                "a profile named \"{}\" already exists",
                saved_p.name
            )));
        }
        f.profiles.push(saved_p.clone());
        Ok(())
    });
    if let Err(e) = result {
        if p.secret_stored {
            let _ = ctx.secrets.delete(&p.id).await;
        }
        return Err(e);
    }
    let first = existing.is_empty();
    if req.activate || first {
        set_active(ctx, &p.id)?;
    }
    ctx.emit(actor, "profile.add", &p.name);
    Ok(p)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn set_active(ctx: &Ctx, id: &str) -> Result<()> {
    ctx.store.update_settings(|s| {
        s.active_profile = Some(id.to_string());
        Ok(())
    })
}

/// Edit a profile. The secret changes only as `req.secret` says.
pub async fn update(ctx: &Ctx, actor: &Actor, req: UpdateProfileReq) -> Result<Profile> {
    let current = resolve(ctx, Some(&req.profile)).await?;
    saved(&current)?;
    let all = ctx.store.profiles()?.profiles;
    let mut p = apply_fields(&current, &req.fields, &all)?;
    // What the keychain held before, to put back if the file cannot be written.
    let before = match &req.secret {
        SecretChange::Set(s) if !s.is_empty() => Some(ctx.secrets.get(&p.id).await?),
        SecretChange::Clear => Some(ctx.secrets.get(&p.id).await?),
        _ => None,
    };
    match &req.secret {
        SecretChange::Keep => {}
        SecretChange::Set(s) if s.is_empty() => {}
        SecretChange::Set(s) => {
            ctx.secrets.set(&p.id, s.clone()).await?;
            p.secret_stored = true;
        }
        SecretChange::Clear => {
            ctx.secrets.delete(&p.id).await?;
            p.secret_stored = false;
        }
    }
    let updated = p.clone();
    let saved = ctx.store.update_profiles(|f| {
        let slot = f
            .profiles
            .iter_mut()
            .find(|o| o.id == updated.id)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "profile \"{}\" was deleted meanwhile",
                    updated.name
                ))
            })?;
        *slot = updated.clone();
        Ok(())
    });
    if let Err(e) = saved {
        if let Some(old) = before {
            restore_secret(ctx, &p, old).await;
        }
        return Err(e);
    }
    ctx.forget_detected(&p.id);
    ctx.emit(actor, "profile.update", &p.name);
    Ok(p)
}

/// Copy a profile and its secret under a new name.
pub async fn duplicate(ctx: &Ctx, actor: &Actor, req: DuplicateProfileReq) -> Result<Profile> {
    let src = resolve(ctx, Some(&req.profile)).await?;
    saved(&src)?;
    let all = ctx.store.profiles()?.profiles;
    let name = match req
        .new_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
    {
        Some(n) => n,
        None => {
            let mut n = format!("{} copy", src.name);
            let mut i = 2;
            while all.iter().any(|o| o.name.eq_ignore_ascii_case(&n)) {
                n = format!("{} copy {i}", src.name);
                i += 1;
            }
            n
        }
    };
    let secret = ctx.secret_of(&src).await?;
    let fields = ProfileFields {
        name,
        ..src.fields()
    };
    let secret = secret.map(SecretChange::Set).unwrap_or_default();
    let p = add(
        ctx,
        actor,
        AddProfileReq {
            fields,
            secret,
            activate: false,
        },
    )
    .await?;
    Ok(p)
}

/// Delete a profile and its keychain secret.
pub async fn delete(ctx: &Ctx, actor: &Actor, which: &str) -> Result<()> {
    let p = resolve(ctx, Some(which)).await?;
    saved(&p)?;
    let before = if p.secret_stored {
        let old = ctx.secrets.get(&p.id).await?;
        ctx.secrets.delete(&p.id).await?;
        Some(old)
    } else {
        None
    };
    let removed = ctx.store.update_profiles(|f| {
        f.profiles.retain(|o| o.id != p.id);
        Ok(())
    });
    if let Err(e) = removed {
        if let Some(old) = before {
            restore_secret(ctx, &p, old).await;
        }
        return Err(e);
    }
    ctx.store.update_settings(|s| {
        if s.active_profile.as_deref() == Some(p.id.as_str()) {
            s.active_profile = None;
        }
        Ok(())
    })?;
    ctx.forget_detected(&p.id);
    ctx.emit(actor, "profile.delete", &p.name);
    Ok(())
}

/// Put a profile's keychain entry back as it was (`None`: no entry) after its file write
/// failed, so the keychain and the file still agree. A failure here is logged (without the
/// secret): the caller already returns the write's error.
async fn restore_secret(ctx: &Ctx, p: &Profile, old: Option<Secret>) {
    let restored = match old {
        Some(s) => ctx.secrets.set(&p.id, s).await,
        None => ctx.secrets.delete(&p.id).await,
    };
    if let Err(e) = restored {
        tracing::error!(
            "could not roll back the keychain entry of profile \"{}\" after a failed save: {e}",
            p.name
        );
    }
}

/// Make a profile the active one (GUI switcher, `profile use`, MCP default).
pub async fn activate(ctx: &Ctx, actor: &Actor, which: &str) -> Result<Profile> {
    let p = resolve(ctx, Some(which)).await?;
    if p.source == ProfileSource::Saved {
        set_active(ctx, &p.id)?;
    }
    ctx.emit(actor, "profile.use", &p.name);
    Ok(p)
}

/// Test a connection: reachability, server kind and version, credentials, databases.
pub async fn test(ctx: &Ctx, actor: &Actor, req: TestProfileReq) -> Result<ServerInfo> {
    let (profile, secret) = match req {
        TestProfileReq::Saved { profile } => {
            let p = resolve(ctx, profile.as_deref()).await?;
            let s = ctx.secret_of(&p).await?;
            (p, s)
        }
        TestProfileReq::Draft {
            fields,
            secret,
            existing,
        } => {
            let base = match existing.as_deref() {
                Some(e) => resolve(ctx, Some(e)).await?,
                None => Profile::default(),
            };
            let p = apply_fields(&base, &fields, &[])?;
            let s = match secret {
                SecretChange::Set(s) => Some(s),
                SecretChange::Clear => None,
                SecretChange::Keep if existing.is_some() => ctx.secret_of(&base).await?,
                SecretChange::Keep => None,
            };
            (p, s)
        }
    };
    let info = probe_profile(&profile, secret).await?;
    if profile.api == ApiKind::Auto && !profile.id.is_empty() {
        ctx.forget_detected(&profile.id);
    }
    ctx.emit(
        actor,
        "profile.test",
        format!("{}: {} {}", profile.name, info.product, info.version),
    );
    Ok(info)
}

async fn probe_profile(profile: &Profile, secret: Option<Secret>) -> Result<ServerInfo> {
    let (client, probe) = Client::connect(profile, secret).await?;
    let databases = client.databases().await?;
    Ok(ServerInfo {
        api: client.api(),
        product: probe.product,
        version: probe.version,
        latency_ms: probe.latency_ms,
        databases,
        auth_ok: true,
    })
}

/// Health for the connection switcher: never an error, the failure is in the status.
pub async fn status(ctx: &Ctx, which: Option<&str>) -> Result<ConnectionStatus> {
    let p = resolve(ctx, which).await?;
    let mut st = ConnectionStatus {
        profile_id: p.id.clone(),
        reachable: false,
        auth_ok: false,
        latency_ms: None,
        api: None,
        product: None,
        version: None,
        error: None,
    };
    let secret = match ctx.secret_of(&p).await {
        Ok(s) => s,
        Err(e) => {
            st.error = Some(body(&e));
            return Ok(st);
        }
    };
    match Client::connect(&p, secret).await {
        Err(e) => st.error = Some(body(&e)),
        Ok((client, probe)) => {
            st.reachable = true;
            st.latency_ms = Some(probe.latency_ms);
            st.api = Some(client.api());
            st.product = Some(probe.product);
            st.version = Some(probe.version);
            match client.databases().await {
                Ok(_) => st.auth_ok = true,
                Err(e) => st.error = Some(body(&e)),
            }
        }
    }
    Ok(st)
}

fn body(e: &Error) -> ErrorBody {
    ErrorBody {
        code: e.code(),
        message: e.message().to_string(),
    }
}

/// The influx CLI's config file: `$INFLUX_CONFIGS_PATH`, else `~/.influxdbv2/configs`.
pub fn influx_cli_config_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("INFLUX_CONFIGS_PATH") {
        return Some(PathBuf::from(p));
    }
    dirs::home_dir().map(|h| h.join(".influxdbv2").join("configs"))
}

/// Import every connection of an influx CLI config file (TOML: `[name] url token org active`).
/// Tokens go to the keychain. Names that exist already are skipped, not overwritten.
pub async fn import_influx_cli(
    ctx: &Ctx,
    actor: &Actor,
    path: Option<&Path>,
) -> Result<ImportReport> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => influx_cli_config_path().ok_or_else(|| {
            Error::NotFound("no home directory to look for ~/.influxdbv2/configs".into())
        })?,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::NotFound(format!(
            "could not read the influx CLI config {} ({e}). Create it with `influx config create`, \
             or pick the file.",
            path.display()
        ))
    })?;
    let doc: toml::Table = text.parse().map_err(|e| {
        Error::invalid(format!(
            "{} is not a valid influx CLI config (TOML): {e}",
            path.display()
        ))
    })?;
    let mut report = ImportReport {
        imported: vec![],
        skipped: vec![],
        source: path.display().to_string(),
    };
    let mut activate_id = None;
    for (name, v) in &doc {
        let Some(t) = v.as_table() else { continue };
        let get = |k: &str| t.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let Some(url) = get("url") else { continue };
        let existing = ctx.store.profiles()?.profiles;
        if existing.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
            report.skipped.push(name.clone());
            continue;
        }
        let fields = ProfileFields {
            name: name.clone(),
            url,
            api: ApiKind::V2,
            org: get("org"),
            ..ProfileFields::default()
        };
        let secret = get("token")
            .map(|t| SecretChange::Set(Secret::new(t)))
            .unwrap_or_default();
        let p = add(
            ctx,
            actor,
            AddProfileReq {
                fields,
                secret,
                activate: false,
            },
        )
        .await?;
        if t.get("active").and_then(|a| a.as_bool()) == Some(true) {
            activate_id = Some(p.id.clone());
        }
        report.imported.push(p.name);
    }
    if let Some(id) = activate_id {
        set_active(ctx, &id)?;
    }
    ctx.emit(
        actor,
        "profile.import",
        format!("{} from {}", report.imported.len(), report.source),
    );
    Ok(report)
}

/// Save the `env` profile (from `INFLUX_*`) as a regular profile named `name`.
pub async fn import_env(ctx: &Ctx, actor: &Actor, name: Option<String>) -> Result<ImportReport> {
    let env = ctx.env.clone().ok_or_else(|| {
        Error::NotFound(
            "INFLUX_URL is not set, so there is no environment connection to import".into(),
        )
    })?;
    let name = name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "influx-env".into());
    let p = env.profile;
    let fields = ProfileFields {
        name,
        assistant_policy: None,
        ..p.fields()
    };
    let secret = env.token.map(SecretChange::Set).unwrap_or_default();
    let saved_p = add(
        ctx,
        actor,
        AddProfileReq {
            fields,
            secret,
            activate: false,
        },
    )
    .await?;
    Ok(ImportReport {
        imported: vec![saved_p.name],
        skipped: vec![],
        source: "INFLUX_* environment".into(),
    })
}

#[cfg(test)]
mod rollback_tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::api::CtxOptions;
    use crate::secrets::{MemoryStore, SecretBackend, SecretStore};

    /// A keychain that, once armed, breaks the profiles file right after its next change: the
    /// injected failure between the keychain write and the file write.
    struct BreaksTheFile {
        inner: MemoryStore,
        armed: Arc<Mutex<Option<PathBuf>>>,
    }

    impl BreaksTheFile {
        fn after_change(&self) {
            if let Some(file) = self.armed.lock().unwrap().take() {
                std::fs::write(file, "{broken").unwrap();
            }
        }
    }

    impl SecretBackend for BreaksTheFile {
        fn get(&self, account: &str) -> Result<Option<Secret>> {
            self.inner.get(account)
        }
        fn set(&self, account: &str, secret: &Secret) -> Result<()> {
            self.inner.set(account, secret)?;
            self.after_change();
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<()> {
            self.inner.delete(account)?;
            self.after_change();
            Ok(())
        }
        fn describe(&self) -> &'static str {
            "test keychain"
        }
    }

    #[tokio::test]
    async fn a_failed_save_rolls_the_keychain_back() {
        let dir = tempfile::tempdir().unwrap();
        let armed = Arc::new(Mutex::new(None));
        let ctx = Ctx::new(CtxOptions {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
            secrets: SecretStore::new(BreaksTheFile {
                inner: MemoryStore::default(),
                armed: armed.clone(),
            }),
            env_profile: None,
        });
        let fields = ProfileFields {
            name: "p".into(),
            url: "http://127.0.0.1:9".into(),
            api: ApiKind::V1,
            ..ProfileFields::default()
        };
        let p = add(
            &ctx,
            &Actor::User,
            AddProfileReq {
                fields: fields.clone(),
                secret: SecretChange::Set(Secret::new("old")),
                activate: true,
            },
        )
        .await
        .unwrap();
        let file = dir.path().join("config").join(crate::store::PROFILES_FILE);
        let good = std::fs::read(&file).unwrap();
        let keychain = || async {
            ctx.secrets
                .get(&p.id)
                .await
                .unwrap()
                .map(|s| s.expose().to_string())
        };

        let change = |secret| UpdateProfileReq {
            profile: "p".into(),
            fields: fields.clone(),
            secret,
        };
        for (what, secret) in [
            ("a new password", SecretChange::Set(Secret::new("new"))),
            ("clearing the password", SecretChange::Clear),
        ] {
            *armed.lock().unwrap() = Some(file.clone());
            let e = update(&ctx, &Actor::User, change(secret))
                .await
                .unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::Storage, "{what}: {e}");
            std::fs::write(&file, &good).unwrap();
            assert_eq!(
                keychain().await.as_deref(),
                Some("old"),
                "{what}: the keychain is rolled back when the file write fails"
            );
        }

        *armed.lock().unwrap() = Some(file.clone());
        let e = delete(&ctx, &Actor::User, "p").await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Storage, "{e}");
        std::fs::write(&file, &good).unwrap();
        assert_eq!(
            keychain().await.as_deref(),
            Some("old"),
            "a failed delete keeps the secret of the profile that stays"
        );
        assert!(resolve(&ctx, Some("p")).await.unwrap().secret_stored);

        // Without a failure the changes go through.
        update(
            &ctx,
            &Actor::User,
            change(SecretChange::Set(Secret::new("new"))),
        )
        .await
        .unwrap();
        assert_eq!(keychain().await.as_deref(), Some("new"));
    }
}
