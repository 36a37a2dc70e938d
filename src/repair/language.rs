//! Telling English and French from Vietnamese, per line and per run of words.
//!
//! Archives hold English forms, French quotes and English names of bodies
//! beside Vietnamese. Read as Vietnamese they get marks ("it" → "ít", "de son"
//! → "để sơn"), so such text is left alone. The evidence is shape (plain
//! letters no Vietnamese word folds to: "form", "candidat") held up by a
//! frequent English or French function word that is no Vietnamese word either
//! ("and", "of", "des"). Shape alone is not enough: OCR damage of Vietnamese
//! makes odd shapes too ("dugc", "caa", "phd", even with f, w and j for ư, ứ,
//! ị), but not these words.

/// Frequent English and French words no Vietnamese word folds to.
const FUNCTION_WORDS: [&str; 36] = [
    "and", "of", "for", "with", "this", "that", "these", "from", "are", "was", "were", "your",
    "you", "his", "her", "their", "our", "will", "shall", "must", "have", "has", "which", "les",
    "des", "une", "est", "pour", "dans", "avec", "sur", "par", "qui", "aux", "sont", "the",
];

/// How one word looks, for [`foreign_words`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// A Vietnamese word, a stripped or damaged one, an acronym or OCR junk: no evidence.
    Vietnamese,
    /// Plain letters that no Vietnamese word folds to ("form", "dugc").
    Odd,
    /// A function word of [`FUNCTION_WORDS`] that no Vietnamese word folds to.
    Foreign,
}

impl Look {
    /// How `word` looks; `vietnamese_shaped` says whether some Vietnamese word folds to it.
    pub fn of(word: &str, vietnamese_shaped: bool) -> Look {
        if vietnamese_shaped || !word.chars().all(|c| c.is_ascii_alphabetic()) {
            Look::Vietnamese
        } else if FUNCTION_WORDS.contains(&word.to_ascii_lowercase().as_str()) {
            Look::Foreign
        } else {
            Look::Odd
        }
    }

    fn odd(self) -> bool {
        self != Look::Vietnamese
    }
}

/// Which of a line's words (by their [`Look`]s) are foreign text: all of them
/// when at least half look odd and one is a function word, else each run of
/// two or more odd neighbours with a function word among them
/// ("Department of Home Affairs").
pub(crate) fn foreign_words(looks: &[Look]) -> Vec<bool> {
    let odd = looks.iter().filter(|l| l.odd()).count();
    let sure = looks.contains(&Look::Foreign);
    if looks.len() >= 2 && 2 * odd >= looks.len() && sure {
        return vec![true; looks.len()];
    }
    let mut out = vec![false; looks.len()];
    let mut start = 0;
    while start < looks.len() {
        let end = looks[start..]
            .iter()
            .position(|l| !l.odd())
            .map_or(looks.len(), |p| start + p);
        let run = &looks[start..end];
        if run.len() >= 2 && run.contains(&Look::Foreign) {
            out[start..end].iter_mut().for_each(|f| *f = true);
        }
        start = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn looks(words: &str, vietnamese: &[&str]) -> Vec<Look> {
        words
            .split(' ')
            .map(|w| Look::of(w, vietnamese.contains(&w.to_lowercase().as_str())))
            .collect()
    }

    #[test]
    fn english_and_french_lines() {
        let viet = ["in", "it", "to", "the", "le", "de", "son", "copie", "et"];
        let en = looks("Please fill in this form and send it to us", &viet);
        assert!(foreign_words(&en).iter().all(|&f| f));
        let fr = looks("Le candidat doit joindre une copie de son passeport", &viet);
        assert!(foreign_words(&fr).iter().all(|&f| f));
    }

    #[test]
    fn vietnamese_lines_and_damage_stay() {
        let viet = ["cong", "tac", "co", "the", "thuc", "hien", "nam", "to"];
        let stripped = looks("Cong tac co the thuc hien nam", &viet);
        assert!(!foreign_words(&stripped).contains(&true));
        // OCR damage: odd shapes, but no function word.
        let ocr = looks("dugc caa to chirc phd cia", &viet);
        assert!(!foreign_words(&ocr).contains(&true));
    }

    #[test]
    fn a_foreign_run_inside_a_line() {
        let viet = ["ho", "va", "ten", "nguyen", "van", "an"];
        let got = foreign_words(&looks(
            "Ho va ten Department of Home Affairs Nguyen Van An",
            &viet,
        ));
        let want = [
            false, false, false, true, true, true, true, false, false, false,
        ];
        assert_eq!(got, want);
    }
}
