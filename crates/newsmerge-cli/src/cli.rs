//! Command-line flags, turned into a [`Config`]; nothing else.

use clap::{Args, Parser, Subcommand};
use newsmerge::{Config, Options};
use std::path::PathBuf;

/// Exit code: every input was read and merged.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: the run finished and wrote its output, but some inputs were
/// empty, skipped or unreadable (see `documents.jsonl`).
pub(crate) const EXIT_PROBLEMS: u8 = 1;
/// Exit code: the run failed (bad arguments, unreadable input path,
/// output folder that cannot be written); nothing complete was written.
pub(crate) const EXIT_FAILED: u8 = 2;
/// Exit code: interrupted by Ctrl-C or a termination signal; this run's
/// temporaries were removed and no `summary.json` was written.
pub(crate) const EXIT_INTERRUPTED: i32 = 130;

/// The most worker threads `-j` accepts: past a few per core they only
/// cost time to start.
pub(crate) const MAX_THREADS: u16 = 1024;

/// Parses `-j`: a count of threads, at most [`MAX_THREADS`].
fn threads(arg: &str) -> Result<usize, String> {
    let n: usize = arg.parse().map_err(|e| format!("{e}"))?;
    if n > usize::from(MAX_THREADS) {
        return Err(format!("at most {MAX_THREADS} threads"));
    }
    Ok(n)
}

/// Parses `--memory-limit`: bytes, or a number with a unit (`K`, `M`,
/// `G`, `T`, powers of 1024; `KiB`, `MiB`... and `KB`, `MB`... read the
/// same), such as `3G` or `1.5GiB`.
fn memory_size(arg: &str) -> Result<u64, String> {
    let arg = arg.trim();
    let split = arg
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(arg.len());
    let (number, unit) = arg.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{arg}` is not a size such as 3G or 2500M"))?;
    let power = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches(['B', 'I'])
    {
        "" => 0,
        "K" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        _ => return Err(format!("unknown unit in `{arg}`: use K, M, G or T")),
    };
    let bytes = number * 1024f64.powi(power);
    if bytes < 1.0 || !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("`{arg}` is not a size newsmerge can keep to"));
    }
    Ok(bytes as u64)
}

/// The exit codes, as `--help` prints them.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0  finished; every input was read
  1  finished with problems: some inputs were empty, skipped or unreadable
     (each is listed in documents.jsonl with its reason)
  2  failed: bad arguments, missing input, an output folder that cannot be
     written, is another's, overlaps the input or is in use by another run
130 interrupted (Ctrl-C); this run's temporaries were removed
"
    };
}

const AFTER_HELP: &str = concat!(
    exit_codes!(),
    "
Output (in --out):
  documents.jsonl   one line per input document: status, cluster, flags, evidence
  clusters.jsonl    one line per cluster: members and canonical lines with sources
  sources.jsonl     one line per source: truncated, paywalled, furniture,
                    reliability, and its record in the vote on what is the article
  canonical.jsonl   one line per cluster: its id and canonical text
  canonical/        one text file per cluster, with --canonical-files
  summary.json      counts and settings; present only once a run is complete
  .newsmerge        marks the folder as newsmerge's; locked while a run writes

How the canonical text is decided: the copies of an article are aligned
sentence by sentence, and every copy votes on every sentence: it carries
it, lacks it, or had ended before it. Each vote weighs what its source's
copies have shown across the whole corpus, so a page dump's menus and
footers are outvoted by the copies that lack them, and a copy that shows
a sign of a cut (a marker, a paywall, a broken sentence) does not vote on
what it never reached. Then the words are voted where copies read a
sentence differently, and the paragraphing by majority."
);

const DEDUP_HELP: &str = concat!(
    exit_codes!(),
    "
Output (in --out):
  documents.jsonl   one line per input document: status, cluster, and the flags
                    and evidence each copy shows on its own
  clusters.jsonl    one line per cluster: its members
  sources.jsonl     one line per source: truncated, paywalled, duplicated, furniture
  canonical.jsonl   empty
  summary.json      counts and settings; present only once a run is complete
  .newsmerge        marks the folder as newsmerge's; locked while a run writes

dedup reads the input twice (first to learn each site's furniture, then to
fingerprint) and keeps no document's text, only its fingerprint (about 6
bytes per word), so its memory grows with the size of the corpus, well
below what run needs."
);

/// Finds the copies of each article in a folder of scraped news and merges
/// them into one canonical text per article, with provenance and
/// truncation/paywall flags.
#[derive(Debug, Parser)]
#[command(name = "newsmerge", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Find copies, reconcile each article, flag truncated and paywalled copies.
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Only find copies: documents.jsonl and clusters.jsonl with members, no texts.
    #[command(after_help = DEDUP_HELP)]
    Dedup(RunArgs),
    /// Show a cluster of a `run` output: its canonical text with a gutter
    /// of the copies that carry each line (like `git blame`), or one copy's
    /// differences from it (`--copy`).
    #[command(after_help = SHOW_HELP)]
    Show(ShowArgs),
    /// Write the cleaned corpus of a `run` output: one record per cluster
    /// with its canonical text, as JSON Lines or Parquet.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
}

const EXPORT_HELP: &str = "\
Each record: id (the cluster id), text (the canonical text, its lines joined
by blank lines; null for a dedup output), title, url and date (from the
cluster's representative, the member with keep: true), representative,
members, sources, truncated_members, paywalled_members.
The file is Parquet when FILE ends in .parquet (zstd-compressed; the four
member lists are lists of strings), else JSON Lines, gzip-compressed when FILE
ends in .gz and zstd-compressed when it ends in .zst. It appears only once
complete.
Examples: newsmerge export out --to clean.jsonl.gz
          newsmerge export out --to clean.parquet
Exit codes: 0 written; 2 unreadable output folder, or FILE exists without --force.";

/// Flags of `export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The output folder of a `newsmerge run` (or `dedup`).
    pub out: PathBuf,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

const SHOW_HELP: &str = "\
Gutter: one column per member, its letter when it carries the line, `.` when
not; `~` when copies read the line differently (see --copy), `?` when a tie
decided the reading.
With --copy: ` ` the copy reads the line as the canonical text does, `~` it
reads it differently ([-canonical words-]{+its words+}), `-` it lacks it.
Exit codes: 0 shown; 2 no such cluster or document, or an unreadable output.";

/// Flags of `show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The output folder of a `newsmerge run`.
    pub out: PathBuf,
    /// A cluster id (`c000001`), or the id of a document in it.
    pub cluster: String,
    /// Show this member document's differences from the canonical text.
    #[arg(long, value_name = "DOCUMENT")]
    pub copy: Option<String>,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags shared by `run` and `dedup`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// A folder (walked recursively, in sorted order) or a single file.
    /// Reads .txt and .md (one article each), .json (a record or an array of
    /// records), .jsonl (a record per line), .parquet (a record per row),
    /// .html (one page; its article is extracted) and .warc (a crawl's
    /// pages and texts); all but Parquet also as .gz or .zst.
    pub input: PathBuf,
    /// The output folder; created if missing.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a folder that holds files newsmerge did not write.
    #[arg(long)]
    pub force: bool,
    /// Follow symbolic links while walking (by default they are reported as
    /// skipped).
    #[arg(long)]
    pub follow_links: bool,
    /// Read only the files whose path below INPUT matches this glob
    /// pattern; repeat it for several. A pattern without a `/` matches a
    /// file name at any depth: --glob '*.html' --glob '*.warc.gz'. Files
    /// passed over are reported as skipped.
    #[arg(long = "glob", value_name = "PATTERN")]
    pub include: Vec<String>,
    /// Do not read the files or folders matching this glob pattern;
    /// repeat it for several: --exclude drafts --exclude '**/*.tmp'.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Worker threads (0: one per core; at most 1024). The output does not
    /// depend on it.
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N", value_parser = threads)]
    pub threads: usize,
    /// Print nothing but errors: no progress bar, no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// A marker file whose phrases (paywall notices, truncation markers,
    /// widget, comment and footer lines) are added to the built-in ones.
    /// See crates/newsmerge/markers/markers.txt in the project for the format.
    #[arg(long, value_name = "FILE")]
    pub markers: Option<PathBuf>,
    /// The field (JSON or Parquet column) that holds a record's text (by default the first of
    /// text, content, body, maintext, articleBody). A dotted name reaches
    /// into nested objects: metadata.text.
    #[arg(long, value_name = "NAME")]
    pub text_field: Option<String>,
    /// The field that holds a record's own id (default: id).
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,
    /// The field that holds a record's url (default: url).
    #[arg(long, value_name = "NAME")]
    pub url_field: Option<String>,
    /// The field that holds a record's title (default: title).
    #[arg(long, value_name = "NAME")]
    pub title_field: Option<String>,
    /// The field that holds a record's date (default: date).
    #[arg(long, value_name = "NAME")]
    pub date_field: Option<String>,
    /// Do not learn furniture from the corpus. By default, a short line a
    /// source prints in at least 4 different articles (told apart by their
    /// ledes) is taken for site furniture (a tagline, a banner, a credit
    /// line) and dropped from the text, and listed per copy as `recurring`;
    /// a line that reads as prose (two sentences, a long sentence, a
    /// quotation) is never learned.
    #[arg(long)]
    pub no_learned_furniture: bool,
    /// Print the wall and CPU time each stage took, the peak memory so
    /// far and (on Linux) the memory in use at the stage's end, on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Keep what is held per document in temporary files in DIR (removed
    /// when the run ends, however it ends) instead of in memory: the
    /// fingerprints' samples and shingles, the hashed lines furniture is
    /// learned from and the document records, dedup's and run's
    /// (together about 0.4 of dedup's peak memory, for about the same
    /// time), run's normalized documents, each
    /// cluster's read back to merge it, and run's canonical lines until
    /// they are written (about a ninth of run's peak, for about 1.1× the
    /// time). With the output, run needs about 3.5 times the corpus's text
    /// in free space; dedup needs two thirds of it in DIR. The output is
    /// the same. --memory-limit spills only what does not fit.
    #[arg(long, value_name = "DIR")]
    pub spill: Option<PathBuf>,
    /// Keep within about SIZE of memory (such as 3G or 2500M; K, M, G and
    /// T are powers of 1024) by spilling only what does not fit: from the
    /// size of the input, newsmerge estimates what the run needs and keeps
    /// in memory, while the estimate stays within SIZE, run's fingerprints'
    /// shingles, then its records, then its documents, or dedup's records,
    /// then its fingerprints' shingles, spilling the rest to --spill's DIR
    /// (the system's temporary folder if none is given). At a million
    /// documents (1.9 GB of JSON Lines) run --memory-limit 3G peaks at
    /// about 2.0 GiB, holding the fingerprints, in about the time of
    /// --spill alone. The candidate index is built for blocks of
    /// documents in turn, each within about half of SIZE, when the whole
    /// of it would not fit. What cannot be spilled (each document's id,
    /// digest and places, the candidate pairs: a few hundred bytes per
    /// document) grows with the input; a smaller SIZE is warned about and kept to as
    /// closely as spilling allows; --timings prints what is held and
    /// spilled. The output is the same.
    #[arg(long, value_name = "SIZE", value_parser = memory_size)]
    pub memory_limit: Option<u64>,
    /// Compress (zstd) the documents, alignments and canonical texts run
    /// spills, and the records and reports, to --spill's DIR or under
    /// --memory-limit: run's take about a
    /// third of the disk space, and of the page cache, for about 1.15 to
    /// 1.25 times the CPU time (at a million documents, spill files of 2.0
    /// GiB instead of 6.1). For a corpus whose spill files would not fit
    /// on the disk, or that the page cache cannot hold beside the run.
    /// The output is the same.
    #[arg(long)]
    pub compress_spill: bool,
    /// Also write each canonical text as a file of its own,
    /// canonical/<cluster id>.txt (they are always in canonical.jsonl).
    #[arg(long)]
    pub canonical_files: bool,
}

impl RunArgs {
    /// The library settings these flags ask for.
    pub(crate) fn config(&self) -> newsmerge::Result<Config> {
        Options {
            text_field: self.text_field.clone(),
            id_field: self.id_field.clone(),
            url_field: self.url_field.clone(),
            title_field: self.title_field.clone(),
            date_field: self.date_field.clone(),
            glob: self.include.clone(),
            exclude: self.exclude.clone(),
            follow_links: self.follow_links,
            markers: self.markers.clone(),
            markers_text: None,
            no_learned_furniture: self.no_learned_furniture,
            threads: self.threads,
            spill: self.spill.clone(),
            memory_limit: self.memory_limit,
            compress_spill: self.compress_spill,
        }
        .config()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_in_powers_of_1024() {
        assert_eq!(memory_size("3G"), Ok(3 << 30));
        assert_eq!(memory_size("2500M"), Ok(2500 << 20));
        assert_eq!(memory_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(memory_size("512 kb"), Ok(512 << 10));
        assert_eq!(memory_size("4096"), Ok(4096));
        for bad in ["", "G", "3X", "0", "0.1", "1e400"] {
            assert!(memory_size(bad).is_err(), "{bad}");
        }
    }
}
