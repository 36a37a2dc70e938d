//! How issuing bodies' names begin, folded: a header line that starts so opens an agency
//! name; other upper-case lines continue the one above ("BAN CHỈ ĐẠO" / "THỰC HIỆN …").

pub const AGENCY_HEADS: &[&str] = &[
    "uy ban",
    "ubnd",
    "hoi dong",
    "hdnd",
    "bo ",
    "so ",
    "ban ",
    "doan ",
    "tinh uy",
    "thanh uy",
    "huyen uy",
    "quan uy",
    "thi uy",
    "dang uy",
    "dang bo",
    "chi bo",
    "chinh phu",
    "thu tuong",
    "quoc hoi",
    "van phong",
    "cuc ",
    "tong cuc",
    "chi cuc",
    "vien ",
    "hoc vien",
    "truong ",
    "dai hoc",
    "bao ",
    "dai ",
    "cong ty",
    "tong cong ty",
    "tap doan",
    "trung tam",
    "phong ",
    "thanh tra",
    "toa an",
    "kho bac",
    "ngan hang",
    "benh vien",
    "lien doan",
    "lien hiep",
    "mat tran",
    "hoi ",
    "cong an",
    "bo chi huy",
    "bo tu lenh",
    "quan khu",
    "kiem toan",
    "trung uong",
    "tinh doan",
    "thanh doan",
    "huyen doan",
    "ubmttq",
    "to chuc",
    "nha xuat ban",
];

/// Abbreviations written in agency names and what they stand for (matched on whole words,
/// marks and case ignored).
const AGENCY_ABBREVIATIONS: &[(&str, &str)] = &[
    ("ubnd", "Ủy ban nhân dân"),
    ("hdnd", "Hội đồng nhân dân"),
    ("ubmttqvn", "Ủy ban Mặt trận Tổ quốc Việt Nam"),
    ("ubmttq", "Ủy ban Mặt trận Tổ quốc"),
    ("mttq", "Mặt trận Tổ quốc"),
    ("bcd", "Ban Chỉ đạo"),
    ("tp", "thành phố"),
    ("kh&dt", "Kế hoạch và Đầu tư"),
    ("khcn", "Khoa học và Công nghệ"),
    ("kh&cn", "Khoa học và Công nghệ"),
    ("tt&tt", "Thông tin và Truyền thông"),
    ("ld-tb&xh", "Lao động - Thương binh và Xã hội"),
];

/// An agency name with its abbreviations written out: "UBND tỉnh Thái Nguyên" →
/// "Ủy ban nhân dân tỉnh Thái Nguyên", "TP. Hải Phòng" → "thành phố Hải Phòng". Words
/// are split on blanks; a trailing '.' of an abbreviation is dropped; other words are kept
/// as written.
pub fn expand_agency(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let bare = word.trim_end_matches('.');
            let key = crate::text::fold(bare);
            AGENCY_ABBREVIATIONS
                .iter()
                .find(|(abbr, _)| *abbr == key)
                .map_or(word, |(_, full)| full)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_abbreviations_keeps_the_rest() {
        for (written, expanded) in [
            ("UBND tỉnh Thái Nguyên", "Ủy ban nhân dân tỉnh Thái Nguyên"),
            ("HĐND  tỉnh", "Hội đồng nhân dân tỉnh"),
            ("TP. Hải Phòng", "thành phố Hải Phòng"),
            ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
            ("Sở Nội vụ", "Sở Nội vụ"),
            ("", ""),
        ] {
            assert_eq!(expand_agency(written), expanded, "{written}");
        }
    }
}
