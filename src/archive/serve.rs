//! A small local web page over an archive index: server-rendered HTML, no script, no CDN.
//!
//! Routes ([`respond`] maps a URL to a [`Page`], so they are testable without a socket):
//!
//! * `/?q=…&type=…&cites=…&agency=…&year=…&doc_type=…` — the search form and results
//!   grouped by document;
//! * `/doc/SHA256?q=…&start=…&end=…` — a document: metadata, the repaired text with the
//!   query's words marked and the hit (`start..end`, code points) scrolled to, its tasks and
//!   its citations, each linking to every document in the archive that cites the same id;
//! * `/api/search?…` (same parameters, plus `limit`) and `/api/document/SHA256` — JSON.
//!
//! The network side (limits, timeouts, headers, `Host` and token checks) is [`super::http`].

use std::fmt::Write as _;

use super::html::{decode, encode, escape, query_pairs};
use super::index::Archive;
use super::search::{Hit, Matcher, SearchRequest, KINDS};
use super::ArchiveError;
use crate::model::Document;

const STYLE: &str = include_str!("assets/style.css");

/// Results shown on the search page.
const PAGE_HITS: usize = 50;

/// A response before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Page {
    fn html(status: u16, title: &str, body: &str) -> Self {
        let body = format!(
            "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} — vanban</title><style>{STYLE}</style></head><body>\
             <header><a href=\"/\" class=\"home\">vanban</a> lưu trữ văn bản</header><main>{body}</main></body></html>\n",
            escape(title)
        );
        Self {
            status,
            content_type: "text/html; charset=utf-8",
            body,
        }
    }

    fn json(value: &impl serde::Serialize) -> Self {
        let body = serde_json::to_string(value).expect("results serialize");
        Self {
            status: 200,
            content_type: "application/json; charset=utf-8",
            body,
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
                    ArchiveError::Invalid(format!("{key} must be a number, not {v:?}"))
                })
            })
            .transpose()
    };
    Ok(SearchRequest {
        query: owned("q").unwrap_or_default(),
        kind: owned("type"),
        cites: owned("cites"),
        agency: owned("agency"),
        year: number("year")?,
        doc_type: owned("doc_type"),
        limit: number("limit")?.map_or(PAGE_HITS, |l: i64| l.clamp(1, 500) as usize),
        offset: 0,
    })
}

fn search_page(archive: &Archive, params: &[(String, String)]) -> Result<Page, ArchiveError> {
    let request = request_from(params)?;
    let mut body = search_form(&request);
    let filtered = [
        &request.kind,
        &request.cites,
        &request.agency,
        &request.doc_type,
    ]
    .iter()
    .any(|v| v.is_some())
        || request.year.is_some();
    if request.query.is_empty() && !filtered {
        let count = archive.document_count()?;
        let _ = write!(
            body,
            "<p class=\"summary\">{count} văn bản trong lưu trữ.</p>"
        );
        return Ok(Page::html(200, "Tìm kiếm", &body));
    }
    let results = archive.search(&request)?;
    let _ = write!(
        body,
        "<p class=\"summary\" id=\"summary\">{} kết quả{}.</p>",
        results.total,
        if results.relaxed {
            " (gần đúng: thiếu một từ)"
        } else {
            ""
        }
    );
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
    body.push_str("<div id=\"results\">");
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
            let _ = write!(
                body,
                "<li class=\"hit\"><span class=\"kind\">{}</span> <a class=\"loc\" href=\"{}\">{}</a> \
                 <span class=\"snippet\">{}</span></li>",
                hit.kind,
                escape(&doc_url(&d.path, &request.query, Some(hit.location.span))),
                escape(&location_label(hit)),
                hit.snippet.marked("<mark>", "</mark>", escape),
            );
        }
        body.push_str("</ul></section>");
    }
    body.push_str("</div>");
    Ok(Page::html(200, &request.query, &body))
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
        let _ = write!(kinds, "<option value=\"{kind}\"{selected}>{kind}</option>");
    }
    format!(
        "<form id=\"search\" action=\"/\" method=\"get\" role=\"search\">\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"thu tuc hanh chinh truc tuyen\" autofocus>\
         <button id=\"go\" type=\"submit\">Tìm</button>\
         <div class=\"filters\">\
         <label>Loại <select id=\"type\" name=\"type\">{kinds}</select></label>\
         <label>Trích dẫn <input id=\"cites\" name=\"cites\" value=\"{}\" placeholder=\"61/2018/NĐ-CP\"></label>\
         <label>Cơ quan <input id=\"agency\" name=\"agency\" value=\"{}\"></label>\
         <label>Năm <input id=\"year\" name=\"year\" value=\"{}\" size=\"5\" inputmode=\"numeric\"></label>\
         <label>Loại văn bản <input id=\"doc_type\" name=\"doc_type\" value=\"{}\" placeholder=\"Kế hoạch\"></label>\
         </div></form>",
        escape(&r.query),
        value(&r.cites),
        value(&r.agency),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        value(&r.doc_type),
    )
}

fn location_label(hit: &Hit) -> String {
    let l = &hit.location;
    let mut parts = Vec::new();
    if let Some(s) = &l.section {
        parts.push(format!("§ {s}"));
    }
    if let (Some(t), Some(r)) = (l.table, l.row) {
        parts.push(format!("bảng {} dòng {}", t + 1, r + 1));
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
        ("Loại", m.doc_type.clone()),
        ("Số", m.number.clone()),
        ("Cơ quan", m.agency.clone()),
        ("Cơ quan cấp trên", m.parent_agency.clone()),
        ("Ngày", m.date.clone()),
        ("Nơi ban hành", m.place.clone()),
        ("Người ký", signer),
        ("Tệp", Some(doc.source.path.clone())),
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
    body.push_str(&tasks_table(&doc));
    body.push_str(&citations_list(archive, &doc)?);
    let _ = write!(
        body,
        "<h2>Nội dung</h2><div id=\"text\" class=\"text\">{}</div>",
        marked_text(&doc.text, query, span)
    );
    Ok(Page::html(200, &title, &body))
}

/// The document text, escaped, with query words in `<mark>` and the hit span in `#hit`.
/// Words are matched over the whole text (so a word present as such is never also marked
/// as a fuzzy match elsewhere) and marks are cut at the hit's edges to keep the HTML nested.
fn marked_text(text: &str, query: &str, span: Option<[usize; 2]>) -> String {
    let total = text.chars().count();
    let hit = span.filter(|s| s[0] < s[1] && s[1] <= total).map(|[a, b]| {
        let byte = |cp: usize| text.char_indices().nth(cp).map_or(text.len(), |(i, _)| i);
        (byte(a), byte(b))
    });
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(hit.iter().flat_map(|&(a, b)| [a, b]));
    let marks = Matcher::new(query).find(text);
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
         <th>Phối hợp</th><th>Thời hạn</th><th>Sản phẩm</th></tr></thead><tbody>",
    );
    for t in &doc.tasks {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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
            "<li><span class=\"cid\">{}</span> {} · {}{} — <a class=\"citing\" href=\"/?type=document&amp;cites={}\">{count} văn bản trích dẫn</a></li>",
            escape(&c.id),
            escape(&c.doc_type),
            escape(c.relation.as_str()),
            c.date.as_deref().map(|d| format!(" · {}", escape(d))).unwrap_or_default(),
            encode(&c.id),
        );
    }
    out.push_str("</ul>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_query_words_and_the_hit() {
        let html = marked_text("Cải cách <thủ tục> hành chính", "thu tuc", Some([10, 17]));
        assert_eq!(html, "Cải cách &lt;<span id=\"hit\" class=\"hit\"><mark>thủ</mark> <mark>tục</mark></span>&gt; hành chính");
        assert_eq!(marked_text("a", "", Some([5, 9])), "a");
        assert_eq!(marked_text("ab", "", Some([1, 1])), "ab");
        // "truc" is in the text, so "thuc" is not marked as a fuzzy match of it.
        assert_eq!(
            marked_text("trực thúc", "truc", None),
            "<mark>trực</mark> thúc"
        );
        assert_eq!(marked_text("thúc", "truc", None), "<mark>thúc</mark>");
    }
}
