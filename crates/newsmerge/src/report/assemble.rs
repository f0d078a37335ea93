//! Assembling the output records from what the stages made of the input.

use super::shelf::{RecordShelf, ReportAt};
use super::{
    ClusterRecord, DocumentRecord, FORMAT_VERSION, LineRecord, Outcome, SettingsRecord,
    SourceRecord, SourceTally, StatusCounts, Summary, VariantRecord,
};
use crate::annotate::CopyReport;
use crate::cluster::Cluster;
use crate::config::Config;
use crate::error::Result;
use crate::ingest::{self, Entry, Status};
use crate::normalize::DocId;
use crate::reconcile::CanonicalText;
use crate::spill::{Span, Spilling};
use std::borrow::Cow;
use std::sync::Arc;

/// Cluster ids: `c` and the cluster's rank by first member, zero-padded.
pub(crate) fn cluster_names(clusters: &[Cluster]) -> Vec<String> {
    let width = clusters.len().to_string().len().max(6);
    (1..=clusters.len())
        .map(|n| format!("c{n:0width$}"))
        .collect()
}

/// What merging one cluster yields.
#[derive(Default)]
pub(crate) struct Merged {
    /// The copies in alignment order, pivot first.
    pub(crate) order: Vec<DocId>,
    pub(crate) canon: Option<CanonicalText>,
    pub(crate) reports: Vec<CopyReport>,
    /// Where its lines are in the run's line file, once put there
    /// ([`Merged::shelve`]): its canonical text is then dropped.
    pub(crate) shelved: Option<Span>,
    /// Its reports once kept until the records are made, in the order of
    /// `reports`, which is then emptied.
    pub(crate) kept_reports: Vec<Option<ReportAt>>,
}

/// Every cluster's merge, by cluster, and the file their lines were put
/// in, if they were ([`Merged::shelve`]).
pub(crate) struct Merges {
    pub(crate) merged: Vec<Merged>,
    pub(crate) lines: Option<Spilling>,
}

impl Merged {
    /// Whether the merge made a canonical text, held or shelved.
    fn has_text(&self) -> bool {
        self.canon.is_some() || self.shelved.is_some()
    }

    /// Puts the canonical text's lines, as their records, in `file`, and
    /// drops the text; `name` names a document.
    pub(crate) fn shelve(&mut self, file: &Spilling, name: &dyn Fn(DocId) -> String) {
        if let Some(canon) = self.canon.take() {
            self.shelved = Some(file.put(&line_records(&canon, &self.order, name)));
        }
    }
}

/// One cluster's record; `name` names a document.
pub(crate) fn cluster_record(
    id: &str,
    cluster: &Cluster,
    m: &Merged,
    name: &dyn Fn(DocId) -> String,
) -> ClusterRecord {
    let lines = m.canon.as_ref().map(|c| line_records(c, &m.order, name));
    ClusterRecord {
        id: id.to_string(),
        members: cluster.members.iter().map(|&d| name(d)).collect(),
        pivot: m.has_text().then(|| name(m.order[0])),
        lines,
    }
}

/// The outcome from every document's and cluster's record, in id order:
/// the summary and the sources are counted from them.
pub(crate) fn finish(
    documents: Vec<DocumentRecord>,
    records: Vec<ClusterRecord>,
    command: &'static str,
    config: &Config,
) -> Outcome {
    let document = |i: usize| Ok(Cow::Borrowed(&documents[i]));
    let (summary, sources) = count(documents.len(), document, &records, command, config)
        .expect("held records are read without fail");
    Outcome {
        documents,
        clusters: records,
        sources,
        summary,
        shelf: None,
        records: None,
    }
}

/// [`finish`] with the document records in a spill file: each is read
/// back once to count it. Fails only when the file cannot be read.
pub(crate) fn finish_shelved(
    shelf: RecordShelf,
    records: Vec<ClusterRecord>,
    command: &'static str,
    config: &Config,
) -> Result<Outcome> {
    let document = |i: usize| shelf.get(i, &records).map(Cow::Owned);
    let (summary, sources) = count(shelf.len(), document, &records, command, config)?;
    Ok(Outcome {
        documents: Vec::new(),
        clusters: records,
        sources,
        summary,
        shelf: None,
        records: Some(shelf),
    })
}

/// The summary and the sources of `n` document records, read one at a
/// time by `document`, and the cluster records `clusters`.
fn count<'d>(
    n: usize,
    document: impl Fn(usize) -> Result<Cow<'d, DocumentRecord>>,
    clusters: &[ClusterRecord],
    command: &'static str,
    config: &Config,
) -> Result<(Summary, Vec<SourceRecord>)> {
    let sizes = clusters
        .iter()
        .map(|c| (c.id.as_str(), c.members.len()))
        .collect();
    let (mut counts, mut sources) = (StatusCounts::default(), SourceTally::default());
    let (mut truncated, mut paywalled) = (0, 0);
    for i in 0..n {
        let d = document(i)?;
        counts.add(&d);
        sources.add(&d, &sizes);
        truncated += usize::from(d.truncated);
        paywalled += usize::from(d.paywalled);
    }
    let summary = Summary {
        format_version: FORMAT_VERSION,
        command,
        documents: counts,
        clusters: clusters.len(),
        multi_copy_clusters: clusters.iter().filter(|c| c.members.len() > 1).count(),
        copies_merged: counts.ok - clusters.len(),
        truncated,
        paywalled,
        settings: SettingsRecord::of(config),
    };
    Ok((summary, sources.finish()))
}

fn line_records(
    canon: &CanonicalText,
    order: &[DocId],
    name: &dyn Fn(DocId) -> String,
) -> Vec<LineRecord> {
    // Each copy's name is made once and shared by the lines that cite it:
    // a million clusters' lines cite their copies tens of millions of times.
    let shared: Vec<Arc<str>> = order.iter().map(|&d| Arc::from(name(d))).collect();
    let names = |copies: &[usize]| -> Vec<Arc<str>> {
        let mut v: Vec<Arc<str>> = copies.iter().map(|&c| shared[c].clone()).collect();
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

/// An entry's record before it is clustered: its id, source and metadata,
/// and its status and reason when it has no text.
pub(crate) fn entry_record(e: &Entry) -> DocumentRecord {
    into_record(Entry {
        id: e.id.clone(),
        source: e.source.clone(),
        meta: e.meta.clone(),
        body: e.body.as_ref().map(|_| String::new()).map_err(Clone::clone),
    })
}

/// [`entry_record`], its fields moved out of the entry.
pub(crate) fn into_record(e: Entry) -> DocumentRecord {
    let mut r = DocumentRecord {
        id: e.id,
        source: e.source,
        status: Status::Ok,
        error: None,
        cluster: None,
        truncated: false,
        paywalled: false,
        coverage: None,
        truncation: None,
        paywall: None,
        boilerplate: Vec::new(),
        words: None,
        title: e.meta.title,
        url: e.meta.url,
        date: e.meta.date,
        record_id: e.meta.record_id,
        encoding: e.meta.encoding,
        meta: e.meta.other,
        keep: false,
    };
    if let Err(p) = &e.body {
        r.status = p.status();
        r.error = Some(p.reason().to_string());
    }
    r
}
