//! The socket transport's security and life cycle: a private directory (0700) and socket
//! (0600), peers of another uid closed, a stale socket replaced, a live one never taken over,
//! and the bridge's preamble choosing the session's profile.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Arc;

use influxdesk_core::model::AssistantPolicy;
use rmcp::ServiceExt;
use rmcp::model::ReadResourceRequestParams;
use tokio::io::AsyncWriteExt;

use crate::harness::*;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Initialize over `path`: true when the server answered.
async fn initializes(path: &std::path::Path) -> bool {
    let Ok(stream) = tokio::net::UnixStream::connect(path).await else {
        return false;
    };
    let init = client_config().serve(stream);
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(10), init).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn the_socket_and_its_directory_are_private() {
    let dir = scratch("sock-").join("nested").join("influxdesk");
    let path = dir.join("mcp.sock");
    let server = influxdesk_mcp::serve_unix(ctx(), &path).await.unwrap();
    assert_eq!(mode(&dir), 0o700, "the directory is created 0700");
    assert_eq!(mode(&path), 0o600, "the socket is 0600");
    assert!(initializes(&path).await);
    drop(server);
    assert!(!path.exists(), "stopping the server removes its socket");
}

#[tokio::test]
async fn a_directory_others_can_enter_is_refused() {
    let dir = scratch("sock-loose-");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = influxdesk_mcp::serve_unix(ctx(), &dir.join("mcp.sock"))
        .await
        .err()
        .expect("a 0755 directory is refused");
    assert_eq!(e.code().as_str(), "Storage");
    assert!(e.message().contains("private directory"), "{}", e.message());
}

#[tokio::test]
async fn a_stale_socket_is_replaced_and_a_live_one_is_refused() {
    let path = socket_path();
    // A crash leaves the socket file behind with nothing accepting on it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists() && !initializes(&path).await, "stale");
    let first = influxdesk_mcp::serve_unix(ctx(), &path)
        .await
        .expect("a stale socket is replaced");
    assert!(initializes(&path).await);

    let e = influxdesk_mcp::serve_unix(ctx(), &path)
        .await
        .err()
        .expect("a second server on a live socket is refused");
    assert_eq!(e.code().as_str(), "Conflict");
    assert!(e.message().contains("already running"), "{}", e.message());
    assert!(initializes(&path).await, "the first server still serves");
    drop(first);

    let file = socket_path();
    std::fs::write(&file, "not a socket").unwrap();
    let e = influxdesk_mcp::serve_unix(ctx(), &file)
        .await
        .err()
        .unwrap();
    assert!(e.message().contains("not a socket"), "{}", e.message());
    assert!(file.exists(), "a file that is not a socket is left alone");
}

#[tokio::test]
async fn peers_of_another_uid_are_closed() {
    let path = socket_path();
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let me = std::fs::metadata(&path).unwrap().uid();
    // The server believes its owner is someone else: our connection is a foreign peer.
    let task = tokio::spawn(influxdesk_mcp::transport::accept_loop(
        ctx(),
        listener,
        me.wrapping_add(1),
    ));
    assert!(!initializes(&path).await, "a foreign uid gets no session");
    task.abort();

    let path = socket_path();
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let task = tokio::spawn(influxdesk_mcp::transport::accept_loop(ctx(), listener, me));
    assert!(initializes(&path).await, "the owner's uid does");
    task.abort();
}

#[tokio::test]
async fn a_bridge_preamble_picks_the_session_profile() {
    let ctx = ctx();
    let url = &open_server().url;
    profile(&ctx, "second", url, "b", AssistantPolicy::ReadOnly, None).await;
    profile(&ctx, "first", url, "a", AssistantPolicy::ReadOnly, None).await;
    let path = socket_path();
    let _server = influxdesk_mcp::serve_unix(Arc::clone(&ctx), &path)
        .await
        .unwrap();
    let connection = |preamble: Option<&'static str>| {
        let path = path.clone();
        async move {
            let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
            if let Some(p) = preamble {
                stream.write_all(p.as_bytes()).await.unwrap();
            }
            let client = client_config().serve(stream).await.unwrap();
            let r = client
                .read_resource(ReadResourceRequestParams::new("influxdesk://connection"))
                .await
                .unwrap();
            serde_json::to_value(&r.contents[0]).unwrap()["text"]
                .as_str()
                .map(|t| serde_json::from_str::<serde_json::Value>(t).unwrap())
                .unwrap()
        }
    };
    let c = connection(None).await;
    assert_eq!(
        (c["profile"].as_str(), c["pinned_by_session"].as_bool()),
        (Some("first"), Some(false)),
        "without a preamble: the active profile"
    );
    let c = connection(Some("{\"influxdesk_session\":{\"profile\":\"second\"}}\n")).await;
    assert_eq!(
        (c["profile"].as_str(), c["pinned_by_session"].as_bool()),
        (Some("second"), Some(true)),
        "the preamble's profile"
    );
}
