//! Rebuilds the repair language model from a directory of clean text.
//!
//! ```text
//! vanban-train --out corpus/models --exclude corpus/models/heldout.list DIR...
//! ```
//! Reads every `.txt`/`.md` under each DIR (sorted, so output is reproducible),
//! skips files whose path ends with a line of the exclude list, and writes
//! `repair-lm.bin`, `code-parts.tsv` and `name-words.tsv` into `--out`. The OCR channel tables
//! come from `tools/ocr-channel/` instead; when they are in `--out`, it then writes
//! `ocr-readings.bin`, the candidates of frequent tokens computed with them.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use vanban::repair::train::{collect_files, train, write, write_readings, TrainConfig};
use vanban::repair::{CHANNEL_FILE, LEXICON_FILE, READINGS_FILE};

#[derive(Parser)]
#[command(about = "Train the vanban repair language model")]
struct Args {
    /// Output directory for the model files.
    #[arg(long, default_value = "corpus/models")]
    out: PathBuf,
    /// File listing held-out paths (one per line, e.g. `admin/x.txt`) never trained on (repeatable).
    #[arg(long)]
    exclude: Vec<PathBuf>,
    /// Drop words seen fewer times.
    #[arg(long, default_value_t = 2)]
    min_word: u32,
    /// Drop bigrams seen fewer times.
    #[arg(long, default_value_t = 2)]
    min_bigram: u32,
    /// Drop trigrams seen fewer times.
    #[arg(long, default_value_t = 2)]
    min_trigram: u32,
    /// `SUBSTRING=N`: files whose path contains SUBSTRING count N times (repeatable).
    #[arg(long)]
    boost: Vec<String>,
    /// Directories of clean text.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
}

fn main() {
    let a = Args::parse();
    let exclude: Vec<String> = a
        .exclude
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read exclude list"))
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|list| list.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let t0 = Instant::now();
    let files = collect_files(&a.dirs, &exclude);
    let boost = a
        .boost
        .iter()
        .map(|b| {
            let (s, n) = b.rsplit_once('=').expect("--boost SUBSTRING=N");
            (s.to_string(), n.parse().expect("--boost weight"))
        })
        .collect();
    let cfg = TrainConfig {
        min_word: a.min_word,
        min_bigram: a.min_bigram,
        min_trigram: a.min_trigram,
        boost,
    };
    let t = train(&files, &cfg);
    write(&t, &a.out).expect("write model");
    eprintln!(
        "{} files, {} tokens, {} words, {} bigrams, {} trigrams, {} code parts in {:.1}s",
        t.files,
        t.tokens,
        t.lm.words.len(),
        t.lm.bigrams.len(),
        t.lm.trigrams.len(),
        t.code_parts.len(),
        t0.elapsed().as_secs_f64()
    );
    if [CHANNEL_FILE, LEXICON_FILE]
        .iter()
        .all(|f| a.out.join(f).exists())
    {
        let t1 = Instant::now();
        let n = write_readings(&a.out).expect("write readings");
        eprintln!(
            "{READINGS_FILE}: candidates of {n} tokens in {:.1}s",
            t1.elapsed().as_secs_f64()
        );
    } else {
        eprintln!(
            "no {CHANNEL_FILE} and {LEXICON_FILE} in {}: {READINGS_FILE} not written",
            a.out.display()
        );
    }
}
