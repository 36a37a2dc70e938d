//! A flat walk over an XML part: elements by local name (`w:p` and `text:p` are both
//! `p`), attributes by local name, text with its entities resolved. Empty elements give
//! a start and an end, so readers see one shape.

use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::ingest::IngestError;

pub enum Ev<'a> {
    Start(Element<'a>),
    End(&'a str),
    Text(&'a str),
}

pub struct Element<'a> {
    pub name: &'a str,
    attrs: Vec<(String, String)>,
}

impl Element<'_> {
    /// The value of the attribute with local name `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.into_owned(),
    }
}

fn element(start: &BytesStart, decoder: Decoder) -> (String, Vec<(String, String)>) {
    let attrs = start
        .attributes()
        .flatten()
        .map(|a| {
            let value = a
                .decode_and_unescape_value(decoder)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            (local(a.key.as_ref()), value)
        })
        .collect();
    (local(start.name().as_ref()), attrs)
}

/// Calls `f` for every element start, end and text run of `xml`, in document order.
pub fn walk(xml: &str, part: &str, mut f: impl FnMut(Ev)) -> Result<(), IngestError> {
    let mut reader = Reader::from_str(xml);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| IngestError::Office(format!("{part}: {e}")))?;
        match event {
            Event::Start(s) => {
                let (name, attrs) = element(&s, reader.decoder());
                f(Ev::Start(Element { name: &name, attrs }));
            }
            Event::Empty(s) => {
                let (name, attrs) = element(&s, reader.decoder());
                f(Ev::Start(Element { name: &name, attrs }));
                f(Ev::End(&name));
            }
            Event::End(e) => f(Ev::End(&local(e.name().as_ref()))),
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| IngestError::Office(format!("{part}: {e}")))?;
                f(Ev::Text(&text));
            }
            Event::CData(t) => f(Ev::Text(&String::from_utf8_lossy(&t))),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or_default();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_default()
                        .to_string(),
                };
                f(Ev::Text(&resolved));
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}
