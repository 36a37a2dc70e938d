//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed file whose name starts with `stem` ("000").
pub fn seed(stem: &str) -> PathBuf {
    let dir = root().join("fixtures/seeds");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(stem))
        .unwrap_or_else(|| panic!("no seed {stem} in {}", dir.display()))
}

/// Asserts that `doc` validates against schemas/document.schema.json.
pub fn assert_schema_valid(doc: &Value) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("schemas/document.schema.json")).unwrap(),
        )
        .unwrap();
        jsonschema::validator_for(&schema).expect("schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

pub fn to_value(doc: &vanban::Document) -> Value {
    serde_json::to_value(doc).unwrap()
}

pub fn process(path: &Path) -> vanban::Document {
    vanban::process_file(path, &vanban::Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs every case of `tests/cases/<file>` through `check` and fails with the list of
/// cases that did not hold.
pub fn run_cases<C: serde::de::DeserializeOwned>(
    file: &str,
    check: impl Fn(&C) -> Result<(), String>,
) {
    let path = root().join("tests/cases").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<C> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The binary under test, without the environment that would change its models or shards.
pub fn vanban() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vanban"));
    c.env_remove("VANBAN_MODELS")
        .env_remove("VANBAN_SHARD_COUNT");
    c
}

/// Runs `cmd` with `input` on its standard input and waits for its output.
pub fn with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
