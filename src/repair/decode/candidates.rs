//! Candidates of a word token in a damaged line: the words with its letters,
//! the channel's readings, the damage lexicon, glued pairs, keeping it.

use super::super::channel::Prune;
use super::super::readings::{Cand, Ids};
use super::super::{lm, Model};
use super::search::CHANNEL_WEIGHT;
use crate::text::fold;

/// Candidates kept per token (the channel search returns them by unigram × channel).
pub(super) const MAX_CANDS: usize = 10;
/// Candidates whose unigram × channel score is this many decades below the best are dropped.
const PRUNE: f32 = 3.0;
/// Channel cost ceiling for char-level candidates.
pub(super) const MAX_CHANNEL: f32 = 5.0;
/// Cost of keeping a token that is no known word (a name, a foreign word).
pub(super) const KEEP_UNKNOWN: f32 = 2.5;

/// The candidates of a word token (its lower-cased core), in a line whose only
/// damage is lost marks (`stripped`) or with OCR damage.
pub(in crate::repair) fn token_candidates(m: &Model, lower: &str, stripped: bool) -> Vec<Cand> {
    let mut cands: Vec<Cand> = Vec::new();
    let add = |ids: Ids, cost: f32, cands: &mut Vec<Cand>| {
        if let Some(c) = cands.iter_mut().find(|c| c.ids == ids) {
            c.cost = c.cost.min(cost);
        } else {
            cands.push(Cand { ids, cost });
        }
    };
    let known = m.lm.id(&super::super::word_key(lower));
    // Context-free plausibility of a reading: unigram × channel.
    let prior_of = |ids: &[u32], cost: f32| {
        ids.iter().map(|&i| m.lm.unigram(i)).sum::<f32>() - CHANNEL_WEIGHT * cost
    };
    let plain = lower.chars().all(|c| c.is_ascii_alphabetic());
    if plain {
        // Stripped marks: every word with these letters is equally likely.
        for &id in m
            .fold_index
            .get(&fold(lower))
            .map_or(&[][..], |v| v.as_slice())
        {
            add(Ids::one(id), 0.0, &mut cands);
        }
    }
    if !stripped {
        // The search skips readings the pruning below would drop (its prior is
        // unigram − cost, the one here while CHANNEL_WEIGHT is 1).
        let best_prior = cands
            .iter()
            .map(|c| prior_of(&c.ids, c.cost))
            .chain(known.map(|id| prior_of(&[id], 0.0)))
            .chain(
                m.channel
                    .lexicon(lower)
                    .iter()
                    .map(|&(id, cost)| prior_of(&[id], cost)),
            )
            .fold(f32::NEG_INFINITY, f32::max);
        let prune = Prune {
            best: best_prior,
            decades: PRUNE,
        };
        for (ids, cost) in
            m.channel
                .candidates(&m.trie, lower, MAX_CHANNEL, MAX_CANDS, true, Some(prune))
        {
            if let Some(ids) = Ids::new(&ids) {
                add(ids, cost, &mut cands);
            }
        }
        for &(id, cost) in m.channel.lexicon(lower) {
            add(Ids::one(id), cost, &mut cands);
        }
        if known.is_none() {
            for (ids, cost) in glued_readings(m, lower) {
                add(ids, cost, &mut cands);
            }
        }
    }
    if let Some(id) = known {
        add(Ids::one(id), 0.0, &mut cands);
    }
    // Rank by context-free plausibility and drop readings that context would
    // have to lift by more than PRUNE decades: they almost never win.
    let prior = |c: &Cand| prior_of(&c.ids, c.cost);
    cands.sort_by(|a, b| prior(b).total_cmp(&prior(a)));
    if let Some(best) = cands.first().map(prior) {
        cands.retain(|c| prior(c) >= best - PRUNE || Some(c.ids[0]) == known);
    }
    cands.truncate(MAX_CANDS);
    if known.is_none() {
        cands.push(Cand {
            ids: Ids::one(lm::UNK),
            cost: KEEP_UNKNOWN,
        });
    }
    cands
}

/// Two-word readings of an unknown token whose halves are each a known word,
/// a stripped word or a lexicon form ("ciadon" = "cia" + "don" → "của đơn"):
/// the char-level search cannot use the lexicon inside a glued pair.
fn glued_readings(m: &Model, lower: &str) -> Vec<(Ids, f32)> {
    let half = |part: &str| -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = m.channel.lexicon(part).to_vec();
        if part.chars().all(|c| c.is_ascii_alphabetic()) {
            v.extend(
                m.fold_index
                    .get(&fold(part))
                    .into_iter()
                    .flatten()
                    .map(|&id| (id, 0.0)),
            );
        }
        if let Some(id) = m.lm.id(part) {
            v.push((id, 0.0));
        }
        // The three most plausible readings of this half.
        v.sort_by(|a, b| (m.lm.unigram(b.0) - b.1).total_cmp(&(m.lm.unigram(a.0) - a.1)));
        v.truncate(3);
        v
    };
    let mut out = Vec::new();
    let bounds: Vec<usize> = lower.char_indices().map(|(i, _)| i).skip(1).collect();
    for &k in &bounds {
        let (l, r) = lower.split_at(k);
        let right = half(r);
        if right.is_empty() {
            continue;
        }
        for (lid, lc) in half(l) {
            for &(rid, rc) in &right {
                out.push((Ids::pair(lid, rid), lc + rc + m.channel.glue));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripped_words_read_as_every_word_with_their_letters() {
        let m = crate::repair::model().as_ref().expect("model");
        let cands = token_candidates(m, "nguoi", true);
        let words: Vec<&str> = cands
            .iter()
            .map(|c| m.lm.words[c.ids[0] as usize].as_str())
            .collect();
        assert!(words.contains(&"người"), "{words:?}");
        assert!(cands.iter().all(|c| c.cost == 0.0 || c.ids[0] == lm::UNK));
    }

    #[test]
    fn an_unknown_token_may_stay_or_read_as_a_glued_pair() {
        let m = crate::repair::model().as_ref().expect("model");
        let cands = token_candidates(m, "ciadon", false);
        let last = cands.last().expect("candidates");
        assert_eq!((last.ids[0], last.cost), (lm::UNK, KEEP_UNKNOWN));
        assert!(cands.iter().any(|c| c.ids.len() == 2));
    }
}
