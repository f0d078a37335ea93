//! Stage 6: vote one canonical text out of the aligned copies.
//!
//! Three votes make the text, each over the copies that carry the place
//! in question:
//!
//! 1. **Presence** ([`presence`]): which slots are the article. Every copy
//!    votes, weighted by its source's learned reliability, so a page
//!    dump's menus and footers are outvoted by the copies that lack them,
//!    and where the article starts and ends is decided by the copies
//!    together, not by the longest one.
//! 2. **Readings**: within a kept slot, copies that read it the same way,
//!    by folded key, form a variant, and the words are voted too (see
//!    [`words`]), so each copy's own slips are outvoted even when no two
//!    copies read the whole sentence alike, and a copy cut mid-sentence
//!    does not cut the line. A tie goes to the earliest copy in alignment
//!    order (the pivot first) and is marked, so users can review it.
//! 3. **Paragraphing**: two consecutive kept slots are one paragraph when
//!    most of the copies that carry both put them in one paragraph, so a
//!    copy that prints the whole article on one line, or every sentence on
//!    its own, does not decide the layout.
//!
//! Every copy that carries a slot of a line, whatever its reading, is a
//! source of the line.

pub mod presence;
pub mod reliability;
pub mod words;

use crate::align::{Alignment, Cell};
use crate::normalize::segment::ends_sentence;
use crate::normalize::text::fold_key;
use crate::normalize::{Document, word_count};
use presence::{Ballot, Model};
use words::{Weighted, consensus};

/// A canonical line (a paragraph) with its provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The winning reading.
    pub text: String,
    /// Every copy (by position in the aligned list) that carries some of
    /// the line, sorted.
    pub sources: Vec<usize>,
    /// The distinct readings, winner first, when copies disagree; empty when
    /// they all agree.
    pub variants: Vec<Variant>,
    /// Whether the winner was chosen by the tie rule somewhere in the line.
    pub tied: bool,
    /// How much of the line each source carries, in `sources` order.
    pub reach: Vec<Reach>,
}

/// How much of a canonical line one copy carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The copy.
    pub copy: usize,
    /// Words of the canonical line in the sentences this copy carries.
    pub words: usize,
    /// Words of the canonical line up to the end of the last sentence this
    /// copy carries.
    pub end: usize,
    /// Words of that last sentence the copy lacks because its reading
    /// breaks off inside it (see [`crate::reconcile`]'s cut readings); 0
    /// when it carries the sentence whole.
    pub broken: usize,
}

/// One reading of a line and the copies that have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The reading, as the first copy having it shows it.
    pub text: String,
    /// The copies having it, sorted.
    pub copies: Vec<usize>,
}

/// The reconciled text of one article.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CanonicalText {
    /// The lines in reading order.
    pub lines: Vec<Line>,
    /// Text the presence vote left out (see [`presence`]), by copy.
    pub dropped: Vec<Inserted>,
    /// Per copy: (paragraph breaks or joins of the canonical text it agrees
    /// with, those it had a say in).
    pub paragraphing: Vec<(u32, u32)>,
}

/// A copy's text left out of the canonical text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inserted {
    /// The copy that carries it.
    pub copy: usize,
    /// Its reading of the text.
    pub text: String,
    /// Whether it was left out as a word-for-word repeat of text the
    /// canonical text already has, rather than outvoted.
    pub repeat: bool,
}

impl CanonicalText {
    /// The text as paragraphs separated by blank lines, ending in a newline.
    pub fn to_text(&self) -> String {
        text_of_lines(self.lines.iter().map(|l| l.text.as_str()))
    }

    /// Whether some line was decided by the tie rule.
    pub fn has_ties(&self) -> bool {
        self.lines.iter().any(|l| l.tied)
    }
}

/// Canonical lines as one text: separated by blank lines, ending in a
/// newline.
pub fn text_of_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = lines.collect::<Vec<_>>().join("\n\n");
    out.push('\n');
    out
}

/// Attaches the copies `copies[from..]`, which were not aligned (see
/// [`crate::ConfigBuilder::max_aligned_copies`]), to the canonical lines they
/// carry word for word: the lines whose key equals the key of one of their
/// content paragraphs. They vote on nothing.
pub fn attach(canon: &mut CanonicalText, copies: &[&Document], from: usize) {
    if from >= copies.len() {
        return;
    }
    let line_keys: Vec<String> = canon.lines.iter().map(|l| fold_key(&l.text)).collect();
    for (copy, doc) in copies.iter().enumerate().skip(from) {
        let keys: rustc_hash::FxHashSet<&str> =
            doc.iter_content().map(|p| p.key.as_str()).collect();
        for (line, key) in canon.lines.iter_mut().zip(&line_keys) {
            if !keys.contains(key.as_str()) {
                continue;
            }
            if let Err(at) = line.sources.binary_search(&copy) {
                line.sources.insert(at, copy);
                let words = word_count(key);
                let reach = Reach {
                    copy,
                    words,
                    end: words,
                    broken: 0,
                };
                line.reach.insert(at, reach);
            }
        }
    }
}

/// Votes the canonical text of `copies` (in alignment order) from their
/// alignment alone, with presence decided by a plain majority of the
/// copies that vote ([`Model::default`]). The engine learns the presence
/// model from the whole corpus instead and calls [`reconcile_with`].
pub fn reconcile(copies: &[&Document], alignment: &Alignment, weights: &[f64]) -> CanonicalText {
    let ballot = Ballot::of(copies, alignment);
    let keep = Model::default().decide(&ballot, &[]);
    reconcile_with(copies, alignment, &keep, weights)
}

/// Votes the canonical text of `copies` (in alignment order) from their
/// alignment, keeping the slots `keep` marks. Each copy's vote on readings
/// and paragraphing weighs `weights[copy]` (see [`reliability`]); with
/// equal weights the vote is a plain majority.
pub fn reconcile_with(
    copies: &[&Document],
    alignment: &Alignment,
    keep: &[bool],
    weights: &[f64],
) -> CanonicalText {
    let mut canon = CanonicalText {
        paragraphing: vec![(0, 0); copies.len()],
        ..CanonicalText::default()
    };
    let unique = without_repeats(copies, alignment, keep);
    let mut paragraph: Vec<SlotLine> = Vec::new();
    let mut previous: Option<&[Cell]> = None;
    for ((slot, &voted), &kept) in alignment.slots.iter().zip(keep).zip(&unique) {
        if !kept {
            let repeat = voted;
            canon
                .dropped
                .extend(left_out(copies, alignment, &slot.cells, repeat));
            continue;
        }
        let joined = previous.is_some_and(|p| {
            one_paragraph(alignment, p, &slot.cells, weights, &mut canon.paragraphing)
        });
        if !joined && !paragraph.is_empty() {
            canon
                .lines
                .push(line(std::mem::take(&mut paragraph), weights));
        }
        paragraph.push(vote(readings(copies, alignment, &slot.cells), weights));
        previous = Some(&slot.cells);
    }
    if !paragraph.is_empty() {
        canon.lines.push(line(paragraph, weights));
    }
    merge_dropped(&mut canon.dropped);
    canon
}

/// A kept sentence of at least this many words that reads exactly as an
/// earlier kept one is a repeat: a page that prints the article twice, a
/// pull quote, a teaser of the lede. Shorter lines ("Thank you.", "Where
/// to buy") repeat in real articles.
pub const MIN_REPEAT_WORDS: usize = 8;

/// `keep`, less the slots that repeat an earlier kept slot word for word
/// (see [`MIN_REPEAT_WORDS`]). A sentence that repeats a line without a
/// sentence end is no repeat: a lede that opens with the words of its
/// headline keeps them.
fn without_repeats(copies: &[&Document], alignment: &Alignment, keep: &[bool]) -> Vec<bool> {
    let mut seen = rustc_hash::FxHashSet::default();
    alignment
        .slots
        .iter()
        .zip(keep)
        .map(|(slot, &kept)| {
            let cell = slot.cells[0];
            let unit = alignment.unit(cell);
            let sentence = ends_sentence(unit.text(copies[cell.copy]));
            kept && (word_count(&unit.key) < MIN_REPEAT_WORDS || seen.insert((&unit.key, sentence)))
        })
        .collect()
}

/// The text of a slot left out, by carrier.
fn left_out(
    copies: &[&Document],
    alignment: &Alignment,
    cells: &[Cell],
    repeat: bool,
) -> Vec<Inserted> {
    readings(copies, alignment, cells)
        .into_iter()
        .map(|r| Inserted {
            copy: r.copy,
            text: r.text,
            repeat,
        })
        .collect()
}

/// Most bytes of text one entry of [`CanonicalText::dropped`] gathers
/// from consecutive pieces.
const MAX_DROPPED_BYTES: usize = 300;

/// Joins a copy's consecutive pieces left out for the same reason, so each
/// entry is a run of its text rather than a sentence.
fn merge_dropped(dropped: &mut Vec<Inserted>) {
    dropped.sort_by_key(|d| d.copy);
    let mut out: Vec<Inserted> = Vec::with_capacity(dropped.len());
    for d in dropped.drain(..) {
        match out.last_mut() {
            Some(last)
                if last.copy == d.copy
                    && last.repeat == d.repeat
                    && last.text.len() < MAX_DROPPED_BYTES =>
            {
                last.text.push(' ');
                last.text.push_str(&d.text);
            }
            _ => out.push(d),
        }
    }
    *dropped = out;
}

/// Whether two consecutive kept slots are one paragraph: the copies that
/// carry both vote, by weight, whether their paragraph goes on (a tie
/// breaks it). Each voter's agreement is counted in `tally`.
fn one_paragraph(
    alignment: &Alignment,
    before: &[Cell],
    after: &[Cell],
    weights: &[f64],
    tally: &mut [(u32, u32)],
) -> bool {
    let mut votes: Vec<(usize, bool)> = Vec::new();
    for b in after {
        if votes.iter().any(|v| v.0 == b.copy) {
            continue;
        }
        let Some(a) = before.iter().rev().find(|a| a.copy == b.copy) else {
            continue;
        };
        let same = alignment.unit(*a).para == alignment.unit(*b).para;
        votes.push((b.copy, same));
    }
    let weigh = |same: bool| -> f64 {
        votes
            .iter()
            .filter(|v| v.1 == same)
            .map(|v| weight_of(weights, v.0))
            .sum()
    };
    let joined = !votes.is_empty() && weigh(true) > weigh(false);
    for &(copy, same) in &votes {
        tally[copy].0 += u32::from(same == joined);
        tally[copy].1 += 1;
    }
    joined
}

/// One copy's reading of a slot.
struct Reading {
    copy: usize,
    key: String,
    text: String,
    /// Whether the reading ends with the copy's last unit: only there can
    /// the copy break off.
    last: bool,
}

impl Reading {
    /// Appends another piece of the same copy's text.
    fn extend(&mut self, key: &str, text: &str, last: bool) {
        self.key.push(' ');
        self.key.push_str(key);
        self.text.push(' ');
        self.text.push_str(text);
        self.last = last;
    }
}

fn readings(copies: &[&Document], alignment: &Alignment, cells: &[Cell]) -> Vec<Reading> {
    let mut out: Vec<Reading> = Vec::new();
    for &cell in cells {
        let unit = alignment.unit(cell);
        let text = unit.text(copies[cell.copy]);
        let last = cell.unit + 1 == alignment.units[cell.copy].len();
        match out.last_mut() {
            Some(r) if r.copy == cell.copy => r.extend(&unit.key, text, last),
            _ => out.push(Reading {
                copy: cell.copy,
                key: unit.key.clone(),
                text: text.to_string(),
                last,
            }),
        }
    }
    out.sort_by_key(|r| r.copy);
    out
}

/// The vote on one slot: its text, whether a tie decided it, its words,
/// and every copy's reading.
struct SlotLine {
    text: String,
    key: String,
    tied: bool,
    words: usize,
    readings: Vec<Reading>,
}

impl SlotLine {
    /// The words of this slot's text that a reading carries: all of them,
    /// unless the reading breaks off inside the sentence: it is an
    /// unfinished strict prefix of the slot's text, the copy has no text
    /// after it, and the text goes on in lowercase (a copy cut
    /// mid-sentence). A reading that stops at a
    /// sentence end, or before a capitalised word (the next entry of a list
    /// that other copies run together), is carried whole.
    fn carried_by(&self, reading: &Reading) -> usize {
        let k = &reading.key;
        if !(reading.last && is_cut_prefix(k, &self.key)) || ends_sentence(&reading.text) {
            return self.words;
        }
        if self.key.as_bytes()[k.len()] != b' ' {
            // Cut inside a word: its start is not carried.
            return word_count(k) - 1;
        }
        let n = word_count(k);
        let goes_on = word_after(&self.text, n).is_some_and(|w| w.starts_with(char::is_lowercase));
        if goes_on { n } else { self.words }
    }
}

/// Whether `key` is the strict start of `of`: what a copy cut off inside
/// that text carries of it.
fn is_cut_prefix(key: &str, of: &str) -> bool {
    key.len() < of.len() && of.starts_with(key)
}

/// Votes a slot's text. A reading at its copy's end that is the start of
/// another reading is a copy cut off there: it does not vote on the words
/// it never reached.
fn vote(readings: Vec<Reading>, weights: &[f64]) -> SlotLine {
    let cut = |r: &Reading| r.last && readings.iter().any(|o| is_cut_prefix(&r.key, &o.key));
    let voting = readings.iter().filter(|r| !cut(r));
    let variants = variants(voting.map(|r| (r.copy, &r.key, &r.text)));
    let (text, tied) = decide(&variants, weights);
    let key = fold_key(&text);
    SlotLine {
        words: word_count(&key),
        key,
        text,
        tied,
        readings,
    }
}

/// Groups readings (copy, key, text) by key, in the order the readings
/// come; callers sort them by weight (stably, so among equal weights the
/// earliest copy's reading leads).
fn variants<'a>(readings: impl Iterator<Item = (usize, &'a String, &'a String)>) -> Vec<Variant> {
    let mut out: Vec<(&String, Variant)> = Vec::new();
    for (copy, key, text) in readings {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.copies.push(copy),
            None => out.push((
                key,
                Variant {
                    text: text.clone(),
                    copies: vec![copy],
                },
            )),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

fn weight(v: &Variant, weights: &[f64]) -> f64 {
    v.copies.iter().map(|&c| weight_of(weights, c)).sum()
}

/// Sorts the variants heaviest first and votes their words; returns the
/// text and whether the count alone did not decide it.
fn decide(variants: &[Variant], weights: &[f64]) -> (String, bool) {
    let mut sorted: Vec<&Variant> = variants.iter().collect();
    sorted.sort_by(|x, y| weight(y, weights).total_cmp(&weight(x, weights)));
    if sorted.len() == 1 {
        return (sorted[0].text.clone(), false);
    }
    let weighted: Vec<Weighted<'_>> = sorted
        .iter()
        .map(|v| Weighted {
            text: &v.text,
            weight: weight(v, weights),
        })
        .collect();
    consensus(&weighted)
}

/// Builds one canonical line from the votes of its slots.
fn line(slots: Vec<SlotLine>, weights: &[f64]) -> Line {
    let text = slots
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let tied = slots.iter().any(|s| s.tied);
    // Per copy, how much of the line it carries and its reading of it.
    let mut carriers: Vec<(Reach, Reading)> = Vec::new();
    let mut offset = 0;
    for slot in &slots {
        for r in &slot.readings {
            let carried = slot.carried_by(r);
            let reach = Reach {
                copy: r.copy,
                words: carried,
                end: offset + carried,
                broken: slot.words - carried,
            };
            match carriers.iter_mut().find(|(x, _)| x.copy == r.copy) {
                Some((x, reading)) => {
                    *x = Reach {
                        words: x.words + carried,
                        ..reach
                    };
                    reading.extend(&r.key, &r.text, r.last);
                }
                None => carriers.push((
                    reach,
                    Reading {
                        copy: r.copy,
                        key: r.key.clone(),
                        text: r.text.clone(),
                        last: r.last,
                    },
                )),
            }
        }
        offset += slot.words;
    }
    carriers.sort_by_key(|(x, _)| x.copy);
    let mut variants = variants(carriers.iter().map(|(_, r)| (r.copy, &r.key, &r.text)));
    if variants.len() == 1 {
        variants.clear();
    } else {
        variants.sort_by(|x, y| weight(y, weights).total_cmp(&weight(x, weights)));
    }
    let reach: Vec<Reach> = carriers.into_iter().map(|(x, _)| x).collect();
    Line {
        text,
        sources: reach.iter().map(|r| r.copy).collect(),
        variants,
        tied,
        reach,
    }
}

/// The whitespace-separated word of `text` that follows its first `n`
/// folded words.
fn word_after(text: &str, n: usize) -> Option<&str> {
    let mut seen = 0;
    for token in text.split(' ') {
        if seen >= n {
            return Some(token);
        }
        seen += word_count(&fold_key(token));
    }
    None
}

fn weight_of(weights: &[f64], copy: usize) -> f64 {
    weights.get(copy).copied().unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::align;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};

    fn doc(text: &str) -> Document {
        normalize(DocId(0), "d", "d", &Meta::default(), text)
    }

    const FOUR_LINES: [&str; 4] = [
        "Title",
        "First paragraph here.",
        "Second paragraph here.",
        "A closing line.",
    ];

    fn texts(c: &CanonicalText) -> Vec<&str> {
        c.lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn canon(texts: &[&str]) -> CanonicalText {
        let docs: Vec<Document> = texts.iter().map(|t| doc(t)).collect();
        let refs: Vec<&Document> = docs.iter().collect();
        reconcile(&refs, &align(&refs, 1 << 24), &[])
    }

    #[test]
    fn majority_outvotes_noise() {
        let c = canon(&[
            "Title\n\nThe minister said on Monday that talks go on.",
            "Title\n\nThe rninister said on Monday that talks go on.",
            "Title\n\nThe minister said on Monday that talks go on.",
        ]);
        assert_eq!(
            c.lines[1].text,
            "The minister said on Monday that talks go on."
        );
        assert_eq!(c.lines[1].sources, [0, 1, 2]);
        assert_eq!(c.lines[1].variants.len(), 2);
        assert_eq!(c.lines[1].variants[1].copies, [1]);
        assert!(!c.lines[1].tied);
        assert!(c.lines[0].variants.is_empty());
    }

    #[test]
    fn a_line_one_copy_inserts_between_shared_lines_is_dropped() {
        let c = canon(&[
            "Title\n\nFirst paragraph here.\n\nBuy the new phone today at our shop.\n\nSecond paragraph here.\n\nA closing line.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
        ]);
        assert_eq!(texts(&c), FOUR_LINES);
        assert_eq!(
            c.dropped,
            [Inserted {
                copy: 0,
                text: "Buy the new phone today at our shop.".into(),
                repeat: false,
            }]
        );
    }

    #[test]
    fn ties_go_to_the_pivot_and_are_marked() {
        let c = canon(&[
            "Title\n\nThe minister said on Monday that talks go on.",
            "Title\n\nThe rninister said on Monday that talks go on.",
        ]);
        assert_eq!(
            c.lines[1].text,
            "The minister said on Monday that talks go on."
        );
        assert!(c.lines[1].tied);
    }

    #[test]
    fn copies_that_end_cleanly_outvote_a_tail_one_copy_adds() {
        let c = canon(&[
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
        ]);
        assert_eq!(texts(&c), FOUR_LINES[..3]);
    }

    #[test]
    fn copies_that_were_cut_do_not_vote_on_what_they_never_reached() {
        let c = canon(&[
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nTo be continued.",
            "Title\n\nFirst paragraph here.\n\nTo be continued.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
        ]);
        assert_eq!(texts(&c), FOUR_LINES);
        assert_eq!(c.lines[3].sources, [2]);
        assert_eq!(
            c.to_text(),
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.\n"
        );
    }

    #[test]
    fn only_a_copy_that_stops_inside_a_sentence_is_broken_off() {
        let sentence = "The minister said on Monday that the talks would go on all week.";
        let c = canon(&[
            &format!("Title\n\nFirst paragraph here.\n\n{sentence}"),
            &format!("Title\n\nFirst paragraph here.\n\n{sentence}"),
            "Title\n\nFirst paragraph here.\n\nThe minister said on Monday that the",
            "Title\n\nFirst paragraph here.\n\nThe minister said on Monday that the\n\nSite menu and search",
        ]);
        let reach = |copy: usize| c.lines[2].reach.iter().find(|r| r.copy == copy).unwrap();
        assert_eq!(reach(0).broken, 0);
        assert_eq!((reach(2).words, reach(2).broken), (7, 6));
        // The same words followed by more text are a heading, not a cut.
        assert_eq!(reach(3).broken, 0);
    }

    #[test]
    fn a_copy_cut_inside_a_sentence_adds_no_fragment_of_it() {
        let full =
            "Title\n\nFirst paragraph here.\n\nOfficials from both sides met again in the evening.";
        for cut in [
            "Officials from b",
            "Officials from both si",
            "Officials from both sides",
        ] {
            let c = canon(&[full, &format!("Title\n\nFirst paragraph here.\n\n{cut}")]);
            assert_eq!(
                texts(&c),
                [
                    "Title",
                    "First paragraph here.",
                    "Officials from both sides met again in the evening."
                ],
                "cut at {cut:?}"
            );
            let reach = c.lines[2].reach.iter().find(|r| r.copy == 1).unwrap();
            assert!(reach.broken > 0, "cut at {cut:?}");
        }
    }
}
