#!/usr/bin/env python3
"""Generates a benchmark corpus of scraped news copies, with the truth beside it.

Real article text (the Lee corpus of ABC news articles, fetched by
fetch_lee.sh) is published through simulated sites, each with the habits
scraped copies show: site furniture, headline suffixes, reading-time lines,
"See also" widgets, paywalls, truncation with and without a marker, hard
wraps, page-break splits, OCR noise, HTML entities, curly quotes, single
newlines, editorial edits, moved paragraphs, and teasers. Hard negatives are
mixed in: stories that quote the same press-release paragraph, sites whose
every page carries the same long footer, and articles of one topic.

Beyond the 300 Lee articles, more articles are made by recombining Lee
sentences, each rewritten by swapping about a third of its words for
other words of the corpus, so that a corpus of any size holds distinct
articles (as a real one does) rather than the same few thousand sentences
over and over. One sentence of each such article (never the first, which
its headline is made from) is kept verbatim, so
different articles still share a sentence now and then: a hard negative.

Output:
  OUT/corpus/<site>/<article>.txt     (and one JSONL file for the feed site)
  OUT/truth.jsonl    one line per document: id, article, truncated,
                     paywalled, teaser
  OUT/articles.jsonl one line per article: article, text (the true text,
                     paragraphs separated by blank lines)

With --jsonl N the corpus is instead N JSON Lines files,
OUT/corpus/part-NNN.jsonl, one record per document with its text, its
site as "source" and, for the html site, its url; documents are spread
over the files in turn. This is the form for large corpora (a million
small files are slow to write and to read on most file systems).

The rewritten articles draw on the Lee corpus's few thousand sentences,
so at a million documents every sentence is reused, rewritten, about a
thousand times and many shingles recur across unrelated articles.
--rewrite sets the share of words swapped (default 0.35); a higher share
gives more distinct text, to check that a figure is not an artefact of
the small pool.

Usage: generate.py --lee lee_background.cor --out DIR [--articles N] [--seed S]
                   [--jsonl N] [--rewrite R]
"""

import argparse
import json
import os
import random
import re

SITES = ["wire", "reader", "paywall", "feed", "ocr", "html", "editor", "teaser"]

# Long lines every page of a site carries: learned furniture, and a
# boilerplate hard negative (they must never make two pages match).
SITE_FOOTERS = {
    "reader": "The Daily Planet is an independent newspaper founded in 1938 and "
    "based in Metropolis, serving readers across the whole region every day.",
    "editor": "This story has been corrected to reflect the latest figures "
    "released by the authorities and comments from the people involved.",
    "teaser": "Sign in to the Morning Brief app to get the stories that matter "
    "to you delivered every morning before breakfast, free of charge.",
}

TRUNCATION_MARKERS = ["To be continued.", "Continue reading", "Read more", "(continued)"]

OCR_SUBS = [("m", "rn"), ("l", "1"), ("e", "c"), ("o", "0"), ("i", "l"), ("h", "b")]

SYNONYMS = {
    "said": "says",
    "says": "said",
    "people": "residents",
    "today": "on Monday",
    "government": "Government",
    "about": "around",
    "more than": "over",
    "police": "officers",
}


def sentences(text):
    parts = re.split(r'(?:(?<=[.!?])|(?<=[.!?]["”]))\s+(?=["“]?[A-Z])', text.strip())
    return [p.strip() for p in parts if p.strip()]


def headline(first_sentence):
    words = first_sentence.rstrip(".!?").split()
    return " ".join(words[: min(len(words), 10)])


def to_paragraphs(sents, rng):
    paras, i = [], 0
    while i < len(sents):
        n = rng.choice([1, 2, 2, 3])
        paras.append(" ".join(sents[i : i + n]))
        i += n
    return paras


def shingles(text, k=5):
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def distinct(docs):
    """Drops documents mostly contained in an earlier one: the Lee corpus
    holds a few near-copies, which would be one article, not two."""
    kept, seen = [], []
    for d in docs:
        s = shingles(d)
        if all(len(s & t) < 0.5 * min(len(s), len(t)) for t in seen):
            kept.append(d)
            seen.append(s)
    return kept


def rewrite(sentence, vocab, rng, rate=0.35):
    """Swaps about `rate` of a sentence's words for random corpus words,
    keeping capitals and punctuation."""

    def swap(m):
        if rng.random() >= rate:
            return m.group(0)
        w = rng.choice(vocab)
        return w.capitalize() if m.group(0)[0].isupper() else w.lower()

    return re.sub(r"[A-Za-z]+", swap, sentence)


def load_articles(path, count, rng, rate=0.35):
    docs = [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
    pools = [sentences(d) for d in distinct(docs)]
    pools = [p for p in pools if len(p) >= 4]
    articles = []
    for sents in pools[:count]:
        articles.append(sents)
    all_sents = [s for p in pools for s in p]
    vocab = sorted({w for s in all_sents for w in re.findall(r"[A-Za-z]+", s)})
    while len(articles) < count:
        n = rng.randint(8, 22)
        sents = rng.sample(all_sents, n)
        keep = rng.randrange(1, n)  # not the first: headlines come from it
        articles.append([s if i == keep else rewrite(s, vocab, rng, rate) for i, s in enumerate(sents)])
    out = []
    for sents in articles:
        title = headline(sents[0])
        out.append([title] + to_paragraphs(sents, rng))
    return out


def quote_press_releases(articles, rng, share=0.08):
    """Makes some pairs of different articles quote one statement paragraph."""
    n = len(articles)
    for _ in range(int(n * share)):
        a, b = rng.sample(range(n), 2)
        statement = max(articles[a][1:], key=len)
        body = articles[b]
        body.insert(rng.randint(2, max(2, len(body) - 1)), "In a statement, officials said: " + statement)


# --- site habits -----------------------------------------------------------


def curly(text):
    text = re.sub(r'"(\w)', "“\\1", text)
    text = text.replace('"', "”")
    return text.replace("'", "’")


def entities(text):
    return text.replace("&", "&amp;").replace("’", "&#8217;").replace("'", "&#39;").replace('"', "&quot;")


def ocr_noise(text, rng, rate):
    out = []
    for word in text.split(" "):
        if rng.random() < rate:
            a, b = rng.choice(OCR_SUBS)
            word = word.replace(a, b, 1)
        out.append(word)
    return " ".join(out)


def hard_wrap(para, width):
    lines, line = [], ""
    for word in para.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def page_break(paras, rng):
    """Splits long paragraphs mid-sentence, as page breaks do."""
    out = []
    for p in paras:
        words = p.split()
        if len(words) > 40 and rng.random() < 0.3:
            cut = rng.randint(15, len(words) - 10)
            while cut < len(words) - 5 and words[cut - 1][-1] in ".!?\"”":
                cut += 1
            out += [" ".join(words[:cut]), " ".join(words[cut:])]
        else:
            out.append(p)
    return out


def cut_point(n, rng, low, high):
    return max(1, min(n - 1, round(n * rng.uniform(low, high))))


def publish(site, article, rng):
    """Returns (text, truncated, paywalled, teaser) for one site's copy."""
    title, body = article[0], article[1:]
    footer = SITE_FOOTERS.get(site)
    if site == "wire":
        return "\n\n".join([title] + body) + "\n", False, False, False
    if site == "reader":
        minutes = rng.randint(2, 30)
        paras = ["dailyplanet.example", f"{title} • Daily Planet", f"{minutes}-{minutes + 4} minutes"]
        mid = len(body) // 2
        paras += body[:mid] + ["See also"] + body[mid:] + [footer]
        return "\n\n".join(paras) + "\n", False, False, False
    if site == "paywall":
        keep = cut_point(len(body), rng, 0.2, 0.5)
        left = 100 * (1 - keep / len(body)) + rng.random()
        paras = [f"Home » World » {title}", title] + body[:keep]
        paras.append(f"You have {left:.2f}% of this article left to read. The following is for subscribers only.")
        paras += ["Leave a Comment", "This site uses Akismet to reduce spam. Learn how your comment data is processed."]
        # Paywalled, not truncated: the paywall is the reason it stops.
        return "\n\n".join(paras) + "\n", False, True, False
    if site == "feed":
        keep = cut_point(len(body), rng, 0.2, 0.6)
        paras = [title] + body[:keep]
        if rng.random() < 0.7:
            paras.append(rng.choice(TRUNCATION_MARKERS))
        else:
            words = body[keep].split()
            paras.append(" ".join(words[: max(3, len(words) // 2)]))
        return "\n\n".join(paras) + "\n", True, False, False
    if site == "ocr":
        paras = [title] + page_break(body, rng)
        width = rng.choice([64, 72, 80])
        wrapped = [hard_wrap(ocr_noise(p, rng, 0.02), width) for p in paras]
        return "\n\n".join(wrapped) + "\n", False, False, False
    if site == "html":
        paras = [entities(curly(p)) for p in [title] + body]
        return "\n".join(paras) + "\n", False, False, False
    if site == "editor":
        paras = list(body)
        if len(paras) > 4:
            paras.pop(rng.randrange(1, len(paras)))
            moved = paras.pop(rng.randrange(1, len(paras)))
            paras.insert(rng.randrange(1, len(paras)), moved)
        edited = []
        for p in paras:
            for a, b in SYNONYMS.items():
                if rng.random() < 0.3:
                    p = p.replace(f" {a} ", f" {b} ", 1)
            edited.append(p)
        paras = [title] + edited + ["Reporting by Jane Doe; Editing by John Roe", footer]
        return "\n\n".join(paras) + "\n", False, False, False
    if site == "teaser":
        first = sentences(body[0])[0]
        return "\n\n".join([title, first, "Read more", footer]) + "\n", True, False, True
    raise ValueError(site)


def url_of(n):
    return f"https://www.htmlsite.example/story/{n}"


class FolderSink:
    """One file per document, in a folder per site; the html site's copies
    as records of one JSON Lines feed."""

    def __init__(self, corpus):
        self.corpus, self.feed = corpus, []

    def write(self, site, n, text):
        if site == "html":
            self.feed.append({"text": text, "url": url_of(n)})
            return f"html/feed.jsonl#{len(self.feed)}"
        os.makedirs(os.path.join(self.corpus, site), exist_ok=True)
        doc_id = f"{site}/{n:06}.txt"
        with open(os.path.join(self.corpus, doc_id), "w", encoding="utf-8") as f:
            f.write(text)
        return doc_id

    def close(self):
        if self.feed:
            os.makedirs(os.path.join(self.corpus, "html"), exist_ok=True)
            with open(os.path.join(self.corpus, "html", "feed.jsonl"), "w", encoding="utf-8") as f:
                for r in self.feed:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")


class ShardSink:
    """Every document as a record of one of `shards` JSON Lines files, in turn."""

    def __init__(self, corpus, shards):
        names = [f"part-{i:03}.jsonl" for i in range(shards)]
        self.names = names
        self.files = [open(os.path.join(corpus, n), "w", encoding="utf-8") for n in names]
        self.lines = [0] * shards
        self.next = 0

    def write(self, site, n, text):
        i = self.next
        self.next = (i + 1) % len(self.files)
        record = {"text": text, "source": site}
        if site == "html":
            record["url"] = url_of(n)
        self.files[i].write(json.dumps(record, ensure_ascii=False) + "\n")
        self.lines[i] += 1
        return f"{self.names[i]}#{self.lines[i]}"

    def close(self):
        for f in self.files:
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lee", required=True, help="path to lee_background.cor")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--articles", type=int, default=300, help="number of articles (default 300)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--jsonl", type=int, default=0, metavar="N", help="write N JSON Lines files instead of one file per document")
    ap.add_argument("--rewrite", type=float, default=0.35, help="share of words swapped in made-up articles (default 0.35)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    articles = load_articles(args.lee, args.articles, rng, args.rewrite)
    quote_press_releases(articles, rng)

    corpus = os.path.join(args.out, "corpus")
    os.makedirs(corpus, exist_ok=True)
    with open(os.path.join(args.out, "articles.jsonl"), "w", encoding="utf-8") as f:
        for n, article in enumerate(articles):
            f.write(json.dumps({"article": n, "text": "\n\n".join(article)}) + "\n")
    sink = ShardSink(corpus, args.jsonl) if args.jsonl else FolderSink(corpus)
    truth = []
    for n, article in enumerate(articles):
        sites = rng.sample(SITES, rng.randint(2, 5))
        for site in sorted(sites):
            text, truncated, paywalled, teaser = publish(site, article, rng)
            doc_id = sink.write(site, n, text)
            truth.append({"id": doc_id, "article": n, "truncated": truncated, "paywalled": paywalled, "teaser": teaser})
    sink.close()
    with open(os.path.join(args.out, "truth.jsonl"), "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t) + "\n")
    print(f"{len(truth)} documents of {len(articles)} articles in {corpus}")


if __name__ == "__main__":
    main()
