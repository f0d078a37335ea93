//! Where `dedup` keeps each document's record between reading it and
//! writing the output.
//!
//! A record is an entry's id, source, metadata and status, and the
//! evidence of its own text (the furniture dropped, a truncation or a
//! paywall): held in memory, it is the largest part of what `dedup` keeps
//! of a document. Spilling ([`crate::ConfigBuilder::spill`]), each record
//! is encoded ([`postcard`]) as soon as its document is fingerprinted and
//! appended to an unnamed temporary file; memory then holds the record's
//! id, which puts the records in id order, and where it lies in the file.
//! Every record is read back once, in id order, when the output is
//! assembled. Held or spilled, the records read back are the same.

use crate::annotate::CopyReport;
use crate::config::{Config, Spillable};
use crate::error::Result;
use crate::ingest::Entry;
use crate::report::{DocumentRecord, into_record};
use crate::spill::{Span, Spilled, Spilling};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Takes the records as their documents are fingerprinted, on any thread.
pub(crate) struct RecordKeeper {
    spill: Option<Spilling>,
}

/// One entry's record once kept.
pub(crate) enum KeptRecord {
    /// Held in memory: the entry, its text taken, and its report when it
    /// says anything (most copies' say nothing).
    Held(Box<(Entry, Option<Box<CopyReport>>)>),
    /// Encoded in the spill file at `span`.
    Spilled { id: Box<str>, span: Span },
}

impl KeptRecord {
    /// The entry's id.
    pub(crate) fn id(&self) -> &str {
        match self {
            KeptRecord::Held(held) => &held.0.id,
            KeptRecord::Spilled { id, .. } => id,
        }
    }
}

impl RecordKeeper {
    /// A keeper that spills to the configured folder, or holds everything.
    pub(crate) fn new(config: &Config) -> Result<RecordKeeper> {
        Ok(RecordKeeper {
            spill: super::spilling(config, Spillable::Records)?,
        })
    }

    /// Keeps an entry's record, with `report` on its own text. A write
    /// that fails is reported by [`RecordKeeper::finish`].
    pub(crate) fn keep(&self, entry: Entry, report: CopyReport) -> KeptRecord {
        let Some(spill) = &self.spill else {
            let report = (report != CopyReport::default()).then(|| Box::new(report));
            return KeptRecord::Held(Box::new((entry, report)));
        };
        let id = entry.id.clone().into_boxed_str();
        let span = spill.put(&Packed::of(record(entry, report)));
        KeptRecord::Spilled { id, span }
    }

    /// The records kept, in the order given; the first write that failed,
    /// if any did.
    pub(crate) fn finish(self, kept: Vec<KeptRecord>) -> Result<Records> {
        let file = self.spill.map(Spilling::seal).transpose()?;
        Ok(Records { kept, file })
    }
}

/// The kept records, in order.
pub(crate) struct Records {
    kept: Vec<KeptRecord>,
    file: Option<Spilled>,
}

impl Records {
    /// Every record, in order, with its report, read back from the spill
    /// file when spilled; fails only when the file cannot be read.
    pub(crate) fn into_documents(self) -> Result<Vec<DocumentRecord>> {
        let file = self.file.as_ref();
        self.kept
            .into_par_iter()
            .map(|k| match k {
                KeptRecord::Held(held) => {
                    let (entry, report) = *held;
                    Ok(record(entry, report.map(|r| *r).unwrap_or_default()))
                }
                KeptRecord::Spilled { span, .. } => {
                    let file = file.expect("a spilled record has its file");
                    file.get::<Packed>(span)?
                        .unpack()
                        .map_err(|e| file.damaged(e))
                }
            })
            .collect()
    }
}

/// An entry's record with the evidence of `report`.
fn record(entry: Entry, report: CopyReport) -> DocumentRecord {
    let mut record = into_record(entry);
    record.set_report(report);
    record
}

/// A record as it is spilled: its other fields, whose JSON values the
/// spill encoding cannot read back, as JSON text.
#[derive(Serialize, Deserialize)]
struct Packed {
    record: DocumentRecord,
    meta: Option<String>,
}

impl Packed {
    fn of(mut record: DocumentRecord) -> Packed {
        let meta = record
            .meta
            .take()
            .map(|m| serde_json::to_string(&m).expect("a JSON object always encodes as JSON"));
        Packed { record, meta }
    }

    fn unpack(self) -> serde_json::Result<DocumentRecord> {
        let Packed { mut record, meta } = self;
        record.meta = meta.map(|m| serde_json::from_str(&m)).transpose()?;
        Ok(record)
    }
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
    fn spilled_records_read_back_as_held_ones() {
        let dir = tempfile::tempdir().unwrap();
        let documents = |spill: bool| {
            let keeper = RecordKeeper {
                spill: spill.then(|| Spilling::create(dir.path(), false).unwrap()),
            };
            let kept: Vec<KeptRecord> = entries()
                .into_iter()
                .map(|(e, r)| keeper.keep(e, r))
                .collect();
            let ids: Vec<String> = kept.iter().map(|k| k.id().to_string()).collect();
            assert_eq!(ids, ["a.jsonl#2", "b.bin"]);
            keeper.finish(kept).unwrap().into_documents().unwrap()
        };
        let held = documents(false);
        assert!(held[0].truncated && held[0].meta.is_some());
        assert_eq!(held[1].error.as_deref(), Some("not text"));
        assert_eq!(documents(true), held);
    }
}
