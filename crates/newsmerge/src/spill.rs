//! Values appended to an unnamed temporary file on any thread and read
//! back by where they landed: how `run` and `dedup` keep what does not
//! need to stay in memory (see [`crate::ConfigBuilder::spill`]). The
//! system removes the file when the run ends, however it ends.

use crate::error::{Error, Result};
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

/// An unnamed temporary file that values are appended to, on any thread.
pub(crate) struct Spilling {
    path: PathBuf,
    appender: Mutex<Appender>,
}

struct Appender {
    out: std::io::BufWriter<File>,
    written: u64,
    error: Option<std::io::Error>,
}

impl Spilling {
    /// A new unnamed file in `dir`.
    pub(crate) fn create(dir: &Path) -> Result<Spilling> {
        let file = tempfile::tempfile_in(dir).map_err(|e| Error::spill(dir, e))?;
        Ok(Spilling {
            path: dir.to_path_buf(),
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
        self.put_bytes(&bytes)
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
            file,
        })
    }
}

/// A spill file once written, read by [`Span`] on any thread.
pub(crate) struct Spilled {
    path: PathBuf,
    file: File,
}

impl Spilled {
    /// The value at `span`.
    pub(crate) fn get<T: serde::de::DeserializeOwned>(&self, span: Span) -> Result<T> {
        let bytes = self.get_bytes(span)?;
        postcard::from_bytes(&bytes).map_err(|e| {
            Error::spill(
                &self.path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })
    }

    /// The bytes at `span`, as they were put.
    pub(crate) fn get_bytes(&self, span: Span) -> Result<Vec<u8>> {
        let mut bytes = vec![0u8; span.len as usize];
        read_exact_at(&self.file, &mut bytes, span.offset)
            .map_err(|e| Error::spill(&self.path, e))?;
        Ok(bytes)
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
