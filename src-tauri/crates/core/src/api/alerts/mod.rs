//! Alerts: rules persisted beside the profiles (`alerts.json`), evaluated on a schedule by the
//! app or `influxdesk serve` (each rule every `every`, at least 10 s, firing after the
//! condition held for `for`), with states OK / WARN / CRIT and transitions. A transition
//! notifies the rule's channels (`webhook:<url>` JSON POST, `slack:<webhook url>` Slack
//! message, `teams:`, `pagerduty:`, `email:<address>` a mail through the app's SMTP account,
//! `desktop` an event the GUI turns into a notification; `history` alone: history only). Every evaluation's status
//! is written as a point to the `influxdesk_alerts` measurement of the profile's
//! database/bucket, so history is queryable. The clock is passed in.
//!
//! Here: the modules and the public paths (`alerts::create`, `alerts::AlertRule`...). `rule`:
//! the rule types; `durations`: its durations; `rules`: the user's actions on rules (create,
//! list, delete); `edit`: changing a saved rule; `condition`: what a rule checks (levels,
//! ranges, relative change, deadman) and the per-series state machine; `evaluate`: one
//! evaluation (one state per series) and a batch of due rules; `backtest`: the same over past
//! windows; `history`: its changes of state and silences; `channels`: what a channel is and
//! where it may point; `keychain`: channel URLs kept in the keychain; `send`: sending
//! notifications and the test notification; `addresses` and `hosts`: the address rules and
//! the private hosts the user allowed; `payloads`: the Teams and PagerDuty bodies; `email`:
//! the SMTP account and email channels; `scheduler`: the loop, of which one runs across
//! processes; `view`: the rules list and the backtest chart of the Alerts screen; `server`: a
//! 2.x server's own checks and notification rules.

mod addresses;
mod backtest;
mod channels;
mod condition;
mod durations;
mod edit;
mod email;
mod evaluate;
mod history;
mod hosts;
mod keychain;
mod payloads;
mod rule;
mod rules;
mod scheduler;
mod send;
mod server;
mod view;

pub use backtest::{Backtest, BacktestChange, BacktestReq, FiringWindow, MAX_STEPS, backtest};
pub use channels::redact_channel;
pub use durations::MIN_EVERY_SECS;
pub(crate) use durations::{duration, every, now_str};
pub use edit::{UpdateAlertReq, update};
pub use email::{SMTP_ACCOUNT, SetSmtpReq, SmtpView, set_smtp, smtp};
pub use evaluate::{Evaluation, evaluate, evaluate_due, evaluate_due_within};
pub use history::{AlertChange, AlertHistoryReq, SilenceReq, history, silence, unsilence};
pub use hosts::{AllowHostReq, allow_host, allowed_hosts};
pub(crate) use rule::AlertsFile;
pub use rule::{
    AlertRule, AlertStatus, Notification, Operator, SeriesState, Severity, Silence, Threshold,
    ThresholdKind,
};
pub use rules::{CreateAlertReq, create, delete, list};
pub(crate) use rules::{find, rules_to_run};
pub(crate) use scheduler::Lease;
pub use scheduler::{
    EvaluatorStatus, LOCK_FILE, RULE_TIMEOUT, Tick, evaluator_status, lead, run, step_down, tick,
};
pub use send::{ChannelTest, TestAlertReq, test};
pub use server::{
    ServerAlerting, ServerAlertingReq, ServerCheck, ServerNotificationRule, server_alerting,
};
pub use view::{AlertRow, AlertRowsReq, BacktestChartReq, BacktestView, backtest_chart, rows};

pub const ALERTS_FILE: &str = "alerts.json";
pub const STATUS_MEASUREMENT: &str = "influxdesk_alerts";
