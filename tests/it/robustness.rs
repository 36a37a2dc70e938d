//! Bad input yields error records or warnings, never a panic, a hang or a lost batch.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vanban::{process_bytes, Limits};

fn kind_of(bytes: &[u8]) -> String {
    match process_bytes(bytes, "input.txt", &Limits::default()) {
        Ok(_) => "ok".into(),
        Err(e) => e.kind().as_str().into(),
    }
}

#[test]
fn empty_and_blank_files_are_error_records() {
    assert_eq!(kind_of(b""), "empty");
    assert_eq!(kind_of(b"\n\n   \n"), "empty");
}

#[test]
fn binary_garbage_is_unsupported() {
    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(kind_of(&garbage), "unsupported");
}

#[test]
fn invalid_utf8_is_decoded_with_a_warning() {
    let mut bytes = "Kế hoạch số 1/KH-UBND ".repeat(200).into_bytes();
    bytes.extend([0xff, 0xfe, 0xc3]);
    let doc = process_bytes(&bytes, "bad.txt", &Limits::default()).unwrap();
    assert!(
        doc.warnings.iter().any(|w| w.contains("invalid UTF-8")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn fifty_megabyte_single_line_is_cut_not_hung() {
    let line = "Nghị định số 61/2018/NĐ-CP ".repeat(50 * 1024 * 1024 / 30);
    let doc = process_bytes(line.as_bytes(), "long.txt", &Limits::default()).unwrap();
    assert!(doc.warnings.iter().any(|w| w.contains("cut to")));
    assert!(doc.text.chars().count() <= Limits::default().max_line_chars);
    assert_eq!(doc.citations[0].id, "61/2018/NĐ-CP");
}

#[test]
fn oversized_input_is_refused_by_limit() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let err = process_bytes(b"Ke hoach so 1", "x.txt", &limits).unwrap_err();
    assert_eq!(err.kind().as_str(), "too_large");
}

#[test]
fn batch_goes_on_past_unreadable_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(common::seed("003"), dir.path().join("a_good.txt")).unwrap();
    std::fs::write(dir.path().join("b_empty.txt"), b"").unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", dir.path().join("c_dangling.txt")).unwrap();
    std::fs::write(dir.path().join("d_binary.txt"), vec![0u8; 4096]).unwrap();
    std::fs::write(dir.path().join("e_model.bin"), vec![0u8; 16]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .arg("extract")
        .arg(dir.path())
        .arg("--jsonl")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "non-zero when a document failed"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[0]["citations"].as_array().unwrap().len() > 10,
        "the good document is converted"
    );
    let kinds: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["error"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["empty", "io", "unsupported"]);
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.contains("4 documents: 1 converted, 0 already current, 3 failed"),
        "{summary}"
    );
    // Each failure is named with its reason, the OS error kept.
    assert!(
        summary.contains("c_dangling.txt: cannot read: No such file or directory"),
        "{summary}"
    );
}

#[test]
fn pdf_parse_stopped_at_the_time_limit_is_a_timeout() {
    let bytes = std::fs::read(common::root().join("fixtures/pdf/native_table.pdf")).unwrap();
    let limits = Limits {
        parse_timeout: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let err = process_bytes(&bytes, "native_table.pdf", &limits).unwrap_err();
    assert_eq!(err.kind().as_str(), "timeout");
    assert_eq!(
        err.to_string(),
        "unreadable PDF: parse timed out after 0 s (time limit)"
    );
}

// ------------------------------------------------ hostile inputs (issue 18), one per row

/// Runs `vanban` with `args`, stdin from `stdin`, and fails if it has not ended within
/// `secs` seconds (a hang); stdout and stderr go through files, so a long output cannot
/// block it.
fn run_within(args: &[&std::ffi::OsStr], stdin: Stdio, secs: u64) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args(args)
        .env_remove("VANBAN_SHARD_COUNT")
        .stdin(stdin)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("vanban {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (status.code(), read(&out), read(&err))
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// `extract ROOT --jsonl -v`: the paths of the records, in order, and what was said on stderr.
fn walk_verbose(root: &Path) -> (Vec<String>, String) {
    let (code, out, err) = run_within(
        &[os("extract"), root.as_os_str(), os("--jsonl"), os("-v")],
        Stdio::null(),
        60,
    );
    assert_eq!(code, Some(0), "{err}");
    (records(&out).into_iter().map(|r| r.0).collect(), err)
}

/// `(path, error kind)` of each JSON line (`ok` for a converted document).
fn records(jsonl: &str) -> Vec<(String, String)> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            match v["error"]["kind"].as_str() {
                Some(kind) => (v["path"].as_str().unwrap().to_string(), kind.to_string()),
                None => (
                    v["source"]["path"].as_str().unwrap().to_string(),
                    "ok".into(),
                ),
            }
        })
        .collect()
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_folder_with_two_links_to_itself_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(common::seed("000"), root.join("a.txt")).unwrap();
    std::fs::copy(common::seed("000"), root.join("sub/b.txt")).unwrap();
    std::os::unix::fs::symlink(".", root.join("loop1")).unwrap();
    std::os::unix::fs::symlink(".", root.join("loop2")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
    // A link to a folder walked anyway: its files keep their real names.
    std::os::unix::fs::symlink("sub", root.join("also-sub")).unwrap();
    let (paths, err) = walk_verbose(&root);
    let shown = |f: &str| root.join(f).to_string_lossy().into_owned();
    assert_eq!(paths, [shown("a.txt"), shown("sub/b.txt")]);
    assert_eq!(
        err.matches("(link to a folder already walked)").count(),
        4,
        "{err}"
    );
}

#[test]
fn fifos_and_devices_are_error_records_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy(common::seed("000"), root.join("a.txt")).unwrap();
    mkfifo(&root.join("b.txt"));
    std::os::unix::fs::symlink("/dev/zero", root.join("c.txt")).unwrap();
    // In a folder.
    let (code, out, err) = run_within(
        &[os("extract"), root.as_os_str(), os("--jsonl")],
        Stdio::null(),
        60,
    );
    assert_eq!(code, Some(1), "{err}");
    let kinds: Vec<String> = records(&out).into_iter().map(|r| r.1).collect();
    assert_eq!(kinds, ["ok", "unsupported", "unsupported"]);
    assert!(err.contains("b.txt: not a regular file: a FIFO"), "{err}");
    assert!(err.contains("c.txt: not a regular file: a device"), "{err}");
    // Named on the command line, into an output folder with its status log.
    let fifo = root.join("b.txt");
    let tree = dir.path().join("out");
    let (code, _, err) = run_within(
        &[os("extract"), fifo.as_os_str(), os("-o"), tree.as_os_str()],
        Stdio::null(),
        60,
    );
    assert_eq!(code, Some(1), "{err}");
    let log = std::fs::read_to_string(tree.join("vanban-status.ndjson")).unwrap();
    assert!(
        log.contains(r#""status":"failed","error":"unsupported""#),
        "{log}"
    );
    let record = std::fs::read_to_string(tree.join("b.txt.json")).unwrap();
    assert!(record.contains("not a regular file: a FIFO"), "{record}");
}

#[test]
fn dev_zero_is_refused_within_max_bytes() {
    // As a file: a device, not read.
    let (code, out, _) = run_within(
        &[
            os("extract"),
            os("/dev/zero"),
            os("--jsonl"),
            os("--max-bytes"),
            os("1000"),
        ],
        Stdio::null(),
        60,
    );
    assert_eq!(code, Some(1));
    assert_eq!(records(&out), [("/dev/zero".into(), "unsupported".into())]);
    // As stdin: read up to the limit, not to the end of memory.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let (code, out, _) = run_within(
        &[
            os("extract"),
            os("-"),
            os("--jsonl"),
            os("--max-bytes"),
            os("1000"),
        ],
        zero.into(),
        60,
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains(r#""kind":"too_large","message":"input goes on past the 1000-byte limit""#),
        "{out}"
    );
    // A regular file whose size says 0: the limit holds while reading.
    let maps = Path::new("/proc/self/maps");
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let err = vanban::read_file(maps, &limits).unwrap_err();
    assert_eq!(err.to_string(), "input goes on past the 100-byte limit");
}

#[test]
fn an_overlong_name_is_shortened_and_later_documents_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir(&root).unwrap();
    let long = format!("{}.txt", "k".repeat(247));
    assert_eq!(long.len(), 251);
    for name in ["a.txt", long.as_str(), "z.txt"] {
        std::fs::copy(common::seed("000"), root.join(name)).unwrap();
    }
    let tree = dir.path().join("out");
    let args = [os("extract"), root.as_os_str(), os("-o"), tree.as_os_str()];
    let (code, _, err) = run_within(&args, Stdio::null(), 120);
    assert_eq!(code, Some(0), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let short = format!(
        "{}~{}.txt.json",
        "k".repeat(237),
        &sha256(long.as_bytes())[..8]
    );
    assert_eq!(
        names,
        [
            "a.txt.json",
            short.as_str(),
            "vanban-status.ndjson",
            "z.txt.json"
        ]
    );
    // The same name again on a rerun: found current.
    let (code, _, err) = run_within(&args, Stdio::null(), 120);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("3 documents: 0 converted, 3 already current"),
        "{err}"
    );
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fixture of tests/regressions/hostile (tools/hostile/gen.py makes them).
fn hostile(name: &str) -> vanban::Document {
    let path = common::root().join("tests/regressions/hostile").join(name);
    let bytes = std::fs::read(&path).unwrap();
    process_bytes(&bytes, name, &Limits::default()).unwrap()
}

fn seed_000() -> vanban::Document {
    let bytes = std::fs::read(common::seed("000")).unwrap();
    process_bytes(&bytes, "seed.txt", &Limits::default()).unwrap()
}

#[test]
fn scattered_bad_bytes_are_replaced_not_read_as_windows_1258() {
    let doc = hostile("bad_bytes.txt");
    let seed = seed_000();
    assert_eq!(doc.quality.encoding, "utf-8");
    assert!(
        doc.warnings
            .contains(&"121 invalid UTF-8 sequences replaced".to_string()),
        "{:?}",
        doc.warnings
    );
    assert_eq!(doc.text.matches('\u{fffd}').count(), 121);
    // A U+FFFD in the middle of a task can split it in two.
    assert!(
        doc.tasks.len().abs_diff(seed.tasks.len()) <= 1,
        "{} tasks, {} in the seed",
        doc.tasks.len(),
        seed.tasks.len()
    );
    assert_eq!(doc.metadata.number, seed.metadata.number);
}

#[test]
fn nul_bytes_are_removed_with_a_warning() {
    let (doc, seed) = (hostile("nul_bytes.txt"), seed_000());
    assert!(!doc.text.contains('\0'));
    assert!(
        doc.warnings
            .contains(&"169 control characters (NUL and others) removed".to_string()),
        "{:?}",
        doc.warnings
    );
    // Without them, the document the seed is.
    assert_eq!(doc.text, seed.text);
    assert_eq!(
        serde_json::to_value(&doc.tasks).unwrap(),
        serde_json::to_value(&seed.tasks).unwrap()
    );
    assert_eq!(doc.metadata.number, seed.metadata.number);
}

#[test]
fn a_text_mentioning_body_stays_text() {
    let doc = hostile("mentions_body.txt");
    let seed = seed_000();
    assert_eq!(doc.source.format.as_str(), "text");
    assert_eq!(doc.text.lines().count(), seed.text.lines().count() + 1);
    assert_eq!(doc.tasks.len(), seed.tasks.len());
}

#[test]
fn a_document_inside_pre_keeps_its_lines() {
    let doc = hostile("pre.html");
    let seed = seed_000();
    assert_eq!(doc.source.format.as_str(), "html");
    assert_eq!(doc.metadata.number, seed.metadata.number);
    assert_eq!(doc.tasks.len(), seed.tasks.len());
}

#[test]
fn markup_is_flattened_before_the_line_limit() {
    let seed = std::fs::read_to_string(common::seed("000")).unwrap();
    // The tags on the line of the document's number, its first line.
    let body: Vec<String> = seed
        .trim_start()
        .lines()
        .map(|l| l.replace('<', "&lt;"))
        .collect();
    let page = |tags: &str| {
        format!(
            "<!DOCTYPE html><html><body><div>{tags}{}</div></body></html>",
            body.join("<br>")
        )
    };
    let limits = Limits::default();
    let plain = process_bytes(page("").as_bytes(), "plain.html", &limits).unwrap();
    let tagged = page(&"<span>".repeat(100_000));
    let doc = process_bytes(tagged.as_bytes(), "tags.html", &limits).unwrap();
    assert!(
        !doc.warnings.iter().any(|w| w.contains("cut to")),
        "{:?}",
        doc.warnings
    );
    // The last paragraph (the lines after it are page chrome, removed).
    let last = seed.lines().rev().find(|l| l.len() > 80).unwrap();
    assert!(doc.text.contains(last.trim()), "{last}");
    assert_eq!(doc.metadata.number.as_deref(), Some("73/KH-SKHCN"));
    assert_eq!(doc.text, plain.text);
    assert_eq!(doc.tasks.len(), plain.tasks.len());
}

#[test]
fn csv_lines_end_in_crlf_and_formulas_are_neutralised() {
    use vanban::archive::{csv, sqlite};
    let bytes = std::fs::read(common::seed("000")).unwrap();
    let name = "=HYPERLINK(\"http://x\",\"y\").txt";
    let doc = process_bytes(&bytes, name, &Limits::default()).unwrap();
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    sqlite::export(&mut conn, [&doc]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    csv::export(&conn, dir.path(), csv::Bom::None).unwrap();
    let documents = std::fs::read(dir.path().join("documents.csv")).unwrap();
    let header_end = documents.iter().position(|&b| b == b'\n').unwrap();
    assert_eq!(documents[header_end - 1], b'\r');
    assert!(documents.ends_with(b"\r\n"));
    let mut reader = ::csv::Reader::from_reader(&documents[..]);
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "path")
        .unwrap();
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column], "'=HYPERLINK(\"http://x\",\"y\").txt");
    // SQLite (and JSON) keep the raw value.
    let raw: String = conn
        .query_row("SELECT path FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw, name);
}

/// The names in `dir` starting with `prefix`, sorted.
fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_jsonl_writer_leaves_a_temporary_the_next_run_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.jsonl");
    // Waiting on a stdin that never ends, the writer has made its temporary file.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args([
            os("extract"),
            os("-"),
            os("--jsonl"),
            os("-o"),
            file.as_os_str(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let killed = format!(".vanban-tmp-jsonl-{}-", child.id());
    let deadline = Instant::now() + Duration::from_secs(30);
    while names_starting(dir.path(), &killed).is_empty() {
        assert!(Instant::now() < deadline, "no temporary file");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(names_starting(dir.path(), &killed).len(), 1);
    // A live writer's file (this test's pid) is left alone.
    let live = dir
        .path()
        .join(format!(".vanban-tmp-jsonl-{}-abc123", std::process::id()));
    std::fs::write(&live, "").unwrap();
    let seed = common::seed("000");
    let args = [
        os("extract"),
        seed.as_os_str(),
        os("--jsonl"),
        os("-o"),
        file.as_os_str(),
    ];
    let (code, _, err) = run_within(&args, Stdio::null(), 60);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(records(&std::fs::read_to_string(&file).unwrap()).len(), 1);
    assert_eq!(
        names_starting(dir.path(), ".vanban-tmp-"),
        [live.file_name().unwrap().to_string_lossy()]
    );
}

#[test]
fn a_hard_linked_file_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(common::seed("000"), root.join("a.txt")).unwrap();
    std::fs::hard_link(root.join("a.txt"), root.join("sub/b.txt")).unwrap();
    std::fs::hard_link(root.join("a.txt"), root.join("c.txt")).unwrap();
    let (paths, err) = walk_verbose(&root);
    assert_eq!(paths, [root.join("a.txt").to_string_lossy()]);
    assert_eq!(
        err.matches("(link to a file already taken)").count(),
        2,
        "{err}"
    );
}
