//! Writing an [`Outcome`] to a folder, atomically file by file.
//!
//! Each file is written under a temporary name in the same folder and then
//! renamed over the final name, so a reader never sees a half-written file
//! under a final name. `summary.json` is removed first and written last: a
//! folder with a `summary.json` holds a complete run.

use super::Outcome;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

const SUMMARY: &str = "summary.json";
const CANONICAL: &str = "canonical";
const OUTPUT_NAMES: [&str; 5] = [
    "documents.jsonl",
    "clusters.jsonl",
    "sources.jsonl",
    CANONICAL,
    SUMMARY,
];

/// Writes the outcome to `out`. A folder holding anything but newsmerge
/// output is refused unless `force` is set.
pub fn write_output(out: &Path, outcome: &Outcome, force: bool) -> Result<()> {
    prepare(out, force)?;
    let (records, canonical) = rayon::join(
        || -> Result<()> {
            write_jsonl(&out.join("documents.jsonl"), &outcome.documents)?;
            write_jsonl(&out.join("clusters.jsonl"), &outcome.clusters)?;
            write_jsonl(&out.join("sources.jsonl"), &outcome.sources)
        },
        || write_canonical(out, &outcome.canonical),
    );
    records.and(canonical)?;
    atomic_write(&out.join(SUMMARY), |w| {
        serde_json::to_writer_pretty(&mut *w, &outcome.summary)?;
        w.write_all(b"\n")
    })
}

fn prepare(out: &Path, force: bool) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| Error::write(out, e))?;
    let entries = fs::read_dir(out).map_err(|e| Error::write(out, e))?;
    let foreign = entries
        .filter_map(|e| e.ok())
        .any(|e| !is_output_name(&e.file_name().to_string_lossy()));
    if foreign && !force {
        return Err(Error::OutputNotEmpty {
            path: out.to_path_buf(),
        });
    }
    let summary = out.join(SUMMARY);
    match fs::remove_file(&summary) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::write(summary, e)),
        _ => Ok(()),
    }
}

/// Whether a file name is one newsmerge writes, final or temporary.
fn is_output_name(name: &str) -> bool {
    OUTPUT_NAMES.contains(&name) || (name.starts_with('.') && name.contains(".tmp-"))
}

/// Records serialized at once, in parallel, before they are written in
/// order: enough to keep every core busy, few enough to hold.
const BATCH: usize = 4096;

fn write_jsonl<T: Serialize + Sync>(path: &Path, records: &[T]) -> Result<()> {
    atomic_write(path, |w| {
        for batch in records.chunks(BATCH) {
            let lines: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|r| {
                    let mut line = serde_json::to_vec(r)?;
                    line.push(b'\n');
                    Ok(line)
                })
                .collect::<serde_json::Result<_>>()?;
            for line in lines {
                w.write_all(&line)?;
            }
        }
        Ok(())
    })
}

/// Writes every canonical text into a fresh folder, then swaps it in for
/// the old one, so no stale file of an earlier run survives.
fn write_canonical(out: &Path, texts: &[(String, String)]) -> Result<()> {
    let dir = out.join(CANONICAL);
    let tmp = out.join(format!(".{CANONICAL}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::write(&tmp, e))?;
    }
    fs::create_dir(&tmp).map_err(|e| Error::write(&tmp, e))?;
    for (id, text) in texts {
        let path = tmp.join(format!("{id}.txt"));
        fs::write(&path, text).map_err(|e| Error::write(path, e))?;
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    }
    fs::rename(&tmp, &dir).map_err(|e| Error::write(&dir, e))
}

/// Writes a file under a temporary name, syncs it and renames it.
fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::new(fs::File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::write(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_foreign_folder_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious.txt"), "x").unwrap();
        assert!(matches!(
            prepare(dir.path(), false),
            Err(Error::OutputNotEmpty { .. })
        ));
        assert!(prepare(dir.path(), true).is_ok());
    }

    #[test]
    fn accepts_an_earlier_output_and_drops_its_summary_first() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SUMMARY), "{}").unwrap();
        fs::write(dir.path().join(".documents.jsonl.tmp-7"), "").unwrap();
        prepare(dir.path(), false).unwrap();
        assert!(!dir.path().join(SUMMARY).exists());
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        write_jsonl(&path, &[1, 2]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "1\n2\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
