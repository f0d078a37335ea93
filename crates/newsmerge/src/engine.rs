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
//! `run` holds every normalized document, since merging needs the copies'
//! text. `dedup` streams: a first pass over the input hashes each
//! document's short lines to learn the corpus's furniture, a second
//! normalizes, fingerprints and diagnoses each document and keeps only its
//! fingerprint and evidence, so no pass holds every text at once. Both
//! learn furniture from the same hashed lines, so both find the same
//! clusters.

use crate::align::{Alignment, Unit, align_units, order_by_agreement, refine, units};
use crate::annotate::{CopyReport, annotate, discount_complete_copies, discount_shared_endings};
use crate::cluster::{Cluster, cluster};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{self, Entry};
use crate::normalize::ending::{is_cut, last_words};
use crate::normalize::{DocId, Document, Markers, normalize_with, recurring};
use crate::reconcile::presence::{Ballot, Model, Vote};
use crate::reconcile::reliability::Reliability;
use crate::reconcile::{CanonicalText, attach, reconcile_with};
use crate::report::{
    ClusterRecord, DocumentRecord, FORMAT_VERSION, LineRecord, Outcome, PresenceRecord,
    SourceRecord, StatusCounts, Summary, VariantRecord,
};
use crate::sketch::{Signature, candidates, sketch};
use rayon::prelude::*;
use std::path::Path;

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
        let found = ingest::walk(input, config.follow_links)?;
        let parts = ingest::parts(&found);
        if mode == Mode::Dedup {
            return Ok(dedup_streaming(
                parts.len(),
                &|i| ingest::read_part(&found, &parts[i]),
                config,
                progress,
            ));
        }
        progress.stage("reading", parts.len() as u64);
        let loaded = parts
            .par_iter()
            .flat_map(|p| {
                let entries = ingest::read_part(&found, p);
                progress.advance(1);
                entries.into_par_iter().map(|e| load(e, &config.markers))
            })
            .collect();
        Ok(run_loaded(loaded, mode, config, progress))
    })
}

/// Runs newsmerge over entries already read, in any order.
pub fn run_entries(
    entries: Vec<Entry>,
    mode: Mode,
    config: &Config,
    progress: &dyn Progress,
) -> Outcome {
    if mode == Mode::Dedup {
        return dedup_streaming(
            entries.len(),
            &|i| vec![entries[i].clone()],
            config,
            progress,
        );
    }
    progress.stage("reading", entries.len() as u64);
    let loaded = entries
        .into_par_iter()
        .map(|e| {
            let l = load(e, &config.markers);
            progress.advance(1);
            l
        })
        .collect();
    run_loaded(loaded, mode, config, progress)
}

/// An input entry, its body taken out, and its normalized document and
/// hashed lines when it has text.
type Loaded = (Entry, Option<(Document, Option<recurring::Lines>)>);

/// Normalizes an entry's text, hashes its lines for furniture learning
/// (as `dedup` does, so that both commands learn the same furniture), and
/// frees the text.
fn load(entry: Entry, markers: &Markers) -> Loaded {
    let lines = entry.body.as_ref().ok().and_then(|raw| {
        recurring::Lines::of_raw(&entry.source, entry.meta.title.as_deref(), raw, markers)
    });
    let (entry, doc) = load_document(entry, markers);
    (entry, doc.map(|d| (d, lines)))
}

/// The stages after loading, on entries in any order.
fn run_loaded(
    mut loaded: Vec<Loaded>,
    mode: Mode,
    config: &Config,
    progress: &dyn Progress,
) -> Outcome {
    sort_by_id(&mut loaded);
    let mut entries = Vec::with_capacity(loaded.len());
    let mut docs = Vec::with_capacity(loaded.len());
    let mut lines = Vec::with_capacity(loaded.len());
    for (entry, doc) in loaded {
        entries.push(entry);
        if let Some((mut d, l)) = doc {
            d.id = DocId(docs.len() as u32);
            docs.push(d);
            lines.extend(l);
        }
    }
    progress.stage("furniture", 1);
    let learned = recurring::Learned::learn(lines, config.min_furniture_articles);
    docs.par_iter_mut().for_each(|d| learned.mark(d));
    let signatures = sketch_all(&docs, config, progress);
    progress.stage("candidates", 1);
    let pairs = candidates(&signatures, config);
    progress.stage("clustering", 1);
    let clusters = cluster(&signatures, &pairs, config);
    drop(signatures);
    progress.advance(1);
    let names = cluster_names(&clusters);
    let (results, learned) = merge_all(&docs, &clusters, config, progress);
    let known = Known::of(&docs);
    let mut outcome = assemble(&entries, &known, &clusters, &names, results, mode, config);
    for s in &mut outcome.sources {
        let r = &learned.reliability;
        s.reliability = r.knows(&s.source).then(|| round3(r.of(&s.source)));
        s.presence = learned.presence.get(&s.source).cloned();
    }
    outcome
}

/// Puts entries (with what was made of them) in id order, whatever order
/// the threads produced them in.
fn sort_by_id<T>(items: &mut [(Entry, T)]) {
    items.sort_by(|a, b| ingest::id_order(&a.0.id).cmp(&ingest::id_order(&b.0.id)));
}

/// Normalizes an entry's text and frees it.
fn load_document(mut entry: Entry, markers: &Markers) -> (Entry, Option<Document>) {
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

/// What `dedup` keeps of a document once it is fingerprinted: no text.
struct Digest {
    name: String,
    words: usize,
    ending: Option<String>,
    signature: Signature,
    report: CopyReport,
}

/// `dedup` in two streaming passes over `count` inputs, each read by
/// `read` (a file's entries) and dropped after use, so that no pass holds
/// every text at once. The first learns the corpus's furniture from hashed
/// lines ([`recurring::Lines::of_raw`]); the second normalizes each
/// document, marks its learned furniture, fingerprints it and diagnoses it
/// on its own evidence, and keeps only a [`Digest`].
fn dedup_streaming(
    count: usize,
    read: &(dyn Fn(usize) -> Vec<Entry> + Sync),
    config: &Config,
    progress: &dyn Progress,
) -> Outcome {
    progress.stage("learning furniture", count as u64);
    let lines: Vec<recurring::Lines> = (0..count)
        .into_par_iter()
        .flat_map(|i| {
            let entries = read(i);
            progress.advance(1);
            entries.into_par_iter().filter_map(|e| {
                let text = e.body.as_ref().ok()?;
                recurring::Lines::of_raw(&e.source, e.meta.title.as_deref(), text, &config.markers)
            })
        })
        .collect();
    let learned = recurring::Learned::learn(lines, config.min_furniture_articles);
    progress.stage("fingerprinting", count as u64);
    let mut digested: Vec<(Entry, Option<Digest>)> = (0..count)
        .into_par_iter()
        .flat_map(|i| {
            let entries = read(i);
            progress.advance(1);
            entries.into_par_iter().map(|e| digest(e, &learned, config))
        })
        .collect();
    sort_by_id(&mut digested);
    let mut entries = Vec::with_capacity(digested.len());
    let mut digests = Vec::with_capacity(digested.len());
    let mut signatures = Vec::with_capacity(digested.len());
    for (entry, digest) in digested {
        entries.push(entry);
        if let Some(mut d) = digest {
            signatures.push(std::mem::take(&mut d.signature));
            digests.push(d);
        }
    }
    progress.stage("candidates", 1);
    let pairs = candidates(&signatures, config);
    progress.stage("clustering", 1);
    let clusters = cluster(&signatures, &pairs, config);
    drop(signatures);
    progress.stage("evidence", clusters.len() as u64);
    let merged: Vec<Merged> = clusters
        .par_iter()
        .map(|c| {
            let order = alignment_order(c, |d| digests[d.index()].words);
            let mut reports: Vec<CopyReport> = order
                .iter()
                .map(|d| digests[d.index()].report.clone())
                .collect();
            let endings: Vec<Option<String>> = order
                .iter()
                .map(|d| digests[d.index()].ending.clone())
                .collect();
            discount_shared_endings(&mut reports, &endings);
            progress.advance(1);
            Merged {
                order,
                canon: None,
                reports,
            }
        })
        .collect();
    let known = Known {
        names: digests.iter().map(|d| d.name.as_str()).collect(),
        words: digests.iter().map(|d| d.words).collect(),
    };
    let names = cluster_names(&clusters);
    assemble(
        &entries,
        &known,
        &clusters,
        &names,
        merged,
        Mode::Dedup,
        config,
    )
}

/// Normalizes one entry, marks its learned furniture, and keeps what
/// `dedup` needs of it.
fn digest(entry: Entry, learned: &recurring::Learned, config: &Config) -> (Entry, Option<Digest>) {
    let (entry, doc) = load_document(entry, &config.markers);
    let digest = doc.map(|mut doc| {
        learned.mark(&mut doc);
        Digest {
            words: doc.content_words(),
            ending: last_words(&doc),
            signature: sketch(&doc, config),
            report: annotate(&doc, 0, None, config),
            name: doc.name,
        }
    });
    (entry, digest)
}

/// The most worker threads a run starts: past a few per core they only
/// cost time to start.
pub const MAX_THREADS: usize = 1024;

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

fn sketch_all(docs: &[Document], config: &Config, progress: &dyn Progress) -> Vec<Signature> {
    progress.stage("fingerprinting", docs.len() as u64);
    docs.par_iter()
        .map(|d| {
            let s = sketch(d, config);
            progress.advance(1);
            s
        })
        .collect()
}

/// Cluster ids: `c` and the cluster's rank by first member, zero-padded.
fn cluster_names(clusters: &[Cluster]) -> Vec<String> {
    let width = clusters.len().to_string().len().max(6);
    (1..=clusters.len())
        .map(|n| format!("c{n:0width$}"))
        .collect()
}

/// What merging one cluster yields.
struct Merged {
    /// The copies in alignment order, pivot first.
    order: Vec<DocId>,
    canon: Option<CanonicalText>,
    reports: Vec<CopyReport>,
}

/// One cluster aligned, before the presence vote.
struct Aligned {
    /// The copies in alignment order, pivot first.
    order: Vec<DocId>,
    /// How many of them (the first) were aligned.
    aligned: usize,
    alignment: Alignment,
    ballot: Ballot,
    /// The source number of each aligned copy.
    sources: Vec<usize>,
}

/// Source numbers, in name order.
struct SourceIndex<'a> {
    names: Vec<&'a str>,
}

impl<'a> SourceIndex<'a> {
    fn of(docs: &'a [Document]) -> SourceIndex<'a> {
        let mut names: Vec<&str> = docs.iter().map(|d| d.source.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        SourceIndex { names }
    }

    fn number(&self, name: &str) -> usize {
        self.names.binary_search(&name).unwrap_or(usize::MAX)
    }
}

/// What merging taught about each source.
#[derive(Default)]
struct Learned {
    reliability: Reliability,
    presence: std::collections::BTreeMap<String, PresenceRecord>,
}

/// Aligns every cluster, learns the presence model from all of them (see
/// [`crate::reconcile::presence`]), and merges each; then learns each
/// source's reliability from all of them and merges again, weighted, the
/// clusters that the tie rule decided (see
/// [`crate::reconcile::reliability`]).
fn merge_all(
    docs: &[Document],
    clusters: &[Cluster],
    config: &Config,
    progress: &dyn Progress,
) -> (Vec<Merged>, Learned) {
    let index = SourceIndex::of(docs);
    progress.stage("aligning", clusters.len() as u64);
    let aligned: Vec<Aligned> = clusters
        .par_iter()
        .map(|c| {
            let a = align_cluster(docs, c, &index, config);
            progress.advance(1);
            a
        })
        .collect();
    progress.stage("learning sources", 1);
    let ballots: Vec<(&Ballot, &[usize])> = aligned
        .iter()
        .filter(|a| a.ballot.copies() > 1)
        .map(|a| (&a.ballot, a.sources.as_slice()))
        .collect();
    let model = Model::learn(&ballots, index.names.len());
    drop(ballots);
    progress.stage("merging", clusters.len() as u64);
    let keeps: Vec<Vec<bool>> = aligned
        .par_iter()
        .map(|a| model.decide(&a.ballot, &a.sources))
        .collect();
    let merged: Vec<Merged> = aligned
        .par_iter()
        .zip(&keeps)
        .map(|(a, keep)| {
            let merged = merge_cluster(docs, a, keep, None, config);
            progress.advance(1);
            merged
        })
        .collect();
    let presence = presence_records(&aligned, &keeps, &merged, &model, &index);
    let reliability = learn_reliability(docs, &merged);
    progress.stage("re-voting ties", clusters.len() as u64);
    let merged = merged
        .into_par_iter()
        .zip(&aligned)
        .zip(&keeps)
        .map(|((m, a), keep)| {
            let tied = m.canon.as_ref().is_some_and(|canon| canon.has_ties());
            progress.advance(1);
            if tied {
                merge_cluster(docs, a, keep, Some(&reliability), config)
            } else {
                m
            }
        })
        .collect();
    let learned = Learned {
        reliability,
        presence,
    };
    (merged, learned)
}

fn learn_reliability(docs: &[Document], merged: &[Merged]) -> Reliability {
    merged
        .par_iter()
        .map(|m| {
            let mut r = Reliability::default();
            if let Some(canon) = &m.canon {
                let sources: Vec<&str> = m
                    .order
                    .iter()
                    .map(|d| docs[d.index()].source.as_str())
                    .collect();
                r.observe(canon, &sources);
            }
            r
        })
        .reduce(Reliability::default, |mut a, b| {
            a.merge(b);
            a
        })
}

/// Orders a cluster's copies by agreement and aligns the first
/// [`Config::max_aligned_copies`] of them.
fn align_cluster(
    docs: &[Document],
    cluster: &Cluster,
    index: &SourceIndex<'_>,
    config: &Config,
) -> Aligned {
    let members: Vec<DocId> = cluster.members.clone();
    let member_docs: Vec<&Document> = members.iter().map(|d| &docs[d.index()]).collect();
    let mut units: Vec<Vec<Unit>> = member_docs.iter().map(|d| units(d)).collect();
    refine(&member_docs, &mut units);
    let order: Vec<usize> = order_by_agreement(&units);
    let aligned = members.len().min(config.max_aligned_copies.max(1));
    let mut taken: Vec<Vec<Unit>> = order[..aligned]
        .iter()
        .map(|&i| std::mem::take(&mut units[i]))
        .collect();
    taken.shrink_to_fit();
    let order: Vec<DocId> = order.iter().map(|&i| members[i]).collect();
    let copies: Vec<&Document> = order[..aligned].iter().map(|d| &docs[d.index()]).collect();
    let alignment = align_units(taken, config.max_diff_cells);
    let ballot = Ballot::of(&copies, &alignment);
    let sources = copies.iter().map(|d| index.number(&d.source)).collect();
    Aligned {
        order,
        aligned,
        alignment,
        ballot,
        sources,
    }
}

/// Votes, reconciles and annotates one aligned cluster.
fn merge_cluster(
    docs: &[Document],
    a: &Aligned,
    keep: &[bool],
    reliability: Option<&Reliability>,
    config: &Config,
) -> Merged {
    let copies: Vec<&Document> = a.order.iter().map(|d| &docs[d.index()]).collect();
    let weights: Vec<f64> = match reliability {
        Some(r) => copies.iter().map(|d| r.of(&d.source)).collect(),
        None => Vec::new(),
    };
    let mut canon = reconcile_with(&copies[..a.aligned], &a.alignment, keep, &weights);
    attach(&mut canon, &copies, a.aligned);
    let measured = Some(&canon).filter(|_| copies.len() > 1);
    let mut reports: Vec<CopyReport> = copies
        .iter()
        .enumerate()
        .map(|(i, d)| annotate(d, i, measured, config))
        .collect();
    let endings: Vec<Option<String>> = copies.iter().map(|d| last_words(d)).collect();
    discount_shared_endings(&mut reports, &endings);
    let cut: Vec<bool> = copies.iter().map(|d| is_cut(d)).collect();
    discount_complete_copies(&mut reports, &cut);
    Merged {
        order: a.order.clone(),
        canon: Some(canon),
        reports,
    }
}

/// Each source's record in the presence vote, from every multi-copy
/// cluster: the learned rates, and what the vote did to its copies.
fn presence_records(
    aligned: &[Aligned],
    keeps: &[Vec<bool>],
    merged: &[Merged],
    model: &Model,
    index: &SourceIndex<'_>,
) -> std::collections::BTreeMap<String, PresenceRecord> {
    // Per source: carried, outvoted, reached kept, missed, breaks agreed, breaks.
    let mut counts = vec![[0u64; 6]; index.names.len()];
    let mut seen = vec![false; index.names.len()];
    for ((a, m), keep) in aligned.iter().zip(merged).zip(keeps) {
        if a.ballot.copies() < 2 {
            continue;
        }
        for (slot, &kept) in keep.iter().enumerate() {
            for (copy, vote) in a.ballot.votes(slot).iter().enumerate() {
                let c = &mut counts[a.sources[copy]];
                match vote {
                    Vote::Carries => {
                        c[0] += 1;
                        c[1] += u64::from(!kept);
                        c[2] += u64::from(kept);
                    }
                    Vote::Lacks if kept => {
                        c[2] += 1;
                        c[3] += 1;
                    }
                    _ => {}
                }
            }
        }
        if let Some(canon) = &m.canon {
            for (copy, &(agreed, voted)) in canon.paragraphing.iter().enumerate() {
                counts[a.sources[copy]][4] += u64::from(agreed);
                counts[a.sources[copy]][5] += u64::from(voted);
            }
        }
        for &s in &a.sources {
            seen[s] = true;
        }
    }
    let share = |x: u64, of: u64| {
        if of == 0 {
            0.0
        } else {
            round3(x as f64 / of as f64)
        }
    };
    index
        .names
        .iter()
        .enumerate()
        .filter(|&(s, _)| seen[s])
        .map(|(s, name)| {
            let c = counts[s];
            let rates = model.sources.get(s).copied().unwrap_or(model.fallback);
            let record = PresenceRecord {
                carries_article: round3(rates.article[0]),
                carries_other: round3(rates.other[0]),
                outvoted: share(c[1], c[0]),
                missed: share(c[3], c[2]),
                paragraphing: share(c[4], c[5]),
            };
            (name.to_string(), record)
        })
        .collect()
}

/// The centre first, then the other copies by words of text, most first.
fn alignment_order(cluster: &Cluster, words: impl Fn(DocId) -> usize) -> Vec<DocId> {
    let mut rest: Vec<DocId> = cluster
        .members
        .iter()
        .copied()
        .filter(|&d| d != cluster.centre)
        .collect();
    rest.sort_by_cached_key(|&d| (std::cmp::Reverse(words(d)), d));
    std::iter::once(cluster.centre).chain(rest).collect()
}

/// What assembling the output needs of each readable document, by
/// [`DocId`]: its id and its words of article text.
struct Known<'a> {
    names: Vec<&'a str>,
    words: Vec<usize>,
}

impl<'a> Known<'a> {
    fn of(docs: &'a [Document]) -> Known<'a> {
        Known {
            names: docs.iter().map(|d| d.name.as_str()).collect(),
            words: docs.iter().map(Document::content_words).collect(),
        }
    }
}

fn assemble(
    entries: &[Entry],
    docs: &Known<'_>,
    clusters: &[Cluster],
    names: &[String],
    merged: Vec<Merged>,
    mode: Mode,
    config: &Config,
) -> Outcome {
    let mut per_doc: Vec<Option<(usize, CopyReport)>> = vec![None; docs.names.len()];
    let mut records = Vec::with_capacity(clusters.len());
    let mut canonical = Vec::new();
    for (ci, (cluster, m)) in clusters.iter().zip(merged).enumerate() {
        let name = |d: DocId| docs.names[d.index()].to_string();
        let lines = m.canon.as_ref().map(|c| line_records(c, &m.order, &name));
        if let Some(c) = &m.canon {
            canonical.push((names[ci].clone(), c.to_text()));
        }
        records.push(ClusterRecord {
            id: names[ci].clone(),
            members: cluster.members.iter().map(|&d| name(d)).collect(),
            pivot: (mode == Mode::Run).then(|| name(m.order[0])),
            lines,
        });
        for (d, report) in m.order.iter().zip(m.reports) {
            per_doc[d.index()] = Some((ci, report));
        }
    }
    let documents = document_records(entries, docs, names, per_doc);
    let summary = summarize(&documents, &records, mode, config);
    let sizes = records
        .iter()
        .map(|c| (c.id.as_str(), c.members.len()))
        .collect();
    let sources = SourceRecord::tally(&documents, &sizes);
    Outcome {
        documents,
        clusters: records,
        canonical,
        sources,
        summary,
    }
}

fn line_records(
    canon: &CanonicalText,
    order: &[DocId],
    name: &dyn Fn(DocId) -> String,
) -> Vec<LineRecord> {
    let names = |copies: &[usize]| -> Vec<String> {
        let mut v: Vec<String> = copies.iter().map(|&c| name(order[c])).collect();
        v.sort_by(|a, b| ingest::id_order(a).cmp(&ingest::id_order(b)));
        v
    };
    canon
        .lines
        .iter()
        .map(|l| LineRecord {
            text: l.text.clone(),
            sources: names(&l.sources),
            variants: l
                .variants
                .iter()
                .map(|v| VariantRecord {
                    text: v.text.clone(),
                    sources: names(&v.copies),
                })
                .collect(),
            tie: l.tied,
        })
        .collect()
}

fn document_records(
    entries: &[Entry],
    docs: &Known<'_>,
    names: &[String],
    mut per_doc: Vec<Option<(usize, CopyReport)>>,
) -> Vec<DocumentRecord> {
    let mut next_doc = 0;
    entries
        .iter()
        .map(|e| {
            let mut r = DocumentRecord {
                id: e.id.clone(),
                source: e.source.clone(),
                status: "ok",
                error: None,
                cluster: None,
                truncated: false,
                paywalled: false,
                coverage: None,
                truncation: None,
                paywall: None,
                boilerplate: Vec::new(),
                words: None,
                title: e.meta.title.clone(),
                url: e.meta.url.clone(),
                date: e.meta.date.clone(),
            };
            match &e.body {
                Err(p) => {
                    r.status = p.status();
                    r.error = Some(p.reason().to_string());
                }
                Ok(_) => {
                    let d = next_doc;
                    next_doc += 1;
                    r.words = Some(docs.words[d]);
                    if let Some((ci, report)) = per_doc[d].take() {
                        r.cluster = Some(names[ci].clone());
                        r.set_report(report);
                    }
                }
            }
            r
        })
        .collect()
}

fn summarize(
    documents: &[DocumentRecord],
    clusters: &[ClusterRecord],
    mode: Mode,
    config: &Config,
) -> Summary {
    let counts = StatusCounts::of(documents);
    Summary {
        format_version: FORMAT_VERSION,
        command: mode.name(),
        documents: counts,
        clusters: clusters.len(),
        multi_copy_clusters: clusters.iter().filter(|c| c.members.len() > 1).count(),
        copies_merged: counts.ok - clusters.len(),
        truncated: documents.iter().filter(|d| d.truncated).count(),
        paywalled: documents.iter().filter(|d| d.paywalled).count(),
        settings: config.clone(),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
