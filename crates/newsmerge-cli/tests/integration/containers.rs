//! Compressed inputs and the exported corpus: every container gives the
//! clusters plain JSON Lines gives, and `export` writes one record per
//! cluster, plain or compressed.

use crate::real_shapes::{Rng, article};
use crate::util::{newsmerge, read_jsonl, run, strings};
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

/// Twelve records: four articles, each as a full copy, a cut copy and a
/// copy with a typo.
fn records() -> String {
    let mut rng = Rng(41);
    let mut lines = Vec::new();
    for n in 0..4 {
        let a = article(&mut rng);
        let full = format!("{}\n\n{}", a.headline, a.paragraphs.join("\n\n"));
        let cut = format!("{}\n\n{}", a.headline, a.paragraphs[..3].join("\n\n"));
        let typo = full.replacen('e', "c", 3);
        for (site, text) in [("wire", full), ("feed", cut), ("ocr", typo)] {
            let url = format!("https://{site}.example/{n}");
            lines.push(
                serde_json::json!({ "id": format!("{site}-{n}"), "url": url, "text": text })
                    .to_string(),
            );
        }
    }
    lines.join("\n") + "\n"
}

/// The clusters of a run, as sets of record ids.
fn grouping(out: &Path) -> Vec<Vec<String>> {
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for d in &docs {
        let rid = d["record_id"].as_str().unwrap().to_string();
        by.entry(d["cluster"].as_str().unwrap().to_string())
            .or_default()
            .push(rid);
    }
    let mut g: Vec<Vec<String>> = by.into_values().collect();
    g.sort();
    g
}

/// Runs `run` over [`records`] as one JSON Lines file under `root`;
/// returns the output folder.
fn run_records(root: &Path) -> std::path::PathBuf {
    let input = root.join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("corpus.jsonl"), records()).unwrap();
    let out = root.join("out");
    run(&input, &out, &[]);
    out
}

#[test]
fn gzip_and_zstd_inputs_give_the_clusters_of_plain_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = records();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let inputs = [
        ("plain", "corpus.jsonl", text.as_bytes().to_vec()),
        ("gzip", "corpus.jsonl.gz", gz.finish().unwrap()),
        (
            "zstd",
            "corpus.jsonl.zst",
            zstd::encode_all(text.as_bytes(), 3).unwrap(),
        ),
    ];
    let mut groupings = Vec::new();
    for (name, file, bytes) in inputs {
        let input = dir.path().join(name);
        fs::create_dir_all(&input).unwrap();
        fs::write(input.join(file), bytes).unwrap();
        let out = dir.path().join(format!("{name}-out"));
        run(&input, &out, &[]);
        groupings.push(grouping(&out));
    }
    assert_eq!(groupings[0].len(), 4, "{:?}", groupings[0]);
    assert_eq!(groupings[0], groupings[1]);
    assert_eq!(groupings[0], groupings[2]);
}

#[test]
fn a_file_named_compressed_that_is_not_is_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("fake.jsonl.gz"), records()).unwrap();
    fs::write(
        input.join("good.txt"),
        "A headline\n\nSome text of the article, long enough.",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run(&input, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let fake = docs.iter().find(|d| d["id"] == "fake.jsonl.gz").unwrap();
    assert_eq!(fake["status"], "error");
    assert_eq!(fake["error"], "named as gzip but its bytes are not");
    assert_eq!(docs.iter().filter(|d| d["status"] == "ok").count(), 1);
}

#[test]
fn every_documents_line_has_every_field_and_one_keep_per_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_records(dir.path());
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let keys = |d: &Value| d.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert!(
        docs.iter().all(|d| keys(d) == keys(&docs[0])),
        "the same fields on every line"
    );
    assert!(keys(&docs[0]).contains(&"truncation".to_string()));
    let clusters = read_jsonl(&out.join("clusters.jsonl"));
    for c in &clusters {
        let kept: Vec<&Value> = docs
            .iter()
            .filter(|d| d["cluster"] == c["id"] && d["keep"] == true)
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0]["id"], c["pivot"]);
    }
}

#[test]
fn export_writes_one_record_per_cluster_plain_or_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_records(dir.path());
    let clusters = read_jsonl(&out.join("clusters.jsonl"));
    let plain = dir.path().join("clean.jsonl");
    let gz = dir.path().join("clean.jsonl.gz");
    for to in [&plain, &gz] {
        let o = newsmerge(&[
            "export",
            out.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let records = read_jsonl(&plain);
    assert_eq!(records.len(), clusters.len());
    for (r, c) in records.iter().zip(&clusters) {
        assert_eq!(r["id"], c["id"]);
        assert_eq!(strings(&r["members"]), strings(&c["members"]));
        let text: Vec<&str> = c["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["text"].as_str().unwrap())
            .collect();
        assert_eq!(r["text"], text.join("\n\n"));
        assert_eq!(r["representative"], c["pivot"]);
        assert!(r["url"].as_str().unwrap().starts_with("https://"));
    }
    let cut: Vec<String> = records
        .iter()
        .flat_map(|r| strings(&r["truncated_members"]))
        .collect();
    assert_eq!(cut.len(), 4, "{cut:?}");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(fs::File::open(&gz).unwrap())
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, fs::read_to_string(&plain).unwrap());
    // An existing file is replaced only with --force.
    let again = newsmerge(&[
        "export",
        out.to_str().unwrap(),
        "--to",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn field_flags_read_corpora_that_name_their_fields_differently() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let plain = records();
    let renamed: Vec<String> = plain
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            serde_json::json!({
                "doc_id": v["id"],
                "raw_content": v["text"],
                "metadata": { "url": v["url"] },
            })
            .to_string()
        })
        .collect();
    fs::write(input.join("cc.jsonl"), renamed.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    let flags = [
        "--text-field",
        "raw_content",
        "--id-field",
        "doc_id",
        "--url-field",
        "metadata.url",
    ];
    run(&input, &out, &flags);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert!(docs.iter().all(|d| d["status"] == "ok"));
    assert!(
        docs.iter()
            .all(|d| d["url"].as_str().unwrap().starts_with("https://"))
    );
    assert_eq!(grouping(&out).len(), 4);
}
