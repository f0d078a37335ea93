//! Invariants of the engine on generated corpora (proptest).

use newsmerge::Config;
use newsmerge::engine::{Mode, Silent, run_entries};
use newsmerge::ingest::{Entry, Meta};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const WORDS: &[&str] = &[
    "minister",
    "council",
    "budget",
    "vote",
    "talks",
    "border",
    "treaty",
    "said",
    "on",
    "the",
    "monday",
    "agreement",
    "troops",
    "prices",
    "market",
    "rose",
    "fell",
    "report",
    "week",
    "city",
    "court",
    "ruling",
    "police",
    "storm",
    "school",
    "energy",
    "plan",
    "leaders",
    "meeting",
    "crisis",
];

/// A paragraph of 6 to 30 words drawn from [`WORDS`].
fn paragraph() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 6..30).prop_map(|w| {
        let mut s = w.join(" ");
        s.push('.');
        s
    })
}

/// What a site does to an article when it publishes a copy.
#[derive(Clone, Debug)]
enum Habit {
    Whole,
    CutAfter(usize),
    Drop(usize),
    Furniture,
    Typo(usize),
}

fn habit() -> impl Strategy<Value = Habit> {
    prop_oneof![
        Just(Habit::Whole),
        (1usize..8).prop_map(Habit::CutAfter),
        (0usize..8).prop_map(Habit::Drop),
        Just(Habit::Furniture),
        (0usize..8).prop_map(Habit::Typo),
    ]
}

fn publish(article: &[String], habit: &Habit) -> String {
    let mut paras: Vec<String> = article.to_vec();
    match *habit {
        Habit::Whole => {}
        Habit::CutAfter(n) => paras.truncate(n.max(1)),
        Habit::Drop(i) => {
            if paras.len() > 1 {
                paras.remove(i % paras.len());
            }
        }
        Habit::Furniture => {
            paras.insert(0, "example.com".into());
            paras.push("Leave a Comment".into());
        }
        Habit::Typo(i) => {
            let n = paras.len();
            paras[i % n] = paras[i % n].replacen('e', "c", 2);
        }
    }
    paras.join("\n\n")
}

/// A corpus: up to three articles, each published by up to four sites.
pub(crate) fn corpus() -> impl Strategy<Value = Vec<Entry>> {
    let article = prop::collection::vec(paragraph(), 1..8);
    let copies = prop::collection::vec(habit(), 1..5);
    prop::collection::vec((article, copies), 1..4).prop_map(|articles| {
        let mut entries = Vec::new();
        for (a, (paras, habits)) in articles.iter().enumerate() {
            for (s, h) in habits.iter().enumerate() {
                entries.push(Entry {
                    id: format!("site{s}/article{a}.txt"),
                    source: format!("site{s}"),
                    meta: Meta::default(),
                    body: Ok(publish(paras, h)),
                });
            }
        }
        entries
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn invariants_hold(entries in corpus(), seed in any::<u64>()) {
        let config = Config::default();
        let out = run_entries(entries.clone(), Mode::Run, &config, &Silent).unwrap();

        // Every input appears once, in id order.
        let ids: Vec<&str> = out.documents.iter().map(|d| d.id.as_str()).collect();
        let mut want: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        want.sort();
        prop_assert_eq!(&ids, &want);

        // Every ok document is in exactly one cluster, the one it names.
        let mut seen = BTreeMap::new();
        for c in &out.clusters {
            for m in &c.members {
                prop_assert!(seen.insert(m.clone(), c.id.clone()).is_none());
            }
        }
        for d in &out.documents {
            prop_assert_eq!(d.cluster.as_ref(), seen.get(&d.id));
        }

        // Exactly one member of each cluster is kept, and it is the pivot.
        for c in &out.clusters {
            let kept: Vec<&String> = out
                .documents
                .iter()
                .filter(|d| d.keep && d.cluster.as_ref() == Some(&c.id))
                .map(|d| &d.id)
                .collect();
            prop_assert_eq!(kept, vec![c.pivot.as_ref().unwrap()]);
        }
        prop_assert!(out.documents.iter().all(|d| d.cluster.is_some() || !d.keep));

        // Every line has a source, and its sources are members.
        for c in &out.clusters {
            let members: BTreeSet<&str> = c.members.iter().map(String::as_str).collect();
            for line in c.lines.as_ref().unwrap() {
                prop_assert!(!line.sources.is_empty());
                prop_assert!(line.sources.iter().all(|s| members.contains(&**s)));
                for v in &line.variants {
                    prop_assert!(v.sources.iter().all(|s| line.sources.contains(s)));
                }
            }
        }

        // The output does not depend on the order of the input.
        let mut shuffled = entries;
        let n = shuffled.len();
        for i in 0..n {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % n as u64) as usize;
            shuffled.swap(i, j);
        }
        let again = run_entries(shuffled, Mode::Run, &config, &Silent).unwrap();
        prop_assert_eq!(out, again);
    }
}
