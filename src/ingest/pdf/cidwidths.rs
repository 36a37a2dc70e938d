//! Glyph widths of CID fonts written so pdf-extract reads them.
//!
//! A CID font's `/W` array lists widths in two forms (PDF 32000-1, 9.7.4.3):
//! `c [w1 w2 …]` for consecutive CIDs and `c_first c_last w` for a range sharing one
//! width. pdf-extract 0.12 misreads the range form (it takes `c_first` as both ends and
//! as the width), so every CID in a range gets the default width: with Skia's `/DW 0`
//! (Chromium's print-to-PDF) "ộ" advances by nothing, the next letter seems a word
//! away and "Nội" reads "Nộ i". Rewriting each range as the array form before the pages
//! are read gives the widths the file states.

use std::collections::BTreeMap;

use lopdf::{Document, Object, ObjectId};

/// CIDs are two-byte codes (Identity-H and every predefined CMap): a range past this is
/// cut here, so a hostile `0 2147483647 500` costs at most 65,536 entries.
const MAX_CID: i64 = 0xFFFF;

/// Rewrites the `/W` array of every CID font in `doc` in the `c [w1 w2 …]` form only.
pub fn normalize(doc: &mut Document) {
    let fixed: Vec<(ObjectId, Vec<Object>)> = doc
        .objects
        .iter()
        .filter_map(|(&id, obj)| {
            let dict = obj.as_dict().ok()?;
            let subtype = dict.get(b"Subtype").ok()?.as_name().ok()?;
            if subtype != b"CIDFontType2" && subtype != b"CIDFontType0" {
                return None;
            }
            let w = resolve(doc, dict.get(b"W").ok()?)?.as_array().ok()?;
            let has_range = w.windows(2).any(|p| {
                !matches!(resolve(doc, &p[0]), Some(Object::Array(_)))
                    && !matches!(resolve(doc, &p[1]), Some(Object::Array(_)))
            });
            has_range.then(|| (id, array_form(&widths(doc, w))))
        })
        .collect();
    for (id, w) in fixed {
        if let Ok(dict) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
            dict.set("W", Object::Array(w));
        }
    }
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    match obj {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

fn number(doc: &Document, obj: &Object) -> Option<f64> {
    resolve(doc, obj)?.as_float().ok().map(f64::from)
}

/// CID → width from a `/W` array in either form; a malformed tail is ignored.
fn widths(doc: &Document, w: &[Object]) -> BTreeMap<i64, f64> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i + 1 < w.len() {
        let Some(first) = number(doc, &w[i]).map(|c| c as i64) else {
            break;
        };
        if let Some(Object::Array(list)) = resolve(doc, &w[i + 1]) {
            for (k, width) in list.iter().enumerate() {
                let cid = first.saturating_add(k as i64);
                if let (0..=MAX_CID, Some(width)) = (cid, number(doc, width)) {
                    out.entry(cid).or_insert(width);
                }
            }
            i += 2;
            continue;
        }
        let (Some(last), Some(width)) = (
            number(doc, &w[i + 1]).map(|c| c as i64),
            w.get(i + 2).and_then(|o| number(doc, o)),
        ) else {
            break;
        };
        for cid in first.max(0)..=last.min(MAX_CID) {
            out.entry(cid).or_insert(width);
        }
        i += 3;
    }
    out
}

/// Runs of consecutive CIDs as `c [w1 w2 …]`.
fn array_form(widths: &BTreeMap<i64, f64>) -> Vec<Object> {
    let mut out = Vec::new();
    let mut run: Vec<Object> = Vec::new();
    let mut start = 0;
    let mut next = None;
    for (&cid, &width) in widths {
        if next != Some(cid) {
            if !run.is_empty() {
                out.push(Object::Integer(start));
                out.push(Object::Array(std::mem::take(&mut run)));
            }
            start = cid;
        }
        run.push(Object::Real(width as f32));
        next = Some(cid + 1);
    }
    if !run.is_empty() {
        out.push(Object::Integer(start));
        out.push(Object::Array(run));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn ranges_become_arrays_with_the_stated_widths() {
        let mut doc = Document::with_version("1.5");
        let w = vec![
            Object::Integer(3),
            Object::Integer(5),
            Object::Real(348.5),
            Object::Integer(6),
            Object::Array(vec![Object::Integer(415), Object::Integer(600)]),
            Object::Integer(1635),
            Object::Integer(1636),
            Object::Real(667.0),
        ];
        let id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "W" => w,
        });
        normalize(&mut doc);
        let dict = doc.get_object(id).unwrap().as_dict().unwrap();
        let got = widths(&doc, dict.get(b"W").unwrap().as_array().unwrap());
        let want: BTreeMap<i64, f64> = [
            (3, 348.5),
            (4, 348.5),
            (5, 348.5),
            (6, 415.0),
            (7, 600.0),
            (1635, 667.0),
            (1636, 667.0),
        ]
        .into();
        assert_eq!(got, want);
        let arrays = dict.get(b"W").unwrap().as_array().unwrap();
        assert_eq!(arrays.len(), 4, "{arrays:?}");
        assert!(matches!(arrays[1], Object::Array(ref a) if a.len() == 5));
    }

    #[test]
    fn a_huge_range_is_cut_at_the_largest_cid() {
        let doc = Document::with_version("1.5");
        let w = [
            Object::Integer(0),
            Object::Integer(i64::from(i32::MAX)),
            Object::Integer(500),
        ];
        assert_eq!(widths(&doc, &w).len(), (MAX_CID + 1) as usize);
    }
}
