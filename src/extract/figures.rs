//! Reported quantities: counts ("149 hồ sơ", "trên 45 lượt"), ratios ("46/61 TTHC"),
//! percentages with decimal commas ("75,4%"), targets ("ít nhất 70%").
//! Dates, years, document numbers and list numbers are not figures.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Figure, FigureKind, Parts, Span};
use crate::text::{CharIndex, Folded};

/// A percentage and the ratio in parentheses after it are at most this many bytes apart;
/// so are a count and the percentage it reaches ("22 TTHC thực hiện …, đạt 36%").
const PERCENT_RATIO_MAX_GAP: usize = 60;

/// Words (folded) that end the gap between a count and the percentage it reaches.
const REACHES: &[&str] = &[
    "dat",
    "chiem",
    "bang",
    "tuong duong",
    "dat ty le",
    "chiem ty le",
];

/// Words (folded) that introduce the parts of a figure: "gồm các lĩnh vực: …".
const PARTS_INTRO: &[&str] = &["gom", "trong do", "cu the", "chia ra"];

/// Count nouns, folded, longest first within a shared prefix.
const UNITS: &[&str] = &[
    "thu tuc hanh chinh",
    "ho so",
    "hd so",
    "don vi su nghiep",
    "don vi",
    "bien che",
    "luot",
    "nguoi",
    "van ban",
    "cuoc",
    "lop",
    "hoat dong",
    "noi dung",
    "hinh thuc",
    "nhiem vu",
    "sang kien",
    "du an",
    "de tai",
    "phong",
    "co quan",
    "doanh nghiep",
    "cong chuc",
    "vien chuc",
    "can bo",
    "xa",
    "huyen",
    "ty dong",
    "trieu dong",
    "linh vuc",
    "tieu chi",
    "chi tieu",
    "tin bai",
    "bai",
    "hoi nghi",
    "dot",
    "truong hop",
    "thu tuc",
    "hop dong",
    "don thu",
    "phan anh",
    "kien nghi",
    "giay phep",
    "chung chi",
    "san pham",
    "dich vu",
    "mo hinh",
    "quyet dinh",
    "ke hoach",
    "bao cao",
    "to chuc",
    "ca nhan",
    "lao dong",
    "hoc vien",
    "thanh vien",
    "doan",
];
/// OCR forms of units that repair may leave, with the unit they stand for.
const UNIT_ALIASES: &[(&str, &str)] = &[("hd so", "hồ sơ"), ("ho so", "hồ sơ"), ("hd sơ", "hồ sơ")];

/// Words right before a number that make it a date, label or code, not a quantity.
const NOT_BEFORE: &[&str] = &[
    "ngay", "thang", "nam", "quy", "dieu", "khoan", "muc", "do", "so", "khoa", "doan", "phien",
    "iso", "tcvn", "luc", "chuong", "diem", "tiet", "thu", "phan", "trang",
];

static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:[.,]\d+)*)(?:\s*/\s*(\d+(?:[.,]\d+)*))?(\s*%)?").unwrap());
static LINK_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:,\s*)?(?:dat|bang|chiem|tuong duong|tuong ung|tuc la)?\s*(?:ty le\s*)?[(:]?\s*$",
    )
    .unwrap()
});

pub fn extract(text: &Folded, skip: &[Span]) -> Vec<Figure> {
    let (folded, orig, fix) = (&text.folded, &text.orig, &text.index);
    let mut figures: Vec<Figure> = Vec::new();
    for c in NUMBER.captures_iter(folded) {
        let m = c.get(0).unwrap();
        let (start, end_byte) = (m.start(), m.end());
        if !clean_boundaries(folded, start, end_byte) || preceded_by_excluded(folded, start) {
            continue;
        }
        let span_start = fix.char_at(start);
        if skip.iter().any(|s| s[0] <= span_start && span_start < s[1]) {
            continue;
        }
        let value = parse_number(&c[1]);
        let total = c.get(2).map(|t| parse_number(t.as_str()));
        let is_percent = c.get(3).is_some();
        let (kind, unit, end_byte) = if is_percent {
            if total.is_some() {
                continue;
            }
            (FigureKind::Percent, Some("%".to_string()), end_byte)
        } else {
            let Some((unit, unit_end)) = unit_after(folded, orig, fix, end_byte) else {
                continue;
            };
            (
                if total.is_some() {
                    FigureKind::Ratio
                } else {
                    FigureKind::Count
                },
                Some(unit),
                unit_end,
            )
        };
        let (Some(value), total) = (value, total.flatten()) else {
            continue;
        };
        if total.is_some_and(|t| t == 0.0 || value > t) {
            continue;
        }
        let span = [span_start, fix.char_at(end_byte)];
        figures.push(Figure {
            text: orig[span[0]..span[1]].iter().collect(),
            kind,
            value,
            total,
            percent: is_percent.then_some(value),
            unit,
            subject: subject(folded, orig, fix, [start, m.end(), end_byte], is_percent),
            qualifier: qualifier(folded, start, end_byte),
            consistent: None,
            parts: None,
            span,
            page: None,
            bounds: None,
        });
    }
    let mut figures = link_percentages(folded, fix, orig, figures);
    check_parts(folded, fix, &mut figures);
    figures
}

/// A figure is a whole number: not glued to letters, slashes or hyphens of a code.
fn clean_boundaries(f: &str, start: usize, end: usize) -> bool {
    let before = f[..start].chars().next_back();
    let after = f[end..].chars().next();
    let bad_before = before.is_some_and(|c| c.is_alphanumeric() || "/-.,:&".contains(c));
    let bad_after = after.is_some_and(|c| c.is_alphanumeric() || "/-:".contains(c));
    !(bad_before || bad_after)
}

fn preceded_by_excluded(f: &str, start: usize) -> bool {
    let head = f[..start].trim_end();
    let word = head
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let line_start = head.is_empty() || head.ends_with('\n') || f[..start].ends_with('\n');
    NOT_BEFORE.contains(&word)
        || (line_start
            && f[start..]
                .trim_start_matches(char::is_numeric)
                .starts_with('.'))
}

/// "75,4" → 75.4; "1.244" → 1244; "4,085,553" → 4085553.
fn parse_number(s: &str) -> Option<f64> {
    let decimal_sep = [',', '.'].into_iter().find(|&sep| {
        s.matches(sep).count() == 1 && s.rsplit(sep).next().is_some_and(|tail| tail.len() <= 2)
    });
    let cleaned: String = match decimal_sep {
        Some(sep) => s
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == sep)
            .map(|c| if c == sep { '.' } else { c })
            .collect(),
        None => s.chars().filter(char::is_ascii_digit).collect(),
    };
    cleaned.parse().ok()
}

/// The count noun right after the number: a known unit or an acronym ("TTHC").
fn unit_after(f: &str, orig: &[char], fix: &CharIndex, at: usize) -> Option<(String, usize)> {
    let rest = &f[at..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
    // A unit may wrap onto the next line in PDF and OCR dumps, but not across a table cell.
    let skipped =
        if skipped == 0 && rest.starts_with('\n') && !rest[1..].starts_with(['-', '+', '\n', '\t'])
        {
            1
        } else {
            skipped
        };
    if skipped == 0 {
        return None;
    }
    let from = at + skipped;
    for unit in UNITS {
        if f[from..].starts_with(unit)
            && !f[from + unit.len()..].starts_with(|c: char| c.is_alphanumeric())
        {
            let end = from + unit.len();
            let written: String = orig[fix.char_at(from)..fix.char_at(end)].iter().collect();
            let canonical = UNIT_ALIASES
                .iter()
                .find(|(alias, _)| written == *alias)
                .map_or(written, |(_, u)| u.to_string());
            return Some((canonical, end));
        }
    }
    let word_end = f[from..]
        .find(|c: char| !c.is_alphanumeric())
        .map(|i| from + i)
        .unwrap_or(f.len());
    let word: String = orig[fix.char_at(from)..fix.char_at(word_end)]
        .iter()
        .collect();
    let n = word.chars().count();
    ((2..=8).contains(&n) && word.chars().all(|c| c.is_uppercase())).then_some((word, word_end))
}

/// What the figure measures: the clause before it; or, when that clause is empty or
/// only introduces parts ("trong đó: 66 hồ sơ thuộc lĩnh vực …"), its unit with the clause
/// after it, the counted noun phrase. The bytes are the figure's start, its number's end
/// and its end.
fn subject(
    f: &str,
    orig: &[char],
    fix: &CharIndex,
    [start, number_end, end]: [usize; 3],
    is_percent: bool,
) -> Option<String> {
    let before_bound = clause_start(f, start);
    let pre = &f[before_bound..start];
    let intro = |s: &str| s.trim().is_empty() || PARTS_INTRO.contains(&s.trim());
    let after_bound = clause_end(f, end);
    let post = text_of(orig, fix, end, after_bound, 12, false);
    // The unit and what qualifies it, up to the next figure: "viên chức" of "02 viên
    // chức và 01 hợp đồng".
    let counted = || {
        let noun = text_of(orig, fix, number_end, after_bound, 12, false)?;
        let words: Vec<&str> = noun.split_whitespace().collect();
        let next_figure = words.windows(2).position(|w| {
            matches!(w[0], "và" | "với") && w[1].starts_with(|c: char| c.is_ascii_digit())
        });
        let kept = next_figure.map_or(&words[..], |i| &words[..i]);
        (!is_percent && post.is_some() && !kept.is_empty()).then(|| kept.join(" "))
    };
    if intro(pre) && f[..before_bound].ends_with(':') {
        let prev = clause_start(f, before_bound - 1);
        if intro(&f[prev..before_bound - 1]) {
            return counted().or_else(|| post.clone());
        }
        return text_of(orig, fix, prev, before_bound - 1, 12, true);
    }
    if is_percent && post.is_some() {
        return post;
    }
    let pre_text = text_of(orig, fix, before_bound, start, 12, true);
    let enough = pre_text
        .as_ref()
        .is_some_and(|t| t.split_whitespace().count() >= 2);
    if !enough || matches!(pre.trim(), "trong do" | "gom" | "trong do co") {
        return counted().or(post).or(pre_text);
    }
    pre_text
}

/// Where the clause holding folded byte `at` starts: after the last punctuation or
/// paragraph break before it. A line break inside a wrapped paragraph is not one.
fn clause_start(f: &str, at: usize) -> usize {
    let mut i = at;
    while let Some(j) = f[..i].rfind(['.', ';', ',', ':', '(', '\n', '\t']) {
        if is_break(f, j) {
            return j + 1;
        }
        i = j;
    }
    0
}

/// Where the clause after folded byte `at` ends, as [`clause_start`] reads breaks.
fn clause_end(f: &str, at: usize) -> usize {
    let mut i = at;
    while let Some(j) = f[i..]
        .find(['.', ';', ',', ':', ')', '\n', '\t'])
        .map(|j| i + j)
    {
        if is_break(f, j) {
            return j;
        }
        i = j + 1;
    }
    f.len()
}

/// Whether the punctuation or line break at byte `at` ends a clause: not a line break
/// inside a paragraph, nor a sign between digits ("9001:2015", "1.244").
fn is_break(f: &str, at: usize) -> bool {
    let b = f.as_bytes();
    let digit = |i: Option<usize>| i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_digit);
    match b[at] {
        b'\n' => paragraph_break(f, at),
        b'.' | b',' | b':' => !(digit(at.checked_sub(1)) && digit(Some(at + 1))),
        _ => true,
    }
}

/// Whether the line break at byte `at` ends a paragraph: a blank line, or a list item
/// ("- …", "+ …", "a) …", "2. …") after it.
fn paragraph_break(f: &str, at: usize) -> bool {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[ \t]*(?:\n|[-+•*]|[a-z\d]{1,3}[.)])").unwrap());
    ITEM.is_match(&f[at + 1..])
}

/// Original text of a folded byte range, trimmed to `max` words from the near end.
fn text_of(
    orig: &[char],
    fix: &CharIndex,
    from: usize,
    to: usize,
    max: usize,
    take_last: bool,
) -> Option<String> {
    let s: String = orig[fix.char_at(from)..fix.char_at(to)].iter().collect();
    let mut words: Vec<&str> = s.split_whitespace().collect();
    if take_last {
        // "… mức độ 3 có 46/61 TTHC": the verb before the figure is not what it measures.
        const LINKING: &[&str] = &[
            "có", "là", "đạt", "gồm", "cho", "với", "tại", "trên", "từ", "được", "ít", "nhất",
            "khoảng", "gần", "hơn", "dưới", "cử",
        ];
        while words
            .last()
            .is_some_and(|w| LINKING.contains(&w.to_lowercase().as_str()))
        {
            words.pop();
        }
    }
    let kept = if take_last {
        &words[words.len().saturating_sub(max)..]
    } else {
        &words[..words.len().min(max)]
    };
    let out = kept.join(" ");
    let out = out.trim_matches(|c: char| !c.is_alphanumeric() && c != ')' && c != '%');
    (!out.is_empty()).then(|| out.to_string())
}

/// How far before a figure (bytes of folded text) a qualifier such as "it nhat" is sought.
const QUALIFIER_LOOKBACK: usize = 24;

fn qualifier(f: &str, start: usize, end: usize) -> Option<String> {
    let head = &f[crate::text::floor_boundary(f, start.saturating_sub(QUALIFIER_LOOKBACK))..start];
    let head = head.trim_end();
    let tail = f[end..].trim_start();
    if (head.ends_with("tu") || head.ends_with("dat tu")) && tail.starts_with("tro len") {
        return Some("từ … trở lên".into());
    }
    let known = [
        ("it nhat", "ít nhất"),
        ("toi thieu", "tối thiểu"),
        ("tren", "trên"),
        ("hon", "hơn"),
        ("duoi", "dưới"),
        ("khong qua", "không quá"),
        ("toi da", "tối đa"),
        ("khoang", "khoảng"),
        ("gan", "gần"),
        ("it nhat doi voi", "ít nhất"),
    ];
    known
        .iter()
        .rev()
        .find(|(k, _)| head.ends_with(k))
        .map(|(_, v)| v.to_string())
}

/// "46/61 TTHC, đạt 75,4%": the percentage joins the ratio, which records
/// whether the two agree to rounding.
fn link_percentages(f: &str, fix: &CharIndex, orig: &[char], figures: Vec<Figure>) -> Vec<Figure> {
    let byte_of = |ch: usize| fix.byte_at(ch);
    let mut out: Vec<Figure> = Vec::new();
    let mut iter = figures.into_iter().peekable();
    while let Some(mut fig) = iter.next() {
        if fig.kind == FigureKind::Ratio {
            if let Some(next) = iter.peek() {
                let gap = &f[byte_of(fig.span[1])..byte_of(next.span[0])];
                if next.kind == FigureKind::Percent && LINK_GAP.is_match(gap) {
                    let pct = iter.next().expect("peeked");
                    fig.percent = pct.percent;
                    fig.span[1] = pct.span[1];
                    fig.text = orig[fig.span[0]..fig.span[1]].iter().collect();
                    fig.consistent = Some(agrees(fig.value, fig.total, pct.value));
                }
            }
        } else if fig.kind == FigureKind::Count {
            if let Some(next) = iter.peek() {
                let gap = &f[byte_of(fig.span[1])..byte_of(next.span[0])];
                if next.kind == FigureKind::Percent && reaches(gap) {
                    let pct = iter.next().expect("peeked");
                    fig.percent = pct.percent;
                    fig.span[1] = pct.span[1];
                    fig.text = orig[fig.span[0]..fig.span[1]].iter().collect();
                    // The total is the one stated just before, for the same unit:
                    // "46/61 TTHC, đạt 75,4%, trong đó có 22 TTHC …, đạt 36%".
                    let start = byte_of(fig.span[0]);
                    let total = out
                        .iter()
                        .rev()
                        .take_while(|o| same_sentence(&f[byte_of(o.span[1])..start]))
                        .find(|o| o.kind == FigureKind::Ratio && o.unit == fig.unit)
                        .and_then(|o| o.total);
                    if let Some(total) = total.filter(|&t| fig.value <= t) {
                        fig.kind = FigureKind::Ratio;
                        fig.total = Some(total);
                        fig.consistent = Some(agrees(fig.value, Some(total), pct.value));
                    }
                }
            }
        } else if fig.kind == FigureKind::Percent {
            if let Some(next) = iter.peek() {
                let gap = &f[byte_of(fig.span[1])..byte_of(next.span[0])];
                if next.kind == FigureKind::Ratio
                    && gap.len() < PERCENT_RATIO_MAX_GAP
                    && gap.trim_end().ends_with('(')
                {
                    let mut ratio = iter.next().expect("peeked");
                    ratio.percent = fig.percent;
                    ratio.consistent = Some(agrees(ratio.value, ratio.total, fig.value));
                    out.push(fig);
                    out.push(ratio);
                    continue;
                }
            }
        }
        out.push(fig);
    }
    out
}

/// The gap between a count and a percentage says the count reaches it: one clause that
/// ends in "đạt", "chiếm", "bằng" ….
fn reaches(gap: &str) -> bool {
    let head = gap.trim_end().trim_end_matches(['(', ':']).trim_end();
    gap.len() < PERCENT_RATIO_MAX_GAP
        && same_sentence(gap)
        && !gap.contains(';')
        && REACHES.iter().any(|w| {
            head.strip_suffix(w)
                .is_some_and(|before| before.is_empty() || before.ends_with([' ', ',']))
        })
}

/// No sentence or line ends in `gap`.
fn same_sentence(gap: &str) -> bool {
    !gap.contains('\n') && !gap.contains(". ")
}

/// Counts of one unit listed after "gồm" / "trong đó" are the parts of the figure of that
/// unit stated before them in the sentence: the one they add up to, else the nearest, which
/// is then flagged as not adding up.
fn check_parts(f: &str, fix: &CharIndex, figures: &mut [Figure]) {
    let byte_of = |ch: usize| fix.byte_at(ch);
    let mut i = 0;
    while i < figures.len() {
        let first = &figures[i];
        let run_end = (i + 1..figures.len())
            .find(|&j| {
                let (prev, next) = (&figures[j - 1], &figures[j]);
                next.kind != FigureKind::Count
                    || next.unit != first.unit
                    || !same_sentence(&f[byte_of(prev.span[1])..byte_of(next.span[0])])
            })
            .unwrap_or(figures.len());
        if first.kind != FigureKind::Count || run_end - i < 2 {
            i += 1;
            continue;
        }
        let start = byte_of(first.span[0]);
        let sum: f64 = figures[i..run_end].iter().map(|p| p.value).sum();
        let candidates: Vec<usize> = (0..i)
            .rev()
            .take_while(|&k| same_sentence(&f[byte_of(figures[k].span[1])..start]))
            .filter(|&k| figures[k].unit == first.unit && figures[k].kind != FigureKind::Percent)
            .collect();
        let introduced = candidates.first().is_some_and(|&k| {
            let words: Vec<&str> = f[byte_of(figures[k].span[1])..start]
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let words = format!(" {} ", words.join(" "));
            PARTS_INTRO
                .iter()
                .any(|w| words.contains(&format!(" {w} ")))
        });
        if introduced {
            let target = candidates
                .iter()
                .copied()
                .find(|&k| (figures[k].value - sum).abs() < 0.5)
                .unwrap_or(candidates[0]);
            figures[target].parts = Some(Parts {
                count: run_end - i,
                sum,
                adds_up: (figures[target].value - sum).abs() < 0.5,
            });
        }
        i = run_end;
    }
}

/// A stated percentage agrees with a ratio when it matches to one decimal (±0.5).
fn agrees(value: f64, total: Option<f64>, percent: f64) -> bool {
    total.is_some_and(|t| (100.0 * value / t - percent).abs() <= 0.5)
}
