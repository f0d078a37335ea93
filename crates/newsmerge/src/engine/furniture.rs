//! `dedup`'s first pass: the corpus's furniture, learned from every
//! document's hashed lines ([`recurring::Lines`]).
//!
//! Held, every document's lines are gathered and counted at once
//! ([`recurring::Learned::learn`]). With the fingerprints spilled, the
//! (line, article) pairs of each input are instead cut into [`PARTS`]
//! parts by the line's hash, each part sorted and written to an unnamed
//! temporary file as the input is read; then each part is read back and
//! counted alone, since a line's pairs all fall in one part. Only one
//! part's pairs are held at once, and the same lines are learned.

use super::{Progress, spilling};
use crate::config::{Config, Spillable};
use crate::error::Result;
use crate::ingest::Entry;
use crate::normalize::recurring;
use crate::spill::{Span, Spilled, Spilling};
use rayon::prelude::*;
use std::sync::Mutex;

/// The parts the (line, article) pairs are cut into when spilled.
const PARTS: usize = 64;

/// The furniture of the corpus of `count` inputs, each read by `read`.
pub(super) fn learn(
    count: usize,
    read: &(dyn Fn(usize) -> Vec<Entry> + Sync),
    config: &Config,
    progress: &dyn Progress,
) -> Result<recurring::Learned> {
    let min_articles = config.normalize.min_furniture_articles;
    let lines_of = |i: usize| {
        let entries = read(i);
        progress.advance(1);
        entries
            .into_par_iter()
            .filter_map(|e| recurring::Lines::of_raw(&e.source, e.body.as_ref().ok()?))
    };
    let Some(spill) = spilling(config, Spillable::Prints)? else {
        let lines: Vec<recurring::Lines> = (0..count).into_par_iter().flat_map(lines_of).collect();
        return Ok(recurring::Learned::learn(lines, min_articles));
    };
    if min_articles < 2 {
        return Ok(recurring::Learned::from_counted(
            Vec::new(),
            Vec::new(),
            min_articles,
        ));
    }
    let parts = Parts::new(spill);
    (0..count).into_par_iter().for_each(|i| {
        let (short, long): (Vec<_>, Vec<_>) = lines_of(i).map(|l| l.pairs()).unzip();
        parts.put(Kind::Short, short.concat());
        parts.put(Kind::Long, long.concat());
    });
    let (file, spans) = parts.seal()?;
    let seen = count_parts(&file, &spans[Kind::Short as usize], min_articles)?;
    let site = count_parts(&file, &spans[Kind::Long as usize], min_articles)?;
    Ok(recurring::Learned::from_counted(seen, site, min_articles))
}

/// Short lines (furniture) and long ones (site text), counted apart.
#[derive(Clone, Copy)]
enum Kind {
    Short = 0,
    Long = 1,
}

/// The spilled (line, article) pairs: where each kind's parts lie.
struct Parts {
    spill: Spilling,
    /// By kind, then by part: the spans of the pieces written.
    spans: Mutex<[Vec<Vec<Span>>; 2]>,
}

impl Parts {
    fn new(spill: Spilling) -> Parts {
        Parts {
            spill,
            spans: Mutex::new([vec![Vec::new(); PARTS], vec![Vec::new(); PARTS]]),
        }
    }

    /// Cuts `pairs` into their parts and writes each part's, sorted and
    /// without repeats.
    fn put(&self, kind: Kind, pairs: Vec<(u64, u64)>) {
        let mut by_part = vec![Vec::new(); PARTS];
        for pair in pairs {
            by_part[part_of(pair.0)].push(pair);
        }
        for (part, mut pairs) in by_part.into_iter().enumerate() {
            if pairs.is_empty() {
                continue;
            }
            pairs.sort_unstable();
            pairs.dedup();
            let bytes: Vec<u8> = pairs
                .iter()
                .flat_map(|&(line, lede)| line.to_le_bytes().into_iter().chain(lede.to_le_bytes()))
                .collect();
            let span = self.spill.put_bytes(&bytes);
            let mut spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
            spans[kind as usize][part].push(span);
        }
    }

    /// The file, written out, and the spans by kind and part.
    fn seal(self) -> Result<(Spilled, [Vec<Vec<Span>>; 2])> {
        let spans = self.spans.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok((self.spill.seal()?, spans))
    }
}

/// The part of a line's hash: its top bits.
fn part_of(line: u64) -> usize {
    (line >> (u64::BITS - PARTS.trailing_zeros())) as usize
}

/// The lines carried by at least `min_articles` articles, part by part,
/// each part's pairs read back whole and counted alone; sorted.
fn count_parts(file: &Spilled, parts: &[Vec<Span>], min_articles: usize) -> Result<Vec<u64>> {
    let mut lines = Vec::new();
    for spans in parts {
        let mut pairs = Vec::new();
        for &span in spans {
            let bytes = file.get_bytes(span)?;
            pairs.extend(bytes.chunks_exact(16).map(|p| {
                let (line, lede) = p.split_at(8);
                let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("eight bytes"));
                (word(line), word(lede))
            }));
        }
        let mut learned = recurring::articles_at_least(pairs, min_articles);
        learned.sort_unstable();
        lines.extend(learned);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Silent;

    /// Inputs of a few sources, each of articles carrying the source's
    /// furniture lines, its site text, and lines of their own. Each
    /// "rare" line is in at most one article of an input: five articles
    /// in all, learned only when every input's pairs are counted.
    fn inputs() -> Vec<Vec<Entry>> {
        (0..5)
            .map(|input| {
                (0..12)
                    .map(|a| {
                        let source = format!("site{}", a % 3);
                        let text = format!(
                            "Story {input} {a} opens the longest line of the article, as a \
                             lede does, telling what the council did at its long meeting on \
                             Tuesday and why it matters to every reader in the city.\n\
                             Subscribe to our newsletter\n\
                             Share this\n\
                             Rare line {}\n\
                             This site is run by a trust for its readers. It reads as prose on \
                             every page of the site, below each story.\n",
                            a % 5
                        );
                        crate::record_entry(
                            format!("{input}-{a}"),
                            Ok(text),
                            Some(source),
                            crate::Meta::default(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn spilled_parts_learn_what_held_lines_learn() {
        let inputs = inputs();
        let read = |i: usize| inputs[i].clone();
        let dir = tempfile::tempdir().unwrap();
        for min in [0, 2, 4, 5, 30] {
            let held = Config::builder()
                .min_furniture_articles(min)
                .build()
                .unwrap();
            let spilled = Config::builder()
                .min_furniture_articles(min)
                .spill(Some(dir.path().to_path_buf()))
                .build()
                .unwrap();
            let a = learn(inputs.len(), &read, &held, &Silent).unwrap();
            let b = learn(inputs.len(), &read, &spilled, &Silent).unwrap();
            assert_eq!(a.lines(), b.lines(), "min_articles {min}");
            assert_eq!(a.min_articles(), b.min_articles());
            if min == 4 {
                let (furniture, site) = a.lines();
                assert!(
                    !furniture.is_empty() && !site.is_empty(),
                    "both are learned"
                );
            }
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_lines_part_is_its_hashs_top_bits() {
        assert_eq!(part_of(0), 0);
        assert_eq!(part_of(u64::MAX), PARTS - 1);
        assert_eq!(part_of(1 << 58), 1);
    }
}
