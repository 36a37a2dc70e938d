//! `serve` over real TCP on 127.0.0.1: limits, timeouts, headers, `Host` and token checks,
//! and a server that outlives hostile clients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vanban::archive::http::{Config, Server};
use vanban::archive::index::Archive;

const TEXT: &str = "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI\nSố: 12/KH-UBND\n\nKẾ HOẠCH\n\
                    Cải cách thủ tục hành chính năm 2024\n\n\
                    1. Sở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trong quý I năm 2024.\n";

fn archive() -> Archive {
    let archive = Archive::in_memory().unwrap();
    let doc =
        vanban::process_bytes(TEXT.as_bytes(), "kh-12.txt", &vanban::Limits::default()).unwrap();
    archive.add(&[doc]).unwrap();
    archive
}

/// Starts a server on a free loopback port; it runs until the test binary exits.
fn start(config: Config) -> SocketAddr {
    let server = Server::bind(Config {
        addr: "127.0.0.1:0".to_string(),
        ..config
    })
    .unwrap();
    let addr = server.local_addr();
    let archive = archive();
    std::thread::spawn(move || server.run(&archive));
    addr
}

fn quick() -> Config {
    Config {
        timeout: Duration::from_secs(1),
        ..Config::default()
    }
}

/// A response: status, headers (lower-case names) and body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes and reads the whole answer (the server closes every connection).
fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole response head");
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    Reply {
        status: status.parse().unwrap(),
        headers,
        body: body.to_string(),
    }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
}

#[test]
fn pages_carry_the_security_headers() {
    let addr = start(quick());
    let reply = get(addr, "/?q=thu+tuc");
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("kh-12.txt"), "{}", reply.body);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("connection", "close"),
        ("content-type", "text/html; charset=utf-8"),
    ] {
        assert_eq!(reply.header(name), Some(value), "{name}");
    }
    let csp = reply.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(
        reply.header("content-length").unwrap(),
        reply.body.len().to_string()
    );
    assert!(!reply.body.contains("<script"));
    let api = get(addr, "/api/search?q=thu+tuc");
    assert_eq!(api.status, 200);
    assert_eq!(api.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn head_is_answered_without_a_body_and_other_methods_get_405() {
    let addr = start(quick());
    let full = get(addr, "/");
    let head = raw(
        addr,
        format!("HEAD / HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    assert_eq!(
        head.header("content-length").unwrap(),
        full.body.len().to_string()
    );
    for method in ["POST", "DELETE", "PUT", "OPTIONS"] {
        let reply = raw(
            addr,
            format!("{method} /api/search?q=a HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
        );
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
    // A body is never read, so a request that sends one is refused.
    let with_body = raw(
        addr,
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 5\r\n\r\nhello").as_bytes(),
    );
    assert_eq!(with_body.status, 413);
}

#[test]
fn long_queries_get_414_and_large_answers_413() {
    let addr = start(quick());
    let long = format!("/?q={}", "thu+tuc+".repeat(300));
    assert_eq!(get(addr, &long).status, 414);
    // 4 MB of query string: the server stops reading at its head limit.
    let mut stream = TcpStream::connect(addr).unwrap();
    let huge = format!("GET /?q={} HTTP/1.1\r\n", "a".repeat(4 << 20));
    let _ = stream.write_all(huge.as_bytes());
    drop(stream);
    assert_eq!(get(addr, "/?q=thu+tuc").status, 200);

    let small = start(Config {
        max_response: 500,
        ..quick()
    });
    assert_eq!(get(small, "/?q=thu+tuc").status, 413);
}

#[test]
fn host_must_name_this_server() {
    let addr = start(quick());
    let port = addr.port();
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let reply = raw(
            addr,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
        );
        assert_eq!(reply.status, 200, "{host}");
    }
    // DNS rebinding: an attacker's name pointed at 127.0.0.1.
    for head in [
        format!("GET /api/document/kh-12.txt HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n"),
        "GET /api/document/kh-12.txt HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n".to_string(),
        "GET /api/document/kh-12.txt HTTP/1.1\r\n\r\n".to_string(),
    ] {
        let reply = raw(addr, head.as_bytes());
        assert_eq!(reply.status, 421, "{head}");
        assert!(!reply.body.contains("Sở Nội vụ"));
    }
}

#[test]
fn a_token_is_required_when_set() {
    let addr = start(Config {
        token: Some("s3cret-token".to_string()),
        ..quick()
    });
    let request = |extra: &str, target: &str| {
        raw(
            addr,
            format!(
                "GET {target} HTTP/1.1\r\nHost: archive.lan:{}\r\n{extra}\r\n",
                addr.port()
            )
            .as_bytes(),
        )
    };
    let refused = request("", "/api/document/kh-12.txt");
    assert_eq!(refused.status, 401);
    assert!(!refused.body.contains("Sở Nội vụ"));
    assert_eq!(request("Authorization: Bearer wrong\r\n", "/").status, 401);
    assert_eq!(request("", "/?token=s3cret-tokem").status, 401);
    assert_eq!(
        request("Authorization: Bearer s3cret-token\r\n", "/").status,
        200
    );
    assert_eq!(request("X-Vanban-Token: s3cret-token\r\n", "/").status, 200);
    let browser = request("", "/?token=s3cret-token");
    assert_eq!(browser.status, 200);
    let cookie = browser.header("set-cookie").unwrap();
    assert!(cookie.starts_with("vanban_token=s3cret-token;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert_eq!(
        request("Cookie: a=b; vanban_token=s3cret-token\r\n", "/").status,
        200
    );
}

#[test]
fn beyond_loopback_needs_a_token() {
    let open = Server::bind(Config {
        addr: "0.0.0.0:0".to_string(),
        ..Config::default()
    });
    let message = open.unwrap_err().to_string();
    assert!(message.contains("--token"), "{message}");
    let guarded = Server::bind(Config {
        addr: "0.0.0.0:0".to_string(),
        token: Some("t".to_string()),
        ..Config::default()
    });
    assert!(guarded.is_ok());
}

/// Asserts a normal query is answered within 1 s.
fn answered_promptly(addr: SocketAddr) {
    let start = Instant::now();
    let reply = get(addr, "/?q=thu+tuc");
    assert_eq!(reply.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn idle_slow_and_pipelining_clients_do_not_hold_others() {
    let addr = start(Config {
        workers: 2,
        ..Config::default()
    });
    // Idle connections, a client sending its head one byte at a time, a client that
    // never reads its (large) answers, and 50 pipelined requests.
    let idle: Vec<TcpStream> = (0..50).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET / HT").unwrap();
    let mut pipelined = TcpStream::connect(addr).unwrap();
    let one = format!("GET /?q=thu+tuc HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    pipelined.write_all(one.repeat(50).as_bytes()).unwrap();
    let non_readers: Vec<TcpStream> = (0..10)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(one.as_bytes()).unwrap();
            s
        })
        .collect();
    answered_promptly(addr);
    // The pipelining client gets one answer, then the connection closes.
    let mut answers = Vec::new();
    pipelined.read_to_end(&mut answers).unwrap();
    let text = String::from_utf8_lossy(&answers);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 1);
    drop((idle, non_readers));
}

#[test]
fn searches_do_not_wait_behind_document_pages() {
    let mut text = TEXT.to_string();
    for i in 2..8_000 {
        text.push_str(&format!(
            "{i}. Sở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trong quý I.\n"
        ));
    }
    let archive = Archive::in_memory().unwrap();
    let doc =
        vanban::process_bytes(text.as_bytes(), "kh-12.txt", &vanban::Limits::default()).unwrap();
    archive.add(&[doc]).unwrap();
    let server = Server::bind(Config {
        addr: "127.0.0.1:0".to_string(),
        workers: 2,
        ..Config::default()
    })
    .unwrap();
    let addr = server.local_addr();
    std::thread::spawn(move || server.run(&archive));
    // 16 requests for the whole document (a 1 MB page, about 0.25 s each): seconds of
    // work queued for the one thread rendering documents.
    let page = format!("GET /doc/kh-12.txt?q=thu+tuc HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let readers: Vec<TcpStream> = (0..16)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(page.as_bytes()).unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    answered_promptly(addr);
    drop(readers);
}

#[test]
fn clients_that_stall_are_closed_at_the_timeout() {
    let addr = start(quick());
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x").unwrap();
    let start = Instant::now();
    let mut rest = Vec::new();
    // Closed without an answer once its second is over.
    assert_eq!(slow.read_to_end(&mut rest).unwrap(), 0);
    assert!(start.elapsed() < Duration::from_secs(3));
    answered_promptly(addr);
}

#[test]
fn a_full_server_drops_its_oldest_idle_client_for_a_new_one() {
    let addr = start(Config {
        max_connections: 4,
        ..Config::default()
    });
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    answered_promptly(addr);
    drop(idle);
}

/// Index for the CLI server: one document, in `dir`.
fn index_in(dir: &Path) {
    let archive = Archive::open_or_create(dir).unwrap();
    let doc =
        vanban::process_bytes(TEXT.as_bytes(), "kh-12.txt", &vanban::Limits::default()).unwrap();
    archive.add(&[doc]).unwrap();
}

/// `vanban serve` under `ulimit -n FDS`; returns the child and its address.
fn serve_cli(index: &Path, fds: u32) -> (Child, SocketAddr) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {fds} && exec \"$0\" serve --index \"$1\" --addr 127.0.0.1:0"
        ))
        .arg(env!("CARGO_BIN_EXE_vanban"))
        .arg(index)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    // Keep reading so the server's stderr stays open.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let addr = line
        .trim()
        .strip_prefix("vanban: serving http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    (child, addr)
}

#[test]
fn more_connections_than_descriptors_never_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    index_in(dir.path());
    // The case: ~1,000 idle connections under a 1,024-descriptor limit made the
    // server exit with status 0. Here 400 under a limit of 256.
    let (mut child, addr) = serve_cli(dir.path(), 256);
    let idle: Vec<TcpStream> = (0..400)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    answered_promptly(addr);
    assert!(child.try_wait().unwrap().is_none(), "the server exited");
    drop(idle);
    answered_promptly(addr);
    child.kill().unwrap();
    child.wait().unwrap();
}
