//! List labels as a reader sees them: counters per list and level, formatted as the
//! document's list definition says ("I.", "1.1.", "a)", "-").

/// How one list level writes its counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumFormat {
    Decimal,
    UpperRoman,
    LowerRoman,
    UpperLetter,
    LowerLetter,
    /// A bullet: "-" and "+" as written, any other symbol as "-".
    Bullet(String),
    /// No label.
    None,
}

impl NumFormat {
    /// Word's `w:numFmt` values.
    pub fn from_word(value: &str, bullet_text: &str) -> NumFormat {
        match value {
            "decimal" | "decimalZero" => NumFormat::Decimal,
            "upperRoman" => NumFormat::UpperRoman,
            "lowerRoman" => NumFormat::LowerRoman,
            "upperLetter" => NumFormat::UpperLetter,
            "lowerLetter" => NumFormat::LowerLetter,
            "bullet" => NumFormat::Bullet(bullet(bullet_text)),
            "none" => NumFormat::None,
            _ => NumFormat::Decimal,
        }
    }

    /// OpenDocument's `style:num-format` values.
    pub fn from_odf(value: &str) -> NumFormat {
        match value {
            "1" => NumFormat::Decimal,
            "I" => NumFormat::UpperRoman,
            "i" => NumFormat::LowerRoman,
            "A" => NumFormat::UpperLetter,
            "a" => NumFormat::LowerLetter,
            _ => NumFormat::None,
        }
    }

    pub fn format(&self, n: u32) -> String {
        match self {
            NumFormat::Decimal => n.to_string(),
            NumFormat::UpperRoman => roman(n),
            NumFormat::LowerRoman => roman(n).to_lowercase(),
            NumFormat::UpperLetter => letter(n),
            NumFormat::LowerLetter => letter(n).to_lowercase(),
            NumFormat::Bullet(b) => b.clone(),
            NumFormat::None => String::new(),
        }
    }
}

/// The bullet a Vietnamese document means: "-" and "+" kept, symbol-font glyphs ("",
/// "•", "o", "§") read as "-".
pub fn bullet(text: &str) -> String {
    match text.trim() {
        "+" => "+".into(),
        _ => "-".into(),
    }
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

/// A, B, … Z, AA, BB, … as word processors count.
fn letter(n: u32) -> String {
    if n == 0 {
        return String::new();
    }
    let c = char::from(b'A' + ((n - 1) % 26) as u8);
    std::iter::repeat_n(c, ((n - 1) / 26 + 1) as usize).collect()
}

/// Counters of one list: advancing a level restarts the deeper ones.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    values: Vec<u32>,
}

impl Counters {
    /// Advances `level` (starting at `start` after a restart); returns all counters.
    pub fn advance(&mut self, level: usize, start: impl Fn(usize) -> u32) -> &[u32] {
        if self.values.len() <= level {
            self.values.resize(level + 1, 0);
        }
        for (l, v) in self.values.iter_mut().enumerate().take(level) {
            if *v == 0 {
                *v = start(l);
            }
        }
        self.values[level] = if self.values[level] == 0 {
            start(level)
        } else {
            self.values[level] + 1
        };
        self.values.truncate(level + 1);
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(NumFormat::UpperRoman.format(14), "XIV");
        assert_eq!(NumFormat::LowerLetter.format(28), "bb");
        assert_eq!(NumFormat::from_word("bullet", "\u{f0b7}").format(3), "-");
        assert_eq!(NumFormat::from_word("bullet", "+").format(3), "+");
    }

    #[test]
    fn deeper_levels_restart() {
        let mut c = Counters::default();
        assert_eq!(c.advance(0, |_| 1), [1]);
        assert_eq!(c.advance(1, |_| 1), [1, 1]);
        assert_eq!(c.advance(1, |_| 1), [1, 2]);
        assert_eq!(c.advance(0, |_| 1), [2]);
        assert_eq!(c.advance(1, |_| 1), [2, 1]);
    }
}
