//! Acronyms of a document stripped of its marks lost their Đ ("BCD"). The
//! document usually spells them out, and its repaired words tell which D was a
//! Đ: "Ban Chỉ đạo" → "BCĐ", "Quy chế dân chủ" → "QCDC", and so "BCDQCDC" →
//! "BCĐQCDC" even where the compound itself is never spelled out.

use rustc_hash::FxHashMap as HashMap;

use super::token::{is_acronym, tokenize, Kind, Tok};
use super::without_d_stroke;
use crate::text::fold_char;

/// Shorter acronyms would match unrelated words by chance.
const MIN_LETTERS: usize = 3;

/// Rewrites, in repaired `lines`, every acronym whose D or Đ the document's own
/// expansion of it contradicts; returns how many tokens changed.
pub fn restore(lines: &mut [String]) -> u64 {
    let toks: Vec<Vec<Tok>> = lines.iter().map(|l| tokenize(l)).collect();
    let mut wanted: HashMap<String, HashMap<String, u32>> = HashMap::default();
    for (line, line_toks) in lines.iter().zip(&toks) {
        for t in line_toks {
            for part in parts(&line[t.start..t.end], t.kind) {
                let plain = without_d_stroke(part);
                // Compounds ("BCDQCDC") may be spelled out only in their halves.
                for (left, right) in halves(&plain) {
                    wanted.entry(left.to_string()).or_default();
                    wanted.entry(right.to_string()).or_default();
                }
                wanted.entry(plain).or_default();
            }
        }
    }
    if wanted.is_empty() {
        return 0;
    }
    // Initials of each run of words separated by spaces only ("Ban Chỉ đạo").
    for (line, line_toks) in lines.iter().zip(&toks) {
        let mut run: Vec<Initial> = Vec::new();
        let mut prev_end: Option<usize> = None;
        for t in line_toks.iter().chain([&Tok {
            start: line.len(),
            end: line.len(),
            kind: Kind::Other,
        }]) {
            let joined = t.kind == Kind::Word
                && prev_end.is_some_and(|e| line[e..t.start].chars().all(char::is_whitespace));
            if !joined {
                count_expansions(&run, &mut wanted);
                run.clear();
            }
            if t.kind == Kind::Word {
                run.extend(initial(&line[t.start..t.end]));
            }
            prev_end = Some(t.end);
        }
    }
    let mut forms: HashMap<String, String> = wanted
        .into_iter()
        .filter_map(|(plain, seen)| {
            Some((
                plain,
                seen.into_iter().max_by_key(|(f, c)| (*c, f.clone()))?.0,
            ))
        })
        .collect();
    let compounds: Vec<(String, String)> = toks
        .iter()
        .zip(lines.iter())
        .flat_map(|(line_toks, line)| {
            line_toks
                .iter()
                .flat_map(|t| parts(&line[t.start..t.end], t.kind))
        })
        .map(without_d_stroke)
        .filter(|plain| !forms.contains_key(plain))
        .filter_map(|plain| {
            let form = halves(&plain)
                .into_iter()
                .find_map(|(l, r)| Some(format!("{}{}", forms.get(l)?, forms.get(r)?)))?;
            Some((plain, form))
        })
        .collect();
    forms.extend(compounds);
    let mut changed = 0;
    for (line, line_toks) in lines.iter_mut().zip(&toks) {
        let mut out = String::with_capacity(line.len() + 4);
        let mut at = 0;
        for t in line_toks {
            let core = &line[t.start..t.end];
            let mut new = core.to_string();
            for part in parts(core, t.kind) {
                if let Some(form) = forms
                    .get(&without_d_stroke(part))
                    .filter(|f| f.as_str() != part)
                {
                    new = new.replacen(part, form, 1);
                }
            }
            if new != core {
                changed += 1;
                out.push_str(&line[at..t.start]);
                out.push_str(&new);
                at = t.end;
            }
        }
        if at > 0 {
            out.push_str(&line[at..]);
            *line = out;
        }
    }
    changed
}

/// The ways to cut an acronym into two of at least [`MIN_LETTERS`] letters each.
fn halves(plain: &str) -> Vec<(&str, &str)> {
    let n = plain.chars().count();
    (MIN_LETTERS..=n.saturating_sub(MIN_LETTERS))
        .filter_map(|k| {
            plain
                .char_indices()
                .nth(k)
                .map(|(at, _)| plain.split_at(at))
        })
        .collect()
}

/// The acronyms with a D or Đ in a token: the word itself, or the parts of a code.
fn parts(core: &str, kind: Kind) -> Vec<&str> {
    let candidates: Vec<&str> = match kind {
        Kind::Word => vec![core],
        Kind::Code => core.split(['/', '-', '.']).collect(),
        _ => Vec::new(),
    };
    candidates
        .into_iter()
        .filter(|p| p.chars().count() >= MIN_LETTERS && is_acronym(p) && p.contains(['D', 'Đ']))
        .collect()
}

/// A word's initial as acronyms write it ("Ủy" → 'U', "đạo" → 'Đ'), and whether
/// the word is capitalised.
#[derive(Clone, Copy)]
struct Initial {
    letter: char,
    capital: bool,
}

fn initial(word: &str) -> Option<Initial> {
    let c = word.chars().next()?;
    let letter = if matches!(c, 'đ' | 'Đ') {
        'Đ'
    } else {
        fold_char(c).to_uppercase().next()?
    };
    Some(Initial {
        letter,
        capital: c.is_uppercase(),
    })
}

/// Counts, for every wanted acronym, the forms its expansions in `run` spell.
/// An expansion is a name: capitalised throughout, or starting with a capital
/// inside the run, where a capital is no sentence start ("Họp Ban chỉ đạo");
/// "Các nội dung thực" is not "CNĐT".
fn count_expansions(run: &[Initial], wanted: &mut HashMap<String, HashMap<String, u32>>) {
    for (plain, seen) in wanted.iter_mut() {
        let n = plain.chars().count();
        for (at, w) in run.windows(n).enumerate() {
            let named = w.iter().all(|i| i.capital) || (at > 0 && w[0].capital);
            if named
                && plain
                    .chars()
                    .zip(w)
                    .all(|(p, i)| i.letter == p || (p == 'D' && i.letter == 'Đ'))
            {
                *seen
                    .entry(w.iter().map(|i| i.letter).collect())
                    .or_default() += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restored(text: &str) -> String {
        let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
        restore(&mut lines);
        lines.join("\n")
    }

    #[test]
    fn acronyms_take_their_d_stroke_from_the_expansion() {
        let text = "Họp Ban chỉ đạo Quy chế dân chủ ngày 5/3.\nThành viên BCD. Số: 479 KH/BCDQCDC\nTriển khai QCĐC ở cơ sở";
        assert_eq!(
            restored(text),
            "Họp Ban chỉ đạo Quy chế dân chủ ngày 5/3.\nThành viên BCĐ. Số: 479 KH/BCĐQCDC\nTriển khai QCDC ở cơ sở"
        );
    }

    #[test]
    fn without_an_expansion_nothing_changes() {
        let text = "Ban, chỉ đạo BCD và UBND tỉnh; DMST\nCác nội dung thực hiện CNĐT";
        assert_eq!(restored(text), text);
    }
}
