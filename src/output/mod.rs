//! Stage 5: assemble the [`Document`] and write it.
//!
//! **Invariant:** a file in the output directory is either absent or complete:
//! every write goes to a temporary file in the same directory and is renamed.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::extract::Extracted;
use crate::ingest::pdf::ocr::{HandField, HandRead};
use crate::ingest::Ingested;
use crate::model::{Bounds, Document, Metadata, MetadataField, Quality, Source, SCHEMA_VERSION};
use crate::repair::Repaired;
use crate::segment::Segmented;

pub fn assemble(
    path: &str,
    bytes: &[u8],
    ingested: Ingested,
    repaired: Repaired,
    segmented: Segmented,
    extracted: Extracted,
) -> Document {
    let mut extracted = extracted;
    let mut sections = segmented.sections;
    if !ingested.line_pages.is_empty() {
        let pages = PageOf::new(&repaired.text, &ingested.line_pages, &ingested.line_bounds);
        pages.fill(&mut sections, &mut extracted);
    }
    let mut metadata = segmented.metadata;
    crate::segment::settle_day(
        &mut metadata,
        segmented.day_clue,
        ingested.signatures.iter().filter_map(|s| s.time.as_deref()),
    );
    flag_handwritten(
        &mut metadata,
        &ingested.handwritten,
        ingested.signatures.iter().filter_map(|s| s.time.as_deref()),
    );
    metadata.agency_canonical = metadata.agency.as_deref().map(crate::vn::canonical_agency);
    metadata.year = metadata
        .date
        .as_deref()
        .and_then(|d| d.get(..4)?.parse().ok())
        .or(segmented.reference_year);
    let mut warnings = ingested.warnings;
    warnings.extend(repaired.warnings);
    warnings.extend(segmented.warnings);
    warnings.extend(extracted.warnings);
    Document {
        schema_version: SCHEMA_VERSION,
        source: Source {
            path: path.to_string(),
            sha256: sha256_hex(bytes),
            format: ingested.format,
            bytes: bytes.len() as u64,
            pages: ingested.pages,
        },
        quality: Quality {
            encoding: ingested.encoding.to_string(),
            text_layer: ingested.text_layer,
            diacritics: repaired.diacritics,
            repaired_tokens: repaired.repaired_tokens,
            confidence: repaired.confidence,
        },
        metadata,
        sections,
        tables: segmented.tables.into_iter().map(|t| t.table).collect(),
        tasks: extracted.tasks,
        figures: extracted.figures,
        citations: extracted.citations,
        signatures: ingested.signatures,
        text: repaired.text,
        warnings,
    }
}

/// Page (and place on it) of a code-point offset, from those of each line.
struct PageOf<'a> {
    line_starts: Vec<usize>,
    line_pages: &'a [u32],
    line_bounds: &'a [Option<Bounds>],
}

impl<'a> PageOf<'a> {
    fn new(text: &str, line_pages: &'a [u32], line_bounds: &'a [Option<Bounds>]) -> Self {
        Self {
            line_starts: crate::text::lines(text).iter().map(|l| l.start).collect(),
            line_pages,
            line_bounds,
        }
    }

    fn line(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    fn at(&self, offset: usize) -> Option<u32> {
        self.line_pages.get(self.line(offset)).copied()
    }

    fn bounds(&self, offset: usize) -> Option<Bounds> {
        self.line_bounds.get(self.line(offset)).copied().flatten()
    }

    fn fill(&self, sections: &mut [crate::model::Section], ex: &mut Extracted) {
        self.fill_sections(sections);
        for t in &mut ex.tasks {
            t.page = self.at(t.span[0]);
            t.bounds = self.bounds(t.span[0]);
        }
        for f in &mut ex.figures {
            f.page = self.at(f.span[0]);
            f.bounds = self.bounds(f.span[0]);
        }
        for c in &mut ex.citations {
            c.pages = c.mentions.iter().filter_map(|m| self.at(m[0])).collect();
        }
    }

    fn fill_sections(&self, sections: &mut [crate::model::Section]) {
        for s in sections {
            s.page = self.at(s.span[0]);
            self.fill_sections(&mut s.children);
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `contents` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomic_tagged(path, contents, ".tmp")
}

/// [`write_atomic`] with the temporary file named `<tag><random>`, so that a writer
/// killed mid-way can find and remove what it left.
pub fn write_atomic_tagged(path: &Path, contents: &[u8], tag: &str) -> std::io::Result<()> {
    let mut tmp = temp_beside(path, tag)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file in `path`'s directory (so the rename is atomic), created with the
/// usual mode (0666 less the umask) rather than the 0600 of a private temporary file.
fn temp_beside(path: &Path, tag: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(tag);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(folder_of(path))
}

/// The folder holding `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Start of the temporary file `--jsonl -o FILE` writes beside FILE: the writer's pid
/// and `-` follow, so the next run can tell a killed writer's file from a live one's.
const STREAM_TEMP_PREFIX: &str = ".vanban-tmp-jsonl-";

/// The temporary file that becomes `path` once a stream of records is complete. The ones
/// killed writers left beside `path` are removed first.
pub fn stream_temp(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    sweep_stream_temps(folder_of(path));
    let tag = format!("{STREAM_TEMP_PREFIX}{}-", std::process::id());
    temp_beside(path, &tag)
}

/// Removes the stream temporaries in `dir` whose writer is dead.
fn sweep_stream_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STREAM_TEMP_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !crate::ingest::pdf::alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Serializes any record as pretty JSON with a trailing newline.
pub fn to_json_pretty<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("model types serialize");
    out.push(b'\n');
    out
}

/// Marks the number and the day of issue as read through damage when their digits are
/// the ones read from a scan's handwriting. With a signature in that month (`signed`: ISO
/// times), the day is the likeliest reading given it (`vn::likeliest_issue_day`); when
/// every reading falls after it, the date keeps its month.
fn flag_handwritten<'a>(
    md: &mut Metadata,
    read: &[HandRead],
    signed: impl Iterator<Item = &'a str>,
) {
    let signed: Vec<&str> = signed.collect();
    for r in read {
        let day = || md.date.as_deref()?.get(8..10)?.parse::<u32>().ok();
        let from_hand = match r.field {
            HandField::Number => md.number.as_deref().is_some_and(|n| {
                n.strip_prefix(r.digits.as_str())
                    .is_some_and(|rest| rest.starts_with(['/', '-']))
            }),
            HandField::Day => day().is_some_and(|d| r.digits.parse() == Ok(d)),
        };
        if !from_hand {
            continue;
        }
        let field = MetadataField::from(r.field);
        if !md.damaged.contains(&field) {
            md.damaged.push(field);
        }
        if let (HandField::Day, Some(day), Some(date)) = (r.field, day(), md.date.clone()) {
            let month = &date[..7];
            let Some(first_signed) =
                crate::segment::first_signed_day(month, signed.iter().copied())
            else {
                continue;
            };
            let readings: Vec<(u32, f32)> = r
                .readings
                .iter()
                .filter_map(|(digits, p)| Some((digits.parse().ok()?, *p)))
                .collect();
            match crate::vn::likeliest_issue_day(&readings, first_signed) {
                Some(likeliest) if likeliest != day => {
                    md.date = Some(format!("{month}-{likeliest:02}"));
                }
                Some(_) => {}
                None => {
                    md.date = Some(month.to_string());
                    md.date_precision = Some(crate::vn::Precision::Month);
                }
            }
        }
    }
}
