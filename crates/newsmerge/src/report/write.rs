//! Writing an [`Outcome`] to a folder, safely.
//!
//! - **Ownership.** The first file newsmerge writes into an output folder
//!   is [`OWNER_FILE`], naming the tool and the format version. A folder
//!   with it is an earlier newsmerge output and may be replaced; a folder
//!   without it that holds anything is the user's, and is refused unless
//!   `force` is set (and even then only the names newsmerge writes are
//!   replaced: nothing else is touched).
//! - **One run at a time.** The owner file is held under an exclusive lock
//!   for the whole write; a second run into the same folder fails at once
//!   with [`Error::OutputLocked`].
//! - **Nothing half-done looks complete.** Every file is first written
//!   into a staging folder, then moved into place: `summary.json` is
//!   removed before anything moves and written last, so a folder with a
//!   `summary.json` holds one complete run. Staging folders, files put
//!   aside and temporaries left by a run that died are removed by the next
//!   run (the lock tells it that no run is using them);
//!   [`remove_temporaries`] removes this process's own, for a signal
//!   handler.

use super::Outcome;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub use crate::ingest::OUTPUT_MARKER as OWNER_FILE;
const SUMMARY: &str = "summary.json";
const CANONICAL: &str = "canonical";
const RECORDS: [&str; 4] = [
    "documents.jsonl",
    "clusters.jsonl",
    "sources.jsonl",
    "canonical.jsonl",
];
const STAGING: &str = ".staging-";
const TRASH: &str = ".trash-";

/// Whether `path` is a folder an earlier newsmerge run wrote.
pub fn is_output_folder(path: &Path) -> bool {
    path.join(OWNER_FILE).is_file()
}

/// Refuses, without writing anything, an output folder that
/// [`write_output`] would refuse for holding files newsmerge did not write
/// (unless `force`): a long job checks before it starts. A folder that
/// does not exist yet passes.
pub fn check_writable(out: &Path, force: bool) -> Result<()> {
    if force || is_output_folder(out) || !out.is_dir() {
        return Ok(());
    }
    let mut entries = fs::read_dir(out).map_err(|e| Error::write(out, e))?;
    if entries.next().is_some() {
        return Err(Error::OutputNotEmpty {
            path: out.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses an output folder that is, holds or lies inside the input,
/// unless it is an earlier newsmerge output (whose files the walk skips).
pub fn check_paths(input: &Path, out: &Path) -> Result<()> {
    let (Some(input), Some(out_abs)) = (absolute(input), absolute(out)) else {
        return Ok(());
    };
    let overlaps = out_abs.starts_with(&input) || input.starts_with(&out_abs);
    if overlaps && !is_output_folder(out) {
        return Err(Error::OutputOverlapsInput {
            out: out.to_path_buf(),
            input,
        });
    }
    Ok(())
}

/// `path` made absolute and resolved as far as it exists.
fn absolute(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Some(p);
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let base = match parent {
        Some(p) => fs::canonicalize(p).ok()?,
        None => std::env::current_dir().ok()?,
    };
    Some(base.join(path.file_name()?))
}

/// How an output folder is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Write into a folder that holds files newsmerge did not write (they
    /// are left alone; only newsmerge's own names are replaced).
    pub force: bool,
    /// Also write each canonical text as a file of its own,
    /// `canonical/<cluster id>.txt`. By default they are all in
    /// `canonical.jsonl`: a million small files cost more to create (and
    /// to delete on the next run) than everything else newsmerge writes.
    pub canonical_files: bool,
}

/// One line of `canonical.jsonl`.
#[derive(Serialize)]
struct CanonicalLine<'a> {
    cluster: &'a str,
    text: &'a str,
}

/// Writes the outcome to `out` (see the module docs). A folder holding
/// anything but newsmerge output is refused unless `options.force` is set.
pub fn write_output(out: &Path, outcome: &Outcome, options: WriteOptions) -> Result<()> {
    let owner = claim(out, options.force)?;
    remove_stale(out)?;
    remove_any(&out.join(SUMMARY))?;
    let staging = out.join(format!("{STAGING}{}", std::process::id()));
    fs::create_dir(&staging).map_err(|e| Error::write(&staging, e))?;
    let canonical_files = options.canonical_files.then(|| staging.join(CANONICAL));
    let (records, clusters) = rayon::join(
        || -> Result<()> {
            let documents = staging.join(RECORDS[0]);
            write_lines([&documents], outcome.document_count(), |i| {
                Ok([Some(json(&documents, &*outcome.document(i)?)?)])
            })?;
            write_jsonl(&staging.join(RECORDS[2]), &outcome.sources)
        },
        || write_clusters(&staging, outcome, canonical_files.as_deref()),
    );
    records.and(clusters)?;
    swap_in(out, &staging)?;
    atomic_write(&out.join(SUMMARY), |w| {
        serde_json::to_writer_pretty(&mut *w, &outcome.summary)?;
        w.write_all(b"\n")
    })?;
    drop(owner);
    Ok(())
}

/// Checks that `out` may be written, marks it as newsmerge's and locks it;
/// the lock lasts as long as the returned file is open.
fn claim(out: &Path, force: bool) -> Result<fs::File> {
    fs::create_dir_all(out).map_err(|e| Error::write(out, e))?;
    check_writable(out, force)?;
    let path = out.join(OWNER_FILE);
    let mut file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::write(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(Error::OutputLocked {
                path: out.to_path_buf(),
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::write(&path, e)),
    }
    let owner = format!(
        "newsmerge output, format version {}\n",
        super::FORMAT_VERSION
    );
    file.set_len(0)
        .and_then(|()| file.write_all(owner.as_bytes()))
        .map_err(|e| Error::write(&path, e))?;
    Ok(file)
}

/// Whether a name is one of newsmerge's temporaries: a staging folder, a
/// folder put aside, or a file being written.
fn is_temporary(name: &str) -> bool {
    name.starts_with(STAGING)
        || name.starts_with(TRASH)
        || (name.starts_with('.') && name.contains(".tmp-"))
}

/// Removes the temporaries of runs that died; the caller holds the lock,
/// so no living run owns any.
fn remove_stale(out: &Path) -> Result<()> {
    let entries = fs::read_dir(out).map_err(|e| Error::write(out, e))?;
    for entry in entries.filter_map(|e| e.ok()) {
        if is_temporary(&entry.file_name().to_string_lossy()) {
            remove_any(&entry.path())?;
        }
    }
    Ok(())
}

/// Removes this process's temporaries from `out`: for a signal handler,
/// so an interrupted run leaves nothing behind but what it had finished.
pub fn remove_temporaries(out: &Path) {
    let pid = std::process::id().to_string();
    let suffix = format!("-{pid}");
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    let mine: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            is_temporary(&name) && name.ends_with(&suffix)
        })
        .map(|e| e.path())
        .collect();
    for (n, path) in mine.iter().enumerate() {
        // The run may still be writing into it: move it out of the way
        // first, so no new file lands there, then remove it.
        let aside = out.join(format!("{TRASH}{n}-{pid}"));
        let path = if fs::rename(path, &aside).is_ok() {
            &aside
        } else {
            path
        };
        for _ in 0..5 {
            if remove_any(path).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

fn remove_any(path: &Path) -> Result<()> {
    let result = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::write(path, e)),
        _ => Ok(()),
    }
}

/// Moves the staged files over the final names: the old canonical folder
/// aside first (so new records never sit beside old canonical texts), the
/// records one by one, the new canonical folder if there is one; then
/// removes the old one, its files in parallel.
fn swap_in(out: &Path, staging: &Path) -> Result<()> {
    let dir = out.join(CANONICAL);
    let trash = out.join(format!("{TRASH}{}", std::process::id()));
    if dir.exists() {
        fs::rename(&dir, &trash).map_err(|e| Error::write(&dir, e))?;
    }
    for name in RECORDS {
        let (from, to) = (staging.join(name), out.join(name));
        fs::rename(&from, &to).map_err(|e| Error::write(&to, e))?;
    }
    let staged = staging.join(CANONICAL);
    if staged.exists() {
        fs::rename(&staged, &dir).map_err(|e| Error::write(&dir, e))?;
    }
    remove_folder(&trash)?;
    remove_any(staging)
}

/// Removes a folder of files (an old `canonical/`), the files in
/// parallel: one by one, a million of them take minutes.
fn remove_folder(path: &Path) -> Result<()> {
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::write(path, e)),
    };
    let paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.par_iter().try_for_each(|p| remove_any(p))?;
    remove_any(path)
}

/// Records serialized at once, in parallel, before they are written in
/// order: enough to keep every core busy, few enough to hold.
const BATCH: usize = 4096;

fn write_jsonl<T: Serialize + Sync>(path: &Path, records: &[T]) -> Result<()> {
    write_lines([path], records.len(), |i| {
        Ok([Some(json(path, &records[i])?)])
    })
}

/// A record as JSON, for the file at `path`.
fn json<T: Serialize + ?Sized>(path: &Path, record: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| Error::write(path, e.into()))
}

/// Writes `clusters.jsonl` and `canonical.jsonl` into `staging`, and each
/// canonical text into the folder `files` when given (created here), in
/// one pass: each cluster's record is made (its lines read back, when
/// spilled) once for all of them.
fn write_clusters(staging: &Path, outcome: &Outcome, files: Option<&Path>) -> Result<()> {
    let (clusters, canonical) = (staging.join(RECORDS[1]), staging.join(RECORDS[3]));
    if let Some(dir) = files {
        fs::create_dir(dir).map_err(|e| Error::write(dir, e))?;
    }
    write_lines([&clusters, &canonical], outcome.clusters.len(), |i| {
        let c = outcome.cluster(i)?;
        let record = json(&clusters, &*c)?;
        let Some(text) = c.text() else {
            return Ok([Some(record), None]);
        };
        if let Some(dir) = files {
            let path = dir.join(format!("{}.txt", c.id));
            fs::write(&path, &text).map_err(|e| Error::write(path, e))?;
        }
        let line = CanonicalLine {
            cluster: &c.id,
            text: &text,
        };
        Ok([Some(record), Some(json(&canonical, &line)?)])
    })
}

/// Writes into each of the files at `paths` the lines that `lines` makes
/// of each of `n` records (none for some), a batch at a time, each batch's
/// lines made in parallel.
fn write_lines<const K: usize>(
    paths: [&Path; K],
    n: usize,
    lines: impl Fn(usize) -> Result<[Option<Vec<u8>>; K]> + Sync,
) -> Result<()> {
    let mut files = paths
        .iter()
        .map(|p| Pending::create(p))
        .collect::<Result<Vec<_>>>()?;
    for start in (0..n).step_by(BATCH) {
        let made = (start..n.min(start + BATCH))
            .into_par_iter()
            .map(&lines)
            .collect::<Result<Vec<_>>>()?;
        for record in made {
            for (file, line) in files.iter_mut().zip(record) {
                if let Some(line) = line {
                    file.write_line(&line)?;
                }
            }
        }
    }
    files.into_iter().try_for_each(Pending::commit)
}

/// Writes a file under a temporary name, syncs it and renames it.
fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let mut file = Pending::create(path)?;
    fill(&mut file.out).map_err(|e| Error::write(path, e))?;
    file.commit()
}

/// A file being written under a temporary name beside its own, which
/// [`Pending::commit`] syncs and renames to it; dropped uncommitted (a
/// failed write), the temporary is removed.
struct Pending {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<fs::File>,
}

impl Pending {
    fn create(path: &Path) -> Result<Pending> {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = fs::File::create(&tmp).map_err(|e| Error::write(path, e))?;
        Ok(Pending {
            path: path.to_path_buf(),
            tmp,
            out: BufWriter::new(file),
        })
    }

    fn write_line(&mut self, line: &[u8]) -> Result<()> {
        let written = self
            .out
            .write_all(line)
            .and_then(|()| self.out.write_all(b"\n"));
        written.map_err(|e| Error::write(&self.path, e))
    }

    fn commit(mut self) -> Result<()> {
        let done = self
            .out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all());
        let done = done.and_then(|()| fs::rename(&self.tmp, &self.path));
        done.map_err(|e| Error::write(&self.path, e))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // Committed, the temporary has its final name already.
        let _ = fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in a folder, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn refuses_a_foreign_folder_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious.txt"), "x").unwrap();
        assert!(matches!(
            claim(dir.path(), false),
            Err(Error::OutputNotEmpty { .. })
        ));
        assert!(claim(dir.path(), true).is_ok());
        assert!(dir.path().join("precious.txt").exists());
    }

    #[test]
    fn user_files_named_like_ours_are_not_taken_for_ours() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(CANONICAL)).unwrap();
        fs::write(dir.path().join("documents.jsonl"), "mine").unwrap();
        assert!(matches!(
            claim(dir.path(), false),
            Err(Error::OutputNotEmpty { .. })
        ));
    }

    #[test]
    fn a_second_run_into_a_locked_folder_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let _held = claim(dir.path(), false).unwrap();
        assert!(matches!(
            claim(dir.path(), false),
            Err(Error::OutputLocked { .. })
        ));
    }

    #[test]
    fn temporaries_of_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let _held = claim(dir.path(), false).unwrap();
        fs::create_dir(dir.path().join(".staging-99999")).unwrap();
        fs::create_dir(dir.path().join(".canonical.tmp-99999")).unwrap();
        fs::write(dir.path().join(".documents.jsonl.tmp-7"), "").unwrap();
        fs::write(dir.path().join(SUMMARY), "{}").unwrap();
        remove_stale(dir.path()).unwrap();
        assert_eq!(names(dir.path()), [OWNER_FILE, SUMMARY]);
    }

    #[test]
    fn an_interrupted_run_removes_only_its_own_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        fs::create_dir_all(dir.path().join(format!(".staging-{pid}/canonical"))).unwrap();
        fs::write(dir.path().join(format!(".summary.json.tmp-{pid}")), "").unwrap();
        fs::create_dir(dir.path().join(".staging-1")).unwrap();
        fs::write(dir.path().join("documents.jsonl"), "done").unwrap();
        remove_temporaries(dir.path());
        assert_eq!(names(dir.path()), [".staging-1", "documents.jsonl"]);
    }

    #[test]
    fn an_output_inside_or_around_the_input_is_refused_unless_ours() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("corpus");
        fs::create_dir(&input).unwrap();
        assert!(check_paths(&input, &input).is_err());
        assert!(check_paths(&input, &input.join("out")).is_err());
        assert!(check_paths(&input, dir.path()).is_err());
        assert!(check_paths(&input, &dir.path().join("out")).is_ok());
        fs::create_dir(input.join("out")).unwrap();
        fs::write(input.join("out").join(OWNER_FILE), "").unwrap();
        assert!(check_paths(&input, &input.join("out")).is_ok());
    }

    #[test]
    fn a_record_that_cannot_be_made_fails_the_write_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        let failed = write_lines([&a, &b], BATCH + 10, |i| {
            if i == BATCH + 5 {
                return Err(Error::NotFound { what: "it".into() });
            }
            Ok([Some(b"1".to_vec()), None])
        });
        assert!(matches!(failed, Err(Error::NotFound { .. })));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn writing_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        write_jsonl(&path, &[1, 2]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "1\n2\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
