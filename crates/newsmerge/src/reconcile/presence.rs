//! Which slots of an aligned article are the article: a vote on presence,
//! with each source's reliability learned from the corpus, without labels.
//!
//! Copies disagree on *extent* as much as on words: a full-page dump
//! carries every menu, footer and related-links list around the article; a
//! precise extractor carries the article alone; a loose one drops a
//! paragraph here and keeps a caption there; a feed copy stops early. The
//! longest copy is usually the noisiest, so no copy is trusted to say where
//! the article starts and ends: every copy votes on every slot.
//!
//! # The model
//!
//! Each slot is article text or not. A copy of source `c` *carries* an
//! article slot with probability `α_c`, *lacks* it at a place it reached
//! (between the first and last slots it shares with another copy, or
//! before the first) with
//! probability `λ_c`, or has *ended* cleanly before it (its text stops on
//! a finished sentence) with probability `ε_c`; and with other chances on
//! a slot that is not article text (a generalisation of Dawid and Skene's
//! model of annotators). A precise extractor carries article text and
//! little else; a page dump carries nearly everything, so its vote says
//! almost nothing either way; a precise copy's clean end before a slot is
//! strong evidence that the slot is a footer; a loose extractor that often
//! stops early ends before article text often enough that its end counts
//! for less. From the prior odds (the corpus's share of article slots),
//! each vote multiplies the odds of a slot by its likelihood ratio, so the
//! posterior weighs every copy by how reliable its source has proven on
//! exactly that kind of vote.
//!
//! A copy's own evidence of a cut changes its vote after its last slot:
//! one that ends on a closing marker, carries a paywall notice, or breaks
//! off mid-sentence ([`crate::normalize::ending::is_cut`]) abstains there;
//! one that merely ends raggedly (on a comma, or a long line with no
//! sentence end: [`crate::normalize::ending::ends_raggedly`]) counts at
//! the fixed ratio [`BROKEN_RATIO`] and does not on its own put a slot in
//! dispute. So a run only a minority carries after the others' ends is
//! kept only when the others show signs of a cut or the carriers are
//! reliable enough to outweigh them.
//!
//! The rates are learned by expectation-maximisation over every
//! multi-copy cluster of the corpus ([`Model::learn`]): the posteriors of
//! the slots give each source's expected rates, which give new
//! posteriors, for a fixed number of rounds. A slot no copy votes against
//! counts as article text for certain, as the decision keeps it whatever
//! the model says (a corpus of copies that always agree would otherwise
//! drift toward teaching that carrying a line says nothing). The rates are
//! shrunk toward the corpus-wide rates by [`PSEUDO_VOTES`] votes, so a
//! source seen on a few articles is judged mostly by the corpus; and each
//! copy's rates within its cluster are re-estimated from its own votes
//! ([`Model::copy_rates`]), so a copy that is a few scattered lines says
//! little by lacking the rest.
//!
//! A slot is kept when its posterior is at least one half, and always when
//! no copy votes against it: what every copy carries is the article as far
//! as the copies can tell.
//!
//! Cost: linear in slots times copies per round, with a fixed number of
//! rounds; the sums run in cluster order, so the model does not depend on
//! the number of threads.

use crate::align::Alignment;
use crate::normalize::{Document, ending};
use rayon::prelude::*;

/// How many outcomes of a vote the rates give chances of: carrying,
/// lacking, having ended cleanly.
pub const OUTCOMES: usize = 3;
/// The likelihood ratio of a [`Vote::Broken`]: a copy that stops raggedly
/// was as likely cut as not, so its end counts half as much against the
/// slots after it as for them. It is fixed, not learned: where no third
/// copy decides (one full copy, one cut one), learning could as well
/// conclude that the full copy adds what the cut one lacks.
pub const BROKEN_RATIO: f64 = 0.5;
/// Votes of the corpus-wide rates that each source's rates start from.
pub const PSEUDO_VOTES: f64 = 10.0;
/// Votes of its source's rates that each copy's own rates start from (see
/// [`Model::copy_rates`]).
pub const COPY_PSEUDO_VOTES: f64 = 20.0;
/// Rounds of re-estimating each copy's rates within its cluster.
pub const COPY_ROUNDS: usize = 3;
/// Rounds of expectation-maximisation.
pub const ROUNDS: usize = 8;
/// Rates are kept inside `[RATE_FLOOR, 1 - RATE_FLOOR]`.
const RATE_FLOOR: f64 = 0.01;

/// One copy's vote on one slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Vote {
    /// The copy carries the slot.
    Carries,
    /// The copy lacks the slot, at a place it reached.
    Lacks,
    /// The copy lacks the slot, after its own last slot, and its text
    /// ends like a finished sentence.
    Ended,
    /// The copy lacks the slot, after its own last slot, and its text
    /// ends raggedly, without a sentence end (a cut that left no clearer
    /// sign, or a last line of menu or credit).
    Broken,
    /// The copy does not vote: it was cut before the slot, or carries
    /// nothing at all.
    Abstains,
}

impl Vote {
    /// The vote's index among the outcomes the rates give chances of, or
    /// `None` for an abstention.
    fn outcome(self) -> Option<usize> {
        match self {
            Vote::Carries => Some(0),
            Vote::Lacks => Some(1),
            Vote::Ended => Some(2),
            Vote::Broken | Vote::Abstains => None,
        }
    }
}

/// Where each copy's share of the article begins and ends: its first and
/// last slot that another copy carries too, or, for a copy that shares
/// none, its first and last slot. Lines only one copy prints around the
/// article (a footer after a "Read more", a menu) do not stretch its reach,
/// so it does not vote against all the article text in between.
fn spans(alignment: &Alignment, copies: usize) -> Vec<Option<(usize, usize)>> {
    let mut own: Vec<Option<(usize, usize)>> = vec![None; copies];
    let mut shared: Vec<Option<(usize, usize)>> = vec![None; copies];
    for (i, slot) in alignment.slots.iter().enumerate() {
        let is_shared = slot.cells.iter().any(|c| c.copy != slot.cells[0].copy);
        for cell in &slot.cells {
            let targets = [Some(&mut own), is_shared.then_some(&mut shared)];
            for spans in targets.into_iter().flatten() {
                let s = spans[cell.copy].get_or_insert((i, i));
                s.1 = i;
            }
        }
    }
    shared.iter().zip(own).map(|(s, o)| s.or(o)).collect()
}

/// The votes of one cluster's copies on each of its slots.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ballot {
    copies: usize,
    votes: Vec<Vote>,
}

impl Ballot {
    /// The votes of `copies` on the slots of their `alignment`.
    pub fn of(copies: &[&Document], alignment: &Alignment) -> Ballot {
        let n = copies.len();
        let span = spans(alignment, n);
        let cut: Vec<bool> = copies.iter().map(|d| ending::is_cut(d)).collect();
        let ragged: Vec<bool> = copies.iter().map(|d| ending::ends_raggedly(d)).collect();
        let mut votes = Vec::with_capacity(alignment.slots.len() * n);
        for (i, slot) in alignment.slots.iter().enumerate() {
            votes.extend((0..n).map(|c| match span[c] {
                _ if slot.has(c) => Vote::Carries,
                None => Vote::Abstains,
                Some((_, last)) if i > last && cut[c] => Vote::Abstains,
                Some((_, last)) if i > last && ragged[c] => Vote::Broken,
                Some((_, last)) if i > last => Vote::Ended,
                Some(_) => Vote::Lacks,
            }));
        }
        Ballot { copies: n, votes }
    }

    /// The number of slots.
    pub fn slots(&self) -> usize {
        self.votes.len().checked_div(self.copies).unwrap_or(0)
    }

    /// The number of copies.
    pub fn copies(&self) -> usize {
        self.copies
    }

    /// The votes on slot `slot`, by copy.
    pub fn votes(&self, slot: usize) -> &[Vote] {
        &self.votes[slot * self.copies..(slot + 1) * self.copies]
    }

    /// Whether some copy votes against slot `slot`: lacks it, or ended
    /// cleanly before it. Copies that ended raggedly do not, on their own
    /// (see [`BROKEN_RATIO`]).
    pub fn contested(&self, slot: usize) -> bool {
        self.votes(slot)
            .iter()
            .any(|v| matches!(v, Vote::Lacks | Vote::Ended))
    }
}

/// How a source's copies vote on article text and on other text: the
/// chances of each [`Vote`] but abstaining, given that the slot is article
/// text, and given that it is not.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rates {
    /// Chances of carrying, lacking and having ended cleanly, on article
    /// text.
    pub article: [f64; OUTCOMES],
    /// The same on text that is not the article's.
    pub other: [f64; OUTCOMES],
}

impl Default for Rates {
    /// The rates before anything is learned: a copy carries most article
    /// slots and lacks most other slots, and having ended cleanly before a
    /// slot counts about as much as lacking it.
    fn default() -> Rates {
        Rates {
            article: [0.85, 0.1, 0.05],
            other: [0.1, 0.45, 0.45],
        }
    }
}

impl Rates {
    /// The log-likelihood ratio of a vote. Carrying a slot never counts
    /// against it, and lacking it never counts for it.
    fn log_ratio(&self, vote: Vote) -> f64 {
        let k = match vote.outcome() {
            Some(k) => k,
            None if vote == Vote::Broken => return BROKEN_RATIO.ln(),
            None => return 0.0,
        };
        let r = (self.article[k] / self.other[k]).ln();
        if k == 0 { r.max(0.0) } else { r.min(0.0) }
    }

    /// Rates from expected counts, each shrunk toward `prior` by
    /// `pseudo` votes and kept off zero.
    fn estimate(counts: &[[f64; OUTCOMES]; 2], prior: &Rates, pseudo: f64) -> Rates {
        Rates {
            article: distribution(&counts[0], &prior.article, pseudo),
            other: distribution(&counts[1], &prior.other, pseudo),
        }
    }
}

fn distribution(counts: &[f64; OUTCOMES], prior: &[f64; OUTCOMES], pseudo: f64) -> [f64; OUTCOMES] {
    let total: f64 = counts.iter().sum::<f64>() + pseudo;
    let mut d = [0.0; OUTCOMES];
    for k in 0..OUTCOMES {
        d[k] = ((counts[k] + pseudo * prior[k]) / total).max(RATE_FLOOR);
    }
    let sum: f64 = d.iter().sum();
    d.map(|x| x / sum)
}

/// The presence model: each source's rates.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// Rates by source number; sources past the end use `fallback`.
    pub sources: Vec<Rates>,
    /// The corpus-wide rates.
    pub fallback: Rates,
    /// The share of slots that are article text: the prior chance of each
    /// slot.
    pub article_share: f64,
}

impl Default for Model {
    /// Equal default rates for every source: a plain majority of the
    /// copies that vote.
    fn default() -> Model {
        Model {
            sources: Vec::new(),
            fallback: Rates::default(),
            article_share: 0.5,
        }
    }
}

/// Expected counts gathered in one round.
#[derive(Clone, Debug, Default)]
struct Tally {
    /// Per source: expected votes of each kind on article text, then on
    /// other text.
    sources: Vec<[[f64; OUTCOMES]; 2]>,
    /// Expected article slots, and slots.
    slots: [f64; 2],
}

impl Model {
    /// Learns the rates of `sources` sources from every
    /// cluster's ballot; `ballots[i].1[copy]` is the source number of each
    /// copy of ballot `i`. The result does not depend on the order of
    /// work, only on the order of `ballots`.
    pub fn learn(ballots: &[(&Ballot, &[usize])], sources: usize) -> Model {
        let mut model = Model {
            sources: vec![Rates::default(); sources],
            ..Model::default()
        };
        for _ in 0..ROUNDS {
            let mut tally = Tally {
                sources: vec![[[0.0; OUTCOMES]; 2]; sources],
                slots: [0.0; 2],
            };
            // The beliefs, most of the work, are found in parallel; they
            // are added up in ballot order, so the sums do not depend on
            // the number of threads.
            for chunk in ballots.chunks(LEARNING_CHUNK) {
                let beliefs: Vec<Vec<f64>> = chunk
                    .par_iter()
                    .map(|(ballot, of)| model.beliefs(ballot, of))
                    .collect();
                for ((ballot, of), beliefs) in chunk.iter().zip(&beliefs) {
                    add_tally(ballot, of, beliefs, &mut tally);
                }
            }
            model = Model::from_tally(&tally);
        }
        model
    }

    /// What the model takes each slot of `ballot` to be while learning
    /// ([`Model::belief`]), with each copy's own rates.
    fn beliefs(&self, ballot: &Ballot, source_of: &[usize]) -> Vec<f64> {
        let rates = self.copy_rates(ballot, source_of);
        (0..ballot.slots())
            .map(|slot| self.belief(ballot, &rates, slot))
            .collect()
    }

    fn from_tally(tally: &Tally) -> Model {
        let mut total = [[0.0; OUTCOMES]; 2];
        for t in &tally.sources {
            for (sum, x) in total.iter_mut().flatten().zip(t.iter().flatten()) {
                *sum += x;
            }
        }
        let fallback = Rates::estimate(&total, &Rates::default(), PSEUDO_VOTES);
        let sources = tally
            .sources
            .iter()
            .map(|t| Rates::estimate(t, &fallback, PSEUDO_VOTES))
            .collect();
        let article_share =
            ((tally.slots[0] + 1.0) / (tally.slots[1] + 2.0)).clamp(RATE_FLOOR, 1.0 - RATE_FLOOR);
        Model {
            sources,
            fallback,
            article_share,
        }
    }

    fn rates(&self, source: usize) -> &Rates {
        self.sources.get(source).unwrap_or(&self.fallback)
    }

    /// What the model takes slot `slot` to be while learning: article
    /// text for certain when no copy votes against it (it is kept
    /// whatever the model says), else its posterior.
    fn belief(&self, ballot: &Ballot, rates: &[Rates], slot: usize) -> f64 {
        if ballot.contested(slot) {
            posterior(ballot, rates, self.article_share, slot)
        } else {
            1.0
        }
    }

    /// Each copy's own rates within its cluster: its source's rates,
    /// re-estimated from the copy's own votes (weighed against
    /// [`COPY_PSEUDO_VOTES`] votes of its source's). A copy that is a few
    /// scattered lines of its article lacks nearly every slot it spans,
    /// article or not, so its lacking says little; a source's average copy
    /// would say much more.
    pub fn copy_rates(&self, ballot: &Ballot, source_of: &[usize]) -> Vec<Rates> {
        let base: Vec<Rates> = (0..ballot.copies())
            .map(|c| *self.rates(source_of.get(c).copied().unwrap_or(usize::MAX)))
            .collect();
        let mut rates = base.clone();
        for _ in 0..COPY_ROUNDS {
            let mut counts = vec![[[0.0; OUTCOMES]; 2]; ballot.copies()];
            for slot in 0..ballot.slots() {
                let p = self.belief(ballot, &rates, slot);
                for (copy, &vote) in ballot.votes(slot).iter().enumerate() {
                    if let Some(k) = vote.outcome() {
                        counts[copy][0][k] += p;
                        counts[copy][1][k] += 1.0 - p;
                    }
                }
            }
            rates = counts
                .iter()
                .zip(&base)
                .map(|(c, b)| Rates::estimate(c, b, COPY_PSEUDO_VOTES))
                .collect();
        }
        rates
    }

    /// The chance that each slot of `ballot` is article text.
    pub fn posteriors(&self, ballot: &Ballot, source_of: &[usize]) -> Vec<f64> {
        let rates = self.copy_rates(ballot, source_of);
        (0..ballot.slots())
            .map(|s| posterior(ballot, &rates, self.article_share, s))
            .collect()
    }

    /// Which slots of `ballot` to keep: those no copy votes against, and
    /// those whose posterior is at least one half.
    pub fn decide(&self, ballot: &Ballot, source_of: &[usize]) -> Vec<bool> {
        self.posteriors(ballot, source_of)
            .iter()
            .enumerate()
            .map(|(s, &p)| !ballot.contested(s) || p >= 0.5)
            .collect()
    }
}

/// Adds one ballot's expected votes to `tally`, each slot's counted as
/// article text by its belief.
fn add_tally(ballot: &Ballot, source_of: &[usize], beliefs: &[f64], tally: &mut Tally) {
    for (slot, &p) in beliefs.iter().enumerate() {
        tally.slots[0] += p;
        tally.slots[1] += 1.0;
        for (copy, &vote) in ballot.votes(slot).iter().enumerate() {
            let Some(k) = vote.outcome() else { continue };
            let t = &mut tally.sources[source_of[copy]];
            t[0][k] += p;
            t[1][k] += 1.0 - p;
        }
    }
}

/// Ballots whose beliefs are found at once while learning: enough to
/// share among threads, few enough that they are still in the cache when
/// their beliefs are added up (4,096 took 4.4 s on one thread at a
/// million documents, 512 took 3.2).
const LEARNING_CHUNK: usize = 512;

/// The chance that slot `slot` is article text, given each copy's rates
/// and the prior chance `prior`.
fn posterior(ballot: &Ballot, rates: &[Rates], prior: f64, slot: usize) -> f64 {
    let mut odds = (prior / (1.0 - prior)).ln();
    for (r, &vote) in rates.iter().zip(ballot.votes(slot)) {
        odds += r.log_ratio(vote);
    }
    1.0 / (1.0 + (-odds).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::align;
    use crate::ingest::Meta;
    use crate::normalize::{DocId, normalize};

    fn ballot(texts: &[&str]) -> Ballot {
        let docs: Vec<Document> = texts
            .iter()
            .map(|t| normalize(DocId(0), "d", "d", &Meta::default(), t))
            .collect();
        let refs: Vec<&Document> = docs.iter().collect();
        Ballot::of(&refs, &align(&refs, 1 << 24))
    }

    const ARTICLE: &str = "The council approved the budget on Tuesday night. \
        Spending on roads rises by a tenth next year.\n\n\
        The mayor said the vote was a relief for the city.";

    #[test]
    fn votes_tell_a_gap_from_an_end_and_a_cut_from_an_end() {
        let full = format!("Home\n\n{ARTICLE}\n\nContact us");
        let clean = ARTICLE.to_string();
        let cut = "The council approved the budget on Tuesday night. \
                   Spending on roads rises by a tenth next\n\nTo be continued.";
        let b = ballot(&[&full, &clean, cut]);
        assert_eq!(b.slots(), 5);
        assert_eq!(b.votes(0), [Vote::Carries, Vote::Lacks, Vote::Lacks]);
        assert_eq!(b.votes(3), [Vote::Carries, Vote::Carries, Vote::Abstains]);
        assert_eq!(b.votes(4), [Vote::Carries, Vote::Ended, Vote::Abstains]);
    }

    #[test]
    fn a_line_only_one_copy_prints_after_its_end_does_not_stretch_its_reach() {
        // The second copy's trailing app notice follows its "Read more";
        // its reach ends with the text it shares, so it has ended (not
        // lacks) before the rest of the article.
        let full = ARTICLE.to_string();
        let teaser = "The council approved the budget on Tuesday night.\n\n\
                      Sign in to our app to get the stories that matter to you every morning.";
        let b = ballot(&[&full, teaser]);
        let last_article_slot = (0..b.slots())
            .find(|&s| b.votes(s)[1] != Vote::Carries && b.votes(s)[0] == Vote::Carries)
            .unwrap();
        assert_ne!(b.votes(last_article_slot)[1], Vote::Lacks);
    }

    #[test]
    fn learning_finds_the_page_dump_uninformative() {
        // Source 0 carries every slot; source 1 only the article slots (the
        // first three of five) and ends there; source 2 the same, but lacks
        // the middle one on every other article.
        let mut ballots = Vec::new();
        for i in 0..40 {
            let votes = (0..5)
                .flat_map(|s| {
                    let precise = if s < 3 { Vote::Carries } else { Vote::Ended };
                    let loose = match s {
                        1 if i % 2 == 0 => Vote::Lacks,
                        0..=2 => Vote::Carries,
                        _ => Vote::Ended,
                    };
                    [Vote::Carries, precise, loose]
                })
                .collect();
            ballots.push(Ballot { copies: 3, votes });
        }
        let sources = [0, 1, 2];
        let refs: Vec<(&Ballot, &[usize])> = ballots.iter().map(|b| (b, &sources[..])).collect();
        let model = Model::learn(&refs, 3);
        let dump = model.sources[0];
        let precise = model.sources[1];
        assert!(dump.article[0] / dump.other[0] < 1.5, "{dump:?}");
        assert!(precise.article[0] / precise.other[0] > 5.0, "{precise:?}");
        let keep = model.decide(&ballots[0], &sources);
        assert_eq!(keep, [true, true, true, false, false]);
    }

    #[test]
    fn learning_does_not_depend_on_the_number_of_threads() {
        // More ballots than one chunk, with votes of every kind from a
        // small generator, so the sums have many terms in a fixed order.
        let kinds = [
            Vote::Carries,
            Vote::Lacks,
            Vote::Ended,
            Vote::Broken,
            Vote::Abstains,
        ];
        let mut drawn = 0u64;
        let mut next = |n: usize| {
            drawn += 1;
            let h = xxhash_rust::xxh3::xxh3_64(&drawn.to_le_bytes());
            (h % n as u64) as usize
        };
        let ballots: Vec<(Ballot, Vec<usize>)> = (0..LEARNING_CHUNK * 2 + 100)
            .map(|_| {
                let copies = 2 + next(3);
                let slots = 1 + next(6);
                let votes = (0..copies * slots).map(|_| kinds[next(5)]).collect();
                let sources = (0..copies).map(|_| next(4)).collect();
                (Ballot { copies, votes }, sources)
            })
            .collect();
        let refs: Vec<(&Ballot, &[usize])> =
            ballots.iter().map(|(b, s)| (b, s.as_slice())).collect();
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| Model::learn(&refs, 4))
        };
        assert_eq!(on(1), on(3));
    }
}
