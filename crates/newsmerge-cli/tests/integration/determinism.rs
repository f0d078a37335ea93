//! The same input gives byte-identical output for any thread count and any
//! order in which the files were created.

use crate::util::{data_dir, newsmerge, read_jsonl, run};
use std::fs;
use std::path::Path;

fn files(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in walk(out) {
        let rel = entry
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        found.push((rel, fs::read(&entry).unwrap()));
    }
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            paths.extend(walk(&path));
        } else {
            paths.push(path);
        }
    }
    paths
}

/// Copies the sample corpus into `dest`, creating the files in `order`, with
/// two more copies of the transcript in folders (as two more sources).
fn tree(dest: &Path, reverse: bool) {
    let mut names: Vec<_> = fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    if reverse {
        names.reverse();
    }
    for name in &names {
        fs::copy(data_dir().join(name), dest.join(name)).unwrap();
    }
    let full = fs::read_to_string(data_dir().join("001_dde7cbe10627c73c.txt")).unwrap();
    for (folder, text) in [
        ("wire", full.replace("Kiev", "Kyiv")),
        ("mirror", full.clone()),
    ] {
        fs::create_dir_all(dest.join(folder)).unwrap();
        fs::write(dest.join(folder).join("copy.txt"), text).unwrap();
    }
    // Records of one file are processed in parallel too.
    let records: String = [
        full.as_str(),
        &full.replace("Macron", "Makron"),
        "",
        "{broken",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| match *text {
        "{broken" => "{broken\n".to_string(),
        text => format!(
            "{}\n",
            serde_json::json!({"id": i, "source": "feed", "text": text})
        ),
    })
    .collect();
    fs::write(dest.join("feed.jsonl"), records).unwrap();
}

/// Runs `command` on two copies of the corpus created in opposite orders,
/// on one thread and on four (the second with `more` flags), and compares
/// every output file.
fn assert_identical_across_threads_and_order(command: &str, more: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    tree(&a, false);
    tree(&b, true);
    let one = dir.path().join("one");
    let many = dir.path().join("many");
    for (input, out, threads, more) in [(&a, &one, "1", &[][..]), (&b, &many, "4", more)] {
        let mut args = vec![
            command,
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--threads",
            threads,
        ];
        args.extend(more);
        let status = newsmerge(&args).status;
        assert_eq!(
            status.code(),
            Some(1),
            "{command} finishes and reports the bad records"
        );
    }
    let (x, y) = (files(&one), files(&many));
    assert_eq!(x.len(), y.len());
    for ((name_x, bytes_x), (name_y, bytes_y)) in x.iter().zip(&y) {
        assert_eq!(name_x, name_y);
        assert!(
            bytes_x == bytes_y,
            "{command}: {name_x} differs between runs"
        );
    }
}

#[test]
fn run_output_is_identical_for_one_and_many_threads_and_any_creation_order() {
    assert_identical_across_threads_and_order("run", &[]);
}

#[test]
fn output_is_identical_with_documents_and_fingerprints_spilled_and_the_spill_is_removed() {
    for command in ["run", "dedup"] {
        for compress in [None, Some("--compress-spill")] {
            let spill = tempfile::tempdir().unwrap();
            let dir = spill.path().to_str().unwrap();
            let mut more = vec!["--spill", dir];
            more.extend(compress);
            assert_identical_across_threads_and_order(command, &more);
            assert_eq!(fs::read_dir(spill.path()).unwrap().count(), 0, "{command}");
        }
    }
}

#[test]
fn output_is_identical_under_any_memory_limit_and_one_too_low_is_warned_about() {
    for command in ["run", "dedup"] {
        let spill = tempfile::tempdir().unwrap();
        let dir = spill.path().to_str().unwrap();
        for limit in ["1K", "64G"] {
            assert_identical_across_threads_and_order(
                command,
                &["--memory-limit", limit, "--spill", dir],
            );
        }
        assert_eq!(fs::read_dir(spill.path()).unwrap().count(), 0, "{command}");
        let out = tempfile::tempdir().unwrap();
        let output = newsmerge(&[
            command,
            data_dir().to_str().unwrap(),
            "--out",
            out.path().join("out").to_str().unwrap(),
            "--quiet",
            "--memory-limit",
            "1K",
            "--spill",
            dir,
        ]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("warning: the memory limit of 1024 bytes is below"),
            "{stderr}"
        );
    }
}

#[test]
fn a_spill_folder_that_does_not_exist_stops_the_run_before_it_writes() {
    for command in ["run", "dedup"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let missing = dir.path().join("missing");
        let output = newsmerge(&[
            command,
            data_dir().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--spill",
            missing.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("cannot spill to a temporary file in"),
            "{stderr}"
        );
        assert!(!out.join("summary.json").exists(), "{command}");
    }
}

#[test]
fn dedup_output_is_identical_for_one_and_many_threads_and_any_creation_order() {
    assert_identical_across_threads_and_order("dedup", &[]);
}

#[test]
fn rerunning_into_the_same_folder_replaces_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let files = ["--quiet", "--canonical-files"];
    run(&data_dir(), &out, &files);
    fs::write(out.join("canonical").join("c999999.txt"), "stale").unwrap();
    let one = data_dir().join("004_6728b0b06d372e06.txt");
    run(&one, &out, &files);
    let canonical: Vec<_> = fs::read_dir(out.join("canonical")).unwrap().collect();
    assert_eq!(canonical.len(), 1, "no stale canonical text survives");
    assert_eq!(read_jsonl(&out.join("canonical.jsonl")).len(), 1);
    let docs = fs::read_to_string(out.join("documents.jsonl")).unwrap();
    assert_eq!(docs.lines().count(), 1);
    run(&one, &out, &["--quiet"]);
    assert!(
        !out.join("canonical").exists(),
        "without --canonical-files the old folder goes"
    );
}
