//! `run`: every stage, with every normalized document held for merging.

use super::{Loaded, Mode, Progress, sort_by_id};
use crate::align::{Alignment, Unit, align_units, order_by_agreement, refine, units};
use crate::annotate::{CopyReport, annotate, discount_complete_copies, discount_shared_endings};
use crate::cluster::{Cluster, cluster};
use crate::config::Config;
use crate::normalize::ending::{is_cut, last_words};
use crate::normalize::{DocId, Document, recurring};
use crate::reconcile::presence::{Ballot, Model, Vote};
use crate::reconcile::reliability::Reliability;
use crate::reconcile::{attach, reconcile_with};
use crate::report::{Known, Merged, assemble, cluster_names, round3};
use crate::report::{Outcome, PresenceRecord};
use crate::sketch::{Signature, candidates, sketch};
use rayon::prelude::*;

/// How the documents are grouped into articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Grouping {
    /// By the copies found among them (`run`).
    Found,
    /// All of them, as copies of one article (`merge`).
    One,
}

/// The stages after loading, on entries in any order.
pub(super) fn run_loaded(
    mut loaded: Vec<Loaded>,
    grouping: Grouping,
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
    let learned = recurring::Learned::learn(lines, config.normalize.min_furniture_articles);
    docs.par_iter_mut().for_each(|d| learned.mark(d));
    let clusters = match grouping {
        Grouping::Found => find_clusters(&docs, config, progress),
        Grouping::One if docs.is_empty() => Vec::new(),
        Grouping::One => vec![Cluster {
            centre: DocId(0),
            members: (0..docs.len() as u32).map(DocId).collect(),
        }],
    };
    let names = cluster_names(&clusters);
    let (results, learned) = merge_all(&docs, &clusters, config, progress);
    let known = Known::of(&docs);
    let mut outcome = assemble(
        &entries,
        &known,
        &clusters,
        &names,
        results,
        Mode::Run.name(),
        config,
    );
    describe_sources(&mut outcome, &learned.reliability, &learned.presence);
    outcome
}

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
/// into clusters.
fn find_clusters(docs: &[Document], config: &Config, progress: &dyn Progress) -> Vec<Cluster> {
    let signatures = sketch_all(docs, config, progress);
    progress.stage("candidates", 1);
    let pairs = candidates(&signatures, config);
    progress.stage("clustering", 1);
    let clusters = cluster(&signatures, &pairs, config);
    progress.advance(1);
    clusters
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

/// One cluster aligned, before the presence vote.
pub(super) struct Aligned {
    /// The copies in alignment order, pivot first.
    order: Vec<DocId>,
    /// How many of them (the first) were aligned.
    aligned: usize,
    alignment: Alignment,
    pub(super) ballot: Ballot,
    /// The source number of each aligned copy.
    pub(super) sources: Vec<usize>,
}

/// Source numbers, in name order.
pub(super) struct SourceIndex<'a> {
    pub(super) names: Vec<&'a str>,
}

impl<'a> SourceIndex<'a> {
    pub(super) fn of(docs: &'a [Document]) -> SourceIndex<'a> {
        let mut names: Vec<&str> = docs.iter().map(|d| d.source.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        SourceIndex { names }
    }

    /// The index of names already sorted and distinct.
    pub(super) fn of_sorted(names: &'a [String]) -> SourceIndex<'a> {
        SourceIndex {
            names: names.iter().map(String::as_str).collect(),
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
    let mut tallies = std::collections::BTreeMap::new();
    for ((a, keep), m) in aligned.iter().zip(&keeps).zip(&merged) {
        add_tally(&mut tallies, presence_tally(a, keep, m));
    }
    let presence = presence_records(&tallies, &model, &index);
    let reliability = learn_reliability(docs, &merged);
    progress.stage("re-voting ties", clusters.len() as u64);
    // Each cluster's alignment is dropped by the thread that re-votes it:
    // freeing a million alignments on one thread is a stage of its own.
    let merged = merged
        .into_par_iter()
        .zip(aligned)
        .zip(keeps)
        .map(|((m, a), keep)| {
            let tied = m.canon.as_ref().is_some_and(|canon| canon.has_ties());
            progress.advance(1);
            if tied {
                merge_cluster(docs, &a, &keep, Some(&reliability), config)
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
/// [`crate::ConfigBuilder::max_aligned_copies`] of them.
pub(super) fn align_cluster(
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
    let aligned = members.len().min(config.align.max_aligned_copies.max(1));
    let mut taken: Vec<Vec<Unit>> = order[..aligned]
        .iter()
        .map(|&i| std::mem::take(&mut units[i]))
        .collect();
    taken.shrink_to_fit();
    let order: Vec<DocId> = order.iter().map(|&i| members[i]).collect();
    let copies: Vec<&Document> = order[..aligned].iter().map(|d| &docs[d.index()]).collect();
    let alignment = align_units(taken, config.align.max_diff_cells);
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
pub(super) fn merge_cluster(
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
