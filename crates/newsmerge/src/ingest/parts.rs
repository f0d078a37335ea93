//! Large JSON Lines files, read in parts.
//!
//! A corpus often comes as one large `.jsonl` file. Read whole, it would
//! be held in memory at once and parsed by one thread. A file larger than
//! [`PART_BYTES`] is instead cut, at line ends, into parts of about that
//! size; each part is a unit of work of its own, read with one seek, and
//! its records are numbered as if the file had been read whole.
//!
//! Each line is decoded on its own, as in a small file, so a line that is
//! not UTF-8 is one bad record. A UTF-16 file, or one with no record at
//! all, is read whole.

use super::record::{bad_line, is_record_line, json_lines, read_json_lines_bytes};
use super::{Entry, Fields, Format, Found, read, source_of_path};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// JSON Lines files larger than this are read in parts of about this size.
pub const PART_BYTES: u64 = 32 << 20;

/// A unit of reading: a whole file of the walk, a part of a large JSON
/// Lines file, or one row group of a Parquet file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    /// The file's index in the walk.
    pub file: usize,
    span: Option<Span>,
    /// The row group and the rows before it, for a Parquet file of more
    /// than one row group.
    group: Option<(usize, usize)>,
}

/// Where a part lies in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Span {
    /// Byte range, from a line start to a line start (or the end).
    start: u64,
    end: u64,
    /// Records (non-blank lines) and lines before `start`.
    records_before: usize,
    lines_before: usize,
}

/// The parts of the files of a walk, in walk order: one per file, except
/// large JSON Lines files, which get one per [`PART_BYTES`] or so.
pub fn parts(found: &[Found]) -> Vec<Part> {
    parts_of(found, PART_BYTES)
}

fn parts_of(found: &[Found], part_bytes: u64) -> Vec<Part> {
    let mut parts = Vec::with_capacity(found.len());
    for (file, f) in found.iter().enumerate() {
        let whole = Part {
            file,
            span: None,
            group: None,
        };
        if let Some(groups) = row_groups(f) {
            parts.extend(groups.into_iter().enumerate().map(|(g, before)| Part {
                group: Some((g, before)),
                ..whole.clone()
            }));
            continue;
        }
        let spans = is_large_json_lines(f, part_bytes)
            .then(|| spans(f, part_bytes))
            .flatten();
        match spans {
            Some(spans) => parts.extend(spans.into_iter().map(|s| Part {
                span: Some(s),
                ..whole.clone()
            })),
            None => parts.push(whole),
        }
    }
    parts
}

/// Reads one part into its entries.
pub fn read_part(found: &[Found], part: &Part, fields: &Fields) -> Vec<Entry> {
    let f = &found[part.file];
    if let Some(group) = part.group {
        let source = source_of_path(&f.rel);
        let read = || super::parquet::read_file((&f.rel, &source), &f.path, Some(group), fields);
        return super::guarded("Parquet reader", read)
            .unwrap_or_else(|p| vec![bad_line(&f.rel, group.1 + 1, &source, p.reason().into())]);
    }
    let Some(span) = part.span else {
        return read(f, fields);
    };
    match read_span(f, span) {
        Ok(bytes) => span_entries(f, span, &bytes, fields),
        // The file vanished or changed since it was cut: the part is
        // reported as one bad record, where its first record would be.
        Err(e) => vec![bad_line(
            &f.rel,
            span.records_before + 1,
            &source_of_path(&f.rel),
            format!("cannot read the file from byte {} on: {e}", span.start),
        )],
    }
}

/// The row groups of a Parquet file of more than one, each with the rows
/// before it.
fn row_groups(f: &Found) -> Option<Vec<usize>> {
    if f.problem.is_some() || Format::of(&f.rel) != Some(Format::Parquet) {
        return None;
    }
    super::parquet::row_groups(&f.path).filter(|g| g.len() > 1)
}

fn is_large_json_lines(f: &Found, part_bytes: u64) -> bool {
    f.problem.is_none()
        && Format::of(&f.rel) == Some(Format::JsonLines)
        && super::Compression::of_name(&f.rel).0 == super::Compression::None
        && std::fs::metadata(&f.path).is_ok_and(|m| m.len() > part_bytes)
}

/// Cuts a file at line ends into spans of about `part_bytes`; `None` when
/// it should be read whole (UTF-16, no record, or unreadable).
fn spans(f: &Found, part_bytes: u64) -> Option<Vec<Span>> {
    let mut reader = plain_lines(f)?;
    let mut spans = Vec::new();
    let mut open = Span {
        start: 0,
        end: 0,
        records_before: 0,
        lines_before: 0,
    };
    let (mut at, mut records, mut lines) = (0u64, 0usize, 0usize);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).ok()?;
        if n == 0 {
            break;
        }
        at += n as u64;
        lines += 1;
        if is_record_line(&line) {
            records += 1;
        }
        if at - open.start >= part_bytes {
            spans.push(Span { end: at, ..open });
            open = Span {
                start: at,
                end: at,
                records_before: records,
                lines_before: lines,
            };
        }
    }
    if at > open.start {
        spans.push(Span { end: at, ..open });
    }
    (records > 0).then_some(spans)
}

/// The file open for reading line by line; `None` when it is compressed,
/// UTF-16 or unreadable, and so read whole.
fn plain_lines(f: &Found) -> Option<BufReader<File>> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(&f.path).ok()?);
    let head = reader.fill_buf().ok()?;
    let compressed = super::Compression::of_bytes(head) != super::Compression::None;
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    (!compressed && !utf16).then_some(reader)
}

/// Whether a file is read line by line, by parts, when its lines hold a
/// record: a JSON Lines file larger than `part_bytes` ([`PART_BYTES`] for
/// [`parts`]), neither compressed nor UTF-16. Only its first bytes are
/// read. Its lines' entries are [`line_entries`].
pub fn read_by_lines(f: &Found, part_bytes: u64) -> bool {
    is_large_json_lines(f, part_bytes) && plain_lines(f).is_some()
}

/// The entries of consecutive lines of a JSON Lines file (without their
/// `\n`), after `records_before` records on `lines_before` lines: what
/// [`read_part`] reads from a part that holds these lines.
pub fn line_entries(
    rel: &str,
    lines: &[&[u8]],
    (records_before, lines_before): (usize, usize),
    fields: &Fields,
) -> Vec<Entry> {
    let first = match lines.first() {
        Some([0xEF, 0xBB, 0xBF, rest @ ..]) if lines_before == 0 => Some(rest),
        _ => None,
    };
    let rest = lines.iter().skip(usize::from(first.is_some())).copied();
    let lines = first.into_iter().chain(rest);
    let before = (records_before, lines_before);
    json_lines(rel, lines, &source_of_path(rel), fields, before)
}

fn read_span(f: &Found, span: Span) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(&f.path)?;
    file.seek(SeekFrom::Start(span.start))?;
    let mut bytes = Vec::with_capacity((span.end - span.start) as usize);
    file.take(span.end - span.start).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The records of a span's bytes, numbered from where the span starts.
fn span_entries(f: &Found, span: Span, bytes: &[u8], fields: &Fields) -> Vec<Entry> {
    let bytes = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] if span.start == 0 => rest,
        _ => bytes,
    };
    read_json_lines_bytes(
        &f.rel,
        bytes,
        &source_of_path(&f.rel),
        fields,
        (span.records_before, span.lines_before),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Found {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Found {
            rel: name.to_string(),
            path,
            problem: None,
        }
    }

    fn lines(n: usize) -> String {
        (1..=n)
            .map(|i| {
                let blank = if i % 5 == 0 { "\n  \n" } else { "" };
                format!("{{\"text\": \"Record {i} of the feed.\"}}{blank}\n")
            })
            .collect()
    }

    #[test]
    fn parts_read_what_the_whole_file_reads() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = lines(200);
        text.insert_str(
            text.len() / 2,
            "{broken\n\u{a0}\n{\"text\": \"Windows.\"}\r\n",
        );
        let files = [found(dir.path(), "feed.jsonl", text.as_bytes())];
        let parts = parts_of(&files, 300);
        assert!(parts.len() > 10, "{} parts", parts.len());
        let from_parts: Vec<Entry> = parts
            .iter()
            .flat_map(|p| read_part(&files, p, &Fields::default()))
            .collect();
        assert_eq!(from_parts, read(&files[0], &Fields::default()));
    }

    #[test]
    fn a_bad_line_is_one_bad_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = lines(40).into_bytes();
        bytes.extend_from_slice(b"{\"text\": \"caf\xE9\"}\n");
        bytes.extend_from_slice(lines(3).as_bytes());
        let files = [found(dir.path(), "feed.jsonl", &bytes)];
        let entries: Vec<Entry> = parts_of(&files, 256)
            .iter()
            .flat_map(|p| read_part(&files, p, &Fields::default()))
            .collect();
        assert_eq!(entries.len(), 44);
        let bad = &entries[40];
        assert_eq!(bad.id, "feed.jsonl#41");
        assert!(
            bad.body
                .as_ref()
                .unwrap_err()
                .reason()
                .contains("not valid UTF-8")
        );
        assert!(entries[43].body.is_ok());
    }

    #[test]
    fn small_utf16_and_blank_files_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(lines(30).encode_utf16().flat_map(u16::to_le_bytes));
        let files = [
            found(dir.path(), "small.jsonl", lines(2).as_bytes()),
            found(dir.path(), "wide.jsonl", &utf16),
            found(dir.path(), "blank.jsonl", " \n".repeat(400).as_bytes()),
            found(dir.path(), "story.txt", "x".repeat(1000).as_bytes()),
        ];
        let parts = parts_of(&files, 256);
        assert!(parts.iter().all(|p| p.span.is_none()));
        assert_eq!(parts.len(), 4);
    }
}
