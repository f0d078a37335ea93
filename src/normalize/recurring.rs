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

use super::{Document, Furniture, Kind, word_count};
use rustc_hash::FxHashMap as HashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Lines longer than this are never learned furniture.
const MAX_WORDS: usize = 80;

/// Marks as furniture every content line that its source prints under at
/// least `min_articles` distinct headlines. A value below 2 disables it.
pub fn mark_recurring(docs: &mut [Document], min_articles: usize) {
    if min_articles < 2 {
        return;
    }
    let seen = count_headlines(docs, min_articles);
    for doc in docs.iter_mut() {
        let source = hash(&doc.source, 0);
        for p in doc
            .paragraphs
            .iter_mut()
            .skip_while(|p| p.kind != Kind::Content)
            .skip(1)
        {
            let recurring = p.kind == Kind::Content
                && seen
                    .get(&hash(&p.key, source))
                    .is_some_and(|h| h.len() >= min_articles);
            if recurring {
                p.kind = Kind::Furniture(Furniture::Recurring);
            }
        }
    }
}

/// For each (source, short line), up to `cap` distinct headline hashes.
fn count_headlines(docs: &[Document], cap: usize) -> HashMap<u64, Vec<u64>> {
    let mut seen: HashMap<u64, Vec<u64>> = HashMap::default();
    for doc in docs {
        let mut content = doc.iter_content();
        let Some(headline) = content.next() else {
            continue;
        };
        let source = hash(&doc.source, 0);
        let head = hash(&headline.key, source);
        for p in content.filter(|p| word_count(&p.key) <= MAX_WORDS) {
            let heads = seen.entry(hash(&p.key, source)).or_default();
            if heads.len() < cap && !heads.contains(&head) {
                heads.push(head);
            }
        }
    }
    seen
}

fn hash(text: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), crate::sketch::SEED ^ seed)
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
}
