//! A small local web page over an archive index: server-rendered HTML, no script, no CDN.
//!
//! Routes ([`respond`] maps a URL to a [`Page`], so they are testable without a socket):
//!
//! * `/?q=…&type=…&cites=…&agency=…&year=…&doc_type=…&due=…&due_before=…&page=N` — the
//!   search form, facets with document counts, results grouped by document, pages;
//! * `/doc/PATH?q=…&start=…&end=…` — a document: metadata, the repaired text with the
//!   query's words marked and the hit (`start..end`, code points) scrolled to, its tasks and
//!   its citations, each linking to the cited document's page;
//! * `/decree/ID` — every document citing ID, with the line citing it;
//! * `/overview` — charts drawn as inline SVG: tasks by quarter and agency, most cited
//!   documents, reported percentages by year;
//! * `/file/PATH` — the original file of an indexed document;
//! * `/page/PATH?n=N` and `/page.png/PATH?n=N` — page N of a PDF, rendered by `pdftoppm`;
//! * `/api/search?…` (same parameters, plus `limit`), `/api/document/PATH`, `/api/overview` — JSON.
//!
//! The network side (limits, timeouts, headers, `Host` and token checks) is [`super::http`].

use std::fmt::Write as _;

use super::charts;
use super::html::{decode, encode, escape, query_pairs};
use super::index::Archive;
use super::search::{Facet, Hit, Matcher, SearchRequest, KINDS};
use super::ArchiveError;
use crate::model::{Bounds, Document, Format};

const STYLE: &str = include_str!("assets/style.css");

/// Results shown on the search page.
const PAGE_HITS: usize = 50;

/// A response before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    /// Bytes: HTML and JSON as UTF-8, or a file's own bytes (downloads, page images).
    pub body: Vec<u8>,
}

impl Page {
    /// The body as text (lossy for binary bodies), for tests and logs.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    fn html(status: u16, title: &str, body: &str) -> Self {
        let body = format!(
            "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} — vanban</title><style>{STYLE}</style></head><body>\
             <header><a href=\"/\" class=\"home\">vanban</a> lưu trữ văn bản \
             <nav><a href=\"/\">Tìm kiếm</a> <a href=\"/overview\" id=\"nav-overview\">Tổng quan</a></nav></header><main>{body}</main></body></html>\n",
            escape(title)
        );
        Self {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
        }
    }

    fn bytes(content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type,
            body,
        }
    }

    fn json(value: &impl serde::Serialize) -> Self {
        let body = serde_json::to_string(value).expect("results serialize");
        Self {
            status: 200,
            content_type: "application/json; charset=utf-8",
            body: body.into_bytes(),
        }
    }

    fn error(status: u16, message: &str) -> Self {
        Self::html(
            status,
            "Lỗi",
            &format!("<p class=\"error\">{}</p>", escape(message)),
        )
    }
}

pub use super::http::serve;

/// Path prefixes of the pages that render one whole document (its text, its file or a
/// page image): the costly ones, rendered by their own workers.
const DOCUMENT_ROUTES: [&str; 5] = ["/doc/", "/api/document/", "/file/", "/page/", "/page.png/"];

/// Whether the request URL asks for a whole document (see `DOCUMENT_ROUTES`).
pub fn renders_document(url: &str) -> bool {
    DOCUMENT_ROUTES.iter().any(|r| url.starts_with(r))
}

/// The page for one request URL (path and query string).
pub fn respond(archive: &Archive, url: &str) -> Page {
    let path = url.split('?').next().unwrap_or("/");
    let params = query_pairs(url);
    let result = match path {
        "/" => search_page(archive, &params),
        "/api/search" => request_from(&params)
            .and_then(|r| archive.search(&r))
            .map(|r| Page::json(&r)),
        // Documents are named by their source path, percent-encoded into one segment.
        p if p.starts_with("/api/document/") => {
            match archive.document(&decode(&p["/api/document/".len()..])) {
                Ok(Some(doc)) => Ok(Page::json(&doc)),
                Ok(None) => Ok(Page::error(404, "Không tìm thấy văn bản.")),
                Err(e) => Err(e),
            }
        }
        p if p.starts_with("/doc/") => {
            document_page(archive, &decode(&p["/doc/".len()..]), &params)
        }
        p if p.starts_with("/decree/") => decree_page(archive, &decode(&p["/decree/".len()..])),
        "/overview" => overview_page(archive),
        "/api/overview" => archive.overview(20).map(|o| Page::json(&o)),
        p if p.starts_with("/file/") => file(archive, &decode(&p["/file/".len()..])),
        p if p.starts_with("/page.png/") => {
            page_image(archive, &decode(&p["/page.png/".len()..]), &params)
        }
        p if p.starts_with("/page/") => page_view(archive, &decode(&p["/page/".len()..]), &params),
        _ => Ok(Page::error(404, "Không có trang này.")),
    };
    result.unwrap_or_else(|e| match e {
        ArchiveError::Invalid(message) => Page::error(400, &message),
        e => Page::error(500, &e.to_string()),
    })
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn request_from(params: &[(String, String)]) -> Result<SearchRequest, ArchiveError> {
    let owned = |key| param(params, key).map(str::to_string);
    let number = |key: &str| {
        param(params, key)
            .map(|v| {
                v.parse().map_err(|_| {
                    ArchiveError::Invalid(format!("{key} phải là một số, không phải {v:?}"))
                })
            })
            .transpose()
    };
    let limit = number("limit")?.map_or(PAGE_HITS, |l: i64| l.clamp(1, 500) as usize);
    let page = number("page")?.map_or(1, |p: i64| p.clamp(1, 10_000) as usize);
    Ok(SearchRequest {
        query: owned("q").unwrap_or_default(),
        kind: owned("type"),
        cites: owned("cites"),
        agency: owned("agency"),
        year: number("year")?,
        doc_type: owned("doc_type"),
        due: owned("due"),
        due_before: owned("due_before"),
        limit,
        offset: (page - 1) * limit,
        facets: false,
    })
}

/// The query string of a request, with `key` set to `value` (or removed when `None`).
fn url_with(params: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, v)| k != key && k != "page" && !v.trim().is_empty())
        .cloned()
        .collect();
    if let Some(v) = value {
        pairs.push((key.to_string(), v.to_string()));
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("/?{}", query.join("&"))
}

/// Vietnamese names of the entry kinds.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "document" => "văn bản",
        "section" => "đoạn",
        "task" => "nhiệm vụ",
        "citation" => "trích dẫn",
        "figure" => "số liệu",
        _ => "khác",
    }
}

fn facet_label(facet: Facet) -> &'static str {
    match facet {
        Facet::Agency => "Cơ quan ban hành",
        Facet::Year => "Năm",
        Facet::DocType => "Loại văn bản",
        Facet::Cites => "Văn bản được trích dẫn",
        Facet::Lead => "Đơn vị chủ trì",
        Facet::Due => "Thời hạn (quý)",
    }
}

fn search_page(archive: &Archive, params: &[(String, String)]) -> Result<Page, ArchiveError> {
    let mut request = request_from(params)?;
    request.facets = true;
    let mut body = search_form(&request);
    let filtered = [
        &request.kind,
        &request.cites,
        &request.agency,
        &request.doc_type,
        &request.due,
        &request.due_before,
    ]
    .iter()
    .any(|v| v.is_some())
        || request.year.is_some();
    if request.query.is_empty() && !filtered {
        // Browse: the whole archive's facets, every document.
        request.kind = Some("document".into());
    }
    let results = archive.search(&request)?;
    let page = request.offset / request.limit + 1;
    let _ = write!(
        body,
        "<p class=\"summary\" id=\"summary\">{} văn bản, {} mục khớp{} · trang {page}.</p>",
        results.documents.unwrap_or(0),
        results.total,
        if results.relaxed {
            " (gần đúng: thiếu một từ)"
        } else {
            ""
        }
    );
    body.push_str("<div class=\"columns\"><aside id=\"facets\">");
    for facet in Facet::ALL {
        let values: Vec<_> = results.facets.iter().filter(|c| c.facet == facet).collect();
        if values.is_empty() {
            continue;
        }
        let _ = write!(
            body,
            "<section class=\"facet\" data-facet=\"{}\"><h3>{}</h3><ul>",
            facet.param(),
            facet_label(facet)
        );
        for c in values {
            let _ = write!(
                body,
                "<li><a href=\"{}\">{}</a> <span class=\"count\">{}</span></li>",
                escape(&url_with(params, facet.param(), Some(&c.value))),
                escape(&c.value),
                c.documents
            );
        }
        body.push_str("</ul></section>");
    }
    body.push_str("</aside><div id=\"results\">");
    // Group by document, in the order of each document's best hit.
    let mut groups: Vec<(&str, Vec<&Hit>)> = Vec::new();
    for hit in &results.hits {
        match groups
            .iter_mut()
            .find(|(path, _)| *path == hit.document.path)
        {
            Some((_, hits)) => hits.push(hit),
            None => groups.push((&hit.document.path, vec![hit])),
        }
    }
    if groups.is_empty() {
        body.push_str("<p class=\"empty\">Không có kết quả.</p>");
    }
    for (_, hits) in &groups {
        let d = &hits[0].document;
        let heading = [d.doc_type.as_deref(), d.number.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let title = d.title.as_deref().unwrap_or(&d.path);
        let meta = [
            Some(heading.as_str()),
            d.agency.as_deref(),
            d.date.as_deref(),
            Some(d.path.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
        let _ = write!(
            body,
            "<section class=\"result\"><h2><a class=\"doc-link\" href=\"{}\">{}</a></h2>\
             <p class=\"meta\">{}</p><ul>",
            escape(&doc_url(
                &d.path,
                &request.query,
                Some(hits[0].location.span)
            )),
            escape(title),
            escape(&meta),
        );
        for hit in hits {
            let kinds: Vec<&str> = hit.kinds.iter().map(|k| kind_label(k)).collect();
            let why: Vec<String> = hit
                .why
                .words
                .iter()
                .map(|w| {
                    let how = match w.how {
                        super::search::How::Exact => "đúng dấu",
                        super::search::How::Folded => "bỏ dấu",
                        super::search::How::Near => "gần đúng",
                    };
                    format!("{} → {} ({how})", w.query, w.found)
                })
                .collect();
            let _ = write!(
                body,
                "<li class=\"hit\"><span class=\"kind\">{}</span> <a class=\"loc\" href=\"{}\">{}</a> \
                 <span class=\"snippet\">{}</span>{}</li>",
                kinds.join(" + "),
                escape(&doc_url(&d.path, &request.query, Some(hit.location.span))),
                escape(&location_label(hit)),
                hit.snippet.marked("<mark>", "</mark>", escape),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(
                        " <span class=\"why\">Khớp: {}</span>",
                        escape(&why.join("; "))
                    )
                },
            );
        }
        body.push_str("</ul></section>");
    }
    body.push_str("<nav class=\"pages\">");
    if page > 1 {
        let _ = write!(
            body,
            "<a id=\"prev\" href=\"{}\">← Trang trước</a> ",
            escape(&url_with(params, "page", Some(&(page - 1).to_string())))
        );
    }
    if results.more {
        let _ = write!(
            body,
            "<a id=\"next\" href=\"{}\">Trang sau →</a>",
            escape(&url_with(params, "page", Some(&(page + 1).to_string())))
        );
    }
    body.push_str("</nav></div></div>");
    let title = if request.query.is_empty() {
        "Tìm kiếm"
    } else {
        &request.query
    };
    Ok(Page::html(200, title, &body))
}

fn search_form(r: &SearchRequest) -> String {
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let mut kinds = String::from("<option value=\"\">mọi loại</option>");
    for kind in KINDS {
        let selected = if r.kind.as_deref() == Some(kind) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            kinds,
            "<option value=\"{kind}\"{selected}>{}</option>",
            kind_label(kind)
        );
    }
    format!(
        "<form id=\"search\" action=\"/\" method=\"get\" role=\"search\">\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"thu tuc hanh chinh truc tuyen\" autofocus>\
         <button id=\"go\" type=\"submit\">Tìm</button>\
         <div class=\"filters\">\
         <label>Loại mục <select id=\"type\" name=\"type\">{kinds}</select></label>\
         <label>Trích dẫn <input id=\"cites\" name=\"cites\" value=\"{}\" placeholder=\"61/2018/NĐ-CP\"></label>\
         <label>Cơ quan <input id=\"agency\" name=\"agency\" value=\"{}\"></label>\
         <label>Năm <input id=\"year\" name=\"year\" value=\"{}\" size=\"5\" inputmode=\"numeric\"></label>\
         <label>Loại văn bản <input id=\"doc_type\" name=\"doc_type\" value=\"{}\" placeholder=\"Kế hoạch\"></label>\
         <label>Hạn trong quý <input id=\"due\" name=\"due\" value=\"{}\" size=\"7\" placeholder=\"2021Q1\"></label>\
         <label>Hạn trước ngày <input id=\"due_before\" name=\"due_before\" value=\"{}\" size=\"10\" placeholder=\"2021-03-31\"></label>\
         </div></form>",
        escape(&r.query),
        value(&r.cites),
        value(&r.agency),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        value(&r.doc_type),
        value(&r.due),
        value(&r.due_before),
    )
}

/// Where a hit is: section, table row ("hàng") for tasks read from a table, text line ("dòng").
fn location_label(hit: &Hit) -> String {
    let l = &hit.location;
    let mut parts = Vec::new();
    if let Some(s) = &l.section {
        parts.push(format!("§ {s}"));
    }
    if let (Some(t), Some(r)) = (l.table, l.row) {
        parts.push(format!("bảng {}, hàng {}", t + 1, r + 1));
    }
    if let Some(id) = &hit.citation_id {
        parts.push(id.clone());
    }
    parts.push(format!("dòng {}", l.line));
    parts.join(" · ")
}

fn doc_url(path: &str, query: &str, span: Option<[usize; 2]>) -> String {
    let mut url = format!("/doc/{}?q={}", encode(path), encode(query));
    if let Some([a, b]) = span {
        let _ = write!(url, "&start={a}&end={b}#hit");
    }
    url
}

fn document_page(
    archive: &Archive,
    path: &str,
    params: &[(String, String)],
) -> Result<Page, ArchiveError> {
    let Some(doc) = archive.document(path)? else {
        return Ok(Page::error(404, "Không tìm thấy văn bản."));
    };
    let query = param(params, "q").unwrap_or("");
    let span = match (param(params, "start"), param(params, "end")) {
        (Some(a), Some(b)) => a.parse().ok().zip(b.parse().ok()).map(|(a, b)| [a, b]),
        _ => None,
    };
    let m = &doc.metadata;
    let title = m.title.clone().unwrap_or_else(|| doc.source.path.clone());
    let mut body = format!(
        "<p><a href=\"/?q={}\" id=\"back\">← kết quả</a></p>",
        encode(query)
    );
    let _ = write!(
        body,
        "<h1 id=\"doc-title\">{}</h1><table class=\"meta\">",
        escape(&title)
    );
    let signer = m.signer.as_ref().and_then(|s| s.name.clone());
    for (label, value) in [
        ("Loại", m.doc_type.map(|t| t.name.to_string())),
        ("Số", m.number.clone()),
        ("Cơ quan", m.agency.clone()),
        ("Cơ quan cấp trên", m.parent_agency.clone()),
        ("Ngày", m.date.clone()),
        ("Nơi ban hành", m.place.clone()),
        ("Người ký", signer),
        ("Tệp gốc", Some(doc.source.path.clone())),
        (
            "Chất lượng",
            Some(format!(
                "{} · dấu {} · tin cậy {:.2}",
                doc.quality.text_layer, doc.quality.diacritics, doc.quality.confidence
            )),
        ),
    ] {
        if let Some(v) = value {
            let _ = write!(body, "<tr><th>{label}</th><td>{}</td></tr>", escape(&v));
        }
    }
    body.push_str("</table>");
    let _ = write!(
        body,
        "<p><a id=\"download\" href=\"/file/{}\" download>Tải tệp gốc</a></p>",
        encode(&doc.source.path)
    );
    if let Some(pages) = doc.source.pages.filter(|_| has_page_images(&doc)) {
        body.push_str("<p id=\"pages\">Trang: ");
        for n in 1..=pages.min(200) {
            let _ = write!(
                body,
                "<a class=\"page-link\" href=\"/page/{}?n={n}\">{n}</a> ",
                encode(&doc.source.path)
            );
        }
        body.push_str("</p>");
    }
    body.push_str(&tasks_table(&doc));
    body.push_str(&figures_table(&doc));
    body.push_str(&citations_list(archive, &doc)?);
    let _ = write!(
        body,
        "<h2>Nội dung</h2><div id=\"text\" class=\"text\">{}</div>",
        marked_text(&doc.text, &archive.matcher(query)?, span)
    );
    Ok(Page::html(200, &title, &body))
}

/// The document text, escaped, with query words in `<mark>` and the hit span in `#hit`.
/// Words are matched over the whole text (so a word present as such is never also marked
/// as a fuzzy match elsewhere) and marks are cut at the hit's edges to keep the HTML nested.
fn marked_text(text: &str, matcher: &Matcher, span: Option<[usize; 2]>) -> String {
    let total = text.chars().count();
    let hit = span.filter(|s| s[0] < s[1] && s[1] <= total).map(|[a, b]| {
        let byte = |cp: usize| text.char_indices().nth(cp).map_or(text.len(), |(i, _)| i);
        (byte(a), byte(b))
    });
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(hit.iter().flat_map(|&(a, b)| [a, b]));
    let marks = matcher.find(text);
    cuts.extend(marks.iter().flat_map(|&(a, b)| [a, b]));
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::new();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if hit.is_some_and(|(h, _)| h == a) {
            out.push_str("<span id=\"hit\" class=\"hit\">");
        }
        let piece = escape(&text[a..b]);
        if marks.iter().any(|&(m, n)| m <= a && b <= n) {
            let _ = write!(out, "<mark>{piece}</mark>");
        } else {
            out.push_str(&piece);
        }
        if hit.is_some_and(|(_, h)| h == b) {
            out.push_str("</span>");
        }
    }
    out
}

fn tasks_table(doc: &Document) -> String {
    let mut out = format!("<h2>Nhiệm vụ ({})</h2>", doc.tasks.len());
    if doc.tasks.is_empty() {
        out.push_str("<p class=\"empty\">Không có nhiệm vụ nào được trích xuất.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"tasks\" class=\"tasks\"><thead><tr><th>Số</th><th>Nội dung</th><th>Chủ trì</th>\
         <th>Phối hợp</th><th>Thời hạn</th><th>Sản phẩm</th><th>Vị trí</th></tr></thead><tbody>",
    );
    for t in &doc.tasks {
        let mut place = match (t.table, t.row) {
            (Some(table), Some(row)) => format!("bảng {}, hàng {}", table + 1, row + 1),
            _ => String::new(),
        };
        place.push_str(&page_link(doc, t.page, &t.content, t.bounds));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{place}</td></tr>",
            escape(t.number.as_deref().unwrap_or("")),
            escape(&t.content),
            escape(&t.lead.join("; ")),
            escape(&t.partners.join("; ")),
            escape(t.deadline.as_ref().map_or("", |d| d.text.as_str())),
            escape(t.outputs.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The figures, each with the page and place it was read.
fn figures_table(doc: &Document) -> String {
    let mut out = format!("<h2>Số liệu ({})</h2>", doc.figures.len());
    if doc.figures.is_empty() {
        out.push_str("<p class=\"empty\">Không có số liệu nào được trích xuất.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"figures\" class=\"tasks\"><thead><tr><th>Số liệu</th><th>Đối tượng</th>\
         <th>Vị trí</th></tr></thead><tbody>",
    );
    for f in &doc.figures {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.text),
            escape(f.subject.as_deref().unwrap_or("")),
            page_link(doc, f.page, &f.text, f.bounds)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A link to the page image where `value` was read, boxed when its place is known;
/// empty without page images.
fn page_link(doc: &Document, page: Option<u32>, value: &str, bounds: Option<Bounds>) -> String {
    let Some(n) = page.filter(|_| has_page_images(doc)) else {
        return String::new();
    };
    let place = bounds.map_or_else(String::new, |b| {
        format!("&amp;box={},{},{},{}", b.left, b.top, b.right, b.bottom)
    });
    format!(
        " <a class=\"page-link\" href=\"/page/{}?n={n}&amp;value={}{place}\">trang {n}</a>",
        encode(&doc.source.path),
        encode(value)
    )
}

fn citations_list(archive: &Archive, doc: &Document) -> Result<String, ArchiveError> {
    let mut out = format!("<h2>Văn bản được trích dẫn ({})</h2>", doc.citations.len());
    if doc.citations.is_empty() {
        out.push_str("<p class=\"empty\">Không có trích dẫn nào được trích xuất.</p>");
        return Ok(out);
    }
    out.push_str("<ul id=\"citations\" class=\"citations\">");
    for c in &doc.citations {
        let citing = SearchRequest {
            kind: Some("document".into()),
            cites: Some(c.id.clone()),
            limit: 1,
            ..SearchRequest::default()
        };
        let count = archive.search(&citing)?.total;
        let _ = write!(
            out,
            "<li><span class=\"cid\">{}</span> {} · {}{} — <a class=\"citing\" href=\"/decree/{}\">{count} văn bản trích dẫn</a></li>",
            escape(&c.id),
            escape(c.doc_type.name),
            escape(c.relation.as_str()),
            c.date.as_deref().map(|d| format!(" · {}", escape(d))).unwrap_or_default(),
            encode(&c.id),
        );
    }
    out.push_str("</ul>");
    Ok(out)
}

/// Whether the document's pages can be shown as images (a PDF, or a scan read as one).
fn has_page_images(doc: &Document) -> bool {
    matches!(
        doc.source.format,
        Format::Pdf | Format::Png | Format::Jpeg | Format::Tiff
    ) && doc.source.pages.is_some()
}

/// Every document citing `id`, with the line that cites it.
fn decree_page(archive: &Archive, id: &str) -> Result<Page, ArchiveError> {
    let request = SearchRequest {
        kind: Some("citation".into()),
        cites: Some(id.to_string()),
        limit: 500,
        ..SearchRequest::default()
    };
    let results = archive.search(&request)?;
    let mut body = format!(
        "<h1 id=\"decree-title\">{}</h1><p class=\"summary\" id=\"summary\">{} văn bản trích dẫn{}.</p>\
         <ul id=\"citing\" class=\"citing-list\">",
        escape(id),
        results.hits.len(),
        if results.more { " (500 đầu tiên)" } else { "" }
    );
    for hit in &results.hits {
        let d = &hit.document;
        let meta = [
            d.doc_type.as_deref(),
            d.number.as_deref(),
            d.agency.as_deref(),
            d.date.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let _ = write!(
            body,
            "<li class=\"citing-doc\"><a class=\"doc-link\" href=\"{}\">{}</a> <span class=\"meta\">{}</span>\
             <br><span class=\"snippet\">{}</span> <span class=\"loc\">dòng {}</span></li>",
            escape(&doc_url(&d.path, "", Some(hit.location.span))),
            escape(d.title.as_deref().unwrap_or(&d.path)),
            escape(&meta),
            escape(&hit.snippet.text),
            hit.location.line
        );
    }
    body.push_str("</ul>");
    Ok(Page::html(200, id, &body))
}

/// Dashboard charts of the whole archive.
fn overview_page(archive: &Archive) -> Result<Page, ArchiveError> {
    let o = archive.overview(15)?;
    let mut body = format!(
        "<h1>Tổng quan lưu trữ</h1><p class=\"summary\">{} văn bản.</p>",
        o.documents
    );
    // Tasks by quarter, stacked by issuing agency (the 5 with most tasks, then the rest).
    let mut quarters: Vec<String> = o.tasks_by_quarter.iter().map(|t| t.0.clone()).collect();
    quarters.dedup();
    let mut by_agency: Vec<(String, usize)> = Vec::new();
    for (_, agency, n) in &o.tasks_by_quarter {
        match by_agency.iter_mut().find(|(a, _)| a == agency) {
            Some(e) => e.1 += n,
            None => by_agency.push((agency.clone(), *n)),
        }
    }
    by_agency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let named: Vec<&str> = by_agency.iter().take(5).map(|a| a.0.as_str()).collect();
    let mut series: Vec<(String, Vec<usize>)> = named
        .iter()
        .map(|a| {
            let label = if a.is_empty() { "(không rõ)" } else { a };
            (label.to_string(), vec![0; quarters.len()])
        })
        .collect();
    let other = series.len();
    if by_agency.len() > named.len() {
        series.push(("các cơ quan khác".into(), vec![0; quarters.len()]));
    }
    for (quarter, agency, n) in &o.tasks_by_quarter {
        let q = quarters.iter().position(|x| x == quarter).unwrap_or(0);
        let s = named.iter().position(|a| a == agency).unwrap_or(other);
        series[s].1[q] += n;
    }
    body.push_str(
        "<section class=\"chart-box\"><h2>Nhiệm vụ theo quý hạn và cơ quan ban hành</h2>",
    );
    if quarters.is_empty() {
        body.push_str("<p class=\"empty\">Chưa có nhiệm vụ nào có thời hạn.</p>");
    } else {
        body.push_str(&charts::stacked_bars("chart-tasks", &quarters, &series));
    }
    body.push_str(
        "</section><section class=\"chart-box\"><h2>Văn bản được trích dẫn nhiều nhất</h2>",
    );
    let cited: Vec<(String, usize, String)> = o
        .most_cited
        .iter()
        .map(|(id, n)| (id.clone(), *n, format!("/decree/{}", encode(id))))
        .collect();
    if cited.is_empty() {
        body.push_str("<p class=\"empty\">Chưa có trích dẫn.</p>");
    } else {
        body.push_str(&charts::horizontal_bars("chart-cited", &cited));
    }
    body.push_str(
        "</section><section class=\"chart-box\"><h2>Tỷ lệ phần trăm được báo cáo theo năm (trung bình)</h2>",
    );
    let figures: Vec<(String, f64, String)> = o
        .figures_by_year
        .iter()
        .map(|(y, n, mean)| (y.to_string(), *mean, format!("{n} số liệu")))
        .collect();
    if figures.is_empty() {
        body.push_str("<p class=\"empty\">Chưa có số liệu phần trăm.</p>");
    } else {
        body.push_str(&charts::columns("chart-figures", &figures));
    }
    body.push_str("</section>");
    Ok(Page::html(200, "Tổng quan", &body))
}

/// The original file of an indexed document (only paths the index holds are served).
fn file(archive: &Archive, path: &str) -> Result<Page, ArchiveError> {
    let Some(doc) = archive.document(path)? else {
        return Ok(Page::error(404, "Không tìm thấy văn bản."));
    };
    match std::fs::read(&doc.source.path) {
        Ok(bytes) => Ok(Page::bytes(content_type(doc.source.format), bytes)),
        Err(_) => Ok(Page::error(
            404,
            "Tệp gốc không còn ở đường dẫn đã trích xuất.",
        )),
    }
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Pdf => "application/pdf",
        Format::Png => "image/png",
        Format::Jpeg => "image/jpeg",
        Format::Tiff => "image/tiff",
        Format::Html => "text/html; charset=utf-8",
        Format::Text | Format::Markdown => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn page_number(params: &[(String, String)]) -> Result<u32, ArchiveError> {
    param(params, "n")
        .and_then(|n| n.parse().ok())
        .filter(|&n| n >= 1)
        .ok_or_else(|| ArchiveError::Invalid("n phải là số trang (từ 1)".into()))
}

/// Page N of a PDF with what was read on it. The archive keeps the page of each value but
/// no position on the page, so the page is shown whole, without a box.
fn page_view(
    archive: &Archive,
    path: &str,
    params: &[(String, String)],
) -> Result<Page, ArchiveError> {
    let n = page_number(params)?;
    let Some(doc) = archive.document(path)? else {
        return Ok(Page::error(404, "Không tìm thấy văn bản."));
    };
    if !has_page_images(&doc) || doc.source.pages.is_some_and(|p| n > p) {
        return Ok(Page::error(404, "Văn bản không có trang này."));
    }
    let mut body = format!(
        "<p><a href=\"{}\">← văn bản</a></p><h1>{} — trang {n}</h1>",
        escape(&doc_url(path, "", None)),
        escape(doc.metadata.title.as_deref().unwrap_or(path))
    );
    if let Some(value) = param(params, "value") {
        let _ = write!(
            body,
            "<p id=\"value\">Giá trị đọc ở trang này: «{}»</p>",
            escape(value)
        );
    }
    let value_box = param(params, "box").and_then(parse_bounds);
    if value_box.is_none() {
        body.push_str(
            "<p class=\"note\" id=\"no-box\">Không có toạ độ của giá trị trên trang, nên không \
             vẽ được khung quanh nó; trang được hiển thị toàn bộ.</p>",
        );
    }
    // A PDF page is rendered; an image file is its own page.
    let src = if doc.source.format == Format::Pdf {
        format!("/page.png/{}?n={n}", encode(path))
    } else {
        format!("/file/{}", encode(path))
    };
    let _ = write!(
        body,
        "<div id=\"page-frame\"><img id=\"page-image\" src=\"{}\" alt=\"Trang {n}\">",
        escape(&src)
    );
    if let Some(b) = value_box {
        let _ = write!(
            body,
            "<div id=\"value-box\" title=\"Nơi đọc giá trị\" style=\"left:{:.2}%;top:{:.2}%;width:{:.2}%;height:{:.2}%\"></div>",
            b.left * 100.0,
            b.top * 100.0,
            (b.right - b.left) * 100.0,
            (b.bottom - b.top) * 100.0
        );
    }
    body.push_str("</div>");
    Ok(Page::html(200, &format!("Trang {n}"), &body))
}

/// `left,top,right,bottom` in shares of the page, as a task's or figure's `bounds` link
/// writes it; `None` unless it is a rectangle on the page.
fn parse_bounds(text: &str) -> Option<Bounds> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    let &[left, top, right, bottom] = v.as_slice() else {
        return None;
    };
    let on_page = v.iter().all(|x| (0.0..=1.0).contains(x));
    (on_page && left < right && top < bottom).then_some(Bounds {
        left,
        top,
        right,
        bottom,
    })
}

/// Page N of a PDF as PNG, rendered on demand by `pdftoppm` (poppler).
fn page_image(
    archive: &Archive,
    path: &str,
    params: &[(String, String)],
) -> Result<Page, ArchiveError> {
    let n = page_number(params)?.to_string();
    let Some(doc) = archive.document(path)? else {
        return Ok(Page::error(404, "Không tìm thấy văn bản."));
    };
    if doc.source.format != Format::Pdf {
        return Ok(Page::error(404, "Chỉ hiển thị được trang của tệp PDF."));
    }
    let output = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", &n, "-l", &n, "-singlefile"])
        .arg(&doc.source.path)
        .output();
    match output {
        Ok(o) if o.status.success() && !o.stdout.is_empty() => {
            Ok(Page::bytes("image/png", o.stdout))
        }
        Ok(_) => Ok(Page::error(
            404,
            "Không vẽ được trang này (tệp gốc không đọc được).",
        )),
        Err(e) => Ok(Page::error(500, &format!("Không chạy được pdftoppm: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_box_is_a_rectangle_on_the_page() {
        let b = parse_bounds("0.1382,0.2701,0.8441,0.5335").unwrap();
        assert_eq!((b.left, b.bottom), (0.1382, 0.5335));
        for bad in [
            "",
            "0.1,0.2,0.3",
            "0.5,0.2,0.4,0.6",
            "0.1,0.2,1.3,0.6",
            "a,b,c,d",
            "0.1,0.6,0.4,0.2",
        ] {
            assert!(parse_bounds(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn marks_query_words_and_the_hit() {
        let m = Matcher::new;
        let html = marked_text(
            "Cải cách <thủ tục> hành chính",
            &m("thu tuc"),
            Some([10, 17]),
        );
        assert_eq!(html, "Cải cách &lt;<span id=\"hit\" class=\"hit\"><mark>thủ</mark> <mark>tục</mark></span>&gt; hành chính");
        assert_eq!(marked_text("a", &m(""), Some([5, 9])), "a");
        assert_eq!(marked_text("ab", &m(""), Some([1, 1])), "ab");
        // Only what the query matched: "thúc" is not "truc".
        assert_eq!(
            marked_text("trực thúc", &m("truc"), None),
            "<mark>trực</mark> thúc"
        );
        assert_eq!(marked_text("thúc", &m("truc"), None), "thúc");
    }
}
