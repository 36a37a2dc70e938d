//! Queries over an [`Archive`]: Vietnamese-aware, diacritic-insensitive, OCR-tolerant.
//!
//! A query is split into words by the index analyzers. Each word must match (AND) in one
//! of three ways, scored in this order so exact matches rank first:
//!
//! 1. the exact word, marks included (`thủ`), boost [`EXACT_BOOST`] — only for words typed
//!    with marks, so that a query without marks does not favour text that lost them;
//! 2. the folded word (`thu` matches `thủ`, `thu`, `thú`…), boost [`FOLDED_BOOST`];
//! 3. a folded word within [`fuzzy_distance`] edits starting with the same letter (`thi`
//!    matches `thu`, `chinh` matches `chinb`: OCR damage), constant score [`FUZZY_BOOST`];
//!    for a query word that no Vietnamese syllable can be (`hanb`, `tbong`), also the far
//!    more frequent words it most likely was (`hanh`, `thong`), so it finds what the word
//!    typed right would; and for a real word typed wrong (`thi tuc` for `thủ tục`), a near
//!    form that reads far better between its neighbours in the repair language model.
//!
//! The whole query as a phrase adds to the score. Fuzzy expansions are limited to
//! [`MAX_EXPANSIONS`] words and a budget of postings, rarest first, so common words one edit
//! away (usually other words) do not make every query slow. When no entry has every word,
//! the query is run again requiring all words but one, so a badly damaged word does not
//! hide a result.
//! Filters (`kind`, `cites`, `agency`, `year`, `doc_type`) restrict without scoring.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery,
    RegexPhraseQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};
use unicode_normalization::UnicodeNormalization;

use super::analyzer;
use super::index::{date_number, Archive, Location};
use super::ArchiveError;

pub const EXACT_BOOST: f32 = 4.0;
pub const FOLDED_BOOST: f32 = 2.0;
pub const FUZZY_BOOST: f32 = 0.5;
const PHRASE_BOOST: f32 = 2.0;

/// Most indexed words a damaged query word may stand for.
pub const MAX_EXPANSIONS: usize = 50;

/// Most words a damaged query word may stand for inside the query phrase.
const PHRASE_FORMS: usize = 3;

/// A near form this many times more frequent than a query word is what the word was meant
/// to be (inside the query phrase)…
const DAMAGE_RATIO: u64 = 10;

/// … and so is any more frequent one when the word is in fewer entries than this (too few
/// to compare: a small archive, or a damaged form).
const RARE_WORD: u64 = 50;

/// Rivals of a query word weighed in context ([`widen_real_word_errors`]).
const RIVALS: usize = 5;

/// How much better (log10, summed over both neighbours) a rival must read between the
/// query word's neighbours to be what was meant: a hundred times.
const REAL_WORD_MARGIN: f32 = 2.0;

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// The kinds of index entries, as accepted by `--type`.
pub const KINDS: [&str; 5] = ["document", "section", "task", "citation", "figure"];

/// What to search for. Empty `query` with filters lists what they select: documents,
/// unless `kind` names another kind of entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub query: String,
    /// One of [`KINDS`]; `None` searches passages, tasks, citations and figures (not whole
    /// documents, which would repeat every passage hit), or lists documents when the query
    /// is empty.
    pub kind: Option<String>,
    /// A citation id (marks and case optional): `61/2018/NĐ-CP` selects citations of that
    /// document, and entries of documents citing it; `61/NĐ-CP` any year of that number.
    pub cites: Option<String>,
    /// An agency name, abbreviations allowed ("UBND tỉnh …"): documents issued by it or
    /// tasks assigned to it.
    pub agency: Option<String>,
    pub year: Option<i64>,
    /// `Kế hoạch`, `Quyết định`, … (marks and case optional).
    pub doc_type: Option<String>,
    /// A quarter, `2021Q1`: tasks due in it (documents with such a task).
    pub due: Option<String>,
    /// An ISO date: tasks whose deadline ends on or before it.
    pub due_before: Option<String>,
    pub limit: usize,
    pub offset: usize,
    /// Also count matching documents per facet value ([`SearchResults::facets`]).
    pub facets: bool,
}

impl SearchRequest {
    pub fn new(query: &str) -> Self {
        Self {
            query: query.to_string(),
            limit: 20,
            ..Self::default()
        }
    }

    /// The filters given, as `name=value`, for [`Why::filters`].
    fn filters(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, value) in [
            ("type", &self.kind),
            ("cites", &self.cites),
            ("agency", &self.agency),
            ("doc_type", &self.doc_type),
            ("due", &self.due),
            ("due_before", &self.due_before),
        ] {
            if let Some(v) = value {
                out.push(format!("{name}={v}"));
            }
        }
        if let Some(y) = self.year {
            out.push(format!("year={y}"));
        }
        out
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Index entries matching; hits on one span merge several entries, so there may be
    /// fewer hits than this.
    pub total: usize,
    /// True when more hits follow this page.
    pub more: bool,
    /// True when no entry had every word and the results match all words but one.
    pub relaxed: bool,
    pub hits: Vec<Hit>,
    /// With [`SearchRequest::facets`]: matching documents per value, most first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facets: Vec<FacetCount>,
    /// With [`SearchRequest::facets`]: distinct documents matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The kind of the best-scoring entry.
    pub kind: String,
    /// Every kind of entry found on this span (`task`, `section`, `figure`…), best first.
    pub kinds: Vec<String>,
    pub score: f32,
    pub document: DocumentRef,
    pub location: Location,
    /// When a citation is among the entries: the normalized id cited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_id: Option<String>,
    pub snippet: Snippet,
    pub why: Why,
}

/// Why an entry matched: each query word and the word it was found as, and the filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Why {
    pub words: Vec<WordMatch>,
    pub filters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordMatch {
    pub query: String,
    /// The word of the text, as written.
    pub found: String,
    pub how: How,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// Same word, same marks.
    Exact,
    /// Same letters, marks aside.
    Folded,
    /// A near form (OCR damage) the index matched.
    Near,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Exact => "exact",
            How::Folded => "folded",
            How::Near => "near",
        }
    }
}

/// Dimensions the results are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    Agency,
    Year,
    DocType,
    Cites,
    Lead,
    Due,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::Agency,
        Facet::Year,
        Facet::DocType,
        Facet::Cites,
        Facet::Lead,
        Facet::Due,
    ];

    /// The request parameter the facet's values filter by.
    pub fn param(self) -> &'static str {
        match self {
            Facet::Agency => "agency",
            Facet::Year => "year",
            Facet::DocType => "doc_type",
            Facet::Cites => "cites",
            Facet::Lead => "agency",
            Facet::Due => "due",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetCount {
    pub facet: Facet,
    pub value: String,
    pub documents: usize,
}

/// Values shown per facet.
const FACET_VALUES: usize = 12;

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

/// `2021Q1`, `2021-q1`, `Q1/2021` → `2021Q1`.
fn quarter_key(value: &str) -> Result<String, ArchiveError> {
    let v: String = value
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let (year, q) = match (v.find('Q'), v.len()) {
        (Some(4), 6) => (&v[..4], &v[5..]),
        (Some(0), 6) => (&v[2..], &v[1..2]),
        _ => ("", ""),
    };
    match (year.parse::<u16>(), q) {
        (Ok(y), "1" | "2" | "3" | "4") => Ok(format!("{y}Q{q}")),
        _ => Err(ArchiveError::Invalid(format!(
            "due must be a quarter such as 2021Q1, not {value:?}"
        ))),
    }
}

/// Chunks of a query shaped like document ids (`61/2019/NĐ-CP`): their words must occur
/// together, so another year or number of the same code does not match.
fn id_phrases(query: &str) -> Vec<Vec<String>> {
    query
        .split_whitespace()
        .filter(|chunk| chunk.contains('/') && chunk.chars().any(|c| c.is_ascii_digit()))
        .map(|chunk| analyzer::terms(chunk, true))
        .filter(|terms| terms.len() > 1)
        .collect()
}

/// One word of a query with the near forms the index matched it through.
#[derive(Debug, Clone)]
struct QueryWord {
    exact: String,
    folded: String,
    /// Near forms matched anywhere (see `Expansions::anywhere`).
    near: Vec<String>,
    /// Near forms matched only inside the whole query as a phrase.
    phrase_near: Vec<String>,
}

/// Finds the words of a text that a query matched, for highlighting and [`Why`]: words
/// equal to a query word (marks aside), near forms the index used, and near forms of the
/// phrase where the whole query occurs as a phrase.
pub struct Matcher {
    words: Vec<QueryWord>,
}

impl Matcher {
    /// A matcher for folded matches only (no near forms).
    pub fn new(query: &str) -> Self {
        Self::with_near(query, &[])
    }

    fn with_near(query: &str, expansions: &[Expansions]) -> Self {
        let words = words_of(query)
            .into_iter()
            .enumerate()
            .map(|(i, (exact, folded))| {
                let e = expansions.get(i);
                QueryWord {
                    exact,
                    folded,
                    near: e.map(|e| e.anywhere.clone()).unwrap_or_default(),
                    phrase_near: e.map(|e| e.phrase.clone()).unwrap_or_default(),
                }
            })
            .collect();
        Self { words }
    }

    /// For each matched word of `text`: its byte range and how it matched which query word.
    fn matches(&self, text: &str) -> Vec<(usize, usize, usize, How)> {
        if self.words.is_empty() {
            return Vec::new();
        }
        // Every match shares a query word's first letter: other words are not normalized
        // (a whole document is tens of thousands of words).
        let firsts: Vec<char> = self
            .words
            .iter()
            .filter_map(|w| w.folded.chars().next())
            .collect();
        let first_folded = |word: &str| {
            word.chars()
                .next()
                .map(|c| crate::text::fold_char(c).to_lowercase().next().unwrap_or(c))
        };
        let words: Vec<(usize, usize, Option<String>)> = analyzer::words(text)
            .map(|(a, b)| {
                let keep = first_folded(&text[a..b]).is_some_and(|c| firsts.contains(&c));
                (a, b, keep.then(|| analyzer::normalize(&text[a..b], true)))
            })
            .collect();
        let present: HashSet<&str> = words.iter().filter_map(|w| w.2.as_deref()).collect();
        let mut found: Vec<Option<(usize, How)>> = vec![None; words.len()];
        for (k, (a, b, folded)) in words.iter().enumerate() {
            let Some(w) = folded else { continue };
            for (i, q) in self.words.iter().enumerate() {
                if *w == q.folded {
                    let exact = analyzer::normalize(&text[*a..*b], false) == q.exact;
                    found[k] = Some((i, if exact { How::Exact } else { How::Folded }));
                    break;
                }
                // A word present as such is not also matched by its near forms.
                if !present.contains(q.folded.as_str()) && q.near.contains(w) {
                    found[k] = Some((i, How::Near));
                    break;
                }
            }
        }
        // The whole query as a phrase, near forms allowed.
        let n = self.words.len();
        if n > 1 && words.len() >= n {
            for start in 0..=words.len() - n {
                let fits = (0..n).all(|i| {
                    words[start + i].2.as_deref().is_some_and(|w| {
                        let q = &self.words[i];
                        w == q.folded || q.near.iter().chain(&q.phrase_near).any(|t| t == w)
                    })
                });
                if fits {
                    for i in 0..n {
                        found[start + i].get_or_insert((i, How::Near));
                    }
                }
            }
        }
        words
            .iter()
            .zip(found)
            .filter_map(|((a, b, _), f)| f.map(|(i, how)| (*a, *b, i, how)))
            .collect()
    }

    /// Byte ranges of the matched words of `text`.
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        self.matches(text)
            .into_iter()
            .map(|(a, b, _, _)| (a, b))
            .collect()
    }

    /// The best match of each query word in `text`.
    pub fn explain(&self, text: &str) -> Vec<WordMatch> {
        let matches = self.matches(text);
        let rank = |h: How| match h {
            How::Exact => 0,
            How::Folded => 1,
            How::Near => 2,
        };
        self.words
            .iter()
            .enumerate()
            .filter_map(|(i, q)| {
                matches
                    .iter()
                    .filter(|m| m.2 == i)
                    .min_by_key(|m| rank(m.3))
                    .map(|&(a, b, _, how)| WordMatch {
                        query: q.exact.clone(),
                        found: text[a..b].to_string(),
                        how,
                    })
            })
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

/// Near forms of one query word (see [`fuzzy_expansions`]).
#[derive(Debug, Clone, Default)]
struct Expansions {
    /// Matched anywhere: rarest first, within the postings budget; then, for a word that is
    /// no Vietnamese syllable (`hanb`, `tbong`), the words it most likely was.
    anywhere: Vec<String>,
    /// The words a damaged query word most likely was (far more frequent), most frequent
    /// first, unbudgeted: matched inside the query phrase.
    phrase: Vec<String>,
    /// Near forms one edit away at least as frequent as the word, most frequent first: the
    /// words a real word typed wrong may stand for, judged by its neighbours.
    rivals: Vec<String>,
}

/// The exact and folded form of each query word.
fn words_of(query: &str) -> Vec<(String, String)> {
    analyzer::terms(query, false)
        .into_iter()
        .zip(analyzer::terms(query, true))
        .collect()
}

/// An index entry loaded for a hit, before merging and snippets.
struct Candidate {
    score: f32,
    kinds: Vec<String>,
    entry: TantivyDocument,
    location: Location,
    citation_id: Option<String>,
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
        let expansions = self.expansions(&searcher, request)?;
        let words = words_of(&request.query).len();
        let kind = self.effective_kind(request);
        // Entries on one span merge into one hit: fetch enough to fill the page after merging.
        let merging = kind != Some("document");
        let want = request.offset + limit;
        let fetch = if merging { want * 3 + 20 } else { want };
        // One pass counts and ranks.
        let collector = (Count, TopDocs::with_limit(fetch));
        let mut query = self.build_query(request, &expansions, false)?;
        let (mut total, mut top) = searcher.search(&query, &collector)?;
        let mut relaxed = false;
        if total == 0 && words >= 2 {
            // No entry has every word: take those missing one (a damaged word whose near
            // forms were too common to expand).
            let again = self.build_query(request, &expansions, true)?;
            let (n, found) = searcher.search(&again, &collector)?;
            if n > 0 {
                (query, total, top, relaxed) = (again, n, found, true);
            }
        }
        let fetched_all = top.len() >= total;
        let mut merged: Vec<Candidate> = Vec::new();
        // Positions in `merged` of each document's hits.
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (score, address) in top {
            let c = self.candidate(&searcher, address, score)?;
            let path = path_of(self, &c.entry).unwrap_or_default();
            let on_path = by_path.entry(path).or_default();
            let same = on_path.iter().copied().find(|&i| {
                let (a, b) = (merged[i].location.span, c.location.span);
                merging && (a == b || (a[0] < b[1] && b[0] < a[1]))
            });
            match same {
                Some(i) => {
                    let m = &mut merged[i];
                    for k in c.kinds {
                        push_new(&mut m.kinds, k);
                    }
                    m.citation_id = m.citation_id.take().or(c.citation_id);
                    if m.location.table.is_none() {
                        m.location.table = c.location.table;
                        m.location.row = c.location.row;
                    }
                }
                None => {
                    on_path.push(merged.len());
                    merged.push(c);
                }
            }
        }
        let more = merged.len() > want || !fetched_all;
        let matcher = Matcher::with_near(&request.query, &expansions);
        let filters = request.filters();
        let hits = merged
            .into_iter()
            .skip(request.offset)
            .take(limit)
            .map(|c| self.hit(c, &matcher, &filters))
            .collect();
        let (facets, documents) = if request.facets {
            let (f, d) = self.facets(&searcher, &query)?;
            (f, Some(d))
        } else {
            (Vec::new(), None)
        };
        Ok(SearchResults {
            total,
            more,
            relaxed,
            hits,
            facets,
            documents,
        })
    }

    /// A matcher highlighting what a query matches in this archive, near forms included.
    pub fn matcher(&self, query: &str) -> Result<Matcher, ArchiveError> {
        let searcher = self.searcher();
        let expansions = self.expansions(&searcher, &SearchRequest::new(query))?;
        Ok(Matcher::with_near(query, &expansions))
    }

    fn expansions(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<Vec<Expansions>, ArchiveError> {
        let (_, text_folded) = self.text_fields(request);
        let words = words_of(&request.query);
        let mut expansions = words
            .iter()
            .map(|(exact, folded)| fuzzy_expansions(searcher, text_folded, folded, exact != folded))
            .collect::<Result<Vec<_>, _>>()?;
        widen_real_word_errors(&words, &mut expansions);
        Ok(expansions)
    }

    /// The kind searched: as asked, or documents for an empty query.
    fn effective_kind<'r>(&self, request: &'r SearchRequest) -> Option<&'r str> {
        match request.kind.as_deref() {
            None if words_of(&request.query).is_empty() => Some("document"),
            kind => kind,
        }
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

    fn candidate(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
    ) -> Result<Candidate, ArchiveError> {
        let f = self.fields;
        let entry: TantivyDocument = searcher.doc(address)?;
        let get = |field| stored(&entry, field);
        let location = get(f.location)
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default();
        Ok(Candidate {
            score,
            kinds: vec![get(f.kind).unwrap_or_default()],
            location,
            citation_id: get(f.citation_id),
            entry,
        })
    }

    fn hit(&self, c: Candidate, matcher: &Matcher, filters: &[String]) -> Hit {
        let f = self.fields;
        let get = |field| stored(&c.entry, field);
        let text = get(f.text).or_else(|| get(f.doc_text)).unwrap_or_default();
        Hit {
            kind: c.kinds[0].clone(),
            kinds: c.kinds,
            score: c.score,
            document: DocumentRef {
                sha256: get(f.sha256).unwrap_or_default(),
                path: get(f.path).unwrap_or_default(),
                title: get(f.title),
                number: get(f.number),
                agency: get(f.agency_label),
                doc_type: get(f.doc_type_label),
                date: get(f.date),
            },
            location: c.location,
            citation_id: c.citation_id,
            why: Why {
                words: matcher.explain(&text),
                filters: filters.to_vec(),
            },
            snippet: matcher.snippet(&text),
        }
    }

    /// Matching documents per facet value, and the number of distinct documents.
    fn facets(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> Result<(Vec<FacetCount>, usize), ArchiveError> {
        let addresses = searcher.search(query, &DocSetCollector)?;
        let mut by_segment: HashMap<u32, Vec<u32>> = HashMap::new();
        for a in addresses {
            by_segment.entry(a.segment_ord).or_default().push(a.doc_id);
        }
        let columns = [
            (Facet::Agency, "agency_label"),
            (Facet::DocType, "doc_type_label"),
            (Facet::Cites, "cited"),
            (Facet::Lead, "lead"),
            (Facet::Due, "due"),
        ];
        let mut docs: HashSet<String> = HashSet::new();
        let mut counts: HashMap<(Facet, String), usize> = HashMap::new();
        for (segment, ids) in by_segment {
            let fast = searcher.segment_reader(segment).fast_fields();
            let Some(paths) = fast.str("path")? else {
                continue;
            };
            let years = fast.i64("year")?;
            // (facet, value ord or year, path ord), each counted once.
            let mut seen: HashSet<(Facet, i64, u64)> = HashSet::new();
            let mut path_ords = HashSet::new();
            let strs: Vec<_> = columns
                .iter()
                .map(|&(facet, name)| Ok((facet, fast.str(name)?)))
                .collect::<Result<_, ArchiveError>>()?;
            for id in ids {
                let Some(path) = paths.term_ords(id).next() else {
                    continue;
                };
                path_ords.insert(path);
                for (facet, column) in strs.iter().filter_map(|(f, c)| c.as_ref().map(|c| (f, c))) {
                    for ord in column.term_ords(id) {
                        seen.insert((*facet, ord as i64, path));
                    }
                }
                for year in years.values_for_doc(id) {
                    seen.insert((Facet::Year, year, path));
                }
            }
            let mut name = String::new();
            for ord in path_ords {
                if paths.ord_to_str(ord, &mut name).map_err(io_error)? {
                    docs.insert(name.clone());
                }
            }
            for (facet, value, _) in seen {
                let label = if facet == Facet::Year {
                    value.to_string()
                } else {
                    let column = strs
                        .iter()
                        .find(|(f, _)| *f == facet)
                        .and_then(|(_, c)| c.as_ref());
                    match column {
                        Some(c) if c.ord_to_str(value as u64, &mut name).map_err(io_error)? => {
                            name.clone()
                        }
                        _ => continue,
                    }
                };
                *counts.entry((facet, label)).or_default() += 1;
            }
        }
        let mut out: Vec<FacetCount> = counts
            .into_iter()
            .map(|((facet, value), documents)| FacetCount {
                facet,
                value,
                documents,
            })
            .collect();
        out.sort_by(|a, b| {
            (
                Facet::ALL.iter().position(|f| *f == a.facet),
                std::cmp::Reverse(a.documents),
                &a.value,
            )
                .cmp(&(
                    Facet::ALL.iter().position(|f| *f == b.facet),
                    std::cmp::Reverse(b.documents),
                    &b.value,
                ))
        });
        let mut shown: HashMap<Facet, usize> = HashMap::new();
        out.retain(|c| {
            let n = shown.entry(c.facet).or_default();
            *n += 1;
            *n <= FACET_VALUES
        });
        Ok((out, docs.len()))
    }

    /// The exact and folded text fields a request searches.
    fn text_fields(&self, request: &SearchRequest) -> (Field, Field) {
        match self.effective_kind(request) {
            Some("document") => (self.fields.doc_text, self.fields.doc_text_folded),
            _ => (self.fields.text, self.fields.text_folded),
        }
    }

    /// The text query (all words, or all but one when `relaxed`) and the filters;
    /// `expansions[i]` are the near forms of the i-th query word.
    fn build_query(
        &self,
        request: &SearchRequest,
        expansions: &[Expansions],
        relaxed: bool,
    ) -> Result<BooleanQuery, ArchiveError> {
        let f = self.fields;
        let (text, text_folded) = self.text_fields(request);
        let words = words_of(&request.query);
        let exact: Vec<String> = words.iter().map(|w| w.0.clone()).collect();
        let folded: Vec<String> = words.iter().map(|w| w.1.clone()).collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();

        // Each word must match folded or through a rare near form; that is the only clause
        // walking postings in full. Exact words and the phrase only score: tantivy seeks them
        // to the documents the required clauses already matched, which is cheap.
        let each: Vec<Box<dyn Query>> = folded
            .iter()
            .zip(expansions)
            .map(|(w, near)| {
                let folded_word = boosted(term(text_folded, w), FOLDED_BOOST);
                if near.anywhere.is_empty() {
                    return folded_word;
                }
                let near = near.anywhere.iter().map(|t| term(text_folded, t)).collect();
                let near = ConstScoreQuery::new(Box::new(BooleanQuery::union(near)), FUZZY_BOOST);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, folded_word),
                    (Occur::Should, Box::new(near)),
                ]))
            })
            .collect();
        let n = each.len();
        let all_words: Box<dyn Query> = match n {
            0 => Box::new(AllQuery),
            _ if relaxed => Box::new(BooleanQuery::union_with_minimum_required_clauses(
                each,
                n - 1,
            )),
            _ => Box::new(BooleanQuery::intersection(each)),
        };
        // Or the whole query as a phrase whose damaged words may be the far more frequent word
        // they most likely were (`truc tuyem` for `trực tuyến`): next to each other they are
        // rarely another phrase. Only damaged words widen it: a phrase of common near forms
        // walks most of the index. When every such form already counts anywhere (a word no
        // syllable can be, a real word typed wrong), the words find all the phrase would.
        let near_phrase = n > 1
            && expansions
                .iter()
                .any(|e| e.phrase.iter().any(|t| !e.anywhere.contains(t)));
        if near_phrase && !relaxed {
            let regexes = folded
                .iter()
                .zip(expansions)
                .map(|(w, e)| {
                    std::iter::once(w)
                        .chain(&e.anywhere)
                        .chain(&e.phrase)
                        .map(|t| regex::escape(t))
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            let mut phrase = RegexPhraseQuery::new(text_folded, regexes);
            phrase.set_max_expansions((MAX_EXPANSIONS + PHRASE_FORMS + 1) as u32 * n as u32);
            let phrase = ConstScoreQuery::new(Box::new(phrase), FUZZY_BOOST * n as f32);
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::union(vec![all_words, Box::new(phrase)])),
            ));
        } else {
            clauses.push((Occur::Must, all_words));
        }
        // Ids in the query (`61/2019/NĐ-CP`) must occur whole.
        for id in id_phrases(&request.query) {
            let terms = id
                .iter()
                .map(|t| Term::from_field_text(text_folded, t))
                .collect();
            clauses.push((Occur::Must, Box::new(PhraseQuery::new(terms))));
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
        if let Some(kind) = self.effective_kind(request) {
            filter(term(f.kind, kind));
        }
        if let Some(id) = &request.cites {
            filter(term(f.cites, &filter_key(id)));
        }
        if let Some(agency) = &request.agency {
            let words = analyzer::terms(&crate::vn::canonical_agency(agency), true);
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
        if let Some(due) = &request.due {
            filter(term(f.due, &quarter_key(due)?));
        }
        if let Some(date) = &request.due_before {
            let parts: Vec<&str> = date.trim().split('-').collect();
            let iso = match parts[..] {
                [y, m, d] => crate::vn::iso_date(y, m, d),
                _ => None,
            };
            let Some(day) = iso.as_deref().and_then(date_number) else {
                return Err(ArchiveError::Invalid(format!(
                    "due_before must be a date such as 2021-03-31, not {date:?}"
                )));
            };
            filter(Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(f.due_end, day)),
            )));
        }
        Ok(BooleanQuery::new(clauses))
    }
}

/// What a dashboard shows of the whole archive (see [`Archive::overview`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub documents: usize,
    /// Tasks per deadline quarter (`2021Q1`) and issuing agency.
    pub tasks_by_quarter: Vec<(String, String, usize)>,
    /// Cited ids and how many documents cite each, most cited first.
    pub most_cited: Vec<(String, usize)>,
    /// Per document year: percentages reported and their mean.
    pub figures_by_year: Vec<(i64, usize, f64)>,
}

impl Archive {
    /// Counts over every task, citation and figure of the archive, from the index's fast
    /// fields (no stored document is read).
    pub fn overview(&self, top: usize) -> Result<Overview, ArchiveError> {
        let searcher = self.searcher();
        let f = self.fields;
        let of_kind = |kind: &str| -> Result<HashMap<u32, Vec<u32>>, ArchiveError> {
            let mut out: HashMap<u32, Vec<u32>> = HashMap::new();
            for a in searcher.search(&*term(f.kind, kind), &DocSetCollector)? {
                out.entry(a.segment_ord).or_default().push(a.doc_id);
            }
            Ok(out)
        };
        let mut name = String::new();
        let mut label = |column: &tantivy::columnar::StrColumn, ord: u64| {
            column
                .ord_to_str(ord, &mut name)
                .map_err(io_error)
                .map(|found| found.then(|| name.clone()))
        };
        let mut tasks: HashMap<(String, String), usize> = HashMap::new();
        for (segment, ids) in of_kind("task")? {
            let fast = searcher.segment_reader(segment).fast_fields();
            let (Some(due), agency) = (fast.str("due")?, fast.str("agency_label")?) else {
                continue;
            };
            for id in ids {
                let Some(q) = due.term_ords(id).next() else {
                    continue;
                };
                let who = match &agency {
                    Some(c) => match c.term_ords(id).next() {
                        Some(ord) => label(c, ord)?,
                        None => None,
                    },
                    None => None,
                };
                if let Some(q) = label(&due, q)? {
                    *tasks.entry((q, who.unwrap_or_default())).or_default() += 1;
                }
            }
        }
        let mut cited: HashMap<String, HashSet<u64>> = HashMap::new();
        for (segment, ids) in of_kind("citation")? {
            let fast = searcher.segment_reader(segment).fast_fields();
            let (Some(ids_column), Some(paths)) = (fast.str("cited")?, fast.str("path")?) else {
                continue;
            };
            for id in ids {
                let (Some(c), Some(p)) =
                    (ids_column.term_ords(id).next(), paths.term_ords(id).next())
                else {
                    continue;
                };
                if let Some(c) = label(&ids_column, c)? {
                    cited
                        .entry(c)
                        .or_default()
                        .insert(p + ((segment as u64) << 40));
                }
            }
        }
        let mut figures: HashMap<i64, (usize, f64)> = HashMap::new();
        for (segment, ids) in of_kind("figure")? {
            let fast = searcher.segment_reader(segment).fast_fields();
            let (percent, year) = (fast.f64("percent")?, fast.i64("year")?);
            for id in ids {
                if let (Some(p), Some(y)) = (percent.first(id), year.first(id)) {
                    let e = figures.entry(y).or_default();
                    e.0 += 1;
                    e.1 += p;
                }
            }
        }
        let mut tasks_by_quarter: Vec<(String, String, usize)> =
            tasks.into_iter().map(|((q, a), n)| (q, a, n)).collect();
        tasks_by_quarter.sort();
        let mut most_cited: Vec<(String, usize)> = cited
            .into_iter()
            .map(|(id, docs)| (id, docs.len()))
            .collect();
        most_cited.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        most_cited.truncate(top);
        let mut figures_by_year: Vec<(i64, usize, f64)> = figures
            .into_iter()
            .map(|(y, (n, sum))| (y, n, sum / n as f64))
            .collect();
        figures_by_year.sort_by_key(|e| e.0);
        Ok(Overview {
            documents: self.document_count()?,
            tasks_by_quarter,
            most_cited,
            figures_by_year,
        })
    }
}

fn stored(entry: &TantivyDocument, field: Field) -> Option<String> {
    entry
        .get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn path_of(archive: &Archive, entry: &TantivyDocument) -> Option<String> {
    stored(entry, archive.fields.path)
}

/// Indexed words within [`fuzzy_distance`] edits of `word` that start with the same letter
/// (OCR damage rarely hits the first letter, and without this rule every short syllable
/// is one edit from dozens of others), at most [`MAX_EXPANSIONS`] of each sort.
fn fuzzy_expansions(
    searcher: &Searcher,
    field: Field,
    word: &str,
    typed_with_marks: bool,
) -> Result<Expansions, ArchiveError> {
    let distance = fuzzy_distance(word) as usize;
    let Some(first) = word.chars().next().filter(|_| distance > 0) else {
        return Ok(Expansions::default());
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
    // A damaged form is rarer than the word it damages: a near form more frequent than the
    // query word is another word ("thuc" for "truc"), matched only inside the phrase.
    let own = searcher.doc_freq(&Term::from_field_text(field, word))?;
    let mut spent = 0;
    let mut anywhere: Vec<String> = with_freq
        .iter()
        .filter(|(_, freq, _)| own == 0 || *freq < own)
        .take(MAX_EXPANSIONS)
        .take_while(|(_, freq, _)| {
            spent += freq;
            spent <= budget
        })
        .map(|(_, _, t)| t.clone())
        .collect();
    // For the phrase: the words a damaged word most likely was, far more frequent than it
    // (`tuyem` for `tuyen`), nearest and most frequent first; a word about as frequent as its
    // neighbours is itself (`thu`, `tu`). A word typed with marks is as meant.
    if typed_with_marks {
        with_freq.clear();
    }
    with_freq.sort_by_key(|(d, freq, _)| (*d, std::cmp::Reverse(*freq)));
    let phrase: Vec<String> = with_freq
        .iter()
        .filter(|(_, freq, _)| *freq > DAMAGE_RATIO * own || (own < RARE_WORD && *freq > own))
        .take(PHRASE_FORMS)
        .map(|(_, _, t)| t.clone())
        .collect();
    // A word no syllable can be is damage wherever it stands: what it most likely was
    // counts anywhere, as the word typed with marks would.
    if !crate::vn::syllable::is_syllable(word) {
        for t in &phrase {
            push_new(&mut anywhere, t.clone());
        }
    }
    let rivals = with_freq
        .iter()
        .filter(|(d, freq, _)| *d == 1 && *freq >= own)
        .map(|(_, _, t)| t.clone())
        .take(RIVALS)
        .collect();
    Ok(Expansions {
        anywhere,
        phrase,
        rivals,
    })
}

/// A real word typed wrong ("thi tuc hanh chinh" for "thủ tục hành chính"): a query word
/// typed without marks that is a syllable, whose rival reads far better between its
/// neighbours in the language model ([`REAL_WORD_MARGIN`]), counts that rival anywhere too.
fn widen_real_word_errors(words: &[(String, String)], expansions: &mut [Expansions]) {
    if words.len() < 2 || expansions.iter().all(|e| e.rivals.is_empty()) {
        return;
    }
    let Ok(model) = crate::repair::model() else {
        return;
    };
    let folded: Vec<&str> = words.iter().map(|w| w.1.as_str()).collect();
    for (i, (exact, word)) in words.iter().enumerate() {
        if exact != word || !crate::vn::syllable::is_syllable(word) {
            continue;
        }
        let fit = |w: &str| {
            let before = i
                .checked_sub(1)
                .and_then(|p| model.folded_pair_score(folded[p], w));
            let after = folded
                .get(i + 1)
                .and_then(|n| model.folded_pair_score(w, n));
            before.unwrap_or(0.0) + after.unwrap_or(0.0)
        };
        let own = fit(word);
        let better: Vec<String> = expansions[i]
            .rivals
            .iter()
            .filter(|r| fit(r) >= own + REAL_WORD_MARGIN)
            .cloned()
            .collect();
        let e = &mut expansions[i];
        for r in better {
            push_new(&mut e.anywhere, r.clone());
            push_new(&mut e.phrase, r);
        }
    }
}

/// Appends `item` unless `list` holds it already (short lists kept in order).
fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
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
        // Near forms are marked only when the index used them ("truc" does not mark "thức").
        check_snippet(
            "thi tuc hanh chinh",
            "giải quyết thủ tục hành chínb",
            "giải quyết thủ [tục] [hành] chínb",
        );
        let near = |phrase: &[&str]| Expansions {
            phrase: phrase.iter().map(|t| t.to_string()).collect(),
            ..Expansions::default()
        };
        let matcher = Matcher::with_near(
            "thi tuc hanh chinh",
            &[near(&["thu"]), near(&[]), near(&[]), near(&["chinb"])],
        );
        assert_eq!(
            matcher
                .snippet("giải quyết thủ tục hành chínb")
                .marked("[", "]", str::to_string),
            "giải quyết [thủ] [tục] [hành] [chínb]"
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
