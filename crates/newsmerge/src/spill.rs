//! Values appended to an unnamed temporary file on any thread and read
//! back by where they landed: how `run` and `dedup` keep what does not
//! need to stay in memory (see [`crate::ConfigBuilder::spill`]). The
//! system removes the file when the run ends, however it ends.
//!
//! Serialized values (documents, alignments, canonical lines) may be
//! compressed with zstd, each on its own so that any one can be read back
//! alone ([`crate::ConfigBuilder::compress_spill`]): normalized text takes
//! about a third of the disk, and of the page cache that keeps it, for
//! the CPU time of compressing it. Bytes put as they are (the
//! fingerprints' hashes, which do not compress) never are.

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where one spilled value's bytes are in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    offset: u64,
    len: u32,
}

impl Span {
    /// Where the value starts in its file.
    pub(crate) fn offset(self) -> u64 {
        self.offset
    }

    /// Where the value ends in its file.
    pub(crate) fn end(self) -> u64 {
        self.offset + u64::from(self.len)
    }

    /// The value's length in bytes.
    pub(crate) fn len(self) -> usize {
        self.len as usize
    }

    /// The span from this value's start to `last`'s end: the two values
    /// and those between them, read at once.
    pub(crate) fn to(self, last: Span) -> Span {
        let len = last.end().saturating_sub(self.offset);
        Span {
            offset: self.offset,
            len: u32::try_from(len).expect("a span of spilled values under 4 GiB"),
        }
    }
}

/// An unnamed temporary file that values are appended to, on any thread.
pub(crate) struct Spilling {
    path: PathBuf,
    compress: bool,
    appender: Mutex<Appender>,
}

/// The zstd level values are compressed at: the fastest of the standard
/// levels, since a spilled value is written once and read once or twice.
const LEVEL: i32 = 1;

struct Appender {
    out: std::io::BufWriter<File>,
    written: u64,
    error: Option<std::io::Error>,
}

impl Spilling {
    /// A new unnamed file in `dir`, whose values are compressed when
    /// `compress` is set.
    pub(crate) fn create(dir: &Path, compress: bool) -> Result<Spilling> {
        let file = tempfile::tempfile_in(dir).map_err(|e| Error::spill(dir, e))?;
        Ok(Spilling {
            path: dir.to_path_buf(),
            compress,
            appender: Mutex::new(Appender {
                out: std::io::BufWriter::with_capacity(1 << 20, file),
                written: 0,
                error: None,
            }),
        })
    }

    /// Appends one value. A write that fails is reported by
    /// [`Spilling::seal`].
    pub(crate) fn put<T: serde::Serialize>(&self, value: &T) -> Span {
        let bytes = postcard::to_allocvec(value).expect("a spilled value always encodes");
        if self.compress {
            self.put_bytes(&compress(&bytes))
        } else {
            self.put_bytes(&bytes)
        }
    }

    /// Appends bytes as they are. A write that fails is reported by
    /// [`Spilling::seal`].
    pub(crate) fn put_bytes(&self, bytes: &[u8]) -> Span {
        let len = u32::try_from(bytes.len()).expect("a spilled value under 4 GiB");
        let mut a = self.appender.lock().unwrap_or_else(|e| e.into_inner());
        let offset = a.written;
        if a.error.is_none()
            && let Err(e) = a.out.write_all(bytes)
        {
            a.error = Some(e);
        }
        a.written += u64::from(len);
        Span { offset, len }
    }

    /// The file, written out and ready to read; the first write that
    /// failed, if any did.
    pub(crate) fn seal(self) -> Result<Spilled> {
        let a = self
            .appender
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(e) = a.error {
            return Err(Error::spill(self.path, e));
        }
        let file = match a.out.into_inner() {
            Ok(file) => file,
            Err(e) => return Err(Error::spill(self.path, e.into_error())),
        };
        Ok(Spilled {
            path: self.path,
            compressed: self.compress,
            file,
        })
    }
}

/// A value's bytes compressed: their length, as four little-endian bytes,
/// then the zstd frame.
fn compress(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: RefCell<zstd::bulk::Compressor<'static>> =
            RefCell::new(zstd::bulk::Compressor::new(LEVEL).expect("zstd has level 1"));
    }
    let len = u32::try_from(bytes.len()).expect("a spilled value under 4 GiB");
    let frame = COMPRESSOR.with_borrow_mut(|c| {
        c.compress(bytes)
            .expect("compressing into a growable buffer never fails")
    });
    let mut out = Vec::with_capacity(4 + frame.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&frame);
    out
}

/// The bytes [`compress`] was given.
fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static DECOMPRESSOR: RefCell<zstd::bulk::Decompressor<'static>> =
            RefCell::new(zstd::bulk::Decompressor::new().expect("a zstd context allocates"));
    }
    let Some((len, frame)) = bytes.split_first_chunk::<4>() else {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    };
    DECOMPRESSOR.with_borrow_mut(|d| d.decompress(frame, u32::from_le_bytes(*len) as usize))
}

/// A spill file once written, read by [`Span`] on any thread.
pub(crate) struct Spilled {
    path: PathBuf,
    compressed: bool,
    file: File,
}

impl Spilled {
    /// The value at `span`.
    pub(crate) fn get<T: serde::de::DeserializeOwned>(&self, span: Span) -> Result<T> {
        let mut bytes = self.get_bytes(span)?;
        if self.compressed {
            bytes = decompress(&bytes).map_err(|e| Error::spill(&self.path, e))?;
        }
        postcard::from_bytes(&bytes).map_err(|e| self.damaged(e))
    }

    /// The error for a value read back from this file that does not
    /// decode.
    pub(crate) fn damaged(&self, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::spill(
            &self.path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    }

    /// The bytes at `span`, as they were put.
    pub(crate) fn get_bytes(&self, span: Span) -> Result<Vec<u8>> {
        let mut bytes = vec![0u8; span.len as usize];
        read_exact_at(&self.file, &mut bytes, span.offset)
            .map_err(|e| Error::spill(&self.path, e))?;
        Ok(bytes)
    }

    /// The bytes at `span`, put as they are, appended to `words` as
    /// little-endian 32-bit words (a trailing part word is dropped), read
    /// a piece at a time so that no second copy of a long span is made.
    pub(crate) fn get_words(&self, span: Span, words: &mut Vec<u32>) -> Result<()> {
        self.get_words_between(span, span, words)
    }

    /// [`Spilled::get_words`] of the bytes from `first`'s start to
    /// `last`'s end, however many.
    pub(crate) fn get_words_between(
        &self,
        first: Span,
        last: Span,
        words: &mut Vec<u32>,
    ) -> Result<()> {
        const PIECE: u64 = 1 << 20;
        let end = last.end().max(first.offset);
        let mut bytes = vec![0u8; (end - first.offset).min(PIECE) as usize];
        words.reserve(((end - first.offset) / 4) as usize);
        let mut offset = first.offset;
        while offset < end {
            let piece = &mut bytes[..(end - offset).min(PIECE) as usize];
            read_exact_at(&self.file, piece, offset).map_err(|e| Error::spill(&self.path, e))?;
            words.extend(
                piece
                    .chunks_exact(4)
                    .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])),
            );
            offset += piece.len() as u64;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_put_compressed_or_not_and_compressed_take_less_room() {
        let values: Vec<String> = vec![
            String::new(),
            "one".into(),
            "the minister said the talks would go on ".repeat(200),
        ];
        let mut sizes = Vec::new();
        for compress in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let spilling = Spilling::create(dir.path(), compress).unwrap();
            let spans: Vec<Span> = values.iter().map(|v| spilling.put(v)).collect();
            let raw = spilling.put_bytes(&[1, 2, 3]);
            let spilled = spilling.seal().unwrap();
            for (value, &span) in values.iter().zip(&spans) {
                assert_eq!(&spilled.get::<String>(span).unwrap(), value);
            }
            assert_eq!(spilled.get_bytes(raw).unwrap(), [1, 2, 3], "bytes stay raw");
            sizes.push(spans[2].len);
        }
        assert!(sizes[1] * 10 < sizes[0], "{sizes:?}");
    }

    #[test]
    fn a_damaged_compressed_value_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let spilling = Spilling::create(dir.path(), false).unwrap();
        let span = spilling.put_bytes(&[200, 0, 0, 0, 1, 2, 3]);
        let mut spilled = spilling.seal().unwrap();
        spilled.compressed = true;
        assert!(matches!(
            spilled.get::<String>(span),
            Err(Error::Spill { .. })
        ));
    }
}
