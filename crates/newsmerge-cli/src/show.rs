//! Showing a cluster read back from an output folder: the canonical text
//! with a provenance gutter, like `git blame`, or one copy's differences
//! from the canonical text, like `git diff --word-diff`.

use anstyle::{AnsiColor, Style};
use newsmerge::report::{ClusterRecord, LineRecord};
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;

/// Colours for the gutter letters, cycled.
const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Green,
    AnsiColor::Blue,
    AnsiColor::Magenta,
    AnsiColor::Cyan,
    AnsiColor::Yellow,
    AnsiColor::Red,
];

/// Gutter letters: one per member, while there are enough.
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A style with a foreground colour.
fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

/// Paints `text` in `style` when `color` is on.
fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// The canonical text of a cluster with a provenance gutter: one column
/// per member (its letter when it carries the line, `.` when not), then
/// `~` when copies read the line differently and `?` when a tie decided
/// it, then the line number and the text. A cluster of more than 52
/// members shows a count instead of letters.
pub(crate) fn blame(cluster: &ClusterRecord, color: bool) -> String {
    let mut out = String::new();
    let lines = cluster.lines.as_deref().unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {} copies, {} lines{}",
        paint(&cluster.id, Style::new().bold(), color),
        cluster.members.len(),
        lines.len(),
        cluster
            .pivot
            .as_deref()
            .map(|p| format!(", aligned to {p}"))
            .unwrap_or_default()
    );
    let lettered = cluster.members.len() <= LETTERS.len();
    if lettered {
        for (i, m) in cluster.members.iter().enumerate() {
            let _ = writeln!(out, "  {}  {m}", letter(i, color));
        }
    }
    if cluster.lines.is_none() {
        out.push_str("(no canonical text: this output was written by `dedup`)\n");
        return out;
    }
    out.push('\n');
    let width = lines.len().to_string().len();
    for (n, line) in lines.iter().enumerate() {
        let gutter = if lettered {
            cluster
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    if line.sources.iter().any(|s| **s == **m) {
                        letter(i, color)
                    } else {
                        ".".to_string()
                    }
                })
                .collect::<String>()
        } else {
            format!("{:>5}/{}", line.sources.len(), cluster.members.len())
        };
        let flags = format!(
            "{}{}",
            if line.variants.is_empty() { ' ' } else { '~' },
            if line.tie { '?' } else { ' ' }
        );
        let flags = paint(&flags, fg(AnsiColor::Yellow), color);
        let _ = writeln!(out, "{gutter} {flags} {:>width$} │ {}", n + 1, line.text);
    }
    out
}

fn letter(i: usize, color: bool) -> String {
    let c = &LETTERS[i..=i];
    paint(c, fg(PALETTE[i % PALETTE.len()]), color)
}

/// One copy's differences from the canonical text: each canonical line,
/// marked ` ` when the copy reads it as the canonical text does, `~` with a
/// word diff (`[-canonical words-]{+the copy's words+}`) when it reads it
/// differently, and `-` when the copy lacks it.
pub(crate) fn copy_diff(
    cluster: &ClusterRecord,
    copy: &str,
    color: bool,
) -> anyhow::Result<String> {
    if !cluster.members.iter().any(|m| m == copy) {
        anyhow::bail!("no document {copy:?} in cluster {}", cluster.id);
    }
    let lines = cluster.lines.as_deref().unwrap_or_default();
    let carried = lines
        .iter()
        .filter(|l| l.sources.iter().any(|s| &**s == copy));
    let mut out = format!(
        "{copy} against {}: carries {} of {} lines\n\n",
        cluster.id,
        carried.count(),
        lines.len()
    );
    let width = lines.len().to_string().len();
    let red = fg(AnsiColor::Red);
    for (n, line) in lines.iter().enumerate() {
        let (mark, text) = match reading(line, copy) {
            None => ('-', paint(&line.text, red, color)),
            Some(mine) if mine == line.text => (' ', line.text.clone()),
            Some(mine) => ('~', word_diff(&line.text, mine, color)),
        };
        let _ = writeln!(out, "{mark} {:>width$} │ {text}", n + 1);
    }
    Ok(out)
}

/// How `copy` reads a canonical line, if it carries it.
fn reading<'a>(line: &'a LineRecord, copy: &str) -> Option<&'a str> {
    let mine = line
        .variants
        .iter()
        .find(|v| v.sources.iter().any(|s| &**s == copy));
    match mine {
        Some(v) => Some(&v.text),
        None => line
            .sources
            .iter()
            .any(|s| &**s == copy)
            .then_some(line.text.as_str()),
    }
}

/// A word diff from `canonical` to `mine`.
fn word_diff(canonical: &str, mine: &str, color: bool) -> String {
    let (red, green) = (fg(AnsiColor::Red), fg(AnsiColor::Green));
    let diff = TextDiff::from_words(canonical, mine);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let value = change.value();
        match change.tag() {
            ChangeTag::Equal => out.push_str(value),
            ChangeTag::Delete => out.push_str(&paint(&format!("[-{value}-]"), red, color)),
            ChangeTag::Insert => out.push_str(&paint(&format!("{{+{value}+}}"), green, color)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsmerge::report::VariantRecord;

    fn cluster() -> ClusterRecord {
        let line = |text: &str, sources: &[&str]| LineRecord {
            text: text.to_string(),
            sources: sources.iter().map(|&s| s.into()).collect(),
            variants: Vec::new(),
            tie: false,
        };
        let mut typo = line("The council met on Tuesday.", &["a", "b", "c"]);
        typo.variants = vec![
            VariantRecord {
                text: "The council met on Tuesday.".into(),
                sources: vec!["a".into(), "b".into()],
            },
            VariantRecord {
                text: "The counci1 met on Tuesday.".into(),
                sources: vec!["c".into()],
            },
        ];
        ClusterRecord {
            id: "c000001".into(),
            members: vec!["a".into(), "b".into(), "c".into()],
            pivot: Some("a".into()),
            lines: Some(vec![
                line("Budget passes", &["a", "b", "c"]),
                typo,
                line("The vote was close.", &["a", "b"]),
            ]),
        }
    }

    #[test]
    fn blame_marks_who_carries_each_line() {
        let text = blame(&cluster(), false);
        assert!(text.contains("\nABC    1 │ Budget passes"), "{text}");
        assert!(text.contains("\nABC ~  2 │ The council"), "{text}");
        assert!(text.contains("\nAB.    3 │ The vote was close."), "{text}");
    }

    #[test]
    fn copy_diff_shows_variants_and_missing_lines() {
        let text = copy_diff(&cluster(), "c", false).unwrap();
        assert!(text.contains("carries 2 of 3 lines"), "{text}");
        assert!(
            text.contains("~ 2 │ The [-council-]{+counci1+} met"),
            "{text}"
        );
        assert!(text.contains("- 3 │ The vote was close."), "{text}");
        assert!(copy_diff(&cluster(), "zzz", false).is_err());
    }
}
