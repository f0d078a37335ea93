//! `run`: every stage, with every normalized document kept for merging
//! (in memory, or spilled: see `store`).

use super::prints::{KeptPrint, PrintKeeper};
use super::records::{KeptRecord, Records};
use super::store::{Kept, Shelf, Store};
use super::{Loaded, Loader, Mode, Progress, in_id_order};
use crate::align::{Alignment, Unit, align_units, order_by_agreement, refine, units};
use crate::annotate::{annotate_all, discount_complete_copies, discount_shared_endings};
use crate::cluster::{Cluster, cluster};
use crate::config::{Config, Spillable};
use crate::error::Result;
use crate::normalize::ending::{is_cut, last_words};
use crate::normalize::{DocId, Document, recurring};
use crate::reconcile::presence::{Ballot, Model, Vote};
use crate::reconcile::reliability::Reliability;
use crate::reconcile::{attach, reconcile_with};
use crate::report::shelf::Placed;
use crate::report::{LineShelf, Merged, Merges, cluster_names, cluster_record, round3};
use crate::report::{Outcome, PresenceRecord};
use crate::sketch::{candidates, sketch};
use crate::spill::{Span, Spilling};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;

/// How the documents are grouped into articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Grouping {
    /// By the copies found among them (`run`).
    Found,
    /// All of them, as copies of one article (`merge`).
    One,
}

/// The stages after loading, on entries in any order, their records and
/// documents kept by `loader`.
pub(super) fn run_loaded(
    loaded: Vec<Vec<Loaded>>,
    loader: Loader,
    grouping: Grouping,
    config: &Config,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let (records, made) = in_id_order(loaded, KeptRecord::id);
    let (kept, sources): (Vec<Kept>, Vec<u32>) = made.into_iter().unzip();
    let records = loader.records.finish(records);
    let readable = records.readable();
    let mut store = loader.keeper.finish(kept)?;
    let sources = loader.sources.finish(sources);
    progress.stage("furniture", 1);
    let learned = loader.learner.finish()?;
    store.mark(&learned);
    let corpus = Corpus {
        store: &store,
        learned: &learned,
        records: &records,
        readable: &readable,
        sources: &sources,
    };
    let (clusters, words) = match grouping {
        Grouping::Found => find_clusters(&corpus, config, progress)?,
        Grouping::One => (one_cluster(store.len()), corpus.words()?),
    };
    let (mut merges, learned) = merge_all(&corpus, &clusters, config, progress)?;
    // The documents are done with: held in memory, they are most of it,
    // freed before the records are made.
    drop(store);
    let placed = placed(&mut merges.merged, &words, &readable, records.len());
    let mut outcome = outcome(records, placed, &readable, &clusters, merges, config)?;
    describe_sources(&mut outcome, &learned.reliability, &learned.presence);
    Ok(outcome)
}

/// Numbers the sources of the documents as they are read, on any thread:
/// each document keeps its source's number, since millions of documents
/// share a few hundred sources. The numbers follow the order the sources
/// are first met in, which varies from run to run, until
/// [`SourceNumbers::finish`] numbers them in name order.
#[derive(Default)]
pub(crate) struct SourceNumbers {
    numbers: Mutex<HashMap<Box<str>, u32>>,
}

impl SourceNumbers {
    /// The number of the source `name`.
    pub(crate) fn number(&self, name: &str) -> u32 {
        let mut numbers = self.numbers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = numbers.get(name) {
            return n;
        }
        let n = u32::try_from(numbers.len()).expect("under 2^32 sources");
        numbers.insert(name.into(), n);
        n
    }

    /// The sources of the documents numbered `of`, by [`DocId`], in name
    /// order.
    fn finish(self, of: Vec<u32>) -> Sources {
        let numbers = self.numbers.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<(Box<str>, u32)> = numbers.into_iter().collect();
        names.sort_unstable();
        let mut renumbered = vec![0u32; names.len()];
        for (new, (_, old)) in names.iter().enumerate() {
            renumbered[*old as usize] = new as u32;
        }
        Sources {
            names: names.into_iter().map(|(name, _)| name).collect(),
            of: of.into_iter().map(|s| renumbered[s as usize]).collect(),
        }
    }
}

/// Each readable document's source, as a number into the sources' names.
struct Sources {
    /// The names, sorted and distinct.
    names: Vec<Box<str>>,
    /// Each document's, by [`DocId`].
    of: Vec<u32>,
}

impl Sources {
    /// Document `d`'s source.
    fn source(&self, d: DocId) -> &str {
        &self.names[self.of[d.index()] as usize]
    }
}

/// What clustering and merging decided about each of `count` records
/// (`readable`: the positions of the documents among them): its words of
/// article text and, for each copy a merge reported on, its cluster,
/// whether it is the cluster's representative (the pivot, first in the
/// merge's order) and its report.
fn placed(merged: &mut [Merged], words: &[usize], readable: &[usize], count: usize) -> Vec<Placed> {
    let mut placed = vec![Placed::default(); count];
    for (&e, &w) in readable.iter().zip(words) {
        placed[e].words = Some(u32::try_from(w).expect("under 2^32 words"));
    }
    for (ci, m) in merged.iter_mut().enumerate() {
        let reports = std::mem::take(&mut m.kept_reports);
        for (i, (d, report)) in m.order.iter().zip(reports).enumerate() {
            let p = &mut placed[readable[d.index()]];
            p.cluster = Some(ci as u32);
            p.keep = i == 0;
            p.report = report;
        }
    }
    placed
}

/// The outcome: the cluster records made from the merges, the document
/// records from `records` completed with what was `placed` about them,
/// and the file of the clusters' lines when they were spilled.
fn outcome(
    records: Records,
    placed: Vec<Placed>,
    readable: &[usize],
    clusters: &[Cluster],
    merges: Merges,
    config: &Config,
) -> Result<Outcome> {
    let names = cluster_names(clusters);
    let Merges { merged, lines } = merges;
    let spans: Vec<Option<Span>> = merged.iter().map(|m| m.shelved).collect();
    let member = |d: DocId| records.id(readable[d.index()]).to_string();
    let cluster_records = clusters
        .par_iter()
        .zip(merged)
        .zip(&names)
        .map(|((c, m), id)| cluster_record(id, c, &m, &member))
        .collect();
    let mut outcome = records.into_outcome(placed, cluster_records, Mode::Run.name(), config)?;
    if let Some(lines) = lines {
        outcome.shelf = Some(LineShelf::new(lines.seal()?, spans));
    }
    Ok(outcome)
}

/// Every one of `n` documents in one cluster; none when there are none.
fn one_cluster(n: usize) -> Vec<Cluster> {
    if n == 0 {
        return Vec::new();
    }
    vec![Cluster {
        centre: DocId(0),
        members: (0..n as u32).map(DocId).collect(),
    }]
}

/// The readable documents, and what every stage needs of them.
struct Corpus<'a> {
    store: &'a Store,
    learned: &'a recurring::Learned,
    /// Where each copy's report goes once its cluster's merge is final.
    records: &'a Records,
    /// The positions of the documents among the records, by [`DocId`].
    readable: &'a [usize],
    sources: &'a Sources,
}

impl Corpus<'_> {
    /// Runs `f` on the documents `ids`, marked, in that order.
    fn with<R>(&self, ids: &[DocId], f: impl FnOnce(&[&Document]) -> R) -> Result<R> {
        self.store.with(ids, self.learned, f)
    }

    /// Runs `f` on every document, in chunks read in parallel, and
    /// collects its results in document order.
    fn map_all<T: Send>(
        &self,
        progress: &dyn Progress,
        f: impl Fn(&Document) -> T + Sync,
    ) -> Result<Vec<T>> {
        let mut all = Vec::with_capacity(self.store.len());
        for chunk in self.map_chunks(progress, f)? {
            all.extend(chunk);
        }
        Ok(all)
    }

    /// [`Corpus::map_all`]'s results, by chunk: moved into lists of the
    /// corpus's length by their taker, so that none grows by doubling.
    fn map_chunks<T: Send>(
        &self,
        progress: &dyn Progress,
        f: impl Fn(&Document) -> T + Sync,
    ) -> Result<Vec<Vec<T>>> {
        let ids: Vec<DocId> = (0..self.store.len() as u32).map(DocId).collect();
        ids.par_chunks(CHUNK)
            .map(|chunk| {
                let out = self.with(chunk, |docs| docs.iter().map(|&d| f(d)).collect())?;
                progress.advance(chunk.len() as u64);
                Ok(out)
            })
            .collect()
    }

    /// Document `d`'s source.
    fn source(&self, d: DocId) -> &str {
        self.sources.source(d)
    }

    /// Document `d`'s id.
    fn name(&self, d: DocId) -> &str {
        self.records.id(self.readable[d.index()])
    }

    /// Puts a final merge away: its lines shelved in `lines` when
    /// spilling, its copies' reports given to the records; `name` names a
    /// document.
    fn put_away(&self, m: &mut Merged, lines: Option<&Spilling>, name: &dyn Fn(DocId) -> String) {
        if let Some(lines) = lines {
            m.shelve(lines, name);
        }
        let reports = std::mem::take(&mut m.reports);
        m.kept_reports = reports
            .into_iter()
            .map(|r| self.records.keep_report(r))
            .collect();
    }

    /// Each document's words of article text.
    fn words(&self) -> Result<Vec<usize>> {
        self.map_all(&super::Silent, Document::content_words)
    }
}

/// Documents read back at a time by the stages that go through them all.
const CHUNK: usize = 64;

/// Adds to each source's record what merging learned of it.
pub(super) fn describe_sources(
    outcome: &mut Outcome,
    reliability: &Reliability,
    presence: &std::collections::BTreeMap<String, PresenceRecord>,
) {
    for s in &mut outcome.sources {
        s.reliability = reliability
            .knows(&s.source)
            .then(|| round3(reliability.of(&s.source)));
        s.presence = presence.get(&s.source).cloned();
    }
}

/// Fingerprints the documents, finds candidate pairs and verifies them
/// into clusters; and counts each document's words of article text.
fn find_clusters(
    corpus: &Corpus<'_>,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Vec<Cluster>, Vec<usize>)> {
    progress.stage("fingerprinting", corpus.store.len() as u64);
    let keeper = PrintKeeper::new(config)?;
    let chunks = corpus.map_chunks(progress, |d| {
        (keeper.keep(sketch(d, config)), d.content_words())
    })?;
    let n = corpus.store.len();
    let (mut kept, mut words): (Vec<KeptPrint>, Vec<usize>) =
        (Vec::with_capacity(n), Vec::with_capacity(n));
    for chunk in chunks {
        for (k, w) in chunk {
            kept.push(k);
            words.push(w);
        }
    }
    let prints = keeper.finish(kept)?;
    progress.stage("candidates", 1);
    let pairs = candidates(&prints, config);
    progress.stage("clustering", 1);
    let clusters = cluster(&prints, &pairs, config);
    prints.finish()?;
    progress.advance(1);
    Ok((clusters, words))
}

/// One cluster aligned, before the presence vote.
#[derive(Default)]
pub(super) struct Aligned {
    /// The copies in alignment order, pivot first.
    order: Vec<DocId>,
    /// Where each of them is among the cluster's members.
    positions: Vec<usize>,
    /// How many of them (the first) were aligned.
    aligned: usize,
    alignment: Alignment,
    pub(super) ballot: Ballot,
    /// The source number of each aligned copy.
    pub(super) sources: Vec<usize>,
}

impl Aligned {
    /// The alignment, taken out (its memory freed when dropped).
    fn take_alignment(&mut self) -> Alignment {
        std::mem::take(&mut self.alignment)
    }
}

/// Source numbers, in name order.
pub(super) struct SourceIndex<'a> {
    pub(super) names: Vec<&'a str>,
}

impl<'a> SourceIndex<'a> {
    /// The index of names already sorted and distinct.
    pub(super) fn of_sorted<S: AsRef<str>>(names: &'a [S]) -> SourceIndex<'a> {
        SourceIndex {
            names: names.iter().map(AsRef::as_ref).collect(),
        }
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

/// What the clusters' first merges teach, summed: each source's presence
/// tallies, by source number, and its reliability.
#[derive(Default)]
struct Taught {
    tallies: std::collections::BTreeMap<usize, Tally>,
    reliability: Reliability,
}

/// Clusters merged at once, in parallel, before what they teach is added
/// up in cluster order.
const MERGE_BATCH: usize = 4096;

/// Aligns every cluster, learns the presence model from all of them (see
/// [`crate::reconcile::presence`]), and merges each; then learns each
/// source's reliability from all of them and merges again, weighted, the
/// clusters that the tie rule decided (see
/// [`crate::reconcile::reliability`]). Spilling, each cluster's lines go
/// to the returned file as soon as its merge is final, so the merges are
/// not all held until the output is written.
fn merge_all(
    corpus: &Corpus<'_>,
    clusters: &[Cluster],
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Merges, Learned)> {
    let index = SourceIndex::of_sorted(&corpus.sources.names);
    let (mut aligned, shelf) = align_all(corpus, clusters, &index, config, progress)?;
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
    let lines = super::spilling(config, Spillable::Texts)?;
    let name = |d: DocId| corpus.name(d).to_string();
    let first = FirstMerge {
        corpus,
        shelf: &shelf,
        lines: lines.as_ref(),
        name: &name,
        config,
        progress,
    };
    let (merged, taught) = first.merge_all(clusters, &mut aligned, &keeps)?;
    let presence = presence_records(&taught.tallies, &model, &index);
    let reliability = taught.reliability;
    progress.stage("re-voting ties", clusters.len() as u64);
    // Each cluster's alignment is dropped by the thread that re-votes it:
    // freeing a million alignments on one thread is a stage of its own.
    let merged = merged
        .into_par_iter()
        .zip(aligned)
        .zip(keeps)
        .zip(clusters)
        .enumerate()
        .map(|(i, (((m, mut a), keep), c))| {
            progress.advance(1);
            if let Some(m) = m {
                return Ok(m);
            }
            shelf.restore(i, &mut a.alignment)?;
            let mut m = corpus.with(&c.members, |copies| {
                merge_cluster(copies, &a, &keep, Some(&reliability), config)
            })?;
            corpus.put_away(&mut m, lines.as_ref(), &name);
            Ok(m)
        })
        .collect::<Result<_>>()?;
    let learned = Learned {
        reliability,
        presence,
    };
    Ok((Merges { merged, lines }, learned))
}

/// The first merge of each cluster, under the presence model alone.
struct FirstMerge<'a> {
    corpus: &'a Corpus<'a>,
    shelf: &'a Shelf,
    /// Where final merges' lines go, spilling.
    lines: Option<&'a Spilling>,
    name: &'a (dyn Fn(DocId) -> String + Sync),
    config: &'a Config,
    progress: &'a dyn Progress,
}

impl FirstMerge<'_> {
    /// Merges every cluster, [`MERGE_BATCH`] at a time, and adds up what
    /// the merges teach in cluster order. A merge that a tie decided is
    /// `None`: it is made again once reliability is learned.
    fn merge_all(
        &self,
        clusters: &[Cluster],
        aligned: &mut [Aligned],
        keeps: &[Vec<bool>],
    ) -> Result<(Vec<Option<Merged>>, Taught)> {
        let mut merged = Vec::with_capacity(clusters.len());
        let mut taught = Taught::default();
        for start in (0..clusters.len()).step_by(MERGE_BATCH) {
            let end = clusters.len().min(start + MERGE_BATCH);
            let batch: Vec<(Option<Merged>, _, Reliability)> = (start..end)
                .into_par_iter()
                .zip(&mut aligned[start..end])
                .map(|(i, a)| self.merge(i, &clusters[i], a, &keeps[i]))
                .collect::<Result<_>>()?;
            for (m, tally, reliability) in batch {
                add_tally(&mut taught.tallies, tally);
                taught.reliability.merge(reliability);
                merged.push(m);
            }
        }
        Ok((merged, taught))
    }

    /// Merges cluster `i` and returns the merge with what it teaches. A
    /// merge that no tie decided is final: it is put away
    /// ([`Corpus::put_away`]), and its cluster's alignment and ballot are
    /// freed. One that a tie decided is dropped (`None`), its alignment
    /// kept to merge it again, or freed when spilled, to be read back then.
    fn merge(
        &self,
        i: usize,
        c: &Cluster,
        a: &mut Aligned,
        keep: &[bool],
    ) -> Result<(
        Option<Merged>,
        std::collections::BTreeMap<usize, Tally>,
        Reliability,
    )> {
        self.shelf.restore(i, &mut a.alignment)?;
        let mut m = self.corpus.with(&c.members, |copies| {
            merge_cluster(copies, a, keep, None, self.config)
        })?;
        let tally = presence_tally(a, keep, &m);
        let reliability = observed(&m, |d| self.corpus.source(d));
        let tied = m.canon.as_ref().is_some_and(|canon| canon.has_ties());
        self.progress.advance(1);
        if tied {
            if self.shelf.spilled() {
                a.take_alignment();
            }
            return Ok((None, tally, reliability));
        }
        // Only a merge made again needs its cluster's alignment and ballot.
        *a = Aligned::default();
        self.corpus.put_away(&mut m, self.lines, self.name);
        Ok((Some(m), tally, reliability))
    }
}

/// What a merge teaches of its copies' sources' reliability; `source`
/// gives a document's source.
pub(super) fn observed<'s>(m: &Merged, source: impl Fn(DocId) -> &'s str) -> Reliability {
    let mut r = Reliability::default();
    if let Some(canon) = &m.canon {
        let sources: Vec<&str> = m.order.iter().map(|&d| source(d)).collect();
        r.observe(canon, &sources);
    }
    r
}

/// Aligns every cluster; spilling, each alignment goes to a file of its
/// own as soon as its ballot is cast, to be read back when its cluster is
/// merged.
fn align_all(
    corpus: &Corpus<'_>,
    clusters: &[Cluster],
    index: &SourceIndex<'_>,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Vec<Aligned>, Shelf)> {
    progress.stage("aligning", clusters.len() as u64);
    let spilling = super::spilling(config, Spillable::Texts)?;
    let (aligned, spans): (Vec<Aligned>, Vec<Option<Span>>) = clusters
        .par_iter()
        .map(|c| {
            let mut a = corpus.with(&c.members, |copies| {
                align_cluster(copies, &c.members, index, config)
            })?;
            let span = spilling.as_ref().map(|s| s.put(&a.take_alignment()));
            progress.advance(1);
            Ok((a, span))
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    Ok((aligned, Shelf::new(spilling, spans)?))
}

/// Orders a cluster's copies (`copies`, the documents of `members`) by
/// agreement and aligns the first
/// [`crate::ConfigBuilder::max_aligned_copies`] of them.
pub(super) fn align_cluster(
    copies: &[&Document],
    members: &[DocId],
    index: &SourceIndex<'_>,
    config: &Config,
) -> Aligned {
    let mut units: Vec<Vec<Unit>> = copies.iter().map(|d| units(d)).collect();
    refine(copies, &mut units);
    let positions: Vec<usize> = order_by_agreement(&units);
    let aligned = members.len().min(config.align.max_aligned_copies.max(1));
    let mut taken: Vec<Vec<Unit>> = positions[..aligned]
        .iter()
        .map(|&i| std::mem::take(&mut units[i]))
        .collect();
    taken.shrink_to_fit();
    let voting: Vec<&Document> = positions[..aligned].iter().map(|&i| copies[i]).collect();
    let alignment = align_units(taken, config.align.max_diff_cells);
    let ballot = Ballot::of(&voting, &alignment);
    let sources = voting.iter().map(|d| index.number(&d.source)).collect();
    Aligned {
        order: positions.iter().map(|&i| members[i]).collect(),
        positions,
        aligned,
        alignment,
        ballot,
        sources,
    }
}

/// Votes, reconciles and annotates one aligned cluster, whose members'
/// documents are `members`.
pub(super) fn merge_cluster(
    members: &[&Document],
    a: &Aligned,
    keep: &[bool],
    reliability: Option<&Reliability>,
    config: &Config,
) -> Merged {
    let copies: Vec<&Document> = a.positions.iter().map(|&i| members[i]).collect();
    let weights: Vec<f64> = match reliability {
        Some(r) => copies.iter().map(|d| r.of(&d.source)).collect(),
        None => Vec::new(),
    };
    let mut canon = reconcile_with(&copies[..a.aligned], &a.alignment, keep, &weights);
    attach(&mut canon, &copies, a.aligned);
    let measured = Some(&canon).filter(|_| copies.len() > 1);
    let mut reports = annotate_all(&copies, measured, config);
    let endings: Vec<Option<String>> = copies.iter().map(|d| last_words(d)).collect();
    discount_shared_endings(&mut reports, &endings);
    let cut: Vec<bool> = copies.iter().map(|d| is_cut(d)).collect();
    discount_complete_copies(&mut reports, &cut);
    // What each copy reaches and what the vote left out are in the
    // reports now; the records need only the lines. Every cluster's merge
    // is held until the records are written, so each is cut to its size:
    // texts built word by word keep up to twice their length otherwise
    // (a million documents' merges: 2.3 GiB held, 1.8 GiB so).
    canon.dropped = Vec::new();
    for line in &mut canon.lines {
        line.reach = Vec::new();
        line.text.shrink_to_fit();
        line.sources.shrink_to_fit();
        line.variants.shrink_to_fit();
        for v in &mut line.variants {
            v.text.shrink_to_fit();
            v.copies.shrink_to_fit();
        }
    }
    canon.lines.shrink_to_fit();
    for r in &mut reports {
        r.boilerplate.shrink_to_fit();
    }
    Merged {
        order: a.order.clone(),
        canon: Some(canon),
        reports,
        ..Merged::default()
    }
}

/// One source's tallies in the presence vote: copies that carried a
/// slot, of them outvoted; slots the copy reached that were kept, of them
/// missed; paragraph breaks agreed, of breaks voted.
pub(super) type Tally = [u64; 6];

/// Each source's tallies in one cluster's presence vote, by source
/// number; empty for a cluster of one copy, which has no vote.
pub(super) fn presence_tally(
    a: &Aligned,
    keep: &[bool],
    m: &Merged,
) -> std::collections::BTreeMap<usize, Tally> {
    let mut counts = std::collections::BTreeMap::new();
    if a.ballot.copies() < 2 {
        return counts;
    }
    for &s in &a.sources {
        counts.entry(s).or_insert([0u64; 6]);
    }
    for (slot, &kept) in keep.iter().enumerate() {
        for (copy, vote) in a.ballot.votes(slot).iter().enumerate() {
            let c = counts.entry(a.sources[copy]).or_insert([0; 6]);
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
            let c = counts.entry(a.sources[copy]).or_insert([0; 6]);
            c[4] += u64::from(agreed);
            c[5] += u64::from(voted);
        }
    }
    counts
}

/// Adds one cluster's tallies to the corpus's.
pub(super) fn add_tally(
    total: &mut std::collections::BTreeMap<usize, Tally>,
    part: std::collections::BTreeMap<usize, Tally>,
) {
    for (s, c) in part {
        let t = total.entry(s).or_insert([0; 6]);
        for (x, y) in t.iter_mut().zip(c) {
            *x += y;
        }
    }
}

/// Each source's record in the presence vote, from the tallies of every
/// multi-copy cluster: the learned rates, and what the vote did to its
/// copies.
pub(super) fn presence_records(
    tallies: &std::collections::BTreeMap<usize, Tally>,
    model: &Model,
    index: &SourceIndex<'_>,
) -> std::collections::BTreeMap<String, PresenceRecord> {
    let share = |x: u64, of: u64| {
        if of == 0 {
            0.0
        } else {
            round3(x as f64 / of as f64)
        }
    };
    tallies
        .iter()
        .filter_map(|(&s, c)| {
            let name = index.names.get(s)?;
            let rates = model.sources.get(s).copied().unwrap_or(model.fallback);
            let record = PresenceRecord {
                carries_article: round3(rates.article[0]),
                carries_other: round3(rates.other[0]),
                outvoted: share(c[1], c[0]),
                missed: share(c[3], c[2]),
                paragraphing: share(c[4], c[5]),
            };
            Some((name.to_string(), record))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{Mode, Silent, run_entries};
    use crate::ingest::{Entry, Meta};
    use crate::normalize::DocId;
    use crate::report::write_output;

    fn entries() -> Vec<Entry> {
        let article = "Talks resume\n\nNegotiators met on Monday in the capital to resume \
            talks that stalled last spring over water rights.\n\nBoth delegations said \
            the mood was constructive and that a draft could follow within weeks.\n\n\
            Officials will meet again on Thursday to settle the remaining points.";
        let other = "Harvest late\n\nFarmers in the north report the latest harvest in \
            thirty years after a cold and wet summer.\n\nPrices for grain rose by a \
            tenth at the regional market on Friday.";
        let copies = [
            ("a.txt", article.to_string()),
            ("b.txt", format!("{}\n\nTo be continued.", &article[..150])),
            ("c.txt", article.replace("Monday", "Mondy")),
            ("d.txt", other.to_string()),
        ];
        let mut entries: Vec<Entry> = copies
            .into_iter()
            .map(|(id, text)| Entry {
                id: id.into(),
                source: id.into(),
                meta: Meta::default(),
                body: Ok(text),
            })
            .collect();
        // Metadata of every kind and an input without text, for the
        // records.
        let other = serde_json::json!({"score": 0.1, "tags": ["a", {"b": null}], "n": -3});
        entries[1].meta = Meta {
            title: Some("Talks resume".into()),
            date: Some("2024-05-06".into()),
            other: other.as_object().cloned(),
            ..Meta::default()
        };
        entries.push(Entry {
            id: "e.bin".into(),
            source: "e".into(),
            meta: Meta::default(),
            body: Err(crate::ingest::Problem::Skipped("not text".into())),
        });
        entries
    }

    #[test]
    fn spilled_lines_are_read_back_as_a_held_run_holds_them() {
        let spill = tempfile::tempdir().unwrap();
        let spilled = spilling_to(&spill);
        let held = run_entries(entries(), Mode::Run, &Config::default(), &Silent).unwrap();
        let out = run_entries(entries(), Mode::Run, &spilled, &Silent).unwrap();
        assert_eq!(out.clusters.len(), 2);
        for (i, c) in held.clusters.iter().enumerate() {
            assert!(c.lines.is_some());
            assert_eq!(out.clusters[i].lines, None, "the lines are in the file");
            assert_eq!(*out.cluster(i).unwrap(), *c);
        }
        let texts = |o: &crate::report::Outcome| -> Vec<(String, String)> {
            let texts = o.canonical().map(|t| t.map(|(id, t)| (id.to_string(), t)));
            texts.collect::<crate::Result<_>>().unwrap()
        };
        assert_eq!(texts(&out), texts(&held));
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_output(a.path(), &held, Default::default()).unwrap();
        write_output(b.path(), &out, Default::default()).unwrap();
        for name in ["clusters.jsonl", "canonical.jsonl"] {
            let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(name)).unwrap();
            assert_eq!(read(&b), read(&a), "{name}");
        }
        assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
    }

    #[test]
    fn spilled_records_and_reports_are_read_back_as_held_ones() {
        for mode in [Mode::Dedup, Mode::Run] {
            let spill = tempfile::tempdir().unwrap();
            let spilled = spilling_to(&spill);
            let held = run_entries(entries(), mode, &Config::default(), &Silent).unwrap();
            let out = run_entries(entries(), mode, &spilled, &Silent).unwrap();
            assert!(out.documents.is_empty(), "the records are in the file");
            assert_eq!(held.documents.len(), out.summary.documents.total);
            for (i, d) in held.documents.iter().enumerate() {
                assert_eq!(*out.document(i).unwrap(), *d, "{mode:?}");
                assert_eq!(*held.document(i).unwrap(), *d);
            }
            let any = |f: fn(&crate::report::DocumentRecord) -> bool| held.documents.iter().any(f);
            assert!(any(|d| d.meta.is_some() && d.cluster.is_some()));
            assert!(any(|d| d.truncated && d.truncation.is_some()), "{mode:?}");
            if mode == Mode::Run {
                assert!(any(|d| d.coverage.is_some() && !d.keep));
            }
            assert_eq!((out.summary, out.sources), (held.summary, held.sources));
        }
    }

    #[test]
    fn sources_are_numbered_in_name_order_whatever_order_they_are_met_in() {
        let documents = ["wire", "blog", "wire", "paper", "blog"];
        let sources = |order: &[usize]| {
            let numbers = super::SourceNumbers::default();
            let mut of = vec![0; documents.len()];
            for &d in order {
                of[d] = numbers.number(documents[d]);
            }
            numbers.finish(of)
        };
        let a = sources(&[0, 1, 2, 3, 4]);
        let b = sources(&[4, 3, 2, 1, 0]);
        for (d, &source) in documents.iter().enumerate() {
            assert_eq!(a.source(DocId(d as u32)), source);
            assert_eq!(b.source(DocId(d as u32)), source);
        }
        assert_eq!(a.of, b.of);
        assert_eq!(a.names, b.names);
        assert_eq!(&*a.names[0], "blog");
    }

    /// The default configuration, spilling everything to `dir`.
    fn spilling_to(dir: &tempfile::TempDir) -> Config {
        Config::builder()
            .spill(Some(dir.path().to_path_buf()))
            .build()
            .unwrap()
    }

    /// The output files of `mode` on [`entries`] under `config`.
    fn output_files(config: &Config, mode: Mode) -> Vec<(String, Vec<u8>)> {
        let out = run_entries(entries(), mode, config, &Silent).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_output(dir.path(), &out, Default::default()).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn any_mix_of_held_and_spilled_stores_gives_the_same_output() {
        let spill = tempfile::tempdir().unwrap();
        for mode in [Mode::Run, Mode::Dedup] {
            let held = output_files(&Config::default(), mode);
            assert!(held.len() >= 3, "{held:?}");
            for mix in 0..8 {
                let [prints, texts, records] = [1, 2, 4].map(|bit| mix & bit != 0);
                let mut config = spilling_to(&spill);
                config.held = crate::config::Held {
                    prints,
                    texts,
                    records,
                };
                let spilled = output_files(&config, mode);
                assert_eq!(
                    spilled, held,
                    "{mode:?}, held: prints {prints}, texts {texts}, records {records}"
                );
            }
        }
        assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
    }
}
