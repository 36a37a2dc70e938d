//! Archive export, search and web page, over a small hand-made archive shaped like the
//! seeds (seed 001 and 002 both cite 61/2018/NĐ-CP; seed 002 is 4203/QĐ-UBND of Thái Nguyên)
//! and over whatever the pipeline makes of `fixtures/seeds/*.txt` today.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rusqlite::Connection;
use vanban::archive::index::Archive;
use vanban::archive::search::{How, SearchRequest};
use vanban::archive::{csv, serve, sqlite};
use vanban::model::{
    Citation, Deadline, DeadlineKind, Diacritics, Document, Figure, FigureKind, Format, Metadata,
    Quality, Relation, Section, Source, Task, TaskSource, TextLayer,
};

// ---------------------------------------------------------------- the test archive

/// `[start, end)` of `needle` in code points of `text`.
fn span_of(text: &str, needle: &str) -> [usize; 2] {
    let byte = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let start = text[..byte].chars().count();
    [start, start + needle.chars().count()]
}

/// A Document with `text` and nothing extracted yet; built directly (not by the pipeline)
/// so this archive does not change when other stages improve.
fn base(path: &str, text: &str) -> Document {
    Document {
        schema_version: vanban::model::SCHEMA_VERSION,
        source: Source {
            path: path.into(),
            sha256: vanban::output::sha256_hex(text.as_bytes()),
            format: Format::Text,
            bytes: text.len() as u64,
            pages: None,
        },
        quality: Quality {
            encoding: "utf-8".into(),
            text_layer: TextLayer::Plain,
            diacritics: Diacritics::Intact,
            repaired_tokens: 0,
            confidence: 1.0,
        },
        metadata: Metadata::default(),
        sections: vec![],
        tables: vec![],
        tasks: vec![],
        figures: vec![],
        citations: vec![],
        signatures: vec![],
        text: text.into(),
        warnings: vec![],
    }
}

fn citation(text: &str, id: &str, doc_type: &str, relation: Relation) -> Citation {
    let (number, rest) = id.split_once('/').unwrap_or((id, ""));
    Citation {
        id: id.into(),
        doc_type: vanban::vn::by_name(doc_type).expect("a listed type"),
        number: Some(number.into()),
        year: rest.split('/').next().and_then(|y| y.parse().ok()),
        code: rest.rsplit('/').next().map(str::to_string),
        date: None,
        issuer: Some("Chính phủ".into()),
        issuer_canonical: None,
        relation,
        mentions: vec![span_of(text, id)],
        pages: Vec::new(),
    }
}

fn task(text: &str, content: &str, lead: &[&str], deadline: Option<Deadline>) -> Task {
    Task {
        group: Some("II. NHIỆM VỤ".into()),
        number: Some("1".into()),
        content: content.into(),
        lead: lead.iter().map(|s| s.to_string()).collect(),
        partners: vec!["Các sở, ban, ngành".into()],
        outputs: Some("Báo cáo".into()),
        deadline,
        deliverables: Vec::new(),
        source: TaskSource::Table,
        table: Some(0),
        row: Some(1),
        section: Some("II.".into()),
        section_path: vec!["II.".into()],
        span: span_of(text, content),
        page: None,
        bounds: None,
    }
}

fn quarter_one_2020() -> Deadline {
    Deadline {
        text: "Quý I/2020".into(),
        kind: DeadlineKind::Quarter,
        start: Some("2020-01-01".into()),
        end: Some("2020-03-31".into()),
        quarter: Some(1),
        year_inferred: false,
        relative: false,
    }
}

fn date_deadline(text: &str, date: &str) -> Deadline {
    Deadline {
        text: text.into(),
        kind: DeadlineKind::Date,
        start: None,
        end: Some(date.into()),
        quarter: None,
        year_inferred: false,
        relative: false,
    }
}

/// Seed 002: Quyết định 4203/QĐ-UBND of Thái Nguyên, cites 61/2018/NĐ-CP and 30c/NQ-CP.
fn decision_4203() -> Document {
    let text = "ỦY BAN NHÂN DÂN\nTỈNH THÁI NGUYÊN\n\nQUYẾT ĐỊNH\nBAN HÀNH KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2020\n\n\
Căn cứ Nghị quyết số 30c/NQ-CP ngày 08/11/2011 của Chính phủ phê duyệt Chương trình tổng thể cải cách hành chính nhà nước;\n\n\
Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/04/2018 của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính;\n\n\
II. NHIỆM VỤ\n\n\
1. Tổ chức Hội nghị tổng kết công tác cải cách hành chính năm 2019, triển khai nhiệm vụ năm 2020.\n\n\
2. Rà soát, đơn giản hóa thủ tục hành chính trong lĩnh vực đất đai.\n\n\
Phấn đấu 100% hồ sơ được giải quyết đúng hạn.";
    let mut doc = base("corpus/002.txt", text);
    let m = &mut doc.metadata;
    m.agency = Some("Ủy ban nhân dân tỉnh Thái Nguyên".into());
    m.number = Some("4203/QĐ-UBND".into());
    m.doc_type = vanban::vn::by_name("Quyết định");
    m.place = Some("Thái Nguyên".into());
    m.date = Some("2019-12-27".into());
    m.title = Some("Ban hành Kế hoạch cải cách hành chính năm 2020".into());
    let tasks_start = span_of(text, "II. NHIỆM VỤ")[0];
    doc.sections = vec![Section {
        label: "II.".into(),
        heading: "NHIỆM VỤ".into(),
        level: 1,
        span: [tasks_start, text.chars().count()],
        page: None,
        items: vec![],
        children: vec![],
    }];
    doc.tasks = vec![
        task(
            text,
            "Tổ chức Hội nghị tổng kết công tác cải cách hành chính năm 2019",
            &["Sở Nội vụ"],
            Some(quarter_one_2020()),
        ),
        task(
            text,
            "Rà soát, đơn giản hóa thủ tục hành chính trong lĩnh vực đất đai",
            &["Văn phòng UBND tỉnh"],
            Some(date_deadline("Trước ngày 30/6/2020", "2020-06-30")),
        ),
    ];
    doc.citations = vec![
        citation(text, "30c/NQ-CP", "Nghị quyết", Relation::Basis),
        citation(text, "61/2018/NĐ-CP", "Nghị định", Relation::Basis),
    ];
    doc.figures = vec![Figure {
        text: "100% hồ sơ".into(),
        kind: FigureKind::Percent,
        value: 100.0,
        total: None,
        percent: Some(100.0),
        unit: Some("hồ sơ".into()),
        subject: Some("hồ sơ được giải quyết đúng hạn".into()),
        qualifier: None,
        consistent: None,
        parts: None,
        span: span_of(text, "100% hồ sơ"),
        page: None,
        bounds: None,
    }];
    doc
}

/// Seed 001: a Kế hoạch of a Sở, cites 61/2018/NĐ-CP and 45/2020/NĐ-CP, tasks for Văn phòng Sở.
fn plan_online_services() -> Document {
    let text = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG\n\nKẾ HOẠCH\nCải cách hành chính năm 2020\n\n\
Thực hiện Nghị định số 61/2018/NĐ-CP và Nghị định số 45/2020/NĐ-CP về thực hiện thủ tục hành chính trên môi trường điện tử;\n\n\
Cung cấp dịch vụ công trực tuyến mức độ 3, 4; tăng tỷ lệ hồ sơ thủ tục hành chính trực tuyến.\n\n\
Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công của tỉnh.";
    let mut doc = base("corpus/001.txt", text);
    let m = &mut doc.metadata;
    m.agency = Some("Sở Thông tin và Truyền thông".into());
    m.parent_agency = Some("Ủy ban nhân dân tỉnh Thái Nguyên".into());
    m.number = Some("12/KH-STTTT".into());
    m.doc_type = vanban::vn::by_name("Kế hoạch");
    m.date = Some("2020-01-15".into());
    m.title = Some("Cải cách hành chính năm 2020".into());
    doc.tasks = vec![task(
        text,
        "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công của tỉnh",
        &["Văn phòng Sở"],
        Some(quarter_one_2020()),
    )];
    doc.citations = vec![
        citation(text, "61/2018/NĐ-CP", "Nghị định", Relation::Implements),
        citation(text, "45/2020/NĐ-CP", "Nghị định", Relation::Implements),
    ];
    doc
}

/// A report whose OCR text lost its marks and damaged a word: "thu tuc hanh chinb".
fn damaged_report() -> Document {
    let text = "UBND HUYEN DAI TU\n\nBAO CAO\nKet qua cai cach nam 2021\n\n\
Thuc hien Nghi quyet so 30c/NQ-CP, huyen da ra soat thu tuc hanh chinb thuoc tham quyen giai quyet.";
    let mut doc = base("corpus/damaged.txt", text);
    let m = &mut doc.metadata;
    m.agency = Some("UBND huyện Đại Từ".into());
    m.doc_type = vanban::vn::by_name("Báo cáo");
    m.date = Some("2021-06-30".into());
    m.title = Some("Kết quả cải cách năm 2021".into());
    doc.citations = vec![citation(
        text,
        "30c/NQ-CP",
        "Nghị quyết",
        Relation::Implements,
    )];
    doc.quality.text_layer = TextLayer::Ocr;
    doc.quality.diacritics = Diacritics::Partial;
    doc
}

/// Nothing to do with administrative procedures.
fn unrelated_plan() -> Document {
    let text = "KẾ HOẠCH\nPhòng, chống thiên tai và tìm kiếm cứu nạn năm 2021\n\nTổ chức thi đua, khen thưởng cho các tập thể có thành tích.";
    let mut doc = base("corpus/disaster.txt", text);
    let m = &mut doc.metadata;
    m.agency = Some("Ủy ban nhân dân tỉnh Thái Nguyên".into());
    m.doc_type = vanban::vn::by_name("Kế hoạch");
    m.date = Some("2021-02-01".into());
    m.title = Some("Phòng, chống thiên tai năm 2021".into());
    doc
}

fn archive_docs() -> Vec<Document> {
    vec![
        decision_4203(),
        plan_online_services(),
        damaged_report(),
        unrelated_plan(),
    ]
}

fn seed_docs() -> Vec<Document> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/seeds exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    paths
        .iter()
        .map(|p| vanban::process_file(p, &vanban::Limits::default()).expect("seeds process"))
        .collect()
}

// ---------------------------------------------------------------- SQLite and CSV

fn count(conn: &Connection, table: &str) -> usize {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as usize
}

/// Row counts every table should have for `docs`, computed from the JSON.
fn json_counts(docs: &[Document]) -> Vec<(&'static str, usize)> {
    fn sections(s: &[Section]) -> usize {
        s.iter().map(|s| 1 + sections(&s.children)).sum()
    }
    vec![
        ("documents", docs.len()),
        ("sections", docs.iter().map(|d| sections(&d.sections)).sum()),
        ("tasks", docs.iter().map(|d| d.tasks.len()).sum()),
        (
            "task_agencies",
            docs.iter()
                .flat_map(|d| &d.tasks)
                .map(|t| t.lead.len() + t.partners.len())
                .sum(),
        ),
        ("figures", docs.iter().map(|d| d.figures.len()).sum()),
        ("citations", docs.iter().map(|d| d.citations.len()).sum()),
        (
            "citation_mentions",
            docs.iter()
                .flat_map(|d| &d.citations)
                .map(|c| c.mentions.len())
                .sum(),
        ),
    ]
}

fn check_row_counts(conn: &Connection, docs: &[Document]) {
    for (table, expected) in json_counts(docs) {
        assert_eq!(count(conn, table), expected, "rows in {table}");
    }
}

#[test]
fn sqlite_row_counts_equal_json_counts() {
    for docs in [archive_docs(), seed_docs()] {
        let mut conn = Connection::open_in_memory().unwrap();
        let stats = sqlite::export(&mut conn, &docs).unwrap();
        assert_eq!((stats.inserted, stats.updated), (docs.len(), 0));
        check_row_counts(&conn, &docs);
    }
}

#[test]
fn re_export_updates_rows_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.db");
    let mut docs = archive_docs();
    sqlite::export(&mut Connection::open(&path).unwrap(), &docs).unwrap();
    let id_before: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT doc_id FROM documents WHERE number = '4203/QĐ-UBND'",
            [],
            |r| r.get(0),
        )
        .unwrap();

    // Same sha256, new extraction: one task fewer, a changed title.
    docs[0].tasks.pop();
    docs[0].metadata.title = Some("Tiêu đề mới".into());
    let mut conn = Connection::open(&path).unwrap();
    let stats = sqlite::export(&mut conn, &docs).unwrap();
    assert_eq!((stats.inserted, stats.updated), (0, docs.len()));
    check_row_counts(&conn, &docs);
    let (id_after, title): (i64, String) = conn
        .query_row(
            "SELECT doc_id, title FROM documents WHERE number = '4203/QĐ-UBND'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (id_after, title.as_str()),
        (id_before, "Tiêu đề mới"),
        "doc_id is stable for dashboards"
    );
}

/// A document is its path plus sha256: a corrected file at the same path replaces its
/// rows and index entries; the same content at another path is another document.
#[test]
fn identity_is_the_source_path() {
    let original = decision_4203();
    let mut copy = original.clone();
    copy.source.path = "corpus/copy/002.txt".into();
    let mut corrected = original.clone();
    corrected.source.sha256 = vanban::output::sha256_hex(b"corrected");
    corrected.metadata.title = Some("Tiêu đề đã sửa".into());
    corrected.tasks.pop();

    let mut conn = Connection::open_in_memory().unwrap();
    let stats = sqlite::export(&mut conn, [&original, &copy]).unwrap();
    assert_eq!(
        (stats.inserted, stats.updated),
        (2, 0),
        "same content, two paths"
    );
    let stats = sqlite::export(&mut conn, [&corrected]).unwrap();
    assert_eq!((stats.inserted, stats.updated), (0, 1));
    check_row_counts(&conn, &[corrected.clone(), copy.clone()]);
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT path, title FROM documents ORDER BY path")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        [
            ("corpus/002.txt".into(), "Tiêu đề đã sửa".into()),
            (
                "corpus/copy/002.txt".into(),
                "Ban hành Kế hoạch cải cách hành chính năm 2020".into()
            ),
        ]
    );

    let a = Archive::in_memory().unwrap();
    a.add([&original, &copy]).unwrap();
    assert_eq!(a.document_count().unwrap(), 2);
    a.add([&corrected]).unwrap();
    assert_eq!(a.document_count().unwrap(), 2);
    assert_eq!(a.document("corpus/002.txt").unwrap(), Some(corrected));
    assert_eq!(a.document("corpus/copy/002.txt").unwrap(), Some(copy));
    let tasks = a
        .search(&SearchRequest {
            kind: Some("task".into()),
            ..req("")
        })
        .unwrap();
    // The copy's two tasks and the corrected file's one: none of the replaced entries.
    assert_eq!(tasks.total, 3, "{tasks:?}");
}

#[test]
fn dashboard_example_queries_run_and_answer() {
    let mut conn = Connection::open_in_memory().unwrap();
    sqlite::export(&mut conn, &archive_docs()).unwrap();

    let mut stmt = conn
        .prepare(sqlite::examples::DEADLINE_QUARTER_SHARE)
        .unwrap();
    let rows: Vec<(String, i64, f64, f64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        ("Sở Nội vụ".to_string(), 1, 1.0, 0.0),
        ("Văn phòng Sở".to_string(), 1, 1.0, 0.0),
        ("Văn phòng Ủy ban nhân dân tỉnh".to_string(), 1, 0.0, 1.0),
    ];
    assert_eq!(rows, expected);

    let mut stmt = conn.prepare(sqlite::examples::MOST_CITED_DECREES).unwrap();
    let rows: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        [
            ("61/2018/NĐ-CP".to_string(), 2),
            ("45/2020/NĐ-CP".to_string(), 1)
        ]
    );
}

#[test]
fn docs_show_the_example_queries_verbatim() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/archive.md"))
            .unwrap();
    for query in [
        sqlite::examples::DEADLINE_QUARTER_SHARE,
        sqlite::examples::MOST_CITED_DECREES,
    ] {
        assert!(
            docs.contains(query.trim()),
            "docs/archive.md lacks:\n{query}"
        );
    }
    for table in sqlite::TABLES {
        assert!(
            docs.contains(&format!("### {table}")),
            "docs/archive.md lacks table {table}"
        );
    }
}

#[test]
fn csv_export_writes_one_file_per_table() {
    let docs = archive_docs();
    let mut conn = Connection::open_in_memory().unwrap();
    sqlite::export(&mut conn, &docs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let counts = csv::export(&conn, dir.path(), csv::Bom::None).unwrap();
    assert_eq!(counts, json_counts(&docs));
    let tasks = std::fs::read_to_string(dir.path().join("tasks.csv")).unwrap();
    assert!(tasks.starts_with("doc_id,task_no,task_group,"), "{tasks}");
    assert!(
        tasks.contains("Quý I/2020,quarter,2020-01-01,2020-03-31,1,"),
        "{tasks}"
    );
}

// ---------------------------------------------------------------- search

fn archive() -> Archive {
    let archive = Archive::in_memory().unwrap();
    archive.add(&archive_docs()).unwrap();
    archive
}

fn paths(archive: &Archive, request: &SearchRequest) -> Vec<String> {
    archive
        .search(request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.document.path)
        .collect()
}

fn distinct(paths: Vec<String>) -> BTreeSet<String> {
    paths.into_iter().collect()
}

/// One search case: the request and the set of documents its hits come from.
fn check(archive: &Archive, request: SearchRequest, expected: &[&str]) {
    let expected: BTreeSet<String> = expected.iter().map(|p| format!("corpus/{p}")).collect();
    assert_eq!(distinct(paths(archive, &request)), expected, "{request:?}");
}

fn req(query: &str) -> SearchRequest {
    SearchRequest::new(query)
}

#[test]
fn search_cases() {
    let a = archive();
    // Diacritic-free queries find marked text, and only where every word is (fuzzy words
    // keep their first letter: "truc" is not "thuc", "tuyen" is not "huyen").
    check(&a, req("thu tuc hanh chinh truc tuyen"), &["001.txt"]);
    check(&a, req("hoi nghi tong ket"), &["002.txt"]);
    check(&a, req("linh vuc dat dai"), &["002.txt"]);
    // OCR damage in the query ("thi" for "thủ") and in the text ("chinb").
    check(
        &a,
        req("thi tuc hanh chinh"),
        &["001.txt", "002.txt", "damaged.txt"],
    );
    // A query word no syllable can be ("cacb", "chinb") stands for the word it most likely
    // was anywhere in a passage, not only inside the phrase: the same passages as the query
    // typed with marks, the words apart or in another order included ("chinb" is in the
    // index, in damaged.txt, so "chinh" is no rare near form of it).
    let passages = |query: &str| -> BTreeSet<(String, [usize; 2])> {
        let request = SearchRequest {
            kind: Some("section".into()),
            limit: 1000,
            ..req(query)
        };
        let hits = a.search(&request).unwrap().hits;
        hits.into_iter()
            .map(|h| (h.document.path, h.location.span))
            .collect()
    };
    for (marked, damaged) in [
        ("cải cách hành chính", "cai cacb hanb chinh"),
        ("hành chính thủ tục", "hanh chinb thu tuc"),
        // A real word typed wrong: "thi" reads far worse before "tuc" than "thu" does.
        ("thủ tục hành chính", "thi tuc hanh chinh"),
    ] {
        let marked = passages(marked);
        assert!(!marked.is_empty());
        assert_eq!(passages(damaged), marked, "{damaged}");
    }
    // Filters.
    let cites = |id: &str| SearchRequest {
        kind: Some("document".into()),
        cites: Some(id.into()),
        ..req("")
    };
    check(&a, cites("61/2018/NĐ-CP"), &["001.txt", "002.txt"]);
    check(&a, cites("61/2018/nd-cp"), &["001.txt", "002.txt"]);
    check(&a, cites("30c/NQ-CP"), &["002.txt", "damaged.txt"]);
    check(&a, cites("1/2000/NĐ-CP"), &[]);
    check(
        &a,
        SearchRequest {
            year: Some(2021),
            kind: Some("document".into()),
            ..req("")
        },
        &["damaged.txt", "disaster.txt"],
    );
    check(
        &a,
        SearchRequest {
            doc_type: Some("bao cao".into()),
            ..req("cai cach")
        },
        &["damaged.txt"],
    );
    check(
        &a,
        SearchRequest {
            agency: Some("Văn phòng Sở".into()),
            kind: Some("task".into()),
            ..req("quy i")
        },
        &["001.txt"],
    );
    check(
        &a,
        SearchRequest {
            agency: Some("so noi vu".into()),
            kind: Some("task".into()),
            ..req("")
        },
        &["002.txt"],
    );
    check(
        &a,
        SearchRequest {
            agency: Some("Đại Từ".into()),
            ..req("")
        },
        &["damaged.txt"],
    );
    check(
        &a,
        SearchRequest {
            kind: Some("figure".into()),
            ..req("ho so")
        },
        &["002.txt"],
    );
    check(
        &a,
        SearchRequest {
            kind: Some("citation".into()),
            ..req("mot cua")
        },
        &["002.txt"],
    );
    check(&a, req("động đất sóng thần"), &[]);
}

#[test]
fn cites_filter_returns_exactly_the_citing_documents() {
    let a = archive();
    let docs = archive_docs();
    let ids: BTreeSet<&str> = docs
        .iter()
        .flat_map(|d| &d.citations)
        .map(|c| c.id.as_str())
        .collect();
    for id in ids {
        let expected: BTreeSet<String> = docs
            .iter()
            .filter(|d| d.citations.iter().any(|c| c.id == id))
            .map(|d| d.source.path.clone())
            .collect();
        let request = SearchRequest {
            kind: Some("document".into()),
            cites: Some(id.into()),
            ..req("")
        };
        let found = paths(&a, &request);
        assert_eq!(
            found.len(),
            expected.len(),
            "one hit per document citing {id}"
        );
        assert_eq!(distinct(found), expected, "{id}");
    }
}

#[test]
fn exact_matches_rank_first() {
    let a = archive();
    // Marked text beats the text that lost its marks.
    let hits = paths(&a, &req("thủ tục hành chính"));
    assert_ne!(hits[0], "corpus/damaged.txt", "{hits:?}");
    assert_eq!(
        hits.last().map(String::as_str),
        Some("corpus/damaged.txt"),
        "{hits:?}"
    );
    // A query without marks ranks marked text and text that lost its marks alike; the
    // damaged word "chinb" ranks its passage below the intact ones.
    let hits = paths(
        &a,
        &SearchRequest {
            kind: Some("section".into()),
            ..req("thu tuc hanh chinh")
        },
    );
    assert_eq!(
        hits.last().map(String::as_str),
        Some("corpus/damaged.txt"),
        "{hits:?}"
    );
    // And the unmarked query ranks the unmarked text first.
    let hits = paths(
        &a,
        &SearchRequest {
            kind: Some("section".into()),
            ..req("thu tuc hanh chinb")
        },
    );
    assert_eq!(hits[0], "corpus/damaged.txt", "{hits:?}");
}

#[test]
fn hits_carry_location_and_highlighted_snippet() {
    let a = archive();
    let results = a
        .search(&SearchRequest {
            kind: Some("task".into()),
            ..req("hoi nghi tong ket")
        })
        .unwrap();
    let hit = &results.hits[0];
    assert_eq!(hit.document.number.as_deref(), Some("4203/QĐ-UBND"));
    assert_eq!(hit.location.section.as_deref(), Some("II. NHIỆM VỤ"));
    assert_eq!((hit.location.table, hit.location.row), (Some(0), Some(1)));
    let doc = decision_4203();
    assert_eq!(hit.location.span, doc.tasks[0].span);
    assert!(
        hit.snippet
            .marked("[", "]", str::to_string)
            .starts_with("Tổ chức [Hội] [nghị] [tổng] [kết]"),
        "{:?}",
        hit.snippet
    );
    assert!(
        hit.snippet.text.contains("Chủ trì: Sở Nội vụ")
            && hit.snippet.text.contains("Thời hạn: Quý I/2020")
    );

    let results = a
        .search(&SearchRequest {
            kind: Some("citation".into()),
            cites: Some("45/2020/NĐ-CP".into()),
            ..req("")
        })
        .unwrap();
    // The filter selects the citations it names, not every citation of a citing document.
    let ids: Vec<_> = results
        .hits
        .iter()
        .map(|h| h.citation_id.as_deref())
        .collect();
    assert_eq!(ids, [Some("45/2020/NĐ-CP")]);
}

/// The archive plus a plan citing decree 61 of 2019 (not 2018), with a task due in 2021Q1.
fn filters_archive() -> Archive {
    let text = "UBND TỈNH BẮC GIANG\n\nKẾ HOẠCH\nThực hiện năm 2021\n\n\
Căn cứ Nghị định số 61/2019/NĐ-CP của Chính phủ;\n\n\
Báo cáo kết quả thực hiện trước ngày 15/3/2021.";
    let mut doc = base("corpus/2021.txt", text);
    let m = &mut doc.metadata;
    m.agency = Some("UBND tỉnh Bắc Giang".into());
    m.doc_type = vanban::vn::by_name("Kế hoạch");
    m.date = Some("2021-01-10".into());
    m.title = Some("Thực hiện năm 2021".into());
    let mut due = task(
        text,
        "Báo cáo kết quả thực hiện",
        &["Sở Tư pháp"],
        Some(date_deadline("Trước ngày 15/3/2021", "2021-03-15")),
    );
    due.table = None;
    due.row = None;
    doc.tasks = vec![due];
    doc.citations = vec![citation(
        text,
        "61/2019/NĐ-CP",
        "Nghị định",
        Relation::Basis,
    )];
    let a = archive();
    a.add(&[doc]).unwrap();
    a
}

#[test]
fn filters_select_what_they_name() {
    let a = filters_archive();
    let only = |request: SearchRequest| -> Vec<(String, Vec<String>, Option<String>)> {
        let mut hits: Vec<_> = a
            .search(&request)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| (h.document.path, h.kinds, h.citation_id))
            .collect();
        hits.sort();
        hits
    };
    let citation = |path: &str, id: &str| {
        (
            format!("corpus/{path}"),
            vec!["citation".to_string()],
            Some(id.to_string()),
        )
    };
    // `--type citation --cites X`: the citations of X, one per citing document.
    assert_eq!(
        only(SearchRequest {
            kind: Some("citation".into()),
            cites: Some("61/2018/NĐ-CP".into()),
            ..req("")
        }),
        [
            citation("001.txt", "61/2018/NĐ-CP"),
            citation("002.txt", "61/2018/NĐ-CP")
        ]
    );
    // Number and code without the year: every year of decree 61.
    assert_eq!(
        only(SearchRequest {
            kind: Some("citation".into()),
            cites: Some("61/NĐ-CP".into()),
            ..req("")
        }),
        [
            citation("001.txt", "61/2018/NĐ-CP"),
            citation("002.txt", "61/2018/NĐ-CP"),
            citation("2021.txt", "61/2019/NĐ-CP")
        ]
    );
    // An empty query with filters lists documents, once each.
    let docs = |request: SearchRequest| {
        let hits = a.search(&request).unwrap().hits;
        assert!(hits.iter().all(|h| h.kinds == ["document"]), "{request:?}");
        let paths: Vec<String> = hits.into_iter().map(|h| h.document.path).collect();
        let set = distinct(paths.clone());
        assert_eq!(set.len(), paths.len(), "one hit per document");
        set.into_iter().collect::<Vec<_>>()
    };
    let corpus =
        |names: &[&str]| -> Vec<String> { names.iter().map(|n| format!("corpus/{n}")).collect() };
    assert_eq!(
        docs(SearchRequest {
            cites: Some("61/ND-CP".into()),
            ..req("")
        }),
        corpus(&["001.txt", "002.txt", "2021.txt"])
    );
    // Abbreviations are written out on both sides: "UBND" is "Ủy ban nhân dân".
    assert_eq!(
        docs(SearchRequest {
            agency: Some("UBND tỉnh Thái Nguyên".into()),
            ..req("")
        }),
        corpus(&["001.txt", "002.txt", "disaster.txt"])
    );
    assert_eq!(
        docs(SearchRequest {
            agency: Some("Ủy ban nhân dân tỉnh Bắc Giang".into()),
            ..req("")
        }),
        corpus(&["2021.txt"])
    );
    // Deadlines: by quarter (named, or that of the end date) and by end date.
    let tasks = |due: Option<&str>, before: Option<&str>| {
        let hits = a
            .search(&SearchRequest {
                kind: Some("task".into()),
                due: due.map(str::to_string),
                due_before: before.map(str::to_string),
                ..req("")
            })
            .unwrap()
            .hits;
        let mut found: Vec<String> = hits
            .into_iter()
            .map(|h| format!("{} {}", h.document.path, h.location.span[0]))
            .collect();
        found.sort();
        found
    };
    let at = |doc: &Document, n: usize| format!("{} {}", doc.source.path, doc.tasks[n].span[0]);
    let (d002, d001) = (decision_4203(), plan_online_services());
    assert_eq!(tasks(Some("2020Q1"), None), [at(&d001, 0), at(&d002, 0)]);
    assert_eq!(tasks(Some("q2/2020"), None), [at(&d002, 1)]);
    assert_eq!(tasks(Some("2021Q1"), None).len(), 1);
    assert_eq!(
        tasks(None, Some("2020-06-30")),
        [at(&d001, 0), at(&d002, 0), at(&d002, 1)]
    );
    assert_eq!(tasks(None, Some("2020-03-30")), Vec::<String>::new());
    assert_eq!(
        docs(SearchRequest {
            due: Some("2021Q1".into()),
            ..req("")
        }),
        corpus(&["2021.txt"])
    );
    for bad in [
        SearchRequest {
            due: Some("2021Q5".into()),
            ..req("")
        },
        SearchRequest {
            due_before: Some("31/3/2021".into()),
            ..req("")
        },
    ] {
        assert!(a.search(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn ids_in_queries_match_whole() {
    let a = filters_archive();
    let found = |q: &str| distinct(paths(&a, &req(q)));
    assert_eq!(
        found("61/2019/NĐ-CP"),
        BTreeSet::from(["corpus/2021.txt".to_string()])
    );
    assert_eq!(
        found("nghị định 61/2018/NĐ-CP"),
        BTreeSet::from(["corpus/001.txt".to_string(), "corpus/002.txt".to_string()])
    );
}

#[test]
fn one_hit_per_span_says_why() {
    let a = archive();
    let results = a.search(&req("ho so duoc giai quyet")).unwrap();
    assert_eq!(results.hits.len(), 1, "{:#?}", results.hits);
    let hit = &results.hits[0];
    let mut kinds = hit.kinds.clone();
    kinds.sort();
    assert_eq!(kinds, ["figure", "section"]);
    let why: Vec<(String, String, How)> = hit
        .why
        .words
        .iter()
        .map(|w| (w.query.clone(), w.found.clone(), w.how))
        .collect();
    assert_eq!(
        why,
        [
            ("ho".into(), "hồ".into(), How::Folded),
            ("so".into(), "sơ".into(), How::Folded),
            ("duoc".into(), "được".into(), How::Folded),
            ("giai".into(), "giải".into(), How::Folded),
            ("quyet".into(), "quyết".into(), How::Folded),
        ]
    );
    // A damaged query word is found as a near form, and said so.
    let results = a
        .search(&SearchRequest {
            kind: Some("section".into()),
            cites: Some("30c/NQ-CP".into()),
            ..req("thu tuc hanh chinh")
        })
        .unwrap();
    let damaged = results
        .hits
        .iter()
        .find(|h| h.document.path == "corpus/damaged.txt")
        .expect("damaged report found");
    assert!(damaged
        .why
        .words
        .iter()
        .any(|w| w.query == "chinh" && w.found == "chinb" && w.how == How::Near));
    assert_eq!(damaged.why.filters, ["type=section", "cites=30c/NQ-CP"]);
}

#[test]
fn highlights_mark_only_what_matched() {
    let a = archive();
    for q in [
        "thu tuc hanh chinh truc tuyen",
        "truc tuyen",
        "thi tuc hanh chinh",
    ] {
        for hit in a.search(&req(q)).unwrap().hits {
            let marked: Vec<String> = hit
                .snippet
                .highlights
                .iter()
                .map(|&[s, e]| hit.snippet.text.chars().skip(s).take(e - s).collect())
                .collect();
            for word in &marked {
                let folded = vanban::text::fold(word);
                assert!(
                    !["thuc", "tac", "tren"].contains(&folded.as_str()),
                    "{q:?} marked {word:?} in {:?}",
                    hit.snippet.text
                );
            }
        }
    }
}

#[test]
fn re_indexing_replaces_entries() {
    let a = archive();
    let before = a.search(&req("hanh chinh")).unwrap().total;
    a.add(&archive_docs()).unwrap();
    assert_eq!(a.document_count().unwrap(), 4);
    assert_eq!(a.search(&req("hanh chinh")).unwrap().total, before);
}

#[test]
fn unknown_type_is_an_error_not_a_panic() {
    let err = archive()
        .search(&SearchRequest {
            kind: Some("table".into()),
            ..req("x")
        })
        .unwrap_err();
    assert!(err.to_string().contains("unknown type"), "{err}");
}

#[test]
fn seeds_index_and_search_consistently() {
    let docs = seed_docs();
    let a = Archive::in_memory().unwrap();
    a.add(&docs).unwrap();
    assert_eq!(a.document_count().unwrap(), docs.len());
    let all = a
        .search(&SearchRequest {
            kind: Some("document".into()),
            limit: 100,
            ..req("")
        })
        .unwrap();
    assert_eq!(all.total, docs.len());
    for doc in &docs {
        for c in &doc.citations {
            let request = SearchRequest {
                kind: Some("document".into()),
                cites: Some(c.id.clone()),
                limit: 100,
                ..req("")
            };
            assert!(
                paths(&a, &request).contains(&doc.source.path),
                "{} cites {}",
                doc.source.path,
                c.id
            );
        }
        assert_eq!(a.document(&doc.source.path).unwrap().as_ref(), Some(doc));
    }
    // Seed 002 is about "thủ tục hành chính"; typed without marks it is found.
    let request = SearchRequest {
        kind: Some("document".into()),
        ..req("thu tuc hanh chinh")
    };
    assert!(paths(&a, &request).iter().any(|p| p.contains("002_")));
}

#[test]
fn load_reads_extract_output_directories_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let docs = archive_docs();
    for (i, doc) in docs.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("{i}.json")),
            serde_json::to_vec_pretty(doc).unwrap(),
        )
        .unwrap();
    }
    let jsonl = dir.path().join("all.jsonl");
    let lines: Vec<String> = docs
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let loaded = vanban::archive::load(&[dir.path().to_path_buf()]);
    assert_eq!(
        (loaded.documents.len(), loaded.issues.len()),
        (2 * docs.len(), 0)
    );
    let loaded = vanban::archive::load(&[jsonl]);
    assert_eq!(loaded.documents, docs);
}

// ---------------------------------------------------------------- web page (without a browser)

#[test]
fn web_page_searches_groups_and_opens_documents() {
    let a = archive();
    let page = serve::respond(&a, "/?q=thu+tuc+hanh+chinh&type=");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("<mark>thủ</mark> <mark>tục</mark>"),
        "{}",
        page.text()
    );
    assert_eq!(
        page.text().matches("class=\"result\"").count(),
        3,
        "grouped by document"
    );
    assert!(
        page.text().contains("href=\"/doc/corpus%2F002.txt?q="),
        "links name the path: {}",
        page.text()
    );

    let doc = decision_4203();
    let [start, end] = doc.tasks[0].span;
    let page = serve::respond(
        &a,
        &format!("/doc/corpus%2F002.txt?q=hoi+nghi&start={start}&end={end}"),
    );
    assert_eq!(page.status, 200);
    assert!(
        page.text()
            .contains("<span id=\"hit\" class=\"hit\">Tổ chức <mark>Hội</mark> <mark>nghị</mark>"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("<td>Sở Nội vụ</td>"));
    let link = "/decree/61%2F2018%2FN%C4%90-CP";
    assert!(
        page.text().contains(&format!(
            "<a class=\"citing\" href=\"{link}\">2 văn bản trích dẫn</a>"
        )),
        "{}",
        page.text()
    );
    assert!(page.text().contains("href=\"/file/corpus%2F002.txt\""));

    // The decree page lists every citing document, once.
    let citing = serve::respond(&a, link);
    assert_eq!(citing.text().matches("class=\"citing-doc\"").count(), 2);
    assert!(citing.text().contains("corpus/001.txt") || citing.text().contains("corpus%2F001.txt"));
    assert!(citing.text().contains("corpus%2F002.txt"));

    // Facets count documents; a facet link adds its filter.
    let page = serve::respond(&a, "/?q=cai+cach");
    let text = page.text();
    assert!(text.contains("<h3>Cơ quan ban hành</h3>"), "{text}");
    assert!(
        text.contains(
            "cites=61%2F2018%2FN%C4%90-CP\">61/2018/NĐ-CP</a> <span class=\"count\">2</span>"
        ),
        "{text}"
    );
    assert!(text.contains("<h3>Thời hạn (quý)</h3>"), "{text}");
    // Pages: one hit a page, a next link, and page 2 shows another hit.
    let first = serve::respond(&a, "/?q=cai+cach&limit=1");
    assert!(
        first
            .text()
            .contains("id=\"next\" href=\"/?q=cai+cach&amp;limit=1&amp;page=2\""),
        "{}",
        first.text()
    );
    let second = serve::respond(&a, "/?q=cai+cach&limit=1&page=2");
    assert!(second.text().contains("id=\"prev\""));
    assert_ne!(first.text(), second.text());
    // Labels are Vietnamese; a table row is "hàng", a text line "dòng".
    let tasks = serve::respond(&a, "/?q=hoi+nghi&type=task");
    assert!(
        tasks.text().contains("bảng 1, hàng 2 · dòng"),
        "{}",
        tasks.text()
    );
    assert!(tasks
        .text()
        .contains("<span class=\"kind\">nhiệm vụ</span>"));

    // The overview draws its charts as inline SVG.
    let overview = serve::respond(&a, "/overview");
    let text = overview.text();
    for id in ["chart-tasks", "chart-cited", "chart-figures"] {
        assert!(text.contains(&format!("<svg id=\"{id}\"")), "{id}: {text}");
    }
    assert!(
        text.contains("<title>2020Q1 · Ủy ban nhân dân tỉnh Thái Nguyên: 1</title>"),
        "{text}"
    );
    assert!(text.contains("<title>61/2018/NĐ-CP: 2</title>"), "{text}");
    assert!(
        !text.contains("http://")
            || text.matches("http://").count()
                == text.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    // The source files of this archive do not exist: a clear 404, never a panic.
    assert_eq!(serve::respond(&a, "/file/corpus%2F002.txt").status, 404);
    assert_eq!(serve::respond(&a, "/file/%2Fetc%2Fpasswd").status, 404);
    assert_eq!(serve::respond(&a, "/page/corpus%2F002.txt?n=1").status, 404);

    let api = serve::respond(&a, "/api/search?q=dat+dai&limit=5");
    assert_eq!(api.content_type, "application/json; charset=utf-8");
    let results: vanban::archive::search::SearchResults =
        serde_json::from_str(&api.text()).unwrap();
    assert_eq!(results.hits[0].document.path, "corpus/002.txt");

    assert_eq!(serve::respond(&a, "/doc/nope").status, 404);
    let api = serve::respond(&a, "/api/document/corpus%2F001.txt");
    let read: Document = serde_json::from_str(&api.text()).unwrap();
    assert_eq!(read, plan_online_services());
    assert_eq!(serve::respond(&a, "/?q=x&year=abc").status, 400);
    assert_eq!(serve::respond(&a, "/elsewhere").status, 404);
}

// ---------------------------------------------------------------- browser test fixture

/// `tests/browser/fixtures/archive.jsonl` is this file's archive, for the browser test (which
/// cannot build Documents itself). Regenerate with `UPDATE_FIXTURES=1 cargo test --test it archive::`.
#[test]
fn browser_fixture_matches_the_test_archive() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/fixtures/archive.jsonl");
    let expected: String = archive_docs()
        .iter()
        .map(|d| serde_json::to_string(d).unwrap() + "\n")
        .collect();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "{} is stale: run UPDATE_FIXTURES=1 cargo test --test it archive::",
        path.display()
    );
}

// ---------------------------------------------------------------- robustness

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Any query text, filter or URL yields results or an error, never a panic.
    #[test]
    fn odd_queries_and_urls_never_panic(query in "\\PC{0,40}", cites in "\\PC{0,12}", url in "/[ -~]{0,60}") {
        thread_local!(static ARCHIVE: Archive = archive());
        ARCHIVE.with(|a| {
            let request = SearchRequest { cites: Some(cites), agency: Some(query.clone()), ..req(&query) };
            let _ = a.search(&request);
            let _ = a.search(&req(&query));
            let _ = serve::respond(a, &url);
            let _ = serve::respond(a, &format!("/?q={}", query.replace(['&', '#'], " ")));
        });
    }
}
