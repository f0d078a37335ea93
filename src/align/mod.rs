//! Stage 5: align the copies of one article paragraph by paragraph.
//!
//! Alignment is progressive. The first copy (the pivot, chosen by the
//! caller as the most complete) founds one *slot* per paragraph. Each
//! further copy is diffed against the current slots with `similar`'s
//! Patience algorithm, keyed on folded paragraph text and bounded by a
//! deadline: equal runs join their slots; in a replaced run each paragraph
//! joins the most similar slot (by word overlap, so a copy that split a
//! paragraph in two puts both halves in one slot); what matches nothing
//! becomes a new slot in place, so a paragraph the pivot lacks still lands
//! where the other copies put it. Patience was chosen because it anchors on
//! paragraphs that occur once in both copies, which is what distinct
//! article paragraphs are, and ignores repeated short lines ("Thank you.")
//! as anchors.

use crate::normalize::{Document, Kind, word_count};
use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};
use std::time::{Duration, Instant};

/// Containment (shared words over the shorter paragraph) at or above which
/// two differing paragraphs are read as variants of one.
const MIN_CONTAINMENT: f64 = 0.6;
/// ...provided the shared words are at least this share of the longer one.
const MIN_SHARE_OF_LONGER: f64 = 0.2;
/// How many slots ahead a paragraph of a replaced run is compared with.
const SEARCH_WINDOW: usize = 64;

/// One paragraph of one copy: the copy's position in the aligned list and
/// the paragraph's index in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    /// Index of the copy in the list given to [`align`].
    pub copy: usize,
    /// Index of the paragraph in that document's `paragraphs`.
    pub para: usize,
}

/// A position of the article: the paragraphs of every copy that carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The key the slot is compared by: its founding paragraph's.
    pub key: String,
    /// The paragraphs placed here, in copy order.
    pub cells: Vec<Cell>,
}

/// The slots of an article, in reading order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alignment {
    /// Every slot, in order.
    pub slots: Vec<Slot>,
}

/// Aligns the content paragraphs of `copies`; the first copy is the pivot.
pub fn align(copies: &[&Document], deadline: Duration) -> Alignment {
    let mut slots: Vec<Slot> = Vec::new();
    for (copy, doc) in copies.iter().enumerate() {
        let paras = content(doc, copy);
        slots = merge(slots, &paras, deadline);
    }
    Alignment {
        slots: merge_moved(slots, copies.len()),
    }
}

/// A content paragraph with its cell.
struct Para<'a> {
    cell: Cell,
    key: &'a str,
}

fn content(doc: &Document, copy: usize) -> Vec<Para<'_>> {
    doc.paragraphs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == Kind::Content && !p.key.is_empty())
        .map(|(para, p)| Para {
            cell: Cell { copy, para },
            key: &p.key,
        })
        .collect()
}

/// Merges one copy's paragraphs into the slots.
fn merge(slots: Vec<Slot>, paras: &[Para<'_>], deadline: Duration) -> Vec<Slot> {
    let old: Vec<&str> = slots.iter().map(|s| s.key.as_str()).collect();
    let new: Vec<&str> = paras.iter().map(|p| p.key).collect();
    let ops = capture_diff_slices_deadline(
        Algorithm::Patience,
        &old,
        &new,
        Some(Instant::now() + deadline),
    );
    let mut slots: Vec<Option<Slot>> = slots.into_iter().map(Some).collect();
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
                let block: Vec<Slot> = olds.filter_map(|o| slots[o].take()).collect();
                out.extend(match_block(block, &paras[news]));
            }
        }
    }
    out
}

fn found(p: &Para<'_>) -> Slot {
    Slot {
        key: p.key.to_string(),
        cells: vec![p.cell],
    }
}

/// Places the paragraphs of a replaced run: each joins the most similar
/// slot at or after the last one joined, or becomes a new slot.
fn match_block(block: Vec<Slot>, paras: &[Para<'_>]) -> Vec<Slot> {
    let mut block: Vec<Option<Slot>> = block.into_iter().map(Some).collect();
    let mut out: Vec<Slot> = Vec::with_capacity(block.len() + paras.len());
    // `cursor` is the first block slot a paragraph may still join; once
    // that slot is placed, `placed` is its index in `out`.
    let mut cursor = 0;
    let mut placed: Option<usize> = None;
    for p in paras {
        let best = {
            let key_of = |i: usize| match &block[i] {
                Some(slot) => Some(slot.key.as_str()),
                None => placed.map(|o| out[o].key.as_str()),
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
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// A paragraph that one copy moved shows up as two slots with no copy in
/// common and the same or nearly the same key (the mover may also have
/// edited it). They are merged into the one more copies carry (the earlier
/// on a tie). Only slots that some copy lacks can be such twins, so the
/// search stays small when copies agree.
fn merge_moved(mut slots: Vec<Slot>, copies: usize) -> Vec<Slot> {
    let mut i = 0;
    while i < slots.len() {
        let partial = |s: &Slot| distinct_copies(s) < copies;
        let twin = (i + 1..slots.len())
            .filter(|_| partial(&slots[i]))
            .find(|&j| {
                partial(&slots[j])
                    && !shares_copy(&slots[i], &slots[j])
                    && twins(&slots[i].key, &slots[j].key)
            });
        match twin {
            Some(j) => {
                let (keep, drop) = if slots[j].cells.len() > slots[i].cells.len() {
                    (j, i)
                } else {
                    (i, j)
                };
                let cells = std::mem::take(&mut slots[drop].cells);
                slots[keep].cells.extend(cells);
                slots[keep].cells.sort();
                slots.remove(drop);
            }
            None => i += 1,
        }
    }
    slots
}

/// Shared words at or above which two keys are one paragraph, moved.
const MIN_TWIN_SHARE: f64 = 0.8;

fn twins(a: &str, b: &str) -> bool {
    a == b || ratios(a, b).is_some_and(|(c, l)| c >= MIN_TWIN_SHARE && l >= MIN_TWIN_SHARE)
}

fn distinct_copies(slot: &Slot) -> usize {
    let mut n = 0;
    let mut last = None;
    for c in &slot.cells {
        if last != Some(c.copy) {
            n += 1;
            last = Some(c.copy);
        }
    }
    n
}

fn shares_copy(a: &Slot, b: &Slot) -> bool {
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
            .map(|s| s.cells.iter().map(|c| (c.copy, c.para)).collect())
            .collect()
    }

    const D: Duration = Duration::from_secs(1);

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
    fn variants_and_split_halves_share_a_slot() {
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
                vec![(0, 1), (1, 1), (1, 2)],
                vec![(0, 2), (1, 3)]
            ]
        );
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
