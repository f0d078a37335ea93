//! Stage 5: align the copies of one article sentence by sentence.
//!
//! Copies paragraph an article differently: one puts the whole text on one
//! line, another splits every sentence, a third cuts a paragraph at a page
//! break. So the unit of alignment is the sentence ([`Unit`]), not the
//! paragraph: the same text then meets the same units whatever the
//! paragraphing, and the reconcile stage rebuilds paragraphs from the
//! majority's breaks, so no text appears twice.
//!
//! Alignment is progressive. The first copy (the pivot, chosen by the
//! caller as the copy that agrees most with the others) founds one *slot*
//! per unit. Each further copy is diffed against the current slots with
//! `similar`'s Patience algorithm, keyed on folded unit text (above a
//! budget of compared pairs, [`crate::ConfigBuilder::max_diff_cells`], a greedy
//! in-order match instead, so the work is bounded the same way on every
//! machine and the result never depends on its load): equal runs join their slots; in a replaced run each unit
//! joins the most similar slot (by word overlap, so a copy that split a
//! sentence in two puts both halves in one slot); what matches nothing
//! becomes a new slot in place, so a sentence the pivot lacks still lands
//! where the other copies put it. Patience was chosen because it anchors on
//! units that occur once in both copies, which is what distinct article
//! sentences are, and ignores repeated short lines ("Thank you.") as
//! anchors.
//!
//! Cost: the diffs are near-linear in the units of the two sides; a
//! replaced run compares each unit with at most [`SEARCH_WINDOW`] slots, and
//! the search for moved units compares each slot some copy lacks with the
//! slots of the same key and with at most [`TWIN_WINDOW`] others.

use crate::hashing::{SEED, intersection_size};
use crate::normalize::text::fold_key;
use crate::normalize::text::rough_word_count;
use crate::normalize::{Document, Kind, segment, word_count};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use similar::{Algorithm, DiffOp, capture_diff_slices};
use std::ops::Range;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Containment (shared words over the shorter unit) at or above which two
/// differing units are read as variants of one.
const MIN_CONTAINMENT: f64 = 0.6;
/// ...provided the shared words are at least this share of the longer one.
const MIN_SHARE_OF_LONGER: f64 = 0.2;
/// How many slots ahead a unit of a replaced run is compared with.
pub const SEARCH_WINDOW: usize = 64;
/// How many later slots some copy lacks a slot is compared with, by words,
/// when looking for the other half of a moved unit.
pub const TWIN_WINDOW: usize = 64;
/// A sentence piece of fewer words than this ("Mr.", "Yes.") is joined to
/// the next piece of its paragraph, so that no unit is too short to align.
const MIN_UNIT_WORDS: usize = 3;

/// One sentence (or short run of sentences) of one copy's article text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    /// Index of its paragraph in the document's `paragraphs`.
    pub para: usize,
    /// Half-open byte range of the unit in that paragraph's `text`.
    pub span: Range<usize>,
    /// The folded match key of the unit's text.
    pub key: String,
}

impl Unit {
    /// The unit's text, as `doc` shows it.
    pub fn text<'a>(&self, doc: &'a Document) -> &'a str {
        &doc.paragraphs[self.para].text[self.span.clone()]
    }
}

/// The units of a document's article text, in reading order.
pub fn units(doc: &Document) -> Vec<Unit> {
    let mut out = Vec::new();
    for (para, p) in doc.paragraphs.iter().enumerate() {
        if p.kind != Kind::Content || p.key.is_empty() {
            continue;
        }
        let base = p.text.as_ptr() as usize;
        let mut start: Option<usize> = None;
        let pieces = segment::sentences(&p.text);
        for (i, s) in pieces.iter().enumerate() {
            let at = s.as_ptr() as usize - base;
            let from = *start.get_or_insert(at);
            let end = at + s.len();
            let last = i + 1 == pieces.len();
            if !last && rough_word_count(s) < MIN_UNIT_WORDS {
                continue;
            }
            start = None;
            let key = fold_key(&p.text[from..end]);
            if !key.is_empty() {
                out.push(Unit {
                    para,
                    span: from..end,
                    key,
                });
            }
        }
    }
    out
}

/// Words on each side of a unit boundary that identify it (see [`refine`]).
pub const BOUNDARY_CONTEXT: usize = 3;

/// Splits units at the places where another copy's units break, so that a
/// copy that runs a list or a table together on one line, with no
/// sentence ends to cut at, meets the same units as the copies that print
/// each entry on its own line. A boundary is known by the
/// [`BOUNDARY_CONTEXT`] words on each side of it; a unit is cut inside
/// wherever its copy shows the same words around the same place. Linear in
/// the words of the copies.
pub fn refine(copies: &[&Document], units: &mut [Vec<Unit>]) {
    // Per copy, the context hash at every word position.
    let contexts: Vec<Vec<Option<u64>>> = units
        .iter()
        .map(|us| {
            let words: Vec<u64> = us
                .iter()
                .flat_map(|u| u.key.split(' '))
                .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
                .collect();
            (0..=words.len()).map(|at| context(&words, at)).collect()
        })
        .collect();
    let mut known = HashSet::default();
    for (us, hs) in units.iter().zip(&contexts) {
        let mut at = 0;
        for u in &us[..us.len().saturating_sub(1)] {
            at += word_count(&u.key);
            known.extend(hs[at]);
        }
    }
    if known.is_empty() {
        return;
    }
    for ((doc, us), hs) in copies.iter().zip(units.iter_mut()).zip(&contexts) {
        let mut out = Vec::with_capacity(us.len());
        let mut start = 0;
        for u in us.drain(..) {
            let n = word_count(&u.key);
            let cuts: Vec<usize> = (1..n)
                .filter(|&w| hs[start + w].is_some_and(|h| known.contains(&h)))
                .collect();
            start += n;
            if cuts.is_empty() {
                out.push(u);
            } else {
                out.extend(split_unit(doc, u, &cuts));
            }
        }
        *us = out;
    }
}

/// The hash of the words around position `at` of `words` (word hashes),
/// when there are enough on both sides.
fn context(words: &[u64], at: usize) -> Option<u64> {
    if at < BOUNDARY_CONTEXT || at + BOUNDARY_CONTEXT > words.len() {
        return None;
    }
    let window = &words[at - BOUNDARY_CONTEXT..at + BOUNDARY_CONTEXT];
    Some(window.iter().fold(SEED, |h, &w| {
        (h.rotate_left(23) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }))
}

/// Cuts a unit before each of the key words `cuts` (indexes into its
/// key), where a key word starts a whitespace-separated token of the text;
/// other cuts are skipped.
fn split_unit(doc: &Document, unit: Unit, cuts: &[usize]) -> Vec<Unit> {
    let text = &doc.paragraphs[unit.para].text;
    let mut bytes: Vec<usize> = Vec::with_capacity(cuts.len());
    let mut seen = 0;
    let mut cut = cuts.iter().peekable();
    let mut pos = unit.span.start;
    for token in text[unit.span.clone()].split(' ') {
        while cut.next_if(|&&c| c < seen).is_some() {}
        if cut.peek().is_some_and(|&&c| c == seen) && pos > unit.span.start {
            bytes.push(pos);
            cut.next();
        }
        seen += word_count(&fold_key(token));
        pos += token.len() + 1;
    }
    let mut out = Vec::with_capacity(bytes.len() + 1);
    let mut from = unit.span.start;
    for end in bytes.into_iter().chain(std::iter::once(unit.span.end)) {
        let piece = text[from..end].trim_end();
        let key = fold_key(piece);
        if !key.is_empty() {
            out.push(Unit {
                para: unit.para,
                span: from..from + piece.len(),
                key,
            });
        }
        from = end;
    }
    out
}

/// One unit of one copy: the copy's position in the aligned list and the
/// unit's index in that copy's units.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Cell {
    /// Index of the copy in the list given to [`align`].
    pub copy: usize,
    /// Index of the unit in [`Alignment::units`]`[copy]`.
    pub unit: usize,
}

/// A position of the article: the units of every copy that carry it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Slot {
    /// The units placed here, in copy order.
    pub cells: Vec<Cell>,
}

impl Slot {
    /// Whether `copy` carries this slot.
    pub fn has(&self, copy: usize) -> bool {
        self.cells.iter().any(|c| c.copy == copy)
    }
}

/// The slots of an article, in reading order, and each copy's units.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alignment {
    /// Every slot, in order.
    pub slots: Vec<Slot>,
    /// The units of each copy, by copy.
    pub units: Vec<Vec<Unit>>,
}

impl Alignment {
    /// The unit a cell points at.
    pub fn unit(&self, cell: Cell) -> &Unit {
        &self.units[cell.copy][cell.unit]
    }
}

/// At most this many copies (the longest) are the reference that each
/// copy's agreement is measured against, so ordering a cluster of
/// thousands of copies stays linear in its size.
pub const AGREEMENT_REFERENCE: usize = 64;

/// The copies in alignment order: by agreement with the others, most
/// first, so the pivot is the copy that agrees most with the rest (on real
/// corpora the longest copy is usually the noisiest: a page dump with every
/// menu). A copy's agreement is the sum of its Jaccard resemblances, on
/// sets of unit keys, with the [`AGREEMENT_REFERENCE`] longest copies
/// other than itself. Ties go to the copy with more units (the more
/// complete), then keep the given order.
pub fn order_by_agreement(units: &[Vec<Unit>]) -> Vec<usize> {
    let sets: Vec<Vec<u64>> = units
        .iter()
        .map(|us| {
            let mut h: Vec<u64> = us
                .iter()
                .map(|u| xxh3_64_with_seed(u.key.as_bytes(), SEED))
                .collect();
            h.sort_unstable();
            h.dedup();
            h
        })
        .collect();
    let mut reference: Vec<usize> = (0..units.len()).collect();
    reference.sort_by_key(|&i| std::cmp::Reverse(sets[i].len()));
    reference.truncate(AGREEMENT_REFERENCE);
    let agreement: Vec<f64> = (0..sets.len())
        .map(|i| {
            reference
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| jaccard(&sets[i], &sets[j]))
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        agreement[b]
            .total_cmp(&agreement[a])
            .then(units[b].len().cmp(&units[a].len()))
            .then(a.cmp(&b))
    });
    order
}

/// The Jaccard resemblance of two sorted, deduplicated sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let shared = intersection_size(a, b);
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// Aligns the article text of `copies`; the first copy is the pivot.
pub fn align(copies: &[&Document], max_diff_cells: usize) -> Alignment {
    let mut units: Vec<Vec<Unit>> = copies.iter().map(|d| units(d)).collect();
    refine(copies, &mut units);
    align_units(units, max_diff_cells)
}

/// Aligns copies already cut into units (see [`units`]); the first copy is
/// the pivot.
pub fn align_units(units: Vec<Vec<Unit>>, max_diff_cells: usize) -> Alignment {
    let mut slots: Vec<Work> = Vec::new();
    for (copy, us) in units.iter().enumerate() {
        let paras: Vec<Para<'_>> = us
            .iter()
            .enumerate()
            .map(|(unit, u)| Para {
                cell: Cell { copy, unit },
                key: &u.key,
            })
            .collect();
        slots = merge(slots, &paras, max_diff_cells);
    }
    let mut slots = merge_moved(slots, units.len());
    join_cut_ends(&mut slots, &units);
    Alignment {
        slots: slots.into_iter().map(|w| Slot { cells: w.cells }).collect(),
        units,
    }
}

/// Places each copy's last unit, when it is alone in its slot and the
/// start of a unit other copies carry in a neighbouring slot, in that slot:
/// a copy cut off inside a sentence carries the start of that sentence,
/// not a sentence of its own. The reconcile stage then sees it as a
/// reading that breaks off.
fn join_cut_ends(slots: &mut Vec<Work<'_>>, units: &[Vec<Unit>]) {
    let key = |c: Cell| units[c.copy][c.unit].key.as_str();
    for (copy, us) in units.iter().enumerate() {
        let Some(last) = us.len().checked_sub(1).map(|unit| Cell { copy, unit }) else {
            continue;
        };
        let Some(at) = slots.iter().position(|s| s.cells == [last]) else {
            continue;
        };
        let cut = key(last);
        let starts = |s: &Work<'_>| {
            !s.cells.iter().any(|c| c.copy == copy)
                && s.cells.iter().any(|&c| {
                    let k = key(c);
                    k.len() > cut.len() && k.starts_with(cut)
                })
        };
        let next = [at + 1, at.wrapping_sub(1)]
            .into_iter()
            .find(|&n| slots.get(n).is_some_and(starts));
        if let (Some(n), true) = (next, word_count(cut) >= MIN_CUT_WORDS) {
            let cells = &mut slots[n].cells;
            let pos = cells.partition_point(|c| c.copy < copy);
            cells.insert(pos, last);
            slots.remove(at);
        }
    }
}

/// A copy's last unit shorter than this many words is not matched as the
/// start of another copy's sentence: two words begin many sentences.
const MIN_CUT_WORDS: usize = 3;

/// A slot while aligning: its key is its founding unit's.
struct Work<'a> {
    key: &'a str,
    cells: Vec<Cell>,
}

/// A unit with its cell.
struct Para<'a> {
    cell: Cell,
    key: &'a str,
}

/// Merges one copy's units into the slots.
fn merge<'a>(slots: Vec<Work<'a>>, paras: &[Para<'a>], max_cells: usize) -> Vec<Work<'a>> {
    let old: Vec<&str> = slots.iter().map(|s| s.key).collect();
    let new: Vec<&str> = paras.iter().map(|p| p.key).collect();
    let ops = if old.len().saturating_mul(new.len()) <= max_cells {
        capture_diff_slices(Algorithm::Patience, &old, &new)
    } else {
        greedy_diff(&old, &new)
    };
    let mut slots: Vec<Option<Work<'a>>> = slots.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len() + paras.len());
    for op in ops {
        let (_, olds, news) = op.as_tag_tuple();
        match op {
            DiffOp::Equal { .. } => {
                for (o, n) in olds.zip(news) {
                    let mut slot = slots[o].take().expect("each slot is used once");
                    slot.cells.push(paras[n].cell);
                    out.push(slot);
                }
            }
            DiffOp::Delete { .. } => out.extend(olds.filter_map(|o| slots[o].take())),
            DiffOp::Insert { .. } => out.extend(news.map(|n| found(&paras[n]))),
            DiffOp::Replace { .. } => {
                let block: Vec<Work<'a>> = olds.filter_map(|o| slots[o].take()).collect();
                out.extend(match_block(block, &paras[news]));
            }
        }
    }
    out
}

fn found<'a>(p: &Para<'a>) -> Work<'a> {
    Work {
        key: p.key,
        cells: vec![p.cell],
    }
}

/// A diff for inputs past the cell budget, linear but for a logarithm:
/// each new unit is matched to the next old unit of the same key after
/// the last match, in order; what matches nothing is inserted or deleted.
/// Coarser than Patience where copies move text, but bounded, and the same
/// on every machine.
fn greedy_diff(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let mut at: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, k) in old.iter().enumerate() {
        at.entry(k).or_default().push(i);
    }
    let mut ops = Vec::new();
    let mut cursor = 0;
    for (n, k) in new.iter().enumerate() {
        let next = at.get(k).and_then(|v| {
            let i = v.partition_point(|&o| o < cursor);
            v.get(i).copied()
        });
        match next {
            Some(o) => {
                if o > cursor {
                    ops.push(DiffOp::Delete {
                        old_index: cursor,
                        old_len: o - cursor,
                        new_index: n,
                    });
                }
                ops.push(DiffOp::Equal {
                    old_index: o,
                    new_index: n,
                    len: 1,
                });
                cursor = o + 1;
            }
            None => ops.push(DiffOp::Insert {
                old_index: cursor,
                new_index: n,
                new_len: 1,
            }),
        }
    }
    if cursor < old.len() {
        ops.push(DiffOp::Delete {
            old_index: cursor,
            old_len: old.len() - cursor,
            new_index: new.len(),
        });
    }
    ops
}

/// Places the units of a replaced run: each joins the most similar
/// slot at or after the last one joined, or becomes a new slot.
fn match_block<'a>(block: Vec<Work<'a>>, paras: &[Para<'a>]) -> Vec<Work<'a>> {
    let mut block: Vec<Option<Work<'a>>> = block.into_iter().map(Some).collect();
    let mut out: Vec<Work<'a>> = Vec::with_capacity(block.len() + paras.len());
    // `cursor` is the first block slot a paragraph may still join; once
    // that slot is placed, `placed` is its index in `out`.
    let mut cursor = 0;
    let mut placed: Option<usize> = None;
    for p in paras {
        let best = {
            let key_of = |i: usize| match &block[i] {
                Some(slot) => Some(slot.key),
                None => placed.map(|o| out[o].key),
            };
            let limit = block.len().min(cursor + SEARCH_WINDOW);
            (cursor..limit)
                .filter_map(|i| key_of(i).and_then(|k| similarity(k, p.key)).map(|s| (i, s)))
                .max_by(|(i, x), (j, y)| x.total_cmp(y).then(j.cmp(i)))
        };
        let Some((i, _)) = best else {
            out.push(found(p));
            continue;
        };
        if block[i].is_some() {
            out.extend(block[cursor..=i].iter_mut().filter_map(Option::take));
            placed = Some(out.len() - 1);
        }
        if let Some(o) = placed {
            out[o].cells.push(p.cell);
        }
        cursor = i;
    }
    out.extend(block.into_iter().flatten());
    out
}

/// Word-overlap similarity of two keys, or `None` when they are not
/// variants of one paragraph.
pub fn similarity(a: &str, b: &str) -> Option<f64> {
    let (containment, of_longer) = ratios(a, b)?;
    (containment >= MIN_CONTAINMENT && of_longer >= MIN_SHARE_OF_LONGER).then_some(containment)
}

/// Shared words over the shorter key and over the longer one.
fn ratios(a: &str, b: &str) -> Option<(f64, f64)> {
    let (na, nb) = (word_count(a), word_count(b));
    if na == 0 || nb == 0 {
        return None;
    }
    let shared = shared_words(a, b) as f64;
    Some((shared / na.min(nb) as f64, shared / na.max(nb) as f64))
}

/// The size of the multiset intersection of two keys' words.
fn shared_words(a: &str, b: &str) -> usize {
    let mut x: Vec<&str> = a.split(' ').collect();
    let mut y: Vec<&str> = b.split(' ').collect();
    x.sort_unstable();
    y.sort_unstable();
    intersection_size(&x, &y)
}

/// A unit that one copy moved shows up as two slots with no copy in
/// common and the same or nearly the same key (the mover may also have
/// edited it). They are merged into the one more copies carry (the earlier
/// on a tie). Only slots that some copy lacks can be such twins; each is
/// compared with the later ones of the same key and with the next
/// [`TWIN_WINDOW`] such slots, so the search stays near-linear.
fn merge_moved(mut slots: Vec<Work<'_>>, copies: usize) -> Vec<Work<'_>> {
    let partial: Vec<usize> = (0..slots.len())
        .filter(|&i| distinct_copies(&slots[i].cells) < copies)
        .collect();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::default();
    for &i in &partial {
        by_key.entry(slots[i].key).or_default().push(i);
    }
    let mut alive = vec![true; slots.len()];
    for (n, &i) in partial.iter().enumerate() {
        while alive[i] {
            let same_key = by_key[slots[i].key].iter().copied();
            let near = partial[n + 1..].iter().copied().take(TWIN_WINDOW);
            let twin = same_key
                .chain(near)
                .filter(|&j| j > i && alive[j])
                .find(|&j| !shares_copy(&slots[i], &slots[j]) && twins(slots[i].key, slots[j].key));
            let Some(j) = twin else { break };
            let (keep, drop) = if slots[j].cells.len() > slots[i].cells.len() {
                (j, i)
            } else {
                (i, j)
            };
            let cells = std::mem::take(&mut slots[drop].cells);
            slots[keep].cells.extend(cells);
            slots[keep].cells.sort();
            alive[drop] = false;
        }
    }
    slots
        .into_iter()
        .zip(alive)
        .filter_map(|(s, a)| a.then_some(s))
        .collect()
}

/// Shared words at or above which two keys are one unit, moved.
const MIN_TWIN_SHARE: f64 = 0.8;

fn twins(a: &str, b: &str) -> bool {
    a == b || ratios(a, b).is_some_and(|(c, l)| c >= MIN_TWIN_SHARE && l >= MIN_TWIN_SHARE)
}

fn distinct_copies(cells: &[Cell]) -> usize {
    let mut n = 0;
    let mut last = None;
    for c in cells {
        if last != Some(c.copy) {
            n += 1;
            last = Some(c.copy);
        }
    }
    n
}

fn shares_copy(a: &Work<'_>, b: &Work<'_>) -> bool {
    a.cells
        .iter()
        .any(|x| b.cells.iter().any(|y| x.copy == y.copy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};

    fn doc(text: &str) -> Document {
        normalize(DocId(0), "d", "d", &Meta::default(), text)
    }

    fn layout(a: &Alignment) -> Vec<Vec<(usize, usize)>> {
        a.slots
            .iter()
            .map(|s| s.cells.iter().map(|&c| (c.copy, a.unit(c).para)).collect())
            .collect()
    }

    const D: usize = 1 << 24;

    #[test]
    fn insertions_take_their_place() {
        let a = doc("Headline here\n\nOne two three four.\n\nFive six seven eight.");
        let b = doc(
            "Headline here\n\nOne two three four.\n\nAn extra line only here.\n\nFive six seven eight.",
        );
        assert_eq!(
            layout(&align(&[&a, &b], D)),
            [
                vec![(0, 0), (1, 0)],
                vec![(0, 1), (1, 1)],
                vec![(1, 2)],
                vec![(0, 2), (1, 3)]
            ]
        );
    }

    #[test]
    fn a_sentence_another_copy_splits_is_split_in_every_copy() {
        let a = doc(
            "Title\n\nThe minister said on Monday that the talks would go on.\n\nEnd of story.",
        );
        let b = doc(
            "Title\n\nThe rninister said on Monday.\n\nThat the talks would go on.\n\nEnd of story.",
        );
        assert_eq!(
            layout(&align(&[&a, &b], D)),
            [
                vec![(0, 0), (1, 0)],
                vec![(0, 1), (1, 1)],
                vec![(0, 1), (1, 2)],
                vec![(0, 2), (1, 3)]
            ]
        );
    }

    #[test]
    fn variants_and_split_halves_share_a_slot() {
        // Too few words around the split to project it: the halves join
        // the whole sentence's slot.
        let a = doc("Title\n\nThe minister spoke today at length.\n\nEnd of story.");
        let b = doc("Title\n\nThe rninister spoke.\n\nToday at length.\n\nEnd of story.");
        assert_eq!(
            layout(&align(&[&a, &b], D)),
            [
                vec![(0, 0), (1, 0)],
                vec![(0, 1), (1, 1), (1, 2)],
                vec![(0, 2), (1, 3)]
            ]
        );
    }

    #[test]
    fn a_whole_article_on_one_line_meets_the_same_units() {
        let lines =
            doc("Title\n\nFirst point made here. Second point follows it.\n\nThird one ends.");
        let run_on =
            doc("Title\n\nFirst point made here. Second point follows it. Third one ends.");
        let a = align(&[&lines, &run_on], D);
        assert_eq!(a.slots.len(), 4, "{:?}", layout(&a));
        assert!(a.slots.iter().all(|s| s.has(0) && s.has(1)));
    }

    #[test]
    fn past_the_budget_a_greedy_match_still_aligns_in_order() {
        let a = doc("Headline here\n\nOne two three four.\n\nFive six seven eight.");
        let b = doc(
            "Headline here\n\nOne two three four.\n\nAn extra line only here.\n\nFive six seven eight.",
        );
        assert_eq!(layout(&align(&[&a, &b], 1)), layout(&align(&[&a, &b], D)));
    }

    #[test]
    fn a_moved_paragraph_is_one_slot() {
        let a = doc("Title\n\nAlpha beta gamma delta.\n\nOther words entirely here.\n\nLast one.");
        let b = doc("Title\n\nOther words entirely here.\n\nLast one.\n\nAlpha beta gamma delta.");
        let c = doc("Title\n\nAlpha beta gamma delta.\n\nOther words entirely here.\n\nLast one.");
        let slots = align(&[&a, &b, &c], D).slots;
        assert_eq!(slots.len(), 4, "{slots:?}");
        let edited = doc(
            "Title\n\nOther words entirely here.\n\nLast one.\n\nAlpha beta gamma delta epsilon.",
        );
        let slots = align(&[&a, &edited], D).slots;
        assert_eq!(slots.len(), 4, "an edited move is still a move: {slots:?}");
    }

    #[test]
    fn similarity_rejects_short_lines_in_long_ones() {
        assert!(
            similarity(
                "thank you",
                "thank you all for coming to this long event today and more"
            )
            .is_none()
        );
        assert!(similarity("the minister said", "the minister said on monday").is_some());
    }
}
