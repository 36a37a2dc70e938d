//! SQLite tables for dashboards (Metabase, Superset, Grafana).
//!
//! One row per document in `documents`, keyed for joins by `doc_id` and identified by its
//! source `path` plus `sha256` (the source file's hash). Every child table (`sections`,
//! `tasks`, `task_agencies`, `figures`, `citations`, `citation_mentions`) carries `doc_id`
//! plus the item's position in its JSON array (`task_no`, …), so `(doc_id, task_no)` is the
//! key of a task. Dates are ISO `YYYY-MM-DD` TEXT; spans are code points of `documents.text`.
//! The schema is documented, with example queries, in `docs/archive.md`.
//!
//! **Invariant:** one row per source path. Exporting a Document whose path is already
//! present replaces that document's rows (a corrected file re-extracted: new sha256, same
//! `doc_id`); the same content at two paths gives two documents.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{flatten_sections, year_of, ArchiveError};
use crate::model::Document;

/// Bumped when a table or column changes; stored in `meta`.
pub const SCHEMA_VERSION: i64 = 3;

/// The tables in the order they are created and written to CSV.
pub const TABLES: [&str; 7] = [
    "documents",
    "sections",
    "tasks",
    "task_agencies",
    "figures",
    "citations",
    "citation_mentions",
];

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    pages INTEGER,
    encoding TEXT NOT NULL,
    text_layer TEXT NOT NULL,
    diacritics TEXT NOT NULL,
    repaired_tokens INTEGER NOT NULL,
    confidence REAL NOT NULL,
    agency TEXT,
    agency_canonical TEXT,
    parent_agency TEXT,
    number TEXT,
    doc_type TEXT,
    place TEXT,
    date TEXT,
    year INTEGER,
    title TEXT,
    signer_name TEXT,
    signer_position TEXT,
    signer_authority TEXT,
    recipients TEXT NOT NULL,
    n_sections INTEGER NOT NULL,
    n_tasks INTEGER NOT NULL,
    n_figures INTEGER NOT NULL,
    n_citations INTEGER NOT NULL,
    warnings TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sections (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    section_no INTEGER NOT NULL,
    parent_no INTEGER,
    label TEXT NOT NULL,
    heading TEXT NOT NULL,
    level INTEGER NOT NULL,
    n_items INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, section_no)
);
CREATE TABLE IF NOT EXISTS tasks (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    task_no INTEGER NOT NULL,
    task_group TEXT,
    number TEXT,
    content TEXT NOT NULL,
    lead TEXT NOT NULL,
    partners TEXT NOT NULL,
    outputs TEXT,
    deadline_text TEXT,
    deadline_kind TEXT,
    deadline_start TEXT,
    deadline_end TEXT,
    deadline_quarter INTEGER,
    deadline_year_inferred INTEGER,
    deadline_relative INTEGER,
    source TEXT NOT NULL,
    table_no INTEGER,
    row_no INTEGER,
    section TEXT,
    section_path TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, task_no)
);
CREATE TABLE IF NOT EXISTS task_agencies (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    task_no INTEGER NOT NULL,
    role TEXT NOT NULL,
    agency TEXT NOT NULL,
    canonical TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS figures (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    figure_no INTEGER NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    value REAL NOT NULL,
    total REAL,
    percent REAL,
    unit TEXT,
    subject TEXT,
    qualifier TEXT,
    consistent INTEGER,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, figure_no)
);
CREATE TABLE IF NOT EXISTS citations (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    citation_no INTEGER NOT NULL,
    citation_id TEXT NOT NULL,
    type TEXT NOT NULL,
    number TEXT,
    year INTEGER,
    code TEXT,
    date TEXT,
    issuer TEXT,
    issuer_canonical TEXT,
    relation TEXT NOT NULL,
    n_mentions INTEGER NOT NULL,
    PRIMARY KEY (doc_id, citation_no)
);
CREATE TABLE IF NOT EXISTS citation_mentions (
    doc_id INTEGER NOT NULL REFERENCES documents(doc_id),
    citation_no INTEGER NOT NULL,
    mention_no INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, citation_no, mention_no)
);
CREATE INDEX IF NOT EXISTS documents_sha256 ON documents(sha256);
CREATE INDEX IF NOT EXISTS documents_year ON documents(year);
CREATE INDEX IF NOT EXISTS documents_agency ON documents(agency_canonical);
CREATE INDEX IF NOT EXISTS documents_doc_type ON documents(doc_type);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE INDEX IF NOT EXISTS tasks_deadline ON tasks(deadline_end, deadline_start);
CREATE INDEX IF NOT EXISTS tasks_deadline_quarter ON tasks(deadline_quarter);
CREATE INDEX IF NOT EXISTS task_agencies_agency ON task_agencies(canonical, role);
CREATE INDEX IF NOT EXISTS task_agencies_task ON task_agencies(doc_id, task_no);
CREATE INDEX IF NOT EXISTS citations_citation_id ON citations(citation_id);
"#;

/// What one export did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportStats {
    pub inserted: usize,
    /// Documents whose path was already present: their rows were replaced.
    pub updated: usize,
}

/// Creates the tables and indexes if missing; refuses a database of another schema version.
pub fn create_schema(conn: &Connection) -> Result<(), ArchiveError> {
    conn.execute_batch(SCHEMA)?;
    let found: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        None => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )?;
        }
        Some(v) if v == SCHEMA_VERSION.to_string() => {}
        Some(v) => {
            return Err(ArchiveError::Invalid(format!(
                "database has archive schema version {v}, this vanban writes {SCHEMA_VERSION}"
            )))
        }
    }
    Ok(())
}

/// Upserts `docs` in one transaction (creating the schema first).
pub fn export<'d>(
    conn: &mut Connection,
    docs: impl IntoIterator<Item = &'d Document>,
) -> Result<ExportStats, ArchiveError> {
    let mut export = Export::begin(conn)?;
    for doc in docs {
        export.add(doc)?;
    }
    export.commit()
}

/// An export in progress: one transaction, documents added one at a time.
pub struct Export<'c> {
    tx: Transaction<'c>,
    stats: ExportStats,
}

impl<'c> Export<'c> {
    /// Creates the schema if missing and opens the transaction.
    pub fn begin(conn: &'c mut Connection) -> Result<Self, ArchiveError> {
        create_schema(conn)?;
        Ok(Self {
            tx: conn.transaction()?,
            stats: ExportStats::default(),
        })
    }

    pub fn add(&mut self, doc: &Document) -> Result<(), ArchiveError> {
        if upsert_document(&self.tx, doc)? {
            self.stats.updated += 1;
        } else {
            self.stats.inserted += 1;
        }
        Ok(())
    }

    pub fn commit(self) -> Result<ExportStats, ArchiveError> {
        self.tx.commit()?;
        Ok(self.stats)
    }
}

/// Deletes the rows of documents whose source file is gone (see
/// `super::source_is_gone`); returns their paths, sorted.
pub fn prune(conn: &mut Connection) -> Result<Vec<String>, ArchiveError> {
    create_schema(conn)?;
    let tx = conn.transaction()?;
    let mut gone = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT doc_id, path FROM documents ORDER BY path")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, path) = row?;
            if super::source_is_gone(&path) {
                delete_document(&tx, id)?;
                gone.push(path);
            }
        }
    }
    tx.commit()?;
    Ok(gone)
}

/// Deletes one document's rows in every table.
fn delete_document(tx: &Transaction, id: i64) -> Result<(), ArchiveError> {
    for table in &TABLES[1..] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE doc_id = ?1"))?
            .execute([id])?;
    }
    tx.prepare_cached("DELETE FROM documents WHERE doc_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Writes one document and its children; returns whether it replaced an existing one.
fn upsert_document(tx: &Transaction, doc: &Document) -> Result<bool, ArchiveError> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT doc_id FROM documents WHERE path = ?1")?
        .query_row([&doc.source.path], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        delete_document(tx, id)?;
    }
    let m = &doc.metadata;
    let signer = m.signer.clone().unwrap_or_default();
    let json = |v: &Vec<String>| serde_json::to_string(v).expect("strings serialize");
    tx.prepare_cached(
        "INSERT INTO documents (doc_id, sha256, path, format, bytes, pages, encoding, text_layer, diacritics,
            repaired_tokens, confidence, agency, agency_canonical, parent_agency, number, doc_type, place, date,
            year, title, signer_name, signer_position, signer_authority, recipients, n_sections, n_tasks,
            n_figures, n_citations, warnings, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
            ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
    )?
    .execute(params![
        existing,
        doc.source.sha256,
        doc.source.path,
        doc.source.format.as_str(),
        doc.source.bytes as i64,
        doc.source.pages,
        doc.quality.encoding,
        doc.quality.text_layer.as_str(),
        doc.quality.diacritics.as_str(),
        doc.quality.repaired_tokens as i64,
        doc.quality.confidence,
        m.agency,
        m.agency_canonical,
        m.parent_agency,
        m.number,
        m.doc_type.map(|t| t.name),
        m.place,
        m.date,
        m.year.map(i64::from).or_else(|| year_of(m.date.as_deref())),
        m.title,
        signer.name,
        signer.position,
        signer.authority,
        json(&m.recipients),
        flatten_sections(doc).len() as i64,
        doc.tasks.len() as i64,
        doc.figures.len() as i64,
        doc.citations.len() as i64,
        json(&doc.warnings),
        doc.text,
    ])?;
    let id = tx.last_insert_rowid();

    let mut insert = tx.prepare_cached(
        "INSERT INTO sections (doc_id, section_no, parent_no, label, heading, level, n_items, span_start, span_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (no, (parent, s)) in flatten_sections(doc).into_iter().enumerate() {
        insert.execute(params![
            id,
            no as i64,
            parent.map(|p| p as i64),
            s.label,
            s.heading,
            s.level,
            s.items.len() as i64,
            s.span[0] as i64,
            s.span[1] as i64
        ])?;
    }

    let mut insert = tx.prepare_cached(
        "INSERT INTO tasks (doc_id, task_no, task_group, number, content, lead, partners, outputs, deadline_text,
            deadline_kind, deadline_start, deadline_end, deadline_quarter, deadline_year_inferred, deadline_relative,
            source, table_no, row_no, section, section_path, span_start, span_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
            ?21, ?22)",
    )?;
    let mut insert_agency = tx.prepare_cached(
        "INSERT INTO task_agencies (doc_id, task_no, role, agency, canonical) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (no, t) in doc.tasks.iter().enumerate() {
        let d = t.deadline.as_ref();
        insert.execute(params![
            id,
            no as i64,
            t.group,
            t.number,
            t.content,
            t.lead.join("; "),
            t.partners.join("; "),
            t.outputs,
            d.map(|d| &d.text),
            d.map(|d| d.kind.as_str()),
            d.and_then(|d| d.start.as_ref()),
            d.and_then(|d| d.end.as_ref()),
            d.and_then(|d| d.quarter),
            d.map(|d| d.year_inferred),
            d.map(|d| d.relative),
            t.source.as_str(),
            t.table.map(|v| v as i64),
            t.row.map(|v| v as i64),
            t.section,
            t.section_path.join(" "),
            t.span[0] as i64,
            t.span[1] as i64,
        ])?;
        let roles = t
            .lead
            .iter()
            .map(|a| ("lead", a))
            .chain(t.partners.iter().map(|a| ("partner", a)));
        for (role, agency) in roles {
            let canonical = crate::vn::canonical_agency(agency);
            insert_agency.execute(params![id, no as i64, role, agency, canonical])?;
        }
    }

    let mut insert = tx.prepare_cached(
        "INSERT INTO figures (doc_id, figure_no, text, kind, value, total, percent, unit, subject, qualifier,
            consistent, span_start, span_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for (no, f) in doc.figures.iter().enumerate() {
        insert.execute(params![
            id,
            no as i64,
            f.text,
            f.kind.as_str(),
            f.value,
            f.total,
            f.percent,
            f.unit,
            f.subject,
            f.qualifier,
            f.consistent,
            f.span[0] as i64,
            f.span[1] as i64
        ])?;
    }

    let mut insert = tx.prepare_cached(
        "INSERT INTO citations (doc_id, citation_no, citation_id, type, number, year, code, date, issuer,
            issuer_canonical, relation, n_mentions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut insert_mention = tx.prepare_cached(
        "INSERT INTO citation_mentions (doc_id, citation_no, mention_no, span_start, span_end)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (no, c) in doc.citations.iter().enumerate() {
        insert.execute(params![
            id,
            no as i64,
            c.id,
            c.doc_type.name,
            c.number,
            c.year,
            c.code,
            c.date,
            c.issuer,
            c.issuer_canonical,
            c.relation.as_str(),
            c.mentions.len() as i64
        ])?;
        for (m_no, span) in c.mentions.iter().enumerate() {
            insert_mention.execute(params![
                id,
                no as i64,
                m_no as i64,
                span[0] as i64,
                span[1] as i64
            ])?;
        }
    }
    Ok(existing.is_some())
}

/// The two dashboard queries shown in `docs/archive.md` and the README, kept here so tests
/// run exactly what the documentation shows, in SQLite and in DuckDB (over the Parquet
/// export): hence `CASE` rather than SQLite's boolean arithmetic and integer division.
pub mod examples {
    /// Share of each lead agency's tasks whose deadline falls in each quarter.
    pub const DEADLINE_QUARTER_SHARE: &str = r#"
WITH due AS (
  SELECT a.canonical AS agency,
         COALESCE(t.deadline_quarter,
                  CASE WHEN substr(t.deadline_end, 6, 2) <= '03' THEN 1
                       WHEN substr(t.deadline_end, 6, 2) <= '06' THEN 2
                       WHEN substr(t.deadline_end, 6, 2) <= '09' THEN 3
                       WHEN substr(t.deadline_end, 6, 2) <= '12' THEN 4 END) AS quarter
  FROM tasks t
  JOIN task_agencies a ON a.doc_id = t.doc_id AND a.task_no = t.task_no AND a.role = 'lead'
)
SELECT agency,
       COUNT(*) AS tasks,
       ROUND(AVG(CASE WHEN quarter = 1 THEN 1.0 ELSE 0.0 END), 3) AS q1_share,
       ROUND(AVG(CASE WHEN quarter = 2 THEN 1.0 ELSE 0.0 END), 3) AS q2_share,
       ROUND(AVG(CASE WHEN quarter = 3 THEN 1.0 ELSE 0.0 END), 3) AS q3_share,
       ROUND(AVG(CASE WHEN quarter = 4 THEN 1.0 ELSE 0.0 END), 3) AS q4_share,
       ROUND(AVG(CASE WHEN quarter IS NULL THEN 1.0 ELSE 0.0 END), 3) AS no_deadline_share
FROM due
GROUP BY agency
ORDER BY tasks DESC, agency;
"#;

    /// The most cited decrees (nghị định), by number of citing documents.
    pub const MOST_CITED_DECREES: &str = r#"
SELECT c.citation_id,
       COUNT(DISTINCT c.doc_id) AS citing_documents,
       MIN(d.year) AS first_cited,
       MAX(d.year) AS last_cited
FROM citations c
JOIN documents d ON d.doc_id = c.doc_id
WHERE c.citation_id LIKE '%/NĐ-CP'
GROUP BY c.citation_id
ORDER BY citing_documents DESC, c.citation_id
LIMIT 20;
"#;
}
