//! How clients reach the server: a Unix socket in the user's runtime dir (hosted by the app or
//! `influxdesk serve`), and stdio (`influxdesk mcp`), which bridges to that socket when
//! something listens on it and otherwise serves in-process.
//!
//! The socket lives in a private directory (0700, owned by us) and is itself 0600; every
//! connection's peer uid is checked against ours and foreign ones are closed. A socket left by
//! a crash (the file exists but nothing accepts) is replaced; a live one means another server
//! runs, which is an error. Stopping a server (dropping its [`SocketServer`]) also ends the
//! sessions it has open.
//!
//! The client side ([`connect_trusted`], used by `influxdesk mcp`) trusts the listener only
//! when the socket's directory is ours and private, the socket is ours, and the server's peer
//! uid is ours; otherwise it refuses before sending a byte, and does not fall back to serving
//! in-process either (the configured path is untrusted: the user has to fix it). A bridged client may send one preamble line, `{"influxdesk_session": {"profile":
//! "P"}}`, to pick the session's profile; everything else is MCP's newline-delimited JSON.
//!
//! The host (the app, `influxdesk serve`) may give sessions without a preamble a default
//! profile ([`serve_unix_session`]); [`McpStatus`] is what the app shows about its host.
//!
//! Not here: streamable HTTP (`http.rs`, behind a bearer token).

use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use influxdesk_core::{Ctx, Error, Result};
use rmcp::ServiceExt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::server::{InfluxdeskMcp, Session};

/// The key of the optional first line a bridge sends.
const PREAMBLE_KEY: &str = "influxdesk_session";

/// Where the socket is: `$INFLUXDESK_SOCKET`, else `$XDG_RUNTIME_DIR/influxdesk/mcp.sock`,
/// else `influxdesk-$USER/mcp.sock` in the temp dir (itself per user on macOS). That last one
/// is a predictable name in a shared directory that another local user could create first:
/// the server and [`connect_trusted`] both refuse a directory that is not ours.
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("INFLUXDESK_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    default_dir().join("mcp.sock")
}

fn default_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        Some(d) => PathBuf::from(d).join("influxdesk"),
        None => {
            let user = std::env::var("USER").unwrap_or_default();
            std::env::temp_dir().join(format!("influxdesk-{user}"))
        }
    }
}

fn io_err(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Storage(format!(
        "could not {what} {}: {e}. Set INFLUXDESK_SOCKET to a path in a private directory.",
        path.display()
    ))
}

/// A running socket server. Dropping it stops accepting, ends the sessions it has open (their
/// clients see the connection close) and removes the socket.
pub struct SocketServer {
    path: PathBuf,
    /// (device, inode) of the socket we bound, so we never remove a newer server's socket.
    id: (u64, u64),
    task: JoinHandle<()>,
}

impl SocketServer {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketServer {
    fn drop(&mut self) {
        self.task.abort();
        if let Ok(m) = std::fs::symlink_metadata(&self.path)
            && (m.dev(), m.ino()) == self.id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether a server accepts on `path` (a connection, or `None` when nothing listens).
pub async fn connect_live(path: &Path) -> Option<UnixStream> {
    match tokio::time::timeout(Duration::from_secs(2), UnixStream::connect(path)).await {
        Ok(Ok(s)) => Some(s),
        _ => None,
    }
}

/// Our effective uid as the kernel reports it: the peer credentials of a socket pair of our
/// own (std has no safe `geteuid`, and this crate forbids `unsafe`). Needs a tokio runtime.
pub fn current_uid() -> Result<u32> {
    let (ours, _theirs) = UnixStream::pair()
        .map_err(|e| Error::Internal(format!("could not learn our own uid: {e}")))?;
    ours.peer_cred()
        .map(|c| c.uid())
        .map_err(|e| Error::Internal(format!("could not learn our own uid: {e}")))
}

/// What to do about a socket path that is not safe to use.
const FIX_HINT: &str = "Remove it (or have its owner remove it) and start influxdesk again, or \
                        set XDG_RUNTIME_DIR or INFLUXDESK_SOCKET to a directory of your own \
                        with mode 700";

/// The directory must be ours: another user who created it first could listen there.
fn check_dir_owner(dir: &Path, meta: &std::fs::Metadata, uid: u32) -> Result<()> {
    if !meta.is_dir() {
        return Err(Error::Forbidden(format!(
            "the MCP socket's directory {} is not a directory. {FIX_HINT}.",
            dir.display()
        )));
    }
    if meta.uid() != uid {
        return Err(Error::Forbidden(format!(
            "the MCP socket's directory {} belongs to uid {}, not to you (uid {uid}): another \
             user could listen there and read every query. {FIX_HINT}.",
            dir.display(),
            meta.uid()
        )));
    }
    Ok(())
}

fn loose_dir(dir: &Path, mode: u32) -> Error {
    Error::Forbidden(format!(
        "the MCP socket's directory {} can be entered by other users (mode {:o}): make it \
         private (chmod 700 {}), or set INFLUXDESK_SOCKET to a path in a private directory",
        dir.display(),
        mode & 0o777,
        dir.display()
    ))
}

/// Make the socket's directory private: create it 0700, refuse one that belongs to another
/// user, tighten the default one, and refuse a custom one that others can enter.
fn prepare_dir(dir: &Path, is_default: bool, uid: u32) -> Result<()> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_err("create the socket directory", dir, e))?;
    }
    let meta = std::fs::metadata(dir).map_err(|e| io_err("read", dir, e))?;
    // Ownership first: never chmod (as root, we could) a directory someone else made.
    check_dir_owner(dir, &meta, uid)?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        if !is_default {
            return Err(loose_dir(dir, mode));
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_err("make private", dir, e))?;
    }
    Ok(())
}

fn socket_dir(path: &Path) -> Result<&Path> {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .ok_or_else(|| Error::invalid(format!("{} is not a socket path", path.display())))
}

/// Connect to the server at `path` only if it can be trusted, before sending it a byte:
/// its directory is ours (always checked: another user must not own the path we use) and
/// private (no group/other access), the socket is ours, and the listening process runs as
/// our uid (`SO_PEERCRED`). `Ok(None)` when no server is there (no directory, no socket in
/// our own directory, or a stale socket nothing accepts on); `Forbidden` when something is
/// there that we must not trust, with what is wrong and what to do.
pub async fn connect_trusted(path: &Path) -> Result<Option<UnixStream>> {
    let uid = current_uid()?;
    let dir = socket_dir(path)?;
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", dir, e)),
    };
    check_dir_owner(dir, &meta, uid)?;
    let sock = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        // Nothing to trust or distrust: serving in-process sends nothing anywhere.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", path, e)),
    };
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(loose_dir(dir, mode));
    }
    if !sock.file_type().is_socket() {
        return Err(Error::Forbidden(format!(
            "{} is not a socket. {FIX_HINT}.",
            path.display()
        )));
    }
    if sock.uid() != uid {
        return Err(Error::Forbidden(format!(
            "the MCP socket {} belongs to uid {}, not to you (uid {uid}). {FIX_HINT}.",
            path.display(),
            sock.uid()
        )));
    }
    let Some(stream) = connect_live(path).await else {
        return Ok(None);
    };
    let peer = stream
        .peer_cred()
        .map_err(|e| io_err("read the peer credentials of", path, e))?;
    if peer.uid() != uid {
        return Err(Error::Forbidden(format!(
            "the server listening on {} runs as uid {}, not as you (uid {uid}): refusing to \
             talk to it. {FIX_HINT}.",
            path.display(),
            peer.uid()
        )));
    }
    Ok(Some(stream))
}

/// What the app's MCP host is doing, for the UI (no secret in it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct McpStatus {
    pub state: McpState,
    /// The Unix socket clients (and `influxdesk mcp`) connect to.
    pub socket_path: String,
    /// Why it is not serving, or who serves instead.
    pub message: Option<String>,
    /// The streamable HTTP endpoint while HTTP is on.
    pub http_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum McpState {
    /// Not started yet.
    Starting,
    /// This process serves on the socket.
    Serving,
    /// Another live server (another app window, `influxdesk serve`) owns the socket.
    Elsewhere,
    /// The socket could not be served; `message` says why.
    Failed,
    /// Turned off by the user (no socket).
    Stopped,
}

impl McpStatus {
    pub fn starting(path: &Path) -> Self {
        McpStatus {
            state: McpState::Starting,
            socket_path: path.display().to_string(),
            message: None,
            http_url: None,
        }
    }

    /// Not serving on the socket because the user turned it off.
    pub fn stopped(path: &Path) -> Self {
        McpStatus {
            state: McpState::Stopped,
            ..Self::starting(path)
        }
    }

    /// The status after [`serve_unix`] returned `result` for `path`.
    pub async fn after<T>(path: &Path, result: &Result<T>) -> Self {
        let (state, message) = match result {
            Ok(_) => (McpState::Serving, None),
            Err(e) if matches!(e, Error::Conflict(_)) && connect_live(path).await.is_some() => {
                (McpState::Elsewhere, Some(e.message().to_string()))
            }
            Err(e) => (McpState::Failed, Some(e.message().to_string())),
        };
        McpStatus {
            state,
            message,
            ..Self::starting(path)
        }
    }
}

/// Serve MCP on the Unix socket at `path` for this user only.
pub async fn serve_unix(ctx: Arc<Ctx>, path: &Path) -> Result<SocketServer> {
    serve_unix_session(ctx, path, Session::default()).await
}

/// [`serve_unix`], with `default` as the session of clients that send no preamble (e.g.
/// `influxdesk serve --profile P`); a bridge's preamble still wins.
pub async fn serve_unix_session(
    ctx: Arc<Ctx>,
    path: &Path,
    default: Session,
) -> Result<SocketServer> {
    let uid = current_uid()?;
    let dir = socket_dir(path)?;
    prepare_dir(
        dir,
        std::env::var_os("INFLUXDESK_SOCKET").is_none() && dir == default_dir(),
        uid,
    )?;
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.file_type().is_socket() {
            return Err(Error::Conflict(format!(
                "{} exists and is not a socket: remove it or set INFLUXDESK_SOCKET to another \
                 path",
                path.display()
            )));
        }
        if connect_live(path).await.is_some() {
            return Err(Error::Conflict(format!(
                "an influxdesk MCP server is already running on {} (the app or `influxdesk \
                 serve`): use it, or stop it first",
                path.display()
            )));
        }
        tracing::info!("replacing the stale MCP socket {}", path.display());
        std::fs::remove_file(path).map_err(|e| io_err("remove the stale socket", path, e))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| io_err("listen on", path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| io_err("restrict", path, e))?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_err("read", path, e))?;
    let task = tokio::spawn(accept_sessions(ctx, listener, uid, default));
    tracing::info!("MCP server listening on {}", path.display());
    Ok(SocketServer {
        path: path.to_path_buf(),
        id: (meta.dev(), meta.ino()),
        task,
    })
}

/// Accept connections whose peer runs as `uid`; close all others.
#[doc(hidden)]
pub async fn accept_loop(ctx: Arc<Ctx>, listener: UnixListener, uid: u32) {
    accept_sessions(ctx, listener, uid, Session::default()).await
}

/// The sessions live in a [`JoinSet`] owned by this future: when the server's task is aborted
/// (the server is stopped), the set is dropped, which aborts every session, and each session's
/// rmcp service closes its connection.
async fn accept_sessions(ctx: Arc<Ctx>, listener: UnixListener, uid: u32, default: Session) {
    let mut sessions: JoinSet<()> = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // Reap finished sessions so the set does not grow.
            Some(_) = sessions.join_next(), if !sessions.is_empty() => continue,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!("MCP socket accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match stream.peer_cred() {
            Ok(c) if c.uid() == uid => {
                sessions.spawn(serve_connection(ctx.clone(), stream, default.clone()));
            }
            Ok(c) => tracing::warn!(
                "refused an MCP connection from uid {} (only uid {uid} may connect)",
                c.uid()
            ),
            Err(e) => tracing::warn!("refused an MCP connection with no peer credentials: {e}"),
        }
    }
}

async fn serve_connection(ctx: Arc<Ctx>, stream: UnixStream, default: Session) {
    let (read, write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut first = String::new();
    if reader.read_line(&mut first).await.is_err() {
        return;
    }
    let session = match serde_json::from_str::<serde_json::Value>(&first)
        .ok()
        .and_then(|v| v.get(PREAMBLE_KEY).cloned())
    {
        Some(s) => {
            first.clear();
            serde_json::from_value::<Session>(s).unwrap_or_default()
        }
        None => default,
    };
    let read = std::io::Cursor::new(first.into_bytes()).chain(reader);
    match InfluxdeskMcp::new(ctx, session).serve((read, write)).await {
        Ok(running) => {
            let _ = running.waiting().await;
        }
        Err(e) => tracing::debug!("an MCP client left before initializing: {e}"),
    }
}

/// Copy stdio to the socket and back until the server closes it. The caller should exit the
/// process afterwards: the stdin read may still be pending and cannot be cancelled.
pub async fn bridge(stream: UnixStream, session: &Session) -> std::io::Result<()> {
    let (mut from_server, mut to_server) = stream.into_split();
    if *session != Session::default() {
        let line = serde_json::json!({ PREAMBLE_KEY: session }).to_string() + "\n";
        to_server.write_all(line.as_bytes()).await?;
    }
    tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let _ = tokio::io::copy(&mut stdin, &mut to_server).await;
        // The client closed its end: let the server finish and close ours.
        let _ = to_server.shutdown().await;
    });
    let mut stdout = tokio::io::stdout();
    tokio::io::copy(&mut from_server, &mut stdout).await?;
    stdout.flush().await
}

/// Serve one MCP session on stdio, in this process, until the client closes it.
pub async fn serve_stdio(ctx: Arc<Ctx>, session: Session) -> Result<()> {
    let running = InfluxdeskMcp::new(ctx, session)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Error::Internal(format!("the MCP session did not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Error::Internal(format!("the MCP session failed: {e}")))?;
    Ok(())
}

/// `influxdesk mcp`'s options.
#[derive(Debug, Clone, Default)]
pub struct StdioOptions {
    /// `--profile`: the profile this session uses (default: the active one).
    pub profile: Option<String>,
    /// `--read-only`: refuse every write, whatever the profiles allow.
    pub read_only: bool,
    /// `--allow-writes`: approve writes on "ask" profiles (there is no window to ask in).
    pub allow_writes: bool,
}

/// Run `influxdesk mcp`: bridge to the app's socket when a trusted server answers on it, else
/// serve in-process. An untrusted socket path ([`connect_trusted`]) is an error, not a reason
/// to serve in-process: the user must see that something is wrong with it.
///
/// `--read-only` and `--allow-writes` set this process's rules, so they always serve
/// in-process: the running app keeps its own rules (and asks the user itself).
pub async fn run_stdio(ctx: Arc<Ctx>, opts: StdioOptions) -> Result<()> {
    let session = Session {
        profile: opts.profile.clone(),
    };
    if let Some(p) = &opts.profile {
        // Fail before the client starts talking, with the known profiles in the message.
        influxdesk_core::api::profiles::resolve(&ctx, Some(p)).await?;
    }
    let path = socket_path();
    if !opts.read_only && !opts.allow_writes {
        if let Some(stream) = connect_trusted(&path).await? {
            tracing::info!("bridging stdio to the MCP server on {}", path.display());
            return bridge(stream, &session)
                .await
                .map_err(|e| io_err("bridge to", &path, e));
        }
    } else if connect_live(&path).await.is_some() {
        tracing::warn!(
            "influxdesk runs an MCP server on {}; --read-only/--allow-writes serve this session \
             in-process instead (its calls will not show in the app's activity)",
            path.display()
        );
    }
    if opts.read_only {
        ctx.set_assistant_read_only(true);
    }
    if opts.allow_writes {
        ctx.set_approver(Arc::new(influxdesk_core::api::policy::Headless {
            allow_writes: true,
        }));
    }
    serve_stdio(ctx, session).await
}
