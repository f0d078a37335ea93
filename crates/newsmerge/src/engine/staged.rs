//! `run` one stage at a time, for a driver that spreads the stages over
//! machines: the Spark job of the Python package.
//!
//! `run` learns three things from the whole corpus: the furniture of each
//! source, the presence model (how each source's copies vote), and each
//! source's reliability (how often its readings win). Between them, the
//! work is per document or per cluster. This module cuts `run` at those
//! three points: each function below does the per-document or per-cluster
//! work of one stage, or learns from what every worker returned, and every
//! value that crosses between them serializes ([`Context::to_bytes`],
//! serde for the rest). The functions are the ones `run` calls, in the
//! same order on the same values, so a driver that follows the order
//! gets byte for byte the output of `run`:
//!
//! ```text
//! plan → Split::read                       (driver, then per file part)
//!   or files → read_lines / read_rows / read_bytes   (the driver's readers)
//!   → furniture_lines → Context::learn_furniture    (per entry, then all)
//!   → fingerprint → clusters               (per entry, then all: driver)
//!   → ballot → Context::learn_presence     (per cluster, then all)
//!   → tally → Context::learn_reliability   (per cluster, then all)
//!   → merge → finish                       (per cluster, then all)
//! ```
//!
//! A cluster's work gets the cluster's entries only: they are normalized
//! again at each stage that needs their text, which costs CPU and saves
//! moving normalized documents between machines.

use super::run::{
    Aligned, SourceIndex, Tally, add_tally, align_cluster, describe_sources, merge_cluster,
    observed, presence_records, presence_tally,
};
use super::{Mode, load_document};
use crate::cluster::{Cluster, cluster, is_match, split_component};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{self, Entry, Found, Part};
use crate::normalize::recurring::{self, LinePairs};
use crate::normalize::{DocId, Document};
use crate::reconcile::presence::{Ballot, Model};
use crate::reconcile::reliability::Reliability;
use crate::report::{
    ClusterRecord, DocumentRecord, Merged, Outcome, cluster_names, cluster_record, entry_record,
    finish as finish_records,
};
use crate::sketch::{self, CandidatePair, Print, Signature, candidates, sketch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A unit of reading handed to a worker: one file of the input, or one
/// part of a large JSON Lines file, or one row group of a Parquet file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    found: Found,
    part: Part,
}

/// Walks the input as `run` does and cuts it into splits, in input order.
pub fn plan(input: &Path, config: &Config) -> Result<Vec<Split>> {
    let found = ingest::walk(input, config.ingest.follow_links, &config.ingest.filter()?)?;
    let parts = ingest::parts(&found);
    Ok(parts
        .into_iter()
        .map(|mut part| {
            let found = found[part.file].clone();
            part.file = 0;
            Split { found, part }
        })
        .collect())
}

impl Split {
    /// The entries of this split, as `run` reads them: every record, the
    /// unreadable ones with their reason.
    pub fn read(&self, config: &Config) -> Vec<Entry> {
        ingest::read_part(
            std::slice::from_ref(&self.found),
            &self.part,
            &config.ingest.fields,
        )
    }
}

/// How a driver with a file reader of its own (a cluster's, reading from
/// any of its file systems) reads a file of the walk, so that it gets
/// the entries [`Split::read`] gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reading {
    /// Line by line, in parts: a large JSON Lines file. The lines go to
    /// [`read_lines`], numbered after the records and lines before them.
    Lines,
    /// Row by row, in parts: a Parquet file with rows. The rows go to
    /// [`read_rows`] as Arrow data, each with its row number.
    Rows,
    /// Whole: the file's bytes go to [`read_bytes`].
    Whole,
    /// By the driver itself ([`InputFile::read`]): a file the walk passed
    /// over, which is not opened, or an empty one (file readers that cut
    /// files into byte ranges give an empty file none, and so no record
    /// to say why it holds no document).
    Walked,
}

/// A file of the walk, with the way to read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    found: Found,
    reading: Reading,
}

/// Walks the input as `run` does: its files in input order, each with the
/// way to read it. JSON Lines files larger than `lines_from` bytes
/// ([`ingest::PART_BYTES`] as `run` reads them) are read line by line;
/// only their first bytes, and Parquet files' footers, are read here.
pub fn files(input: &Path, config: &Config, lines_from: u64) -> Result<Vec<InputFile>> {
    let found = ingest::walk(input, config.ingest.follow_links, &config.ingest.filter()?)?;
    Ok(found
        .into_iter()
        .map(|found| {
            let empty = std::fs::metadata(&found.path).is_ok_and(|m| m.len() == 0);
            let passed = found.problem.is_some() || ingest::Format::of(&found.rel).is_none();
            let reading = if passed || empty {
                Reading::Walked
            } else if ingest::read_by_lines(&found, lines_from) {
                Reading::Lines
            } else if ingest::parquet_rows(&found).is_some_and(|rows| rows > 0) {
                Reading::Rows
            } else {
                Reading::Whole
            };
            InputFile { found, reading }
        })
        .collect())
}

impl InputFile {
    /// The file's path relative to the input: the documents' ids start
    /// with it.
    pub fn rel(&self) -> &str {
        &self.found.rel
    }

    /// The file's path, as the walk found it.
    pub fn path(&self) -> &Path {
        &self.found.path
    }

    /// How the file is read.
    pub fn reading(&self) -> Reading {
        self.reading
    }

    /// The file's entries, read here, as `run` reads it: for a file the
    /// walk passed over, an empty one, one read by lines that holds no
    /// record, or one the driver's own reader passed over.
    pub fn read(&self, config: &Config) -> Vec<Entry> {
        ingest::read(&self.found, &config.ingest.fields)
    }
}

/// The entries of consecutive lines of the JSON Lines file `rel` (without
/// their `\n`), after `before` = (records, lines) of the file: a record
/// is a line with more than ASCII whitespace ([`ingest::is_record_line`]).
pub fn read_lines(
    rel: &str,
    lines: &[&[u8]],
    before: (usize, usize),
    config: &Config,
) -> Vec<Entry> {
    ingest::line_entries(rel, lines, before, &config.ingest.fields)
}

/// The entries of Parquet rows handed over as an Arrow IPC stream, with
/// each row's file (relative to the input) and row number (1-based).
pub fn read_rows(ipc: &[u8], rows: &[(String, usize)], config: &Config) -> Result<Vec<Entry>> {
    ingest::ipc_rows(ipc, rows, &config.ingest.fields).map_err(Error::Staged)
}

/// The entries of the bytes of the file `rel`, as `run` reads the file.
pub fn read_bytes(rel: &str, bytes: Vec<u8>, config: &Config) -> Vec<Entry> {
    ingest::read_bytes(rel, bytes, &config.ingest.fields)
}

/// An entry's lines as furniture learning counts them: (line, article)
/// hash pairs of its short lines, then of its long ones (see
/// [`recurring::Lines`]). A line is learned when at least
/// [`crate::ConfigBuilder::min_furniture_articles`] distinct pairs carry it;
/// [`Context::learn_furniture`] takes the lines so counted.
pub fn furniture_lines(entry: &Entry) -> (LinePairs, LinePairs) {
    let lines = entry
        .body
        .as_ref()
        .ok()
        .and_then(|raw| recurring::Lines::of_raw(&entry.source, raw));
    lines.map(|l| l.pairs()).unwrap_or_default()
}

/// How many distinct (line, article) pairs must carry a line for it to be
/// learned: [`crate::ConfigBuilder::min_furniture_articles`]; below 2,
/// nothing is learned.
pub fn furniture_threshold(config: &Config) -> usize {
    config.normalize.min_furniture_articles
}

/// What the workers need of what was learned from the whole corpus, as
/// far as it has been learned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Context {
    furniture: recurring::Learned,
    /// Every source of a readable document, sorted: source numbers.
    sources: Vec<String>,
    model: Option<Model>,
    reliability: Option<Reliability>,
}

impl Context {
    /// The context as bytes, to hand to workers.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a context serializes")
    }

    /// A context from [`Context::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Context> {
        postcard::from_bytes(bytes).map_err(|e| Error::Staged(format!("context: {e}")))
    }

    /// A context that knows the furniture: `seen` the short lines and
    /// `site` the long ones that enough articles carry (see
    /// [`furniture_lines`]), and `sources` every source of a readable
    /// document, in any order.
    pub fn learn_furniture(
        seen: Vec<u64>,
        site: Vec<u64>,
        mut sources: Vec<String>,
        config: &Config,
    ) -> Context {
        sources.sort_unstable();
        sources.dedup();
        Context {
            furniture: recurring::Learned::from_counted(
                seen,
                site,
                config.normalize.min_furniture_articles,
            ),
            sources,
            model: None,
            reliability: None,
        }
    }

    /// Learns the presence model from every cluster's [`ballot`], in
    /// cluster order.
    pub fn learn_presence(&mut self, ballots: &[(Ballot, Vec<usize>)]) {
        let voting: Vec<(&Ballot, &[usize])> = ballots
            .iter()
            .filter(|(b, _)| b.copies() > 1)
            .map(|(b, s)| (b, s.as_slice()))
            .collect();
        self.model = Some(Model::learn(&voting, self.sources.len()));
    }

    /// Learns each source's reliability from every cluster's [`tally`],
    /// in any order.
    pub fn learn_reliability(
        &mut self,
        tallies: impl IntoIterator<Item = ClusterTally>,
    ) -> Tallies {
        let mut reliability = Reliability::default();
        let mut presence = BTreeMap::new();
        for t in tallies {
            reliability.merge(t.reliability);
            add_tally(&mut presence, t.presence);
        }
        self.reliability = Some(reliability);
        Tallies(presence)
    }

    fn index(&self) -> SourceIndex<'_> {
        SourceIndex::of_sorted(&self.sources)
    }

    fn model(&self) -> Result<&Model> {
        self.model
            .as_ref()
            .ok_or_else(|| Error::Staged("the presence model is not learned yet".into()))
    }
}

/// An entry's fingerprint and source, or `None` when it has no text.
pub fn fingerprint(entry: Entry, context: &Context, config: &Config) -> Option<Signature> {
    let (_, doc) = load_document(entry, &config.normalize.markers);
    let mut doc = doc?;
    context.furniture.mark(&mut doc);
    Some(sketch(&doc, config))
}

/// The clusters of the readable documents, numbered in id order from 0,
/// from their fingerprints in that order: each cluster's id and members,
/// sorted by first member, as `run` finds them.
pub fn clusters(signatures: &[Signature], config: &Config) -> Vec<(String, Vec<u32>)> {
    let pairs = candidates(signatures, config);
    let found = cluster(signatures, &pairs, config);
    let names = cluster_names(&found);
    names
        .into_iter()
        .zip(found)
        .map(|(name, c)| (name, c.members.iter().map(|d| d.0).collect()))
        .collect()
}

/// What the candidate search of [`crate::sketch::candidates`] keys a
/// document by, for a driver that finds candidates by shuffles: three
/// kinds of pairs, each from a grouping.
///
/// - Exact copies: documents grouped by `exact`, in number order, give
///   [`exact_copies`] their originals and (original, copy) pairs. Only
///   originals take part in the two searches below.
/// - Near copies: originals grouped by each `near` key; a group of two or
///   more is paired with its centre (most `shingles`, then lowest number),
///   and the centres of the groups one document belongs to with each other.
/// - Shared shingles: originals grouped by each shingle of `sample`; a
///   shingle of 2 to [`max_posting`] documents counts one for each pair of
///   them, and a pair counted at least [`shared_needed`] of its smaller
///   sample is a candidate.
///
/// Every candidate is then verified ([`verify`]), the verified pairs
/// joined into components ([`components`]), and each component split by
/// centre ([`split`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateKeys {
    /// The key of identical fingerprints.
    pub exact: u64,
    /// How many shingles the document has.
    pub shingles: usize,
    /// Its sampled shingles.
    pub sample: Vec<u32>,
    /// Its near-copy keys, one per seed; `None` without a sample.
    pub near: Vec<Option<u64>>,
}

/// The candidate keys of a fingerprint; `None` when it has no shingles
/// (a document that is no one's candidate).
pub fn candidate_keys(s: &Signature) -> Option<CandidateKeys> {
    (!s.shingles.is_empty()).then(|| CandidateKeys {
        exact: sketch::fingerprint_key(s),
        shingles: s.shingles.len(),
        sample: s.sample.clone(),
        near: (0..sketch::NEAR_KEYS)
            .map(|seed| sketch::near_key(s, seed))
            .collect(),
    })
}

/// The originals among documents of one exact key, given in number
/// order, and the (original, copy) pairs of the others.
pub fn exact_copies(group: &[(u32, Signature)]) -> (Vec<u32>, Vec<(u32, u32)>) {
    let group: Vec<(u32, Print<'_>)> = group.iter().map(|(d, s)| (*d, s.print())).collect();
    let mut copies = Vec::new();
    let originals = sketch::originals_of(&group, &mut copies);
    (originals, copies.iter().map(|p| (p.a.0, p.b.0)).collect())
}

/// The most documents a sampled shingle may have and still count.
pub fn max_posting(config: &Config) -> usize {
    config.sketch.max_posting
}

/// How many sampled shingles a pair whose smaller sample has `smaller`
/// of them must share to be a candidate.
pub fn shared_needed(smaller: usize, config: &Config) -> u32 {
    sketch::shared_needed(smaller, config)
}

/// Whether two candidates are copies of one article.
pub fn verify(a: &Signature, b: &Signature, config: &Config) -> bool {
    is_match(&a.print(), &b.print(), config)
}

/// The connected components of two or more documents, from the verified
/// pairs of `n` documents: each sorted, in order of first member.
pub fn components(n: usize, verified: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let pairs: Vec<CandidatePair> = verified.iter().map(|&(a, b)| pair(a, b)).collect();
    crate::cluster::components(n, &pairs)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.iter().map(|d| d.0).collect())
        .collect()
}

fn pair(a: u32, b: u32) -> CandidatePair {
    CandidatePair {
        a: DocId(a.min(b)),
        b: DocId(a.max(b)),
    }
}

/// Splits one component, its members with their fingerprints and its
/// verified pairs, by centre: the members of each of its clusters.
pub fn split(
    mut members: Vec<(u32, Signature)>,
    verified: &[(u32, u32)],
    config: &Config,
) -> Vec<Vec<u32>> {
    members.sort_by_key(|m| m.0);
    let members: Vec<(u32, &Signature)> = members.iter().map(|(d, s)| (*d, s)).collect();
    let mut pairs: Vec<CandidatePair> = verified.iter().map(|&(a, b)| pair(a, b)).collect();
    pairs.sort_unstable();
    split_component(&members, &pairs, config)
        .into_iter()
        .map(|c| c.members.iter().map(|d| d.0).collect())
        .collect()
}

/// Every cluster of `n` documents, named and in order of first member,
/// from the clusters of the components: documents in none are clusters
/// of their own.
pub fn name_clusters(n: usize, mut found: Vec<Vec<u32>>) -> Vec<(String, Vec<u32>)> {
    let mut placed = vec![false; n];
    for &d in found.iter().flatten() {
        placed[d as usize] = true;
    }
    found.extend(
        (0..n as u32)
            .filter(|&d| !placed[d as usize])
            .map(|d| vec![d]),
    );
    found.sort_by_key(|c| c[0]);
    let clusters: Vec<Cluster> = found
        .iter()
        .map(|m| Cluster {
            centre: DocId(m[0]),
            members: m.iter().map(|&d| DocId(d)).collect(),
        })
        .collect();
    cluster_names(&clusters).into_iter().zip(found).collect()
}

/// One cluster's copies normalized and aligned, in id order.
struct Copies {
    entries: Vec<Entry>,
    docs: Vec<Document>,
    cluster: Cluster,
    aligned: Aligned,
}

impl Copies {
    fn refs(&self) -> Vec<&Document> {
        self.docs.iter().collect()
    }
}

fn align(mut members: Vec<Entry>, context: &Context, config: &Config) -> Result<Copies> {
    members.sort_by(|a, b| ingest::id_order(&a.id).cmp(&ingest::id_order(&b.id)));
    let mut entries = Vec::with_capacity(members.len());
    let mut docs = Vec::with_capacity(members.len());
    for entry in members {
        let (entry, doc) = load_document(entry, &config.normalize.markers);
        let mut doc = doc.ok_or_else(|| Error::Staged(format!("{}: no text", entry.id)))?;
        doc.id = DocId(docs.len() as u32);
        context.furniture.mark(&mut doc);
        entries.push(entry);
        docs.push(doc);
    }
    let cluster = Cluster {
        centre: DocId(0),
        members: (0..docs.len() as u32).map(DocId).collect(),
    };
    let refs: Vec<&Document> = docs.iter().collect();
    let aligned = align_cluster(&refs, &cluster.members, &context.index(), config);
    Ok(Copies {
        entries,
        docs,
        cluster,
        aligned,
    })
}

/// One cluster's ballot in the presence vote, and the source number of
/// each of its voting copies; `members` are the cluster's entries.
pub fn ballot(
    members: Vec<Entry>,
    context: &Context,
    config: &Config,
) -> Result<(Ballot, Vec<usize>)> {
    let c = align(members, context, config)?;
    Ok((c.aligned.ballot, c.aligned.sources))
}

/// What one cluster teaches about its sources once merged under the
/// presence model: their reliability and their tallies in the vote.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterTally {
    reliability: Reliability,
    presence: BTreeMap<usize, Tally>,
}

/// The presence tallies of every source, summed over the clusters.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tallies(BTreeMap<usize, Tally>);

/// Merges one cluster under the presence model and tallies what it
/// teaches (see [`Context::learn_reliability`]).
pub fn tally(members: Vec<Entry>, context: &Context, config: &Config) -> Result<ClusterTally> {
    let c = align(members, context, config)?;
    let keep = context
        .model()?
        .decide(&c.aligned.ballot, &c.aligned.sources);
    let m = merge_cluster(&c.refs(), &c.aligned, &keep, None, config);
    let reliability = observed(&m, |d| c.docs[d.index()].source.as_str());
    Ok(ClusterTally {
        presence: presence_tally(&c.aligned, &keep, &m),
        reliability,
    })
}

/// One cluster's output: its record (whose lines are its canonical text,
/// see [`ClusterRecord::text`]) and its members' records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterOutput {
    /// The cluster's line of `clusters.jsonl`.
    pub record: ClusterRecord,
    /// Its members' lines of `documents.jsonl`.
    pub documents: Vec<DocumentRecord>,
}

/// Merges one cluster, named `id`, as `run` does: under the presence
/// model, and again weighted by reliability where the vote tied.
pub fn merge(
    id: &str,
    members: Vec<Entry>,
    context: &Context,
    config: &Config,
) -> Result<ClusterOutput> {
    let c = align(members, context, config)?;
    let keep = context
        .model()?
        .decide(&c.aligned.ballot, &c.aligned.sources);
    let mut m = merge_cluster(&c.refs(), &c.aligned, &keep, None, config);
    if m.canon.as_ref().is_some_and(|canon| canon.has_ties()) {
        let reliability = context
            .reliability
            .as_ref()
            .ok_or_else(|| Error::Staged("reliability is not learned yet".into()))?;
        m = merge_cluster(&c.refs(), &c.aligned, &keep, Some(reliability), config);
    }
    let name = |d: DocId| c.docs[d.index()].name.clone();
    let record = cluster_record(id, &c.cluster, &m, &name);
    let documents = member_records(id, &c, m);
    Ok(ClusterOutput { record, documents })
}

fn member_records(id: &str, c: &Copies, m: Merged) -> Vec<DocumentRecord> {
    let mut records: Vec<DocumentRecord> = c
        .entries
        .iter()
        .zip(&c.docs)
        .map(|(e, d)| {
            let mut r = entry_record(e);
            r.words = Some(d.content_words());
            r.cluster = Some(id.to_string());
            r
        })
        .collect();
    for (i, (d, report)) in m.order.iter().zip(m.reports).enumerate() {
        let r = &mut records[d.index()];
        r.keep = i == 0;
        r.set_report(report);
    }
    records
}

/// The record of an entry without text.
pub fn problem_record(entry: &Entry) -> DocumentRecord {
    entry_record(entry)
}

/// The outcome of `run` from every document's record (the unreadable
/// ones' from [`problem_record`]), every cluster's [`merge`], and the
/// summed [`Tallies`], in any order.
pub fn finish(
    mut documents: Vec<DocumentRecord>,
    mut clusters: Vec<ClusterOutput>,
    tallies: &Tallies,
    context: &Context,
    config: &Config,
) -> Result<Outcome> {
    clusters.sort_by(|a, b| a.record.id.cmp(&b.record.id));
    for c in &mut clusters {
        documents.append(&mut c.documents);
    }
    documents.sort_by(|a, b| ingest::id_order(&a.id).cmp(&ingest::id_order(&b.id)));
    let records = clusters.into_iter().map(|c| c.record).collect();
    let mut outcome = finish_records(documents, records, Mode::Run.name(), config);
    let presence = presence_records(&tallies.0, context.model()?, &context.index());
    let reliability = context.reliability.clone().unwrap_or_default();
    describe_sources(&mut outcome, &reliability, &presence);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;

    /// A folder with what each way of reading meets: a large JSON Lines
    /// file (a byte-order mark, blank and bad lines, a line that is not
    /// UTF-8, Windows line ends), a Parquet file of several row groups,
    /// a compressed file, a text file, a file of no supported kind.
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = b"\xEF\xBB\xBF".to_vec();
        for i in 0..60 {
            let line =
                format!("{{\"id\": \"r{i}\", \"text\": \"Record {i} of the feed, in words.\"}}");
            lines.extend_from_slice(line.as_bytes());
            lines.extend_from_slice(match i % 7 {
                0 => b"\n  \n".as_slice(),
                3 => b"\r\n{broken\n",
                5 => b"\n\xFF\xFE not text\n",
                _ => b"\n",
            });
        }
        std::fs::write(dir.path().join("feed.jsonl"), &lines).unwrap();
        std::fs::write(dir.path().join("note.txt"), "A short note, in words.").unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"{\"text\": \"Packed record.\"}\n").unwrap();
        std::fs::write(dir.path().join("packed.jsonl.gz"), gz.finish().unwrap()).unwrap();
        std::fs::write(dir.path().join("logo.png"), "not read").unwrap();
        std::fs::write(dir.path().join("nothing.txt"), "").unwrap();
        std::fs::write(
            dir.path().join("rows.parquet"),
            parquet_bytes(&rows_batch()),
        )
        .unwrap();
        dir
    }

    fn rows_batch() -> RecordBatch {
        let text: Vec<String> = (0..10).map(|i| format!("Row {i} of the table.")).collect();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("text", Arc::new(StringArray::from(text))),
            ("n", Arc::new(Int64Array::from_iter_values(0..10))),
        ];
        RecordBatch::try_from_iter(columns).unwrap()
    }

    fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(4))
            .build();
        let mut out = Vec::new();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
        out
    }

    fn ipc_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        out
    }

    /// A file's entries as a driver with readers of its own gets them: the
    /// lines cut into chunks of `chunk`, each numbered after the chunks
    /// before it; the rows handed over as Arrow data.
    fn read_as_driver(file: &InputFile, chunk: usize, config: &Config) -> Vec<Entry> {
        let bytes = std::fs::read(file.path()).unwrap();
        match file.reading() {
            Reading::Walked => file.read(config),
            Reading::Whole => read_bytes(file.rel(), bytes, config),
            Reading::Rows => {
                let batch = rows_batch();
                let rows: Vec<_> = (1..=batch.num_rows())
                    .map(|n| (file.rel().to_string(), n))
                    .collect();
                read_rows(&ipc_bytes(&batch), &rows, config).unwrap()
            }
            Reading::Lines => {
                let bytes = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
                let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
                let (mut records, mut entries) = (0, Vec::new());
                for (i, part) in lines.chunks(chunk).enumerate() {
                    entries.extend(read_lines(file.rel(), part, (records, i * chunk), config));
                    records += part.iter().filter(|l| ingest::is_record_line(l)).count();
                }
                entries
            }
        }
    }

    #[test]
    fn a_driver_with_its_own_readers_gets_the_entries_run_reads() {
        let dir = folder();
        let config = Config::default();
        let expected: Vec<Entry> = plan(dir.path(), &config)
            .unwrap()
            .iter()
            .flat_map(|s| s.read(&config))
            .collect();
        let files = files(dir.path(), &config, 100).unwrap();
        let readings: Vec<_> = files.iter().map(|f| (f.rel(), f.reading())).collect();
        assert_eq!(
            readings,
            [
                ("feed.jsonl", Reading::Lines),
                ("logo.png", Reading::Walked),
                ("note.txt", Reading::Whole),
                ("nothing.txt", Reading::Walked),
                ("packed.jsonl.gz", Reading::Whole),
                ("rows.parquet", Reading::Rows),
            ]
        );
        for chunk in [1, 7, 1000] {
            let read: Vec<Entry> = files
                .iter()
                .flat_map(|f| read_as_driver(f, chunk, &config))
                .collect();
            assert_eq!(read, expected, "lines in chunks of {chunk}");
        }
        assert!(expected.len() > 80);
    }
}
