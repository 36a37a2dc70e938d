//! Document types: written name, folded name, the symbols numbers carry, citable or not.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocType {
    /// Title case, as output: `Kế hoạch`.
    pub name: &'static str,
    /// Marks removed, lower case: `ke hoach`.
    pub folded: &'static str,
    /// Type codes in document numbers: `KH` in `73/KH-SKHCN` and `34-KH/TWĐTN`.
    pub symbols: &'static [&'static str],
    /// Cited by number in other documents ("Quyết định số …").
    pub citable: bool,
}

const fn t(
    name: &'static str,
    folded: &'static str,
    symbols: &'static [&'static str],
    citable: bool,
) -> DocType {
    DocType {
        name,
        folded,
        symbols,
        citable,
    }
}

/// Longer names first, so "thông tư liên tịch" wins over "thông tư".
pub const DOC_TYPES: &[DocType] = &[
    t("Thông tư liên tịch", "thong tu lien tich", &["TTLT"], true),
    t(
        "Nghị quyết liên tịch",
        "nghi quyet lien tich",
        &["NQLT"],
        true,
    ),
    t("Kế hoạch", "ke hoach", &["KH", "KHPH"], true),
    t("Quyết định", "quyet dinh", &["QĐ"], true),
    t("Báo cáo", "bao cao", &["BC"], true),
    t("Công văn", "cong van", &["CV"], true),
    t("Thông báo", "thong bao", &["TB"], true),
    t("Tờ trình", "to trinh", &["TTr"], true),
    t("Chỉ thị", "chi thi", &["CT"], true),
    t("Nghị quyết", "nghi quyet", &["NQ"], true),
    t("Nghị định", "nghi dinh", &["NĐ"], true),
    t("Thông tư", "thong tu", &["TT"], true),
    t("Thông tri", "thong tri", &[], true),
    t("Hướng dẫn", "huong dan", &["HD"], true),
    t("Chương trình", "chuong trinh", &["CTr"], true),
    t("Đề án", "de an", &["ĐA"], true),
    t("Kết luận", "ket luan", &["KL"], true),
    t("Quy chế", "quy che", &["QC"], true),
    t("Quy định", "quy dinh", &[], true),
    t("Công điện", "cong dien", &["CĐ"], true),
    t("Biên bản", "bien ban", &["BB"], false),
    t("Thể lệ", "the le", &[], false),
    t("Phụ lục", "phu luc", &["PL"], false),
    t("Danh sách", "danh sach", &["DS"], false),
    t("Điều lệ", "dieu le", &[], false),
    t("Phương án", "phuong an", &["PA"], true),
    t("Giấy mời", "giay moi", &["GM"], false),
    t("Luật", "luat", &["QH"], true),
    t("Bộ luật", "bo luat", &[], true),
    t("Pháp lệnh", "phap lenh", &[], true),
    t("Văn bản", "van ban", &[], true),
    t("Bảng so sánh", "bang so sanh", &[], false),
];

/// A type is written out by its name, and read back only if the table has that name.
impl Serialize for DocType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for &'static DocType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        by_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown document type {name:?}")))
    }
}

/// The type a written name names: `Kế hoạch`.
pub fn by_name(name: &str) -> Option<&'static DocType> {
    DOC_TYPES.iter().find(|t| t.name == name)
}

/// The type a folded name names: `ke hoach` → Kế hoạch.
pub fn by_folded_name(folded: &str) -> Option<&'static DocType> {
    DOC_TYPES.iter().find(|t| t.folded == folded)
}

/// The type a number's type code names: `KH` → Kế hoạch; OCR and dumps upper-case
/// mixed codes (`TTR`, `CTR`), so case is a tie-breaker, not a requirement.
pub fn by_symbol(code: &str) -> Option<&'static DocType> {
    DOC_TYPES
        .iter()
        .find(|t| t.symbols.contains(&code))
        .or_else(|| {
            DOC_TYPES.iter().find(|t| {
                t.symbols
                    .iter()
                    .any(|s| s.to_uppercase() == code.to_uppercase())
            })
        })
}

/// The type a header line names, with the rest of the line (a title on the same line, a
/// qualifier such as "tóm tắt"): "BÁO CÁO TÓM TẮT" → (Báo cáo, "TÓM TẮT").
pub fn leading_type(line: &str) -> Option<(&'static DocType, &str)> {
    let folded = fold(line);
    let folded = folded.trim_start();
    let skipped = line.len() - line.trim_start().len();
    DOC_TYPES.iter().find_map(|t| {
        let rest = folded.strip_prefix(t.folded)?;
        if rest.starts_with(|c: char| c.is_alphanumeric()) {
            return None;
        }
        // `fold` keeps one char per char, so the rest starts at the same char count.
        let chars = t.folded.chars().count();
        let at = line[skipped..]
            .char_indices()
            .nth(chars)
            .map_or(line.len(), |(i, _)| skipped + i);
        Some((t, &line[at..]))
    })
}

/// Whether folded text names a numbered document ("cong van so 724", "huong dan 37hd"):
/// a date that follows such a mention is that document's, not the one being read.
pub fn mentions_numbered(folded: &str) -> bool {
    static MENTION: LazyLock<Regex> = LazyLock::new(|| {
        let names: Vec<&str> = DOC_TYPES.iter().map(|t| t.folded).collect();
        Regex::new(&format!(
            r"(?i)\b(?:{})\s+(?:so\b\s*:?\s*)?\d",
            names.join("|")
        ))
        .unwrap()
    });
    MENTION.is_match(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_symbols() {
        assert_eq!(by_folded_name("to trinh").map(|t| t.name), Some("Tờ trình"));
        assert_eq!(by_symbol("TTr").map(|t| t.name), Some("Tờ trình"));
        assert_eq!(by_symbol("TTR").map(|t| t.name), Some("Tờ trình"));
        assert_eq!(by_symbol("TT").map(|t| t.name), Some("Thông tư"));
        assert_eq!(by_symbol("UBND"), None);
        let (t, rest) = leading_type("BÁO CÁO TÓM TẮT").unwrap();
        assert_eq!((t.name, rest), ("Báo cáo", " TÓM TẮT"));
        assert!(leading_type("BAN CHẤP HÀNH").is_none());
        assert!(mentions_numbered("kem theo cong van so 724 cv/twdtnbtg, "));
        assert!(mentions_numbered("bang so sanh huong dan 37hd/twdtnbtc "));
        assert!(!mentions_numbered("ha noi, "));
    }
}
