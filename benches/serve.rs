//! Load test of `vanban serve` on loopback (issue 18): 1,000 idle connections and 50
//! clients that read their answers one byte at a time, while normal queries are timed.
//! Run twice: with the server's open-files limit raised, then with it at 1,024 (fewer than
//! the clients). Bounded: about 10 s a run, then every socket is closed and the server
//! stopped.
//!
//! `cargo bench --bench serve` prints the query latencies and the server's peak
//! descriptors and memory; it fails when a query takes 1 s or more, or the server exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vanban::archive::index::Archive;

const IDLE: usize = 1_000;
const SLOW_READERS: usize = 50;
const QUERIES: usize = 50;
/// The open-files limit of the second run, below the clients' count.
const SMALL_FD_LIMIT: u64 = 1024;

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

/// The server's open descriptors and resident memory, from /proc.
fn usage(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let rss_kb = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    (fds, rss_kb)
}

/// The server, killed when dropped (also when a check fails mid-run).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `vanban serve` on `index`, its open-files limit (soft and hard) set to `fds`
/// when given; returns the child and its address.
fn start(index: &std::path::Path, fds: Option<u64>) -> (Server, SocketAddr) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vanban"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(index)
        .stderr(Stdio::piped());
    if let Some(fds) = fds {
        // SAFETY: setrlimit is async-signal-safe and reads one rlimit through a valid pointer.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: fds,
                    rlim_max: fds,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                Ok(())
            });
        }
    }
    let mut server = Server(command.spawn().expect("vanban serve"));
    let mut stderr = BufReader::new(server.0.stderr.take().expect("stderr"));
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
    (server, addr)
}

/// One load run against a fresh server; panics when a query takes 1 s or more or the
/// server exits.
fn scenario(index: &std::path::Path, fds: Option<u64>) {
    let label = fds.map_or("open-files limit raised".to_string(), |n| {
        format!("open-files limit {n}")
    });
    let (mut server, addr) = start(index, fds);
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
        "serve ({label}): {IDLE} idle connections and {SLOW_READERS} slow readers open in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut latencies = Vec::new();
    let mut peak = (0, 0);
    let mut byte = [0u8; 1];
    for _ in 0..QUERIES {
        // The slow readers take one byte each between queries.
        for s in &mut slow {
            let _ = s.read(&mut byte);
        }
        latencies.push(query(addr));
        let (fds, rss) = usage(server.0.id());
        peak = (peak.0.max(fds), peak.1.max(rss));
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = server.0.try_wait().expect("server status").is_none();
    drop((idle, slow, server));
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "serve ({label}): {QUERIES} queries under load: median {:.1} ms, max {:.1} ms; \
         server alive: {alive}; peak {} descriptors, {:.0} MB resident",
        ms(latencies[QUERIES / 2]),
        ms(latencies[QUERIES - 1]),
        peak.0,
        peak.1 as f64 / 1024.0,
    );
    assert!(alive, "the server exited under load");
    assert!(
        latencies[QUERIES - 1] < Duration::from_secs(1),
        "a query took {:?}",
        latencies[QUERIES - 1]
    );
}

fn main() {
    // `cargo test --benches` runs benches once with --bench absent: nothing to test here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    raise_fd_limit(4 * (IDLE + SLOW_READERS) as u64);
    let dir = tempfile::tempdir().expect("temporary folder");
    index(dir.path());
    scenario(dir.path(), None);
    // The case: more clients than a 1,024-descriptor limit holds.
    scenario(dir.path(), Some(SMALL_FD_LIMIT));
}
