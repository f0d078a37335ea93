//! Stage 8: the output records and the files they are written to.
//!
//! The output contract (documented in the README) is: `documents.jsonl`,
//! one [`DocumentRecord`] per input document in id order;
//! `clusters.jsonl`, one [`ClusterRecord`] per cluster in id order;
//! `canonical.jsonl`, one line per cluster with its canonical text (and
//! `canonical/<cluster>.txt` on request); `sources.jsonl`, one [`SourceRecord`] per
//! source; and `summary.json`, a [`Summary`]. Fields may
//! be added; none is renamed or removed without a new
//! [`FORMAT_VERSION`].

mod assemble;
pub mod export;
pub mod read;
pub(crate) mod shelf;
mod write;

use crate::annotate::{CopyReport, Dropped, Paywall, Truncation};
use crate::config::Config;
use crate::ingest::Status;
use crate::spill::{Span, Spilled};
pub(crate) use assemble::{
    Merged, Merges, cluster_names, cluster_record, entry_record, finish, finish_shelved,
    into_record,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;
pub use write::{
    OWNER_FILE, WriteOptions, check_paths, check_writable, is_output_folder, remove_temporaries,
    write_output,
};

/// The version of the output format, written to `summary.json`.
pub const FORMAT_VERSION: u32 = 2;

/// One line of `documents.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    /// The document id: relative path, `#n` for the n-th record of a file.
    pub id: String,
    /// The publishing source.
    pub source: String,
    /// `ok`, `empty`, `skipped` or `error`.
    pub status: Status,
    /// Why the document is not ok; null when it is.
    pub error: Option<String>,
    /// The id of the document's cluster; null when it is not ok.
    pub cluster: Option<String>,
    /// Whether the copy is truncated (see `truncation`).
    pub truncated: bool,
    /// Whether the copy is paywalled (see `paywall`).
    pub paywalled: bool,
    /// Share of the canonical text this copy carries (`run` only).
    pub coverage: Option<f64>,
    /// Evidence of truncation.
    pub truncation: Option<Truncation>,
    /// Evidence of a paywall.
    pub paywall: Option<Paywall>,
    /// Furniture dropped from this copy.
    pub boilerplate: Vec<Dropped>,
    /// Words of article text, for ok documents.
    pub words: Option<usize>,
    /// The record's `title`, when it had one.
    pub title: Option<String>,
    /// The record's `url`, when it had one.
    pub url: Option<String>,
    /// The record's `date`, when it had one.
    pub date: Option<String>,
    /// The record's own `id` field, when it had one (the document `id` is
    /// its place in the input).
    pub record_id: Option<String>,
    /// The legacy encoding the file was decoded from (a guess from its
    /// bytes), when it was not UTF-8 or UTF-16.
    pub encoding: Option<String>,
    /// The record's other fields, as it had them (JSON, JSON Lines and
    /// Parquet records): every field but its text, id, url, title, date
    /// and source; null when there are none.
    pub meta: Option<serde_json::Map<String, serde_json::Value>>,
    /// Whether this document is its cluster's representative: exactly one
    /// per cluster (in `run`, the copy the others were aligned to, the one
    /// that agrees most with them; in `dedup`, the cluster's most complete
    /// copy), false for the other members and for documents not ok. Keep
    /// the documents with `keep: true` to deduplicate a corpus.
    pub keep: bool,
}

impl DocumentRecord {
    /// Fills in the evidence of a copy report.
    pub fn set_report(&mut self, report: CopyReport) {
        shelf::PackedReport::of(report).apply(self);
    }
}

/// One line of `clusters.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    /// The cluster id, also the name of its canonical text file.
    pub id: String,
    /// The member document ids, in id order.
    pub members: Vec<String>,
    /// The copy the others were aligned to (`run` only).
    pub pivot: Option<String>,
    /// The canonical text, one paragraph per entry (`run` only; in the
    /// outcome of a spilled `run`, in the spill file until it is written:
    /// see [`Outcome::cluster`]).
    pub lines: Option<Vec<LineRecord>>,
}

impl ClusterRecord {
    /// The canonical text (`run` only): the lines separated by blank
    /// lines, ending in a newline, as `canonical.jsonl` holds it.
    pub fn text(&self) -> Option<String> {
        let lines = self.lines.as_ref()?;
        Some(crate::reconcile::text_of_lines(
            lines.iter().map(|l| l.text.as_str()),
        ))
    }
}

/// One canonical paragraph with its provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineRecord {
    /// The paragraph.
    pub text: String,
    /// The documents that carry it, or a variant of it. Each name is
    /// shared by every line of its cluster.
    pub sources: Vec<Arc<str>>,
    /// The readings, winner first, when copies disagree.
    #[serde(default)]
    pub variants: Vec<VariantRecord>,
    /// Present and true when the winner was chosen by the tie rule.
    #[serde(default)]
    pub tie: bool,
}

/// One reading of a canonical paragraph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantRecord {
    /// The reading.
    pub text: String,
    /// The documents that read it so.
    pub sources: Vec<Arc<str>>,
}

/// The contents of `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The output format version, [`FORMAT_VERSION`].
    pub format_version: u32,
    /// `run` or `dedup`.
    pub command: &'static str,
    /// Documents by status.
    pub documents: StatusCounts,
    /// Number of clusters.
    pub clusters: usize,
    /// Clusters with more than one member.
    pub multi_copy_clusters: usize,
    /// Documents folded into another copy: ok documents minus clusters.
    pub copies_merged: usize,
    /// Copies flagged truncated.
    pub truncated: usize,
    /// Copies flagged paywalled.
    pub paywalled: usize,
    /// The settings that shaped the output.
    pub settings: SettingsRecord,
}

/// The settings that shape the output, as `summary.json` records them:
/// its own record, so the output format does not follow [`Config`]'s
/// layout. The thread count is not among them: it never changes the
/// output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Each is the [`crate::config::ConfigBuilder`] setting of the same name.
pub struct SettingsRecord {
    pub follow_links: bool,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub min_furniture_articles: usize,
    /// The number of marker phrases.
    pub markers: usize,
    pub shingle_words: usize,
    pub sample_modulus: u64,
    pub min_shared_samples: u32,
    pub min_shared_fraction: f64,
    pub max_posting: usize,
    pub min_resemblance: f64,
    pub min_containment: f64,
    pub min_containment_shingles: usize,
    pub max_template_shingles: usize,
    pub max_template_days: u32,
    pub max_aligned_copies: usize,
    pub max_diff_cells: usize,
    pub min_missing_tail: f64,
    pub min_missing_tail_words: usize,
    pub min_cut_inside_words: usize,
    pub min_prefix_share: f64,
}

impl SettingsRecord {
    /// The record of `config`.
    pub fn of(config: &Config) -> SettingsRecord {
        let (n, s, c) = (&config.normalize, &config.sketch, &config.cluster);
        SettingsRecord {
            follow_links: config.ingest.follow_links,
            include: config.ingest.include.clone(),
            exclude: config.ingest.exclude.clone(),
            min_furniture_articles: n.min_furniture_articles,
            markers: n.markers.len(),
            shingle_words: s.shingle_words,
            sample_modulus: s.sample_modulus,
            min_shared_samples: s.min_shared_samples,
            min_shared_fraction: s.min_shared_fraction,
            max_posting: s.max_posting,
            min_resemblance: c.min_resemblance,
            min_containment: c.min_containment,
            min_containment_shingles: c.min_containment_shingles,
            max_template_shingles: c.max_template_shingles,
            max_template_days: c.max_template_days,
            max_aligned_copies: config.align.max_aligned_copies,
            max_diff_cells: config.align.max_diff_cells,
            min_missing_tail: config.annotate.min_missing_tail,
            min_missing_tail_words: config.annotate.min_missing_tail_words,
            min_cut_inside_words: config.annotate.min_cut_inside_words,
            min_prefix_share: config.annotate.min_prefix_share,
        }
    }
}

/// Documents by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// All documents.
    pub total: usize,
    /// Readable documents.
    pub ok: usize,
    /// Documents with no text.
    pub empty: usize,
    /// Inputs newsmerge does not read.
    pub skipped: usize,
    /// Inputs that could not be read or parsed.
    pub error: usize,
}

impl StatusCounts {
    /// Counts the statuses of `documents`.
    pub fn of(documents: &[DocumentRecord]) -> StatusCounts {
        let mut c = StatusCounts::default();
        for d in documents {
            c.add(d);
        }
        c
    }

    /// Counts one more document.
    pub(crate) fn add(&mut self, d: &DocumentRecord) {
        self.total += 1;
        match d.status {
            Status::Ok => self.ok += 1,
            Status::Empty => self.empty += 1,
            Status::Skipped => self.skipped += 1,
            Status::Error => self.error += 1,
        }
    }

    /// Whether some input was not ok.
    pub fn has_problems(&self) -> bool {
        self.ok < self.total
    }
}

/// One line of `sources.jsonl`: how one source's copies fared, so that a
/// user can see which site truncates or walls its articles.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SourceRecord {
    /// The source name.
    pub source: String,
    /// Its documents, whatever their status.
    pub documents: usize,
    /// Its readable documents.
    pub ok: usize,
    /// Its documents that are not ok.
    pub problems: usize,
    /// Its copies flagged truncated.
    pub truncated: usize,
    /// Its copies flagged paywalled.
    pub paywalled: usize,
    /// Share of its ok copies flagged truncated or paywalled.
    pub flagged_share: f64,
    /// Its copies that share a cluster with another copy.
    pub duplicated: usize,
    /// Furniture lines dropped from its copies.
    pub boilerplate_lines: usize,
    /// Mean share of the canonical text its copies carry, over its copies
    /// in clusters of more than one (`run` only).
    pub mean_coverage: Option<f64>,
    /// How often its copies read a line as the majority of three or more
    /// copies does, smoothed (`run` only; see
    /// [`crate::reconcile::reliability`]).
    pub reliability: Option<f64>,
    /// How its copies vote on what is the article (`run` only; see
    /// [`crate::reconcile::presence`]).
    pub presence: Option<PresenceRecord>,
}

/// A source's record in the presence vote, over its copies in clusters of
/// more than one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PresenceRecord {
    /// The learned chance that its copy carries a sentence of the article.
    pub carries_article: f64,
    /// The learned chance that its copy carries a sentence that is not
    /// article text (menus, footers, related links).
    pub carries_other: f64,
    /// Share of the sentences its copies carry that the vote left out: how
    /// much furniture it adds.
    pub outvoted: f64,
    /// Share of the kept sentences its copies reached (between their first
    /// and last) that they lack: how much article text it drops.
    pub missed: f64,
    /// Share of the canonical paragraph breaks and joins it had a say in
    /// that it agrees with: how it paragraphs.
    pub paragraphing: f64,
}

impl SourceRecord {
    /// One record per source of `documents`, sorted by source name.
    /// `cluster_sizes` gives the number of members of each cluster id.
    pub fn tally(
        documents: &[DocumentRecord],
        cluster_sizes: &std::collections::HashMap<&str, usize>,
    ) -> Vec<SourceRecord> {
        let mut tally = SourceTally::default();
        for d in documents {
            tally.add(d, cluster_sizes);
        }
        tally.finish()
    }
}

/// [`SourceRecord::tally`] made one document at a time, for documents
/// that are not all held at once.
#[derive(Default)]
pub(crate) struct SourceTally {
    /// Each source's record, with its coverage sum and the copies measured.
    by_source: std::collections::BTreeMap<String, (SourceRecord, f64, usize)>,
}

impl SourceTally {
    /// Counts one document.
    pub(crate) fn add(
        &mut self,
        d: &DocumentRecord,
        cluster_sizes: &std::collections::HashMap<&str, usize>,
    ) {
        if !self.by_source.contains_key(&d.source) {
            self.by_source.insert(d.source.clone(), Default::default());
        }
        let (r, coverage_sum, measured) = self.by_source.get_mut(&d.source).expect("inserted");
        r.documents += 1;
        if d.status != Status::Ok {
            r.problems += 1;
            return;
        }
        r.ok += 1;
        r.truncated += usize::from(d.truncated);
        r.paywalled += usize::from(d.paywalled);
        r.boilerplate_lines += d.boilerplate.len();
        let shared = d
            .cluster
            .as_deref()
            .is_some_and(|c| cluster_sizes.get(c).copied().unwrap_or(1) > 1);
        if shared {
            r.duplicated += 1;
            if let Some(c) = d.coverage {
                *coverage_sum += c;
                *measured += 1;
            }
        }
        if d.truncated || d.paywalled {
            r.flagged_share += 1.0;
        }
    }

    /// One record per source, sorted by source name.
    pub(crate) fn finish(self) -> Vec<SourceRecord> {
        self.by_source
            .into_iter()
            .map(|(source, (mut r, coverage_sum, measured))| {
                r.source = source;
                r.flagged_share = round3(r.flagged_share / r.ok.max(1) as f64);
                r.mean_coverage = (measured > 0).then(|| round3(coverage_sum / measured as f64));
                r
            })
            .collect()
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Everything a run produced, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// One record per input document, in id order. A spilled `dedup`
    /// ([`crate::ConfigBuilder::spill`]) keeps the records in its spill
    /// file and leaves this empty: [`Outcome::document`] reads them back.
    pub documents: Vec<DocumentRecord>,
    /// One record per cluster, in id order. A spilled `run`
    /// ([`crate::ConfigBuilder::spill`]) keeps the clusters' lines in its
    /// spill file, not in their records: [`Outcome::cluster`] reads them
    /// back.
    pub clusters: Vec<ClusterRecord>,
    /// One record per source, by source name.
    pub sources: Vec<SourceRecord>,
    /// The counts.
    pub summary: Summary,
    /// Where the clusters' lines are, when they were spilled.
    pub(crate) shelf: Option<LineShelf>,
    /// Where the document records are, when they were spilled.
    pub(crate) records: Option<shelf::RecordShelf>,
}

impl Outcome {
    /// Cluster `i`'s record with its lines, held or read back from the
    /// spill file. Fails only when the spill file cannot be read.
    ///
    /// # Panics
    ///
    /// When there is no cluster `i` (`i >= clusters.len()`).
    pub fn cluster(&self, i: usize) -> crate::Result<Cow<'_, ClusterRecord>> {
        let held = &self.clusters[i];
        let Some(lines) = self.shelf.as_ref().map(|s| s.get(i)).transpose()? else {
            return Ok(Cow::Borrowed(held));
        };
        Ok(Cow::Owned(ClusterRecord {
            lines: lines.or_else(|| held.lines.clone()),
            ..held.clone()
        }))
    }

    /// Document `i`'s record, held or read back from the spill file.
    /// There are [`Summary::documents`]`.total` of them. Fails only when
    /// the spill file cannot be read.
    ///
    /// # Panics
    ///
    /// When there is no document `i`.
    pub fn document(&self, i: usize) -> crate::Result<Cow<'_, DocumentRecord>> {
        match &self.records {
            Some(shelf) => shelf.get(i, &self.clusters).map(Cow::Owned),
            None => Ok(Cow::Borrowed(&self.documents[i])),
        }
    }

    /// The number of document records, held or spilled.
    fn document_count(&self) -> usize {
        self.records
            .as_ref()
            .map_or(self.documents.len(), |s| s.len())
    }

    /// The canonical texts by cluster id, in id order (`run` only), each
    /// made from its cluster's lines ([`ClusterRecord::text`]) when asked
    /// for, so the texts are not held twice.
    pub fn canonical(&self) -> impl Iterator<Item = crate::Result<(&str, String)>> + '_ {
        (0..self.clusters.len()).filter_map(|i| {
            let text = self.cluster(i).map(|c| c.text());
            let id = self.clusters[i].id.as_str();
            text.map(|t| t.map(|t| (id, t))).transpose()
        })
    }
}

/// The clusters' lines in a spill file, by cluster: a spilled `run` puts
/// each cluster's there as soon as its merge is final, so that the merges
/// are not all held until the output is written.
#[derive(Clone)]
pub(crate) struct LineShelf {
    file: Arc<Spilled>,
    spans: Vec<Option<Span>>,
}

impl LineShelf {
    /// The lines put in `file` at `spans`, one per cluster (none for a
    /// cluster whose lines are held).
    pub(crate) fn new(file: Spilled, spans: Vec<Option<Span>>) -> LineShelf {
        LineShelf {
            file: Arc::new(file),
            spans,
        }
    }

    fn get(&self, i: usize) -> crate::Result<Option<Vec<LineRecord>>> {
        self.spans[i].map(|s| self.file.get(s)).transpose()
    }
}

/// Two shelves are equal when they are one file, read at the same places:
/// the lines are not read back to compare them.
impl PartialEq for LineShelf {
    fn eq(&self, other: &LineShelf) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.spans == other.spans
    }
}

impl std::fmt::Debug for LineShelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shelved = self.spans.iter().flatten().count();
        write!(f, "LineShelf({shelved} clusters' lines spilled)")
    }
}
