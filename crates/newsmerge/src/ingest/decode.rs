//! Bytes to text: byte-order marks, UTF-16, binary detection, and text in
//! a legacy encoding (Windows-1252, Latin-1, Shift JIS, ...) guessed with
//! `chardetng` and decoded with `encoding_rs`.

use super::Problem;

/// How far into a file a NUL byte marks it as binary.
const BINARY_PROBE: usize = 8192;

/// A file's text, and the legacy encoding it was decoded from when it was
/// not Unicode.
pub(super) type Decoded = (String, Option<&'static str>);

/// Decodes a file's bytes to text, or says why it cannot be used. Bytes
/// that are not UTF-8 are decoded from the legacy encoding they suggest
/// when `legacy` is set (plain text; JSON is UTF-8 by its definition).
pub(super) fn decode(bytes: &[u8], legacy: bool) -> Result<Decoded, Problem> {
    if bytes.is_empty() {
        return Err(Problem::Empty("file is empty".into()));
    }
    let (text, encoding) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (utf16(rest, u16::from_le_bytes)?, None),
        [0xFE, 0xFF, rest @ ..] => (utf16(rest, u16::from_be_bytes)?, None),
        [0xEF, 0xBB, 0xBF, rest @ ..] => (utf8(rest)?, None),
        _ => match utf8(bytes) {
            Ok(text) => (text, None),
            Err(p) if !legacy || binary_at(bytes).is_some() => return Err(p),
            Err(p) => from_legacy(bytes).ok_or(p)?,
        },
    };
    if text.trim().is_empty() {
        return Err(Problem::Empty("file holds only whitespace".into()));
    }
    if !has_words(&text) {
        return Err(Problem::Empty(NO_WORDS.into()));
    }
    Ok((text, encoding))
}

/// Text that is not UTF-8, decoded from the legacy encoding its bytes
/// suggest; `None` when that decoding fails too.
fn from_legacy(bytes: &[u8]) -> Option<Decoded> {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, false);
    let (text, _, had_errors) = encoding.decode(bytes);
    (!had_errors).then(|| (text.into_owned(), Some(encoding.name())))
}

/// Where a NUL byte near the start marks bytes as binary.
fn binary_at(bytes: &[u8]) -> Option<usize> {
    bytes[..bytes.len().min(BINARY_PROBE)]
        .iter()
        .position(|&b| b == 0)
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
    if let Some(at) = binary_at(bytes) {
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

/// How far into a page its `<meta charset>` is looked for, as browsers do.
const CHARSET_PROBE: usize = 1024;

/// Decodes an HTML page's bytes: a byte-order mark wins, then the charset
/// the transport declared (`declared`, from an HTTP `Content-Type`), then
/// the page's own `<meta charset>`, then UTF-8 when the bytes are UTF-8,
/// then the guess of `chardetng`. Bytes the encoding cannot map become
/// U+FFFD, as in a browser: a page is not refused for one bad byte. The
/// encoding is noted when it is not UTF-8.
pub(super) fn decode_html(bytes: &[u8], declared: Option<&str>) -> Result<Decoded, Problem> {
    use encoding_rs::{Encoding, UTF_8};
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::Empty("page is empty".into()));
    }
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => {
            let named = declared
                .or_else(|| meta_charset(bytes))
                .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
                .map(|e| e.output_encoding());
            let encoding = named.unwrap_or_else(|| match std::str::from_utf8(bytes) {
                Ok(_) => UTF_8,
                Err(_) => {
                    let mut detector = chardetng::EncodingDetector::new();
                    detector.feed(bytes, true);
                    detector.guess(None, true)
                }
            });
            (encoding, bytes)
        }
    };
    let (text, _) = encoding.decode_without_bom_handling(body);
    let name =
        (encoding != UTF_8 && !encoding.name().starts_with("UTF-16")).then(|| encoding.name());
    Ok((text.into_owned(), name))
}

/// The charset a page declares in its first [`CHARSET_PROBE`] bytes
/// (`<meta charset="...">` or `content="text/html; charset=..."`).
fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(CHARSET_PROBE)];
    charset_param(std::str::from_utf8(head).unwrap_or_else(|e| {
        // Cut at the first byte that is not UTF-8: labels are ASCII.
        std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
    }))
}

/// The value of the first `charset=` in a text, without quotes, as an
/// HTTP `Content-Type` header or a `<meta>` tag writes it.
pub(super) fn charset_param(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("charset")? + "charset".len();
    let rest = text[at..].trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.:".contains(c)))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_of_punctuation_or_invisible_characters_is_empty() {
        for text in ["...!!! --- ***", "\u{200b}\u{200b}\u{feff}"] {
            assert!(
                matches!(decode(text.as_bytes(), true), Err(Problem::Empty(_))),
                "{text:?}"
            );
        }
        assert!(decode(b"x.", true).is_ok());
    }

    fn status(bytes: &[u8]) -> Result<String, &'static str> {
        decode(bytes, true)
            .map(|d| d.0)
            .map_err(|p| p.status().as_str())
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
        assert_eq!(status(b"caf\xE9 au lait"), Ok("café au lait".into()));
        assert_eq!(status(b"\xFF\xFEh"), Err("error"));
    }

    #[test]
    fn legacy_text_is_decoded_and_its_encoding_noted() {
        let latin = b"Le caf\xE9 de la gare a rouvert ses portes \xE0 No\xEBl, \xE9crit le maire.";
        let (text, encoding) = decode(latin, true).unwrap();
        assert!(decode(latin, false).is_err(), "JSON is UTF-8");
        assert_eq!(
            text,
            "Le café de la gare a rouvert ses portes à Noël, écrit le maire."
        );
        assert_eq!(encoding, Some("windows-1252"));
        assert_eq!(decode(b"plain ascii", true).unwrap().1, None);
    }

    #[test]
    fn reasons_say_where() {
        let err = decode(b"ab\0", true).unwrap_err();
        assert_eq!(err.reason(), "binary file (NUL byte at offset 2)");
    }

    #[test]
    fn pages_are_decoded_by_their_declared_charset() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><p>caf\xE9</p>";
        let (text, encoding) = decode_html(page, None).unwrap();
        assert!(text.contains("café"));
        assert_eq!(encoding, Some("windows-1252"));
        let http = b"<p>caf\xE9</p>";
        let (text, _) = decode_html(http, Some("ISO-8859-1")).unwrap();
        assert!(text.contains("café"), "latin-1 maps to windows-1252");
        let utf8 =
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><p>café</p>";
        assert_eq!(decode_html(utf8.as_bytes(), None).unwrap().1, None);
        assert_eq!(
            charset_param("text/html; charset='Shift_JIS'"),
            Some("Shift_JIS")
        );
        assert_eq!(charset_param("text/html"), None);
    }
}
