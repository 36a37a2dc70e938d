//! Measures the scan path against plain tesseract on the same page images.
//!
//! ```text
//! vanban-eval-scan [--dir target/scan-eval] [--dump DIR] [--verbose]
//! ```
//! For every `NAME.pdf` with a truth text `NAME.txt` in the directory that
//! `tools/scan-eval/gen.py` writes (corpus text, so never committed; see
//! `tools/scan-eval/README.md`)
//! it reports SER and CER of
//! (a) `tesseract IMAGE - -l vie --dpi 300` on each page as vanban renders it for OCR
//!     (`ocr::render_page`),
//! (b) vanban's ingest of the PDF (the scan path without repair),
//! (c) that text after repair (what the `vanban` pipeline carries on with).
//!
//! All three are scored the same way ([`vanban::eval`]): tone placement, tabs, line
//! breaks and edge punctuation are not errors, and lines are put in the reference's
//! order first, so reading a two-column header or a table by columns costs nothing
//! (per page the better of that and the reading's own order counts). The `strict order`
//! line scores the readings in their own order only.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use vanban::eval::{in_reference_order, syllables, Score};
use vanban::ingest::ingest;
use vanban::ingest::pdf::ocr;
use vanban::repair::repair;
use vanban::Limits;

#[derive(Parser)]
struct Args {
    /// The pages made by `python3 tools/scan-eval/gen.py` (outside git: they hold corpus text).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/scan-eval"))]
    dir: PathBuf,
    /// Write each reading as NAME.{tesseract,vanban,repaired}.txt here.
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Print the lines each reading gets wrong.
    #[arg(long)]
    verbose: bool,
    /// Only page sets whose name contains this.
    #[arg(long)]
    only: Option<String>,
}

const SYSTEMS: [&str; 3] = ["(a) tesseract", "(b) vanban", "(c) vanban+repair"];

fn main() {
    let a = Args::parse();
    if std::env::var_os("VANBAN_PDF_WORKER").is_none() {
        // The worker is the `vanban` binary next to this one.
        let exe = std::env::current_exe().expect("current exe");
        std::env::set_var("VANBAN_PDF_WORKER", exe.with_file_name("vanban"));
    }
    let entries = match std::fs::read_dir(&a.dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "{}: {e}\nThe eval pages are generated, not committed (they hold corpus text). \
                 Make them with\n    python3 tools/scan-eval/gen.py [--corpora /work/shared/corpora]\n\
                 (writes target/scan-eval/) or point --dir at pages made elsewhere.",
                a.dir.display()
            );
            std::process::exit(2);
        }
    };
    let mut pdfs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf") && p.with_extension("txt").exists())
        .filter(|p| {
            a.only.as_ref().is_none_or(|o| {
                p.file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .contains(o.as_str())
            })
        })
        .collect();
    pdfs.sort();
    if pdfs.is_empty() {
        eprintln!(
            "{}: no NAME.pdf with NAME.txt; make them with python3 tools/scan-eval/gen.py",
            a.dir.display()
        );
        std::process::exit(2);
    }
    let limits = Limits {
        parse_timeout: Duration::from_secs(300),
        document_timeout: Duration::from_secs(3600),
        ..Limits::default()
    };
    let (mut total, mut strict) = ([Score::default(); 3], [Score::default(); 3]);
    let mut secs = [0.0f64; 2];
    println!(
        "{:<22} {:>5} {:>6} | {:>16} | {:>16} | {:>18}",
        "page set", "pages", "syll", SYSTEMS[0], SYSTEMS[1], SYSTEMS[2]
    );
    for pdf in &pdfs {
        let name = pdf.file_stem().unwrap().to_string_lossy().into_owned();
        let truth = std::fs::read_to_string(pdf.with_extension("txt")).expect("truth");
        let reference = syllables(&truth);
        let bytes = std::fs::read(pdf).expect("pdf");

        let t0 = Instant::now();
        let ingested = match ingest(&bytes, pdf, &limits) {
            Ok(i) => i,
            Err(e) => {
                println!("{name}: ingest failed: {e}");
                continue;
            }
        };
        let repaired = repair(&ingested.text).text;
        secs[1] += t0.elapsed().as_secs_f64();
        let pages = ingested.pages.unwrap_or(1);
        let t0 = Instant::now();
        let plain = plain_tesseract(pdf, pages, limits.parse_timeout);
        secs[0] += t0.elapsed().as_secs_f64();

        let readings = [plain, ingested.text.clone(), repaired];
        let mut row = Vec::new();
        for (i, text) in readings.iter().enumerate() {
            let mut st = Score::default();
            st.add_tokens(&syllables(text), &reference);
            strict[i].merge(st);
            let mut s = Score::default();
            s.add_tokens(&in_reference_order(text, &reference), &reference);
            // Reordering by best match can misplace a short misread line; it is meant
            // to forgive layout order, never to add errors.
            if st.tok_err < s.tok_err {
                s = st;
            }
            total[i].merge(s);
            row.push(format!("{:>6.2}% {:>6.2}%", s.ser(), s.cer()));
            if a.verbose {
                print_misses(
                    &name,
                    SYSTEMS[i],
                    &in_reference_order(text, &reference),
                    &reference,
                );
            }
        }
        println!(
            "{name:<22} {pages:>5} {:>6} | {} | {} | {}",
            reference.len(),
            row[0],
            row[1],
            row[2]
        );
        if let Some(dir) = &a.dump {
            std::fs::create_dir_all(dir).expect("dump dir");
            for (suffix, text) in ["tesseract", "vanban", "repaired"].iter().zip(&readings) {
                std::fs::write(dir.join(format!("{name}.{suffix}.txt")), text).expect("dump");
            }
            std::fs::write(
                dir.join(format!("{name}.warnings.txt")),
                ingested.warnings.join("\n"),
            )
            .expect("dump");
        }
    }
    let fmt = |s: &Score| format!("{:>6.2}% {:>6.2}%", s.ser(), s.cer());
    println!(
        "{:<22} {:>5} {:>6} | {} | {} | {}",
        "overall (SER CER)",
        "",
        total[0].toks,
        fmt(&total[0]),
        fmt(&total[1]),
        fmt(&total[2])
    );
    println!(
        "{:<22} {:>5} {:>6} | {} | {} | {}",
        "strict order",
        "",
        strict[0].toks,
        fmt(&strict[0]),
        fmt(&strict[1]),
        fmt(&strict[2])
    );
    println!(
        "time: plain tesseract {:.1} s, vanban ingest + repair {:.1} s",
        secs[0], secs[1]
    );
}

/// `tesseract IMAGE - -l vie` (its defaults, the image's resolution given) on each page
/// image vanban renders for OCR.
fn plain_tesseract(pdf: &Path, pages: u32, timeout: Duration) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for number in 1..=pages {
        let image = match ocr::render_page(pdf, number, dir.path(), timeout) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: page {number}: {e}", pdf.display());
                continue;
            }
        };
        // The image's resolution, as a scan's PNG or TIFF carries it (PPM has no field
        // for it, and tesseract would assume 70 dpi).
        match Command::new("tesseract")
            .arg(&image)
            .args(["-", "-l", "vie", "--dpi", &ocr::DPI.to_string()])
            .output()
        {
            Ok(out) => text.push_str(&String::from_utf8_lossy(&out.stdout)),
            Err(e) => eprintln!("tesseract: {e}"),
        }
    }
    text
}

/// The reading's differences from the reference, as aligned edits.
fn print_misses(name: &str, system: &str, hyp: &[String], reference: &[String]) {
    for (got, want) in vanban::eval::differences(hyp, reference) {
        println!("  {name} {system}: {got:?} for {want:?}");
    }
}
