//! Positions that sign documents ("PHÓ GIÁM ĐỐC"), as written in a closing.

use std::sync::LazyLock;

use strsim::levenshtein;

use crate::text::fold;

/// Signing positions, upper case as a closing writes them.
const SIGNING_POSITIONS: &[&str] = &[
    "BÍ THƯ THỨ NHẤT",
    "PHÓ BÍ THƯ THƯỜNG TRỰC",
    "BÍ THƯ THƯỜNG TRỰC",
    "PHÓ CHỦ NHIỆM",
    "CHỦ NHIỆM",
    "TỔNG BIÊN TẬP",
    "PHÓ TỔNG BIÊN TẬP",
    "CHÁNH ÁN",
    "VIỆN TRƯỞNG VIỆN KIỂM SÁT",
    "PHÓ CHỦ TỊCH",
    "CHỦ TỊCH",
    "PHÓ GIÁM ĐỐC",
    "GIÁM ĐỐC",
    "PHÓ CHÁNH VĂN PHÒNG",
    "CHÁNH VĂN PHÒNG",
    "PHÓ TRƯỞNG PHÒNG",
    "TRƯỞNG PHÒNG",
    "PHÓ TRƯỞNG BAN",
    "TRƯỞNG BAN",
    "PHÓ BÍ THƯ",
    "BÍ THƯ",
    "THỨ TRƯỞNG",
    "BỘ TRƯỞNG",
    "PHÓ CỤC TRƯỞNG",
    "CỤC TRƯỞNG",
    "VIỆN TRƯỞNG",
    "HIỆU TRƯỞNG",
    "CHÁNH THANH TRA",
    "CHI CỤC TRƯỞNG",
    "TỔNG GIÁM ĐỐC",
    "PHÓ THỦ TRƯỞNG",
];

/// Letters a word needs before one misread letter in it is tolerated ("ĐỐC" read "POC";
/// not "BỘ" for "TỔ").
const MENDABLE_WORD_LETTERS: usize = 3;

/// Signing positions folded ("pho giam doc"), longest first, with their written form.
pub fn signing_positions() -> &'static [(String, &'static str)] {
    static FOLDED: LazyLock<Vec<(String, &'static str)>> = LazyLock::new(|| {
        let mut all: Vec<_> = SIGNING_POSITIONS.iter().map(|p| (fold(p), *p)).collect();
        all.sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
        all
    });
    &FOLDED
}

/// The signing position an upper-case run names with one letter misread by OCR in one
/// word of three letters or more: "GIÁM POC" → "GIÁM ĐỐC". Exact runs are not mended here.
pub fn mend_position(run: &str) -> Option<&'static str> {
    let words: Vec<String> = run.split_whitespace().map(fold).collect();
    signing_positions().iter().find_map(|(folded, written)| {
        let known: Vec<&str> = folded.split(' ').collect();
        if known.len() != words.len() {
            return None;
        }
        let mut misread = known.iter().zip(&words).filter(|(k, w)| k != w);
        let (k, w) = misread.next()?;
        let mendable =
            misread.next().is_none() && k.len() >= MENDABLE_WORD_LETTERS && levenshtein(k, w) == 1;
        mendable.then_some(*written)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_misread_letter_is_mended() {
        // Seed 004, a scan: "PHÓ GIÁM ĐỐC" as OCR and repair left it.
        assert_eq!(mend_position("GIÁM POC"), Some("GIÁM ĐỐC"));
        assert_eq!(mend_position("PHÓ GIÁM POC"), Some("PHÓ GIÁM ĐỐC"));
        for run in ["GIÁM ĐỐC", "TỔ TRƯỞNG", "GIÁM SÁT", "PHÓ GIÁM POC XX"] {
            assert_eq!(mend_position(run), None, "{run}");
        }
    }
}
