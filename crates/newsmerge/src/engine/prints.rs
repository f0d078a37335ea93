//! Where the fingerprints are kept between fingerprinting and clustering.
//!
//! A fingerprint made of a few vectors of its own is a handful of small
//! allocations, made between the much larger, short-lived ones of reading
//! and normalizing; a million of them held together leave the allocator's
//! pages part used. So each is packed, as it is made, into large blocks
//! of words shared by every thread ([`Blocks`]): its sample, the
//! headline's names, then its shingles and opening. Candidate search and
//! verification read them in place ([`Print`]).
//!
//! The shingles and the opening are most of a fingerprint, and only the
//! verification of candidate pairs reads them; only the candidate search
//! reads the sample. Spilling ([`crate::ConfigBuilder::spill`]), the
//! sample, shingles and opening are written instead to an unnamed
//! temporary file as each document is fingerprinted, and the sample alone
//! to a second one; only the names stay in the blocks. Verification
//! reads the first file back a window at a time, in large reads, rather
//! than one document's per pair (see [`Prints::spilled_pairs_passing`]);
//! the split into clusters reads a document's back with a positioned
//! read; the candidate search reads the samples of a block of documents
//! at a time, each block one stretch of the second file
//! ([`Fingerprints::sample_order`]). All come from the page cache while
//! the system has memory to spare, and give the same clusters as held
//! fingerprints.

use crate::config::{Config, Spillable};
use crate::error::{Error, Result};
use crate::normalize::DocId;
use crate::sketch::{
    CandidatePair, Fingerprints, Pass, Print, Samples, Signature, Whole, encode_opening,
    fingerprint_key, pairs_passing,
};
use crate::spill::{Span, Spilled, Spilling};
use rayon::prelude::*;
use std::sync::Mutex;

/// Takes the fingerprints as they are made, on any thread.
pub(crate) struct PrintKeeper {
    blocks: Blocks,
    spill: Option<Spilling>,
    /// Spilling, the samples alone, in a file of their own: the candidate
    /// search reads them back a block of documents at a time.
    samples: Option<Spilling>,
}

/// A fingerprint once kept: where it lies, and what is known of it
/// without reading it.
pub(crate) struct KeptPrint {
    slot: Slot,
    /// Where its sample, shingles and opening are, and its sample alone.
    spilled: Option<(Span, Span)>,
}

/// Where one fingerprint lies in the blocks: from `at`, unless spilled
/// its sample, then its names, then unless spilled its shingles and
/// encoded opening, `len` words in all.
#[derive(Clone, Copy)]
struct Slot {
    at: u64,
    len: u32,
    sample: u32,
    names: u32,
    shingles: u32,
    date: Option<i32>,
    key: u64,
}

impl PrintKeeper {
    /// A keeper that spills to the configured folder, or holds everything.
    pub(crate) fn new(config: &Config) -> Result<PrintKeeper> {
        let spill = super::spilling(config, Spillable::Prints)?;
        let samples = match spill {
            Some(_) => super::spilling(config, Spillable::Prints)?,
            None => None,
        };
        Ok(PrintKeeper {
            blocks: Blocks::default(),
            spill,
            samples,
        })
    }

    /// Keeps one fingerprint. A write that fails is reported by
    /// [`PrintKeeper::finish`].
    pub(crate) fn keep(&self, signature: Signature) -> KeptPrint {
        let mut words = Vec::new();
        let spilled = match (&self.spill, &self.samples) {
            (Some(spill), Some(samples)) => {
                words.extend_from_slice(&signature.names);
                Some((
                    spill.put_bytes(&to_bytes(&away(&signature))),
                    samples.put_bytes(&to_bytes(&signature.sample)),
                ))
            }
            _ => {
                words.reserve_exact(signature.names.len() + away_len(&signature));
                words.extend_from_slice(&signature.sample);
                words.extend_from_slice(&signature.names);
                words.extend_from_slice(&signature.shingles);
                encode_opening(&signature.opening, &mut words);
                None
            }
        };
        let slot = Slot {
            at: self.blocks.put(&words),
            len: words.len() as u32,
            sample: signature.sample.len() as u32,
            names: signature.names.len() as u32,
            shingles: signature.shingles.len() as u32,
            date: signature.date,
            key: fingerprint_key(&signature),
        };
        KeptPrint { slot, spilled }
    }

    /// The fingerprints kept, numbered in the order given; the first
    /// write that failed, if any did.
    pub(crate) fn finish(self, kept: Vec<KeptPrint>) -> Result<Prints> {
        let mut slots = Vec::with_capacity(kept.len());
        let (mut spans, mut sample_spans) = (Vec::new(), Vec::new());
        for k in kept {
            slots.push(k.slot);
            if let Some((span, sample)) = k.spilled {
                spans.push(span);
                sample_spans.push(sample);
            }
        }
        let (spilled, samples) = match (self.spill, self.samples) {
            (Some(spill), Some(samples)) => (
                Some((spill.seal()?, spans)),
                Some((samples.seal()?, sample_spans)),
            ),
            _ => (None, None),
        };
        Ok(Prints {
            blocks: self.blocks.into_inner(),
            slots,
            spilled,
            samples,
            failed: Mutex::new(None),
        })
    }
}

/// Words appended on any thread into blocks of [`BLOCK_WORDS`] (or one
/// value's length, when longer), which never move once allocated: a
/// value's place is its block's number in the high 32 bits and its
/// offset in the block in the low.
#[derive(Default)]
struct Blocks(Mutex<Vec<Vec<u32>>>);

/// Words per block: 16 MiB, few enough blocks to allocate one at a time,
/// and at most one value's length left unused at the end of each.
const BLOCK_WORDS: usize = 1 << 22;

impl Blocks {
    fn put(&self, words: &[u32]) -> u64 {
        let mut blocks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if blocks
            .last()
            .is_none_or(|b| b.capacity() - b.len() < words.len())
        {
            blocks.push(Vec::with_capacity(BLOCK_WORDS.max(words.len())));
        }
        let number = blocks.len() - 1;
        let block = &mut blocks[number];
        let at = (number as u64) << 32 | block.len() as u64;
        block.extend_from_slice(words);
        at
    }

    fn into_inner(self) -> Vec<Vec<u32>> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every fingerprint of a corpus, by document number.
pub(crate) struct Prints {
    blocks: Vec<Vec<u32>>,
    slots: Vec<Slot>,
    spilled: Option<(Spilled, Vec<Span>)>,
    /// The samples alone, when spilled.
    samples: Option<(Spilled, Vec<Span>)>,
    /// The first read back that failed: the document read as having no
    /// shingles, so it matched nothing, and the run fails at [`Prints::finish`].
    failed: Mutex<Option<Error>>,
}

impl Prints {
    /// Frees the fingerprints; the first read back that failed, if any did.
    pub(crate) fn finish(self) -> Result<()> {
        match self.failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Document `d`'s words in the blocks.
    fn words(&self, slot: &Slot) -> &[u32] {
        let block = &self.blocks[(slot.at >> 32) as usize];
        let start = (slot.at & u64::from(u32::MAX)) as usize;
        &block[start..start + slot.len as usize]
    }

    /// Document `d` as held: whole, or only its names and date when it
    /// was spilled.
    fn held(&self, d: u32) -> Print<'_> {
        let slot = &self.slots[d as usize];
        let words = self.words(slot);
        let held_sample = if self.spilled.is_some() {
            0
        } else {
            slot.sample
        };
        let (sample, rest) = words.split_at(held_sample as usize);
        let (names, rest) = rest.split_at(slot.names as usize);
        let (shingles, opening) = rest.split_at((slot.shingles as usize).min(rest.len()));
        Print::with_encoded_opening(shingles, sample, names, slot.date, opening)
    }
}

impl Fingerprints for Prints {
    fn count(&self) -> usize {
        self.slots.len()
    }

    fn sample_len(&self, d: u32) -> usize {
        self.slots[d as usize].sample as usize
    }

    fn samples(&self, docs: &[u32]) -> Samples<'_> {
        let Some((file, spans)) = &self.samples else {
            return Samples::lent(|d| {
                let slot = &self.slots[d as usize];
                &self.words(slot)[..slot.sample as usize]
            });
        };
        // The file from the first of `docs`' samples to the end of the
        // last, read in one pass.
        let first = docs
            .iter()
            .map(|&d| spans[d as usize])
            .min_by_key(|s| s.offset());
        let last = docs
            .iter()
            .map(|&d| spans[d as usize])
            .max_by_key(|s| s.end());
        let mut words = Vec::new();
        let base = first.map_or(0, Span::offset);
        if let (Some(first), Some(last)) = (first, last)
            && let Err(e) = file.get_words_between(first, last, &mut words)
        {
            self.fail(e);
            words = Vec::new();
        }
        Samples::read(words, move |d| {
            let span = spans[d as usize];
            let start = (span.offset().saturating_sub(base) / 4) as usize;
            start..start + span.len() / 4
        })
    }

    fn sample_order(&self, docs: &[u32]) -> Vec<u32> {
        let mut order = docs.to_vec();
        if let Some((_, spans)) = &self.samples {
            order.par_sort_unstable_by_key(|&d| spans[d as usize].offset());
        }
        order
    }

    fn reads_samples_back(&self) -> bool {
        self.samples.is_some()
    }

    fn shingle_count(&self, d: u32) -> usize {
        self.slots[d as usize].shingles as usize
    }

    fn key(&self, d: u32) -> u64 {
        self.slots[d as usize].key
    }

    fn whole(&self, d: u32) -> Whole<'_> {
        let held = self.held(d);
        let Some((file, spans)) = &self.spilled else {
            return Whole::lent(held);
        };
        let mut words = Vec::new();
        match file.get_words(spans[d as usize], &mut words) {
            Ok(()) => Whole::read(held, words, self.sample_len(d), self.shingle_count(d)),
            Err(e) => {
                self.fail(e);
                Whole::lent(held)
            }
        }
    }

    fn pairs_passing(&self, pairs: &[CandidatePair], pass: &Pass<'_>) -> Vec<CandidatePair> {
        match &self.spilled {
            None => pairs_passing(self, pairs, pass),
            Some((file, spans)) => {
                let chunks = Chunks::new(spans, CHUNK_BYTES, HELD_CHUNKS, READ_COST_BYTES);
                self.spilled_pairs_passing(file, spans, &chunks, pairs, pass)
            }
        }
    }
}

/// Spilled fingerprints are verified a window of the spill file at a
/// time, each window read in one pass of large reads rather than one
/// read per pair: the file is cut into chunks of about this many bytes of
/// whole fingerprints, in file order...
const CHUNK_BYTES: u64 = 4 << 20;

/// ...and this many consecutive chunks are held at once (128 MiB), while
/// the chunks after them are read one by one for the pairs joining them
/// to the held ones...
const HELD_CHUNKS: usize = 32;

/// ...unless the pairs joining a later chunk to the held ones would read
/// fewer bytes than the chunk, each read counted at this many bytes more
/// than its length (a positioned read's own cost, in a profile at a
/// million documents, was that of copying about 2 KiB): then each pair's
/// later fingerprint is read alone. A corpus large enough to cut the file
/// into many windows pairs few documents of one window with one chunk,
/// and would otherwise read the file about once per window.
const READ_COST_BYTES: u64 = 4 << 10;

impl Prints {
    /// Records the first read back that failed.
    fn fail(&self, e: Error) {
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        failed.get_or_insert(e);
    }

    /// [`Fingerprints::pairs_passing`] over spilled fingerprints, a
    /// window at a time. Pairs are grouped by the held window of their
    /// earlier document in the file and the chunk of their later one. Each
    /// window is read once, and each later chunk once per window whose
    /// pairs with it would read more alone ([`Chunks::read_whole`]); the
    /// other pairs read their later fingerprint alone. With `n` windows
    /// the file is read at most about `n / 2` times over, in large reads,
    /// and never more than a read per pair.
    fn spilled_pairs_passing(
        &self,
        file: &Spilled,
        spans: &[Span],
        chunks: &Chunks,
        pairs: &[CandidatePair],
        pass: &Pass<'_>,
    ) -> Vec<CandidatePair> {
        let verifying = Verifying {
            prints: self,
            file,
            spans,
            chunks,
            groups: chunks.group(pairs),
            pairs,
            pass,
        };
        let mut passed: Vec<u32> = (0..chunks.windows())
            .flat_map(|w| verifying.window(w))
            .collect();
        passed.par_sort_unstable();
        passed.into_iter().map(|i| pairs[i as usize]).collect()
    }

    /// Document `d` with its spilled sample, shingles and opening `words`.
    fn print_in<'a>(&'a self, d: u32, words: &'a [u32]) -> Print<'a> {
        Whole::split(
            self.held(d),
            words,
            self.sample_len(d),
            self.shingle_count(d),
        )
    }
}

/// One verification of spilled fingerprints, a window at a time
/// ([`Prints::spilled_pairs_passing`]).
struct Verifying<'v> {
    prints: &'v Prints,
    file: &'v Spilled,
    spans: &'v [Span],
    chunks: &'v Chunks,
    groups: Groups,
    pairs: &'v [CandidatePair],
    pass: &'v Pass<'v>,
}

impl Verifying<'_> {
    /// The numbers of the passing pairs whose earlier document lies in
    /// window `w`, the window read once if any pair needs it.
    fn window(&self, w: usize) -> Vec<u32> {
        let (first, end) = self.chunks.held_in(w);
        let key = |c| self.chunks.key(w, c);
        let later = first..self.chunks.count();
        if later.clone().all(|c| self.groups.of(key(c)).is_empty()) {
            return Vec::new();
        }
        match Words::read(self.file, self.chunks.span(first, end)) {
            Ok(held) => later
                .into_par_iter()
                .flat_map_iter(|c| self.with_chunk(&held, end, c, self.groups.of(key(c))))
                .collect(),
            Err(e) => {
                self.prints.fail(e);
                Vec::new()
            }
        }
    }

    /// The numbers of the passing pairs of `group`, which join the
    /// window `held` (chunks before `end`) to chunk `c`: read whole when
    /// worth it, or each later fingerprint alone.
    fn with_chunk(&self, held: &Words, end: usize, c: usize, group: &[u32]) -> Vec<u32> {
        let whole = c >= end && self.chunks.read_whole(c, group, self.pairs, self.spans);
        let read = whole.then(|| Words::read(self.file, self.chunks.span(c, c + 1)));
        let chunk = match read.transpose() {
            Ok(chunk) => chunk,
            Err(e) => {
                self.prints.fail(e);
                return Vec::new();
            }
        };
        let outside = |d: DocId| self.chunks.of[d.index()] as usize >= end;
        // A fingerprint outside the window is in the chunk read, or read
        // alone.
        let alone = |d: DocId| (outside(d) && chunk.is_none()).then(|| self.prints.whole(d.0));
        let in_words = |d: DocId| {
            let from = chunk.as_ref().filter(|_| outside(d)).unwrap_or(held);
            self.prints.print_in(d.0, from.of(self.spans[d.index()]))
        };
        group
            .par_chunks(1 << 12)
            .flat_map_iter(|some| {
                some.iter()
                    .copied()
                    .filter(|&i| {
                        let p = self.pairs[i as usize];
                        let (a, b) = (alone(p.a), alone(p.b));
                        let a = a.as_ref().map_or_else(|| in_words(p.a), Whole::print);
                        let b = b.as_ref().map_or_else(|| in_words(p.b), Whole::print);
                        (self.pass)(&a, &b)
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// A spill file's fingerprints cut into chunks of whole ones in file
/// order, and the chunks into windows of consecutive chunks.
struct Chunks {
    /// Each document's chunk.
    of: Vec<u32>,
    /// Each chunk's place in the file.
    spans: Vec<Span>,
    /// Chunks per window.
    held: usize,
    /// What a read alone costs beyond its length, in bytes.
    read_cost: u64,
}

/// Pair numbers grouped by [`Chunks::key`]: group `k`'s are
/// `order[starts[k]..starts[k + 1]]`, in the order the pairs were given.
struct Groups {
    order: Vec<u32>,
    starts: Vec<usize>,
}

impl Groups {
    /// Group `k`'s pair numbers.
    fn of(&self, k: usize) -> &[u32] {
        &self.order[self.starts[k]..self.starts[k + 1]]
    }
}

impl Chunks {
    /// `spans`' values in chunks of at most `bytes` (or one value, when
    /// longer), `held` chunks to a window, a read alone costing
    /// `read_cost` bytes beyond its length.
    fn new(spans: &[Span], bytes: u64, held: usize, read_cost: u64) -> Chunks {
        let mut in_file: Vec<u32> = (0..spans.len() as u32).collect();
        in_file.sort_unstable_by_key(|&d| spans[d as usize].offset());
        let mut of = vec![0; spans.len()];
        let mut chunks: Vec<Span> = Vec::new();
        for d in in_file {
            let span = spans[d as usize];
            match chunks.last_mut() {
                Some(last) if span.end() - last.offset() <= bytes => *last = last.to(span),
                _ => chunks.push(span),
            }
            of[d as usize] = (chunks.len() - 1) as u32;
        }
        Chunks {
            of,
            spans: chunks,
            held: held.max(1),
            read_cost,
        }
    }

    fn count(&self) -> usize {
        self.spans.len()
    }

    fn windows(&self) -> usize {
        self.count().div_ceil(self.held)
    }

    /// The chunks window `w` holds: `first..end`.
    fn held_in(&self, w: usize) -> (usize, usize) {
        let first = w * self.held;
        (first, (first + self.held).min(self.count()))
    }

    /// Where chunks `first..end` lie in the file.
    fn span(&self, first: usize, end: usize) -> Span {
        self.spans[first].to(self.spans[end - 1])
    }

    /// The group of the pairs whose earlier document lies in window `w`
    /// and whose later one in chunk `later`.
    fn key(&self, w: usize, later: usize) -> usize {
        w * self.count() + later
    }

    /// The group of a pair.
    fn key_of(&self, p: CandidatePair) -> usize {
        let (x, y) = (self.of[p.a.index()] as usize, self.of[p.b.index()] as usize);
        self.key(x.min(y) / self.held, x.max(y))
    }

    /// Whether chunk `c` is read whole for `group`, its pairs with the
    /// held window: when reading each pair's fingerprint from the chunk
    /// alone would cost more ([`READ_COST_BYTES`]).
    fn read_whole(&self, c: usize, group: &[u32], pairs: &[CandidatePair], spans: &[Span]) -> bool {
        let chunk = self.spans[c].len() as u64;
        let mut alone = 0;
        for &i in group {
            let p = pairs[i as usize];
            let later = if self.of[p.a.index()] as usize == c {
                p.a
            } else {
                p.b
            };
            alone += spans[later.index()].len() as u64 + self.read_cost;
            if alone > chunk {
                return true;
            }
        }
        false
    }

    /// The pairs grouped by key, by counting.
    fn group(&self, pairs: &[CandidatePair]) -> Groups {
        let mut starts = vec![0usize; self.windows() * self.count() + 1];
        for &p in pairs {
            starts[self.key_of(p) + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; pairs.len()];
        for (i, &p) in pairs.iter().enumerate() {
            let k = self.key_of(p);
            order[next[k]] = i as u32;
            next[k] += 1;
        }
        Groups { order, starts }
    }
}

/// Spilled words read back from one place in the file.
struct Words {
    start: u64,
    words: Vec<u32>,
}

impl Words {
    fn read(file: &Spilled, span: Span) -> Result<Words> {
        let mut words = Vec::new();
        file.get_words(span, &mut words)?;
        Ok(Words {
            start: span.offset(),
            words,
        })
    }

    /// The words of the value at `span`, which lies within.
    fn of(&self, span: Span) -> &[u32] {
        let at = ((span.offset() - self.start) / 4) as usize;
        &self.words[at..at + span.len() / 4]
    }
}

/// How many words a fingerprint's sample, shingles and encoded opening
/// take.
fn away_len(signature: &Signature) -> usize {
    let opening: usize = signature.opening.iter().map(|p| 1 + p.len()).sum();
    signature.sample.len() + signature.shingles.len() + opening
}

/// What is spilled of a fingerprint: its sample, its shingles, then its
/// encoded opening.
fn away(signature: &Signature) -> Vec<u32> {
    let mut words = Vec::with_capacity(away_len(signature));
    words.extend_from_slice(&signature.sample);
    words.extend_from_slice(&signature.shingles);
    encode_opening(&signature.opening, &mut words);
    words
}

/// Words as little-endian bytes.
fn to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::{candidates, signature};
    use proptest::prelude::*;

    fn config(spill: Option<&std::path::Path>) -> Config {
        Config::builder()
            .spill(spill.map(std::path::Path::to_path_buf))
            .build()
            .unwrap()
    }

    /// Fingerprints of articles made of `words` words each, some of them
    /// copies of others.
    fn signatures(lengths: &[(u64, usize)]) -> Vec<Signature> {
        let config = config(None);
        lengths
            .iter()
            .map(|&(article, len)| {
                let words: Vec<u64> = (0..len as u64).map(|w| article * 10_000 + w).collect();
                let mut s = signature(&words, &config);
                s.opening = vec![s.shingles.iter().take(3).copied().collect()];
                s
            })
            .collect()
    }

    proptest! {
        #[test]
        fn kept_fingerprints_read_back_whole_held_or_spilled(
            prints in proptest::collection::vec(
                (
                    proptest::collection::vec(any::<u32>(), 0..50),
                    proptest::collection::vec(any::<u32>(), 0..5),
                    proptest::collection::vec(proptest::collection::vec(any::<u32>(), 0..5), 0..3),
                    proptest::collection::vec(any::<u32>(), 0..3),
                    proptest::option::of(any::<i32>()),
                ),
                0..8,
            ),
        ) {
            let sigs: Vec<Signature> = prints
                .into_iter()
                .map(|(shingles, sample, opening, names, date)| Signature { shingles, sample, opening, names, date })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            for spill in [None, Some(dir.path())] {
                let keeper = PrintKeeper::new(&config(spill)).unwrap();
                let kept = sigs.iter().map(|s| keeper.keep(s.clone())).collect();
                let prints = keeper.finish(kept).unwrap();
                prop_assert_eq!(prints.count(), sigs.len());
                for (d, s) in sigs.iter().enumerate() {
                    let d = d as u32;
                    let whole = prints.whole(d);
                    prop_assert_eq!(whole.print(), s.print());
                    let samples = prints.samples(&[d]);
                    prop_assert_eq!(samples.sample(d), &s.sample[..]);
                    prop_assert_eq!(prints.sample_len(d), s.sample.len());
                    prop_assert_eq!(prints.key(d), fingerprint_key(s));
                }
                prints.finish().unwrap();
            }
        }
    }

    proptest! {
        #[test]
        fn spilled_pairs_are_verified_a_window_at_a_time_as_held_ones_are(
            articles in proptest::collection::vec((0u64..4, 0usize..120), 2..14),
            chunk_bytes in 1u64..2_000,
            held_chunks in 0usize..4,
            read_cost in prop_oneof![Just(0u64), 0u64..1_000, Just(u64::MAX / 2)],
        ) {
            let sigs = signatures(&articles);
            let dir = tempfile::tempdir().unwrap();
            let keep = |config: &Config| {
                let keeper = PrintKeeper::new(config).unwrap();
                let kept = sigs.iter().map(|s| keeper.keep(s.clone())).collect();
                keeper.finish(kept).unwrap()
            };
            let (held, spilled) = (keep(&config(None)), keep(&config(Some(dir.path()))));
            let n = sigs.len() as u32;
            let pairs: Vec<CandidatePair> = (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| CandidatePair { a: DocId(a), b: DocId(b) }))
                .collect();
            // A test that reads every part of both fingerprints.
            let pass = |a: &Print<'_>, b: &Print<'_>| {
                crate::sketch::intersection_size(a.shingles, b.shingles) * 2 >= a.shingles.len().min(b.shingles.len())
                    && a.opens_inside(b) == b.opens_inside(a)
            };
            let expected = pairs_passing(&held, &pairs, &pass);
            let (file, spans) = spilled.spilled.as_ref().unwrap();
            let chunks = Chunks::new(spans, chunk_bytes, held_chunks, read_cost);
            prop_assert_eq!(spilled.spilled_pairs_passing(file, spans, &chunks, &pairs, &pass), expected.clone());
            prop_assert_eq!(spilled.pairs_passing(&pairs, &pass), expected);
            held.finish().unwrap();
            spilled.finish().unwrap();
        }
    }

    #[test]
    fn chunks_hold_whole_values_in_file_order_and_group_pairs_by_window_and_later_chunk() {
        // Documents 0..4 of 8, 12, 4 and 8 bytes, written in the order 2, 0, 3, 1.
        let spans = {
            let dir = tempfile::tempdir().unwrap();
            let spill = Spilling::create(dir.path(), false).unwrap();
            let mut spans = [None; 4];
            for (d, len) in [(2, 4), (0, 8), (3, 8), (1, 12)] {
                spans[d] = Some(spill.put_bytes(&vec![0; len]));
            }
            spans.map(Option::unwrap)
        };
        let chunks = Chunks::new(&spans, 12, 2, 0);
        // File order 2, 0 | 3 | 1: three chunks, two windows.
        assert_eq!(chunks.of, [0, 2, 0, 1]);
        assert_eq!((chunks.count(), chunks.windows()), (3, 2));
        assert_eq!(chunks.span(0, 2), spans[2].to(spans[3]));
        let pair = |a, b| CandidatePair {
            a: DocId(a),
            b: DocId(b),
        };
        let pairs = [pair(0, 1), pair(0, 2), pair(2, 3), pair(1, 3), pair(0, 3)];
        let groups = chunks.group(&pairs);
        assert_eq!(groups.of(chunks.key(0, 0)), [1]);
        assert_eq!(groups.of(chunks.key(0, 1)), [2, 4]);
        assert_eq!(groups.of(chunks.key(0, 2)), [0, 3]);
        assert!(groups.of(chunks.key(1, 2)).is_empty());
        // Chunk 2 is document 1 alone: one pair reads as much alone as the
        // chunk holds, two read more.
        assert!(!chunks.read_whole(2, &[0], &pairs, &spans));
        assert!(chunks.read_whole(2, &[0, 3], &pairs, &spans));
        let costly = Chunks::new(&spans, 12, 2, 1);
        assert!(costly.read_whole(2, &[0], &pairs, &spans));
    }

    #[test]
    fn values_longer_than_a_block_get_one_of_their_own() {
        let blocks = Blocks::default();
        let small = blocks.put(&[1, 2, 3]);
        let large = blocks.put(&vec![7; BLOCK_WORDS + 1]);
        let after = blocks.put(&[4]);
        let blocks = blocks.into_inner();
        assert_eq!((small, large, after), (0, 1 << 32, 2 << 32));
        assert_eq!(blocks[1].len(), BLOCK_WORDS + 1);
        assert_eq!(blocks[0], [1, 2, 3]);
    }

    /// `sigs` kept held, and kept spilled to `dir`.
    fn held_and_spilled(sigs: &[Signature], dir: &std::path::Path) -> (Prints, Prints) {
        let prints = |config: &Config| {
            let keeper = PrintKeeper::new(config).unwrap();
            let kept = sigs.iter().map(|s| keeper.keep(s.clone())).collect();
            keeper.finish(kept).unwrap()
        };
        (prints(&config(None)), prints(&config(Some(dir))))
    }

    proptest! {
        #[test]
        fn samples_read_back_a_block_at_a_time_give_the_pairs_of_held_ones(
            lengths in proptest::collection::vec((0u64..6, 5usize..200), 1..30),
            limit in 1u64..40_000,
        ) {
            let sigs = signatures(&lengths);
            let dir = tempfile::tempdir().unwrap();
            let (a, b) = held_and_spilled(&sigs, dir.path());
            prop_assert!(b.reads_samples_back() && !a.reads_samples_back());
            prop_assert!((0..sigs.len() as u32).all(|d| b.held(d).sample.is_empty()));
            // A posting cap low enough that the blocks must find the
            // shingles over it across the corpus.
            let search = |limit| {
                Config::builder()
                    .max_posting(3)
                    .memory_limit(limit)
                    .build()
                    .unwrap()
            };
            let expected = candidates(&a, &search(None));
            prop_assert_eq!(candidates(&a, &search(Some(limit))), expected.clone());
            prop_assert_eq!(candidates(&b, &search(Some(limit))), expected.clone());
            prop_assert_eq!(candidates(&b, &search(None)), expected);
            a.finish().unwrap();
            b.finish().unwrap();
        }
    }

    #[test]
    fn spilled_and_held_fingerprints_give_the_same_pairs_and_clusters() {
        let sigs = signatures(&[(1, 400), (2, 300), (1, 400), (1, 150), (3, 80), (2, 300)]);
        let dir = tempfile::tempdir().unwrap();
        let held = config(None);
        let (a, b) = held_and_spilled(&sigs, dir.path());
        assert!((0..sigs.len() as u32).all(|d| b.held(d).shingles.is_empty()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        for d in 0..sigs.len() as u32 {
            assert_eq!(b.whole(d).print(), sigs[d as usize].print());
            assert_eq!(
                (b.key(d), b.shingle_count(d)),
                (a.key(d), a.shingle_count(d))
            );
        }
        let pairs = candidates(&a, &held);
        assert_eq!(candidates(&b, &held), pairs);
        let clusters = crate::cluster::cluster(&a, &pairs, &held);
        assert_eq!(crate::cluster::cluster(&b, &pairs, &held), clusters);
        assert_eq!(clusters.len(), 3);
        a.finish().unwrap();
        b.finish().unwrap();
    }
}
