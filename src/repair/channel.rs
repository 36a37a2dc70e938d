//! The OCR channel: how likely an observed token is given a source word.
//!
//! Two learned tables (see `tools/ocr-channel/`): a char-level table
//! P(observed chunk | source char) with chunks of 0–3 chars, and a token damage
//! lexicon for frequent forms. [`Channel::candidates`] searches a trie of the
//! vocabulary for the source words whose chars could have produced the observed
//! token, the most plausible first, allowing one dropped space (a glued pair, "vatién").
//! Unseen damage is reached through the char table, so the lexicon is only a
//! shortcut for forms seen often.
//!
//! Costs are −log10 probabilities.

use std::collections::hash_map::Entry;
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
/// Cost of reading a marked vowel as another mark on the same letter ("â" as
/// "á", "ä" as "ă"), unless the tables learned it cheaper: engines for other
/// languages write their own marks where Vietnamese ones were.
const UNSEEN_MARK: f32 = 1.3;
/// The vowel letters [`Channel::unseen_marks`] holds readings for.
const VOWELS: [char; 6] = ['a', 'e', 'i', 'o', 'u', 'y'];

/// Per source letter (index in [`ALPHABET`]), the cost of one way it shows up
/// in OCR output; infinite where it never does.
type Costs = [f32; LETTERS];

/// The char-level table, indexed by what the OCR produced.
pub(crate) struct Channel {
    /// Observed chunk (1–3 chars) → the cheapest cost of each source letter producing it.
    by_obs: HashMap<String, Box<Reads>>,
    /// Source letters the OCR sometimes drops entirely, with the cost.
    deletions: Costs,
    /// Every vowel at [`UNSEEN_SYMBOL`] cost: any symbol may stand for any vowel.
    unseen_symbol: Reads,
    /// Per letter of [`VOWELS`], every source letter on it at [`UNSEEN_MARK`].
    unseen_marks: [Reads; VOWELS.len()],
    /// A source space read as nothing: two words glued.
    pub glue: f32,
    /// Observed token → (source word id, cost), from the damage lexicon.
    lexicon: HashMap<String, Vec<(u32, f32)>>,
}

/// Vietnamese letters the channel always knows, seen in the tables or not.
const ALPHABET: &str =
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz";

/// Number of chars in [`ALPHABET`] (UTF-8 lead bytes).
const LETTERS: usize = {
    let (bytes, mut i, mut n) = (ALPHABET.as_bytes(), 0, 0);
    while i < bytes.len() {
        n += (bytes[i] & 0xC0 != 0x80) as usize;
        i += 1;
    }
    n
};

/// The letters whose cost in `costs` is finite, as bits by [`ALPHABET`] index.
fn letter_set(costs: &Costs) -> u128 {
    const _: () = assert!(LETTERS <= 128);
    costs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_finite())
        .fold(0, |set, (i, _)| set | 1 << i)
}

/// The costs of the source letters one observed chunk may be read from.
struct Reads {
    costs: Costs,
    /// [`letter_set`] of `costs`.
    letters: u128,
}

impl Reads {
    fn new(costs: Costs) -> Reads {
        Reads {
            letters: letter_set(&costs),
            costs,
        }
    }
}

/// Index of `c` in [`ALPHABET`].
fn letter(c: char) -> Option<u8> {
    ALPHABET.chars().position(|a| a == c).map(|i| i as u8)
}

/// Longest observed chunk one source char may produce.
const MAX_CHUNK: usize = 3;

impl Channel {
    /// Builds the channel from `ocr-channel.tsv` and `ocr-lexicon.tsv` text.
    pub fn parse(chan_tsv: &str, lex_tsv: &str, lm: &Lm) -> Channel {
        let mut rows: HashMap<char, Vec<(String, f64)>> = HashMap::default();
        let mut glue_n = (0.0, 0.0);
        for line in chan_tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (Some(src), Some(obs), Some(n)) = (
                f.first(),
                f.get(1),
                f.get(2).and_then(|n| n.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let mut cs = src.chars();
            let (Some(c), None) = (cs.next(), cs.next()) else {
                continue;
            };
            if c == ' ' {
                glue_n.1 += n;
                if obs.is_empty() {
                    glue_n.0 += n;
                }
                continue;
            }
            rows.entry(c).or_default().push((obs.to_string(), n));
        }
        let mut by_obs: HashMap<String, Box<Costs>> = HashMap::default();
        let mut deletions = [f32::INFINITY; LETTERS];
        fn reads(by_obs: &mut HashMap<String, Box<Costs>>, obs: String) -> &mut Costs {
            by_obs
                .entry(obs)
                .or_insert_with(|| Box::new([f32::INFINITY; LETTERS]))
        }
        for (i, c) in ALPHABET.chars().enumerate() {
            let row = rows.remove(&c).unwrap_or_default();
            let total: f64 = row.iter().map(|r| r.1).sum::<f64>() + 1.0;
            let mut has_self = false;
            for (obs, n) in row {
                if n < 2.0 || obs.chars().count() > MAX_CHUNK {
                    continue;
                }
                let cost = -(n / total).log10() as f32;
                if cost > MAX_EDIT {
                    continue;
                }
                has_self |= obs == c.to_string();
                if obs.is_empty() {
                    deletions[i] = cost;
                } else {
                    let costs = reads(&mut by_obs, obs);
                    costs[i] = costs[i].min(cost);
                }
            }
            if !has_self {
                reads(&mut by_obs, c.to_string())[i] = UNSEEN_SELF;
            }
            let folded = crate::text::fold_char(c);
            if folded != c {
                let costs = reads(&mut by_obs, folded.to_string());
                if costs[i].is_infinite() {
                    costs[i] = UNSEEN_FOLD;
                }
            }
        }
        let glue = if glue_n.1 > 0.0 {
            -((glue_n.0 + 1.0) / glue_n.1).log10() as f32
        } else {
            4.0
        };
        let mut lexicon: HashMap<String, Vec<(u32, f32)>> = HashMap::default();
        let mut totals: HashMap<String, f64> = HashMap::default();
        let lex_rows: Vec<(String, String, f64)> = lex_tsv
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                Some((
                    f.first()?.to_string(),
                    f.get(1)?.to_string(),
                    f.get(2)?.parse().ok()?,
                ))
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
            lexicon
                .entry(obs)
                .or_default()
                .push((id, -(n / totals[&src]).log10() as f32));
        }
        let (mut unseen_symbol, mut unseen_marks) = (
            [f32::INFINITY; LETTERS],
            [[f32::INFINITY; LETTERS]; VOWELS.len()],
        );
        for (i, c) in ALPHABET.chars().enumerate() {
            if let Some(v) = VOWELS.iter().position(|&v| v == crate::text::fold_char(c)) {
                unseen_symbol[i] = UNSEEN_SYMBOL;
                unseen_marks[v][i] = UNSEEN_MARK;
            }
        }
        let by_obs = by_obs
            .into_iter()
            .map(|(obs, costs)| (obs, Box::new(Reads::new(*costs))))
            .collect();
        let (unseen_symbol, unseen_marks) =
            (Reads::new(unseen_symbol), unseen_marks.map(Reads::new));
        Channel {
            by_obs,
            deletions,
            unseen_symbol,
            unseen_marks,
            glue,
            lexicon,
        }
    }

    /// The observed forms the damage lexicon knows.
    pub(crate) fn lexicon_forms(&self) -> impl Iterator<Item = &str> {
        self.lexicon.keys().map(String::as_str)
    }

    pub(crate) fn lexicon(&self, obs: &str) -> &[(u32, f32)] {
        self.lexicon.get(obs).map_or(&[], |v| v.as_slice())
    }

    /// Up to `k` source word sequences (1 or 2 ids) that could read as `obs`
    /// (lower case), the most plausible first (by unigram − channel cost, an A*
    /// search on that prior), none costing more than `max_cost`. With
    /// `digits_as_symbols`, a digit inside the token may also stand for any vowel
    /// ("x8y" → "xây"), as unseen symbols always may. With `prune`, readings
    /// too implausible to keep are neither returned nor searched for.
    pub fn candidates(
        &self,
        trie: &Trie,
        obs: &str,
        max_cost: f32,
        k: usize,
        digits_as_symbols: bool,
        prune: Option<Prune>,
    ) -> Vec<(Vec<u32>, f32)> {
        let bounds: Vec<usize> = obs
            .char_indices()
            .map(|(i, _)| i)
            .chain([obs.len()])
            .collect();
        let n = bounds.len() - 1;
        // No pair of vocabulary words reads as anything longer.
        if n > 2 * MAX_CHUNK * trie.longest {
            return Vec::new();
        }
        // Per input position: the chunks that start there, as (length, source letter → cost).
        let chunks: Vec<Vec<(usize, &Reads)>> = (0..n)
            .map(|i| {
                let mut at: Vec<(usize, &Reads)> = (1..=MAX_CHUNK)
                    .filter(|l| i + l <= n)
                    .filter_map(|l| {
                        self.by_obs
                            .get(&obs[bounds[i]..bounds[i + l]])
                            .map(|r| (l, &**r))
                    })
                    .collect();
                let c = obs[bounds[i]..].chars().next().unwrap_or(' ');
                let symbol = !c.is_alphanumeric() || digits_as_symbols && c.is_ascii_digit();
                if symbol && c != '-' {
                    at.push((1, &self.unseen_symbol));
                }
                let base = crate::text::fold_char(c);
                if let Some(v) = VOWELS.iter().position(|&v| v == base).filter(|_| base != c) {
                    at.push((1, &self.unseen_marks[v]));
                }
                at
            })
            .collect();
        // Per input position, the source letters some chunk there may be read from.
        let shown: Vec<u128> = chunks
            .iter()
            .map(|at| at.iter().fold(0, |set, &(_, reads)| set | reads.letters))
            .collect();
        let dropped = letter_set(&self.deletions);
        // A* bound: the cheapest reading of the input from each position on, whatever the words.
        let mut rest = vec![0.0f32; n + 1];
        for i in (0..n).rev() {
            rest[i] = chunks[i]
                .iter()
                .map(|&(len, reads)| {
                    reads.costs.iter().fold(f32::INFINITY, |a, &b| a.min(b)) + rest[i + len]
                })
                .fold(f32::INFINITY, f32::min);
        }
        if rest[0] > max_cost {
            return Vec::new();
        }
        SCRATCH.with_borrow_mut(|(heap, states, best)| {
            heap.clear();
            states.clear();
            best.clear();
            states.push(State {
                bound: rest[0],
                cost: 0.0,
                node: 0,
                pos: 0,
                first: 0,
                first_prior: 0.0,
                dels: 0,
                done: false,
            });
            heap.push(Queued::new(trie.nodes[0].best - rest[0], 0));
            let mut out: Vec<(Vec<u32>, f32)> = Vec::new();
            let (mut floor, decades) = prune.map_or((f32::NEG_INFINITY, f32::INFINITY), |p| {
                (p.best - p.decades, p.decades)
            });
            let mut pops = 0;
            // States come out most hopeful first, so readings come out by prior.
            while let Some(queued) = heap.pop() {
                let (hope, s) = (queued.hope(), states[queued.state()]);
                pops += 1;
                if hope < floor || out.len() >= k || pops > 4000 {
                    break;
                }
                let (node, pos) = (&trie.nodes[s.node as usize], usize::from(s.pos));
                if s.done {
                    let ids = match (s.first, node.word) {
                        (_, None) => continue,
                        (0, Some(id)) => vec![id],
                        (first, Some(id)) => vec![first, id],
                    };
                    if !out.iter().any(|(o, _)| *o == ids) {
                        out.push((ids, s.cost));
                        floor = floor.max(hope - decades);
                    }
                    continue;
                }
                if let (true, Some(_)) = (pos == n, node.word) {
                    // A complete reading, queued again with its exact prior.
                    heap.push(Queued::new(
                        s.first_prior + node.unigram - s.cost,
                        states.len(),
                    ));
                    states.push(State { done: true, ..s });
                }
                // `node_best`: the `best` of the next state's node.
                let mut push = |next: State, node_best: f32| {
                    let key = u64::from(next.node)
                        | u64::from(next.first) << 32
                        | u64::from(next.pos) << (32 + super::lm::ID_BITS);
                    if next.bound > max_cost || next.first_prior + node_best - next.bound < floor {
                        return;
                    }
                    match best.entry(key) {
                        Entry::Occupied(e) if *e.get() <= next.cost => {}
                        e => {
                            e.insert_entry(next.cost);
                            heap.push(Queued::new(
                                next.first_prior + node_best - next.bound,
                                states.len(),
                            ));
                            states.push(next);
                        }
                    }
                };
                let state = |cost: f32, node: u32, pos: usize, dels: u8| State {
                    bound: cost + rest[pos],
                    cost,
                    node,
                    pos: pos as u16,
                    dels,
                    ..s
                };
                if let (Some(id), 0, true) = (node.word, s.first, pos > 0 && pos < n) {
                    push(
                        State {
                            first: id,
                            first_prior: node.unigram,
                            ..state(s.cost + self.glue, 0, pos, 0)
                        },
                        trie.nodes[0].best,
                    );
                }
                // Children whose letter no chunk here shows and that may not be dropped lead nowhere.
                let wanted =
                    shown.get(pos).copied().unwrap_or(0) | if s.dels < 1 { dropped } else { 0 };
                for &Edge {
                    letter,
                    node: child,
                    best,
                } in &trie.edges[node.edges.start as usize..node.edges.end as usize]
                {
                    // Every reading through the child costs at least `s.bound`.
                    if s.first_prior + best - s.bound < floor || (wanted >> letter) as u64 & 1 == 0
                    {
                        continue;
                    }
                    let c = usize::from(letter);
                    if pos < n {
                        for &(len, reads) in &chunks[pos] {
                            if reads.costs[c].is_finite() {
                                push(
                                    state(s.cost + reads.costs[c], child, pos + len, s.dels),
                                    best,
                                );
                            }
                        }
                    }
                    if s.dels < 1 && self.deletions[c].is_finite() {
                        push(
                            state(s.cost + self.deletions[c], child, pos, s.dels + 1),
                            best,
                        );
                    }
                }
            }
            out
        })
    }
}

/// Readings whose prior (unigram − channel cost) falls more than `decades` below
/// `best`, or below the best reading found, are not wanted.
#[derive(Clone, Copy)]
pub(crate) struct Prune {
    pub best: f32,
    pub decades: f32,
}

/// Search buffers reused across calls on one thread: the queue, the states it
/// points into, and the cheapest cost found per trie node, first word of a glued
/// pair and input position.
type Scratch = (BinaryHeap<Queued>, Vec<State>, HashMap<u64, f32>);

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// `cost` plus the cheapest reading of the rest of the input.
    bound: f32,
    cost: f32,
    node: u32,
    /// Input position in chars (a token is far shorter than `u16::MAX`).
    pos: u16,
    /// First word of a glued pair (0 = none) and its unigram.
    first: u32,
    first_prior: f32,
    dels: u8,
    /// A complete reading, queued by its prior.
    done: bool,
}

/// A queued state: the best prior (unigram − cost) a reading through it can have,
/// as order-keeping bits, above its index in the states; one integer for the
/// heap to compare and move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Queued(u64);

impl Queued {
    fn new(hope: f32, state: usize) -> Queued {
        let bits = hope.to_bits();
        let key = if bits >> 31 == 1 {
            !bits
        } else {
            bits | 1 << 31
        };
        Queued(u64::from(key) << 32 | state as u64)
    }

    fn hope(self) -> f32 {
        let key = (self.0 >> 32) as u32;
        f32::from_bits(if key >> 31 == 1 {
            key & !(1 << 31)
        } else {
            !key
        })
    }

    fn state(self) -> usize {
        self.0 as u32 as usize
    }
}

/// A trie over the vocabulary (lower-case word strings) by [`ALPHABET`] index.
pub(crate) struct Trie {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Chars in the longest word.
    longest: usize,
}

struct Node {
    /// Its children: `edges[edges.start..edges.end]`.
    edges: std::ops::Range<u32>,
    word: Option<u32>,
    /// Unigram of `word`, and the highest unigram of a word at or below this node.
    unigram: f32,
    best: f32,
}

/// A link to a child node, with that node's `best` so the search can skip it unvisited.
struct Edge {
    letter: u8,
    node: u32,
    best: f32,
}

impl Trie {
    /// A trie of every vocabulary word with at least `min_count` occurrences;
    /// words with a char outside [`ALPHABET`] are left out, as the channel never produces them.
    pub fn build(lm: &Lm, min_count: u32) -> Trie {
        // Per node: (letter index, node) of its children, word and unigram.
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut words: Vec<(Option<u32>, f32)> = vec![(None, f32::NEG_INFINITY)];
        let mut longest = 0;
        for (id, (w, &c)) in lm
            .words
            .iter()
            .zip(&lm.counts)
            .enumerate()
            .skip(super::lm::FIRST_WORD as usize)
        {
            let Some(letters) = w
                .chars()
                .map(letter)
                .collect::<Option<Vec<u8>>>()
                .filter(|_| c >= min_count)
            else {
                continue;
            };
            let mut at = 0usize;
            for &l in &letters {
                at = match children[at].iter().find(|(x, _)| *x == l) {
                    Some(&(_, n)) => n as usize,
                    None => {
                        children.push(Vec::new());
                        words.push((None, f32::NEG_INFINITY));
                        let n = children.len() - 1;
                        children[at].push((l, n as u32));
                        n
                    }
                };
            }
            words[at] = (Some(id as u32), lm.unigram(id as u32));
            longest = longest.max(letters.len());
        }
        // Children come after their parent.
        let mut best: Vec<f32> = words.iter().map(|w| w.1).collect();
        for i in (0..best.len()).rev() {
            best[i] = children[i]
                .iter()
                .map(|&(_, c)| best[c as usize])
                .fold(best[i], f32::max);
        }
        let mut edges = Vec::new();
        let nodes = children
            .iter()
            .zip(words)
            .zip(&best)
            .map(|((kids, (word, unigram)), &best_here)| {
                let start = edges.len() as u32;
                edges.extend(kids.iter().map(|&(letter, node)| Edge {
                    letter,
                    node,
                    best: best[node as usize],
                }));
                Node {
                    edges: start..edges.len() as u32,
                    word,
                    unigram,
                    best: best_here,
                }
            })
            .collect();
        Trie {
            nodes,
            edges,
            longest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Queued;

    #[test]
    fn queue_keys_keep_the_order_of_hopes() {
        let hopes = [f32::NEG_INFINITY, -12.5, -3.0, -0.25, -0.0, 0.0, 0.5, 7.0];
        for (i, &h) in hopes.iter().enumerate() {
            assert_eq!(Queued::new(h, i).hope().to_bits(), h.to_bits());
            assert_eq!(Queued::new(h, i).state(), i);
        }
        for pair in hopes.windows(2) {
            assert!(
                Queued::new(pair[0], 9) < Queued::new(pair[1], 0),
                "{pair:?}"
            );
        }
    }
}
