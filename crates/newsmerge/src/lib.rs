//! newsmerge finds the copies of each article in a corpus of scraped news
//! and reconciles them into one canonical text, with every line traced to
//! the copies that carry it and every copy diagnosed as truncated or
//! paywalled, with the evidence.
//!
//! # The stages
//!
//! Each stage is a module; [`engine`] is the only one that knows their
//! order.
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
//!    reads a cluster back to show it ([`report::show`]).
//!
//! Invariants: every input appears in the output exactly once; every
//! readable document is in exactly one cluster; every canonical line has at
//! least one source and its sources are members of its cluster; the output
//! does not depend on the number of threads.
//!
//! # Example
//!
//! ```
//! use newsmerge::{Config, engine::{self, Mode, Silent}, ingest::{Entry, Meta}};
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
//! let out = engine::run_entries(entries, Mode::Run, &Config::default(), &Silent);
//! assert_eq!(out.clusters.len(), 1);
//! assert!(out.documents[1].truncated);
//! assert!(out.canonical[0].1.starts_with("Headline of the day\n\n"));
//! ```

#![warn(missing_docs)]

pub mod align;
pub mod annotate;
pub mod cluster;
pub mod config;
pub mod engine;
pub mod error;
pub mod ingest;
pub mod normalize;
pub mod reconcile;
pub mod report;
pub mod sketch;

pub use config::Config;
pub use error::{Error, Result};
