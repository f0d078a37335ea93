//! Any few texts as copies of one article: alignment and reconciliation
//! never panic, and every canonical line has a source among the copies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmerge::align::align;
use newsmerge::ingest::Meta;
use newsmerge::normalize::{DocId, Document, normalize};
use newsmerge::reconcile::reconcile;

fuzz_target!(|texts: Vec<String>| {
    let docs: Vec<Document> = texts
        .iter()
        .take(6)
        .enumerate()
        .map(|(i, t)| normalize(DocId(i as u32), "fuzz", "fuzz", &Meta::default(), t))
        .collect();
    if docs.is_empty() {
        return;
    }
    let copies: Vec<&Document> = docs.iter().collect();
    let alignment = align(&copies, 1 << 20);
    let canon = reconcile(&copies, &alignment, &[]);
    for line in &canon.lines {
        assert!(!line.sources.is_empty());
        assert!(line.sources.iter().all(|&c| c < copies.len()));
    }
});
