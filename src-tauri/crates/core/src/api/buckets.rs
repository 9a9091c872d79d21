//! Databases (v1, v3) and buckets (v2): list, create, update retention/description, delete.
//! A setting the server cannot store (a description on 1.x) is reported in `notes`, not refused.
//! The GUI's forms, the MCP `manage-buckets` tool and the CLI all call these.

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::timerange::parse_duration;
use crate::model::{
    Actor, ApiKind, Bucket, BucketChange, CreateBucketReq, DeleteBucketReq, UpdateBucketReq,
};

/// "30d", "12h" -> seconds; "0", "inf", "infinite", "forever" -> None (keep forever).
pub fn parse_retention(s: &str) -> Result<Option<u64>> {
    let t = s.trim().to_ascii_lowercase();
    if matches!(
        t.as_str(),
        "" | "0" | "0s" | "inf" | "infinite" | "forever" | "none"
    ) {
        return Ok(None);
    }
    let d = parse_duration(&t).map_err(|_| {
        Error::invalid(format!(
            "\"{s}\" is not a retention period: use e.g. 30d, 12h or 90m, or \"inf\" to keep data forever"
        ))
    })?;
    Ok(Some(d.num_seconds() as u64))
}

fn check_name(name: &str, api: ApiKind) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid("give the database/bucket a name"));
    }
    if api == ApiKind::V3 {
        let ok_chars = n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let ok_ends = n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && n.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok_chars || !ok_ends {
            return Err(Error::invalid(format!(
                "\"{n}\" is not a valid InfluxDB 3 database name: use letters, digits and hyphens \
                 (no underscores), starting and ending with a letter or digit"
            )));
        }
    }
    Ok(n.to_string())
}

fn check_retention(secs: Option<u64>, api: ApiKind) -> Result<()> {
    if let Some(s) = secs
        && s < 3600
        && matches!(api, ApiKind::V1 | ApiKind::V2)
    {
        return Err(Error::invalid(format!(
            "{} keeps data at least 1 hour: use 1h or more, or \"inf\"",
            crate::influx::api_name(api)
        )));
    }
    Ok(())
}

/// Notes for what was asked but cannot be stored on this server (reported, not refused).
fn ignored(req_description: Option<&str>, shard_group: Option<&str>, api: ApiKind) -> Vec<String> {
    let mut notes = Vec::new();
    if req_description.is_some_and(|d| !d.trim().is_empty()) && api != ApiKind::V2 {
        notes.push(format!(
            "{} databases have no description; ignored",
            crate::influx::api_name(api)
        ));
    }
    if shard_group.is_some_and(|d| !d.trim().is_empty()) && api != ApiKind::V1 {
        notes.push(format!(
            "{} has no shard group duration setting; ignored",
            crate::influx::api_name(api)
        ));
    }
    notes
}

/// A 1.x shard group duration: at least 1 hour (the server's minimum).
fn parse_shard_group(s: Option<&str>, api: ApiKind) -> Result<Option<u64>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if api != ApiKind::V1 {
        return Ok(None);
    }
    match parse_retention(s)? {
        Some(secs) if secs >= 3600 => Ok(Some(secs)),
        _ => Err(Error::invalid(format!(
            "shard group duration \"{s}\" is too short: InfluxDB 1.x needs at least 1h (e.g. 1h, \
             1d, 7d)"
        ))),
    }
}

/// The databases/buckets with retention, and (1.x) shard group duration, series cardinality
/// and size on disk where the server reports them.
pub async fn list(ctx: &Ctx, profile: Option<&str>) -> Result<Vec<Bucket>> {
    let p = profiles::resolve(ctx, profile).await?;
    let c = ctx.client(&p).await?;
    let mut b = c.list_buckets().await?;
    if c.api() == ApiKind::V1 {
        // SHOW STATS needs admin rights with auth on: without them the sizes stay unknown.
        if let Ok(stats) = c.v1_database_stats().await {
            for x in &mut b {
                if let Some(st) = stats.get(&x.name) {
                    x.series = st.series;
                    x.size_bytes = st.size_bytes;
                }
            }
        }
    }
    b.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(b)
}

fn describe_retention(r: Option<u64>) -> String {
    crate::influx::buckets::human(r)
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateBucketReq) -> Result<BucketChange> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let api = c.api();
    let name = check_name(&req.name, api)?;
    let retention = parse_retention(req.retention_period.as_deref().unwrap_or("inf"))?;
    check_retention(retention, api)?;
    let shard_group = parse_shard_group(req.shard_group_duration.as_deref(), api)?;
    let notes = ignored(
        req.description.as_deref(),
        req.shard_group_duration.as_deref(),
        api,
    );
    let description = req
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty() && api == ApiKind::V2);
    // Asked last, so nobody approves what would be refused anyway.
    let statement = match api {
        ApiKind::V1 => crate::influx::buckets::v1_create_database(&name, retention, shard_group),
        ApiKind::V2 => format!(
            "POST /api/v2/buckets name={name} retention={}{}",
            describe_retention(retention),
            description
                .map(|d| format!(" description={d:?}"))
                .unwrap_or_default()
        ),
        _ => format!(
            "POST /api/v3/configure/database db={name} retention_period={}",
            describe_retention(retention)
        ),
    };
    let what = format!("create the database/bucket \"{name}\"\n{statement}");
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.create_bucket(&name, retention, description, shard_group)
        .await?;
    ctx.emit(actor, "bucket.create", format!("{name} on {}", p.name));
    Ok(BucketChange {
        bucket: find(&c, &name).await?,
        notes,
    })
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UpdateBucketReq) -> Result<BucketChange> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let api = c.api();
    let name = check_name(&req.name, api)?;
    let retention = req
        .retention_period
        .as_deref()
        .map(parse_retention)
        .transpose()?;
    if let Some(r) = retention {
        check_retention(r, api)?;
    }
    let shard_group = parse_shard_group(req.shard_group_duration.as_deref(), api)?;
    let notes = ignored(
        req.description.as_deref(),
        req.shard_group_duration.as_deref(),
        api,
    );
    let description = req.description.as_deref().filter(|_| api == ApiKind::V2);
    if retention.is_none() && description.is_none() && shard_group.is_none() {
        if !notes.is_empty() {
            // Only what this server cannot store was asked: say so, change nothing.
            return Ok(BucketChange {
                bucket: find(&c, &name).await?,
                notes,
            });
        }
        let msg = "nothing to change: give a retention period".to_string()
            + match api {
                ApiKind::V1 => " or a shard group duration",
                ApiKind::V2 => " or a description",
                _ => "",
            };
        return Err(Error::invalid(msg));
    }
    let before = find(&c, &name).await?;
    let statement = match api {
        ApiKind::V1 => {
            let rp = before
                .retention_policies
                .iter()
                .find(|r| r.default)
                .map_or("autogen", |r| r.name.as_str());
            crate::influx::buckets::v1_alter_rp(&name, rp, retention, shard_group, false)
        }
        ApiKind::V2 => format!(
            "PATCH /api/v2/buckets/{}{}{}",
            before.id.as_deref().unwrap_or_default(),
            retention
                .map(|r| format!(" retention={}", describe_retention(r)))
                .unwrap_or_default(),
            description
                .map(|d| format!(" description={d:?}"))
                .unwrap_or_default()
        ),
        _ => format!(
            "PUT /api/v3/configure/database db={name} retention_period={}",
            retention.map(describe_retention).unwrap_or_default()
        ),
    };
    let mut what = format!("change the database/bucket \"{name}\"");
    if let Some(r) = &req.retention_period {
        what += &format!(" (retention {} -> {r})", before.retention);
    }
    what += &format!("\n{statement}");
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.update_bucket(&name, retention, description, shard_group)
        .await?;
    ctx.emit(actor, "bucket.update", format!("{name} on {}", p.name));
    Ok(BucketChange {
        bucket: find(&c, &name).await?,
        notes,
    })
}

pub async fn delete(ctx: &Ctx, actor: &Actor, req: DeleteBucketReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name the database/bucket to delete"));
    }
    let c = ctx.client(&p).await?;
    let statement = match c.api() {
        ApiKind::V1 => format!("DROP DATABASE {}", crate::influx::schema::quote_ident(name)),
        ApiKind::V2 => format!("DELETE /api/v2/buckets/<id of {name}>"),
        _ => format!("DELETE /api/v3/configure/database?db={name}"),
    };
    let what = format!(
        "delete the database/bucket \"{name}\" and all its data on {} ({})\n{statement}",
        p.name, p.url
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.delete_bucket(name).await?;
    ctx.emit(actor, "bucket.delete", format!("{name} on {}", p.name));
    Ok(())
}

async fn find(c: &crate::influx::Client, name: &str) -> Result<Bucket> {
    c.list_buckets()
        .await?
        .into_iter()
        .find(|b| b.name == name)
        .ok_or_else(|| Error::NotFound(format!("no database/bucket named \"{name}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_periods() {
        assert_eq!(parse_retention("30d").unwrap(), Some(2_592_000));
        assert_eq!(parse_retention("12h").unwrap(), Some(43_200));
        for forever in ["0", "inf", "INF", "forever", ""] {
            assert_eq!(parse_retention(forever).unwrap(), None, "{forever}");
        }
        assert!(
            parse_retention("a month")
                .unwrap_err()
                .message()
                .contains("\"inf\"")
        );
        assert!(check_retention(Some(60), ApiKind::V1).is_err());
        assert!(check_retention(Some(60), ApiKind::V3).is_ok());
        assert!(check_name("my_db", ApiKind::V3).is_err());
        assert!(check_name("my_db", ApiKind::V1).is_ok());
    }
}
