//! What every command prints with `--json`: its core result, pretty-printed, one trailing
//! newline. Tables and one-line summaries stay with each command group.

use influxdesk_core::{Error, Result};

/// The result as pretty JSON for `--json`.
pub(super) fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("could not encode the result: {e}")))
}
