//! Annotations: notes at a time on a dashboard (a deploy, an incident), kept in the dashboard's
//! JSON and drawn on every time chart cell as vertical markers, together with the changes of
//! state of the profile's alert rules (`alerts::history`) over the dashboard's range: warn and
//! crit in their colours, back to ok in grey. Not here: the drawing (`chart::overlay`).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Dashboard, DashboardReq, change, index, new_id, now, read_one};
use crate::api::{Ctx, alerts, profiles};
use crate::chart::{OverlayMarker, Tone};
use crate::error::{Error, Result};
use crate::model::{Actor, Profile, TimeRange};

/// Most annotations one dashboard keeps.
pub const MAX_ANNOTATIONS: usize = 500;
/// Longest annotation text, in characters.
pub const MAX_TEXT: usize = 200;
/// Most alert changes drawn per rule.
const MAX_ALERT_MARKS: usize = 200;

/// A note at a time, drawn on every time chart of the dashboard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct Annotation {
    pub id: String,
    /// RFC 3339.
    pub time: String,
    /// One line, e.g. "deploy v2.3".
    pub text: String,
}

/// Add an annotation to a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct AddAnnotationReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// When, RFC 3339, e.g. 2026-11-30T12:00:00Z.
    pub time: String,
    /// What happened, one line.
    pub text: String,
}

/// Remove one annotation of a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct RemoveAnnotationReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// The annotation's id.
    pub annotation: String,
}

fn parse_time(t: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::invalid(format!(
                "annotation time \"{t}\" is not a time: use RFC 3339, e.g. 2026-11-30T12:00:00Z"
            ))
        })
}

/// The rules of annotations: times that parse, one line of text, a bounded count.
pub(crate) fn check(list: &mut [Annotation]) -> Result<()> {
    if list.len() > MAX_ANNOTATIONS {
        return Err(Error::invalid(format!(
            "a dashboard keeps at most {MAX_ANNOTATIONS} annotations: remove old ones first"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for a in list.iter_mut() {
        a.time = parse_time(&a.time)?.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        a.text = a.text.trim().to_string();
        if a.text.is_empty() {
            return Err(Error::invalid(
                "an annotation needs a text: say what happened",
            ));
        }
        if a.text.chars().count() > MAX_TEXT || a.text.chars().any(char::is_control) {
            return Err(Error::invalid(format!(
                "an annotation is one line of at most {MAX_TEXT} characters"
            )));
        }
        if a.id.is_empty() || !seen.insert(a.id.clone()) {
            a.id = new_id();
            seen.insert(a.id.clone());
        }
    }
    Ok(())
}

/// A dashboard's annotations, oldest first.
pub async fn list_annotations(
    ctx: &Ctx,
    actor: &Actor,
    req: DashboardReq,
) -> Result<Vec<Annotation>> {
    Ok(read_one(ctx, actor, &req, "read the annotations of")
        .await?
        .annotations)
}

pub async fn add_annotation(ctx: &Ctx, actor: &Actor, req: AddAnnotationReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let id = new_id();
    change(
        ctx,
        actor,
        &p,
        "dashboard.annotate",
        |f| {
            let i = index(f, &req.dashboard)?;
            let mut d = f.dashboards[i].clone();
            d.annotations.push(Annotation {
                id: id.clone(),
                time: req.time.clone(),
                text: req.text.clone(),
            });
            check(&mut d.annotations)?;
            d.annotations.sort_by(|a, b| a.time.cmp(&b.time));
            d.updated_at = now();
            f.dashboards[i] = d.clone();
            Ok(d)
        },
        |d| {
            let a = d.annotations.iter().find(|a| a.id == id);
            format!(
                "annotate dashboard \"{}\" at {}: {}",
                d.name,
                a.map(|a| a.time.as_str()).unwrap_or_default(),
                a.map(|a| a.text.as_str()).unwrap_or_default()
            )
        },
    )
    .await
}

pub async fn remove_annotation(
    ctx: &Ctx,
    actor: &Actor,
    req: RemoveAnnotationReq,
) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.annotate",
        |f| {
            let i = index(f, &req.dashboard)?;
            let d = &mut f.dashboards[i];
            let key = req.annotation.trim();
            let Some(at) = d.annotations.iter().position(|a| a.id == key) else {
                let ids: Vec<String> = d
                    .annotations
                    .iter()
                    .map(|a| format!("{} ({} {})", a.id, a.time, a.text))
                    .collect();
                return Err(Error::NotFound(format!(
                    "dashboard \"{}\" has no annotation \"{key}\". {}",
                    d.name,
                    if ids.is_empty() {
                        "It has no annotations.".to_string()
                    } else {
                        format!("Its annotations: {}.", ids.join(", "))
                    }
                )));
            };
            let gone = d.annotations.remove(at);
            d.updated_at = now();
            Ok((gone, d.clone()))
        },
        |(a, d)| {
            format!(
                "remove the annotation of dashboard \"{}\" at {}: {}",
                d.name, a.time, a.text
            )
        },
    )
    .await
    .map(|(_, d)| d)
}

/// How far back `range` reaches from now, as a duration the alert history takes ("3600s").
fn reach(range: &TimeRange, now: DateTime<Utc>) -> String {
    match range {
        TimeRange::Relative { duration } => duration.clone(),
        TimeRange::Absolute { from, .. } => {
            let secs = parse_time(from)
                .map(|f| (now - f).num_seconds())
                .unwrap_or(3600);
            format!("{}s", secs.max(60))
        }
    }
}

/// The markers every time chart of `d` gets: its annotations, and the changes of state of the
/// profile's alert rules over `range` (a rule whose history cannot be read is left out: the
/// dashboard still draws).
pub(crate) async fn markers(
    ctx: &Ctx,
    p: &Profile,
    d: &Dashboard,
    range: &TimeRange,
) -> Vec<OverlayMarker> {
    let mut out: Vec<OverlayMarker> = d
        .annotations
        .iter()
        .map(|a| OverlayMarker {
            at: a.time.clone(),
            label: Some(a.text.clone()),
            tone: Tone::Info,
        })
        .collect();
    let rules = alerts::list(ctx).await.unwrap_or_default();
    let back = reach(range, Utc::now());
    for r in rules.iter().filter(|r| r.profile_id == p.id) {
        let req = alerts::AlertHistoryReq {
            alert: r.id.clone(),
            range: Some(back.clone()),
            ..Default::default()
        };
        let Ok(changes) = alerts::history(ctx, req).await else {
            continue;
        };
        for c in changes.into_iter().take(MAX_ALERT_MARKS) {
            let tone = match c.status {
                alerts::AlertStatus::Crit => Tone::Crit,
                alerts::AlertStatus::Warn => Tone::Warn,
                alerts::AlertStatus::Info => Tone::Info,
                _ => Tone::Neutral,
            };
            out.push(OverlayMarker {
                at: c.time,
                label: Some(format!("{}: {}", r.name, c.status.as_str())),
                tone,
            });
        }
    }
    out.truncate(crate::chart::OVERLAY_MAX_MARKERS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_checked_and_times_normalised() {
        let mut ok = vec![Annotation {
            id: String::new(),
            time: "2026-11-30T13:00:00+01:00".into(),
            text: "  deploy v2 ".into(),
        }];
        check(&mut ok).unwrap();
        assert_eq!(ok[0].time, "2026-11-30T12:00:00.000Z", "UTC, one format");
        assert_eq!(ok[0].text, "deploy v2");
        assert!(!ok[0].id.is_empty(), "a new id");
        let bad = |time: &str, text: &str| {
            let mut l = vec![Annotation {
                id: "a".into(),
                time: time.into(),
                text: text.into(),
            }];
            check(&mut l).unwrap_err().message().to_string()
        };
        assert!(bad("noon", "x").contains("RFC 3339"));
        assert!(bad("2026-11-30T12:00:00Z", " ").contains("needs a text"));
        assert!(bad("2026-11-30T12:00:00Z", "a\nb").contains("one line"));
    }

    #[test]
    fn the_reach_of_a_range_covers_it() {
        let now = parse_time("2026-11-30T12:00:00Z").unwrap();
        let rel = TimeRange::Relative {
            duration: "6h".into(),
        };
        assert_eq!(reach(&rel, now), "6h");
        let abs = TimeRange::Absolute {
            from: "2026-11-30T10:00:00Z".into(),
            to: "2026-11-30T11:00:00Z".into(),
        };
        assert_eq!(reach(&abs, now), "7200s");
    }
}
