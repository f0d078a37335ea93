//! Character-level cleaning and the folded match key.
//!
//! Two views of every paragraph are kept apart on purpose: the *text*, which
//! is what the user reads and is changed only where the change is lossless
//! to a reader (NFC, entities, line ends, markdown residue), and the *key*,
//! which is what is compared, folded hard so that quote styles, case,
//! punctuation and hyphenation never hide a match.

use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Cleans a document's raw text: line ends to `\n`, Unicode NFC, HTML
/// entities decoded, exotic spaces to plain ones, invisible characters and
/// control characters removed. Text that needs none of it is borrowed.
pub fn clean(raw: &str) -> Cow<'_, str> {
    if is_clean_ascii(raw) {
        return Cow::Borrowed(raw);
    }
    let unified: Cow<str> = if raw.contains('\r') {
        Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(raw)
    };
    let decoded = html_escape::decode_html_entities(&unified);
    let composed: Cow<str> = match is_nfc_quick(decoded.chars()) {
        IsNormalized::Yes => Cow::Borrowed(&decoded),
        _ => Cow::Owned(decoded.nfc().collect()),
    };
    if is_plain_ascii(composed.as_bytes()) || composed.chars().all(|c| clean_char(c) == Some(c)) {
        return Cow::Owned(composed.into_owned());
    }
    Cow::Owned(composed.chars().filter_map(clean_char).collect())
}

/// Whether [`clean`] leaves `text` as it is without looking further:
/// printable ASCII, newlines and tabs, and no `&` that could start an
/// entity.
pub(crate) fn is_clean_ascii(text: &str) -> bool {
    is_plain_ascii(text.as_bytes()) && !text.contains('&')
}

/// Whether text is printable ASCII, newlines and tabs only, which
/// cleaning leaves as it is but for entities. One pass without early
/// exit, which the compiler can vectorize.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |plain, &b| {
        plain & (matches!(b, b' '..=b'~') | (b == b'\n') | (b == b'\t'))
    })
}

/// What one character becomes in clean text: exotic spaces a plain space,
/// invisible and control characters nothing.
fn clean_char(c: char) -> Option<char> {
    match c {
        ' '..='~' | '\n' | '\t' => Some(c),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(' '),
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// Collapses every run of whitespace to one space and trims the ends.
pub fn collapse_spaces(text: &str) -> String {
    if is_collapsed(text) {
        return text.to_string();
    }
    words_single_spaced(text)
}

/// [`collapse_spaces`] of a string the caller gives up: returned as it
/// is when it is already collapsed, without a copy.
pub fn collapse_spaces_owned(text: String) -> String {
    if is_collapsed(&text) {
        return text;
    }
    words_single_spaced(&text)
}

/// The words of a text joined by single spaces.
fn words_single_spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether text already has single spaces between words and none at the
/// ends: what [`collapse_spaces`] leaves as it is.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    spaced_once(bytes) && (bytes.is_ascii() || !has_wide_spaces(text))
}

/// Whether the ASCII whitespace of a text is single spaces between words,
/// with none at the ends.
pub(crate) fn spaced_once(bytes: &[u8]) -> bool {
    let Some((&first, rest)) = bytes.split_first() else {
        return true;
    };
    // Two passes without early exits or slice windows, which the compiler
    // vectorizes: no two spaces in a row; no whitespace but spaces.
    let doubled = bytes
        .iter()
        .zip(rest)
        .fold(false, |bad, (&a, &b)| bad | ((a == b' ') & (b == b' ')));
    let other = bytes.iter().fold(false, |bad, &b| {
        bad | matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
    });
    !doubled && !other && first != b' ' && bytes.last() != Some(&b' ')
}

/// Whether a text has whitespace beyond ASCII (no-break, ideographic and
/// the other Unicode spaces). Each such character starts with one of four
/// lead bytes, so only the characters there are decoded.
fn has_wide_spaces(text: &str) -> bool {
    chars_at(text, |b| matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3)).any(|(_, c)| c.is_whitespace())
}

/// The characters of a text that start at a byte `starts` accepts, with
/// their offsets: a scan that decodes characters only there. `starts`
/// accepts only bytes a character can start with (ASCII, or a UTF-8 lead
/// byte).
pub(crate) fn chars_at<'a>(
    text: &'a str,
    starts: impl Fn(u8) -> bool + 'a,
) -> impl Iterator<Item = (usize, char)> + 'a {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let i = at + bytes[at..].iter().position(|&b| starts(b))?;
        let c = text[i..].chars().next()?;
        at = i + c.len_utf8();
        Some((i, c))
    })
}

/// The match key of a text: lowercase words separated by single spaces, with
/// punctuation dropped, and apostrophes and hyphens inside a word removed
/// (so `Russia’s`, `Russia's` and `russias` share a key, as do `de-escalation`
/// and `deescalation`).
pub fn fold_key(text: &str) -> String {
    // What `fold_key_into` reserves: allocated once, at the size it needs.
    let mut key = String::with_capacity(text.len() + 1);
    fold_key_into(text, &mut key);
    key
}

/// [`fold_key`] into a buffer that the caller reuses: `key` is cleared
/// first.
pub fn fold_key_into(text: &str, key: &mut String) {
    let mut out = std::mem::take(key).into_bytes();
    out.clear();
    // A key is no longer than its text, but for a character whose
    // lowercase is longer; the ASCII loop wants one byte more.
    out.reserve(text.len() + 1);
    let mut carry = Carry::default();
    if text.is_ascii() {
        fold_ascii(text.as_bytes(), &mut out, &mut carry);
    } else {
        fold_chars(text, &mut out, &mut carry);
    }
    *key = String::from_utf8(out).expect("a folded key is UTF-8");
}

/// What folding carries from one byte or character to the next: whether
/// the last one was kept (a letter or digit), and whether a gap (anything
/// but an apostrophe or hyphen joining two letters) came after the last
/// kept one.
#[derive(Clone, Copy, Default)]
struct Carry {
    kept: bool,
    gap: bool,
}

/// Whether `c` belongs to a script written without spaces between words
/// (Chinese and Japanese kanji and kana, Thai, Lao, Khmer, Burmese). Each
/// such character is a word of its own in a key, so shingles, alignment
/// and word counts work on these scripts as on spaced ones: two copies
/// that differ by one character differ by one word.
pub fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'      // Thai, Lao
        | '\u{1000}'..='\u{109F}'    // Myanmar
        | '\u{1780}'..='\u{17FF}'    // Khmer
        | '\u{3040}'..='\u{30FF}'    // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'    // Katakana extensions
        | '\u{3400}'..='\u{4DBF}'    // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'    // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'    // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9D}'    // Halfwidth katakana
        | '\u{20000}'..='\u{2FA1F}') // CJK extensions B and later
}

/// The words of a text as a key counts them, without building the key:
/// runs of letters and digits, each character of an unspaced script on
/// its own.
pub fn rough_word_count(text: &str) -> usize {
    if text.is_ascii() {
        return text.split_whitespace().count();
    }
    let (mut n, mut in_word) = (0, false);
    for c in text.chars() {
        if is_unspaced(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            n += usize::from(!in_word);
            in_word = true;
        } else if c.is_whitespace() {
            in_word = false;
        }
    }
    n
}

/// The day a date string starting `YYYY-MM-DD` names, as days since
/// 1970-01-01; `None` for anything else.
pub fn parse_day(date: &str) -> Option<i32> {
    let b = date.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok()?.parse::<i32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Folds any text: runs of ASCII through [`fold_ascii`], the other
/// characters one by one.
fn fold_chars(text: &str, out: &mut Vec<u8>, carry: &mut Carry) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii() {
            let run = rest
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len());
            fold_ascii(&rest.as_bytes()[..run], out, carry);
            rest = &rest[run..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        fold_char(c, rest.chars().next(), out, carry);
    }
}

/// Folds one character that is not ASCII, `next` the one after it.
fn fold_char(c: char, next: Option<char>, out: &mut Vec<u8>, carry: &mut Carry) {
    let mut buf = [0u8; 4];
    let begun = !out.is_empty();
    if is_unspaced(c) {
        if begun {
            out.push(b' ');
        }
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        *carry = Carry {
            kept: false,
            gap: true,
        };
    } else if c.is_alphanumeric() {
        if carry.gap && begun {
            out.push(b' ');
        }
        for lower in c.to_lowercase() {
            out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
        }
        *carry = Carry {
            kept: true,
            gap: false,
        };
    } else if !(is_joiner(c) && carry.kept && next.is_some_and(char::is_alphanumeric)) {
        *carry = Carry {
            kept: false,
            gap: true,
        };
    }
}

/// Folds ASCII text byte by byte onto the end of `out`: the same rules as
/// [`fold_char`], without decoding characters (most scraped text is
/// ASCII, and this is the hottest loop of normalizing). Each byte is
/// handled without a branch, since letters and gaps alternate every few
/// bytes: a byte is written at the end of the output, and the end moves
/// past it only when it is kept. A kept byte gets a space before it when
/// the output has begun and the byte before is a gap: neither kept nor a
/// joiner right after a kept byte. That needs only the byte before and
/// its own predecessor, so the one value carried from byte to byte that
/// the next step waits on is the output's end. Eight bytes of plain words
/// ([`PlainRun`]) are copied at once, lowercased, and the rest go byte by
/// byte, eight at a time.
fn fold_ascii(bytes: &[u8], out: &mut Vec<u8>, carry: &mut Carry) {
    let start = out.len();
    // Each byte yields at most one: a kept byte, or the space of the gap
    // right before a kept byte; a gap carried in may add one space before
    // the first. So at byte `i` the end is at most `start + i + 1`, and at
    // most `start + i` when the byte before was a gap: every write lands
    // inside. A plain run writes at most nine (a gap's space, eight
    // bytes) where eight bytes are left, the space only after a gap.
    out.resize(start + bytes.len() + 1, 0);
    let (mut end, mut begun) = (start, start > 0);
    let Carry {
        kept: mut prev_kept,
        gap: mut prev_gap,
    } = *carry;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes of plain words are their own fold, lowercased.
        if let Some(run) = bytes.get(i..i + 8).and_then(PlainRun::of) {
            out[end] = b' ';
            end += usize::from(begun & prev_gap);
            out[end..end + 8].copy_from_slice(&run.lowered);
            end += 8 - usize::from(run.ends_in_space);
            begun = true;
            prev_kept = !run.ends_in_space;
            prev_gap = run.ends_in_space;
            i += 8;
            continue;
        }
        let stop = bytes.len().min(i + 8);
        for &b in &bytes[i..stop] {
            let b = usize::from(b & 0x7F);
            let c = FOLDED[b];
            let kept = c != 0;
            out[end] = b' ';
            let at = end + usize::from(kept & begun & prev_gap);
            out[at] = c;
            end = at + usize::from(kept);
            begun |= kept;
            // A joiner right after a kept byte is no gap: if the next byte
            // is kept, the joiner joins; if not, that byte is the gap. A
            // joiner that ends a run is followed by a character that
            // `fold_char` treats the same way.
            prev_gap = !kept & !(JOINERS[b] & prev_kept);
            prev_kept = kept;
        }
        i = stop;
    }
    out.truncate(end);
    *carry = Carry {
        kept: prev_kept,
        gap: prev_gap,
    };
}

/// Eight bytes that fold to themselves but for case: letters, digits and
/// single spaces, the first a letter or digit. Such a run needs no
/// decision byte by byte: its spaces stand between kept bytes (or, the
/// last, before the next run's first), and a space before its first byte
/// is owed only to the gap carried in. Found with arithmetic on the eight
/// bytes as one word: most of a scraped text is such runs.
struct PlainRun {
    lowered: [u8; 8],
    ends_in_space: bool,
}

impl PlainRun {
    fn of(bytes: &[u8]) -> Option<PlainRun> {
        let x = u64::from_le_bytes(bytes.try_into().ok()?);
        let lower = bytes_between(x, b'a' - 1, b'z' + 1);
        let upper = bytes_between(x, b'A' - 1, b'Z' + 1);
        let digit = bytes_between(x, b'0' - 1, b'9' + 1);
        let space = bytes_between(x, b' ' - 1, b' ' + 1);
        let kept = lower | upper | digit;
        let plain = (kept | space) == HIGH_BITS && kept & 0x80 != 0 && space & (space << 8) == 0;
        // An upper-case letter's high-bit flag, shifted to 0x20, lowers it.
        plain.then(|| PlainRun {
            lowered: (x | (upper >> 2)).to_le_bytes(),
            ends_in_space: space >> 63 != 0,
        })
    }
}

/// The high bit of each byte of `x` that is ASCII and lies strictly
/// between `m` and `n` (`m < 128`, `n <= 128`), every other bit clear:
/// each byte's sums stay within the byte, so no byte disturbs another.
fn bytes_between(x: u64, m: u8, n: u8) -> u64 {
    let low = x & (BYTE_ONES * 0x7F);
    (BYTE_ONES * (127 + u64::from(n)) - low)
        & !x
        & (low + BYTE_ONES * (127 - u64::from(m)))
        & HIGH_BITS
}

/// One in each byte of a 64-bit word.
const BYTE_ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of a 64-bit word.
const HIGH_BITS: u64 = BYTE_ONES * 0x80;

/// The ASCII bytes that join two letters into one word in a key.
static JOINERS: [bool; 128] = {
    let mut table = [false; 128];
    table[b'\'' as usize] = true;
    table[b'`' as usize] = true;
    table[b'-' as usize] = true;
    table
};

/// Each ASCII byte as a key keeps it: letters lowercased, digits as
/// they are, anything else 0.
static FOLDED: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | 'ʼ' | '‘' | '`' | '-' | '‐' | '‑' | '\u{00AD}'
    )
}

/// Removes markdown residue that scrapers leave in plain text: links and
/// images keep their label, emphasis markers around words go, and a leading
/// heading marker goes.
pub fn strip_markdown(text: &str) -> Cow<'_, str> {
    let unmarked = text.trim_start_matches('#');
    let text = match unmarked.strip_prefix(' ') {
        Some(heading) if unmarked.len() < text.len() => heading,
        _ => text,
    };
    if memchr::memchr2(b'[', b'*', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let unlinked = strip_links(text);
    Cow::Owned(strip_emphasis(&unlinked))
}

/// `[label](target)` and `![label](target)` become `label`.
fn strip_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some((label, after)) = link_at(&rest[open..]) else {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        };
        let before = &rest[..open];
        out.push_str(before.strip_suffix('!').unwrap_or(before));
        out.push_str(label);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Parses `[label](target)` at the start of `s`: the label and what follows.
fn link_at(s: &str) -> Option<(&str, &str)> {
    let close = s.find(']')?;
    let label = &s[1..close];
    if label.contains('[') {
        return None;
    }
    let after = s[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let target = &after[..end];
    (!target.contains(char::is_whitespace)).then(|| (label, &after[end + 1..]))
}

/// Drops runs of `*` that open or close an emphasis: a word character on
/// one side, a space, punctuation or the end on the other.
fn strip_emphasis(text: &str) -> String {
    if !text.contains('*') {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '*' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|&c| c != '*')
            .map_or(chars.len(), |n| i + n);
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(end).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if word(before) == word(after) {
            out.extend(&chars[i..end]);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fold character by character, with no table and no run of
    /// ASCII taken at once: what the fast paths are checked against.
    fn fold_by_chars(text: &str) -> String {
        let mut key = String::new();
        let mut chars = text.chars().peekable();
        let mut prev_alnum = false;
        let mut pending_space = false;
        while let Some(c) = chars.next() {
            if is_unspaced(c) {
                if !key.is_empty() {
                    key.push(' ');
                }
                key.push(c);
                pending_space = true;
                prev_alnum = false;
                continue;
            }
            if c.is_alphanumeric() {
                if pending_space && !key.is_empty() {
                    key.push(' ');
                }
                pending_space = false;
                key.extend(c.to_lowercase());
                prev_alnum = true;
                continue;
            }
            let joins =
                is_joiner(c) && prev_alnum && chars.peek().is_some_and(|n| n.is_alphanumeric());
            if !joins {
                pending_space = true;
                prev_alnum = false;
            }
        }
        key
    }

    proptest! {
        #[test]
        fn the_fold_is_the_character_by_character_fold(
            text in "[ -~\t\n\u{2019}\u{2010}\u{e9}\u{c9}\u{4e2d}\u{2014}\u{201d}\u{ad}]{0,60}",
        ) {
            prop_assert_eq!(fold_key(&text), fold_by_chars(&text));
        }

        #[test]
        fn words_fold_as_character_by_character(
            text in "([A-Za-z0-9]{1,9}( |  |, |'|-|\\. |\u{e9})?){0,24}",
        ) {
            // Runs of plain words, which fold eight bytes at a time.
            prop_assert_eq!(fold_key(&text), fold_by_chars(&text));
        }

        #[test]
        fn collapsed_text_is_single_spaced_words(
            text in "[ ab\t\n\r\u{b}\u{e9}\u{a0}\u{85}\u{1680}\u{2009}\u{2019}\u{2028}\u{202f}\u{205f}\u{3000}\u{3001}]{0,12}",
        ) {
            let words: Vec<&str> = text.split_whitespace().collect();
            prop_assert_eq!(is_collapsed(&text), text == words.join(" "));
        }
    }

    #[test]
    fn bytes_between_flags_each_byte_on_its_own() {
        let ranges = [
            (b'a' - 1, b'z' + 1),
            (b'A' - 1, b'Z' + 1),
            (b' ' - 1, b' ' + 1),
        ];
        for (m, n) in ranges {
            for b in 0..=255u8 {
                for other in [0, b' ', b'z', 0x7F, 0x80, 0xFF] {
                    let mut bytes = [other; 8];
                    bytes[3] = b;
                    let flags = bytes_between(u64::from_le_bytes(bytes), m, n).to_le_bytes();
                    for (f, v) in flags.into_iter().zip(bytes) {
                        assert_eq!(
                            f,
                            if v.is_ascii() && m < v && v < n {
                                0x80
                            } else {
                                0
                            }
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keys_fold_case_quotes_and_hyphens() {
        let cases = [
            (
                "Russia’s “security proposals”",
                "russias security proposals",
            ),
            (
                "Russia's \"security proposals\"",
                "russias security proposals",
            ),
            ("de-escalation -- now!", "deescalation now"),
            ("  A, B;  c ", "a b c"),
            ("Mr. Putin: « non »", "mr putin non"),
            ("63.88%", "63 88"),
            ("...", ""),
        ];
        for (text, key) in cases {
            assert_eq!(fold_key(text), key, "{text}");
        }
    }

    #[test]
    fn clean_unifies_line_ends_entities_and_spaces() {
        assert_eq!(clean("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(
            clean("AT&amp;T&nbsp;x &#8220;y&#8221;"),
            "AT&T x \u{201c}y\u{201d}"
        );
        assert_eq!(clean("soft\u{00AD}hyphen\u{200B}"), "softhyphen");
        assert_eq!(clean("e\u{0301}"), "\u{00e9}");
    }

    #[test]
    fn markdown_residue_goes_and_labels_stay() {
        let cases = [
            (
                "President of France [Emmanuel Macron](#) (retranslated):",
                "President of France Emmanuel Macron (retranslated):",
            ),
            (
                "Question (*retranslated*): Hi",
                "Question (retranslated): Hi",
            ),
            ("**Bold** and ![pic](a.png) [x] (y)", "Bold and pic [x] (y)"),
            ("## Heading", "Heading"),
            ("#hashtag stays", "#hashtag stays"),
            ("2 * 3 and a*b", "2 * 3 and a*b"),
        ];
        for (text, want) in cases {
            assert_eq!(strip_markdown(text), want, "{text}");
        }
    }

    #[test]
    fn dates_are_days_since_the_epoch() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2026-03-31T08:00:00Z"), Some(20_543));
        assert_eq!(parse_day("2024-02-29"), Some(19_782));
        assert_eq!(parse_day("March 31"), None);
        assert_eq!(parse_day("2026-13-01"), None);
    }
}
