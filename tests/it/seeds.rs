//! The five seed documents against their hand-checked expectations in
//! `fixtures/expected/NNN.json`, field by field, and their whole outputs against reviewed
//! snapshots (`fixtures/snapshots/`).

use crate::common;

use serde_json::{json, Value};

fn expected(stem: &str) -> Value {
    let path = common::root().join(format!("fixtures/expected/{stem}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn same(errors: &mut Vec<String>, what: String, a: &Value, e: &Value) {
    if a != e {
        errors.push(format!("{what}: got {a}, expected {e}"));
    }
}

/// Runs one seed and compares every expected field; all mismatches are reported at once.
fn check(stem: &str) {
    let doc = common::process(&common::seed(stem));
    let actual = common::to_value(&doc);
    common::assert_schema_valid(&actual);
    let exp = expected(stem);
    let mut errors: Vec<String> = Vec::new();
    for (key, e) in exp["metadata"].as_object().unwrap() {
        same(
            &mut errors,
            format!("metadata.{key}"),
            &actual["metadata"][key],
            e,
        );
    }
    for key in ["signer", "recipients"] {
        if let Some(e) = exp.get(key) {
            same(&mut errors, key.to_string(), &actual["metadata"][key], e);
        }
    }
    let table_tasks: Vec<&Value> = actual["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["table"].is_null())
        .collect();
    let exp_tasks = exp["table_tasks"].as_array().unwrap();
    same(
        &mut errors,
        "table task count".into(),
        &json!(table_tasks.len()),
        &json!(exp_tasks.len()),
    );
    for (i, (a, e)) in table_tasks.iter().zip(exp_tasks).enumerate() {
        for key in ["group", "number", "lead", "partners"] {
            same(&mut errors, format!("task {i} {key}"), &a[key], &e[key]);
        }
        // `relative` is compared where the expectation gives it.
        let deadline = a["deadline"].as_object().map(|d| {
            let mut v = json!({"kind": d["kind"], "start": d["start"], "end": d["end"]});
            if e["deadline"].get("relative").is_some() {
                v["relative"] = d["relative"].clone();
            }
            v
        });
        same(
            &mut errors,
            format!("task {i} deadline"),
            &deadline.unwrap_or(Value::Null),
            &e["deadline"],
        );
        if let Some(want) = e.get("deliverables") {
            let got: Vec<Value> = a["deliverables"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|d| {
                            let due = &d["deadline"];
                            json!({"output": d["output"], "kind": due["kind"], "end": due["end"]})
                        })
                        .collect()
                })
                .unwrap_or_default();
            same(
                &mut errors,
                format!("task {i} deliverables"),
                &json!(got),
                want,
            );
        }
    }
    let citations = actual["citations"].as_array().unwrap();
    let ids = |list: &[Value]| {
        list.iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    same(
        &mut errors,
        "citation ids".into(),
        &json!(ids(citations)),
        &json!(ids(exp["citations"].as_array().unwrap())),
    );
    for e in exp["citations"].as_array().unwrap() {
        let Some(a) = citations.iter().find(|c| c["id"] == e["id"]) else {
            continue;
        };
        for (key, value) in e.as_object().unwrap() {
            let got = if key == "mentions" {
                json!(a["mentions"].as_array().unwrap().len())
            } else {
                a[key].clone()
            };
            same(
                &mut errors,
                format!("citation {} {key}", e["id"]),
                &got,
                value,
            );
        }
    }
    for e in exp["figures"].as_array().unwrap() {
        let found = actual["figures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| e.as_object().unwrap().iter().all(|(k, v)| &f[k] == v));
        if !found {
            errors.push(format!("figure not found: {e}"));
        }
    }
    assert!(
        errors.is_empty(),
        "{stem}: {} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn seed_000_plan_with_appendix_table() {
    check("000");
}

#[test]
fn seed_001_markdown_plan_with_html_cells() {
    check("001");
}

#[test]
fn seed_002_decision_with_one_cell_per_line_table() {
    check("002");
}

#[test]
fn seed_003_web_report() {
    check("003");
}

#[test]
fn seed_004_ocr_scan_report() {
    check("004");
}

#[test]
fn own_number_is_not_a_citation() {
    let doc = common::process(&common::seed("002"));
    assert_eq!(doc.metadata.number.as_deref(), Some("4203/QĐ-UBND"));
    assert!(doc.citations.iter().all(|c| c.id != "4203/QĐ-UBND"));
}

#[test]
fn spans_point_at_what_they_name() {
    for stem in ["000", "001", "002", "003", "004"] {
        let doc = common::process(&common::seed(stem));
        let chars: Vec<char> = doc.text.chars().collect();
        let at = |s: [usize; 2]| chars[s[0]..s[1]].iter().collect::<String>();
        for f in &doc.figures {
            assert_eq!(at(f.span), f.text, "{stem}");
        }
        for c in &doc.citations {
            for m in &c.mentions {
                let number = c.number.as_deref().unwrap_or("Luật");
                assert!(
                    at(*m).contains(number),
                    "{stem}: {:?} not in {:?}",
                    number,
                    at(*m)
                );
            }
        }
        for t in &doc.tasks {
            assert!(
                at(t.span).contains(t.content.split_whitespace().next().unwrap_or("")),
                "{stem}"
            );
        }
    }
}

#[test]
fn ratio_and_percentage_are_linked() {
    let doc = common::process(&common::seed("003"));
    let f = doc
        .figures
        .iter()
        .find(|f| f.text.starts_with("46/61"))
        .unwrap();
    assert_eq!(
        (f.value, f.total, f.percent, f.consistent),
        (46.0, Some(61.0), Some(75.4), Some(true))
    );
    assert_eq!(f.unit.as_deref(), Some("TTHC"));
}

#[test]
fn body_tasks_carry_their_unit_and_section() {
    let doc = common::process(&common::seed("000"));
    let t = doc
        .tasks
        .iter()
        .find(|t| {
            t.table.is_none()
                && t.content
                    .starts_with("Chủ trì triển khai thực hiện đầy đủ 03 hoạt động")
        })
        .unwrap();
    assert_eq!(
        (t.lead.as_slice(), t.section.as_deref()),
        (&["Thanh tra Sở".to_string()][..], Some("2.2."))
    );
    let t = doc
        .tasks
        .iter()
        .find(|t| {
            t.content
                .starts_with("Văn phòng Sở có trách nhiệm là đầu mối")
        })
        .unwrap();
    assert_eq!(
        (t.lead.as_slice(), t.section.as_deref()),
        (&["Văn phòng Sở".to_string()][..], Some("2."))
    );
    let doc = common::process(&common::seed("002"));
    let t = doc
        .tasks
        .iter()
        .find(|t| {
            t.content
                .starts_with("Có trách nhiệm hướng dẫn, kiểm tra, đôn đốc")
        })
        .unwrap();
    assert_eq!(t.lead, ["Sở Nội vụ"]);
    let t = doc
        .tasks
        .iter()
        .find(|t| {
            t.content
                .starts_with("Tham mưu UBND tỉnh tăng cường các giải pháp")
        })
        .unwrap();
    assert_eq!(
        t.lead,
        [
            "Sở Kế hoạch và Đầu tư",
            "Sở Xây dựng",
            "Sở Tài nguyên và Môi trường",
            "Sở Giao thông Vận tải",
            "Ban Quản lý các Khu Công nghiệp"
        ]
    );
}

/// Every field of every seed's output against its reviewed snapshot in
/// `fixtures/snapshots/NNN.json`. A difference fails the test and writes the new output
/// beside it as `NNN.new.json`: review it (`diff` the two), then move it over the snapshot.
#[test]
fn snapshots() {
    let dir = common::root().join("fixtures/snapshots");
    let mut failures = Vec::new();
    for stem in ["000", "001", "002", "003", "004"] {
        let path = common::seed(stem);
        let mut actual = common::to_value(&common::process(&path));
        // The path is the caller's; the snapshot names the file alone.
        actual["source"]["path"] = json!(path.file_name().unwrap().to_string_lossy());
        let snapshot = dir.join(format!("{stem}.json"));
        let reviewed: Value = std::fs::read_to_string(&snapshot)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        let mut diffs = Vec::new();
        differences("", &reviewed, &actual, &mut diffs);
        if !diffs.is_empty() {
            let new = dir.join(format!("{stem}.new.json"));
            std::fs::write(&new, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
            let shown: Vec<&String> = diffs.iter().take(20).collect();
            failures.push(format!(
                "{stem}: {} differences, new output in {}:\n  {}",
                diffs.len(),
                new.display(),
                shown
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// JSON paths where `want` and `got` differ.
fn differences(at: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for key in w.keys().chain(g.keys().filter(|k| !w.contains_key(*k))) {
                let null = Value::Null;
                let (a, b) = (w.get(key).unwrap_or(&null), g.get(key).unwrap_or(&null));
                differences(&format!("{at}.{key}"), a, b, out);
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                differences(&format!("{at}[{i}]"), a, b, out);
            }
        }
        _ if want != got => {
            let short = |v: &Value| v.to_string().chars().take(120).collect::<String>();
            out.push(format!("{at}: {} → {}", short(want), short(got)));
        }
        _ => {}
    }
}
