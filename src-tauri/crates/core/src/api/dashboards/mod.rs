//! Dashboards: named grids of cells kept by core per connection profile, in the data dir
//! (`dashboards/<profile id>.json`, versioned JSON written atomically under the same
//! cross-process file lock as the other stores). A dashboard has a time range, an optional
//! auto-refresh interval, template variables and cells on a 12-column grid; a cell is a query
//! (any language) with a chart spec and an optional time range of its own, or a markdown note.
//!
//! Here: the types and the user's actions on dashboards (list, get, create, rename, duplicate,
//! update, delete). `cells`: adding, changing (moving, resizing) and removing cells, with the
//! grid's rules; `vars`: template variables and their `${name}` substitution, quoted for each
//! language; `choices`: multi-select values and variables that depend on others;
//! `annotations`: notes at times and alert changes, drawn on every time chart cell; `run`: running every cell (concurrently, with a limit) and drawing them, one SVG
//! per cell or the whole dashboard as one PNG; `transfer`: export and import (our own format,
//! Chronograf exports, InfluxDB 2 templates). An assistant's changes go through
//! `policy::check_write`, its reads through `check_read`.
//!
//! The module itself is split by what it does: `types` (the dashboard, cell and variable types,
//! the requests and the limits), `store` (where dashboards are kept and the checks and policy
//! every change goes through) and `crud` (the actions on whole dashboards).

mod annotations;
mod cells;
mod choices;
mod crud;
mod run;
mod store;
mod transfer;
mod types;
mod vars;

pub use annotations::{
    AddAnnotationReq, Annotation, RemoveAnnotationReq, add_annotation, list_annotations,
    remove_annotation,
};
pub use cells::{AddCellReq, CellReq, NewCell, UpdateCellReq, add_cell, remove_cell, update_cell};
pub use choices::{Choice, TagDependency};
pub use crud::{create, delete, duplicate, get, list, rename, update};
pub use run::{
    CellRun, DashboardPng, DashboardRun, MAX_CONCURRENT_CELLS, RenderDashboardReq, RunDashboardReq,
    render_png, run,
};
pub use transfer::{ImportDashboardReq, ImportReport, export, import};
pub use types::*;
pub use vars::{ResolvedVariable, VariableValuesReq, substitute, variable_values};

pub(crate) use crud::checked;
pub(crate) use store::{change, check_range, clean_text, find};
use store::{find_mut, index, load, new_id, now, read_access, read_one};
