//! Hostile inputs beyond the basic bad-input tree: odd encodings and line
//! ends, huge and many files, deep trees, link loops, mistyped JSON, and
//! corpora that are one article over and over.

use crate::util::{by_id, canonical_text, read_jsonl, run};
use std::fs;

const ARTICLE: &str = "Council passes the budget\n\n\
    The city council met on Tuesday evening and voted to approve the new budget for the \
    coming year, after a debate that lasted well into the night.\n\n\
    The mayor said the budget would fund two new schools and repair the old bridge over \
    the river, which has been closed to lorries since the spring floods.\n\n\
    Opponents said the plan raised taxes too far and promised to fight it at the next \
    election, which is due in the autumn of next year.\n";

fn ids(docs: &[serde_json::Value]) -> Vec<String> {
    docs.iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn encodings_and_line_ends_read_as_the_same_article() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a_plain.txt"), ARTICLE).unwrap();
    fs::write(input.join("b_crlf.txt"), ARTICLE.replace('\n', "\r\n")).unwrap();
    fs::write(input.join("c_cr.txt"), ARTICLE.replace('\n', "\r")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(ARTICLE.encode_utf16().flat_map(|u| u.to_le_bytes()));
    fs::write(input.join("d_utf16.txt"), utf16).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(ARTICLE.as_bytes());
    fs::write(input.join("e_bom.txt"), bom).unwrap();
    fs::write(input.join("f_spaces.txt"), " \t \r\n \n").unwrap();

    let out = dir.path().join("out");
    run(&input, &out, &["-q"]);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(by_id(&docs, "f_spaces.txt")["status"], "empty");
    let clusters: Vec<&str> = docs[..5]
        .iter()
        .map(|d| d["cluster"].as_str().unwrap())
        .collect();
    assert!(clusters.iter().all(|c| *c == clusters[0]), "{clusters:?}");
    let lines = read_jsonl(&out.join("clusters.jsonl"))[0]["lines"].clone();
    assert_eq!(lines.as_array().unwrap().len(), 4, "{lines}");
}

#[test]
fn json_with_wrong_types_is_an_error_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(
        input.join("feed.jsonl"),
        "{\"text\": 42}\n[1, 2]\n\"just a string\"\n{\"text\": \"Fine.\", \"title\": [\"x\"]}\n\
         {\"body\": \"Also fine.\"}\n",
    )
    .unwrap();
    fs::write(input.join("one.json"), "{\"content\": {\"nested\": true}}").unwrap();
    let out = dir.path().join("out");
    let output = run(&input, &out, &["-q"]);
    assert_eq!(output.status.code(), Some(1));
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(
        ids(&docs),
        [
            "feed.jsonl#1",
            "feed.jsonl#2",
            "feed.jsonl#3",
            "feed.jsonl#4",
            "feed.jsonl#5",
            "one.json#1"
        ]
    );
    for id in ["feed.jsonl#1", "feed.jsonl#2", "feed.jsonl#3", "one.json#1"] {
        let d = by_id(&docs, id);
        assert_ne!(d["status"], "ok", "{id}");
        assert!(!d["error"].as_str().unwrap().is_empty(), "{id}");
    }
    assert_eq!(by_id(&docs, "feed.jsonl#5")["status"], "ok");
}

#[test]
fn a_huge_one_line_file_a_hundred_thousand_tiny_files_and_a_deep_tree_complete() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let mut deep = input.join("deep");
    for level in 0..60 {
        deep = deep.join(format!("d{level}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), ARTICLE).unwrap();
    let sentence = "word after word on one endless line of text ";
    fs::write(
        input.join("huge.txt"),
        sentence.repeat(50_000_000 / sentence.len()),
    )
    .unwrap();
    let tiny = input.join("tiny");
    fs::create_dir(&tiny).unwrap();
    for n in 0..100_000 {
        fs::write(tiny.join(format!("{n:06}.txt")), format!("Note {n}.")).unwrap();
    }
    let out = dir.path().join("out");
    run(&input, &out, &["-q"]);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(docs.len(), 100_002);
    assert!(docs.iter().all(|d| d["status"] == "ok"));
    assert!(by_id(&docs, "huge.txt")["words"].as_u64().unwrap() > 9_000_000);
}

#[cfg(unix)]
#[test]
fn link_loops_and_closed_folders_are_reported_once() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let sub = input.join("sub");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("a.txt"), ARTICLE).unwrap();
    symlink(&input, sub.join("loop")).unwrap();
    let closed = input.join("closed");
    fs::create_dir(&closed).unwrap();
    fs::write(closed.join("secret.txt"), ARTICLE).unwrap();
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).unwrap();
    let bypassed = fs::read_dir(&closed).is_ok();

    for extra in [&["-q"][..], &["-q", "--follow-links"][..]] {
        let out = dir.path().join(format!("out{}", extra.len()));
        run(&input, &out, extra);
        let docs = read_jsonl(&out.join("documents.jsonl"));
        let all = ids(&docs);
        let mut unique = all.clone();
        unique.dedup();
        assert_eq!(all, unique, "every input once");
        assert_eq!(by_id(&docs, "sub/a.txt")["status"], "ok");
        let looped = by_id(&docs, "sub/loop");
        assert_ne!(looped["status"], "ok", "{looped}");
        if !bypassed {
            assert_eq!(by_id(&docs, "closed")["status"], "error");
        }
    }
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).unwrap();
}

/// More identical copies than the longest posting kept (1,000): exact
/// copies join their original without going through the index.
#[test]
fn twelve_hundred_identical_copies_and_five_hundred_noisy_ones_make_one_cluster_each() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let same = input.join("same");
    let noisy = input.join("noisy");
    fs::create_dir_all(&same).unwrap();
    fs::create_dir_all(&noisy).unwrap();
    for n in 0..1_200 {
        fs::write(same.join(format!("{n:04}.txt")), ARTICLE).unwrap();
    }
    let other = ARTICLE
        .replace("council", "assembly")
        .replace("budget", "housing plan")
        .replace("mayor", "governor")
        .replace("schools", "hospitals")
        .replace("bridge", "tunnel");
    for n in 0..500 {
        let mut text = other.clone();
        let words: Vec<&str> = ["night", "river", "autumn", "spring", "taxes"].to_vec();
        let w = words[n % words.len()];
        text = text.replacen(w, &w.to_uppercase(), 1);
        if n % 3 == 0 {
            text.push_str("\nSee also: more news from the region\n");
        }
        if n % 7 == 0 {
            text = text.split("\n\n").take(3).collect::<Vec<_>>().join("\n\n");
        }
        fs::write(noisy.join(format!("{n:04}.txt")), text).unwrap();
    }
    let out = dir.path().join("out");
    run(&input, &out, &["-q"]);
    let clusters = read_jsonl(&out.join("clusters.jsonl"));
    let sizes: Vec<usize> = clusters
        .iter()
        .map(|c| c["members"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [500, 1_200], "noisy first (sorted by first member)");
    for c in &clusters {
        let members = c["members"].as_array().unwrap().len();
        for line in c["lines"].as_array().unwrap() {
            let sources = line["sources"].as_array().unwrap().len();
            assert!(sources >= 1 && sources <= members);
        }
    }
    // Only 64 copies are aligned; the rest are attached to the lines they
    // carry word for word, so every identical copy is a source of every line.
    for line in clusters[1]["lines"].as_array().unwrap() {
        assert_eq!(line["sources"].as_array().unwrap().len(), 1_200);
    }
    let text = canonical_text(&out, "c000002");
    assert_eq!(text.trim_end(), ARTICLE.trim_end());
}

/// A file that vanishes between the walk and the read is an error entry.
#[test]
fn a_file_that_vanishes_is_reported() {
    use newsmerge::ingest;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("gone.txt"), ARTICLE).unwrap();
    let found = ingest::walk(&input, false, &ingest::Filter::default()).unwrap();
    fs::remove_file(input.join("gone.txt")).unwrap();
    let entries = ingest::read_all(&found, &ingest::Fields::default(), &|| {});
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, "gone.txt");
    assert!(matches!(&entries[0].body, Err(ingest::Problem::Error(_))));
}

/// Moved-paragraph matching once compared every slot with every other;
/// shuffled copies and a document of many short lines must stay near
/// linear (the large sizes are timed by `benches/attacks.py`).
#[test]
fn shuffled_copies_and_a_document_of_many_lines_complete() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let words = [
        "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta",
    ];
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let paras: Vec<String> = (0..400)
        .map(|_| {
            (0..12)
                .map(|_| words[next(words.len())])
                .collect::<Vec<_>>()
                .join(" ")
                + "."
        })
        .collect();
    for c in 0..16 {
        let mut p = paras.clone();
        for i in (1..p.len()).rev() {
            p.swap(i, next(i + 1));
        }
        std::fs::write(
            input.join(format!("c{c:02}.txt")),
            format!("Headline\n\n{}", p.join("\n\n")),
        )
        .unwrap();
    }
    let lines: String = (0..50_000)
        .map(|i| format!("{} {i}\n", words[i % 8]))
        .collect();
    std::fs::write(input.join("lines.txt"), lines).unwrap();
    let out = dir.path().join("out");
    let output = run(&input, &out, &["-q"]);
    assert_eq!(output.status.code(), Some(0));
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(docs.len(), 17);
}

/// Two names that are not UTF-8 once got one lossy id, and a file named
/// like a record of another file took that record's id.
#[cfg(unix)]
#[test]
fn ids_are_unique_and_printable_for_any_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let text = "Headline\n\nA paragraph of text about something that happened.";
    for name in [
        &b"a\xff.txt"[..],
        b"a\xfe.txt",
        b"bell\x07.txt",
        b"r.jsonl#1",
    ] {
        fs::write(input.join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
    }
    fs::write(input.join("r.jsonl"), format!("{{\"text\": {text:?}}}\n")).unwrap();
    let out = dir.path().join("out");
    run(&input, &out, &["-q"]);
    let docs = read_jsonl(&out.join("documents.jsonl"));
    let mut ids: Vec<String> = docs
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(
        ids.iter().all(|id| !id.chars().any(char::is_control)),
        "{ids:?}"
    );
    assert!(ids.contains(&"r.jsonl%231".to_string()) && ids.contains(&"r.jsonl#1".to_string()));
}
