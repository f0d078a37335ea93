//! Criterion benches, one group per stage plus end to end, in bytes of
//! input text per second. Inputs are built from the sample corpus in
//! `data/`, so the numbers are reproducible on any checkout.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use newsmerge::Config;
use newsmerge::align::align;
use newsmerge::engine::{self, Mode, Silent};
use newsmerge::ingest::{Entry, Meta};
use newsmerge::normalize::{DocId, Document, normalize};
use newsmerge::reconcile::reconcile;
use newsmerge::sketch::{candidates, sketch};
use std::hint::black_box;
use std::path::Path;

fn sample(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("data")
        .join(name);
    std::fs::read_to_string(path).expect("the sample corpus is in data/")
}

/// The full transcript (about 48,000 characters).
fn transcript() -> String {
    sample("001_dde7cbe10627c73c.txt")
}

/// An article of at least 50,000 characters: the transcript, continued
/// with the other sample articles' paragraphs.
fn article_50k() -> String {
    let mut text = transcript();
    for name in [
        "002_50e6ca277f2e68cb.txt",
        "003_ff137786bbcf9b44.txt",
        "004_6728b0b06d372e06.txt",
    ] {
        let more = sample(name);
        for para in more.split("\n\n").skip(1) {
            if text.chars().count() >= 50_000 {
                return text;
            }
            text.push_str("\n\n");
            text.push_str(para.trim());
        }
    }
    text
}

/// Five copies of a 50,000-character article as sites publish it: whole,
/// with typos, cut after a third, with furniture, with paragraphs split in
/// two.
fn five_copies() -> Vec<String> {
    let full = article_50k();
    assert!(
        full.chars().count() >= 50_000,
        "the bench article is 50,000 characters"
    );
    let paras: Vec<&str> = full.split("\n\n").collect();
    let typos = full
        .replace("the ", "tbe ")
        .replacen("President", "Presidcnt", 40);
    let cut = paras[..paras.len() / 3].join("\n\n");
    let furniture = format!("example.com\n\n5 min read\n\n{full}\n\nLeave a Comment");
    let split = paras
        .iter()
        .map(|p| match p.find(". ") {
            Some(i) if p.len() > 400 => format!("{}\n\n{}", &p[..=i], &p[i + 2..]),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    vec![full, typos, cut, furniture, split]
}

fn docs(texts: &[String]) -> Vec<Document> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| normalize(DocId(i as u32), &format!("d{i}"), "s", &Meta::default(), t))
        .collect()
}

/// A deterministic xorshift generator, so every run benches the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word index in 0..n, skewed towards small indexes like word use.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) - 1.0) as usize
    }
}

/// A corpus of `n` documents: synthetic articles of 300 to 900 words over a
/// 20,000-word vocabulary, each published by about four sites, some of them
/// cutting the article short.
fn corpus(n: usize) -> Vec<String> {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "de", "ga", "vo", "li", "ze", "bu", "fa",
        "ho",
    ];
    let vocab: Vec<String> = (0..20_000usize)
        .map(|i| {
            let mut w = String::new();
            let mut x = i + 16;
            while x > 0 {
                w.push_str(SYLLABLES[x % 16]);
                x /= 16;
            }
            w
        })
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let words = 300 + (rng.next() % 600) as usize;
        let article: Vec<&str> = (0..words)
            .map(|_| vocab[rng.zipf(vocab.len())].as_str())
            .collect();
        let paragraphs: Vec<String> = article
            .chunks(60)
            .map(|c| format!("{}.", c.join(" ")))
            .collect();
        for copy in 0..4 {
            let keep = if copy == 3 {
                paragraphs.len().div_ceil(3)
            } else {
                paragraphs.len()
            };
            out.push(paragraphs[..keep].join("\n\n"));
        }
    }
    out.truncate(n);
    out
}

fn bytes(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn bench_normalize(c: &mut Criterion) {
    let text = transcript();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("transcript", |b| {
        b.iter(|| normalize(DocId(0), "d", "s", &Meta::default(), black_box(&text)))
    });
    g.finish();
}

fn bench_sketch(c: &mut Criterion) {
    let texts = vec![transcript()];
    let doc = &docs(&texts)[0];
    let config = Config::default();
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Bytes(bytes(&texts)));
    g.bench_function("transcript", |b| b.iter(|| sketch(black_box(doc), &config)));
    g.finish();
}

fn bench_candidates(c: &mut Criterion) {
    let config = Config::default();
    let mut g = c.benchmark_group("candidates");
    for n in [1_000usize, 10_000] {
        let texts = corpus(n);
        let sigs: Vec<_> = docs(&texts).iter().map(|d| sketch(d, &config)).collect();
        g.throughput(Throughput::Bytes(bytes(&texts)));
        g.bench_with_input(BenchmarkId::from_parameter(n), &sigs, |b, sigs| {
            b.iter(|| candidates(black_box(sigs), &config))
        });
    }
    g.finish();
}

fn bench_reconcile(c: &mut Criterion) {
    let texts = five_copies();
    let docs = docs(&texts);
    let copies: Vec<&Document> = docs.iter().collect();
    let config = Config::default();
    let mut g = c.benchmark_group("align_reconcile");
    g.throughput(Throughput::Bytes(bytes(&texts)));
    g.bench_function("five_copies_50k", |b| {
        b.iter(|| {
            let alignment = align(
                black_box(&copies),
                newsmerge::report::SettingsRecord::of(&config).max_diff_cells,
            );
            reconcile(&copies, &alignment, &[])
        })
    });
    g.finish();
}

fn bench_end_to_end(c: &mut Criterion) {
    let texts = corpus(2_000);
    let entries: Vec<Entry> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Entry {
            id: format!("site{}/a{i}.txt", i % 7),
            source: format!("site{}", i % 7),
            meta: Meta::default(),
            body: Ok(t.clone()),
        })
        .collect();
    let config = Config::default();
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes(&texts)));
    g.bench_function("run_2000_docs", |b| {
        b.iter(|| {
            engine::run_entries(black_box(entries.clone()), Mode::Run, &config, &Silent).unwrap()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_normalize,
    bench_sketch,
    bench_candidates,
    bench_reconcile,
    bench_end_to_end
);
criterion_main!(benches);
