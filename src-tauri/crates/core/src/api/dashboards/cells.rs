//! Cells of a dashboard: add, change (title, query, chart, note, and position or size: moving
//! and resizing are changes too) and remove, with the grid's rules (12 columns, a cell inside
//! them, at least one column and one row). New cells without a position go to the first free
//! place, row by row. Overlaps are allowed (a move may pass over another cell).

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::{
    Cell, CellKind, Dashboard, GRID_COLUMNS, MAX_CELL_HEIGHT, MAX_CELLS, MAX_ROW, change,
    check_range, clean_text, find_mut, new_id, now,
};
use crate::api::{Ctx, profiles};
use crate::chart::ChartSpec;
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage, TimeRange};

/// Longest query or note, in bytes.
pub const MAX_TEXT: usize = 100_000;

/// A cell to add. Position and size are optional: a new cell goes where it fits.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct NewCell {
    /// query (default) or note.
    pub kind: CellKind,
    pub title: String,
    /// query cells: the query text; `${name}` inserts a variable, `$timeFilter` the range.
    pub query: String,
    /// influxql, flux or sql; the profile's own language when absent.
    pub language: Option<QueryLanguage>,
    /// The database or bucket; the profile's default when absent.
    pub database: Option<String>,
    /// How to draw the result (chart_type line, area, step, bar, scatter, single_stat, gauge,
    /// table, histogram, heatmap; unit, decimals, bins...). Default: a line chart.
    pub chart: Option<ChartSpec>,
    /// A time range for this cell instead of the dashboard's.
    pub time_range: Option<TimeRange>,
    /// note cells: markdown text.
    pub note: String,
    /// Column 0..11 of the left edge.
    pub x: Option<u32>,
    /// Row of the top edge.
    pub y: Option<u32>,
    /// Width in columns, 1..12 (default 6).
    pub w: Option<u32>,
    /// Height in rows (default 4).
    pub h: Option<u32>,
}

/// Add a cell to a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct AddCellReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    pub cell: NewCell,
}

/// Change a cell: only the fields given change. Moving and resizing are changes of x, y, w, h.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct UpdateCellReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// The cell's id.
    pub cell: String,
    pub title: Option<String>,
    pub query: Option<String>,
    pub language: Option<QueryLanguage>,
    /// The database or bucket ("" for the profile's default).
    pub database: Option<String>,
    pub chart: Option<ChartSpec>,
    /// A range of the cell's own.
    pub time_range: Option<TimeRange>,
    /// True: the cell follows the dashboard's range again.
    pub clear_time_range: bool,
    pub note: Option<String>,
    pub x: Option<u32>,
    pub y: Option<u32>,
    pub w: Option<u32>,
    pub h: Option<u32>,
}

/// One cell of a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct CellReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// The cell's id.
    pub cell: String,
}

/// A cell's rules: a place on the grid, a query for query cells, text within bounds.
pub(crate) fn check(c: &mut Cell) -> Result<()> {
    c.title = clean_text(&c.title, "cell title", false)?;
    if c.w == 0 || c.w > GRID_COLUMNS {
        return Err(Error::invalid(format!(
            "cell \"{}\" is {} columns wide: give a width of 1 to {GRID_COLUMNS}",
            c.title, c.w
        )));
    }
    if c.x >= GRID_COLUMNS || c.x + c.w > GRID_COLUMNS {
        return Err(Error::invalid(format!(
            "cell \"{}\" at column {} with width {} goes past the grid's {GRID_COLUMNS} columns: \
             x + w must be at most {GRID_COLUMNS}",
            c.title, c.x, c.w
        )));
    }
    if c.h == 0 || c.h > MAX_CELL_HEIGHT {
        return Err(Error::invalid(format!(
            "cell \"{}\" is {} rows high: give a height of 1 to {MAX_CELL_HEIGHT}",
            c.title, c.h
        )));
    }
    if c.y > MAX_ROW {
        return Err(Error::invalid(format!(
            "cell \"{}\" starts on row {}: give a row of at most {MAX_ROW}",
            c.title, c.y
        )));
    }
    if c.query.len() > MAX_TEXT || c.note.len() > MAX_TEXT {
        return Err(Error::invalid(format!(
            "cell \"{}\" has more than {MAX_TEXT} bytes of text: shorten it",
            c.title
        )));
    }
    match c.kind {
        CellKind::Query if c.query.trim().is_empty() => {
            return Err(Error::invalid(format!(
                "query cell \"{}\" has no query: give one (or make it a note cell)",
                c.title
            )));
        }
        CellKind::Query => {}
        CellKind::Note => {}
    }
    if let Some(r) = &c.time_range {
        check_range(r)?;
    }
    if let Some(db) = &c.database
        && db.trim().is_empty()
    {
        c.database = None;
    }
    Ok(())
}

/// Whether two cells share a grid square.
fn overlaps(a: (u32, u32, u32, u32), b: &Cell) -> bool {
    let (x, y, w, h) = a;
    x < b.x + b.w && b.x < x + w && y < b.y + b.h && b.y < y + h
}

/// The first free place for a `w` x `h` cell, row by row (below everything at worst).
fn free_place(cells: &[Cell], w: u32, h: u32) -> (u32, u32) {
    let bottom = cells.iter().map(|c| c.y + c.h).max().unwrap_or(0);
    let w = w.clamp(1, GRID_COLUMNS);
    for y in 0..=bottom {
        for x in 0..=(GRID_COLUMNS - w) {
            if !cells.iter().any(|c| overlaps((x, y, w, h), c)) {
                return (x, y);
            }
        }
    }
    (0, bottom)
}

/// A new cell from a request, placed among `cells`.
pub(crate) fn build(cells: &[Cell], n: &NewCell) -> Result<Cell> {
    if cells.len() >= MAX_CELLS {
        return Err(Error::invalid(format!(
            "a dashboard holds at most {MAX_CELLS} cells: remove one first"
        )));
    }
    let w = n.w.unwrap_or(6);
    let h = n.h.unwrap_or(4);
    let (x, y) = match (n.x, n.y) {
        (Some(x), Some(y)) => (x, y),
        (Some(x), None) => (x, cells.iter().map(|c| c.y + c.h).max().unwrap_or(0)),
        (None, Some(y)) => (0, y),
        (None, None) => free_place(cells, w, h.max(1)),
    };
    let mut c = Cell {
        id: new_id(),
        kind: n.kind,
        title: n.title.clone(),
        x,
        y,
        w,
        h,
        query: n.query.clone(),
        language: n.language,
        database: n.database.clone(),
        chart: n.chart.clone().unwrap_or_default(),
        time_range: n.time_range.clone(),
        note: n.note.clone(),
    };
    check(&mut c)?;
    Ok(c)
}

/// A cell in words, for the policy's question: what it is and what it runs.
pub(crate) fn describe(c: &Cell) -> String {
    let place = format!("at x={} y={} w={} h={}", c.x, c.y, c.w, c.h);
    match c.kind {
        CellKind::Query => format!(
            "cell \"{}\" {place}: {} chart of ({}) {}",
            c.title,
            c.chart.chart_type.as_str(),
            c.language.map_or("default language", QueryLanguage::name),
            c.query.trim()
        ),
        CellKind::Note => format!("note \"{}\" {place}", c.title),
    }
}

fn cell_mut<'a>(d: &'a mut Dashboard, id: &str) -> Result<&'a mut Cell> {
    let name = d.name.clone();
    let ids: Vec<String> = d.cells.iter().map(|c| c.id.clone()).collect();
    d.cells
        .iter_mut()
        .find(|c| c.id == id.trim())
        .ok_or_else(|| {
            Error::NotFound(format!(
                "dashboard \"{name}\" has no cell \"{}\"{}",
                id.trim(),
                if ids.is_empty() {
                    " (it has no cells)".to_string()
                } else {
                    format!("; its cells: {}", ids.join(", "))
                }
            ))
        })
}

pub async fn add_cell(ctx: &Ctx, actor: &Actor, req: AddCellReq) -> Result<Cell> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.cell.add",
        |f| {
            let d = find_mut(f, &req.dashboard)?;
            let mut c = build(&d.cells, &req.cell)?;
            // An id another cell of this dashboard has (astronomically unlikely) is replaced.
            while d.cells.iter().any(|o| o.id == c.id) {
                c.id = new_id();
            }
            d.cells.push(c.clone());
            d.updated_at = now();
            Ok((d.name.clone(), c))
        },
        |(name, c)| format!("add a cell to dashboard \"{name}\"\n{}", describe(c)),
    )
    .await
    .map(|(_, c)| c)
}

pub async fn update_cell(ctx: &Ctx, actor: &Actor, req: UpdateCellReq) -> Result<Cell> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.cell.update",
        |f| {
            let d = find_mut(f, &req.dashboard)?;
            let name = d.name.clone();
            let c = cell_mut(d, &req.cell)?;
            let mut n = c.clone();
            if let Some(t) = &req.title {
                n.title = t.clone();
            }
            if let Some(q) = &req.query {
                n.query = q.clone();
            }
            if let Some(l) = req.language {
                n.language = Some(l);
            }
            if let Some(db) = &req.database {
                n.database = Some(db.clone());
            }
            if let Some(s) = &req.chart {
                n.chart = s.clone();
            }
            if req.clear_time_range {
                n.time_range = None;
            }
            if let Some(r) = &req.time_range {
                n.time_range = Some(r.clone());
            }
            if let Some(t) = &req.note {
                n.note = t.clone();
            }
            n.x = req.x.unwrap_or(n.x);
            n.y = req.y.unwrap_or(n.y);
            n.w = req.w.unwrap_or(n.w);
            n.h = req.h.unwrap_or(n.h);
            check(&mut n)?;
            *c = n.clone();
            d.updated_at = now();
            Ok((name, n))
        },
        |(name, c)| format!("change a cell of dashboard \"{name}\"\n{}", describe(c)),
    )
    .await
    .map(|(_, c)| c)
}

pub async fn remove_cell(ctx: &Ctx, actor: &Actor, req: CellReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.cell.remove",
        |f| {
            let d = find_mut(f, &req.dashboard)?;
            let c = cell_mut(d, &req.cell)?.clone();
            d.cells.retain(|o| o.id != c.id);
            d.updated_at = now();
            Ok((d.name.clone(), c))
        },
        |(name, c)| format!("remove a cell of dashboard \"{name}\"\n{}", describe(c)),
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: u32, y: u32, w: u32, h: u32) -> Cell {
        Cell {
            x,
            y,
            w,
            h,
            query: "SELECT 1".into(),
            ..Cell::default()
        }
    }

    #[test]
    fn new_cells_fill_the_first_free_place() {
        let cells = vec![at(0, 0, 6, 4)];
        assert_eq!(free_place(&cells, 6, 4), (6, 0), "beside the first cell");
        let cells = vec![at(0, 0, 6, 4), at(6, 0, 6, 4)];
        assert_eq!(
            free_place(&cells, 6, 4),
            (0, 4),
            "the next row when the first is full"
        );
        assert_eq!(free_place(&[], 12, 3), (0, 0));
    }

    #[test]
    fn the_grid_rules_are_enforced_with_clear_errors() {
        for (c, says) in [
            (at(0, 0, 0, 4), "1 to 12"),
            (at(0, 0, 13, 4), "1 to 12"),
            (at(8, 0, 6, 4), "x + w"),
            (at(12, 0, 1, 4), "x + w"),
            (at(0, 0, 6, 0), "height"),
            (at(0, MAX_ROW + 1, 6, 4), "row"),
        ] {
            let err = check(&mut c.clone()).unwrap_err();
            assert!(err.message().contains(says), "{err} should say {says}");
        }
        let mut no_query = at(0, 0, 6, 4);
        no_query.query = " ".into();
        assert!(
            check(&mut no_query)
                .unwrap_err()
                .message()
                .contains("no query")
        );
        let mut note = no_query.clone();
        note.kind = CellKind::Note;
        check(&mut note).expect("a note needs no query");
    }
}
