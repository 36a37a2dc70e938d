//! Candidates of frequent tokens in OCR-damaged lines, computed ahead of time.
//!
//! The channel search is the decoder's costliest step, and most tokens of OCR
//! output are frequent words, their forms without marks, or damage forms the
//! lexicon knows. `vanban-train` computes the candidates of each of those once
//! ([`super::decode::token_candidates`]) into `corpus/models/ocr-readings.bin`;
//! the decoder takes a token's candidates from there when it can, which gives
//! the output searching would. The file carries a fingerprint of the model files
//! it was computed from and is not used once they have changed.
//!
//! Format (little endian): `VBRD0001`, the fingerprint (u64), the number of
//! tokens (u32); per token its length (u8) and UTF-8 bytes, its number of
//! candidates (u8), and per candidate its number of words (u8), their ids (u32)
//! and its channel cost (f32).

use rustc_hash::FxHashMap as HashMap;

use super::lm::Reader;

const MAGIC: &[u8; 8] = b"VBRD0001";

/// One reading of a token: vocabulary words, or a reserved id
/// ([`super::lm::UNK`], [`super::lm::NUM`]) to keep the token as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cand {
    pub ids: Ids,
    pub cost: f32,
}

/// The one or two words of a reading (two for a glued pair), kept inline so
/// that copying a candidate allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Ids {
    words: [u32; 2],
    len: u8,
}

impl Ids {
    pub fn one(id: u32) -> Ids {
        Ids {
            words: [id, 0],
            len: 1,
        }
    }

    pub(crate) fn pair(a: u32, b: u32) -> Ids {
        Ids {
            words: [a, b],
            len: 2,
        }
    }

    /// `None` unless there are one or two words.
    pub fn new(ids: &[u32]) -> Option<Ids> {
        match *ids {
            [a] => Some(Ids::one(a)),
            [a, b] => Some(Ids::pair(a, b)),
            _ => None,
        }
    }
}

impl std::ops::Deref for Ids {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.words[..usize::from(self.len)]
    }
}

/// Lower-cased token → its candidates in a damaged line.
#[derive(Default)]
pub(super) struct Readings {
    index: HashMap<Box<str>, Box<[Cand]>>,
}

/// FNV-1a over the model files the candidates depend on, in order.
pub(super) fn fingerprint(files: &[&[u8]]) -> u64 {
    files
        .iter()
        .flat_map(|f| f.iter())
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

impl Readings {
    pub fn get(&self, lower: &str) -> Option<&[Cand]> {
        self.index.get(lower).map(|c| &c[..])
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Cand])> {
        self.index.iter().map(|(t, c)| (&**t, &c[..]))
    }

    /// The table in `bytes`; empty when it was computed from other model files
    /// than those with `fingerprint`, or is cut short.
    pub fn parse(bytes: &[u8], fingerprint: u64) -> Readings {
        let mut r = Reader::new(bytes);
        let mut index = HashMap::default();
        let read_all = |r: &mut Reader, index: &mut HashMap<Box<str>, Box<[Cand]>>| -> Option<()> {
            if r.take(8).ok()? != MAGIC || r.u64().ok()? != fingerprint {
                return None;
            }
            let n = r.u32().ok()?;
            // A token takes two bytes at least: a count past that is a bad file.
            index.reserve((n as usize).min(r.remaining() / 2));
            for _ in 0..n {
                let len = r.u8().ok()?;
                let token = std::str::from_utf8(r.take(usize::from(len)).ok()?).ok()?;
                let cands = (0..r.u8().ok()?)
                    .map(|_| {
                        let ids = (0..r.u8().ok()?)
                            .map(|_| r.u32().ok())
                            .collect::<Option<Vec<u32>>>()?;
                        Some(Cand {
                            ids: Ids::new(&ids)?,
                            cost: f32::from_bits(r.u32().ok()?),
                        })
                    })
                    .collect::<Option<Box<[Cand]>>>()?;
                index.insert(token.into(), cands);
            }
            Some(())
        };
        match read_all(&mut r, &mut index) {
            Some(()) => Readings { index },
            None => Readings::default(),
        }
    }

    /// The file for `entries` (tokens of at most 255 bytes with at most 255
    /// candidates; others are left out).
    pub fn write(entries: &[(String, Vec<Cand>)], fingerprint: u64) -> Vec<u8> {
        let fits = |(t, c): &&(String, Vec<Cand>)| t.len() <= 255 && c.len() <= 255;
        let kept: Vec<&(String, Vec<Cand>)> = entries.iter().filter(fits).collect();
        let mut out = MAGIC.to_vec();
        out.extend(fingerprint.to_le_bytes());
        out.extend((kept.len() as u32).to_le_bytes());
        for (token, cands) in kept {
            out.push(token.len() as u8);
            out.extend(token.as_bytes());
            out.push(cands.len() as u8);
            for c in cands {
                out.push(c.ids.len() as u8);
                c.ids.iter().for_each(|id| out.extend(id.to_le_bytes()));
                out.extend(c.cost.to_bits().to_le_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<(String, Vec<Cand>)> {
        vec![
            (
                "dugc".into(),
                vec![
                    Cand {
                        ids: Ids::one(70),
                        cost: 0.4,
                    },
                    Cand {
                        ids: Ids::one(1),
                        cost: 2.5,
                    },
                ],
            ),
            (
                "vatién".into(),
                vec![Cand {
                    ids: Ids::pair(9, 12),
                    cost: 1.25,
                }],
            ),
        ]
    }

    #[test]
    fn round_trip() {
        let r = Readings::parse(&Readings::write(&entries(), 7), 7);
        assert_eq!(r.index.len(), 2);
        assert_eq!(r.get("dugc"), Some(&entries()[0].1[..]));
        assert_eq!(r.get("vatién"), Some(&entries()[1].1[..]));
        assert_eq!(r.get("của"), None);
    }

    proptest::proptest! {
        /// Any bytes after a valid header parse to some table, or to none, without panicking.
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend(7u64.to_le_bytes());
            bytes.extend(body);
            let _ = Readings::parse(&bytes, 7);
        }
    }

    #[test]
    fn other_model_or_cut_short_is_empty() {
        let bytes = Readings::write(&entries(), 7);
        assert!(Readings::parse(&bytes, 8).index.is_empty());
        for cut in 0..bytes.len() {
            assert!(
                Readings::parse(&bytes[..cut], 7).index.is_empty(),
                "cut at {cut}"
            );
        }
    }
}
