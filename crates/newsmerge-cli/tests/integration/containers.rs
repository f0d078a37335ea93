//! Containers and the exported corpus: every container (compressed JSON
//! Lines, Parquet, HTML pages, WARC) gives the clusters plain JSON Lines
//! gives, and `export` writes one record per cluster, plain, compressed or
//! as Parquet.

use crate::real_shapes::{Rng, article};
use crate::util::{newsmerge, read_jsonl, run, strings};
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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

/// The records of [`records`] as values.
fn record_values() -> Vec<Value> {
    records()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The clusters of a run, as sets of urls (every container keeps them).
fn grouping(out: &Path) -> Vec<Vec<String>> {
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for d in docs.iter().filter(|d| d["status"] == "ok") {
        let rid = d["url"].as_str().unwrap().to_string();
        by.entry(d["cluster"].as_str().unwrap().to_string())
            .or_default()
            .push(rid);
    }
    let mut g: Vec<Vec<String>> = by.into_values().collect();
    g.iter_mut().for_each(|c| c.sort());
    g.sort();
    g
}

/// Writes `files` (name, bytes) into `root/in` and runs `run` on it with
/// `flags`; returns the output folder, `root/out`, and the exit code.
fn run_files<B: AsRef<[u8]>>(
    root: &Path,
    files: impl IntoIterator<Item = (String, B)>,
    flags: &[&str],
) -> (PathBuf, Option<i32>) {
    let input = root.join("in");
    fs::create_dir_all(&input).unwrap();
    for (name, bytes) in files {
        fs::write(input.join(name), bytes).unwrap();
    }
    let out = root.join("out");
    let code = run(&input, &out, flags).status.code();
    (out, code)
}

/// Runs `run` over [`records`] as one JSON Lines file under `root`;
/// returns the output folder.
fn run_records(root: &Path) -> PathBuf {
    run_files(root, [("corpus.jsonl".to_string(), records())], &[]).0
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
    let inputs = inputs.into_iter().chain([
        (
            "parquet",
            "corpus.parquet",
            parquet_file(&record_values(), 5),
        ),
        ("warc", "crawl.warc.gz", warc_file(&record_values())),
    ]);
    for (name, file, bytes) in inputs {
        let (out, _) = run_files(&dir.path().join(name), [(file.to_string(), bytes)], &[]);
        groupings.push(grouping(&out));
    }
    assert_eq!(groupings[0].len(), 4, "{:?}", groupings[0]);
    for (i, name) in ["gzip", "zstd", "parquet", "warc"].iter().enumerate() {
        assert_eq!(groupings[0], groupings[i + 1], "{name}");
    }
}

/// A page for a record: the article between a menu and a footer.
fn html_page(r: &Value) -> String {
    let text = r["text"].as_str().unwrap();
    let (headline, body) = text.split_once("\n\n").unwrap();
    let paragraphs: String = body
        .split("\n\n")
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{headline}</title>\
         <link rel=\"canonical\" href=\"{}\"></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/sport\">Sport</a></nav>\
         <article><h1>{headline}</h1>\n{paragraphs}</article>\
         <footer>Copyright the publisher. Privacy policy. Terms of use.</footer></body></html>",
        r["url"].as_str().unwrap()
    )
}

/// The records as a Parquet file with `rows` rows per row group, their id,
/// url and text as columns, and a `lang` column.
fn parquet_file(records: &[Value], rows: usize) -> Vec<u8> {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let column = |f: &dyn Fn(&Value) -> &str| -> ArrayRef {
        std::sync::Arc::new(StringArray::from_iter_values(records.iter().map(f)))
    };
    let batch = RecordBatch::try_from_iter([
        ("id", column(&|r| r["id"].as_str().unwrap())),
        ("url", column(&|r| r["url"].as_str().unwrap())),
        ("text", column(&|r| r["text"].as_str().unwrap())),
        ("lang", column(&|_| "en")),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows))
        .build();
    let mut out = Vec::new();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// The records as a crawl: per record a request and a response holding
/// its page, each record its own gzip member, after a warcinfo record.
fn warc_file(records: &[Value]) -> Vec<u8> {
    let record = |kind: &str, uri: &str, body: &[u8]| {
        let mut r = format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Date: 2024-03-05T08:00:00Z\r\nContent-Type: application/http\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r.extend_from_slice(b"\r\n\r\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&r).unwrap();
        gz.finish().unwrap()
    };
    let mut out = record("warcinfo", "", b"software: newsmerge tests");
    for r in records {
        let uri = r["url"].as_str().unwrap();
        out.extend(record("request", uri, b"GET / HTTP/1.1\r\n\r\n"));
        let page = html_page(r);
        let http =
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{page}");
        out.extend(record("response", uri, http.as_bytes()));
    }
    out
}

#[test]
fn html_pages_give_the_clusters_of_their_texts() {
    let dir = tempfile::tempdir().unwrap();
    let pages = record_values()
        .into_iter()
        .map(|r| (format!("{}.html", r["id"].as_str().unwrap()), html_page(&r)));
    let (out, _) = run_files(&dir.path().join("html"), pages, &[]);
    let plain = run_records(&dir.path().join("plain"));
    assert_eq!(grouping(&out), grouping(&plain));
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let canonical = read_jsonl(&out.join("clusters.jsonl"));
    let text = serde_json::to_string(&canonical).unwrap();
    assert!(!text.contains("Privacy policy") && !text.contains("Sport"));
    assert!(
        docs.iter()
            .all(|d| d["source"].as_str().unwrap().ends_with(".example"))
    );
}

#[test]
fn warc_records_are_each_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let crawl = ("crawl.warc.gz".to_string(), warc_file(&record_values()));
    let (out, _) = run_files(dir.path(), [crawl], &[]);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(docs.len(), 1 + 2 * 12, "one line per record");
    let count = |status: &str| docs.iter().filter(|d| d["status"] == status).count();
    assert_eq!((count("ok"), count("skipped")), (12, 13));
    assert_eq!(docs[0]["id"], "crawl.warc.gz#1");
    assert!(docs[1]["error"].as_str().unwrap().contains("request"));
}

#[test]
fn parquet_rows_keep_their_ids_and_other_fields() {
    let dir = tempfile::tempdir().unwrap();
    let rows = (
        "corpus.parquet".to_string(),
        parquet_file(&record_values(), 5),
    );
    let (out, _) = run_files(dir.path(), [rows], &[]);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    let want: Vec<String> = (1..=12).map(|n| format!("corpus.parquet#{n}")).collect();
    assert_eq!(ids, want, "rows numbered through the row groups");
    assert_eq!(docs[4]["record_id"], "feed-1");
    assert_eq!(docs[4]["meta"], serde_json::json!({ "lang": "en" }));
}

#[test]
fn a_file_named_compressed_that_is_not_is_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("fake.jsonl.gz".to_string(), records()),
        (
            "good.txt".to_string(),
            "A headline\n\nSome text of the article, long enough.".to_string(),
        ),
    ];
    let (out, code) = run_files(dir.path(), files, &[]);
    assert_eq!(code, Some(1));
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

/// The rows of a Parquet export, as JSON Lines export writes them.
fn parquet_rows(path: &Path) -> Vec<Value> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    let file = fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let mut row = serde_json::Map::new();
            for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
                let v = if c.is_null(i) {
                    Value::Null
                } else if let Some(list) = c.as_list_opt::<i32>() {
                    let items = list.value(i);
                    let items = items.as_string::<i32>();
                    Value::from_iter(items.iter().map(|s| s.unwrap().to_string()))
                } else {
                    c.as_string::<i32>().value(i).into()
                };
                row.insert(f.name().clone(), v);
            }
            rows.push(Value::Object(row));
        }
    }
    rows
}

#[test]
fn export_writes_one_record_per_cluster_plain_or_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_records(dir.path());
    let clusters = read_jsonl(&out.join("clusters.jsonl"));
    let plain = dir.path().join("clean.jsonl");
    let gz = dir.path().join("clean.jsonl.gz");
    let pq = dir.path().join("clean.parquet");
    for to in [&plain, &gz, &pq] {
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
    assert_eq!(parquet_rows(&pq), records, "Parquet holds the same records");
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
    let flags = [
        "--text-field",
        "raw_content",
        "--id-field",
        "doc_id",
        "--url-field",
        "metadata.url",
    ];
    let cc = ("cc.jsonl".to_string(), renamed.join("\n") + "\n");
    let (out, _) = run_files(dir.path(), [cc], &flags);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert!(docs.iter().all(|d| d["status"] == "ok"));
    assert!(
        docs.iter()
            .all(|d| d["url"].as_str().unwrap().starts_with("https://"))
    );
    assert_eq!(grouping(&out).len(), 4);
}
