//! What a copy's own text says about where it stops.
//!
//! A copy may end because the article ends, or because it was cut: a feed
//! that stops at "To be continued.", an aggregator that stops mid-sentence,
//! a page behind a paywall. The evidence read here is the copy's alone; the
//! reconcile stage uses it to let a cut copy abstain on the lines it never
//! reached, and the annotate stage cites it when it flags the copy.

use super::{Document, Kind, Paragraph, segment, word_count};

/// A last paragraph of this many words with no sentence end is prose cut
/// off, not a heading.
pub const MIN_RUN_ON_WORDS: usize = 20;

/// The truncation marker the copy ends on, furniture after it aside.
pub fn closing_marker(doc: &Document) -> Option<&Paragraph> {
    doc.paragraphs
        .iter()
        .rev()
        .find(|p| !matches!(p.kind, Kind::Furniture(_)))
        .filter(|p| p.kind == Kind::Truncation)
}

/// The copy's paywall notice and its index among the paragraphs, if any.
pub fn paywall_notice(doc: &Document) -> Option<(usize, &Paragraph)> {
    doc.paragraphs
        .iter()
        .enumerate()
        .find(|(_, p)| p.kind == Kind::Paywall)
}

/// Whether the copy's text stops mid-sentence: its last paragraph (markers
/// and furniture aside) is prose (it holds a full sentence of a longer
/// text, or runs to a length no heading or credit line has: at least
/// [`MIN_RUN_ON_WORDS`] words) and breaks off on a word or a comma, a
/// lowercase word unless the paragraph is that long.
pub fn stops_mid_sentence(doc: &Document) -> bool {
    let Some(last) = doc
        .paragraphs
        .iter()
        .rev()
        .find(|p| p.kind == Kind::Content)
    else {
        return false;
    };
    let text = last.text.as_str();
    let last_word = text.rsplit(' ').next().unwrap_or("");
    let words = word_count(&last.key);
    let prose = (words >= 10 && segment::sentences(text).len() >= 2) || words >= MIN_RUN_ON_WORDS;
    let open = text.ends_with(|c: char| c.is_alphanumeric() || matches!(c, ',' | '-' | '–'));
    prose && open && (last_word.starts_with(char::is_lowercase) || words >= MIN_RUN_ON_WORDS)
}

/// A last line without a sentence end shorter than this is a heading, a
/// list entry, a caption or a credit, which articles end on; a longer one
/// is prose that broke off.
pub const MIN_RAGGED_WORDS: usize = 8;

/// Whether the copy's article text ends raggedly: its last paragraph
/// breaks off on a comma or a dash, or is prose of at least
/// [`MIN_RAGGED_WORDS`] words with no sentence end.
pub fn ends_raggedly(doc: &Document) -> bool {
    doc.paragraphs
        .iter()
        .rev()
        .find(|p| p.kind == Kind::Content)
        .is_some_and(|p| {
            let t = p.text.trim_end();
            t.ends_with([',', '-', '–'])
                || (!segment::ends_sentence(t) && word_count(&p.key) >= MIN_RAGGED_WORDS)
        })
}

/// Whether the copy carries its own evidence of being cut short: it ends
/// on a truncation marker, carries a paywall notice, or breaks off
/// mid-sentence.
pub fn is_cut(doc: &Document) -> bool {
    closing_marker(doc).is_some() || paywall_notice(doc).is_some() || stops_mid_sentence(doc)
}

/// The last eight words of a copy's text, folded.
pub fn last_words(doc: &Document) -> Option<String> {
    let last = doc
        .paragraphs
        .iter()
        .rev()
        .find(|p| p.kind == Kind::Content)?;
    Some(last_key_words(&last.key).to_string())
}

/// The last eight words of a key: what follows its eighth space from the
/// end, or the whole key when it has fewer, found without splitting the
/// whole paragraph.
fn last_key_words(key: &str) -> &str {
    let from = key.rmatch_indices(' ').nth(7).map_or(0, |(i, _)| i + 1);
    &key[from..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};

    fn doc(text: &str) -> Document {
        normalize(DocId(0), "d", "d", &Meta::default(), text)
    }

    proptest::proptest! {
        #[test]
        fn the_last_words_are_the_last_eight_pieces_between_spaces(key in "[ ab]{0,40}") {
            let pieces: Vec<&str> = key.split(' ').collect();
            let want = pieces[pieces.len().saturating_sub(8)..].join(" ");
            proptest::prop_assert_eq!(last_key_words(&key), want);
        }
    }

    #[test]
    fn each_kind_of_evidence_marks_a_cut_copy() {
        assert!(is_cut(&doc("Title\n\nSome text here.\n\nTo be continued.")));
        assert!(is_cut(&doc(
            "Title\n\nThe first sentence ends here. The second one goes on and then it"
        )));
        assert!(is_cut(&doc(
            "Title\n\nText.\n\nYou have 63.88% of this article left to read."
        )));
        assert!(!is_cut(&doc("Title\n\nA whole article. It ends well.")));
    }

    #[test]
    fn a_ragged_end_is_a_comma_or_a_long_line_without_a_stop() {
        assert!(ends_raggedly(&doc("Title\n\nIt went on, and on,")));
        assert!(ends_raggedly(&doc(
            "Title\n\nA long last line of prose that has no full stop at all"
        )));
        // Short lines without a stop end articles: headings, credits, lists.
        assert!(!ends_raggedly(&doc(
            "Title\n\nText.\n\nReporting by Jane Doe"
        )));
        assert!(!ends_raggedly(&doc("Title\n\nIt ends well.")));
    }
}
