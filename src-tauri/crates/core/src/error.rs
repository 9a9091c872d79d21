//! The one error type of influxdesk. Every failure that reaches a user (GUI, CLI, MCP) is an
//! [`Error`] with a stable [`ErrorCode`] the shells branch on, and a message that says what
//! happened and what to do. Server error text is kept verbatim in the message. Secrets never
//! enter an error: constructors take already-redacted text.

use serde::Serialize;

/// Stable, machine-readable error codes. The UI and MCP clients branch on these; never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[non_exhaustive]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    InvalidInput,
    QuerySyntax,
    Unreachable,
    Timeout,
    KeychainUnavailable,
    Storage,
    Internal,
    /// The user (or client) cancelled the operation.
    Cancelled,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::NotFound => "NotFound",
            ErrorCode::Conflict => "Conflict",
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::QuerySyntax => "QuerySyntax",
            ErrorCode::Unreachable => "Unreachable",
            ErrorCode::Timeout => "Timeout",
            ErrorCode::KeychainUnavailable => "KeychainUnavailable",
            ErrorCode::Storage => "Storage",
            ErrorCode::Internal => "Internal",
            ErrorCode::Cancelled => "Cancelled",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An influxdesk failure: a code and a human message (what happened, then what to do).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    QuerySyntax(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    KeychainUnavailable(String),
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Cancelled(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::QuerySyntax(_) => ErrorCode::QuerySyntax,
            Error::Unreachable(_) => ErrorCode::Unreachable,
            Error::Timeout(_) => ErrorCode::Timeout,
            Error::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Cancelled(_) => ErrorCode::Cancelled,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::Unauthorized(m)
            | Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::InvalidInput(m)
            | Error::QuerySyntax(m)
            | Error::Unreachable(m)
            | Error::Timeout(m)
            | Error::KeychainUnavailable(m)
            | Error::Storage(m)
            | Error::Internal(m)
            | Error::Cancelled(m) => m,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub fn storage(what: &str, path: &std::path::Path, err: impl std::fmt::Display) -> Self {
        Error::Storage(format!(
            "could not {what} {}: {err}. Check that the directory exists and is writable \
             (set INFLUXDESK_CONFIG_DIR to use another one).",
            path.display()
        ))
    }
}

/// What the UI and MCP see: `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export, rename = "AppError")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        ErrorBody {
            code: self.code(),
            message: self.message().to_string(),
        }
        .serialize(s)
    }
}

/// Run a handler's work (a Tauri command, an MCP tool call): a panic in it, which is a bug,
/// becomes an `Internal` error for that one caller and a log line, never a call that is left
/// unanswered. `what` names the handler in both.
pub async fn guarded<T>(
    what: &str,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    use futures::FutureExt as _;
    match std::panic::AssertUnwindSafe(work).catch_unwind().await {
        Ok(r) => r,
        Err(payload) => {
            let msg = panic_message(payload.as_ref());
            tracing::error!("{what} panicked: {msg}");
            Err(Error::Internal(format!(
                "{what} hit a bug in influxdesk ({msg}); it is logged. Try again, or report it."
            )))
        }
    }
}

/// The text of a panic's payload (a `&str` or `String`), cut to one short line: what a shell
/// shows and logs when a handler panicked (a bug), instead of leaving its caller waiting.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_serializes_as_code_and_message() {
        let e = Error::NotFound("profile \"x\" does not exist".into());
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json, r#"{"code":"NotFound","message":"profile \"x\" does not exist"}"#,
            "the UI and MCP clients parse exactly this shape"
        );
    }

    #[test]
    fn every_code_has_a_stable_name() {
        let all = [
            (Error::Unauthorized(String::new()), "Unauthorized"),
            (Error::Forbidden(String::new()), "Forbidden"),
            (Error::NotFound(String::new()), "NotFound"),
            (Error::Conflict(String::new()), "Conflict"),
            (Error::InvalidInput(String::new()), "InvalidInput"),
            (Error::QuerySyntax(String::new()), "QuerySyntax"),
            (Error::Unreachable(String::new()), "Unreachable"),
            (Error::Timeout(String::new()), "Timeout"),
            (
                Error::KeychainUnavailable(String::new()),
                "KeychainUnavailable",
            ),
            (Error::Storage(String::new()), "Storage"),
            (Error::Internal(String::new()), "Internal"),
            (Error::Cancelled(String::new()), "Cancelled"),
        ];
        for (e, name) in all {
            assert_eq!(e.code().as_str(), name);
            assert_eq!(
                serde_json::to_value(e.code()).unwrap(),
                name,
                "serde name == as_str"
            );
        }
    }
}
