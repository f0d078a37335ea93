//! HTML pages: the article text and the page's metadata.
//!
//! The article is found by an [`Extractor`]. The one built in is
//! [`Readability`], Mozilla's Readability algorithm as the `dom_smoothie`
//! crate implements it, with its text laid out one paragraph per line.
//! `benches/README.md` compares it with the other Rust extractors on real
//! pages.

use super::decode::{decode_html, has_words};
use super::{Entry, Meta, Problem, host_of, problem_entry};

/// What an extractor finds in a page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The article text, one paragraph per line; empty when none was found.
    pub text: String,
    /// The article's title.
    pub title: Option<String>,
    /// The page's canonical address.
    pub url: Option<String>,
    /// The date the article was published.
    pub date: Option<String>,
    /// The site's name.
    pub site: Option<String>,
}

/// Finds the article in an HTML page.
pub trait Extractor: Sync {
    /// The article text and metadata of a page; `url` is the address the
    /// page was fetched from, when known.
    fn extract(&self, html: &str, url: Option<&str>) -> Page;
}

/// Readability (the `dom_smoothie` crate), text formatted one paragraph
/// per line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Readability;

impl Extractor for Readability {
    fn extract(&self, html: &str, url: Option<&str>) -> Page {
        let config = dom_smoothie::Config {
            text_mode: dom_smoothie::TextMode::Formatted,
            ..dom_smoothie::Config::default()
        };
        // A fetch address that is not absolute is only dropped: the page
        // is still read.
        let url = url.filter(|u| u.contains("://"));
        let reader = dom_smoothie::Readability::new(html, url, Some(config.clone()))
            .or_else(|_| dom_smoothie::Readability::new(html, None, Some(config)));
        let Ok(mut reader) = reader else {
            return Page::default();
        };
        let canonical = reader
            .doc
            .select(r#"link[rel="canonical"]"#)
            .attr("href")
            .map(|h| h.trim().to_string())
            .filter(|h| h.contains("://"));
        let Ok(article) = reader.parse() else {
            return Page {
                url: canonical,
                ..Page::default()
            };
        };
        Page {
            text: tidy(&article.text_content),
            title: nonempty(Some(article.title)),
            url: canonical.or(nonempty(article.url)),
            date: nonempty(article.published_time),
            site: nonempty(article.site_name),
        }
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The extracted text with each line trimmed and runs of blank lines
/// folded to one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    out.truncate(out.trim_end().len());
    out
}

/// The entry of one HTML page: `rel` names it, `bytes` are the page,
/// `charset` is the one its transport declared, `url` the address it was
/// fetched from, `fallback` the source when the page names no site.
pub(super) fn page_entry(
    (id, fallback): (String, &str),
    bytes: &[u8],
    charset: Option<&str>,
    url: Option<&str>,
    extractor: &dyn Extractor,
) -> Entry {
    let (html, encoding) = match decode_html(bytes, charset) {
        Ok(decoded) => decoded,
        Err(p) => return problem_entry(id, fallback, p),
    };
    let page = match super::guarded("HTML extractor", || extractor.extract(&html, url)) {
        Ok(page) => page,
        Err(p) => return problem_entry(id, fallback, p),
    };
    let url = page.url.or_else(|| url.map(str::to_string));
    let source = url
        .as_deref()
        .and_then(host_of)
        .or(page.site)
        .unwrap_or_else(|| fallback.to_string());
    let body = if has_words(&page.text) {
        Ok(page.text)
    } else {
        Err(Problem::Empty("no article text found in the page".into()))
    };
    Entry {
        id,
        source,
        meta: Meta {
            title: page.title,
            url,
            date: page.date,
            encoding: encoding.map(str::to_string),
            ..Meta::default()
        },
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head>
<title>Harbour bridge to reopen | The Courier</title>
<meta property="og:site_name" content="The Courier">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://www.courier.example/news/bridge">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour bridge to reopen</h1>
<p>The harbour bridge will reopen to traffic on Monday after six months of repairs, the city council said on Tuesday, ending long detours for thousands of commuters.</p>
<p>Engineers replaced the corroded cables and resurfaced the deck, work that cost more than the council first budgeted, according to documents seen by this newspaper.</p>
<p>The mayor said the bridge would carry buses first, with cars allowed a week later once the final inspections had been signed off by the state's engineers.</p>
</article>
<footer>Copyright The Courier. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"#;

    #[test]
    fn a_page_gives_its_article_and_metadata() {
        let e = page_entry(
            ("p.html".into(), "p.html"),
            PAGE.as_bytes(),
            None,
            None,
            &Readability,
        );
        let text = e.body.unwrap();
        assert!(text.contains("The harbour bridge will reopen"), "{text}");
        assert!(
            text.contains("\nEngineers replaced"),
            "one paragraph per line: {text}"
        );
        assert!(!text.contains("Privacy policy"), "{text}");
        assert!(!text.contains("Sport"), "{text}");
        assert_eq!(
            e.meta.url.as_deref(),
            Some("https://www.courier.example/news/bridge")
        );
        assert_eq!(e.source, "courier.example");
        assert!(e.meta.title.unwrap().contains("Harbour bridge"));
        assert_eq!(e.meta.date.as_deref(), Some("2024-03-05T08:00:00Z"));
    }

    #[test]
    fn a_page_without_an_article_is_empty() {
        let e = page_entry(
            ("e.html".into(), "e.html"),
            b"<html><body><img src=\"a.png\"></body></html>",
            None,
            None,
            &Readability,
        );
        assert_eq!(e.body.unwrap_err().status(), super::super::Status::Empty);
    }

    #[test]
    fn tidy_folds_blank_runs() {
        assert_eq!(tidy("  a \n\n\n\n b\n\n"), "a\n\nb");
    }
}
