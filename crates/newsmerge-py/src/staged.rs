//! Bindings of [`newsmerge::engine::staged`]: `run` one stage at a time,
//! for the Spark job (`newsmerge.spark`). Entries cross as JSON strings,
//! fingerprints, ballots and tallies as bytes, and the learned context as
//! a [`Context`] object built once per worker from its bytes.

use crate::py_error;
use newsmerge::engine::staged::{self, ClusterTally, Reading, Split};
use newsmerge::sketch::Signature;
use newsmerge::{Config, Entry, Error, Options};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

fn bad(what: &str, e: impl std::fmt::Display) -> PyErr {
    py_error(Error::Staged(format!("{what}: {e}")))
}

fn entry(json: &str) -> PyResult<Entry> {
    serde_json::from_str(json).map_err(|e| bad("entry", e))
}

fn entries(json: Vec<String>) -> PyResult<Vec<Entry>> {
    json.iter().map(|j| entry(j)).collect()
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("staged values serialize")
}

fn to_bytes<'py>(py: Python<'py>, value: &impl serde::Serialize) -> Bound<'py, PyBytes> {
    PyBytes::new(
        py,
        &postcard::to_allocvec(value).expect("staged values serialize"),
    )
}

fn from_bytes<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> PyResult<T> {
    postcard::from_bytes(bytes).map_err(|e| bad(what, e))
}

/// The command's settings of a staged run, on one thread (the cluster's
/// executors are the parallelism).
fn config_of(options: &Options) -> newsmerge::Result<Config> {
    Options {
        threads: 1,
        ..options.clone()
    }
    .config()
}

/// The settings of the run and what has been learned from the whole
/// corpus so far, decoded once per worker.
#[pyclass(frozen, module = "newsmerge._native")]
pub(crate) struct Context {
    settings: String,
    config: Config,
    learned: staged::Context,
}

impl Context {
    fn with(&self, learned: staged::Context) -> Context {
        Context {
            settings: self.settings.clone(),
            config: self.config.clone(),
            learned,
        }
    }

    fn of(settings: String, learned: staged::Context) -> PyResult<Context> {
        let options: Options = serde_json::from_str(&settings).map_err(|e| bad("settings", e))?;
        let config = config_of(&options).map_err(py_error)?;
        Ok(Context {
            settings,
            config,
            learned,
        })
    }
}

#[pymethods]
impl Context {
    /// The context a run starts with: its settings (JSON: ``text_field``,
    /// ``glob``, ``markers`` and the other options of ``newsmerge run``),
    /// checked, the marker file read, nothing learned yet.
    #[staticmethod]
    fn start(settings: &str) -> PyResult<Context> {
        let mut options: Options =
            serde_json::from_str(settings).map_err(|e| bad("settings", e))?;
        options.read_markers().map_err(py_error)?;
        Context::of(to_json(&options), staged::Context::default())
    }

    /// Decodes a context from its bytes.
    #[staticmethod]
    fn from_bytes(bytes: &[u8]) -> PyResult<Context> {
        let (settings, learned): (String, Vec<u8>) = from_bytes("context", bytes)?;
        let learned = staged::Context::from_bytes(&learned).map_err(py_error)?;
        Context::of(settings, learned)
    }

    /// The context as bytes, to broadcast.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        to_bytes(py, &(&self.settings, self.learned.to_bytes()))
    }
}

/// An entry as the Spark job's rows hold it: its id, its sort key (path
/// and record number), whether it has text, its source, and the entry as
/// JSON.
type EntryRow = (String, String, u64, bool, String, String);

fn entry_row(e: Entry) -> EntryRow {
    let (path, n) = newsmerge::ingest::id_order(&e.id);
    let (path, json) = (path.to_string(), to_json(&e));
    (e.id, path, n, e.body.is_ok(), e.source, json)
}

/// Refuses an output folder the run could not write at its end (inside
/// the input, or holding other files without `force`), before any work.
#[pyfunction]
#[pyo3(signature = (out, input=None, force=false))]
fn staged_check_output(out: PathBuf, input: Option<PathBuf>, force: bool) -> PyResult<()> {
    if let Some(input) = input {
        newsmerge::check_paths(&input, &out).map_err(py_error)?;
    }
    newsmerge::report::check_writable(&out, force).map_err(py_error)
}

/// The input cut into splits, as JSON strings, in input order.
#[pyfunction]
fn staged_plan(py: Python<'_>, input: PathBuf, context: &Context) -> PyResult<Vec<String>> {
    let splits = py
        .detach(|| staged::plan(&input, &context.config))
        .map_err(py_error)?;
    Ok(splits.iter().map(to_json).collect())
}

/// One split's entries: (id, id path, record number, readable, source,
/// entry JSON) each.
#[pyfunction]
fn staged_read(py: Python<'_>, split: &str, context: &Context) -> PyResult<Vec<EntryRow>> {
    let split: Split = serde_json::from_str(split).map_err(|e| bad("split", e))?;
    let read = py.detach(|| split.read(&context.config));
    Ok(read.into_iter().map(entry_row).collect())
}

/// A file of the walk: (file as JSON, path relative to the input, path,
/// how it is read: "lines", "rows", "whole" or "walked").
type FileRow = (String, String, PathBuf, &'static str);

/// The input's files in input order, each with the way to read it; JSON
/// Lines files larger than `lines_from` bytes (by default, the size above
/// which `run` reads them in parts) are read line by line.
#[pyfunction]
#[pyo3(signature = (input, context, lines_from=None))]
fn staged_files(
    py: Python<'_>,
    input: PathBuf,
    context: &Context,
    lines_from: Option<u64>,
) -> PyResult<Vec<FileRow>> {
    let lines_from = lines_from.unwrap_or(newsmerge::ingest::PART_BYTES);
    let files = py
        .detach(|| staged::files(&input, &context.config, lines_from))
        .map_err(py_error)?;
    let reading = |f: &staged::InputFile| match f.reading() {
        Reading::Lines => "lines",
        Reading::Rows => "rows",
        Reading::Whole => "whole",
        Reading::Walked => "walked",
    };
    Ok(files
        .iter()
        .map(|f| {
            (
                to_json(f),
                f.rel().to_string(),
                f.path().to_path_buf(),
                reading(f),
            )
        })
        .collect())
}

/// The entries of a file of [`staged_files`] read here (passed over by
/// the walk, or read by lines and holding no record).
#[pyfunction]
fn staged_read_file(file: &str, context: &Context) -> PyResult<Vec<EntryRow>> {
    let file: staged::InputFile = serde_json::from_str(file).map_err(|e| bad("file", e))?;
    Ok(file
        .read(&context.config)
        .into_iter()
        .map(entry_row)
        .collect())
}

/// How many of these lines of a JSON Lines file hold a record.
#[pyfunction]
fn staged_count_records(lines: Vec<Vec<u8>>) -> usize {
    lines
        .iter()
        .filter(|l| newsmerge::ingest::is_record_line(l))
        .count()
}

/// The entries of consecutive lines of the JSON Lines file `rel`, after
/// `records_before` records on `lines_before` lines.
#[pyfunction]
fn staged_read_lines(
    py: Python<'_>,
    rel: &str,
    lines: Vec<Vec<u8>>,
    records_before: usize,
    lines_before: usize,
    context: &Context,
) -> Vec<EntryRow> {
    let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    let before = (records_before, lines_before);
    let read = py.detach(|| staged::read_lines(rel, &lines, before, &context.config));
    read.into_iter().map(entry_row).collect()
}

/// The entries of Parquet rows as an Arrow IPC stream, each row with its
/// file (relative to the input) and row number (1-based).
#[pyfunction]
fn staged_read_rows(
    py: Python<'_>,
    ipc: &[u8],
    rels: Vec<String>,
    rows: Vec<usize>,
    context: &Context,
) -> PyResult<Vec<EntryRow>> {
    let rows: Vec<(String, usize)> = rels.into_iter().zip(rows).collect();
    let read = py
        .detach(|| staged::read_rows(ipc, &rows, &context.config))
        .map_err(py_error)?;
    Ok(read.into_iter().map(entry_row).collect())
}

/// The entries of the bytes of the file `rel`.
#[pyfunction]
fn staged_read_bytes(
    py: Python<'_>,
    rel: &str,
    bytes: Vec<u8>,
    context: &Context,
) -> Vec<EntryRow> {
    let read = py.detach(|| staged::read_bytes(rel, bytes, &context.config));
    read.into_iter().map(entry_row).collect()
}

/// Records handed over as columns, as entries: (id, id path, record
/// number, readable, source, entry JSON) each. A missing text is an
/// error entry, as for the package's `dedup`.
#[pyfunction]
fn staged_records(
    ids: Vec<String>,
    texts: Vec<Option<String>>,
    sources: Vec<Option<String>>,
    urls: Vec<Option<String>>,
    titles: Vec<Option<String>>,
    dates: Vec<Option<String>>,
) -> Vec<EntryRow> {
    let rows = ids.into_iter().zip(texts).zip(sources).zip(urls);
    rows.zip(titles)
        .zip(dates)
        .map(|(((((id, text), source), url), title), date)| {
            let meta = newsmerge::Meta {
                url,
                title,
                date,
                ..Default::default()
            };
            let text = text.ok_or_else(|| "the text is missing".to_string());
            entry_row(newsmerge::record_entry(id, text, source, meta))
        })
        .collect()
}

/// The (line, article) pairs furniture learning counts, of every entry:
/// three columns, whether the line is long (prose), the line and the
/// article, as signed 64-bit integers (Spark's longs).
#[pyfunction]
fn staged_furniture_lines(entries_json: Vec<String>) -> PyResult<(Vec<bool>, Vec<i64>, Vec<i64>)> {
    let (mut long, mut lines, mut ledes) = (Vec::new(), Vec::new(), Vec::new());
    for json in &entries_json {
        let (short_pairs, long_pairs) = staged::furniture_lines(&entry(json)?);
        for (is_long, pairs) in [(false, short_pairs), (true, long_pairs)] {
            for (line, lede) in pairs {
                long.push(is_long);
                lines.push(line as i64);
                ledes.push(lede as i64);
            }
        }
    }
    Ok((long, lines, ledes))
}

/// How many distinct articles must carry a line for it to be learned.
#[pyfunction]
fn staged_furniture_threshold(context: &Context) -> usize {
    staged::furniture_threshold(&context.config)
}

/// The first context: the learned furniture lines (longs) and every
/// readable document's source.
#[pyfunction]
fn staged_learn_furniture(
    context: &Context,
    seen: Vec<i64>,
    site: Vec<i64>,
    sources: Vec<String>,
) -> Context {
    let unsigned = |v: Vec<i64>| v.into_iter().map(|x| x as u64).collect();
    let config = &context.config;
    context.with(staged::Context::learn_furniture(
        unsigned(seen),
        unsigned(site),
        sources,
        config,
    ))
}

/// Each entry's fingerprint as bytes, or None when it has no text.
#[pyfunction]
fn staged_fingerprints<'py>(
    py: Python<'py>,
    entries_json: Vec<String>,
    context: &Context,
) -> PyResult<Vec<Option<Bound<'py, PyBytes>>>> {
    let entries = entries(entries_json)?;
    let signatures: Vec<_> = py.detach(|| {
        entries
            .into_iter()
            .map(|e| staged::fingerprint(e, &context.learned, &context.config))
            .collect()
    });
    Ok(signatures
        .iter()
        .map(|s| s.as_ref().map(|s| to_bytes(py, s)))
        .collect())
}

fn signatures(prints: &[Vec<u8>]) -> PyResult<Vec<Signature>> {
    all_from_bytes("fingerprint", prints)
}

fn all_from_bytes<T: serde::de::DeserializeOwned>(
    what: &str,
    items: &[Vec<u8>],
) -> PyResult<Vec<T>> {
    items.iter().map(|b| from_bytes(what, b)).collect()
}

/// A document's candidate keys: (exact key, shingles, sample, near keys),
/// or None when it is no one's candidate.
type KeysRow = Option<(i64, usize, Vec<u32>, Vec<Option<i64>>)>;

/// Each fingerprint's candidate keys (see the library's
/// `staged::CandidateKeys`), 64-bit keys as signed longs.
#[pyfunction]
fn staged_candidate_keys(prints: Vec<Vec<u8>>) -> PyResult<Vec<KeysRow>> {
    let signatures = signatures(&prints)?;
    Ok(signatures
        .iter()
        .map(|s| {
            let k = staged::candidate_keys(s)?;
            let near = k.near.iter().map(|n| n.map(|x| x as i64)).collect();
            Some((k.exact as i64, k.shingles, k.sample, near))
        })
        .collect())
}

/// The originals of one exact key, and the (original, copy) pairs.
type Originals = (Vec<u32>, Vec<(u32, u32)>);

/// The originals among documents of one exact key, and the (original,
/// copy) pairs of the others.
#[pyfunction]
fn staged_exact_copies(docs: Vec<u32>, prints: Vec<Vec<u8>>) -> PyResult<Originals> {
    let mut group: Vec<(u32, Signature)> = docs.into_iter().zip(signatures(&prints)?).collect();
    group.sort_by_key(|g| g.0);
    Ok(staged::exact_copies(&group))
}

/// The posting cap, and how many shingles a pair must share for each
/// size of its smaller sample up to `largest`.
#[pyfunction]
fn staged_sharing(largest: usize, context: &Context) -> (usize, Vec<u32>) {
    let config = &context.config;
    let needed = (0..=largest)
        .map(|n| staged::shared_needed(n, config))
        .collect();
    (staged::max_posting(config), needed)
}

/// Whether each pair of fingerprints are copies of one article.
#[pyfunction]
fn staged_verify(
    py: Python<'_>,
    a: Vec<Vec<u8>>,
    b: Vec<Vec<u8>>,
    context: &Context,
) -> PyResult<Vec<bool>> {
    let (a, b) = (signatures(&a)?, signatures(&b)?);
    Ok(py.detach(|| {
        a.iter()
            .zip(&b)
            .map(|(x, y)| staged::verify(x, y, &context.config))
            .collect()
    }))
}

/// The components of two or more documents of the verified pairs among
/// `n` documents.
#[pyfunction]
fn staged_components(py: Python<'_>, n: usize, a: Vec<u32>, b: Vec<u32>) -> Vec<Vec<u32>> {
    let pairs: Vec<(u32, u32)> = a.into_iter().zip(b).collect();
    py.detach(|| staged::components(n, &pairs))
}

/// One component split by centre: its clusters' members.
#[pyfunction]
fn staged_split(
    py: Python<'_>,
    docs: Vec<u32>,
    prints: Vec<Vec<u8>>,
    a: Vec<u32>,
    b: Vec<u32>,
    context: &Context,
) -> PyResult<Vec<Vec<u32>>> {
    let members = docs.into_iter().zip(signatures(&prints)?).collect();
    let pairs: Vec<(u32, u32)> = a.into_iter().zip(b).collect();
    Ok(py.detach(|| staged::split(members, &pairs, &context.config)))
}

/// Every cluster of `n` documents, named, from the components' clusters.
#[pyfunction]
fn staged_name_clusters(n: usize, found: Vec<Vec<u32>>) -> Vec<(String, Vec<u32>)> {
    staged::name_clusters(n, found)
}

/// One per-cluster stage on a cluster's entries, its result as bytes.
fn cluster_stage<'py, T: serde::Serialize + Send>(
    py: Python<'py>,
    members: Vec<String>,
    context: &Context,
    stage: fn(Vec<Entry>, &staged::Context, &Config) -> newsmerge::Result<T>,
) -> PyResult<Bound<'py, PyBytes>> {
    let members = entries(members)?;
    let result = py
        .detach(|| stage(members, &context.learned, &context.config))
        .map_err(py_error)?;
    Ok(to_bytes(py, &result))
}

/// One cluster's ballot and its copies' source numbers, as bytes.
#[pyfunction]
fn staged_ballot<'py>(
    py: Python<'py>,
    members: Vec<String>,
    context: &Context,
) -> PyResult<Bound<'py, PyBytes>> {
    cluster_stage(py, members, context, staged::ballot)
}

/// The context with the presence model learned from every cluster's
/// ballot, in cluster order.
#[pyfunction]
fn staged_learn_presence(
    py: Python<'_>,
    context: &Context,
    ballots: Vec<Vec<u8>>,
) -> PyResult<Context> {
    let ballots: Vec<_> = all_from_bytes("ballot", &ballots)?;
    let mut learned = context.learned.clone();
    py.detach(|| learned.learn_presence(&ballots));
    Ok(context.with(learned))
}

/// One cluster's tally under the presence model, as bytes.
#[pyfunction]
fn staged_tally<'py>(
    py: Python<'py>,
    members: Vec<String>,
    context: &Context,
) -> PyResult<Bound<'py, PyBytes>> {
    cluster_stage(py, members, context, staged::tally)
}

/// The context with reliability learned from every cluster's tally, and
/// the summed tallies as bytes.
#[pyfunction]
fn staged_learn_reliability<'py>(
    py: Python<'py>,
    context: &Context,
    tallies: Vec<Vec<u8>>,
) -> PyResult<(Context, Bound<'py, PyBytes>)> {
    let tallies: Vec<ClusterTally> = all_from_bytes("tally", &tallies)?;
    let mut learned = context.learned.clone();
    let summed = learned.learn_reliability(tallies);
    Ok((context.with(learned), to_bytes(py, &summed)))
}

/// One cluster merged: its output (record, members' records) as JSON.
#[pyfunction]
fn staged_merge(
    py: Python<'_>,
    id: &str,
    members: Vec<String>,
    context: &Context,
) -> PyResult<String> {
    let members = entries(members)?;
    let output = py
        .detach(|| staged::merge(id, members, &context.learned, &context.config))
        .map_err(py_error)?;
    Ok(to_json(&output))
}

/// The `documents.jsonl` record of an entry without text, as JSON.
#[pyfunction]
fn staged_problem_record(entry_json: &str) -> PyResult<String> {
    Ok(to_json(&staged::problem_record(&entry(entry_json)?)))
}

/// Assembles the outcome from every record and writes the output folder;
/// returns `summary.json` as a string.
#[pyfunction]
#[pyo3(signature = (problems, outputs, tallies, context, out, force=false))]
fn staged_finish(
    py: Python<'_>,
    problems: Vec<String>,
    outputs: Vec<String>,
    tallies: &[u8],
    context: &Context,
    out: PathBuf,
    force: bool,
) -> PyResult<String> {
    let problems = problems
        .iter()
        .map(|j| serde_json::from_str(j).map_err(|e| bad("record", e)))
        .collect::<PyResult<_>>()?;
    let outputs = outputs
        .iter()
        .map(|j| serde_json::from_str(j).map_err(|e| bad("cluster output", e)))
        .collect::<PyResult<_>>()?;
    let tallies = from_bytes("tallies", tallies)?;
    py.detach(|| {
        let outcome = staged::finish(
            problems,
            outputs,
            &tallies,
            &context.learned,
            &context.config,
        )?;
        crate::write_summarized(&out, &outcome, force)
    })
    .map_err(py_error)
}

/// Adds the staged functions to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Context>()?;
    m.add_function(wrap_pyfunction!(staged_check_output, m)?)?;
    m.add_function(wrap_pyfunction!(staged_plan, m)?)?;
    m.add_function(wrap_pyfunction!(staged_read, m)?)?;
    m.add_function(wrap_pyfunction!(staged_files, m)?)?;
    m.add_function(wrap_pyfunction!(staged_read_file, m)?)?;
    m.add_function(wrap_pyfunction!(staged_count_records, m)?)?;
    m.add_function(wrap_pyfunction!(staged_read_lines, m)?)?;
    m.add_function(wrap_pyfunction!(staged_read_rows, m)?)?;
    m.add_function(wrap_pyfunction!(staged_read_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(staged_records, m)?)?;
    m.add_function(wrap_pyfunction!(staged_furniture_lines, m)?)?;
    m.add_function(wrap_pyfunction!(staged_furniture_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(staged_learn_furniture, m)?)?;
    m.add_function(wrap_pyfunction!(staged_fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(staged_candidate_keys, m)?)?;
    m.add_function(wrap_pyfunction!(staged_exact_copies, m)?)?;
    m.add_function(wrap_pyfunction!(staged_sharing, m)?)?;
    m.add_function(wrap_pyfunction!(staged_verify, m)?)?;
    m.add_function(wrap_pyfunction!(staged_components, m)?)?;
    m.add_function(wrap_pyfunction!(staged_split, m)?)?;
    m.add_function(wrap_pyfunction!(staged_name_clusters, m)?)?;
    m.add_function(wrap_pyfunction!(staged_ballot, m)?)?;
    m.add_function(wrap_pyfunction!(staged_learn_presence, m)?)?;
    m.add_function(wrap_pyfunction!(staged_tally, m)?)?;
    m.add_function(wrap_pyfunction!(staged_learn_reliability, m)?)?;
    m.add_function(wrap_pyfunction!(staged_merge, m)?)?;
    m.add_function(wrap_pyfunction!(staged_problem_record, m)?)?;
    m.add_function(wrap_pyfunction!(staged_finish, m)?)?;
    Ok(())
}
