//! The library's error type.
//!
//! Only failures that stop a whole run are errors: a missing input path, an
//! output folder that cannot be written. A problem with one input file is not
//! an error but a value, [`crate::ingest::Problem`], reported in
//! `documents.jsonl` while the run goes on.

use std::io;
use std::path::PathBuf;

/// A failure that stops a run, with the path it concerns. The message
/// names the failure; its cause, where there is one, is its
/// [`std::error::Error::source`], so a caller that prints the chain prints
/// each cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A stage run one at a time (see [`crate::engine::staged`]) got a
    /// value it cannot use: bytes that are not a context, a cluster
    /// merged before the model it needs was learned.
    #[error("staged run: {0}")]
    Staged(String),
    /// The input path does not exist or cannot be inspected.
    #[error("cannot read input {path}")]
    Input {
        /// The input path as given.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// An output file or folder cannot be created, written or renamed.
    #[error("cannot write {path}")]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The output folder holds files that are not a newsmerge output.
    #[error(
        "output folder {path} holds files newsmerge did not write; \
         it is written into only when forced"
    )]
    OutputNotEmpty {
        /// The output folder.
        path: PathBuf,
    },
    /// A file to be written exists already.
    #[error("{path} exists; it is replaced only when forced")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Another run is writing into the output folder.
    #[error(
        "{path} is being written by another newsmerge run; \
         wait for it to finish or choose another output folder"
    )]
    OutputLocked {
        /// The output folder.
        path: PathBuf,
    },
    /// The output folder is, holds or lies inside the input.
    #[error(
        "output folder {out} overlaps the input {input}: the output would be \
         read as input or written over it; choose an output folder outside the input"
    )]
    OutputOverlapsInput {
        /// The output folder.
        out: PathBuf,
        /// The input, resolved.
        input: PathBuf,
    },
    /// A temporary file that holds the normalized documents or the
    /// fingerprints' shingles (see [`crate::ConfigBuilder::spill`]) cannot
    /// be created, written or read.
    #[error("cannot spill to a temporary file in {path}")]
    Spill {
        /// The folder of the temporary file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A marker file cannot be read.
    #[error("cannot read marker file {path}")]
    MarkersUnreadable {
        /// The marker file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A marker file has a line that cannot be used.
    #[error("bad marker file {path}")]
    MarkersInvalid {
        /// The marker file.
        path: PathBuf,
        /// The line and what is wrong with it.
        source: MarkerError,
    },
    /// An output folder's file cannot be read back.
    #[error("cannot read {path}: {reason}")]
    OutputUnreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Something asked for is not there.
    #[error("no {what}")]
    NotFound {
        /// What was looked for, and where.
        what: String,
    },
    /// A setting is out of its range.
    #[error("bad setting {setting}: {reason}")]
    Config {
        /// The setting, as its builder method is named.
        setting: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The rayon thread pool could not be built.
    #[error("cannot start {threads} worker threads: {reason}")]
    ThreadPool {
        /// The number of threads asked for.
        threads: usize,
        /// The reason rayon gave.
        reason: String,
    },
}

/// A line of a marker file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct MarkerError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// A result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn write(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn spill(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Spill {
            path: path.into(),
            source,
        }
    }
}
