//! Stage 6: vote one canonical text out of the aligned copies.
//!
//! Each slot of the alignment becomes one canonical line. Within a slot,
//! every copy that carries it reads it one way (its paragraphs there,
//! joined); copies that read it the same way, by folded key, form a
//! variant, and the variant most copies carry wins. A tie goes to the
//! variant of the earliest copy in alignment order, that is, the pivot
//! first, and the line is marked as tied so users can review it. Where
//! copies read a line differently, the words are voted too (see
//! [`words`]), so that each copy's own slips are outvoted even when no two
//! copies read the whole paragraph alike, and a copy cut mid-paragraph
//! does not cut the line. Every
//! copy that carries a slot, whatever its reading, is a source of the line.

pub mod reliability;
pub mod words;

use crate::align::Alignment;
use crate::normalize::Document;
use crate::normalize::text::fold_key;
use words::{Weighted, consensus};

/// A canonical line with its provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The winning reading.
    pub text: String,
    /// Every copy (by position in the aligned list) that carries the line,
    /// sorted.
    pub sources: Vec<usize>,
    /// The distinct readings, winner first, when copies disagree; empty when
    /// they all agree.
    pub variants: Vec<Variant>,
    /// Whether the winner was chosen by the tie rule.
    pub tied: bool,
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
    /// Lines left out because only a minority of the copies around them
    /// carry them (see [`reconcile`]), with the copies' readings.
    pub dropped: Vec<Inserted>,
}

/// A copy's line that the other copies around it outvoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inserted {
    /// The copy that carries it.
    pub copy: usize,
    /// Its reading of the line.
    pub text: String,
}

impl CanonicalText {
    /// The text as paragraphs separated by blank lines, ending in a newline.
    pub fn to_text(&self) -> String {
        let mut out = self
            .lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        out.push('\n');
        out
    }

    /// Whether some line was decided by the tie rule.
    pub fn has_ties(&self) -> bool {
        self.lines.iter().any(|l| l.tied)
    }
}

/// Attaches the copies `copies[from..]`, which were not aligned (see
/// [`crate::Config::max_aligned_copies`]), to the canonical lines they
/// carry word for word: the lines whose key equals the key of one of their
/// content paragraphs. They vote on nothing.
pub fn attach(canon: &mut CanonicalText, copies: &[&Document], from: usize) {
    if from >= copies.len() {
        return;
    }
    let line_keys: Vec<String> = canon.lines.iter().map(|l| fold_key(&l.text)).collect();
    for (copy, doc) in copies.iter().enumerate().skip(from) {
        let keys: std::collections::HashSet<&str> =
            doc.iter_content().map(|p| p.key.as_str()).collect();
        for (line, key) in canon.lines.iter_mut().zip(&line_keys) {
            if keys.contains(key.as_str()) {
                if let Err(at) = line.sources.binary_search(&copy) {
                    line.sources.insert(at, copy);
                }
            }
        }
    }
}

/// Votes the canonical text of `copies` (in alignment order) from their
/// alignment.
/// Each copy's vote weighs `weights[copy]` (see [`reliability`]); with
/// equal weights the vote is a plain majority.
///
/// A line's presence is voted too: a copy *covers* a line when it carries
/// lines both before and after it. A line that at least two covering
/// copies lack, and that outweighs its carriers, is an insertion (an
/// advertisement, a promotion) and is left out, into
/// [`CanonicalText::dropped`]. Copies that stop early or start late do not
/// vote against the lines they never reached, and with two copies every
/// line is kept.
pub fn reconcile(copies: &[&Document], alignment: &Alignment, weights: &[f64]) -> CanonicalText {
    let lines: Vec<Line> = alignment
        .slots
        .iter()
        .map(|slot| {
            let readings = readings(copies, &slot.cells);
            vote(readings, weights)
        })
        .collect();
    drop_insertions(lines, copies.len(), weights)
}

/// Copies lacking a line around it that it takes to outvote its carriers.
const MIN_COVERING_COPIES: usize = 2;

fn drop_insertions(lines: Vec<Line>, copies: usize, weights: &[f64]) -> CanonicalText {
    let mut span: Vec<Option<(usize, usize)>> = vec![None; copies];
    for (i, line) in lines.iter().enumerate() {
        for &c in &line.sources {
            let s = span[c].get_or_insert((i, i));
            s.1 = i;
        }
    }
    let mut canon = CanonicalText::default();
    for (i, line) in lines.into_iter().enumerate() {
        let covering: Vec<usize> = (0..copies)
            .filter(|c| line.sources.binary_search(c).is_err())
            .filter(|&c| span[c].is_some_and(|(first, last)| first < i && i < last))
            .collect();
        let weigh = |cs: &[usize]| -> f64 { cs.iter().map(|&c| weight_of(weights, c)).sum() };
        if covering.len() >= MIN_COVERING_COPIES && weigh(&covering) > weigh(&line.sources) {
            for &copy in &line.sources {
                let text = line
                    .variants
                    .iter()
                    .find(|v| v.copies.contains(&copy))
                    .map_or(&line.text, |v| &v.text);
                canon.dropped.push(Inserted {
                    copy,
                    text: text.clone(),
                });
            }
        } else {
            canon.lines.push(line);
        }
    }
    canon
}

/// One copy's reading of a slot: (copy, key, text).
type Reading = (usize, String, String);

fn readings(copies: &[&Document], cells: &[crate::align::Cell]) -> Vec<Reading> {
    let mut out: Vec<Reading> = Vec::new();
    for cell in cells {
        let p = &copies[cell.copy].paragraphs[cell.para];
        match out.last_mut() {
            Some((copy, key, text)) if *copy == cell.copy => {
                key.push(' ');
                key.push_str(&p.key);
                text.push(' ');
                text.push_str(&p.text);
            }
            _ => out.push((cell.copy, p.key.clone(), p.text.clone())),
        }
    }
    out.sort_by_key(|r| r.0);
    out
}

fn vote(readings: Vec<Reading>, weights: &[f64]) -> Line {
    let mut sources: Vec<usize> = readings.iter().map(|r| r.0).collect();
    sources.dedup();
    let mut variants: Vec<(String, Variant)> = Vec::new();
    for (copy, key, text) in readings {
        match variants.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.copies.push(copy),
            None => variants.push((
                key,
                Variant {
                    text,
                    copies: vec![copy],
                },
            )),
        }
    }
    let weight = |v: &Variant| -> f64 { v.copies.iter().map(|&c| weight_of(weights, c)).sum() };
    // Stable sort: among equal weights, the variant of the earliest copy
    // stays first.
    variants.sort_by(|(_, x), (_, y)| weight(y).total_cmp(&weight(x)));
    // The count alone did not decide: a tie, or weights that overturned it.
    let mut tied = variants.len() > 1
        && variants[1..]
            .iter()
            .any(|(_, v)| v.copies.len() >= variants[0].1.copies.len());
    let mut variants: Vec<Variant> = variants.into_iter().map(|(_, v)| v).collect();
    let mut text = variants[0].text.clone();
    if variants.len() == 1 {
        variants.clear();
    } else {
        let weighted: Vec<Weighted<'_>> = variants
            .iter()
            .map(|v| Weighted {
                text: &v.text,
                weight: weight(v),
            })
            .collect();
        (text, tied) = consensus(&weighted);
    }
    Line {
        text,
        sources,
        variants,
        tied,
    }
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
    use std::time::Duration;

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
        reconcile(&refs, &align(&refs, Duration::from_secs(1)), &[])
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
            "Title\n\nFirst paragraph here.\n\nBuy the new phone today at our shop.\n\nSecond paragraph here.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
        ]);
        assert_eq!(texts(&c), FOUR_LINES);
        assert_eq!(
            c.dropped,
            [Inserted {
                copy: 0,
                text: "Buy the new phone today at our shop.".into()
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
    fn union_keeps_every_paragraph_once_in_order() {
        let c = canon(&[
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.",
            "Title\n\nFirst paragraph here.",
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.",
        ]);
        assert_eq!(texts(&c), FOUR_LINES);
        assert_eq!(c.lines[3].sources, [2]);
        assert_eq!(
            c.to_text(),
            "Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n\nA closing line.\n"
        );
    }
}
