//! The network side of `serve`: a bounded HTTP/1.1 server over `std` and poll(2).
//!
//! One thread owns every socket. It accepts, reads each request head and writes each
//! response without blocking, under one deadline per phase, so an idle or slow client costs
//! a file descriptor and a buffer (at most `max_connections` of them), never a thread. Two
//! fixed pools of worker threads turn request heads into responses ([`handle`]): one for
//! whole documents, one for the rest, so a queue of costly document pages never delays a
//! search. One request per connection (`Connection: close`), no request body, only GET and HEAD.
//!
//! Not a crate: `tiny_http` (used before) spends a thread per connection with no timeouts,
//! and hyper would bring an async runtime to a page meant for a few readers; the few hundred
//! lines here are bounded in threads, memory and time, and fuzzed (docs/fuzzing.md).

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::html::query_pairs;
use super::index::Archive;
use super::serve::{renders_document, respond};
use super::ArchiveError;

/// Longest request target (path and query string); longer is answered 414.
pub const MAX_TARGET: usize = 2048;
/// Longest request head (request line and headers); longer is answered 431 (or 414 when
/// the request line alone does not fit).
pub const MAX_HEAD: usize = 8 * 1024;
/// Largest response body; larger is answered 413.
pub const MAX_RESPONSE: usize = 32 << 20;
/// Time and bytes read after a response to let the client take it before the close (a
/// close with unread bytes would reset the connection and lose the response).
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 64 * 1024;
/// Response bytes held for all clients at once; past it new responses are answered 503.
const MAX_PENDING: usize = 512 << 20;
/// File descriptors kept for the index and the process beside the connections.
const RESERVED_FDS: u64 = 128;
/// Requests queued per worker of a pool; past it new ones are answered 503.
const QUEUED: usize = 16;
/// Longest pause of `accept` after running out of file descriptors.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Every response's headers beside its type and length. The pages need no script and no
/// outside resource; their one stylesheet is inline.
const SECURITY_HEADERS: &str = "Content-Security-Policy: default-src 'none'; \
     style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'\r\n\
     X-Content-Type-Options: nosniff\r\n\
     X-Frame-Options: DENY\r\n\
     Referrer-Policy: no-referrer\r\n\
     Cache-Control: no-store\r\n\
     Connection: close\r\n";

/// The cookie a browser keeps once it has shown the token in `?token=`.
const TOKEN_COOKIE: &str = "vanban_token";

/// How `serve` listens.
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST:PORT`; port 0 picks a free one.
    pub addr: String,
    /// Required with every request (`Authorization: Bearer …`, `X-Vanban-Token`, the
    /// `token` query parameter or its cookie); required when `addr` is not loopback.
    pub token: Option<String>,
    /// Connections held at once; when full, the oldest one still sending its request is
    /// closed for the new one. Also bounded by the open-files limit.
    pub max_connections: usize,
    /// Threads rendering pages: half of them (at least one) whole documents, the rest
    /// (at least one) every other page.
    pub workers: usize,
    /// Time a client has to send its request head, and then to read the response.
    pub timeout: Duration,
    /// Largest response body; larger is answered 413.
    pub max_response: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".to_string(),
            token: None,
            max_connections: 4096,
            workers: 4,
            timeout: Duration::from_secs(10),
            max_response: MAX_RESPONSE,
        }
    }
}

/// Who may be answered: the bound address (checked against `Host`) and the token.
#[derive(Debug, Clone)]
pub struct Policy {
    local: SocketAddr,
    token: Option<String>,
    max_response: usize,
}

impl Policy {
    pub fn new(local: SocketAddr, token: Option<String>, max_response: usize) -> Self {
        Self {
            local,
            token,
            max_response,
        }
    }

    /// Whether a `Host` header names this server. Without a token only loopback names
    /// and the bound address are taken, so a page on another site cannot reach the
    /// archive by pointing its own name at 127.0.0.1 (DNS rebinding); with a token any
    /// name is, as the token is what such a page lacks.
    fn host_allowed(&self, host: &str) -> bool {
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
            _ => (host, Some(80)),
        };
        if port != Some(self.local.port()) || name.is_empty() {
            return false;
        }
        if self.token.is_some() {
            return true;
        }
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        if bare.eq_ignore_ascii_case("localhost") {
            return true;
        }
        bare.parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == self.local.ip())
    }
}

/// A bound listener, ready to [`run`](Server::run).
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    policy: Policy,
    config: Config,
    capacity: usize,
}

/// Serves `archive` as `config` says until the process is stopped.
pub fn serve(archive: &Archive, config: Config) -> Result<(), ArchiveError> {
    let server = Server::bind(config)?;
    eprintln!("vanban: serving http://{}/", server.local_addr());
    server.run(archive)
}

impl Server {
    /// Binds `config.addr`. Beyond loopback it warns, and refuses to start without a token.
    pub fn bind(config: Config) -> Result<Self, ArchiveError> {
        let invalid = |m: String| ArchiveError::Invalid(m);
        if config.token.as_deref() == Some("") {
            return Err(invalid("--token must not be empty".to_string()));
        }
        let listener = TcpListener::bind(&config.addr)
            .map_err(|e| invalid(format!("cannot listen on {}: {e}", config.addr)))?;
        let local = listener
            .local_addr()
            .map_err(|e| invalid(format!("cannot listen on {}: {e}", config.addr)))?;
        if !local.ip().is_loopback() {
            if config.token.is_none() {
                return Err(invalid(format!(
                    "{local} is reachable from other machines: set --token (or VANBAN_TOKEN) \
                     to serve beyond loopback"
                )));
            }
            eprintln!(
                "vanban: warning: serving beyond loopback on {local}; every request needs the token"
            );
        }
        listener
            .set_nonblocking(true)
            .map_err(|e| invalid(format!("cannot listen on {}: {e}", config.addr)))?;
        let fds = raise_fd_limit();
        let capacity = config
            .max_connections
            .min(fds.saturating_sub(RESERVED_FDS) as usize)
            .max(1);
        Ok(Self {
            listener,
            policy: Policy::new(local, config.token.clone(), config.max_response),
            config,
            capacity,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.policy.local
    }

    /// Connections held at once: `max_connections`, lowered to fit the open-files limit.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Answers requests forever: no client, error or exhausted resource ends the loop.
    pub fn run(&self, archive: &Archive) -> ! {
        let (wake_rx, wake_tx) = match UnixStream::pair() {
            Ok(pair) => pair,
            Err(e) => fatal(&format!("cannot create the wake-up socket: {e}")),
        };
        if let Err(e) = wake_rx
            .set_nonblocking(true)
            .and_then(|()| wake_tx.set_nonblocking(true))
        {
            fatal(&format!("cannot set up the wake-up socket: {e}"));
        }
        let documents = (self.config.workers / 2).max(1);
        let others = self.config.workers.saturating_sub(documents).max(1);
        let (documents_tx, documents_rx) = mpsc::sync_channel::<Job>(documents * QUEUED);
        let (others_tx, others_rx) = mpsc::sync_channel::<Job>(others * QUEUED);
        let pools = [
            (Mutex::new(documents_rx), documents),
            (Mutex::new(others_rx), others),
        ];
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        std::thread::scope(|scope| {
            for (jobs_rx, threads) in &pools {
                for _ in 0..*threads {
                    let done_tx = done_tx.clone();
                    let wake_tx = &wake_tx;
                    scope.spawn(move || work(archive, &self.policy, jobs_rx, &done_tx, wake_tx));
                }
            }
            let mut event_loop = EventLoop {
                server: self,
                conns: HashMap::new(),
                next_id: 0,
                pending: 0,
                documents: documents_tx,
                others: others_tx,
                paused_until: None,
                backoff: Duration::from_millis(10),
            };
            event_loop.run(&wake_rx, &done_rx)
        })
    }
}

/// A request head for a worker.
struct Job {
    conn: u64,
    head: Vec<u8>,
}

/// A worker's response bytes.
struct Done {
    conn: u64,
    bytes: Vec<u8>,
}

fn work(
    archive: &Archive,
    policy: &Policy,
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    wake: &UnixStream,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        let bytes = handle(archive, policy, &job.head);
        if done
            .send(Done {
                conn: job.conn,
                bytes,
            })
            .is_err()
        {
            return;
        }
        // A full wake-up buffer already holds a wake-up.
        let _ = (&*wake).write(&[1]);
    }
}

enum State {
    /// Receiving the request head (bytes so far).
    Reading(Vec<u8>),
    /// A worker has the request.
    Working,
    /// Sending the response.
    Writing { out: Vec<u8>, sent: usize },
    /// Response sent: reading what the client still sends until it closes.
    Draining { read: usize },
}

struct Conn {
    stream: TcpStream,
    state: State,
    accepted: Instant,
    /// End of the current phase; none while a worker has the request.
    deadline: Option<Instant>,
}

/// What a step leaves of a connection.
enum Step {
    Keep,
    Close,
}

struct EventLoop<'a> {
    server: &'a Server,
    conns: HashMap<u64, Conn>,
    next_id: u64,
    /// Response bytes held in `Writing` connections.
    pending: usize,
    /// The queue of the workers rendering whole documents.
    documents: SyncSender<Job>,
    /// The queue of the workers rendering every other page.
    others: SyncSender<Job>,
    /// `accept` paused after running out of file descriptors.
    paused_until: Option<Instant>,
    backoff: Duration,
}

impl EventLoop<'_> {
    fn run(&mut self, wake: &UnixStream, done: &Receiver<Done>) -> ! {
        let mut fds: Vec<libc::pollfd> = Vec::new();
        let mut ids: Vec<u64> = Vec::new();
        loop {
            let now = Instant::now();
            self.expire(now);
            if self.paused_until.is_some_and(|t| t <= now) {
                self.paused_until = None;
            }
            fds.clear();
            ids.clear();
            fds.push(pollfd(wake.as_raw_fd(), libc::POLLIN));
            let accepting = self.paused_until.is_none();
            if accepting {
                fds.push(pollfd(self.server.listener.as_raw_fd(), libc::POLLIN));
            }
            let first_conn = fds.len();
            for (&id, conn) in &self.conns {
                let events = match conn.state {
                    State::Reading(_) | State::Draining { .. } => libc::POLLIN,
                    State::Writing { .. } => libc::POLLOUT,
                    State::Working => continue,
                };
                fds.push(pollfd(conn.stream.as_raw_fd(), events));
                ids.push(id);
            }
            let wait = self
                .conns
                .values()
                .filter_map(|c| c.deadline)
                .chain(self.paused_until)
                .min()
                .map_or(MAX_BACKOFF, |t| t.saturating_duration_since(now))
                .min(MAX_BACKOFF);
            if let Err(e) = poll(&mut fds, wait) {
                log(format_args!("poll failed: {e}"));
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            if fds[0].revents != 0 {
                let mut sink = [0u8; 256];
                while matches!((&*wake).read(&mut sink), Ok(n) if n > 0) {}
            }
            while let Ok(d) = done.try_recv() {
                self.finish(d.conn, d.bytes);
            }
            for (i, &id) in ids.iter().enumerate() {
                if fds[first_conn + i].revents == 0 {
                    continue;
                }
                if let Some(mut conn) = self.conns.remove(&id) {
                    if let Step::Keep = self.step(id, &mut conn) {
                        self.conns.insert(id, conn);
                    }
                }
            }
            if accepting && fds[1].revents != 0 {
                self.accept();
            }
        }
    }

    /// Closes connections past their deadline (slow or idle clients).
    fn expire(&mut self, now: Instant) {
        let pending = &mut self.pending;
        self.conns.retain(|_, c| {
            let alive = c.deadline.is_none_or(|d| d > now);
            if !alive {
                if let State::Writing { out, .. } = &c.state {
                    *pending -= out.len();
                }
            }
            alive
        });
    }

    fn accept(&mut self) {
        loop {
            match self.server.listener.accept() {
                Ok((stream, _)) => {
                    self.backoff = Duration::from_millis(10);
                    self.admit(stream);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if out_of_resources(&e) => {
                    log(format_args!(
                        "cannot accept ({e}); {} connections open, retrying in {} ms",
                        self.conns.len(),
                        self.backoff.as_millis()
                    ));
                    self.paused_until = Some(Instant::now() + self.backoff);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                    return;
                }
                // The client gave up before it was accepted, or a signal: try the next one.
                Err(_) => continue,
            }
        }
    }

    fn admit(&mut self, stream: TcpStream) {
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        if self.conns.len() >= self.server.capacity {
            // Make room by closing the oldest client still sending its request (or done).
            let oldest = self
                .conns
                .iter()
                .filter(|(_, c)| matches!(c.state, State::Reading(_) | State::Draining { .. }))
                .min_by_key(|(_, c)| c.accepted)
                .map(|(&id, _)| id);
            match oldest {
                Some(id) => {
                    self.conns.remove(&id);
                }
                None => {
                    let _ = (&stream).write(&error_bytes(503, "busy: try again"));
                    return;
                }
            }
        }
        let now = Instant::now();
        let id = self.next_id;
        self.next_id += 1;
        self.conns.insert(
            id,
            Conn {
                stream,
                state: State::Reading(Vec::new()),
                accepted: now,
                deadline: Some(now + self.server.config.timeout),
            },
        );
    }

    /// A worker's response for `id`, sent unless the client has gone or memory is short.
    fn finish(&mut self, id: u64, bytes: Vec<u8>) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let out = if self.pending + bytes.len() > MAX_PENDING {
            error_bytes(503, "busy: try again")
        } else {
            bytes
        };
        self.pending += out.len();
        conn.state = State::Writing { out, sent: 0 };
        conn.deadline = Some(Instant::now() + self.server.config.timeout);
    }

    /// Reads or writes what the socket allows without blocking.
    fn step(&mut self, id: u64, conn: &mut Conn) -> Step {
        match &mut conn.state {
            State::Reading(buf) => {
                let mut chunk = [0u8; 4096];
                loop {
                    match conn.stream.read(&mut chunk) {
                        Ok(0) => return Step::Close,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Keep,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(_) => return Step::Close,
                    }
                    if let Some(end) = head_end(buf) {
                        buf.truncate(end);
                        let head = std::mem::take(buf);
                        return self.dispatch(id, conn, head);
                    }
                    if buf.len() > MAX_HEAD {
                        let status = if buf.contains(&b'\n') { 431 } else { 414 };
                        self.reply_now(conn, error_bytes(status, "request too long"));
                        return Step::Keep;
                    }
                }
            }
            State::Working => Step::Keep,
            State::Draining { read } => {
                let mut chunk = [0u8; 4096];
                loop {
                    match conn.stream.read(&mut chunk) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            *read += n;
                            if *read > LINGER_BYTES {
                                return Step::Close;
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Keep,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(_) => return Step::Close,
                    }
                }
            }
            State::Writing { out, sent } => loop {
                match conn.stream.write(&out[*sent..]) {
                    Ok(0) => break self.close_writing(conn),
                    Ok(n) => {
                        *sent += n;
                        if *sent == out.len() {
                            let _ = conn.stream.shutdown(Shutdown::Write);
                            self.close_writing(conn);
                            conn.state = State::Draining { read: 0 };
                            conn.deadline = Some(Instant::now() + LINGER);
                            break Step::Keep;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break Step::Keep,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break self.close_writing(conn),
                }
            },
        }
    }

    fn close_writing(&mut self, conn: &Conn) -> Step {
        if let State::Writing { out, .. } = &conn.state {
            self.pending -= out.len();
        }
        Step::Close
    }

    /// Hands a complete head to a worker of its pool, or answers 503 when all of them are
    /// busy and their queue is full.
    fn dispatch(&mut self, id: u64, conn: &mut Conn, head: Vec<u8>) -> Step {
        let document = head
            .split(|&b| b == b' ')
            .nth(1)
            .and_then(|t| std::str::from_utf8(t).ok())
            .is_some_and(renders_document);
        let queue = if document {
            &self.documents
        } else {
            &self.others
        };
        match queue.try_send(Job { conn: id, head }) {
            Ok(()) => {
                conn.state = State::Working;
                conn.deadline = None;
            }
            Err(TrySendError::Full(_)) => {
                self.reply_now(conn, error_bytes(503, "busy: try again"));
            }
            Err(TrySendError::Disconnected(_)) => {
                self.reply_now(conn, error_bytes(500, "no worker left"));
            }
        }
        Step::Keep
    }

    fn reply_now(&mut self, conn: &mut Conn, out: Vec<u8>) {
        self.pending += out.len();
        conn.state = State::Writing { out, sent: 0 };
        conn.deadline = Some(Instant::now() + self.server.config.timeout);
    }
}

/// The response to one request head (request line and headers, blank line included or
/// not), as bytes to send. Never panics: a page that panics is answered 500.
pub fn handle(archive: &Archive, policy: &Policy, head: &[u8]) -> Vec<u8> {
    let request = match Request::parse(head) {
        Ok(request) => request,
        Err(status) => return error_bytes(status, "bad request"),
    };
    let head_only = request.method == Method::Head;
    let response = match check(policy, &request) {
        Err(response) => response,
        Ok(set_cookie) => {
            let page = catch_unwind(AssertUnwindSafe(|| respond(archive, request.target)));
            match page {
                Ok(page) if page.body.len() > policy.max_response => {
                    Response::plain(413, "the answer is too large: narrow the query")
                }
                Ok(page) => Response {
                    status: page.status,
                    content_type: page.content_type,
                    body: page.body,
                    extra: set_cookie.into_iter().collect(),
                },
                Err(_) => Response::plain(500, "the page failed"),
            }
        }
    };
    response.to_bytes(head_only)
}

/// Checks a parsed request against the policy; `Ok` carries a cookie to set.
fn check(policy: &Policy, request: &Request) -> Result<Option<String>, Response> {
    if request.target.len() > MAX_TARGET {
        return Err(Response::plain(414, "the address is too long"));
    }
    if request.method == Method::Other {
        let mut response = Response::plain(405, "only GET and HEAD are answered");
        response.extra.push("Allow: GET, HEAD".to_string());
        return Err(response);
    }
    if request.has_body {
        return Err(Response::plain(413, "requests carry no body"));
    }
    match request.host {
        Some(host) if policy.host_allowed(host) => {}
        _ => return Err(Response::plain(421, "unknown Host")),
    }
    if !request.target.starts_with('/') {
        return Err(Response::plain(400, "bad request target"));
    }
    let Some(token) = &policy.token else {
        return Ok(None);
    };
    let from_query = query_pairs(request.target)
        .into_iter()
        .any(|(k, v)| k == "token" && same(&v, token));
    if from_query {
        return Ok(Some(format!(
            "Set-Cookie: {TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        )));
    }
    if request.tokens.iter().any(|t| same(t, token)) {
        return Ok(None);
    }
    let mut response = Response::plain(401, "a token is required");
    response
        .extra
        .push("WWW-Authenticate: Bearer realm=\"vanban\"".to_string());
    Err(response)
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Other,
}

/// The parts of a request head that are used.
#[derive(Debug)]
struct Request<'a> {
    method: Method,
    target: &'a str,
    host: Option<&'a str>,
    /// Tokens offered in headers and the cookie.
    tokens: Vec<&'a str>,
    has_body: bool,
}

impl<'a> Request<'a> {
    /// Parses a request head; `Err` is the status to answer.
    fn parse(head: &'a [u8]) -> Result<Self, u16> {
        let text = std::str::from_utf8(head).map_err(|_| 400u16)?;
        let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let line = lines.next().ok_or(400u16)?;
        let mut parts = line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(400);
        };
        if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
            return Err(if version.starts_with("HTTP/") {
                505
            } else {
                400
            });
        }
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(400);
        }
        let method = match method {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            _ => Method::Other,
        };
        let mut request = Request {
            method,
            target,
            host: None,
            tokens: Vec::new(),
            has_body: false,
        };
        for line in lines.take_while(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').ok_or(400u16)?;
            if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
                return Err(400);
            }
            let value = value.trim();
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                "host" if request.host.is_some() => return Err(400),
                "host" => request.host = Some(value),
                "authorization" => request.tokens.extend(
                    value
                        .split_once(' ')
                        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                        .map(|(_, t)| t.trim()),
                ),
                "x-vanban-token" => request.tokens.push(value),
                "cookie" => request.tokens.extend(value.split(';').filter_map(|c| {
                    c.trim()
                        .strip_prefix(TOKEN_COOKIE)
                        .and_then(|v| v.strip_prefix('='))
                })),
                "content-length" => request.has_body |= value != "0",
                "transfer-encoding" => request.has_body = true,
                _ => {}
            }
        }
        Ok(request)
    }
}

/// A response before it is sent.
struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Whole header lines beside the common ones.
    extra: Vec<String>,
}

impl Response {
    fn plain(status: u16, message: &str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{status} {}: {message}\n", reason(status)).into_bytes(),
            extra: Vec::new(),
        }
    }

    fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{SECURITY_HEADERS}",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for line in &self.extra {
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// A whole plain-text error response.
fn error_bytes(status: u16, message: &str) -> Vec<u8> {
    Response::plain(status, message).to_bytes(false)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// Length of the head up to and including its blank line, once it has arrived.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| i + 2)
        .into_iter()
        .chain(buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4))
        .min()
}

/// Running out of descriptors or memory: worth a pause, not an exit.
fn out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

fn poll(fds: &mut [libc::pollfd], wait: Duration) -> io::Result<()> {
    let ms = wait.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `fds` is a live, exclusively borrowed slice of `fds.len()` pollfd values.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
        fds.iter_mut().for_each(|f| f.revents = 0);
    }
    Ok(())
}

/// Raises the soft open-files limit toward the hard one; returns the soft limit in force.
fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into a valid pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    let wanted = limit.rlim_max.min(65_536);
    if limit.rlim_cur < wanted {
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads one rlimit from a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return wanted;
        }
    }
    limit.rlim_cur
}

/// A line on stderr; a closed stderr must not stop the server (`eprintln!` would panic).
fn log(message: std::fmt::Arguments) {
    let _ = writeln!(io::stderr(), "vanban: {message}");
}

fn fatal(message: &str) -> ! {
    eprintln!("vanban: serve: {message}");
    std::process::exit(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(token: Option<&str>) -> Policy {
        Policy::new(
            "127.0.0.1:8080".parse().unwrap(),
            token.map(str::to_string),
            MAX_RESPONSE,
        )
    }

    #[test]
    fn host_names_the_bound_port_and_loopback() {
        let p = policy(None);
        for (host, ok) in [
            ("127.0.0.1:8080", true),
            ("localhost:8080", true),
            ("LOCALHOST:8080", true),
            ("[::1]:8080", true),
            ("127.0.0.1:8081", false),
            ("127.0.0.1", false),
            ("evil.example:8080", false),
            ("192.168.1.5:8080", false),
            (":8080", false),
            ("", false),
        ] {
            assert_eq!(p.host_allowed(host), ok, "{host}");
        }
        assert!(policy(Some("t")).host_allowed("archive.lan:8080"));
        assert!(!policy(Some("t")).host_allowed("archive.lan:9"));
    }

    #[test]
    fn heads_end_at_the_first_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nrest"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn parses_the_parts_that_matter() {
        let r = Request::parse(
            b"GET /?q=a HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer  abc \r\n\
              Cookie: x=1; vanban_token=def\r\nX-Vanban-Token: ghi\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.target, "/?q=a");
        assert_eq!(r.host, Some("h:1"));
        assert_eq!(r.tokens, ["abc", "def", "ghi"]);
        assert!(!r.has_body);
        for (head, status) in [
            (&b"GET /\r\n\r\n"[..], 400),
            (b"GET / HTTP/2.0\r\n\r\n", 505),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nBad header\r\n\r\n", 400),
            (b"G\xffT / HTTP/1.1\r\n\r\n", 400),
        ] {
            assert_eq!(Request::parse(head).unwrap_err(), status);
        }
        let post = Request::parse(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n").unwrap();
        assert_eq!((post.method, post.has_body), (Method::Other, true));
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
