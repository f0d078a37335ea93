//! Word-level voting inside one canonical line, ROVER-style.
//!
//! When copies read a paragraph differently, each copy's reading usually
//! differs from the true text in a few words of its own: an OCR slip here,
//! an editor's synonym there. A paragraph-level vote then finds no
//! majority; a word-level vote does. Every reading is aligned word by word
//! (on folded keys, with `similar`) to the base reading, the paragraph-level
//! winner; each reading then votes, with its weight (the copies that have
//! it), at each base word for the word it has there (the same word, another
//! word, or none), and at each gap between base words for what it inserts
//! there (or nothing). The heaviest option wins; a tie keeps the base.
//!
//! A reading votes only inside its span, from its first to its last word
//! that matches the base (or replaces a base word, at either end): a copy
//! cut mid-paragraph does not vote that the rest of the paragraph is
//! absent. For the same reason the base does not vote after its last word:
//! when it is the cut one, the words other readings go on with are kept
//! (the heaviest such ending, if they differ). A reading that shares no word with the
//! base abstains, and so does a reading at a place where it replaces some
//! words with a different number of words (no one-to-one vote there).

use crate::normalize::text::fold_key;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// Most pairs of words one word diff may compare (the product of the two
/// readings' lengths); a reading past it abstains, so a pathological line
/// (a whole file on one line, in several garbled copies) cannot stall a
/// run, and the bound is the same on every machine.
const MAX_WORD_CELLS: usize = 4_000_000;

/// One reading of a line and its weight.
#[derive(Clone, Copy, Debug)]
pub struct Weighted<'a> {
    /// The reading's text, words separated by single spaces.
    pub text: &'a str,
    /// The summed weight of the copies that read it so.
    pub weight: f64,
}

/// The word-level consensus of `readings`, the first of which is the base;
/// and whether a tie between the base and another option was settled for
/// the base.
pub fn consensus(readings: &[Weighted<'_>]) -> (String, bool) {
    let base: Vec<Token<'_>> = tokens(readings[0].text);
    let mut slots: Vec<Options<'_>> = base
        .iter()
        .map(|t| Options::new(Some(t.clone()), readings[0].weight))
        .collect();
    let mut gaps: Vec<Options<'_>> = (0..=base.len())
        .map(|_| Options::new(None, readings[0].weight))
        .collect();
    // After its last word the base may be cut: it does not vote there.
    gaps[base.len()] = Options::new(None, 0.0);
    for reading in &readings[1..] {
        vote(&base, reading, &mut slots, &mut gaps);
    }
    let mut tied = false;
    let mut out: Vec<&str> = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let (gap, gap_tied) = gaps[i].winner();
        let (word, word_tied) = slot.winner();
        tied |= gap_tied || word_tied;
        out.extend(gap.iter().flat_map(|g| g.iter().map(|t| t.text)));
        out.extend(word.iter().flat_map(|w| w.iter().map(|t| t.text)));
    }
    let (gap, gap_tied) = gaps[base.len()].winner();
    tied |= gap_tied;
    out.extend(gap.iter().flat_map(|g| g.iter().map(|t| t.text)));
    if out.is_empty() {
        return (readings[0].text.to_string(), tied);
    }
    (out.join(" "), tied)
}

/// A word as shown and as compared.
#[derive(Clone, Debug)]
struct Token<'a> {
    text: &'a str,
    key: String,
}

impl PartialEq for Token<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Token<'_> {}
impl std::hash::Hash for Token<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| Token {
            text: w,
            key: fold_key(w),
        })
        .collect()
}

/// The options voted for at one base word or one gap: a sequence of words
/// (one word at a base position, any number in a gap) or nothing.
struct Options<'a> {
    /// (option, weight), the base's option first.
    votes: Vec<(Option<Vec<Token<'a>>>, f64)>,
}

impl<'a> Options<'a> {
    fn new(base: Option<Token<'a>>, weight: f64) -> Options<'a> {
        Options {
            votes: vec![(base.map(|t| vec![t]), weight)],
        }
    }

    fn add(&mut self, option: Option<Vec<Token<'a>>>, weight: f64) {
        match self.votes.iter_mut().find(|(o, _)| *o == option) {
            Some((_, w)) => *w += weight,
            None => self.votes.push((option, weight)),
        }
    }

    /// The heaviest option (the base's on a tie) and whether it tied.
    fn winner(&self) -> (Option<&[Token<'a>]>, bool) {
        let best = self.votes.iter().map(|(_, w)| *w).fold(0.0, f64::max);
        let at_best = self.votes.iter().filter(|(_, w)| *w == best).count();
        let (option, _) = self
            .votes
            .iter()
            .find(|(_, w)| *w == best)
            .expect("options are never empty");
        (option.as_deref(), at_best > 1)
    }
}

/// Adds one reading's votes.
fn vote<'a>(
    base: &[Token<'a>],
    reading: &Weighted<'a>,
    slots: &mut [Options<'a>],
    gaps: &mut [Options<'a>],
) {
    let mine = tokens(reading.text);
    if base.len().saturating_mul(mine.len()) > MAX_WORD_CELLS {
        return;
    }
    let ops = capture_diff_slices(Algorithm::Myers, base, &mine);
    let matched = |op: &DiffOp| matches!(op, DiffOp::Equal { .. });
    let (Some(first), Some(last)) = (ops.iter().position(matched), ops.iter().rposition(matched))
    else {
        return;
    };
    // A word replaced at either end is still read there: the copy is not
    // cut, it reads that word otherwise.
    let replaced = |i: usize| matches!(ops[i], DiffOp::Replace { .. });
    let first = if first > 0 && replaced(first - 1) {
        first - 1
    } else {
        first
    };
    let last = if last + 1 < ops.len() && replaced(last + 1) {
        last + 1
    } else {
        last
    };
    let w = reading.weight;
    // Gaps with no insertion vote "nothing", inside the span.
    let span_start = ops[first].old_range().start;
    let span_end = ops[last].old_range().end;
    let mut inserted = vec![false; base.len() + 1];
    for op in &ops[first..=last] {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                for i in old_index..old_index + len {
                    slots[i].add(Some(vec![base[i].clone()]), w);
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for slot in &mut slots[old_index..old_index + old_len] {
                    slot.add(None, w);
                }
            }
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                gaps[old_index].add(Some(mine[new_index..new_index + new_len].to_vec()), w);
                inserted[old_index] = true;
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } if old_len == new_len => {
                for k in 0..old_len {
                    slots[old_index + k].add(Some(vec![mine[new_index + k].clone()]), w);
                }
            }
            DiffOp::Replace { .. } => {}
        }
    }
    // Words after the base's end: the base may be a cut copy's reading.
    if let Some(&DiffOp::Insert {
        old_index,
        new_index,
        new_len,
    }) = ops.get(last + 1)
        && old_index == base.len()
    {
        gaps[old_index].add(Some(mine[new_index..new_index + new_len].to_vec()), w);
    }
    for (g, gap) in gaps
        .iter_mut()
        .enumerate()
        .take(span_end)
        .skip(span_start + 1)
    {
        if !inserted[g] {
            gap.add(None, w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, weight: usize) -> Weighted<'_> {
        Weighted {
            text,
            weight: weight as f64,
        }
    }

    #[test]
    fn each_copy_is_outvoted_on_its_own_slips() {
        let (text, tied) = consensus(&[
            w("The minister says talks will go on in rnay.", 1),
            w("The minister said talks will go on in May.", 1),
            w("The rninister said talks wi1l go on in May.", 1),
        ]);
        assert_eq!(text, "The minister said talks will go on in May.");
        assert!(!tied);
    }

    #[test]
    fn insertions_and_deletions_need_a_majority() {
        let (text, _) = consensus(&[
            w("Prices rose sharply in March.", 1),
            w("Prices rose in March.", 1),
            w("Prices rose in March.", 1),
        ]);
        assert_eq!(text, "Prices rose in March.");
        let (text, _) = consensus(&[
            w("Prices rose in March.", 1),
            w("Prices rose again in March.", 2),
        ]);
        assert_eq!(text, "Prices rose again in March.");
    }

    #[test]
    fn a_cut_copy_does_not_vote_past_its_end() {
        let (text, tied) = consensus(&[
            w(
                "The talks will resume in Geneva next week, officials said.",
                1,
            ),
            w("The talks will resume in", 2),
        ]);
        assert_eq!(
            text,
            "The talks will resume in Geneva next week, officials said."
        );
        assert!(!tied);
    }

    #[test]
    fn a_cut_base_is_completed_by_the_longer_reading() {
        let (text, _) = consensus(&[
            w("The talks will resume in", 2),
            w("The talks wi1l resume in Geneva next week.", 1),
        ]);
        assert_eq!(text, "The talks will resume in Geneva next week.");
    }

    #[test]
    fn ties_keep_the_base() {
        let (text, tied) = consensus(&[w("One two three.", 1), w("One too three.", 1)]);
        assert_eq!(text, "One two three.");
        assert!(tied);
    }
}
