//! The closing block: signer (authority, position, name) and "Nơi nhận" recipients.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Signer;
use crate::text::{fold, is_upper, squash, trim_item, Line};
use crate::vn;
use crate::vn::syllable;

/// Lines read after "Nơi nhận:" for its list of recipients.
const RECIPIENT_LINES: usize = 30;
/// The signature is looked for from this many lines above "Nơi nhận:" …
const SIGNATURE_LINES_BEFORE: usize = 12;
/// … to this many lines below it.
const SIGNATURE_LINES_AFTER: usize = 40;
/// Without "Nơi nhận:", the signature is looked for in this many lines before the last
/// body line.
const TAIL_LINES: usize = 15;
/// Lines after the position line within which the signer's name is looked for.
const NAME_LINES: usize = 8;

static AUTHORITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(KT|TM|TL|TUQ|Q)\s*\.\s*(\p{Lu}+(?: \p{Lu}+)*)").unwrap());

#[derive(Debug, Default)]
pub struct Closing {
    pub signer: Option<Signer>,
    pub recipients: Vec<String>,
    /// Lines the block occupies, kept out of the section tree.
    pub lines: Vec<usize>,
}

/// Finds the closing block among lines not `taken` by tables.
pub fn read_closing(lines: &[Line], taken: &[bool]) -> Closing {
    let mut closing = Closing::default();
    let noi_nhan = lines.iter().position(|l| {
        !taken[l.no]
            && fold(l.text)
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .starts_with("noi nhan")
    });
    if let Some(at) = noi_nhan {
        closing.lines.push(at);
        for line in lines[at + 1..].iter().take(RECIPIENT_LINES) {
            if taken[line.no] {
                break;
            }
            let t = line.text.trim();
            if let Some(rest) = t.strip_prefix(['-', '+', '•']) {
                push_recipient(&mut closing.recipients, rest);
                closing.lines.push(line.no);
            } else if !t.is_empty() && !closing.recipients.is_empty() && !looks_like_signature(t) {
                break;
            }
        }
    }
    let region: Vec<&Line> = match noi_nhan {
        Some(at) => lines[at.saturating_sub(SIGNATURE_LINES_BEFORE)
            ..lines.len().min(at + SIGNATURE_LINES_AFTER)]
            .iter()
            .filter(|l| !taken[l.no])
            .collect(),
        None => {
            let last_body = lines
                .iter()
                .rposition(|l| !taken[l.no] && !l.text.trim().is_empty())
                .unwrap_or(0);
            lines[last_body.saturating_sub(TAIL_LINES)..=last_body]
                .iter()
                .filter(|l| !taken[l.no])
                .collect()
        }
    };
    closing.signer = read_signer(&region, &mut closing.lines);
    if let (None, Some(at)) = (&closing.signer, noi_nhan) {
        closing.signer = name_among_recipients(&lines[at + 1..], taken, &mut closing.lines);
    }
    if noi_nhan.is_none() {
        recipients_inside_signature(lines, &mut closing);
    }
    closing
}

/// A scan whose authority and position OCR lost still shows the signer's name beside
/// the recipients: the first line after "Nơi nhận" that is a person's name and no
/// recipient bullet.
fn name_among_recipients(lines: &[Line], taken: &[bool], used: &mut Vec<usize>) -> Option<Signer> {
    let candidates = lines
        .iter()
        .take(SIGNATURE_LINES_AFTER)
        .filter(|l| !taken[l.no] && !is_bullet(l.text));
    let (no, name) = person_name_among(candidates)?;
    used.push(no);
    Some(Signer {
        name: Some(name),
        ..Signer::default()
    })
}

/// The first line of `lines` that is a person's name; failing that, one whose surname a
/// stamp cut ([`vn::complete_hidden_surname`]). With its line number.
fn person_name_among<'a, 'b: 'a>(
    lines: impl Iterator<Item = &'a Line<'b>> + Clone,
) -> Option<(usize, String)> {
    lines
        .clone()
        .find(|l| is_person_name(l.text.trim()))
        .map(|l| (l.no, vn::mend_person_name(&squash(l.text))))
        .or_else(|| {
            lines
                .into_iter()
                .find_map(|l| Some((l.no, vn::complete_hidden_surname(l.text)?)))
        })
}

/// Keeps a recipient unless OCR made it junk ("Vụ, pd z X"): at least two of its words,
/// and half of them, are neither syllables nor abbreviations ("VT", "b/c", "PCVP(NC)").
fn push_recipient(recipients: &mut Vec<String>, item: &str) {
    let item = trim_item(item);
    let (mut legible, mut junk) = (0, 0);
    for word in item.split(|c: char| c.is_whitespace() || ",;:()".contains(c)) {
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        if word.is_empty() || (letters == 1 && is_upper(word)) {
            continue;
        }
        if syllable::is_syllable(word)
            || (letters >= 2 && is_upper(word))
            || word.contains(|c: char| c.is_ascii_digit() || "/&-".contains(c))
        {
            legible += 1;
        } else {
            junk += 1;
        }
    }
    if junk < 2 || junk * 2 < legible + junk {
        recipients.push(item.to_string());
    }
}

/// A recipient line: "- Sở Nội vụ;".
fn is_bullet(t: &str) -> bool {
    t.trim_start().starts_with(['-', '+', '•'])
}

/// A line of the recipients' list, or a blank one: a dump that lost the list's dashes
/// still ends its items with ";" and its last with "Lưu …".
fn is_recipient_line(t: &str) -> bool {
    let f = fold(t.trim());
    is_bullet(t)
        || f.is_empty()
        || f.ends_with([';', ','])
        || f.starts_with("noi nhan")
        || f.starts_with("luu ")
        || f.starts_with("luu:")
}

/// With "Nơi nhận" unreadable (OCR), the bullets interleaved with the signature
/// block are still the recipients.
fn recipients_inside_signature(lines: &[Line], closing: &mut Closing) {
    let (Some(&first), Some(&last)) = (closing.lines.iter().min(), closing.lines.iter().max())
    else {
        return;
    };
    for line in &lines[first..=last] {
        if let Some(rest) = line.text.trim().strip_prefix(['-', '+', '•']) {
            push_recipient(&mut closing.recipients, rest);
            closing.lines.push(line.no);
        }
    }
}

fn looks_like_signature(t: &str) -> bool {
    AUTHORITY.is_match(t) || position_in(t).is_some() || is_person_name(t)
}

/// A closing flattened into one line with single spaces: "TM. BAN BÍ THƯ TRUNG ƯƠNG
/// ĐOÀN BÍ THƯ Đã ký Ngô Văn Cương" (a note such as "Để báo cáo" may stand before the
/// mark): the position is the longest known one that ends the upper-case run, the name
/// follows "Đã ký".
fn flattened_closing(line: &str) -> Option<Signer> {
    static SIGNED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(KT|TM|TL|TUQ|Q)\s*\.\s*(\p{Lu}+(?:\s+\p{Lu}+)*)\s+(?:[^\s()]+(?:\s+[^\s()]+){0,3}\s+)?\(?[Đđ]ã ký\)?\s+(\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*){1,4})").unwrap()
    });
    let c = SIGNED.captures(line)?;
    let run = squash(&c[2]);
    let folded = fold(&run);
    let (position, _) = vn::signing_positions()
        .iter()
        .find(|(p, _)| folded.ends_with(p.as_str()) && folded.len() > p.len())?;
    let cut = run.chars().count() - position.chars().count();
    let (authority, position): (String, String) = (
        run.chars().take(cut).collect(),
        run.chars().skip(cut).collect(),
    );
    Some(Signer {
        authority: Some(format!("{}. {}", &c[1], authority.trim())),
        position: Some(position),
        name: Some(vn::mend_person_name(&squash(&c[3]))),
    })
}

/// Authority, position and name from the region around "Nơi nhận".
fn read_signer(region: &[&Line], used: &mut Vec<usize>) -> Option<Signer> {
    if let Some((line, signer)) = region
        .iter()
        .find_map(|l| flattened_closing(l.text).map(|s| (l.no, s)))
    {
        used.push(line);
        return Some(signer);
    }
    let mut signer = Signer::default();
    let mut after = None;
    for (i, line) in region.iter().enumerate() {
        if let Some(c) = AUTHORITY.captures(line.text) {
            let run = squash(&c[2]);
            let run = vn::mend_position(&run).map_or(run, str::to_string);
            signer.authority = Some(format!("{}. {}", &c[1], run));
            used.push(line.no);
            after = Some(i);
            break;
        }
    }
    let search_from = after.map(|i| i + 1).unwrap_or(0);
    for (i, line) in region.iter().enumerate().skip(search_from) {
        if is_bullet(line.text) {
            continue;
        }
        if let Some(position) = position_in(line.text) {
            signer.position = Some(position);
            used.push(line.no);
            after = Some(i);
            break;
        }
    }
    if let (Some(auth), None) = (&signer.authority, &signer.position) {
        // "KT. GIÁM ĐỐC" with no deputy line: the authority names the position.
        signer.position = Some(
            auth.split_once(". ")
                .map(|(_, p)| p.to_string())
                .unwrap_or_default(),
        );
    }
    let start = after? + 1;
    // A closing flattened into one table cell: "… BÍ THƯ THƯỜNG TRỰC  Đã ký  Bùi Quang Huy".
    if let Some(name) = signer
        .position
        .as_deref()
        .and_then(|p| name_after(region[start - 1].text, p))
    {
        signer.name = Some(name);
        return Some(signer);
    }
    // Recipients interleaved with the signature block do not count.
    let candidates = region
        .iter()
        .copied()
        .skip(start)
        .filter(|l| !is_recipient_line(l.text))
        .take(NAME_LINES);
    if let Some((no, name)) = person_name_among(candidates) {
        signer.name = Some(name);
        used.push(no);
    }
    Some(signer)
}

/// The person's name written after `position` on the same line.
fn name_after(line: &str, position: &str) -> Option<String> {
    let at = line.find(position)? + position.len();
    let rest = line[at..].split('|').next().unwrap_or("");
    rest.split("  ")
        .map(str::trim)
        .filter(|c| is_person_name(c) && fold(c) != "da ky")
        .last()
        .map(|name| vn::mend_person_name(&squash(name)))
}

/// The position phrase in a line, as written: "PHÓ GIÁM ĐỐC"; also with the body it
/// heads ("CHỦ TỊCH UBND TỈNH"), and at the start of a line that a single space joins to
/// the recipients' column ("PHÓ CHÁNH VĂN PHÒNG Tài nguyên và Môi trường,").
pub(super) fn position_in(line: &str) -> Option<String> {
    let cols: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    for col in cols.iter().rev() {
        let col = col.rsplit(':').next().unwrap_or(col).trim();
        let upper_words = col
            .split_whitespace()
            .take_while(|w| is_upper(w) && w.chars().all(char::is_alphabetic))
            .count();
        let run = squash(
            &col.split_whitespace()
                .take(upper_words)
                .collect::<Vec<_>>()
                .join(" "),
        );
        let f = fold(&run);
        let whole = upper_words == col.split_whitespace().count();
        // Known positions are written as the list spells them: OCR drops their marks
        // ("PHO CHU TỊCH"); a body after the position keeps its own spelling.
        if let Some((p, written)) = vn::signing_positions()
            .iter()
            .find(|(p, _)| f == *p || (whole && f.starts_with(&format!("{p} "))))
        {
            let body: Vec<&str> = run.split(' ').skip(p.split(' ').count()).collect();
            return Some(
                [*written]
                    .into_iter()
                    .chain(body)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        if let Some(mended) = vn::mend_position(&run).filter(|_| whole) {
            return Some(mended.to_string());
        }
    }
    None
}

/// A person's name (`vn::looks_like_person_name`) that is no signing position.
fn is_person_name(t: &str) -> bool {
    vn::looks_like_person_name(t) && position_in(t).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lines;

    fn closing(src: &str) -> Closing {
        let ls = lines(src);
        read_closing(&ls, &vec![false; ls.len()])
    }

    /// Admin dumps flatten the closing table cell into one line (checked against the
    /// source documents "5.KH-Tháng-Công-nhân-2021" and "1-_Ke_hoach_cuoc_thi_8-11").
    #[test]
    fn closing_flattened_into_one_line() {
        let signer = flattened_closing(
            "Lưu VP, CNĐT.\tTM. BAN BÍ THƯ TRUNG ƯƠNG ĐOÀN BÍ THƯ Đã ký Ngô Văn Cương",
        )
        .unwrap();
        assert_eq!(
            signer.authority.as_deref(),
            Some("TM. BAN BÍ THƯ TRUNG ƯƠNG ĐOÀN")
        );
        assert_eq!(signer.position.as_deref(), Some("BÍ THƯ"));
        assert_eq!(signer.name.as_deref(), Some("Ngô Văn Cương"));
        let signer = flattened_closing(
            "TM. BAN BÍ THƯ TRUNG ƯƠNG ĐOÀN BÍ THƯ Để báo cáo (đã ký) Nguyễn Ngọc Lương",
        )
        .unwrap();
        assert_eq!(signer.name.as_deref(), Some("Nguyễn Ngọc Lương"));
    }

    #[test]
    fn deputy_signs_for_director() {
        let c = closing("Nơi nhận:\n\n- Sở Nội vụ (b/c);\n- Các phòng, đơn vị;\n\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n\nNguyễn Nam Hải");
        assert_eq!(c.recipients, ["Sở Nội vụ (b/c)", "Các phòng, đơn vị"]);
        let s = c.signer.unwrap();
        assert_eq!(s.authority.as_deref(), Some("KT. GIÁM ĐỐC"));
        assert_eq!(s.position.as_deref(), Some("PHÓ GIÁM ĐỐC"));
        assert_eq!(s.name.as_deref(), Some("Nguyễn Nam Hải"));
    }

    #[test]
    fn position_with_marks_lost_is_written_as_known() {
        // vbhc-quangngai doc01, a scan read by tesseract once the seal is dropped.
        let c = closing("Nơi nhận:\nKT. CHỦ TỊCH\n- Như trên;\nPHO CHU TỊCH\n- TT Tỉnh ủy;\n- VPUB: PCVP, KTTH;\nÀ\nTrần Hoàng Tuấn\n- Lưu: VT,NC(Vi16).");
        let s = c.signer.unwrap();
        assert_eq!(s.position.as_deref(), Some("PHÓ CHỦ TỊCH"));
        assert_eq!(s.name.as_deref(), Some("Trần Hoàng Tuấn"));
        assert_eq!(
            position_in("CHỦ TỊCH UBND TỈNH").as_deref(),
            Some("CHỦ TỊCH UBND TỈNH")
        );
    }

    #[test]
    fn plain_position() {
        let s = closing("Nơi nhận:\n- Như Điều 2;\n- Lưu: VT.\n\nCHỦ TỊCH\n\n\n\nVũ Hồng Bắc")
            .signer
            .unwrap();
        assert_eq!(
            (s.authority, s.position.as_deref(), s.name.as_deref()),
            (None, Some("CHỦ TỊCH"), Some("Vũ Hồng Bắc"))
        );
    }

    #[test]
    fn unreadable_noi_nhan() {
        let c = closing("Trên đây là báo cáo./.\n\nNSo; 1’:- KT. GIÁM ĐỐC\n- Vụ;\n Ban Giám đốc:      PHÓ GIÁM ĐỐC\n- Lưu: VT.\n\nHoàng Nghĩa Nhạc");
        assert_eq!(c.recipients, ["Vụ", "Lưu: VT"]);
        assert_eq!(c.lines.len(), 5);
    }

    #[test]
    fn junk_recipients_are_dropped() {
        // Seed 004: OCR turned a recipient into letters; "(b/c)" and "đ/vị" are kept.
        let c = closing("Nơi nhận:\n- Vụ, pd z X\n- Sở Nội vụ (b/c);\n- Các phòng, đ/vị thuộc Sở;\n- Lưu: VT, VP. TK");
        assert_eq!(
            c.recipients,
            [
                "Sở Nội vụ (b/c)",
                "Các phòng, đ/vị thuộc Sở",
                "Lưu: VT, VP. TK"
            ]
        );
    }

    #[test]
    fn interleaved_with_recipients() {
        let c = closing("Nơi nhận:                KT. GIÁM ĐỐC\n- Vụ;\n Ban Giám đốc:      PHÓ GIÁM ĐỐC\n- Lưu: VT.\n\nHoàng Nghĩa Nhạc");
        let s = c.signer.unwrap();
        assert_eq!(s.authority.as_deref(), Some("KT. GIÁM ĐỐC"));
        assert_eq!(s.position.as_deref(), Some("PHÓ GIÁM ĐỐC"));
        assert_eq!(s.name.as_deref(), Some("Hoàng Nghĩa Nhạc"));
    }
}
