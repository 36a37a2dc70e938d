//! The search over a line's lattice: one slot per token with its readings,
//! the wider context's evidence, beam Viterbi under channel × trigram LM, and
//! the local confidence of each choice.

use std::rc::Rc;

use super::super::lm;
use super::super::readings::{Cand, Ids};
use super::super::Model;
use super::memo::{push, History, Memo, TITLE};

/// Weight of the channel against the language model (both log10).
pub(super) const CHANNEL_WEIGHT: f32 = 1.0;
/// Beam width (distinct LM states kept per position), and how far below the best
/// a state may score and still be kept (decades).
const BEAM: usize = 10;
const BEAM_DECADES: f32 = 4.0;
/// Weight of the wider context's evidence ([`add_context`]; tuned on the dev split).
const CONTEXT_WEIGHT: f32 = 0.2;
/// Share of the LM against [`Model::name_prob`] for a word in a person's name
/// (tuned on the dev split).
const NAME_LM_SHARE: f32 = 0.5;

/// One lattice position: the token it reads (None for numbers and codes), its
/// candidates and a per-candidate extra cost (case evidence; empty = none).
pub(super) struct Slot {
    pub(super) tok: Option<usize>,
    /// Fold class of the word as written, context for its neighbours ([`Lm::context`]).
    pub(super) class: Option<u32>,
    /// [`TITLE`] when the token is written capitalised, else 0.
    pub(super) title: u32,
    /// The token is a word of a person's name ([`name_positions`]).
    pub(super) name: bool,
    pub(super) cands: Rc<[Cand]>,
    pub(super) extra: Vec<f32>,
}

impl Slot {
    /// A slot with one reading that is no token of the line being output.
    pub(super) fn fixed(id: u32, title: u32, class: Option<u32>) -> Slot {
        let cands = Rc::from([Cand {
            ids: Ids::one(id),
            cost: 0.0,
        }]);
        Slot {
            tok: None,
            class,
            title,
            name: false,
            cands,
            extra: Vec::new(),
        }
    }

    /// Score of a reading's first word `w` after `h`; in a name, the LM mixed
    /// with the word's share of names.
    pub(super) fn first_score(&self, m: &Model, memo: &mut Memo, h: &History, w: u32) -> f32 {
        let lm_score = memo.score(&m.lm, h, w);
        if !self.name {
            return lm_score;
        }
        let p_name = m.name_prob[(w & !TITLE) as usize];
        (NAME_LM_SHARE * 10f32.powf(lm_score) + (1.0 - NAME_LM_SHARE) * p_name).log10()
    }
}

/// Adds to each reading's cost the evidence of the fold classes 2 to
/// [`lm::CONTEXT_WINDOW`] slots away ("trồng … cây", "sinh hoạt hè cho thiếu nhi"),
/// for the line's `own` slots (the lookahead is read but not output).
/// It only ranks readings of the same letters against each other: the best of
/// them costs nothing more, so an OCR reading is not pushed toward other letters.
pub(super) fn add_context(m: &Model, lattice: &mut [Slot], own: usize) {
    let (mut near, mut classes, mut evidence): (Vec<u32>, Vec<u32>, Vec<f32>) = Default::default();
    for i in 0..own {
        // Fold class per one-word reading; a class with one reading here needs no evidence.
        classes.clear();
        classes.extend(lattice[i].cands.iter().map(|c| match c.ids[..] {
            [id] => m.word_class[id as usize],
            _ => u32::MAX,
        }));
        let shared = |k: usize| {
            classes[k] != u32::MAX && classes.iter().filter(|&&c| c == classes[k]).count() > 1
        };
        if !(0..classes.len()).any(shared) {
            continue;
        }
        let window =
            i.saturating_sub(lm::CONTEXT_WINDOW)..(i + lm::CONTEXT_WINDOW + 1).min(lattice.len());
        near.clear();
        near.extend(
            window
                .filter(|&j| j.abs_diff(i) >= 2)
                .filter_map(|j| lattice[j].class),
        );
        if near.is_empty() {
            continue;
        }
        let slot = &mut lattice[i];
        evidence.clear();
        evidence.extend((0..classes.len()).map(|k| {
            if shared(k) {
                near.iter()
                    .map(|&n| m.lm.context(slot.cands[k].ids[0], n))
                    .sum()
            } else {
                0.0
            }
        }));
        slot.extra.resize(slot.cands.len(), 0.0);
        for k in (0..classes.len()).filter(|&k| shared(k)) {
            let best = (0..classes.len())
                .filter(|&j| classes[j] == classes[k])
                .map(|j| evidence[j])
                .fold(evidence[k], f32::max);
            slot.extra[k] += CONTEXT_WEIGHT * (best - evidence[k]);
        }
    }
}

/// Probability of the chosen candidate against the others at one position,
/// with the chosen neighbours fixed (a local posterior).
pub(super) fn local_confidence(
    m: &Model,
    memo: &mut Memo,
    slot: &Slot,
    choice: usize,
    flat: &[u32],
    at: usize,
) -> f32 {
    let cands = &slot.cands;
    if cands.len() < 2 {
        return 1.0;
    }
    let start =
        [at.checked_sub(2), at.checked_sub(1)].map(|i| i.map_or(lm::BOS, |i| flat[i] & !TITLE));
    let after = &flat[(at + cands[choice].ids.len()).min(flat.len())..];
    let after = &after[..after.len().min(2)];
    let scores: Vec<f32> = cands
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut h = start;
            let mut lm_sum = 0.0;
            let first = c.ids[0] | slot.title;
            lm_sum += slot.first_score(m, memo, &h, first);
            h = push(&h, first);
            for &w in c.ids[1..].iter().chain(after) {
                lm_sum += memo.score(&m.lm, &h, w);
                h = push(&h, w);
            }
            lm_sum - CHANNEL_WEIGHT * c.cost - slot.extra.get(ci).copied().unwrap_or(0.0)
        })
        .collect();
    let best = scores.iter().copied().fold(f32::MIN, f32::max);
    let z: f32 = scores.iter().map(|s| 10f32.powf(s - best)).sum();
    10f32.powf(scores[choice] - best) / z
}

/// Best candidate index per lattice position under channel × trigram LM.
pub(super) fn viterbi(m: &Model, memo: &mut Memo, lattice: &[Slot], start: History) -> Vec<usize> {
    #[derive(Clone, Copy)]
    struct Hyp {
        h: History,
        score: f32,
        back: u32,
    }
    // Arena of (parent, candidate) for backtracking.
    let mut arena: Vec<(u32, u16)> = Vec::new();
    let mut beam = vec![Hyp {
        h: start,
        score: 0.0,
        back: u32::MAX,
    }];
    // Without the document cache or names the LM scores no word above its best.
    let bounded = !memo.mixed();
    for slot in lattice {
        let mut next: Vec<Hyp> = Vec::with_capacity(beam.len() * slot.cands.len());
        let mut best = f32::MIN;
        for h in &beam {
            for (ci, c) in slot.cands.iter().enumerate() {
                let extra = slot.extra.get(ci).copied().unwrap_or(0.0);
                let (mut hist, mut s) = (h.h, h.score - CHANNEL_WEIGHT * c.cost - extra);
                // The floor below would drop this one: LM scores are at most 0, and
                // without mixing at most the words' best.
                let best_lm = if bounded && !slot.name {
                    c.ids.iter().map(|&id| m.lm.best_score(id)).sum()
                } else {
                    0.0
                };
                if s + best_lm < best - BEAM_DECADES {
                    continue;
                }
                for (n, &id) in c.ids.iter().enumerate() {
                    let id = if n == 0 { id | slot.title } else { id };
                    s += if n == 0 {
                        slot.first_score(m, memo, &hist, id)
                    } else {
                        memo.score(&m.lm, &hist, id)
                    };
                    hist = push(&hist, id);
                }
                // Under the floor already: dropped below in any case.
                if s < best - BEAM_DECADES {
                    continue;
                }
                best = best.max(s);
                arena.push((h.back, ci as u16));
                next.push(Hyp {
                    h: hist,
                    score: s,
                    back: arena.len() as u32 - 1,
                });
            }
        }
        // Recombine hypotheses that end in the same LM state, keeping the best.
        next.sort_unstable_by(|a, b| a.h.cmp(&b.h).then(b.score.total_cmp(&a.score)));
        next.dedup_by(|later, kept| later.h == kept.h);
        // Only the best BEAM survive; a partial selection is enough to find them.
        if next.len() > BEAM {
            next.select_nth_unstable_by(BEAM - 1, |a, b| b.score.total_cmp(&a.score));
            next.truncate(BEAM);
        }
        next.sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
        let floor = next.first().map_or(f32::MIN, |h| h.score - BEAM_DECADES);
        next.retain(|h| h.score >= floor);
        beam = next;
    }
    let mut path = Vec::with_capacity(lattice.len());
    let mut at = beam.first().map_or(u32::MAX, |h| h.back);
    while at != u32::MAX {
        let (parent, ci) = arena[at as usize];
        path.push(ci as usize);
        at = parent;
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> &'static Model {
        crate::repair::model().as_ref().expect("model")
    }

    fn word(w: &str) -> u32 {
        model().lm.id(w).expect(w)
    }

    #[test]
    fn viterbi_reads_the_likelier_word_in_context() {
        let m = model();
        let misread = Slot {
            tok: Some(1),
            class: None,
            title: 0,
            name: false,
            cands: Rc::from([
                Cand {
                    ids: Ids::one(lm::UNK),
                    cost: 2.5,
                },
                Cand {
                    ids: Ids::one(word("biểu")),
                    cost: 2.0,
                },
            ]),
            extra: Vec::new(),
        };
        let lattice = [Slot::fixed(word("đại"), 0, None), misread];
        let mut memo = Memo::new(100);
        let path = viterbi(m, &mut memo, &lattice, [lm::BOS; 2]);
        assert_eq!(path, [0, 1]);
        let flat = [word("đại"), word("biểu")];
        let conf = local_confidence(m, &mut memo, &lattice[1], 1, &flat, 1);
        assert!(conf > 0.9 && conf <= 1.0, "{conf}");
        assert_eq!(
            local_confidence(m, &mut memo, &lattice[0], 0, &flat, 0),
            1.0
        );
    }
}
