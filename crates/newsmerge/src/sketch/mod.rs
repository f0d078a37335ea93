//! Stage 3: fingerprints and candidate pairs.
//!
//! A document's fingerprint is the set of hashes of its word shingles (runs
//! of `k` consecutive words of article text, across paragraph boundaries so
//! that split or joined paragraphs do not change it). The set is kept whole
//! for exact verification later.
//!
//! Candidates come from an inverted index over a *hash-selected sample* of
//! the shingles (those whose hash is 0 modulo `m`), not from MinHash bands.
//! The choice matters for fragments: the same shingles are selected in every
//! copy, so a copy holding 20% of an article shares about 20% of the full
//! copy's sample, and is found however low its Jaccard resemblance is,
//! where LSH banding tuned for resemblance would miss it. Postings longer
//! than a cap are boilerplate or stock phrases and propose nothing.

use crate::config::Config;
use crate::normalize::{DocId, Document};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

pub use crate::hashing::{SEED, intersection_size};

/// A document's fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// Sorted, distinct shingle hashes of the article text, cut to their
    /// high 32 bits for exact verification: half the memory of the full
    /// hashes, and two different shingles share a cut hash with a
    /// probability of 2^-32, so two 1,000-shingle articles share one by
    /// chance once in four thousand comparisons, which moves no ratio.
    pub shingles: Vec<u32>,
    /// The full hashes of the shingles indexed for candidate search, sorted.
    pub sample: Vec<u64>,
}

/// Two documents that share enough indexed shingles to be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CandidatePair {
    /// The smaller document number.
    pub a: DocId,
    /// The larger document number.
    pub b: DocId,
}

/// Fingerprints one document.
pub fn sketch(doc: &Document, config: &Config) -> Signature {
    let words: Vec<u64> = doc
        .iter_content()
        .flat_map(|p| p.key.split(' ').filter(|w| !w.is_empty()))
        .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
        .collect();
    signature(&words, config)
}

/// The signature of a sequence of word hashes.
pub fn signature(words: &[u64], config: &Config) -> Signature {
    let k = config.sketch.shingle_words.max(1);
    let mut full: Vec<u64> = if words.is_empty() {
        Vec::new()
    } else if words.len() < k {
        vec![shingle_hash(words)]
    } else {
        words.windows(k).map(shingle_hash).collect()
    };
    full.sort_unstable();
    full.dedup();
    let modulus = config.sketch.sample_modulus.max(1);
    let mut sample: Vec<u64> = full.iter().copied().filter(|h| h % modulus == 0).collect();
    if sample.is_empty() {
        // A short text may have no selected shingle; its smallest hash
        // stands in, shared by a near-identical short text with a
        // probability equal to their resemblance.
        sample.extend(full.first());
    }
    let mut shingles: Vec<u32> = full.iter().map(|&h| (h >> 32) as u32).collect();
    shingles.sort_unstable();
    shingles.dedup();
    Signature { shingles, sample }
}

fn shingle_hash(words: &[u64]) -> u64 {
    let mut bytes = [0u8; 8 * 16];
    let n = words.len().min(16);
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(&words[..n]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes[..8 * n], SEED)
}

/// Finds candidate pairs among `signatures` (indexed by [`DocId`]): pairs
/// that share at least `min_shared_samples` indexed shingles and at least
/// `min_shared_fraction` of the smaller sample (a one-shingle sample needs
/// its one shingle), plus each exact copy (identical fingerprint) paired
/// with the first of its copies. Sorted, without duplicates.
pub fn candidates(signatures: &[Signature], config: &Config) -> Vec<CandidatePair> {
    let (originals, copies) = exact_copies(signatures);
    let index = Index::build(signatures, &originals, config.sketch.max_posting);
    let mut pairs: Vec<CandidatePair> = originals
        .par_iter()
        .map_init(HashMap::default, |counts: &mut HashMap<u32, u32>, &a| {
            counts.clear();
            for &h in &signatures[a as usize].sample {
                for &b in index.posting(h).iter().filter(|&&b| b > a) {
                    *counts.entry(b).or_insert(0) += 1;
                }
            }
            let len_a = signatures[a as usize].sample.len();
            let mut found: Vec<CandidatePair> = counts
                .iter()
                .filter(|&(&b, &n)| {
                    let smaller = len_a.min(signatures[b as usize].sample.len());
                    n >= shared_needed(smaller, config)
                })
                .map(|(&b, _)| CandidatePair {
                    a: DocId(a),
                    b: DocId(b),
                })
                .collect();
            found.sort_unstable();
            found
        })
        .flatten_iter()
        .chain(copies)
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Splits the documents with a fingerprint into originals, the first of
/// each set of identical fingerprints, and the pairs (original, copy) of
/// the rest. Only originals go into the index: a thousand identical copies
/// would otherwise make every one of their shingles a posting too long to
/// keep (and half a million pairs), while all they need is to join their
/// original. Nothing else changes: an exact copy matches its original and
/// every document its original matches.
fn exact_copies(signatures: &[Signature]) -> (Vec<u32>, Vec<CandidatePair>) {
    let mut keyed: Vec<(u64, u32)> = signatures
        .par_iter()
        .enumerate()
        .filter(|(_, s)| !s.shingles.is_empty())
        .map(|(d, s)| (fingerprint_key(s), d as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut originals = Vec::with_capacity(keyed.len());
    let mut copies = Vec::new();
    for group in keyed.chunk_by(|x, y| x.0 == y.0) {
        // Within one key, documents are in id order; a key collision
        // between different fingerprints only makes another original.
        let mut firsts: Vec<u32> = Vec::new();
        for &(_, d) in group {
            let same = |&f: &u32| signatures[f as usize] == signatures[d as usize];
            match firsts.iter().find(|f| same(f)) {
                Some(&f) => copies.push(CandidatePair {
                    a: DocId(f),
                    b: DocId(d),
                }),
                None => firsts.push(d),
            }
        }
        originals.extend(firsts);
    }
    originals.sort_unstable();
    (originals, copies)
}

fn fingerprint_key(s: &Signature) -> u64 {
    let mut bytes = Vec::with_capacity(4 * s.shingles.len() + 8 * s.sample.len());
    bytes.extend(s.shingles.iter().flat_map(|h| h.to_le_bytes()));
    bytes.extend(s.sample.iter().flat_map(|h| h.to_le_bytes()));
    xxh3_64_with_seed(&bytes, SEED)
}

/// How many indexed shingles a pair whose smaller sample has `smaller`
/// of them must share to be a candidate.
fn shared_needed(smaller: usize, config: &Config) -> u32 {
    let by_fraction = (config.sketch.min_shared_fraction * smaller as f64).ceil() as u32;
    config
        .sketch
        .min_shared_samples
        .max(by_fraction)
        .min(smaller as u32)
        .max(1)
}

/// The inverted index from sampled shingle to documents, without postings
/// of one document or longer than the cap. Built by one parallel sort of
/// (shingle, document) pairs; the postings are slices of one array.
struct Index {
    /// Posting of each kept shingle: a range of `docs`.
    ranges: HashMap<u64, (u32, u32)>,
    docs: Vec<u32>,
}

impl Index {
    fn build(signatures: &[Signature], docs: &[u32], max_posting: usize) -> Index {
        let mut entries: Vec<(u64, u32)> = docs
            .par_iter()
            .flat_map_iter(|&doc| {
                signatures[doc as usize]
                    .sample
                    .iter()
                    .map(move |&h| (h, doc))
            })
            .collect();
        entries.par_sort_unstable();
        let mut ranges = HashMap::default();
        let mut docs = Vec::new();
        for group in entries.chunk_by(|x, y| x.0 == y.0) {
            if (2..=max_posting).contains(&group.len()) {
                let start = docs.len() as u32;
                docs.extend(group.iter().map(|&(_, d)| d));
                ranges.insert(group[0].0, (start, docs.len() as u32));
            }
        }
        Index { ranges, docs }
    }

    fn posting(&self, shingle: u64) -> &[u32] {
        self.ranges.get(&shingle).map_or(&[], |&(start, end)| {
            &self.docs[start as usize..end as usize]
        })
    }
}

/// How much two fingerprints overlap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overlap {
    /// Shingles in both.
    pub shared: usize,
    /// Jaccard resemblance: shared over union.
    pub resemblance: f64,
    /// Containment of the smaller in the larger: shared over the smaller.
    pub containment: f64,
    /// Shingles in the smaller fingerprint.
    pub smaller: usize,
}

/// The exact overlap of two sorted shingle sets.
pub fn overlap(a: &[u32], b: &[u32]) -> Overlap {
    let shared = intersection_size(a, b);
    let union = a.len() + b.len() - shared;
    let smaller = a.len().min(b.len());
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    Overlap {
        shared,
        resemblance: ratio(shared, union),
        containment: ratio(shared, smaller),
        smaller,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<u64> {
        text.split(' ')
            .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
            .collect()
    }

    fn sig(text: &str) -> Signature {
        signature(&words(text), &Config::default())
    }

    const ARTICLE: &str = "the quick brown fox jumps over the lazy dog while the farmer \
        watches from the porch and drinks his coffee slowly before the long day of work \
        begins in the fields behind the old red barn near the river bend";

    #[test]
    fn exact_copies_join_their_original_past_the_posting_cap() {
        let config = Config::builder().max_posting(3).build().unwrap();
        let copy = sig(ARTICLE);
        let mut signatures = vec![copy.clone(); 6];
        signatures.insert(2, Signature::default());
        signatures.push(Signature::default());
        signatures.push(sig(
            "a completely different text about markets and rates and banks",
        ));
        let pairs: Vec<(u32, u32)> = candidates(&signatures, &config)
            .iter()
            .map(|p| (p.a.0, p.b.0))
            .collect();
        assert_eq!(
            pairs,
            [(0, 1), (0, 3), (0, 4), (0, 5), (0, 6)],
            "six copies, one cluster; documents without text pair with nothing"
        );
    }

    #[test]
    fn overlap_measures_resemblance_and_containment() {
        let full = sig(ARTICLE);
        let half: String = ARTICLE.split(' ').take(20).collect::<Vec<_>>().join(" ");
        let part = sig(&half);
        let o = overlap(&full.shingles, &part.shingles);
        assert_eq!(o.containment, 1.0);
        assert!(o.resemblance < 0.5, "{o:?}");
        let other = sig("a completely different text about markets and rates and banks");
        assert_eq!(overlap(&full.shingles, &other.shingles).shared, 0);
    }

    #[test]
    fn fragments_become_candidates_and_strangers_do_not() {
        let half: String = ARTICLE.split(' ').take(30).collect::<Vec<_>>().join(" ");
        let config = Config::builder().sample_modulus(1).build().unwrap();
        let sigs: Vec<Signature> = [
            ARTICLE,
            &half,
            "nothing in common with anything else at all here",
        ]
        .iter()
        .map(|t| signature(&words(t), &config))
        .collect();
        let pairs = candidates(&sigs, &config);
        assert_eq!(
            pairs,
            [CandidatePair {
                a: DocId(0),
                b: DocId(1)
            }]
        );
    }

    #[test]
    fn long_postings_propose_nothing() {
        let config = Config::builder()
            .sample_modulus(1)
            .max_posting(2)
            .build()
            .unwrap();
        let tails = [
            "and then the rain came down hard on the roof all night",
            "but the market opened early with prices for grain rising fast",
            "while a storm warning was issued for the whole northern coast",
        ];
        let sigs: Vec<Signature> = tails
            .iter()
            .map(|tail| signature(&words(&format!("{ARTICLE} {tail}")), &config))
            .collect();
        assert!(candidates(&sigs, &config).is_empty());
    }

    #[test]
    fn short_texts_get_one_shingle() {
        assert_eq!(sig("two words").shingles.len(), 1);
        assert!(signature(&[], &Config::default()).shingles.is_empty());
    }
}
