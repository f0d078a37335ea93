//! The sorted walk over the input tree.

use super::Problem;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// One thing found by the walk: a file to read, or a path that already has
/// a problem (a link not followed, a folder that cannot be listed, a loop).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Found {
    /// The path relative to the input, with `/` separators.
    pub rel: String,
    /// The path on disk.
    pub path: PathBuf,
    /// Set when the walk already knows this path cannot be read.
    pub problem: Option<Problem>,
}

/// Which files of a folder are read, by glob patterns (`*`, `?`, `**`,
/// `[abc]`, `{a,b}`) on their path relative to the input, with `/`
/// separators. A pattern without a `/` matches a name at any depth.
/// A file is read when it matches an include pattern (or none are given)
/// and no exclude pattern; a folder an exclude pattern matches is not
/// walked. Files and folders passed over are reported as skipped.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
}

impl Filter {
    /// A filter from include and exclude patterns, or the first pattern
    /// that is not a glob and why.
    pub fn new(include: &[String], exclude: &[String]) -> std::result::Result<Filter, String> {
        Ok(Filter {
            include: glob_set(include)?,
            exclude: glob_set(exclude)?,
        })
    }

    /// Whether the filter reads every file.
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    /// Why the walk passes over a path (relative, `/` separators), if it
    /// does.
    fn passes_over(&self, rel: &str, is_dir: bool) -> Option<&'static str> {
        if self.exclude.as_ref().is_some_and(|g| g.is_match(rel)) {
            return Some("excluded by an exclude pattern; not read");
        }
        let included = is_dir || self.include.as_ref().is_none_or(|g| g.is_match(rel));
        (!included).then_some("matches no include pattern; not read")
    }
}

fn glob_set(patterns: &[String]) -> std::result::Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        let anchored = if p.contains('/') {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{p}")
        };
        let glob = globset::GlobBuilder::new(&anchored)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("`{p}` is not a glob pattern: {}", e.kind()))?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|e| e.to_string())
}

/// The file that marks a folder as a newsmerge output (see
/// [`crate::report::write_output`]): the walk does not read such a folder.
pub const OUTPUT_MARKER: &str = ".newsmerge";

/// Walks `input` in sorted order. A file input yields itself. A folder
/// below the input that holds a newsmerge output is not read, nor is a
/// hidden file or folder (its name starts with a dot: version control,
/// editor and system files); each is reported once, as skipped.
pub fn walk(input: &Path, follow_links: bool, filter: &Filter) -> Result<Vec<Found>> {
    let meta = std::fs::metadata(input).map_err(|source| Error::Input {
        path: input.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        let rel = input
            .file_name()
            .map_or_else(|| input.display().to_string(), escape_name);
        let problem = (!meta.is_file()).then(|| Problem::Skipped(super::NOT_REGULAR.into()));
        return Ok(vec![found(rel, input.to_path_buf(), problem)]);
    }
    let walker = WalkDir::new(input)
        .follow_links(follow_links)
        .sort_by_file_name();
    let mut passed: Vec<(PathBuf, &str)> = Vec::new();
    let mut found: Vec<Found> = walker
        .into_iter()
        .filter_entry(|e| {
            let why = passed_over(e).or_else(|| {
                let filtered = e.depth() > 0 && !filter.is_empty();
                filtered
                    .then(|| filter.passes_over(&relative(input, e.path()), e.file_type().is_dir()))
                    .flatten()
            });
            if let Some(why) = why {
                passed.push((e.path().to_path_buf(), why));
            }
            why.is_none()
        })
        .filter_map(|item| match item {
            Ok(entry) => classify(input, &entry),
            Err(err) => Some(walk_error(input, &err)),
        })
        .collect();
    if !passed.is_empty() {
        for (path, why) in passed {
            let problem = Problem::Skipped(why.into());
            found.push(self::found(relative(input, &path), path, Some(problem)));
        }
        found.sort_by(|a, b| super::id_order(&a.rel).cmp(&super::id_order(&b.rel)));
    }
    Ok(found)
}

/// Why the walk does not go into an entry below the input, if it does not.
fn passed_over(e: &walkdir::DirEntry) -> Option<&'static str> {
    if e.depth() == 0 {
        return None;
    }
    if e.file_name().as_encoded_bytes().starts_with(b".") {
        return Some("hidden (its name starts with a dot); not read");
    }
    let output = e.file_type().is_dir() && e.path().join(OUTPUT_MARKER).is_file();
    output.then_some("a newsmerge output folder; its files are not read")
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
        Some(Problem::Skipped(super::NOT_REGULAR.into()))
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

/// `path` relative to `root`, with `/` separators whatever the platform,
/// each component escaped by [`escape_name`].
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| escape_name(c.as_os_str()))
        .collect();
    parts.join("/")
}

/// A file or folder name as it appears in a document id: its bytes, with
/// `%`, `#` (which separates a record number), control characters and
/// bytes that are not UTF-8 written as `%XX`, so that ids are unique,
/// printable, and map back to the name by percent-decoding.
pub(super) fn escape_name(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(name).to_vec();
    #[cfg(not(unix))]
    let bytes = name.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' || c == '#' || c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
        let rels: Vec<_> = walk(dir.path(), false, &Filter::default())
            .unwrap()
            .into_iter()
            .map(|f| f.rel)
            .collect();
        assert_eq!(rels, ["a.txt", "b/a.txt", "b/x.txt", "c.json"]);
    }

    #[test]
    fn patterns_choose_files_and_prune_folders() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["a.txt", "b.html", "old/c.txt", "new/d.txt", "new/e.jpg"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let filter = Filter::new(&["*.txt".into(), "*.html".into()], &["old".into()]).unwrap();
        let found: Vec<_> = walk(dir.path(), false, &filter)
            .unwrap()
            .into_iter()
            .map(|f| (f.rel, f.problem.map(|p| p.reason().to_string())))
            .collect();
        let read: Vec<_> = found
            .iter()
            .filter(|f| f.1.is_none())
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(read, ["a.txt", "b.html", "new/d.txt"]);
        let passed: Vec<_> = found
            .iter()
            .filter(|f| f.1.is_some())
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(passed, ["new/e.jpg", "old"], "each reported once");
        let anchored = Filter::new(&["new/*.txt".into()], &[]).unwrap();
        let read = walk(dir.path(), false, &anchored).unwrap();
        assert_eq!(read.iter().filter(|f| f.problem.is_none()).count(), 1);
        assert!(Filter::new(&["a[".into()], &[]).unwrap_err().contains("a["));
    }

    #[test]
    fn a_newsmerge_output_inside_the_input_is_skipped_once() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["a.txt", "out/documents.jsonl", "out/canonical/c1.txt"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        std::fs::write(dir.path().join("out").join(OUTPUT_MARKER), "").unwrap();
        let found = walk(dir.path(), false, &Filter::default()).unwrap();
        let rels: Vec<_> = found.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a.txt", "out"]);
        assert!(
            matches!(&found[1].problem, Some(Problem::Skipped(r)) if r.contains("newsmerge output"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_that_would_collide_get_distinct_escaped_ids() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| escape_name(std::ffi::OsStr::from_bytes(b));
        assert_eq!(name(b"a\xff.txt"), "a%FF.txt");
        assert_eq!(name(b"a\xfe.txt"), "a%FE.txt");
        assert_eq!(name(b"r.jsonl#1"), "r.jsonl%231");
        assert_eq!(name(b"100%.txt"), "100%25.txt");
        assert_eq!(name(b"bell\x07.txt"), "bell%07.txt");
        assert_eq!(name("caf\u{e9}.txt".as_bytes()), "caf\u{e9}.txt");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_as_input_is_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let found = walk(&fifo, false, &Filter::default()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(matches!(&found[0].problem, Some(Problem::Skipped(r)) if r.contains("regular")));
        // Read directly (as if it were swapped in after the walk), it does
        // not block.
        assert!(crate::ingest::read_regular(&fifo).unwrap().is_none());
    }

    #[test]
    fn missing_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = walk(&dir.path().join("nope"), false, &Filter::default()).unwrap_err();
        assert!(err.to_string().starts_with("cannot read input"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let found = walk(dir.path(), false, &Filter::default()).unwrap();
        assert_eq!(found.len(), 2);
        assert!(matches!(&found[1].problem, Some(Problem::Skipped(r)) if r.contains("link")));
        let followed = walk(dir.path(), true, &Filter::default()).unwrap();
        assert!(
            followed
                .iter()
                .any(|f| matches!(&f.problem, Some(Problem::Error(r)) if r.contains("loop"))),
            "{followed:?}"
        );
    }

    #[test]
    fn hidden_files_and_folders_are_reported_once_and_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git/objects")).unwrap();
        std::fs::write(dir.path().join(".git/objects/x.txt"), "x").unwrap();
        std::fs::write(dir.path().join(".DS_Store.txt"), "x").unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let found = walk(dir.path(), false, &Filter::default()).unwrap();
        let rels: Vec<(&str, bool)> = found
            .iter()
            .map(|f| (f.rel.as_str(), f.problem.is_some()))
            .collect();
        assert_eq!(
            rels,
            [(".DS_Store.txt", true), (".git", true), ("a.txt", false)]
        );
    }
}
