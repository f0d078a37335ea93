//! Stage 7: evidence per copy: truncated, paywalled, furniture dropped.
//!
//! A copy is *paywalled* when it carries a paywall notice (classified in
//! [`crate::normalize::boilerplate`]). It is *truncated* when its text ends
//! on a truncation marker (only furniture after it), or when, measured on
//! its cluster's canonical text, it stops at a line after which the other
//! copies go on for a substantial share of the article. Both kinds of
//! evidence are reported; either is enough for the flag.
//!
//! Cost: linear in the copy's paragraphs, and in the canonical lines times
//! the copies that carry each (a copy's share of a line is looked up among
//! them).

use crate::config::Config;
use crate::normalize::text::fold_key;
use crate::normalize::{Document, Furniture, Kind, ending, word_count};
use crate::reconcile::CanonicalText;
use serde::{Deserialize, Serialize};

/// What newsmerge found out about one copy.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CopyReport {
    /// Share of the canonical text's words that this copy carries; absent
    /// when there was no canonical text to measure against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// Evidence of truncation, when the copy is truncated.
    pub truncation: Option<Truncation>,
    /// Evidence of a paywall, when the copy is paywalled.
    pub paywall: Option<Paywall>,
    /// The furniture dropped from this copy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boilerplate: Vec<Dropped>,
    /// Whether the copy carries the canonical text to its end; absent when
    /// there was no canonical text to measure against.
    #[serde(skip)]
    pub reaches_end: Option<bool>,
}

/// Why a copy is flagged truncated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truncation {
    /// Share of the canonical text the copy carries, when measured.
    pub coverage: Option<f64>,
    /// The 1-based canonical line after which the copy stops while other
    /// copies go on; absent when the canonical text gives no such evidence.
    pub cut_after_line: Option<usize>,
    /// The closing truncation marker, when the copy ends on one.
    pub marker: Option<String>,
    /// Whether the text breaks off mid-sentence.
    pub mid_sentence: bool,
    /// How strongly the evidence supports the flag, from 0 to 1 (see
    /// [`truncation_confidence`]).
    pub confidence: f64,
}

/// Why a copy is flagged paywalled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paywall {
    /// The paywall notice as the copy shows it.
    pub marker: String,
    /// Its 1-based paragraph number in the copy.
    pub line: usize,
    /// How strongly the evidence supports the flag, from 0 to 1 (see
    /// [`paywall_confidence`]).
    pub confidence: f64,
}

/// One piece of furniture dropped from a copy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// What kind of furniture it is.
    pub kind: Furniture,
    /// Its text.
    pub text: String,
}

impl CopyReport {
    /// Whether the copy is flagged truncated.
    pub fn truncated(&self) -> bool {
        self.truncation.is_some()
    }

    /// Whether the copy is flagged paywalled.
    pub fn paywalled(&self) -> bool {
        self.paywall.is_some()
    }

    /// Whether the copy is flagged truncated on a mid-sentence stop alone:
    /// no closing marker, no cut against a canonical text.
    pub fn cut_mid_sentence_only(&self) -> bool {
        self.truncation
            .as_ref()
            .is_some_and(|t| t.mid_sentence && t.marker.is_none() && t.cut_after_line.is_none())
    }
}

/// Diagnoses copy number `copy` of a cluster whose canonical text is
/// `canon`; with no canonical text, only the copy's own evidence counts.
/// A paywalled copy is not also flagged truncated: the paywall is why it
/// stops.
pub fn annotate(
    doc: &Document,
    copy: usize,
    canon: Option<&CanonicalText>,
    config: &Config,
) -> CopyReport {
    let words = canon.map(line_words);
    report(doc, copy, canon.zip(words.as_deref()), config)
}

/// [`annotate`] for each copy of a cluster, in order: `copies[i]` is
/// copy number `i`. The canonical text's words are counted once.
pub fn annotate_all(
    copies: &[&Document],
    canon: Option<&CanonicalText>,
    config: &Config,
) -> Vec<CopyReport> {
    let words = canon.map(line_words);
    let measured = canon.zip(words.as_deref());
    copies
        .iter()
        .enumerate()
        .map(|(i, doc)| report(doc, i, measured, config))
        .collect()
}

/// The words of each canonical line.
fn line_words(canon: &CanonicalText) -> Vec<usize> {
    canon
        .lines
        .iter()
        .map(|l| word_count(&fold_key(&l.text)))
        .collect()
}

/// [`annotate`], with the canonical text's line words counted.
fn report(
    doc: &Document,
    copy: usize,
    canon: Option<(&CanonicalText, &[usize])>,
    config: &Config,
) -> CopyReport {
    let measured = canon.map(|(c, words)| measure(c, words, copy, config));
    let canon = canon.map(|(c, _)| c);
    let coverage = measured.map(|m| m.coverage);
    let paywall = paywall(doc, coverage);
    let mut truncation = Truncation {
        coverage,
        cut_after_line: measured.and_then(|m| m.cut_after_line),
        marker: ending::closing_marker(doc).map(|p| p.text.clone()),
        mid_sentence: ending::stops_mid_sentence(doc),
        confidence: 0.0,
    };
    truncation.confidence = truncation_confidence(&truncation);
    let truncated = truncation.cut_after_line.is_some()
        || truncation.marker.is_some()
        || truncation.mid_sentence;
    CopyReport {
        coverage,
        truncation: (truncated && paywall.is_none()).then_some(truncation),
        paywall,
        boilerplate: dropped(doc, copy, canon),
        reaches_end: measured.map(|m| m.reaches_end),
    }
}

/// Withdraws truncation flags that rest on a mid-sentence stop alone when
/// another copy of the cluster stops on the same words: two sources do not
/// cut an article at the same word by chance, so that is where the article
/// itself ends. `reports[i]` is the report of the copy whose
/// [`ending::last_words`] are
/// `endings[i]`: the words themselves, or a hash of them (two endings
/// with one 64-bit hash are taken to be the same words).
pub fn discount_shared_endings<E: PartialEq>(reports: &mut [CopyReport], endings: &[Option<E>]) {
    let cut: Vec<bool> = reports
        .iter()
        .map(CopyReport::cut_mid_sentence_only)
        .collect();
    for (report, shared) in reports.iter_mut().zip(shared_endings(&cut, endings)) {
        if shared {
            report.truncation = None;
        }
    }
}

/// Which copies [`discount_shared_endings`] withdraws the flag of, from
/// whether each is flagged on a mid-sentence stop alone
/// ([`CopyReport::cut_mid_sentence_only`]) and its ending.
pub(crate) fn shared_endings<E: PartialEq>(
    cut_mid_sentence_only: &[bool],
    endings: &[Option<E>],
) -> Vec<bool> {
    (0..endings.len())
        .map(|i| {
            cut_mid_sentence_only[i]
                && endings[i].is_some()
                && endings
                    .iter()
                    .enumerate()
                    .any(|(j, e)| j != i && *e == endings[i])
        })
        .collect()
}

/// Withdraws truncation flags that rest on a copy's own evidence alone (a
/// closing marker, a mid-sentence end) when the copy carries the agreed
/// text to its end and so does another copy that shows no sign of a cut:
/// the agreed article does not go on past it, so whatever its last line
/// says, nothing was cut (a page dump's "Read more" link, a footer broken
/// off). `cut[i]` says whether copy `i` shows its own sign of a cut.
pub fn discount_complete_copies(reports: &mut [CopyReport], cut: &[bool]) {
    let uncut_complete: Vec<usize> = (0..reports.len())
        .filter(|&i| !cut[i] && reports[i].reaches_end == Some(true))
        .collect();
    for (i, report) in reports.iter_mut().enumerate() {
        let own_only = report
            .truncation
            .as_ref()
            .is_some_and(|t| t.cut_after_line.is_none());
        let complete = report.reaches_end == Some(true);
        if own_only && complete && uncut_complete.iter().any(|&j| j != i) {
            report.truncation = None;
        }
    }
}

#[derive(Clone, Copy)]
struct Measure {
    coverage: f64,
    cut_after_line: Option<usize>,
    reaches_end: bool,
}

/// Coverage of the canonical text by one copy (the share of its words in
/// the sentences the copy carries), and where it stops short: after a
/// point beyond which the agreed text goes on for a substantial share of
/// the article.
fn measure(canon: &CanonicalText, words: &[usize], copy: usize, config: &Config) -> Measure {
    let total: usize = words.iter().sum();
    let reach = |i: usize| canon.lines[i].reach.iter().find(|r| r.copy == copy);
    let covered: usize = (0..words.len()).filter_map(reach).map(|r| r.words).sum();
    let coverage = if total == 0 {
        1.0
    } else {
        round3((covered as f64 / total as f64).min(1.0))
    };
    let last = (0..words.len()).rev().find(|&i| reach(i).is_some());
    let inside = last.map_or(0, |l| {
        words[l].saturating_sub(reach(l).map_or(0, |r| r.end))
    });
    let tail: usize = match last {
        Some(l) => inside + words[l + 1..].iter().sum::<usize>(),
        None => total,
    };
    let broken = last.and_then(reach).map_or(0, |r| r.broken);
    let stops_short = broken >= config.annotate.min_cut_inside_words
        || (tail >= config.annotate.min_missing_tail_words
            && tail as f64 >= config.annotate.min_missing_tail * total as f64);
    let reached = match last {
        Some(l) => words[..l].iter().sum::<usize>() + reach(l).map_or(0, |r| r.end),
        None => 0,
    };
    let has_start = covered as f64 >= config.annotate.min_prefix_share * reached as f64;
    Measure {
        coverage,
        cut_after_line: last.filter(|_| stops_short && has_start).map(|l| l + 1),
        reaches_end: tail == 0,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn paywall(doc: &Document, coverage: Option<f64>) -> Option<Paywall> {
    let (i, p) = ending::paywall_notice(doc)?;
    let text_after: usize = doc.paragraphs[i + 1..]
        .iter()
        .filter(|p| p.kind == Kind::Content)
        .map(|p| word_count(&p.key))
        .sum();
    Some(Paywall {
        marker: p.text.clone(),
        line: i + 1,
        confidence: paywall_confidence(text_after, coverage),
    })
}

/// The confidence of a truncation flag: each piece of evidence has a
/// weight (a closing marker 0.95, the canonical text going on after the
/// copy 0.9, a mid-sentence stop 0.6), and independent pieces combine as
/// `1 - Π(1 - w)`. A marker and a measured cut give 0.995; a mid-sentence
/// stop alone, 0.6.
pub fn truncation_confidence(t: &Truncation) -> f64 {
    let weights = [
        (t.marker.is_some(), 0.95),
        (t.cut_after_line.is_some(), 0.9),
        (t.mid_sentence, 0.6),
    ];
    combine(&weights)
}

/// The confidence of a paywall flag: a notice that ends the copy's text
/// (at most a short line of text after it) is strong evidence, 0.95; one
/// followed by more text is weaker, 0.7, since a wall stops the text. A
/// coverage below 0.9 of the canonical text (the copy lacks part of the
/// article) adds evidence of weight 0.8.
pub fn paywall_confidence(words_after: usize, coverage: Option<f64>) -> f64 {
    let weights = [
        (words_after <= 25, 0.95),
        (words_after > 25, 0.7),
        (coverage.is_some_and(|c| c < 0.9), 0.8),
    ];
    combine(&weights)
}

fn combine(weights: &[(bool, f64)]) -> f64 {
    let doubt: f64 = weights
        .iter()
        .filter(|(present, _)| *present)
        .map(|(_, w)| 1.0 - w)
        .product();
    round3(1.0 - doubt)
}

/// The copy's furniture, then the lines of it the other copies outvoted.
fn dropped(doc: &Document, copy: usize, canon: Option<&CanonicalText>) -> Vec<Dropped> {
    let inserted = canon
        .into_iter()
        .flat_map(|c| &c.dropped)
        .filter(|d| d.copy == copy)
        .map(|d| Dropped {
            kind: if d.repeat {
                Furniture::Repeated
            } else {
                Furniture::Inserted
            },
            text: d.text.clone(),
        });
    doc.paragraphs
        .iter()
        .flat_map(|p| {
            let whole = match p.kind {
                Kind::Furniture(kind) => Some(Dropped {
                    kind,
                    text: p.text.clone(),
                }),
                _ => None,
            };
            let suffix = p.stripped.as_ref().map(|s| Dropped {
                kind: Furniture::TitleSuffix,
                text: s.clone(),
            });
            whole.into_iter().chain(suffix)
        })
        .chain(inserted)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};
    use crate::reconcile::{CanonicalText, Line, Reach};

    fn doc(text: &str) -> Document {
        normalize(DocId(0), "d", "d", &Meta::default(), text)
    }

    fn line(words: usize, sources: &[usize]) -> Line {
        Line {
            text: vec!["word"; words].join(" "),
            sources: sources.to_vec(),
            variants: Vec::new(),
            tied: false,
            reach: sources
                .iter()
                .map(|&copy| Reach {
                    copy,
                    words,
                    end: words,
                    broken: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn marker_at_the_end_flags_truncation() {
        let d = doc("Title\n\nSome text here.\n\nTo be continued.\n\nPublication status");
        let r = annotate(&d, 0, None, &Config::default());
        assert_eq!(
            r.truncation.unwrap().marker.as_deref(),
            Some("To be continued.")
        );
        let d = doc("Title\n\nTo be continued.\n\nBut it went on after all, here.");
        assert!(
            annotate(&d, 0, None, &Config::default())
                .truncation
                .is_none()
        );
    }

    #[test]
    fn containment_flags_a_copy_that_stops_early() {
        let canon = CanonicalText {
            lines: vec![line(30, &[0, 1]), line(30, &[0, 1]), line(100, &[0])],
            dropped: Vec::new(),
            paragraphing: Vec::new(),
        };
        let d = doc("Title\n\nText.");
        let r = annotate(&d, 1, Some(&canon), &Config::default());
        let t = r.truncation.expect("copy 1 stops after line 2");
        assert_eq!(t.cut_after_line, Some(2));
        assert_eq!(t.coverage, Some(0.375));
        assert!(
            annotate(&d, 0, Some(&canon), &Config::default())
                .truncation
                .is_none()
        );
    }

    #[test]
    fn a_copy_that_breaks_off_mid_sentence_is_truncated() {
        let cut = doc("Title\n\nThe first sentence ends here. The second one goes on and then it");
        let t = annotate(&cut, 0, None, &Config::default())
            .truncation
            .unwrap();
        assert!(t.mid_sentence);
        let credit = doc(
            "Title\n\nText of the story.\n\nReporting by Geert De Clercq, editing by William Maclean",
        );
        assert!(!annotate(&credit, 0, None, &Config::default()).truncated());
    }

    #[test]
    fn a_copy_cut_inside_the_last_line_is_truncated() {
        let mut canon = CanonicalText {
            lines: vec![line(30, &[0, 1]), line(12, &[0, 1])],
            dropped: Vec::new(),
            paragraphing: Vec::new(),
        };
        // Copy 1 reads the last sentence as its first four words only.
        canon.lines[1].reach[1] = Reach {
            copy: 1,
            words: 4,
            end: 4,
            broken: 8,
        };
        let r = annotate(&doc("x"), 1, Some(&canon), &Config::default());
        assert_eq!(r.truncation.unwrap().cut_after_line, Some(2));
        // Stopping at the end of a sentence, short of the line's end, is not.
        canon.lines[1].reach[1].broken = 0;
        assert!(
            annotate(&doc("x"), 1, Some(&canon), &Config::default())
                .truncation
                .is_none()
        );
    }

    #[test]
    fn a_short_missing_tail_is_not_truncation() {
        let canon = CanonicalText {
            lines: vec![line(300, &[0, 1]), line(9, &[0])],
            dropped: Vec::new(),
            paragraphing: Vec::new(),
        };
        let r = annotate(&doc("x"), 1, Some(&canon), &Config::default());
        assert!(r.truncation.is_none());
    }

    #[test]
    fn paywall_notice_is_cited_with_its_line() {
        let d = doc(
            "Title\n\nText.\n\nYou have 63.88% of this article left to read. \
                     The following is for subscribers only.\n\nLeave a Comment",
        );
        let r = annotate(&d, 0, None, &Config::default());
        assert_eq!(r.paywall.as_ref().unwrap().line, 3);
        let cut = doc(
            "Title\n\nText.\n\nMore text here. And then it just stops in the middle of a\n\n\
                       You have 50% of this article left to read.",
        );
        assert!(
            !annotate(&cut, 0, None, &Config::default()).truncated(),
            "paywalled, not truncated"
        );
        assert_eq!(r.boilerplate.len(), 1);
        assert!(!r.truncated());
    }

    #[test]
    fn an_ending_two_copies_share_is_the_article_end() {
        let text = "Title\n\nThe talks went on. Showing the strain from nine days of frantic \
                    diplomacy, the envoy said the accord was a signal to the people";
        let (a, b) = (doc(text), doc(text));
        let config = Config::default();
        let mut reports = vec![
            annotate(&a, 0, None, &config),
            annotate(&b, 1, None, &config),
        ];
        assert!(reports[0].truncated(), "alone, it looks cut");
        discount_shared_endings(
            &mut reports,
            &[ending::last_words(&a), ending::last_words(&b)],
        );
        assert!(!reports[0].truncated() && !reports[1].truncated());
    }
}
