//! Queries over an [`Archive`]: Vietnamese-aware, diacritic-insensitive, OCR-tolerant.
//!
//! A query is split into words by the index analyzers. Each word must match (AND) in one
//! of three ways, scored in this order so exact matches rank first:
//!
//! 1. the exact word, marks included (`thủ`), boost [`EXACT_BOOST`] — only for words typed
//!    with marks, so that a query without marks does not favour text that lost them;
//! 2. the folded word (`thu` matches `thủ`, `thu`, `thú`…), boost [`FOLDED_BOOST`];
//! 3. a folded word within [`fuzzy_distance`] edits starting with the same letter (`thi`
//!    matches `thu`, `chinh` matches `chinb`: OCR damage), constant score [`FUZZY_BOOST`].
//!
//! The whole query as a phrase adds to the score. Fuzzy expansions are limited to
//! [`MAX_EXPANSIONS`] words and a budget of postings, rarest first, so common words one edit
//! away (usually other words) do not make every query slow. When no entry has every word,
//! the query is run again requiring all words but one, so a badly damaged word does not
//! hide a result.
//! Filters (`kind`, `cites`, `agency`, `year`, `doc_type`) restrict without scoring.

use std::ops::Bound;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};
use unicode_normalization::UnicodeNormalization;

use super::analyzer;
use super::index::{Archive, Location};
use super::ArchiveError;

pub const EXACT_BOOST: f32 = 4.0;
pub const FOLDED_BOOST: f32 = 2.0;
pub const FUZZY_BOOST: f32 = 0.5;
const PHRASE_BOOST: f32 = 2.0;

/// Most indexed words a damaged query word may stand for.
pub const MAX_EXPANSIONS: usize = 50;

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// The kinds of index entries, as accepted by `--type`.
pub const KINDS: [&str; 5] = ["document", "section", "task", "citation", "figure"];

/// What to search for. Empty `query` with filters lists everything the filters allow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub query: String,
    /// One of [`KINDS`]; `None` searches passages, tasks, citations and figures (not whole
    /// documents, which would repeat every passage hit).
    pub kind: Option<String>,
    /// A citation id such as `61/2018/NĐ-CP` (marks and case optional): only entries of
    /// documents citing it.
    pub cites: Option<String>,
    /// Words of an agency name: documents issued by it or tasks assigned to it.
    pub agency: Option<String>,
    pub year: Option<i64>,
    /// `Kế hoạch`, `Quyết định`, … (marks and case optional).
    pub doc_type: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

impl SearchRequest {
    pub fn new(query: &str) -> Self {
        Self {
            query: query.to_string(),
            limit: 20,
            ..Self::default()
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Entries matching, beyond the page returned.
    pub total: usize,
    /// True when no entry had every word and the results match all words but one.
    pub relaxed: bool,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: String,
    pub score: f32,
    pub document: DocumentRef,
    pub location: Location,
    /// For `citation` hits: the normalized id cited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_id: Option<String>,
    pub snippet: Snippet,
}

/// Enough about a Document to show and open it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub sha256: String,
    pub path: String,
    pub title: Option<String>,
    pub number: Option<String>,
    pub agency: Option<String>,
    pub doc_type: Option<String>,
    pub date: Option<String>,
}

/// A piece of the hit's text with the matched words marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snippet {
    pub text: String,
    /// `[start, end)` in code points of `text`.
    pub highlights: Vec<[usize; 2]>,
}

impl Snippet {
    /// The snippet with every highlight wrapped in `open` … `close`; `escape` maps plain text.
    pub fn marked(&self, open: &str, close: &str, escape: impl Fn(&str) -> String) -> String {
        let chars: Vec<(usize, char)> = self.text.char_indices().collect();
        let byte = |cp: usize| chars.get(cp).map_or(self.text.len(), |&(b, _)| b);
        let mut out = String::new();
        let mut at = 0;
        for &[a, b] in &self.highlights {
            out.push_str(&escape(&self.text[byte(at)..byte(a)]));
            out.push_str(open);
            out.push_str(&escape(&self.text[byte(a)..byte(b)]));
            out.push_str(close);
            at = b;
        }
        out.push_str(&escape(&self.text[byte(at)..]));
        out
    }
}

/// Edits allowed between a folded query word and an indexed word: none for short words and
/// numbers (where one edit is another word or another year), one up to six letters, two above.
pub fn fuzzy_distance(folded_word: &str) -> u8 {
    let len = folded_word.chars().count();
    if len < 3 || folded_word.chars().all(|c| c.is_ascii_digit()) {
        0
    } else if len <= 6 {
        1
    } else {
        2
    }
}

/// The normalized form of a filter value: NFC, folded, lower case, trimmed.
pub fn filter_key(value: &str) -> String {
    crate::text::fold(&value.trim().nfc().collect::<String>())
}

/// Finds the words of a text that a query matches (folded equality or fuzzy), for
/// highlighting exactly what the index matched.
pub struct Matcher {
    words: Vec<String>,
}

impl Matcher {
    pub fn new(query: &str) -> Self {
        Self {
            words: analyzer::terms(query, true),
        }
    }

    /// Byte ranges of the matched words of `text`. A query word found as such (marks
    /// aside) is not also matched fuzzily: "truc" marks "trực", not "thúc" next to it.
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        if self.words.is_empty() {
            return Vec::new();
        }
        // Every match, exact or fuzzy, shares the query word's first letter: skip the rest
        // without normalizing them (a whole document is tens of thousands of words).
        let firsts: Vec<char> = self.words.iter().filter_map(|w| w.chars().next()).collect();
        let first_folded = |word: &str| {
            word.chars()
                .next()
                .map(|c| crate::text::fold_char(c).to_lowercase().next().unwrap_or(c))
        };
        let words: Vec<(usize, usize, String)> = analyzer::words(text)
            .filter(|&(a, b)| first_folded(&text[a..b]).is_some_and(|c| firsts.contains(&c)))
            .map(|(a, b)| (a, b, analyzer::normalize(&text[a..b], true)))
            .collect();
        let fuzzy: Vec<(&str, usize)> = self
            .words
            .iter()
            .filter(|q| !words.iter().any(|(_, _, w)| w == *q))
            .map(|q| (q.as_str(), fuzzy_distance(q) as usize))
            .filter(|&(_, d)| d > 0)
            .collect();
        let near = |q: &str, w: &str, d: usize| {
            q.chars().next() == w.chars().next() && strsim::osa_distance(q, w) <= d
        };
        words
            .into_iter()
            .filter(|(_, _, w)| self.words.contains(w) || fuzzy.iter().any(|&(q, d)| near(q, w, d)))
            .map(|(a, b, _)| (a, b))
            .collect()
    }

    /// At most [`SNIPPET_CHARS`] of `text` around its densest cluster of matches.
    pub fn snippet(&self, text: &str) -> Snippet {
        let found = self.find(text);
        let total = text.chars().count();
        let cp = crate::text::CharIndex::new(text);
        let found: Vec<(usize, usize)> = found
            .iter()
            .map(|&(a, b)| (cp.char_at(a), cp.char_at(b)))
            .collect();
        let (mut start, mut end) = (0, total);
        if total > SNIPPET_CHARS {
            // Start a little before the match that begins the window holding the most matches.
            let best = (0..found.len())
                .max_by_key(|&i| {
                    let count = found[i..]
                        .iter()
                        .take_while(|m| m.1 <= found[i].0 + SNIPPET_CHARS - 20)
                        .count();
                    (count, std::cmp::Reverse(i))
                })
                .map_or(0, |i| found[i].0.saturating_sub(20));
            start = best.min(total - SNIPPET_CHARS);
            end = start + SNIPPET_CHARS;
        }
        let chars: Vec<char> = text.chars().collect();
        // Widen to word boundaries, then drop leading and trailing blanks.
        while start > 0 && chars[start - 1].is_alphanumeric() {
            start -= 1;
        }
        while end < total && chars[end].is_alphanumeric() {
            end += 1;
        }
        while start < end && chars[start].is_whitespace() {
            start += 1;
        }
        while end > start && chars[end - 1].is_whitespace() {
            end -= 1;
        }
        let prefix = if start > 0 { "…" } else { "" };
        let suffix = if end < total { "…" } else { "" };
        let shift = start - prefix.chars().count();
        let body: String = chars[start..end].iter().collect();
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        let highlights = if body.chars().count() == end - start {
            found
                .iter()
                .filter(|m| m.0 >= start && m.1 <= end)
                .map(|m| [m.0 - shift, m.1 - shift])
                .collect()
        } else {
            // Whitespace was squashed: find the matches again in the shown text.
            let cp = crate::text::CharIndex::new(&body);
            self.find(&body)
                .into_iter()
                .map(|(a, b)| {
                    [
                        cp.char_at(a) + prefix.chars().count(),
                        cp.char_at(b) + prefix.chars().count(),
                    ]
                })
                .collect()
        };
        Snippet {
            text: format!("{prefix}{body}{suffix}"),
            highlights,
        }
    }
}

impl Archive {
    /// Runs a search. Never fails on odd query text: words are what the analyzers find.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, ArchiveError> {
        if let Some(kind) = &request.kind {
            if !KINDS.contains(&kind.as_str()) {
                return Err(ArchiveError::Invalid(format!(
                    "unknown type {kind:?}: use one of {}",
                    KINDS.join(", ")
                )));
            }
        }
        let limit = request.limit.max(1);
        let searcher = self.searcher();
        let run = |query: &dyn Query| {
            searcher.search(
                query,
                &(TopDocs::with_limit(limit).and_offset(request.offset), Count),
            )
        };
        let (_, text_folded) = self.text_fields(request);
        let expansions = analyzer::terms(&request.query, true)
            .iter()
            .map(|w| fuzzy_expansions(&searcher, text_folded, w))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut top, mut total) = run(&self.build_query(request, &expansions, false))?;
        let mut relaxed = false;
        if total == 0 && analyzer::terms(&request.query, true).len() >= 2 {
            // No entry has every word: take those missing one (a damaged word whose near
            // forms were too common to expand).
            (top, total) = run(&self.build_query(request, &expansions, true))?;
            relaxed = total > 0;
        }
        let matcher = Matcher::new(&request.query);
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let entry: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit(&entry, score, &matcher))
            })
            .collect::<Result<Vec<_>, ArchiveError>>()?;
        Ok(SearchResults {
            total,
            relaxed,
            hits,
        })
    }

    /// The Document stored for a source `path`, if indexed.
    pub fn document(&self, path: &str) -> Result<Option<crate::Document>, ArchiveError> {
        let f = self.fields;
        let query = BooleanQuery::intersection(vec![
            Box::new(TermQuery::new(
                Term::from_field_text(f.path, path),
                IndexRecordOption::Basic,
            )),
            Box::new(TermQuery::new(
                Term::from_field_text(f.kind, "document"),
                IndexRecordOption::Basic,
            )),
        ]);
        let searcher = self.searcher();
        let Some((_, address)) = searcher
            .search(&query, &TopDocs::with_limit(1))?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let entry: TantivyDocument = searcher.doc(address)?;
        let json = entry
            .get_first(f.json)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        serde_json::from_str(json).map(Some).map_err(|e| {
            ArchiveError::Invalid(format!("stored document {path} is not readable: {e}"))
        })
    }

    fn hit(&self, entry: &TantivyDocument, score: f32, matcher: &Matcher) -> Hit {
        let f = self.fields;
        let get = |field| {
            entry
                .get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let location = get(f.location)
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default();
        Hit {
            kind: get(f.kind).unwrap_or_default(),
            score,
            document: DocumentRef {
                sha256: get(f.sha256).unwrap_or_default(),
                path: get(f.path).unwrap_or_default(),
                title: get(f.title),
                number: get(f.number),
                agency: get(f.agency_label),
                doc_type: get(f.doc_type_label),
                date: get(f.date),
            },
            location,
            citation_id: get(f.citation_id),
            snippet: matcher.snippet(&get(f.text).or_else(|| get(f.doc_text)).unwrap_or_default()),
        }
    }

    /// The exact and folded text fields a request searches.
    fn text_fields(&self, request: &SearchRequest) -> (Field, Field) {
        match request.kind.as_deref() {
            Some("document") => (self.fields.doc_text, self.fields.doc_text_folded),
            _ => (self.fields.text, self.fields.text_folded),
        }
    }

    /// The text query (all words, or all but one when `relaxed`) and the filters;
    /// `expansions[i]` are the fuzzy forms of the i-th query word.
    fn build_query(
        &self,
        request: &SearchRequest,
        expansions: &[Vec<String>],
        relaxed: bool,
    ) -> BooleanQuery {
        let f = self.fields;
        let (text, text_folded) = self.text_fields(request);
        let exact = analyzer::terms(&request.query, false);
        let folded = analyzer::terms(&request.query, true);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();

        // Each word must match folded or fuzzily; that is the only clause walking postings in
        // full. Exact words and the phrase only score: tantivy seeks them to the documents the
        // required clauses already matched, which is cheap.
        let words: Vec<Box<dyn Query>> = folded
            .iter()
            .zip(expansions)
            .map(|(w, near)| {
                let folded_word = boosted(term(text_folded, w), FOLDED_BOOST);
                if near.is_empty() {
                    return folded_word;
                }
                let near = near.iter().map(|t| term(text_folded, t)).collect();
                let near = ConstScoreQuery::new(Box::new(BooleanQuery::union(near)), FUZZY_BOOST);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, folded_word),
                    (Occur::Should, Box::new(near)),
                ]))
            })
            .collect();
        match words.len() {
            0 => clauses.push((Occur::Must, Box::new(AllQuery))),
            n if relaxed => clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::union_with_minimum_required_clauses(
                    words,
                    n - 1,
                )),
            )),
            _ => clauses.extend(words.into_iter().map(|w| (Occur::Must, w))),
        }
        // A word typed with marks prefers text with the same marks; one typed without says
        // nothing about them, so it must not favour text that lost its marks.
        for (e, _) in exact.iter().zip(&folded).filter(|(e, w)| e != w) {
            clauses.push((Occur::Should, boosted(term(text, e), EXACT_BOOST)));
        }
        if folded.len() > 1 {
            // One phrase: with marks when the query has them.
            let (field, terms) = if exact != folded {
                (text, &exact)
            } else {
                (text_folded, &folded)
            };
            let phrase = PhraseQuery::new(
                terms
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect(),
            );
            clauses.push((Occur::Should, boosted(Box::new(phrase), PHRASE_BOOST)));
        }

        let mut filter = |query: Box<dyn Query>| {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0))))
        };
        match request.kind.as_deref() {
            Some(kind) => filter(term(f.kind, kind)),
            // Words only match the entries below whole documents; an empty query needs the rule.
            None if folded.is_empty() => {
                let others = KINDS[1..].iter().map(|k| term(f.kind, k)).collect();
                filter(Box::new(BooleanQuery::union(others)));
            }
            None => {}
        }
        if let Some(id) = &request.cites {
            filter(term(f.cites, &filter_key(id)));
        }
        if let Some(agency) = &request.agency {
            let words = analyzer::terms(agency, true);
            match words.len() {
                0 => {}
                1 => filter(term(f.agency, &words[0])),
                _ => filter(Box::new(PhraseQuery::new(
                    words
                        .iter()
                        .map(|w| Term::from_field_text(f.agency, w))
                        .collect(),
                ))),
            }
        }
        if let Some(year) = request.year {
            let at = Term::from_field_i64(f.year, year);
            filter(Box::new(RangeQuery::new(
                Bound::Included(at.clone()),
                Bound::Included(at),
            )));
        }
        if let Some(doc_type) = &request.doc_type {
            filter(term(f.doc_type, &filter_key(doc_type)));
        }
        BooleanQuery::new(clauses)
    }
}

/// Indexed words within [`fuzzy_distance`] edits of `word` that start with the same letter
/// (OCR damage rarely hits the first letter, and without this rule every short syllable
/// is one edit from dozens of others), at most [`MAX_EXPANSIONS`], nearest first.
fn fuzzy_expansions(
    searcher: &Searcher,
    field: Field,
    word: &str,
) -> Result<Vec<String>, ArchiveError> {
    let distance = fuzzy_distance(word) as usize;
    let Some(first) = word.chars().next().filter(|_| distance > 0) else {
        return Ok(Vec::new());
    };
    let low = first.to_string();
    let high = char::from_u32(first as u32 + 1)
        .map_or_else(|| "\u{10FFFF}".to_string(), |c| c.to_string());
    let len = word.chars().count();
    let mut found: Vec<(usize, String)> = Vec::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(low.as_bytes())
            .lt(high.as_bytes())
            .into_stream()
            .map_err(io_error)?;
        while stream.advance() {
            let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if candidate == word || candidate.chars().count().abs_diff(len) > distance {
                continue;
            }
            let d = strsim::osa_distance(word, candidate);
            if d <= distance && !found.iter().any(|(_, t)| t == candidate) {
                found.push((d, candidate.to_string()));
            }
        }
    }
    // Nearest first, then rarest first (damaged words are rare; common words one edit away
    // are usually other words), within a budget of postings so a query stays fast.
    let budget = (searcher.num_docs() / 50).max(2_000);
    let mut with_freq: Vec<(usize, u64, String)> = Vec::new();
    for (d, t) in found {
        let freq = searcher.doc_freq(&Term::from_field_text(field, &t))?;
        with_freq.push((d, freq, t));
    }
    with_freq.sort();
    let mut spent = 0;
    Ok(with_freq
        .into_iter()
        .take(MAX_EXPANSIONS)
        .take_while(|(_, freq, _)| {
            spent += freq;
            spent <= budget
        })
        .map(|(_, _, t)| t)
        .collect())
}

fn io_error(e: std::io::Error) -> ArchiveError {
    ArchiveError::Index(tantivy::TantivyError::from(e))
}

fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_snippet(query: &str, text: &str, expected: &str) {
        let snippet = Matcher::new(query).snippet(text);
        assert_eq!(
            snippet.marked("[", "]", str::to_string),
            expected,
            "query {query:?}"
        );
    }

    #[test]
    fn snippets_mark_folded_and_fuzzy_matches() {
        check_snippet(
            "thu tuc",
            "Cải cách thủ tục hành chính",
            "Cải cách [thủ] [tục] hành chính",
        );
        check_snippet(
            "thi tuc hanh chinh",
            "giải quyết thủ tục hành chínb",
            "giải quyết [thủ] [tục] [hành] [chínb]",
        );
        check_snippet("2019", "năm 2018 và 2019", "năm 2018 và [2019]");
        check_snippet("", "không có gì", "không có gì");
        check_snippet(
            "hanh  chinh",
            "thủ tục\n\nhành   chính",
            "thủ tục [hành] [chính]",
        );
    }

    #[test]
    fn long_text_snippets_center_on_matches() {
        let text = format!(
            "{} trực tuyến mức độ 4 {}",
            "mở đầu ".repeat(60),
            "kết thúc ".repeat(60)
        );
        let snippet = Matcher::new("truc tuyen").snippet(&text);
        assert!(
            snippet.text.starts_with('…') && snippet.text.ends_with('…'),
            "{}",
            snippet.text
        );
        assert!(snippet.text.chars().count() <= SNIPPET_CHARS + 2 + 10);
        assert_eq!(snippet.highlights.len(), 2);
        assert!(snippet
            .marked("[", "]", str::to_string)
            .contains("[trực] [tuyến]"));
    }

    #[test]
    fn fuzzy_distance_spares_short_words_and_numbers() {
        for (word, d) in [
            ("i", 0),
            ("cp", 0),
            ("thu", 1),
            ("2018", 0),
            ("chinh", 1),
            ("nghieng", 2),
        ] {
            assert_eq!(fuzzy_distance(word), d, "{word}");
        }
    }

    #[test]
    fn filter_keys_ignore_marks_case_and_form() {
        assert_eq!(filter_key(" 61/2018/NĐ-CP "), "61/2018/nd-cp");
        assert_eq!(filter_key("61/2018/ND-CP"), "61/2018/nd-cp");
        assert_eq!(filter_key("Quye\u{302}\u{301}t định"), "quyet dinh");
    }
}
