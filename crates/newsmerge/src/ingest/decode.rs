//! Bytes to text: byte-order marks, UTF-16, binary and non-UTF-8 detection.

use super::Problem;

/// How far into a file a NUL byte marks it as binary.
const BINARY_PROBE: usize = 8192;

/// Decodes a file's bytes to text, or says why it cannot be used.
pub(super) fn decode(bytes: &[u8]) -> Result<String, Problem> {
    if bytes.is_empty() {
        return Err(Problem::Empty("file is empty".into()));
    }
    let text = match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes)?,
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes)?,
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest)?,
        _ => utf8(bytes)?,
    };
    if text.trim().is_empty() {
        return Err(Problem::Empty("file holds only whitespace".into()));
    }
    if !has_words(&text) {
        return Err(Problem::Empty(NO_WORDS.into()));
    }
    Ok(text)
}

/// Why a text with no letter or digit is empty.
pub(crate) const NO_WORDS: &str = "no words: only punctuation, symbols or invisible characters";

/// Whether a text holds a letter or a digit: without one it has no words
/// to compare or keep.
pub(crate) fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The bytes of a text that is UTF-8 but for some invalid bytes (no UTF-16
/// byte-order mark, no NUL byte), after any UTF-8 byte-order mark: a JSON
/// Lines file whose valid lines are still worth reading one by one.
pub(super) fn broken_utf8(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let binary = body[..body.len().min(BINARY_PROBE)].contains(&0);
    (!binary && std::str::from_utf8(body).is_err()).then_some(body)
}

fn utf8(bytes: &[u8]) -> Result<String, Problem> {
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    if let Some(at) = probe.iter().position(|&b| b == 0) {
        return Err(Problem::Error(format!(
            "binary file (NUL byte at offset {at})"
        )));
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        Problem::Error(format!(
            "not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Problem> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Problem::Error(
            "not valid UTF-16 (odd number of bytes after the byte-order mark)".into(),
        ));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|e| Problem::Error(format!("not valid UTF-16 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_of_punctuation_or_invisible_characters_is_empty() {
        for text in ["...!!! --- ***", "\u{200b}\u{200b}\u{feff}"] {
            assert!(
                matches!(decode(text.as_bytes()), Err(Problem::Empty(_))),
                "{text:?}"
            );
        }
        assert!(decode(b"x.").is_ok());
    }

    fn status(bytes: &[u8]) -> Result<String, &'static str> {
        decode(bytes).map_err(|p| p.status().as_str())
    }

    #[test]
    fn decodes_and_rejects() {
        assert_eq!(status(b"hello"), Ok("hello".into()));
        assert_eq!(status(b"\xEF\xBB\xBFhello"), Ok("hello".into()));
        assert_eq!(status(b"\xFF\xFEh\0i\0"), Ok("hi".into()));
        assert_eq!(status(b"\xFE\xFF\0h\0i"), Ok("hi".into()));
        assert_eq!(status(b""), Err("empty"));
        assert_eq!(status(b" \n\t\r\n"), Err("empty"));
        assert_eq!(status(b"PK\x03\x04\0\0"), Err("error"));
        assert_eq!(status(b"caf\xE9"), Err("error"));
        assert_eq!(status(b"\xFF\xFEh"), Err("error"));
    }

    #[test]
    fn reasons_say_where() {
        let err = decode(b"abc\xE9").unwrap_err();
        assert_eq!(err.reason(), "not valid UTF-8 (invalid byte at offset 3)");
        let err = decode(b"ab\0").unwrap_err();
        assert_eq!(err.reason(), "binary file (NUL byte at offset 2)");
    }
}
