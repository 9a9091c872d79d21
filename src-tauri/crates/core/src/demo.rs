//! The local demo: when influxdesk starts with no profile, it runs a local InfluxDB 1.x under
//! the user's data dir, fills a `demo` database with a day of realistic metrics (cpu, mem,
//! disk per host; temperature/humidity per IoT sensor) generated here and written through
//! [`api::write`], and creates the "Local demo" profile. On later starts it restarts that
//! server and tops the data up to now. While the app runs, [`start`] keeps data flowing: a
//! point per series every [`LIVE_EVERY`], as a live Telegraf would, until the app stops.
//!
//! The server runs with authentication on (so a web page in the user's browser cannot POST
//! `DROP DATABASE demo` to it): its admin user `admin` gets a random password, created on
//! the server's first start and kept in the keychain as the demo profile's secret, like any
//! profile's. Not here: the server process itself (`local`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::api::{self, Ctx};
use crate::error::{Error, Result};
use crate::influx::lineproto::{FieldValue, Point};
use crate::local::{self, LocalConfig, LocalServer};
use crate::model::*;
use crate::secrets::Secret;

pub const DEMO_PROFILE: &str = "Local demo";
pub const DEMO_DATABASE: &str = "demo";
/// The demo server's admin user (its password is the demo profile's keychain secret).
pub const DEMO_ADMIN: &str = "admin";
const STEP_SECS: i64 = 60;
/// How often the running demo writes a point per series.
pub const LIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
const HOSTS: [(&str, &str); 3] = [
    ("web-01", "eu-west"),
    ("web-02", "eu-west"),
    ("db-01", "us-east"),
];
const SENSORS: [(&str, &str, f64); 4] = [
    ("sensor-kitchen", "kitchen", 21.0),
    ("sensor-office", "office", 22.5),
    ("sensor-garage", "garage", 12.0),
    ("sensor-greenhouse", "greenhouse", 26.0),
];

/// A small deterministic PRNG (xorshift64*), so demo data is the same for the same time.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn tags(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Demo points for every step in `[from, to)`.
pub fn points(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Point> {
    let mut out = Vec::new();
    let start = from.timestamp().div_euclid(STEP_SECS) * STEP_SECS;
    let mut t = start;
    while t < to.timestamp() {
        points_at(t, &mut out);
        t += STEP_SECS;
    }
    out
}

/// One point per series at `t` (Unix seconds): the same values for the same `t`, so writing
/// an instant twice (two app windows feeding one demo) changes nothing.
pub fn points_at(t: i64, out: &mut Vec<Point>) {
    let ns = t.saturating_mul(1_000_000_000);
    let day = (t.rem_euclid(86_400)) as f64 / 86_400.0;
    let daily = (std::f64::consts::TAU * (day - 0.375)).sin(); // peaks mid-afternoon UTC
    for (i, (host, region)) in HOSTS.iter().enumerate() {
        let mut r = Rng::new(t as u64 ^ ((i as u64 + 1) << 40));
        let base = if host.starts_with("db") { 35.0 } else { 22.0 };
        let user = (base + 18.0 * daily + 8.0 * r.next()).clamp(0.5, 97.0);
        let system = (4.0 + 3.0 * r.next() + user * 0.1).min(99.0 - user);
        let t_tags = tags(&[("host", host), ("region", region), ("cpu", "cpu-total")]);
        out.push(Point {
            measurement: "cpu".into(),
            tags: t_tags,
            fields: vec![
                ("usage_user".into(), FieldValue::Float(round2(user))),
                ("usage_system".into(), FieldValue::Float(round2(system))),
                (
                    "usage_idle".into(),
                    FieldValue::Float(round2(100.0 - user - system)),
                ),
            ],
            timestamp: Some(ns),
        });
        let total: i64 = if host.starts_with("db") {
            32 << 30
        } else {
            16 << 30
        };
        let used_pct = (45.0 + 15.0 * daily + 6.0 * r.next()).clamp(5.0, 98.0);
        out.push(Point {
            measurement: "mem".into(),
            tags: tags(&[("host", host), ("region", region)]),
            fields: vec![
                ("used_percent".into(), FieldValue::Float(round2(used_pct))),
                ("total".into(), FieldValue::Integer(total)),
                (
                    "available".into(),
                    FieldValue::Integer((total as f64 * (1.0 - used_pct / 100.0)) as i64),
                ),
            ],
            timestamp: Some(ns),
        });
        // Disk fills slowly over the day, with small noise.
        let disk_total: i64 = 500 << 30;
        let disk_pct = 40.0 + 10.0 * i as f64 + 5.0 * day + 0.2 * r.next();
        out.push(Point {
            measurement: "disk".into(),
            tags: tags(&[
                ("host", host),
                ("region", region),
                ("path", "/"),
                ("fstype", "ext4"),
            ]),
            fields: vec![
                ("used_percent".into(), FieldValue::Float(round2(disk_pct))),
                (
                    "free".into(),
                    FieldValue::Integer((disk_total as f64 * (1.0 - disk_pct / 100.0)) as i64),
                ),
            ],
            timestamp: Some(ns),
        });
    }
    for (i, (sensor, room, base)) in SENSORS.iter().enumerate() {
        let mut r = Rng::new(t as u64 ^ ((i as u64 + 11) << 40));
        let amp = if *room == "greenhouse" { 6.0 } else { 2.0 };
        let temp = base + amp * daily + 0.4 * (r.next() - 0.5);
        let hum = (55.0 - 10.0 * daily + 4.0 * (r.next() - 0.5)).clamp(10.0, 99.0);
        out.push(Point {
            measurement: "iot".into(),
            tags: tags(&[("sensor", sensor), ("room", room)]),
            fields: vec![
                ("temperature".into(), FieldValue::Float(round2(temp))),
                ("humidity".into(), FieldValue::Float(round2(hum))),
                (
                    "battery".into(),
                    FieldValue::Integer(100 - ((t / 3600).rem_euclid(100))),
                ),
            ],
            timestamp: Some(ns),
        });
    }
}

/// Write demo points for `[from, to)` through the app's own write path, in batches.
pub async fn fill(
    ctx: &Ctx,
    profile: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<usize> {
    write_points(ctx, profile, points(from, to)).await
}

async fn write_points(ctx: &Ctx, profile: &str, pts: Vec<Point>) -> Result<usize> {
    let mut written = 0;
    for chunk in pts.chunks(5000) {
        let lines = chunk
            .iter()
            .map(Point::to_line)
            .collect::<Vec<_>>()
            .join("\n");
        let r = api::write::write(
            ctx,
            &Actor::User,
            WriteReq {
                profile: Some(profile.to_string()),
                bucket: Some(DEMO_DATABASE.into()),
                precision: Precision::Ns,
                lines,
            },
        )
        .await?;
        written += r.points;
    }
    Ok(written)
}

/// The demo's state, as the GUI shows it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum DemoStatus {
    /// Other profiles exist (or `INFLUX_URL` is set): no demo.
    Off,
    Starting,
    Ready {
        profile: String,
        url: String,
        points_written: usize,
    },
    Failed {
        error: crate::error::ErrorBody,
    },
}

/// What [`ensure`] did.
pub struct Demo {
    /// The server we started (None when one was already running).
    pub server: Option<LocalServer>,
    pub profile: Profile,
    pub points_written: usize,
}

async fn start_server(dir: std::path::PathBuf, port: u16) -> Result<LocalServer> {
    tokio::task::spawn_blocking(move || {
        LocalServer::start(&LocalConfig {
            dir,
            http_port: port,
            auth_enabled: true,
            tls: None,
        })
    })
    .await
    .map_err(|e| Error::Internal(format!("demo server task failed: {e}")))?
}

/// A new random admin password: 64 hex digits (two v4 UUIDs, 244 random bits).
fn new_password() -> Secret {
    Secret::new(format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Whether `q` succeeded on the server at `url` (with the admin's password, when given).
async fn query_ok(http: &reqwest::Client, url: &str, q: &str, password: Option<&Secret>) -> bool {
    let mut req = http.post(format!("{url}/query")).form(&[("q", q)]);
    if let Some(p) = password {
        req = req.basic_auth(DEMO_ADMIN, Some(p.expose()));
    }
    let Ok(resp) = req.send().await else {
        return false;
    };
    if !resp.status().is_success() {
        return false;
    }
    let Ok(body) = resp.json::<serde_json::Value>().await else {
        return false;
    };
    body.get("error").is_none()
        && body["results"]
            .as_array()
            .is_some_and(|r| r.iter().all(|s| s.get("error").is_none()))
}

/// The demo server's admin password: on a fresh server (no user yet, which 1.x lets create
/// its first admin without credentials) the admin is created with `known` or a new random
/// password; on one that has its admin, `known` must sign in. Never logs the password.
async fn admin_password(url: &str, known: Option<Secret>, dir: &std::path::Path) -> Result<Secret> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Error::Internal(format!("no HTTP client for the demo server: {e}")))?;
    let candidate = known.unwrap_or_else(new_password);
    let create = format!(
        "CREATE USER {DEMO_ADMIN} WITH PASSWORD '{}' WITH ALL PRIVILEGES",
        candidate.expose()
    );
    if query_ok(&http, url, &create, None).await
        || query_ok(&http, url, "SHOW DATABASES", Some(&candidate)).await
    {
        return Ok(candidate);
    }
    Err(Error::Unauthorized(format!(
        "the local demo server ({url}) has an admin user whose password is not in the keychain \
         (the demo profile's secret), so influxdesk cannot sign in to it. Stop influxdesk and \
         remove {} to start the demo afresh, or delete the \"{DEMO_PROFILE}\" profile and use \
         your own server.",
        dir.display()
    )))
}

/// Make sure the demo exists and runs when it should: with no profile at all, create it;
/// with a "Local demo" profile, (re)start its server and top its data up to `now`. With other
/// profiles only (or the `env` profile), do nothing.
pub async fn ensure(ctx: &Ctx, now: DateTime<Utc>) -> Result<Option<Demo>> {
    if ctx.env.is_some() {
        return Ok(None);
    }
    let saved = ctx.store.profiles()?.profiles;
    let existing = saved.iter().find(|p| p.managed_local).cloned();
    if existing.is_none() && !saved.is_empty() {
        return Ok(None);
    }
    let dir = ctx.data_dir.join("demo-influxdb");
    let settings = ctx.store.settings()?;
    let port_in_url = existing
        .as_ref()
        .and_then(|p| url::Url::parse(&p.url).ok())
        .and_then(|u| u.port());
    let wanted = port_in_url.or(settings.demo_port);
    // Another influxdesk may already run it.
    if let (Some(port), Some(p)) = (wanted, existing.as_ref())
        && local::ping(port)
    {
        let n = top_up(ctx, p, now).await?;
        return Ok(Some(Demo {
            server: None,
            profile: p.clone(),
            points_written: n,
        }));
    }
    let port = match wanted {
        Some(p) if local::port_is_free(p) => p,
        _ => local::free_port()?,
    };
    let server = start_server(dir.clone(), port).await?;
    ctx.store.update_settings(|s| {
        s.demo_port = Some(server.http_port);
        Ok(())
    })?;
    let url = server.url();
    // The admin password: the profile's keychain secret, or a new random one.
    let known = match &existing {
        Some(p) if p.secret_stored => ctx.secrets.get(&p.id).await?,
        _ => None,
    };
    let password = admin_password(&url, known.clone(), &dir).await?;
    let profile = match existing {
        Some(mut p) => {
            if known.as_ref() != Some(&password) {
                ctx.secrets.set(&p.id, password.clone()).await?;
            }
            p.url = url.clone();
            p.username = Some(DEMO_ADMIN.into());
            p.secret_stored = true;
            let saved = p.clone();
            ctx.store.update_profiles(|f| {
                if let Some(slot) = f.profiles.iter_mut().find(|o| o.id == saved.id) {
                    slot.url = saved.url.clone();
                    slot.username = saved.username.clone();
                    slot.secret_stored = true;
                }
                Ok(())
            })?;
            p
        }
        None => {
            let fields = ProfileFields {
                name: DEMO_PROFILE.into(),
                url: url.clone(),
                api: ApiKind::V1,
                database: Some(DEMO_DATABASE.into()),
                username: Some(DEMO_ADMIN.into()),
                ..ProfileFields::default()
            };
            let mut p = api::profiles::add(
                ctx,
                &Actor::User,
                AddProfileReq {
                    fields,
                    secret: SecretChange::Set(password),
                    activate: true,
                },
            )
            .await?;
            p.managed_local = true;
            let id = p.id.clone();
            ctx.store.update_profiles(|f| {
                if let Some(slot) = f.profiles.iter_mut().find(|o| o.id == id) {
                    slot.managed_local = true;
                }
                Ok(())
            })?;
            p
        }
    };
    let n = top_up(ctx, &profile, now).await?;
    Ok(Some(Demo {
        server: Some(server),
        profile,
        points_written: n,
    }))
}

/// The demo while the app runs: its live feed and, when this process started it, its server.
/// Dropping it stops both (the feed first).
pub struct LiveDemo {
    /// The server we started (None when another influxdesk runs it).
    pub server: Option<LocalServer>,
    feed: tokio::task::JoinHandle<()>,
}

impl Drop for LiveDemo {
    fn drop(&mut self) {
        self.feed.abort();
    }
}

/// [`ensure`] as a status for the GUI, plus what to keep alive while the app runs: the
/// server and the live feed ([`LIVE_EVERY`]). Needs a tokio runtime (the feed is a task).
pub async fn start(ctx: &Arc<Ctx>, now: DateTime<Utc>) -> (DemoStatus, Option<LiveDemo>) {
    match ensure(ctx, now).await {
        Ok(Some(d)) => {
            let feed = tokio::spawn(feed(ctx.clone(), d.profile.id.clone()));
            (
                DemoStatus::Ready {
                    profile: d.profile.name,
                    url: d.profile.url,
                    points_written: d.points_written,
                },
                Some(LiveDemo {
                    server: d.server,
                    feed,
                }),
            )
        }
        Ok(None) => (DemoStatus::Off, None),
        Err(e) => {
            tracing::warn!("local demo failed: {e}");
            (
                DemoStatus::Failed {
                    error: crate::error::ErrorBody {
                        code: e.code(),
                        message: e.message().into(),
                    },
                },
                None,
            )
        }
    }
}

/// Write one point per demo series at `now` (rounded down to [`LIVE_EVERY`]), as a live
/// Telegraf would. Returns the points written.
pub async fn feed_once(ctx: &Ctx, profile: &str, now: DateTime<Utc>) -> Result<usize> {
    let step = LIVE_EVERY.as_secs() as i64;
    let mut pts = Vec::new();
    points_at(now.timestamp().div_euclid(step) * step, &mut pts);
    write_points(ctx, profile, pts).await
}

/// [`feed_once`] every [`LIVE_EVERY`], until the task is aborted (with the app).
async fn feed(ctx: Arc<Ctx>, profile: String) {
    let mut tick = tokio::time::interval(LIVE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut failing = false;
    loop {
        tick.tick().await;
        match feed_once(&ctx, &profile, Utc::now()).await {
            Ok(_) => failing = false,
            // Said once per outage, not every 10 s.
            Err(e) if !failing => {
                failing = true;
                tracing::warn!("the local demo's live data could not be written: {e}");
            }
            Err(_) => {}
        }
    }
}

/// Create the demo database if needed and write data from the last point (or a day ago) to now.
async fn top_up(ctx: &Ctx, p: &Profile, now: DateTime<Utc>) -> Result<usize> {
    let run = |q: &str| RunQueryReq {
        profile: Some(p.id.clone()),
        language: Some(QueryLanguage::Influxql),
        database: Some(DEMO_DATABASE.into()),
        query: q.to_string(),
        row_limit: Some(10),
        time_range: None,
        query_id: None,
    };
    api::query::run(
        ctx,
        &Actor::User,
        run(&format!("CREATE DATABASE {DEMO_DATABASE}")),
    )
    .await?;
    let day_ago = now - Duration::hours(24);
    let last = api::query::run(ctx, &Actor::User, run("SELECT last(usage_user) FROM cpu")).await?;
    let last_time = last
        .frames
        .first()
        .and_then(|f| f.column("time"))
        .and_then(|c| c.values.first())
        .and_then(crate::model::Cell::time_ns)
        .and_then(|ns| DateTime::from_timestamp(ns / 1_000_000_000 + STEP_SECS, 0));
    let from = match last_time {
        Some(t) if t > day_ago => t,
        _ => day_ago,
    };
    if from >= now {
        return Ok(0);
    }
    fill(ctx, &p.id, from, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_of_demo_data_is_deterministic_and_valid() {
        let to = DateTime::from_timestamp(1_700_006_400, 0).unwrap(); // a whole minute
        let a = points(to - Duration::hours(24), to);
        let b = points(to - Duration::hours(24), to);
        assert_eq!(a, b, "same time range, same data");
        assert_eq!(a.len(), 1440 * (HOSTS.len() * 3 + SENSORS.len()));
        let text = a.iter().map(Point::to_line).collect::<Vec<_>>().join("\n");
        assert_eq!(
            crate::influx::lineproto::parse_batch(&text).unwrap().len(),
            a.len()
        );
        for p in a.iter().filter(|p| p.measurement == "cpu") {
            let FieldValue::Float(idle) = p.fields[2].1 else {
                panic!("idle is a float")
            };
            assert!(
                (0.0..=100.0).contains(&idle),
                "cpu idle within 0..100, got {idle}"
            );
        }
    }
}
