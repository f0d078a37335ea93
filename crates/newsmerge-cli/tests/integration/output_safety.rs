//! The output folder: a user's files are never taken for newsmerge's, one
//! run writes a folder at a time, and a run that died leaves nothing the
//! next run keeps.

use crate::util::{data_dir, newsmerge};
use std::fs;
use std::path::Path;
use std::process::Output;

/// Runs `newsmerge run INPUT --out OUT` plus `extra`, whatever its exit.
fn run_into(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    newsmerge(&args)
}

fn copy_sample(dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(data_dir()).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dest.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_corpus_with_files_named_like_the_output_is_never_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let corp = dir.path().join("corp");
    copy_sample(&corp);
    fs::write(
        corp.join("documents.jsonl"),
        "{\"text\": \"my own records\"}\n",
    )
    .unwrap();
    fs::create_dir(corp.join("canonical")).unwrap();
    fs::write(corp.join("canonical/notes.txt"), "mine").unwrap();
    let before: Vec<_> = fs::read_dir(&corp).unwrap().collect();
    for out in [corp.clone(), corp.join("out"), dir.path().to_path_buf()] {
        let o = run_into(&corp, &out, &[]);
        assert_eq!(o.status.code(), Some(2), "--out {}", out.display());
        assert!(String::from_utf8_lossy(&o.stderr).contains("overlaps the input"));
    }
    assert_eq!(fs::read_dir(&corp).unwrap().count(), before.len());
    assert_eq!(
        fs::read_to_string(corp.join("canonical/notes.txt")).unwrap(),
        "mine"
    );
    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("documents.jsonl"), "mine").unwrap();
    let o = run_into(&corp, &other, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(other.join("documents.jsonl")).unwrap(),
        "mine"
    );
}

#[test]
fn an_earlier_output_inside_the_input_is_skipped_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let corp = dir.path().join("corp");
    copy_sample(&corp);
    let out = corp.join("out");
    // The first run cannot write inside its own input...
    assert_eq!(run_into(&corp, &out, &[]).status.code(), Some(2));
    // ...but once the folder is a newsmerge output, runs replace it and
    // never read it as input.
    assert_eq!(run_into(&data_dir(), &out, &[]).status.code(), Some(0));
    let second = run_into(&corp, &out, &[]);
    assert_ne!(
        second.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let docs = fs::read_to_string(out.join("documents.jsonl")).unwrap();
    assert!(
        docs.contains("\"id\":\"out\"") && docs.contains("newsmerge output folder"),
        "{docs}"
    );
    assert_eq!(docs.lines().count(), 6);
}

#[test]
fn a_second_run_into_a_folder_in_use_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = || run_into(&data_dir(), &out, &[]);
    assert_eq!(run().status.code(), Some(0));
    let held = fs::OpenOptions::new()
        .write(true)
        .open(out.join(".newsmerge"))
        .unwrap();
    held.lock().unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another newsmerge run"));
    drop(held);
    assert_eq!(run().status.code(), Some(0));
}

#[test]
fn temporaries_of_a_run_that_died_are_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = || run_into(&data_dir(), &out, &[]);
    assert_eq!(run().status.code(), Some(0));
    fs::create_dir_all(out.join(".staging-4242/canonical")).unwrap();
    fs::create_dir_all(out.join(".canonical.tmp-4242")).unwrap();
    fs::write(out.join(".clusters.jsonl.tmp-4242"), "half").unwrap();
    assert_eq!(run().status.code(), Some(0));
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            ".newsmerge",
            "canonical.jsonl",
            "clusters.jsonl",
            "documents.jsonl",
            "sources.jsonl",
            "summary.json"
        ]
    );
}

#[test]
fn a_huge_thread_count_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_into(&data_dir(), &out, &["-j", "100000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at most 1024 threads"));
}
