//! Settings the user changes (shared by the GUI, the CLI and MCP).

use super::Ctx;
use crate::error::{Error, Result};
use crate::model::{Actor, UserSettings};

pub async fn get(ctx: &Ctx) -> Result<UserSettings> {
    let s = ctx.store.settings()?;
    Ok(UserSettings {
        row_limit: s.row_limit,
    })
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UserSettings) -> Result<UserSettings> {
    if !(1..=10_000_000).contains(&req.row_limit) {
        return Err(Error::invalid(
            "the row limit must be between 1 and 10,000,000",
        ));
    }
    ctx.store.update_settings(|s| {
        s.row_limit = req.row_limit;
        Ok(())
    })?;
    ctx.emit(
        actor,
        "settings.update",
        format!("row limit {}", req.row_limit),
    );
    get(ctx).await
}
