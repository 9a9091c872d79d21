//! What an AI assistant may do on a profile, per class of action: reads ([`check_read`]:
//! queries, schema, metrics), writes ([`check_write`]: points, alert rules) and administration
//! ([`check_admin`]: databases, retention, users, tokens, deletes). Every action asks first,
//! with the [`Actor`] that performs it: the user is always allowed; an assistant follows the
//! profile's level for that class (off / ask / allow), under the session's rules on the
//! [`Ctx`] (`influxdesk mcp --read-only` turns writes and administration off) and with an
//! [`Approver`] that answers "ask".
//!
//! The approver is a hook: headless it answers from `influxdesk mcp --allow-writes`
//! ([`Headless`]); the GUI plugs in one that shows an approval dialog and waits on
//! [`Approvals`] for the user's answer. Not here: deciding whether a query writes
//! (`influx::classify`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Ctx;
use crate::error::{Error, Result};
use crate::model::{Actor, AssistantPolicy, Profile, ProfileSource, ReadPolicy};

/// An approval that may take a while (a dialog waiting for the user).
pub type ApprovalFuture<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Answers "may the assistant do this?" for profiles whose policy is "ask".
pub trait Approver: Send + Sync {
    /// `action` says what would change: a one-line summary (e.g. `write 3 points to
    /// "telegraf"`), then the details line by line. True lets it through.
    fn approve<'a>(
        &'a self,
        actor: &'a Actor,
        profile: &'a Profile,
        action: &'a str,
    ) -> ApprovalFuture<'a>;
}

/// No window to ask in: "ask" is answered once for the whole session, by
/// `influxdesk mcp --allow-writes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headless {
    pub allow_writes: bool,
}

impl Approver for Headless {
    fn approve<'a>(&'a self, _: &'a Actor, _: &'a Profile, _: &'a str) -> ApprovalFuture<'a> {
        Box::pin(std::future::ready(self.allow_writes))
    }
}

/// What a window shows to ask the user (never a secret: the summary core passes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ApprovalRequest {
    /// Answer with this id ([`Approvals::answer`]).
    pub id: String,
    /// The MCP client asking.
    pub client: String,
    /// The profile's name.
    pub profile: String,
    /// What would change, e.g. `write 1 point to "demo"`.
    pub what: String,
    /// The whole of it, line by line: the statement and the objects it touches, the points
    /// written (count and the first ones), an alert's query and where it notifies.
    pub details: Vec<String>,
    /// After this many seconds without an answer the request is refused.
    pub timeout_s: u32,
}

/// Approval requests waiting for the user's answer, each refused after a timeout. A GUI's
/// [`Approver`] shows the request (an event to its window) and waits here.
pub struct Approvals {
    pending: std::sync::Mutex<HashMap<String, oneshot::Sender<bool>>>,
    timeout: Duration,
}

impl Approvals {
    pub fn new(timeout: Duration) -> Self {
        Approvals {
            pending: Default::default(),
            timeout,
        }
    }

    /// Ask the user: `show` puts the request in front of them (false when it could not);
    /// true once they approve, false when they deny, nobody answers in time, or `show` failed.
    pub async fn ask(
        &self,
        actor: &Actor,
        profile: &Profile,
        what: &str,
        show: impl FnOnce(&ApprovalRequest) -> bool,
    ) -> bool {
        let req = ApprovalRequest {
            id: uuid::Uuid::new_v4().to_string(),
            client: match actor {
                Actor::Assistant { client } => client.clone(),
                Actor::User => "user".into(),
                Actor::Scheduler => "scheduler".into(),
            },
            profile: profile.name.clone(),
            what: what.lines().next().unwrap_or_default().to_string(),
            details: what.lines().skip(1).map(str::to_string).collect(),
            timeout_s: u32::try_from(self.timeout.as_secs()).unwrap_or(u32::MAX),
        };
        let (tx, rx) = oneshot::channel();
        self.pending().insert(req.id.clone(), tx);
        let answer = if show(&req) {
            tokio::time::timeout(self.timeout, rx)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(false)
        } else {
            false
        };
        self.pending().remove(&req.id);
        answer
    }

    /// The user's answer to request `id`; NotFound when it is no longer waiting (timed out).
    pub fn answer(&self, id: &str, approve: bool) -> Result<()> {
        let tx = self.pending().remove(id).ok_or_else(|| {
            Error::NotFound(
                "this approval request is no longer waiting (it timed out and was refused)".into(),
            )
        })?;
        // The asker may have gone (its client disconnected): nothing left to tell.
        let _ = tx.send(approve);
        Ok(())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<bool>>> {
        self.pending.lock().expect("pending approvals")
    }
}

/// The session's rules for assistants, kept on the [`Ctx`].
#[derive(Clone)]
pub(crate) struct AssistantRules {
    /// `influxdesk mcp --read-only`: every profile is read-only for assistants.
    read_only: bool,
    approver: Arc<dyn Approver>,
}

impl Default for AssistantRules {
    fn default() -> Self {
        AssistantRules {
            read_only: false,
            approver: Arc::new(Headless::default()),
        }
    }
}

impl Ctx {
    fn assistant_rules(&self) -> AssistantRules {
        self.assistant.read().expect("assistant rules").clone()
    }

    /// Make every profile read-only for assistants, whatever its policy says (or follow the
    /// profiles again with `false`).
    pub fn set_assistant_read_only(&self, read_only: bool) {
        self.assistant.write().expect("assistant rules").read_only = read_only;
    }

    /// Who answers "ask" from now on (default: [`Headless`] refusing).
    pub fn set_approver(&self, approver: Arc<dyn Approver>) {
        self.assistant.write().expect("assistant rules").approver = approver;
    }
}

/// The write policy that applies to assistants on `profile` in this session. The `env`
/// profile (from `INFLUX_*`) has no saved policy: it asks, so the person who started the
/// session decides (`--allow-writes` headless).
pub fn effective_policy(ctx: &Ctx, profile: &Profile) -> AssistantPolicy {
    effective_level(ctx, profile, Class::Write)
}

/// The policy for one class of changes on `profile` in this session.
pub fn effective_level(ctx: &Ctx, profile: &Profile, class: Class) -> AssistantPolicy {
    if ctx.assistant_rules().read_only {
        return AssistantPolicy::ReadOnly;
    }
    match (profile.source, class) {
        (ProfileSource::Env, _) => AssistantPolicy::Ask,
        (ProfileSource::Saved, Class::Write) => profile.assistant_policy,
        (ProfileSource::Saved, Class::Admin) => profile.admin_policy(),
    }
}

/// May `actor` do `what` (a one-line summary of the change) on `profile`? The user always may;
/// an assistant as the policy says. A refusal is [`Error::Forbidden`] saying how to allow it.
///
/// `change`'s first line is the summary (in refusals and events); the lines after it are the
/// details an approval dialog shows in full.
pub async fn check_write(ctx: &Ctx, actor: &Actor, profile: &Profile, change: &str) -> Result<()> {
    check(ctx, actor, profile, Class::Write, change).await
}

/// Like [`check_write`], for administration (databases, retention, users, tokens, continuous
/// queries, deletes, killing queries): the profile's admin level decides.
pub async fn check_admin(ctx: &Ctx, actor: &Actor, profile: &Profile, change: &str) -> Result<()> {
    check(ctx, actor, profile, Class::Admin, change).await
}

/// May `actor` read `what` (a query, a listing) on `profile`? Assistants follow the profile's
/// read policy; session rules (`--read-only`) never stop reads.
pub async fn check_read(ctx: &Ctx, actor: &Actor, profile: &Profile, what: &str) -> Result<()> {
    let Actor::Assistant { client } = actor else {
        return Ok(());
    };
    let summary = what.lines().next().unwrap_or_default();
    let refusal = match profile.assistant_read {
        ReadPolicy::Allow => return Ok(()),
        ReadPolicy::Off => format!(
            "{client} may not {summary}: profile \"{}\" does not let assistants read it. The \
             user can change that in influxdesk (Connections > edit > assistant access: reads).",
            profile.name
        ),
        ReadPolicy::Ask => {
            if ctx
                .assistant_rules()
                .approver
                .approve(actor, profile, what)
                .await
            {
                return Ok(());
            }
            format!(
                "{client} may not {summary}: profile \"{}\" asks the user before assistant \
                 reads, and this was not approved.",
                profile.name
            )
        }
    };
    ctx.emit(
        actor,
        "policy.denied",
        format!("{summary} on {}", profile.name),
    );
    Err(Error::Forbidden(refusal))
}

/// [`check_read`] on a profile given by name or id (the active one when `None`).
pub async fn check_read_on(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    what: &str,
) -> Result<()> {
    if !matches!(actor, Actor::Assistant { .. }) {
        return Ok(());
    }
    let p = super::profiles::resolve(ctx, profile).await?;
    check_read(ctx, actor, &p, what).await
}

/// The classes of changes an assistant can be allowed separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Writing points and alert rules.
    Write,
    /// Changing the server's objects or deleting data.
    Admin,
}

impl Class {
    fn noun(self) -> &'static str {
        match self {
            Class::Write => "writes",
            Class::Admin => "administration",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            Class::Write => "writes",
            Class::Admin => "admin",
        }
    }
}

async fn check(
    ctx: &Ctx,
    actor: &Actor,
    profile: &Profile,
    class: Class,
    change: &str,
) -> Result<()> {
    let Actor::Assistant { client } = actor else {
        return Ok(());
    };
    let what = change.lines().next().unwrap_or_default();
    let rules = ctx.assistant_rules();
    let refusal = if rules.read_only {
        format!(
            "{client} may not {what}: this assistant session is read-only (influxdesk mcp \
             --read-only). Start it without --read-only to let the profile's policy decide."
        )
    } else {
        match effective_level(ctx, profile, class) {
            AssistantPolicy::Allow => return Ok(()),
            AssistantPolicy::ReadOnly => format!(
                "{client} may not {what}: the assistant {} policy of profile \"{}\" is \
                 read-only. The user can change it in influxdesk (Connections > edit > \
                 assistant access: {}: ask or allow).",
                class.noun(),
                profile.name,
                class.setting()
            ),
            AssistantPolicy::Ask => {
                if rules.approver.approve(actor, profile, change).await {
                    ctx.emit(
                        actor,
                        "policy.approved",
                        format!("{what} on {}", profile.name),
                    );
                    return Ok(());
                }
                format!(
                    "{client} may not {what}: profile \"{}\" asks the user before assistant {}, \
                     and this was not approved. Without the influxdesk window, start the server \
                     with `influxdesk mcp --allow-writes` to approve changes for the session, or \
                     set the profile's assistant access to allow (Connections > edit).",
                    profile.name,
                    class.noun()
                )
            }
        }
    };
    ctx.emit(
        actor,
        "policy.denied",
        format!("{what} on {}", profile.name),
    );
    Err(Error::Forbidden(refusal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CtxOptions;
    use crate::secrets::SecretStore;

    fn ctx() -> Arc<Ctx> {
        let dir = std::env::temp_dir().join(format!("influxdesk-policy-{}", std::process::id()));
        Ctx::new(CtxOptions {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            secrets: SecretStore::memory(),
            env_profile: None,
        })
    }

    fn profile(policy: AssistantPolicy) -> Profile {
        Profile {
            name: "prod".into(),
            assistant_policy: policy,
            ..Profile::default()
        }
    }

    fn assistant() -> Actor {
        Actor::Assistant {
            client: "test-client".into(),
        }
    }

    /// Approves and counts how often it was asked.
    struct Counting(std::sync::atomic::AtomicUsize, bool);

    impl Approver for Counting {
        fn approve<'a>(&'a self, _: &'a Actor, _: &'a Profile, _: &'a str) -> ApprovalFuture<'a> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(std::future::ready(self.1))
        }
    }

    async fn code(ctx: &Ctx, actor: &Actor, p: &Profile) -> Option<&'static str> {
        check_write(ctx, actor, p, "write 1 point to \"db\"")
            .await
            .err()
            .map(|e| e.code().as_str())
    }

    #[tokio::test]
    async fn the_user_is_always_allowed() {
        let c = ctx();
        c.set_assistant_read_only(true);
        for policy in [
            AssistantPolicy::ReadOnly,
            AssistantPolicy::Ask,
            AssistantPolicy::Allow,
        ] {
            assert_eq!(code(&c, &Actor::User, &profile(policy)).await, None);
        }
    }

    #[tokio::test]
    async fn an_assistant_follows_the_profile_policy() {
        let c = ctx();
        let a = assistant();
        let e = check_write(&c, &a, &profile(AssistantPolicy::ReadOnly), "drop it")
            .await
            .unwrap_err();
        assert_eq!(e.code().as_str(), "Forbidden");
        assert!(
            e.message().contains("test-client may not drop it")
                && e.message().contains("read-only")
                && e.message().contains("Connections > edit"),
            "the refusal names the client, the action and how to allow it: {}",
            e.message()
        );
        assert_eq!(
            code(&c, &a, &profile(AssistantPolicy::Allow)).await,
            None,
            "allow lets writes through"
        );
        let e = check_write(&c, &a, &profile(AssistantPolicy::Ask), "drop it")
            .await
            .unwrap_err();
        assert!(
            e.message().contains("--allow-writes"),
            "headless ask is refused and says how to approve: {}",
            e.message()
        );
    }

    #[tokio::test]
    async fn administration_has_its_own_level() {
        let c = ctx();
        let a = assistant();
        // "Allow writes, ask for admin": headless, the admin change is refused, the write not.
        let p = Profile {
            assistant_admin: Some(AssistantPolicy::Ask),
            ..profile(AssistantPolicy::Allow)
        };
        check_write(&c, &a, &p, "write 1 point").await.unwrap();
        let e = check_admin(&c, &a, &p, "drop database x")
            .await
            .unwrap_err();
        assert_eq!(e.code().as_str(), "Forbidden");
        assert!(e.message().contains("administration"), "{}", e.message());
        // Unset, administration follows writes.
        let p = profile(AssistantPolicy::Allow);
        check_admin(&c, &a, &p, "drop database x").await.unwrap();
        let p = Profile {
            assistant_admin: Some(AssistantPolicy::Allow),
            ..profile(AssistantPolicy::ReadOnly)
        };
        check_admin(&c, &a, &p, "create database x").await.unwrap();
        assert!(check_write(&c, &a, &p, "write").await.is_err());
        // A read-only session turns administration off too.
        c.set_assistant_read_only(true);
        let e = check_admin(&c, &a, &p, "create database x")
            .await
            .unwrap_err();
        assert!(e.message().contains("--read-only"), "{}", e.message());
    }

    #[tokio::test]
    async fn reads_follow_the_read_policy_and_not_the_session() {
        let c = ctx();
        let a = assistant();
        c.set_assistant_read_only(true);
        let p = profile(AssistantPolicy::ReadOnly);
        check_read(&c, &a, &p, "use query-data").await.unwrap();
        let off = Profile {
            assistant_read: ReadPolicy::Off,
            ..p.clone()
        };
        let e = check_read(&c, &a, &off, "use query-data")
            .await
            .unwrap_err();
        assert_eq!(e.code().as_str(), "Forbidden");
        assert!(e.message().contains("reads"), "{}", e.message());
        check_read(&c, &Actor::User, &off, "query").await.unwrap();
        let ask = Profile {
            assistant_read: ReadPolicy::Ask,
            ..p
        };
        let yes = Arc::new(Counting(Default::default(), true));
        c.set_approver(yes.clone());
        check_read(&c, &a, &ask, "use query-data").await.unwrap();
        assert_eq!(yes.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        c.set_approver(Arc::new(Counting(Default::default(), false)));
        assert!(check_read(&c, &a, &ask, "use query-data").await.is_err());
    }

    #[tokio::test]
    async fn ask_goes_to_the_approver_and_read_only_sessions_never_ask() {
        let c = ctx();
        let a = assistant();
        let yes = Arc::new(Counting(Default::default(), true));
        c.set_approver(yes.clone());
        assert_eq!(code(&c, &a, &profile(AssistantPolicy::Ask)).await, None);
        assert_eq!(
            code(&c, &a, &profile(AssistantPolicy::ReadOnly)).await,
            Some("Forbidden")
        );
        assert_eq!(
            yes.0.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "only ask consults the approver"
        );
        c.set_approver(Arc::new(Counting(Default::default(), false)));
        assert_eq!(
            code(&c, &a, &profile(AssistantPolicy::Ask)).await,
            Some("Forbidden")
        );
        c.set_approver(Arc::new(Headless { allow_writes: true }));
        assert_eq!(code(&c, &a, &profile(AssistantPolicy::Ask)).await, None);

        c.set_assistant_read_only(true);
        for policy in [AssistantPolicy::Ask, AssistantPolicy::Allow] {
            let e = check_write(&c, &a, &profile(policy), "x")
                .await
                .unwrap_err();
            assert!(e.message().contains("--read-only"), "{}", e.message());
        }
        assert_eq!(
            effective_policy(&c, &profile(AssistantPolicy::Allow)),
            AssistantPolicy::ReadOnly
        );
    }

    #[tokio::test]
    async fn approvals_wait_for_the_answer_and_time_out_as_refused() {
        let a = assistant();
        let p = profile(AssistantPolicy::Ask);
        let approvals = Arc::new(Approvals::new(Duration::from_secs(30)));
        let shown = Arc::new(std::sync::Mutex::new(None));
        let (ap, sh) = (approvals.clone(), shown.clone());
        let task = tokio::spawn(async move {
            ap.ask(
                &assistant(),
                &profile(AssistantPolicy::Ask),
                "write it",
                |r| {
                    *sh.lock().unwrap() = Some(r.clone());
                    true
                },
            )
            .await
        });
        let req = loop {
            if let Some(r) = shown.lock().unwrap().clone() {
                break r;
            }
            tokio::task::yield_now().await;
        };
        assert_eq!(
            (req.client.as_str(), req.profile.as_str(), req.what.as_str()),
            ("test-client", "prod", "write it"),
            "the dialog names the client, the profile and the change"
        );
        approvals.answer(&req.id, true).unwrap();
        assert!(task.await.unwrap(), "approved");
        assert_eq!(
            approvals.answer(&req.id, true).unwrap_err().code().as_str(),
            "NotFound",
            "an answered request is gone"
        );

        let quick = Approvals::new(Duration::from_millis(20));
        assert!(
            !quick.ask(&a, &p, "x", |_| true).await,
            "no answer: refused"
        );
        assert!(
            !quick.ask(&a, &p, "x", |_| false).await,
            "not shown: refused"
        );
    }

    #[tokio::test]
    async fn the_env_profile_asks() {
        let c = ctx();
        let env = Profile {
            source: ProfileSource::Env,
            ..profile(AssistantPolicy::ReadOnly)
        };
        assert_eq!(effective_policy(&c, &env), AssistantPolicy::Ask);
        assert_eq!(code(&c, &assistant(), &env).await, Some("Forbidden"));
        c.set_approver(Arc::new(Headless { allow_writes: true }));
        assert_eq!(
            code(&c, &assistant(), &env).await,
            None,
            "INFLUX_* + --allow-writes is the seed server's drop-in"
        );
    }
}
