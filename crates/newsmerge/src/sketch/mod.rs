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
//!
//! Counting shared shingles through the index costs the sum of the squared
//! posting lengths, and postings lengthen with the corpus. So each pair is
//! counted from its smaller document with a prefix filter (the rarest
//! shingles find the partners, the most common only add to them), which
//! gives the same pairs without walking the longest postings.

use crate::config::Config;
use crate::normalize::{DocId, Document};
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::hashing::shares_at_least;
pub use crate::hashing::{SEED, intersection_size};

/// A document's fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Signature {
    /// Sorted, distinct shingle hashes of the article text, cut to their
    /// high 32 bits for exact verification: half the memory of the full
    /// hashes, and two different shingles share a cut hash with a
    /// probability of 2^-32, so two 1,000-shingle articles share one by
    /// chance once in four thousand comparisons, which moves no ratio.
    pub shingles: Vec<u32>,
    /// The shingles indexed for candidate search, those whose full hash is
    /// 0 modulo `sample_modulus`: a subset of `shingles`, cut as they are,
    /// sorted.
    pub sample: Vec<u32>,
    /// The opening: the cut shingle hashes of each of the first
    /// [`OPENING_PARAGRAPHS`] paragraphs of at least [`MIN_OPENING_WORDS`]
    /// words (the headline and the lede, past the short lines a scrape may
    /// carry above them), at most [`OPENING_SHINGLES`] each. A truncated
    /// or paywalled copy must share one of them with the article it
    /// belongs to (see [`Print::opens_inside`]).
    pub opening: Vec<Vec<u32>>,
    /// The names in the headline (its capitalized words, prefixes such as
    /// "CORRECTED" and small words aside), hashed and sorted: what tells
    /// two short notices written on one template apart.
    pub names: Vec<u32>,
    /// The document's date, as days since 1970-01-01, when known.
    pub date: Option<i32>,
}

/// How many paragraphs make the opening: two, so that a caption or a
/// standfirst one copy has above the headline does not hide it.
pub const OPENING_PARAGRAPHS: usize = 2;

/// The opening paragraphs have at least this many words: the headline or
/// the lede, not a menu, byline or date line.
pub const MIN_OPENING_WORDS: usize = 8;

/// At most this many shingles of each opening paragraph are kept.
pub const OPENING_SHINGLES: usize = 40;

/// A paragraph of the opening is found in another document when at least
/// this share of its shingles are.
pub const MIN_OPENING_FOUND: f64 = 0.5;

impl Signature {
    /// The fingerprint as [`Fingerprints::whole`] lends it.
    pub fn print(&self) -> Print<'_> {
        Print {
            shingles: &self.shingles,
            sample: &self.sample,
            names: &self.names,
            date: self.date,
            opening: Opening::Nested(&self.opening),
        }
    }
}

/// A fingerprint as it is read: the fields of a [`Signature`], borrowed
/// from one or from wherever the fingerprints of a corpus are kept (packed
/// into large blocks, or read back from a spill file).
#[derive(Clone, Copy, Debug)]
pub struct Print<'a> {
    /// [`Signature::shingles`].
    pub shingles: &'a [u32],
    /// [`Signature::sample`].
    pub sample: &'a [u32],
    /// [`Signature::names`].
    pub names: &'a [u32],
    /// [`Signature::date`].
    pub date: Option<i32>,
    opening: Opening<'a>,
}

/// Where a [`Print`]'s opening paragraphs are: a [`Signature`]'s own, or
/// encoded in a run of words, each paragraph as its length followed by
/// its shingles.
#[derive(Clone, Copy, Debug)]
enum Opening<'a> {
    Nested(&'a [Vec<u32>]),
    Encoded(&'a [u32]),
}

impl<'a> Print<'a> {
    /// A fingerprint whose opening paragraphs are encoded in `opening`,
    /// each as its length followed by its shingles (see
    /// [`encode_opening`]).
    pub(crate) fn with_encoded_opening(
        shingles: &'a [u32],
        sample: &'a [u32],
        names: &'a [u32],
        date: Option<i32>,
        opening: &'a [u32],
    ) -> Print<'a> {
        Print {
            shingles,
            sample,
            names,
            date,
            opening: Opening::Encoded(opening),
        }
    }

    /// [`Signature::opening`], paragraph by paragraph.
    pub fn opening(&self) -> Paragraphs<'a> {
        Paragraphs(self.opening)
    }

    /// Whether this document's opening is found in `other`: one of its
    /// opening paragraphs (headline, lede) lies mostly in `other`. A copy
    /// that is only a part of `other` (a truncated or paywalled copy)
    /// starts where it starts, so a passage shared in the middle (a quote,
    /// a press release, background) does not make a fragment of it. A
    /// document without an opening (no paragraph that long) passes.
    pub fn opens_inside(&self, other: &Print<'_>) -> bool {
        let mut paragraphs = self.opening().peekable();
        paragraphs.peek().is_none()
            || paragraphs.any(|para| {
                let found = para
                    .iter()
                    .filter(|h| other.shingles.binary_search(h).is_ok())
                    .count();
                found as f64 >= MIN_OPENING_FOUND * para.len() as f64
            })
    }
}

/// Two prints are equal when every field of their signatures is.
impl PartialEq for Print<'_> {
    fn eq(&self, other: &Print<'_>) -> bool {
        self.shingles == other.shingles
            && self.sample == other.sample
            && self.names == other.names
            && self.date == other.date
            && self.opening().eq(other.opening())
    }
}

impl Eq for Print<'_> {}

/// The opening paragraphs of a [`Print`], each as its shingles.
#[derive(Clone, Debug)]
pub struct Paragraphs<'a>(Opening<'a>);

impl<'a> Iterator for Paragraphs<'a> {
    type Item = &'a [u32];

    fn next(&mut self) -> Option<&'a [u32]> {
        match &mut self.0 {
            Opening::Nested(paras) => {
                let (first, rest) = paras.split_first()?;
                *paras = rest;
                Some(first)
            }
            Opening::Encoded(words) => {
                let (&len, rest) = words.split_first()?;
                let (para, after) = rest.split_at((len as usize).min(rest.len()));
                *words = after;
                Some(para)
            }
        }
    }
}

/// Appends a signature's opening paragraphs to `out` as a [`Print`]
/// with an encoded opening reads them: each as its length followed by
/// its shingles.
pub(crate) fn encode_opening(opening: &[Vec<u32>], out: &mut Vec<u32>) {
    for para in opening {
        out.push(para.len() as u32);
        out.extend_from_slice(para);
    }
}

/// Fingerprints by document number, as candidate search and clustering
/// read them: held whole in a slice, or kept by the engine (packed into
/// large blocks, or with their shingles and samples in files) and read
/// one document at a time. The samples, which the candidate index is
/// built from, are read a block of documents at a time
/// ([`Fingerprints::samples`]).
pub trait Fingerprints: Sync {
    /// How many documents there are.
    fn count(&self) -> usize;
    /// How many sampled shingles document `d` has.
    fn sample_len(&self, d: u32) -> usize;
    /// The samples ([`Signature::sample`]) of `docs`, for as long as the
    /// value lives: lent where they are held, read back where they are
    /// kept in a file. `docs` is a run of [`Fingerprints::sample_order`].
    fn samples(&self, docs: &[u32]) -> Samples<'_>;
    /// `docs` in the order their samples are best read together: as
    /// given, unless they are read back from a file.
    fn sample_order(&self, docs: &[u32]) -> Vec<u32> {
        docs.to_vec()
    }
    /// Whether [`Fingerprints::samples`] reads the samples back into
    /// memory rather than lending them.
    fn reads_samples_back(&self) -> bool {
        false
    }
    /// How many shingles document `d` has.
    fn shingle_count(&self, d: u32) -> usize;
    /// Document `d`'s [`fingerprint_key`].
    fn key(&self, d: u32) -> u64;
    /// Document `d`'s whole fingerprint.
    fn whole(&self, d: u32) -> Whole<'_>;
    /// The pairs for which `pass` holds of their two whole fingerprints
    /// (the pair's `a` first), in the order given. Each pair is tested
    /// once; the default reads a document's fingerprint once for all the
    /// consecutive pairs it is the first of ([`pairs_passing`]).
    fn pairs_passing(&self, pairs: &[CandidatePair], pass: &Pass<'_>) -> Vec<CandidatePair> {
        pairs_passing(self, pairs, pass)
    }
}

/// The samples of some documents ([`Fingerprints::samples`]), by
/// document number.
pub struct Samples<'a>(SamplesOf<'a>);

type Lend<'a> = dyn Fn(u32) -> &'a [u32] + Sync + 'a;
type Place<'a> = dyn Fn(u32) -> std::ops::Range<usize> + Sync + 'a;

enum SamplesOf<'a> {
    Lent(Box<Lend<'a>>),
    Read {
        words: Vec<u32>,
        place: Box<Place<'a>>,
    },
}

impl<'a> Samples<'a> {
    /// Samples lent by `sample`, document `d`'s as `sample(d)`.
    pub fn lent(sample: impl Fn(u32) -> &'a [u32] + Sync + 'a) -> Samples<'a> {
        Samples(SamplesOf::Lent(Box::new(sample)))
    }

    /// Samples read back into `words`, document `d`'s at `place(d)`
    /// (nothing where that is out of `words`).
    pub fn read(
        words: Vec<u32>,
        place: impl Fn(u32) -> std::ops::Range<usize> + Sync + 'a,
    ) -> Samples<'a> {
        Samples(SamplesOf::Read {
            words,
            place: Box::new(place),
        })
    }

    /// Document `d`'s sample, `d` one of the documents asked for.
    pub fn sample(&self, d: u32) -> &[u32] {
        match &self.0 {
            SamplesOf::Lent(sample) => sample(d),
            SamplesOf::Read { words, place } => words.get(place(d)).unwrap_or(&[]),
        }
    }
}

/// A test of a pair of whole fingerprints, as
/// [`Fingerprints::pairs_passing`] applies it.
pub type Pass<'p> = dyn Fn(&Print<'_>, &Print<'_>) -> bool + Sync + 'p;

/// The pairs for which `pass` holds, in the order given, each
/// fingerprint read with [`Fingerprints::whole`]: once for all the
/// consecutive pairs it is the first of, and once per pair it is the
/// second of.
pub fn pairs_passing<F: Fingerprints + ?Sized>(
    prints: &F,
    pairs: &[CandidatePair],
    pass: &Pass<'_>,
) -> Vec<CandidatePair> {
    pairs
        .par_chunk_by(|x, y| x.a == y.a)
        .flat_map_iter(|of_a| {
            let a = prints.whole(of_a[0].a.0);
            of_a.iter()
                .filter(move |p| pass(&a.print(), &prints.whole(p.b.0).print()))
                .copied()
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A whole fingerprint as [`Fingerprints::whole`] gives it: lent from
/// where it is held, or read back into a buffer of its own.
#[derive(Clone, Debug)]
pub struct Whole<'a>(Read<'a>);

#[derive(Clone, Debug)]
enum Read<'a> {
    Lent(Print<'a>),
    /// `words` holds the sample, the shingles, then the encoded opening;
    /// the rest is lent by `held`.
    Owned {
        held: Print<'a>,
        words: Vec<u32>,
        sample: usize,
        shingles: usize,
    },
}

impl<'a> Whole<'a> {
    /// A fingerprint lent from where it is held.
    pub fn lent(print: Print<'a>) -> Whole<'a> {
        Whole(Read::Lent(print))
    }

    /// A fingerprint whose names and date are `held`'s, and whose sample
    /// (the first `sample` of `words`), shingles (the next `shingles`) and
    /// encoded opening (the rest) were read back.
    pub(crate) fn read(
        held: Print<'a>,
        words: Vec<u32>,
        sample: usize,
        shingles: usize,
    ) -> Whole<'a> {
        Whole(Read::Owned {
            held,
            words,
            sample,
            shingles,
        })
    }

    /// The fingerprint [`Whole::read`] makes of `words`, borrowed.
    pub(crate) fn split<'w>(
        held: Print<'w>,
        words: &'w [u32],
        sample: usize,
        shingles: usize,
    ) -> Print<'w> {
        let (sample, rest) = words.split_at(sample.min(words.len()));
        let (shingles, opening) = rest.split_at(shingles.min(rest.len()));
        Print::with_encoded_opening(shingles, sample, held.names, held.date, opening)
    }

    /// The fingerprint.
    pub fn print(&self) -> Print<'_> {
        match &self.0 {
            Read::Lent(print) => *print,
            Read::Owned {
                held,
                words,
                sample,
                shingles,
            } => Whole::split(*held, words, *sample, *shingles),
        }
    }
}

/// Fingerprints held whole: a slice, an array or a vector of them.
impl<T: AsRef<[Signature]> + Sync + ?Sized> Fingerprints for T {
    fn count(&self) -> usize {
        self.as_ref().len()
    }

    fn sample_len(&self, d: u32) -> usize {
        self.as_ref()[d as usize].sample.len()
    }

    fn samples(&self, _docs: &[u32]) -> Samples<'_> {
        Samples::lent(|d| &self.as_ref()[d as usize].sample)
    }

    fn shingle_count(&self, d: u32) -> usize {
        self.as_ref()[d as usize].shingles.len()
    }

    fn key(&self, d: u32) -> u64 {
        fingerprint_key(&self.as_ref()[d as usize])
    }

    fn whole(&self, d: u32) -> Whole<'_> {
        Whole::lent(self.as_ref()[d as usize].print())
    }
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
    let mut words: Vec<u64> = Vec::new();
    let mut opening = Vec::new();
    for p in doc.iter_content().filter(|p| !p.site_text) {
        let before = words.len();
        hash_words(&p.key, &mut words);
        if opening.len() < OPENING_PARAGRAPHS && words.len() - before >= MIN_OPENING_WORDS {
            opening.push(opening_of(&words[before..], config));
        }
    }
    let mut signature = signature(&words, config);
    signature.opening = opening;
    signature.names = doc
        .iter_content()
        .next()
        .map_or_else(Vec::new, |h| names(&h.text));
    signature.date = doc.date;
    signature
}

/// Appends the hash of each word of a key (words between single spaces).
fn hash_words(key: &str, words: &mut Vec<u64>) {
    let key = key.as_bytes();
    let mut start = 0;
    for end in memchr::memchr_iter(b' ', key).chain([key.len()]) {
        if end > start {
            words.push(xxh3_64_with_seed(&key[start..end], SEED));
        }
        start = end + 1;
    }
}

/// Words of a headline that are not names, though capitalized: wire
/// prefixes and small words of title case.
const NOT_NAMES: &[&str] = &[
    "a",
    "after",
    "an",
    "and",
    "as",
    "at",
    "brief",
    "by",
    "corrected",
    "correction",
    "exclusive",
    "for",
    "from",
    "in",
    "of",
    "on",
    "over",
    "refile",
    "the",
    "to",
    "update",
    "updated",
    "with",
];

/// The hashed names of a headline: its words that start with a capital
/// letter, lowercased, but for [`NOT_NAMES`]; numbers are not names.
fn names(headline: &str) -> Vec<u32> {
    let mut out: Vec<u32> = headline
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.starts_with(char::is_uppercase))
        .map(str::to_lowercase)
        .filter(|w| !NOT_NAMES.contains(&w.as_str()))
        .map(|w| (xxh3_64_with_seed(w.as_bytes(), SEED) >> 32) as u32)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The cut hashes of the first [`OPENING_SHINGLES`] shingles of one
/// paragraph's words.
fn opening_of(words: &[u64], config: &Config) -> Vec<u32> {
    // The first shingles need only the words they cover.
    let covered = OPENING_SHINGLES + config.sketch.shingle_words.max(1) - 1;
    shingles_of(&words[..words.len().min(covered)], config)
        .into_iter()
        .take(OPENING_SHINGLES)
        .map(|h| (h >> 32) as u32)
        .collect()
}

/// The shingle hashes of a sequence of word hashes, in text order.
fn shingles_of(words: &[u64], config: &Config) -> Vec<u64> {
    let k = config.sketch.shingle_words.max(1);
    if words.is_empty() {
        Vec::new()
    } else if words.len() < k {
        vec![shingle_hash(words)]
    } else {
        words.windows(k).map(shingle_hash).collect()
    }
}

/// The signature of a sequence of word hashes, opening with its first
/// shingles.
pub fn signature(words: &[u64], config: &Config) -> Signature {
    let mut full = shingles_of(words, config);
    let opening = vec![
        full.iter()
            .take(OPENING_SHINGLES)
            .map(|&h| (h >> 32) as u32)
            .collect(),
    ];
    full.sort_unstable();
    full.dedup();
    let modulus = config.sketch.sample_modulus.max(1);
    let mut sample: Vec<u32> = full
        .iter()
        .filter(|&h| h % modulus == 0)
        .map(|&h| (h >> 32) as u32)
        .collect();
    sample.dedup();
    if sample.is_empty() {
        // A short text may have no selected shingle; its smallest hash
        // stands in, shared by a near-identical short text with a
        // probability equal to their resemblance.
        sample.extend(full.first().map(|&h| (h >> 32) as u32));
    }
    // Held for the whole search: no spare capacity from the filtering.
    sample.shrink_to_fit();
    // The top halves of sorted hashes come sorted.
    let mut shingles: Vec<u32> = full.iter().map(|&h| (h >> 32) as u32).collect();
    shingles.dedup();
    Signature {
        shingles,
        sample,
        opening,
        names: Vec::new(),
        date: None,
    }
}

fn shingle_hash(words: &[u64]) -> u64 {
    let mut bytes = [0u8; 8 * 16];
    let n = words.len().min(16);
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(&words[..n]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes[..8 * n], SEED)
}

/// Finds candidate pairs among the fingerprints (by [`DocId`]): pairs
/// that share at least `min_shared_samples` indexed shingles and at least
/// `min_shared_fraction` of the smaller sample (a one-shingle sample needs
/// its one shingle), plus each exact copy (identical fingerprint) paired
/// with the first of its copies, plus near-copies (documents sharing one
/// of four min-hashes, each paired with the largest of its group). Sorted,
/// without duplicates.
///
/// Each pair is counted from its document with the smaller sample, with
/// a prefix filter, which bounds the work by the rarer shingles: the common
/// ones, whose postings are long, only add to pairs already found.
pub fn candidates<F: Fingerprints + ?Sized>(signatures: &F, config: &Config) -> Vec<CandidatePair> {
    let (originals, copies) = exact_copies(signatures);
    let blocks = index_blocks(signatures, &originals, config);
    let near = near_copies(signatures, &blocks);
    let kept = match blocks.len() {
        1 => Kept::UpTo(config.sketch.max_posting),
        _ => Kept::Uncommon(common_shingles(
            signatures,
            &blocks,
            config.sketch.max_posting,
        )),
    };
    let mut found = Vec::new();
    for (j, block) in blocks.iter().enumerate() {
        let partners = signatures.samples(block);
        let index = Index::build(&partners, block, &kept);
        for (i, probed) in blocks.iter().enumerate() {
            let read;
            let samples = if i == j {
                &partners
            } else {
                read = signatures.samples(probed);
                &read
            };
            found.extend(
                probed
                    .par_iter()
                    .map_init(Probe::default, |probe, &a| {
                        probe.pairs_of(a, samples.sample(a), &index, &partners, config)
                    })
                    .flatten_iter()
                    .collect_vec_list(),
            );
        }
        // The index is the search's largest part: freed before the next
        // block's is built, and before the pairs are gathered into one
        // list, so that no two are held together.
        drop(index);
    }
    let total = found.iter().map(Vec::len).sum::<usize>() + copies.len() + near.len();
    let mut pairs = Vec::with_capacity(total);
    for part in found.into_iter().chain([copies, near]) {
        pairs.extend(part);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// The share of the memory limit ([`crate::ConfigBuilder::memory_limit`])
/// the candidate index may take: one part in this many.
const INDEX_SHARE: u64 = 2;

/// What the candidate index takes per document it indexes, beside its
/// sampled shingles: its number, sample size and [`SampleBits`].
const INDEX_DOC_BYTES: u64 = 72;

/// What the candidate index takes per sampled shingle of a document it
/// indexes: its posting entry, its share of the kept shingles' keys and
/// directory, and its (shingle, place) pair while its part is built. At
/// a million generated documents, 6.2 bytes are held per sampled shingle
/// and 2 more while the parts are built; the rest is margin.
const INDEX_SHINGLE_BYTES: u64 = 10;

/// What a sampled shingle takes when samples are read back: its own
/// block's, and as much again for the block searched from.
const READ_SHINGLE_BYTES: u64 = 8;

/// The originals in blocks, each indexed on its own: one block when there
/// is no memory limit or the whole index fits its share of it
/// ([`INDEX_SHARE`]); otherwise as many as keep each block's index (and
/// the samples read back for it) within that share, by an estimate from
/// the sizes of their samples. Blocks are runs of the order their
/// samples are read in ([`Fingerprints::sample_order`]): for samples read
/// back, the order the threads wrote them in, which varies from run to
/// run. The pairs found never depend on the blocks.
fn index_blocks<F: Fingerprints + ?Sized>(
    signatures: &F,
    originals: &[u32],
    config: &Config,
) -> Vec<Vec<u32>> {
    let Some(limit) = config.memory_limit else {
        return vec![originals.to_vec()];
    };
    let budget = limit / INDEX_SHARE;
    let per_shingle = INDEX_SHINGLE_BYTES
        + if signatures.reads_samples_back() {
            READ_SHINGLE_BYTES
        } else {
            0
        };
    let cost = |d: u32| INDEX_DOC_BYTES + per_shingle * signatures.sample_len(d) as u64;
    let order = signatures.sample_order(originals);
    let mut blocks = Vec::new();
    let (mut from, mut taken) = (0, 0);
    for (i, &d) in order.iter().enumerate() {
        let c = cost(d);
        if taken + c > budget && i > from {
            blocks.push(order[from..i].to_vec());
            (from, taken) = (i, 0);
        }
        taken += c;
    }
    blocks.push(order[from..].to_vec());
    blocks
}

/// Which of a block's postings its index keeps.
enum Kept {
    /// With one block: postings of 2 documents up to the cap.
    UpTo(usize),
    /// With several: the postings of every shingle but those in more
    /// originals of the whole corpus than the cap (sorted), however few
    /// of a block's documents have it, since the block is searched from
    /// every original.
    Uncommon(Vec<u32>),
}

impl Kept {
    fn keeps(&self, shingle: u32, len: usize) -> bool {
        match self {
            Kept::UpTo(cap) => (2..=*cap).contains(&len),
            Kept::Uncommon(common) => common.binary_search(&shingle).is_err(),
        }
    }
}

/// The sampled shingles of more than `cap` of the originals, sorted,
/// counted without holding every sample's shingles at once: a shingle in
/// more than `cap` originals is in at least `(cap + 1) / blocks` (rounded
/// up) of one block's, so each block's are counted alone for those, and
/// only those are counted over the whole corpus.
fn common_shingles<F: Fingerprints + ?Sized>(
    signatures: &F,
    blocks: &[Vec<u32>],
    cap: usize,
) -> Vec<u32> {
    let least = (cap + 1).div_ceil(blocks.len());
    let mut suspects = Vec::new();
    for block in blocks {
        let samples = signatures.samples(block);
        let mut shingles: Vec<u32> = block
            .par_iter()
            .flat_map_iter(|&d| samples.sample(d).iter().copied())
            .collect();
        shingles.par_sort_unstable();
        suspects.extend(
            shingles
                .chunk_by(|x, y| x == y)
                .filter(|g| g.len() >= least)
                .map(|g| g[0]),
        );
    }
    suspects.sort_unstable();
    suspects.dedup();
    let mut counts = vec![0usize; suspects.len()];
    for block in blocks {
        let samples = signatures.samples(block);
        let of_block = block
            .par_chunks(GATHER_CHUNK)
            .map(|chunk| {
                let mut counts = vec![0usize; suspects.len()];
                for &d in chunk {
                    for h in samples.sample(d) {
                        if let Ok(i) = suspects.binary_search(h) {
                            counts[i] += 1;
                        }
                    }
                }
                counts
            })
            .reduce_with(add_counts)
            .unwrap_or_default();
        counts = add_counts(counts, of_block);
    }
    suspects
        .into_iter()
        .zip(counts)
        .filter(|&(_, n)| n > cap)
        .map(|(h, _)| h)
        .collect()
}

/// Counts added place by place (the shorter taken as zeros).
fn add_counts(mut a: Vec<usize>, b: Vec<usize>) -> Vec<usize> {
    if a.len() < b.len() {
        return add_counts(b, a);
    }
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}

/// The candidate partners of one document, found with a prefix filter.
///
/// A pair is counted only from its *smaller* document (fewer sampled
/// shingles, then lower number), so every partner `b` of `a` has at
/// least as many as `a`, and the pair needs `t = shared_needed(|a|)`
/// shared shingles. By pigeonhole, a partner sharing `t` of `a`'s shingles
/// holds one of any `|a| - t + 1` of them. So `a`'s shingles are taken
/// rarest first (shortest posting): the first `|a| - t + 1` walk their
/// postings and find every partner; the rest, the most common, only count
/// for partners already found, looked up in each partner's own sample.
/// The counts, and so the pairs, are exactly those of counting every
/// posting, without walking the longest postings.
#[derive(Default)]
struct Probe {
    /// `a`'s indexed shingles with their posting lengths and where their
    /// postings start in their parts of the index, looked up once.
    order: Vec<(u32, u32, u32)>,
    /// Where each of `a`'s shingles would be among its part's keys
    /// ([`Index::keys_of`]).
    keys: Vec<(u32, u32)>,
    /// `a`'s indexed shingles past the prefix, sorted.
    rest: Vec<u32>,
    /// Shared shingles by place in the index's block; zero but for
    /// `touched`.
    counts: Vec<u32>,
    /// The places counted for `a`, in the order first met.
    touched: Vec<u32>,
}

impl Probe {
    /// The partners of `a` (whose sample is `sample`) in the block
    /// `index` was built for, whose samples are `partners`.
    fn pairs_of(
        &mut self,
        a: u32,
        sample: &[u32],
        index: &Index,
        partners: &Samples<'_>,
        config: &Config,
    ) -> Vec<CandidatePair> {
        // A partner is met as its place in the index's block.
        let key = |p: u32| (index.sizes[p as usize], index.docs[p as usize]);
        let key_a = (sample.len() as u32, a);
        let needed = shared_needed(sample.len(), config);
        // Every shingle's bucket is read before any bucket's keys: reads
        // that do not wait on each other, whose cache misses the
        // processor overlaps, where a lookup at a time waits for each.
        self.keys.clear();
        self.keys.extend(sample.iter().map(|&h| index.keys_of(h)));
        self.order.clear();
        self.order.extend(
            sample.iter().zip(&self.keys).filter_map(|(&h, &keys)| {
                index.find_in(h, keys).map(|(len, start)| (len, h, start))
            }),
        );
        self.order.sort_unstable();
        // Shingles that are not indexed count for no pair, so the prefix is
        // taken among the indexed ones.
        let prefix = (self.order.len() + 1).saturating_sub(needed as usize);
        // Counts by place in a plain array, reset after use: an increment
        // per posting entry, without hashing.
        self.counts
            .resize(self.counts.len().max(index.docs.len()), 0);
        self.touched.clear();
        for &(len, h, start) in &self.order[..prefix] {
            for &p in index.posting_at(h, start, len) {
                if key(p) > key_a {
                    let n = &mut self.counts[p as usize];
                    if *n == 0 {
                        self.touched.push(p);
                    }
                    *n += 1;
                }
            }
        }
        // The common shingles, sorted, are looked for in each partner's
        // sample in one merge, which stops as soon as the partner can no
        // longer reach, or has reached, the shingles needed.
        self.rest.clear();
        self.rest
            .extend(self.order[prefix..].iter().map(|&(_, h, _)| h));
        self.rest.sort_unstable();
        let mut found = Vec::new();
        for &p in &self.touched {
            let counted = std::mem::take(&mut self.counts[p as usize]);
            let wanted = needed.saturating_sub(counted) as usize;
            if wanted > 0 && index.bits[p as usize].may_hold_count(&self.rest) < wanted {
                continue;
            }
            let b = index.docs[p as usize];
            if shares_at_least(&self.rest, partners.sample(b), wanted) {
                found.push(CandidatePair {
                    a: DocId(a.min(b)),
                    b: DocId(a.max(b)),
                });
            }
        }
        found.sort_unstable();
        found
    }
}

/// How many independent min-hashes key the near-copy groups.
pub const NEAR_KEYS: u64 = 4;

/// The near-copy key of a fingerprint under `seed` (below [`NEAR_KEYS`]):
/// the least of its sampled shingles' hashes under that seed, `None`
/// without a sample.
pub fn near_key(s: &Signature, seed: u64) -> Option<u64> {
    near_key_of(&s.sample, seed)
}

/// [`near_key`] of a sample.
fn near_key_of(sample: &[u32], seed: u64) -> Option<u64> {
    sample.iter().map(|&h| mix(u64::from(h), seed)).min()
}

/// Pairs that make near-copies join however common their text is. A story
/// syndicated thousands of times with small edits has every shingle in
/// more documents than the posting cap, so the index proposes none of its
/// pairs. Each document is keyed by [`NEAR_KEYS`] min-hashes of its
/// sample; two documents share a key with a probability equal to their
/// resemblance, so near-copies (resemblance near 1) share at least one
/// almost surely. Each group of documents sharing a key is proposed as a
/// star around its largest member (most shingles, then lowest number): as
/// many pairs as members, and the cluster stage verifies each exactly.
///
/// The centres of the groups one document belongs to are proposed with
/// each other too. Otherwise the centre of a small group, whose members
/// also sit in the large group of another key, is paired only with its
/// own members: the cluster stage, which takes the largest documents
/// first, would find none of its partners placed yet and found a cluster
/// of its own beside the story's.
fn near_copies<F: Fingerprints + ?Sized>(
    signatures: &F,
    blocks: &[Vec<u32>],
) -> Vec<CandidatePair> {
    let pair = |x: u32, y: u32| CandidatePair {
        a: DocId(x.min(y)),
        b: DocId(x.max(y)),
    };
    // Every original's keys, its samples read a block at a time.
    let mut keys: Vec<(u32, [u64; NEAR_KEYS as usize])> = Vec::new();
    for block in blocks {
        let samples = signatures.samples(block);
        keys.par_extend(block.par_iter().filter_map(|&d| {
            let sample = samples.sample(d);
            let mut of_d = [0; NEAR_KEYS as usize];
            for (seed, key) in of_d.iter_mut().enumerate() {
                *key = near_key_of(sample, seed as u64)?;
            }
            Some((d, of_d))
        }));
    }
    // (document, centre of a group it belongs to), for every key.
    let mut centres: Vec<(u32, u32)> = (0..NEAR_KEYS)
        .into_par_iter()
        .flat_map_iter(|seed| group_centres(signatures, &keys, seed as usize))
        .collect();
    drop(keys);
    let mut out: Vec<CandidatePair> = centres
        .iter()
        .filter(|&&(d, centre)| d != centre)
        .map(|&(d, centre)| pair(d, centre))
        .collect();
    centres.par_sort_unstable();
    centres.dedup();
    for of_one in centres.chunk_by(|x, y| x.0 == y.0) {
        for (i, &(_, x)) in of_one.iter().enumerate() {
            out.extend(of_one[i + 1..].iter().map(|&(_, y)| pair(x, y)));
        }
    }
    out
}

/// Each document in a group of originals sharing the near-copy key of
/// `seed`, with the group's centre: its largest member (most shingles, then
/// lowest number). `keys` are the originals' keys under every seed.
fn group_centres<F: Fingerprints + ?Sized>(
    signatures: &F,
    keys: &[(u32, [u64; NEAR_KEYS as usize])],
    seed: usize,
) -> Vec<(u32, u32)> {
    let mut keyed: Vec<(u64, u32)> = keys.iter().map(|&(d, k)| (k[seed], d)).collect();
    keyed.sort_unstable();
    let size = |d: u32| signatures.shingle_count(d);
    let mut centres = Vec::new();
    for group in keyed.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
        let centre = group
            .iter()
            .map(|&(_, d)| d)
            .max_by_key(|&d| (size(d), std::cmp::Reverse(d)))
            .expect("a group has members");
        centres.extend(group.iter().map(|&(_, d)| (d, centre)));
    }
    centres
}

/// A hash of `h` under `seed` (splitmix64's finalizer): one independent
/// ordering of the shingle hashes per seed.
fn mix(h: u64, seed: u64) -> u64 {
    let mut x = h ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Splits the documents with a fingerprint into originals, the first of
/// each set of identical fingerprints, and the pairs (original, copy) of
/// the rest. Only originals go into the index: a thousand identical copies
/// would otherwise make every one of their shingles a posting too long to
/// keep (and half a million pairs), while all they need is to join their
/// original. Nothing else changes: an exact copy matches its original and
/// every document its original matches.
fn exact_copies<F: Fingerprints + ?Sized>(signatures: &F) -> (Vec<u32>, Vec<CandidatePair>) {
    let mut keyed: Vec<(u64, u32)> = (0..signatures.count() as u32)
        .into_par_iter()
        .filter(|&d| signatures.shingle_count(d) > 0)
        .map(|d| (signatures.key(d), d))
        .collect();
    keyed.par_sort_unstable();
    let groups = || keyed.chunk_by(|x, y| x.0 == y.0);
    // Each document of a key's group beside the group's first, compared
    // whole with it in one pass (read back a window at a time when
    // spilled).
    let beside_first: Vec<CandidatePair> = groups()
        .flat_map(|g| g[1..].iter().map(|&(_, d)| (g[0].1, d)))
        .map(|(a, b)| CandidatePair {
            a: DocId(a),
            b: DocId(b),
        })
        .collect();
    let mut copies = signatures.pairs_passing(&beside_first, &|a, b| a == b);
    let mut originals: Vec<u32> = groups().map(|g| g[0].1).collect();
    // A document unlike its group's first shares the key by chance (it
    // has 64 bits, so this is rare): such documents are sorted out as
    // `originals_of` sorts a group, their group's first beside them.
    let unlike = unlike_their_first(&beside_first, &copies);
    for of_first in unlike.chunk_by(|x, y| x.a == y.a) {
        let members = std::iter::once(of_first[0].a).chain(of_first.iter().map(|p| p.b));
        let whole: Vec<(u32, Whole<'_>)> = members.map(|d| (d.0, signatures.whole(d.0))).collect();
        let group: Vec<(u32, Print<'_>)> = whole.iter().map(|(d, s)| (*d, s.print())).collect();
        originals.extend(originals_of(&group, &mut copies).into_iter().skip(1));
    }
    originals.sort_unstable();
    (originals, copies)
}

/// The pairs of `pairs` that are not in `passed`, a subsequence of it.
fn unlike_their_first(pairs: &[CandidatePair], passed: &[CandidatePair]) -> Vec<CandidatePair> {
    let mut passed = passed.iter().peekable();
    pairs
        .iter()
        .filter(|&p| passed.next_if_eq(&p).is_none())
        .copied()
        .collect()
}

/// The originals among documents of one [`fingerprint_key`], given in
/// number order: the first of each set of identical fingerprints. Each
/// other document is added to `copies`, paired with its original. A key
/// collision between different fingerprints only makes another original.
pub fn originals_of(group: &[(u32, Print<'_>)], copies: &mut Vec<CandidatePair>) -> Vec<u32> {
    let mut firsts: Vec<(u32, Print<'_>)> = Vec::new();
    for &(d, s) in group {
        match firsts.iter().find(|(_, f)| *f == s) {
            Some(&(f, _)) => copies.push(CandidatePair {
                a: DocId(f),
                b: DocId(d),
            }),
            None => firsts.push((d, s)),
        }
    }
    firsts.into_iter().map(|(d, _)| d).collect()
}

/// The key that groups identical fingerprints: a hash of the shingles
/// and the sample.
pub fn fingerprint_key(s: &Signature) -> u64 {
    let mut bytes = Vec::with_capacity(4 * (s.shingles.len() + s.sample.len()));
    bytes.extend(s.shingles.iter().flat_map(|h| h.to_le_bytes()));
    bytes.extend(s.sample.iter().flat_map(|h| h.to_le_bytes()));
    xxh3_64_with_seed(&bytes, SEED)
}

/// How many indexed shingles a pair whose smaller sample has `smaller`
/// of them must share to be a candidate.
pub fn shared_needed(smaller: usize, config: &Config) -> u32 {
    let by_fraction = (config.sketch.min_shared_fraction * smaller as f64).ceil() as u32;
    config
        .sketch
        .min_shared_samples
        .max(by_fraction)
        .min(smaller as u32)
        .max(1)
}

/// The candidate index is built in this many parts of the hash range.
const INDEX_PARTS: u32 = 16;

/// Most parts of the candidate index built at once.
const INDEX_WAVE: u32 = 4;

/// The part of the hash range a sampled hash falls in is its top bits.
const INDEX_PART_SHIFT: u32 = 32 - INDEX_PART_BITS;

/// The top bits of a shingle that give its part.
const INDEX_PART_BITS: u32 = INDEX_PARTS.trailing_zeros();

/// The inverted index from sampled shingle to the documents of one block
/// ([`index_blocks`]), by their places in the block, with the postings
/// [`Kept`] keeps. Built in [`INDEX_PARTS`] parts of the hash range, in
/// parallel, each from a sort of its (shingle, place) pairs; a part's
/// postings are slices of one array.
struct Index {
    /// The parts, by the top bits of the shingles they hold.
    parts: Vec<IndexPart>,
    /// The block's documents, by place.
    docs: Vec<u32>,
    /// Each document's sample size, by place: compared for every posting
    /// entry, so kept apart from the fingerprints, in a few megabytes that
    /// stay in the cache.
    sizes: Vec<u32>,
    /// Each document's sample as a [`SampleBits`], by place: a partner's
    /// fingerprint is read only when its bits leave it able to reach the
    /// shingles it needs.
    bits: Vec<SampleBits>,
}

/// A sample as a 512-bit filter: one bit set for each sampled shingle,
/// picked by the shingle's low bits. A shingle whose bit is unset is not
/// in the sample, so the shingles of a list whose bits are set bound from
/// above how many of them the sample holds. One cache line per document,
/// where reading its sample takes two or more.
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct SampleBits([u64; 8]);

impl SampleBits {
    fn of(sample: &[u32]) -> SampleBits {
        let mut bits = SampleBits::default();
        for &h in sample {
            let (word, bit) = SampleBits::slot(h);
            bits.0[word] |= bit;
        }
        bits
    }

    /// The word and bit of `h`: its low nine bits.
    fn slot(h: u32) -> (usize, u64) {
        ((h as usize >> 6) & 7, 1 << (h & 63))
    }

    /// Whether `h` may be in the sample: certainly not when `false`.
    fn may_hold(&self, h: u32) -> bool {
        let (word, bit) = SampleBits::slot(h);
        self.0[word] & bit != 0
    }

    /// How many of `shingles` may be in the sample: at least as many as are.
    fn may_hold_count(&self, shingles: &[u32]) -> usize {
        shingles.iter().filter(|&&h| self.may_hold(h)).count()
    }
}

/// The postings of one part of the hash range.
///
/// The kept shingles are held sorted, each with where its posting starts,
/// and found through a directory of buckets (the shingle's bits below the
/// part's), about two shingles to a bucket: ten bytes per kept shingle,
/// where a hash map, its size a power of two, takes 15 to 30.
struct IndexPart {
    /// Each kept shingle, sorted, with where its posting starts in
    /// `docs`; then a last entry whose start is the end of the last
    /// posting.
    keys: Vec<(u32, u32)>,
    /// For each bucket, the first of `keys` in it or past it; then the
    /// number of kept shingles.
    buckets: Vec<u32>,
    /// How far a shingle's bits below the part's are shifted to give its
    /// bucket.
    shift: u32,
    docs: Vec<u32>,
}

impl Index {
    /// The index of `docs`, whose samples are `samples`.
    fn build(samples: &Samples<'_>, docs: &[u32], kept: &Kept) -> Index {
        // At most INDEX_WAVE parts are built at once, so that only that
        // many parts' (shingle, place) pairs are held beside the
        // fingerprints however many threads there are: the search's peak.
        // Each wave reads every sample once for all of its parts.
        let mut parts = Vec::with_capacity(INDEX_PARTS as usize);
        for wave in (0..INDEX_PARTS).step_by(INDEX_WAVE as usize) {
            let gathered = gather_wave(samples, docs, wave);
            parts.par_extend(
                gathered
                    .into_par_iter()
                    .map(|entries| IndexPart::of_entries(entries, kept)),
            );
        }
        let (sizes, bits) = docs
            .par_iter()
            .map(|&d| {
                let sample = samples.sample(d);
                (sample.len() as u32, SampleBits::of(sample))
            })
            .unzip();
        Index {
            parts,
            docs: docs.to_vec(),
            sizes,
            bits,
        }
    }

    /// The range of its part's keys that holds `shingle` if it is kept:
    /// its bucket's.
    fn keys_of(&self, shingle: u32) -> (u32, u32) {
        self.part(shingle).keys_of(shingle)
    }

    /// The length of the posting of `shingle` and where it starts, when
    /// it is kept, looked for among the keys [`Index::keys_of`] gave.
    fn find_in(&self, shingle: u32, keys: (u32, u32)) -> Option<(u32, u32)> {
        self.part(shingle).find_in(shingle, keys)
    }

    /// The posting of `shingle`, `len` documents from `start` (as
    /// [`Index::find`] gave them).
    fn posting_at(&self, shingle: u32, start: u32, len: u32) -> &[u32] {
        &self.part(shingle).docs[start as usize..(start + len) as usize]
    }

    /// The part that holds `shingle`, by its top bits.
    fn part(&self, shingle: u32) -> &IndexPart {
        &self.parts[(shingle >> INDEX_PART_SHIFT) as usize]
    }
}

/// Documents whose samples one task of [`gather_wave`] reads.
const GATHER_CHUNK: usize = 8192;

/// The (shingle, place in `docs`) pairs of the sampled shingles of `docs`
/// whose top bits are one of the [`INDEX_WAVE`] parts from `wave`, by
/// part: each sample read once, in parallel over chunks of documents,
/// each chunk's pairs then moved into their parts in order of place.
fn gather_wave(samples: &Samples<'_>, docs: &[u32], wave: u32) -> Vec<Vec<(u32, u32)>> {
    let parts = INDEX_WAVE as usize;
    let mut chunks: Vec<Vec<Vec<(u32, u32)>>> = docs
        .par_chunks(GATHER_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            // Each document's shingles in the wave, counted by part first,
            // so that the pairs are held without spare capacity.
            let in_wave = |doc: u32| {
                let sample = samples.sample(doc);
                let from = sample.partition_point(|&h| h >> INDEX_PART_SHIFT < wave);
                sample[from..]
                    .iter()
                    .map(|&h| (h, ((h >> INDEX_PART_SHIFT) - wave) as usize))
                    .take_while(|&(_, part)| part < parts)
            };
            let mut counts = vec![0; parts];
            for &doc in chunk {
                in_wave(doc).for_each(|(_, part)| counts[part] += 1);
            }
            let mut out: Vec<Vec<(u32, u32)>> =
                counts.into_iter().map(Vec::with_capacity).collect();
            for (i, &doc) in chunk.iter().enumerate() {
                let place = (c * GATHER_CHUNK + i) as u32;
                in_wave(doc).for_each(|(h, part)| out[part].push((h, place)));
            }
            out
        })
        .collect();
    (0..parts)
        .map(|part| {
            let len = chunks.iter().map(|c| c[part].len()).sum();
            let mut entries = Vec::with_capacity(len);
            // Each chunk's pairs freed as they are moved: the wave's pairs
            // are held once, not twice.
            for chunk in &mut chunks {
                entries.extend_from_slice(&std::mem::take(&mut chunk[part]));
            }
            entries
        })
        .collect()
}

impl IndexPart {
    /// The postings of one part's (shingle, place) pairs that `kept` keeps.
    fn of_entries(mut entries: Vec<(u32, u32)>, kept: &Kept) -> IndexPart {
        entries.sort_unstable();
        let kept = |g: &&[(u32, u32)]| kept.keeps(g[0].0, g.len());
        let groups = || entries.chunk_by(|x, y| x.0 == y.0).filter(kept);
        let mut keys = Vec::with_capacity(groups().count() + 1);
        let mut postings = Vec::with_capacity(groups().map(<[_]>::len).sum());
        for group in groups() {
            keys.push((group[0].0, postings.len() as u32));
            postings.extend(group.iter().map(|&(_, d)| d));
        }
        keys.push((u32::MAX, postings.len() as u32));
        let kept = keys.len() - 1;
        // About two shingles to a bucket.
        let bits = (usize::BITS - (kept / 2).leading_zeros()).min(32 - INDEX_PART_BITS);
        let mut part = IndexPart {
            keys,
            buckets: Vec::with_capacity((1 << bits) + 1),
            shift: 32 - bits,
            docs: postings,
        };
        for i in 0..kept {
            let bucket = part.bucket(part.keys[i].0);
            while part.buckets.len() <= bucket {
                part.buckets.push(i as u32);
            }
        }
        part.buckets.resize((1 << bits) + 1, kept as u32);
        part
    }

    /// The bucket of a shingle of this part: the top bits of its bits
    /// below the part's.
    fn bucket(&self, shingle: u32) -> usize {
        (u64::from(shingle << INDEX_PART_BITS) >> self.shift) as usize
    }

    /// The length of the posting of `shingle` and where it starts, when
    /// it is kept.
    #[cfg(test)]
    fn find(&self, shingle: u32) -> Option<(u32, u32)> {
        self.find_in(shingle, self.keys_of(shingle))
    }

    /// The range of keys of the bucket of `shingle`.
    fn keys_of(&self, shingle: u32) -> (u32, u32) {
        let bucket = self.bucket(shingle);
        (self.buckets[bucket], self.buckets[bucket + 1])
    }

    /// The length of the posting of `shingle` and where it starts, when
    /// it is kept, looked for among the keys `from..to`.
    fn find_in(&self, shingle: u32, (from, to): (u32, u32)) -> Option<(u32, u32)> {
        for i in from as usize..to as usize {
            let (key, start) = self.keys[i];
            if key == shingle {
                return Some((self.keys[i + 1].1 - start, start));
            }
            if key > shingle {
                break;
            }
        }
        None
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
    fn an_index_part_finds_its_kept_shingles_and_nothing_else() {
        // Shingles of part 3 at the edges of its range and between, in
        // postings of 1 to 4 documents; a cap of 3 keeps those of 2 and 3.
        let part = 3 << INDEX_PART_SHIFT;
        let top = part | ((1 << INDEX_PART_SHIFT) - 1);
        let shingles = [part, part + 1, part + 2, part + 0x0100_0000, top - 1, top];
        let mut entries = Vec::new();
        for (i, &h) in shingles.iter().enumerate() {
            entries.extend((0..(i % 4 + 1) as u32).map(|d| (h, 10 * i as u32 + d)));
        }
        entries.reverse();
        let index = IndexPart::of_entries(entries, &Kept::UpTo(3));
        let mut start = 0;
        for (i, &h) in shingles.iter().enumerate() {
            let len = (i % 4 + 1) as u32;
            if (2..=3).contains(&len) {
                assert_eq!(index.find(h), Some((len, start)), "{h:#x}");
                let docs: Vec<u32> = (0..len).map(|d| 10 * i as u32 + d).collect();
                assert_eq!(index.docs[start as usize..(start + len) as usize], docs);
                start += len;
            } else {
                assert_eq!(index.find(h), None, "{h:#x}: posting of {len}");
            }
        }
        for absent in [part + 3, part + 0x00ff_ffff, top - 2] {
            assert_eq!(index.find(absent), None, "{absent:#x}");
        }
        assert_eq!(
            IndexPart::of_entries(Vec::new(), &Kept::UpTo(3)).find(part),
            None
        );
    }

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
    fn long_postings_propose_no_pair_of_their_own() {
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
        // Only the near-copy keys pair them: a star around the largest.
        let pairs = candidates(&sigs, &config);
        assert!(pairs.len() <= 2, "{pairs:?}");
        let (_, centre) = (0..3).map(|d| (sigs[d].shingles.len(), d)).max().unwrap();
        assert!(
            pairs
                .iter()
                .all(|p| p.a.index() == centre || p.b.index() == centre)
        );
    }

    #[test]
    fn thousands_of_near_copies_are_proposed_past_the_posting_cap() {
        let config = Config::builder().max_posting(50).build().unwrap();
        let text: Vec<&str> = ARTICLE.split(' ').collect();
        let sigs: Vec<Signature> = (0..200)
            .map(|i| {
                let mut w: Vec<String> = text.iter().map(|s| s.to_string()).collect();
                let at = i % w.len();
                w[at] = format!("edit{i}");
                signature(&words(&w.join(" ")), &config)
            })
            .collect();
        let pairs = candidates(&sigs, &config);
        let mut joined = vec![false; sigs.len()];
        for p in &pairs {
            joined[p.a.index()] = true;
            joined[p.b.index()] = true;
        }
        assert!(joined.iter().all(|&j| j), "every near-copy is proposed");
        assert!(pairs.len() < 4 * sigs.len(), "stars, not all pairs");
    }

    #[test]
    fn a_wave_gathers_each_parts_pairs_in_order_of_place() {
        // More documents than one gathering task reads, with samples
        // spread over every part of the hash range.
        let sigs: Vec<Signature> = (0..2 * GATHER_CHUNK as u32 + 5)
            .map(|d| {
                let mut sample: Vec<u32> = (0..6)
                    .map(|i| (d.wrapping_mul(2_654_435_761) ^ (i * 0x3000_0001)).rotate_left(i))
                    .collect();
                sample.sort_unstable();
                sample.dedup();
                Signature {
                    sample,
                    ..Signature::default()
                }
            })
            .collect();
        let docs: Vec<u32> = (0..sigs.len() as u32).rev().collect();
        for wave in (0..INDEX_PARTS).step_by(INDEX_WAVE as usize) {
            let gathered = gather_wave(&sigs.samples(&docs), &docs, wave);
            assert_eq!(gathered.len(), INDEX_WAVE as usize);
            for (i, entries) in gathered.iter().enumerate() {
                let part = wave + i as u32;
                let expected: Vec<(u32, u32)> = (0..docs.len() as u32)
                    .flat_map(|p| {
                        let sample = &sigs[docs[p as usize] as usize].sample;
                        sample.iter().map(move |&h| (h, p))
                    })
                    .filter(|&(h, _)| h >> INDEX_PART_SHIFT == part)
                    .collect();
                assert!(!expected.is_empty());
                assert_eq!(entries, &expected, "part {part}");
            }
        }
    }

    #[test]
    fn short_texts_get_one_shingle() {
        assert_eq!(sig("two words").shingles.len(), 1);
        assert!(signature(&[], &Config::default()).shingles.is_empty());
    }

    /// The pairs counting every posting would find: what [`Probe`] must
    /// find without walking the longest postings.
    fn counted_pairs(signatures: &[Signature], config: &Config) -> Vec<(u32, u32)> {
        let (originals, _) = exact_copies(signatures);
        // A shingle is indexed when 2 to `max_posting` originals have it.
        let indexed = |h: &u32| {
            let posting = originals
                .iter()
                .filter(|&&d| signatures[d as usize].sample.binary_search(h).is_ok())
                .count();
            (2..=config.sketch.max_posting).contains(&posting)
        };
        let mut out = Vec::new();
        for (i, &a) in originals.iter().enumerate() {
            for &b in &originals[i + 1..] {
                let (sa, sb) = (
                    &signatures[a as usize].sample,
                    &signatures[b as usize].sample,
                );
                let shared = sa
                    .iter()
                    .filter(|&&h| sb.binary_search(&h).is_ok() && indexed(&h))
                    .count() as u32;
                if shared >= shared_needed(sa.len().min(sb.len()), config) {
                    out.push((a, b));
                }
            }
        }
        out
    }

    /// Fingerprints whose samples (and shingles) are `samples` spread
    /// over the hash range, so that the index's parts are all in play, and
    /// over the low bits, so that the samples' filter bits are too.
    fn spread(samples: Vec<std::collections::BTreeSet<u32>>) -> Vec<Signature> {
        let spread = |h: u32| h * 100_000_007;
        samples
            .into_iter()
            .map(|s| Signature {
                shingles: s.iter().copied().map(spread).collect(),
                sample: s.into_iter().map(spread).collect(),
                ..Signature::default()
            })
            .collect()
    }

    /// Fingerprints held whole under keys of the test's choosing, so that
    /// different fingerprints can share one.
    struct Keyed(Vec<Signature>, Vec<u64>);

    impl Fingerprints for Keyed {
        fn count(&self) -> usize {
            self.0.len()
        }
        fn sample_len(&self, d: u32) -> usize {
            self.0.sample_len(d)
        }
        fn samples(&self, docs: &[u32]) -> Samples<'_> {
            self.0.samples(docs)
        }
        fn shingle_count(&self, d: u32) -> usize {
            self.0.shingle_count(d)
        }
        fn key(&self, d: u32) -> u64 {
            self.1[d as usize]
        }
        fn whole(&self, d: u32) -> Whole<'_> {
            self.0.whole(d)
        }
    }

    proptest::proptest! {
        #[test]
        fn exact_copies_are_sorted_out_as_each_keys_group_would_be_alone(
            docs in proptest::collection::vec((0usize..4, 0u64..3), 0..30),
        ) {
            let pool = [sig(ARTICLE), sig("a short notice of a dividend paid"), sig("markets fell and rates rose"), Signature::default()];
            let prints = Keyed(
                docs.iter().map(|&(p, _)| pool[p].clone()).collect(),
                docs.iter().map(|&(_, k)| k).collect(),
            );
            // Each key's group alone, in number order, as `originals_of` takes it.
            let (mut originals, mut copies) = (Vec::new(), Vec::new());
            for key in 0..3 {
                let whole: Vec<(u32, Whole<'_>)> = (0..docs.len() as u32)
                    .filter(|&d| prints.key(d) == key && prints.shingle_count(d) > 0)
                    .map(|d| (d, prints.whole(d)))
                    .collect();
                let group: Vec<(u32, Print<'_>)> = whole.iter().map(|(d, w)| (*d, w.print())).collect();
                originals.extend(originals_of(&group, &mut copies));
            }
            originals.sort_unstable();
            copies.sort_unstable();
            let (found, mut found_copies) = exact_copies(&prints);
            found_copies.sort_unstable();
            proptest::prop_assert_eq!(found, originals);
            proptest::prop_assert_eq!(found_copies, copies);
        }

        #[test]
        fn a_keys_words_are_hashed_as_its_whitespace_splits_them(
            text in "[a-zA-Z0-9 .,'\t\n-]{0,60}|\\PC{0,30}",
            joined in "[a-z ]{0,10}",
        ) {
            // Rejoined paragraphs' keys are joined with a space, either
            // of them possibly empty.
            let fold = crate::normalize::text::fold_key;
            let key = format!("{} {}", fold(&text), fold(&joined));
            let mut hashed = Vec::new();
            hash_words(&key, &mut hashed);
            let expected: Vec<u64> = key
                .split_whitespace()
                .map(|w| xxh3_64_with_seed(w.as_bytes(), SEED))
                .collect();
            proptest::prop_assert_eq!(hashed, expected);
        }

        #[test]
        fn sample_bits_never_miss_a_member(
            sample in proptest::collection::btree_set(proptest::num::u32::ANY, 0..200),
            others in proptest::collection::vec(proptest::num::u32::ANY, 0..50),
        ) {
            let sample: Vec<u32> = sample.into_iter().collect();
            let bits = SampleBits::of(&sample);
            proptest::prop_assert!(sample.iter().all(|&h| bits.may_hold(h)));
            let mut list = others.clone();
            list.extend(sample.iter().step_by(3));
            let held = list.iter().filter(|h| sample.binary_search(h).is_ok()).count();
            proptest::prop_assert!(bits.may_hold_count(&list) >= held);
        }

        #[test]
        fn the_prefix_filter_finds_exactly_the_counted_pairs(
            samples in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40, 1..25), 2..40),
            cap in 2usize..30,
        ) {
            let config = Config::builder().max_posting(cap).build().unwrap();
            let signatures = spread(samples);
            let (originals, _) = exact_copies(&signatures);
            let samples = signatures.samples(&originals);
            let index = Index::build(&samples, &originals, &Kept::UpTo(cap));
            let mut probe = Probe::default();
            let mut found: Vec<(u32, u32)> = originals
                .iter()
                .flat_map(|&a| probe.pairs_of(a, samples.sample(a), &index, &samples, &config))
                .map(|p| (p.a.0, p.b.0))
                .collect();
            found.sort_unstable();
            found.dedup();
            proptest::prop_assert_eq!(found, counted_pairs(&signatures, &config));
        }

        #[test]
        fn an_index_in_blocks_finds_the_pairs_of_one_index(
            samples in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40, 1..25), 2..60),
            cap in 2usize..30,
            limit in 1u64..4_000,
        ) {
            // A limit small enough to cut the originals into one to
            // hundreds of blocks.
            let config = Config::builder().max_posting(cap).build().unwrap();
            let limited = Config::builder()
                .max_posting(cap)
                .memory_limit(Some(limit * INDEX_SHARE))
                .build()
                .unwrap();
            let signatures = spread(samples);
            let (originals, _) = exact_copies(&signatures);
            let blocks = index_blocks(&signatures, &originals, &limited);
            proptest::prop_assert_eq!(blocks.concat(), originals);
            let cost = |d: u32| INDEX_DOC_BYTES + INDEX_SHINGLE_BYTES * signatures[d as usize].sample.len() as u64;
            for block in &blocks {
                let taken: u64 = block.iter().map(|&d| cost(d)).sum();
                proptest::prop_assert!(block.len() == 1 || taken <= limit);
            }
            proptest::prop_assert_eq!(
                candidates(&signatures, &limited),
                candidates(&signatures, &config)
            );
        }

        #[test]
        fn common_shingles_are_those_of_more_originals_than_the_cap(
            samples in proptest::collection::vec(
                proptest::collection::btree_set(0u32..12, 1..10), 1..50),
            cap in 1usize..20,
            cut in proptest::collection::btree_set(1usize..50, 0..6),
        ) {
            let signatures: Vec<Signature> = samples
                .into_iter()
                .map(|s| Signature { sample: s.into_iter().collect(), ..Signature::default() })
                .collect();
            let originals: Vec<u32> = (0..signatures.len() as u32).collect();
            let mut blocks = Vec::new();
            let mut from = 0;
            for &at in cut.iter().filter(|&&at| at < originals.len()) {
                blocks.push(originals[from..at].to_vec());
                from = at;
            }
            blocks.push(originals[from..].to_vec());
            let expected: Vec<u32> = (0..12)
                .filter(|h| signatures.iter().filter(|s| s.sample.contains(h)).count() > cap)
                .collect();
            proptest::prop_assert_eq!(
                common_shingles(&signatures, &blocks, cap),
                expected
            );
        }
    }
}
