//! A fast path for decoding content streams (vanban's patch, see PATCHED.md).
//!
//! lopdf's nom parser allocates and backtracks per operand and was a third of vanban's
//! PDF worker. Content streams are nearly always plain: numbers, names, strings, arrays,
//! small dictionaries and operators. Those are read here into the same operations lopdf
//! gives; anything else (comments, inline images, references, unusual whitespace, a token
//! lopdf would stop at) hands the whole stream back to lopdf, so the result is lopdf's.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, StringFormat};

/// Nesting of strings, arrays and dictionaries read here; deeper goes to lopdf.
const MAX_DEPTH: usize = 32;

/// `data` decoded as `lopdf::content::Content::decode` does.
pub fn decode(data: &[u8]) -> lopdf::Result<Content> {
    match fast(data) {
        Some(operations) => Ok(Content { operations }),
        None => Content::decode(data),
    }
}

/// Whitespace lopdf skips between the tokens of a content stream.
fn is_content_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whitespace inside arrays, dictionaries and hex strings.
fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C')
}

fn is_regular(c: u8) -> bool {
    !is_whitespace(c) && !b"()<>[]{}/%".contains(&c)
}

fn is_operator_char(c: u8) -> bool {
    c.is_ascii_alphabetic() || matches!(c, b'*' | b'\'' | b'"')
}

fn fast(data: &[u8]) -> Option<Vec<Operation>> {
    let mut r = Reader { data, at: 0 };
    let mut operations = Vec::new();
    let mut operands = Vec::new();
    loop {
        r.skip(is_content_space);
        let Some(c) = r.peek() else { break };
        if is_operator_char(c) {
            let word = r.take_while(is_operator_char);
            match word {
                b"null" => operands.push(Object::Null),
                b"true" => operands.push(Object::Boolean(true)),
                b"false" => operands.push(Object::Boolean(false)),
                // An inline image ("BI" starts one for lopdf even inside a longer word), or
                // a word lopdf would read partly as an operand.
                w if w.starts_with(b"BI")
                    || w.starts_with(b"null")
                    || w.starts_with(b"true")
                    || w.starts_with(b"false") =>
                {
                    return None
                }
                w => operations.push(Operation {
                    operator: std::str::from_utf8(w).ok()?.to_string(),
                    operands: std::mem::take(&mut operands),
                }),
            }
        } else {
            operands.push(r.object(0, false)?);
        }
    }
    // Operands without an operator end lopdf's parse early: let it decide.
    operands.is_empty().then_some(operations)
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn skip(&mut self, f: fn(u8) -> bool) {
        while self.peek().is_some_and(f) {
            self.at += 1;
        }
    }

    fn take_while(&mut self, f: fn(u8) -> bool) -> &'a [u8] {
        let start = self.at;
        self.skip(f);
        &self.data[start..self.at]
    }

    /// One object: an operand, or (`nested`) an element of an array or dictionary.
    fn object(&mut self, depth: usize, nested: bool) -> Option<Object> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'/' => {
                self.at += 1;
                self.name().map(Object::Name)
            }
            b'(' => {
                self.at += 1;
                self.literal().map(|s| Object::String(s, StringFormat::Literal))
            }
            b'<' if self.data.get(self.at + 1) == Some(&b'<') => {
                self.at += 2;
                self.dictionary(depth).map(Object::Dictionary)
            }
            b'<' => {
                self.at += 1;
                self.hex().map(|s| Object::String(s, StringFormat::Hexadecimal))
            }
            b'[' => {
                self.at += 1;
                self.array(depth).map(Object::Array)
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number(),
            c if nested && c.is_ascii_alphabetic() => match self.take_while(is_regular) {
                b"null" => Some(Object::Null),
                b"true" => Some(Object::Boolean(true)),
                b"false" => Some(Object::Boolean(false)),
                _ => None,
            },
            _ => None,
        }
    }

    /// After `/`: regular characters and `#xx` escapes.
    fn name(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == b'#' {
                let hex = self.data.get(self.at + 1..self.at + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                self.at += 3;
            } else if is_regular(c) {
                out.push(c);
                self.at += 1;
            } else {
                break;
            }
        }
        Some(out)
    }

    /// After `(`: up to the matching `)`, escapes resolved, nested parentheses kept.
    fn literal(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut open = 0usize;
        loop {
            match self.next()? {
                b'\\' => match self.next()? {
                    d @ b'0'..=b'7' => {
                        let mut value = u16::from(d - b'0');
                        for _ in 0..2 {
                            match self.peek() {
                                Some(d @ b'0'..=b'7') => {
                                    value = value * 8 + u16::from(d - b'0');
                                    self.at += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(value as u8);
                    }
                    b'\r' => {
                        if self.peek() == Some(b'\n') {
                            self.at += 1;
                        }
                    }
                    b'\n' => {}
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(b'\x08'),
                    b'f' => out.push(b'\x0C'),
                    c => out.push(c),
                },
                b'(' => {
                    open += 1;
                    if open > MAX_DEPTH {
                        return None;
                    }
                    out.push(b'(');
                }
                b')' if open == 0 => return Some(out),
                b')' => {
                    open -= 1;
                    out.push(b')');
                }
                c => out.push(c),
            }
        }
    }

    /// After `<`: hex digits and whitespace up to `>`; an odd last digit is padded.
    fn hex(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut high = true;
        loop {
            let c = self.next()?;
            if is_whitespace(c) {
                continue;
            }
            if c == b'>' {
                return Some(out);
            }
            let digit = (c as char).to_digit(16)? as u8;
            if high {
                out.push(digit << 4);
            } else if let Some(last) = out.last_mut() {
                *last |= digit;
            }
            high = !high;
        }
    }

    /// A number as lopdf reads it: a real when it has a point, else an integer.
    fn number(&mut self) -> Option<Object> {
        let start = self.at;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
        }
        let whole = self.take_while(|c| c.is_ascii_digit()).len();
        let point = self.peek() == Some(b'.');
        let fraction = if point {
            self.at += 1;
            self.take_while(|c| c.is_ascii_digit()).len()
        } else {
            0
        };
        let text = std::str::from_utf8(&self.data[start..self.at]).ok()?;
        match (whole, point, fraction) {
            (0, _, 0) => None,
            (_, true, _) => text.parse::<f32>().ok().map(Object::Real),
            _ => text.parse::<i64>().ok().map(Object::Integer),
        }
    }

    /// After `[`: elements up to `]`.
    fn array(&mut self, depth: usize) -> Option<Vec<Object>> {
        let mut items = Vec::new();
        loop {
            self.skip(is_whitespace);
            if self.peek()? == b']' {
                self.at += 1;
                return Some(items);
            }
            let item = self.object(depth + 1, true)?;
            // "1 0 R" is a reference to lopdf.
            if matches!(item, Object::Integer(_)) && self.reference_follows() {
                return None;
            }
            items.push(item);
        }
    }

    /// After `<<`: `/Key value` pairs up to `>>`.
    fn dictionary(&mut self, depth: usize) -> Option<Dictionary> {
        let mut dict = Dictionary::new();
        loop {
            self.skip(is_whitespace);
            match self.next()? {
                b'>' if self.next()? == b'>' => return Some(dict),
                b'/' => {
                    let key = self.name()?;
                    self.skip(is_whitespace);
                    let value = self.object(depth + 1, true)?;
                    if matches!(value, Object::Integer(_)) && self.reference_follows() {
                        return None;
                    }
                    dict.set(key, value);
                }
                _ => return None,
            }
        }
    }

    /// Whether "G R" (a generation and `R`) follows an integer just read.
    fn reference_follows(&self) -> bool {
        let rest = &self.data[self.at..];
        let rest = &rest[rest.iter().take_while(|&&c| is_whitespace(c)).count()..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        let rest = &rest[digits..];
        let rest = &rest[rest.iter().take_while(|&&c| is_whitespace(c)).count()..];
        rest.first() == Some(&b'R')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path gives lopdf's operations, or leaves the stream to lopdf.
    fn same_as_lopdf(data: &[u8]) {
        let lopdf = Content::decode(data).ok().map(|c| c.operations);
        if let Some(fast) = fast(data) {
            // Operation has no PartialEq: compared as printed.
            assert_eq!(
                format!("{:?}", Some(fast)),
                format!("{lopdf:?}"),
                "{}",
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn plain_streams_read_as_lopdf_reads_them() {
        for (s, fast_path) in [
            (&b"BT /F1 12 Tf 72 712 Td (Hello \\(world\\) \\101\\n) Tj ET"[..], true),
            (b"q 1 0 0 1 0 0 cm 0.5 .5 -3. +4 re f Q", true),
            (b"[(A) -120 (B) 3.5 <00410042> <4>] TJ", true),
            (b"/P <</MCID 0 /Alt (x) /K [1 2]>> BDC EMC", true),
            (b"/Name#20x Do 1 2 d0 T* (a) ' 1 2 (b) \"", true),
            (b"(nested (paren) string\\\r\nnext) Tj (\\0053) Tj", true),
            (b"<< /A 1 0 R >> BDC", false),
            (b"% comment\n1 w", false),
            (b"1 2", false),
            (b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI", false),
            (b"1 2 \x00 3 Tj", false),
            (b"nullx true false null Tj", false),
            (b"/A#+1 Do", false),
        ] {
            same_as_lopdf(s);
            assert_eq!(fast(s).is_some(), fast_path, "{}", String::from_utf8_lossy(s));
        }
    }

    /// Streams made of content-stream pieces, well-formed or not (50,000 drawn by a
    /// fixed-seed generator; no dev-dependencies in a vendored crate): never a panic, and
    /// the fast path gives lopdf's operations whenever it answers.
    #[test]
    fn any_stream_reads_as_lopdf_reads_it() {
        const PIECES: [&str; 56] = [
            "BT", "ET", "Tj", "TJ", "Tf", "Td", "'", "\"", "re", "f*", "null", "true", "nullx",
            "0", "-12", "3.5", ".5", "5.", "+", "-", ".", "99999999999999999999", "/F1",
            "/A#20B", "/#zz", "/", "(a)", "(a(b)c)", "(\\(x\\))", "(\\101\\1)", "(\\\n)", "(",
            ")", "<0041>", "<4 1>", "<zz>", "<", ">", "<<", ">>", "/K", "[", "]", "1 0 R", " ",
            "\n", "\r\n", "\t", "\0", "\x0c", "%c\n", "{", "BI", "ID", "EI", "1 2 3",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut draw = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut fast_paths = 0;
        for _ in 0..50_000 {
            let len = draw(24);
            let stream: String = (0..len).map(|_| PIECES[draw(PIECES.len())]).collect();
            same_as_lopdf(stream.as_bytes());
            fast_paths += usize::from(fast(stream.as_bytes()).is_some());
        }
        assert!(fast_paths > 1_000, "fast path taken {fast_paths} times");
    }
}

