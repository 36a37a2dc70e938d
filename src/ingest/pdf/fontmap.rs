//! Worker side: fonts whose codes do not map to the right characters (a missing, wrong or
//! scrambled `/ToUnicode`, a subset with Identity-H and no map) get a map recovered from
//! the font program itself, installed as a new `/ToUnicode` before the text is read again.
//!
//! Per font, for each code the pages show ([`count_codes`], fed by the page reader), the glyph is found in the
//! embedded program (TrueType `glyf`, OpenType or bare CFF) and read:
//!
//! 1. by its name when the program has one (`post`, CFF charset: `uni1EC7`,
//!    `ecircumflexdotbelow`, `a`) or by the program's own Unicode `cmap`: exact;
//! 2. else by its shape, rendered and compared with the reference alphabet
//!    ([`glyphs::Refs`]).
//!
//! A font whose current map already reads its words as Vietnamese syllables is sound and
//! its glyphs are not read at all ([`FontInfo::reads_soundly`]: shape matching is most of
//! a native PDF's parse time). Otherwise a font is repaired only when the glyphs
//! contradict its current map for a good share of what is drawn ([`BROKEN_SHARE`]), or
//! when it draws letters at control codes with no map; a sound font is left alone. The parent makes the final
//! call on the text (`pdf::mod`): the recovered text is used only when it reads as clearly
//! better Vietnamese.

use std::collections::{BTreeMap, HashMap};

use lopdf::{Dictionary, Document, Object, ObjectId};
use unicode_normalization::UnicodeNormalization;

use super::glyphs::{self, Refs, Shape};

/// Share of drawn glyphs (by occurrence) read differently from the font's map above which
/// the map counts as broken.
const BROKEN_SHARE: f64 = 0.1;
/// A shape reading below this cosine is not trusted.
const MIN_SIMILARITY: f32 = 0.75;
/// The current map's character is kept when its shape is this close to the best reading.
const KEEP_MARGIN: f32 = 0.03;
/// Words a font must draw for its map to be judged by them ([`FontInfo::reads_soundly`]).
const SOUND_WORDS: usize = 20;
/// Share of those words that must be Vietnamese syllables.
const SOUND_SHARE: f64 = 0.95;
/// Fonts with more used codes than this are not read by shape (a cost bound).
const MAX_SHAPED: usize = 2000;

/// One repaired font, for the warnings.
#[derive(Debug, Clone)]
pub struct FontRepair {
    pub font: String,
    /// Codes drawn, and how many of them the new map changed.
    pub codes: usize,
    pub changed: usize,
    /// Share of drawn glyphs the old map read differently.
    pub broken: f64,
}

/// How a font turns codes into glyphs.
enum Program<'a> {
    /// TrueType or OpenType (both boxed: parsed tables are large).
    Face(Box<ttf_parser::Face<'a>>),
    Cff(Box<ttf_parser::cff::Table<'a>>),
}

struct FontInfo {
    id: ObjectId,
    name: String,
    /// Bytes per code: 1 for simple fonts, 2 for Identity-H.
    width: usize,
    to_unicode: Option<HashMap<u32, String>>,
    program: Vec<u8>,
    cff: bool,
    /// CID → glyph id for CIDFontType2 (`None` = identity).
    cid_to_gid: Option<Vec<u16>>,
    simple: bool,
    /// Glyph names from `/Encoding /Differences` (simple fonts).
    differences: HashMap<u32, String>,
    symbolic: bool,
}

impl FontInfo {
    /// The current reading of a code: the ToUnicode entry, else (simple fonts) the code as
    /// Latin-1, as extractors do with a standard encoding.
    fn current(&self, code: u32) -> Option<String> {
        match &self.to_unicode {
            Some(map) => map.get(&code).cloned(),
            None if self.simple && code >= 0x20 => char::from_u32(code).map(String::from),
            None => None,
        }
    }

    /// Every used code as the font maps it now.
    fn current_map(&self, codes: &BTreeMap<u32, u32>) -> BTreeMap<u32, String> {
        codes
            .keys()
            .filter_map(|&c| Some((c, self.current(c)?)))
            .collect()
    }

    /// Whether the font's current map reads its words as Vietnamese: every used code has
    /// a reading, and of at least [`SOUND_WORDS`] words with letters from this font
    /// ([`WordTally`]), a [`SOUND_SHARE`] are syllables. Such a font is sound without
    /// reading its glyphs (rendering and matching shapes is most of a native PDF's parse
    /// time).
    fn reads_soundly(&self, codes: &BTreeMap<u32, u32>, tally: WordTally) -> bool {
        codes.keys().all(|&c| self.current(c).is_some())
            && tally.words >= SOUND_WORDS
            && tally.syllables as f64 >= SOUND_SHARE * tally.words as f64
    }
}

/// Words a font draws as its current map reads them, and how many are syllables.
#[derive(Debug, Default, Clone, Copy)]
struct WordTally {
    words: usize,
    syllables: usize,
}

/// The [`WordTally`] of every font, in one pass over the runs: a word is the readings of
/// consecutive codes of one font, ended by a gap, a blank, or another font's code.
fn word_tallies(
    fonts: &BTreeMap<ObjectId, FontInfo>,
    runs: &[Vec<(ObjectId, u32)>],
) -> HashMap<ObjectId, WordTally> {
    struct Words {
        tallies: HashMap<ObjectId, WordTally>,
        /// Each spelling judged once.
        judged: HashMap<String, bool>,
        word: String,
        font: Option<ObjectId>,
    }
    impl Words {
        fn flush(&mut self) {
            if let Some(font) = self.font {
                // Acronyms ("UBND", "QĐ", "III") and list letters say nothing either way.
                let telling = |p: &&str| {
                    p.chars().nth(1).is_some()
                        && !p.chars().all(|c| c.is_ascii_uppercase() || c == 'Đ')
                };
                for part in self
                    .word
                    .split(|c: char| !c.is_alphabetic())
                    .filter(telling)
                {
                    let syllable = *self
                        .judged
                        .entry(part.to_string())
                        .or_insert_with(|| crate::vn::syllable::is_syllable(&part.to_lowercase()));
                    let tally = self.tallies.entry(font).or_default();
                    tally.words += 1;
                    tally.syllables += usize::from(syllable);
                }
            }
            self.word.clear();
        }
    }
    let mut w = Words {
        tallies: HashMap::new(),
        judged: HashMap::new(),
        word: String::new(),
        font: None,
    };
    for run in runs {
        for &(font, code) in run {
            if w.font != Some(font) {
                w.flush();
                w.font = Some(font);
            }
            let reading = fonts
                .get(&font)
                .filter(|_| code != GAP)
                .and_then(|f| f.current(code));
            match reading {
                Some(s) if !s.trim().is_empty() => w.word.push_str(&s),
                _ => w.flush(),
            }
        }
        w.flush();
    }
    w.tallies
}

/// What the pages draw: codes with counts per font, and the shown text as runs of (font,
/// code) from one line position to the next (word gaps in `TJ` as [`GAP`]), for reading
/// ambiguous glyphs in context: a word may mix fonts (a subset per 256 glyphs).
#[derive(Debug, Default)]
pub struct Usage {
    pub counts: BTreeMap<ObjectId, BTreeMap<u32, u32>>,
    pub runs: Vec<Vec<(ObjectId, u32)>>,
}

/// A word gap inside a run (a `TJ` displacement wider than [`GAP_THOUSANDTHS`]).
pub const GAP: u32 = u32::MAX;
const GAP_THOUSANDTHS: f32 = 200.0;
/// Runs kept per font for context.
const MAX_RUNS: usize = 50_000;

/// Repairs the maps of broken fonts in `doc`, given the codes its pages draw; returns
/// what was repaired.
pub fn repair_fonts(doc: &mut Document, used: &Usage) -> Vec<FontRepair> {
    let mut maps: HashMap<ObjectId, BTreeMap<u32, String>> = HashMap::new();
    let mut broken = Vec::new();
    let mut ambiguous = Vec::new();
    let fonts: BTreeMap<ObjectId, FontInfo> = used
        .counts
        .keys()
        .filter_map(|&id| Some((id, font_info(doc, id)?)))
        .collect();
    let tallies = word_tallies(&fonts, &used.runs);
    for (id, info) in fonts {
        let Some(counts) = used.counts.get(&id) else {
            continue;
        };
        let tally = tallies.get(&id).copied().unwrap_or_default();
        if info.reads_soundly(counts, tally) {
            maps.insert(id, info.current_map(counts));
            continue;
        }
        let Some(found) = recover(&info, counts) else {
            continue;
        };
        maps.insert(id, found.map);
        if let Some(repair) = found.repair {
            ambiguous.extend(found.ambiguous.into_iter().map(|(c, o)| ((id, c), o)));
            broken.push((info, repair, found.fill));
        }
    }
    if broken.is_empty() {
        return Vec::new();
    }
    choose_in_context(&mut maps, &ambiguous, &used.runs);
    let mut repairs = Vec::new();
    for (info, repair, fill) in broken {
        let mut map = maps.remove(&info.id).unwrap_or_default();
        for (code, s) in fill {
            map.entry(code).or_insert(s);
        }
        let stream = doc.add_object(lopdf::Stream::new(
            Dictionary::new(),
            to_unicode_cmap(&map, info.width),
        ));
        if let Ok(font) = doc.get_dictionary_mut(info.id) {
            font.set("ToUnicode", stream);
        }
        repairs.push(repair);
    }
    repairs
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

/// Counts the codes one content stream draws per font object, into `out` (forms are
/// streams of their own: the reader gives each as it draws it).
pub fn count_codes(
    doc: &Document,
    resources: &Dictionary,
    operations: &[lopdf::content::Operation],
    out: &mut Usage,
) {
    let fonts = resources
        .get(b"Font")
        .ok()
        .and_then(|f| resolve(doc, f)?.as_dict().ok());
    let mut current: Option<(ObjectId, usize)> = None;
    let mut run: Vec<(ObjectId, u32)> = Vec::new();
    fn count(
        out: &mut Usage,
        run: &mut Vec<(ObjectId, u32)>,
        current: Option<(ObjectId, usize)>,
        pieces: &[&Object],
    ) {
        let Some((id, width)) = current else {
            return;
        };
        let counts = out.counts.entry(id).or_default();
        for piece in pieces {
            match piece {
                Object::String(bytes, _) => {
                    for chunk in bytes.chunks(width) {
                        let code = chunk.iter().fold(0u32, |a, b| a << 8 | u32::from(*b));
                        *counts.entry(code).or_insert(0) += 1;
                        run.push((id, code));
                    }
                }
                other => {
                    if other.as_float().is_ok_and(|d| -d > GAP_THOUSANDTHS) {
                        run.push((id, GAP));
                    }
                }
            }
        }
    }
    fn flush(out: &mut Usage, run: &mut Vec<(ObjectId, u32)>) {
        if !run.is_empty() && out.runs.len() < MAX_RUNS {
            out.runs.push(std::mem::take(run));
        }
        run.clear();
    }
    for op in operations {
        if matches!(
            op.operator.as_str(),
            "ET" | "Td" | "TD" | "Tm" | "T*" | "'" | "\""
        ) {
            flush(out, &mut run);
        }
        match op.operator.as_str() {
            "Tf" => {
                current = op
                    .operands
                    .first()
                    .and_then(|n| n.as_name().ok())
                    .and_then(|n| fonts?.get(n).ok()?.as_reference().ok())
                    .map(|id| (id, code_width(doc, id)));
            }
            "Tj" | "'" | "\"" => {
                if let Some(s @ Object::String(..)) = op.operands.last() {
                    count(out, &mut run, current, &[s]);
                }
            }
            "TJ" => {
                if let Some(Object::Array(items)) = op.operands.first() {
                    count(out, &mut run, current, &items.iter().collect::<Vec<_>>());
                }
            }
            _ => {}
        }
    }
    flush(out, &mut run);
}

fn code_width(doc: &Document, id: ObjectId) -> usize {
    let is_type0 = doc
        .get_dictionary(id)
        .ok()
        .and_then(|f| f.get(b"Subtype").ok()?.as_name().ok())
        == Some(b"Type0".as_slice());
    if is_type0 {
        2
    } else {
        1
    }
}

fn font_info(doc: &Document, id: ObjectId) -> Option<FontInfo> {
    let font = doc.get_dictionary(id).ok()?;
    let get =
        |d: &Dictionary, key: &[u8]| -> Option<Object> { resolve(doc, d.get(key).ok()?).cloned() };
    let name = get(font, b"BaseFont")
        .and_then(|n| {
            n.as_name()
                .ok()
                .map(|n| String::from_utf8_lossy(n).into_owned())
        })
        .unwrap_or_default();
    let subtype = get(font, b"Subtype")?.as_name().ok()?.to_vec();
    let (descendant, simple) = if subtype == b"Type0" {
        let encoding = get(font, b"Encoding")?;
        if !matches!(encoding.as_name(), Ok(b"Identity-H") | Ok(b"Identity-V")) {
            return None;
        }
        let first = get(font, b"DescendantFonts")?
            .as_array()
            .ok()?
            .first()?
            .clone();
        (resolve(doc, &first)?.as_dict().ok()?.clone(), false)
    } else if subtype == b"TrueType" || subtype == b"Type1" || subtype == b"MMType1" {
        (font.clone(), true)
    } else {
        return None;
    };
    let descriptor = get(&descendant, b"FontDescriptor")?.as_dict().ok()?.clone();
    let (program, cff) = if let Some(s) = get(&descriptor, b"FontFile2") {
        (stream_bytes(&s)?, false)
    } else if let Some(s) = get(&descriptor, b"FontFile3") {
        let sub = s
            .as_stream()
            .ok()?
            .dict
            .get(b"Subtype")
            .ok()?
            .as_name()
            .ok()?
            .to_vec();
        (stream_bytes(&s)?, sub != b"OpenType")
    } else {
        return None;
    };
    let cid_to_gid = match get(&descendant, b"CIDToGIDMap") {
        Some(Object::Stream(s)) => {
            let bytes = stream_bytes(&Object::Stream(s))?;
            Some(
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect(),
            )
        }
        _ => None,
    };
    let to_unicode = get(font, b"ToUnicode")
        .and_then(|s| stream_bytes(&s))
        .and_then(|bytes| adobe_cmap_parser::get_unicode_map(&bytes).ok())
        .map(|map| {
            map.into_iter()
                .filter_map(|(code, utf16)| {
                    let units: Vec<u16> = utf16
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    Some((code, String::from_utf16(&units).ok()?))
                })
                .collect()
        });
    let mut differences = HashMap::new();
    if let Some(Object::Dictionary(enc)) = get(font, b"Encoding") {
        if let Some(Object::Array(items)) = get(&enc, b"Differences") {
            let mut code = 0u32;
            for item in items {
                match item {
                    Object::Integer(n) => code = n as u32,
                    Object::Name(n) => {
                        differences.insert(code, String::from_utf8_lossy(&n).into_owned());
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    let flags = get(&descriptor, b"Flags")
        .and_then(|f| f.as_i64().ok())
        .unwrap_or(0);
    Some(FontInfo {
        id,
        name,
        width: if simple { 1 } else { 2 },
        to_unicode,
        program,
        cff,
        cid_to_gid,
        simple,
        differences,
        symbolic: flags & 4 != 0,
    })
}

fn stream_bytes(obj: &Object) -> Option<Vec<u8>> {
    let s = obj.as_stream().ok()?;
    if s.dict.get(b"Filter").is_ok() {
        s.decompressed_content().ok()
    } else {
        Some(s.content.clone())
    }
}

impl Program<'_> {
    fn outlines(&self) -> &dyn glyphs::Outlines {
        match self {
            Program::Face(f) => f.as_ref(),
            Program::Cff(c) => c.as_ref(),
        }
    }

    fn glyph_name(&self, gid: u16) -> Option<&str> {
        match self {
            Program::Face(f) => f.glyph_name(ttf_parser::GlyphId(gid)),
            Program::Cff(c) => c.glyph_name(ttf_parser::GlyphId(gid)),
        }
    }
}

/// The glyph a code draws.
fn glyph_of(info: &FontInfo, program: &Program, code: u32) -> Option<u16> {
    if !info.simple {
        return match &info.cid_to_gid {
            Some(map) => map.get(code as usize).copied(),
            None => u16::try_from(code).ok(),
        };
    }
    if let Some(name) = info.differences.get(&code) {
        let by_name = match program {
            Program::Face(f) => f.glyph_index_by_name(name),
            Program::Cff(c) => c.glyph_index_by_name(name),
        };
        if let Some(g) = by_name {
            return Some(g.0);
        }
    }
    match program {
        Program::Cff(c) => c.glyph_index(u8::try_from(code).ok()?).map(|g| g.0),
        Program::Face(face) => {
            let cmap = face.tables().cmap?;
            let mut unicode = None;
            for sub in cmap.subtables {
                match (sub.platform_id, sub.encoding_id) {
                    (ttf_parser::PlatformId::Windows, 0) => {
                        for c in [code, 0xF000 + code, 0xF100 + code, 0xF200 + code] {
                            if let Some(g) = sub.glyph_index(c) {
                                return Some(g.0);
                            }
                        }
                    }
                    (ttf_parser::PlatformId::Macintosh, 0) => {
                        if let Some(g) = sub.glyph_index(code) {
                            return Some(g.0);
                        }
                    }
                    _ if sub.is_unicode() => unicode = Some(sub),
                    _ => {}
                }
            }
            // A Unicode cmap: the code is read as WinAnsi (Latin-1 for our purposes).
            unicode
                .and_then(|sub| sub.glyph_index(code))
                .map(|g| g.0)
                .filter(|_| !info.symbolic || code < 0x80)
        }
    }
}

/// Characters from the program's own Unicode cmap, by glyph.
fn unicode_by_glyph(program: &Program) -> HashMap<u16, char> {
    let mut out = HashMap::new();
    if let Program::Face(face) = program {
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        out.entry(g.0).or_insert(c);
                    }
                });
            }
        }
    }
    out
}

/// The character an Adobe glyph name stands for: `uni1EC7`, `u1EC7`, `a`, `zero`,
/// `ecircumflexdotbelow`, `Ohorngrave`, `dcroat`…
pub fn char_from_glyph_name(name: &str) -> Option<char> {
    let name = name.split('.').next().unwrap_or(name);
    for prefix in ["uni", "u"] {
        if let Some(hex) = name.strip_prefix(prefix) {
            if (4..=6).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                let c = u32::from_str_radix(
                    &hex[..hex.len().min(if prefix == "uni" { 4 } else { 6 })],
                    16,
                )
                .ok()?;
                return char::from_u32(c);
            }
        }
    }
    const NAMED: &[(&str, char)] = &[
        ("space", ' '),
        ("period", '.'),
        ("comma", ','),
        ("colon", ':'),
        ("semicolon", ';'),
        ("exclam", '!'),
        ("question", '?'),
        ("hyphen", '-'),
        ("endash", '–'),
        ("emdash", '—'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("bracketleft", '['),
        ("bracketright", ']'),
        ("slash", '/'),
        ("quotedbl", '"'),
        ("quotesingle", '\''),
        ("quotedblleft", '“'),
        ("quotedblright", '”'),
        ("quoteleft", '‘'),
        ("quoteright", '’'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("plus", '+'),
        ("asterisk", '*'),
        ("equal", '='),
        ("less", '<'),
        ("greater", '>'),
        ("underscore", '_'),
        ("numbersign", '#'),
        ("at", '@'),
        ("degree", '°'),
        ("ellipsis", '…'),
        ("section", '§'),
        ("bullet", '•'),
        ("periodcentered", '·'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("dcroat", 'đ'),
        ("Dcroat", 'Đ'),
        ("dmacron", 'đ'),
        ("Dslash", 'Đ'),
    ];
    if let Some(&(_, c)) = NAMED.iter().find(|(n, _)| *n == name) {
        return Some(c);
    }
    let mut chars = name.chars();
    let base = chars.next().filter(char::is_ascii_alphabetic)?;
    let mut rest = chars.as_str();
    if rest.is_empty() {
        return Some(base);
    }
    const MARKS: &[(&str, char)] = &[
        ("circumflex", '\u{302}'),
        ("breve", '\u{306}'),
        ("horn", '\u{31B}'),
        ("grave", '\u{300}'),
        ("acute", '\u{301}'),
        ("hookabove", '\u{309}'),
        ("tilde", '\u{303}'),
        ("dotbelow", '\u{323}'),
    ];
    let mut s = String::from(base);
    while !rest.is_empty() {
        let &(mark, c) = MARKS.iter().find(|(m, _)| rest.starts_with(m))?;
        s.push(c);
        rest = &rest[mark.len()..];
    }
    let mut nfc = s.nfc();
    let c = nfc.next()?;
    nfc.next().is_none().then_some(c)
}

/// The readings a glyph may have, with a shape penalty per word.
type Options = Vec<(char, f64)>;
/// A glyph's reading: the character, whether exact (a name, the program's cmap), and
/// the nearest reference characters with their similarity.
type Reading = Option<(char, bool, Vec<(char, f32)>)>;

/// Characters that look alike in many faces: a reading inside one class does not
/// contradict a map, and a shape read as one of them is settled by context.
const LOOKALIKES: &[&str] = &["lI|1", "O0", "-–‐", "'’‘", "\"”“"];

fn same_look(a: char, b: char) -> bool {
    a == b || LOOKALIKES.iter().any(|c| c.contains(a) && c.contains(b))
}

/// Shape readings this close to the best are weighed by the words they make.
const CONTEXT_MARGIN: f32 = 0.05;
/// Passes over the ambiguous codes.
const CONTEXT_PASSES: usize = 2;

/// For each ambiguous code (most frequent first), keeps the option whose words read best:
/// valid Vietnamese syllables first, then their frequency in the language model.
fn choose_in_context(
    maps: &mut HashMap<ObjectId, BTreeMap<u32, String>>,
    ambiguous: &[((ObjectId, u32), Options)],
    runs: &[Vec<(ObjectId, u32)>],
) {
    if ambiguous.is_empty() {
        return;
    }
    let model = crate::repair::model().as_ref().ok();
    let mut index: HashMap<(ObjectId, u32), Vec<usize>> = HashMap::new();
    for (i, run) in runs.iter().enumerate() {
        for &key in run {
            let list = index.entry(key).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    for _ in 0..CONTEXT_PASSES {
        for (key, options) in ambiguous {
            let mine = index.get(key).map_or(&[][..], Vec::as_slice);
            let mut best: Option<(f64, char)> = None;
            for &(option, penalty) in options {
                maps.entry(key.0)
                    .or_default()
                    .insert(key.1, option.to_string());
                let mut score = 0.0;
                for &r in mine {
                    let (words, n) = words_score(maps, &runs[r], *key, model);
                    score += words - penalty * n as f64;
                }
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, option));
                }
            }
            if let Some((_, c)) = best {
                maps.entry(key.0).or_default().insert(key.1, c.to_string());
            }
        }
    }
}

/// Score of the words of `run` that contain `code`, read through `map`, and their number.
fn words_score(
    maps: &HashMap<ObjectId, BTreeMap<u32, String>>,
    run: &[(ObjectId, u32)],
    key: (ObjectId, u32),
    model: Option<&crate::repair::Model>,
) -> (f64, usize) {
    let mut score = 0.0;
    let mut n = 0;
    let mut word = String::new();
    let mut has = false;
    let mut flush = |word: &mut String, has: &mut bool| {
        if *has {
            score += word_score(word, model);
            n += 1;
        }
        word.clear();
        *has = false;
    };
    for &(font, c) in run {
        let latin;
        let text = if c == GAP {
            " "
        } else if let Some(s) = maps.get(&font).and_then(|m| m.get(&c)) {
            s.as_str()
        } else {
            latin = char::from_u32(c)
                .filter(|_| c >= 0x20)
                .unwrap_or(' ')
                .to_string();
            latin.as_str()
        };
        if text.chars().all(char::is_whitespace) && !text.is_empty() {
            flush(&mut word, &mut has);
        } else {
            word.push_str(text);
            has |= (font, c) == key;
        }
    }
    flush(&mut word, &mut has);
    (score, n)
}

/// A token is good when each of its letter runs is a Vietnamese syllable, frequent words
/// better; a number (no letters) counts as a common word; letters mixed with digits
/// ("1ợi", "2O22", "202I") are bad.
fn word_score(token: &str, model: Option<&crate::repair::Model>) -> f64 {
    const NUMBER: f64 = 2.0 - 0.2 * 2.5;
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_letter = token.chars().any(char::is_alphabetic);
    if !has_letter {
        return NUMBER;
    }
    if has_digit {
        return -4.0;
    }
    let mut score = 0.0;
    for part in token
        .split(|c: char| !c.is_alphabetic())
        .filter(|p| !p.is_empty())
    {
        let lower = part.to_lowercase();
        score += if crate::vn::syllable::is_syllable(&lower) {
            2.0
        } else {
            -2.0
        };
        if let Some(m) = model {
            let f = crate::repair::word_log10_frequency(m, part).unwrap_or(-9.0);
            score += 0.2 * f64::from(f.max(-9.0));
        }
    }
    score
}

/// The recovered map of a broken font, or `None` when its map is sound (or unreadable).
/// A font's reading of its used codes: its current map where the glyphs agree; when
/// `repair` is set (the map is broken), the glyphs' reading, with the `ambiguous` codes
/// still to settle in context and the entries to `fill` a simple font's map with.
struct Recovered {
    map: BTreeMap<u32, String>,
    repair: Option<FontRepair>,
    ambiguous: Vec<(u32, Options)>,
    fill: Vec<(u32, String)>,
}

fn recover(info: &FontInfo, codes: &BTreeMap<u32, u32>) -> Option<Recovered> {
    let program = if info.cff {
        Program::Cff(Box::new(ttf_parser::cff::Table::parse(&info.program)?))
    } else {
        Program::Face(Box::new(ttf_parser::Face::parse(&info.program, 0).ok()?))
    };
    let by_cmap = unicode_by_glyph(&program);
    let shaped_ok = codes.len() <= MAX_SHAPED;
    let current = |code: u32| info.current(code);
    let debug = std::env::var_os("VANBAN_DEBUG_FONTS").is_some();
    let (mut total, mut contradicted) = (0u64, 0u64);
    // Letters a simple font with no ToUnicode draws at control codes: no encoding puts a
    // glyph there, so even one shows the font broken (a bold line with one accented letter).
    let mut at_control = 0u64;
    let mut map = BTreeMap::new();
    let mut changed = 0;
    let mut cache: HashMap<u16, Reading> = HashMap::new();
    // Shape readings with close rivals: settled by the words they make.
    let mut ambiguous: Vec<(u32, Options)> = Vec::new();
    for (&code, &n) in codes {
        let Some(gid) = glyph_of(info, &program, code) else {
            continue;
        };
        let reading = cache
            .entry(gid)
            .or_insert_with(|| {
                let exact = program
                    .glyph_name(gid)
                    .and_then(char_from_glyph_name)
                    .or_else(|| by_cmap.get(&gid).copied());
                if let Some(c) = exact {
                    return Some((c, true, Vec::new()));
                }
                let shape: Shape = glyphs::render(program.outlines(), gid)?;
                // Loaded on the first glyph read by shape: fonts with glyph names or a
                // Unicode cmap (Chromium, WeasyPrint) never need the references.
                let near = Refs::get().filter(|_| shaped_ok)?.nearest(&shape, 6);
                let &(best, sim) = near.first()?;
                (sim >= MIN_SIMILARITY).then_some((best, false, near))
            })
            .clone();
        let now = current(code);
        if debug {
            eprintln!(
                "{} code {code:#x} gid {gid} n {n} now {now:?} reading {reading:?}",
                info.name
            );
        }
        let Some((best, exact, near)) = reading else {
            if glyphs::render(program.outlines(), gid).is_none() {
                // No ink: a space, whatever the map says, once the letters show the map
                // broken. Inkless glyphs are no evidence themselves: an OCR layer's
                // GlyphLessFont draws nothing for every letter.
                if now.as_deref().is_some_and(|s| s.trim().is_empty()) {
                    map.insert(code, now.unwrap_or_default());
                } else {
                    changed += 1;
                    map.insert(code, " ".to_string());
                }
            } else if let Some(now) = now {
                // No confident reading: the current map stays.
                map.insert(code, now);
            }
            continue;
        };
        total += u64::from(n);
        if now.is_none() && info.simple && info.to_unicode.is_none() && best.is_alphanumeric() {
            at_control += u64::from(n);
        }
        let now_char = now.as_deref().and_then(|s| {
            let mut cs = s.chars();
            cs.next().filter(|_| cs.next().is_none())
        });
        let agrees = match now_char {
            Some(c) if exact => c == best || same_look(c, best),
            Some(c) => {
                same_look(c, best)
                    || near
                        .iter()
                        .any(|&(r, s)| r == c && s + KEEP_MARGIN >= near[0].1)
            }
            None => false,
        };
        if agrees {
            map.insert(code, now.unwrap_or_default());
        } else {
            contradicted += u64::from(n);
            changed += 1;
            map.insert(code, best.to_string());
        }
        if !exact && now_char != Some(best) {
            // Settled in context if the font turns out broken (its current reading is
            // then no evidence): (option, shape penalty per word, 1 at the margin's edge).
            let mut options: Options = near
                .iter()
                .filter(|&&(_, s)| s + CONTEXT_MARGIN >= near[0].1)
                .map(|&(c, s)| (c, f64::from((near[0].1 - s) / CONTEXT_MARGIN)))
                .collect();
            for class in LOOKALIKES {
                if class.contains(best) {
                    for c in class.chars() {
                        if !options.iter().any(|o| o.0 == c) {
                            options.push((c, 1.0));
                        }
                    }
                }
            }
            if options.len() > 1 {
                ambiguous.push((code, options));
            } else if agrees {
                map.insert(code, best.to_string());
            }
        }
    }
    let broken = contradicted as f64 / total.max(1) as f64;
    if total == 0 || (broken < BROKEN_SHARE && at_control == 0) {
        return Some(Recovered {
            map: info.current_map(codes),
            repair: None,
            ambiguous: Vec::new(),
            fill: Vec::new(),
        });
    }
    // pdf-extract needs an entry for every code a simple font draws.
    let fill = if info.simple {
        (0..=255u32)
            .map(|code| {
                let s = current(code)
                    .unwrap_or_else(|| char::from_u32(code).unwrap_or(' ').to_string());
                (code, s)
            })
            .collect()
    } else {
        Vec::new()
    };
    let repair = FontRepair {
        font: info.name.clone(),
        codes: codes.len(),
        changed,
        broken,
    };
    Some(Recovered {
        map,
        repair: Some(repair),
        ambiguous,
        fill,
    })
}

/// A ToUnicode CMap for `map` with `width`-byte codes.
fn to_unicode_cmap(map: &BTreeMap<u32, String>, width: usize) -> Vec<u8> {
    let hex = |code: u32| format!("{:0w$X}", code, w = width * 2);
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n",
    );
    out += &format!(
        "<{}> <{}>\nendcodespacerange\n",
        hex(0),
        hex((1 << (8 * width)) - 1)
    );
    let entries: Vec<_> = map.iter().filter(|(_, s)| !s.is_empty()).collect();
    for block in entries.chunks(100) {
        out += &format!("{} beginbfchar\n", block.len());
        for (code, s) in block {
            let utf16: String = s.encode_utf16().map(|u| format!("{u:04X}")).collect();
            out += &format!("<{}> <{}>\n", hex(**code), utf16);
        }
        out += "endbfchar\n";
    }
    out += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        for (name, want) in [
            ("uni1EC7", 'ệ'),
            ("u1EC7", 'ệ'),
            ("a", 'a'),
            ("zero", '0'),
            ("ecircumflexdotbelow", 'ệ'),
            ("Ohorngrave", 'Ờ'),
            ("abrevehookabove", 'ẳ'),
            ("dcroat", 'đ'),
            ("a.sc", 'a'),
        ] {
            assert_eq!(char_from_glyph_name(name), Some(want), "{name}");
        }
        assert_eq!(char_from_glyph_name("glyph00012"), None);
        assert_eq!(char_from_glyph_name(".notdef"), None);
    }

    #[test]
    fn cmap_round_trip() {
        let map: BTreeMap<u32, String> = [(3, "ệ".to_string()), (0x41, "A".to_string())].into();
        let cmap = to_unicode_cmap(&map, 2);
        let parsed = adobe_cmap_parser::get_unicode_map(&cmap).unwrap();
        assert_eq!(parsed[&3], vec![0x1E, 0xC7]);
        assert_eq!(parsed[&0x41], vec![0x00, 0x41]);
    }
}
