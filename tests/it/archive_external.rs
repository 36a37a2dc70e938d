//! The archive as outside tools see it: the Parquet export read by pyarrow and DuckDB (with
//! the documented SQL), the PySpark job in `local[2]` mode, and the Kubernetes Indexed Job
//! validated against the Kubernetes schema.
//!
//! They need Python packages and a Java runtime that `scripts/test.sh` installs (a venv in
//! `target/pyenv`, from `tools/spark/requirements.txt` and the pins there); when missing,
//! these tests fail saying so rather than skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::Value;
use vanban::archive::sqlite::{examples, TABLES};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let python = root().join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test.sh, which creates the venv with pyspark, pyarrow, \
         duckdb and kubernetes-validate",
        python.display()
    );
    python
}

fn vanban_bin() -> &'static str {
    env!("CARGO_BIN_EXE_vanban")
}

fn success(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a Python program with `args`; returns its stdout parsed as JSON.
fn python_json(program: &str, args: &[&str]) -> Value {
    let out = Command::new(python())
        .arg("-c")
        .arg(program)
        .args(args)
        .output()
        .expect("python runs");
    let out = success("python", out);
    serde_json::from_slice(&out.stdout).expect("python prints JSON")
}

/// Extracts the seeds and exports them to SQLite and Parquet.
fn export_seeds(dir: &Path) -> (PathBuf, PathBuf) {
    let (json, db, parquet) = (
        dir.join("json"),
        dir.join("archive.db"),
        dir.join("parquet"),
    );
    let seeds = root().join("fixtures/seeds");
    let run = |args: &[&str]| {
        success(
            &format!("vanban {args:?}"),
            Command::new(vanban_bin()).args(args).output().unwrap(),
        )
    };
    run(&[
        "extract",
        seeds.to_str().unwrap(),
        "-o",
        json.to_str().unwrap(),
    ]);
    let out = run(&[
        "export",
        json.to_str().unwrap(),
        "--sqlite",
        db.to_str().unwrap(),
        "--parquet",
        parquet.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("5 documents exported"));
    (db, parquet)
}

/// Rows of an SQLite query as JSON values (integers, floats, strings, null).
fn sqlite_rows(conn: &Connection, sql: &str) -> Value {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        let values = (0..n)
            .map(|i| match row.get_ref(i).unwrap() {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => v.into(),
                ValueRef::Real(v) => v.into(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                ValueRef::Blob(_) => panic!("no blobs in the archive"),
            })
            .collect();
        out.push(Value::Array(values));
    }
    Value::Array(out)
}

const READ_PARQUET: &str = r#"
import json, sys
import duckdb, pyarrow.parquet as pq
folder, tables, queries = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
out = {"tables": {}, "queries": []}
for t in tables:
    table = pq.read_table(f"{folder}/{t}.parquet")
    out["tables"][t] = {
        "rows": table.num_rows,
        "columns": {f.name: [str(f.type), f.nullable] for f in table.schema},
    }
db = duckdb.connect()
for t in tables:
    db.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder}/{t}.parquet')")
    out["tables"][t]["duckdb_rows"] = db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
for q in queries:
    out["queries"].append([list(r) for r in db.execute(q).fetchall()])
print(json.dumps(out, default=float))
"#;

/// pyarrow and DuckDB read every Parquet table with SQLite's row count and sensible types,
/// and the documented SQL gives DuckDB (over Parquet) the rows SQLite gives.
#[test]
fn parquet_is_read_by_pyarrow_and_duckdb() {
    let dir = tempfile::tempdir().unwrap();
    let (db, parquet) = export_seeds(dir.path());
    let queries = [
        examples::DEADLINE_QUARTER_SHARE,
        examples::MOST_CITED_DECREES,
    ];
    let mut args = vec![parquet.to_str().unwrap().to_string(), TABLES.join(",")];
    args.extend(queries.iter().map(|q| q.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let read = python_json(READ_PARQUET, &args);

    let conn = Connection::open(&db).unwrap();
    for table in TABLES {
        let rows: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        let t = &read["tables"][table];
        assert_eq!(t["rows"], rows, "pyarrow rows of {table}");
        assert_eq!(t["duckdb_rows"], rows, "DuckDB rows of {table}");
        let sqlite_columns: Vec<String> = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .unwrap()
            .column_names()
            .into_iter()
            .map(String::from)
            .collect();
        let parquet_columns: Vec<&String> = t["columns"].as_object().unwrap().keys().collect();
        let mut sorted = sqlite_columns.clone();
        sorted.sort();
        assert_eq!(
            parquet_columns,
            sorted.iter().collect::<Vec<_>>(),
            "{table}"
        );
    }
    assert!(read["tables"]["documents"]["rows"].as_i64().unwrap() == 5);
    // Types and nullability, checked by hand against the SQLite declarations.
    let column = |table: &str, name: &str| read["tables"][table]["columns"][name].clone();
    let expected: BTreeMap<(&str, &str), Value> = [
        (("documents", "doc_id"), serde_json::json!(["int64", false])),
        (
            ("documents", "sha256"),
            serde_json::json!(["string", false]),
        ),
        (("documents", "pages"), serde_json::json!(["int64", true])),
        (
            ("documents", "confidence"),
            serde_json::json!(["double", false]),
        ),
        (("documents", "date"), serde_json::json!(["string", true])),
        (("documents", "text"), serde_json::json!(["string", false])),
        (
            ("tasks", "deadline_quarter"),
            serde_json::json!(["int64", true]),
        ),
        (("figures", "value"), serde_json::json!(["double", false])),
        (("figures", "percent"), serde_json::json!(["double", true])),
        (
            ("citation_mentions", "span_end"),
            serde_json::json!(["int64", false]),
        ),
    ]
    .into_iter()
    .collect();
    for ((table, name), want) in expected {
        assert_eq!(column(table, name), want, "{table}.{name}");
    }

    for (query, found) in queries.iter().zip(read["queries"].as_array().unwrap()) {
        // The seeds give both queries several rows (5 decrees cited, 20+ lead agencies).
        assert!(found.as_array().unwrap().len() >= 5, "{found}");
        assert_eq!(found, &sqlite_rows(&conn, query), "{query}");
    }
}

/// The documentation shows the example queries exactly as tested.
#[test]
fn readme_shows_the_tested_queries() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for query in [
        examples::DEADLINE_QUARTER_SHARE,
        examples::MOST_CITED_DECREES,
    ] {
        assert!(readme.contains(query.trim()), "README.md lacks:\n{query}");
    }
}

/// The PySpark job in `local[2]` mode, 3 partitions, gives the records a single
/// `vanban extract --jsonl` gives on the same documents.
#[test]
fn spark_job_equals_a_single_run() {
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "no Java runtime: scripts/test.sh installs default-jre-headless for the Spark test"
    );
    let dir = tempfile::tempdir().unwrap();
    // The seeds and the PDFs with a text layer (scans would spend the time in OCR).
    let seeds = std::fs::read_dir(root().join("fixtures/seeds"))
        .unwrap()
        .map(|e| e.unwrap().path());
    let pdfs = ["native_table", "unruled_table", "tcvn3", "vni"]
        .iter()
        .map(|n| root().join(format!("fixtures/pdf/{n}.pdf")));
    let mut paths: Vec<PathBuf> = seeds.chain(pdfs).collect();
    paths.sort();
    assert_eq!(paths.len(), 9, "{paths:?}");
    let manifest = dir.path().join("manifest.txt");
    let lines: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(&manifest, format!("# seeds and PDFs\n{lines}\n")).unwrap();

    let single = success(
        "vanban extract --jsonl",
        Command::new(vanban_bin())
            .arg("extract")
            .arg("--jsonl")
            .args(&paths)
            .output()
            .unwrap(),
    );
    let expected: Vec<String> = String::from_utf8(single.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(expected.len(), paths.len());

    let output = dir.path().join("spark-out");
    let out = Command::new(python())
        .arg(root().join("tools/spark/vanban_spark.py"))
        .args([
            "--master",
            "local[2]",
            "--partitions",
            "3",
            "--vanban",
            vanban_bin(),
        ])
        .arg("--manifest")
        .arg(&manifest)
        .arg("--output")
        .arg(&output)
        .env("PYSPARK_PYTHON", python())
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .expect("python runs");
    success("vanban_spark.py", out);
    assert!(output.join("_SUCCESS").exists(), "the job committed");
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&output)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    parts.sort();
    assert_eq!(parts.len(), 3, "one file per partition");
    let found: Vec<String> = parts
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    // Partitions are contiguous slices of the manifest: even the order is the single run's.
    assert_eq!(found, expected);

    // A vanban whose extract takes `--manifest FILE` gets the partition's paths that way: a
    // stand-in script reads the file and runs the real binary (no Spark needed for this).
    let stub = dir.path().join("vanban-with-manifest");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nif [ \"$2\" = --help ]; then echo '  --manifest <FILE>'; exit 0; fi\n\
             [ \"$3\" = --manifest ] || exit 2\n\
             exec xargs -d '\\n' -a \"$4\" {} extract --jsonl --\n",
            vanban_bin()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let program = "import json, sys\n\
        sys.path.insert(0, sys.argv[1])\n\
        import vanban_spark as job\n\
        stub, paths = sys.argv[2], sys.argv[3:]\n\
        print(json.dumps([job.offers_manifest(stub), job.convert(paths, stub, '/', True)]))";
    let mut args = vec![
        root().join("tools/spark").display().to_string(),
        stub.display().to_string(),
    ];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        python_json(program, &args),
        serde_json::json!([true, expected])
    );
}

/// The Kubernetes Indexed Job validates against the Kubernetes schema (strict: no unknown
/// field), and a broken copy does not, so the check is not vacuous.
#[test]
fn kubernetes_job_validates() {
    let manifest = root().join("deploy/k8s/vanban-job.yaml");
    let validator = python().with_file_name("kubernetes-validate");
    let validate = |path: &Path| {
        Command::new(&validator)
            .args(["--strict", "--kubernetes-version", "1.30.0"])
            .arg(path)
            .output()
            .expect("kubernetes-validate runs")
    };
    success("kubernetes-validate", validate(&manifest));

    let text = std::fs::read_to_string(&manifest).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, text.replace("completions:", "completion:")).unwrap();
    assert!(
        !validate(&broken).status.success(),
        "a misspelt field fails"
    );

    // An Indexed Job whose shard count is its completions.
    let job = python_json(
        "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        &[manifest.to_str().unwrap()],
    );
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let completions = spec["completions"].as_i64().unwrap();
    assert!(spec["parallelism"].as_i64().unwrap() <= completions);
    let container = &spec["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "extract");
    let after = |flag: &str| args[args.iter().position(|a| *a == flag).unwrap() + 1];
    assert_eq!(after("--manifest"), "/data/manifest.txt");
    assert_eq!(
        after("--shard"),
        format!("$(JOB_COMPLETION_INDEX)/{completions}")
    );
    assert!(after("-o").starts_with("/out/"));
}
