//! Site furniture, paywall notices and truncation markers.
//!
//! A paragraph is classified by its folded key against the marker phrases
//! (see [`super::markers`]) and a few shapes (site names, reading times,
//! breadcrumbs), and only when it is short: furniture is a line, never
//! prose, so a story that quotes "subscribers only" in a sentence keeps
//! that sentence.

use super::markers::{MarkerKind, Markers, marker_key};
use serde::{Deserialize, Serialize};

/// What a paragraph is, besides article text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Article text.
    Content,
    /// Site furniture, dropped from the canonical text.
    Furniture(Furniture),
    /// A paywall notice ("You have 63.88% of this article left to read").
    Paywall,
    /// A truncation marker ("To be continued.").
    Truncation,
}

/// The kinds of site furniture newsmerge recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Furniture {
    /// A bare site name or domain, like `en.kremlin.ru`.
    SiteName,
    /// A reading-time line, like `44-56 minutes` or `5 min read`.
    ReadingTime,
    /// A "See also" / "Read also" / "Related" widget.
    Widget,
    /// A comment box: "Leave a Comment", spam-filter notices.
    Comments,
    /// A publication footer: status, sections, standards, copyright.
    Footer,
    /// A breadcrumb trail: `Home » News » ...`.
    Breadcrumb,
    /// A line with no words at all: rules, bullets, ornaments.
    Decoration,
    /// A site name after the headline: `Headline • Site`.
    TitleSuffix,
    /// A line its source prints on many different articles (learned from
    /// the corpus, see [`super::recurring`]).
    Recurring,
    /// Text the copies outvoted when they were reconciled: a line only a
    /// minority carries, like an advertisement one site inserted, or a
    /// page dump's menus and footers that the other copies lack.
    Inserted,
    /// A sentence the copy prints again, word for word, after the canonical
    /// text already has it (a pull quote, an article printed twice).
    Repeated,
}

/// Most words a furniture line, notice or marker may have.
const MAX_LINE_WORDS: usize = 40;

/// Classifies one paragraph from its text and folded key, with `markers`
/// for the phrases.
pub fn classify(text: &str, key: &str, markers: &Markers) -> Kind {
    // A folded key has one space between words: counting them is counting
    // spaces.
    let words = super::word_count_at_most(key, MAX_LINE_WORDS + 1);
    if words == 0 {
        return if is_ellipsis(text) {
            Kind::Truncation
        } else {
            Kind::Furniture(Furniture::Decoration)
        };
    }
    if words > MAX_LINE_WORDS {
        return Kind::Content;
    }
    let found = markers.find(&marker_key(key));
    let whole = |kind| {
        found
            .iter()
            .any(|f| f.kind == kind && f.at_start && f.at_end)
    };
    let leading = |kind| found.iter().any(|f| f.kind == kind && f.at_start);
    if whole(MarkerKind::Truncation) {
        return Kind::Truncation;
    }
    if let Some(f) = furniture(text, key, words, &leading) {
        return Kind::Furniture(f);
    }
    let any_paywall = found.iter().any(|f| f.kind == MarkerKind::Paywall);
    if any_paywall && is_paywall_notice(text, key, markers) {
        return Kind::Paywall;
    }
    Kind::Content
}

fn furniture(
    text: &str,
    key: &str,
    words: usize,
    leading: &dyn Fn(MarkerKind) -> bool,
) -> Option<Furniture> {
    if is_site_name(text) {
        Some(Furniture::SiteName)
    } else if is_reading_time(key) {
        Some(Furniture::ReadingTime)
    } else if is_breadcrumb(text) {
        Some(Furniture::Breadcrumb)
    } else if leading(MarkerKind::Widget) && words <= 25 && !text.trim_end().ends_with('.') {
        Some(Furniture::Widget)
    } else if leading(MarkerKind::Comments) || is_comment_count(key) {
        Some(Furniture::Comments)
    } else if leading(MarkerKind::Footer) || text.starts_with('©') {
        Some(Furniture::Footer)
    } else {
        None
    }
}

/// A short paragraph one of whose sentences starts or ends with a paywall
/// phrase, and that quotes nothing: prose that mentions "subscribers only"
/// in passing, or quotes a notice, is not a notice.
fn is_paywall_notice(text: &str, key: &str, markers: &Markers) -> bool {
    if text.contains(['"', '“', '”', '«', '»', '„']) {
        return false;
    }
    let is_notice = |k: &str| {
        markers
            .find(k)
            .iter()
            .any(|f| f.kind == MarkerKind::Paywall && (f.at_start || f.at_end))
    };
    let sentences = super::segment::sentences(text);
    if sentences.len() <= 1 {
        return is_notice(&marker_key(key));
    }
    sentences
        .iter()
        .any(|s| is_notice(&marker_key(&super::text::fold_key(s))))
}

/// Splits a site name off a headline: `Headline • Site` or `Headline | Site`,
/// where the site part has at most four words. Returns the headline and the
/// dropped suffix.
pub fn split_title_suffix(text: &str) -> Option<(&str, &str)> {
    if super::segment::ends_sentence(text) {
        return None;
    }
    let (head, suffix) = [" • ", " | ", " · "]
        .iter()
        .filter_map(|sep| text.rsplit_once(sep))
        .max_by_key(|(head, _)| head.len())?;
    let suffix_words = suffix.split_whitespace().count();
    let head_words = head.split_whitespace().count();
    (suffix_words <= 4 && head_words >= 3).then_some((head.trim(), suffix.trim()))
}

fn is_ellipsis(text: &str) -> bool {
    matches!(text.trim(), "…" | "..." | "[…]" | "[...]" | "(…)" | "(...)")
}

/// A single token with a dot and a letter-only top-level domain.
fn is_site_name(text: &str) -> bool {
    let t = text.trim().trim_end_matches('/');
    // Most lines have no `:`, found faster than a `://`.
    let t = match memchr::memchr(b':', t.as_bytes()) {
        Some(_) => t.split_once("://").map_or(t, |(_, rest)| rest),
        None => t,
    };
    if t.is_empty() || t.contains(char::is_whitespace) {
        return false;
    }
    let Some((name, tld)) = t.rsplit_once('.') else {
        return false;
    };
    !name.is_empty()
        && (2..=24).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// `44 56 minutes`, `5 min read`, `reading time 4 minutes`, `3 minutes`.
fn is_reading_time(key: &str) -> bool {
    let rest = key
        .strip_prefix("reading time ")
        .or_else(|| key.strip_prefix("read time "))
        .unwrap_or(key);
    let mut words = rest.split(' ').peekable();
    let mut numbers = 0;
    while words
        .next_if(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        .is_some()
    {
        numbers += 1;
    }
    let unit = words
        .next()
        .is_some_and(|w| matches!(w, "min" | "mins" | "minute" | "minutes"));
    let after = (words.next(), words.next(), words.next());
    let tail = matches!(
        after,
        (None, None, None)
            | (Some("read" | "reading"), None, None)
            | (Some("de"), Some("lecture"), None)
    );
    (1..=2).contains(&numbers) && unit && tail
}

/// `Home » News » Title`: two or more separators, a short first crumb.
fn is_breadcrumb(text: &str) -> bool {
    // `»` ends in the byte 0xBB and `›` in 0xBA: a text with neither byte,
    // nor `>` or `/`, holds no separator (found without decoding).
    let bytes = text.as_bytes();
    if memchr::memchr3(b'>', b'/', 0xBB, bytes).is_none() && memchr::memchr(0xBA, bytes).is_none() {
        return false;
    }
    ["»", "›", " > ", " / "].iter().any(|sep| {
        let mut crumbs = text.split(sep);
        let (first, second) = (crumbs.next(), crumbs.next());
        crumbs.next().is_some()
            && first.is_some_and(|c| c.split_whitespace().count() <= 3)
            && second.is_some_and(|c| c.split_whitespace().count() <= 4)
    })
}

/// `12 comments`, `1 comment`.
fn is_comment_count(key: &str) -> bool {
    matches!(key.split_once(' '), Some((n, "comment" | "comments")) if n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::super::text::fold_key;
    use super::*;

    fn kind(text: &str) -> Kind {
        classify(text, &fold_key(text), &Markers::builtin())
    }

    #[test]
    fn furniture_lines() {
        use Furniture::*;
        let cases = [
            ("en.kremlin.ru", SiteName),
            ("https://www.lemonde.fr/", SiteName),
            ("dailyplanet.example", SiteName),
            ("44-56 minutes", ReadingTime),
            ("5 min read", ReadingTime),
            ("3 min de lecture", ReadingTime),
            ("Read time: 12 mins", ReadingTime),
            ("Reading time: 4 minutes", ReadingTime),
            ("See also", Widget),
            (
                "Read also Crisis in Ukraine: the United States seizes the Council",
                Widget,
            ),
            (
                "Read also Article reserved for our subscribers Despite his setbacks",
                Widget,
            ),
            ("Leave a Comment", Comments),
            (
                "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
                Comments,
            ),
            ("12 comments", Comments),
            ("Publication status", Footer),
            (
                "Published in sections: News, Transcripts Publication date: February 8",
                Footer,
            ),
            ("Our standards: Thomson Reuters Trust Principles.", Footer),
            ("© 2022 Example Media", Footer),
            (
                "Home » today » News » Faced with Macron, Putin regrets the rejection",
                Breadcrumb,
            ),
            ("World › Europe › France", Breadcrumb),
            ("Home > Sport > Tennis", Breadcrumb),
            ("Section / Politics / Elections", Breadcrumb),
            ("Visit https://example.com", SiteName),
            ("* * *", Decoration),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), Kind::Furniture(want), "{text}");
        }
    }

    #[test]
    fn notices_and_markers() {
        let cases = [
            (
                "You have 63.88% of this article left to read. The following is for subscribers only.",
                Kind::Paywall,
            ),
            (
                "Il vous reste 69.06% de cet article à lire. La suite est réservée aux abonnés.",
                Kind::Paywall,
            ),
            ("Suscríbete para seguir leyendo", Kind::Paywall),
            (
                "Wählen Sie Ihren Zugang und lesen Sie weiter",
                Kind::Paywall,
            ),
            (
                "Continua a leggere: articolo riservato agli abbonati",
                Kind::Paywall,
            ),
            ("Article reserved for our subscribers", Kind::Paywall),
            ("Conteúdo exclusivo para assinantes.", Kind::Paywall),
            ("Доступно только подписчикам.", Kind::Paywall),
            ("You have 12% of this article left to read.", Kind::Paywall),
            ("To be continued.", Kind::Truncation),
            ("Fortsetzung folgt", Kind::Truncation),
            ("Продолжение следует...", Kind::Truncation),
            ("…", Kind::Truncation),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text}");
        }
    }

    #[test]
    fn prose_stays_content() {
        let cases = [
            "Lower the tension",
            "Reporting by Geert De Clercq, editing by William Maclean",
            "Thank you.",
            "It was 5 minutes past noon.",
            "5 minutes later",
            "1 2 3 minutes",
            "Reading time",
            "Home / News",
            "Related parties met on Friday to discuss the terms of the deal and agreed.",
            "The paper said its new articles are for subscribers only, and readers were angry \
             about the change, which many of them saw as a betrayal of the paper's old promise \
             to keep its reporting open to everyone who wanted to read it, subscriber or not.",
            "Critics mocked the new \"for subscribers only\" label.",
            "The sign on the door said \"for subscribers only\".",
            "A paywall now keeps some stories for subscribers only in the middle of the page.",
        ];
        for text in cases {
            assert_eq!(kind(text), Kind::Content, "{text}");
        }
    }

    #[test]
    fn title_suffixes() {
        assert_eq!(
            split_title_suffix(
                "News conference following Russian-French talks • President of Russia"
            ),
            Some((
                "News conference following Russian-French talks",
                "President of Russia"
            ))
        );
        assert_eq!(split_title_suffix("Live | Ukraine"), None);
        assert_eq!(
            split_title_suffix("A long headline | with a long tail of many words here"),
            None
        );
    }
}
