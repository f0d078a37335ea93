//! newsmerge finds the copies of each article in a corpus of scraped news
//! and reconciles them into one canonical text, with every line traced to
//! the copies that carry it and every copy diagnosed as truncated or
//! paywalled, with the evidence.
//!
//! # The public surface
//!
//! - [`run_path`] runs over a file or folder, [`run_entries`] over
//!   [`Entry`] values already read (see [`record_entry`]), and
//!   [`merge_entries`] reconciles entries known to be copies of one
//!   article. Each returns an [`Outcome`]: the output records.
//! - [`write_output`] writes an [`Outcome`] to a folder, atomically and
//!   without overwriting what newsmerge did not write (see
//!   [`check_paths`]); [`find_cluster`] reads a cluster back.
//! - [`Config`] holds every setting; [`Error`] is what stops a run. A bad
//!   input is not an error: it is a [`DocumentRecord`] with a [`Status`]
//!   and a reason.
//!
//! The stage modules are public for the benches and fuzz targets only;
//! they are hidden from these docs and not covered by semver.
//!
//! # The stages
//!
//! Each stage is a module; `engine` is the only one that knows their
//! order. `ARCHITECTURE.md` in the repository says which may import
//! which.
//!
//! 1. [`ingest`] walks the input in sorted order and reads `.txt`, `.md`,
//!    `.json` and `.jsonl` files. Every input becomes an [`ingest::Entry`],
//!    readable or not: a file that cannot be used carries a
//!    [`ingest::Problem`] with the reason, so nothing is lost.
//! 2. [`normalize`] cleans the text (NFC, entities, markdown residue), cuts
//!    paragraphs (blank lines, single newlines or hard wraps), rejoins
//!    paragraphs a page break split, computes folded match keys, and marks
//!    site furniture, paywall notices and truncation markers (phrases kept
//!    as data, [`normalize::Markers`]) and the lines each source prints on
//!    many articles.
//! 3. [`sketch`] fingerprints article text with word shingles and proposes
//!    candidate pairs from an index over a hash-selected sample of them, so
//!    fragments are found as well as near-copies.
//! 4. [`cluster`] verifies candidates exactly (resemblance or containment)
//!    and groups copies around their most complete member.
//! 5. [`align`] cuts each copy into sentences (and a run-together list
//!    wherever another copy breaks it) and aligns a cluster's copies with
//!    `similar`, progressively from the copy that agrees most with the
//!    others, so no copy's sentence is lost.
//! 6. [`reconcile`] votes what is the article ([`reconcile::presence`]:
//!    every copy votes on every sentence, weighted by rates each source
//!    earns over the corpus, so a page dump's menus and footers are
//!    outvoted), then the words where copies disagree, then the
//!    paragraphing, weighing each source by its reliability where the
//!    count does not decide.
//! 7. [`annotate`] gathers per-copy evidence against the agreed text:
//!    coverage, truncation, paywall, furniture dropped.
//! 8. [`report`] defines the output records, writes them atomically, and
//!    reads a cluster back ([`find_cluster`]).
//!
//! Invariants: every input appears in the output exactly once; every
//! readable document is in exactly one cluster; every canonical line has at
//! least one source and its sources are members of its cluster; the output
//! does not depend on the number of threads.
//!
//! # Example
//!
//! ```
//! use newsmerge::{Config, Entry, Meta, Mode, Silent, run_entries};
//!
//! let article = "Headline of the day\n\nThe minister said on Monday that the \
//!     talks would go on until an agreement was reached by all parties.\n\n\
//!     Officials from both sides met again in the evening to settle the \
//!     remaining points of the text, which runs to forty pages.";
//! let teaser = format!("{}\n\nTo be continued.", &article[..140]);
//! let entry = |id: &str, text: &str| Entry {
//!     id: id.into(),
//!     source: id.into(),
//!     meta: Meta::default(),
//!     body: Ok(text.into()),
//! };
//! let entries = vec![entry("a.txt", article), entry("b.txt", &teaser)];
//! let out = run_entries(entries, Mode::Run, &Config::default(), &Silent)?;
//! assert_eq!(out.clusters.len(), 1);
//! assert!(out.documents[1].truncated);
//! let (_, text) = out.canonical().next().unwrap()?;
//! assert!(text.starts_with("Headline of the day\n\n"));
//! # Ok::<(), newsmerge::Error>(())
//! ```

#![warn(missing_docs)]

#[doc(hidden)]
pub mod align;
#[doc(hidden)]
pub mod annotate;
#[doc(hidden)]
pub mod cluster;
mod config;
#[doc(hidden)]
pub mod engine;
mod error;
mod hashing;
mod ids;
#[doc(hidden)]
pub mod ingest;
#[doc(hidden)]
pub mod normalize;
#[doc(hidden)]
pub mod reconcile;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod sketch;
mod spill;

pub use config::{Config, ConfigBuilder, Options};
pub use engine::{MAX_THREADS, Mode, Progress, Silent, merge_entries, run_entries, run_path};
pub use error::{Error, Result};
pub use ingest::{Compression, Entry, Meta, Problem, RECORDS_SOURCE, Status, record_entry};
pub use normalize::Markers;
pub use report::export::{ExportRecord, Exported, export};
pub use report::read::find_cluster;
pub use report::{
    ClusterRecord, DocumentRecord, FORMAT_VERSION, LineRecord, OWNER_FILE, Outcome, PresenceRecord,
    SourceRecord, StatusCounts, Summary, VariantRecord, WriteOptions, check_paths,
    remove_temporaries, write_output,
};
