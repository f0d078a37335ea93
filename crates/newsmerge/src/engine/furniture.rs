//! The corpus's furniture, learned from every document's hashed lines
//! ([`recurring::Lines`]): `dedup`'s first pass, and `run`'s as it reads.
//!
//! Held, every document's lines are gathered and counted at once
//! ([`recurring::Learned::learn`]). Spilled, the (line, article) pairs
//! are instead cut into [`PARTS`] parts by the line's hash as they come,
//! a few thousand documents at a time, each part sorted and written to an
//! unnamed temporary file; at the end each part is read back and counted
//! alone, since a line's pairs all fall in one part. Only one part's pairs
//! are held at once, and the same lines are learned.

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

/// The documents a thread gathers before their pairs are written, when
/// spilled: a megabyte or two of lines.
const FLUSH_DOCS: usize = 4096;

/// `dedup`'s first pass: the furniture of the corpus of `count` inputs,
/// each read by `read`, spilled when the fingerprints are.
pub(super) fn learn(
    count: usize,
    read: &(dyn Fn(usize) -> Vec<Entry> + Sync),
    config: &Config,
    progress: &dyn Progress,
) -> Result<recurring::Learned> {
    let learner = Learner::new(config, Spillable::Prints)?;
    (0..count).into_par_iter().for_each(|i| {
        let entries = read(i);
        progress.advance(1);
        entries.par_iter().for_each(|e| learner.read(e));
    });
    learner.finish()
}

/// Gathers the lines of documents read on any thread, and learns the
/// furniture from them once all are in.
pub(crate) struct Learner {
    min_articles: usize,
    /// The lines gathered and not yet written, one list per thread of the
    /// pool, so that a thread adding lines never waits for another.
    gathered: Vec<Mutex<Vec<recurring::Lines>>>,
    /// Where the lines go when spilled.
    parts: Option<Parts>,
    /// How many documents a thread gathers before writing them, spilled.
    flush_docs: usize,
}

impl Learner {
    /// A learner that spills when `config` spills `store`, and gathers
    /// nothing when it learns nothing.
    pub(crate) fn new(config: &Config, store: Spillable) -> Result<Learner> {
        let min_articles = config.normalize.min_furniture_articles;
        let parts = match min_articles >= 2 {
            true => spilling(config, store)?.map(Parts::new),
            false => None,
        };
        let threads = rayon::current_num_threads().max(1);
        Ok(Learner {
            min_articles,
            gathered: (0..threads).map(|_| Mutex::default()).collect(),
            parts,
            flush_docs: FLUSH_DOCS,
        })
    }

    /// Gathers the lines of an entry's raw text, if it has any
    /// ([`recurring::Lines::of_raw`]).
    pub(crate) fn read(&self, entry: &Entry) {
        if self.min_articles < 2 {
            return;
        }
        let Some(lines) =
            (entry.body.as_ref().ok()).and_then(|raw| recurring::Lines::of_raw(&entry.source, raw))
        else {
            return;
        };
        let slot = rayon::current_thread_index().unwrap_or(0) % self.gathered.len();
        let mut gathered = self.gathered[slot]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        gathered.push(lines);
        // Writing runs nothing on the pool, so this thread cannot come
        // back here for its own list while it holds it.
        if let Some(parts) = &self.parts
            && gathered.len() >= self.flush_docs
        {
            parts.put_lines(std::mem::take(&mut *gathered));
        }
    }

    /// The furniture learned from every line gathered.
    pub(crate) fn finish(self) -> Result<recurring::Learned> {
        let gathered = self
            .gathered
            .into_iter()
            .flat_map(|g| g.into_inner().unwrap_or_else(|e| e.into_inner()));
        let Some(parts) = self.parts else {
            return Ok(recurring::Learned::learn(gathered, self.min_articles));
        };
        parts.put_lines(gathered.collect());
        let (file, spans) = parts.seal()?;
        let seen = count_parts(&file, &spans[Kind::Short as usize], self.min_articles)?;
        let site = count_parts(&file, &spans[Kind::Long as usize], self.min_articles)?;
        Ok(recurring::Learned::from_counted(
            seen,
            site,
            self.min_articles,
        ))
    }
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

    /// Writes the pairs of documents' lines, each kind's cut into parts.
    fn put_lines(&self, docs: Vec<recurring::Lines>) {
        let (short, long): (Vec<_>, Vec<_>) = docs.iter().map(recurring::Lines::pairs).unzip();
        self.put(Kind::Short, short.concat());
        self.put(Kind::Long, long.concat());
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
    fn lines_written_a_few_documents_at_a_time_learn_what_held_lines_learn() {
        let inputs = inputs();
        let dir = tempfile::tempdir().unwrap();
        let config = |spill: Option<&std::path::Path>| {
            Config::builder()
                .min_furniture_articles(4)
                .spill(spill.map(|d| d.to_path_buf()))
                .build()
                .unwrap()
        };
        let read = |i: usize| inputs[i].clone();
        let held = learn(inputs.len(), &read, &config(None), &Silent).unwrap();
        assert!(!held.lines().0.is_empty());
        for flush_docs in [1, 2, 7, 1000] {
            let mut learner = Learner::new(&config(Some(dir.path())), Spillable::Texts).unwrap();
            learner.flush_docs = flush_docs;
            inputs.iter().flatten().for_each(|e| learner.read(e));
            let spilled = learner.finish().unwrap();
            assert_eq!(spilled.lines(), held.lines(), "flushed every {flush_docs}");
        }
    }

    #[test]
    fn a_lines_part_is_its_hashs_top_bits() {
        assert_eq!(part_of(0), 0);
        assert_eq!(part_of(u64::MAX), PARTS - 1);
        assert_eq!(part_of(1 << 58), 1);
    }
}
