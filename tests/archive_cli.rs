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
            let expected = docs
                .iter()
                .filter(|d| d.citations.iter().any(|x| x.id == c.id))
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
