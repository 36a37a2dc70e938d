//! Arbitrary input through every stage: no panics, spans inside the text,
//! line structure kept.

use proptest::prelude::*;

use vanban::{extract, ingest, repair, segment, Limits};

/// Strings that look like the documents: Vietnamese words, labels, codes, tabs and newlines.
fn documentish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("Quyết định số ".to_string()),
        Just("61/2018/NĐ-CP".to_string()),
        Just("18-NQ/TW, ".to_string()),
        Just("ngày 14/10/2019 ".to_string()),
        Just("của UBND tỉnh ".to_string()),
        Just("I. ".to_string()),
        Just("1.2. ".to_string()),
        Just("a) ".to_string()),
        Just("- ".to_string()),
        Just("\t".to_string()),
        Just("\n".to_string()),
        Just("46/61 TTHC, đạt 75,4%".to_string()),
        Just("TT\tNội dung\tĐơn vị chủ trì\tThời gian\n".to_string()),
        Just("Nơi nhận:\n".to_string()),
        Just("KT. GIÁM ĐỐC\n".to_string()),
        Just("Luật ".to_string()),
        "[\\PC]{0,12}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

fn check_all_stages(s: &str) {
    if let Ok(ingested) = ingest::ingest(
        s.as_bytes(),
        std::path::Path::new("p.txt"),
        &Limits::default(),
    ) {
        let repaired = repair::repair(&ingested.text);
        assert_eq!(
            repaired.text.split('\n').count(),
            ingested.text.split('\n').count()
        );
        let seg = segment::segment(&repaired.text);
        let ex = extract::extract(&repaired.text, &seg);
        let n = repaired.text.chars().count();
        let in_text = |sp: [usize; 2]| sp[0] <= sp[1] && sp[1] <= n;
        assert!(ex.figures.iter().all(|f| in_text(f.span)));
        assert!(ex
            .citations
            .iter()
            .flat_map(|c| &c.mentions)
            .all(|m| in_text(*m)));
        assert!(ex.tasks.iter().all(|t| in_text(t.span)));
    }
    let _ = vanban::process_bytes(s.as_bytes(), "p.txt", &Limits::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn documentish_strings(s in documentish()) {
        check_all_stages(&s);
    }

    #[test]
    fn arbitrary_strings(s in "\\PC*") {
        check_all_stages(&s);
    }

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = vanban::process_bytes(&bytes, "b.txt", &Limits::default());
    }

    #[test]
    fn deadlines_never_panic(s in "\\PC{0,40}", year in proptest::option::of(1900i32..2100)) {
        let _ = extract::parse_deadline(&s, year);
    }
}
