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
use rayon::prelude::*;
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
    let per_file: Vec<Vec<Part>> = found
        .par_iter()
        .enumerate()
        .map(|(file, f)| parts_of_file(file, f, part_bytes))
        .collect();
    per_file.into_iter().flatten().collect()
}

fn parts_of_file(file: usize, f: &Found, part_bytes: u64) -> Vec<Part> {
    let whole = Part {
        file,
        span: None,
        group: None,
    };
    if let Some(groups) = row_groups(f) {
        let groups = groups.into_iter().enumerate();
        return groups
            .map(|(g, before)| Part {
                group: Some((g, before)),
                ..whole.clone()
            })
            .collect();
    }
    let spans = is_large_json_lines(f, part_bytes)
        .then(|| spans(f, part_bytes))
        .flatten();
    match spans {
        Some(spans) => spans
            .into_iter()
            .map(|s| Part {
                span: Some(s),
                ..whole.clone()
            })
            .collect(),
        None => vec![whole],
    }
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
    // Only a pool's threads keep their buffer (until `release_buffers`):
    // any other thread might never give it back.
    let pooled = rayon::current_thread_index().is_some();
    let mut bytes = if pooled {
        SPAN_BYTES.take()
    } else {
        Vec::new()
    };
    let read = read_span(f, span, &mut bytes);
    let entries = match read {
        Ok(()) => span_entries(f, span, &bytes, fields),
        // The file vanished or changed since it was cut: the part is
        // reported as one bad record, where its first record would be.
        Err(e) => vec![bad_line(
            &f.rel,
            span.records_before + 1,
            &source_of_path(&f.rel),
            format!("cannot read the file from byte {} on: {e}", span.start),
        )],
    };
    if pooled {
        bytes.clear();
        SPAN_BYTES.set(bytes);
    }
    entries
}

thread_local! {
    /// A thread's buffer for the bytes of a part, kept from one part to
    /// the next: a fresh one would be new memory, zeroed by the system,
    /// for every 32 MiB read. [`release_buffers`] frees them.
    static SPAN_BYTES: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Frees the buffers that the current thread pool's threads keep for
/// reading parts: called, in the pool, once the input is read, so that the
/// stages after it do not carry a part's worth of memory per thread.
pub fn release_buffers() {
    rayon::broadcast(|_| drop(SPAN_BYTES.take()));
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
    let mut cutter = Cutter::new(part_bytes);
    loop {
        let block = reader.fill_buf().ok()?;
        if block.is_empty() {
            break;
        }
        let n = block.len();
        cutter.feed(block);
        reader.consume(n);
    }
    cutter.finish()
}

/// Cuts a stream of blocks into spans at line ends, counting lines and
/// records on the way: newlines are found with `memchr`, not copied line
/// by line, since the whole corpus passes through here before any part
/// is read.
struct Cutter {
    part_bytes: u64,
    spans: Vec<Span>,
    open: Span,
    /// Bytes fed so far, and the end of the last whole line.
    fed: u64,
    at: u64,
    records: usize,
    lines: usize,
    /// Whether the line being fed has begun, and has a non-blank byte.
    begun: bool,
    has_text: bool,
}

impl Cutter {
    fn new(part_bytes: u64) -> Cutter {
        let open = Span {
            start: 0,
            end: 0,
            records_before: 0,
            lines_before: 0,
        };
        Cutter {
            part_bytes,
            spans: Vec::new(),
            open,
            fed: 0,
            at: 0,
            records: 0,
            lines: 0,
            begun: false,
            has_text: false,
        }
    }

    fn feed(&mut self, block: &[u8]) {
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', block) {
            self.has_text |= is_record_line(&block[from..nl]);
            self.end_line(self.fed + nl as u64 + 1);
            from = nl + 1;
        }
        let rest = &block[from..];
        self.begun |= !rest.is_empty();
        self.has_text |= is_record_line(rest);
        self.fed += block.len() as u64;
    }

    /// Ends the line being fed at byte `end`, and the open span with it
    /// once the span is `part_bytes` long.
    fn end_line(&mut self, end: u64) {
        self.at = end;
        self.lines += 1;
        self.records += usize::from(self.has_text);
        (self.begun, self.has_text) = (false, false);
        if self.at - self.open.start >= self.part_bytes {
            self.spans.push(Span {
                end: self.at,
                ..self.open
            });
            self.open = Span {
                start: self.at,
                end: self.at,
                records_before: self.records,
                lines_before: self.lines,
            };
        }
    }

    /// The spans, the last line ended by the end of the file; `None` when
    /// the file holds no record.
    fn finish(mut self) -> Option<Vec<Span>> {
        if self.begun {
            self.end_line(self.fed);
        }
        if self.at > self.open.start {
            self.spans.push(Span {
                end: self.at,
                ..self.open
            });
        }
        (self.records > 0).then_some(self.spans)
    }
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

/// Reads a span's bytes into `bytes`, which is cleared first.
fn read_span(f: &Found, span: Span, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    let mut file = File::open(&f.path)?;
    file.seek(SeekFrom::Start(span.start))?;
    bytes.clear();
    bytes.reserve((span.end - span.start) as usize);
    file.take(span.end - span.start).read_to_end(bytes)?;
    Ok(())
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

    /// Spans cut line by line, as a reference for [`Cutter`].
    fn spans_by_lines(bytes: &[u8], part_bytes: u64) -> Option<Vec<Span>> {
        let mut cutter = Cutter::new(part_bytes);
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let text = line.strip_suffix(b"\n");
            cutter.has_text = is_record_line(text.unwrap_or(line));
            cutter.fed += line.len() as u64;
            match text {
                Some(_) => cutter.end_line(cutter.fed),
                None => cutter.begun = true,
            }
        }
        cutter.finish()
    }

    proptest::proptest! {
        #[test]
        fn spans_do_not_depend_on_where_blocks_end(
            lines in proptest::collection::vec("[ a{}]{0,12}", 0..40),
            newline_at_end: bool,
            cuts in proptest::collection::vec(0usize..400, 0..6),
            part_bytes in 1u64..60,
        ) {
            let mut bytes = lines.join("\n").into_bytes();
            if newline_at_end {
                bytes.push(b'\n');
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.extend([0, bytes.len()]);
            cuts.sort_unstable();
            let mut cutter = Cutter::new(part_bytes);
            for w in cuts.windows(2) {
                cutter.feed(&bytes[w[0]..w[1]]);
            }
            proptest::prop_assert_eq!(cutter.finish(), spans_by_lines(&bytes, part_bytes));
        }
    }

    #[test]
    fn pool_threads_keep_a_part_buffer_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let files = [found(dir.path(), "feed.jsonl", lines(200).as_bytes())];
        let parts = parts_of(&files, 300);
        fn kept() -> usize {
            let bytes = SPAN_BYTES.take();
            let capacity = bytes.capacity();
            SPAN_BYTES.set(bytes);
            capacity
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            parts.par_iter().for_each(|p| {
                read_part(&files, p, &Fields::default());
            });
            assert!(rayon::broadcast(|_| kept()).iter().any(|&c| c > 0));
            release_buffers();
            assert_eq!(rayon::broadcast(|_| kept()), vec![0, 0]);
        });
        read_part(&files, &parts[0], &Fields::default());
        assert_eq!(kept(), 0, "a thread outside a pool keeps nothing");
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
