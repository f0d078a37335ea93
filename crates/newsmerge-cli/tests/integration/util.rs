//! Helpers shared by the integration tests.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The sample corpus shipped with the project.
pub(crate) fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Runs the `newsmerge` binary with `args`.
pub(crate) fn newsmerge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsmerge"))
        .args(args)
        .output()
        .expect("the newsmerge binary runs")
}

/// Runs `newsmerge run INPUT --out OUT` plus `extra`, and returns the output
/// after checking it did not fail outright.
pub(crate) fn run(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = newsmerge(&args);
    assert_ne!(
        output.status.code(),
        Some(2),
        "newsmerge failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Reads a JSON Lines file.
pub(crate) fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// The canonical text of cluster `id`, from `canonical.jsonl` in `out`.
pub(crate) fn canonical_text(out: &Path, id: &str) -> String {
    read_jsonl(&out.join("canonical.jsonl"))
        .into_iter()
        .find(|r| r["cluster"] == id)
        .and_then(|r| r["text"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no canonical text for {id}"))
}

/// The record with `id` in a list of records.
pub(crate) fn by_id<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

/// A JSON array of strings as a vector.
pub(crate) fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// Whitespace collapsed to single spaces.
pub(crate) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
