//! The shapes real extractions take, built by hand: full-page dumps with
//! menus, related links and a footer; precise extractions; a loose one that
//! drops a paragraph and keeps a caption; the whole article on one line;
//! copies cut short. The canonical text must be the article, and only the
//! cut copies flagged.

use crate::util::{by_id, read_jsonl, run};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// A small deterministic generator (an LCG), so the fixture is the same on
/// every machine.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "council",
    "budget",
    "minister",
    "harbour",
    "railway",
    "school",
    "river",
    "winter",
    "farmers",
    "prices",
    "report",
    "court",
    "station",
    "bridge",
    "village",
    "doctors",
    "hospital",
    "voters",
    "energy",
    "market",
    "airport",
    "museum",
    "teachers",
    "police",
    "storm",
    "forest",
    "mayor",
    "union",
    "workers",
    "island",
    "factory",
    "library",
    "coast",
    "valley",
    "festival",
    "tunnel",
    "approved",
    "rejected",
    "announced",
    "delayed",
    "opened",
    "closed",
    "measured",
    "funded",
    "reviewed",
    "expected",
    "rebuilt",
    "doubled",
    "reduced",
    "planned",
    "questioned",
    "warned",
    "new",
    "old",
    "local",
    "national",
    "early",
    "late",
    "public",
    "private",
    "small",
    "large",
    "northern",
    "southern",
    "quiet",
    "busy",
    "final",
    "annual",
    "second",
    "modern",
    "rural",
];

pub(crate) struct Article {
    pub(crate) headline: String,
    pub(crate) paragraphs: Vec<String>,
}

fn sentence(rng: &mut Rng) -> String {
    let n = 9 + rng.next(9);
    let mut words: Vec<&str> = (0..n).map(|_| WORDS[rng.next(WORDS.len())]).collect();
    words[0] = ["The", "A", "Our", "Every", "This"][rng.next(5)];
    format!("{}.", words.join(" "))
}

pub(crate) fn article(rng: &mut Rng) -> Article {
    let headline = (0..6)
        .map(|_| WORDS[rng.next(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ");
    let paragraphs = (0..7 + rng.next(4))
        .map(|_| {
            (0..2 + rng.next(3))
                .map(|_| sentence(rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    Article {
        headline: format!("Headline: {headline}"),
        paragraphs,
    }
}

/// Short capitalised lines of a page's menus, different on every page.
fn menu(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let w = WORDS[rng.next(WORDS.len())];
            let mut c = w.chars();
            let first = c.next().unwrap().to_uppercase().collect::<String>();
            format!(
                "{first}{} {}",
                c.as_str(),
                ["news", "guide", "live", "deals"][rng.next(4)]
            )
        })
        .collect()
}

fn dump(a: &Article, rng: &mut Rng) -> String {
    let mut lines = menu(rng, 8);
    lines.push(a.headline.clone());
    lines.extend(a.paragraphs.iter().cloned());
    lines.push("More from the newsroom".into());
    for _ in 0..4 {
        lines.push(sentence(rng).trim_end_matches('.').to_string());
    }
    lines.extend(menu(rng, 5));
    lines.join("\n")
}

fn precise(a: &Article) -> String {
    let mut paras = vec![a.headline.clone()];
    paras.extend(a.paragraphs.iter().cloned());
    paras.join("\n\n")
}

fn loose(a: &Article, rng: &mut Rng) -> String {
    let mut paras = vec![a.headline.clone()];
    let skip = 2 + rng.next(a.paragraphs.len() - 3);
    for (i, p) in a.paragraphs.iter().enumerate() {
        if i != skip {
            paras.push(p.clone());
        }
        if i == 1 {
            paras.push("Photograph courtesy of the agency".into());
        }
    }
    paras.join("\n\n")
}

fn one_line(a: &Article) -> String {
    format!("{}\n\n{}", a.headline, a.paragraphs.join(" "))
}

/// The first 40% of the paragraphs, then half of the next one, broken off
/// mid-sentence.
fn cut(a: &Article) -> String {
    let keep = a.paragraphs.len() * 2 / 5;
    let mut paras = vec![a.headline.clone()];
    paras.extend(a.paragraphs[..keep].iter().cloned());
    let next: Vec<&str> = a.paragraphs[keep].split(' ').collect();
    let half = next[..next.len() / 2].join(" ");
    paras.push(half.trim_end_matches('.').to_string());
    paras.join("\n\n")
}

fn write(root: &Path, source: &str, n: usize, text: &str) {
    let dir = root.join(source);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(format!("{n:02}.txt")), text).unwrap();
}

/// Twelve articles; every one published by two page dumps, three precise
/// extractors, a loose one and a one-line one; a few also cut short; and
/// four more in two or three copies, the common case of real corpora.
fn corpus(root: &Path) -> Vec<Article> {
    let mut rng = Rng(7);
    let articles: Vec<Article> = (0..16).map(|_| article(&mut rng)).collect();
    for (n, a) in articles.iter().enumerate().take(12) {
        write(root, "dump-a", n, &dump(a, &mut rng));
        write(root, "dump-b", n, &dump(a, &mut rng));
        for source in ["precise-a", "precise-b", "precise-c"] {
            write(root, source, n, &precise(a));
        }
        write(root, "loose", n, &loose(a, &mut rng));
        write(root, "one-line", n, &one_line(a));
        if n % 3 == 0 {
            write(root, "feed", n, &cut(a));
        }
    }
    write(root, "dump-a", 12, &dump(&articles[12], &mut rng));
    write(root, "precise-a", 12, &precise(&articles[12]));
    write(root, "precise-b", 13, &precise(&articles[13]));
    write(root, "feed", 13, &cut(&articles[13]));
    write(root, "one-line", 14, &one_line(&articles[14]));
    write(root, "precise-c", 14, &precise(&articles[14]));
    write(root, "dump-b", 15, &dump(&articles[15], &mut rng));
    write(root, "precise-b", 15, &precise(&articles[15]));
    write(root, "loose", 15, &loose(&articles[15], &mut rng));
    articles
}

struct Output {
    documents: Vec<Value>,
    clusters: Vec<Value>,
    sources: Vec<Value>,
}

fn output() -> &'static (Vec<Article>, Output) {
    static RUN: std::sync::OnceLock<(Vec<Article>, Output)> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        let out = dir.path().join("out");
        let articles = corpus(&input);
        run(&input, &out, &["-q"]);
        let output = Output {
            documents: read_jsonl(&out.join("documents.jsonl")),
            clusters: read_jsonl(&out.join("clusters.jsonl")),
            sources: read_jsonl(&out.join("sources.jsonl")),
        };
        (articles, output)
    })
}

fn canonical_of(doc: &str) -> Vec<String> {
    let (_, out) = output();
    let cluster = by_id(&out.documents, doc)["cluster"].as_str().unwrap();
    by_id(&out.clusters, cluster)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect()
}

fn expected(a: &Article) -> Vec<String> {
    let mut lines = vec![a.headline.clone()];
    lines.extend(a.paragraphs.iter().cloned());
    lines
}

#[test]
fn page_dumps_menus_and_footers_are_outvoted() {
    let (articles, _) = output();
    for (n, article) in articles.iter().enumerate().take(12) {
        assert_eq!(
            canonical_of(&format!("dump-a/{n:02}.txt")),
            expected(article),
            "article {n}"
        );
    }
}

#[test]
fn one_dump_and_one_precise_copy_give_the_article() {
    let (articles, _) = output();
    assert_eq!(canonical_of("dump-a/12.txt"), expected(&articles[12]));
}

#[test]
fn a_whole_article_on_one_line_is_not_doubled_and_takes_the_others_paragraphs() {
    let (articles, _) = output();
    assert_eq!(canonical_of("one-line/14.txt"), expected(&articles[14]));
}

#[test]
fn a_cut_copy_and_a_full_one_give_the_full_article() {
    let (articles, _) = output();
    assert_eq!(canonical_of("feed/13.txt"), expected(&articles[13]));
}

#[test]
fn a_loose_copy_neither_loses_a_paragraph_nor_adds_its_caption() {
    let (articles, _) = output();
    assert_eq!(canonical_of("loose/15.txt"), expected(&articles[15]));
}

#[test]
fn only_the_cut_copies_are_flagged_truncated() {
    let (_, out) = output();
    for d in &out.documents {
        let id = d["id"].as_str().unwrap();
        let cut = id.starts_with("feed/");
        assert_eq!(d["truncated"], cut, "{id}: {d}");
        if cut {
            let t = &d["truncation"];
            assert!(t["cut_after_line"].is_u64(), "{id}: {t}");
            assert!(t["mid_sentence"].as_bool().unwrap(), "{id}: {t}");
        }
    }
}

#[test]
fn sources_report_what_each_adds_and_drops() {
    let sources = &output().1.sources;
    let presence = |s: &str| by_id_source(sources, s)["presence"].clone();
    let dump = presence("dump-a");
    let precise = presence("precise-a");
    assert!(dump["outvoted"].as_f64().unwrap() > 0.3, "{dump}");
    assert!(precise["outvoted"].as_f64().unwrap() < 0.05, "{precise}");
    assert!(
        presence("loose")["missed"].as_f64().unwrap() > precise["missed"].as_f64().unwrap(),
        "{sources:?}"
    );
    let paragraphing = |s: &str| presence(s)["paragraphing"].as_f64().unwrap();
    assert_eq!(paragraphing("precise-a"), 1.0);
    assert!(paragraphing("one-line") < 0.9, "{sources:?}");
}

fn by_id_source<'a>(records: &'a [Value], source: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["source"] == source)
        .unwrap_or_else(|| panic!("no source {source}"))
}
