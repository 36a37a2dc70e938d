//! Document knowledge as data: header lines, citation sentences, dates, deadline cells, unit
//! lists and figures read from real documents (`tests/cases/*.json`, values checked by hand),
//! each file run by one test through `common::run_cases`.

use crate::common;

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value};
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
    expected: Map<String, Value>,
}

#[test]
fn headers() {
    common::run_cases("headers.json", |c: &HeaderCase| {
        let metadata = serde_json::to_value(segment::segment(&c.input).metadata).unwrap();
        matches(&c.name, &metadata, &c.expected)
    });
}

/// `Ok` when every field of `want` has its value in `got`; the fields not named are free.
fn matches(name: &str, got: &Value, want: &Map<String, Value>) -> Result<(), String> {
    let wrong: Vec<String> = want
        .iter()
        .filter(|(field, want)| got.get(field.as_str()).unwrap_or(&Value::Null) != *want)
        .map(|(field, want)| format!("  {field}: got {} want {want}", got[field.as_str()]))
        .collect();
    wrong
        .is_empty()
        .then_some(())
        .ok_or_else(|| format!("{name}:\n{}", wrong.join("\n")))
}

#[derive(Deserialize)]
struct CitationCase {
    name: String,
    input: String,
    /// Every citation id the sentence holds, no more.
    ids: Option<BTreeSet<String>>,
    /// Every citation in order; only the fields given are compared.
    citations: Option<Vec<Map<String, Value>>>,
}

#[test]
fn citations() {
    common::run_cases("citations.json", |c: &CitationCase| {
        let got = extract::extract(&c.input, &segment::segment(&c.input)).citations;
        if let Some(ids) = &c.ids {
            let got: BTreeSet<String> = got.iter().map(|c| c.id.clone()).collect();
            if &got != ids {
                return Err(format!(
                    "{}: {:?}\n  got {got:?}\n want {ids:?}",
                    c.name, c.input
                ));
            }
        }
        if let Some(want) = &c.citations {
            let ids: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
            if got.len() != want.len() {
                return Err(format!(
                    "{}: citations {ids:?}, want {}",
                    c.name,
                    want.len()
                ));
            }
            for (cite, want) in got.iter().zip(want) {
                matches(&c.name, &serde_json::to_value(cite).unwrap(), want)?;
            }
        }
        Ok(())
    });
}

#[derive(Deserialize)]
struct DeadlineCase {
    name: String,
    input: String,
    /// The plan's year and date of issue, when the cell is read against a plan.
    year: Option<i32>,
    issued: Option<String>,
    /// Fields of the deadline read; only those given are compared.
    expected: Option<Map<String, Value>>,
    /// Each output of the cell with its own deadline (`output`, `kind`, `end`).
    deliverables: Option<Vec<Map<String, Value>>>,
}

#[test]
fn deadlines() {
    common::run_cases("deadlines.json", |c: &DeadlineCase| {
        let plan = extract::Plan {
            year: c.year,
            issued: c.issued.as_deref(),
        };
        if let Some(want) = &c.expected {
            let got = serde_json::to_value(extract::parse_deadline_in(&c.input, plan)).unwrap();
            matches(&c.name, &got, want)?;
        }
        if let Some(want) = &c.deliverables {
            let got = extract::parse_deliverables(&c.input, plan);
            if got.len() != want.len() {
                return Err(format!(
                    "{}: {} deliverables, want {}",
                    c.name,
                    got.len(),
                    want.len()
                ));
            }
            for (d, want) in got.iter().zip(want) {
                let mut flat = serde_json::to_value(&d.deadline).unwrap();
                flat["output"] = serde_json::to_value(&d.output).unwrap();
                matches(&c.name, &flat, want)?;
            }
        }
        Ok(())
    });
}

#[derive(Deserialize)]
struct UnitsCase {
    name: String,
    input: String,
    units: Vec<String>,
}

#[test]
fn units() {
    common::run_cases("units.json", |c: &UnitsCase| {
        let got = extract::split_units(&c.input);
        (got == c.units).then_some(()).ok_or_else(|| {
            format!(
                "{}: {:?}\n  got {got:?}\n want {:?}",
                c.name, c.input, c.units
            )
        })
    });
}

#[derive(Deserialize)]
struct FiguresCase {
    name: String,
    input: String,
    /// The figures read, in order; only the fields given are compared.
    figures: Vec<Map<String, Value>>,
}

#[test]
fn figures() {
    common::run_cases("figures.json", |c: &FiguresCase| {
        let got = extract::extract(&c.input, &segment::segment(&c.input)).figures;
        if got.len() != c.figures.len() {
            let texts: Vec<&str> = got.iter().map(|f| f.text.as_str()).collect();
            return Err(format!(
                "{}: figures {texts:?}, want {}",
                c.name,
                c.figures.len()
            ));
        }
        for (f, want) in got.iter().zip(&c.figures) {
            matches(&c.name, &serde_json::to_value(f).unwrap(), want)?;
        }
        Ok(())
    });
}
