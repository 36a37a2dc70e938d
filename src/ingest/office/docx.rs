//! Word `.docx` (WordprocessingML): `word/document.xml` with the list definitions of
//! `numbering.xml` and the paragraph styles of `styles.xml` (a heading style often
//! carries the outline numbering), headers and footers, footnotes and endnotes.

use std::collections::HashMap;

use super::numbering::{Counters, NumFormat};
use super::xml::{walk, Ev};
use super::{Block, Builder, Package, Parsed, VMerge};
use crate::ingest::IngestError;

const DOCUMENT: &str = "word/document.xml";

pub fn read(package: &mut Package) -> Result<Parsed, IngestError> {
    let xml = package
        .part(DOCUMENT)?
        .ok_or_else(|| IngestError::Office(format!("no {DOCUMENT}: not a Word document")))?;
    let mut lists = Lists::default();
    if let Some(styles) = package.part("word/styles.xml")? {
        lists.read_styles(&styles)?;
    }
    if let Some(numbering) = package.part("word/numbering.xml")? {
        lists.read_numbering(&numbering)?;
    }
    let mut read = Parsed::default();
    let (blocks, _) = walk_part(&xml, DOCUMENT, &mut lists)?;
    read.blocks = blocks;
    for name in package.names() {
        let furniture = name.starts_with("word/header") || name.starts_with("word/footer");
        let notes = name == "word/footnotes.xml" || name == "word/endnotes.xml";
        if !(furniture || notes) || !name.ends_with(".xml") {
            continue;
        }
        let Some(xml) = package.part(&name)? else {
            continue;
        };
        let (blocks, notes) = walk_part(&xml, &name, &mut Lists::default())?;
        if furniture {
            read.furniture
                .extend(flatten(blocks).filter(|l| !l.is_empty()));
        } else {
            read.notes.extend(notes);
        }
    }
    Ok(read)
}

/// Blocks as plain lines, table cells joined by spaces.
fn flatten(blocks: Vec<Block>) -> impl Iterator<Item = String> {
    blocks.into_iter().flat_map(|b| match b {
        Block::Line(l) => vec![l.trim().to_string()],
        Block::Table(rows) => rows
            .into_iter()
            .map(|r| r.join(" ").trim().to_string())
            .collect(),
    })
}

/// One level of a list definition.
#[derive(Debug, Clone)]
struct Level {
    format: NumFormat,
    /// `w:lvlText`: "%1.%2." with a placeholder per level.
    text: String,
    start: u32,
}

/// What a paragraph style says about numbering.
#[derive(Debug, Default, Clone)]
struct Style {
    based_on: Option<String>,
    num: Option<String>,
    ilvl: Option<usize>,
}

/// List definitions, style numbering and the running counters.
#[derive(Debug, Default)]
struct Lists {
    abstracts: HashMap<String, HashMap<usize, Level>>,
    /// numId → (abstractNumId, restarts its own counters)
    nums: HashMap<String, (String, bool)>,
    styles: HashMap<String, Style>,
    counters: HashMap<String, Counters>,
}

impl Lists {
    fn read_styles(&mut self, xml: &str) -> Result<(), IngestError> {
        let mut current: Option<String> = None;
        walk(xml, "word/styles.xml", |ev| match ev {
            Ev::Start(e) if e.name == "style" => {
                current = e.attr("styleId").map(str::to_string);
                if let Some(id) = &current {
                    self.styles.insert(id.clone(), Style::default());
                }
            }
            Ev::Start(e) => {
                let Some(entry) = current.as_ref().and_then(|id| self.styles.get_mut(id)) else {
                    return;
                };
                let val = e.attr("val").map(str::to_string);
                match e.name {
                    "basedOn" => entry.based_on = val,
                    "numId" => entry.num = val,
                    "ilvl" => entry.ilvl = val.and_then(|v| v.parse().ok()),
                    _ => {}
                }
            }
            Ev::End("style") => current = None,
            _ => {}
        })
    }

    fn read_numbering(&mut self, xml: &str) -> Result<(), IngestError> {
        let (mut abstract_id, mut num_id) = (None::<String>, None::<String>);
        let mut level: Option<(usize, String, String, u32)> = None;
        walk(xml, "word/numbering.xml", |ev| match ev {
            Ev::Start(e) => {
                let val = e.attr("val").unwrap_or_default().to_string();
                match e.name {
                    "abstractNum" => abstract_id = e.attr("abstractNumId").map(str::to_string),
                    "num" => num_id = e.attr("numId").map(str::to_string),
                    "abstractNumId" => {
                        if let Some(n) = &num_id {
                            self.nums.insert(n.clone(), (val, false));
                        }
                    }
                    "startOverride" => {
                        if let Some(entry) = num_id.as_ref().and_then(|n| self.nums.get_mut(n)) {
                            entry.1 = true;
                        }
                    }
                    "lvl" if abstract_id.is_some() => {
                        let ilvl = e.attr("ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                        level = Some((ilvl, "decimal".into(), String::new(), 1));
                    }
                    "numFmt" => {
                        if let Some(l) = level.as_mut() {
                            l.1 = val;
                        }
                    }
                    "lvlText" => {
                        if let Some(l) = level.as_mut() {
                            l.2 = val;
                        }
                    }
                    "start" => {
                        if let Some(l) = level.as_mut() {
                            l.3 = val.parse().unwrap_or(1);
                        }
                    }
                    _ => {}
                }
            }
            Ev::End("lvl") => {
                if let (Some(id), Some((ilvl, fmt, text, start))) = (&abstract_id, level.take()) {
                    let format = NumFormat::from_word(&fmt, &text);
                    self.abstracts.entry(id.clone()).or_default().insert(
                        ilvl,
                        Level {
                            format,
                            text,
                            start,
                        },
                    );
                }
            }
            Ev::End("abstractNum") => abstract_id = None,
            Ev::End("num") => num_id = None,
            _ => {}
        })
    }

    /// The numbering of a paragraph: its own, else its style's (through `basedOn`).
    fn numbering_of(
        &self,
        style: Option<&str>,
        num: Option<&str>,
        ilvl: Option<usize>,
    ) -> Option<(String, usize)> {
        let (mut num, mut ilvl) = (num.map(str::to_string), ilvl);
        let mut style = style.map(str::to_string);
        // A cycle of basedOn ends after a few steps.
        for _ in 0..10 {
            if num.is_some() {
                break;
            }
            let Some(def) = style.as_ref().and_then(|s| self.styles.get(s)) else {
                break;
            };
            num.clone_from(&def.num);
            ilvl = ilvl.or(def.ilvl);
            style.clone_from(&def.based_on);
        }
        let num = num.filter(|n| n != "0")?;
        Some((num, ilvl.unwrap_or(0)))
    }

    /// Advances the list counters for one numbered paragraph; returns its label.
    fn label(&mut self, num: &str, ilvl: usize) -> Option<String> {
        let (abstract_id, own) = self.nums.get(num)?.clone();
        let levels = self.abstracts.get(&abstract_id)?;
        let level = levels.get(&ilvl)?;
        if level.format == NumFormat::None {
            return None;
        }
        let key = if own { num.to_string() } else { abstract_id };
        let counters = self.counters.entry(key).or_default();
        let values = counters
            .advance(ilvl, |l| levels.get(&l).map_or(1, |lv| lv.start))
            .to_vec();
        if let NumFormat::Bullet(b) = &level.format {
            return Some(b.clone());
        }
        let mut label = level.text.clone();
        for (l, v) in values.iter().enumerate() {
            let format = levels
                .get(&l)
                .map_or(NumFormat::Decimal, |lv| lv.format.clone());
            label = label.replace(&format!("%{}", l + 1), &format.format(*v));
        }
        let label = label.trim().to_string();
        (!label.is_empty()).then_some(label)
    }
}

/// Paragraph properties read so far.
#[derive(Default)]
struct Para {
    style: Option<String>,
    num: Option<String>,
    ilvl: Option<usize>,
}

/// Walks one part; returns its blocks and its notes (for `footnotes.xml`/`endnotes.xml`).
fn walk_part(
    xml: &str,
    part: &str,
    lists: &mut Lists,
) -> Result<(Vec<Block>, Vec<String>), IngestError> {
    let mut b = Builder::default();
    let mut paras: Vec<Para> = Vec::new();
    // Open cells (tables nest): grid span and vertical merge.
    let mut cells: Vec<(usize, VMerge)> = Vec::new();
    let (mut in_text, mut in_props, mut skip) = (false, 0usize, 0usize);
    let mut notes = Vec::new();
    let mut note: Option<(String, usize)> = None;
    walk(xml, part, |ev| {
        if skip > 0 {
            match ev {
                Ev::Start(e) if is_skipped(e.name) => skip += 1,
                Ev::End(name) if is_skipped(name) => skip -= 1,
                _ => {}
            }
            return;
        }
        match ev {
            Ev::Start(e) => match e.name {
                name if is_skipped(name) => skip = 1,
                "pPr" | "rPr" | "tblPr" | "sectPr" => in_props += 1,
                "p" => {
                    b.start_para();
                    paras.push(Para::default());
                }
                "pStyle" if in_props > 0 => {
                    if let Some(p) = paras.last_mut() {
                        p.style = e.attr("val").map(str::to_string);
                    }
                }
                "numId" if in_props > 0 => {
                    if let Some(p) = paras.last_mut() {
                        p.num = e.attr("val").map(str::to_string);
                    }
                }
                "ilvl" if in_props > 0 => {
                    if let Some(p) = paras.last_mut() {
                        p.ilvl = e.attr("val").and_then(|v| v.parse().ok());
                    }
                }
                "t" if in_props == 0 => in_text = true,
                "tab" if in_props == 0 => b.text(" "),
                "br" | "cr"
                    if in_props == 0 && !matches!(e.attr("type"), Some("page" | "column")) =>
                {
                    b.line_break()
                }
                "noBreakHyphen" => b.text("-"),
                "footnoteReference" | "endnoteReference" => {
                    if let Some(id) = e.attr("id") {
                        b.text(&format!("[{id}]"));
                    }
                }
                // Separators carry a type; real notes do not.
                "footnote" | "endnote" if e.attr("type").is_none() => {
                    note = e.attr("id").map(|id| (id.to_string(), b.out.len()));
                }
                "tbl" => b.start_table(),
                "tr" => b.start_row(),
                "tc" => {
                    b.start_cell();
                    cells.push((1, VMerge::None));
                }
                "gridSpan" => {
                    if let Some(c) = cells.last_mut() {
                        c.0 = e.attr("val").and_then(|v| v.parse().ok()).unwrap_or(1);
                    }
                }
                "vMerge" => {
                    if let Some(c) = cells.last_mut() {
                        c.1 = if e.attr("val") == Some("restart") {
                            VMerge::Restart
                        } else {
                            VMerge::Continue
                        };
                    }
                }
                "gridBefore" | "gridAfter" => {
                    let n = e.attr("val").and_then(|v| v.parse().ok()).unwrap_or(0);
                    if n > 0 {
                        b.start_cell();
                        b.end_cell(n, VMerge::None);
                    }
                }
                _ => {}
            },
            Ev::Text(t) if in_text => b.text(t),
            Ev::Text(_) => {}
            Ev::End(name) => match name {
                "pPr" | "rPr" | "tblPr" | "sectPr" => in_props = in_props.saturating_sub(1),
                "t" => in_text = false,
                "p" => {
                    let p = paras.pop().unwrap_or_default();
                    let label = lists
                        .numbering_of(p.style.as_deref(), p.num.as_deref(), p.ilvl)
                        .and_then(|(num, ilvl)| lists.label(&num, ilvl));
                    b.end_para(label);
                }
                "tc" => {
                    let (span, vmerge) = cells.pop().unwrap_or((1, VMerge::None));
                    b.end_cell(span, vmerge);
                }
                "tr" => b.end_row(),
                "tbl" => b.end_table(),
                "footnote" | "endnote" => {
                    if let Some((id, from)) = note.take() {
                        let text: Vec<String> = flatten(b.out.split_off(from.min(b.out.len())))
                            .filter(|l| !l.is_empty())
                            .collect();
                        if !text.is_empty() {
                            notes.push(format!("[{id}] {}", text.join(" ")));
                        }
                    }
                }
                _ => {}
            },
        }
    })?;
    Ok((b.finish(), notes))
}

/// Content that is not the document's text: the fallback copy of a text box, revision
/// marks' old properties, field codes.
fn is_skipped(name: &str) -> bool {
    matches!(name, "Fallback" | "pPrChange" | "rPrChange" | "instrText")
}
