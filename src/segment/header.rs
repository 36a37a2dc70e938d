//! The header block: agency and parent, number, place and date, type and title.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Metadata, MetadataField};
use crate::text::{fold, is_upper, squash, Line};
use crate::vn;

/// "Số: 12/KH-UBND", also after the type's name with its colon: "Luật số: 91/2015/QH13"
/// ("… kèm theo\nCông văn số 724 …" names another document).
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<&str> = vn::DOC_TYPES.iter().map(|t| t.name).collect();
    Regex::new(&format!(r"^\s*(?:(?i:{}|lệnh)\s+(?i:số)\s*:|(?:[Ss][oốồô6ỗổ]|SỐ|SO)\s*[:;]?|S[ởơớờ]\s*:)\s*(?P<digits>(?:[0-9OIØ]|[^\s\p{{Lu}}/\-]){{0,6}})(?P<symbol>\s*[-/]?\s*[\p{{Lu}}0-9](?:Tr|Tg|[\p{{Lu}}0-9 \-/&.])*)", names.join("|"))).unwrap()
});
/// A number line whose "Số:" OCR lost with the handwritten digits: a segment that is only
/// a few letters of junk and a type's symbol with its issuer, "ST /CT-UBND".
static UNLABELLED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<&str> = vn::DOC_TYPES
        .iter()
        .flat_map(|t| t.symbols)
        .copied()
        .collect();
    Regex::new(&format!(
        r"^\s*(?P<digits>\S{{0,3}}?)\s*(?P<symbol>/\s*(?:{})\s*-\s*[\p{{Lu}}0-9]+)\s*$",
        symbols.join("|")
    ))
    .unwrap()
});
/// "Hà Nội, ngày …": the words before the date name the place.
static PLACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([\p{L}][\p{L} .\-]{1,40}?),?\s*ng[aà]y").unwrap());
/// The state motto and the Party / Youth Union names that stand in for it in the
/// right-hand column; removed from a header segment, whatever else it holds.
static MOTTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"cong\s*hoa\s*xa\s*hoi\s*chu\s*nghia\s*viet\s*nam|doc\s*lap\s*[-–]?\s*tu\s*do\s*[-–]?\s*hanh\s*phuc|dang\s+cong\s+san\s+viet\s+nam|doan\s+tncs\s+ho\s+chi\s+minh|doan\s+thanh\s+nien\s+cong\s+san\s+ho\s+chi\s+minh|[-_*=\\~.]{3,}").unwrap()
});
/// Header segments that are neither agency nor title.
const MARKERS: &[&str] = &[
    "du thao",
    "mat",
    "toi mat",
    "khan",
    "hoa toc",
    "thuong khan",
    "ban in",
    "lưu hanh noi bo",
];
/// Words that continue an agency name on its next header line ("ỦY BAN NHÂN DÂN" / "TỈNH THÁI NGUYÊN").
const PLACE_WORDS: &[&str] = &[
    "tinh ",
    "thanh pho ",
    "huyen ",
    "quan ",
    "thi xa ",
    "xa ",
    "phuong ",
    "va ",
    "- ",
];
/// Lines that start the body, so a title never runs into them. Written with their marks:
/// "Nhâm Dần" in a title is not "Nhằm"; a word without marks may be either.
const BODY_STARTS: &[&str] = &[
    "căn cứ",
    "thực hiện",
    "kính gửi",
    "nhằm ",
    "để ",
    "triển khai",
    "(ban hành",
    "(kèm theo",
    "ban hành kèm",
    "kèm theo",
    "sau khi",
    "theo đề nghị",
    "xét đề nghị",
];
/// A body that opens with its date, "Ngày 12/3/2024, …"; "Ngày Quốc tế …" may go on a title.
static DATED_OPENING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ngay\s+\d").unwrap());
/// Most lines a title runs over.
pub(super) const TITLE_MAX_LINES: usize = 8;
/// A header segment longer than this is body text: the header has ended.
const SEGMENT_MAX_CHARS: usize = 120;
/// Lines of prose after which a header without a type line has ended.
const PROSE_LINES_END_HEADER: usize = 3;
/// Lines searched for the header block.
const HEADER_LINES: usize = 60;
/// A line longer than this, not upper case and without a number or date, is prose.
const PROSE_LINE_CHARS: usize = 60;
/// A title line is at most this long; a longer one is body text.
pub(super) const TITLE_LINE_MAX_CHARS: usize = 200;
/// The rest of a symbol cut by a line break is at most this long.
const SYMBOL_TAIL_MAX_CHARS: usize = 16;
/// Most lines a "V/v" subject runs over (a narrow column wraps it often).
const SUBJECT_MAX_LINES: usize = 6;
/// Words before a "|" that make it a column rule rather than a table row's border.
const OCR_COLUMN_MIN_WORDS: usize = 3;
/// Lines of the document's head looked at to tell whether it is double-spaced …
const SPACING_SAMPLE_LINES: usize = 60;
/// … and the share of its lines that must stand one blank line apart.
const DOUBLE_SPACED_SHARE: f64 = 0.8;

/// What the header block tells, and where the body starts.
#[derive(Debug, Default)]
pub struct Header {
    pub metadata: Metadata,
    /// What is left of a damaged day of issue, for [`settle_day`].
    pub day_clue: Option<vn::DayClue>,
    /// First line of the body (after the title).
    pub body_start: usize,
}

/// One column of one header line.
struct Segment {
    line: usize,
    text: String,
}

/// Reads the header block from the first lines of the document.
pub fn read_header(lines: &[Line]) -> Header {
    let mut md = Metadata::default();
    let limit = lines.len().min(HEADER_LINES);
    let mut agency_lines: Vec<String> = Vec::new();
    let mut agency_open = true;
    let mut type_at = None;
    let mut title_rest = None;
    let mut prose_lines = 0;
    let mut day_clue = None;
    let segments = segments(&lines[..limit]);
    let mut i = 0;
    while i < segments.len() {
        let seg = &segments[i];
        let col = seg.text.as_str();
        i += 1;
        // A type line may end in a note: "BẢNG SO SÁNH … (Phần gạch chân là …)".
        let head = col.split_once(" (").map_or(col, |(head, _)| head);
        if head.chars().count() > SEGMENT_MAX_CHARS {
            break;
        }
        let f = fold(col);
        let is_date = f.contains("ngay") && f.contains("nam");
        // Lines of prose: a document without a header block (a stamp or OCR noise is one line).
        if !is_upper(col)
            && !is_date
            && col.chars().count() > PROSE_LINE_CHARS
            && NUMBER.captures(col).is_none()
        {
            prose_lines += 1;
            if prose_lines >= PROSE_LINES_END_HEADER {
                break;
            }
        }
        if md.number.is_none() {
            if let Some(c) = NUMBER
                .captures(col)
                .filter(|c| c["symbol"].contains(['/', '-']))
                .or_else(|| UNLABELLED_NUMBER.captures(col))
            {
                let mut raw = c["symbol"].to_string();
                // A symbol the line break cut: "34-KH/TWĐTN-" / "TNNT".
                if raw.trim_end().ends_with(['-', '/']) {
                    if let Some(next) = segments.get(i).filter(|n| is_symbol_tail(&n.text)) {
                        raw.push_str(&next.text);
                        i += 1;
                    }
                }
                let (number, damaged) = vn::read_number_field(&c["digits"], &raw);
                md.number = Some(number);
                if damaged {
                    md.damaged.push(MetadataField::Number);
                }
                agency_open = false;
                continue;
            }
        }
        // "ngày" itself may be damaged: "Quảng Ngãi, ngàW† tháng 5 năm 2021".
        if md.date.is_none() && f.contains("nga") {
            if let Some((date, range)) = vn::parse_date(col)
                .filter(|(_, range)| !vn::mentions_numbered(&fold(&col[..range.start])))
            {
                md.place = PLACE.captures(&col[..range.end]).map(|c| squash(&c[1]));
                md.date = Some(date.iso());
                md.date_precision = Some(date.precision());
                if date.precision() == vn::Precision::Month {
                    day_clue = vn::day_clue(&col[range]);
                }
                agency_open = false;
                continue;
            }
        }
        if type_at.is_none() && is_upper(head) {
            if let Some((t, rest)) = vn::leading_type(head) {
                let rest = rest.trim().trim_start_matches(':').trim();
                md.doc_type = Some(t);
                type_at = Some(seg.line);
                // "BÁO CÁO TÓM TẮT" qualifies the type; "HƯỚNG DẪN MINH CHỨNG …" holds the title.
                if rest.split_whitespace().count() > 2 {
                    title_rest = Some(squash(rest));
                }
                break;
            }
        }
        if !agency_open || !is_upper(col) || MARKERS.contains(&f.trim()) {
            if !agency_lines.is_empty() && !is_upper(col) {
                agency_open = false;
            }
            continue;
        }
        let starts_agency = vn::AGENCY_HEADS
            .iter()
            .any(|h| f.trim_start().starts_with(h));
        if starts_agency || !agency_lines.is_empty() {
            agency_lines.push(squash(col));
        }
    }
    let (parent, agency) = split_agency(&agency_lines);
    let mut mended = false;
    let mut mend = |name: String| match vn::mend_province(&name) {
        std::borrow::Cow::Owned(m) => {
            mended = true;
            m
        }
        std::borrow::Cow::Borrowed(_) => name,
    };
    md.parent_agency = parent.map(&mut mend);
    md.agency = agency.map(&mut mend);
    if mended {
        md.damaged.push(MetadataField::Agency);
    }
    if md.doc_type.is_none() {
        md.doc_type = md.number.as_deref().and_then(type_from_number);
    }
    let body_start = match type_at {
        Some(at) => {
            let (title, end) = title_after(lines, at + 1, title_rest);
            md.title = title.map(|t| without_issue_line(&t, md.number.as_deref()));
            end
        }
        None => {
            md.title = subject_line(&lines[..limit]);
            0
        }
    };
    Header {
        metadata: md,
        day_clue,
        body_start,
    }
}

/// The day of the first signature (`signed`: ISO times) in `month` (`YYYY-MM`).
pub fn first_signed_day<'a>(month: &str, signed: impl Iterator<Item = &'a str>) -> Option<u32> {
    signed
        .filter_map(|t| t.get(..10))
        .filter(|d| d.starts_with(month))
        .filter_map(|d| d[8..].parse().ok())
        .min()
}

/// A scan's day of issue that OCR damaged ("ngày@3 tháng 01 năm 2025") is the latest day
/// its readable digits allow that is not after the first signature of that month: a
/// document is dated on or before the day it is signed. `signed` are ISO signing times.
pub fn settle_day<'a>(
    md: &mut Metadata,
    clue: Option<vn::DayClue>,
    signed: impl Iterator<Item = &'a str>,
) {
    let (Some(clue), Some(date)) = (clue, md.date.clone()) else {
        return;
    };
    let Some((year, month)) = date
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse().ok()?, m.parse().ok()?)))
    else {
        return;
    };
    if let Some(day) =
        first_signed_day(&date, signed).and_then(|last| clue.settle(year, month, last))
    {
        md.date = Some(format!("{date}-{day:02}"));
        md.date_precision = Some(vn::Precision::Day);
        md.damaged.push(MetadataField::Date);
    }
}

/// The header's lines cut into columns: tabs, runs of 3+ spaces, cells of a pipe table and
/// "\\\" column marks separate them; the motto is removed; "Số:" alone joins what follows,
/// and a date cut before its "năm" joins its year.
fn segments(lines: &[Line]) -> Vec<Segment> {
    static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\t|\s{3,}|\|").unwrap());
    static BACKSLASHES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\\{2,}").unwrap());
    let mut out: Vec<Segment> = Vec::new();
    for line in lines {
        let text = BACKSLASHES.replace_all(line.text, "   ");
        for col in GAP.split(text.trim()).flat_map(split_before_number_label) {
            let kept = without_motto(col);
            let kept = kept.trim();
            if kept.is_empty() || kept.chars().all(|c| !c.is_alphanumeric()) {
                continue;
            }
            let folded = fold(kept);
            match out.last_mut() {
                Some(prev)
                    if is_bare_number_label(&prev.text) || date_wants_year(&prev.text, &folded) =>
                {
                    prev.text.push(' ');
                    prev.text.push_str(kept);
                }
                _ => out.push(Segment {
                    line: line.no,
                    text: kept.to_string(),
                }),
            }
        }
    }
    out
}

/// OCR joins a two-column line into one ("… ngày 23 tháng 01 năm 2025 Số: 22 /BC-UBND"):
/// a "Số:" label inside a column starts a column of its own (OCR may read it "Sở:").
fn split_before_number_label(col: &str) -> Vec<&str> {
    static LABEL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\sS[ốở]\s*:").unwrap());
    match LABEL.find(col) {
        Some(m) => vec![&col[..m.start()], &col[m.start()..]],
        None => vec![col],
    }
}

fn without_motto(col: &str) -> String {
    let folded = fold(col);
    let chars: Vec<char> = col.chars().collect();
    let mut keep = vec![true; chars.len()];
    for m in MOTTO.find_iter(&folded) {
        let (s, e) = (
            folded[..m.start()].chars().count(),
            folded[..m.end()].chars().count(),
        );
        keep[s..e].iter_mut().for_each(|k| *k = false);
    }
    chars
        .iter()
        .zip(keep)
        .map(|(c, k)| if k { *c } else { ' ' })
        .collect()
}

fn is_bare_number_label(text: &str) -> bool {
    matches!(fold(text).trim().trim_end_matches([':', ';']).trim(), "so")
}

/// "Hà Nội, ngày 06 tháng 10" followed by "năm 2023".
fn date_wants_year(prev: &str, next_folded: &str) -> bool {
    let p = fold(prev);
    p.contains("ngay")
        && !p.contains("nam")
        && (next_folded.starts_with("nam") || next_folded.starts_with("thang"))
}

/// The rest of a symbol cut by a line break: upper case letters and digits, no spaces.
fn is_symbol_tail(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().count() <= SYMBOL_TAIL_MAX_CHARS
        && t.chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '-' || c == '/')
}

/// A công văn states its subject on a "V/v …" line.
fn subject_line(lines: &[Line]) -> Option<String> {
    let at = lines.iter().position(|l| {
        let t = l.text.trim_start_matches(['“', '"', ' ']);
        t.starts_with("V/v") || t.starts_with("V/V") || fold(t).starts_with("ve viec ")
    })?;
    let mut parts = Vec::new();
    for line in &lines[at..] {
        let t = line.text.trim();
        let f = fold(t);
        if t.is_empty()
            || parts.len() >= SUBJECT_MAX_LINES
            || (!parts.is_empty()
                && (is_upper(t)
                    || f.starts_with("kinh gui")
                    || (f.contains("ngay") && vn::parse_date(t).is_some())))
        {
            break;
        }
        parts.push(t);
    }
    let joined = squash(&parts.join(" "));
    let subject = joined.trim_matches(['“', '”', '"', ' ']);
    let subject = subject
        .strip_prefix("V/v")
        .or_else(|| subject.strip_prefix("V/V"))
        .unwrap_or(subject);
    Some(subject.trim().to_string()).filter(|s| !s.is_empty())
}

/// The type a number's code names: "226-CV/TWĐTNVP" → Công văn, "73/KH-SKHCN" → Kế hoạch;
/// an administrative code led by its issuer ("1356/UBND-THNV") is a công văn.
pub fn type_from_number(number: &str) -> Option<&'static vn::DocType> {
    let code = vn::type_code(number)?;
    vn::by_symbol(code).or_else(|| {
        (number.contains('/') && number.contains('-'))
            .then(|| vn::by_folded_name("cong van"))
            .flatten()
    })
}

/// Agency header lines → (parent, agency): "UBND TỈNH GIA LAI / SỞ KHOA HỌC…".
fn split_agency(lines: &[String]) -> (Option<String>, Option<String>) {
    let mut names: Vec<String> = Vec::new();
    for line in lines {
        let f = fold(line) + " ";
        match names.last_mut() {
            Some(prev)
                if PLACE_WORDS.iter().any(|w| f.starts_with(w))
                    || !vn::AGENCY_HEADS.iter().any(|h| f.starts_with(h))
                    || prev.ends_with([',', '-']) =>
            {
                prev.push(' ');
                prev.push_str(line);
            }
            _ => names.push(line.clone()),
        }
    }
    let mut names = names.into_iter().map(|n| agency_case(&n));
    match (names.next(), names.next()) {
        (Some(a), None) => (None, Some(a)),
        (Some(p), Some(a)) => (Some(p), Some(a)),
        _ => (None, None),
    }
}

/// "SỞ KHOA HỌC VÀ CÔNG NGHỆ" → "Sở Khoa học và Công nghệ" style is not recoverable
/// reliably, so agency names keep the case they were written in, squashed.
fn agency_case(name: &str) -> String {
    squash(name)
}

/// The title (trích yếu) after the type line: the next lines up to the body. A single
/// blank line inside a title is skipped when the title goes on after it.
fn title_after(lines: &[Line], from: usize, first: Option<String>) -> (Option<String>, usize) {
    let mut parts: Vec<String> = first.into_iter().collect();
    let mut i = from;
    let mut end = from;
    let mut after_blank = false;
    let double_spaced = double_spaced(lines);
    while i < lines.len() && parts.len() < TITLE_MAX_LINES {
        let t = lines[i].text.trim();
        if is_blank(t) {
            // Blank lines before the title are skipped; inside it one is, two end it.
            if !parts.is_empty() && lines.get(i + 1).is_none_or(|n| n.text.trim().is_empty()) {
                break;
            }
            after_blank = !parts.is_empty();
            i += 1;
            continue;
        }
        if vn::stamp::is_arrival_stamp_line(t) {
            if parts.is_empty() {
                i += 1;
                continue;
            }
            break;
        }
        let t = before_ocr_column(t);
        // After a blank line only a lower-case or quoted line goes on with the title, or
        // a line in capitals after a title in capitals that is no table row and does not
        // name who issues ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" under a decision's title).
        let capitals_go_on = is_upper(t)
            && !t.contains(['|', '\t'])
            && parts.iter().all(|p| is_upper(p))
            && super::closing::position_in(t).is_none()
            && !vn::AGENCY_HEADS.iter().any(|h| fold(t).starts_with(h));
        // In a dump with a blank line after every line, one blank is a line break: a title
        // not in capitals goes on with a line that is no sentence.
        let line_goes_on = double_spaced
            && !is_upper(t)
            && parts.last().is_some_and(|p| !is_upper(p))
            && !t.ends_with(['.', ':', ';'])
            && t.chars().count() <= SEGMENT_MAX_CHARS;
        if after_blank
            && !capitals_go_on
            && !line_goes_on
            && !t.starts_with(|c: char| c.is_lowercase() || "“\"(".contains(c))
        {
            break;
        }
        let f = fold(t);
        let f = f.trim_start_matches(['“', '"', ' ']);
        let starts_upper = t
            .trim_start_matches(['“', '"', '('])
            .starts_with(char::is_uppercase);
        let ends_body = (!parts.is_empty()
            && starts_upper
            && (BODY_STARTS.iter().any(|b| opens_with(t, b)) || DATED_OPENING.is_match(f)))
            || f.starts_with("(ban hanh")
            || f.starts_with("(kem theo")
            // "(Đại hội … thông qua ngày …)" under a title in capitals is a note.
            || (t.starts_with('(')
                && !t.contains(')')
                && !is_upper(t)
                && parts.last().is_some_and(|p| is_upper(p)))
            || crate::segment::sections::label_of(t).is_some()
            || (!parts.is_empty()
                && is_upper(t)
                && !is_upper(parts.last().map_or("", |p| p.as_str())))
            || (!parts.is_empty() && t.chars().count() > TITLE_LINE_MAX_CHARS);
        if ends_body {
            break;
        }
        parts.push(t.to_string());
        i += 1;
        end = i;
    }
    let title = squash(&parts.join(" "));
    let title = title
        .strip_prefix("V/v ")
        .or_else(|| title.strip_prefix("V/V "))
        .unwrap_or(&title)
        .trim();
    let title = mend_opening(title);
    (Some(title).filter(|t| !t.is_empty()), end.max(from))
}

/// A title in capitals without the issuer, number and date an older heading writes into
/// it: "CỦA QUỐC HỘI … SỐ 24/2000/QH10 NGÀY 09 THÁNG 12 NĂM 2000 VỀ KINH DOANH BẢO HIỂM"
/// → "KINH DOANH BẢO HIỂM". Only the document's own number, one after its issuer or one
/// the title opens with is cut:
/// "THỰC HIỆN NGHỊ QUYẾT SỐ 21-NQ/TW" names another document.
fn without_issue_line(title: &str, own_number: Option<&str>) -> String {
    static ISSUE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|\s)SỐ\s*:?\s*(\d[^\s]*)(?:\s+NGÀY\s+(?:\d{1,2}\s+THÁNG\s+\d{1,2}\s+NĂM\s+\d{4}|[\d/.\-]+))?")
            .unwrap()
    });
    let Some(c) = ISSUE.captures(title).filter(|_| is_upper(title)) else {
        return title.to_string();
    };
    let whole = c.get(0).unwrap();
    // "… CỦA BỘ LUẬT HÌNH SỰ" names a code, not who issues.
    let names_issuer = |s: &str| {
        let f = fold(s);
        !f.starts_with("bo luat")
            && (f.starts_with("chu tich") || vn::AGENCY_HEADS.iter().any(|h| f.starts_with(h)))
    };
    let before = &title[..whole.start()];
    let issuer_first = before.starts_with("CỦA ") && names_issuer(&before["CỦA ".len()..]);
    let own = before.trim().is_empty()
        || own_number.is_some_and(|n| vn::number_key(n) == vn::number_key(&c[1]));
    if !issuer_first && !own {
        return title.to_string();
    }
    let before = match before.find(" CỦA ") {
        _ if issuer_first => "",
        Some(at) if names_issuer(&before[at + " CỦA ".len()..]) => &before[..at],
        _ => before,
    };
    let mut after = title[whole.end()..].trim();
    if let Some(rest) = after.strip_prefix("CỦA ").filter(|r| names_issuer(r)) {
        after = rest.find(" VỀ ").map_or("", |at| &rest[at + 1..]);
    }
    let joined = format!("{} {}", before.trim(), after);
    let joined = joined.trim();
    let joined = match joined.strip_prefix("VỀ ") {
        Some(rest) if before.trim().is_empty() => rest,
        _ => joined,
    };
    joined.to_string()
}

/// A blank line, or an empty table row ("|  |  |").
fn is_blank(line: &str) -> bool {
    line.trim_matches(|c: char| c == '|' || c.is_whitespace())
        .is_empty()
}

/// Whether the head of the document puts a blank line after every line.
fn double_spaced(lines: &[Line]) -> bool {
    let head = &lines[..lines.len().min(SPACING_SAMPLE_LINES)];
    let (mut apart, mut together) = (0usize, 0usize);
    for w in head.windows(3) {
        if is_blank(w[0].text) {
            continue;
        }
        match (is_blank(w[1].text), is_blank(w[2].text)) {
            (true, false) => apart += 1,
            (false, _) => together += 1,
            (true, true) => {}
        }
    }
    apart + together > 0 && apart as f64 >= DOUBLE_SPACED_SHARE * (apart + together) as f64
}

/// Whether `line` (after an opening quote) begins with the words `marked`, marks and all,
/// or with the same words written without any marks.
fn opens_with(line: &str, marked: &str) -> bool {
    let lower = line.trim_start_matches(['“', '"', ' ']).to_lowercase();
    let head: String = lower.chars().take(marked.chars().count()).collect();
    head == marked || (fold(&head) == head && fold(marked) == head)
}

/// A title line without what OCR read beyond a column rule ("… hành chính |TRNGTÂM-ĐÔNG…"
/// from a stamp beside it): a title holds no "|" after its first words.
fn before_ocr_column(t: &str) -> &str {
    match t.split_once('|') {
        Some((head, _)) if head.split_whitespace().count() >= OCR_COLUMN_MIN_WORDS => {
            head.trim_end()
        }
        _ => t,
    }
}

/// A title's "Về việc" as OCR damages it ("và việc", "vềviệccông", "Về.ˆviệc") is
/// written whole again: no title starts with "và", and the words run on after "việc".
fn mend_opening(title: &str) -> String {
    static OPENING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^v[ea][^a-z0-9]{0,3}viec\s*").unwrap());
    let folded = fold(title).to_lowercase();
    match OPENING.find(&folded) {
        Some(m) if m.as_str().trim_end() != "ve viec" => {
            let rest: String = title.chars().skip(m.as_str().chars().count()).collect();
            format!("Về việc {rest}")
        }
        _ => title.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lines;

    fn header(src: &str) -> Metadata {
        read_header(&lines(src)).metadata
    }

    #[test]
    fn two_line_agency_joins() {
        let md = header("ỦY BAN NHÂN DÂN\nTỈNH THÁI NGUYÊN\n-------\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nSố: 4203/QĐ-UBND\n\nThái Nguyên, ngày 27 tháng 12 năm 2019\n\nQUYẾT ĐỊNH\n\nBAN HÀNH KẾ HOẠCH\n\nCăn cứ");
        assert_eq!(
            md.agency.as_deref(),
            Some("ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN")
        );
        assert_eq!(md.parent_agency, None);
        assert_eq!(md.number.as_deref(), Some("4203/QĐ-UBND"));
        assert_eq!(
            (md.place.as_deref(), md.date.as_deref()),
            (Some("Thái Nguyên"), Some("2019-12-27"))
        );
        assert_eq!(
            (md.doc_type.map(|t| t.name), md.title.as_deref()),
            (Some("Quyết định"), Some("BAN HÀNH KẾ HOẠCH"))
        );
    }

    #[test]
    fn interleaved_two_column_header() {
        let md = header("UBND TỈNH GIA LAI      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSỞ KHOA HỌC VÀ CÔNG NGHỆ      Độc lập - Tự do - Hạnh phúc\nSố: 73 /KH-SKHCN      Gia Lai, ngày 18 tháng 11 năm 2019\nKẾ HOẠCH\nThực hiện");
        assert_eq!(md.parent_agency.as_deref(), Some("UBND TỈNH GIA LAI"));
        assert_eq!(md.agency.as_deref(), Some("SỞ KHOA HỌC VÀ CÔNG NGHỆ"));
        assert_eq!(md.number.as_deref(), Some("73/KH-SKHCN"));
        assert_eq!(md.date.as_deref(), Some("2019-11-18"));
    }

    #[test]
    fn party_style_numbers() {
        let md = header("BAN CHẤP HÀNH TRUNG ƯƠNG\n\nSố:  342KH/TWĐTNBTG\n\nĐOÀN TNCS HỒ CHÍ MINH\n\n     Hà Nội, ngày 04 tháng 3 năm 2025\n\nKẾ HOẠCH\nTổ chức cuộc thi");
        assert_eq!(
            (md.number.as_deref(), md.agency.as_deref()),
            (Some("342-KH/TWĐTNBTG"), Some("BAN CHẤP HÀNH TRUNG ƯƠNG"))
        );
        assert_eq!(
            (md.place.as_deref(), md.date.as_deref()),
            (Some("Hà Nội"), Some("2025-03-04"))
        );
    }

    #[test]
    fn type_from_numbers() {
        for (number, name) in [
            ("226-CV/TWĐTNVP", "Công văn"),
            ("73/KH-SKHCN", "Kế hoạch"),
            ("1356/UBND-THNV", "Công văn"),
            ("59/2012/NĐ-CP", "Nghị định"),
        ] {
            assert_eq!(
                type_from_number(number).map(|t| t.name),
                Some(name),
                "{number}"
            );
        }
    }

    #[test]
    fn cong_van_subject() {
        let md = header("BAN CHẤP HÀNH TRUNG ƯƠNG\n\nSố: 226 CV/TWĐTNVP\n“V/v đề xuất sửa đổi Quy chế và Hướng dẫn\nthực hiện Quy chế Thi đua”\n\nĐOÀN TNCS HỒ CHÍ MINH\n\nHà Nội, ngày 10 tháng 02 năm 2023\n\nKính gửi:");
        assert_eq!(md.doc_type.map(|t| t.name), Some("Công văn"));
        assert_eq!(
            md.title.as_deref(),
            Some("đề xuất sửa đổi Quy chế và Hướng dẫn thực hiện Quy chế Thi đua")
        );
    }
}
