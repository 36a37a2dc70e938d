//! Measures the repair stage on the held-out split (`corpus/models/heldout.list`).
//!
//! ```text
//! vanban-eval-repair [--corpora /work/shared/corpora] [--extracted /tmp/corp] [--seeds DIR]
//! ```
//! Reports syllable error rate (token edit distance / reference tokens) and CER for
//! 1. held-out admin docs with every mark stripped (đ→d too),
//! 2. the same docs rendered in a font the channel never saw, blurred and OCR'd by
//!    `tesseract -l eng` (committed under `tools/ocr-channel/eval/`), and by the
//!    French and German models, whose damage the channel never saw (`eval-fra/`,
//!    `eval-deu/`),
//! 3. clean held-out text (admin + extracted phapdien): share of tokens changed,
//! 4. seeds: tokens changed in 000–003, and seed 004 written to `docs/repair-seed004.txt`,
//! 5. real documents read by `tesseract -l vie` at 300, 150 and 110 dpi
//!    (`--tesseract`, `docNN.tesseract-RRR.txt` against `docNN.gt.txt`), whole
//!    documents before and after repair; `--docs` picks them (default the dev
//!    docs 18 and 19; 20 and 21 are the test split, scored once by the lead).
//!
//! 6. broken font maps (`--sets fonts`): the PDFs of `fixtures/brokenfonts/`
//!    (`tools/brokenfonts/gen.py`: ToUnicode stripped, scrambled, or Identity-H with no
//!    map) as `pdftotext` reads them and as vanban does (ingest, then repair), per font,
//!    the held-out font marked.
//! 7. general news with every mark stripped (`--sets news`): this project's own held-out
//!    slice of the general corpus (`tools/general/split.sh`), word accuracy by the
//!    metric of tienthanhdhcn/Vietnamese-Accent-Prediction ([`accent_accuracy`]), as
//!    written and lower-cased without digits (the form of that repository's test);
//! 8. that repository's `test.txt` (`--sets news-test`, never by default: a test split,
//!    scored once).
//!
//! 9. pages of the dev admin docs read by `tesseract -l vie` at 300, 150 and 110 dpi
//!    (`--sets tessvie-gen`, never by default: the pages are generated, not committed,
//!    by `tools/ocr-channel/gen.py vie-eval /tmp/tessvie-gen`).
//!
//! `--sets` runs only some of these (`--sets tesseract` takes seconds).
//!
//! References are tone-normalised ("hoà" = "hòa") so placement style is not an error.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use vanban::eval::{accent_accuracy, differences, in_reference_order, normalise, syllables, Score};
use vanban::repair::repair;
use vanban::text::fold_char;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "/work/shared/corpora")]
    corpora: PathBuf,
    /// Where phapdien.tar.xz was extracted (its held-out files are used for the clean test).
    #[arg(long, default_value = "/tmp/corp")]
    extracted: PathBuf,
    #[arg(long, default_value = "/work/shared/seeds")]
    seeds: PathBuf,
    /// The documents to score: the held-out test split, or `corpus/models/dev.list`
    /// (with a model trained without it) for tuning.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/models/heldout.list"))]
    split: PathBuf,
    /// Print every differing line of the stripped and OCR tests, and every
    /// differing token of the tesseract test.
    #[arg(long)]
    verbose: bool,
    /// The tests to run (by default all but `news-test`).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Set::DEFAULT.to_vec())]
    sets: Vec<Set>,
    /// The held-out news written by `tools/general/split.sh`.
    #[arg(long, default_value = "/tmp/general/heldout/news")]
    news: PathBuf,
    /// tienthanhdhcn's news test (`--sets news-test`).
    #[arg(
        long,
        default_value = "/work/shared/external/tienthanhdhcn-accent-test/test.txt"
    )]
    news_test: PathBuf,
    /// Real documents OCR'd by `tesseract -l vie` with their true text.
    #[arg(long, default_value = "/work/shared/external/vbhc-ocr-tesseract")]
    tesseract: PathBuf,
    /// Pages of the dev admin docs read by `tesseract -l vie` (`--sets tessvie-gen`,
    /// written by `tools/ocr-channel/gen.py vie-eval`).
    #[arg(long, default_value = "/tmp/tessvie-gen")]
    tessvie_gen: PathBuf,
    /// Which of them to score (`docNN`); the default is the dev split.
    #[arg(long, value_delimiter = ',', default_values_t = [18, 19])]
    docs: Vec<u32>,
}

/// The tests, in the order they run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Set {
    Stripped,
    Ocr,
    Clean,
    Seeds,
    Tesseract,
    TessvieGen,
    Fonts,
    News,
    NewsTest,
}

impl Set {
    const DEFAULT: [Set; 7] = [
        Set::Stripped,
        Set::Ocr,
        Set::Clean,
        Set::Seeds,
        Set::Tesseract,
        Set::Fonts,
        Set::News,
    ];
}

/// SER and CER of repair's output and of the raw OCR.
fn print_ser(label: &str, s: &Score, raw: &Score) {
    println!(
        "{label}: {} ref tokens: SER {:.2}% CER {:.2}% (raw SER {:.2}% CER {:.2}%)",
        s.toks,
        s.ser(),
        s.cer(),
        raw.ser(),
        raw.cer()
    );
}

/// Each word run where repair's output differs from the reference, as `left` (already
/// so in the OCR output) or `made` (by repair).
fn print_differences(label: &str, ocr: &str, out: &str, reference: &str) {
    let reference = words(reference);
    let left: std::collections::HashSet<(String, String)> =
        differences(&words(ocr), &reference).into_iter().collect();
    for (got, want) in differences(&words(out), &reference) {
        let kind = if left.contains(&(got.clone(), want.clone())) {
            "left"
        } else {
            "made"
        };
        println!("{label} {kind}: {want:?} -> {got:?}");
    }
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

/// Resolutions of the tesseract pages, in dpi.
const TESSERACT_DPI: [u32; 3] = [300, 150, 110];

/// Real documents read by `tesseract -l vie`: SER and CER of whole documents
/// before and after repair, per resolution.
fn tesseract_eval(a: &Args) {
    let names: Vec<String> = a.docs.iter().map(|d| format!("doc{d:02}")).collect();
    for dpi in TESSERACT_DPI {
        let (mut s, mut raw) = (Score::default(), Score::default());
        let (mut syl, mut syl_raw) = (Score::default(), Score::default());
        for name in &names {
            let reference = read(&a.tesseract.join(format!("{name}.gt.txt")));
            let ocr = read(&a.tesseract.join(format!("{name}.tesseract-{dpi}.txt")));
            let out = repair(&ocr).text;
            s.add(&out, &reference);
            raw.add(&ocr, &reference);
            let ref_syl = syllables(&reference);
            syl.add_tokens(&in_reference_order(&out, &ref_syl), &ref_syl);
            syl_raw.add_tokens(&in_reference_order(&ocr, &ref_syl), &ref_syl);
            if a.verbose {
                print_differences(&format!("TESS {name} {dpi}"), &ocr, &out, &reference);
            }
        }
        print_ser(
            &format!("tesseract -l vie {dpi} dpi ({})", names.join(",")),
            &s,
            &raw,
        );
        println!(
            "  syllables in reference order (no layout, punctuation): {} tokens: SER {:.2}% (raw {:.2}%)",
            syl.toks,
            syl.ser(),
            syl_raw.ser()
        );
    }
}

fn strip(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn split(list: &Path) -> Vec<String> {
    std::fs::read_to_string(list)
        .expect("split list")
        .lines()
        .map(String::from)
        .collect()
}

/// OCR eval page sets: the same pages (TeX Gyre Pagella, a face the channel never
/// saw) read by `tesseract -l eng`, whose damage the channel learned, and by
/// tesseract's French and German models, whose damage it never saw.
const OCR_EVALS: [(&str, &str); 3] = [
    ("eval", "unseen font"),
    ("eval-fra", "unseen font and engine, tesseract -l fra"),
    ("eval-deu", "unseen font and engine, tesseract -l deu"),
];

/// The OCR eval pages under `tools/ocr-channel/<dir>/` (`eval/manifest.tsv` names
/// the source lines of each page): SER and CER before and after repair.
fn ocr_eval(a: &Args, dir: &str, label: &str) {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/ocr-channel");
    let eval_dir = tools.join(dir);
    let [s, raw, ..] = manifest_pages(a, &tools.join("eval/manifest.tsv"), "OCR", |page| {
        eval_dir.join(format!("{page}.ocr"))
    });
    if s.toks > 0 {
        println!(
            "ocr ({label}): {} ref tokens: SER {:.2}% CER {:.2}% (raw OCR SER {:.1}% CER {:.1}%)",
            s.toks,
            s.ser(),
            s.cer(),
            raw.ser(),
            raw.cer()
        );
    }
}

/// Generated pages of the dev admin docs read by `tesseract -l vie`
/// (`tools/ocr-channel/gen.py vie-eval`, a face and size its tables never saw),
/// per resolution: SER and CER before and after repair.
fn tessvie_gen_eval(a: &Args) {
    for dpi in TESSERACT_DPI {
        let [s, raw, syl, syl_raw] =
            manifest_pages(a, &a.tessvie_gen.join("manifest.tsv"), "TESSGEN", |page| {
                a.tessvie_gen.join(format!("{page}-{dpi}.ocr"))
            });
        print_ser(
            &format!(
                "generated tesseract -l vie {dpi} dpi ({})",
                a.tessvie_gen.display()
            ),
            &s,
            &raw,
        );
        println!(
            "  syllables (no punctuation): {} tokens: SER {:.2}% (raw {:.2}%)",
            syl.toks,
            syl.ser(),
            syl_raw.ser()
        );
    }
}

/// Scores OCR pages whose source lines `manifest` names (page, corpus file, first
/// line, end line); `ocr` gives a page's OCR file: after repair and raw, by
/// tokens and by [`syllables`].
fn manifest_pages(
    a: &Args,
    manifest: &Path,
    tag: &str,
    ocr: impl Fn(&str) -> PathBuf,
) -> [Score; 4] {
    let [mut s, mut raw, mut syl, mut syl_raw] = <[Score; 4]>::default();
    let Ok(manifest) = std::fs::read_to_string(manifest) else {
        return [s, raw, syl, syl_raw];
    };
    for row in manifest.lines() {
        let f: Vec<&str> = row.split('\t').collect();
        let [page, rel, start, end] = f[..] else {
            continue;
        };
        let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
        let src = read(&a.corpora.join(rel));
        let reference: String = src
            .lines()
            .skip(start)
            .take(end - start)
            .collect::<Vec<_>>()
            .join(" ")
            .replace('|', " ");
        let ocr =
            String::from_utf8_lossy(&std::fs::read(ocr(page)).unwrap_or_default()).into_owned();
        let out = repair(&ocr).text;
        let (out, ocr) = (words(&out).join(" "), words(&ocr).join(" "));
        s.add(&out, &reference);
        raw.add(&ocr, &reference);
        let ref_syl = syllables(&reference);
        syl.add_tokens(&syllables(&out), &ref_syl);
        syl_raw.add_tokens(&syllables(&ocr), &ref_syl);
        if a.verbose {
            print_differences(&format!("{tag} {page}"), &ocr, &out, &reference);
        }
    }
    [s, raw, syl, syl_raw]
}

/// A file's text, normalised as references are; empty when unreadable.
fn read(p: &Path) -> String {
    normalise(&String::from_utf8_lossy(
        &std::fs::read(p).unwrap_or_default(),
    ))
}

fn main() {
    let a = Args::parse();
    let held = split(&a.split);
    let admin: Vec<(String, String)> = held
        .iter()
        .filter_map(|h| {
            h.strip_prefix("admin/")
                .map(|n| (h.clone(), read(&a.corpora.join("admin").join(n))))
        })
        .collect();

    let runs = |set: Set| a.sets.contains(&set);
    if runs(Set::Stripped) {
        stripped_eval(&a, &admin);
    }
    if runs(Set::Ocr) {
        // OCR'd in an unseen font, by the engine the channel learned from and by others.
        for (dir, label) in OCR_EVALS {
            ocr_eval(&a, dir, label);
        }
    }
    if runs(Set::Clean) {
        clean_eval(&a, &held, &admin);
    }
    if runs(Set::Seeds) {
        seeds_eval(&a);
    }
    if runs(Set::Tesseract) {
        tesseract_eval(&a);
    }
    if runs(Set::TessvieGen) {
        tessvie_gen_eval(&a);
    }
    if runs(Set::Fonts) {
        fonts_eval(&a);
    }
    if runs(Set::News) {
        news_eval(&a);
    }
    if runs(Set::NewsTest) {
        let test = std::fs::read_to_string(&a.news_test).unwrap_or_default();
        let (raw, (normalised, words)) = news_accuracy(&[test]);
        println!(
            "news test ({}): {words} words: word accuracy {normalised:.2}% ({raw:.2}% without tone-placement normalisation)",
            a.news_test.display(),
        );
    }
}

/// Word accuracy ([`accent_accuracy`]) of repairing `texts` with every mark stripped:
/// (against the raw text, against it tone-normalised) in %, and the words counted.
/// Line ends are LF for repair and put back as they were for scoring.
fn news_accuracy(texts: &[String]) -> (f64, (f64, usize)) {
    let (mut raw, mut normalised) = ((0, 0), (0, 0));
    for text in texts {
        let lf = text.replace("\r\n", "\n");
        let mut out = repair(&strip(&normalise(&lf))).text;
        if lf.len() != text.len() {
            out = out.replace('\n', "\r\n");
        }
        for (sum, gold) in [(&mut raw, text.clone()), (&mut normalised, normalise(text))] {
            let (right, counted) = accent_accuracy(&out, &gold);
            *sum = (sum.0 + right, sum.1 + counted);
        }
    }
    let pct = |(right, counted): (usize, usize)| 100.0 * right as f64 / counted.max(1) as f64;
    (pct(raw), (pct(normalised), normalised.1))
}

/// This project's held-out news slice: as written, and lower-cased without digits.
fn news_eval(a: &Args) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&a.news)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        println!(
            "news: no held-out news in {} (run tools/general/split.sh)",
            a.news.display()
        );
        return;
    }
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    let lower: Vec<String> = texts
        .iter()
        .map(|t| {
            t.to_lowercase()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect()
        })
        .collect();
    let t0 = Instant::now();
    let (_, (written, words)) = news_accuracy(&texts);
    let secs = t0.elapsed().as_secs_f64();
    let (_, (lowered, _)) = news_accuracy(&lower);
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "news (held-out, {} files, {words} words): word accuracy {written:.2}% as written, {lowered:.2}% lower-cased without digits, {:.2} MB/s",
        files.len(),
        bytes as f64 / secs / 1e6
    );
}

/// The families of `tools/brokenfonts/gen.py`; the last one is held out (no reference
/// glyph table includes it).
const FONT_FAMILIES: [&str; 4] = ["dejavuserif", "notosans", "freeserif", "liberationserif"];
const FONT_BREAKS: [&str; 4] = ["clean", "strip", "scramble", "cid"];

/// Broken font maps: SER of `pdftotext` and of vanban (ingest + repair) against the drawn
/// text, per file and per break kind.
fn fonts_eval(a: &Args) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/brokenfonts");
    let limits = vanban::Limits::default();
    for kind in FONT_BREAKS {
        let (mut all_raw, mut all_out) = (Score::default(), Score::default());
        for family in FONT_FAMILIES {
            let reference = read(&dir.join(format!("{family}.txt")));
            let pdf = dir.join(format!("{kind}_{family}.pdf"));
            let raw = std::process::Command::new("pdftotext")
                .arg(&pdf)
                .arg("-")
                .output()
                .map(|o| normalise(&String::from_utf8_lossy(&o.stdout)))
                .unwrap_or_default();
            let bytes = std::fs::read(&pdf).expect("fixture");
            let (ingested, warnings) = match vanban::ingest::pdf::ingest_pdf(&bytes, &limits) {
                Ok(i) => (normalise(&i.text), i.warnings.join(" | ")),
                Err(e) => (String::new(), e.to_string()),
            };
            let out = normalise(&repair(&ingested).text);
            let (mut r, mut o, mut i) = (Score::default(), Score::default(), Score::default());
            r.add(&raw, &reference);
            o.add(&out, &reference);
            i.add(&ingested, &reference);
            all_raw.add(&raw, &reference);
            all_out.add(&out, &reference);
            let held = if family == FONT_FAMILIES[3] {
                " (held out)"
            } else {
                ""
            };
            println!(
                "fonts {kind:8} {family:15}{held:11} {:4} syllables: SER pdftotext {:6.2}%  vanban ingest {:6.2}%  + repair {:6.2}%",
                r.toks,
                r.ser(),
                i.ser(),
                o.ser()
            );
            if a.verbose {
                println!("  warnings: {warnings}");
                for (got, want) in differences(&words(&ingested), &words(&reference)) {
                    println!("  ingest {want:?} -> {got:?}");
                }
                for (got, want) in differences(&words(&out), &words(&reference)) {
                    println!("  repair {want:?} -> {got:?}");
                }
            }
        }
        println!(
            "fonts {kind:8} all: {} syllables: SER pdftotext {:.2}%  vanban {:.2}%",
            all_out.toks,
            all_raw.ser(),
            all_out.ser()
        );
    }
    // Text dumps extracted through a broken map (`dump_*.txt`), read as .txt files.
    {
        for family in FONT_FAMILIES {
            let kind = "dump";
            let reference = read(&dir.join(format!("{family}.txt")));
            let dump = std::fs::read(dir.join(format!("dump_{family}.txt"))).expect("fixture");
            let (ingested, warnings) =
                match vanban::ingest::ingest(&dump, Path::new("dump.txt"), &limits) {
                    Ok(i) => (normalise(&i.text), i.warnings.join(" | ")),
                    Err(e) => (String::new(), e.to_string()),
                };
            let out = normalise(&repair(&ingested).text);
            let (mut r, mut o) = (Score::default(), Score::default());
            r.add(&normalise(&String::from_utf8_lossy(&dump)), &reference);
            o.add(&out, &reference);
            let held = if family == FONT_FAMILIES[3] {
                " (held out)"
            } else {
                ""
            };
            println!(
                "fonts {kind:8} {family:15}{held:11} {:4} syllables: SER dump {:6.2}%  vanban {:6.2}%",
                r.toks,
                r.ser(),
                o.ser()
            );
            if a.verbose {
                println!("  warnings: {warnings}");
                for (got, want) in differences(&words(&out), &words(&reference)) {
                    println!("  repair {want:?} -> {got:?}");
                }
            }
        }
    }
}

/// Held-out admin docs with every mark stripped.
fn stripped_eval(a: &Args, admin: &[(String, String)]) {
    let (mut s, mut raw) = (Score::default(), Score::default());
    let t0 = Instant::now();
    let mut bytes = 0;
    for (_, text) in admin {
        let damaged = strip(text);
        bytes += damaged.len();
        let out = repair(&damaged).text;
        for ((o, r), d) in out.lines().zip(text.lines()).zip(damaged.lines()) {
            s.add(o, r);
            raw.add(d, r);
            if a.verbose && o != r {
                println!("STRIP  in: {d}\n      out: {o}\n      ref: {r}");
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "stripped: {} docs, {} ref tokens: SER {:.2}% CER {:.2}% (unrepaired SER {:.1}%), {:.2} MB/s",
        admin.len(), s.toks, s.ser(), s.cer(), raw.ser(), bytes as f64 / secs / 1e6
    );
}

/// Clean held-out text (admin + extracted phapdien): share of tokens changed.
fn clean_eval(a: &Args, held: &[String], admin: &[(String, String)]) {
    let mut clean = Score::default();
    let mut clean_docs = admin.to_vec();
    for h in held.iter().filter_map(|h| h.strip_prefix("phapdien/")) {
        let p = a.extracted.join("phapdien").join(h);
        if p.exists() {
            clean_docs.push((h.to_string(), read(&p)));
        }
    }
    for (name, text) in &clean_docs {
        let out = repair(text).text;
        for (o, r) in out.lines().zip(text.lines()) {
            clean.add(o, r);
            if a.verbose && o != r {
                println!("CLEAN {name}\n  in: {r}\n out: {o}");
            }
        }
    }
    println!(
        "clean: {} docs, {} tokens: {:.4}% tokens changed",
        clean_docs.len(),
        clean.toks,
        clean.ser()
    );
}

/// Seeds: tokens changed in 000–003; seed 004 written out for reading.
fn seeds_eval(a: &Args) {
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&a.seeds)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    seeds.sort();
    for p in seeds {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = read(&p);
        let r = repair(&text);
        if name.starts_with("004") {
            let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/repair-seed004.txt");
            std::fs::write(&out, &r.text).expect("write seed 004");
            println!(
                "seed {name}: {} tokens repaired, diacritics {}, confidence {:.3} -> {}",
                r.repaired_tokens,
                r.diacritics,
                r.confidence,
                out.display()
            );
        } else {
            let mut sc = Score::default();
            for (o, i) in r.text.lines().zip(text.lines()) {
                sc.add(o, i);
                if a.verbose && o != i {
                    println!("SEED {name}\n  in: {i}\n out: {o}");
                }
            }
            println!(
                "seed {name}: {} of {} tokens changed, diacritics {}",
                sc.tok_err, sc.toks, r.diacritics
            );
        }
    }
}
