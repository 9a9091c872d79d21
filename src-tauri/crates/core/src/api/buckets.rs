//! Databases (v1, v3) and buckets (v2): list, create, update retention/description, delete.
//! The GUI's forms, the MCP `manage-buckets` tool and the CLI all call these.

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::timerange::parse_duration;
use crate::model::{Actor, ApiKind, Bucket, CreateBucketReq, DeleteBucketReq, UpdateBucketReq};

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

fn check_description(d: Option<&str>, api: ApiKind) -> Result<()> {
    if d.is_some_and(|d| !d.trim().is_empty()) && api != ApiKind::V2 {
        return Err(Error::invalid(format!(
            "{} databases have no description: leave it empty",
            crate::influx::api_name(api)
        )));
    }
    Ok(())
}

pub async fn list(ctx: &Ctx, profile: Option<&str>) -> Result<Vec<Bucket>> {
    let p = profiles::resolve(ctx, profile).await?;
    let mut b = ctx.client(&p).await?.list_buckets().await?;
    b.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(b)
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateBucketReq) -> Result<Bucket> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let name = check_name(&req.name, c.api())?;
    let retention = parse_retention(req.retention_period.as_deref().unwrap_or("inf"))?;
    check_retention(retention, c.api())?;
    check_description(req.description.as_deref(), c.api())?;
    // Asked last, so nobody approves what would be refused anyway.
    let what = format!(
        "create the database/bucket \"{name}\"\nretention: {}{}",
        req.retention_period.as_deref().unwrap_or("infinite"),
        req.description
            .as_deref()
            .map(|d| format!("\ndescription: {d}"))
            .unwrap_or_default()
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.create_bucket(
        &name,
        retention,
        req.description.as_deref().filter(|d| !d.trim().is_empty()),
    )
    .await?;
    ctx.emit(actor, "bucket.create", format!("{name} on {}", p.name));
    find(&c, &name).await
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UpdateBucketReq) -> Result<Bucket> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let name = check_name(&req.name, c.api())?;
    let retention = req
        .retention_period
        .as_deref()
        .map(parse_retention)
        .transpose()?;
    if let Some(r) = retention {
        check_retention(r, c.api())?;
    }
    check_description(req.description.as_deref(), c.api())?;
    if retention.is_none() && req.description.is_none() {
        return Err(Error::invalid(
            "nothing to change: give a retention period or a description",
        ));
    }
    let before = find(&c, &name).await?;
    let mut what = format!("change the database/bucket \"{name}\"");
    if let Some(r) = &req.retention_period {
        what += &format!("\nretention: {} -> {r}", before.retention);
    }
    if let Some(d) = &req.description {
        what += &format!("\ndescription: {d}");
    }
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    c.update_bucket(&name, retention, req.description.as_deref())
        .await?;
    ctx.emit(actor, "bucket.update", format!("{name} on {}", p.name));
    find(&c, &name).await
}

pub async fn delete(ctx: &Ctx, actor: &Actor, req: DeleteBucketReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name the database/bucket to delete"));
    }
    let what = format!(
        "delete the database/bucket \"{name}\" and all its data\non {} ({})",
        p.name, p.url
    );
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    let c = ctx.client(&p).await?;
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
