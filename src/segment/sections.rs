//! The section tree: Roman, Arabic, decimal, letter and "Điều" labels, with
//! bullet items under their section.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ListItem, Section};
use crate::text::{is_upper, squash, Line};

/// Kinds of label, in the order they nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Part = 0,
    Roman = 1,
    Arabic = 2,
    Decimal2 = 3,
    Decimal3 = 4,
    Letter = 6,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub label: String,
    pub heading: String,
    rank: Rank,
}

static PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(Chương|CHƯƠNG|Phần|PHẦN|Mục|MỤC)\s+([IVXLC]+|\d{1,2})\b\s*[.:]?\s*(.*)$")
        .unwrap()
});
static ROMAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([IVXl1|]{1,5})\s*[.:]\s*(\S.*)$").unwrap());
static DECIMAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(\S.*)$").unwrap());
static ARABIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*[.)]\s*(\D.*)$").unwrap());
static LETTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([a-zđ])\s*\)\s*(\S.*)$").unwrap());
static ARTICLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(Điều|ĐIỀU)\s+(\d{1,3})\s*[.:]\s*(.*)$").unwrap());
static BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*([-+•–*])\s*(\S.*)$").unwrap());

/// The section label at the start of a line, if any.
pub fn label_of(line: &str) -> Option<Label> {
    let t = line.trim();
    let make = |label: String, heading: &str, rank| {
        Some(Label {
            label,
            heading: squash(heading),
            rank,
        })
    };
    if let Some(c) = PART.captures(t) {
        return make(format!("{} {}", &c[1], &c[2]), &c[3], Rank::Part);
    }
    if let Some(c) = ARTICLE.captures(t) {
        return make(format!("Điều {}.", &c[2]), &c[3], Rank::Arabic);
    }
    if let Some(c) = ROMAN.captures(t) {
        let raw = &c[1];
        let has_roman_letter = raw.chars().any(|ch| matches!(ch, 'I' | 'V' | 'X' | '|'));
        let clean = raw.chars().all(|ch| matches!(ch, 'I' | 'V' | 'X'));
        if has_roman_letter
            && (clean || is_upper(&c[2]))
            && (clean || !raw.chars().all(|ch| ch.is_ascii_digit()))
        {
            let roman: String = raw
                .chars()
                .map(|ch| {
                    if matches!(ch, 'l' | '1' | '|') {
                        'I'
                    } else {
                        ch
                    }
                })
                .collect();
            if is_roman(&roman) {
                return make(format!("{roman}."), &c[2], Rank::Roman);
            }
        }
    }
    if let Some(c) = DECIMAL.captures(t) {
        let rank = if c[1].matches('.').count() == 1 {
            Rank::Decimal2
        } else {
            Rank::Decimal3
        };
        return make(format!("{}.", &c[1]), &c[2], rank);
    }
    if let Some(c) = ARABIC.captures(t) {
        return make(format!("{}.", &c[1]), &c[2], Rank::Arabic);
    }
    if let Some(c) = LETTER.captures(t) {
        return make(format!("{})", &c[1]), &c[2], Rank::Letter);
    }
    None
}

fn is_roman(s: &str) -> bool {
    const VALID: &[&str] = &[
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
        "XV",
    ];
    VALID.contains(&s)
}

/// A bullet item: ("-", "Văn phòng Sở:").
pub fn bullet_of(line: &str) -> Option<(String, String)> {
    let c = BULLET.captures(line)?;
    let text = squash(&c[2]);
    (!text.chars().all(|ch| ch == '-' || ch == '*')).then(|| (c[1].to_string(), text))
}

/// Builds the section tree from `lines[start..]`, skipping lines where `skip` is true.
pub fn build(lines: &[Line], start: usize, skip: &[bool]) -> Vec<Section> {
    let body_end = lines
        .iter()
        .rposition(|l| !l.text.trim().is_empty())
        .map(|i| lines[i].end())
        .unwrap_or(0);
    // Stack of open sections with their ranks; closed sections move into their parent.
    let mut stack: Vec<(Rank, Section)> = Vec::new();
    let mut roots: Vec<Section> = Vec::new();
    let mut last_item_line: Option<usize> = None;
    for line in lines.iter().skip(start) {
        if skip[line.no] {
            last_item_line = None;
            continue;
        }
        if line.text.trim().is_empty() {
            continue;
        }
        if let Some(label) = label_of(line.text) {
            while stack.last().is_some_and(|(r, _)| *r >= label.rank) {
                close(&mut stack, &mut roots, line.start);
            }
            let level = stack.len() as u32 + 1;
            let section = Section {
                label: label.label,
                heading: label.heading,
                level,
                span: [line.start, line.end()],
                items: Vec::new(),
                children: Vec::new(),
                page: None,
            };
            stack.push((label.rank, section));
            last_item_line = None;
            continue;
        }
        let Some((_, current)) = stack.last_mut() else {
            continue;
        };
        if let Some((marker, text)) = bullet_of(line.text) {
            current.items.push(ListItem {
                marker,
                text,
                span: [line.start, line.end()],
            });
            last_item_line = Some(line.no);
        } else if let (Some(prev), Some(item)) = (last_item_line, current.items.last_mut()) {
            // A wrapped item line (PDF and OCR dumps break lines inside sentences),
            // also across a page break when the sentence plainly goes on.
            let adjacent = prev + 1 == line.no;
            let first_word = line.text.split_whitespace().next().unwrap_or("");
            let goes_on = first_word.starts_with(char::is_lowercase)
                || (first_word.chars().count() >= 2 && is_upper(first_word));
            let ended = item.text.ends_with(['.', ';', ':', '!', '?']);
            let continues = if ended {
                adjacent && first_word.starts_with(char::is_lowercase)
            } else {
                adjacent || goes_on
            };
            if continues {
                item.text.push(' ');
                item.text.push_str(&squash(line.text));
                item.span[1] = line.end();
                last_item_line = Some(line.no);
            } else {
                last_item_line = None;
            }
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots, body_end);
    }
    roots
}

/// Closes the innermost open section at `end` and attaches it to its parent.
fn close(stack: &mut Vec<(Rank, Section)>, roots: &mut Vec<Section>, end: usize) {
    let (_, mut section) = stack.pop().expect("caller checks the stack is not empty");
    section.span[1] = section.span[1].max(end_before(end, &section));
    match stack.last_mut() {
        Some((_, parent)) => parent.children.push(section),
        None => roots.push(section),
    }
}

/// A section ends where the next one starts (the newline before it is excluded).
fn end_before(next_start: usize, section: &Section) -> usize {
    next_start.saturating_sub(1).max(section.span[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lines;

    fn labels(src: &str) -> Vec<String> {
        src.lines().filter_map(label_of).map(|l| l.label).collect()
    }

    #[test]
    fn label_kinds() {
        let src = "I. MỤC ĐÍCH\n1. Mục đích\n1.1. Nội dung\n7.2. Giải pháp\na) Chỉ tiêu\nđ) Đẩy mạnh\nĐiều 1. Ban hành\n1. Lĩnh vực 1: Công tác\n2023 năm";
        assert_eq!(
            labels(src),
            ["I.", "1.", "1.1.", "7.2.", "a)", "đ)", "Điều 1.", "1."]
        );
    }

    #[test]
    fn ocr_damaged_roman() {
        assert_eq!(
            labels("|. CONG TAC CHI DAO\nI11. PANH GIA CHUNG\n1. Cai cach"),
            ["I.", "III.", "1."]
        );
    }

    #[test]
    fn item_continues_across_page_break() {
        let src = "1. A\n+ đôn đốc thực hiện và\n\nđịnh kỳ báo cáo.\n\nNew paragraph";
        let ls = lines(src);
        let tree = build(&ls, 0, &vec![false; ls.len()]);
        assert_eq!(
            tree[0].items[0].text,
            "đôn đốc thực hiện và định kỳ báo cáo."
        );
    }

    #[test]
    fn tree_and_items() {
        let src = "I. A\n1. B\n- x\n+ y\nwrapped\n2. C\nII. D";
        let ls = lines(src);
        let tree = build(&ls, 0, &vec![false; ls.len()]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].children.len(), 2);
        let b = &tree[0].children[0];
        assert_eq!(b.items.len(), 2);
        assert_eq!(b.items[1].text, "y wrapped");
        assert_eq!(b.level, 2);
        assert_eq!(tree[0].span, [0, ls[6].start - 1]);
    }
}
