//! The header block: agency and parent, number, place and date, type and title.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Metadata;
use crate::text::{fold, is_upper, squash, Line};
use crate::vn::{self, iso_date, normalize_number};

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[Ss][oốồô6]|SỐ|SO)\s*[:;]?\s*([0-9]*[a-z]?\s*[-/]?\s*[\p{Lu}0-9][\p{Lu}0-9 \-/&.]*)").unwrap()
});
static PLACE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\s{2,}|\t)([\p{L}][\p{L} .\-]{1,40}?),?\s+ng[aà]y\s+(\d{1,2})\s+th[aá]ng\s+(\d{1,2})\s+n[aă]m\s+(\d{4})").unwrap()
});
/// The right-hand column of the header: state motto, or the Party / Youth Union name that stands in for it.
static NATIONAL_MOTTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(cong hoa xa hoi|doc lap\s*-|-{3,}|_{3,}|\*{3,}|dang cong san viet nam$|doan tncs ho chi minh$)").unwrap()
});
/// Words that continue an agency name on its next header line ("ỦY BAN NHÂN DÂN" / "TỈNH THÁI NGUYÊN").
const PLACE_WORDS: &[&str] = &[
    "tinh ",
    "thanh pho ",
    "huyen ",
    "quan ",
    "thi xa ",
    "xa ",
    "phuong ",
];

/// What the header block tells, and where the body starts.
#[derive(Debug, Default)]
pub struct Header {
    pub metadata: Metadata,
    /// First line of the body (after the title).
    pub body_start: usize,
}

/// Reads the header block from the first lines of the document.
pub fn read_header(lines: &[Line]) -> Header {
    let mut md = Metadata::default();
    let limit = lines.len().min(60);
    let mut agency_lines: Vec<String> = Vec::new();
    let mut type_at = None;
    'lines: for line in &lines[..limit] {
        let cols: Vec<&str> = split_columns(line.text);
        for col in cols {
            let f = fold(col);
            let f = f.trim();
            if f.is_empty() {
                continue;
            }
            if NATIONAL_MOTTO.is_match(f) {
                continue;
            }
            if col.chars().count() > 120 {
                break 'lines;
            }
            if md.number.is_none() {
                if let Some(c) = NUMBER.captures(col).filter(|c| c[1].contains('/')) {
                    md.number = Some(normalize_number(&c[1]));
                    continue;
                }
            }
            if md.date.is_none() {
                if let Some(c) = PLACE_DATE.captures(col) {
                    md.place = Some(squash(&c[1]));
                    md.date = iso_date(&c[4], &c[3], &c[2]);
                    continue;
                }
            }
            if type_at.is_none() && md.doc_type.is_none() {
                if let Some(t) = doc_type_line(col) {
                    md.doc_type = Some(t.to_string());
                    type_at = Some(line.no);
                    continue;
                }
                if md.number.is_none() && is_upper(col) && col.chars().count() < 80 {
                    agency_lines.push(squash(col));
                }
            }
        }
        if type_at.is_some() {
            break;
        }
    }
    let (parent, agency) = split_agency(&agency_lines);
    md.parent_agency = parent;
    md.agency = agency;
    if md.doc_type.is_none() {
        md.doc_type = md
            .number
            .as_deref()
            .and_then(type_from_number)
            .map(String::from);
    }
    let body_start = match type_at {
        Some(at) => {
            let (title, end) = title_after(lines, at + 1);
            md.title = title;
            end
        }
        None => {
            md.title = subject_line(&lines[..limit]);
            0
        }
    };
    Header {
        metadata: md,
        body_start,
    }
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
        if t.is_empty()
            || parts.len() >= 4
            || (!parts.is_empty() && (is_upper(t) || PLACE_DATE.is_match(t)))
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
pub fn type_from_number(number: &str) -> Option<&'static str> {
    let code = vn::type_code(number)?;
    vn::by_symbol(code)
        .map(|t| t.name)
        .or_else(|| (number.contains('/') && number.contains('-')).then_some("Công văn"))
}

/// Two-column headers come as runs of 3+ spaces or tabs on one line.
fn split_columns(line: &str) -> Vec<&str> {
    static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\t|\s{3,}").unwrap());
    GAP.split(line.trim())
        .filter(|c| !c.trim().is_empty())
        .collect()
}

/// A line that is only a document type: "KẾ HOẠCH", "QUYẾT ĐỊNH:", "BAO CAO".
pub fn doc_type_line(line: &str) -> Option<&'static str> {
    let f = fold(line);
    let f = f.trim().trim_end_matches(':').trim();
    if !is_upper(line) {
        return None;
    }
    vn::by_folded_name(f).map(|t| t.name)
}

/// Agency header lines → (parent, agency): "UBND TỈNH GIA LAI / SỞ KHOA HỌC…".
fn split_agency(lines: &[String]) -> (Option<String>, Option<String>) {
    let mut names: Vec<String> = Vec::new();
    for line in lines {
        let f = fold(line) + " ";
        match names.last_mut() {
            Some(prev) if PLACE_WORDS.iter().any(|w| f.starts_with(w)) => {
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

/// The title (trích yếu) after the type line: the next non-blank lines up to a blank line.
fn title_after(lines: &[Line], from: usize) -> (Option<String>, usize) {
    let mut i = from;
    while i < lines.len() && lines[i].text.trim().is_empty() {
        i += 1;
    }
    let mut parts = Vec::new();
    while i < lines.len() && !lines[i].text.trim().is_empty() && parts.len() < 4 {
        let t = lines[i].text.trim();
        let f = fold(t);
        if f.starts_with("can cu") || crate::segment::sections::label_of(t).is_some() {
            break;
        }
        parts.push(t.to_string());
        i += 1;
    }
    let title = squash(&parts.join(" "));
    (Some(title).filter(|t| !t.is_empty()), i)
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
            (md.doc_type.as_deref(), md.title.as_deref()),
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
        assert_eq!(type_from_number("226-CV/TWĐTNVP"), Some("Công văn"));
        assert_eq!(type_from_number("73/KH-SKHCN"), Some("Kế hoạch"));
        assert_eq!(type_from_number("1356/UBND-THNV"), Some("Công văn"));
        assert_eq!(type_from_number("59/2012/NĐ-CP"), Some("Nghị định"));
    }

    #[test]
    fn cong_van_subject() {
        let md = header("BAN CHẤP HÀNH TRUNG ƯƠNG\n\nSố: 226 CV/TWĐTNVP\n“V/v đề xuất sửa đổi Quy chế và Hướng dẫn\nthực hiện Quy chế Thi đua”\n\nĐOÀN TNCS HỒ CHÍ MINH\n\nHà Nội, ngày 10 tháng 02 năm 2023\n\nKính gửi:");
        assert_eq!(md.doc_type.as_deref(), Some("Công văn"));
        assert_eq!(
            md.title.as_deref(),
            Some("đề xuất sửa đổi Quy chế và Hướng dẫn thực hiện Quy chế Thi đua")
        );
    }
}
