//! Sending an allowed request: the one place where the harness talks to the network.
//!
//! [`send`] is the seam the policy hook calls (after the policy allowed the request). With a
//! [`ConnectionPool`] it reuses keep-alive HTTP/1.1 connections (TCP and, for `https`, TLS with
//! bundled Mozilla roots) per origin across requests and across runs; without one it falls back
//! to wasmtime-wasi-http's default sender (a new connection per request).
//!
//! Either way the guest's `wasi:http` request options are respected: the connect timeout bounds
//! a new connection (TCP connect, TLS handshake, HTTP handshake), the first-byte timeout bounds
//! the wait for the response head, the between-bytes timeout bounds each wait for a body chunk.
//! Where the guest sets none, [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_READ_TIMEOUT`] apply
//! instead of wasmtime's 600 s.
//!
//! The pool is keyed by origin (scheme, host, port) only: a connection carries no credentials
//! (every request brings its own `Authorization` header), and the policy hook has already
//! checked that the run may reach the origin before a pooled connection is looked up.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::client::conn::http1;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use crate::pacing::RequestPacing;
use crate::phases::ResponseWaits;
use crate::tokens::{self, TokenShare};

/// Connect timeout when the guest sets none.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to the first response byte, and between body chunks, when the guest sets none.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How long an idle pooled connection is kept: below the usual 60 s server keep-alive, so the
/// pool rarely hands out a connection the server is about to close.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept per origin by a pool made without a size (the harness sizes its pool by
/// its run slots: a connection per run that may be in flight stays useful).
pub const POOL_MAX_IDLE_PER_ORIGIN: usize = 32;

type SendResult = wasmtime_wasi_http::Result<(http::Response<WasiBody>, Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>)>;

/// The three timeouts of a request: the guest's `wasi:http` options, our defaults where it set none.
#[derive(Clone, Copy, Debug)]
struct Timeouts {
    connect: Duration,
    first_byte: Duration,
    between_bytes: Duration,
}

impl Timeouts {
    fn of(options: Option<RequestOptions>) -> Timeouts {
        let options = options.unwrap_or_default();
        Timeouts {
            connect: options.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            first_byte: options.first_byte_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
            between_bytes: options.between_bytes_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
        }
    }

    /// As wasmtime-wasi-http's default sender takes them.
    fn options(self) -> RequestOptions {
        RequestOptions {
            connect_timeout: Some(self.connect),
            first_byte_timeout: Some(self.first_byte),
            between_bytes_timeout: Some(self.between_bytes),
        }
    }
}

/// What the sender needs to know about the run whose request it sends.
#[derive(Clone)]
pub(crate) struct RunScope {
    /// The pool of the run's harness (`None`: a new connection per request).
    pool: Option<Arc<ConnectionPool>>,
    /// The token answers the runs of the harness share (`None`: every run mints its own).
    tokens: Option<Arc<TokenShare>>,
    /// Where the run's waits for response heads are summed.
    waits: ResponseWaits,
    /// For a card paced request by request: its account's schedule.
    pacing: Option<RequestPacing>,
}

impl RunScope {
    pub(crate) fn new(
        pool: Option<Arc<ConnectionPool>>,
        tokens: Option<Arc<TokenShare>>,
        waits: ResponseWaits,
        pacing: Option<RequestPacing>,
    ) -> RunScope {
        RunScope { pool, tokens, waits, pacing }
    }
}

tokio::task_local! {
    /// The scope of the run being polled.
    static RUN: RunScope;
}

/// Runs `future` (a card run) within `scope`: its requests go out through the scope's pool,
/// token share and pacing, and their waits for response heads are summed there.
pub(crate) async fn within_run<F: Future>(scope: RunScope, future: F) -> F::Output {
    RUN.scope(scope, future).await
}

/// The pool of requests sent outside [`within_run`] (hooks used without a harness run).
fn default_pool() -> Arc<ConnectionPool> {
    static DEFAULT: std::sync::LazyLock<Arc<ConnectionPool>> =
        std::sync::LazyLock::new(|| Arc::new(ConnectionPool::new(POOL_MAX_IDLE_PER_ORIGIN)));
    Arc::clone(&DEFAULT)
}

/// Sends `request` (already allowed by the policy) and returns the response with the future that
/// drives its connection: through the run's pool when it has one, else on a new connection.
///
/// Not an `async fn`: the run's scope is read now, while the guest's call is being polled inside
/// [`within_run`]; wasmtime polls the returned future on a task of its own.
pub(crate) fn send(request: http::Request<WasiBody>, options: Option<RequestOptions>) -> impl Future<Output = SendResult> + Send + 'static {
    let run = RUN.try_with(Clone::clone).unwrap_or_else(|_| RunScope::new(Some(default_pool()), None, ResponseWaits::default(), None));
    let timeouts = Timeouts::of(options);
    async move {
        if let Some(pacing) = &run.pacing {
            // Boxed, like the token exchange and the connect below: a run in flight holds this
            // future for as long as it waits for its response, so its size is memory per run;
            // kept inline, the rare steps' state (Redis, TLS, the token request) made it ~5 KB.
            Box::pin(pacing.wait_for_turn(request.method(), request.uri().path())).await;
        }
        let handed_over = Instant::now();
        let sent = match run.tokens.clone() {
            Some(tokens) => send_sharing_tokens(&tokens, run.pool.clone(), request, timeouts).await,
            None => send_on(run.pool.clone(), request, timeouts).await,
        };
        run.waits.add(handed_over.elapsed());
        sent
    }
}

/// Sends through the token share: a client-credentials exchange is answered from a shared token
/// when one is fresh, and a refused shared token is forgotten.
async fn send_sharing_tokens(
    tokens: &TokenShare,
    pool: Option<Arc<ConnectionPool>>,
    request: http::Request<WasiBody>,
    timeouts: Timeouts,
) -> SendResult {
    let (parts, body) = request.into_parts();
    if tokens::is_client_credentials(&parts) {
        let bytes = tokens::read_bounded(body).await?;
        if !tokens::grants_client_credentials(&bytes) {
            return send_on(pool, http::Request::from_parts(parts, tokens::full(bytes)), timeouts).await;
        }
        let mut connection_task: Option<Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>> = None;
        let answer = Box::pin(tokens.exchange(parts, bytes, |request| async {
            let (response, task) = send_on(pool, request, timeouts).await?;
            connection_task = Some(task);
            Ok(response)
        }))
        .await?;
        return Ok((answer, connection_task.unwrap_or_else(|| Box::new(async { Ok(()) }))));
    }
    let bearer = tokens::bearer(&parts);
    let sent = send_on(pool, http::Request::from_parts(parts, body), timeouts).await?;
    if sent.0.status() == http::StatusCode::UNAUTHORIZED
        && let Some(token) = bearer
    {
        tokens.forget(&token);
    }
    Ok(sent)
}

/// Sends on the run's pool, or on a new connection without one.
async fn send_on(pool: Option<Arc<ConnectionPool>>, request: http::Request<WasiBody>, timeouts: Timeouts) -> SendResult {
    match pool {
        Some(pool) => pool.send(request, timeouts).await,
        // Boxed: without a pool (rare) the send is wasmtime's own, whose state is ~2 KB.
        None => Box::pin(wasmtime_wasi_http::default_send_request(request, Some(timeouts.options())))
            .await
            .map(|(response, io)| (response.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>)),
    }
}

/// Counters of a harness's keep-alive connection pool, from
/// [`Harness::connection_stats`](crate::Harness::connection_stats): whether connections are
/// reused (tests, the benchmark, a platform's metrics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// New connections opened (TCP connect, TLS and HTTP handshakes).
    pub opened: u64,
    /// Requests sent on a connection that an earlier request had used.
    pub reused: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PoolKey {
    https: bool,
    /// `host:port`, lowercase host.
    authority: String,
}

struct IdleConnection {
    sender: http1::SendRequest<WasiBody>,
    since: Instant,
}

/// Keep-alive HTTP/1.1 connections by origin, shared by every run of a [`crate::Harness`].
pub(crate) struct ConnectionPool {
    idle: Mutex<HashMap<PoolKey, Vec<IdleConnection>>>,
    max_idle_per_origin: usize,
    tls: Mutex<Option<tokio_rustls::TlsConnector>>,
    opened: AtomicU64,
    reused: AtomicU64,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPool").field("stats", &self.stats()).finish()
    }
}

impl ConnectionPool {
    /// A pool that keeps up to `max_idle_per_origin` idle connections to each origin.
    pub(crate) fn new(max_idle_per_origin: usize) -> ConnectionPool {
        ConnectionPool {
            idle: Mutex::new(HashMap::new()),
            max_idle_per_origin,
            tls: Mutex::new(None),
            opened: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> PoolStats {
        PoolStats { opened: self.opened.load(Ordering::Relaxed), reused: self.reused.load(Ordering::Relaxed) }
    }

    /// An idle connection to `key` that can take a request now, if any.
    fn take_idle(&self, key: &PoolKey) -> Option<http1::SendRequest<WasiBody>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.get_mut(key)?;
        // Most recently used first: the connection most likely still open.
        while let Some(conn) = list.pop() {
            if conn.since.elapsed() < POOL_IDLE_TIMEOUT && conn.sender.is_ready() {
                return Some(conn.sender);
            }
        }
        None
    }

    fn put_idle(&self, key: PoolKey, sender: http1::SendRequest<WasiBody>) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let list = idle.entry(key).or_default();
        // Oldest first: the expired ones are a prefix. Walking the whole list on every return
        // made a burst of a thousand connections quadratic; closed ones are skipped when taken,
        // and only swept when the list is full.
        let expired = list.partition_point(|conn| conn.since.elapsed() >= POOL_IDLE_TIMEOUT);
        list.drain(..expired);
        if list.len() >= self.max_idle_per_origin {
            list.retain(|conn| !conn.sender.is_closed());
        }
        if list.len() < self.max_idle_per_origin {
            list.push(IdleConnection { sender, since: Instant::now() });
        }
    }

    fn tls_connector(&self) -> tokio_rustls::TlsConnector {
        let mut tls = self.tls.lock().unwrap_or_else(|p| p.into_inner());
        tls.get_or_insert_with(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
            let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
            tokio_rustls::TlsConnector::from(Arc::new(config))
        })
        .clone()
    }

    /// Opens a connection to `key` within `timeout` and spawns the task that drives it.
    async fn connect(&self, key: &PoolKey, timeout: Duration) -> wasmtime_wasi_http::Result<http1::SendRequest<WasiBody>> {
        let connecting = async {
            let stream = tokio::net::TcpStream::connect(&key.authority).await.map_err(Error::Connect)?;
            let _ = stream.set_nodelay(true);
            if key.https {
                let domain = server_name(&key.authority)?;
                let stream = self.tls_connector().connect(domain, stream).await.map_err(Error::Tls)?;
                handshake(stream).await
            } else {
                handshake(stream).await
            }
        };
        let sender = tokio::time::timeout(timeout, connecting).await.map_err(|_| Error::ConnectionTimeout)??;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(sender)
    }

    async fn send(self: Arc<Self>, mut request: http::Request<WasiBody>, timeouts: Timeouts) -> SendResult {
        let uri = request.uri();
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let authority = uri.authority().ok_or(Error::HttpRequestUriInvalid)?;
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let key = PoolKey { https, authority: format!("{}:{port}", authority.host().to_ascii_lowercase()) };
        // The request line carries the path only (the connection is to the origin, not a proxy).
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        *request.uri_mut() = http::Uri::builder().path_and_query(path).build().map_err(|_| Error::HttpRequestUriInvalid)?;
        // wasmtime's wasi:http sets the Host header from the request's authority.

        // A pooled connection the server closed just now gives the request back unsent; it then
        // goes out on the next idle connection or a new one. A new connection is tried once.
        loop {
            let (mut candidate, pooled) = match self.take_idle(&key) {
                Some(sender) => (sender, true),
                None => (Box::pin(self.connect(&key, timeouts.connect)).await?, false),
            };
            let sent = tokio::time::timeout(timeouts.first_byte, candidate.try_send_request(request)).await;
            match sent {
                Err(_elapsed) => return Err(Error::ConnectionReadTimeout),
                Ok(Ok(response)) => {
                    if pooled {
                        self.reused.fetch_add(1, Ordering::Relaxed);
                    }
                    // The body gives the connection back once it has been read to its end
                    // (hyper closes the connection instead when the body is dropped early).
                    let give_back = GiveBack { pool: Arc::clone(&self), key, sender: candidate };
                    let response = response.map(|incoming| {
                        TimedBody {
                            incoming,
                            between_bytes: timeouts.between_bytes.max(Duration::from_nanos(1)),
                            deadline: None,
                            give_back: Some(give_back),
                        }
                        .boxed_unsync()
                    });
                    return Ok((response, Box::new(async { Ok(()) })));
                }
                Ok(Err(mut err)) => match err.take_message() {
                    Some(unsent) if pooled => request = unsent,
                    _ => return Err(response_error(err.into_error())),
                },
            }
        }
    }
}

async fn handshake<S>(stream: S) -> wasmtime_wasi_http::Result<http1::SendRequest<WasiBody>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::Builder::new().handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!("pooled connection ended: {err}");
        }
    });
    Ok(sender)
}

fn server_name(authority: &str) -> wasmtime_wasi_http::Result<rustls::pki_types::ServerName<'static>> {
    use rustls::pki_types::ServerName;
    if let Ok(addr) = authority.parse::<std::net::SocketAddr>() {
        return Ok(ServerName::from(addr.ip()));
    }
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    Ok(ServerName::try_from(host.to_string())?)
}

fn response_error(err: hyper::Error) -> Error {
    if err.is_timeout() { Error::HttpResponseTimeout } else { Error::from(err) }
}

/// The response body with the between-bytes timeout. Read to its end, it gives its connection
/// back to the pool.
struct TimedBody {
    incoming: hyper::body::Incoming,
    between_bytes: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    give_back: Option<GiveBack>,
}

/// A connection whose response is being read, and the pool it goes back to.
struct GiveBack {
    pool: Arc<ConnectionPool>,
    key: PoolKey,
    sender: http1::SendRequest<WasiBody>,
}

impl GiveBack {
    /// Back to the pool now if the connection can take the next request (after a response read
    /// to its end it usually can), else by a task once it can. Done inline, a request costs no
    /// task and no wake-up for this, where a task per request had to be woken by the connection.
    fn give_back(self) {
        let GiveBack { pool, key, mut sender } = self;
        if sender.is_ready() {
            pool.put_idle(key, sender);
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if sender.ready().await.is_ok() {
                    pool.put_idle(key, sender);
                }
            });
        }
    }
}

impl TimedBody {
    /// The body has reached its end: its connection goes back, once.
    fn ended(&mut self) {
        if let Some(give_back) = self.give_back.take() {
            give_back.give_back();
        }
    }
}

impl Drop for TimedBody {
    fn drop(&mut self) {
        // An empty body may be dropped unread; a body dropped before its end leaves its
        // connection to close.
        if http_body::Body::is_end_stream(&self.incoming) {
            self.ended();
        }
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.ended();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(response_error(err)))),
            Poll::Ready(Some(Ok(frame))) => {
                this.deadline = None;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                let between_bytes = this.between_bytes;
                let deadline = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(between_bytes)));
                ready!(deadline.as_mut().poll(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client connection over an in-memory stream (the other end is returned so it stays open).
    async fn connection() -> (http1::SendRequest<WasiBody>, tokio::io::DuplexStream) {
        let (client, server) = tokio::io::duplex(1024);
        let mut sender = handshake(client).await.expect("handshake");
        // As in `send`: a connection goes back to the pool once it can take a request.
        sender.ready().await.expect("ready");
        (sender, server)
    }

    fn idle(pool: &ConnectionPool, key: &PoolKey) -> usize {
        pool.idle.lock().unwrap().get(key).map_or(0, Vec::len)
    }

    /// A keep-alive HTTP/1.1 server on loopback that answers every request on a connection with
    /// `head` and then `body` (which may fall short of the length the head declares).
    async fn server(head: &'static str, body: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while let Ok(n @ 1..) = stream.read(&mut buf).await {
                        request.extend_from_slice(&buf[..n]);
                        // Requests without a body: one per blank line.
                        while let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            request.drain(..end + 4);
                            if stream.write_all(format!("{head}{body}").as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        format!("http://{addr}/")
    }

    fn get(url: &str) -> http::Request<WasiBody> {
        http::Request::get(url).body(tokens::full(Bytes::new())).expect("request")
    }

    fn timeouts() -> Timeouts {
        Timeouts::of(None)
    }

    #[tokio::test]
    async fn a_response_read_to_its_end_gives_its_connection_back_for_the_next_request() {
        let url = server("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", "hello").await;
        let pool = Arc::new(ConnectionPool::new(4));
        for _ in 0..3 {
            let (response, _io) = Arc::clone(&pool).send(get(&url), timeouts()).await.expect("response");
            let body = response.into_body().collect().await.expect("body").to_bytes();
            assert_eq!(&body[..], b"hello");
        }
        assert_eq!(pool.stats(), PoolStats { opened: 1, reused: 2 });
    }

    #[tokio::test]
    async fn a_body_dropped_before_its_end_leaves_its_connection_out_of_the_pool() {
        let url = server("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n", "hello").await;
        let pool = Arc::new(ConnectionPool::new(4));
        let (response, _io) = Arc::clone(&pool).send(get(&url), timeouts()).await.expect("response");
        let mut body = response.into_body();
        let first = body.frame().await.expect("a frame").expect("data").into_data().expect("data");
        assert_eq!(&first[..], b"hello");
        drop(body);
        let key = PoolKey { https: false, authority: url.trim_start_matches("http://").trim_end_matches('/').to_string() };
        assert_eq!(idle(&pool, &key), 0);
        let (_, _io) = Arc::clone(&pool).send(get(&url), timeouts()).await.expect("response");
        assert_eq!(pool.stats(), PoolStats { opened: 2, reused: 0 });
    }

    #[tokio::test]
    async fn a_returned_connection_drops_the_expired_ones_and_the_pool_stops_at_its_limit() {
        let pool = ConnectionPool::new(2);
        let key = PoolKey { https: false, authority: "account.example:443".into() };
        let (stale, _stale_end) = connection().await;
        let long_ago = Instant::now().checked_sub(POOL_IDLE_TIMEOUT + Duration::from_secs(1)).expect("a clock older than the idle timeout");
        pool.idle.lock().unwrap().entry(key.clone()).or_default().push(IdleConnection { sender: stale, since: long_ago });
        let mut ends = Vec::new();
        for expected in [1, 2, 2] {
            let (sender, end) = connection().await;
            ends.push(end);
            pool.put_idle(key.clone(), sender);
            assert_eq!(idle(&pool, &key), expected);
        }
        assert!(pool.take_idle(&key).is_some());
        assert_eq!(idle(&pool, &key), 1);
    }
}
