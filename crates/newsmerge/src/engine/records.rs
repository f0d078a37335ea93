//! Where `dedup` and `run` keep each document's record between reading it
//! and writing the output.
//!
//! A record is an entry's id, source, metadata and status, and the
//! evidence of its text (the furniture dropped, a truncation or a
//! paywall): `dedup`'s from the text alone, when its document is
//! fingerprinted; `run`'s from its cluster's merge ([`Records::keep_report`]).
//! Held in memory, it is the largest part of what `dedup` keeps of a
//! document. Spilling ([`crate::ConfigBuilder::spill`]), each record is
//! encoded ([`postcard`]) as soon as its entry is read (`run`) or its
//! document fingerprinted (`dedup`) and appended to an unnamed temporary
//! file, and `run`'s reports follow into the same file; memory then holds
//! the record's id, which puts the records in id order and names the
//! clusters' members, and where it lies in the file. The spilled records
//! stay there in the outcome, each completed with what clustering and
//! merging decided about it ([`Placed`]) as it is read back to be counted
//! and written ([`crate::report::Outcome::document`]). Held or spilled,
//! the records read back are the same.

use crate::annotate::CopyReport;
use crate::config::{Config, Spillable};
use crate::error::Result;
use crate::ingest::Entry;
use crate::report::shelf::{PackedRecord, Placed, RecordShelf, ReportAt};
use crate::report::{ClusterRecord, DocumentRecord, Outcome, finish, finish_shelved, into_record};
use crate::spill::{Span, Spilling};
use rayon::prelude::*;
use std::sync::Mutex;

/// Takes the records as their documents are fingerprinted, on any thread.
pub(crate) struct RecordKeeper {
    spill: Option<Spilling>,
    /// The records held, in the order they were kept: in one list rather
    /// than each in an allocation of its own, so that they are freed at
    /// once.
    held: Mutex<Vec<Held>>,
}

/// A record held in memory: the entry, its text and id taken, and its
/// report when it says anything (most copies' say nothing).
type Held = (Entry, Option<Box<CopyReport>>);

/// One entry's record once kept: its id, whether it has text, and where
/// the rest is.
pub(crate) struct KeptRecord {
    id: Box<str>,
    text: bool,
    place: Place,
}

enum Place {
    /// At this place in the keeper's held records.
    Held(u32),
    /// Encoded in the spill file at this span.
    Spilled(Span),
}

impl KeptRecord {
    /// The entry's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }
}

impl RecordKeeper {
    /// A keeper that spills to the configured folder, or holds everything.
    pub(crate) fn new(config: &Config) -> Result<RecordKeeper> {
        Ok(RecordKeeper {
            spill: super::spilling(config, Spillable::Records)?,
            held: Mutex::default(),
        })
    }

    /// Keeps an entry's record, with `report` on its own text. A write
    /// that fails is reported by [`RecordKeeper::finish`].
    pub(crate) fn keep(&self, mut entry: Entry, report: CopyReport) -> KeptRecord {
        let text = entry.body.is_ok();
        let Some(spill) = &self.spill else {
            let id = std::mem::take(&mut entry.id).into_boxed_str();
            let report = (report != CopyReport::default()).then(|| Box::new(report));
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            held.push((entry, report));
            let place = Place::Held(u32::try_from(held.len() - 1).expect("under 2^32 records"));
            return KeptRecord { id, text, place };
        };
        let id = entry.id.clone().into_boxed_str();
        let place = Place::Spilled(spill.put(&PackedRecord::of(record(entry, report))));
        KeptRecord { id, text, place }
    }

    /// The records kept, in the order given.
    pub(crate) fn finish(self, kept: Vec<KeptRecord>) -> Records {
        let held = self.held.into_inner().unwrap_or_else(|e| e.into_inner());
        Records {
            kept,
            held,
            file: self.spill,
        }
    }
}

/// The kept records, in order.
pub(crate) struct Records {
    kept: Vec<KeptRecord>,
    held: Vec<Held>,
    /// The spill file, still open for the copies' reports
    /// ([`Records::keep_report`]); sealed, with the first write that
    /// failed reported, when the outcome is made.
    file: Option<Spilling>,
}

impl Records {
    /// The positions of the records whose entries have text: the
    /// documents, numbered in record order.
    pub(crate) fn readable(&self) -> Vec<usize> {
        (0..self.kept.len())
            .filter(|&i| self.kept[i].text)
            .collect()
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.kept.len()
    }

    /// Record `i`'s id.
    pub(crate) fn id(&self, i: usize) -> &str {
        &self.kept[i].id
    }

    /// Keeps a copy's report until its record is made (see [`Placed`]):
    /// beside the records, spilled when they are.
    pub(crate) fn keep_report(&self, report: CopyReport) -> Option<ReportAt> {
        ReportAt::keep(report, self.file.as_ref())
    }

    /// The outcome of `command`: every record completed with what was
    /// `placed` about it (by record), and the cluster records `clusters`.
    /// Held records are made and completed at once; spilled ones stay in
    /// their file, read back as they are counted and written. Fails only
    /// when the file cannot be read.
    pub(crate) fn into_outcome(
        self,
        placed: Vec<Placed>,
        clusters: Vec<ClusterRecord>,
        command: &'static str,
        config: &Config,
    ) -> Result<Outcome> {
        let Records { kept, held, file } = self;
        let Some(file) = file.map(Spilling::seal).transpose()? else {
            let mut documents = held_documents(kept, held);
            for (document, p) in documents.iter_mut().zip(&placed) {
                p.apply(document, &clusters, None)?;
            }
            return Ok(finish(documents, clusters, command, config));
        };
        let spans = kept.iter().map(KeptRecord::spilled_at).collect();
        drop(kept);
        let shelf = RecordShelf::new(file, spans, placed);
        finish_shelved(shelf, clusters, command, config)
    }

    /// Every record, in order, held or read back: for tests.
    #[cfg(test)]
    fn into_documents(self) -> Result<Vec<DocumentRecord>> {
        let Records { kept, held, file } = self;
        match file.map(Spilling::seal).transpose()? {
            None => Ok(held_documents(kept, held)),
            Some(file) => kept
                .iter()
                .map(|k| crate::report::shelf::unpacked(&file, k.spilled_at()))
                .collect(),
        }
    }
}

/// The held records, made in the order they were kept (their list freed
/// at once), then put in the order of `kept`, each with its id.
fn held_documents(kept: Vec<KeptRecord>, held: Vec<Held>) -> Vec<DocumentRecord> {
    let order: Vec<u32> = kept.iter().map(KeptRecord::held_at).collect();
    let mut documents: Vec<DocumentRecord> = held
        .into_par_iter()
        .map(|(entry, report)| record(entry, report.map(|r| *r).unwrap_or_default()))
        .collect();
    super::permute(&mut documents, &order);
    for (document, k) in documents.iter_mut().zip(kept) {
        document.id = k.id.into();
    }
    documents
}

impl KeptRecord {
    /// Where a held record is among the held ones.
    fn held_at(&self) -> u32 {
        match self.place {
            Place::Held(at) => at,
            Place::Spilled(_) => unreachable!("every record of a holding run is held"),
        }
    }

    /// Where a spilled record is in the spill file.
    fn spilled_at(&self) -> Span {
        match self.place {
            Place::Spilled(span) => span,
            Place::Held(_) => unreachable!("every record of a spilling run is spilled"),
        }
    }
}

/// An entry's record with the evidence of `report`.
fn record(entry: Entry, report: CopyReport) -> DocumentRecord {
    let mut record = into_record(entry);
    record.set_report(report);
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotate::{Dropped, Truncation};
    use crate::ingest::{Meta, Problem};
    use crate::normalize::boilerplate::Furniture;

    fn entries() -> Vec<(Entry, CopyReport)> {
        let other =
            serde_json::json!({"score": 0.1, "big": 1e300, "n": -3, "x": [null, {"y": "z"}]});
        let read = Entry {
            id: "a.jsonl#2".into(),
            source: "wire".into(),
            meta: Meta {
                url: Some("https://example.com/a".into()),
                other: other.as_object().cloned(),
                ..Meta::default()
            },
            body: Ok(String::new()),
        };
        let report = CopyReport {
            truncation: Some(Truncation {
                coverage: None,
                cut_after_line: None,
                marker: Some("To be continued.".into()),
                mid_sentence: false,
                confidence: 0.7,
            }),
            boilerplate: vec![Dropped {
                kind: Furniture::Recurring,
                text: "Share this".into(),
            }],
            ..CopyReport::default()
        };
        let unread = Entry {
            id: "b.bin".into(),
            source: "b".into(),
            meta: Meta::default(),
            body: Err(Problem::Skipped("not text".into())),
        };
        vec![(read, report), (unread, CopyReport::default())]
    }

    #[test]
    fn spilled_records_read_back_as_held_ones_in_the_order_given() {
        let dir = tempfile::tempdir().unwrap();
        let documents = |spill: bool| {
            let keeper = RecordKeeper {
                spill: spill.then(|| Spilling::create(dir.path(), false).unwrap()),
                held: Mutex::default(),
            };
            let mut kept: Vec<KeptRecord> = entries()
                .into_iter()
                .map(|(e, r)| keeper.keep(e, r))
                .collect();
            kept.reverse();
            let ids: Vec<&str> = kept.iter().map(KeptRecord::id).collect();
            assert_eq!(ids, ["b.bin", "a.jsonl#2"]);
            keeper.finish(kept).into_documents().unwrap()
        };
        let held = documents(false);
        assert_eq!(held[0].id, "b.bin");
        assert_eq!(held[0].error.as_deref(), Some("not text"));
        assert_eq!(held[1].id, "a.jsonl#2");
        assert!(held[1].truncated && held[1].meta.is_some());
        assert_eq!(documents(true), held);
    }
}
