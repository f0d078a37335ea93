//! Every tunable of a run, with its default, in one place.
//!
//! The CLI turns its flags into a [`Config`]; the library never reads flags
//! or environment variables. The settings that change the output are written
//! to `summary.json`; the thread count is not among them, because the output
//! does not depend on it.

use crate::normalize::Markers;
use serde::Serialize;

/// The settings of one run.
///
/// By default, documents are fingerprinted with 5-word shingles, one in four
/// of them is indexed, and two copies are the same article when their
/// shingle sets have a Jaccard resemblance of at least 0.5, or when at least
/// 70% of the smaller copy (of at least 12 shingles) lies in the larger one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// Walk into symbolic links instead of reporting them as skipped.
    /// By default, links are not followed.
    pub follow_links: bool,
    /// A line its source prints under at least this many distinct headlines
    /// is furniture. By default, 4; below 2, no furniture is learned.
    pub min_furniture_articles: usize,
    /// The marker phrases: paywall notices, truncation markers, widget,
    /// comment and footer lines. By default, the built-in list.
    #[serde(serialize_with = "marker_count")]
    pub markers: Markers,
    /// Worker threads; 0 means one per core. Never changes the output.
    #[serde(skip)]
    pub threads: usize,
    /// Words per shingle. By default, 5.
    pub shingle_words: usize,
    /// One shingle in this many is indexed for candidate search (chosen by
    /// hash, so the same shingles are chosen in every copy). By default, 4.
    pub sample_modulus: u64,
    /// Candidate pairs must share at least this many indexed shingles.
    /// By default, 2.
    pub min_shared_samples: u32,
    /// Candidate pairs must also share at least this fraction of the
    /// smaller document's indexed shingles. Copies that pass verification
    /// share about `min_containment` of them, so the default, 0.3, leaves a
    /// wide margin for sampling noise while sparing the verifier the pairs
    /// that only share a quote or a stock phrase.
    pub min_shared_fraction: f64,
    /// Indexed shingles found in more documents than this are treated as
    /// boilerplate and never propose a pair. By default, 1,000.
    pub max_posting: usize,
    /// Jaccard resemblance at or above which two copies match. By default, 0.5.
    pub min_resemblance: f64,
    /// Containment of the smaller copy in the larger at or above which two
    /// copies match. By default, 0.7.
    pub min_containment: f64,
    /// A copy needs at least this many shingles to match by containment
    /// alone, so that a headline and a teaser do not attach to an article.
    /// By default, 12.
    pub min_containment_shingles: usize,
    /// At most this many copies of one article (those that agree most with
    /// the others first)
    /// are aligned and vote; the others are attached to the canonical lines
    /// they carry word for word, so a cluster of thousands of copies costs
    /// little more than one of this many. By default, 64.
    pub max_aligned_copies: usize,
    /// Most pairs of units one alignment diff may compare (the product of
    /// the two sides' lengths); past it a greedy in-order match replaces
    /// the Patience diff, so the work is bounded the same way on every
    /// machine. By default, 16,777,216 (two copies of 4,096 sentences).
    pub max_diff_cells: usize,
    /// A copy is truncated by containment when the canonical text goes on
    /// for at least this share of its words after the copy's last line.
    /// By default, 0.25.
    pub min_missing_tail: f64,
    /// ...and for at least this many words. By default, 40.
    pub min_missing_tail_words: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            follow_links: false,
            min_furniture_articles: 4,
            markers: Markers::builtin(),
            threads: 0,
            shingle_words: 5,
            sample_modulus: 4,
            min_shared_samples: 2,
            min_shared_fraction: 0.3,
            max_posting: 1000,
            min_resemblance: 0.5,
            min_containment: 0.7,
            min_containment_shingles: 12,
            max_aligned_copies: 64,
            max_diff_cells: 1 << 24,
            min_missing_tail: 0.25,
            min_missing_tail_words: 40,
        }
    }
}

fn marker_count<S: serde::Serializer>(m: &Markers, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(m.len() as u64)
}
