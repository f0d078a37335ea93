//! Document records kept in a spill file until they are written: a
//! spilled `dedup` or `run` ([`crate::ConfigBuilder::spill`]) puts each
//! entry's record there as it is read, and keeps in memory only what the
//! stages after decide about it ([`Placed`]), applied as the record is
//! read back ([`crate::Outcome::document`]). `run`'s copy reports, made
//! when each cluster is merged, go to the same file.

use super::{ClusterRecord, DocumentRecord};
use crate::annotate::{CopyReport, Dropped, Paywall, Truncation};
use crate::error::Result;
use crate::spill::{Span, Spilled, Spilling};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A record as it is spilled: its other fields, whose JSON values the
/// spill encoding cannot read back, as JSON text.
#[derive(Serialize, Deserialize)]
pub(crate) struct PackedRecord {
    record: DocumentRecord,
    meta: Option<String>,
}

impl PackedRecord {
    pub(crate) fn of(mut record: DocumentRecord) -> PackedRecord {
        let meta = record
            .meta
            .take()
            .map(|m| serde_json::to_string(&m).expect("a JSON object always encodes as JSON"));
        PackedRecord { record, meta }
    }

    fn unpack(self) -> serde_json::Result<DocumentRecord> {
        let PackedRecord { mut record, meta } = self;
        record.meta = meta.map(|m| serde_json::from_str(&m)).transpose()?;
        Ok(record)
    }
}

/// What the stages after fingerprinting decide about one document:
/// nothing for an entry without text.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Placed {
    /// Its cluster, by number.
    pub(crate) cluster: Option<u32>,
    /// Its words of article text.
    pub(crate) words: Option<u32>,
    /// Whether it is its cluster's representative.
    pub(crate) keep: bool,
    /// Whether its own truncation flag is withdrawn (an ending it shares
    /// with another copy).
    pub(crate) withdrawn: bool,
    /// Its report as a copy of its cluster (`run`), unless the report says
    /// nothing.
    pub(crate) report: Option<ReportAt>,
}

/// Where a copy's report is kept until its record is written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ReportAt {
    Held(Box<PackedReport>),
    /// Encoded in the records' spill file at this span.
    Spilled(Span),
}

impl ReportAt {
    /// Keeps `report`, in `file` when there is one; `None` when it says
    /// nothing, which is what a record shows before its report is set.
    pub(crate) fn keep(report: CopyReport, file: Option<&Spilling>) -> Option<ReportAt> {
        if report == CopyReport::default() {
            return None;
        }
        let packed = PackedReport::of(report);
        Some(match file {
            Some(file) => ReportAt::Spilled(file.put(&packed)),
            None => ReportAt::Held(Box::new(packed)),
        })
    }
}

/// What a document record shows of a copy's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PackedReport {
    truncated: bool,
    paywalled: bool,
    coverage: Option<f64>,
    truncation: Option<Truncation>,
    paywall: Option<Paywall>,
    boilerplate: Vec<Dropped>,
}

impl PackedReport {
    pub(crate) fn of(report: CopyReport) -> PackedReport {
        PackedReport {
            truncated: report.truncated(),
            paywalled: report.paywalled(),
            coverage: report.coverage,
            truncation: report.truncation,
            paywall: report.paywall,
            boilerplate: report.boilerplate,
        }
    }

    /// Sets the report's fields of `record`.
    pub(crate) fn apply(self, record: &mut DocumentRecord) {
        record.truncated = self.truncated;
        record.paywalled = self.paywalled;
        record.coverage = self.coverage;
        record.truncation = self.truncation;
        record.paywall = self.paywall;
        record.boilerplate = self.boilerplate;
    }
}

impl Placed {
    /// Completes `record` with what was decided; `clusters` are the
    /// cluster records, which name the clusters, and `file` the spill
    /// file of spilled reports. Fails only when a report cannot be read.
    pub(crate) fn apply(
        &self,
        record: &mut DocumentRecord,
        clusters: &[ClusterRecord],
        file: Option<&Spilled>,
    ) -> Result<()> {
        match (&self.report, file) {
            (Some(ReportAt::Held(report)), _) => (**report).clone().apply(record),
            (Some(ReportAt::Spilled(span)), Some(file)) => {
                file.get::<PackedReport>(*span)?.apply(record)
            }
            (Some(ReportAt::Spilled(_)), None) => unreachable!("spilled reports have a file"),
            (None, _) => {}
        }
        if let Some(c) = self.cluster {
            record.cluster = Some(clusters[c as usize].id.clone());
        }
        if let Some(w) = self.words {
            record.words = Some(w as usize);
        }
        record.keep = self.keep;
        if self.withdrawn {
            record.truncation = None;
            record.truncated = false;
        }
        Ok(())
    }
}

/// The document records in a spill file, in id order, each with what was
/// decided about it.
#[derive(Clone)]
pub(crate) struct RecordShelf {
    file: Arc<Spilled>,
    spans: Vec<Span>,
    placed: Vec<Placed>,
}

impl RecordShelf {
    /// The records put in `file` at `spans`, with `placed`, both in id
    /// order.
    pub(crate) fn new(file: Spilled, spans: Vec<Span>, placed: Vec<Placed>) -> RecordShelf {
        RecordShelf {
            file: Arc::new(file),
            spans,
            placed,
        }
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Record `i`, completed; `clusters` name the clusters.
    pub(crate) fn get(&self, i: usize, clusters: &[ClusterRecord]) -> Result<DocumentRecord> {
        let mut record = unpacked(&self.file, self.spans[i])?;
        self.placed[i].apply(&mut record, clusters, Some(&self.file))?;
        Ok(record)
    }
}

/// The record spilled to `file` at `span`, as it was put.
pub(crate) fn unpacked(file: &Spilled, span: Span) -> Result<DocumentRecord> {
    let packed: PackedRecord = file.get(span)?;
    packed.unpack().map_err(|e| file.damaged(e))
}

/// Two shelves are equal when they are one file, read at the same places
/// with the same decisions: the records are not read back to compare them.
impl PartialEq for RecordShelf {
    fn eq(&self, other: &RecordShelf) -> bool {
        Arc::ptr_eq(&self.file, &other.file)
            && self.spans == other.spans
            && self.placed == other.placed
    }
}

impl std::fmt::Debug for RecordShelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordShelf({} records spilled)", self.spans.len())
    }
}
