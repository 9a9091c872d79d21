//! The app's answer to "ask": an approval dialog. [`GuiApprover`] sends the request to the
//! window (`influxdesk://approval`) and waits on core's [`Approvals`] for the user's answer
//! (`approval_answer`); no answer within [`TIMEOUT`] is a refusal.

use std::sync::Arc;
use std::time::Duration;

use influxdesk_core::api::policy::{ApprovalFuture, Approvals, Approver};
use influxdesk_core::model::{Actor, Profile};
use tauri::{AppHandle, Emitter};

pub const APPROVAL_EVENT: &str = "influxdesk://approval";
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub struct GuiApprover {
    pub app: AppHandle,
    pub approvals: Arc<Approvals>,
}

impl Approver for GuiApprover {
    fn approve<'a>(
        &'a self,
        actor: &'a Actor,
        profile: &'a Profile,
        action: &'a str,
    ) -> ApprovalFuture<'a> {
        Box::pin(self.approvals.ask(actor, profile, action, |req| {
            self.app.emit(APPROVAL_EVENT, req).is_ok()
        }))
    }
}
