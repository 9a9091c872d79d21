//! `influxdesk dashboard annotations`: a dashboard's annotations (notes at times, drawn on
//! every time chart cell) from the command line: list them, add one, remove one by id. Each
//! subcommand is one `core::api::dashboards` call.

use clap::Subcommand;
use influxdesk_core::api::dashboards::{
    self, AddAnnotationReq, Annotation, DashboardReq, RemoveAnnotationReq,
};
use influxdesk_core::{Actor, Ctx, Result};

use super::output::json;

#[derive(Subcommand)]
pub enum AnnotationCmd {
    /// List a dashboard's annotations, oldest first.
    List {
        /// The dashboard's name or id.
        dashboard: String,
        #[arg(long)]
        profile: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Annotate a dashboard at a time.
    #[command(after_help = "Example:\n  \
        influxdesk dashboard annotations add Ops --time 2026-11-30T12:00:00Z --text 'deploy v2.3'")]
    Add {
        /// The dashboard's name or id.
        dashboard: String,
        /// When, RFC 3339, e.g. 2026-11-30T12:00:00Z.
        #[arg(long)]
        time: String,
        /// What happened, one line.
        #[arg(long)]
        text: String,
        #[arg(long)]
        profile: Option<String>,
        /// Print the dashboard's annotations as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove one annotation of a dashboard, by id (`list` shows the ids).
    Remove {
        /// The dashboard's name or id.
        dashboard: String,
        /// The annotation's id.
        id: String,
        #[arg(long)]
        profile: Option<String>,
    },
}

fn line(a: &Annotation) -> String {
    format!("{:<24}  {}  {}\n", a.time, a.id, a.text)
}

pub async fn run(ctx: &Ctx, cmd: AnnotationCmd) -> Result<String> {
    let me = Actor::User;
    match cmd {
        AnnotationCmd::List {
            dashboard,
            profile,
            json: as_json,
        } => {
            let list =
                dashboards::list_annotations(ctx, &me, DashboardReq { profile, dashboard }).await?;
            if as_json {
                return json(&list);
            }
            if list.is_empty() {
                return Ok("no annotations (add one with `dashboard annotations add`)\n".into());
            }
            let mut out = format!("{:<24}  {:<36}  TEXT\n", "TIME", "ID");
            for a in &list {
                out += &line(a);
            }
            Ok(out)
        }
        AnnotationCmd::Add {
            dashboard,
            time,
            text,
            profile,
            json: as_json,
        } => {
            let d = dashboards::add_annotation(
                ctx,
                &me,
                AddAnnotationReq {
                    profile,
                    dashboard,
                    time,
                    text,
                },
            )
            .await?;
            if as_json {
                return json(&d.annotations);
            }
            let mut out = format!("annotated dashboard \"{}\"; its annotations now:\n", d.name);
            for a in &d.annotations {
                out += &line(a);
            }
            Ok(out)
        }
        AnnotationCmd::Remove {
            dashboard,
            id,
            profile,
        } => {
            let d = dashboards::remove_annotation(
                ctx,
                &me,
                RemoveAnnotationReq {
                    profile,
                    dashboard,
                    annotation: id.clone(),
                },
            )
            .await?;
            Ok(format!(
                "removed annotation {id} of dashboard \"{}\" ({} left)\n",
                d.name,
                d.annotations.len()
            ))
        }
    }
}
