//! Paragraph segmentation.
//!
//! Scrapes mark paragraphs three ways: blank lines (most files), single
//! newlines (feeds and some extractors), and hard wraps where a newline
//! ends every line of a paragraph (OCR, e-mail, plain-text archives). A
//! block of lines between blank lines is read as hard-wrapped when its lines
//! are short and fill most of the width; then a line ends a paragraph only
//! when it stops well short of the width after a sentence end. Otherwise
//! each line of the block is a paragraph.
//!
//! Page breaks also split paragraphs mid-sentence, with a blank line in the
//! middle. [`rejoin_split`] tells such a cut from a real paragraph end.

use super::text::{chars_at, collapse_spaces};

/// The sentences of a paragraph: cut after `.`, `!`, `?` or `…` (and any
/// closing quotes or brackets) followed by a space. Abbreviations cut too;
/// callers only need sentence edges that are good enough to find notices.
pub fn sentences(text: &str) -> Vec<&str> {
    if text.is_ascii() {
        ascii_sentences(text)
    } else {
        char_sentences(text)
    }
}

/// [`sentences`] of ASCII text, found by jumping from stop to stop (the
/// full-width stops and `…` are not ASCII).
fn ascii_sentences(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut at) = (0, 0);
    while let Some(found) = memchr::memchr3(b'.', b'!', b'?', &bytes[at..]) {
        let mut end = at + found + 1;
        while bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'"' | b'\'' | b')' | b']' | b'.' | b'!' | b'?'))
        {
            end += 1;
        }
        if bytes.get(end) == Some(&b' ') {
            out.push(text[start..end].trim());
            start = end;
        }
        at = end;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// [`sentences`] of any text: decodes only the characters that may be a
/// stop (an ASCII stop, or one starting with the lead byte of `…` or of a
/// full-width stop) and those right after a stop.
fn char_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut taken) = (0, 0);
    let stop_leads = |b: u8| matches!(b, b'.' | b'!' | b'?' | 0xE2 | 0xE3 | 0xEF);
    for (i, c) in chars_at(text, stop_leads) {
        // Full-width stops end a sentence with no space after them.
        let full_width = matches!(c, '。' | '！' | '？');
        // Closers already taken with the stop before are not stops again.
        if i < taken || (!full_width && !matches!(c, '.' | '!' | '?' | '…')) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(q) = text[end..].chars().next().filter(|&q| is_closer(q)) {
            end += q.len_utf8();
        }
        if full_width || text.as_bytes().get(end) == Some(&b' ') {
            out.push(text[start..end].trim());
            start = end;
        }
        taken = end;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// What may close a sentence after its stop: quotes, brackets, more stops.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '.' | '!' | '?' | '」' | '』' | '）'
    )
}

/// Lines wider than this are never hard wraps.
const MAX_WRAP_WIDTH: usize = 120;

/// Splits cleaned text into paragraphs, whitespace collapsed, none empty.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blocks.push(Vec::new());
        } else if let Some(block) = blocks.last_mut() {
            block.push(line);
        }
    }
    blocks.retain(|b| !b.is_empty());
    // The width a hard-wrapped document wraps at, from its clearly wrapped
    // blocks: it tells the wrapped two-line blocks (a headline that spilled
    // one word) from a headline and a paragraph on single lines.
    let wrap_width = blocks
        .iter()
        .filter(|b| is_hard_wrapped(b))
        .map(|b| width_of(b))
        .max();
    let mut out = Vec::new();
    for block in &blocks {
        let wrapped = is_hard_wrapped(block)
            || wrap_width.is_some_and(|w| block.len() == 2 && spills(block[0], block[1], w));
        split_block(block, wrapped, &mut out);
    }
    out
}

fn width_of(lines: &[&str]) -> usize {
    lines.iter().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// Whether `line` was wrapped before `next` at `width`: the next line's
/// first word would not have fitted after it.
fn spills(line: &str, next: &str, width: usize) -> bool {
    let len = line.chars().count();
    let first = next
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count());
    len <= width && len * 10 >= width * 6 && len + 1 + first > width && !ends_sentence(line)
}

fn split_block(lines: &[&str], wrapped: bool, out: &mut Vec<String>) {
    if !wrapped {
        out.extend(
            lines
                .iter()
                .map(|l| collapse_spaces(l))
                .filter(|p| !p.is_empty()),
        );
        return;
    }
    let width = width_of(lines);
    let mut current = String::new();
    for (i, line) in lines.iter().enumerate() {
        join_wrapped(&mut current, line.trim());
        let last = i + 1 == lines.len();
        if last || ends_paragraph(line, width) {
            out.push(collapse_spaces(&current));
            current.clear();
        }
    }
}

/// A block is hard-wrapped when it has at least three lines, none wider
/// than [`MAX_WRAP_WIDTH`], and at least half fill 60% of the widest.
fn is_hard_wrapped(lines: &[&str]) -> bool {
    if lines.len() < 3 {
        return false;
    }
    let lens: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let width = lens.iter().copied().max().unwrap_or(0);
    let full = lens.iter().filter(|&&n| n * 10 >= width * 6).count();
    width <= MAX_WRAP_WIDTH && full * 2 >= lines.len()
}

/// In a hard-wrapped block, a line ends its paragraph when it stops short
/// of the width after a sentence end.
fn ends_paragraph(line: &str, width: usize) -> bool {
    let len = line.chars().count();
    len * 4 < width * 3 && ends_sentence(line)
}

/// Appends a wrapped line; a word hyphenated across the break stays joined.
fn join_wrapped(current: &mut String, line: &str) {
    let hyphenated = current.ends_with('-')
        && !current.ends_with(" -")
        && line.starts_with(|c: char| c.is_lowercase());
    if !current.is_empty() && !hyphenated {
        current.push(' ');
    }
    current.push_str(line);
}

/// Whether text ends like a finished sentence (closing quotes and brackets
/// after the stop are allowed).
pub fn ends_sentence(text: &str) -> bool {
    let trimmed = text
        .trim_end()
        .trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*', '」', '』', '）']);
    trimmed.ends_with(['.', '!', '?', '…', ':', ';', '。', '！', '？', '：', '；'])
}

/// Whether paragraph `next` continues `prev`, which a page break cut off
/// mid-sentence: `prev` ends on a word or a comma, and either `next` starts
/// in lowercase, or `prev` ends on a word after at least one full sentence
/// of ten or more words (a heading or a title has no sentence inside).
pub fn rejoin_split(prev: &str, next: &str) -> bool {
    let Some(last) = prev.chars().next_back() else {
        return false;
    };
    let Some(first) = next.chars().next() else {
        return false;
    };
    let open_end = last.is_alphanumeric() || last == ',';
    if !open_end {
        return false;
    }
    if first.is_lowercase() {
        return true;
    }
    let words = prev.split_whitespace().count();
    let has_sentence = sentences(prev).len() >= 2;
    last.is_alphanumeric() && (first.is_alphanumeric()) && words >= 10 && has_sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences found character by character: what the paths that jump
    /// from stop to stop are checked against.
    fn sentences_by_chars(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            // Full-width stops end a sentence with no space after them.
            let full_width = matches!(c, '。' | '！' | '？');
            if !full_width && !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            let mut end = i + c.len_utf8();
            while let Some(&(j, q)) = chars.peek() {
                if !matches!(
                    q,
                    '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '.' | '!' | '?' | '」' | '』' | '）'
                ) {
                    break;
                }
                end = j + q.len_utf8();
                chars.next();
            }
            if full_width || chars.peek().is_some_and(|&(_, n)| n == ' ') {
                out.push(text[start..end].trim());
                start = end;
            }
        }
        let rest = text[start..].trim();
        if !rest.is_empty() {
            out.push(rest);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn ascii_sentences_are_cut_as_any_text_is(text in "[ a.!?\"')\\]]{0,40}") {
            proptest::prop_assert_eq!(ascii_sentences(&text), sentences_by_chars(&text));
        }

        #[test]
        fn sentences_are_cut_as_character_by_character(
            text in "[ a.!?\"')\\]\u{2026}\u{3002}\u{ff01}\u{ff1f}\u{201d}\u{2019}\u{300d}\u{ff09}\u{2014}\u{e9}\u{ff0c}]{0,40}",
        ) {
            proptest::prop_assert_eq!(char_sentences(&text), sentences_by_chars(&text));
        }
    }

    #[test]
    fn a_two_line_block_that_spilled_in_a_wrapped_text_is_one_paragraph() {
        let text = "A pay freeze dispute involving Qantas and its maintenance\nworkers\n\n\
            A pay freeze dispute involving Qantas and its maintenance\n\
            workers will remain unresolved over the Christmas period. The\n\
            parties failed to reach agreement during talks in the Industrial\n\
            Relations Commission in Melbourne this morning.\n";
        let paras = paragraphs(text);
        assert_eq!(
            paras[0],
            "A pay freeze dispute involving Qantas and its maintenance workers"
        );
        assert_eq!(paras.len(), 2);
        // Without wrapped blocks around it, the same shape is two lines.
        assert_eq!(
            paragraphs("A pay freeze dispute involving Qantas and its maintenance\nworkers\n")
                .len(),
            2
        );
    }

    #[test]
    fn sentences_cut_after_closing_punctuation() {
        assert_eq!(
            sentences("You have 63.88% left. \"Go!\" he said. The end"),
            ["You have 63.88% left.", "\"Go!\"", "he said.", "The end"]
        );
        assert_eq!(sentences("One."), ["One."]);
    }

    #[test]
    fn blank_lines_and_single_newlines() {
        assert_eq!(paragraphs("a b\n\n\n c \n\nd"), ["a b", "c", "d"]);
        assert_eq!(
            paragraphs("First line.\nSecond line."),
            ["First line.", "Second line."]
        );
    }

    #[test]
    fn hard_wraps_are_joined_at_sentence_ends() {
        let text = "The quick brown fox jumps over the lazy dog and\n\
                    keeps running through the field until the end of\n\
                    the day, when it rests.\n\
                    Then a new paragraph starts here and it goes on a\n\
                    little longer than that with a hyphen-\n\
                    ated word.";
        assert_eq!(
            paragraphs(text),
            [
                "The quick brown fox jumps over the lazy dog and keeps running through \
                 the field until the end of the day, when it rests.",
                "Then a new paragraph starts here and it goes on a little longer than \
                 that with a hyphen-ated word.",
            ]
        );
    }

    #[test]
    fn page_break_splits_are_recognised() {
        let cases = [
            (
                "He said this once. And that he was ready to grant",
                "him asylum.",
                true,
            ),
            (
                "I said it before. It was in the 1949 North Atlantic treaty that the North",
                "Atlantic Treaty, the member states may",
                true,
            ),
            (
                "We have already met in Paris, and I know that, despite numerous",
                "problems",
                true,
            ),
            (
                "Faced with Macron, Putin regrets the rejection of his demands",
                "Two days",
                false,
            ),
            ("Lower the tension", "In support of these claims", false),
            (
                "Mr President, ladies and gentlemen,",
                "It is a pleasure",
                false,
            ),
            ("A finished sentence.", "and more", false),
        ];
        for (prev, next, want) in cases {
            assert_eq!(rejoin_split(prev, next), want, "{prev} | {next}");
        }
    }

    #[test]
    fn sentence_ends() {
        assert!(ends_sentence("He left.”"));
        assert!(ends_sentence("Why?"));
        assert!(!ends_sentence("and the North"));
    }
}
