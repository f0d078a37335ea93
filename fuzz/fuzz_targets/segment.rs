//! Any text: normalizing never panics, and keys are folded; hashing its
//! raw lines for furniture learning never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmerge::ingest::Meta;
use newsmerge::normalize::recurring::Lines;
use newsmerge::normalize::{DocId, Markers, normalize};
use std::sync::LazyLock;

fuzz_target!(|text: &str| {
    let doc = normalize(DocId(0), "fuzz", "fuzz", &Meta::default(), text);
    for p in &doc.paragraphs {
        assert!(!p.key.contains("  "));
        assert!(!p.text.is_empty() || p.key.is_empty());
    }
    static MARKERS: LazyLock<Markers> = LazyLock::new(Markers::builtin);
    let _ = Lines::of_raw("fuzz", None, text, &MARKERS);
});
