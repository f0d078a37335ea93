//! A tree of hostile inputs: each is reported once, with a reason, and the
//! run goes on.

use crate::util::{by_id, read_jsonl, run};
use std::fs;
use std::path::Path;

const ARTICLE: &str = "A good article\n\nThe council met on Tuesday and voted to \
    approve the new budget for the coming year, after a long debate.\n";

fn build_tree(root: &Path) {
    fs::write(root.join("good.txt"), ARTICLE).unwrap();
    fs::write(root.join("empty.txt"), "").unwrap();
    fs::write(root.join("blank.md"), "  \n\n \t\n").unwrap();
    fs::write(root.join("binary.txt"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    fs::write(root.join("latin1.txt"), b"Caf\xe9 cr\xe8me").unwrap();
    fs::write(
        root.join("feed.jsonl"),
        "{\"text\": \"First record of the feed.\"}\n{\"text\": \"unterminated\n{\"body\": \"Third record.\"}\n",
    )
    .unwrap();
    fs::write(
        root.join("latin1.jsonl"),
        b"{\"text\": \"First.\"}\n{\"text\": \"Caf\xe9\"}\n{\"text\": \"Third.\"}\n",
    )
    .unwrap();
    fs::write(root.join("page.html"), "<html></html>").unwrap();
    fs::write(root.join("photo.jpg"), b"\xFF\xD8\xFF\xE0").unwrap();
    fs::write(root.join("unreadable.txt"), ARTICLE).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            root.join("unreadable.txt"),
            fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        std::os::unix::fs::symlink(root.join("missing.txt"), root.join("dangling.txt")).unwrap();
    }
}

/// Whether this process can read a file whose permissions forbid it (as
/// root can).
fn permissions_are_bypassed(path: &Path) -> bool {
    fs::read(path).is_ok()
}

#[test]
fn every_bad_input_is_reported_with_a_reason_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    build_tree(&input);
    let out = dir.path().join("out");
    let output = run(&input, &out, &["--quiet", "--follow-links"]);
    assert_eq!(output.status.code(), Some(1), "finished with problems");
    let docs = read_jsonl(&out.join("documents.jsonl"));

    let status = |id: &str| {
        let d = by_id(&docs, id);
        (
            d["status"].as_str().unwrap().to_string(),
            d["error"].as_str().unwrap_or("").to_string(),
        )
    };
    let expect = |id: &str, want: &str, reason: &str| {
        let (got, why) = status(id);
        assert_eq!(got, want, "{id}: {why}");
        assert!(why.contains(reason), "{id}: {why}");
        if want != "ok" {
            assert!(by_id(&docs, id)["cluster"].is_null());
        }
    };
    expect("good.txt", "ok", "");
    expect("empty.txt", "empty", "file is empty");
    expect("blank.md", "empty", "only whitespace");
    expect("binary.txt", "error", "binary file");
    expect("latin1.txt", "ok", "");
    assert_eq!(by_id(&docs, "latin1.txt")["encoding"], "windows-1252");
    expect("feed.jsonl#1", "ok", "");
    expect("feed.jsonl#2", "error", "malformed JSON on line 2");
    expect("feed.jsonl#3", "ok", "");
    expect("latin1.jsonl#1", "ok", "");
    expect("latin1.jsonl#2", "error", "not valid UTF-8 on line 2");
    expect("latin1.jsonl#3", "ok", "");
    expect("page.html", "empty", "no article text found in the page");
    expect("photo.jpg", "skipped", "unsupported file type");
    #[cfg(unix)]
    {
        expect("dangling.txt", "error", "cannot read");
        if !permissions_are_bypassed(&input.join("unreadable.txt")) {
            expect("unreadable.txt", "error", "permission denied");
        }
    }

    let mut ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "every input once");
    let files = fs::read_dir(&input).unwrap().count();
    assert_eq!(
        n,
        files + 4,
        "each file once, each JSONL file as its three records"
    );
    assert!(out.join("summary.json").exists());
}

#[test]
fn an_output_folder_of_other_files_is_refused_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.txt");
    fs::write(&input, ARTICLE).unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("thesis.tex"), "precious").unwrap();
    let args = [
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let output = crate::util::newsmerge(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(crate::util::newsmerge(&forced).status.code(), Some(0));
    assert!(out.join("thesis.tex").exists());
}

#[test]
fn a_missing_input_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = dir.path().join("out");
    let output = crate::util::newsmerge(&[
        "run",
        missing.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read input"), "{stderr}");
}
