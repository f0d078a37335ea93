//! Furniture learned from the corpus: lines a source prints on many
//! different articles.
//!
//! Fixed phrase lists cannot know every site's footer, tagline or credit
//! line. But such a line recurs, word for word, across the pages of its
//! site, on articles with different headlines, which article text does not.
//! Counting, per source, the distinct headlines each short line appears
//! under finds them; a line seen under enough different headlines is
//! marked [`Furniture::Recurring`]. Counting headlines, not pages, keeps a
//! site that published one article a thousand times from losing its text.

use super::boilerplate::classify;
use super::{Document, Furniture, Kind, Markers, word_count};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Lines longer than this are never learned furniture.
const MAX_WORDS: usize = 80;

/// Marks as furniture every content line that its source prints under at
/// least `min_articles` distinct headlines. A value below 2 disables it.
pub fn mark_recurring(docs: &mut [Document], min_articles: usize) {
    let learned = Learned::learn(docs.iter().filter_map(Lines::of), min_articles);
    for doc in docs.iter_mut() {
        learned.mark(doc);
    }
}

/// What learning furniture needs of one document, hashed: its source, its
/// headline, and its short lines after the headline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    source: u64,
    headline: u64,
    short: Vec<u64>,
}

impl Lines {
    /// The lines of a normalized document; `None` without article text.
    pub fn of(doc: &Document) -> Option<Lines> {
        let mut content = doc.iter_content();
        let headline = content.next()?;
        let source = hash(&doc.source, 0);
        Some(Lines {
            source,
            headline: hash(&headline.key, source),
            short: content
                .filter(|p| word_count(&p.key) <= MAX_WORDS)
                .map(|p| hash(&p.key, source))
                .collect(),
        })
    }

    /// The lines of a raw text, found more cheaply than by normalizing it:
    /// its short lines as they stand, keys folded, none classified except
    /// to find the headline, none cleaned, joined or rejoined. Site lines
    /// are short lines on their own, whose keys come out the same either
    /// way; this is what lets `dedup` learn furniture in a first pass that
    /// keeps no text.
    pub fn of_raw(
        source: &str,
        title: Option<&str>,
        raw: &str,
        markers: &Markers,
    ) -> Option<Lines> {
        let source = hash(source, 0);
        let mut lines = raw
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.bytes().filter(|&b| b == b' ').count() < MAX_WORDS)
            .map(|l| match cleaned(l) {
                Some(clean) => Cow::Owned(super::text::strip_markdown(&clean).into_owned()),
                None => super::text::strip_markdown(l),
            });
        let mut key = String::new();
        let headline = match title.map(super::text::fold_key).filter(|t| !t.is_empty()) {
            Some(title) => title,
            None => loop {
                let text = super::text::collapse_spaces(&lines.next()?);
                super::text::fold_key_into(&text, &mut key);
                if classify(&text, &key, markers) == Kind::Content {
                    break std::mem::take(&mut key);
                }
            },
        };
        let mut short = Vec::new();
        for line in lines {
            // Folding collapses spaces itself.
            super::text::fold_key_into(&line, &mut key);
            if !key.is_empty() && word_count(&key) <= MAX_WORDS {
                short.push(hash(&key, source));
            }
        }
        Some(Lines {
            source,
            headline: hash(&headline, source),
            short,
        })
    }
}

/// A raw line as normalizing cleans it (entities decoded, invisible
/// characters dropped; see [`super::text::clean`]), or `None` when plain
/// ASCII needs no cleaning, so that a learned line's key is the key its
/// paragraph gets when normalized.
fn cleaned(line: &str) -> Option<String> {
    let plain = line
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\t') && b != b'&');
    (!plain).then(|| super::text::clean(line))
}

/// The lines learned as furniture.
#[derive(Clone, Debug, Default)]
pub struct Learned {
    /// For each (source, short line), up to `min_articles` distinct
    /// headline hashes.
    seen: HashMap<u64, Vec<u64>>,
    min_articles: usize,
}

impl Learned {
    /// Learns from every document's lines. Below 2, `min_articles` learns
    /// nothing.
    pub fn learn(lines: impl IntoIterator<Item = Lines>, min_articles: usize) -> Learned {
        let mut seen: HashMap<u64, Vec<u64>> = HashMap::default();
        if min_articles >= 2 {
            for doc in lines {
                for line in doc.short {
                    let heads = seen.entry(line).or_default();
                    if heads.len() < min_articles && !heads.contains(&doc.headline) {
                        heads.push(doc.headline);
                    }
                }
            }
            seen.retain(|_, heads| heads.len() >= min_articles);
        }
        Learned { seen, min_articles }
    }

    /// Marks the learned lines of `doc` (its headline aside) as furniture.
    pub fn mark(&self, doc: &mut Document) {
        if self.seen.is_empty() {
            return;
        }
        let source = hash(&doc.source, 0);
        for p in doc
            .paragraphs
            .iter_mut()
            .skip_while(|p| p.kind != Kind::Content)
            .skip(1)
        {
            if p.kind == Kind::Content && self.seen.contains_key(&hash(&p.key, source)) {
                p.kind = Kind::Furniture(Furniture::Recurring);
            }
        }
    }

    /// How many documents must carry a line before it is learned.
    pub fn min_articles(&self) -> usize {
        self.min_articles
    }
}

fn hash(text: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), crate::hashing::SEED ^ seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};

    fn page(source: &str, headline: &str) -> Document {
        let text = format!(
            "{headline}\n\nThe story itself, told for {headline}.\n\n\
             The Planet is an independent paper founded in 1938."
        );
        normalize(DocId(0), headline, source, &Meta::default(), &text)
    }

    fn kinds(doc: &Document) -> Vec<Kind> {
        doc.paragraphs.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn a_line_under_many_headlines_of_one_source_is_furniture() {
        let mut docs: Vec<Document> = ["One", "Two", "Three", "Four"]
            .iter()
            .map(|h| page("planet", h))
            .collect();
        docs.push(page("other", "Five"));
        mark_recurring(&mut docs, 4);
        let furniture = Kind::Furniture(Furniture::Recurring);
        assert_eq!(kinds(&docs[0]), [Kind::Content, Kind::Content, furniture]);
        assert_eq!(
            kinds(&docs[4]),
            [Kind::Content; 3],
            "another source keeps it"
        );
    }

    #[test]
    fn one_article_published_many_times_keeps_its_text() {
        let mut docs: Vec<Document> = (0..10).map(|_| page("planet", "Same")).collect();
        mark_recurring(&mut docs, 4);
        assert!(
            docs.iter()
                .all(|d| d.paragraphs.iter().all(|p| p.kind == Kind::Content))
        );
    }

    #[test]
    fn raw_lines_learn_what_normalized_documents_learn() {
        let heads = ["One", "Two", "Three", "Four"];
        let tagline = "The Planet&nbsp;&ndash; an independent paper,\u{00AD} since 1938.";
        let raw = |h: &str| format!("{h}\n\nThe story itself, told for {h}.\n\n{tagline}");
        let markers = Markers::builtin();
        let lines = heads
            .iter()
            .filter_map(|h| Lines::of_raw("planet", None, &raw(h), &markers));
        let learned = Learned::learn(lines, 4);
        let mut doc = normalize(DocId(0), "Five", "planet", &Meta::default(), &raw("Five"));
        learned.mark(&mut doc);
        let furniture = Kind::Furniture(Furniture::Recurring);
        assert_eq!(
            kinds(&doc),
            [Kind::Content, Kind::Content, furniture],
            "entities and invisible characters are cleaned in both"
        );
    }
}
