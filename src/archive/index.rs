//! The tantivy search index of an archive.
//!
//! Each [`Document`] becomes several index entries, each with a `kind`:
//!
//! * `document` — the whole text, plus the Document's JSON (so `serve` needs nothing but the
//!   index directory);
//! * `section` — a passage: a paragraph (short lines merged) located by the innermost
//!   section around it;
//! * `task` — content, lead, partners and deadline of one task;
//! * `citation` — the line of a citation's first mention;
//! * `figure` — the line holding a figure.
//!
//! Text goes into two fields, `text` (exact words, with marks) and `text_folded` (marks
//! stripped, đ→d), analyzed by `super::analyzer`; whole documents use their own pair,
//! `doc_text` and `doc_text_folded`, so that searching passages, tasks, citations and
//! figures never walks the (long) postings of whole documents. Filters use keyword fields holding
//! folded values, so `--cites 61/2018/ND-CP` and `--agency "so noi vu"` work too.
//!
//! **Invariant:** entries are keyed by source `path` (a keyword field): [`Archive::add`]
//! first deletes every entry of the path it adds, so a re-extracted (corrected) file stays
//! one document, and the same content at two paths is two documents.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::TermQuery;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analyzer::{self, VietTokenizer};
use super::ArchiveError;
use crate::model::{Deadline, Document, FigureKind, Task};
use crate::text::{fold, lines};

/// Memory for the index writer; tantivy flushes a segment when it is used up.
const WRITER_MEMORY: usize = 100_000_000;

/// Documents whose whole-document entries are stored together (see [`Archive::add`]).
const STORE_BATCH: usize = 64;

/// Passages shorter than this many characters absorb the next line.
const MIN_PASSAGE_CHARS: usize = 120;

/// Where a hit is in its document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// `label heading` of the innermost section around the hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Table index and row index of a task read from a table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// 1-based line of `Document.text`. Pages are not located: the model keeps no page
    /// boundaries (ingest removes form feeds).
    pub line: usize,
    /// `[start, end)` in code points of `Document.text`.
    pub span: [usize; 2],
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub kind: Field,
    pub sha256: Field,
    pub path: Field,
    pub title: Field,
    pub number: Field,
    pub agency_label: Field,
    pub doc_type_label: Field,
    pub date: Field,
    pub location: Field,
    pub citation_id: Field,
    pub text: Field,
    pub text_folded: Field,
    pub doc_text: Field,
    pub doc_text_folded: Field,
    pub cites: Field,
    pub cited: Field,
    pub agency: Field,
    pub doc_type: Field,
    pub year: Field,
    pub lead: Field,
    pub due: Field,
    pub due_end: Field,
    pub percent: Field,
    pub json: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_options = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        sha256: b.add_text_field("sha256", STRING | STORED),
        path: b.add_text_field("path", STRING | STORED | FAST),
        title: b.add_text_field("title", STORED),
        number: b.add_text_field("number", STORED),
        agency_label: b.add_text_field("agency_label", STRING | STORED | FAST),
        doc_type_label: b.add_text_field("doc_type_label", STRING | STORED | FAST),
        date: b.add_text_field("date", STORED),
        location: b.add_text_field("location", STORED),
        citation_id: b.add_text_field("citation_id", STORED),
        text: b.add_text_field("text", text_options(analyzer::EXACT).set_stored()),
        text_folded: b.add_text_field("text_folded", text_options(analyzer::FOLDED)),
        doc_text: b.add_text_field("doc_text", text_options(analyzer::EXACT).set_stored()),
        doc_text_folded: b.add_text_field("doc_text_folded", text_options(analyzer::FOLDED)),
        cites: b.add_text_field("cites", STRING),
        cited: b.add_text_field("cited", STRING | FAST),
        agency: b.add_text_field("agency", text_options(analyzer::FOLDED)),
        doc_type: b.add_text_field("doc_type", STRING),
        year: b.add_i64_field("year", INDEXED | FAST),
        lead: b.add_text_field("lead", STRING | FAST),
        due: b.add_text_field("due", STRING | FAST),
        due_end: b.add_i64_field("due_end", INDEXED | FAST),
        percent: b.add_f64_field("percent", FAST),
        json: b.add_text_field("json", STORED),
    };
    (b.build(), fields)
}

/// The keys a citation id is filtered by: the folded id, and for `N/YYYY/CODE` also
/// `N/CODE`, so `--cites 61/NĐ-CP` finds decree 61 whatever its year.
pub(crate) fn citation_keys(id: &str) -> Vec<String> {
    let key = super::search::filter_key(id);
    let parts: Vec<&str> = key.splitn(3, '/').collect();
    let mut keys = vec![key.clone()];
    if let [number, year, code] = parts[..] {
        if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
            keys.push(format!("{number}/{code}"));
        }
    }
    keys
}

/// A deadline's quarter, `2021Q1`: the quarter it names, else the quarter of its end date.
pub fn due_quarter(deadline: &Deadline) -> Option<String> {
    let date = deadline.end.as_deref().or(deadline.start.as_deref())?;
    let year = super::year_of(Some(date))?;
    let quarter = match deadline.quarter {
        Some(q) => q,
        None => {
            let month: u8 = date.get(5..7)?.parse().ok()?;
            month.clamp(1, 12).div_ceil(3)
        }
    };
    Some(format!("{year}Q{quarter}"))
}

/// An ISO date as the number `YYYYMMDD`, the form date filters compare.
pub fn date_number(date: &str) -> Option<i64> {
    let digits: String = date.get(..10)?.chars().filter(|c| *c != '-').collect();
    if digits.len() == 8 {
        digits.parse().ok()
    } else {
        None
    }
}

/// An archive's search index, on disk or in memory.
pub struct Archive {
    index: Index,
    reader: IndexReader,
    pub(crate) fields: Fields,
}

impl Archive {
    /// Opens the index in `dir`, creating it (and `dir`) when absent.
    pub fn open_or_create(dir: &Path) -> Result<Self, ArchiveError> {
        std::fs::create_dir_all(dir).map_err(|e| ArchiveError::io(dir, e))?;
        let (schema, fields) = schema();
        let index = if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir)?;
            if index.schema() != schema {
                return Err(ArchiveError::Invalid(format!(
                    "{} was built by another version of vanban: delete it and index again",
                    dir.display()
                )));
            }
            index
        } else {
            Index::create_in_dir(dir, schema)?
        };
        Self::with_index(index, fields)
    }

    /// Opens an existing index for searching.
    pub fn open(dir: &Path) -> Result<Self, ArchiveError> {
        if !dir.join("meta.json").exists() {
            return Err(ArchiveError::Invalid(format!(
                "{} is not a vanban index: build one with `vanban index OUT_DIR --index {}`",
                dir.display(),
                dir.display()
            )));
        }
        Self::open_or_create(dir)
    }

    /// A throw-away index, for tests and examples.
    pub fn in_memory() -> Result<Self, ArchiveError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, ArchiveError> {
        index
            .tokenizers()
            .register(analyzer::EXACT, VietTokenizer { folded: false });
        index
            .tokenizers()
            .register(analyzer::FOLDED, VietTokenizer { folded: true });
        // `serve` sees what a later `vanban index` into the same directory commits.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    /// Adds (or replaces) documents; see [`ArchiveWriter`].
    pub fn add<'d>(
        &self,
        docs: impl IntoIterator<Item = &'d Document>,
    ) -> Result<(), ArchiveError> {
        let mut writer = self.writer()?;
        for doc in docs {
            writer.add(doc)?;
        }
        writer.commit()
    }

    /// A writer adding documents one at a time (one writer thread); nothing is visible
    /// until [`ArchiveWriter::commit`].
    pub fn writer(&self) -> Result<ArchiveWriter<'_>, ArchiveError> {
        let writer = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(ArchiveWriter {
            archive: self,
            writer,
            wholes: Vec::new(),
        })
    }

    /// Number of indexed Documents.
    pub fn document_count(&self) -> Result<usize, ArchiveError> {
        Ok(self
            .searcher()
            .search(&self.kind_query("document"), &Count)?)
    }

    /// The source path of every indexed Document.
    pub fn document_paths(&self) -> Result<Vec<String>, ArchiveError> {
        let searcher = self.searcher();
        let entries = searcher.search(&self.kind_query("document"), &DocSetCollector)?;
        let mut paths = Vec::with_capacity(entries.len());
        for address in entries {
            let entry: TantivyDocument = searcher.doc(address)?;
            if let Some(path) = entry.get_first(self.fields.path).and_then(|v| v.as_str()) {
                paths.push(path.to_string());
            }
        }
        Ok(paths)
    }

    fn kind_query(&self, kind: &str) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.kind, kind),
            IndexRecordOption::Basic,
        )
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// Every index entry of one Document, the whole-document entry first.
    ///
    /// Filter fields hold what the entry itself names: a citation entry only its own id, a
    /// task entry its own units and deadline; a document entry everything its parts name;
    /// passages and figures the document's citations and agency.
    fn entries(&self, doc: &Document) -> Vec<TantivyDocument> {
        let f = self.fields;
        let m = &doc.metadata;
        let located = Locator::new(doc);
        let agencies: Vec<String> = m
            .agency
            .iter()
            .chain(&m.parent_agency)
            .map(|a| crate::vn::canonical_agency(a))
            .collect();
        let add_cites = |e: &mut TantivyDocument, ids: &mut dyn Iterator<Item = &String>| {
            for id in ids {
                for key in citation_keys(id) {
                    e.add_text(f.cites, key);
                }
                e.add_text(f.cited, id);
            }
        };
        let add_task = |e: &mut TantivyDocument, task: &Task| {
            for lead in &task.lead {
                e.add_text(f.lead, lead);
            }
            if let Some(d) = &task.deadline {
                if let Some(q) = due_quarter(d) {
                    e.add_text(f.due, q);
                }
                if let Some(end) = d.end.as_deref().and_then(date_number) {
                    e.add_i64(f.due_end, end);
                }
            }
        };
        // Documents written before the canonical agency existed get it here.
        let agency_label = m
            .agency_canonical
            .clone()
            .or_else(|| m.agency.as_deref().map(crate::vn::canonical_agency));
        let doc_type = m.doc_type.map(|t| t.name.to_string());
        let base = |kind: &str, location: &Location, text: &str| {
            let mut e = TantivyDocument::default();
            e.add_text(f.kind, kind);
            e.add_text(f.sha256, &doc.source.sha256);
            e.add_text(f.path, &doc.source.path);
            for (field, value) in [
                (f.title, &m.title),
                (f.number, &m.number),
                (f.agency_label, &agency_label),
                (f.doc_type_label, &doc_type),
                (f.date, &m.date),
            ] {
                if let Some(v) = value {
                    e.add_text(field, v);
                }
            }
            if let Some(t) = m.doc_type {
                e.add_text(f.doc_type, fold(t.name));
            }
            if let Some(y) = m.year.map(i64::from).or(super::year_of(m.date.as_deref())) {
                e.add_i64(f.year, y);
            }
            for a in &agencies {
                e.add_text(f.agency, a);
            }
            e.add_text(
                f.location,
                serde_json::to_string(location).expect("location serializes"),
            );
            let (exact, folded) = if kind == "document" {
                (f.doc_text, f.doc_text_folded)
            } else {
                (f.text, f.text_folded)
            };
            e.add_text(exact, text);
            e.add_text(folded, text);
            e
        };
        let mut out = Vec::new();

        let mut whole = base(
            "document",
            &located.at([0, doc.text.chars().count()]),
            &doc.text,
        );
        add_cites(&mut whole, &mut doc.citations.iter().map(|c| &c.id));
        for task in &doc.tasks {
            add_task(&mut whole, task);
        }
        whole.add_text(
            f.json,
            serde_json::to_string(doc).expect("document serializes"),
        );
        out.push(whole);

        for span in passages(doc) {
            let text = located.slice(span);
            let mut e = base("section", &located.at(span), text.trim());
            add_cites(&mut e, &mut doc.citations.iter().map(|c| &c.id));
            out.push(e);
        }

        for task in &doc.tasks {
            let mut location = located.at(task.span);
            location.table = task.table;
            location.row = task.row;
            if let Some(label) = &task.section {
                location.section.get_or_insert_with(|| label.clone());
            }
            let mut text = task.content.clone();
            for (label, names) in [("Chủ trì", &task.lead), ("Phối hợp", &task.partners)] {
                if !names.is_empty() {
                    text.push_str(&format!(" — {label}: {}", names.join(", ")));
                }
            }
            if let Some(d) = &task.deadline {
                text.push_str(&format!(" — Thời hạn: {}", d.text));
            }
            let mut e = base("task", &location, &text);
            add_cites(&mut e, &mut doc.citations.iter().map(|c| &c.id));
            for a in task.lead.iter().chain(&task.partners) {
                e.add_text(f.agency, crate::vn::canonical_agency(a));
            }
            add_task(&mut e, task);
            out.push(e);
        }

        for citation in &doc.citations {
            let span = citation.mentions.first().copied().unwrap_or([0, 0]);
            let mut e = base("citation", &located.at(span), located.line_text(span[0]));
            e.add_text(f.citation_id, &citation.id);
            add_cites(&mut e, &mut std::iter::once(&citation.id));
            out.push(e);
        }

        for figure in &doc.figures {
            let mut e = base(
                "figure",
                &located.at(figure.span),
                located.line_text(figure.span[0]),
            );
            add_cites(&mut e, &mut doc.citations.iter().map(|c| &c.id));
            if figure.kind == FigureKind::Percent {
                e.add_f64(f.percent, figure.value);
            } else if let Some(p) = figure.percent {
                e.add_f64(f.percent, p);
            }
            out.push(e);
        }
        out
    }
}

/// Adds documents to an [`Archive`] in bounded memory.
pub struct ArchiveWriter<'a> {
    archive: &'a Archive,
    writer: IndexWriter,
    /// Whole-document entries waiting for the end of their batch.
    wholes: Vec<TantivyDocument>,
}

impl ArchiveWriter<'_> {
    /// Adds a document, replacing any entries of the same source path.
    pub fn add(&mut self, doc: &Document) -> Result<(), ArchiveError> {
        self.delete(&doc.source.path);
        let mut entries = self.archive.entries(doc).into_iter();
        self.wholes.extend(entries.next());
        for entry in entries {
            self.writer.add_document(entry)?;
        }
        // Entries are stored in insertion order, in compressed blocks read whole for every
        // hit. Whole-document entries are large (text and JSON), so each batch adds them
        // after its small entries: a passage hit then never decompresses a whole document.
        if self.wholes.len() >= STORE_BATCH {
            self.flush_wholes()?;
        }
        Ok(())
    }

    fn delete(&mut self, path: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.archive.fields.path, path));
    }

    /// Deletes the entries of documents whose source file is gone (see
    /// `super::source_is_gone`), as of the last commit; returns their paths, sorted.
    pub fn prune(&mut self) -> Result<Vec<String>, ArchiveError> {
        let mut gone: Vec<String> = self
            .archive
            .document_paths()?
            .into_iter()
            .filter(|p| super::source_is_gone(p))
            .collect();
        gone.sort();
        for path in &gone {
            self.delete(path);
        }
        Ok(gone)
    }

    fn flush_wholes(&mut self) -> Result<(), ArchiveError> {
        for whole in self.wholes.drain(..) {
            self.writer.add_document(whole)?;
        }
        Ok(())
    }

    /// Commits, merges the index into one segment and makes it visible.
    pub fn commit(mut self) -> Result<(), ArchiveError> {
        self.flush_wholes()?;
        self.writer.commit()?;
        // One segment: every query walks each segment's term dictionary and postings, so
        // many small segments cost latency on every search, while merging costs once here.
        let segments = self.archive.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        self.archive.reader.reload()?;
        Ok(())
    }
}

/// Maps code-point spans of one Document to lines, sections and text.
pub(crate) struct Locator<'a> {
    doc: &'a Document,
    /// Byte offset of every code point, plus the text length.
    byte_at: Vec<usize>,
    /// Code-point offset where each line starts.
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(doc: &'a Document) -> Self {
        let mut byte_at: Vec<usize> = doc.text.char_indices().map(|(b, _)| b).collect();
        byte_at.push(doc.text.len());
        let line_starts = lines(&doc.text).iter().map(|l| l.start).collect();
        Self {
            doc,
            byte_at,
            line_starts,
        }
    }

    fn chars(&self) -> usize {
        self.byte_at.len() - 1
    }

    /// The text of a code-point span, clamped to the document.
    pub(crate) fn slice(&self, span: [usize; 2]) -> &'a str {
        let start = span[0].min(self.chars());
        let end = span[1].clamp(start, self.chars());
        &self.doc.text[self.byte_at[start]..self.byte_at[end]]
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1) - 1
    }

    /// The whole line holding `offset`.
    fn line_text(&self, offset: usize) -> &'a str {
        let no = self.line_of(offset);
        let start = self.line_starts[no];
        let end = self
            .line_starts
            .get(no + 1)
            .map_or(self.chars(), |&s| s - 1);
        self.slice([start, end]).trim()
    }

    pub(crate) fn at(&self, span: [usize; 2]) -> Location {
        let section = super::flatten_sections(self.doc)
            .into_iter()
            .filter(|(_, s)| s.span[0] <= span[0] && span[0] < s.span[1].max(s.span[0] + 1))
            .max_by_key(|(_, s)| s.level)
            .map(|(_, s)| format!("{} {}", s.label, s.heading).trim().to_string());
        Location {
            section,
            table: None,
            row: None,
            line: self.line_of(span[0]) + 1,
            span,
        }
    }
}

/// Code-point spans of the passages of a text: non-blank lines, short ones merged with the
/// lines after them, never across a blank-line gap of more than one line.
fn passages(doc: &Document) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut current: Option<[usize; 2]> = None;
    let mut blank_run = 0;
    for line in lines(&doc.text) {
        if line.text.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                out.extend(current.take());
            }
            continue;
        }
        blank_run = 0;
        let span = current.map_or([line.start, line.end()], |c| [c[0], line.end()]);
        if span[1] - span[0] >= MIN_PASSAGE_CHARS {
            out.push(span);
            current = None;
        } else {
            current = Some(span);
        }
    }
    out.extend(current);
    out
}
