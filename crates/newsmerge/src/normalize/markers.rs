//! Marker phrases as data: paywall notices, truncation markers, widget,
//! comment-box and footer lines.
//!
//! The built-in list is `markers/markers.txt` in the project, compiled in;
//! users add their own with a file of the same format (see that file for
//! the format and for where each kind of phrase must sit to count).
//! Phrases and paragraphs are compared on their *marker keys*: the folded
//! key (see [`super::text::fold_key`]) with every run of number words
//! turned into `#`, so "You have 63.88% of this article left to read"
//! matches whatever percentage a page shows. All phrases are searched at
//! once with one Aho-Corasick automaton.

use super::text::{fold_key, spaced_once};
use crate::error::Error;
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// The built-in marker file.
pub const BUILTIN: &str = include_str!("../../markers/markers.txt");

/// What a marker phrase marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    /// A paywall notice.
    Paywall,
    /// A closing truncation marker.
    Truncation,
    /// A "See also" / "Related" widget line.
    Widget,
    /// A comment box.
    Comments,
    /// A publication footer or share bar.
    Footer,
}

impl MarkerKind {
    fn from_section(name: &str) -> Option<MarkerKind> {
        match name {
            "paywall" => Some(MarkerKind::Paywall),
            "truncation" => Some(MarkerKind::Truncation),
            "widget" => Some(MarkerKind::Widget),
            "comments" => Some(MarkerKind::Comments),
            "footer" => Some(MarkerKind::Footer),
            _ => None,
        }
    }
}

pub use crate::error::MarkerError;

/// Where a phrase was found in a marker key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// The kind of the phrase.
    pub kind: MarkerKind,
    /// The phrase starts the key.
    pub at_start: bool,
    /// The phrase ends the key.
    pub at_end: bool,
}

/// A compiled set of marker phrases. Cheap to clone.
#[derive(Clone)]
pub struct Markers {
    inner: Arc<Compiled>,
}

struct Compiled {
    /// Marker keys and kinds, in file order, built-in first.
    phrases: Vec<(MarkerKind, String)>,
    automaton: AhoCorasick,
}

impl Markers {
    /// The built-in phrases.
    pub fn builtin() -> Markers {
        static BUILTIN_MARKERS: LazyLock<Markers> =
            LazyLock::new(|| Markers::parse(BUILTIN).expect("the built-in marker file parses"));
        BUILTIN_MARKERS.clone()
    }

    /// The built-in phrases and those of the marker file at `path`.
    pub fn load(path: &Path) -> crate::Result<Markers> {
        Markers::from_file_text(path, &Markers::read_file(path)?)
    }

    /// The text of the marker file at `path`, for a worker that has no
    /// access to it ([`Markers::from_file_text`]).
    pub fn read_file(path: &Path) -> crate::Result<String> {
        std::fs::read_to_string(path).map_err(|source| Error::MarkersUnreadable {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The built-in phrases and those of `text`, the marker file at `path`.
    pub fn from_file_text(path: &Path, text: &str) -> crate::Result<Markers> {
        Markers::builtin()
            .extended(text)
            .map_err(|source| Error::MarkersInvalid {
                path: path.to_path_buf(),
                source,
            })
    }

    /// Phrases from the text of a marker file.
    pub fn parse(text: &str) -> Result<Markers, MarkerError> {
        Markers::compile(parse_phrases(text)?)
    }

    /// These phrases and those of another marker file's text.
    pub fn extended(&self, text: &str) -> Result<Markers, MarkerError> {
        let mut phrases = self.inner.phrases.clone();
        phrases.extend(parse_phrases(text)?);
        Markers::compile(phrases)
    }

    fn compile(mut phrases: Vec<(MarkerKind, String)>) -> Result<Markers, MarkerError> {
        let mut seen = std::collections::HashSet::new();
        phrases.retain(|p| seen.insert(p.clone()));
        // A DFA: a few hundred phrases make a small one, and it is the
        // fastest search for the short keys it runs on.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(phrases.iter().map(|(_, k)| k.as_str()))
            .map_err(|e| MarkerError {
                line: 0,
                reason: e.to_string(),
            })?;
        Ok(Markers {
            inner: Arc::new(Compiled { phrases, automaton }),
        })
    }

    /// How many phrases there are.
    pub fn len(&self) -> usize {
        self.inner.phrases.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inner.phrases.is_empty()
    }

    /// Every phrase found in `marker_key` on word boundaries.
    pub fn find(&self, marker_key: &str) -> Vec<Found> {
        let bytes = marker_key.as_bytes();
        self.inner
            .automaton
            .find_overlapping_iter(marker_key)
            .filter(|m| {
                let before = m.start() == 0 || bytes[m.start() - 1] == b' ';
                let after = m.end() == bytes.len() || bytes[m.end()] == b' ';
                before && after
            })
            .map(|m| Found {
                kind: self.inner.phrases[m.pattern().as_usize()].0,
                at_start: m.start() == 0,
                at_end: m.end() == bytes.len(),
            })
            .collect()
    }
}

impl Default for Markers {
    fn default() -> Markers {
        Markers::builtin()
    }
}

impl PartialEq for Markers {
    fn eq(&self, other: &Markers) -> bool {
        self.inner.phrases == other.inner.phrases
    }
}

impl fmt::Debug for Markers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Markers({} phrases)", self.len())
    }
}

/// The marker key of a folded key: runs of number words become one `#`.
/// A key without digits or `#` whose words are split by single spaces is
/// its own marker key, and is borrowed.
pub fn marker_key(key: &str) -> Cow<'_, str> {
    let bytes = key.as_bytes();
    let numberless = !bytes.iter().any(|&b| b.is_ascii_digit() || b == b'#');
    if numberless && spaced_once(bytes) {
        return Cow::Borrowed(key);
    }
    Cow::Owned(numbers_marked(key))
}

/// [`marker_key`] word by word.
fn numbers_marked(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut last_number = false;
    for word in key.split_ascii_whitespace() {
        let number = word == "#" || word.chars().all(|c| c.is_ascii_digit());
        if number && last_number {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(if number { "#" } else { word });
        last_number = number;
    }
    out
}

/// The marker key of a phrase as written in a file: a lone `#` is kept as
/// the number wildcard, the rest is folded.
fn phrase_key(phrase: &str) -> String {
    let folded: Vec<String> = phrase
        .split_whitespace()
        .map(|w| if w == "#" { w.to_string() } else { fold_key(w) })
        .filter(|w| !w.is_empty())
        .collect();
    marker_key(&folded.join(" ")).into_owned()
}

fn parse_phrases(text: &str) -> Result<Vec<(MarkerKind, String)>, MarkerError> {
    let mut kind = None;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let error = |reason: String| MarkerError {
            line: n + 1,
            reason,
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            kind = Some(MarkerKind::from_section(section.trim()).ok_or_else(|| {
                error(format!(
                    "unknown section [{section}]; expected paywall, truncation, widget, comments or footer"
                ))
            })?);
            continue;
        }
        let kind = kind.ok_or_else(|| error("a phrase before any [section]".to_string()))?;
        let key = phrase_key(line);
        if key.is_empty() || key == "#" {
            return Err(error(format!("{line:?} has no words")));
        }
        out.push((kind, key));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(markers: &Markers, text: &str) -> Vec<MarkerKind> {
        markers
            .find(&marker_key(&fold_key(text)))
            .iter()
            .map(|f| f.kind)
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn a_borrowed_marker_key_is_the_key_marked_word_by_word(key in "[ a-c1#\t\u{e9}]{0,16}") {
            proptest::prop_assert_eq!(marker_key(&key), numbers_marked(&key));
        }
    }

    #[test]
    fn numbers_match_any_number() {
        let m = Markers::builtin();
        let found = m.find(&marker_key(&fold_key(
            "You have 12.5% of this article left to read.",
        )));
        assert!(
            found
                .iter()
                .any(|f| f.kind == MarkerKind::Paywall && f.at_start && f.at_end)
        );
        assert_eq!(marker_key("page 3 of 12 00"), "page # of #");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let m = Markers::builtin();
        assert!(kinds(&m, "Readmore about it").is_empty());
        assert!(kinds(&m, "Continuation of the talks").is_empty());
        let found = kinds(&m, "To be continued.");
        assert!(found.iter().all(|&k| k == MarkerKind::Truncation) && !found.is_empty());
    }

    #[test]
    fn user_files_extend_the_builtin_list() {
        let m = Markers::builtin()
            .extended("# mine\n[paywall]\nPour les membres seulement\n")
            .unwrap();
        assert_eq!(m.len(), Markers::builtin().len() + 1);
        assert_eq!(
            kinds(&m, "Pour les membres seulement"),
            [MarkerKind::Paywall]
        );
    }

    #[test]
    fn bad_files_say_which_line() {
        let err = Markers::parse("[paywall]\nfine\n[nonsense]\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(Markers::parse("orphan\n").unwrap_err().line, 1);
        assert_eq!(Markers::parse("[footer]\n# \n...\n").unwrap_err().line, 3);
    }
}
