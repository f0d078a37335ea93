//! `run` one stage at a time (the Spark job's cut) gives `run`'s output,
//! whatever order the workers' results come back in.

use crate::real_shapes::{Rng, article};
use crate::util::data_dir;
use newsmerge::Config;
use newsmerge::engine::staged::{self, Context};
use newsmerge::engine::{Mode, Silent, run_entries, run_path};
use newsmerge::ingest::{Entry, Meta};
use newsmerge::report::Outcome;
use newsmerge::sketch::Signature;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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
    let found = keyed_clusters(&signatures, config);
    assert_eq!(found, staged::clusters(&signatures, config));
    let mut clusters: Vec<(String, Vec<Entry>)> = found
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

/// The clusters found as the Spark job finds them: candidates from
/// groupings by key (each a shuffle there), verified pairs, components,
/// and each component split.
fn keyed_clusters(signatures: &[Signature], config: &Config) -> Vec<(String, Vec<u32>)> {
    let keys: Vec<(u32, staged::CandidateKeys)> = (0..signatures.len() as u32)
        .filter_map(|d| Some((d, staged::candidate_keys(&signatures[d as usize])?)))
        .collect();
    let mut pairs: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut originals = Vec::new();
    for group in grouped(keys.iter().map(|(d, k)| (k.exact, *d))).values() {
        let group: Vec<_> = group
            .iter()
            .map(|&d| (d, signatures[d as usize].clone()))
            .collect();
        let (firsts, copies) = staged::exact_copies(&group);
        originals.extend(firsts);
        pairs.extend(copies);
    }
    let originals: BTreeSet<u32> = originals.into_iter().collect();
    let keys: BTreeMap<u32, &staged::CandidateKeys> = keys
        .iter()
        .filter(|(d, _)| originals.contains(d))
        .map(|(d, k)| (*d, k))
        .collect();
    let mut centres: BTreeSet<(u32, u32)> = BTreeSet::new();
    for seed in 0..4 {
        let near = keys.iter().filter_map(|(&d, k)| Some((k.near[seed]?, d)));
        for group in grouped(near).values().filter(|g| g.len() > 1) {
            let centre = *group
                .iter()
                .max_by_key(|&&d| (keys[&d].shingles, std::cmp::Reverse(d)))
                .unwrap();
            for &d in group {
                centres.insert((d, centre));
                if d != centre {
                    pairs.insert((d.min(centre), d.max(centre)));
                }
            }
        }
    }
    for (_, of_one) in grouped(centres.iter().copied()) {
        for (i, &x) in of_one.iter().enumerate() {
            pairs.extend(of_one[i + 1..].iter().map(|&y| (x.min(y), x.max(y))));
        }
    }
    let postings = grouped(
        keys.iter()
            .flat_map(|(&d, k)| k.sample.iter().map(move |&h| (h, d))),
    );
    let mut shared: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for posting in postings.values() {
        if (2..=staged::max_posting(config)).contains(&posting.len()) {
            for (i, &a) in posting.iter().enumerate() {
                for &b in &posting[i + 1..] {
                    *shared.entry((a.min(b), a.max(b))).or_default() += 1;
                }
            }
        }
    }
    for ((a, b), n) in shared {
        let smaller = keys[&a].sample.len().min(keys[&b].sample.len());
        if n >= staged::shared_needed(smaller, config) {
            pairs.insert((a, b));
        }
    }
    let verified: Vec<(u32, u32)> = pairs
        .into_iter()
        .filter(|&(a, b)| staged::verify(&signatures[a as usize], &signatures[b as usize], config))
        .collect();
    let mut found = Vec::new();
    for component in staged::components(signatures.len(), &verified) {
        let within: Vec<(u32, u32)> = verified
            .iter()
            .copied()
            .filter(|(a, _)| component.binary_search(a).is_ok())
            .collect();
        let members = component
            .iter()
            .map(|&d| (d, signatures[d as usize].clone()))
            .collect();
        found.extend(staged::split(members, &within, config));
    }
    staged::name_clusters(signatures.len(), found)
}

/// Values grouped by key, each group in the order given.
fn grouped<K: Ord, V>(items: impl Iterator<Item = (K, V)>) -> BTreeMap<K, Vec<V>> {
    let mut groups: BTreeMap<K, Vec<V>> = BTreeMap::new();
    for (k, v) in items {
        groups.entry(k).or_default().push(v);
    }
    groups
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

/// Stories syndicated past a small posting cap, with exact copies and
/// edited ones, beside unrelated articles: every kind of candidate pair.
#[test]
fn syndicated_stories_staged_are_the_stories_run() {
    let config = Config::builder().max_posting(6).build().unwrap();
    let mut rng = Rng(11);
    let mut entries = Vec::new();
    for story in 0..4 {
        let a = article(&mut rng);
        for i in 0..24 {
            let mut paras = a.paragraphs.clone();
            if i % 3 != 0 {
                let p = i % paras.len();
                paras[p] = format!("{} edit{i}", paras[p]);
            }
            let body = format!("{}\n\n{}", a.headline, paras.join("\n\n"));
            entries.push(Entry {
                id: format!("s{}/{story}-{i:02}.txt", i % 5),
                source: format!("s{}", i % 5),
                meta: Meta::default(),
                body: Ok(body),
            });
        }
    }
    let whole = run_entries(entries.clone(), Mode::Run, &config, &Silent).unwrap();
    assert!(whole.summary.multi_copy_clusters >= 4);
    for seed in [3, 99] {
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
