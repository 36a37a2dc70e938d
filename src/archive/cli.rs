//! The `export`, `index`, `search` and `serve` subcommands of `vanban`.
//!
//! Exit codes follow `vanban extract`: 0 when everything was read, 1 when some input
//! files were not Documents (they are listed on stderr; the rest is still exported or
//! indexed), 2 when the command could not run at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;

use super::csv::Bom;
use super::index::Archive;
use super::search::{SearchRequest, KINDS};
use super::{csv, http, load_each, parquet, sqlite, ArchiveError, LoadIssue};

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Export Documents (extract output: directories of *.json, or *.jsonl files) to SQLite, CSV and/or Parquet tables.
    Export {
        #[arg(required_unless_present = "prune")]
        inputs: Vec<PathBuf>,
        /// SQLite database to create or update (one document per source path).
        #[arg(long)]
        sqlite: Option<PathBuf>,
        /// Directory for one CSV file per table (dumped from the SQLite tables).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Start each CSV file with a UTF-8 byte order mark, so Excel reads the marks right.
        #[arg(long, requires = "csv")]
        csv_bom: bool,
        /// Directory for one Parquet file per table (for DuckDB, Spark, pyarrow).
        #[arg(long)]
        parquet: Option<PathBuf>,
        /// Drop documents whose source file no longer exists (after adding the inputs).
        #[arg(long, requires = "sqlite")]
        prune: bool,
    },
    /// Add Documents to a search index (created when absent; re-indexing a path replaces it).
    Index {
        #[arg(required_unless_present = "prune")]
        inputs: Vec<PathBuf>,
        #[arg(long)]
        index: PathBuf,
        /// Drop documents whose source file no longer exists (after adding the inputs).
        #[arg(long)]
        prune: bool,
    },
    /// Search an index: diacritics optional, OCR-damaged words tolerated.
    Search {
        /// Words to find; may be empty when filters are given.
        query: String,
        #[arg(long)]
        index: PathBuf,
        /// Only entries of this kind.
        #[arg(long = "type", value_parser = KINDS)]
        kind: Option<String>,
        /// Only citations of this id (e.g. 61/2018/NĐ-CP; 61/NĐ-CP for any year), or
        /// entries of documents citing it.
        #[arg(long)]
        cites: Option<String>,
        /// Only documents issued by, or tasks assigned to, this agency ("UBND" is written out).
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        year: Option<i64>,
        /// Document type, e.g. "Kế hoạch".
        #[arg(long)]
        doc_type: Option<String>,
        /// Only tasks due in this quarter, e.g. 2021Q1 (documents having one, with --type document).
        #[arg(long)]
        due: Option<String>,
        /// Only tasks whose deadline ends on or before this date, e.g. 2021-03-31.
        #[arg(long)]
        due_before: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Skip this many hits (the next page).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print the results as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Serve a local web page for searching and reading an index.
    Serve {
        #[arg(long)]
        index: PathBuf,
        /// Address to listen on; beyond loopback it needs --token.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Token every request must carry (`Authorization: Bearer TOKEN`, or `?token=TOKEN`
        /// once in a browser, which then keeps it in a cookie).
        #[arg(long, env = "VANBAN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Connections held at once (also bounded by the open-files limit).
        #[arg(long, default_value_t = 4096)]
        max_connections: usize,
        /// Threads rendering pages: half of them (at least one) whole documents, the rest
        /// searches and every other page.
        #[arg(long, default_value_t = 4)]
        workers: usize,
        /// Seconds a client has to send its request, and then to read the answer.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
}

/// Runs one archive subcommand; errors are printed here and become exit code 2.
pub fn run(command: ArchiveCommand) -> std::io::Result<ExitCode> {
    let result = match command {
        ArchiveCommand::Export {
            inputs,
            sqlite,
            csv,
            csv_bom,
            parquet,
            prune,
        } => {
            let targets = Targets {
                sqlite: sqlite.as_deref(),
                csv: csv.as_deref(),
                csv_bom: if csv_bom { Bom::Utf8 } else { Bom::None },
                parquet: parquet.as_deref(),
            };
            export(&inputs, &targets, prune)
        }
        ArchiveCommand::Index {
            inputs,
            index,
            prune,
        } => index_command(&inputs, &index, prune),
        ArchiveCommand::Search {
            query,
            index,
            kind,
            cites,
            agency,
            year,
            doc_type,
            due,
            due_before,
            limit,
            offset,
            json,
        } => {
            let request = SearchRequest {
                query,
                kind,
                cites,
                agency,
                year,
                doc_type,
                due,
                due_before,
                limit,
                offset,
                facets: false,
            };
            search(&index, &request, json)
        }
        ArchiveCommand::Serve {
            index,
            addr,
            token,
            max_connections,
            workers,
            timeout,
        } => Archive::open(&index)
            .and_then(|archive| {
                let config = http::Config {
                    addr,
                    token,
                    max_connections,
                    workers,
                    timeout: std::time::Duration::from_secs(timeout),
                    ..http::Config::default()
                };
                http::serve(&archive, config)
            })
            .map(|()| ExitCode::SUCCESS),
    };
    Ok(result.unwrap_or_else(|e| {
        eprintln!("vanban: {e}");
        ExitCode::from(2)
    }))
}

/// Reports what was skipped; the exit code says whether anything but extraction failures was.
fn report_issues(issues: &[LoadIssue]) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for issue in issues {
        eprintln!(
            "vanban: skipped {} ({}): {}",
            issue.location, issue.kind, issue.message
        );
        if issue.kind != "error_record" {
            code = ExitCode::FAILURE;
        }
    }
    code
}

/// Where `export` writes.
struct Targets<'a> {
    sqlite: Option<&'a Path>,
    csv: Option<&'a Path>,
    csv_bom: Bom,
    parquet: Option<&'a Path>,
}

fn export(inputs: &[PathBuf], to: &Targets, prune: bool) -> Result<ExitCode, ArchiveError> {
    if to.sqlite.is_none() && to.csv.is_none() && to.parquet.is_none() {
        return Err(ArchiveError::Invalid(
            "nothing to do: give --sqlite FILE, --csv DIR and/or --parquet DIR".into(),
        ));
    }
    let started = Instant::now();
    let mut conn = match to.sqlite {
        Some(path) => rusqlite::Connection::open(path)?,
        None => rusqlite::Connection::open_in_memory()?,
    };
    let mut export = sqlite::Export::begin(&mut conn)?;
    let issues = load_each(inputs, |doc| export.add(&doc))?;
    let stats = export.commit()?;
    let code = report_issues(&issues);
    let pruned = if prune {
        sqlite::prune(&mut conn)?
    } else {
        Vec::new()
    };
    report_pruned(&pruned);
    if let Some(dir) = to.csv {
        for (table, rows) in csv::export(&conn, dir, to.csv_bom)? {
            eprintln!("vanban: {}/{table}.csv: {rows} rows", dir.display());
        }
    }
    if let Some(dir) = to.parquet {
        for (table, rows) in parquet::export(&conn, dir)? {
            eprintln!("vanban: {}/{table}.parquet: {rows} rows", dir.display());
        }
    }
    eprintln!(
        "vanban: {} documents exported ({} new, {} updated), {} pruned, {} skipped, {:.2} s",
        stats.inserted + stats.updated,
        stats.inserted,
        stats.updated,
        pruned.len(),
        issues.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(code)
}

fn report_pruned(paths: &[String]) {
    for path in paths {
        eprintln!("vanban: pruned {path} (source file is gone)");
    }
}

fn index_command(inputs: &[PathBuf], dir: &Path, prune: bool) -> Result<ExitCode, ArchiveError> {
    let started = Instant::now();
    let archive = Archive::open_or_create(dir)?;
    let mut writer = archive.writer()?;
    let mut added = 0;
    let issues = load_each(inputs, |doc| {
        added += 1;
        writer.add(&doc)
    })?;
    // Pruning sees the last commit: commit the added documents first.
    writer.commit()?;
    let pruned = if prune {
        let mut writer = archive.writer()?;
        let pruned = writer.prune()?;
        writer.commit()?;
        pruned
    } else {
        Vec::new()
    };
    let code = report_issues(&issues);
    report_pruned(&pruned);
    eprintln!(
        "vanban: {added} documents indexed ({} in the index), {} pruned, {} skipped, {:.2} s",
        archive.document_count()?,
        pruned.len(),
        issues.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(code)
}

fn search(dir: &Path, request: &SearchRequest, json: bool) -> Result<ExitCode, ArchiveError> {
    let archive = Archive::open(dir)?;
    let results = archive.search(request)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).expect("results serialize")
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} entries matched{}{}",
        results.total,
        if results.relaxed {
            " (all words but one)"
        } else {
            ""
        },
        if results.more {
            "; more with --offset"
        } else {
            ""
        }
    );
    for (n, hit) in results.hits.iter().enumerate() {
        let d = &hit.document;
        let title = d.title.as_deref().unwrap_or("");
        println!(
            "{:>3}. [{}] {}  {}",
            request.offset + n + 1,
            hit.kinds.join("+"),
            d.path,
            title
        );
        let mut location = Vec::new();
        if let Some(s) = &hit.location.section {
            location.push(format!("§ {s}"));
        }
        if let (Some(t), Some(r)) = (hit.location.table, hit.location.row) {
            location.push(format!("table {} row {}", t + 1, r + 1));
        }
        if let Some(id) = &hit.citation_id {
            location.push(id.clone());
        }
        location.push(format!("line {}", hit.location.line));
        println!("     {}", location.join(" · "));
        println!("     {}", hit.snippet.marked("«", "»", str::to_string));
        let why: Vec<String> = hit
            .why
            .words
            .iter()
            .map(|w| format!("{} = {} ({})", w.query, w.found, w.how.as_str()))
            .chain(hit.why.filters.iter().cloned())
            .collect();
        if !why.is_empty() {
            println!("     why: {}", why.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
