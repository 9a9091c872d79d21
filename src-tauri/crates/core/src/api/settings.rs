//! Settings the user changes (shared by the GUI, the CLI and MCP).

use super::Ctx;
use crate::error::{Error, Result};
use crate::model::{Actor, UserSettings};

pub async fn get(ctx: &Ctx) -> Result<UserSettings> {
    let s = ctx.store.settings()?;
    Ok(UserSettings {
        row_limit: s.row_limit,
    })
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UserSettings) -> Result<UserSettings> {
    if !(1..=10_000_000).contains(&req.row_limit) {
        return Err(Error::invalid(
            "the row limit must be between 1 and 10,000,000",
        ));
    }
    ctx.store.update_settings(|s| {
        s.row_limit = req.row_limit;
        Ok(())
    })?;
    ctx.emit(
        actor,
        "settings.update",
        format!("row limit {}", req.row_limit),
    );
    get(ctx).await
}

/// The longest UI preference kept (tabs, editor text): anything bigger is refused, not stored.
pub const MAX_PREF_BYTES: usize = 4 << 20;

/// Check one UI preference before the app keeps it (the app stores them in one fixed file with
/// tauri-plugin-store; the webview names keys, never paths): a key of lowercase letters,
/// digits and `_` (at most 64), a value of at most [`MAX_PREF_BYTES`] as JSON.
pub fn check_pref(key: &str, value: Option<&serde_json::Value>) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(Error::invalid(format!(
            "\"{key}\" is not a preference name (lowercase letters, digits and _, up to 64)"
        )));
    }
    if let Some(v) = value {
        let size = serde_json::to_vec(v).map_or(usize::MAX, |b| b.len());
        if size > MAX_PREF_BYTES {
            return Err(Error::invalid(format!(
                "the preference \"{key}\" is {size} bytes; at most {MAX_PREF_BYTES} are kept"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_keys_and_sizes_are_checked() {
        check_pref("explore_tabs", Some(&serde_json::json!({"a": 1}))).unwrap();
        for bad in ["", "../profiles", "A", &"k".repeat(65)] {
            assert!(check_pref(bad, None).is_err(), "{bad}");
        }
        let big = serde_json::Value::String("x".repeat(MAX_PREF_BYTES));
        assert!(check_pref("big", Some(&big)).is_err());
    }
}
