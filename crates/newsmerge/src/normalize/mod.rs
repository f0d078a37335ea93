//! Stage 2: clean each document's text, cut it into paragraphs, compute
//! match keys, and mark the paragraphs that are not article text.
//!
//! After this stage every later stage works on [`Document`]s: paragraphs
//! with the text to show and the key to compare. Furniture, paywall notices
//! and truncation markers stay in the document, marked by their [`Kind`], so
//! that the annotate stage can cite them as evidence; only
//! [`Kind::Content`] paragraphs are fingerprinted, aligned and voted on.
//!
//! Cost: linear in the text (the marker phrases are one Aho-Corasick
//! automaton), one document at a time.

pub mod boilerplate;
pub mod ending;
pub mod markers;
pub mod recurring;
pub mod segment;
pub mod text;

use crate::ingest::Meta;
pub use boilerplate::{Furniture, Kind};
pub use markers::Markers;
use std::borrow::Cow;

pub use crate::ids::DocId;

/// One paragraph of a document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Paragraph {
    /// The text as shown, whitespace collapsed, markdown residue removed.
    pub text: String,
    /// The folded match key (see [`text::fold_key`]).
    pub key: String,
    /// Whether this is article text, furniture, a notice or a marker.
    pub kind: Kind,
    /// Furniture cut from this paragraph, such as a headline's site suffix.
    pub stripped: Option<String>,
    /// Text its source repeats in many different articles but that reads
    /// as prose or is too long for furniture (a long site footer, a
    /// background paragraph): kept in the text, but left out of the
    /// fingerprint, so it never decides that two articles are one.
    pub site_text: bool,
}

/// A readable document, segmented and classified. Its serialized form
/// leaves out its number, which belongs to a run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Its dense number in this run.
    #[serde(skip)]
    pub id: DocId,
    /// Its id as users see it (path, or path and record number).
    pub name: String,
    /// Its publishing source.
    pub source: String,
    /// Its paragraphs in order, including furniture.
    pub paragraphs: Vec<Paragraph>,
    /// Its date as days since 1970-01-01, when its record gives one that
    /// starts `YYYY-MM-DD`.
    pub date: Option<i32>,
}

impl Document {
    /// The article-text paragraphs, in order.
    pub fn iter_content(&self) -> impl Iterator<Item = &Paragraph> {
        self.paragraphs.iter().filter(|p| p.kind == Kind::Content)
    }

    /// How many words of article text the document has.
    pub fn content_words(&self) -> usize {
        self.iter_content().map(|p| word_count(&p.key)).sum()
    }
}

/// The number of words in a folded key.
pub fn word_count(key: &str) -> usize {
    if key.is_empty() {
        0
    } else {
        spaces(key.as_bytes()) + 1
    }
}

/// [`word_count`], counted no further than `cap`: the words of a long
/// paragraph need not all be counted to know that it is long.
pub fn word_count_at_most(key: &str, cap: usize) -> usize {
    if key.is_empty() {
        return 0;
    }
    let mut counted = 0;
    for chunk in key.as_bytes().chunks(128) {
        counted += spaces(chunk);
        if counted >= cap {
            return cap;
        }
    }
    counted + 1
}

/// The spaces in `bytes`, summed as the processor sums many at once.
fn spaces(bytes: &[u8]) -> usize {
    bytes.iter().map(|&b| usize::from(b == b' ')).sum()
}

/// Normalizes one document's raw text.
pub fn normalize(id: DocId, name: &str, source: &str, meta: &Meta, raw: &str) -> Document {
    normalize_with(id, name, source, meta, raw, &Markers::builtin())
}

/// [`normalize`], with `markers` for the marker phrases.
pub fn normalize_with(
    id: DocId,
    name: &str,
    source: &str,
    meta: &Meta,
    raw: &str,
    markers: &Markers,
) -> Document {
    let cleaned = text::clean(raw);
    let mut pieces = segment::paragraphs(&cleaned);
    if let Some(title) = meta.title.as_deref().map(text::collapse_spaces) {
        let starts_with_title = pieces
            .first()
            .is_some_and(|p| text::fold_key(p).starts_with(&text::fold_key(&title)));
        if !title.is_empty() && !starts_with_title {
            pieces.insert(0, title);
        }
    }
    let mut paragraphs: Vec<Paragraph> =
        pieces.into_iter().map(|p| paragraph(p, markers)).collect();
    strip_title_suffix(&mut paragraphs);
    let paragraphs = rejoin(paragraphs);
    Document {
        id,
        name: name.to_string(),
        source: source.to_string(),
        paragraphs,
        date: meta.date.as_deref().and_then(text::parse_day),
    }
}

/// One paragraph of a document from its piece of text, which it keeps
/// when neither stripping markdown nor collapsing spaces changes it (most
/// paragraphs: the pieces come with their spaces collapsed).
fn paragraph(raw: String, markers: &Markers) -> Paragraph {
    let stripped = match text::strip_markdown(&raw) {
        Cow::Borrowed(s) if s.len() == raw.len() => None,
        other => Some(other.into_owned()),
    };
    let text = text::collapse_spaces_owned(stripped.unwrap_or(raw));
    let key = text::fold_key(&text);
    let kind = boilerplate::classify(&text, &key, markers);
    Paragraph {
        site_text: false,
        text,
        key,
        kind,
        stripped: None,
    }
}

/// Cuts a site name off the first content paragraph, when it is a headline.
fn strip_title_suffix(paragraphs: &mut [Paragraph]) {
    let Some(first) = paragraphs.iter_mut().find(|p| p.kind == Kind::Content) else {
        return;
    };
    if let Some((head, suffix)) = boilerplate::split_title_suffix(&first.text) {
        let (head, suffix) = (head.to_string(), suffix.to_string());
        first.key = text::fold_key(&head);
        first.text = head;
        first.stripped = Some(suffix);
    }
}

/// Joins content paragraphs that a page break split mid-sentence. The first
/// content paragraph (the headline, in most scrapes) is never extended.
fn rejoin(paragraphs: Vec<Paragraph>) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::with_capacity(paragraphs.len());
    let mut seen_content = 0;
    for p in paragraphs {
        let joinable = p.kind == Kind::Content
            && seen_content >= 2
            && out.last().is_some_and(|prev| {
                prev.kind == Kind::Content && segment::rejoin_split(&prev.text, &p.text)
            });
        if p.kind == Kind::Content {
            seen_content += 1;
        }
        match out.last_mut() {
            Some(prev) if joinable => {
                prev.text.push(' ');
                prev.text.push_str(&p.text);
                prev.key.push(' ');
                prev.key.push_str(&p.key);
            }
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn words_counted_at_most_a_cap_are_the_count_capped(
            words in prop::collection::vec("[a-z]{1,3}", 0..400),
            cap in 1usize..300,
        ) {
            let key = words.join(" ");
            prop_assert_eq!(word_count_at_most(&key, cap), word_count(&key).min(cap));
            prop_assert_eq!(word_count(&key), words.len());
        }
    }

    fn doc(raw: &str) -> Document {
        normalize(DocId(0), "d.txt", "d.txt", &Meta::default(), raw)
    }

    #[test]
    fn furniture_is_marked_and_splits_rejoined() {
        let d = doc("site.com\n\nA headline here • Site\n\n5 min read\n\n\
                     First paragraph. It goes on and on to the far North\n\n\
                     Atlantic and beyond.\n\nLeave a Comment");
        let kinds: Vec<_> = d
            .paragraphs
            .iter()
            .map(|p| (p.text.as_str(), p.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("site.com", Kind::Furniture(Furniture::SiteName)),
                ("A headline here", Kind::Content),
                ("5 min read", Kind::Furniture(Furniture::ReadingTime)),
                (
                    "First paragraph. It goes on and on to the far North Atlantic and beyond.",
                    Kind::Content,
                ),
                ("Leave a Comment", Kind::Furniture(Furniture::Comments)),
            ]
        );
        assert_eq!(d.paragraphs[1].stripped.as_deref(), Some("Site"));
        assert_eq!(d.content_words(), 17);
    }

    #[test]
    fn headline_is_never_joined_to_the_lede() {
        let d =
            doc("Putin regrets the rejection of his demands. by the United States\n\nand more.");
        assert_eq!(d.paragraphs.len(), 2);
    }

    #[test]
    fn record_title_is_prepended_once() {
        let meta = Meta {
            title: Some("The Title".into()),
            ..Meta::default()
        };
        let d = normalize(DocId(0), "r", "s", &meta, "Body text.");
        assert_eq!(d.paragraphs[0].text, "The Title");
        let d = normalize(DocId(0), "r", "s", &meta, "The title\n\nBody text.");
        assert_eq!(d.paragraphs.len(), 2);
    }
}
