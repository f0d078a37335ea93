//! The CLI's other commands and flags: `show`, `--markers`, `sources.jsonl`.

use crate::util::{by_id, data_dir, newsmerge, read_jsonl, run};
use std::fs;

const TRANSCRIPT: &str = "000_57de05f7daf166ba.txt";

#[test]
fn show_prints_a_blame_gutter_and_a_copy_diff() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&data_dir(), &out, &["-q"]);
    let out = out.to_str().unwrap();

    let blame = newsmerge(&["show", out, TRANSCRIPT, "--color", "never"]);
    assert_eq!(blame.status.code(), Some(0));
    let text = String::from_utf8(blame.stdout).unwrap();
    assert!(text.starts_with("c000001: 2 copies"), "{text}");
    let first = text.lines().find(|l| l.contains("│ ")).unwrap();
    assert!(first.starts_with("AB "), "{first}");
    assert!(
        first.ends_with("1 │ News conference following Russian-French talks"),
        "{first}"
    );
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(".B "),
        "the closing line is the full copy's alone: {last}"
    );

    let diff = newsmerge(&[
        "show", out, "c000001", "--copy", TRANSCRIPT, "--color", "never",
    ]);
    let text = String::from_utf8(diff.stdout).unwrap();
    assert!(text.contains("carries"), "{text}");
    assert!(text.lines().last().unwrap().starts_with('-'), "{text}");

    let missing = newsmerge(&["show", out, "c999999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no cluster or document"));
}

#[test]
fn a_marker_file_adds_paywall_notices() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(
        input.join("walled.txt"),
        "Council passes budget\n\nThe council met on Tuesday and voted for the budget.\n\n\
         Pour nos membres seulement.\n",
    )
    .unwrap();
    let markers = dir.path().join("markers.txt");
    fs::write(&markers, "[paywall]\npour nos membres seulement\n").unwrap();

    let plain = dir.path().join("plain");
    run(&input, &plain, &["-q"]);
    let docs = read_jsonl(&plain.join("documents.jsonl"));
    assert_eq!(by_id(&docs, "walled.txt")["paywalled"], false);

    let marked = dir.path().join("marked");
    run(
        &input,
        &marked,
        &["-q", "--markers", markers.to_str().unwrap()],
    );
    let docs = read_jsonl(&marked.join("documents.jsonl"));
    let doc = by_id(&docs, "walled.txt");
    assert_eq!(doc["paywalled"], true);
    assert_eq!(doc["paywall"]["marker"], "Pour nos membres seulement.");
    let sources = read_jsonl(&marked.join("sources.jsonl"));
    assert_eq!(sources[0]["paywalled"], 1);

    fs::write(&markers, "[nonsense]\nwhatever\n").unwrap();
    let bad = newsmerge(&[
        "run",
        input.to_str().unwrap(),
        "--out",
        dir.path().join("bad").to_str().unwrap(),
        "--markers",
        markers.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 1"));
}

#[test]
fn sources_report_which_site_truncates_and_walls() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&data_dir(), &out, &["-q"]);
    let sources = read_jsonl(&out.join("sources.jsonl"));
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(
        sources.len(),
        docs.len(),
        "each sample file is its own source"
    );
    let transcript = sources.iter().find(|s| s["source"] == TRANSCRIPT).unwrap();
    assert_eq!(transcript["truncated"], 1);
    assert_eq!(transcript["duplicated"], 1);
    let total: u64 = sources
        .iter()
        .map(|s| s["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, docs.len());
}

#[test]
fn dedup_streams_to_the_clusters_run_finds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for site in ["planet", "wire"] {
        fs::create_dir_all(input.join(site)).unwrap();
    }
    let footer = "The Daily Planet is an independent newspaper founded in 1938 and based in \
                  Metropolis, serving readers across the whole region every day.";
    for n in 0..6 {
        let body = format!(
            "Story number {n} of the week\n\nThe council met on day {n} and voted on item {n} \
             after a debate about roads, schools and the budget for the coming year.\n\n\
             Officials said the vote on item {n} would be repeated if a member asked for it."
        );
        fs::write(input.join("wire").join(format!("{n}.txt")), &body).unwrap();
        fs::write(
            input.join("planet").join(format!("{n}.txt")),
            format!("{body}\n\n{footer}\n"),
        )
        .unwrap();
    }
    let (ran, deduped) = (dir.path().join("run"), dir.path().join("dedup"));
    run(&input, &ran, &["-q"]);
    let output = newsmerge(&[
        "dedup",
        input.to_str().unwrap(),
        "--out",
        deduped.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let members = |out: &std::path::Path| -> Vec<serde_json::Value> {
        read_jsonl(&out.join("clusters.jsonl"))
            .into_iter()
            .map(|c| c["members"].clone())
            .collect()
    };
    assert_eq!(members(&ran), members(&deduped));
    assert_eq!(members(&ran).len(), 6, "each story with its copy");
    let docs = read_jsonl(&deduped.join("documents.jsonl"));
    let learned = &by_id(&docs, "planet/0.txt")["boilerplate"][0];
    assert_eq!(
        learned["kind"], "recurring",
        "dedup learned the footer: {learned}"
    );
}

#[test]
fn timings_print_each_stage_with_its_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run(&data_dir(), &out, &["-q", "--timings"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stages: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("newsmerge:") && l.contains(" s wall "))
        .collect();
    for stage in ["reading", "clustering", "merging", "writing"] {
        assert!(
            stages.iter().any(|l| l.contains(&format!(" {stage} "))),
            "no {stage} line in {stderr}"
        );
    }
    for line in &stages {
        assert!(
            line.contains(" s cpu ") && line.contains(" MiB peak"),
            "{line}"
        );
        if cfg!(target_os = "linux") {
            assert!(line.ends_with(" MiB at its end"), "{line}");
        }
    }
}
