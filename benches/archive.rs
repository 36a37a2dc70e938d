//! Index build time and query latency on a generated archive (default 5,000 Documents).
//!
//! `cargo bench --bench archive` (add `-- DOCS` for another size; `taskset -c 0` pins it to
//! one core). The archive is made by varying the seed texts: agency, year, numbers and
//! the cited decrees change per document, a share of documents lose their marks and get
//! OCR letter damage, paragraphs are dropped at random. Each varied text goes through the
//! library pipeline; tasks, citations and figures the pipeline did not find are filled in
//! from the text (bullet lines, citation-shaped ids, percentages) so every index entry kind
//! is present. Queries run one at a time on one thread, with snippets, 20 hits each; each is
//! timed in wall-clock and in the thread's CPU time, which other processes on a shared
//! machine do not inflate. `ARCHIVE_BENCH_QUERY=TEXT` (with a kept index) runs one query
//! 200 times, for a profiler.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use regex::Regex;
use vanban::archive::index::Archive;
use vanban::archive::search::SearchRequest;
use vanban::model::{
    Citation, Deadline, DeadlineKind, Document, Figure, FigureKind, Relation, Task, TaskSource,
};

/// xorshift64*: deterministic, good enough to vary text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AGENCIES: [&str; 8] = [
    "Ủy ban nhân dân tỉnh Thái Nguyên",
    "Ủy ban nhân dân tỉnh Bắc Giang",
    "Sở Nội vụ",
    "Sở Thông tin và Truyền thông",
    "Sở Tư pháp",
    "UBND huyện Đại Từ",
    "Sở Kế hoạch và Đầu tư",
    "Ủy ban nhân dân thành phố Hải Phòng",
];
const LEADS: [&str; 6] = [
    "Văn phòng Sở",
    "Sở Nội vụ",
    "Văn phòng UBND tỉnh",
    "Sở Tư pháp",
    "Thanh tra Sở",
    "Phòng Tổ chức cán bộ",
];
const TYPES: [&str; 4] = ["Kế hoạch", "Quyết định", "Báo cáo", "Kế hoạch"];
const DECREES: [&str; 6] = [
    "61/2018/NĐ-CP",
    "45/2020/NĐ-CP",
    "107/2021/NĐ-CP",
    "92/2017/NĐ-CP",
    "63/2010/NĐ-CP",
    "30/2020/NĐ-CP",
];
/// OCR confusions seen in the seeds (seed 004): letters swapped for look-alikes.
const OCR: [(char, char); 8] = [
    ('h', 'b'),
    ('n', 'm'),
    ('u', 'v'),
    ('c', 'e'),
    ('i', 'l'),
    ('o', '0'),
    ('t', 'f'),
    ('a', 'á'),
];

fn damage(text: &str, rng: &mut Rng, strip_percent: u64, damage_percent: u64) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(' ') {
        let mut w = if rng.chance(strip_percent) {
            vanban::text::fold(word)
        } else {
            word.to_string()
        };
        if rng.chance(damage_percent) {
            let (from, to) = *rng.pick(&OCR);
            w = w.replacen(from, &to.to_string(), 1);
        }
        out.push_str(&w);
    }
    out
}

fn char_span(text: &str, byte_start: usize, byte_end: usize) -> [usize; 2] {
    let start = text[..byte_start].chars().count();
    [start, start + text[byte_start..byte_end].chars().count()]
}

fn vary(seed: &Document, i: usize, rng: &mut Rng, citation_re: &Regex) -> Document {
    let year = 2015 + rng.below(10) as i32;
    let agency = *rng.pick(&AGENCIES);
    let decree = *rng.pick(&DECREES);
    let mut text = String::new();
    for paragraph in seed.text.split("\n\n") {
        if rng.chance(12) {
            continue;
        }
        text.push_str(paragraph);
        text.push_str("\n\n");
    }
    let text = text
        .replace("2019", &(year - 1).to_string())
        .replace("2020", &year.to_string())
        .replace("61/2018/NĐ-CP", decree)
        .replace(
            "Thái Nguyên",
            agency.rsplit("tỉnh ").next().unwrap_or("Thái Nguyên"),
        );
    let text = match rng.below(10) {
        0 | 1 => damage(&text, rng, 60, 8),
        2 => damage(&text, rng, 10, 2),
        _ => text,
    };
    let path = format!("generated/{i:05}.txt");
    let mut doc = vanban::process_bytes(text.as_bytes(), &path, &vanban::Limits::default())
        .expect("text processes");
    let text = doc.text.clone();
    let m = &mut doc.metadata;
    m.agency.get_or_insert_with(|| agency.to_string());
    m.doc_type.get_or_insert_with(|| {
        vanban::vn::by_name(rng.pick::<&str>(&TYPES)).expect("a listed type")
    });
    m.date
        .get_or_insert_with(|| format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)));
    m.number
        .get_or_insert_with(|| format!("{}/KH-UBND", 100 + i));
    m.title
        .get_or_insert_with(|| format!("Kế hoạch cải cách hành chính năm {year}"));
    if doc.tasks.is_empty() {
        let mut offset = 0;
        for line in text.split('\n') {
            if line.starts_with("- ") && doc.tasks.len() < 40 {
                let quarter = 1 + rng.below(4) as u8;
                doc.tasks.push(Task {
                    group: None,
                    number: None,
                    content: line[2..].to_string(),
                    lead: vec![rng.pick(&LEADS).to_string()],
                    partners: vec![rng.pick(&LEADS).to_string()],
                    outputs: None,
                    deadline: Some(Deadline {
                        text: format!(
                            "Quý {}/{year}",
                            ["I", "II", "III", "IV"][quarter as usize - 1]
                        ),
                        kind: DeadlineKind::Quarter,
                        start: None,
                        end: None,
                        quarter: Some(quarter),
                        year_inferred: false,
                        relative: false,
                    }),
                    deliverables: Vec::new(),
                    source: TaskSource::Body,
                    table: None,
                    row: None,
                    section: None,
                    section_path: Vec::new(),
                    span: char_span(&text, offset, offset + line.len()),
                    page: None,
                    bounds: None,
                });
            }
            offset += line.len() + 1;
        }
    }
    if doc.citations.is_empty() {
        for found in citation_re.find_iter(&text) {
            let span = char_span(&text, found.start(), found.end());
            match doc.citations.iter_mut().find(|c| c.id == found.as_str()) {
                Some(c) => c.mentions.push(span),
                None => doc.citations.push(Citation {
                    id: found.as_str().to_string(),
                    doc_type: vanban::vn::by_name("Nghị định").expect("a listed type"),
                    number: None,
                    year: None,
                    code: None,
                    date: None,
                    issuer: None,
                    issuer_canonical: None,
                    relation: Relation::Basis,
                    mentions: vec![span],
                    pages: Vec::new(),
                }),
            }
        }
    }
    if doc.figures.is_empty() {
        for found in Regex::new(r"\d+(,\d+)?%")
            .expect("valid")
            .find_iter(&text)
            .take(30)
        {
            doc.figures.push(Figure {
                text: found.as_str().to_string(),
                kind: FigureKind::Percent,
                value: found
                    .as_str()
                    .trim_end_matches('%')
                    .replace(',', ".")
                    .parse()
                    .unwrap_or(0.0),
                total: None,
                percent: None,
                unit: None,
                subject: None,
                qualifier: None,
                consistent: None,
                parts: None,
                span: char_span(&text, found.start(), found.end()),
                page: None,
                bounds: None,
            });
        }
    }
    doc
}

/// CPU time used so far by the calling thread.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Wall-clock and CPU time of one call.
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, Duration) {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    std::hint::black_box(f());
    (wall.elapsed(), thread_cpu().saturating_sub(cpu))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5_000);
    // ARCHIVE_BENCH_INDEX=DIR keeps the index there and, when it exists, only runs queries.
    if let Some(kept) = std::env::var_os("ARCHIVE_BENCH_INDEX")
        .map(PathBuf::from)
        .filter(|d| d.join("meta.json").exists())
    {
        let archive = Archive::open(&kept).expect("kept index opens");
        println!(
            "reusing {} ({} documents)",
            kept.display(),
            archive.document_count().expect("count")
        );
        if let Ok(query) = std::env::var("ARCHIVE_BENCH_QUERY") {
            let request = SearchRequest::new(&query);
            let mut cpu: Vec<Duration> = (0..200)
                .map(|_| timed(|| archive.search(&request).expect("query")).1)
                .collect();
            cpu.sort();
            println!(
                "{query:?}: CPU p50 {:.2} ms, p99 {:.2} ms",
                ms(percentile(&cpu, 0.5)),
                ms(percentile(&cpu, 0.99))
            );
            return;
        }
        report(run_queries(&archive));
        recall(&archive);
        return;
    }
    let seeds_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut seed_paths: Vec<PathBuf> = std::fs::read_dir(&seeds_dir)
        .expect("seeds")
        .map(|e| e.expect("entry").path())
        .collect();
    seed_paths.sort();
    let seeds: Vec<Document> = seed_paths
        .iter()
        .map(|p| vanban::process_file(p, &vanban::Limits::default()).expect("seed processes"))
        .collect();

    let started = Instant::now();
    let citation_re = Regex::new(r"\d+[a-z]?/(\d{4}/)?(NĐ|QĐ|NQ|TT|CT)-[A-ZĐa-z]+").expect("valid");
    let mut rng = Rng(0x5eed_cafe);
    let docs: Vec<Document> = (0..n)
        .map(|i| vary(&seeds[i % seeds.len()], i, &mut rng, &citation_re))
        .collect();
    let text_mb = docs.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6;
    let entries = |f: fn(&Document) -> usize| docs.iter().map(f).sum::<usize>();
    println!(
        "generated {n} documents ({text_mb:.1} MB of text, {} tasks, {} citations, {} figures) in {:.1} s",
        entries(|d| d.tasks.len()),
        entries(|d| d.citations.len()),
        entries(|d| d.figures.len()),
        started.elapsed().as_secs_f64()
    );

    let temp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("ARCHIVE_BENCH_INDEX")
        .map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let started = Instant::now();
    let archive = Archive::open_or_create(&dir).expect("index opens");
    archive.add(&docs).expect("index builds");
    let build = started.elapsed();
    let size: u64 = std::fs::read_dir(&dir)
        .expect("index dir")
        .map(|e| e.expect("entry").metadata().map_or(0, |m| m.len()))
        .sum();
    println!(
        "index build: {:.1} s ({:.0} docs/s, {:.0} MB on disk, one writer thread)",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        size as f64 / 1e6
    );

    let started = Instant::now();
    let mut conn = rusqlite::Connection::open(temp.path().join("archive.db")).expect("db opens");
    vanban::archive::sqlite::export(&mut conn, &docs).expect("export");
    println!("sqlite export: {:.1} s", started.elapsed().as_secs_f64());
    drop(docs);

    let archive = Archive::open(&dir).expect("index reopens");
    report(run_queries(&archive));
    recall(&archive);
}

/// Recall of mark-free and OCR-damaged queries against the same query typed with marks:
/// the share of the documents the marked query finds (every document holding all its words)
/// that the variant finds too, and the same share of passages, with the variant's CPU time
/// (20 hits, snippets, one thread).
fn recall(archive: &Archive) {
    let pairs: [(&str, &[&str]); 5] = [
        (
            "thủ tục hành chính",
            &[
                "thu tuc hanh chinh",
                "thi tuc hanh chinh",
                "thu tuc hanh chinb",
            ],
        ),
        (
            "cải cách hành chính",
            &["cai cach hanh chinh", "cai cacb hanb chinh"],
        ),
        (
            "chính quyền điện tử",
            &["chinh quyen dien tu", "chinb quyen dien tu"],
        ),
        (
            "dịch vụ công trực tuyến",
            &["dich vu cong truc tuyen", "dich vu cong truc tuyem"],
        ),
        (
            "một cửa liên thông",
            &["mot cua lien thong", "mot cua lien tbong"],
        ),
    ];
    let documents = |query: &str| -> BTreeSet<String> {
        let request = SearchRequest {
            kind: Some("document".into()),
            limit: 10_000,
            ..SearchRequest::new(query)
        };
        let results = archive.search(&request).expect("query");
        results.hits.into_iter().map(|h| h.document.path).collect()
    };
    // Passages (path and span): stricter than documents, where every word is somewhere.
    let passages = |query: &str| -> BTreeSet<(String, [usize; 2])> {
        let request = SearchRequest {
            kind: Some("section".into()),
            limit: 1_000_000,
            ..SearchRequest::new(query)
        };
        let results = archive.search(&request).expect("query");
        results
            .hits
            .into_iter()
            .map(|h| (h.document.path, h.location.span))
            .collect()
    };
    println!(
        "recall vs the marked query (documents; passages), CPU time of the variant (20 hits, 30 runs):"
    );
    let mut worst: f64 = 1.0;
    for (marked, variants) in pairs {
        let (truth, truth_passages) = (documents(marked), passages(marked));
        for variant in variants {
            let found = documents(variant);
            let kept = truth.intersection(&found).count();
            let recall = kept as f64 / truth.len().max(1) as f64;
            let found_passages = passages(variant);
            let kept_passages = truth_passages.intersection(&found_passages).count();
            let passage_recall = kept_passages as f64 / truth_passages.len().max(1) as f64;
            worst = worst.min(recall).min(passage_recall);
            let mut times: Vec<Duration> = (0..30)
                .map(|_| timed(|| archive.search(&SearchRequest::new(variant)).expect("query")).1)
                .collect();
            times.sort();
            println!(
                "  {marked:<24} {variant:<24} {kept:>5}/{:>5} docs {recall:.3}  {kept_passages:>6}/{:>6} passages {passage_recall:.3}  p50 {:6.2} ms  p99 {:6.2} ms",
                truth.len(),
                truth_passages.len(),
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.99))
            );
        }
    }
    println!("  lowest recall {worst:.3} (target 0.95)");
}

/// With ARCHIVE_BENCH_VERBOSE set, prints each query's median CPU time, slowest first.
fn report(medians: Vec<(Duration, SearchRequest)>) {
    if std::env::var_os("ARCHIVE_BENCH_VERBOSE").is_some() {
        for (took, r) in medians {
            println!(
                "  {:6.2} ms  {:?} {:?} {:?} {:?}",
                ms(took),
                r.query,
                r.kind,
                r.cites,
                r.agency
            );
        }
    }
}

/// Runs the query mix; returns each distinct query's median CPU time, slowest first.
fn run_queries(archive: &Archive) -> Vec<(Duration, SearchRequest)> {
    let q = SearchRequest::new;
    let with = |r: SearchRequest, f: &dyn Fn(&mut SearchRequest)| {
        let mut r = r;
        f(&mut r);
        r
    };
    let queries: Vec<(&str, SearchRequest)> = vec![
        ("folded", q("thu tuc hanh chinh truc tuyen")),
        ("folded", q("cai cach hanh chinh")),
        ("folded", q("dich vu cong muc do 3")),
        ("folded", q("chi so hai long")),
        ("exact", q("thủ tục hành chính")),
        ("exact", q("Sở Nội vụ")),
        ("exact", q("một cửa liên thông")),
        ("ocr", q("thi tuc hanh chinh")),
        ("ocr", q("cai cacb hanb chinh")),
        ("ocr", q("chinb quyen dien tu")),
        ("one-word", q("kiem tra")),
        ("one-word", q("ứng dụng")),
        (
            "filter",
            with(q(""), &|r| {
                r.kind = Some("document".into());
                r.cites = Some("61/2018/NĐ-CP".into())
            }),
        ),
        (
            "filter",
            with(q(""), &|r| {
                r.kind = Some("document".into());
                r.cites = Some("45/2020/nd-cp".into())
            }),
        ),
        (
            "filter",
            with(q("quy i"), &|r| {
                r.kind = Some("task".into());
                r.agency = Some("Văn phòng Sở".into())
            }),
        ),
        (
            "filter",
            with(q("hanh chinh"), &|r| {
                r.year = Some(2020);
                r.doc_type = Some("Kế hoạch".into())
            }),
        ),
        (
            "filter",
            with(q("cong chuc"), &|r| r.agency = Some("so noi vu".into())),
        ),
        (
            "document",
            with(q("cai cach hanh chinh"), &|r| {
                r.kind = Some("document".into())
            }),
        ),
        ("miss", q("tàu vũ trụ sao hỏa")),
    ];
    for (_, r) in &queries {
        archive.search(r).expect("warm-up query");
    }
    let rounds = 30;
    let load_before = load_average();
    // (query, wall, CPU) of every run.
    let mut runs: Vec<(usize, Duration, Duration)> = Vec::new();
    for _ in 0..rounds {
        for (i, (_, r)) in queries.iter().enumerate() {
            let (wall, cpu) = timed(|| archive.search(r).expect("query"));
            runs.push((i, wall, cpu));
        }
    }
    for (class, r) in &queries {
        if *class != "miss" {
            assert!(
                archive.search(r).expect("query").total > 0,
                "{r:?} finds something"
            );
        }
    }
    println!(
        "queries: {} ({} distinct x {rounds}), one thread, 20 hits with snippets; load average {load_before} before, {} after",
        runs.len(),
        queries.len(),
        load_average()
    );
    let line = |name: &str, picked: &dyn Fn(usize) -> bool| {
        let mut wall: Vec<Duration> = runs.iter().filter(|r| picked(r.0)).map(|r| r.1).collect();
        let mut cpu: Vec<Duration> = runs.iter().filter(|r| picked(r.0)).map(|r| r.2).collect();
        wall.sort();
        cpu.sort();
        println!(
            "  {name:<9} CPU p50 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms | wall p50 {:6.2} ms  p99 {:6.2} ms",
            ms(percentile(&cpu, 0.5)),
            ms(percentile(&cpu, 0.99)),
            ms(*cpu.last().expect("ran")),
            ms(percentile(&wall, 0.5)),
            ms(percentile(&wall, 0.99)),
        );
    };
    line("all", &|_| true);
    let mut classes: Vec<&str> = queries.iter().map(|q| q.0).collect();
    classes.dedup();
    for class in classes {
        line(class, &|i| queries[i].0 == class);
    }
    let mut medians: Vec<(Duration, SearchRequest)> = queries
        .iter()
        .enumerate()
        .map(|(i, (_, r))| {
            let mut v: Vec<Duration> = runs.iter().filter(|q| q.0 == i).map(|q| q.2).collect();
            v.sort();
            (percentile(&v, 0.5), r.clone())
        })
        .collect();
    medians.sort_by_key(|m| std::cmp::Reverse(m.0));
    medians
}
