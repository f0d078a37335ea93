//! The only module that knows the order of the stages.
//!
//! ```text
//! ingest → normalize → sketch → candidates → cluster      (dedup stops here)
//!        → align → reconcile → annotate → report
//! ```
//!
//! Each stage runs in parallel over documents or clusters on a rayon pool
//! owned here, and each collects its results in input order, so the output
//! is the same for any number of threads.
//!
//! `run` keeps every normalized document, since merging needs the copies'
//! text: in memory, or spilled to a temporary file and read back by
//! cluster ([`crate::ConfigBuilder::spill`], see `store`); spilling, both
//! commands keep their fingerprints' shingles in a file too, read back to
//! verify candidate pairs (see `prints`), `dedup` its document records,
//! which stay there in the outcome, read back as they are counted and
//! written ([`crate::report::Outcome::document`], see `records`), and `run`
//! each cluster's canonical lines, put there as soon as its merge is final
//! and read back as the output is written
//! ([`crate::report::Outcome::cluster`]).
//! Under a memory limit ([`crate::ConfigBuilder::memory_limit`]) only the
//! stores that do not fit are spilled, decided once from the input's size
//! (see `memory`).
//! `dedup` streams: a first pass over the input hashes each
//! document's short lines to learn the corpus's furniture, a second
//! normalizes, fingerprints and diagnoses each document and keeps only its
//! fingerprint and its record with its evidence, so no pass holds every
//! text at once. Both
//! learn furniture from the same hashed lines, so both find the same
//! clusters.

mod dedup;
mod furniture;
mod memory;
mod prints;
mod records;
mod run;
pub mod staged;
mod store;

use crate::annotate::CopyReport;
use crate::config::{Config, Spillable};
use crate::error::{Error, Result};
use crate::ingest::{self, Entry};
use crate::normalize::{DocId, Document, Markers, normalize_with};
use crate::report::Outcome;
use crate::spill::Spilling;
use dedup::dedup_streaming;
use rayon::prelude::*;
use records::{KeptRecord, RecordKeeper};
use run::{Grouping, SourceNumbers, run_loaded};
use std::path::Path;
use store::{Keeper, Kept};

/// How far a run goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every stage: clusters with canonical texts and evidence.
    Run,
    /// Up to clustering: members only, own evidence only.
    Dedup,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Run => "run",
            Mode::Dedup => "dedup",
        }
    }
}

/// Receives progress from a run. All methods default to doing nothing.
pub trait Progress: Sync {
    /// A stage starts, with `total` units of work.
    fn stage(&self, _name: &'static str, _total: u64) {}
    /// `n` units of the current stage are done.
    fn advance(&self, _n: u64) {}
    /// Something the caller should know that does not stop the run, such
    /// as a memory limit below what the input needs.
    fn warn(&self, _message: &str) {}
    /// A detail of how the run goes, for a caller who asked for details,
    /// such as what a memory limit holds and spills.
    fn note(&self, _message: &str) {}
}

/// A [`Progress`] that ignores everything.
pub struct Silent;

impl Progress for Silent {}

/// Runs newsmerge over a file or folder.
///
/// Files, and the records within each file, are read and normalized in
/// one parallel pass, each file's raw text dropped as soon as its
/// documents are normalized, so the raw corpus is never held in memory at
/// once. A large JSON Lines file is read in parts (see [`ingest::parts`]).
pub fn run_path(
    input: &Path,
    mode: Mode,
    config: &Config,
    progress: &dyn Progress,
) -> Result<Outcome> {
    in_pool(config, || {
        progress.stage("walking", 1);
        let found = ingest::walk(input, config.ingest.follow_links, &config.ingest.filter()?)?;
        let config = &*memory::plan(config, mode, || memory::input_bytes(&found), progress);
        let parts = ingest::parts(&found);
        if mode == Mode::Dedup {
            return dedup_streaming(
                parts.len(),
                &|i| ingest::read_part(&found, &parts[i], &config.ingest.fields),
                config,
                progress,
            );
        }
        let loader = loader(config)?;
        progress.stage("reading", parts.len() as u64);
        let loaded = parts
            .par_iter()
            .map(|p| {
                let entries = ingest::read_part(&found, p, &config.ingest.fields);
                progress.advance(1);
                entries
                    .into_par_iter()
                    .map(|e| load(e, &config.normalize.markers, &loader))
                    .collect()
            })
            .collect();
        ingest::release_buffers();
        run_loaded(loaded, loader, Grouping::Found, config, progress)
    })
}

/// Runs newsmerge over entries already read, in any order, on a pool of
/// [`crate::ConfigBuilder::threads`] threads. Fails only when the pool cannot be built.
pub fn run_entries(
    entries: Vec<Entry>,
    mode: Mode,
    config: &Config,
    progress: &dyn Progress,
) -> Result<Outcome> {
    in_pool(config, || {
        let config = &*memory::plan(config, mode, || text_bytes(&entries), progress);
        if mode == Mode::Dedup {
            return dedup_streaming(
                entries.len(),
                &|i| vec![entries[i].clone()],
                config,
                progress,
            );
        }
        let loader = loader(config)?;
        progress.stage("reading", entries.len() as u64);
        let loaded = entries
            .into_par_iter()
            .map(|e| {
                let l = load(e, &config.normalize.markers, &loader);
                progress.advance(1);
                l
            })
            .collect();
        run_loaded(vec![loaded], loader, Grouping::Found, config, progress)
    })
}

/// Reconciles entries known to be copies of one article, without looking
/// for copies: every readable entry is a member of the one cluster, whose
/// canonical text and evidence are made as `run` makes them. With no
/// readable entry there is no cluster.
pub fn merge_entries(entries: Vec<Entry>, config: &Config) -> Result<Outcome> {
    in_pool(config, || {
        let config = &*memory::plan(config, Mode::Run, || text_bytes(&entries), &Silent);
        let loader = loader(config)?;
        let loaded = entries
            .into_par_iter()
            .map(|e| load(e, &config.normalize.markers, &loader))
            .collect();
        run_loaded(vec![loaded], loader, Grouping::One, config, &Silent)
    })
}

/// The bytes of the entries' texts.
fn text_bytes(entries: &[Entry]) -> u64 {
    entries
        .iter()
        .filter_map(|e| e.body.as_ref().ok())
        .map(|t| t.len() as u64)
        .sum()
}

/// What `run` hands each entry to as it is read: where its record and its
/// normalized document are kept, and the furniture learner, each spilling
/// as configured (the learner with the texts).
pub(crate) struct Loader {
    pub(crate) records: RecordKeeper,
    pub(crate) keeper: Keeper,
    pub(crate) learner: furniture::Learner,
    pub(crate) sources: SourceNumbers,
}

fn loader(config: &Config) -> Result<Loader> {
    Ok(Loader {
        records: RecordKeeper::new(config)?,
        keeper: Keeper::new(spilling(config, Spillable::Texts)?),
        learner: furniture::Learner::new(config, Spillable::Texts)?,
        sources: SourceNumbers::default(),
    })
}

/// A spill file for `store`, when the configuration spills it, its values
/// compressed when it says so.
fn spilling(config: &Config, store: Spillable) -> Result<Option<Spilling>> {
    config
        .spill_for(store)
        .map(|dir| Spilling::create(dir, config.compress_spill))
        .transpose()
}

/// An input entry's record (kept), and its normalized document (kept) and
/// source's number when it has text.
pub(crate) type Loaded = (KeptRecord, Option<(Kept, u32)>);

/// Hands an entry's hashed lines to the furniture learner (as `dedup`
/// does, so that both commands learn the same furniture), normalizes its
/// text, frees it and hands the document to the keeper and the rest of the
/// entry, its record, to the records. Its report comes when its cluster
/// is merged.
fn load(entry: Entry, markers: &Markers, loader: &Loader) -> Loaded {
    loader.learner.read(&entry);
    let (entry, doc) = load_document(entry, markers);
    let made = doc.map(|d| (loader.keeper.keep(d), loader.sources.number(&entry.source)));
    let record = loader.records.keep(entry, CopyReport::default());
    (record, made)
}

/// Entries gathered input by input, with what was made of them, as two
/// lists in id order, whatever order the inputs and threads produced them
/// in: every entry (or what stands for it, whose id `id` gives), and what
/// was made of those that have something (a document has a number only
/// when it has text). Each input's list is freed as it is moved and the
/// order is applied in place, so that the entries are never held twice.
pub(crate) fn in_id_order<E, T>(
    per_input: Vec<Vec<(E, Option<T>)>>,
    id: fn(&E) -> &str,
) -> (Vec<E>, Vec<T>) {
    let total = per_input.iter().map(Vec::len).sum();
    let mut entries = Vec::with_capacity(total);
    let mut made = Vec::with_capacity(total);
    for input in per_input {
        for (entry, m) in input {
            entries.push(entry);
            made.push(m);
        }
    }
    let before = |a: &E, b: &E| ingest::id_order(id(a)) <= ingest::id_order(id(b));
    if !entries.is_sorted_by(before) {
        let mut order: Vec<u32> = (0..entries.len() as u32).collect();
        order.sort_by_key(|&a| ingest::id_order(id(&entries[a as usize])));
        permute(&mut entries, &order);
        permute(&mut made, &order);
    }
    made.retain(Option::is_some);
    let made = made.into_iter().map(|m| m.expect("kept")).collect();
    (entries, made)
}

/// Reorders `items` in place so that the item at `order[k]` comes k-th:
/// each cycle of the permutation is followed with swaps.
fn permute<T>(items: &mut [T], order: &[u32]) {
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        let mut k = start;
        while !placed[k] {
            placed[k] = true;
            let from = order[k] as usize;
            if from == start {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

/// Normalizes an entry's text and frees it.
pub(crate) fn load_document(mut entry: Entry, markers: &Markers) -> (Entry, Option<Document>) {
    let doc = entry.body.as_mut().ok().map(|text| {
        let raw = std::mem::take(text);
        normalize_with(
            DocId(0),
            &entry.id,
            &entry.source,
            &entry.meta,
            &raw,
            markers,
        )
    });
    (entry, doc)
}

pub use crate::config::MAX_THREADS;

fn in_pool<T: Send>(config: &Config, job: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    if config.threads > MAX_THREADS {
        return Err(Error::ThreadPool {
            threads: config.threads,
            reason: format!("at most {MAX_THREADS} threads"),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::ThreadPool {
            threads: config.threads,
            reason: e.to_string(),
        })?;
    pool.install(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.to_string(),
            source: "s".to_string(),
            meta: ingest::Meta::default(),
            body: Ok(String::new()),
        }
    }

    proptest! {
        #[test]
        fn permuting_in_place_equals_reading_in_order(order in Just((0..40u32).collect::<Vec<_>>()).prop_shuffle()) {
            let mut items: Vec<u32> = (100..140).collect();
            let expected: Vec<u32> = order.iter().map(|&k| items[k as usize]).collect();
            permute(&mut items, &order);
            prop_assert_eq!(items, expected);
        }

        #[test]
        fn inputs_come_out_in_id_order_with_what_was_made_of_them(
            records in proptest::collection::vec((0u64..30, any::<bool>()), 0..30),
            split in 0usize..30,
        ) {
            // Record numbers of one file, each made into its number when kept.
            let made = |&(n, kept): &(u64, bool)| (entry(&format!("a.jsonl#{n}")), kept.then_some(n));
            let (first, second) = records.split_at(split.min(records.len()));
            let per_input = vec![second.iter().map(made).collect(), first.iter().map(made).collect()];
            let (entries, kept) = in_id_order(per_input, |e: &Entry| &e.id);
            let mut sorted = records.clone();
            sorted.sort_by_key(|r| r.0);
            let ids: Vec<String> = sorted.iter().map(|r| format!("a.jsonl#{}", r.0)).collect();
            prop_assert_eq!(entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
            let numbers: Vec<u64> = sorted.iter().filter(|r| r.1).map(|r| r.0).collect();
            prop_assert_eq!(kept, numbers);
        }
    }
}
