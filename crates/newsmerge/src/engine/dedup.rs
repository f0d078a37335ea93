//! `dedup`: two streaming passes that keep only each document's fingerprint
//! and evidence.

use super::prints::{KeptPrint, PrintKeeper};
use super::records::{KeptRecord, RecordKeeper};
use super::{Mode, Progress, in_id_order, load_document};
use crate::annotate::{CopyReport, annotate, shared_endings};
use crate::cluster::{Cluster, cluster};
use crate::config::Config;
use crate::error::Result;
use crate::hashing::SEED;
use crate::ingest::Entry;
use crate::normalize::ending::last_words;
use crate::normalize::{DocId, recurring};
use crate::report::shelf::Placed;
use crate::report::{Merged, Outcome, cluster_names, cluster_record};
use crate::sketch::{candidates, sketch};
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What `dedup` keeps of a document once it is fingerprinted, beside its
/// record: no text, and in a few words, since millions of them are held
/// at once.
struct Digest {
    /// Words of article text.
    words: u32,
    /// Whether its own truncation flag rests on a mid-sentence stop
    /// alone ([`CopyReport::cut_mid_sentence_only`]): withdrawn when
    /// another copy ends on the same words.
    cut_mid_sentence_only: bool,
    /// A hash of the copy's last words ([`last_words`]): the endings are
    /// only compared.
    ending: Option<u64>,
}

/// An entry's record, with its document's fingerprint and digest when it
/// has text.
type Digested = (KeptRecord, Option<(KeptPrint, Digest)>);

/// `dedup` in two streaming passes over `count` inputs, each read by
/// `read` (a file's entries) and dropped after use, so that no pass holds
/// every text at once. The first learns the corpus's furniture from hashed
/// lines ([`recurring::Lines::of_raw`]); the second normalizes each
/// document, marks its learned furniture, fingerprints it and diagnoses it
/// on its own evidence, and keeps only its fingerprint (its shingles
/// spilled to a file when configured, see `prints`), its record (spilled
/// too when configured, see `records`) and a [`Digest`].
pub(super) fn dedup_streaming(
    count: usize,
    read: &(dyn Fn(usize) -> Vec<Entry> + Sync),
    config: &Config,
    progress: &dyn Progress,
) -> Result<Outcome> {
    progress.stage("learning furniture", count as u64);
    let learned = super::furniture::learn(count, read, config, progress)?;
    let keeper = PrintKeeper::new(config)?;
    let records = RecordKeeper::new(config)?;
    progress.stage("fingerprinting", count as u64);
    let per_input: Vec<Vec<Digested>> = (0..count)
        .into_par_iter()
        .map(|i| {
            let entries = read(i);
            progress.advance(1);
            entries
                .into_par_iter()
                .map(|e| digest(e, &learned, (&keeper, &records), config))
                .collect()
        })
        .collect();
    crate::ingest::release_buffers();
    let (kept, digested) = in_id_order(per_input, KeptRecord::id);
    let records = records.finish(kept);
    let (kept, digests): (Vec<KeptPrint>, Vec<Digest>) = digested.into_iter().unzip();
    let prints = keeper.finish(kept)?;
    progress.stage("candidates", 1);
    let pairs = candidates(&prints, config);
    progress.stage("clustering", 1);
    let clusters = cluster(&prints, &pairs, config);
    prints.finish()?;
    progress.stage("evidence", clusters.len() as u64);
    let readable = records.readable();
    let placed = place(&clusters, &digests, &readable, records.len());
    drop(digests);
    let names = cluster_names(&clusters);
    let cluster_records = clusters
        .par_iter()
        .zip(&names)
        .map(|(c, id)| {
            let member = |d: DocId| records.id(readable[d.index()]).to_string();
            progress.advance(1);
            cluster_record(id, c, &Merged::default(), &member)
        })
        .collect();
    records.into_outcome(placed, cluster_records, Mode::Dedup.name(), config)
}

/// What clustering decides about each of `count` records (`readable`:
/// the positions of the documents among them): its cluster, whether it
/// is the cluster's representative (its centre), its words, and whether
/// its own truncation flag is withdrawn for an ending it shares with
/// another copy of its cluster.
fn place(
    clusters: &[Cluster],
    digests: &[Digest],
    readable: &[usize],
    count: usize,
) -> Vec<Placed> {
    let mut placed = vec![Placed::default(); count];
    for (ci, c) in clusters.iter().enumerate() {
        let copies = || c.members.iter().map(|d| &digests[d.index()]);
        let cut: Vec<bool> = copies().map(|d| d.cut_mid_sentence_only).collect();
        let endings: Vec<Option<u64>> = copies().map(|d| d.ending).collect();
        let withdrawn = shared_endings(&cut, &endings);
        for ((&d, digest), withdrawn) in c.members.iter().zip(copies()).zip(withdrawn) {
            placed[readable[d.index()]] = Placed {
                cluster: Some(ci as u32),
                words: Some(digest.words),
                keep: d == c.centre,
                withdrawn,
                report: None,
            };
        }
    }
    placed
}

/// Normalizes one entry, marks its learned furniture, and keeps what
/// `dedup` needs of it: its record with its report by `keepers.1`, its
/// fingerprint by `keepers.0`.
fn digest(
    entry: Entry,
    learned: &recurring::Learned,
    keepers: (&PrintKeeper, &RecordKeeper),
    config: &Config,
) -> Digested {
    let (entry, doc) = load_document(entry, &config.normalize.markers);
    let Some(mut doc) = doc else {
        return (keepers.1.keep(entry, CopyReport::default()), None);
    };
    learned.mark(&mut doc);
    let report = annotate(&doc, 0, None, config);
    let digest = Digest {
        words: u32::try_from(doc.content_words()).unwrap_or(u32::MAX),
        cut_mid_sentence_only: report.cut_mid_sentence_only(),
        ending: last_words(&doc).map(|w| xxh3_64_with_seed(w.as_bytes(), SEED)),
    };
    let print = keepers.0.keep(sketch(&doc, config));
    (keepers.1.keep(entry, report), Some((print, digest)))
}
