//! The command line: output layout, ordering and the `text` subcommand.

use crate::common;

use common::vanban;

#[test]
fn extract_directory_writes_one_json_per_document() {
    let out = tempfile::tempdir().unwrap();
    let status = vanban()
        .arg("extract")
        .arg(common::root().join("fixtures/seeds"))
        .arg("-o")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "vanban-status.ndjson")
        .collect();
    names.sort();
    assert_eq!(names.len(), 5);
    // The input's name, extension kept: `000_….txt` → `000_….txt.json`.
    assert!(names.iter().all(|n| n.ends_with(".txt.json")));
    for name in names {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join(name)).unwrap()).unwrap();
        common::assert_schema_valid(&doc);
    }
}

#[test]
fn jsonl_is_in_path_order() {
    let out = vanban()
        .arg("extract")
        .arg(common::root().join("fixtures/seeds"))
        .arg("--jsonl")
        .output()
        .unwrap();
    let paths: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["source"]["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!((paths.len(), &paths), (5, &sorted));
}

#[test]
fn single_file_prints_json() {
    let out = vanban()
        .arg("extract")
        .arg(common::seed("002"))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metadata"]["number"], "4203/QĐ-UBND");
}

#[test]
fn text_keeps_one_line_per_input_line() {
    let seed = common::seed("001");
    let out = vanban().arg("text").arg(&seed).output().unwrap();
    let input = std::fs::read_to_string(&seed).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), input.lines().count());
    assert!(text.contains("KẾ HOẠCH") && !text.contains("**"));
}

#[test]
fn text_reads_stdin() {
    let out = common::with_stdin(
        vanban().arg("text"),
        "<b>Số:</b> 1&amp;2\n**KẾ HOẠCH**".as_bytes(),
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Số: 1&2\nKẾ HOẠCH\n"
    );
}
