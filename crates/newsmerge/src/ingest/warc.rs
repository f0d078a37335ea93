//! WARC files, as web crawls write them (`.warc`, or `.warc.gz` with one
//! gzip member per record).
//!
//! Records are parsed by the `warc` crate from a stream, so a crawl file is
//! never held whole. A `response` or `resource` record holding an HTML page
//! goes through the page extractor; a `conversion` record (a WET file's
//! text) is the text itself. Its `WARC-Target-URI` is the document's url,
//! and the url's host its source. Every other record (`warcinfo`,
//! `request`, `metadata`, `revisit`, responses that are not pages) is one
//! `skipped` entry with its type, so the file's records are all accounted
//! for. Pages are extracted in parallel, a batch of records at a time.

use super::decode::{NO_WORDS, charset_param, decode, has_words};
use super::html::{Extractor, page_entry};
use super::{Compression, Entry, Meta, Problem, host_of, problem_entry};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use warc::WarcHeader;

/// Records read before their pages are extracted in parallel.
const BATCH: usize = 64;

/// Reads every record of a WARC stream into entries named `rel#n` (the
/// n-th record, 1-based). A record that cannot be parsed ends the file:
/// it becomes one `error` entry, and the records before it are kept.
pub(super) fn read_warc(
    rel: &str,
    fallback: &str,
    reader: Box<dyn Read + '_>,
    extractor: &dyn Extractor,
) -> Vec<Entry> {
    let records = warc::WarcReader::new(BufReader::with_capacity(1 << 20, reader));
    let mut entries = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    for (i, record) in records.iter_raw_records().enumerate() {
        let id = format!("{rel}#{}", i + 1);
        match record {
            Ok((header, body)) => batch.push((id, header, body)),
            Err(e) => {
                flush(&mut batch, &mut entries, fallback, extractor);
                let reason = format!("cannot read WARC record {}: {e}", i + 1);
                entries.push(problem_entry(id, fallback, Problem::Error(reason)));
                return entries;
            }
        }
        if batch.len() == BATCH {
            flush(&mut batch, &mut entries, fallback, extractor);
        }
    }
    flush(&mut batch, &mut entries, fallback, extractor);
    if entries.is_empty() {
        entries.push(problem_entry(
            rel.to_string(),
            fallback,
            Problem::Empty("WARC file holds no records".into()),
        ));
    }
    entries
}

type RawRecord = (String, warc::RawRecordHeader, Vec<u8>);

fn flush(
    batch: &mut Vec<RawRecord>,
    entries: &mut Vec<Entry>,
    fallback: &str,
    extractor: &dyn Extractor,
) {
    let done: Vec<Entry> = batch
        .par_drain(..)
        .map(|(id, header, body)| record_entry(id, &header, &body, fallback, extractor))
        .collect();
    entries.extend(done);
}

/// The streamed, decompressed bytes of a WARC file, compressed as its
/// first bytes show. A name that promises compression the bytes do not
/// have is an error, as for every other format.
pub(super) fn open(
    file: impl Read + 'static,
    named: Compression,
) -> Result<Box<dyn Read>, Problem> {
    let mut file = BufReader::new(file);
    let head = file
        .fill_buf()
        .map_err(|e| Problem::Error(format!("cannot read file: {e}")))?;
    let found = Compression::of_bytes(head);
    if named != Compression::None && named != found {
        return Err(Problem::Error(format!(
            "named as {} but its bytes are not",
            named.name()
        )));
    }
    Ok(match found {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(file)
                .map_err(|e| Problem::Error(format!("cannot decompress zstd data: {e}")))?,
        ),
    })
}

fn header(h: &warc::RawRecordHeader, name: WarcHeader) -> Option<&str> {
    let value = std::str::from_utf8(h.headers.get(&name)?).ok()?.trim();
    Some(value.trim_start_matches('<').trim_end_matches('>'))
}

fn record_entry(
    id: String,
    h: &warc::RawRecordHeader,
    body: &[u8],
    fallback: &str,
    extractor: &dyn Extractor,
) -> Entry {
    let url = header(h, WarcHeader::TargetURI);
    let source = url.and_then(host_of);
    let source = source.as_deref().unwrap_or(fallback);
    let kind = header(h, WarcHeader::WarcType).unwrap_or("untyped");
    let skipped = |reason: String| problem_entry(id.clone(), source, Problem::Skipped(reason));
    match kind {
        "response" => match http_payload(body) {
            Ok(http) if !(200..300).contains(&http.status) => {
                skipped(format!("WARC response with HTTP status {}", http.status))
            }
            Ok(http) if !is_html(http.content_type) => skipped(format!(
                "WARC response of type {}, not an HTML page",
                http.content_type.unwrap_or("unknown")
            )),
            Ok(http) => {
                let charset = http.content_type.and_then(charset_param);
                page_entry((id, source), &http.body, charset, url, extractor)
            }
            Err(reason) => problem_entry(id, source, Problem::Error(reason)),
        },
        "resource" if is_html(header(h, WarcHeader::ContentType)) => {
            let charset = header(h, WarcHeader::ContentType).and_then(charset_param);
            page_entry((id, source), body, charset, url, extractor)
        }
        "conversion" => conversion_entry(id, source, body, url),
        other => skipped(format!("WARC {other} record, not a page")),
    }
}

/// A `conversion` record: plain text extracted by the crawler.
fn conversion_entry(id: String, source: &str, body: &[u8], url: Option<&str>) -> Entry {
    let body = match decode(body, true) {
        Ok((text, _)) if has_words(&text) => Ok(text),
        Ok(_) => Err(Problem::Empty(NO_WORDS.into())),
        Err(p) => Err(p),
    };
    Entry {
        id,
        source: source.to_string(),
        meta: Meta {
            url: url.map(str::to_string),
            ..Meta::default()
        },
        body,
    }
}

fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("text/html") || t.starts_with("application/xhtml")
    })
}

/// An HTTP response held in a WARC record.
struct Http<'a> {
    status: u16,
    content_type: Option<&'a str>,
    body: std::borrow::Cow<'a, [u8]>,
}

/// Splits an HTTP response into its status, content type and body, the
/// body de-chunked and decompressed when its headers say so.
fn http_payload(bytes: &[u8]) -> Result<Http<'_>, String> {
    let split = find(bytes, b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| find(bytes, b"\n\n").map(|at| (at, at + 2)))
        .ok_or("WARC response without an HTTP header")?;
    let head = std::str::from_utf8(&bytes[..split.0]).map_err(|_| "HTTP header is not text")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("WARC response without an HTTP status line")?;
    let mut http = Http {
        status,
        content_type: None,
        body: bytes[split.1..].into(),
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "content-type" => http.content_type = Some(value),
            "transfer-encoding" if value.eq_ignore_ascii_case("chunked") => {
                http.body = dechunk(&http.body).into();
            }
            "content-encoding" if value.eq_ignore_ascii_case("gzip") => {
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&http.body[..])
                    .read_to_end(&mut out)
                    .map_err(|e| format!("cannot decompress the HTTP body: {e}"))?;
                http.body = out.into();
            }
            _ => {}
        }
    }
    Ok(http)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked transfer; bytes that are not chunked are kept as
/// they are.
fn dechunk(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(eol) = find(rest, b"\r\n") {
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok());
        let Some(size) = size else {
            break;
        };
        rest = &rest[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size.min(rest.len())]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
    if out.is_empty() { bytes.to_vec() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::html::Readability;

    fn record(kind: &str, uri: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Record-ID: <urn:uuid:{kind}>\r\nWARC-Date: 2024-03-05T08:00:00Z\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    #[test]
    fn records_become_entries_each_accounted_for() {
        let page = "<html><body><article><p>The harbour bridge will reopen to traffic on Monday after six months of repairs, the city council said on Tuesday.</p><p>Engineers replaced the corroded cables and resurfaced the deck, work that cost more than the council first budgeted.</p></article></body></html>";
        let chunked = format!("{:x}\r\n{page}\r\n0\r\n\r\n", page.len());
        let mut file = record("warcinfo", "", "application/warc-fields", b"software: test");
        file.extend(record(
            "request",
            "https://a.example/x",
            "application/http",
            b"GET /x",
        ));
        file.extend(record(
            "response",
            "https://a.example/x",
            "application/http; msgtype=response",
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}").as_bytes(),
        ));
        file.extend(record(
            "response",
            "https://a.example/gone",
            "application/http; msgtype=response",
            b"HTTP/1.1 404 Not Found\r\n\r\nno",
        ));
        file.extend(record(
            "conversion",
            "<https://b.example/y>",
            "text/plain",
            b"A text a crawler extracted.",
        ));
        let entries = read_warc("c.warc", "c.warc", Box::new(&file[..]), &Readability);
        let ids: Vec<_> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            ["c.warc#1", "c.warc#2", "c.warc#3", "c.warc#4", "c.warc#5"]
        );
        let status: Vec<_> = entries
            .iter()
            .map(|e| {
                e.body
                    .as_ref()
                    .map_or_else(|p| p.status().as_str(), |_| "ok")
            })
            .collect();
        assert_eq!(status, ["skipped", "skipped", "ok", "skipped", "ok"]);
        assert!(entries[2].body.as_ref().unwrap().contains("harbour bridge"));
        assert_eq!(entries[2].source, "a.example");
        assert_eq!(entries[4].meta.url.as_deref(), Some("https://b.example/y"));
        assert_eq!(entries[4].source, "b.example");
    }

    #[test]
    fn a_broken_record_ends_the_file_and_keeps_what_came_before() {
        let mut file = record(
            "conversion",
            "https://b.example/y",
            "text/plain",
            b"Some text.",
        );
        file.extend_from_slice(b"WARC/1.0\r\nContent-Length: 999\r\n\r\nshort");
        let entries = read_warc("c.warc", "c.warc", Box::new(&file[..]), &Readability);
        assert_eq!(entries.len(), 2);
        assert!(entries[0].body.is_ok());
        assert!(
            entries[1]
                .body
                .as_ref()
                .unwrap_err()
                .reason()
                .contains("record 2")
        );
    }

    #[test]
    fn chunks_are_joined() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), b"abcde");
        assert_eq!(dechunk(b"not chunked"), b"not chunked");
    }
}
