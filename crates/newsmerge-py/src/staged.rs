//! Bindings of [`newsmerge::engine::staged`]: `run` one stage at a time,
//! for the Spark job (`newsmerge.spark`). Entries cross as JSON strings,
//! fingerprints, ballots and tallies as bytes, and the learned context as
//! a [`Context`] object built once per worker from its bytes.

use crate::py_error;
use newsmerge::engine::staged::{self, ClusterTally, Split};
use newsmerge::sketch::Signature;
use newsmerge::{Config, Entry, Error};
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

/// The settings of a staged run: the defaults, on one thread (the
/// cluster's executors are the parallelism).
fn config() -> PyResult<Config> {
    Config::builder().threads(1).build().map_err(py_error)
}

/// What has been learned from the whole corpus, decoded once per worker.
#[pyclass(frozen, module = "newsmerge._native")]
pub(crate) struct Context(staged::Context);

#[pymethods]
impl Context {
    /// Decodes a context from its bytes.
    #[staticmethod]
    fn from_bytes(bytes: &[u8]) -> PyResult<Context> {
        staged::Context::from_bytes(bytes)
            .map(Context)
            .map_err(py_error)
    }

    /// The context as bytes, to broadcast.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bytes())
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
fn staged_plan(py: Python<'_>, input: PathBuf) -> PyResult<Vec<String>> {
    let config = config()?;
    let splits = py
        .detach(|| staged::plan(&input, &config))
        .map_err(py_error)?;
    Ok(splits.iter().map(to_json).collect())
}

/// One split's entries: (id, id path, record number, readable, source,
/// entry JSON) each.
#[pyfunction]
fn staged_read(py: Python<'_>, split: &str) -> PyResult<Vec<EntryRow>> {
    let split: Split = serde_json::from_str(split).map_err(|e| bad("split", e))?;
    let config = config()?;
    let read = py.detach(|| split.read(&config));
    Ok(read.into_iter().map(entry_row).collect())
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
fn staged_furniture_threshold() -> PyResult<usize> {
    Ok(staged::furniture_threshold(&config()?))
}

/// The first context: the learned furniture lines (longs) and every
/// readable document's source.
#[pyfunction]
fn staged_learn_furniture(
    seen: Vec<i64>,
    site: Vec<i64>,
    sources: Vec<String>,
) -> PyResult<Context> {
    let unsigned = |v: Vec<i64>| v.into_iter().map(|x| x as u64).collect();
    let learned =
        staged::Context::learn_furniture(unsigned(seen), unsigned(site), sources, &config()?);
    Ok(Context(learned))
}

/// Each entry's fingerprint as bytes, or None when it has no text.
#[pyfunction]
fn staged_fingerprints<'py>(
    py: Python<'py>,
    entries_json: Vec<String>,
    context: &Context,
) -> PyResult<Vec<Option<Bound<'py, PyBytes>>>> {
    let config = config()?;
    let entries = entries(entries_json)?;
    let signatures: Vec<_> = py.detach(|| {
        entries
            .into_iter()
            .map(|e| staged::fingerprint(e, &context.0, &config))
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
fn staged_sharing(largest: usize) -> PyResult<(usize, Vec<u32>)> {
    let config = config()?;
    let needed = (0..=largest)
        .map(|n| staged::shared_needed(n, &config))
        .collect();
    Ok((staged::max_posting(&config), needed))
}

/// Whether each pair of fingerprints are copies of one article.
#[pyfunction]
fn staged_verify(py: Python<'_>, a: Vec<Vec<u8>>, b: Vec<Vec<u8>>) -> PyResult<Vec<bool>> {
    let (a, b, config) = (signatures(&a)?, signatures(&b)?, config()?);
    Ok(py.detach(|| {
        a.iter()
            .zip(&b)
            .map(|(x, y)| staged::verify(x, y, &config))
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
) -> PyResult<Vec<Vec<u32>>> {
    let members = docs.into_iter().zip(signatures(&prints)?).collect();
    let pairs: Vec<(u32, u32)> = a.into_iter().zip(b).collect();
    let config = config()?;
    Ok(py.detach(|| staged::split(members, &pairs, &config)))
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
    let (config, members) = (config()?, entries(members)?);
    let result = py
        .detach(|| stage(members, &context.0, &config))
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
    let mut learned = context.0.clone();
    py.detach(|| learned.learn_presence(&ballots));
    Ok(Context(learned))
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
    let mut learned = context.0.clone();
    let summed = learned.learn_reliability(tallies);
    Ok((Context(learned), to_bytes(py, &summed)))
}

/// One cluster merged: its output (record, canonical text, members'
/// records) as JSON.
#[pyfunction]
fn staged_merge(
    py: Python<'_>,
    id: &str,
    members: Vec<String>,
    context: &Context,
) -> PyResult<String> {
    let (config, members) = (config()?, entries(members)?);
    let output = py
        .detach(|| staged::merge(id, members, &context.0, &config))
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
    let config = config()?;
    py.detach(|| {
        let outcome = staged::finish(problems, outputs, &tallies, &context.0, &config)?;
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
