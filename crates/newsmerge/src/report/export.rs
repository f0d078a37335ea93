//! The cleaned corpus: one record per cluster of an output folder, written
//! as JSON Lines (plain or compressed) or as Parquet.

mod parquet_sink;

use super::ClusterRecord;
use crate::error::{Error, Result};
use crate::ingest::{Compression, id_order};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// One article of the cleaned corpus.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportRecord {
    /// The cluster id.
    pub id: String,
    /// The canonical text, its lines joined by blank lines, exactly as
    /// `clusters.jsonl` has them; null for a `dedup` output.
    pub text: Option<String>,
    /// The representative's title, url and date (see
    /// [`super::DocumentRecord::keep`]).
    pub title: Option<String>,
    /// The representative's url.
    pub url: Option<String>,
    /// The representative's date.
    pub date: Option<String>,
    /// The representative's document id.
    pub representative: String,
    /// Every member's document id.
    pub members: Vec<String>,
    /// The members' sources, sorted, each once.
    pub sources: Vec<String>,
    /// The members flagged truncated.
    pub truncated_members: Vec<String>,
    /// The members flagged paywalled.
    pub paywalled_members: Vec<String>,
}

/// What `export` reads of a document.
#[derive(Deserialize)]
struct DocRow {
    id: String,
    source: String,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    paywalled: bool,
    #[serde(default)]
    keep: bool,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

/// How many articles an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Records written, one per cluster.
    pub records: usize,
}

/// Writes the cleaned corpus of the output folder `out` to `to`, one
/// record per cluster: as Parquet when `to` ends in `.parquet` (zstd
/// compressed, lists as lists of strings), else as JSON Lines, plain, or
/// gzip or zstd compressed when `to` ends in `.gz` or `.zst`. An existing
/// `to` is replaced only when `force` is set; the file appears only once
/// complete.
pub fn export(out: &Path, to: &Path, force: bool) -> Result<Exported> {
    if to.exists() && !force {
        return Err(Error::Exists {
            path: to.to_path_buf(),
        });
    }
    let docs = read_documents(&out.join("documents.jsonl"))?;
    let clusters_path = out.join("clusters.jsonl");
    let clusters =
        File::open(&clusters_path).map_err(|e| unreadable(&clusters_path, e.to_string()))?;
    let partial = partial_path(to);
    let result = write_records(
        &clusters_path,
        BufReader::new(clusters),
        &docs,
        &partial,
        to,
    );
    match result {
        Ok(records) => {
            std::fs::rename(&partial, to).map_err(|e| Error::write(to, e))?;
            Ok(Exported { records })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn unreadable(path: &Path, reason: String) -> Error {
    Error::OutputUnreadable {
        path: path.to_path_buf(),
        reason,
    }
}

/// Where the export is written until it is complete.
fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    to.with_file_name(name)
}

fn read_documents(path: &Path) -> Result<HashMap<String, DocRow>> {
    let file = File::open(path).map_err(|e| unreadable(path, e.to_string()))?;
    let mut docs = HashMap::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| unreadable(path, e.to_string()))?;
        let row: DocRow = serde_json::from_str(&line)
            .map_err(|e| unreadable(path, format!("line {}: {e}", n + 1)))?;
        docs.insert(row.id.clone(), row);
    }
    Ok(docs)
}

fn write_records(
    clusters_path: &Path,
    clusters: impl BufRead,
    docs: &HashMap<String, DocRow>,
    partial: &Path,
    to: &Path,
) -> Result<usize> {
    let file = File::create(partial).map_err(|e| Error::write(partial, e))?;
    let mut sink = Sink::new(to, BufWriter::new(file)).map_err(|e| Error::write(partial, e))?;
    let mut records = 0;
    for (n, line) in clusters.lines().enumerate() {
        let line = line.map_err(|e| unreadable(clusters_path, e.to_string()))?;
        let cluster: ClusterRecord = serde_json::from_str(&line)
            .map_err(|e| unreadable(clusters_path, format!("line {}: {e}", n + 1)))?;
        sink.push(record_of(cluster, docs))
            .map_err(|e| Error::write(partial, e))?;
        records += 1;
    }
    sink.finish().map_err(|e| Error::write(partial, e))?;
    Ok(records)
}

/// Where export records go: a JSON Lines stream, or Parquet row groups.
enum Sink<W: Write + Send> {
    Lines(Encoder<W>),
    Parquet(Box<parquet_sink::ParquetSink<W>>),
}

impl<W: Write + Send> Sink<W> {
    fn new(to: &Path, w: W) -> std::io::Result<Sink<W>> {
        let parquet = to
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        Ok(if parquet {
            Sink::Parquet(Box::new(parquet_sink::ParquetSink::new(w)?))
        } else {
            Sink::Lines(encoder(to, w)?)
        })
    }

    fn push(&mut self, record: ExportRecord) -> std::io::Result<()> {
        match self {
            Sink::Lines(w) => {
                serde_json::to_writer(&mut *w, &record)?;
                w.write_all(b"\n")
            }
            Sink::Parquet(p) => p.push(record),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Lines(w) => w.finish(),
            Sink::Parquet(p) => p.finish(),
        }
    }
}

fn record_of(cluster: ClusterRecord, docs: &HashMap<String, DocRow>) -> ExportRecord {
    let member = |id: &String| docs.get(id);
    let representative = cluster
        .members
        .iter()
        .find(|m| member(m).is_some_and(|d| d.keep))
        .or(cluster.pivot.as_ref())
        .unwrap_or(&cluster.members[0])
        .clone();
    let rep = member(&representative);
    let flagged = |f: fn(&DocRow) -> bool| -> Vec<String> {
        let mut v: Vec<String> = cluster
            .members
            .iter()
            .filter(|m| member(m).is_some_and(f))
            .cloned()
            .collect();
        v.sort_by(|a, b| id_order(a).cmp(&id_order(b)));
        v
    };
    let mut sources: Vec<String> = cluster
        .members
        .iter()
        .filter_map(|m| member(m).map(|d| d.source.clone()))
        .collect();
    sources.sort();
    sources.dedup();
    ExportRecord {
        text: cluster.lines.as_ref().map(|lines| {
            lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        }),
        title: rep.and_then(|d| d.title.clone()),
        url: rep.and_then(|d| d.url.clone()),
        date: rep.and_then(|d| d.date.clone()),
        truncated_members: flagged(|d| d.truncated),
        paywalled_members: flagged(|d| d.paywalled),
        sources,
        representative,
        members: cluster.members,
        id: cluster.id,
    }
}

/// A writer that compresses as the file name asks.
enum Encoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

fn encoder<W: Write>(to: &Path, w: W) -> std::io::Result<Encoder<W>> {
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(match Compression::of_name(&name).0 {
        Compression::None => Encoder::Plain(w),
        Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
            w,
            flate2::Compression::default(),
        )),
        Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(w, 3)?),
    })
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

impl<W: Write> Encoder<W> {
    /// Ends the stream and flushes the file.
    fn finish(self) -> std::io::Result<()> {
        let mut inner = match self {
            Encoder::Plain(w) => w,
            Encoder::Gzip(w) => w.finish()?,
            Encoder::Zstd(w) => w.finish()?,
        };
        inner.flush()
    }
}
