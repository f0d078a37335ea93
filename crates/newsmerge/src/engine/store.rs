//! Where `run` keeps its normalized documents (and, spilling, its
//! clusters' alignments) between the stages: in memory, or encoded in a
//! temporary file and read back one cluster at a time.
//!
//! Merging needs the copies' text, and held in memory the normalized
//! documents are most of `run`'s peak. Spilled, each document is
//! encoded ([`postcard`]) as soon as it is normalized and appended to an
//! unnamed temporary file (removed by the system when the run ends, however
//! it ends); memory then holds a file offset per document, and every stage
//! that needs the text reads the documents it works on back with a
//! positioned read, from the page cache while the system has memory to
//! spare. The learned furniture is marked again on each read, as it is on
//! the held documents once, so both give the same documents and the same
//! output.

use crate::align::Alignment;
use crate::error::Result;
use crate::normalize::{DocId, Document, recurring::Learned};
use crate::spill::{Span, Spilled, Spilling};

/// A normalized document as the reading stage leaves it: a few words,
/// since one is held per document until every input is read.
pub(crate) enum Kept {
    /// Held in memory.
    Held(Box<Document>),
    /// Encoded in the spill file.
    Spilled(Span),
}

/// Takes the documents as they are normalized, on any thread.
pub(crate) struct Keeper {
    spill: Option<Spilling>,
}

impl Keeper {
    /// A keeper that spills every document to `spill`, or holds every
    /// document in memory without one.
    pub(crate) fn new(spill: Option<Spilling>) -> Keeper {
        Keeper { spill }
    }

    /// Keeps one document. A write that fails is reported by
    /// [`Keeper::finish`].
    pub(crate) fn keep(&self, doc: Document) -> Kept {
        match &self.spill {
            Some(spill) => Kept::Spilled(spill.put(&doc)),
            None => Kept::Held(Box::new(doc)),
        }
    }

    /// The store of the kept documents, in the order given, numbered from
    /// 0; the first write that failed, if any did.
    pub(crate) fn finish(self, kept: Vec<Kept>) -> Result<Store> {
        let mut held = Vec::new();
        let mut spans = Vec::new();
        for k in kept {
            match k {
                Kept::Held(d) => {
                    let mut d = *d;
                    d.id = DocId(held.len() as u32);
                    held.push(d);
                }
                Kept::Spilled(s) => spans.push(s),
            }
        }
        Ok(match self.spill {
            Some(spill) => Store::Spilled {
                file: spill.seal()?,
                spans,
            },
            None => Store::Held(held),
        })
    }
}

/// Every readable document of a run, by [`DocId`].
pub(crate) enum Store {
    /// In memory, marked once.
    Held(Vec<Document>),
    /// In a file, marked as read.
    Spilled { file: Spilled, spans: Vec<Span> },
}

impl Store {
    /// How many documents the store has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Store::Held(d) => d.len(),
            Store::Spilled { spans, .. } => spans.len(),
        }
    }

    /// Marks the learned furniture: on every held document now, on each
    /// spilled one as it is read.
    pub(crate) fn mark(&mut self, learned: &Learned) {
        use rayon::prelude::*;
        if let Store::Held(docs) = self {
            docs.par_iter_mut().for_each(|d| learned.mark(d));
        }
    }

    /// Runs `f` on the documents `ids`, marked with `learned`, in that
    /// order.
    pub(crate) fn with<R>(
        &self,
        ids: &[DocId],
        learned: &Learned,
        f: impl FnOnce(&[&Document]) -> R,
    ) -> Result<R> {
        match self {
            Store::Held(docs) => {
                let copies: Vec<&Document> = ids.iter().map(|d| &docs[d.index()]).collect();
                Ok(f(&copies))
            }
            Store::Spilled { file, spans } => {
                let docs = ids
                    .iter()
                    .map(|&d| {
                        let mut doc: Document = file.get(spans[d.index()])?;
                        doc.id = d;
                        learned.mark(&mut doc);
                        Ok(doc)
                    })
                    .collect::<Result<Vec<Document>>>()?;
                let copies: Vec<&Document> = docs.iter().collect();
                Ok(f(&copies))
            }
        }
    }
}

/// Each cluster's alignment while its cluster waits to be merged: held by
/// the cluster, or spilled to a file of its own.
pub(crate) struct Shelf {
    file: Option<Spilled>,
    spans: Vec<Option<Span>>,
}

impl Shelf {
    /// The shelf of the alignments put in `spilling` at `spans`, one per
    /// cluster (none when not spilling).
    pub(crate) fn new(spilling: Option<Spilling>, spans: Vec<Option<Span>>) -> Result<Shelf> {
        Ok(Shelf {
            file: spilling.map(Spilling::seal).transpose()?,
            spans,
        })
    }

    /// Whether the alignments are spilled.
    pub(crate) fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Puts cluster `i`'s alignment back, if it was spilled.
    pub(crate) fn restore(&self, i: usize, alignment: &mut Alignment) -> Result<()> {
        if let (Some(file), Some(span)) = (&self.file, self.spans[i]) {
            *alignment = file.get(span)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::ingest::Meta;
    use crate::normalize::normalize;

    fn docs() -> Vec<Document> {
        [
            "Headline one\n\nSome text here.\n\nShare this",
            "Another\n\nOne more.",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let name = format!("d{i}.txt");
            normalize(DocId(i as u32), &name, "s", &Meta::default(), t)
        })
        .collect()
    }

    #[test]
    fn spilled_documents_read_back_as_they_were_kept() {
        for compress in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let keeper = Keeper::new(Some(Spilling::create(dir.path(), compress).unwrap()));
            let kept: Vec<Kept> = docs().into_iter().rev().map(|d| keeper.keep(d)).collect();
            let store = keeper.finish(kept).unwrap();
            assert_eq!(store.len(), 2);
            let learned = Learned::default();
            let read: Vec<Document> = store
                .with(&[DocId(1), DocId(0)], &learned, |d| {
                    d.iter().map(|&d| d.clone()).collect()
                })
                .unwrap();
            let mut want = docs();
            want.iter_mut().for_each(|d| d.id = DocId(1 - d.id.0));
            assert_eq!(read, want, "compressed: {compress}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    #[test]
    fn a_spill_folder_that_cannot_be_written_is_an_error() {
        let missing = std::path::Path::new("no/such/folder");
        assert!(matches!(
            Spilling::create(missing, false),
            Err(Error::Spill { .. })
        ));
    }
}
