//! Following the app's events ([`super::Event`]) for as long as the [`Ctx`] lives, through
//! lag: a subscriber too slow for the broadcast channel loses the oldest events, and instead
//! of ending (as `while let Ok(ev) = rx.recv().await` does on `Lagged`) it gets one
//! [`DROPPED`] event saying how many were lost, then goes on with the next ones. The GUI's
//! forwarder to the window uses it. Not here: what the events say (each action emits its own).

use tokio::sync::broadcast::{self, error::RecvError};

use super::{Ctx, Event};
use crate::model::Actor;

/// The action of the event that stands for events a slow subscriber lost.
pub const DROPPED: &str = "events.dropped";

/// A subscription that survives lag. Make one with [`Ctx::events`].
pub struct Events {
    rx: broadcast::Receiver<Event>,
}

impl Events {
    pub(crate) fn new(rx: broadcast::Receiver<Event>) -> Events {
        Events { rx }
    }

    /// The next event; after a lag, first a [`DROPPED`] event with the count in its detail.
    /// `None` only once the [`Ctx`] (the sender) is gone.
    pub async fn next(&mut self) -> Option<Event> {
        match self.rx.recv().await {
            Ok(ev) => Some(ev),
            Err(RecvError::Lagged(n)) => {
                tracing::warn!("an event subscriber fell behind: {n} events were dropped");
                Some(Event {
                    actor: Actor::User,
                    action: DROPPED.into(),
                    detail: format!(
                        "{n} events were dropped because the window fell behind; the activity \
                         log and alert toasts may miss them"
                    ),
                    activity: None,
                })
            }
            Err(RecvError::Closed) => None,
        }
    }
}

impl Ctx {
    /// Follow the app's events, through lag (see [`Events`]).
    pub fn events(&self) -> Events {
        Events::new(self.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CtxOptions;
    use crate::secrets::SecretStore;

    #[tokio::test]
    async fn a_lagging_subscriber_is_told_how_many_events_it_lost_and_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(CtxOptions {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
            secrets: SecretStore::memory(),
            env_profile: None,
        });
        let mut events = ctx.events();
        // 44 more than the channel holds, and nobody reading.
        for i in 0..300 {
            ctx.emit(&Actor::User, "test.event", format!("{i}"));
        }
        let first = events.next().await.unwrap();
        assert_eq!(first.action, DROPPED, "the lag is reported first");
        assert!(
            first.detail.starts_with("44 events were dropped"),
            "with the count: {}",
            first.detail
        );
        let mut rest = Vec::new();
        for _ in 0..256 {
            rest.push(events.next().await.unwrap().detail);
        }
        let want: Vec<String> = (44..300).map(|i| i.to_string()).collect();
        assert_eq!(
            rest, want,
            "then every event the channel still held, in order"
        );
        ctx.emit(&Actor::User, "test.event", "after");
        assert_eq!(
            events.next().await.unwrap().detail,
            "after",
            "and it keeps following"
        );
        drop(ctx);
        assert!(events.next().await.is_none(), "it ends with the Ctx");
    }
}
