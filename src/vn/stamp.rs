//! E-signature stamps: the text a digital signature draws beside or over the page
//! ("Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi / Cơ quan: Tỉnh Quảng Ngãi / Thời gian ký:
//! 07/01/2025 10:09:57", or the provincial gazette's "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC /
//! ttcbth@quangngai.gov.vn / 09.01.2025 10:21:11 +07:00").
//!
//! Stamp text is neither body text nor the issuing agency: [`is_stamp_line`] tells a
//! stamp line from a document line, [`parse_stamp`] reads who signed and when.
//! Labels match on folded text, so "Ky boi:" from a stripped or OCR'd page counts too.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::fold;

/// What an e-signature stamp says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    /// "Ký bởi:" / "Người ký:" value, else the gazette centre's name on its stamp.
    pub signer: Option<String>,
    /// "Cơ quan:" value.
    pub organization: Option<String>,
    /// ISO 8601, with the offset when the stamp gives one: `2025-01-07T10:09:57`,
    /// `2025-01-09T10:21:11+07:00`.
    pub time: Option<String>,
    /// The stamp of a provincial gazette centre ("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"): it
    /// records publication, not the document's signer.
    pub gazette: bool,
}

/// The field a labelled stamp line fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Signer = 0,
    Organization = 1,
    Time = 2,
}

/// The gazette centre's name, folded; stamps break it over two or three lines.
const CENTRE: &[&str] = &["trung", "tam", "cong", "bao", "va", "tin", "hoc"];

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(ky boi|nguoi ky|co quan|thoi gian ky)\s*:\s*").expect("valid regex")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?$").expect("valid regex"));
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{1,2})[./](\d{1,2})[./](\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{2}):?(\d{2}))?$",
    )
    .expect("valid regex")
});
static OFFSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([+-]\d{2}):?(\d{2})$").expect("valid regex"));

/// Whether `line` belongs to an e-signature stamp: a "Ký bởi:", "Người ký:", "Cơ quan:"
/// or "Thời gian ký:" line, a bare e-mail address, a bare signing time
/// ("09.01.2025 10:21:11 +07:00", or its "+07:00" broken onto its own line) or a piece
/// of the gazette centre's name ("TRUNG TÂM CÔNG BÁO", "VÀ TIN HỌC").
pub fn is_stamp_line(line: &str) -> bool {
    let folded = fold(line.trim());
    let folded = folded.as_str();
    LABEL.is_match(folded)
        || EMAIL.is_match(folded)
        || TIME.is_match(folded)
        || OFFSET.is_match(folded)
        || is_centre_piece(folded)
}

/// Whether `line` holds the receiving office's arrival stamp, which clerks put over
/// a document's head ("CÔNG VĂN ĐẾN", "CV ĐẾN  Ngày: … Chuyển: …", a bare "ĐẾN"):
/// never part of a title.
pub fn is_arrival_stamp_line(line: &str) -> bool {
    static ARRIVAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(^|[^a-z])(cv|cong van) ?den([^a-z]|$)|^\W*den\W*$|ngay ?:.*chuyen|^\W*chuyen ?:",
        )
        .expect("valid regex")
    });
    let folded = fold(line.trim());
    ARRIVAL.is_match(&folded) || names_gazette_centre(line, &folded)
}

/// A short line in capitals that names the gazette centre, as the head of its arrival
/// stamp does ("TRUNG TÂM CÔNG BÁO & TIN HỌC Q. NGÃI"), read through damage
/// ("FBUNG-TÂM CÔNG BAO â TIN HỌC O. NGÃI"): "công báo", at most one word, "tin học".
fn names_gazette_centre(line: &str, folded: &str) -> bool {
    const MAX_WORDS: usize = 10;
    let words: Vec<&str> = folded.split_whitespace().collect();
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    let capitals = letters.iter().filter(|c| c.is_uppercase()).count();
    let names = words.windows(2).enumerate().any(|(i, w)| {
        w == ["cong", "bao"]
            && (i + 2..=i + 3).any(|j| words.get(j..j + 2) == Some(&["tin", "hoc"][..]))
    });
    names && words.len() <= MAX_WORDS && capitals * 5 >= letters.len() * 4
}

/// Reads a stamp from its text (lines as drawn); `None` when no line is a stamp line.
/// A line that is not a stamp line continues the labelled value above it (a wrapped
/// "Ký bởi:" name); the gazette centre's name, broken over lines, becomes the signer.
pub fn parse_stamp(text: &str) -> Option<Stamp> {
    // One buffer per label, indexed by `Label`; the centre's name pieces apart.
    let mut values: [String; 3] = Default::default();
    let mut centre: Vec<&str> = Vec::new();
    // Lines above the signing time that no label names: an unlabelled stamp's signer
    // (which may wrap) and, on the last line, its organization.
    let mut unlabelled: Vec<&str> = Vec::new();
    let mut timed = false;
    let mut found = false;
    // The label whose value a wrapped line continues.
    let mut open: Option<Label> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let folded = fold(line);
        let (label, value) = if let Some(m) = LABEL.find(&folded) {
            let label = match m.as_str().trim_end_matches([' ', ':']) {
                "ky boi" | "nguoi ky" => Label::Signer,
                "co quan" => Label::Organization,
                _ => Label::Time,
            };
            open = Some(label);
            // Folding keeps one char per char: the value starts at the same char.
            let skip = folded[..m.end()].chars().count();
            (label, line.chars().skip(skip).collect::<String>())
        } else if TIME.is_match(&folded) || OFFSET.is_match(&folded) {
            open = None;
            timed = true;
            (Label::Time, line.to_string())
        } else if is_centre_piece(&folded) || EMAIL.is_match(&folded) {
            if is_centre_piece(&folded) {
                centre.push(line);
            }
            found = true;
            open = None;
            continue;
        } else if let Some(label) = open {
            (label, line.to_string())
        } else {
            if !timed {
                unlabelled.push(line);
            }
            continue;
        };
        found = true;
        let buffer = &mut values[label as usize];
        buffer.push(' ');
        buffer.push_str(&value);
    }
    if !found {
        return None;
    }
    let tidy = |v: &str| {
        Some(v.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|s| !s.is_empty())
    };
    let [signer, organization, time] = &values;
    if !timed || !centre.is_empty() {
        unlabelled.clear();
    }
    let (bare_signer, bare_organization) = match unlabelled.split_last() {
        Some((last, name)) if !name.is_empty() => (tidy(&name.join(" ")), tidy(last)),
        _ => (unlabelled.first().and_then(|l| tidy(l)), None),
    };
    Some(Stamp {
        signer: tidy(signer)
            .or_else(|| tidy(&centre.join(" ")))
            .or(bare_signer),
        organization: tidy(organization).or(bare_organization),
        time: tidy(time).and_then(|t| iso_time(&t)),
        gazette: !centre.is_empty(),
    })
}

/// "07/01/2025 10:09:57" → `2025-01-07T10:09:57`; "09.01.2025 10:21:11 +07:00" →
/// `2025-01-09T10:21:11+07:00`.
fn iso_time(text: &str) -> Option<String> {
    let c = TIME.captures(text)?;
    let n = |i: usize| {
        c.get(i)
            .map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(0))
    };
    let (day, month, year, hour, minute, second) = (n(1), n(2), n(3), n(4), n(5), n(6));
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) || hour > 23 || minute > 59 {
        return None;
    }
    let offset = match (c.get(7), c.get(8)) {
        (Some(h), Some(m)) => format!("{}:{}", h.as_str(), m.as_str()),
        _ => String::new(),
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{offset}"
    ))
}

/// A folded line that is a run of the centre's name starting at its start or ending at
/// its end, at least three words long.
fn is_centre_piece(folded: &str) -> bool {
    let words: Vec<&str> = folded.split_whitespace().collect();
    if words.len() < 3 {
        return false;
    }
    CENTRE.starts_with(&words) || CENTRE.ends_with(&words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_stamps() {
        // Lines of the Quảng Ngãi dev scans (doc05, doc08) as tesseract read them.
        for line in [
            "CV ĐẾN\tNgày:2414 LLA£.... | Chuyên — _. —",
            "ĐẾN",
            "CÔNG VĂN ĐẾN",
            "FBUNG-TÂM CÔNG BAO â TIN HỌC O. NGÃI",
            "TRUNG TÂM CÔNG BÁO & TIN HỌC Q. NGÃI",
        ] {
            assert!(is_arrival_stamp_line(line), "{line}");
        }
        for line in [
            "Về việc tăng cường công tác thi hành án hành chính",
            "đến ngày 31/12/2025",
            "Chuyển đổi số trong cơ quan nhà nước",
            "Trung tâm Công báo và Tin học tỉnh đăng tải văn bản này",
        ] {
            assert!(!is_arrival_stamp_line(line), "{line}");
        }
    }

    /// (line, is a stamp line)
    const LINES: &[(&str, bool)] = &[
        ("Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi", true),
        ("Người ký: Nguyễn Văn A", true),
        ("Cơ quan: Tỉnh Quảng Ngãi", true),
        ("Thời gian ký: 07/01/2025 10:09:57", true),
        ("Ky boi: Uy ban nhan dan tinh Quang Ngai", true),
        ("ttcbth@quangngai.gov.vn", true),
        ("09.01.2025 10:21:11 +07:00", true),
        ("07.01.2025 10:44:25", true),
        ("+07:00", true),
        ("TRUNG TÂM CÔNG BÁO", true),
        ("TRUNG TÂM CÔNG", true),
        ("BÁO VÀ TIN HỌC", true),
        ("VÀ TIN HỌC", true),
        ("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", true),
        ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", false),
        ("Số: 11/TB-UBND", false),
        ("Quảng Ngãi, ngày 08 tháng 01 năm 2025", false),
        (
            "Email: ttcbth@quangngai.gov.vn; điện thoại 0255.3822",
            false,
        ),
        ("cơ quan, đơn vị có liên quan", false),
        ("Trung tâm", false),
        ("11", false),
    ];

    /// (stamp text, Some((signer, organization, time, gazette)) or None)
    type Expected = Option<(
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        bool,
    )>;
    const STAMPS: &[(&str, Expected)] = &[
        (
            "Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi\nCơ quan: Tỉnh Quảng Ngãi\nThời gian ký: 07/01/2025 10:09:57",
            Some((Some("Ủy ban nhân dân tỉnh Quảng Ngãi"), Some("Tỉnh Quảng Ngãi"), Some("2025-01-07T10:09:57"), false)),
        ),
        (
            "TRUNG TÂM CÔNG BÁO\nVÀ TIN HỌC\nttcbth@quangngai.gov.vn\n09.01.2025 10:21:11 +07:00",
            Some((Some("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"), None, Some("2025-01-09T10:21:11+07:00"), true)),
        ),
        (
            "TRUNG TÂM CÔNG\nBÁO VÀ TIN HỌC\nttcbth@quangngai.gov.vn\n07.01.2025 10:44:25\n+07:00",
            Some((Some("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"), None, Some("2025-01-07T10:44:25+07:00"), true)),
        ),
        (
            "Người ký: Sở Nội vụ\nCơ quan: Tỉnh\nQuảng Ngãi\nThời gian ký:\n15.03.2024 08:01:02 +07:00",
            Some((Some("Sở Nội vụ"), Some("Tỉnh Quảng Ngãi"), Some("2024-03-15T08:01:02+07:00"), false)),
        ),
        // An unlabelled stamp: signer (wrapped), organization, time (signed doc04).
        (
            "Ủy ban nhân dân tỉnh\nQuảng Ngãi\nTỉnh Quảng Ngãi\n27/12/2021 17:22:11",
            Some((Some("Ủy ban nhân dân tỉnh Quảng Ngãi"), Some("Tỉnh Quảng Ngãi"), Some("2021-12-27T17:22:11"), false)),
        ),
        ("Ký bởi:\nCơ quan:", Some((None, None, None, false))),
        ("Thời gian ký: 45/13/2025 10:09:57", Some((None, None, None, false))),
        ("11", None),
        ("   08", None),
        ("", None),
    ];

    #[test]
    fn stamp_lines() {
        for &(line, want) in LINES {
            assert_eq!(is_stamp_line(line), want, "{line}");
        }
    }

    #[test]
    fn stamps() {
        for &(text, want) in STAMPS {
            let got = parse_stamp(text);
            let got = got.as_ref().map(|s| {
                (
                    s.signer.as_deref(),
                    s.organization.as_deref(),
                    s.time.as_deref(),
                    s.gazette,
                )
            });
            assert_eq!(got, want, "{text}");
        }
    }
}
