//! How far each source's copies can be trusted, learned from the corpus.
//!
//! Some sources are clean (a wire service), others noisy (an OCR'd print
//! edition, a site that rewrites headlines). Where three or more copies
//! carry a line, the majority reading is a good guess at the truth, so each
//! copy that reads the line as the canonical text does *agrees*, and each
//! one that reads it otherwise *disagrees*. A source's reliability is its
//! copies' share of agreements, smoothed (one agreement and one
//! disagreement are added, so a source seen once is 0.5-ish, not 0 or 1).
//!
//! The engine votes every cluster once with equal weights, learns the
//! reliabilities from all clusters, then votes again, weighted, the
//! clusters where the count alone did not decide: two copies that read a
//! line differently, or three with three readings of a word. There the
//! more reliable source's reading wins, where before the pivot's did.

use super::CanonicalText;
use crate::normalize::text::fold_key;
use std::collections::BTreeMap;

/// Agreements per source.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reliability {
    /// Per source: (agreements, observations).
    counts: BTreeMap<String, (u64, u64)>,
}

/// Lines carried by fewer copies than this teach nothing: there is no
/// majority to agree with.
const MIN_COPIES: usize = 3;

impl Reliability {
    /// Learns from one cluster's canonical text; `source_of[copy]` is the
    /// source of each copy, in the text's copy numbering.
    pub fn observe(&mut self, canon: &CanonicalText, source_of: &[&str]) {
        for line in canon
            .lines
            .iter()
            .filter(|l| l.sources.len() >= MIN_COPIES && !l.tied)
        {
            let winner = fold_key(&line.text);
            let disagreeing: Vec<usize> = line
                .variants
                .iter()
                .filter(|v| fold_key(&v.text) != winner)
                .flat_map(|v| v.copies.iter().copied())
                .collect();
            for &copy in &line.sources {
                let Some(source) = source_of.get(copy) else {
                    continue;
                };
                let counts = self.counts.entry(source.to_string()).or_default();
                counts.0 += u64::from(!disagreeing.contains(&copy));
                counts.1 += 1;
            }
        }
    }

    /// Adds what another learner saw.
    pub fn merge(&mut self, other: Reliability) {
        for (source, (agree, seen)) in other.counts {
            let counts = self.counts.entry(source).or_default();
            counts.0 += agree;
            counts.1 += seen;
        }
    }

    /// The smoothed share of agreements of `source`'s copies, in (0, 1).
    pub fn of(&self, source: &str) -> f64 {
        let (agree, seen) = self.counts.get(source).copied().unwrap_or((0, 0));
        (agree as f64 + 1.0) / (seen as f64 + 2.0)
    }

    /// Whether `source` was observed at all.
    pub fn knows(&self, source: &str) -> bool {
        self.counts.contains_key(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Line, Variant};

    fn line(text: &str, variants: &[(&str, &[usize])]) -> Line {
        Line {
            text: text.to_string(),
            sources: vec![0, 1, 2],
            variants: variants
                .iter()
                .map(|(t, c)| Variant {
                    text: t.to_string(),
                    copies: c.to_vec(),
                })
                .collect(),
            tied: false,
            reach: Vec::new(),
        }
    }

    #[test]
    fn the_noisy_source_earns_less_trust() {
        let canon = CanonicalText {
            lines: vec![
                line("One.", &[]),
                line(
                    "Two words.",
                    &[("Two words.", &[0, 1]), ("Tw0 w0rds.", &[2])],
                ),
            ],
            dropped: Vec::new(),
            paragraphing: Vec::new(),
        };
        let mut r = Reliability::default();
        r.observe(&canon, &["wire", "reader", "ocr"]);
        assert_eq!(r.of("wire"), 0.75);
        assert_eq!(r.of("ocr"), 0.5);
        assert!(r.knows("ocr") && !r.knows("other"));
        assert_eq!(r.of("other"), 0.5);
    }
}
