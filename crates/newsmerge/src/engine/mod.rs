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
//! cluster ([`crate::ConfigBuilder::spill`], see `store`). `dedup` streams: a first pass over the input hashes each
//! document's short lines to learn the corpus's furniture, a second
//! normalizes, fingerprints and diagnoses each document and keeps only its
//! fingerprint and evidence, so no pass holds every text at once. Both
//! learn furniture from the same hashed lines, so both find the same
//! clusters.

mod dedup;
mod run;
pub mod staged;
mod store;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{self, Entry};
use crate::normalize::{DocId, Document, Markers, normalize_with, recurring};
use crate::report::Outcome;
use dedup::dedup_streaming;
use rayon::prelude::*;
use run::{Grouping, run_loaded};
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
        let parts = ingest::parts(&found);
        if mode == Mode::Dedup {
            return Ok(dedup_streaming(
                parts.len(),
                &|i| ingest::read_part(&found, &parts[i], &config.ingest.fields),
                config,
                progress,
            ));
        }
        let keeper = keeper(config)?;
        progress.stage("reading", parts.len() as u64);
        let loaded = parts
            .par_iter()
            .flat_map(|p| {
                let entries = ingest::read_part(&found, p, &config.ingest.fields);
                progress.advance(1);
                entries
                    .into_par_iter()
                    .map(|e| load(e, &config.normalize.markers, &keeper))
            })
            .collect();
        run_loaded(loaded, keeper, Grouping::Found, config, progress)
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
        if mode == Mode::Dedup {
            return Ok(dedup_streaming(
                entries.len(),
                &|i| vec![entries[i].clone()],
                config,
                progress,
            ));
        }
        let keeper = keeper(config)?;
        progress.stage("reading", entries.len() as u64);
        let loaded = entries
            .into_par_iter()
            .map(|e| {
                let l = load(e, &config.normalize.markers, &keeper);
                progress.advance(1);
                l
            })
            .collect();
        run_loaded(loaded, keeper, Grouping::Found, config, progress)
    })
}

/// Reconciles entries known to be copies of one article, without looking
/// for copies: every readable entry is a member of the one cluster, whose
/// canonical text and evidence are made as `run` makes them. With no
/// readable entry there is no cluster.
pub fn merge_entries(entries: Vec<Entry>, config: &Config) -> Result<Outcome> {
    in_pool(config, || {
        let keeper = keeper(config)?;
        let loaded = entries
            .into_par_iter()
            .map(|e| load(e, &config.normalize.markers, &keeper))
            .collect();
        run_loaded(loaded, keeper, Grouping::One, config, &Silent)
    })
}

/// Where `run` keeps the normalized documents, as configured.
fn keeper(config: &Config) -> Result<Keeper> {
    match &config.spill {
        Some(dir) => Keeper::spilling(dir),
        None => Ok(Keeper::held()),
    }
}

/// An input entry, its body taken out, and its normalized document (kept)
/// and hashed lines when it has text.
pub(crate) type Loaded = (Entry, Option<(Kept, Option<recurring::Lines>)>);

/// Normalizes an entry's text, hashes its lines for furniture learning
/// (as `dedup` does, so that both commands learn the same furniture),
/// frees the text and hands the document to `keeper`.
fn load(entry: Entry, markers: &Markers, keeper: &Keeper) -> Loaded {
    let lines = entry
        .body
        .as_ref()
        .ok()
        .and_then(|raw| recurring::Lines::of_raw(&entry.source, raw));
    let (entry, doc) = load_document(entry, markers);
    (entry, doc.map(|d| (keeper.keep(d), lines)))
}

/// Puts entries (with what was made of them) in id order, whatever order
/// the threads produced them in.
pub(crate) fn sort_by_id<T>(items: &mut [(Entry, T)]) {
    items.sort_by(|a, b| ingest::id_order(&a.0.id).cmp(&ingest::id_order(&b.0.id)));
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
