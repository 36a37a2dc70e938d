//! Stage 3: header block, section tree, closing block and tables.
//!
//! **Invariant:** segmentation never fails; a document with no recognizable
//! structure yields empty metadata, no sections and no tables.

mod closing;
mod header;
mod sections;
mod tables;

use std::sync::LazyLock;

use regex::Regex;

pub(crate) use header::{first_signed_day, settle_day};
pub(crate) use sections::{bullet_of, label_of};
pub(crate) use tables::group_label;
pub use tables::{FoundTable, Role};

use crate::model::{Metadata, Section, Span};
use crate::text::{fold, is_upper, lines, squash, CharIndex};
use crate::vn;

#[derive(Debug, Clone, Default)]
pub struct Segmented {
    pub metadata: Metadata,
    pub sections: Vec<Section>,
    pub tables: Vec<FoundTable>,
    /// Spans that refer to this document itself ("(Kèm theo Kế hoạch số …)"):
    /// not citations.
    pub own_references: Vec<Span>,
    /// Header and closing blocks: no figures are read there.
    pub furniture: Vec<Span>,
    /// From the end of the header to the first section: where "Căn cứ …" lines are.
    pub preamble: Option<Span>,
    /// Year the plan is about ("năm 2021" in the title), else the document's year.
    pub reference_year: Option<i32>,
    /// What is left of a damaged day of issue; `settle_day` completes the date from it.
    pub day_clue: Option<crate::vn::DayClue>,
    pub warnings: Vec<String>,
}

pub fn segment(text: &str) -> Segmented {
    let lines = lines(text);
    let tables = tables::find_tables(&lines);
    let mut taken = vec![false; lines.len()];
    for t in &tables {
        taken[t.lines.clone()].iter_mut().for_each(|x| *x = true);
    }
    let header = header::read_header(&lines);
    let closing = closing::read_closing(&lines, &taken);
    let mut skip = taken.clone();
    for &no in &closing.lines {
        skip[no] = true;
    }
    let mut metadata = header.metadata;
    metadata.signer = closing.signer;
    metadata.recipients = closing.recipients;
    let own_references = own_references(text, metadata.doc_type);
    fill_from_own_reference(&mut metadata, text, &own_references);
    if metadata.title.is_none() && metadata.agency.is_none() && metadata.number.is_none() {
        metadata.title = first_line_title(&lines);
    }
    if metadata.agency.is_none() {
        metadata.agency = agency_in_own_words(&metadata, &lines);
    }
    let sections = sections::build(&lines, header.body_start, &skip);
    let mut furniture = Vec::new();
    if header.body_start > 0 {
        furniture.push([0, lines[header.body_start - 1].end()]);
    }
    furniture.extend(
        closing
            .lines
            .iter()
            .map(|&no| [lines[no].start, lines[no].end()]),
    );
    let reference_year = reference_year(&metadata);
    let preamble_start = lines.get(header.body_start).map_or(0, |l| l.start);
    let preamble_end = sections.first().map_or(text.chars().count(), |s| s.span[0]);
    let preamble = (preamble_start < preamble_end).then_some([preamble_start, preamble_end]);
    let mut warnings = Vec::new();
    if sections.is_empty() {
        warnings.push("no numbered sections found".to_string());
    }
    Segmented {
        metadata,
        sections,
        tables,
        own_references,
        furniture,
        preamble,
        reference_year,
        day_clue: header.day_clue,
        warnings,
    }
}

static OWN_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\(\s*(ban hành\s+)?kèm theo\s+[^()]{0,300}\)").unwrap());

/// "(Kèm theo …)" notes that name this document: a note naming another type ("Thể lệ …
/// (Ban hành kèm theo Kế hoạch số 34 …)") points to a parent document, a citation.
/// Lines from the top within which a note can name a document whose header gave no type.
const OWN_NOTE_LINES: usize = 12;
/// A first line in capitals of at most this many words may name the document's kind.
const KIND_HEADING_MAX_WORDS: usize = 3;

fn own_references(text: &str, doc_type: Option<&vn::DocType>) -> Vec<Span> {
    let ix = CharIndex::new(text);
    OWN_REFERENCE
        .find_iter(text)
        .filter(|m| {
            let note = fold(m.as_str());
            let named = note
                .find("kem theo")
                .and_then(|at| vn::leading_type(note[at + "kem theo".len()..].trim_start()));
            match (named, doc_type) {
                (Some((named, _)), Some(own)) => named == own,
                // Without a header type, only a note on a line of its own under the title,
                // and never a letter's ("tài liệu … kèm theo Công văn số …" is an attachment).
                (Some((named, _)), None) => {
                    let before = &text[..m.start()];
                    named.folded != "cong van"
                        && before.lines().count() < OWN_NOTE_LINES
                        && before
                            .rsplit('\n')
                            .next()
                            .is_none_or(|l| l.trim().is_empty())
                }
                (None, _) => true,
            }
        })
        .map(|m| [ix.char_at(m.start()), ix.char_at(m.end())])
        .collect()
}

static NOTE_PARTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)kèm theo\s+(\p{L}+(?:\s+\p{L}+)?)\s+(?:số\s*:?\s*)?([0-9]*[a-z]?\s*/\s*[\p{Lu}Đ][\p{Lu}Đ0-9\-/]*)?[^()]*?ngày\s+(\d{1,2})\s*(?:/|\s+tháng\s+)(\d{1,2})\s*(?:/|\s+năm\s+)(\d{4})(?:\s+của\s+([^()]+))?").unwrap()
});

/// Fills gaps in the header from the document's own attached note:
/// "(Kèm theo Kế hoạch số: /KH-SCT ngày 31/12/2020 của Sở Công Thương)".
fn fill_from_own_reference(md: &mut Metadata, text: &str, own: &[Span]) {
    let chars: Vec<char> = text.chars().collect();
    for span in own {
        let note: String = chars[span[0]..span[1]].iter().collect();
        let note = squash(&note);
        let Some(c) = NOTE_PARTS.captures(&note) else {
            continue;
        };
        let doc_type = vn::by_folded_name(&fold(&c[1]));
        if md.doc_type.is_none() {
            md.doc_type = doc_type;
        }
        if md.number.is_none() {
            md.number = c
                .get(2)
                .filter(|m| !m.as_str().trim_start().starts_with('/'))
                .map(|m| vn::normalize_number(m.as_str()));
        }
        if md.date.is_none() {
            md.date = vn::iso_date(&c[5], &c[4], &c[3]);
        }
        if md.agency.is_none() {
            md.agency = c
                .get(6)
                .map(|m| squash(m.as_str().trim_end_matches(')')))
                .filter(|a| !a.is_empty());
        }
    }
}

/// Lines read from "Trên đây là …" for the agency that closing sentence names.
const OWN_WORDS_LINES: usize = 4;

/// The agency of a document whose header names none, as it names itself: in its closing
/// sentence ("Trên đây là báo cáo … của Sở Khoa học và Công nghệ, …"), or in a title that
/// mentions no other document ("kết quả công tác … của sở khoa học và công nghệ năm 2020").
fn agency_in_own_words(md: &Metadata, lines: &[crate::text::Line]) -> Option<String> {
    const CLOSING: &str = "tren day la";
    let closing = lines
        .iter()
        .rposition(|l| fold(l.text.trim_start()).starts_with(CLOSING));
    let from_closing = closing.and_then(|at| {
        let sentence = lines[at..]
            .iter()
            .take(OWN_WORDS_LINES + 1)
            .map(|l| l.text)
            .collect::<Vec<_>>()
            .join(" ");
        // "Trên đây là báo cáo … của Sở": its own kind only, no document it carries out.
        (types_before_of(&sentence) <= 1).then(|| vn::agency_after_of(&sentence))?
    });
    from_closing.or_else(|| {
        let title = md.title.as_deref()?;
        (types_before_of(title) == 0).then(|| vn::agency_after_of(title))?
    })
}

/// Document types named before the first "của" of `text`.
fn types_before_of(text: &str) -> usize {
    let folded = fold(text);
    let before = folded.split(" cua ").next().unwrap_or_default();
    vn::DOC_TYPES
        .iter()
        .filter(|t| before.contains(t.folded))
        .count()
}

/// A document with no header starts with its title ("kết quả công tác …"), or with a
/// heading in capitals of a word or two that names its kind ("CHUYÊN ĐỀ") and the
/// title in capitals below it.
fn first_line_title(lines: &[crate::text::Line]) -> Option<String> {
    let mut filled = lines.iter().filter(|l| !l.text.trim().is_empty());
    let first = filled.next()?;
    let kind_heading =
        is_upper(first.text) && first.text.split_whitespace().count() <= KIND_HEADING_MAX_WORDS;
    let below: Vec<&str> = filled
        .take(header::TITLE_MAX_LINES)
        .map(|l| l.text.trim())
        .take_while(|t| is_upper(t) && label_of(t).is_none())
        .collect();
    let t = if kind_heading && !below.is_empty() {
        squash(&below.join(" "))
    } else {
        squash(first.text)
    };
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 3
        && t.chars().count() <= header::TITLE_LINE_MAX_CHARS
        && label_of(&t).is_none()
        && bullet_of(&t).is_none())
    .then_some(t)
}

fn reference_year(md: &Metadata) -> Option<i32> {
    static YEAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)năm\s+(20\d\d|19\d\d)").unwrap());
    md.title
        .as_deref()
        .and_then(|t| YEAR.captures(t))
        .and_then(|c| c[1].parse().ok())
        .or_else(|| md.date.as_deref().and_then(|d| d[..4].parse().ok()))
}
