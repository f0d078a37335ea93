//! JSON and JSON Lines records.

use super::{Entry, Fields, Meta, Problem, host_of, problem_entry};
use serde_json::{Map, Value};

/// The fields that may hold a record's text, in order of preference.
pub(super) const TEXT_FIELDS: [&str; 5] = ["text", "content", "body", "maintext", "articleBody"];

/// Reads a `.json` file: one record, or an array of records.
pub(super) fn read_json(rel: &str, text: &str, fallback: &str, fields: &Fields) -> Vec<Entry> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) if items.is_empty() => vec![problem_entry(
            rel.to_string(),
            fallback,
            Problem::Empty("JSON array holds no records".into()),
        )],
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| record(rel, i + 1, v, fallback, fields))
            .collect(),
        Ok(value) => vec![record(rel, 1, value, fallback, fields)],
        Err(e) => vec![problem_entry(
            rel.to_string(),
            fallback,
            Problem::Error(format!("malformed JSON: {e}")),
        )],
    }
}

/// Reads a `.jsonl` file: one record per non-blank line.
pub(super) fn read_json_lines(
    rel: &str,
    text: &str,
    fallback: &str,
    fields: &Fields,
) -> Vec<Entry> {
    read_json_lines_bytes(rel, text.as_bytes(), fallback, fields, (0, 0))
}

/// Reads `.jsonl` bytes in UTF-8 line by line, so that a line that is not
/// UTF-8 is one bad record and the others are kept. A line of ASCII
/// whitespace is no record. Records and lines are numbered after
/// `records_before` and `lines_before` (for a part of a file, see
/// the `parts` module).
pub(super) fn read_json_lines_bytes(
    rel: &str,
    bytes: &[u8],
    fallback: &str,
    fields: &Fields,
    before: (usize, usize),
) -> Vec<Entry> {
    json_lines(rel, bytes.split(|&b| b == b'\n'), fallback, fields, before)
}

/// Whether a line of a `.jsonl` file holds a record: whether it is more
/// than ASCII whitespace.
pub fn is_record_line(line: &[u8]) -> bool {
    !line.iter().all(u8::is_ascii_whitespace)
}

/// Reads `.jsonl` lines (without their `\n`), as
/// [`read_json_lines_bytes`] reads them from bytes.
pub(super) fn json_lines<'a>(
    rel: &str,
    lines: impl Iterator<Item = &'a [u8]>,
    fallback: &str,
    fields: &Fields,
    (records_before, lines_before): (usize, usize),
) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut records = records_before;
    for (i, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !is_record_line(line) {
            continue;
        }
        records += 1;
        let line_no = lines_before + i + 1;
        entries.push(match std::str::from_utf8(line) {
            Ok(text) => json_line(rel, (records, line_no), text, fallback, fields),
            Err(e) => bad_line(
                rel,
                records,
                fallback,
                format!(
                    "not valid UTF-8 on line {line_no} (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            ),
        });
    }
    entries
}

/// The `n`-th record (1-based) of a `.jsonl` file, read from its line
/// `line_no` (1-based, for the error message).
fn json_line(
    rel: &str,
    (n, line_no): (usize, usize),
    line: &str,
    fallback: &str,
    fields: &Fields,
) -> Entry {
    match serde_json::from_str::<Value>(line) {
        Ok(value) => record(rel, n, value, fallback, fields),
        Err(e) => bad_line(
            rel,
            n,
            fallback,
            format!("malformed JSON on line {line_no}: {e}"),
        ),
    }
}

/// The `n`-th record of a `.jsonl` file, which cannot be read.
pub(super) fn bad_line(rel: &str, n: usize, fallback: &str, reason: String) -> Entry {
    problem_entry(format!("{rel}#{n}"), fallback, Problem::Error(reason))
}

/// The `n`-th record of a file, from its JSON value, whose text moves
/// into the entry.
pub(super) fn record(rel: &str, n: usize, value: Value, fallback: &str, fields: &Fields) -> Entry {
    let id = format!("{rel}#{n}");
    let Value::Object(mut map) = value else {
        let reason = format!("record is {}, not a JSON object", kind(&value));
        return problem_entry(id, fallback, Problem::Error(reason));
    };
    let meta = Meta {
        title: scalar(&map, &fields.title),
        url: scalar(&map, &fields.url),
        date: scalar(&map, &fields.date),
        record_id: scalar(&map, &fields.id),
        encoding: None,
        other: other_fields(&map, fields),
    };
    let source = scalar(&map, &fields.source)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| meta.url.as_deref().and_then(host_of))
        .unwrap_or_else(|| fallback.to_string());
    let body = text_of(&mut map, fields);
    Entry {
        id,
        source,
        meta,
        body,
    }
}

/// The record's fields that newsmerge does not read itself: all but the
/// text fields, id, url, title, date and source. `None` when there are
/// none.
fn other_fields(map: &Map<String, Value>, fields: &Fields) -> Option<Map<String, Value>> {
    let read = [
        &fields.id,
        &fields.url,
        &fields.title,
        &fields.date,
        &fields.source,
    ];
    let other: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !fields.text.contains(k) && !read.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!other.is_empty()).then_some(other)
}

/// The record's text: the first of the text fields (by default
/// [`TEXT_FIELDS`]) that is present. A field that is present but null
/// makes the record empty.
fn text_of(map: &mut Map<String, Value>, fields: &Fields) -> Result<String, Problem> {
    let mut null = None;
    for field in &fields.text {
        match lookup_mut(map, field) {
            Some(Value::String(s)) => return checked_text(field, std::mem::take(s)),
            Some(Value::Null) => null = null.or(Some(field)),
            Some(other) => {
                return Err(Problem::Error(format!(
                    "record field `{field}` is {}, expected a string",
                    kind(other)
                )));
            }
            None => {}
        }
    }
    match null {
        Some(field) => Err(Problem::Empty(format!("record field `{field}` is null"))),
        None => Err(Problem::Error(format!(
            "record has no text field (looked for {})",
            fields.text.join(", ")
        ))),
    }
}

/// [`lookup`], for moving the value out.
fn lookup_mut<'a>(map: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    if map.contains_key(path) {
        return map.get_mut(path);
    }
    let (first, rest) = path.split_once('.')?;
    match map.get_mut(first)? {
        Value::Object(inner) => lookup_mut(inner, rest),
        _ => None,
    }
}

/// A field of a record by name, or by a dotted path into nested objects
/// (`metadata.url`) when no field has the whole name.
fn lookup<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    let (first, rest) = path.split_once('.')?;
    match map.get(first)? {
        Value::Object(inner) => lookup(inner, rest),
        _ => None,
    }
}

/// A record's text, unless it holds no words.
fn checked_text(field: &str, text: String) -> Result<String, Problem> {
    if text.trim().is_empty() {
        Err(Problem::Empty(format!("record field `{field}` is empty")))
    } else if !super::decode::has_words(&text) {
        Err(Problem::Empty(format!(
            "record field `{field}` has {}",
            super::decode::NO_WORDS
        )))
    } else {
        Ok(text)
    }
}

/// The source of a record handed over in memory when it names none and
/// has no URL.
pub const RECORDS_SOURCE: &str = "records";

/// An entry for a record handed over in memory (by the Python package,
/// say) rather than read from a file: `id` is the document id, `text` its
/// text or why the caller could not read one, `source` its publishing
/// source. The text is checked, and the source found, as for a JSON
/// record: an empty text is [`Problem::Empty`]; without a source, the
/// host of `meta.url`, else [`RECORDS_SOURCE`].
pub fn record_entry(
    id: String,
    text: Result<String, String>,
    source: Option<String>,
    meta: Meta,
) -> Entry {
    let source = source
        .filter(|s| !s.trim().is_empty())
        .or_else(|| meta.url.as_deref().and_then(host_of))
        .unwrap_or_else(|| RECORDS_SOURCE.to_string());
    Entry {
        id,
        source,
        meta,
        body: text
            .map_err(Problem::Error)
            .and_then(|t| checked_text("text", t)),
    }
}

/// A metadata field as a string; numbers are written out, other types are
/// ignored (they are metadata, not a reason to lose the document).
fn scalar(map: &Map<String, Value>, field: &str) -> Option<String> {
    match lookup(map, field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        other => {
            log::warn!("ignoring field `{field}`: it is {}", kind(other));
            None
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Status;

    fn bodies(entries: &[Entry]) -> Vec<(String, Result<String, String>)> {
        entries
            .iter()
            .map(|e| {
                let body = e
                    .body
                    .clone()
                    .map_err(|p| format!("{}: {}", p.status(), p.reason()));
                (e.id.clone(), body)
            })
            .collect()
    }

    #[test]
    fn json_lines_with_a_bad_line_in_the_middle() {
        let text = "{\"text\": \"one\"}\n{oops\n\n{\"content\": \"three\"}\n";
        let got = bodies(&read_json_lines(
            "f.jsonl",
            text,
            "f.jsonl",
            &Fields::default(),
        ));
        assert_eq!(got[0], ("f.jsonl#1".into(), Ok("one".into())));
        assert_eq!(got[1].0, "f.jsonl#2");
        assert!(
            got[1]
                .1
                .as_ref()
                .unwrap_err()
                .starts_with("error: malformed JSON on line 2")
        );
        assert_eq!(got[2], ("f.jsonl#3".into(), Ok("three".into())));
    }

    #[test]
    fn json_records_and_field_types() {
        let text = r#"[{"body": "a", "url": "https://www.ex.com/x"},
                       {"text": 5}, {"title": "t"}, {"text": " "}, 7]"#;
        let entries = read_json("f.json", text, "f.json", &Fields::default());
        assert_eq!(entries[0].source, "ex.com");
        let got = bodies(&entries);
        assert_eq!(got[0].1, Ok("a".into()));
        assert_eq!(
            got[1].1,
            Err("error: record field `text` is a number, expected a string".into())
        );
        assert!(
            got[2]
                .1
                .as_ref()
                .unwrap_err()
                .starts_with("error: record has no text field")
        );
        assert_eq!(got[3].1, Err("empty: record field `text` is empty".into()));
        assert_eq!(
            got[4].1,
            Err("error: record is a number, not a JSON object".into())
        );
    }

    #[test]
    fn source_field_wins_over_url() {
        let e = read_json(
            "d/f.json",
            r#"{"text":"x","source":"AFP","url":"http://a.b/"}"#,
            "d",
            &Fields::default(),
        );
        assert_eq!(e[0].source, "AFP");
        assert_eq!(e[0].id, "d/f.json#1");
    }

    #[test]
    fn malformed_json_file_is_one_error() {
        let e = read_json("f.json", "[{", "f.json", &Fields::default());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].id, "f.json");
        assert_eq!(e[0].body.as_ref().unwrap_err().status(), Status::Error);
    }

    #[test]
    fn field_names_are_chosen_and_may_reach_into_nested_objects() {
        let fields = Fields {
            text: vec!["raw_content".into()],
            url: "metadata.url".into(),
            ..Fields::default()
        };
        let line =
            r#"{"raw_content":"Some words here.","metadata":{"url":"https://news.example/a"}}"#;
        let e = read_json_lines("f.jsonl", line, "f.jsonl", &fields);
        assert_eq!(e[0].body, Ok("Some words here.".to_string()));
        assert_eq!(e[0].meta.url.as_deref(), Some("https://news.example/a"));
        assert_eq!(e[0].source, "news.example");
        let null = read_json_lines("f.jsonl", r#"{"raw_content":null}"#, "f.jsonl", &fields);
        assert_eq!(null[0].body.as_ref().unwrap_err().status(), Status::Empty);
    }
}
