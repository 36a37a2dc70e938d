//! Whole-archive batches through the command line: kills and reruns, shards, names,
//! resume, exit codes, and a binary that carries its models.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::vanban;

/// `n` small documents under `dir` in a few folders, cut from the committed seeds.
fn generate(dir: &Path, n: usize) {
    let seeds: Vec<Vec<String>> = ["000", "001", "002", "003", "004"]
        .iter()
        .map(|s| {
            std::fs::read_to_string(common::seed(s))
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        })
        .collect();
    for i in 0..n {
        let lines = &seeds[i % seeds.len()];
        let start = (i * 7) % (lines.len() - 10);
        let body = lines[start..start + 4 + i % 7].join("\n");
        let path = dir.join(format!("d{}/{i:03}.txt", i % 6));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("Số: {i}/KH-UBND\n{body}\n")).unwrap();
    }
}

/// Every file under `dir` by relative path; status logs without their timings.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(&p).unwrap();
            if rel.starts_with("vanban-status") {
                bytes = without_timings(&bytes);
            }
            out.insert(rel, bytes);
        }
    }
    out
}

fn without_timings(log: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in std::str::from_utf8(log).unwrap().lines() {
        let mut r: serde_json::Value = serde_json::from_str(line).unwrap();
        r.as_object_mut().unwrap().remove("seconds");
        out.extend(serde_json::to_vec(&r).unwrap());
        out.push(b'\n');
    }
    out
}

fn extract(input: &Path, out: &Path) -> Command {
    let mut c = vanban();
    c.arg("extract").arg(input).arg("-o").arg(out).arg("-q");
    c
}

/// Every visible output is a whole JSON document: temporary files are hidden and named
/// so that the next run sweeps them (never tempfile's bare `.tmpXXXX`).
fn assert_no_partial_file(out: &Path) {
    for (rel, bytes) in tree(out) {
        let name = rel.rsplit('/').next().unwrap();
        assert!(!name.starts_with(".tmp"), "{rel} would never be swept");
        if name.starts_with(".vanban-tmp-") || rel.starts_with("vanban-status") {
            continue;
        }
        assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "{rel} is not whole"
        );
    }
}

#[test]
fn killed_twenty_times_then_rerun_equals_one_run() {
    let input = tempfile::tempdir().unwrap();
    generate(input.path(), 300);
    let reference = tempfile::tempdir().unwrap();
    let started = Instant::now();
    assert!(extract(input.path(), reference.path())
        .status()
        .unwrap()
        .success());
    let full = started.elapsed();
    assert_eq!(tree(reference.path()).len(), 301);

    let out = tempfile::tempdir().unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..20 {
        // xorshift: kill points spread over a whole run, the same on every test run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let at = full.mul_f64((seed % 1000) as f64 / 1000.0);
        let mut child = extract(input.path(), out.path())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_no_partial_file(out.path());
    }
    let status = extract(input.path(), out.path()).status().unwrap();
    assert!(status.success());
    assert_eq!(tree(out.path()), tree(reference.path()));
}

#[test]
fn shards_together_equal_one_run() {
    let input = tempfile::tempdir().unwrap();
    generate(input.path(), 40);
    let whole = tempfile::tempdir().unwrap();
    assert!(extract(input.path(), whole.path())
        .status()
        .unwrap()
        .success());
    let sharded = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let status = extract(input.path(), sharded.path())
            .arg("--shard")
            .arg(format!("{i}/3"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let documents = |dir: &Path| {
        let mut t = tree(dir);
        t.retain(|rel, _| !rel.starts_with("vanban-status"));
        t
    };
    assert_eq!(documents(sharded.path()), documents(whole.path()));
    assert_eq!(documents(whole.path()).len(), 40);
    // Kubernetes Indexed Jobs: the index from the environment, the count from a flag.
    let k8s = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let status = extract(input.path(), k8s.path())
            .env("JOB_COMPLETION_INDEX", i.to_string())
            .env("VANBAN_SHARD_COUNT", "2")
            .status()
            .unwrap();
        assert!(status.success());
    }
    assert_eq!(documents(k8s.path()), documents(whole.path()));
    // A manifest gives the same documents when its paths are the walked ones.
    let manifest = input.path().join("list.txt");
    let mut lines: Vec<String> = (0..40).map(|i| format!("d{}/{i:03}.txt", i % 6)).collect();
    lines.reverse();
    std::fs::write(&manifest, lines.join("\n")).unwrap();
    let listed = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let status = vanban()
            .current_dir(input.path())
            .args(["extract", "-q", "--manifest", "list.txt", "--shard"])
            .arg(format!("{i}/2"))
            .arg("-o")
            .arg(listed.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let names = |dir: &Path| documents(dir).into_keys().collect::<Vec<_>>();
    assert_eq!(names(listed.path()), names(whole.path()));
}

#[test]
fn same_names_in_other_folders_or_cases_stay_apart() {
    let input = tempfile::tempdir().unwrap();
    for (f, n) in [
        ("x/bao-cao.txt", 1),
        ("y/bao-cao.txt", 2),
        ("a.txt", 3),
        ("a.TXT", 4),
    ] {
        let p = input.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("Số: {n}/BC-UBND\nBáo cáo")).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    assert!(extract(input.path(), out.path())
        .status()
        .unwrap()
        .success());
    let docs: Vec<String> = tree(out.path())
        .into_keys()
        .filter(|k| !k.starts_with("vanban-status"))
        .collect();
    assert_eq!(
        docs,
        [
            "a.TXT.json",
            "a.txt.json",
            "x/bao-cao.txt.json",
            "y/bao-cao.txt.json"
        ]
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("y/bao-cao.txt.json")).unwrap())
            .unwrap();
    assert_eq!(doc["metadata"]["number"], "2/BC-UBND");
    // The usual permissions: 0666 less the umask, not a temporary file's 0600.
    use std::os::unix::fs::PermissionsExt;
    let umask = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
        .unwrap();
    let mode = std::fs::metadata(out.path().join("a.txt.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o666 & !umask);
    // Files named one by one keep their folders below the one they share.
    let named = tempfile::tempdir().unwrap();
    let status = vanban()
        .arg("extract")
        .arg(input.path().join("x/bao-cao.txt"))
        .arg(input.path().join("y/bao-cao.txt"))
        .arg("-o")
        .arg(named.path())
        .status()
        .unwrap();
    assert!(status.success());
    for f in ["x/bao-cao.txt.json", "y/bao-cao.txt.json"] {
        assert!(named.path().join(f).is_file(), "{f}");
    }
}

fn stderr_of(c: &mut Command) -> (Option<i32>, String) {
    let out = c.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rerun_skips_current_documents_and_retries_failed_ones() {
    let input = tempfile::tempdir().unwrap();
    generate(input.path(), 6);
    let bad = input.path().join("bad.txt");
    std::fs::write(&bad, b"\x00\x01\x02\x03binary\x00\x00").unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = || {
        let mut c = vanban();
        c.arg("extract").arg(input.path()).arg("-o").arg(out.path());
        c
    };
    let (code, err) = stderr_of(&mut run());
    assert_eq!(code, Some(1));
    assert!(err.contains(&format!("{}: ", bad.display())), "{err}");
    assert!(
        err.contains("7 documents: 6 converted, 0 already current, 1 failed"),
        "{err}"
    );
    // Nothing changed: the failed one is retried, the others are current.
    let (_, err) = stderr_of(&mut run());
    assert!(
        err.contains("0 converted, 6 already current, 1 failed"),
        "{err}"
    );
    // A corrected file and a changed one are redone; --force redoes all.
    std::fs::write(&bad, "Số: 9/KH-UBND\nKế hoạch").unwrap();
    std::fs::write(input.path().join("d0/000.txt"), "Số: 10/KH-UBND\nKế hoạch").unwrap();
    let (code, err) = stderr_of(&mut run());
    assert_eq!(code, Some(0));
    assert!(
        err.contains("2 converted, 5 already current, 0 failed"),
        "{err}"
    );
    let (_, err) = stderr_of(run().arg("--force"));
    assert!(err.contains("7 converted, 0 already current"), "{err}");
    // A changed model version redoes everything: --no-repair is another model.
    let (_, err) = stderr_of(run().arg("--no-repair"));
    assert!(err.contains("7 converted, 0 already current"), "{err}");
    // So is another OCR mode.
    let (_, err) = stderr_of(run().args(["--no-repair", "--ocr", "never"]));
    assert!(err.contains("7 converted, 0 already current"), "{err}");
    let log = std::fs::read_to_string(out.path().join("vanban-status.ndjson")).unwrap();
    let records: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 7);
    assert_eq!(records[0]["path"], "bad.txt");
    assert_eq!(records[0]["status"], "ok");
    assert_eq!(records[0]["model"], "off");
    assert_eq!(records[0]["ocr"], "never");
}

#[test]
fn exit_codes_and_messages() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // Nothing to do: a wrong folder, a folder without documents.
    let (code, err) = stderr_of(
        vanban()
            .arg("extract")
            .arg("/nonexistent/vanban")
            .arg("--jsonl"),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("/nonexistent/vanban: No such file or directory"),
        "{err}"
    );
    std::fs::write(empty.path().join("notes.exe"), "x").unwrap();
    let (code, err) = stderr_of(vanban().arg("extract").arg(empty.path()).arg("--jsonl"));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no documents to convert (1 files skipped"),
        "{err}"
    );
    // A file that cannot be read is named with the OS reason.
    let (code, err) = stderr_of(
        vanban()
            .arg("extract")
            .arg(common::seed("003"))
            .arg(empty.path().join("gone.txt"))
            .arg("-o")
            .arg(out.path()),
    );
    assert_eq!((code, err.contains("gone.txt")), (Some(2), true), "{err}");
}

#[test]
fn stdin_jsonl_to_a_file_and_a_closed_pipe() {
    let out = common::with_stdin(
        vanban().args(["extract", "-", "--jsonl"]),
        "Số: 7/KH-UBND\nKế hoạch".as_bytes(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metadata"]["number"], "7/KH-UBND");
    assert_eq!(doc["source"]["path"], "-");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.jsonl");
    let seeds = common::root().join("fixtures/seeds");
    let status = vanban()
        .arg("extract")
        .arg(&seeds)
        .args(["--jsonl", "-q", "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 5);

    // `vanban … | head -c 1`: the reader leaves; vanban stops without a word.
    let mut child = vanban()
        .arg("extract")
        .arg(&seeds)
        .arg("--jsonl")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("os error"),
        "{err}"
    );
}

/// `binary` run with the source tree hidden under an empty tmpfs (a private mount
/// namespace), as on a machine that never had it; where namespaces are not allowed,
/// run as is (the source path then exists, but is not where models are looked up).
fn source_hidden(binary: &Path) -> Command {
    let allowed = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        return Command::new(binary);
    }
    let mut c = Command::new("unshare");
    c.args([
        "-m",
        "sh",
        "-c",
        "mount -t tmpfs none \"$0\" && exec \"$@\"",
    ])
    .arg(env!("CARGO_MANIFEST_DIR"))
    .arg(binary);
    c
}

#[test]
fn binary_alone_carries_its_models() {
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("vanban");
    std::fs::copy(env!("CARGO_BIN_EXE_vanban"), &alone).unwrap();
    let text = |cmd: &mut Command| {
        let mut child = cmd
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        // Without its model vanban stops before reading: the write may find no reader.
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(b"Cong tac cai cach hanh chinh nam 2023");
        child.wait_with_output().unwrap()
    };
    let out = text(
        source_hidden(&alone)
            .arg("text")
            .env_remove("VANBAN_MODELS"),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Công tác cải cách hành chính năm 2023\n"
    );
    // A model that cannot be loaded fails loudly, unless repair is off.
    let out = text(
        Command::new(&alone)
            .arg("text")
            .env("VANBAN_MODELS", dir.path()),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("repair model cannot be loaded") && err.contains("--no-repair"),
        "{err}"
    );
    let out = text(
        Command::new(&alone)
            .args(["text", "--no-repair"])
            .env("VANBAN_MODELS", dir.path()),
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Cong tac cai cach hanh chinh nam 2023\n"
    );
}
