//! Any bytes, as any supported file type: reading never panics and yields
//! at least one entry, each with text or a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmerge::ingest::{self, Format};

fuzz_target!(|data: &[u8]| {
    for format in [
        Format::Text,
        Format::Json,
        Format::JsonLines,
        Format::Html,
        Format::Warc,
        Format::Parquet,
    ] {
        let entries = ingest::parse_bytes("fuzz", format, data, &ingest::Fields::default());
        assert!(!entries.is_empty());
    }
});
