//! The archive subcommands end to end through the `vanban` binary, on what `vanban extract`
//! makes of `fixtures/seeds` today (counts are compared with the JSON, not hard-coded).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::Connection;

fn vanban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args(args)
        .output()
        .expect("vanban runs")
}

fn ok(args: &[&str]) -> Output {
    let out = vanban(args);
    assert!(
        out.status.success(),
        "vanban {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn extract_seeds(out: &Path) -> Vec<vanban::Document> {
    let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    ok(&[
        "extract",
        seeds.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    vanban::archive::load(&[out.to_path_buf()]).documents
}

#[test]
fn export_index_and_search_the_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("json");
    let docs = extract_seeds(&json);
    assert_eq!(docs.len(), 5);
    let (json, db, csv, index) = (
        json.to_str().unwrap(),
        dir.path().join("a.db"),
        dir.path().join("csv"),
        dir.path().join("idx"),
    );

    // Export twice: the second run updates.
    for _ in 0..2 {
        let out = ok(&[
            "export",
            json,
            "--sqlite",
            db.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("5 documents exported"));
    }
    let conn = Connection::open(&db).unwrap();
    let rows = |table: &str| {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as usize
    };
    assert_eq!(rows("documents"), docs.len());
    assert_eq!(
        rows("tasks"),
        docs.iter().map(|d| d.tasks.len()).sum::<usize>()
    );
    assert_eq!(
        rows("citations"),
        docs.iter().map(|d| d.citations.len()).sum::<usize>()
    );
    for table in vanban::archive::sqlite::TABLES {
        assert!(csv.join(format!("{table}.csv")).exists(), "{table}.csv");
    }

    ok(&["index", json, "--index", index.to_str().unwrap()]);
    let out = ok(&[
        "search",
        "thu tuc hanh chinh",
        "--index",
        index.to_str().unwrap(),
        "--type",
        "document",
        "--json",
    ]);
    let results: vanban::archive::search::SearchResults =
        serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        results
            .hits
            .iter()
            .any(|h| h.document.path.contains("002_")),
        "{results:?}"
    );
    assert!(results.hits.iter().all(|h| h.kind == "document"));

    // Every citation id the pipeline found lists exactly the documents citing it.
    for doc in &docs {
        for c in &doc.citations {
            let out = ok(&[
                "search",
                "",
                "--index",
                index.to_str().unwrap(),
                "--type",
                "document",
                "--cites",
                &c.id,
                "--json",
            ]);
            let results: vanban::archive::search::SearchResults =
                serde_json::from_slice(&out.stdout).unwrap();
            // An id without a year ("130/NĐ-CP") names the number and code in any year.
            let cites = |id: &str| match c.id.split('/').collect::<Vec<_>>()[..] {
                [number, code] => {
                    let parts: Vec<&str> = id.split('/').collect();
                    parts.first() == Some(&number) && parts.last() == Some(&code)
                }
                _ => id == c.id,
            };
            let expected = docs
                .iter()
                .filter(|d| d.citations.iter().any(|x| cites(&x.id)))
                .count();
            assert_eq!(results.total, expected, "{}", c.id);
        }
    }
}

#[test]
fn bad_inputs_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.json"), "{").unwrap();
    let db = dir.path().join("a.db");
    let out = vanban(&[
        "export",
        dir.path().to_str().unwrap(),
        "--sqlite",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.json (not_a_document)"));

    let out = vanban(&["export", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "nothing to do");
    let out = vanban(&[
        "search",
        "x",
        "--index",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a vanban index"));
}

fn seed(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
        .unwrap_or_else(|| panic!("no seed {name}"));
    std::fs::read(path).unwrap()
}

/// `vanban extract --jsonl` of `paths` into `out`.
fn extract_jsonl(paths: &[&Path], out: &Path) {
    let mut args = vec!["extract", "--jsonl"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    std::fs::write(out, ok(&args).stdout).unwrap();
}

fn documents(db: &Path) -> Vec<(String, String)> {
    Connection::open(db)
        .unwrap()
        .prepare("SELECT path, sha256 FROM documents ORDER BY path")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn indexed(index: &Path) -> Vec<String> {
    let mut paths = vanban::archive::index::Archive::open(index)
        .unwrap()
        .document_paths()
        .unwrap();
    paths.sort();
    paths
}

/// Real seeds: two `bao-cao.txt` with the same content in two folders are two documents;
/// a corrected file re-extracted at its path stays one document (in SQLite and in the
/// index) with the new sha256; `--prune` drops a document whose file was deleted.
#[test]
fn documents_are_identified_by_path_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let (a, b, c) = (
        src.join("a/bao-cao.txt"),
        src.join("b/bao-cao.txt"),
        src.join("ke-hoach.txt"),
    );
    std::fs::create_dir_all(a.parent().unwrap()).unwrap();
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    std::fs::write(&a, seed("001_")).unwrap();
    std::fs::write(&b, seed("001_")).unwrap();
    std::fs::write(&c, seed("002_")).unwrap();
    let (db, index, first, second) = (
        dir.path().join("a.db"),
        dir.path().join("idx"),
        dir.path().join("first.jsonl"),
        dir.path().join("second.jsonl"),
    );
    let (db_s, index_s) = (db.to_str().unwrap(), index.to_str().unwrap());
    let sha = |p: &Path| vanban::output::sha256_hex(&std::fs::read(p).unwrap());
    let name = |p: &Path| p.to_str().unwrap().to_string();

    extract_jsonl(&[&a, &b, &c], &first);
    ok(&["export", first.to_str().unwrap(), "--sqlite", db_s]);
    ok(&["index", first.to_str().unwrap(), "--index", index_s]);
    let expected = vec![
        (name(&a), sha(&a)),
        (name(&b), sha(&b)),
        (name(&c), sha(&c)),
    ];
    assert_eq!(sha(&a), sha(&b));
    assert_eq!(documents(&db), expected);
    assert_eq!(indexed(&index), [name(&a), name(&b), name(&c)]);

    // Correct ke-hoach.txt (a line added) and re-extract it alone.
    let mut corrected = seed("002_");
    corrected.extend_from_slice("\nNơi nhận: Sở Nội vụ.\n".as_bytes());
    std::fs::write(&c, corrected).unwrap();
    assert_ne!(sha(&c), expected[2].1);
    extract_jsonl(&[&c], &second);
    let out = ok(&["export", second.to_str().unwrap(), "--sqlite", db_s]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 documents exported (0 new, 1 updated)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(&["index", second.to_str().unwrap(), "--index", index_s]);
    let expected = vec![
        (name(&a), sha(&a)),
        (name(&b), sha(&b)),
        (name(&c), sha(&c)),
    ];
    assert_eq!(documents(&db), expected);
    assert_eq!(indexed(&index), [name(&a), name(&b), name(&c)]);
    let stored = vanban::archive::index::Archive::open(&index)
        .unwrap()
        .document(&name(&c))
        .unwrap()
        .unwrap();
    assert_eq!(stored.source.sha256, sha(&c));

    // Delete one copy: --prune (with no new input) drops it from both.
    std::fs::remove_file(&b).unwrap();
    let out = ok(&["export", "--sqlite", db_s, "--prune"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("pruned {} (source file is gone)", name(&b))),
        "{stderr}"
    );
    let out = ok(&["index", "--index", index_s, "--prune"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 pruned"));
    assert_eq!(documents(&db), [expected[0].clone(), expected[2].clone()]);
    assert_eq!(indexed(&index), [name(&a), name(&c)]);
}

/// `--csv-bom` starts every CSV file with EF BB BF (Excel then reads UTF-8); without it
/// the header comes first.
#[test]
fn csv_bom_for_excel() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("json");
    extract_seeds(&json);
    let (with, without) = (dir.path().join("bom"), dir.path().join("plain"));
    for (csv, bom) in [(&with, true), (&without, false)] {
        let mut args = vec![
            "export",
            json.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ];
        if bom {
            args.push("--csv-bom");
        }
        ok(&args);
    }
    for table in vanban::archive::sqlite::TABLES {
        let bytes = std::fs::read(with.join(format!("{table}.csv"))).unwrap();
        assert_eq!(bytes[..3], [0xEF, 0xBB, 0xBF], "{table}");
        let plain = std::fs::read(without.join(format!("{table}.csv"))).unwrap();
        assert!(plain.starts_with(b"doc_id,"), "{table}");
        assert_eq!(
            bytes[3..],
            plain[..],
            "{table}: the same CSV after the mark"
        );
    }
}
