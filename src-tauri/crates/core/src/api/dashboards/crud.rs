//! The user's actions on whole dashboards: list, get, create, rename, duplicate, update
//! (time range, auto-refresh, variables) and delete.

use super::store::{
    change, check_range, check_refresh, find, index, load, new_id, now, read_access, read_one,
    unique_name,
};
use super::types::default_range;
use super::{
    CreateDashboardReq, Dashboard, DashboardInfo, DashboardReq, DashboardsFile,
    DuplicateDashboardReq, ListDashboardsReq, MAX_CELLS, RenameDashboardReq, UpdateDashboardReq,
    annotations, cells, vars,
};
use crate::api::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::Actor;

pub async fn list(ctx: &Ctx, actor: &Actor, req: ListDashboardsReq) -> Result<Vec<DashboardInfo>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    read_access(ctx, actor, &p, "list dashboards").await?;
    let mut out: Vec<DashboardInfo> = load(ctx, &p)?
        .dashboards
        .iter()
        .map(|d| DashboardInfo {
            id: d.id.clone(),
            name: d.name.clone(),
            cells: d.cells.len(),
            variables: d.variables.len(),
            updated_at: d.updated_at.clone(),
        })
        .collect();
    out.sort_by_key(|d| d.name.to_lowercase());
    Ok(out)
}

pub async fn get(ctx: &Ctx, actor: &Actor, req: DashboardReq) -> Result<Dashboard> {
    read_one(ctx, actor, &req, "read").await
}

/// A dashboard checked whole: name, range, refresh, variables, cells (new ids where missing).
pub(crate) fn checked(file: &DashboardsFile, mut d: Dashboard) -> Result<Dashboard> {
    d.name = unique_name(file, &d.name, Some(&d.id))?;
    check_range(&d.time_range)?;
    d.refresh = check_refresh(d.refresh.as_deref())?;
    vars::check_all(&d.variables)?;
    annotations::check(&mut d.annotations)?;
    if d.cells.len() > MAX_CELLS {
        return Err(Error::invalid(format!(
            "a dashboard holds at most {MAX_CELLS} cells"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &mut d.cells {
        if c.id.is_empty() || !seen.insert(c.id.clone()) {
            c.id = new_id();
            seen.insert(c.id.clone());
        }
        cells::check(c)?;
    }
    d.updated_at = now();
    Ok(d)
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let id = new_id();
    change(
        ctx,
        actor,
        &p,
        "dashboard.create",
        |f| {
            let mut d = Dashboard {
                id: id.clone(),
                name: req.name.clone(),
                time_range: req.time_range.clone().unwrap_or_else(default_range),
                refresh: req.refresh.clone(),
                variables: req.variables.clone(),
                cells: Vec::new(),
                annotations: Vec::new(),
                updated_at: String::new(),
            };
            for c in &req.cells {
                let cell = cells::build(&d.cells, c)?;
                d.cells.push(cell);
            }
            let d = checked(f, d)?;
            f.dashboards.push(d.clone());
            Ok(d)
        },
        |d| {
            let mut s = format!("create dashboard \"{}\"", d.name);
            for c in &d.cells {
                s += &format!("\n{}", cells::describe(c));
            }
            s
        },
    )
    .await
}

pub async fn rename(ctx: &Ctx, actor: &Actor, req: RenameDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.rename",
        |f| {
            let i = index(f, &req.dashboard)?;
            let old = f.dashboards[i].name.clone();
            let name = unique_name(f, &req.name, Some(&f.dashboards[i].id.clone()))?;
            let d = &mut f.dashboards[i];
            d.name = name;
            d.updated_at = now();
            Ok((old, d.clone()))
        },
        |(old, d)| format!("rename dashboard \"{old}\" to \"{}\"", d.name),
    )
    .await
    .map(|(_, d)| d)
}

pub async fn duplicate(ctx: &Ctx, actor: &Actor, req: DuplicateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let id = new_id();
    change(
        ctx,
        actor,
        &p,
        "dashboard.duplicate",
        |f| {
            let src = find(f, &req.dashboard)?.clone();
            let name = match req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => n.to_string(),
                None => {
                    let mut n = format!("{} (copy)", src.name);
                    let mut k = 2;
                    while f.dashboards.iter().any(|d| d.name.eq_ignore_ascii_case(&n)) {
                        n = format!("{} (copy {k})", src.name);
                        k += 1;
                    }
                    n
                }
            };
            let mut d = src;
            d.id = id.clone();
            d.name = name;
            for c in &mut d.cells {
                c.id = new_id();
            }
            let d = checked(f, d)?;
            f.dashboards.push(d.clone());
            Ok(d)
        },
        |d| format!("create dashboard \"{}\" (a copy)", d.name),
    )
    .await
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UpdateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.update",
        |f| {
            let i = index(f, &req.dashboard)?;
            let mut d = f.dashboards[i].clone();
            if let Some(r) = &req.time_range {
                d.time_range = r.clone();
            }
            if let Some(r) = &req.refresh {
                d.refresh = Some(r.clone());
            }
            if let Some(v) = &req.variables {
                d.variables = v.clone();
            }
            let d = checked(f, d)?;
            f.dashboards[i] = d.clone();
            Ok(d)
        },
        |d| format!("change the settings of dashboard \"{}\"", d.name),
    )
    .await
}

pub async fn delete(ctx: &Ctx, actor: &Actor, req: DashboardReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.delete",
        |f| {
            let i = index(f, &req.dashboard)?;
            Ok(f.dashboards.remove(i).name)
        },
        |name| format!("delete dashboard \"{name}\""),
    )
    .await
    .map(|_| ())
}
