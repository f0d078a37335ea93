//! Stage 1: walk the input, read every file, and account for each one.
//!
//! The walk is sorted and does not follow links unless asked, so the same
//! tree always yields the same entries. Reading and decoding run in parallel,
//! one file per task. A file that cannot be used becomes an [`Entry`] whose
//! body is a [`Problem`] with the reason: nothing is dropped silently, and
//! every input appears exactly once.

mod decode;
mod html;
mod parquet;
mod parts;
mod record;
mod walk;
mod warc;

use rayon::prelude::*;

pub use html::{Extractor, Page, Readability};
pub use parquet::{ipc_rows, rows_of as parquet_rows};
pub use parts::{PART_BYTES, Part, line_entries, parts, read_by_lines, read_part, release_buffers};
pub use record::{RECORDS_SOURCE, is_record_line, record_entry};
pub use walk::{Filter, Found, OUTPUT_MARKER, walk};

/// One input document: a text file, or one record of a JSON/JSONL file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Path relative to the input, with `/` separators; `#n` appended for
    /// the n-th record (1-based) of a JSON or JSONL file.
    pub id: String,
    /// The publishing source: the record's `source`, else the host of its
    /// `url`, else the first folder of the path, else the file name.
    pub source: String,
    /// Metadata carried by a record.
    pub meta: Meta,
    /// The document's text, or why there is none.
    pub body: std::result::Result<String, Problem>,
}

/// Metadata fields of a record, when present.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    /// The record's `title`.
    pub title: Option<String>,
    /// The record's `url`.
    pub url: Option<String>,
    /// The record's `date`.
    pub date: Option<String>,
    /// The record's own `id` field (not the document id).
    pub record_id: Option<String>,
    /// The legacy encoding a text file was decoded from, as guessed from
    /// its bytes; `None` for UTF-8 and UTF-16.
    pub encoding: Option<String>,
    /// The record's other fields (JSON, JSON Lines and Parquet records):
    /// every field but the text fields and the fields named above.
    pub other: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What became of an input, as `documents.jsonl` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Read, with text.
    Ok,
    /// Read, but holds no text.
    Empty,
    /// Not something newsmerge reads.
    Skipped,
    /// Should hold text but cannot be read or parsed.
    Error,
}

impl Status {
    /// The status's name: `ok`, `empty`, `skipped` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Empty => "empty",
            Status::Skipped => "skipped",
            Status::Error => "error",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an input yields no text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Problem {
    /// The input holds no text (or only whitespace).
    Empty(String),
    /// The input is not something newsmerge reads, such as an unknown
    /// file extension or a link that is not followed.
    Skipped(String),
    /// The input should hold text but cannot be read or parsed.
    Error(String),
}

impl Problem {
    /// The input's status in `documents.jsonl`.
    pub fn status(&self) -> Status {
        match self {
            Problem::Empty(_) => Status::Empty,
            Problem::Skipped(_) => Status::Skipped,
            Problem::Error(_) => Status::Error,
        }
    }

    /// The reason, in lowercase words.
    pub fn reason(&self) -> &str {
        match self {
            Problem::Empty(r) | Problem::Skipped(r) | Problem::Error(r) => r,
        }
    }
}

/// What every unsupported file is told.
const SUPPORTED: &str = "unsupported file type (newsmerge reads .txt, .md, .json, .jsonl, \
     .html, .warc and .parquet; all but Parquet also compressed with gzip (.gz) or zstd (.zst))";

/// The file formats newsmerge reads, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.txt`, `.text`, `.md`, `.markdown`: one article per file.
    Text,
    /// `.json`: one record, or an array of records.
    Json,
    /// `.jsonl`, `.ndjson`: one record per line.
    JsonLines,
    /// `.html`, `.htm`, `.xhtml`: one page, its article found by the
    /// extractor.
    Html,
    /// `.warc`: the pages and texts of a web crawl.
    Warc,
    /// `.parquet`: one record per row.
    Parquet,
}

impl Format {
    /// The format for a file name, or `None` for an unknown extension; a
    /// compression extension (`.gz`, `.zst`) is looked through.
    pub fn of(name: &str) -> Option<Format> {
        let (_, name) = Compression::of_name(name);
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" | "md" | "markdown" => Some(Format::Text),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            "warc" => Some(Format::Warc),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// Reads the files of a walk in parallel, calling `tick` once per file.
/// Entries come back in walk order, records in file order; sort them with
/// [`id_order`] for id order.
pub fn read_all(found: &[Found], fields: &Fields, tick: &(dyn Fn() + Sync)) -> Vec<Entry> {
    found
        .par_iter()
        .flat_map_iter(|f| {
            let entries = read(f, fields);
            tick();
            entries
        })
        .collect()
}

/// The names of the record fields newsmerge reads, for JSON and JSON
/// Lines. A name may be a dotted path into nested objects
/// (`metadata.url`) when no field has the whole name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    /// The fields that may hold the text, in order of preference.
    pub text: Vec<String>,
    /// The record's own id.
    pub id: String,
    /// Its url.
    pub url: String,
    /// Its title.
    pub title: String,
    /// Its date.
    pub date: String,
    /// Its publishing source.
    pub source: String,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            text: record::TEXT_FIELDS.iter().map(|f| f.to_string()).collect(),
            id: "id".into(),
            url: "url".into(),
            title: "title".into(),
            date: "date".into(),
            source: "source".into(),
        }
    }
}

/// How a file's bytes are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`), one member or many.
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

impl Compression {
    /// The compression a file name's last extension names, and the name
    /// without that extension.
    pub fn of_name(name: &str) -> (Compression, &str) {
        if let Some((stem, ext)) = name.rsplit_once('.') {
            match ext.to_ascii_lowercase().as_str() {
                "gz" | "gzip" => return (Compression::Gzip, stem),
                "zst" | "zstd" => return (Compression::Zstd, stem),
                _ => {}
            }
        }
        (Compression::None, name)
    }

    /// The compression the first bytes of a file show.
    pub fn of_bytes(bytes: &[u8]) -> Compression {
        if bytes.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if bytes.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The bytes decompressed. The bytes decide the format, whatever the
    /// name says, but a name that promises compression the bytes do not
    /// have is an error: the file is not what it claims.
    pub fn decompress(rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Problem> {
        use std::io::Read;
        let named = Compression::of_name(rel).0;
        let found = Compression::of_bytes(&bytes);
        if named != Compression::None && found != named {
            return Err(Problem::Error(format!(
                "named as {} but its bytes are not",
                named.name()
            )));
        }
        let mut out = Vec::new();
        let result = match found {
            Compression::None => return Ok(bytes),
            Compression::Gzip => {
                flate2::read::MultiGzDecoder::new(bytes.as_slice()).read_to_end(&mut out)
            }
            Compression::Zstd => zstd::stream::read::Decoder::new(bytes.as_slice())
                .and_then(|mut d| d.read_to_end(&mut out)),
        };
        match result {
            Ok(_) => Ok(out),
            Err(e) => Err(Problem::Error(format!(
                "cannot decompress {} data: {e}",
                found.name()
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The sort key of a document id: its path, then its record number.
pub fn id_order(id: &str) -> (&str, u64) {
    match id.rsplit_once('#') {
        Some((path, n)) => match n.parse() {
            Ok(n) => (path, n),
            Err(_) => (id, 0),
        },
        None => (id, 0),
    }
}

/// Reads one file found by the walk into its entries, records by the
/// field names `fields`.
pub fn read(found: &Found, fields: &Fields) -> Vec<Entry> {
    let fallback = source_of_path(&found.rel);
    let problem = |p: Problem| vec![problem_entry(found.rel.clone(), &fallback, p)];
    if let Some(p) = &found.problem {
        return problem(p.clone());
    }
    let Some(format) = Format::of(&found.rel) else {
        return problem(Problem::Skipped(SUPPORTED.into()));
    };
    match format {
        Format::Parquet => {
            let read = || parquet::read_file((&found.rel, &fallback), &found.path, None, fields);
            return guarded_entries("Parquet reader", (&found.rel, &fallback), read);
        }
        Format::Warc => return read_warc_file(found, &fallback),
        _ => {}
    }
    match read_regular(&found.path) {
        Ok(Some(bytes)) => read_bytes(&found.rel, bytes, fields),
        Ok(None) => problem(Problem::Skipped(NOT_REGULAR.into())),
        Err(e) => problem(Problem::Error(format!("cannot read file: {e}"))),
    }
}

/// The entries of a file's bytes, read by another program (a cluster's
/// file reader): what [`read`] reads from the file `rel` holding them,
/// decompressed as its name and bytes say.
pub fn read_bytes(rel: &str, bytes: Vec<u8>, fields: &Fields) -> Vec<Entry> {
    let fallback = source_of_path(rel);
    let problem = |p: Problem| vec![problem_entry(rel.to_string(), &fallback, p)];
    match Format::of(rel) {
        None => problem(Problem::Skipped(SUPPORTED.into())),
        Some(Format::Warc) => warc_entries(rel, &fallback, std::io::Cursor::new(bytes)),
        Some(format) => match Compression::decompress(rel, bytes) {
            Ok(bytes) => parse_bytes(rel, format, &bytes, fields),
            Err(p) => problem(p),
        },
    }
}

/// Reads a WARC file as a stream, never whole.
fn read_warc_file(found: &Found, fallback: &str) -> Vec<Entry> {
    let problem = |p: Problem| vec![problem_entry(found.rel.clone(), fallback, p)];
    match open_regular(&found.path) {
        Ok(Some(file)) => warc_entries(&found.rel, fallback, file),
        Ok(None) => problem(Problem::Skipped(NOT_REGULAR.into())),
        Err(e) => problem(Problem::Error(format!("cannot read file: {e}"))),
    }
}

/// The entries of a WARC stream, decompressed as its name and first bytes
/// say.
fn warc_entries(rel: &str, fallback: &str, stream: impl std::io::Read + 'static) -> Vec<Entry> {
    match warc::open(stream, Compression::of_name(rel).0) {
        Ok(reader) => guarded_entries("WARC reader", (rel, fallback), || {
            warc::read_warc(rel, fallback, reader, &Readability)
        }),
        Err(p) => vec![problem_entry(rel.to_string(), fallback, p)],
    }
}

/// Why a path that is not a regular file is skipped.
pub(crate) const NOT_REGULAR: &str = "not a regular file (a device, socket or pipe)";

/// Reads a file's bytes, or `None` when it is not a regular file. The file
/// is opened without blocking and its type checked on the open handle, so
/// a file swapped for a pipe after the walk cannot hang the run.
pub(crate) fn read_regular(path: &std::path::Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let Some(mut file) = open_regular(path)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Runs a parser from another crate, turning a panic in it into an error,
/// so that one malformed page or file cannot end the run.
fn guarded<T>(what: &str, parse: impl FnOnce() -> T) -> Result<T, Problem> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))
        .map_err(|_| Problem::Error(format!("the {what} failed on this input")))
}

/// The entries a parser from another crate reads from the input `id`, or,
/// when it panics, one entry for the input saying so.
fn guarded_entries(
    what: &str,
    (id, source): (&str, &str),
    parse: impl FnOnce() -> Vec<Entry>,
) -> Vec<Entry> {
    guarded(what, parse).unwrap_or_else(|p| vec![problem_entry(id.to_string(), source, p)])
}

/// An input with no text: its id, its source, and why.
fn problem_entry(id: String, source: &str, problem: Problem) -> Entry {
    Entry {
        id,
        source: source.to_string(),
        meta: Meta::default(),
        body: Err(problem),
    }
}

/// Opens a file for reading, or `None` when it is not a regular file.
fn open_regular(path: &std::path::Path) -> std::io::Result<Option<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    Ok(file.metadata()?.is_file().then_some(file))
}

/// The entries of a file's bytes, given its relative path and format:
/// decoded, and split into records for JSON and JSONL. Never empty: bytes
/// that yield no text yield one entry with the reason.
pub fn parse_bytes(rel: &str, format: Format, bytes: &[u8], fields: &Fields) -> Vec<Entry> {
    let fallback = source_of_path(rel);
    match format {
        Format::Html => {
            return vec![html::page_entry(
                (rel.to_string(), &fallback),
                bytes,
                None,
                None,
                &Readability,
            )];
        }
        Format::Warc => {
            return guarded_entries("WARC reader", (rel, &fallback), || {
                warc::read_warc(rel, &fallback, Box::new(bytes), &Readability)
            });
        }
        Format::Parquet => {
            return guarded_entries("Parquet reader", (rel, &fallback), || {
                let data = bytes::Bytes::copy_from_slice(bytes);
                parquet::read_rows((rel, &fallback), data, None, fields)
            });
        }
        _ => {}
    }
    let decoded = decode::decode(bytes, format == Format::Text);
    if decoded.is_err() && format == Format::JsonLines {
        // A JSON Lines file with a bad byte loses only the record on
        // that line.
        if let Some(body) = decode::broken_utf8(bytes) {
            return record::read_json_lines_bytes(rel, body, &fallback, fields, (0, 0));
        }
    }
    match decoded {
        Err(p) => vec![problem_entry(rel.to_string(), &fallback, p)],
        Ok((text, encoding)) => match format {
            Format::Text => vec![Entry {
                id: rel.to_string(),
                source: fallback,
                meta: Meta {
                    encoding: encoding.map(str::to_string),
                    ..Meta::default()
                },
                body: Ok(text),
            }],
            Format::Json => record::read_json(rel, &text, &fallback, fields),
            Format::JsonLines => record::read_json_lines(rel, &text, &fallback, fields),
            Format::Html | Format::Warc | Format::Parquet => {
                unreachable!("read before decoding")
            }
        },
    }
}

/// The source of a document known only by its path: its first folder, else
/// its file name.
fn source_of_path(rel: &str) -> String {
    match rel.split_once('/') {
        Some((folder, _)) => folder.to_string(),
        None => rel.to_string(),
    }
}

/// The host of a URL, without a leading `www.`.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty() && host.contains('.')).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of("a/b.TXT"), Some(Format::Text));
        assert_eq!(Format::of("a.md"), Some(Format::Text));
        assert_eq!(Format::of("a.json"), Some(Format::Json));
        assert_eq!(Format::of("a.jsonl"), Some(Format::JsonLines));
        assert_eq!(Format::of("a.html"), Some(Format::Html));
        assert_eq!(Format::of("a.warc.gz"), Some(Format::Warc));
        assert_eq!(Format::of("a.parquet"), Some(Format::Parquet));
        assert_eq!(Format::of("a.pdf"), None);
        assert_eq!(Format::of("a.jsonl.gz"), Some(Format::JsonLines));
        assert_eq!(Format::of("a.txt.zst"), Some(Format::Text));
        assert_eq!(Format::of("a.gz"), None);
        assert_eq!(Format::of("README"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_bytes_in_any_format_give_entries(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut inputs = vec![bytes.clone()];
            // Bytes that start like each container, so the parsers get past
            // their first check.
            for head in [&b"PAR1"[..], b"WARC/1.0\r\n", b"<html><p>"] {
                inputs.push([head, &bytes].concat());
            }
            for input in &inputs {
                for format in [Format::Text, Format::Json, Format::JsonLines, Format::Html, Format::Warc, Format::Parquet] {
                    let entries = parse_bytes("x", format, input, &Fields::default());
                    proptest::prop_assert!(!entries.is_empty());
                }
            }
        }
    }

    #[test]
    fn hosts_of_urls() {
        let cases = [
            ("https://www.lemonde.fr/a/b.html", Some("lemonde.fr")),
            (
                "http://user@news.example.com:8080/x",
                Some("news.example.com"),
            ),
            ("example.org/path", Some("example.org")),
            ("not a url", None),
        ];
        for (url, want) in cases {
            assert_eq!(host_of(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn id_order_sorts_records_numerically() {
        let mut ids = vec!["a.jsonl#10", "a.jsonl#2", "a.jsonl", "b.txt"];
        ids.sort_by(|a, b| id_order(a).cmp(&id_order(b)));
        assert_eq!(ids, ["a.jsonl", "a.jsonl#2", "a.jsonl#10", "b.txt"]);
    }

    #[test]
    fn source_falls_back_to_folder_then_file() {
        assert_eq!(source_of_path("reuters/a.txt"), "reuters");
        assert_eq!(source_of_path("a.txt"), "a.txt");
    }
}
