//! Streamable HTTP (rmcp's `StreamableHttpService` under axum) at `http://127.0.0.1:PORT/mcp`:
//! off by default, turned on by `influxdesk serve --http 127.0.0.1:PORT` (or from the
//! app's Assistant screen). For clients that cannot launch a command or reach a Unix socket.
//!
//! Only 127.0.0.1 is ever bound: any other address (0.0.0.0, a LAN address, ::1, a host name)
//! is refused with an `InvalidInput` error before anything listens. Every request passes three
//! checks, in this order, before rmcp sees it:
//! 1. `Host` must be `127.0.0.1:PORT` or `localhost:PORT` (this server's port), else 403;
//! 2. an `Origin`, when present, must be `http://127.0.0.1:PORT` or `http://localhost:PORT`,
//!    else 403 (with 1., this stops DNS rebinding: a web page cannot talk to this server);
//! 3. `Authorization: Bearer <token>` must carry the current token, else 401.
//!
//! The `Authorization` header is removed before the request reaches rmcp, so no tool handler,
//! log line or error ever holds the token.
//!
//! # The bearer token
//! - Where: the OS keychain (core's [`SecretStore`]), service `influxdesk`, account
//!   [`TOKEN_ACCOUNT`] (`mcp-http`). Never in a file, an argument, an environment variable, a
//!   log line, an error, a tool result or a resource.
//! - Created on first use ([`http_token`]): 32 bytes from the OS's CSPRNG, base64url without
//!   padding (43 characters).
//! - Rotated with [`rotate_http_token`] (`influxdesk serve --rotate-token`, which prints
//!   nothing secret) or [`HttpServer::rotate_token`] (the app). A running server re-reads the
//!   keychain at most every [`TOKEN_REFRESH`], so a token rotated by another process stops
//!   working within that time; one rotated through the server stops at once.
//! - How a client gets it: `influxdesk serve --print-token` prints it once to standard output
//!   and exits (it serves nothing), for pasting into a client's config or capturing in a
//!   script (`TOKEN=$(influxdesk serve --print-token)`). A serving process never prints it, so
//!   the token cannot end up in a service manager's log.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use influxdesk_core::secrets::{Secret, SecretStore};
use influxdesk_core::{Ctx, Error, Result};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::server::{InfluxdeskMcp, Session};

/// The keychain account (service `influxdesk`) that holds the HTTP bearer token.
pub const TOKEN_ACCOUNT: &str = "mcp-http";
/// The MCP endpoint's path.
pub const MCP_PATH: &str = "/mcp";
/// How long a running server trusts its copy of the token before reading the keychain again.
pub const TOKEN_REFRESH: Duration = Duration::from_secs(5);

const PRINT_HINT: &str = "get it with `influxdesk serve --print-token`";

/// Parse `--http`: `127.0.0.1:PORT` only (port 0 picks a free one).
pub fn parse_http_addr(s: &str) -> Result<SocketAddr> {
    let addr: SocketAddr = s.trim().parse().map_err(|_| {
        Error::invalid(format!(
            "\"{s}\" is not an address to serve MCP over HTTP on: use 127.0.0.1:PORT, e.g. \
             127.0.0.1:8765"
        ))
    })?;
    check_loopback(addr)?;
    Ok(addr)
}

fn check_loopback(addr: SocketAddr) -> Result<()> {
    if addr.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "MCP over HTTP listens on 127.0.0.1 only, so that nothing but this machine's own \
         programs can reach the assistant's connection; {} is refused. Use 127.0.0.1:{}",
        addr.ip(),
        addr.port()
    )))
}

fn new_token() -> Result<Secret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness for the MCP HTTP token: {e}")))?;
    Ok(Secret::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
    ))
}

/// The HTTP bearer token from the keychain, created (and stored) on first use.
pub async fn http_token(secrets: &SecretStore) -> Result<Secret> {
    if let Some(t) = secrets.get(TOKEN_ACCOUNT).await?
        && !t.is_empty()
    {
        return Ok(t);
    }
    let t = new_token()?;
    secrets.set(TOKEN_ACCOUNT, t.clone()).await?;
    tracing::info!(
        "created the MCP HTTP bearer token in the {}",
        secrets.describe()
    );
    Ok(t)
}

/// Replace the HTTP bearer token with a new random one; returns the new token.
pub async fn rotate_http_token(secrets: &SecretStore) -> Result<Secret> {
    let t = new_token()?;
    secrets.set(TOKEN_ACCOUNT, t.clone()).await?;
    tracing::info!("rotated the MCP HTTP bearer token");
    Ok(t)
}

/// How to serve HTTP.
#[derive(Clone)]
pub struct HttpOptions {
    /// Where to listen: 127.0.0.1:PORT (anything else is refused); port 0 picks a free one.
    pub addr: SocketAddr,
    /// Where the bearer token lives (the OS keychain; memory in tests).
    pub secrets: SecretStore,
    /// The session every HTTP client gets (e.g. `serve --profile`).
    pub session: Session,
    /// How often the token is re-read from `secrets` (default [`TOKEN_REFRESH`]).
    pub token_refresh: Duration,
}

impl HttpOptions {
    pub fn new(addr: SocketAddr, secrets: SecretStore) -> Self {
        HttpOptions {
            addr,
            secrets,
            session: Session::default(),
            token_refresh: TOKEN_REFRESH,
        }
    }
}

/// The current token, re-read from the keychain at most every `refresh`.
///
/// No lock is held across a keychain call (it blocks on D-Bus and may take seconds): the
/// cache is a short std mutex section, one request at a time re-reads the keychain while the
/// others go on with the cached token, and a token set meanwhile (a rotation through this
/// server) is never overwritten by the older value that read brings back.
struct Tokens {
    secrets: SecretStore,
    refresh: Duration,
    current: std::sync::Mutex<Cached>,
    /// A keychain re-read is under way.
    refreshing: AtomicBool,
}

struct Cached {
    token: Secret,
    read_at: Instant,
    /// Bumped by every [`Tokens::set`], so a re-read that started before it is ignored.
    generation: u64,
}

/// Clears [`Tokens::refreshing`] however the re-read ends (even if its future is dropped).
struct Refreshing<'a>(&'a AtomicBool);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Tokens {
    fn new(secrets: SecretStore, refresh: Duration, token: Secret) -> Tokens {
        Tokens {
            secrets,
            refresh,
            current: std::sync::Mutex::new(Cached {
                token,
                read_at: Instant::now(),
                generation: 0,
            }),
            refreshing: AtomicBool::new(false),
        }
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn current(&self) -> Secret {
        let (token, generation) = {
            let c = self.cached();
            if c.read_at.elapsed() < self.refresh {
                return c.token.clone();
            }
            (c.token.clone(), c.generation)
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            // Another request is reading the keychain: use what we have.
            return token;
        }
        let _refreshing = Refreshing(&self.refreshing);
        let fresh = match self.secrets.get(TOKEN_ACCOUNT).await {
            Ok(Some(t)) if !t.is_empty() => Some(t),
            // Deleted behind our back: put the one in use back, so --print-token shows it.
            Ok(_) => {
                if let Err(e) = self.secrets.set(TOKEN_ACCOUNT, token.clone()).await {
                    tracing::warn!("could not restore the MCP HTTP token: {e}");
                }
                None
            }
            Err(e) => {
                tracing::warn!(
                    "could not re-read the MCP HTTP token (keeping the current one): {e}"
                );
                None
            }
        };
        let mut c = self.cached();
        if c.generation == generation {
            if let Some(t) = fresh {
                c.token = t;
            }
            c.read_at = Instant::now();
        }
        c.token.clone()
    }

    fn set(&self, token: Secret) {
        let mut c = self.cached();
        c.token = token;
        c.read_at = Instant::now();
        c.generation += 1;
    }
}

/// Compare without an early exit, so timing says nothing about how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Guard {
    port: u16,
    tokens: Tokens,
}

fn deny(status: StatusCode, msg: &str) -> Response {
    let mut r = (status, format!("{msg}\n")).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"influxdesk\""),
        );
    }
    r
}

impl Guard {
    /// `127.0.0.1:PORT` or `localhost:PORT` (port 80 may be implied).
    fn local_authority(&self, host: &str, port: Option<u16>) -> bool {
        (host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost"))
            && port.unwrap_or(80) == self.port
    }

    fn host_ok(&self, headers: &HeaderMap) -> bool {
        let Some(v) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        match axum::http::uri::Authority::try_from(v.trim()) {
            Ok(a) => self.local_authority(a.host(), a.port_u16()),
            Err(_) => false,
        }
    }

    fn origin_ok(&self, headers: &HeaderMap) -> bool {
        let mut all = headers.get_all(header::ORIGIN).iter();
        let Some(v) = all.next() else {
            return true;
        };
        if all.next().is_some() {
            return false;
        }
        let Ok(uri) = v
            .to_str()
            .unwrap_or_default()
            .trim()
            .parse::<axum::http::Uri>()
        else {
            return false;
        };
        uri.scheme_str() == Some("http")
            && matches!(uri.path(), "" | "/")
            && uri.query().is_none()
            && uri
                .authority()
                .is_some_and(|a| self.local_authority(a.host(), a.port_u16()))
    }

    async fn token_ok(&self, headers: &HeaderMap) -> bool {
        let mut all = headers.get_all(header::AUTHORIZATION).iter();
        let (Some(v), None) = (all.next(), all.next()) else {
            return false;
        };
        let Some((scheme, given)) = v.to_str().unwrap_or_default().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return false;
        }
        let current = self.tokens.current().await;
        same(given.trim().as_bytes(), current.expose().as_bytes())
    }
}

async fn check_request(State(g): State<Arc<Guard>>, mut req: Request, next: Next) -> Response {
    if !g.host_ok(req.headers()) {
        tracing::warn!("refused an MCP HTTP request with a foreign Host header (DNS rebinding?)");
        return deny(
            StatusCode::FORBIDDEN,
            &format!(
                "Forbidden: the Host header must be 127.0.0.1:{p} or localhost:{p}",
                p = g.port
            ),
        );
    }
    if !g.origin_ok(req.headers()) {
        tracing::warn!("refused an MCP HTTP request from a foreign Origin (a web page?)");
        return deny(
            StatusCode::FORBIDDEN,
            &format!(
                "Forbidden: requests from a web page (Origin) are refused unless it is \
                 http://127.0.0.1:{p} or http://localhost:{p}",
                p = g.port
            ),
        );
    }
    if !g.token_ok(req.headers()).await {
        tracing::warn!("refused an MCP HTTP request without the right bearer token");
        return deny(
            StatusCode::UNAUTHORIZED,
            &format!(
                "Unauthorized: send `Authorization: Bearer <token>` with the current influxdesk \
                 MCP token ({PRINT_HINT})"
            ),
        );
    }
    // Past this point nothing needs the token: rmcp hands the request's headers to handlers.
    req.headers_mut().remove(header::AUTHORIZATION);
    next.run(req).await
}

/// A running HTTP server. Dropping it stops it (open sessions end).
pub struct HttpServer {
    addr: SocketAddr,
    guard: Arc<Guard>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// The address it listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The MCP endpoint, e.g. `http://127.0.0.1:8765/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{MCP_PATH}", self.addr)
    }

    /// Replace the token (in the keychain too); the old one is refused from now on.
    pub async fn rotate_token(&self) -> Result<()> {
        let t = rotate_http_token(&self.guard.tokens.secrets).await?;
        self.guard.tokens.set(t);
        Ok(())
    }

    /// Stop serving and wait until the listener is closed.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        let _ = (&mut self.task).await;
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.task.abort();
    }
}

/// Serve MCP over streamable HTTP on 127.0.0.1 with the bearer token from `opts.secrets`
/// (created when there is none yet, so a keychain problem shows before anything listens).
pub async fn serve_http(ctx: Arc<Ctx>, opts: HttpOptions) -> Result<HttpServer> {
    check_loopback(opts.addr)?;
    let token = http_token(&opts.secrets).await?;
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => Error::Conflict(format!(
                "{} is already in use: pick another port (for --http, or in the Assistant screen)",
                opts.addr
            )),
            _ => Error::Storage(format!("could not listen on {}: {e}", opts.addr)),
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("the HTTP listener has no address: {e}")))?;
    let port = addr.port();
    let cancel = CancellationToken::new();
    let locals = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    // rmcp checks Host and Origin too; the guard below already did, with the same lists.
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(locals.clone())
        .with_allowed_origins(locals.iter().map(|h| format!("http://{h}")))
        .with_cancellation_token(cancel.child_token());
    let session = opts.session.clone();
    let service = StreamableHttpService::new(
        move || Ok(InfluxdeskMcp::new(ctx.clone(), session.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let guard = Arc::new(Guard {
        port,
        tokens: Tokens::new(opts.secrets.clone(), opts.token_refresh, token),
    });
    let app = axum::Router::new().route_service(MCP_PATH, service).layer(
        axum::middleware::from_fn_with_state(guard.clone(), check_request),
    );
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!("the MCP HTTP server stopped: {e}");
        }
    });
    tracing::info!("MCP server listening on http://{addr}{MCP_PATH}");
    Ok(HttpServer {
        addr,
        guard,
        cancel,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_127_0_0_1_is_accepted() {
        assert_eq!(
            parse_http_addr("127.0.0.1:8765").unwrap(),
            "127.0.0.1:8765".parse().unwrap()
        );
        for bad in [
            "0.0.0.0:8765",
            "192.168.1.20:8765",
            "[::1]:8765",
            "[::]:8765",
            "127.0.0.2:8765",
            "localhost:8765",
            "8765",
        ] {
            let e = parse_http_addr(bad).unwrap_err();
            assert_eq!(e.code().as_str(), "InvalidInput", "{bad}");
            assert!(e.message().contains("127.0.0.1"), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn tokens_are_43_chars_of_base64url_and_differ() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.expose().len(), 43);
        assert!(
            a.expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }

    fn guard(port: u16) -> Guard {
        Guard {
            port,
            tokens: Tokens::new(SecretStore::memory(), TOKEN_REFRESH, Secret::new("t0k")),
        }
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn host_and_origin_must_name_this_server() {
        let g = guard(8765);
        for ok in ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765"] {
            assert!(g.host_ok(&headers(&[(header::HOST, ok)])), "{ok}");
        }
        for bad in [
            "evil.example:8765",
            "127.0.0.1:8766",
            "127.0.0.1",
            "[::1]:8765",
            "localhost.evil.example:8765",
            "",
        ] {
            assert!(!g.host_ok(&headers(&[(header::HOST, bad)])), "{bad}");
        }
        assert!(!g.host_ok(&HeaderMap::new()), "no Host at all");
        assert!(g.origin_ok(&HeaderMap::new()), "no Origin is fine");
        for ok in ["http://127.0.0.1:8765", "http://localhost:8765"] {
            assert!(g.origin_ok(&headers(&[(header::ORIGIN, ok)])), "{ok}");
        }
        for bad in [
            "http://evil.example",
            "https://127.0.0.1:8765",
            "http://127.0.0.1:8766",
            "http://127.0.0.1",
            "null",
            "",
        ] {
            assert!(!g.origin_ok(&headers(&[(header::ORIGIN, bad)])), "{bad}");
        }
        let two = headers(&[
            (header::ORIGIN, "http://127.0.0.1:8765"),
            (header::ORIGIN, "http://evil.example"),
        ]);
        assert!(!g.origin_ok(&two), "two Origins");
    }

    #[tokio::test]
    async fn only_the_exact_bearer_token_passes() {
        let g = guard(1);
        for (h, ok) in [
            ("Bearer t0k", true),
            ("bearer t0k", true),
            ("Bearer t0k ", true),
            ("Bearer t0", false),
            ("Bearer t0kk", false),
            ("Token t0k", false),
            ("t0k", false),
            ("Bearer ", false),
        ] {
            assert_eq!(
                g.token_ok(&headers(&[(header::AUTHORIZATION, h)])).await,
                ok,
                "{h}"
            );
        }
        assert!(!g.token_ok(&HeaderMap::new()).await);
    }

    /// A keychain whose first read of the token hangs until the test lets it go.
    struct SlowKeychain {
        inner: influxdesk_core::secrets::MemoryStore,
        entered: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
        release: std::sync::Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    }

    impl influxdesk_core::secrets::SecretBackend for SlowKeychain {
        fn get(&self, account: &str) -> Result<Option<Secret>> {
            let release = self.release.lock().unwrap().take();
            if let Some(release) = release {
                let _ = self.entered.lock().unwrap().take().unwrap().send(());
                let _ = release.recv();
            }
            self.inner.get(account)
        }
        fn set(&self, account: &str, secret: &Secret) -> Result<()> {
            self.inner.set(account, secret)
        }
        fn delete(&self, account: &str) -> Result<()> {
            self.inner.delete(account)
        }
        fn describe(&self) -> &'static str {
            "slow test keychain"
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_lock_is_held_across_the_keychain_read() {
        let (entered_tx, entered) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel();
        let store = SecretStore::new(SlowKeychain {
            inner: Default::default(),
            entered: std::sync::Mutex::new(Some(entered_tx)),
            release: std::sync::Mutex::new(Some(release_rx)),
        });
        store.set(TOKEN_ACCOUNT, Secret::new("old")).await.unwrap();
        // Refresh at every request, so the first one goes to the (hanging) keychain.
        let tokens = Arc::new(Tokens::new(store, Duration::ZERO, Secret::new("old")));
        let reader = tokio::spawn({
            let tokens = tokens.clone();
            async move { tokens.current().await }
        });
        tokio::task::spawn_blocking(move || entered.recv())
            .await
            .unwrap()
            .expect("the first request is reading the keychain");
        // While it hangs there, other requests are answered and a rotation goes through (the
        // timeout only turns a regression, a lock held across the read, into a failure).
        let answered = |f| async move {
            tokio::time::timeout(Duration::from_secs(60), f)
                .await
                .expect("answered while the keychain read hangs")
        };
        let cached = answered(tokens.current()).await;
        assert_eq!(cached.expose(), "old", "the cached token");
        tokens.set(Secret::new("rotated"));
        assert_eq!(answered(tokens.current()).await.expose(), "rotated");
        assert!(!reader.is_finished(), "the keychain read is still pending");
        release.send(()).unwrap();
        assert_eq!(
            reader.await.unwrap().expose(),
            "rotated",
            "the read that started before the rotation does not bring the old token back"
        );
    }
}
