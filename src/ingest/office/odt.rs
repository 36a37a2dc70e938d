//! OpenDocument text (`.odt`): `content.xml` with the list styles of `styles.xml` and
//! `content.xml`, the outline numbering of headings, notes, and the master pages'
//! headers and footers.

use std::collections::HashMap;

use super::numbering::{bullet, Counters, NumFormat};
use super::xml::{walk, Ev};
use super::{Builder, Package, Parsed, VMerge};
use crate::ingest::IngestError;

const CONTENT: &str = "content.xml";
const STYLES: &str = "styles.xml";
/// The key of the heading outline among the list styles.
const OUTLINE: &str = "\u{0}outline";

pub fn read(package: &mut Package) -> Result<Parsed, IngestError> {
    let content = package
        .part(CONTENT)?
        .ok_or_else(|| IngestError::Office(format!("no {CONTENT}: not an OpenDocument")))?;
    let styles = package.part(STYLES)?.unwrap_or_default();
    let mut lists = ListStyles::default();
    lists.read(&styles, STYLES)?;
    lists.read(&content, CONTENT)?;
    let (blocks, notes) = walk_body(&content, &lists)?;
    Ok(Parsed {
        blocks,
        notes,
        furniture: furniture(&styles)?,
    })
}

/// One level of a list style.
#[derive(Debug, Clone)]
struct Level {
    format: NumFormat,
    prefix: String,
    suffix: String,
    /// How many levels the label shows ("1.2." shows 2).
    display: usize,
    start: u32,
}

#[derive(Debug, Default)]
struct ListStyles(HashMap<String, HashMap<usize, Level>>);

impl ListStyles {
    fn read(&mut self, xml: &str, part: &str) -> Result<(), IngestError> {
        let mut current: Option<String> = None;
        walk(xml, part, |ev| match ev {
            Ev::Start(e) if e.name == "list-style" => current = e.attr("name").map(str::to_string),
            Ev::Start(e) if e.name == "outline-style" => current = Some(OUTLINE.into()),
            Ev::Start(e)
                if matches!(
                    e.name,
                    "list-level-style-number" | "list-level-style-bullet" | "outline-level-style"
                ) =>
            {
                let Some(style) = &current else { return };
                let level: usize = e.attr("level").and_then(|v| v.parse().ok()).unwrap_or(1);
                let format = if e.name == "list-level-style-bullet" {
                    NumFormat::Bullet(bullet(e.attr("bullet-char").unwrap_or("-")))
                } else {
                    NumFormat::from_odf(e.attr("num-format").unwrap_or(""))
                };
                let (prefix, suffix) = if matches!(format, NumFormat::Bullet(_)) {
                    (String::new(), String::new())
                } else {
                    (
                        e.attr("num-prefix").unwrap_or("").to_string(),
                        e.attr("num-suffix").unwrap_or("").to_string(),
                    )
                };
                self.0.entry(style.clone()).or_default().insert(
                    level.saturating_sub(1),
                    Level {
                        format,
                        prefix,
                        suffix,
                        display: e
                            .attr("display-levels")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1),
                        start: e
                            .attr("start-value")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1),
                    },
                );
            }
            Ev::End("list-style" | "outline-style") => current = None,
            _ => {}
        })
    }

    /// Advances `style`'s counters at `level`; returns the label.
    fn label(
        &self,
        counters: &mut HashMap<String, Counters>,
        style: &str,
        level: usize,
    ) -> Option<String> {
        let levels = self.0.get(style)?;
        let def = levels.get(&level)?;
        if def.format == NumFormat::None {
            return None;
        }
        let values = counters
            .entry(style.to_string())
            .or_default()
            .advance(level, |l| levels.get(&l).map_or(1, |lv| lv.start))
            .to_vec();
        if let NumFormat::Bullet(b) = &def.format {
            return Some(b.clone());
        }
        let first = (level + 1).saturating_sub(def.display.max(1));
        let shown: Vec<String> = (first..=level)
            .map(|l| {
                let format = levels
                    .get(&l)
                    .map_or(NumFormat::Decimal, |lv| lv.format.clone());
                format.format(values[l])
            })
            .collect();
        Some(format!("{}{}{}", def.prefix, shown.join("."), def.suffix))
    }
}

/// An open `text:list`.
struct List {
    style: String,
    /// The next paragraph is an item's first: it gets the label.
    pending: bool,
}

fn walk_body(
    xml: &str,
    styles: &ListStyles,
) -> Result<(Vec<super::Block>, Vec<String>), IngestError> {
    let mut b = Builder::default();
    let mut counters: HashMap<String, Counters> = HashMap::new();
    let mut lists: Vec<List> = Vec::new();
    let mut labels: Vec<Option<String>> = Vec::new();
    let (mut in_body, mut skip, mut in_citation) = (false, 0usize, false);
    // Covered cells still owed to an open cell's column span.
    let mut covered = 0usize;
    // Open cells (tables nest): column span and vertical merge.
    let mut cells: Vec<(usize, VMerge)> = Vec::new();
    let mut note_from: Option<usize> = None;
    let mut notes = Vec::new();
    walk(xml, CONTENT, |ev| {
        if skip > 0 {
            match ev {
                Ev::Start(e) if is_skipped(e.name) => skip += 1,
                Ev::End(name) if is_skipped(name) => skip -= 1,
                _ => {}
            }
            return;
        }
        match ev {
            Ev::Start(e) if e.name == "body" => in_body = true,
            _ if !in_body => {}
            Ev::Start(e) => match e.name {
                name if is_skipped(name) => skip = 1,
                "list" => {
                    let style = e
                        .attr("style-name")
                        .map(str::to_string)
                        .or_else(|| lists.last().map(|l| l.style.clone()))
                        .unwrap_or_default();
                    let continues = e.attr("continue-numbering") == Some("true")
                        || e.attr("continue-list").is_some();
                    if lists.is_empty() && !continues {
                        counters.remove(&style);
                    }
                    lists.push(List {
                        style,
                        pending: false,
                    });
                }
                "list-item" => {
                    if let Some(l) = lists.last_mut() {
                        l.pending = true;
                    }
                }
                "p" | "h" => {
                    b.start_para();
                    let level = lists.len().saturating_sub(1);
                    let label = match lists.last_mut() {
                        Some(l) if l.pending => {
                            l.pending = false;
                            let style = l.style.clone();
                            styles.label(&mut counters, &style, level)
                        }
                        Some(_) => None,
                        None if e.name == "h" => {
                            let outline: usize = e
                                .attr("outline-level")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1);
                            styles.label(&mut counters, OUTLINE, outline.saturating_sub(1))
                        }
                        None => None,
                    };
                    labels.push(label);
                }
                "s" => {
                    let n: usize = e.attr("c").and_then(|v| v.parse().ok()).unwrap_or(1);
                    b.text(&" ".repeat(n.min(100)));
                }
                "tab" => b.text(" "),
                "line-break" => b.line_break(),
                "note-citation" => in_citation = true,
                "note-body" => note_from = Some(b.out.len()),
                "table" => b.start_table(),
                "table-row" => b.start_row(),
                "table-cell" => {
                    b.start_cell();
                    let span = e
                        .attr("number-columns-spanned")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1usize);
                    let rows: usize = e
                        .attr("number-rows-spanned")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1);
                    let vmerge = if rows > 1 {
                        VMerge::Restart
                    } else {
                        VMerge::None
                    };
                    cells.push((span, vmerge));
                }
                "covered-table-cell" => {
                    if covered > 0 {
                        covered -= 1;
                    } else {
                        // Covered from the row above: a vertical merge.
                        b.start_cell();
                        b.end_cell(1, VMerge::Continue);
                    }
                }
                _ => {}
            },
            Ev::Text(t) if in_citation => b.text(&format!("[{}]", t.trim())),
            Ev::Text(t) => b.text(t),
            Ev::End(name) => match name {
                "body" => in_body = false,
                "list" => {
                    lists.pop();
                }
                "p" | "h" => b.end_para(labels.pop().flatten()),
                "note-citation" => in_citation = false,
                "note-body" => {
                    if let Some(from) = note_from.take() {
                        let body = b.out.split_off(from.min(b.out.len()));
                        let text: Vec<String> = body
                            .into_iter()
                            .filter_map(|block| match block {
                                super::Block::Line(l) if !l.trim().is_empty() => {
                                    Some(l.trim().to_string())
                                }
                                _ => None,
                            })
                            .collect();
                        if !text.is_empty() {
                            notes.push(format!("[{}] {}", notes.len() + 1, text.join(" ")));
                        }
                    }
                }
                "table-cell" => {
                    let (span, vmerge) = cells.pop().unwrap_or((1, VMerge::None));
                    b.end_cell(span, vmerge);
                    covered = span - 1;
                }
                "table-row" => b.end_row(),
                "table" => b.end_table(),
                _ => {}
            },
        }
    })?;
    Ok((b.finish(), notes))
}

/// Content that is not the document's text: revisions, comments, declarations, forms.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "tracked-changes" | "annotation" | "sequence-decls" | "forms" | "deletion"
    )
}

/// Text of the master pages' headers and footers in `styles.xml`.
fn furniture(styles: &str) -> Result<Vec<String>, IngestError> {
    let mut out = Vec::new();
    let (mut depth, mut line) = (0usize, String::new());
    walk(styles, STYLES, |ev| match ev {
        Ev::Start(e) if e.name.starts_with("header") || e.name.starts_with("footer") => depth += 1,
        Ev::End(name) if name.starts_with("header") || name.starts_with("footer") => {
            depth = depth.saturating_sub(1)
        }
        Ev::Start(e) if depth > 0 && matches!(e.name, "s" | "tab") => line.push(' '),
        Ev::Text(t) if depth > 0 => line.push_str(t),
        Ev::End("p" | "h") if depth > 0 => {
            let text = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                out.push(text);
            }
            line.clear();
        }
        _ => {}
    })?;
    Ok(out)
}
