//! What the app hosts for assistants, switched from the Assistant screen: the MCP Unix socket
//! (on at start) and streamable HTTP on 127.0.0.1 (off until turned on), and the HTTP token's
//! rotation. The token itself never leaves the keychain and the HTTP server: nothing here
//! returns, logs or emits it.

use std::net::{Ipv4Addr, SocketAddr};

use influxdesk_core::Result;
use influxdesk_core::secrets::SecretStore;
use influxdesk_mcp::{HttpOptions, McpStatus};

use crate::AppState;

/// The current status, with the HTTP URL while HTTP is on.
pub fn status(state: &AppState) -> McpStatus {
    state.mcp.lock().expect("mcp status").clone()
}

fn store_status(state: &AppState, status: McpStatus) -> McpStatus {
    *state.mcp.lock().expect("mcp status") = status.clone();
    status
}

/// Serve MCP on the socket (`on`), or stop: dropping the server removes its socket and ends
/// the sessions it has open (their clients see the connection close).
pub async fn set_socket(state: &AppState, on: bool) -> Result<McpStatus> {
    let _one_at_a_time = state.hosting.lock().await;
    let path = influxdesk_mcp::socket_path();
    let running = state.mcp_socket.lock().expect("mcp slot").is_some();
    if on && running {
        return Ok(status(state));
    }
    drop(state.mcp_socket.lock().expect("mcp slot").take());
    let http_url = status(state).http_url;
    let next = if on {
        let result = influxdesk_mcp::serve_unix(state.ctx.clone(), &path).await;
        let next = McpStatus::after(&path, &result).await;
        if let Err(e) = &result {
            tracing::warn!("the app is not hosting MCP: {}", e.message());
        }
        *state.mcp_socket.lock().expect("mcp slot") = result.ok();
        next
    } else {
        tracing::info!("stopped serving MCP on {}", path.display());
        McpStatus::stopped(&path)
    };
    Ok(store_status(state, McpStatus { http_url, ..next }))
}

/// Serve MCP over HTTP on 127.0.0.1:`port` (`on`), or stop it. Turning it on again on another
/// port moves it. Errors (port in use, no keychain for the token) are returned as they are.
pub async fn set_http(state: &AppState, on: bool, port: u16) -> Result<McpStatus> {
    let _one_at_a_time = state.hosting.lock().await;
    let mut slot = state.mcp_http.lock().await;
    if on && slot.as_ref().is_some_and(|s| s.addr().port() == port) {
        return Ok(status(state));
    }
    if let Some(old) = slot.take() {
        old.shutdown().await;
    }
    let mut next = status(state);
    next.http_url = None;
    store_status(state, next.clone());
    if on {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let server =
            influxdesk_mcp::serve_http(state.ctx.clone(), HttpOptions::new(addr, secrets()))
                .await?;
        next.http_url = Some(server.url());
        *slot = Some(server);
    }
    Ok(store_status(state, next))
}

/// A new HTTP bearer token in the keychain; a running server refuses the old one at once.
pub async fn rotate_http(state: &AppState) -> Result<()> {
    let slot = state.mcp_http.lock().await;
    match slot.as_ref() {
        Some(server) => server.rotate_token().await,
        None => influxdesk_mcp::rotate_http_token(&secrets())
            .await
            .map(|_new| ()),
    }
}

/// Stop everything we host (at exit).
pub fn stop_all(state: &AppState) {
    drop(state.mcp_socket.lock().expect("mcp slot").take());
    if let Ok(mut slot) = state.mcp_http.try_lock() {
        drop(slot.take());
    }
}

fn secrets() -> SecretStore {
    SecretStore::keychain()
}
