//! The socket transport's security and life cycle: a private directory (0700) and socket
//! (0600), peers of another uid closed, a stale socket replaced, a live one never taken over,
//! the bridge's preamble choosing the session's profile, the client refusing a listener it
//! cannot trust (another user's directory, socket or process), and stopping the server ending
//! its open sessions.
//!
//! The foreign-user cases make real files and a real process of uid `nobody` (65534): the tests
//! run as root, as CI does.

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
    assert_eq!(e.code().as_str(), "Forbidden");
    assert!(e.message().contains("private directory"), "{}", e.message());
}

const NOBODY: u32 = 65534;

/// A real server (our own accept loop) on `path`, whatever its directory looks like.
fn listen_anyway(path: &std::path::Path) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::UnixListener::bind(path).unwrap();
    let me = std::fs::metadata(path).unwrap().uid();
    tokio::spawn(influxdesk_mcp::transport::accept_loop(ctx(), listener, me))
}

fn refused(r: influxdesk_core::Result<Option<tokio::net::UnixStream>>) -> influxdesk_core::Error {
    match r {
        Err(e) => e,
        Ok(Some(_)) => panic!("the client trusted and connected"),
        Ok(None) => panic!("the client saw no server and would serve in-process"),
    }
}

#[tokio::test]
async fn the_client_refuses_a_directory_others_can_enter() {
    let dir = scratch("sock-client-loose-");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
    let path = dir.join("mcp.sock");
    let server = listen_anyway(&path);
    assert!(initializes(&path).await, "a real server listens there");
    let e = refused(influxdesk_mcp::transport::connect_trusted(&path).await);
    assert_eq!(e.code().as_str(), "Forbidden");
    assert!(
        e.message()
            .contains("can be entered by other users (mode 750)")
            && e.message().contains("chmod 700"),
        "says what is wrong and what to do: {}",
        e.message()
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let stream = influxdesk_mcp::transport::connect_trusted(&path)
        .await
        .unwrap()
        .expect("the same server in a private directory is trusted");
    assert!(client_config().serve(stream).await.is_ok());
    server.abort();

    let missing = scratch("sock-client-none-")
        .join("not-there")
        .join("mcp.sock");
    assert!(
        influxdesk_mcp::transport::connect_trusted(&missing)
            .await
            .unwrap()
            .is_none(),
        "no directory: no server (influxdesk mcp serves in-process)"
    );
}

#[tokio::test]
async fn a_listener_in_a_directory_of_another_user_is_refused() {
    if influxdesk_mcp::transport::current_uid().unwrap() != 0 {
        eprintln!("skipped: making files of another uid needs root (CI runs as root)");
        return;
    }
    // Another user made the directory first (the predictable /tmp path), private to them.
    let dir = scratch("sock-foreign-dir-");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
    let path = dir.join("mcp.sock");
    let server = listen_anyway(&path);
    assert!(initializes(&path).await, "a real server listens there");
    let e = refused(influxdesk_mcp::transport::connect_trusted(&path).await);
    assert_eq!(e.code().as_str(), "Forbidden");
    assert!(
        e.message()
            .contains("belongs to uid 65534, not to you (uid 0)")
            && e.message().contains("XDG_RUNTIME_DIR or INFLUXDESK_SOCKET"),
        "says what is wrong and what to do: {}",
        e.message()
    );
    server.abort();
    let _ = std::fs::remove_file(&path);
    let e = influxdesk_mcp::serve_unix(ctx(), &path)
        .await
        .err()
        .expect("the server does not take over another user's directory either");
    assert!(
        e.message().contains("belongs to uid 65534"),
        "{}",
        e.message()
    );
    assert_eq!(
        std::fs::metadata(&dir).unwrap().uid(),
        NOBODY,
        "and leaves it as it was"
    );

    // Our own private directory, but the socket in it belongs to someone else.
    let path = socket_path();
    let server = listen_anyway(&path);
    std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    let e = refused(influxdesk_mcp::transport::connect_trusted(&path).await);
    assert!(
        e.message().contains("socket") && e.message().contains("belongs to uid 65534"),
        "{}",
        e.message()
    );
    server.abort();
}

/// A Unix socket server run by a real process of uid `nobody` (Debian's python3), moved into
/// our private directory and given to us, so only its peer uid gives it away.
#[tokio::test]
async fn a_server_running_as_another_user_is_refused() {
    if influxdesk_mcp::transport::current_uid().unwrap() != 0 {
        eprintln!("skipped: running a process as another uid needs root (CI runs as root)");
        return;
    }
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let theirs = tempfile::Builder::new()
        .prefix("influxdesk-foreign-")
        .tempdir()
        .unwrap();
    std::os::unix::fs::chown(theirs.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let their_path = theirs.path().join("s.sock");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(
            "import socket, sys\n\
             s = socket.socket(socket.AF_UNIX)\n\
             s.bind(sys.argv[1]); s.listen(8)\n\
             print('ready', flush=True)\n\
             held = []\n\
             while True: held.append(s.accept())\n",
        )
        .arg(&their_path)
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 runs as nobody");
    let mut ready = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready", "the foreign server listens");
    let path = socket_path();
    std::fs::rename(&their_path, &path).unwrap();
    std::os::unix::fs::chown(&path, Some(0), Some(0)).unwrap();
    let r = influxdesk_mcp::transport::connect_trusted(&path).await;
    let _ = child.kill();
    let _ = child.wait();
    let e = refused(r);
    assert!(
        e.message()
            .contains("runs as uid 65534, not as you (uid 0)"),
        "{}",
        e.message()
    );
}

#[tokio::test]
async fn stopping_the_server_ends_open_sessions() {
    let path = socket_path();
    let server = influxdesk_mcp::serve_unix(ctx(), &path).await.unwrap();
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let client = client_config().serve(stream).await.unwrap();
    client
        .list_tools(None)
        .await
        .expect("the session works while the socket is on");
    // What hosting::set_socket(false) does: drop the server.
    drop(server);
    let quit = tokio::time::timeout(std::time::Duration::from_secs(60), client.waiting())
        .await
        .expect("the client sees its connection close");
    assert!(
        matches!(quit, Ok(rmcp::service::QuitReason::Closed)),
        "closed by the server, got {quit:?}"
    );
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
