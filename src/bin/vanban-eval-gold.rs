//! Scores vanban against hand-annotated gold files (`fixtures/gold/*/*.json`).
//!
//! ```text
//! vanban-eval-gold [--shared ../shared] [--verbose] GOLD_DIR...
//! ```
//! Each gold file names its source relative to `--shared` and gives number, type, date,
//! agency, title, signer, citations and, for signed PDFs, signatures. Prints per-field
//! accuracy (a null gold value is right only when vanban also gives none) and citation
//! precision, recall and F1 (micro-averaged over distinct ids per document).
//!
//! Comparisons: numbers by [`number_key`] (letters and digits; a hyphen the dump lost is
//! no error) and also exactly; agency, signer and title folded and with spaces squashed;
//! citation ids by [`number_key`], laws by folded name; signatures as a multiset of
//! (signer, time).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Deserialize;
use serde_json::Value;
use vanban::text::{fold, squash};
use vanban::vn::number_key;
use vanban::{process_file, Limits};

#[derive(Parser)]
struct Args {
    /// The folder gold sources are relative to.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"))]
    shared: PathBuf,
    /// Print every wrong value.
    #[arg(long)]
    verbose: bool,
    gold: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct Gold {
    source: String,
    number: Option<String>,
    #[serde(rename = "type")]
    doc_type: Option<String>,
    date: Option<String>,
    agency: Option<String>,
    title: Option<String>,
    signer: Option<String>,
    #[serde(default)]
    citations: Vec<String>,
    signatures: Option<Vec<GoldSignature>>,
}

#[derive(Deserialize)]
struct GoldSignature {
    signer: Option<String>,
    time: Option<String>,
}

const FIELDS: [&str; 8] = [
    "number",
    "number (exact)",
    "date",
    "type",
    "agency",
    "title",
    "signer",
    "signatures",
];

#[derive(Default)]
struct Tally {
    right: [usize; FIELDS.len()],
    seen: [usize; FIELDS.len()],
    cite_found: usize,
    cite_right: usize,
    cite_gold: usize,
}

fn main() {
    let args = Args::parse();
    for dir in &args.gold {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut tally = Tally::default();
        for file in &files {
            let gold: Gold = serde_json::from_slice(&std::fs::read(file).expect("gold file"))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            score(
                &args.shared.join(&gold.source),
                &gold,
                &mut tally,
                args.verbose,
            );
        }
        report(dir, files.len(), &tally);
    }
}

fn score(source: &Path, gold: &Gold, tally: &mut Tally, verbose: bool) {
    let doc = match process_file(source, &Limits::default()) {
        Ok(doc) => serde_json::to_value(doc).expect("documents serialize"),
        Err(e) => {
            println!("{}: {e}", source.display());
            Value::Null
        }
    };
    let md = &doc["metadata"];
    let got = |key: &str| md[key].as_str().map(str::to_string);
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut check =
        |field: usize, right: bool, want: &dyn std::fmt::Debug, have: &dyn std::fmt::Debug| {
            tally.seen[field] += 1;
            if right {
                tally.right[field] += 1;
            } else if verbose {
                println!("  {name}: {} want {want:?} got {have:?}", FIELDS[field]);
            }
        };
    let number = got("number");
    check(
        0,
        same(&gold.number, &number, number_key),
        &gold.number,
        &number,
    );
    check(1, gold.number == number, &gold.number, &number);
    let date = got("date");
    check(2, gold.date == date, &gold.date, &date);
    let doc_type = got("type");
    check(3, gold.doc_type == doc_type, &gold.doc_type, &doc_type);
    let agency = got("agency");
    check(
        4,
        same(&gold.agency, &agency, text_key),
        &gold.agency,
        &agency,
    );
    let title = got("title");
    check(5, same(&gold.title, &title, text_key), &gold.title, &title);
    let signer = md["signer"]["name"].as_str().map(str::to_string);
    check(
        6,
        same(&gold.signer, &signer, text_key),
        &gold.signer,
        &signer,
    );
    if let Some(want) = &gold.signatures {
        let key = |signer: Option<&str>, time: Option<&str>| {
            (signer.map(text_key), time.map(str::to_string))
        };
        let mut want: Vec<_> = want
            .iter()
            .map(|s| key(s.signer.as_deref(), s.time.as_deref()))
            .collect();
        let mut have: Vec<_> = doc["signatures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| key(s["signer"].as_str(), s["time"].as_str()))
                    .collect()
            })
            .unwrap_or_default();
        want.sort();
        have.sort();
        check(7, want == have, &want, &have);
    }

    let want: BTreeSet<String> = gold.citations.iter().map(|c| citation_key(c)).collect();
    let have: BTreeSet<String> = doc["citations"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["id"].as_str())
                .map(citation_key)
                .collect()
        })
        .unwrap_or_default();
    tally.cite_gold += want.len();
    tally.cite_found += have.len();
    tally.cite_right += want.intersection(&have).count();
    if verbose {
        for missed in want.difference(&have) {
            println!("  {name}: citation missed {missed}");
        }
        for extra in have.difference(&want) {
            println!("  {name}: citation extra {extra}");
        }
    }
}

fn same(want: &Option<String>, have: &Option<String>, key: fn(&str) -> String) -> bool {
    want.as_deref().map(key) == have.as_deref().map(key)
}

fn text_key(s: &str) -> String {
    squash(&fold(s).replace(['“', '”', '"', '.', ','], " ")).to_lowercase()
}

/// Numbered ids by their letters and digits; names (laws) folded.
fn citation_key(id: &str) -> String {
    if id.chars().any(|c| c.is_ascii_digit()) && !id.contains(' ') {
        number_key(id)
    } else {
        text_key(id)
    }
}

fn report(dir: &Path, docs: usize, t: &Tally) {
    println!("{} ({docs} documents)", dir.display());
    for (i, field) in FIELDS.iter().enumerate() {
        if t.seen[i] > 0 {
            println!(
                "  {field:<15} {:>3}/{:<3} {:.3}",
                t.right[i],
                t.seen[i],
                t.right[i] as f64 / t.seen[i] as f64
            );
        }
    }
    let p = t.cite_right as f64 / t.cite_found.max(1) as f64;
    let r = t.cite_right as f64 / t.cite_gold.max(1) as f64;
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!(
        "  citations       P {p:.3} R {r:.3} F1 {f1:.3} ({} right, {} found, {} gold)",
        t.cite_right, t.cite_found, t.cite_gold
    );
}
