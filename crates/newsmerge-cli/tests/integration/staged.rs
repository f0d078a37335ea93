//! `run` one stage at a time (the Spark job's cut) gives `run`'s output,
//! whatever order the workers' results come back in.

use crate::util::data_dir;
use newsmerge::Config;
use newsmerge::engine::staged::{self, Context};
use newsmerge::engine::{Mode, Silent, run_entries, run_path};
use newsmerge::ingest::{Entry, Meta};
use newsmerge::report::Outcome;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Drives the stages as a distributed driver would, handing each stage's
/// items over in an order scrambled by `seed`, and serializing every value
/// that crosses between driver and workers.
fn staged_run(mut entries: Vec<Entry>, seed: u64, config: &Config) -> Outcome {
    scramble(&mut entries, seed);
    let (mut seen, mut site, mut sources) = (Vec::new(), Vec::new(), Vec::new());
    for e in &entries {
        let (short, long) = staged::furniture_lines(e);
        seen.extend(short);
        site.extend(long);
        if e.body.is_ok() {
            sources.push(e.source.clone());
        }
    }
    let min = staged::furniture_threshold(config);
    let context = Context::learn_furniture(counted(seen, min), counted(site, min), sources, config);
    let context = Context::from_bytes(&context.to_bytes()).unwrap();

    // Readable documents are numbered in id order for clustering.
    let mut readable: Vec<&Entry> = entries.iter().filter(|e| e.body.is_ok()).collect();
    readable.sort_by(|a, b| {
        newsmerge::ingest::id_order(&a.id).cmp(&newsmerge::ingest::id_order(&b.id))
    });
    let signatures: Vec<_> = readable
        .iter()
        .map(|e| staged::fingerprint((*e).clone(), &context, config).unwrap())
        .collect();
    let mut clusters: Vec<(String, Vec<Entry>)> = staged::clusters(&signatures, config)
        .into_iter()
        .map(|(name, members)| {
            let mut copies: Vec<Entry> = members
                .iter()
                .map(|&d| readable[d as usize].clone())
                .collect();
            scramble(&mut copies, seed);
            (name, copies)
        })
        .collect();

    // Ballots are learned from in cluster order.
    let mut context = context;
    let ballots: Vec<_> = clusters
        .iter()
        .map(|(_, m)| staged::ballot(m.clone(), &context, config).unwrap())
        .collect();
    context.learn_presence(&ballots);
    scramble(&mut clusters, seed);
    let tallies = clusters
        .iter()
        .map(|(_, m)| staged::tally(m.clone(), &context, config).unwrap());
    let tallies = context.learn_reliability(tallies.collect::<Vec<_>>());
    let context = Context::from_bytes(&context.to_bytes()).unwrap();
    let outputs = clusters
        .into_iter()
        .map(|(name, m)| staged::merge(&name, m, &context, config).unwrap())
        .collect();
    let problems = entries
        .iter()
        .filter(|e| e.body.is_err())
        .map(staged::problem_record)
        .collect();
    staged::finish(problems, outputs, &tallies, &context, config).unwrap()
}

/// The lines that at least `min` distinct (line, article) pairs carry.
fn counted(mut pairs: Vec<(u64, u64)>, min: usize) -> Vec<u64> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut per_line: BTreeMap<u64, usize> = BTreeMap::new();
    for (line, _) in pairs {
        *per_line.entry(line).or_default() += 1;
    }
    per_line
        .into_iter()
        .filter(|&(_, n)| n >= min)
        .map(|(l, _)| l)
        .collect()
}

/// Reorders `items` by a permutation drawn from `seed`.
fn scramble<T>(items: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

#[test]
fn the_sample_corpus_staged_is_the_sample_corpus_run() {
    let config = Config::default();
    let whole = run_path(&data_dir(), Mode::Run, &config, &Silent).unwrap();
    let mut entries = Vec::new();
    for split in staged::plan(&data_dir(), &config).unwrap() {
        let json = serde_json::to_string(&split).unwrap();
        let split: staged::Split = serde_json::from_str(&json).unwrap();
        entries.extend(split.read(&config));
    }
    for seed in [1, 7, 1234] {
        assert_eq!(staged_run(entries.clone(), seed, &config), whole);
    }
}

/// The property tests' corpus, with an unreadable entry.
fn corpus() -> impl Strategy<Value = Vec<Entry>> {
    crate::properties::corpus().prop_map(|mut entries| {
        entries.push(Entry {
            id: "broken.txt".into(),
            source: "broken".into(),
            meta: Meta::default(),
            body: Err(newsmerge::Problem::Error("not UTF-8".into())),
        });
        entries
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn staged_is_run_in_any_order(entries in corpus(), seed in any::<u64>()) {
        let config = Config::default();
        let whole = run_entries(entries.clone(), Mode::Run, &config, &Silent).unwrap();
        prop_assert_eq!(staged_run(entries, seed, &config), whole);
    }
}
