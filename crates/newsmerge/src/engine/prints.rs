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
//! verification of candidate pairs reads them. Spilling
//! ([`crate::ConfigBuilder::spill`]), they are written instead to an
//! unnamed temporary file as each document is fingerprinted, and
//! verification reads a document's back with a positioned read, from the
//! page cache while the system has memory to spare. Both give the same
//! clusters.

use crate::config::{Config, Spillable};
use crate::error::{Error, Result};
use crate::sketch::{Fingerprints, Print, Signature, Whole, encode_opening, fingerprint_key};
use crate::spill::{Span, Spilled, Spilling};
use std::sync::Mutex;

/// Takes the fingerprints as they are made, on any thread.
pub(crate) struct PrintKeeper {
    blocks: Blocks,
    spill: Option<Spilling>,
}

/// A fingerprint once kept: where it lies, and what is known of it
/// without reading it.
pub(crate) struct KeptPrint {
    slot: Slot,
    spilled: Option<Span>,
}

/// Where one fingerprint lies in the blocks: from `at`, its sample, its
/// names, then (unless spilled) its shingles and encoded opening, `len`
/// words in all.
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
        Ok(PrintKeeper {
            blocks: Blocks::default(),
            spill: super::spilling(config, Spillable::Prints)?,
        })
    }

    /// Keeps one fingerprint. A write that fails is reported by
    /// [`PrintKeeper::finish`].
    pub(crate) fn keep(&self, signature: Signature) -> KeptPrint {
        let mut words = Vec::with_capacity(
            signature.sample.len() + signature.names.len() + away_len(&signature),
        );
        words.extend_from_slice(&signature.sample);
        words.extend_from_slice(&signature.names);
        let spilled = match &self.spill {
            Some(spill) => Some(spill.put_bytes(&to_bytes(&away(&signature)))),
            None => {
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
        let mut spans = Vec::new();
        for k in kept {
            slots.push(k.slot);
            spans.extend(k.spilled);
        }
        let spilled = match self.spill {
            Some(spill) => Some((spill.seal()?, spans)),
            None => None,
        };
        Ok(Prints {
            blocks: self.blocks.into_inner(),
            slots,
            spilled,
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

    /// Document `d` as held: whole, or without shingles and opening when
    /// they were spilled.
    fn held(&self, d: u32) -> Print<'_> {
        let slot = &self.slots[d as usize];
        let words = self.words(slot);
        let (sample, rest) = words.split_at(slot.sample as usize);
        let (names, rest) = rest.split_at(slot.names as usize);
        let (shingles, opening) = rest.split_at((slot.shingles as usize).min(rest.len()));
        Print::with_encoded_opening(shingles, sample, names, slot.date, opening)
    }
}

impl Fingerprints for Prints {
    fn count(&self) -> usize {
        self.slots.len()
    }

    fn sample(&self, d: u32) -> &[u32] {
        let slot = &self.slots[d as usize];
        &self.words(slot)[..slot.sample as usize]
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
        match file.get_bytes(spans[d as usize]) {
            Ok(bytes) => Whole::read(held, from_bytes(&bytes), self.shingle_count(d)),
            Err(e) => {
                let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                failed.get_or_insert(e);
                Whole::lent(held)
            }
        }
    }
}

/// How many words a fingerprint's shingles and encoded opening take.
fn away_len(signature: &Signature) -> usize {
    let opening: usize = signature.opening.iter().map(|p| 1 + p.len()).sum();
    signature.shingles.len() + opening
}

/// What is spilled of a fingerprint: its shingles, then its encoded
/// opening.
fn away(signature: &Signature) -> Vec<u32> {
    let mut words = Vec::with_capacity(away_len(signature));
    words.extend_from_slice(&signature.shingles);
    encode_opening(&signature.opening, &mut words);
    words
}

/// Words as little-endian bytes.
fn to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// The words [`to_bytes`] wrote.
fn from_bytes(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
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
                    prop_assert_eq!(prints.sample(d), &s.sample[..]);
                    prop_assert_eq!(prints.key(d), fingerprint_key(s));
                }
                prints.finish().unwrap();
            }
        }
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

    #[test]
    fn spilled_and_held_fingerprints_give_the_same_pairs_and_clusters() {
        let sigs = signatures(&[(1, 400), (2, 300), (1, 400), (1, 150), (3, 80), (2, 300)]);
        let dir = tempfile::tempdir().unwrap();
        let (held, spilling) = (config(None), config(Some(dir.path())));
        let prints = |config: &Config| {
            let keeper = PrintKeeper::new(config).unwrap();
            let kept = sigs.iter().map(|s| keeper.keep(s.clone())).collect();
            keeper.finish(kept).unwrap()
        };
        let (a, b) = (prints(&held), prints(&spilling));
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
