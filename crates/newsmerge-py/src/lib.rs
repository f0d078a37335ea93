//! The native half of the `newsmerge` Python package: thin bindings over
//! the library's [`newsmerge::run_path`], [`newsmerge::run_entries`] and
//! [`newsmerge::merge_entries`]. The Python half (`python/newsmerge`)
//! shapes arguments and results; see its docstrings for the API.
//!
//! Records are read from Python objects while holding the GIL; the work
//! itself runs with the GIL released, on the library's own thread pool.

mod staged;

use newsmerge::report::ClusterRecord;
use newsmerge::{Config, DocumentRecord, Entry, Meta, Mode, Outcome, Silent, Status};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pyo3::create_exception!(
    _native,
    NewsmergeError,
    PyException,
    "A failure that stops a whole run: a missing input, an output folder that cannot be written."
);

/// The library's error as a Python exception, with its message and the
/// messages of its causes.
fn py_error(err: newsmerge::Error) -> PyErr {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    NewsmergeError::new_err(message)
}

fn config(threads: Option<usize>) -> PyResult<Config> {
    Config::builder()
        .threads(threads.unwrap_or(0))
        .build()
        .map_err(py_error)
}

/// Runs every stage over `input` and writes the output folder `out`;
/// returns `summary.json` as a string.
#[pyfunction]
#[pyo3(signature = (input, out, threads=None, force=false))]
fn run(
    py: Python<'_>,
    input: PathBuf,
    out: PathBuf,
    threads: Option<usize>,
    force: bool,
) -> PyResult<String> {
    let config = config(threads)?;
    py.detach(|| {
        newsmerge::check_paths(&input, &out)?;
        let outcome = newsmerge::run_path(&input, Mode::Run, &config, &Silent)?;
        write_summarized(&out, &outcome, force)
    })
    .map_err(py_error)
}

/// Writes the output folder; returns `summary.json` as a string.
fn write_summarized(out: &Path, outcome: &Outcome, force: bool) -> newsmerge::Result<String> {
    let options = newsmerge::WriteOptions {
        force,
        ..Default::default()
    };
    newsmerge::write_output(out, outcome, options)?;
    Ok(serde_json::to_string(&outcome.summary).expect("the summary serializes"))
}

/// Records read from Python: the entries (taken for the run), each
/// entry's id, and each record's id object.
struct Records {
    entries: Vec<Entry>,
    names: Vec<String>,
    ids: Vec<Py<PyAny>>,
}

impl Records {
    /// Reads an iterable of dicts (or plain strings, when `strings` is
    /// set). A record that cannot be used becomes an entry with a problem,
    /// never an exception.
    fn read(py: Python<'_>, items: &Bound<'_, PyAny>, strings: bool) -> PyResult<Records> {
        let mut records = Records {
            entries: Vec::new(),
            names: Vec::new(),
            ids: Vec::new(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.try_iter()?.enumerate() {
            let item = item?;
            let (id, entry) = if strings && item.is_instance_of::<PyString>() {
                let id = i.into_pyobject(py)?.into_any().unbind();
                let text = item.extract::<String>()?;
                (
                    id,
                    record_entry(i.to_string(), Ok(text), None, Meta::default()),
                )
            } else {
                read_record(py, i, &item)?
            };
            let entry = unique(&mut seen, i, entry);
            records.names.push(entry.id.clone());
            records.entries.push(entry);
            records.ids.push(id);
        }
        Ok(records)
    }

    /// The id object of the record whose entry id is `entry_id`.
    fn id_of(&self, py: Python<'_>, index: &HashMap<&str, usize>, entry_id: &str) -> Py<PyAny> {
        self.ids[index[entry_id]].clone_ref(py)
    }

    fn index(&self) -> HashMap<&str, usize> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect()
    }
}

fn record_entry(
    id: String,
    text: Result<String, String>,
    source: Option<String>,
    meta: Meta,
) -> Entry {
    newsmerge::record_entry(id, text, source, meta)
}

/// The entry id of a record whose own id cannot be used: its position.
fn position_id(i: usize) -> String {
    format!("#{i}")
}

/// Record `i`'s entry, or, when an earlier record has its id (as `seen`
/// remembers), an entry saying so.
fn unique(seen: &mut HashMap<String, usize>, i: usize, entry: Entry) -> Entry {
    match seen.get(&entry.id) {
        Some(&first) => duplicate(i, first, entry),
        None => {
            seen.insert(entry.id.clone(), i);
            entry
        }
    }
}

/// A record whose id an earlier record already has.
fn duplicate(i: usize, first: usize, entry: Entry) -> Entry {
    Entry {
        id: position_id(i),
        body: Err(newsmerge::Problem::Error(format!(
            "duplicate id {:?}: record {first} has it",
            entry.id
        ))),
        ..entry
    }
}

/// Reads record `i`: a dict with `id` and `text`, and optionally
/// `source`, `url`, `title` and `date`.
fn read_record(py: Python<'_>, i: usize, item: &Bound<'_, PyAny>) -> PyResult<(Py<PyAny>, Entry)> {
    let Ok(dict) = item.cast::<PyDict>() else {
        let kind = type_name(item)?;
        let id = py.None();
        let reason = format!("record is {kind}, not a dict");
        return Ok((
            id,
            record_entry(position_id(i), Err(reason), None, Meta::default()),
        ));
    };
    let id_obj = dict.get_item("id")?.filter(|v| !v.is_none());
    let id = match &id_obj {
        Some(v) if v.is_instance_of::<PyString>() => Ok(v.extract::<String>()?),
        Some(v) if v.extract::<i64>().is_ok() => Ok(v.str()?.to_string()),
        Some(v) => Err(format!(
            "record field `id` is {}, expected a string or an integer",
            type_name(v)?
        )),
        None => Err("record has no id".to_string()),
    };
    let text = match dict.get_item("text")?.filter(|v| !v.is_none()) {
        Some(v) if v.is_instance_of::<PyString>() => Ok(v.extract::<String>()?),
        Some(v) => Err(format!(
            "record field `text` is {}, expected a string",
            type_name(&v)?
        )),
        None => Err("record has no text".to_string()),
    };
    let field = |name: &str| -> PyResult<Option<String>> {
        Ok(match dict.get_item(name)? {
            Some(v) if v.is_instance_of::<PyString>() => Some(v.extract()?),
            _ => None,
        })
    };
    let meta = Meta {
        title: field("title")?,
        url: field("url")?,
        date: field("date")?,
        ..Meta::default()
    };
    let source = field("source")?;
    let id_obj = id_obj.map_or_else(|| py.None(), Bound::unbind);
    let entry = match id {
        Ok(id) => record_entry(id, text, source, meta),
        Err(reason) => record_entry(position_id(i), Err(reason), source, meta),
    };
    Ok((id_obj, entry))
}

fn type_name(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(value.get_type().name()?.to_string())
}

/// The records that were not used, as dicts: `index`, `id`, `status`,
/// `reason`.
fn problems<'py>(
    py: Python<'py>,
    records: &Records,
    documents: &[DocumentRecord],
) -> PyResult<Problems<'py>> {
    let index = records.index();
    let mut bad: Vec<(usize, &DocumentRecord)> = documents
        .iter()
        .filter(|d| d.status != Status::Ok)
        .map(|d| (index[d.id.as_str()], d))
        .collect();
    bad.sort_unstable_by_key(|b| b.0);
    let mut out = Vec::new();
    for (i, d) in bad {
        let p = PyDict::new(py);
        p.set_item("index", i)?;
        p.set_item("id", records.ids[i].clone_ref(py))?;
        p.set_item("status", d.status.as_str())?;
        p.set_item("reason", d.error.as_deref().unwrap_or_default())?;
        out.push(p);
    }
    Ok(out)
}

/// Clusters as lists of the records' id objects.
type Clusters = Vec<Vec<Py<PyAny>>>;

/// The records that were not used, as dicts.
type Problems<'py> = Vec<Bound<'py, PyDict>>;

/// Groups records into copies of one article; returns the clusters (lists
/// of ids) and the records that could not be used.
#[pyfunction]
#[pyo3(signature = (records, threads=None))]
fn dedup<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    threads: Option<usize>,
) -> PyResult<(Clusters, Problems<'py>)> {
    let mut records = Records::read(py, records, false)?;
    let config = config(threads)?;
    let entries = std::mem::take(&mut records.entries);
    let outcome: Outcome = py
        .detach(|| newsmerge::run_entries(entries, Mode::Dedup, &config, &Silent))
        .map_err(py_error)?;
    let index = records.index();
    let clusters = outcome
        .clusters
        .iter()
        .map(|c| {
            c.members
                .iter()
                .map(|m| records.id_of(py, &index, m))
                .collect()
        })
        .collect();
    Ok((clusters, problems(py, &records, &outcome.documents)?))
}

/// Groups texts held in Arrow buffers: a large-string column's offsets
/// (little-endian i64) and data, its validity bitmap (or None), and the
/// array's offset; `ids` and `sources` as lists. Returns each row's
/// cluster id (None for a row that could not be used) and the problems.
#[pyfunction]
#[pyo3(signature = (ids, offsets, data, validity, offset, sources=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn dedup_buffers<'py>(
    py: Python<'py>,
    ids: Vec<Option<String>>,
    offsets: &[u8],
    data: &[u8],
    validity: Option<&[u8]>,
    offset: usize,
    sources: Option<Vec<Option<String>>>,
    threads: Option<usize>,
) -> PyResult<(Vec<Option<String>>, Problems<'py>)> {
    let rows = ids.len();
    if offsets.len() < (offset + rows + 1) * 8 {
        return Err(NewsmergeError::new_err(
            "offsets buffer is shorter than the column",
        ));
    }
    let at = |i: usize| -> usize {
        let b: [u8; 8] = offsets[(offset + i) * 8..(offset + i + 1) * 8]
            .try_into()
            .expect("eight bytes");
        usize::try_from(i64::from_le_bytes(b)).unwrap_or(usize::MAX)
    };
    let valid =
        |i: usize| validity.is_none_or(|v| v[(offset + i) / 8] >> ((offset + i) % 8) & 1 == 1);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut entries = Vec::with_capacity(rows);
    for (i, id) in ids.iter().enumerate() {
        let text = if !valid(i) {
            Err("record has no text".to_string())
        } else {
            let (start, end) = (at(i), at(i + 1));
            match data.get(start..end).map(std::str::from_utf8) {
                Some(Ok(t)) => Ok(t.to_string()),
                _ => Err("record text is not valid UTF-8".to_string()),
            }
        };
        let source = sources.as_ref().and_then(|s| s[i].clone());
        let entry = match id {
            Some(id) => record_entry(id.clone(), text, source, Meta::default()),
            None => record_entry(
                position_id(i),
                Err("record has no id".into()),
                source,
                Meta::default(),
            ),
        };
        entries.push(unique(&mut seen, i, entry));
    }
    let mut records = Records {
        names: entries.iter().map(|e| e.id.clone()).collect(),
        ids: ids
            .into_iter()
            .map(|id| match id {
                Some(s) => PyString::new(py, &s).into_any().unbind(),
                None => py.None(),
            })
            .collect(),
        entries,
    };
    let config = config(threads)?;
    let entries = std::mem::take(&mut records.entries);
    let outcome = py
        .detach(|| newsmerge::run_entries(entries, Mode::Dedup, &config, &Silent))
        .map_err(py_error)?;
    let mut cluster_of: HashMap<&str, &str> = HashMap::new();
    for d in &outcome.documents {
        if let Some(c) = &d.cluster {
            cluster_of.insert(d.id.as_str(), c.as_str());
        }
    }
    let column = records
        .names
        .iter()
        .map(|name| cluster_of.get(name.as_str()).map(|c| c.to_string()))
        .collect();
    Ok((column, problems(py, &records, &outcome.documents)?))
}

/// Reconciles copies of one article (dicts, or plain strings whose id is
/// their position); returns the merge as a JSON string.
#[pyfunction]
#[pyo3(signature = (copies, threads=None))]
fn merge(py: Python<'_>, copies: &Bound<'_, PyAny>, threads: Option<usize>) -> PyResult<String> {
    let mut records = Records::read(py, copies, true)?;
    let config = config(threads)?;
    let entries = std::mem::take(&mut records.entries);
    let outcome = py
        .detach(|| newsmerge::merge_entries(entries, &config))
        .map_err(py_error)?;
    let cluster = outcome.clusters.first();
    let merged = serde_json::json!({
        "text": cluster.and_then(ClusterRecord::text).unwrap_or_default(),
        "lines": cluster.and_then(|c| c.lines.as_ref()),
        "pivot": cluster.and_then(|c| c.pivot.as_ref()),
        "copies": outcome.documents,
    });
    Ok(merged.to_string())
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NewsmergeError", m.py().get_type::<NewsmergeError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(dedup, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    staged::register(m)?;
    m.add("FORMAT_VERSION", newsmerge::FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
