//! Write line protocol to a database or bucket. The whole batch is validated first, so a bad
//! line is reported with its number and nothing is written (no partial writes).

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::lineproto;
use crate::model::{Actor, WriteReq, WriteResult};

pub async fn write(ctx: &Ctx, actor: &Actor, req: WriteReq) -> Result<WriteResult> {
    let points = lineproto::parse_batch(&req.lines)?;
    let profile = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let bucket = req
        .bucket
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .or(profile.database.as_deref())
        .ok_or_else(|| {
            Error::invalid(format!(
                "no database/bucket to write to: pass one, or set a default on profile \"{}\"",
                profile.name
            ))
        })?
        .to_string();
    let n = points.len();
    let what = format!(
        "write {n} point{} to \"{bucket}\"",
        if n == 1 { "" } else { "s" }
    );
    super::policy::check_write(ctx, actor, &profile, &what).await?;
    let client = ctx.client(&profile).await?;
    let bytes = req.lines.len();
    client.write(&bucket, req.precision, req.lines).await?;
    ctx.emit(
        actor,
        "write",
        format!("{} points to {bucket} on {}", points.len(), profile.name),
    );
    Ok(WriteResult {
        points: points.len(),
        bytes,
        bucket,
    })
}
