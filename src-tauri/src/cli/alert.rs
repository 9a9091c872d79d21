//! `influxdesk alert`: the alert rules from the command line: list and show them (channels
//! without their secrets, each series' state, silences) and who evaluates them; create, edit,
//! backtest, mute and delete rules; their history; send a test notification; allow a private
//! host for alert channels; the SMTP account of email channels (`alert_smtp`). Each subcommand is one `core::api::alerts` call.

use super::output::json;
use clap::{Args, Subcommand};
use influxdesk_core::api::alerts::{
    self, AlertHistoryReq, AlertStatus, AllowHostReq, BacktestReq, ChannelTest, CreateAlertReq,
    Notification, Operator, Severity, SilenceReq, TestAlertReq, Threshold, ThresholdKind,
    UpdateAlertReq,
};
use influxdesk_core::model::QueryLanguage;
use influxdesk_core::{Actor, Ctx, Error, Result};

/// A rule's condition on the command line (create, edit, backtest).
#[derive(Args, Default)]
pub struct ConditionArgs {
    /// threshold (default), deadman, inside, outside or relative.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_kind)]
    kind: Option<ThresholdKind>,
    /// How the value (relative: its change) is compared: >, <, >=, <=, ==, != (default >).
    #[arg(long = "op", value_name = "OP", value_parser = parse_op)]
    operator: Option<Operator>,
    /// One level: fire (at --severity) when the value crosses it.
    #[arg(long, allow_hyphen_values = true)]
    value: Option<f64>,
    /// WARN when the value crosses this level.
    #[arg(long, allow_hyphen_values = true)]
    warn: Option<f64>,
    /// CRIT when the value crosses this level.
    #[arg(long, allow_hyphen_values = true)]
    crit: Option<f64>,
    /// inside/outside: the range's low end.
    #[arg(long, allow_hyphen_values = true)]
    low: Option<f64>,
    /// inside/outside: the range's high end.
    #[arg(long, allow_hyphen_values = true)]
    high: Option<f64>,
    /// relative: compare with the value this long ago, e.g. 1h.
    #[arg(long)]
    period: Option<String>,
    /// relative: the change in percent (default: absolute).
    #[arg(long)]
    percent: bool,
}

impl ConditionArgs {
    fn given(&self) -> bool {
        self.kind.is_some()
            || self.operator.is_some()
            || self.value.is_some()
            || self.warn.is_some()
            || self.crit.is_some()
            || self.low.is_some()
            || self.high.is_some()
            || self.period.is_some()
            || self.percent
    }

    fn threshold(&self) -> Threshold {
        Threshold {
            operator: self.operator.unwrap_or(Operator::Greater),
            value: self.value.unwrap_or(0.0),
            kind: self.kind.unwrap_or_default(),
            warn: self.warn,
            crit: self.crit,
            low: self.low,
            high: self.high,
            period: self.period.clone(),
            percent: self.percent.then_some(true),
        }
    }
}

fn parse_kind(s: &str) -> std::result::Result<ThresholdKind, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase())).map_err(|_| {
        format!("unknown type \"{s}\": use threshold, deadman, inside, outside or relative")
    })
}

fn parse_op(s: &str) -> std::result::Result<Operator, String> {
    Ok(match s {
        ">" | "gt" | "greater" => Operator::Greater,
        "<" | "lt" | "less" => Operator::Less,
        ">=" | "ge" | "greater_equal" => Operator::GreaterEqual,
        "<=" | "le" | "less_equal" => Operator::LessEqual,
        "==" | "=" | "eq" | "equal" => Operator::Equal,
        "!=" | "ne" | "not_equal" => Operator::NotEqual,
        _ => {
            return Err(format!(
                "unknown operator \"{s}\": use >, <, >=, <=, == or !="
            ));
        }
    })
}

fn parse_severity(s: &str) -> std::result::Result<Severity, String> {
    match s.to_ascii_lowercase().as_str() {
        "info" => Ok(Severity::Info),
        "warn" | "warning" => Ok(Severity::Warning),
        "crit" | "critical" => Ok(Severity::Critical),
        _ => Err(format!(
            "unknown severity \"{s}\": use info, warning or critical"
        )),
    }
}

fn parse_level(s: &str) -> std::result::Result<AlertStatus, String> {
    match s.to_ascii_lowercase().as_str() {
        "ok" => Ok(AlertStatus::Ok),
        "info" => Ok(AlertStatus::Info),
        "warn" => Ok(AlertStatus::Warn),
        "crit" => Ok(AlertStatus::Crit),
        _ => Err(format!("unknown level \"{s}\": use ok, info, warn or crit")),
    }
}

/// What a rule runs and how often (create, edit, backtest).
#[derive(Args, Default)]
pub struct RuleArgs {
    /// The read-only query whose newest value (per series) is checked.
    #[arg(long)]
    query: Option<String>,
    #[arg(long = "lang", value_parser = crate::cli::parse_lang)]
    language: Option<QueryLanguage>,
    #[arg(long = "db")]
    database: Option<String>,
    /// How often, e.g. 30s, 1m (at least 10s).
    #[arg(long)]
    every: Option<String>,
    /// How long the condition must hold before firing, e.g. 5m.
    #[arg(long = "for")]
    for_duration: Option<String>,
    #[command(flatten)]
    condition: ConditionArgs,
    /// The state a one-level condition fires at: info, warning (default) or critical.
    #[arg(long, value_parser = parse_severity)]
    severity: Option<Severity>,
}

#[derive(Subcommand)]
pub enum AlertCmd {
    /// List the alert rules with their state, and which process evaluates them.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send a test notification to an alert's channels and print each HTTP status (exits
    /// non-zero when a channel did not take it).
    Test {
        /// The alert's name or id.
        name: String,
        /// Only this channel, as `alert list` shows it.
        #[arg(long)]
        channel: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Show one rule: its condition, schedule, channels, each series' state and silences.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a rule, e.g. `alert create "cpu" --query 'SELECT last(usage_user) FROM cpu
    /// GROUP BY host' --op '>' --warn 80 --crit 90 --channel desktop`.
    Create {
        name: String,
        #[command(flatten)]
        rule: RuleArgs,
        /// Where changes of state go (repeatable): webhook:<url>, slack:<url>, teams:<url>,
        /// pagerduty:<routing key>, email:<address>[,<address>] (after `alert smtp`), desktop;
        /// or `history` alone: history only, nobody is notified.
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// Text sent with each change of state.
        #[arg(long, default_value = "")]
        message: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a rule: any flag given replaces that part (--channel replaces all channels).
    Edit {
        name: String,
        #[command(flatten)]
        rule: RuleArgs,
        #[arg(long = "channel")]
        channels: Vec<String>,
        #[arg(long)]
        message: Option<String>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run a rule (saved, by name, or given by flags) over past data: how often it would have
    /// fired, per level, and each change of state.
    Backtest {
        /// A saved rule; or give --query and a condition instead.
        name: Option<String>,
        #[command(flatten)]
        rule: RuleArgs,
        /// How far back, e.g. 6h, 7d (default 24h).
        #[arg(long)]
        range: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Mute a rule's notifications (or one series') for a while; history goes on.
    Mute {
        name: String,
        /// Only this series (as `alert show` lists them).
        #[arg(long)]
        series: Option<String>,
        /// How long, e.g. 2h.
        #[arg(long = "for", conflicts_with = "until")]
        for_duration: Option<String>,
        /// Until when (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// End a rule's silences: all of them, or with --series only that series' silence
    /// (--series "" ends only the silence of the whole rule).
    Unmute {
        name: String,
        #[arg(long)]
        series: Option<String>,
    },
    /// A rule's changes of state, newest first.
    History {
        name: String,
        #[arg(long)]
        series: Option<String>,
        /// Only changes into ok, info, warn or crit.
        #[arg(long, value_parser = parse_level)]
        level: Option<AlertStatus>,
        /// How far back (default 7d).
        #[arg(long)]
        range: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Delete an alert rule (its history stays in influxdesk_alerts).
    #[command(alias = "remove", alias = "delete")]
    Rm { name: String },
    /// Let alert channels reach HOST although it is a loopback, private or link-local address
    /// (e.g. a webhook receiver on this machine or the intranet); --remove takes it back.
    /// Without arguments: list the allowed hosts.
    AllowHost {
        host: Option<String>,
        #[arg(long, requires = "host")]
        remove: bool,
    },
    /// The SMTP account email channels send through: without --host, show it; with it, set
    /// it (the password is read from standard input with --password-stdin and kept in the
    /// keychain).
    Smtp(super::alert_smtp::SmtpArgs),
    /// The server's own alerting (InfluxDB 2.x): its checks and notification rules with
    /// their state and last run.
    ServerChecks {
        #[arg(long)]
        json: bool,
    },
}

fn lines(sent: &[ChannelTest]) -> String {
    sent.iter()
        .map(|t| {
            format!(
                "{:<4} {}: {}\n",
                if t.ok { "ok" } else { "FAIL" },
                t.channel,
                t.message
            )
        })
        .collect()
}

fn word<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn show(r: &alerts::AlertRule) -> String {
    let t = &r.threshold;
    let mut out = format!(
        "{}  [{}{}]\nquery:     {}\ncondition: {} {}{}{}{}{}\nevery {}, for {}, severity {}\nchannels:  {}\n",
        r.name,
        word(r.status),
        if r.enabled { "" } else { ", disabled" },
        r.query,
        word(t.kind),
        word(t.operator),
        t.warn.map(|w| format!(" warn {w}")).unwrap_or_default(),
        t.crit.map(|c| format!(" crit {c}")).unwrap_or_default(),
        if t.warn.is_none() && t.crit.is_none() {
            format!(" {}", t.value)
        } else {
            String::new()
        },
        match (t.low, t.high, &t.period) {
            (Some(l), Some(h), _) => format!(" range {l}..{h}"),
            (_, _, Some(p)) => format!(
                " period {p}{}",
                if t.percent == Some(true) { " (%)" } else { "" }
            ),
            _ => String::new(),
        },
        r.every,
        r.for_duration,
        word(r.notification.severity),
        if r.notification.channels.is_empty() {
            "none".into()
        } else {
            r.notification.channels.join(", ")
        },
    );
    for s in &r.series {
        out.push_str(&format!(
            "  {:<6} {:<40} since {}  last {}\n",
            word(s.status),
            if s.key.is_empty() { "(all)" } else { &s.key },
            s.since.as_deref().unwrap_or("-"),
            s.last_value.map_or("-".into(), |v| v.to_string())
        ));
    }
    for s in &r.silences {
        out.push_str(&format!(
            "  muted {} until {}{}\n",
            s.series.as_deref().unwrap_or("(all series)"),
            s.until,
            if s.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", s.reason)
            }
        ));
    }
    out
}

pub async fn run(ctx: &Ctx, cmd: AlertCmd) -> Result<String> {
    let me = Actor::User;
    let now = chrono::Utc::now();
    match cmd {
        AlertCmd::Show {
            name,
            json: as_json,
        } => {
            let rules = alerts::list(ctx).await?;
            let r = rules
                .iter()
                .find(|r| r.id == name || r.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    Error::NotFound(format!("no alert named \"{name}\": alert list shows them"))
                })?;
            if as_json { json(r) } else { Ok(show(r)) }
        }
        AlertCmd::Create {
            name,
            rule,
            channels,
            message,
            json: as_json,
        } => {
            let query = rule.query.ok_or_else(|| {
                Error::invalid("give the rule's query with --query (a read-only query)")
            })?;
            let r = alerts::create(
                ctx,
                &me,
                CreateAlertReq {
                    profile: None,
                    alert_name: name,
                    query,
                    language: rule.language,
                    database: rule.database,
                    threshold: rule.condition.threshold(),
                    notification: Notification {
                        channels,
                        message,
                        severity: rule.severity.unwrap_or_default(),
                    },
                    every: rule.every,
                    for_duration: rule.for_duration,
                },
                now,
            )
            .await?;
            if as_json {
                json(&r)
            } else {
                Ok(format!("created alert\n{}", show(&r)))
            }
        }
        AlertCmd::Edit {
            name,
            rule,
            channels,
            message,
            enable,
            disable,
            json: as_json,
        } => {
            let r = alerts::update(
                ctx,
                &me,
                UpdateAlertReq {
                    alert: name,
                    query: rule.query,
                    language: rule.language,
                    database: rule.database,
                    threshold: rule.condition.given().then(|| rule.condition.threshold()),
                    message,
                    severity: rule.severity,
                    channels: (!channels.is_empty()).then_some(channels),
                    every: rule.every,
                    for_duration: rule.for_duration,
                    enabled: if enable {
                        Some(true)
                    } else if disable {
                        Some(false)
                    } else {
                        None
                    },
                },
                now,
            )
            .await?;
            if as_json {
                json(&r)
            } else {
                Ok(format!("changed alert\n{}", show(&r)))
            }
        }
        AlertCmd::Backtest {
            name,
            rule,
            range,
            json: as_json,
        } => {
            let bt = alerts::backtest(
                ctx,
                BacktestReq {
                    profile: None,
                    alert: name,
                    query: rule.query,
                    language: rule.language,
                    database: rule.database,
                    threshold: rule.condition.given().then(|| rule.condition.threshold()),
                    notification: rule.severity.map(|severity| Notification {
                        severity,
                        ..Notification::default()
                    }),
                    every: rule.every,
                    for_duration: rule.for_duration,
                    range,
                },
                now,
            )
            .await?;
            if as_json {
                return json(&bt);
            }
            let mut out = format!("{}\n", bt.summary);
            for c in &bt.changes {
                out.push_str(&format!(
                    "{}  {:<40} {} -> {}  {}\n",
                    c.time,
                    if c.series.is_empty() {
                        "(all)"
                    } else {
                        &c.series
                    },
                    word(c.from),
                    word(c.to),
                    c.value.map_or("-".into(), |v| v.to_string())
                ));
            }
            Ok(out)
        }
        AlertCmd::Mute {
            name,
            series,
            for_duration,
            until,
            reason,
        } => {
            let s = alerts::silence(
                ctx,
                &me,
                SilenceReq {
                    alert: name.clone(),
                    series,
                    for_duration,
                    until,
                    reason,
                },
                now,
            )
            .await?;
            Ok(format!(
                "alert \"{name}\" has {} silence(s); the newest ends {}\n",
                s.len(),
                s.last().map_or("-", |s| s.until.as_str())
            ))
        }
        AlertCmd::Unmute { name, series } => {
            let left = alerts::unsilence(ctx, &me, &name, series.as_deref()).await?;
            Ok(format!(
                "alert \"{name}\" unmuted ({} silence(s) left)\n",
                left.len()
            ))
        }
        AlertCmd::History {
            name,
            series,
            level,
            range,
            json: as_json,
        } => {
            let h = alerts::history(
                ctx,
                AlertHistoryReq {
                    alert: name,
                    series,
                    level,
                    range,
                },
            )
            .await?;
            if as_json {
                return json(&h);
            }
            if h.is_empty() {
                return Ok("no changes of state in that range\n".into());
            }
            Ok(h.iter()
                .map(|c| {
                    format!(
                        "{}  {:<5} {:<40} {}{}\n",
                        c.time,
                        word(c.status),
                        if c.series.is_empty() {
                            "(all)"
                        } else {
                            &c.series
                        },
                        c.message,
                        if c.muted { " (muted)" } else { "" }
                    )
                })
                .collect())
        }
        AlertCmd::List { json: true } => json(&alerts::list(ctx).await?),
        AlertCmd::List { json: false } => {
            let rules = alerts::list(ctx).await?;
            let mut out = format!("{}\n", alerts::evaluator_status(ctx)?.message);
            if rules.is_empty() {
                out.push_str("no alert rules yet\n");
            }
            for r in rules {
                out.push_str(&format!(
                    "{:<24} {:<7} every {:<5} {}{}\n",
                    r.name,
                    format!("{:?}", r.status).to_lowercase(),
                    r.every,
                    r.notification.channels.join(", "),
                    if r.enabled { "" } else { " (disabled)" }
                ));
            }
            Ok(out)
        }
        AlertCmd::Test {
            name,
            channel,
            json: as_json,
        } => {
            let sent = alerts::test(
                ctx,
                &me,
                TestAlertReq {
                    alert: name,
                    channel,
                },
            )
            .await?;
            let text = if as_json { json(&sent)? } else { lines(&sent) };
            if sent.iter().all(|t| t.ok) {
                Ok(text)
            } else {
                Err(Error::Unreachable(format!(
                    "a channel did not take the test notification:\n{}",
                    lines(&sent)
                )))
            }
        }
        AlertCmd::Rm { name } => {
            alerts::delete(ctx, &me, &name).await?;
            Ok(format!("deleted alert \"{name}\"\n"))
        }
        AlertCmd::Smtp(a) => super::alert_smtp::run(ctx, a).await,
        AlertCmd::ServerChecks { json: as_json } => super::alert_server::run(ctx, as_json).await,
        AlertCmd::AllowHost { host: None, .. } => {
            let hosts = alerts::allowed_hosts(ctx).await?;
            Ok(if hosts.is_empty() {
                "no private hosts are allowed for alert channels\n".into()
            } else {
                hosts.join("\n") + "\n"
            })
        }
        AlertCmd::AllowHost {
            host: Some(host),
            remove,
        } => {
            let hosts = alerts::allow_host(
                ctx,
                &me,
                AllowHostReq {
                    host,
                    allow: !remove,
                },
            )
            .await?;
            Ok(format!(
                "alert channels may reach these private hosts: {}\n",
                if hosts.is_empty() {
                    "none".to_string()
                } else {
                    hosts.join(", ")
                }
            ))
        }
    }
}
