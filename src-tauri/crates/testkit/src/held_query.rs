//! A long-running InfluxQL query on a real 1.x server that does not depend on machine speed:
//! a client asks for a large result in chunks (`chunked=true`) and then stops reading, with a
//! tiny receive buffer. Once the socket buffers are full, the server blocks writing the next
//! chunk and the query stays in `SHOW QUERIES` as running for as long as the client holds it,
//! however fast the machine. Chunked answers stream, so the server's heap stays small. After
//! a `KILL QUERY`, [`HeldQuery::finish`] reads the rest: 1.x ends it with
//! `{"error":"query interrupted"}`.
//!
//! The result must be larger than the loopback socket buffers (a few MB): write enough data
//! (e.g. 50k points with a 200-byte string field, about 12 MB of JSON).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A query held open by a client that does not read its answer.
pub struct HeldQuery {
    stream: TcpStream,
    head: Vec<u8>,
}

impl HeldQuery {
    /// Send `q` on database `db` of the 1.x server at `base_url` (http://host:port) and read
    /// only the response head (and whatever fits in one small read).
    pub async fn start(base_url: &str, db: &str, q: &str) -> HeldQuery {
        let url = url::Url::parse(base_url).expect("a base URL");
        let host = url.host_str().expect("a host").to_string();
        let port = url.port_or_known_default().expect("a port");
        let addr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("the host resolves")
            .next()
            .expect("an address");
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .expect("a socket");
        // Small, so the server blocks after little data (the kernel may round it up).
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let mut stream = socket.connect(addr).await.expect("connect to influxd");
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("db", db)
            .append_pair("q", q)
            .append_pair("chunked", "true")
            .append_pair("chunk_size", "100")
            .finish();
        let req =
            format!("GET /query?{query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(req.as_bytes())
            .await
            .expect("send the query");
        let mut head = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut head))
            .await
            .expect("influxd answers the held query")
            .expect("read the answer's head");
        head.truncate(n);
        HeldQuery { stream, head }
    }

    /// The first bytes of the answer (status line and headers).
    pub fn head(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned()
    }

    /// Read the rest of the answer until the server ends it (the last chunk or EOF), and
    /// return its final 4 KB as text.
    pub async fn finish(mut self) -> String {
        let mut tail: Vec<u8> = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(60), self.stream.read(&mut buf))
                .await
                .expect("the held answer ends once the query is stopped")
                .expect("read the held answer");
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > 8192 {
                tail.drain(..tail.len() - 4096);
            }
            if tail.ends_with(b"\r\n0\r\n\r\n") {
                break;
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    }
}
