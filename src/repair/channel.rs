//! The OCR channel: how likely an observed token is given a source word.
//!
//! Two learned tables (see `tools/ocr-channel/`): a char-level table
//! P(observed chunk | source char) with chunks of 0–3 chars, and a token damage
//! lexicon for frequent forms. [`Channel::candidates`] searches a trie of the
//! vocabulary for the source words whose chars could have produced the observed
//! token, cheapest first, allowing one dropped space (a glued pair, "vatién").
//! Unseen damage is reached through the char table, so the lexicon is only a
//! shortcut for forms seen often.
//!
//! Costs are −log10 probabilities.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;

use super::lm::Lm;

/// Max cost of a single char edit kept from the tables.
const MAX_EDIT: f32 = 3.5;
/// Cost of reading a char as itself when the tables never saw it.
const UNSEEN_SELF: f32 = 0.05;
/// Cost of dropping the marks of a char the tables never saw.
const UNSEEN_FOLD: f32 = 1.3;
/// Cost of reading a symbol the tables never saw ("&", "¢") as any vowel: a flat
/// prior for damage the training pages did not show, well above learned edits.
const UNSEEN_SYMBOL: f32 = 2.0;

/// One way a source char shows up in OCR output.
#[derive(Debug, Clone)]
struct Edit {
    src: char,
    cost: f32,
}

/// The char-level table, indexed by what the OCR produced.
pub struct Channel {
    /// Observed chunk (1–3 chars) → source chars that produce it.
    by_obs: HashMap<String, Vec<Edit>>,
    /// Source chars the OCR sometimes drops entirely, with the cost.
    deletions: HashMap<char, f32>,
    /// Every vowel at [`UNSEEN_SYMBOL`] cost: any symbol may stand for any vowel.
    unseen_symbol: Vec<Edit>,
    /// A source space read as nothing: two words glued.
    pub glue: f32,
    /// Observed token → (source word id, cost), from the damage lexicon.
    lexicon: HashMap<String, Vec<(u32, f32)>>,
}

/// Vietnamese letters the channel always knows, seen in the tables or not.
const ALPHABET: &str = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz";

impl Channel {
    /// Builds the channel from `ocr-channel.tsv` and `ocr-lexicon.tsv` text.
    pub fn parse(chan_tsv: &str, lex_tsv: &str, lm: &Lm) -> Channel {
        let mut rows: HashMap<char, Vec<(String, f64)>> = HashMap::default();
        let mut glue_n = (0.0, 0.0);
        for line in chan_tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (Some(src), Some(obs), Some(n)) = (f.first(), f.get(1), f.get(2).and_then(|n| n.parse::<f64>().ok()))
            else {
                continue;
            };
            let mut cs = src.chars();
            let (Some(c), None) = (cs.next(), cs.next()) else { continue };
            if c == ' ' {
                glue_n.1 += n;
                if obs.is_empty() {
                    glue_n.0 += n;
                }
                continue;
            }
            rows.entry(c).or_default().push((obs.to_string(), n));
        }
        let mut by_obs: HashMap<String, Vec<Edit>> = HashMap::default();
        let mut deletions = HashMap::default();
        for c in ALPHABET.chars() {
            let row = rows.remove(&c).unwrap_or_default();
            let total: f64 = row.iter().map(|r| r.1).sum::<f64>() + 1.0;
            let mut has_self = false;
            for (obs, n) in row {
                if n < 2.0 || obs.chars().count() > 3 {
                    continue;
                }
                let cost = -(n / total).log10() as f32;
                if cost > MAX_EDIT {
                    continue;
                }
                has_self |= obs == c.to_string();
                if obs.is_empty() {
                    deletions.insert(c, cost);
                } else {
                    by_obs.entry(obs).or_default().push(Edit { src: c, cost });
                }
            }
            if !has_self {
                by_obs.entry(c.to_string()).or_default().push(Edit { src: c, cost: UNSEEN_SELF });
            }
            let folded = crate::text::fold_char(c);
            if folded != c {
                let e = by_obs.entry(folded.to_string()).or_default();
                if !e.iter().any(|x| x.src == c) {
                    e.push(Edit { src: c, cost: UNSEEN_FOLD });
                }
            }
        }
        let glue = if glue_n.1 > 0.0 { -((glue_n.0 + 1.0) / glue_n.1).log10() as f32 } else { 4.0 };
        let mut lexicon: HashMap<String, Vec<(u32, f32)>> = HashMap::default();
        let mut totals: HashMap<String, f64> = HashMap::default();
        let lex_rows: Vec<(String, String, f64)> = lex_tsv
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                Some((f.first()?.to_string(), f.get(1)?.to_string(), f.get(2)?.parse().ok()?))
            })
            .collect();
        for (_, src, n) in &lex_rows {
            *totals.entry(src.clone()).or_default() += n;
        }
        for (obs, src, n) in lex_rows {
            let key = super::word_key(&src);
            let Some(id) = lm.id(&key) else { continue };
            if obs == src {
                continue; // intact reads only count towards the total
            }
            // P(obs | src) = times src was read as obs / times src was read at all.
            lexicon.entry(obs).or_default().push((id, -(n / totals[&src]).log10() as f32));
        }
        let unseen_symbol = ALPHABET
            .chars()
            .filter(|c| "aeiouy".contains(crate::text::fold_char(*c)))
            .map(|src| Edit { src, cost: UNSEEN_SYMBOL })
            .collect();
        Channel { by_obs, deletions, unseen_symbol, glue, lexicon }
    }

    pub fn lexicon(&self, obs: &str) -> &[(u32, f32)] {
        self.lexicon.get(obs).map_or(&[], |v| v.as_slice())
    }

    /// Up to `k` source word sequences (1 or 2 ids) that could read as `obs`
    /// (lower case), cheapest first, none costing more than `max_cost`. With
    /// `digits_as_symbols`, a digit inside the token may also stand for any vowel
    /// ("x8y" → "xây"), as unseen symbols always may.
    pub fn candidates(&self, trie: &Trie, obs: &str, max_cost: f32, k: usize, digits_as_symbols: bool) -> Vec<(Vec<u32>, f32)> {
        let bounds: Vec<usize> = obs.char_indices().map(|(i, _)| i).chain([obs.len()]).collect();
        let n = bounds.len() - 1;
        // Per input position: the chunks that start there, as (length, source char → cost).
        let chunks: Vec<Vec<(usize, HashMap<char, f32>)>> = (0..n)
            .map(|i| {
                let mut at: Vec<(usize, HashMap<char, f32>)> = (1..=3)
                    .filter(|l| i + l <= n)
                    .filter_map(|l| self.by_obs.get(&obs[bounds[i]..bounds[i + l]]).map(|e| (l, cheapest(e))))
                    .collect();
                let c = obs[bounds[i]..].chars().next().unwrap_or(' ');
                let symbol = !c.is_alphanumeric() || digits_as_symbols && c.is_ascii_digit();
                if symbol && c != '-' {
                    at.push((1, cheapest(&self.unseen_symbol)));
                }
                at
            })
            .collect();
        SCRATCH.with_borrow_mut(|(heap, best)| {
            heap.clear();
            best.clear();
            heap.push(State { cost: 0.0, node: 0, pos: 0, first: 0, dels: 0 });
            let mut out: Vec<(Vec<u32>, f32)> = Vec::new();
            let mut pops = 0;
            while let Some(s) = heap.pop() {
                pops += 1;
                if s.cost > max_cost || out.len() >= k || pops > 4000 {
                    break;
                }
                let node = &trie.nodes[s.node as usize];
                if s.pos == n {
                    if let Some(id) = node.word {
                        let ids = if s.first == 0 { vec![id] } else { vec![s.first, id] };
                        if !out.iter().any(|(o, _)| *o == ids) {
                            out.push((ids, s.cost));
                        }
                    }
                }
                let mut push = |next: State| {
                    let key = (next.node, next.pos, next.first);
                    if best.get(&key).is_none_or(|&c| next.cost < c) {
                        best.insert(key, next.cost);
                        heap.push(next);
                    }
                };
                if let (Some(id), 0, true) = (node.word, s.first, s.pos > 0 && s.pos < n) {
                    push(State { cost: s.cost + self.glue, node: 0, pos: s.pos, first: id, dels: 0 });
                }
                for &(c, child) in &node.children {
                    if s.pos < n {
                        for (len, costs) in &chunks[s.pos] {
                            if let Some(&cost) = costs.get(&c) {
                                push(State { cost: s.cost + cost, node: child, pos: s.pos + len, first: s.first, dels: s.dels });
                            }
                        }
                    }
                    if s.dels < 1 {
                        if let Some(&cost) = self.deletions.get(&c) {
                            push(State { cost: s.cost + cost, node: child, pos: s.pos, first: s.first, dels: s.dels + 1 });
                        }
                    }
                }
            }
            out
        })
    }
}


/// Search buffers reused across calls on one thread.
type Scratch = (BinaryHeap<State>, HashMap<(u32, usize, u32), f32>);

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// The cheapest cost per source char among `edits`.
fn cheapest(edits: &[Edit]) -> HashMap<char, f32> {
    let mut m: HashMap<char, f32> = HashMap::default();
    for e in edits {
        let c = m.entry(e.src).or_insert(e.cost);
        *c = c.min(e.cost);
    }
    m
}

#[derive(Debug, Clone, Copy)]
struct State {
    cost: f32,
    node: u32,
    pos: usize,
    first: u32,
    dels: u8,
}

impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        self.cost == o.cost
    }
}
impl Eq for State {}
impl PartialOrd for State {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for State {
    // Min-heap on cost.
    fn cmp(&self, o: &Self) -> Ordering {
        o.cost.total_cmp(&self.cost)
    }
}

/// A char trie over the vocabulary (lower-case word strings).
pub struct Trie {
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    children: Vec<(char, u32)>,
    word: Option<u32>,
}

impl Node {
    fn child(&self, c: char) -> Option<u32> {
        self.children.iter().find(|(x, _)| *x == c).map(|(_, n)| *n)
    }
}

impl Trie {
    /// A trie of every vocabulary word with at least `min_count` occurrences.
    pub fn build(lm: &Lm, min_count: u32) -> Trie {
        let mut nodes = vec![Node::default()];
        for (id, (w, &c)) in lm.words.iter().zip(&lm.counts).enumerate().skip(super::lm::FIRST_WORD as usize) {
            if c < min_count {
                continue;
            }
            let mut at = 0usize;
            for ch in w.chars() {
                at = match nodes[at].child(ch) {
                    Some(n) => n as usize,
                    None => {
                        nodes.push(Node::default());
                        let n = nodes.len() - 1;
                        nodes[at].children.push((ch, n as u32));
                        n
                    }
                };
            }
            nodes[at].word = Some(id as u32);
        }
        Trie { nodes }
    }
}
