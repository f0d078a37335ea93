//! The sorted walk over the input tree.

use super::Problem;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// One thing found by the walk: a file to read, or a path that already has
/// a problem (a link not followed, a folder that cannot be listed, a loop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path relative to the input, with `/` separators.
    pub rel: String,
    /// The path on disk.
    pub path: PathBuf,
    /// Set when the walk already knows this path cannot be read.
    pub problem: Option<Problem>,
}

/// Walks `input` in sorted order. A file input yields itself.
pub fn walk(input: &Path, follow_links: bool) -> Result<Vec<Found>> {
    let meta = std::fs::metadata(input).map_err(|source| Error::Input {
        path: input.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        let rel = input.file_name().map_or_else(
            || input.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        return Ok(vec![found(rel, input.to_path_buf(), None)]);
    }
    let walker = WalkDir::new(input)
        .follow_links(follow_links)
        .sort_by_file_name();
    Ok(walker
        .into_iter()
        .filter_map(|item| match item {
            Ok(entry) => classify(input, &entry),
            Err(err) => Some(walk_error(input, &err)),
        })
        .collect())
}

fn classify(root: &Path, entry: &walkdir::DirEntry) -> Option<Found> {
    let kind = entry.file_type();
    if entry.depth() == 0 || kind.is_dir() {
        return None;
    }
    let rel = relative(root, entry.path());
    let path = entry.path().to_path_buf();
    let problem = if kind.is_symlink() {
        Some(Problem::Skipped(
            "symbolic link not followed (pass --follow-links to follow links)".into(),
        ))
    } else if !kind.is_file() {
        Some(Problem::Skipped(
            "not a regular file (a device, socket or pipe)".into(),
        ))
    } else {
        None
    };
    Some(found(rel, path, problem))
}

fn walk_error(root: &Path, err: &walkdir::Error) -> Found {
    let path = err.path().unwrap_or(root).to_path_buf();
    let reason = if let Some(ancestor) = err.loop_ancestor() {
        format!(
            "symbolic link loop back to {}",
            relative_or_dot(root, ancestor)
        )
    } else if let Some(io) = err.io_error() {
        format!("cannot read: {io}")
    } else {
        format!("cannot read: {err}")
    };
    found(
        relative_or_dot(root, &path),
        path,
        Some(Problem::Error(reason)),
    )
}

fn found(rel: String, path: PathBuf, problem: Option<Problem>) -> Found {
    Found { rel, path, problem }
}

fn relative_or_dot(root: &Path, path: &Path) -> String {
    let rel = relative(root, path);
    if rel.is_empty() { ".".into() } else { rel }
}

/// `path` relative to `root`, with `/` separators whatever the platform.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_is_sorted_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["b/x.txt", "a.txt", "b/a.txt", "c.json"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let rels: Vec<_> = walk(dir.path(), false)
            .unwrap()
            .into_iter()
            .map(|f| f.rel)
            .collect();
        assert_eq!(rels, ["a.txt", "b/a.txt", "b/x.txt", "c.json"]);
    }

    #[test]
    fn missing_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = walk(&dir.path().join("nope"), false).unwrap_err();
        assert!(err.to_string().starts_with("cannot read input"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let found = walk(dir.path(), false).unwrap();
        assert_eq!(found.len(), 2);
        assert!(matches!(&found[1].problem, Some(Problem::Skipped(r)) if r.contains("link")));
        let followed = walk(dir.path(), true).unwrap();
        assert!(
            followed
                .iter()
                .any(|f| matches!(&f.problem, Some(Problem::Error(r)) if r.contains("loop"))),
            "{followed:?}"
        );
    }
}
