//! Document knowledge as data: header lines, citation sentences and dates read from real
//! documents (`tests/cases/*.json`, values checked by hand), run by one helper.

mod common;

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;
use vanban::{extract, segment, vn};

#[derive(Deserialize)]
struct DateCase {
    name: String,
    input: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; absent when no date may be read.
    iso: Option<String>,
    precision: Option<vn::Precision>,
}

#[test]
fn dates() {
    common::run_cases("dates.json", |c: &DateCase| {
        let got = vn::parse_date(&c.input).map(|(d, _)| (d.iso(), d.precision()));
        let want = c.iso.clone().zip(c.precision);
        (got == want)
            .then_some(())
            .ok_or_else(|| format!("{}: {:?}\n  got {got:?}\n want {want:?}", c.name, c.input))
    });
}

#[derive(Deserialize)]
struct HeaderCase {
    name: String,
    input: String,
    /// Fields of `metadata` as output; only those given are compared.
    expected: serde_json::Map<String, Value>,
}

#[test]
fn headers() {
    common::run_cases("headers.json", |c: &HeaderCase| {
        let metadata = serde_json::to_value(segment::segment(&c.input).metadata).unwrap();
        let wrong: Vec<String> = c
            .expected
            .iter()
            .filter(|(field, want)| metadata.get(field.as_str()).unwrap_or(&Value::Null) != *want)
            .map(|(field, want)| format!("  {field}: got {} want {want}", metadata[field.as_str()]))
            .collect();
        wrong
            .is_empty()
            .then_some(())
            .ok_or_else(|| format!("{}:\n{}", c.name, wrong.join("\n")))
    });
}

#[derive(Deserialize)]
struct CitationCase {
    name: String,
    input: String,
    /// Every citation id the sentence holds, no more.
    ids: BTreeSet<String>,
}

#[test]
fn citations() {
    common::run_cases("citations.json", |c: &CitationCase| {
        let seg = segment::segment(&c.input);
        let got: BTreeSet<String> = extract::extract(&c.input, &seg)
            .citations
            .into_iter()
            .map(|c| c.id)
            .collect();
        (got == c.ids).then_some(()).ok_or_else(|| {
            format!(
                "{}: {:?}\n  got {got:?}\n want {:?}",
                c.name, c.input, c.ids
            )
        })
    });
}
