//! Throughput of the whole pipeline on the seed documents (text inputs).
//! `cargo bench --bench extract`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let docs = seeds();
    let bytes: usize = docs.iter().map(|(_, b)| b.len()).sum();
    let limits = vanban::Limits::default();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("five seeds", |b| {
        b.iter(|| {
            for (path, data) in &docs {
                std::hint::black_box(vanban::process_bytes(data, path, &limits).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
