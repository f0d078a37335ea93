//! Any text: normalizing never panics, and keys are folded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmerge::ingest::Meta;
use newsmerge::normalize::{DocId, normalize};

fuzz_target!(|text: &str| {
    let doc = normalize(DocId(0), "fuzz", "fuzz", &Meta::default(), text);
    for p in &doc.paragraphs {
        assert!(!p.key.contains("  "));
        assert!(!p.text.is_empty() || p.key.is_empty());
    }
});
