//! Load test of `vanban serve` on loopback (issue 18): 1,000 idle connections and 50
//! clients that read their answers one byte at a time, while normal queries are timed.
//! Bounded: about 10 s, then every socket is closed and the server stopped.
//!
//! `cargo bench --bench serve` prints the query latencies; it fails when one takes 1 s or
//! more, or when the server exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vanban::archive::index::Archive;

const IDLE: usize = 1_000;
const SLOW_READERS: usize = 50;
const QUERIES: usize = 50;

/// Raises this process's open-files limit to fit the clients.
fn raise_fd_limit(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write one rlimit through valid pointers.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// A one-document index whose document page is about 1 MB.
fn index(dir: &std::path::Path) {
    let mut text =
        String::from("ỦY BAN NHÂN DÂN\nSố: 12/KH-UBND\n\nKẾ HOẠCH\nCải cách thủ tục hành chính\n");
    for i in 0..8_000 {
        text.push_str(&format!(
            "{i}. Sở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trong quý I.\n"
        ));
    }
    let archive = Archive::open_or_create(dir).expect("index folder");
    let doc = vanban::process_bytes(text.as_bytes(), "kh-12.txt", &vanban::Limits::default())
        .expect("the document");
    archive.add(&[doc]).expect("indexed");
}

fn query(addr: SocketAddr) -> Duration {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "GET /api/search?q=thu+tuc+hanh+chinh&limit=5 HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .expect("request");
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    assert!(
        reply.starts_with(b"HTTP/1.1 200 "),
        "{}",
        String::from_utf8_lossy(&reply[..reply.len().min(200)])
    );
    start.elapsed()
}

fn main() {
    // `cargo test --benches` runs benches once with --bench absent: nothing to test here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    raise_fd_limit(4 * (IDLE + SLOW_READERS) as u64);
    let dir = tempfile::tempdir().expect("temporary folder");
    index(dir.path());
    let mut server = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vanban serve");
    let mut stderr = BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("the address line");
    // Its later lines (accept errors, if any) go on to this stderr.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::stderr()));
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("vanban: serving http://")
        .and_then(|a| a.strip_suffix('/'))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));

    let started = Instant::now();
    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|_| TcpStream::connect(addr).expect("idle connection"))
        .collect();
    let page = format!("GET /doc/kh-12.txt?q=thu+tuc HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut slow: Vec<TcpStream> = (0..SLOW_READERS)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("slow reader");
            s.write_all(page.as_bytes()).expect("request");
            s.set_nonblocking(true).expect("nonblocking");
            s
        })
        .collect();
    println!(
        "serve: {IDLE} idle connections and {SLOW_READERS} slow readers open in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut latencies = Vec::new();
    let mut byte = [0u8; 1];
    for _ in 0..QUERIES {
        // The slow readers take one byte each between queries.
        for s in &mut slow {
            let _ = s.read(&mut byte);
        }
        latencies.push(query(addr));
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = server.try_wait().expect("server status").is_none();
    drop((idle, slow));
    let _ = server.kill();
    let _ = server.wait();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "serve: {QUERIES} queries under load: median {:.1} ms, max {:.1} ms; server alive: {alive}",
        ms(latencies[QUERIES / 2]),
        ms(latencies[QUERIES - 1]),
    );
    assert!(alive, "the server exited under load");
    assert!(
        latencies[QUERIES - 1] < Duration::from_secs(1),
        "a query took {:?}",
        latencies[QUERIES - 1]
    );
}
