//! The sample corpus in `data/`: the five seed documents.

use crate::util::{by_id, canonical_text, data_dir, read_jsonl, run, squash, strings};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

const TRUNCATED: &str = "000_57de05f7daf166ba.txt";
const FULL: &str = "001_dde7cbe10627c73c.txt";
const PAYWALLED: &str = "002_50e6ca277f2e68cb.txt";
const REUTERS: &str = "003_ff137786bbcf9b44.txt";
const SINGLE_NEWLINES: &str = "004_6728b0b06d372e06.txt";

struct Run {
    _dir: tempfile::TempDir,
    out: std::path::PathBuf,
    code: Option<i32>,
    documents: Vec<Value>,
    clusters: Vec<Value>,
}

/// One run over `data/`, shared by the tests of this file.
fn sample() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let output = run(&data_dir(), &out, &["--quiet"]);
        Run {
            code: output.status.code(),
            documents: read_jsonl(&out.join("documents.jsonl")),
            clusters: read_jsonl(&out.join("clusters.jsonl")),
            out,
            _dir: dir,
        }
    })
}

fn cluster_of(id: &str) -> &'static Value {
    let s = sample();
    let cid = by_id(&s.documents, id)["cluster"]
        .as_str()
        .expect("clustered");
    by_id(&s.clusters, cid)
}

fn canonical_of(id: &str) -> String {
    let cid = cluster_of(id)["id"].as_str().unwrap();
    canonical_text(&sample().out, cid)
}

fn lines_of(id: &str) -> Vec<String> {
    cluster_of(id)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect()
}

fn raw_paragraphs(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(data_dir().join(name)).unwrap();
    text.split("\n\n")
        .map(squash)
        .filter(|p| !p.is_empty())
        .collect()
}

#[test]
fn the_run_succeeds_and_accounts_for_every_file() {
    let s = sample();
    assert_eq!(s.code, Some(0));
    let ids: Vec<&str> = s
        .documents
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [TRUNCATED, FULL, PAYWALLED, REUTERS, SINGLE_NEWLINES]);
    assert!(s.documents.iter().all(|d| d["status"] == "ok"));
    assert!(Path::new(&s.out.join("summary.json")).exists());
}

#[test]
fn the_transcript_copies_cluster_and_the_others_stand_alone() {
    let members = strings(&cluster_of(TRUNCATED)["members"]);
    assert_eq!(members, [TRUNCATED, FULL]);
    for id in [PAYWALLED, REUTERS, SINGLE_NEWLINES] {
        assert_eq!(strings(&cluster_of(id)["members"]), [id]);
    }
    assert_eq!(sample().clusters.len(), 4);
}

#[test]
fn only_the_truncated_and_the_paywalled_copy_are_flagged() {
    let s = sample();
    for d in &s.documents {
        let id = d["id"].as_str().unwrap();
        assert_eq!(d["truncated"], id == TRUNCATED, "{id} truncated");
        assert_eq!(d["paywalled"], id == PAYWALLED, "{id} paywalled");
    }
    let t = &by_id(&s.documents, TRUNCATED)["truncation"];
    assert_eq!(t["marker"], "To be continued.");
    assert!(t["coverage"].as_f64().unwrap() < 0.2, "{t}");
    let p = &by_id(&s.documents, PAYWALLED)["paywall"];
    assert!(
        p["marker"]
            .as_str()
            .unwrap()
            .starts_with("You have 63.88% of this article left")
    );
}

#[test]
fn the_transcript_keeps_the_headline_and_all_of_the_full_copy() {
    let canon = canonical_of(FULL);
    assert!(canon.starts_with("News conference following Russian-French talks\n\n"));
    let squashed = squash(&canon);
    let dropped = ["en.kremlin.ru", "44-56 minutes", "See also"];
    for p in &raw_paragraphs(FULL) {
        if dropped.contains(&p.as_str()) {
            continue;
        }
        let cleaned = p
            .replace("[Emmanuel Macron](#)", "Emmanuel Macron")
            .replace("(*retranslated*)", "(retranslated)")
            .replace(" • President of Russia", "");
        assert!(squashed.contains(&cleaned), "lost: {cleaned}");
    }
}

#[test]
fn the_transcript_drops_furniture_and_markdown_residue() {
    let lines = lines_of(FULL);
    for furniture in [
        "en.kremlin.ru",
        "44-56 minutes",
        "See also",
        "To be continued.",
        "Publication status",
    ] {
        assert!(!lines.iter().any(|l| l == furniture), "kept {furniture}");
    }
    assert!(!lines.iter().any(|l| l.starts_with("Published in sections")));
    assert!(!lines.iter().any(|l| l.contains("](#)")));
    assert!(lines.iter().any(|l| l.starts_with(
        "President of France Emmanuel Macron (retranslated): Thank you very much, Mr President."
    )));
}

#[test]
fn page_break_splits_are_rejoined() {
    let lines = lines_of(FULL);
    let raw = raw_paragraphs(FULL);
    let mut junctions = 0;
    for pair in raw.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        let cut = prev.ends_with(|c: char| c.is_alphanumeric())
            && (next.starts_with(|c: char| c.is_lowercase()) || prev.ends_with("1949 North"));
        if !cut {
            continue;
        }
        junctions += 1;
        let joined = format!("{} {}", last_words(prev), first_words(next));
        assert!(
            lines.iter().any(|l| l.contains(&joined)),
            "not rejoined: {joined}"
        );
    }
    assert!(junctions >= 24, "{junctions}");
    assert!(lines.iter().any(|l| {
        l.contains("Article 10 of the 1949 North Atlantic Treaty, the member states may")
    }));
}

fn last_words(p: &str) -> String {
    let words: Vec<&str> = p.split(' ').collect();
    words[words.len().saturating_sub(3)..].join(" ")
}

fn first_words(p: &str) -> String {
    p.split(' ').take(3).collect::<Vec<_>>().join(" ")
}

#[test]
fn provenance_of_the_first_and_last_lines() {
    let lines = cluster_of(FULL)["lines"].as_array().unwrap();
    assert_eq!(strings(&lines[0]["sources"]), [TRUNCATED, FULL]);
    assert_eq!(strings(&lines.last().unwrap()["sources"]), [FULL]);
    assert!(
        lines.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .starts_with("We will continue and intensify")
    );
}

#[test]
fn single_newline_paragraphs_are_separate_lines() {
    let raw = std::fs::read_to_string(data_dir().join(SINGLE_NEWLINES)).unwrap();
    let want: Vec<String> = raw.lines().map(squash).filter(|l| !l.is_empty()).collect();
    assert_eq!(want.len(), 8);
    assert_eq!(lines_of(SINGLE_NEWLINES), want);
}

#[test]
fn the_paywalled_copy_loses_its_notice_widgets_comments_and_breadcrumb() {
    let canon = canonical_of(PAYWALLED);
    for gone in [
        "of this article left to read",
        "Read also",
        "Leave a Comment",
        "Akismet",
        "Home »",
    ] {
        assert!(!canon.contains(gone), "kept {gone}");
    }
    assert!(canon.starts_with("Faced with Macron, Putin regrets"));
    assert!(canon.contains("\n\nLower the tension\n\n"));
}

#[test]
fn documents_snapshot() {
    let text = std::fs::read_to_string(sample().out.join("documents.jsonl")).unwrap();
    insta::assert_snapshot!("sample_documents", text);
}

#[test]
fn paywalled_canonical_snapshot() {
    insta::assert_snapshot!("sample_paywalled_canonical", canonical_of(PAYWALLED));
}
