//! What a rule checks, as pure functions over a series' points: the level one series is at, at
//! one instant (threshold with one level or warn/crit levels, inside/outside a range, relative
//! change against a period ago, deadman), and the state machine that turns levels into states
//! with the rule's `for` hold. The live evaluator and the backtest both use these, so a
//! backtest replays exactly what the evaluator would have done.

use chrono::Duration;

use super::{AlertStatus, Severity, Threshold, ThresholdKind};
use crate::error::{Error, Result};

/// The level of one series at one instant, before the `for` hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Not enough data to decide (no point in the window; relative: no point a period ago).
    Unknown,
    Ok,
    /// Firing at this state.
    Firing(AlertStatus),
}

/// A rule's condition, checked once when the rule is made, then applied to values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) threshold: Threshold,
    /// The state a one-level condition fires at (from the rule's severity).
    pub(crate) firing: AlertStatus,
    /// Relative change: how far back the value is compared.
    pub(crate) period: Duration,
}

impl Condition {
    pub(crate) fn new(t: &Threshold, severity: Severity) -> Result<Condition> {
        let finite = |v: Option<f64>, what: &str| -> Result<()> {
            match v {
                Some(x) if !x.is_finite() => Err(Error::invalid(format!(
                    "the {what} level must be a finite number"
                ))),
                _ => Ok(()),
            }
        };
        finite(Some(t.value), "threshold")?;
        finite(t.warn, "warn")?;
        finite(t.crit, "crit")?;
        let mut period = Duration::zero();
        match t.kind {
            ThresholdKind::Inside | ThresholdKind::Outside => {
                let (Some(low), Some(high)) = (t.low, t.high) else {
                    return Err(Error::invalid(
                        "a range condition needs `low` and `high`, e.g. low 10, high 90",
                    ));
                };
                finite(Some(low), "low")?;
                finite(Some(high), "high")?;
                if low > high {
                    return Err(Error::invalid(format!(
                        "the range's low ({low}) is above its high ({high}): swap them"
                    )));
                }
            }
            ThresholdKind::Relative => {
                let p = t.period.as_deref().ok_or_else(|| {
                    Error::invalid(
                        "a relative condition needs `period`: how far back to compare, e.g. \
                         \"1h\"",
                    )
                })?;
                period = super::duration(p, "period")?;
                if period <= Duration::zero() {
                    return Err(Error::invalid("the relative period must be longer than 0s"));
                }
            }
            ThresholdKind::Threshold | ThresholdKind::Deadman => {}
        }
        if let (Some(w), Some(c)) = (t.warn, t.crit)
            && t.operator.holds(w, c)
            && w != c
        {
            return Err(Error::invalid(format!(
                "warn ({w}) is past crit ({c}) for \"{}\": a value reaches warn before crit, so \
                 give warn the lower level for greater, the higher for less",
                t.operator.symbol()
            )));
        }
        let firing = match severity {
            Severity::Info => AlertStatus::Info,
            Severity::Warning => AlertStatus::Warn,
            Severity::Critical => AlertStatus::Crit,
        };
        Ok(Condition {
            threshold: t.clone(),
            firing,
            period,
        })
    }

    /// The level of a value (for relative, the change against `before`).
    fn level_of(&self, v: f64, before: Option<f64>) -> Level {
        let t = &self.threshold;
        let checked = match t.kind {
            ThresholdKind::Deadman => return Level::Ok,
            ThresholdKind::Inside => {
                let inside = t.low.is_some_and(|l| v >= l) && t.high.is_some_and(|h| v <= h);
                return self.fire_if(inside);
            }
            ThresholdKind::Outside => {
                let outside = t.low.is_some_and(|l| v < l) || t.high.is_some_and(|h| v > h);
                return self.fire_if(outside);
            }
            ThresholdKind::Relative => {
                let Some(b) = before else {
                    return Level::Unknown;
                };
                if t.percent == Some(true) {
                    if b == 0.0 {
                        return Level::Unknown;
                    }
                    (v - b) / b.abs() * 100.0
                } else {
                    v - b
                }
            }
            ThresholdKind::Threshold => v,
        };
        if t.warn.is_some() || t.crit.is_some() {
            if t.crit.is_some_and(|c| t.operator.holds(checked, c)) {
                Level::Firing(AlertStatus::Crit)
            } else if t.warn.is_some_and(|w| t.operator.holds(checked, w)) {
                Level::Firing(AlertStatus::Warn)
            } else {
                Level::Ok
            }
        } else {
            self.fire_if(t.operator.holds(checked, t.value))
        }
    }

    fn fire_if(&self, cond: bool) -> Level {
        if cond {
            Level::Firing(self.firing)
        } else {
            Level::Ok
        }
    }

    /// How far back a query must reach to decide at an instant: the window, plus the period
    /// for a relative change.
    pub(crate) fn lookback(&self, window: Duration) -> Duration {
        window + self.period
    }

    /// The level of one series from the points the rule's query gave over its lookback
    /// (sorted by time): its last value, and for a relative change the last value at least a
    /// period older than that one. No point: Unknown, or firing for a deadman. The query's
    /// time range is the window, so live evaluation and a backtest (the same query over a
    /// past window) decide alike.
    pub(crate) fn level(&self, points: &[(i64, f64)]) -> Level {
        let Some(&(t, v)) = points.last() else {
            return if self.threshold.kind == ThresholdKind::Deadman {
                Level::Firing(self.firing)
            } else {
                Level::Unknown
            };
        };
        let before = (self.threshold.kind == ThresholdKind::Relative)
            .then(|| {
                let edge = t.saturating_sub(self.period.num_nanoseconds().unwrap_or(i64::MAX));
                let i = points.partition_point(|&(pt, _)| pt <= edge);
                points[..i].last().map(|&(_, b)| b)
            })
            .flatten();
        self.level_of(v, before)
    }

    /// How the condition reads, e.g. `> 80 (warn) / > 90 (crit)`.
    pub(crate) fn describe(&self) -> String {
        let t = &self.threshold;
        let op = t.operator.symbol();
        let levels = |unit: &str| {
            if t.warn.is_some() || t.crit.is_some() {
                let mut parts = Vec::new();
                if let Some(w) = t.warn {
                    parts.push(format!("{op} {w}{unit} warn"));
                }
                if let Some(c) = t.crit {
                    parts.push(format!("{op} {c}{unit} crit"));
                }
                parts.join(", ")
            } else {
                format!("{op} {}{unit}", t.value)
            }
        };
        match t.kind {
            ThresholdKind::Threshold => levels(""),
            ThresholdKind::Deadman => "no data".into(),
            ThresholdKind::Inside => format!(
                "inside {}..{}",
                t.low.unwrap_or(f64::NAN),
                t.high.unwrap_or(f64::NAN)
            ),
            ThresholdKind::Outside => format!(
                "outside {}..{}",
                t.low.unwrap_or(f64::NAN),
                t.high.unwrap_or(f64::NAN)
            ),
            ThresholdKind::Relative => format!(
                "change over {} {}",
                t.period.as_deref().unwrap_or("?"),
                levels(if t.percent == Some(true) { "%" } else { "" })
            ),
        }
    }
}

/// One series' state between evaluations: the `for` hold is per series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Machine {
    pub(crate) status: AlertStatus,
    /// Since when (epoch ns) the current firing level has held, not yet for `for`.
    pub(crate) pending: Option<(AlertStatus, i64)>,
}

impl Machine {
    pub(crate) fn new(status: AlertStatus, pending: Option<(AlertStatus, i64)>) -> Machine {
        Machine { status, pending }
    }

    /// Apply the level seen at `at`; the new status. A firing level becomes the status once
    /// it has held for `hold` (a higher level restarts the hold; a lower one keeps it).
    pub(crate) fn step(&mut self, level: Level, at: i64, hold: Duration) -> AlertStatus {
        let hold_ns = hold.num_nanoseconds().unwrap_or(i64::MAX);
        match level {
            Level::Unknown => {}
            Level::Ok => {
                self.pending = None;
                self.status = AlertStatus::Ok;
            }
            Level::Firing(s) => {
                let since = match self.pending {
                    Some((p, since)) if p == s => since,
                    _ => at,
                };
                if at.saturating_sub(since) >= hold_ns || self.status == s {
                    self.status = s;
                    self.pending = Some((s, since));
                } else {
                    self.pending = Some((s, since));
                    if self.status == AlertStatus::Unknown {
                        self.status = AlertStatus::Ok;
                    }
                }
            }
        }
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::super::Operator;
    use super::*;

    fn cond(t: Threshold) -> Condition {
        Condition::new(&t, Severity::Critical).unwrap()
    }

    fn base() -> Threshold {
        Threshold {
            operator: Operator::Greater,
            value: 90.0,
            kind: ThresholdKind::Threshold,
            ..Threshold::default()
        }
    }

    const S: i64 = 1_000_000_000;

    #[test]
    fn levels_pick_the_highest_that_holds() {
        let c = cond(Threshold {
            warn: Some(80.0),
            crit: Some(90.0),
            ..base()
        });
        let at = |v: f64| c.level(&[(10 * S, v)]);
        assert_eq!(at(50.0), Level::Ok);
        assert_eq!(at(85.0), Level::Firing(AlertStatus::Warn));
        assert_eq!(at(95.0), Level::Firing(AlertStatus::Crit));
        let e = Condition::new(
            &Threshold {
                warn: Some(95.0),
                crit: Some(90.0),
                ..base()
            },
            Severity::Warning,
        )
        .unwrap_err();
        assert!(e.message().contains("warn"), "{e}");
    }

    #[test]
    fn ranges_relative_and_deadman() {
        let inside = cond(Threshold {
            kind: ThresholdKind::Inside,
            low: Some(10.0),
            high: Some(20.0),
            ..base()
        });
        assert_eq!(inside.level(&[(S, 15.0)]), Level::Firing(AlertStatus::Crit));
        assert_eq!(inside.level(&[(S, 25.0)]), Level::Ok);
        let rel = cond(Threshold {
            kind: ThresholdKind::Relative,
            operator: Operator::Greater,
            value: 50.0,
            percent: Some(true),
            period: Some("1h".into()),
            ..base()
        });
        let h = 3600 * S;
        // 100 an hour ago, 160 now: +60 %.
        let pts = [(10 * S, 100.0), (h + 10 * S, 160.0)];
        assert_eq!(rel.level(&pts), Level::Firing(AlertStatus::Crit));
        assert_eq!(
            rel.level(&pts[1..]),
            Level::Unknown,
            "nothing an hour before"
        );
        let dead = cond(Threshold {
            kind: ThresholdKind::Deadman,
            ..base()
        });
        assert_eq!(dead.level(&[(S, 1.0)]), Level::Ok);
        assert_eq!(dead.level(&[]), Level::Firing(AlertStatus::Crit));
    }

    #[test]
    fn the_hold_is_kept_per_level() {
        let mut m = Machine::new(AlertStatus::Unknown, None);
        let hold = Duration::seconds(60);
        let warn = Level::Firing(AlertStatus::Warn);
        assert_eq!(m.step(warn, 0, hold), AlertStatus::Ok, "pending");
        assert_eq!(m.step(warn, 30 * S, hold), AlertStatus::Ok);
        assert_eq!(m.step(warn, 60 * S, hold), AlertStatus::Warn, "held 60 s");
        assert_eq!(m.step(Level::Unknown, 70 * S, hold), AlertStatus::Warn);
        assert_eq!(m.step(Level::Ok, 80 * S, hold), AlertStatus::Ok);
        let mut now = Machine::new(AlertStatus::Ok, None);
        assert_eq!(
            now.step(warn, 0, Duration::zero()),
            AlertStatus::Warn,
            "no hold: at once"
        );
    }
}
