//! Furniture learned from the corpus: lines a source prints on many
//! different articles.
//!
//! Fixed phrase lists cannot know every site's footer, tagline, banner or
//! credit line. But such a line recurs, word for word, across the pages of
//! its site, on different articles, which article text does not. Counting,
//! per source, the distinct articles each short line appears in finds
//! them; a line seen in enough different articles is marked
//! [`Furniture::Recurring`], wherever it stands (a cookie banner above the
//! headline too).
//!
//! Two rules keep article text out of it:
//!
//! - *Different articles*, not different pages or headlines: an article is
//!   told apart by its lede, the longest short line it has, so a story
//!   published a thousand times, or re-headlined six times over a day,
//!   counts once and keeps its text.
//! - *Furniture is not prose*: a line that reads as article text (two
//!   sentences or more, a long sentence, a quotation) is never learned,
//!   however often one source repeats it, since stories on one subject
//!   repeat their background paragraphs.

use super::{Document, Furniture, Kind, word_count};
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Lines longer than this are no article's lede, and when a source repeats
/// one word for word in many different articles it is furniture however
/// it reads (a site's long footer or disclaimer): an article's own
/// background is told in shorter paragraphs.
const MAX_WORDS: usize = 80;

/// A line of at least this many words that holds two sentences or more
/// reads as article prose.
const PROSE_WORDS: usize = 20;

/// A single sentence of at least this many words reads as article prose.
const LONG_SENTENCE_WORDS: usize = 30;

/// A quotation of at least this many words reads as article prose.
const QUOTE_WORDS: usize = 12;

/// Whether a line reads as article text rather than site furniture: two
/// sentences or more, one long sentence, or a quotation. Such a line is
/// never learned as furniture.
pub fn reads_as_prose(text: &str) -> bool {
    // ASCII text splits the same on ASCII whitespace, and ends its
    // sentences and quotes in ASCII, without decoding.
    let ascii = text.is_ascii();
    let (words, sentences) = if ascii {
        count_sentences(text.as_bytes().split(u8::is_ascii_whitespace), |w| {
            matches!(w.last(), Some(b'.' | b'!' | b'?')) || w.ends_with(b".\"")
        })
    } else {
        count_sentences(text.split_whitespace(), |w| {
            w.ends_with(['.', '!', '?']) || w.ends_with(".\u{201D}") || w.ends_with(".\"")
        })
    };
    words >= LONG_SENTENCE_WORDS
        || (words >= PROSE_WORDS && sentences >= 2)
        || (words >= QUOTE_WORDS
            && if ascii {
                text.as_bytes().contains(&b'"')
            } else {
                text.contains(['\u{201C}', '\u{201D}', '"', '\u{00AB}', '\u{300C}'])
            })
}

/// The words (counted no further than [`LONG_SENTENCE_WORDS`]) and the
/// sentence ends among them, from a text's pieces between spaces (empty
/// ones skipped).
fn count_sentences<W: AsRef<[u8]>>(
    pieces: impl Iterator<Item = W>,
    ends_sentence: impl Fn(&W) -> bool,
) -> (usize, usize) {
    let (mut count, mut sentences) = (0, 0);
    for w in pieces
        .filter(|w| !w.as_ref().is_empty())
        .take(LONG_SENTENCE_WORDS)
    {
        count += 1;
        sentences += usize::from(ends_sentence(&w));
    }
    (count, sentences)
}

/// Marks as furniture every content line that its source prints under at
/// least `min_articles` distinct headlines. A value below 2 disables it.
pub fn mark_recurring(docs: &mut [Document], min_articles: usize) {
    let learned = Learned::learn(docs.iter().filter_map(Lines::of), min_articles);
    for doc in docs.iter_mut() {
        learned.mark(doc);
    }
}

/// Hashed (line, lede) pairs: a line, and the article it was seen in.
pub type LinePairs = Vec<(u64, u64)>;

/// What learning furniture needs of one document, hashed: its source, its
/// lede (which tells its article from others), and its short lines that
/// do not read as prose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    source: u64,
    lede: u64,
    short: Vec<u64>,
    /// Lines that read as prose: never furniture, but site text when
    /// repeated in many different articles.
    long: Vec<u64>,
}

/// Collects a document's lines: its lede is the longest of its short
/// lines (ties to the first); its candidates are the short lines that do
/// not read as prose.
#[derive(Default)]
struct Collect {
    lede: (usize, u64),
    short: Vec<u64>,
    long: Vec<u64>,
}

impl Collect {
    fn add(&mut self, shown: &str, key: &str, source: u64) {
        if key.is_empty() {
            return;
        }
        let words = word_count(key);
        let h = hash(key, source);
        if words > MAX_WORDS {
            self.short.push(h);
            return;
        }
        if words > self.lede.0 {
            self.lede = (words, h);
        }
        if reads_as_prose(shown) {
            self.long.push(h);
        } else {
            self.short.push(h);
        }
    }

    fn finish(self, source: u64) -> Option<Lines> {
        (self.lede.0 > 0).then_some(Lines {
            source,
            lede: self.lede.1,
            short: self.short,
            long: self.long,
        })
    }
}

impl Lines {
    /// The lines of a normalized document; `None` without article text.
    pub fn of(doc: &Document) -> Option<Lines> {
        let source = hash(&doc.source, 0);
        let mut collect = Collect::default();
        for p in doc.iter_content() {
            collect.add(&p.text, &p.key, source);
        }
        collect.finish(source)
    }

    /// The lines of a raw text, found more cheaply than by normalizing it:
    /// its short lines as they stand, keys folded, none cleaned beyond
    /// entities, joined or rejoined. Site lines are short lines on their
    /// own, whose keys come out the same either way; this is what lets
    /// `dedup` learn furniture in a first pass that keeps no text.
    pub fn of_raw(source: &str, raw: &str) -> Option<Lines> {
        let source = hash(source, 0);
        let mut collect = Collect::default();
        let mut key = String::new();
        for line in raw.lines().map(str::trim) {
            if line.is_empty() {
                continue;
            }
            let shown = match cleaned(line) {
                Some(clean) => Cow::Owned(super::text::strip_markdown(&clean).into_owned()),
                None => super::text::strip_markdown(line),
            };
            // Folding collapses spaces itself.
            super::text::fold_key_into(&shown, &mut key);
            collect.add(&shown, &key, source);
        }
        collect.finish(source)
    }

    /// The (line, lede) pairs of this document's short lines, then of its long
    /// ones: what [`Learned::learn`] counts, for a learner that counts
    /// them elsewhere (a distributed aggregation) and builds the result
    /// with [`Learned::from_counted`].
    pub fn pairs(&self) -> (LinePairs, LinePairs) {
        let of = |lines: &[u64]| lines.iter().map(|&l| (l, self.lede)).collect();
        (of(&self.short), of(&self.long))
    }
}

/// A raw line as normalizing cleans it (entities decoded, invisible
/// characters dropped; see [`super::text::clean`]), or `None` when plain
/// ASCII needs no cleaning, so that a learned line's key is the key its
/// paragraph gets when normalized.
fn cleaned(line: &str) -> Option<String> {
    (!super::text::is_clean_ascii(line)).then(|| super::text::clean(line).into_owned())
}

/// The lines learned as furniture, and as site text.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Learned {
    /// The (source, short line) pairs seen in at least `min_articles`
    /// different articles: furniture.
    seen: HashSet<u64>,
    /// The (source, long or prose line) pairs seen so: site text.
    site: HashSet<u64>,
    min_articles: usize,
}

/// The lines in at least `min_articles` different articles (distinct
/// ledes), from (line, lede) pairs: sorted, so the count needs no map of
/// every line.
fn count_articles(pairs: Vec<(u64, u64)>, min_articles: usize) -> HashSet<u64> {
    articles_at_least(pairs, min_articles).into_iter().collect()
}

/// [`count_articles`] as a list, in the order of the lines' hashes: what
/// a learner that counts the pairs of some lines at a time gathers for
/// [`Learned::from_counted`].
pub(crate) fn articles_at_least(mut pairs: Vec<(u64, u64)>, min_articles: usize) -> Vec<u64> {
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() >= min_articles)
        .map(|g| g[0].0)
        .collect()
}

impl Learned {
    /// Learns from every document's lines. Below 2, `min_articles` learns
    /// nothing.
    pub fn learn(lines: impl IntoIterator<Item = Lines>, min_articles: usize) -> Learned {
        if min_articles < 2 {
            return Learned {
                min_articles,
                ..Learned::default()
            };
        }
        let docs: Vec<Lines> = lines.into_iter().collect();
        let pairs = |pick: fn(&Lines) -> &[u64]| -> Vec<(u64, u64)> {
            docs.iter()
                .flat_map(|d| pick(d).iter().map(move |&l| (l, d.lede)))
                .collect()
        };
        Learned {
            seen: count_articles(pairs(|d| &d.short), min_articles),
            site: count_articles(pairs(|d| &d.long), min_articles),
            min_articles,
        }
    }

    /// What [`Learned::learn`] would learn, from lines already counted:
    /// `seen` the short lines and `site` the long ones that at least
    /// `min_articles` distinct (line, lede) pairs carry.
    pub fn from_counted(seen: Vec<u64>, site: Vec<u64>, min_articles: usize) -> Learned {
        if min_articles < 2 {
            return Learned {
                min_articles,
                ..Learned::default()
            };
        }
        Learned {
            seen: seen.into_iter().collect(),
            site: site.into_iter().collect(),
            min_articles,
        }
    }

    /// Marks the learned lines of `doc` as furniture, wherever they stand,
    /// and its site text as such.
    pub fn mark(&self, doc: &mut Document) {
        if self.seen.is_empty() && self.site.is_empty() {
            return;
        }
        let source = hash(&doc.source, 0);
        for p in doc
            .paragraphs
            .iter_mut()
            .filter(|p| p.kind == Kind::Content)
        {
            let h = hash(&p.key, source);
            if self.seen.contains(&h) {
                p.kind = Kind::Furniture(Furniture::Recurring);
            } else if self.site.contains(&h) {
                p.site_text = true;
            }
        }
    }

    /// How many documents must carry a line before it is learned.
    pub fn min_articles(&self) -> usize {
        self.min_articles
    }

    /// The furniture lines and the site text lines learned, each sorted.
    #[cfg(test)]
    pub(crate) fn lines(&self) -> (Vec<u64>, Vec<u64>) {
        let sorted = |set: &HashSet<u64>| {
            let mut lines: Vec<u64> = set.iter().copied().collect();
            lines.sort_unstable();
            lines
        };
        (sorted(&self.seen), sorted(&self.site))
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
    use proptest::prelude::*;

    /// [`reads_as_prose`] on decoded characters, whatever the text.
    fn reads_as_prose_decoded(text: &str) -> bool {
        let (mut words, mut sentences) = (0, 0);
        for w in text.split_ascii_whitespace().take(LONG_SENTENCE_WORDS) {
            words += 1;
            sentences += usize::from(
                w.ends_with(['.', '!', '?']) || w.ends_with(".\u{201D}") || w.ends_with(".\""),
            );
        }
        words >= LONG_SENTENCE_WORDS
            || (words >= PROSE_WORDS && sentences >= 2)
            || (words >= QUOTE_WORDS
                && text.contains(['\u{201C}', '\u{201D}', '"', '\u{00AB}', '\u{300C}']))
    }

    proptest! {
        #[test]
        fn ascii_lines_read_as_prose_as_decoded_ones(
            words in prop::collection::vec(
                ("[a-z]{1,6}", prop_oneof![
                    30 => Just(""), 2 => Just("."), 2 => Just("?"), 1 => Just(".\""),
                    1 => Just("\""), 1 => Just(".\u{201D}"),
                ]),
                0..45,
            ),
            gaps in prop::collection::vec("[ \t\r\x0c]{1,2}", 45),
            trimmed in any::<bool>(),
        ) {
            let text: String = words
                .iter()
                .zip(&gaps)
                .map(|((w, end), gap)| format!("{w}{end}{gap}"))
                .collect();
            let text = if trimmed { text.trim_end() } else { &text };
            prop_assert_eq!(reads_as_prose(text), reads_as_prose_decoded(text));
        }
    }

    fn page(source: &str, headline: &str) -> Document {
        let text = format!(
            "{headline}\n\nThe story itself, told for {headline}, runs longer than any line the site adds.\n\n\
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
        let raw = |h: &str| {
            format!(
                "{h}\n\nThe story itself, told for {h}, runs longer than the site's lines.\n\n{tagline}"
            )
        };
        let lines = heads
            .iter()
            .filter_map(|h| Lines::of_raw("planet", &raw(h)));
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

    fn content(doc: &Document) -> Vec<&str> {
        doc.iter_content().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn re_headlined_versions_of_one_story_keep_their_text() {
        let story = "Rescuers reached the village at dawn after the road reopened, and the first families were taken to the school hall.";
        let more = "Officials said the river had fallen by a metre overnight.";
        let mut docs: Vec<Document> = (0..6)
            .map(|v| {
                let text = format!("Flood live: update {v}\n\n{story}\n\n{more}");
                normalize(DocId(0), "x", "site", &Meta::default(), &text)
            })
            .collect();
        mark_recurring(&mut docs, 4);
        assert!(
            docs.iter().all(|d| content(d).len() == 3),
            "{:?}",
            content(&docs[0])
        );
    }

    #[test]
    fn a_background_paragraph_shared_by_one_sources_articles_is_kept() {
        let background = "The dam was built in 1962 to protect the valley from spring floods. \
            It has been repaired twice since then, most recently after the storms of 2019, \
            at a cost of twelve million.";
        let mut docs: Vec<Document> = ["One", "Two", "Three", "Four", "Five"]
            .iter()
            .map(|h| {
                let text = format!(
                    "{h} news of the day\n\nThe council met about the {h} plan on Monday evening, heard from the engineers, \
                     the farmers, the shopkeepers of the old town and the mayor's office for more than four \
                     hours, argued over the cost and the timetable, and in the end took no decision on it at all.\n\n{background}"
                );
                normalize(DocId(0), h, "dump.jsonl", &Meta::default(), &text)
            })
            .collect();
        mark_recurring(&mut docs, 4);
        assert!(docs.iter().all(|d| content(d).len() == 3));
        let site_text: Vec<bool> = docs[0].iter_content().map(|p| p.site_text).collect();
        assert_eq!(
            site_text,
            [false, false, true],
            "kept, but left out of fingerprints"
        );
    }

    #[test]
    fn a_banner_above_every_headline_is_furniture() {
        let banner = "We use cookies to improve your experience";
        let mut docs: Vec<Document> = ["One", "Two", "Three", "Four"]
            .iter()
            .map(|h| {
                let text = format!(
                    "{banner}\n\n{h} wins the cup\n\nThe {h} team won the final on Sunday after a long and close game.\n\nAdvertisement"
                );
                normalize(DocId(0), h, "sport", &Meta::default(), &text)
            })
            .collect();
        mark_recurring(&mut docs, 4);
        assert_eq!(content(&docs[0])[0], "One wins the cup");
        assert!(docs.iter().all(|d| !content(d).contains(&banner)));
    }

    #[test]
    fn a_long_footer_on_many_articles_is_furniture() {
        let footer = "The Planet is an independent paper founded in 1938. ".repeat(20);
        let mut docs: Vec<Document> = ["One", "Two", "Three", "Four"]
            .iter()
            .map(|h| {
                let text = format!("{h} wins\n\nThe {h} team won the final on Sunday after a long and close game.\n\n{footer}");
                normalize(DocId(0), h, "site", &Meta::default(), &text)
            })
            .collect();
        mark_recurring(&mut docs, 4);
        let last = docs[0].paragraphs.last().unwrap();
        assert_eq!(last.kind, Kind::Furniture(Furniture::Recurring));
        assert_eq!(content(&docs[0]).len(), 2);
    }
}
