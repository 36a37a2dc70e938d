//! What annotations draw, sorted into page text and signatures.
//!
//! Signed PDFs draw parts of the page with signature widgets: the number after "Số:",
//! the day of issue, and e-signature stamps ("Ký bởi: …", the gazette centre's stamp).
//! A widget whose text is a stamp ([`stamp::parse_stamp`]) gives signature data and
//! never page text; every other annotation's glyphs join its page's glyphs, so the
//! layout puts "11" on the "Số:" line.

use std::cmp::Ordering;

use super::raw::{Glyph, RawAnnotation, RawPage};
use crate::model::{Signature, SignatureSource};
use crate::vn::stamp::{self, Stamp};

/// Glyphs on baselines closer than this share of the font size are one line.
const SAME_LINE: f64 = 0.4;
/// A gap wider than this share of the font size separates words.
const WORD_GAP: f64 = 0.2;

/// The glyphs annotations add to `page`'s text: those of every annotation that is not
/// an e-signature stamp.
pub fn page_glyphs(page: &RawPage) -> Vec<Glyph> {
    page.annotations
        .iter()
        .filter(|a| read_stamp(a).is_none())
        .flat_map(|a| a.glyphs.iter().cloned())
        .collect()
}

/// One signature per signed signature field, ordered by page, then by the vertical
/// centre of the widget (top first), then left to right.
pub fn signatures(pages: &[RawPage]) -> Vec<Signature> {
    let mut found: Vec<(u32, f64, f64, Signature)> = Vec::new();
    for page in pages {
        for annotation in page.annotations.iter().filter(|a| a.signature) {
            let Some(value) = &annotation.value else {
                continue;
            };
            let stamp = read_stamp(annotation);
            let gazette = stamp.as_ref().filter(|s| s.gazette);
            let labelled = stamp.as_ref().filter(|s| !s.gazette);
            // The gazette centre signs as "NAME<e-mail> đã ký lên văn bản này".
            let reason_name = || {
                let (name, _) = value.reason.as_deref()?.split_once('<')?;
                Some(name.trim().to_string()).filter(|n| !n.is_empty())
            };
            let signer = value
                .name
                .clone()
                .or_else(|| labelled.and_then(|s| s.signer.clone()))
                .or_else(|| gazette.and_then(|_| reason_name()))
                .or_else(|| gazette.and_then(|s| s.signer.clone()));
            let time = value
                .time
                .as_deref()
                .and_then(iso_pdf_date)
                .or_else(|| stamp.as_ref().and_then(|s| s.time.clone()));
            let [x0, y0, _, y1] = annotation.rect;
            found.push((
                page.number,
                (y0 + y1) / 2.0,
                x0,
                Signature {
                    signer,
                    organization: stamp.as_ref().and_then(|s| s.organization.clone()),
                    time,
                    page: Some(page.number),
                    source: SignatureSource::Widget,
                },
            ));
        }
    }
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.partial_cmp(&b.1).unwrap_or(Ordering::Equal))
            .then(a.2.partial_cmp(&b.2).unwrap_or(Ordering::Equal))
    });
    found.into_iter().map(|(.., s)| s).collect()
}

fn read_stamp(annotation: &RawAnnotation) -> Option<Stamp> {
    stamp::parse_stamp(&text(&annotation.glyphs))
}

/// An annotation's glyphs as lines of text, top to bottom.
fn text(glyphs: &[Glyph]) -> String {
    let mut sorted: Vec<&Glyph> = glyphs.iter().filter(|g| !g.t.trim().is_empty()).collect();
    sorted.sort_by(|a, b| a.y.partial_cmp(&b.y).unwrap_or(Ordering::Equal));
    let mut lines: Vec<Vec<&Glyph>> = Vec::new();
    for g in sorted {
        match lines.last_mut() {
            Some(line) if (line[0].y - g.y).abs() <= SAME_LINE * g.s.max(line[0].s) => line.push(g),
            _ => lines.push(vec![g]),
        }
    }
    let mut out = Vec::with_capacity(lines.len());
    for mut line in lines {
        line.sort_by(|a, b| a.x.partial_cmp(&b.x).unwrap_or(Ordering::Equal));
        let mut s = String::new();
        let mut end: Option<f64> = None;
        for g in line {
            if end.is_some_and(|e| g.x - e > WORD_GAP * g.s) {
                s.push(' ');
            }
            s.push_str(g.t.trim());
            end = Some(g.x + g.w);
        }
        out.push(s);
    }
    out.join("\n")
}

/// A PDF date (`D:20250107100957+07'00'`) as ISO 8601 (`2025-01-07T10:09:57+07:00`);
/// fields the date leaves out are the first of their range, a missing offset stays out.
pub fn iso_pdf_date(date: &str) -> Option<String> {
    let s = date.trim().strip_prefix("D:").unwrap_or(date.trim());
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 4 || digits % 2 != 0 || digits > 14 {
        return None;
    }
    let field = |i: usize, default: u32| -> u32 {
        s.get(i..i + 2)
            .filter(|_| i + 2 <= digits)
            .and_then(|f| f.parse().ok())
            .unwrap_or(default)
    };
    let year: u32 = s[..4].parse().ok()?;
    let (month, day, hour, minute, second) = (
        field(4, 1),
        field(6, 1),
        field(8, 0),
        field(10, 0),
        field(12, 0),
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let rest: String = s[digits..].chars().filter(|&c| c != '\'').collect();
    let offset = match rest.chars().next() {
        Some('Z') => "Z".to_string(),
        Some(sign @ ('+' | '-')) => {
            let (h, m) = (rest.get(1..3)?, rest.get(3..5).unwrap_or("00"));
            if !(h.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
                return None;
            }
            format!("{sign}{h}:{m}")
        }
        _ => String::new(),
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{offset}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::pdf::raw::SignatureValue;

    const PDF_DATES: &[(&str, Option<&str>)] = &[
        ("D:20250107100957+07'00'", Some("2025-01-07T10:09:57+07:00")),
        ("D:20250108173049+07'00", Some("2025-01-08T17:30:49+07:00")),
        ("D:20250109102111Z", Some("2025-01-09T10:21:11Z")),
        ("D:20250109102111-05'30'", Some("2025-01-09T10:21:11-05:30")),
        ("D:2025", Some("2025-01-01T00:00:00")),
        ("20250109", Some("2025-01-09T00:00:00")),
        ("D:20251309102111", None),
        ("yesterday", None),
    ];

    #[test]
    fn pdf_dates() {
        for &(date, want) in PDF_DATES {
            assert_eq!(iso_pdf_date(date).as_deref(), want, "{date}");
        }
    }

    fn glyph(t: &str, x: f64, y: f64) -> Glyph {
        Glyph {
            t: t.into(),
            x,
            y,
            w: 6.0 * t.chars().count() as f64,
            s: 10.0,
        }
    }

    fn widget(rect: [f64; 4], glyphs: Vec<Glyph>, value: Option<SignatureValue>) -> RawAnnotation {
        RawAnnotation {
            rect,
            signature: true,
            value,
            glyphs,
        }
    }

    #[test]
    fn stamps_give_signatures_and_numbers_give_text() {
        let signed = |name: Option<&str>, reason: Option<&str>| SignatureValue {
            name: name.map(str::to_string),
            time: Some("D:20250107100957+07'00'".into()),
            reason: reason.map(str::to_string),
            location: None,
        };
        let page = RawPage {
            number: 1,
            annotations: vec![
                widget(
                    [400.0, 100.0, 450.0, 120.0],
                    vec![glyph("08", 410.0, 115.0)],
                    Some(signed(None, None)),
                ),
                widget(
                    [100.0, 10.0, 300.0, 60.0],
                    vec![
                        glyph("Ký bởi:", 100.0, 20.0),
                        glyph("Sở", 145.0, 20.0),
                        glyph("Nội", 160.0, 20.0),
                        glyph("vụ", 182.0, 20.0),
                        glyph("Cơ quan:", 100.0, 32.0),
                        glyph("Tỉnh", 152.0, 32.0),
                        glyph("Quảng", 180.0, 32.0),
                        glyph("Ngãi", 215.0, 32.0),
                    ],
                    Some(signed(None, None)),
                ),
                widget(
                    [320.0, 10.0, 500.0, 62.0],
                    vec![
                        glyph("TRUNG TÂM CÔNG BÁO", 320.0, 20.0),
                        glyph("VÀ TIN HỌC", 320.0, 32.0),
                        glyph("ttcbth@quangngai.gov.vn", 320.0, 44.0),
                    ],
                    Some(signed(
                        None,
                        Some("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC<ttcbth@quangngai.gov.vn> đã ký"),
                    )),
                ),
                widget([0.0, 0.0, 0.0, 0.0], Vec::new(), None),
            ],
            ..RawPage::default()
        };
        let texts: Vec<String> = page_glyphs(&page).into_iter().map(|g| g.t).collect();
        assert_eq!(texts, ["08"]);
        let signatures = signatures(std::slice::from_ref(&page));
        let got: Vec<(Option<&str>, Option<&str>)> = signatures
            .iter()
            .map(|s| (s.signer.as_deref(), s.organization.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("Sở Nội vụ"), Some("Tỉnh Quảng Ngãi")),
                (Some("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"), None),
                (None, None),
            ]
        );
    }
}
