//! Where the fingerprints are kept between fingerprinting and clustering:
//! whole in memory, or, spilling ([`crate::ConfigBuilder::spill`]), with
//! their shingles and openings in an unnamed temporary file.
//!
//! The shingles and the opening are most of a fingerprint, and only the
//! verification of candidate pairs reads them. Spilled, they are written
//! out as each document is fingerprinted; memory keeps the rest (the
//! sample the candidate index is built from, the headline's names, the
//! date) with each document's shingle count and [`fingerprint_key`], and
//! verification reads a document's shingles back with a positioned read,
//! from the page cache while the system has memory to spare. Both give the
//! same clusters.

use crate::config::{Config, Spillable};
use crate::error::{Error, Result};
use crate::sketch::{Fingerprints, Signature, fingerprint_key};
use crate::spill::{Span, Spilled, Spilling};
use std::borrow::Cow;
use std::sync::Mutex;

/// Takes the fingerprints as they are made, on any thread.
pub(crate) struct PrintKeeper {
    spill: Option<Spilling>,
}

/// A fingerprint as fingerprinting leaves it.
pub(crate) struct KeptPrint {
    /// Whole, or without shingles and opening when they were spilled.
    signature: Signature,
    spilled: Option<Away>,
}

/// What is known of a spilled fingerprint's shingles without reading them.
#[derive(Clone, Copy)]
struct Away {
    span: Span,
    shingles: u32,
    key: u64,
}

impl PrintKeeper {
    /// A keeper that spills to the configured folder, or holds everything.
    pub(crate) fn new(config: &Config) -> Result<PrintKeeper> {
        Ok(PrintKeeper {
            spill: config
                .spill_for(Spillable::Prints)
                .map(Spilling::create)
                .transpose()?,
        })
    }

    /// Keeps one fingerprint. A write that fails is reported by
    /// [`PrintKeeper::finish`].
    pub(crate) fn keep(&self, mut signature: Signature) -> KeptPrint {
        let Some(spill) = &self.spill else {
            return KeptPrint {
                signature,
                spilled: None,
            };
        };
        let away = Away {
            span: spill.put_bytes(&encode(&signature)),
            shingles: signature.shingles.len() as u32,
            key: fingerprint_key(&signature),
        };
        signature.shingles = Vec::new();
        signature.opening = Vec::new();
        KeptPrint {
            signature,
            spilled: Some(away),
        }
    }

    /// The fingerprints kept, numbered in the order given; the first
    /// write that failed, if any did.
    pub(crate) fn finish(self, kept: Vec<KeptPrint>) -> Result<Prints> {
        let mut signatures = Vec::with_capacity(kept.len());
        let mut away = Vec::new();
        for k in kept {
            signatures.push(k.signature);
            away.extend(k.spilled);
        }
        let spilled = match self.spill {
            Some(spill) => Some((spill.seal()?, away)),
            None => None,
        };
        Ok(Prints {
            signatures,
            spilled,
            failed: Mutex::new(None),
        })
    }
}

/// Every fingerprint of a corpus, by document number.
pub(crate) struct Prints {
    signatures: Vec<Signature>,
    spilled: Option<(Spilled, Vec<Away>)>,
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
}

impl Fingerprints for Prints {
    fn count(&self) -> usize {
        self.signatures.count()
    }

    fn sample(&self, d: u32) -> &[u32] {
        self.signatures.sample(d)
    }

    fn shingle_count(&self, d: u32) -> usize {
        match &self.spilled {
            Some((_, away)) => away[d as usize].shingles as usize,
            None => self.signatures.shingle_count(d),
        }
    }

    fn key(&self, d: u32) -> u64 {
        match &self.spilled {
            Some((_, away)) => away[d as usize].key,
            None => self.signatures.key(d),
        }
    }

    fn whole(&self, d: u32) -> Cow<'_, Signature> {
        let held = &self.signatures[d as usize];
        let Some((file, away)) = &self.spilled else {
            return Cow::Borrowed(held);
        };
        let away = away[d as usize];
        match file.get_bytes(away.span) {
            Ok(bytes) => {
                let (shingles, opening) = decode(&bytes, away.shingles as usize);
                Cow::Owned(Signature {
                    shingles,
                    opening,
                    ..held.clone()
                })
            }
            Err(e) => {
                let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                failed.get_or_insert(e);
                Cow::Borrowed(held)
            }
        }
    }
}

/// A fingerprint's shingles, then each paragraph of its opening as its
/// length and its shingles, as little-endian 32-bit words.
fn encode(signature: &Signature) -> Vec<u8> {
    let opening: usize = signature.opening.iter().map(|p| 1 + p.len()).sum();
    let mut bytes = Vec::with_capacity(4 * (signature.shingles.len() + opening));
    let mut put = |words: &[u32]| bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
    put(&signature.shingles);
    for para in &signature.opening {
        put(&[para.len() as u32]);
        put(para);
    }
    bytes
}

/// The shingles and opening [`encode`] wrote, the first `shingles` words
/// being the shingles.
fn decode(bytes: &[u8], shingles: usize) -> (Vec<u32>, Vec<Vec<u32>>) {
    let words = |b: &[u8]| -> Vec<u32> {
        b.chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect()
    };
    let (head, mut rest) = bytes.split_at((4 * shingles).min(bytes.len()));
    let mut opening = Vec::new();
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let (para, after) = tail.split_at((4 * u32::from_le_bytes(*len) as usize).min(tail.len()));
        opening.push(words(para));
        rest = after;
    }
    (words(head), opening)
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
        fn spilled_fingerprints_read_back_whole(
            opening in proptest::collection::vec(proptest::collection::vec(any::<u32>(), 0..5), 0..3),
            shingles in proptest::collection::vec(any::<u32>(), 0..50),
        ) {
            let s = Signature { shingles, opening, ..Signature::default() };
            prop_assert_eq!(decode(&encode(&s), s.shingles.len()), (s.shingles, s.opening));
        }
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
        assert!(b.signatures.iter().all(|s| s.shingles.is_empty()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        for d in 0..sigs.len() as u32 {
            assert_eq!(b.whole(d).as_ref(), &sigs[d as usize]);
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
