#!/usr/bin/env python3
"""Hard cases real news corpora carry, generated with their truth, and scored.

  hard_cases.py generate --lee lee_background.cor --out DIR [--cjk-dict dict.txt] [--seed S]
  hard_cases.py score DIR OUT_DIR

`generate` writes DIR/corpus (a folder per site), DIR/truth.jsonl (id,
article, truncated, paywalled, teaser, case), DIR/articles.jsonl (each
article's true text) and DIR/furniture.json (lines that must never reach a
canonical text). Each case is a property of real corpora:

- quote_stub: paywall stubs whose second paragraph is a quote an unrelated
  article also carries (the stub belongs to its own article);
- template: short dividend notices of different companies on one template,
  plus a corrected re-send of some (the same article);
- dump_background: a JSON Lines dump without urls (one source) whose
  articles share a 34-word background paragraph (it must stay in each);
- banner: a site whose every page opens with a cookie banner above the
  headline and carries "Advertisement" lines (neither may leak);
- long_footer: a site whose pages share a 350-word footer (no two of its
  articles may join);
- syndicated: one story syndicated 1,500 times, each copy one word edited
  (one cluster);
- versions: stories re-headlined six times on one site (one cluster each,
  no paragraph lost);
- cjk: Chinese articles (words from jieba's dictionary when --cjk-dict is
  given, else a few written here) and Japanese ones, each as a full copy,
  a copy with one character changed per paragraph, and a truncated copy.

`score` runs the metrics of score.py over the whole corpus and per case:
pair precision and recall (pairs with a document of the case), furniture
lines leaked, and article paragraphs lost (true paragraphs missing from
the canonical text of the article's cluster).
"""

import argparse
import collections
import difflib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402
import score  # noqa: E402

BANNER = "We use cookies to give you the best experience on our website. By continuing you accept our cookie policy."
ADVERT = "Advertisement"
BACKGROUND = (
    "The river authority was set up in 1962 after the great flood destroyed three bridges. "
    "It has since built eleven dams and a network of canals that supply water to farms across the plain."
)
COMPANIES = ["Acme Holdings", "Bolt Industries", "Cedar Bancorp", "Delta Mills", "Ember Foods",
             "Falcon Mining", "Granite Power", "Harbor Shipping", "Iris Telecom", "Juniper Retail",
             "Kestrel Motors", "Lumen Pharma"]
JAPANESE = [
    "東京の中心部で新しい図書館が開館し、多くの市民が朝早くから列を作った。",
    "館長によると、子ども向けの読書室は週末に特に人気があるという。",
    "市は来年度、駅前の古い建物を改修して学習スペースを設ける計画だ。",
    "大雨の影響で北部の道路が通行止めとなり、住民は避難所に移動した。",
    "気象台は明日の朝まで警戒を続けるよう呼びかけている。",
    "復旧作業は週末まで続く見込みで、鉄道の一部区間も運休している。",
    "地元の高校が全国大会で初めて優勝し、町は祝賀ムードに包まれた。",
    "監督は選手たちの粘り強さをたたえ、来年も挑戦を続けると語った。",
    "商店街では記念セールが開かれ、多くの家族連れでにぎわった。",
]
CHINESE = [
    "市政府周一宣布，将在明年春天开始修建一座横跨大河的新桥。",
    "工程预计耗资十二亿元，建成后可缩短两岸居民的通勤时间。",
    "部分居民担心施工期间的噪音和交通拥堵问题。",
    "北方地区昨夜迎来今冬最强降雪，多条高速公路临时封闭。",
    "气象部门提醒市民减少外出，注意防寒保暖。",
    "铁路部门表示，部分列车将延误两到三个小时。",
    "本市中心图书馆新开设了儿童阅览室，藏有十一种语言的图画书。",
    "馆方表示，阅览室的经费来自当地家庭的捐款和一家基金会的资助。",
    "家长可以在工作日上午预约免费的亲子阅读活动。",
]


def paragraphs_of(sentences, per=2):
    return ["".join(sentences[i:i + per]) for i in range(0, len(sentences), per)]


def cjk_articles(rng, dict_path, count):
    """Chinese articles of random dictionary words (distinct articles, as a
    real corpus has), and three written ones in each language."""
    out = [[s[:12], *paragraphs_of(CHINESE[i:i + 3], 1)] for i, s in ((0, CHINESE[0]), (3, CHINESE[3]), (6, CHINESE[6]))]
    out += [[s[:10], *paragraphs_of(JAPANESE[i:i + 3], 1)] for i, s in ((0, JAPANESE[0]), (3, JAPANESE[3]), (6, JAPANESE[6]))]
    if dict_path:
        words = [line.split()[0] for line in open(dict_path, encoding="utf-8")
                 if line.split() and all("\u4e00" <= c <= "\u9fff" for c in line.split()[0])]
        for _ in range(count):
            sents = ["".join(rng.choice(words) for _ in range(rng.randint(8, 14))) + "。"
                     for _ in range(rng.randint(6, 10))]
            out.append([sents[0][:12], *paragraphs_of(sents, 2)])
    return out


def one_char_changed(para, rng):
    chars = list(para)
    idx = [i for i, c in enumerate(chars) if "\u3040" <= c <= "\u9fff"]
    if idx:
        i = rng.choice(idx)
        chars[i] = "的" if chars[i] != "的" else "了"
    return "".join(chars)


class Corpus:
    def __init__(self, out):
        self.out = out
        self.truth, self.articles, self.furniture = [], [], {BANNER, ADVERT}
        self.records = collections.defaultdict(list)

    def article(self, title, body):
        self.articles.append("\n\n".join([title] + body))
        return len(self.articles) - 1

    def add(self, case, site, article, text, truncated=False, paywalled=False, record=False):
        if record:
            self.records[site].append({"text": text})
            doc_id = f"{site}/dump.jsonl#{len(self.records[site])}"
        else:
            n = sum(1 for t in self.truth if t["id"].startswith(site + "/"))
            doc_id = f"{site}/{n:06}.txt"
            os.makedirs(os.path.join(self.out, "corpus", site), exist_ok=True)
            with open(os.path.join(self.out, "corpus", doc_id), "w", encoding="utf-8") as f:
                f.write(text)
        self.truth.append({"id": doc_id, "article": article, "truncated": truncated,
                           "paywalled": paywalled, "teaser": False, "case": case})

    def write(self):
        for site, recs in self.records.items():
            os.makedirs(os.path.join(self.out, "corpus", site), exist_ok=True)
            with open(os.path.join(self.out, "corpus", site, "dump.jsonl"), "w", encoding="utf-8") as f:
                for r in recs:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        for name, rows in (("truth.jsonl", self.truth),
                           ("articles.jsonl", [{"article": n, "text": t} for n, t in enumerate(self.articles)])):
            with open(os.path.join(self.out, name), "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open(os.path.join(self.out, "furniture.json"), "w", encoding="utf-8") as f:
            json.dump(sorted(self.furniture), f, ensure_ascii=False)


def build(args):
    rng = random.Random(args.seed)
    lee = generate.load_articles(args.lee, 450, rng)
    pool = iter(lee)
    c = Corpus(args.out)
    text = lambda paras: "\n\n".join(paras) + "\n"  # noqa: E731

    # quote_stub: B's stub (headline, lede, quote) beside A, which quotes it too.
    for _ in range(30):
        a, b, q = next(pool), next(pool), next(pool)
        # A long quote after a one-sentence lede: the stub lies mostly
        # inside A, as the stubs that went wrong did.
        quote = "In a statement, officials said: " + " ".join(sorted(q[1:], key=len)[-2:])
        lede = generate.sentences(b[1])[0]
        a_body = a[1:3] + [quote] + a[3:]
        b_body = [lede, quote] + b[2:]
        na, nb = c.article(a[0], a_body), c.article(b[0], b_body)
        c.add("quote_stub", "wire", na, text([a[0]] + a_body))
        c.add("quote_stub", "wire", nb, text([b[0]] + b_body))
        stub = [b[0], lede, quote, "Subscribe to read the full story. This article is for subscribers only."]
        c.add("quote_stub", "paywall", nb, text(stub), paywalled=True)

    # template: one body, many companies; some re-sent corrected.
    body = ["Qtly div four cts vs four cts prior", "Pay April 15", "Record March 31"]
    for name in COMPANIES:
        title = f"{name} sets quarterly dividend"
        n = c.article(title, body)
        c.add("template", "wire", n, text([title] + body))
        if rng.random() < 0.5:
            c.add("template", "wire", n, text([f"CORRECTED-{title}"] + body))

    # dump_background: five articles of one dump sharing a background paragraph.
    for _ in range(5):
        a = next(pool)
        paras = a[1:3] + [BACKGROUND] + a[3:]
        n = c.article(a[0], paras)
        c.add("dump_background", "dump", n, text([a[0]] + paras), record=True)

    # banner: every page opens with the banner; adverts between paragraphs.
    for _ in range(20):
        a = next(pool)
        n = c.article(a[0], a[1:])
        mid = max(1, len(a) // 2)
        c.add("banner", "cookies", n, text([BANNER] + a[:mid] + [ADVERT] + a[mid:] + [ADVERT]))

    # long_footer: a 350-word footer on every page of a site.
    footer_words = " ".join(" ".join(next(pool)[1:]) for _ in range(4)).split()
    footer = " ".join(footer_words[:350])
    c.furniture.add(footer)
    for _ in range(30):
        a = next(pool)
        n = c.article(a[0], a[1:])
        c.add("long_footer", "footer", n, text(a + [footer]))

    # syndicated: one story, 1,500 copies, each with one word edited.
    a = next(pool)
    n = c.article(a[0], a[1:])
    for i in range(1500):
        body = list(a[1:])
        p = i % len(body)
        w = body[p].split()
        w[(i // len(body)) % len(w)] = f"edit{i}"
        body[p] = " ".join(w)
        c.add("syndicated", f"syn{i % 50:02}", n, text([a[0]] + body))

    # versions: six headlines, one story, one site.
    for _ in range(10):
        a = next(pool)
        n = c.article(a[0], a[1:])
        for v in range(6):
            c.add("versions", "live", n, text([f"{a[0]} (update {v + 1})"] + a[1:]))

    # cjk: full, one character changed per paragraph, truncated.
    for art in cjk_articles(rng, args.cjk_dict, 150):
        n = c.article(art[0], art[1:])
        c.add("cjk", "cn-wire", n, text(art))
        c.add("cjk", "cn-edit", n, text([art[0]] + [one_char_changed(p, rng) for p in art[1:]]))
        if len(art) >= 4:
            keep = max(1, (len(art) - 1) * 2 // 5)
            cut = art[1 + keep]
            c.add("cjk", "cn-feed", n, text(art[:1 + keep] + [cut[: len(cut) // 2]]), truncated=True)
    c.write()
    print(f"{len(c.truth)} documents of {len(c.articles)} articles in {os.path.join(args.out, 'corpus')}")


def lost_paragraphs(articles, clusters, article_of):
    """True paragraphs (the title aside) missing from the canonical text of
    the cluster holding most copies of their article, per article."""
    best = {}
    for cl in clusters:
        votes = collections.Counter(article_of[m] for m in cl["members"] if m in article_of)
        for art, n in votes.items():
            if n > best.get(art, (0, None))[0]:
                best[art] = (n, cl)
    lost = {}
    for art, (_, cl) in best.items():
        lines = [" ".join(line["text"].split()) for line in cl.get("lines") or []]
        canon = " ".join(lines)
        paras = [" ".join(p.split()) for p in articles[art].split("\n\n")[1:]]
        lost[art] = sum(1 for p in paras if not present(p, canon, lines))
    return lost


def present(para, canon, lines):
    """A paragraph is in a canonical text when it is there word for word,
    or as a reading that differs by a word or a character (a vote between
    copies that each changed one)."""
    if para in canon:
        return True
    return any(difflib.SequenceMatcher(None, para, line).ratio() >= 0.95
               for line in lines if abs(len(line) - len(para)) <= 0.1 * len(para) + 2)


def score_run(args):
    truth = score.read_jsonl(os.path.join(args.dir, "truth.jsonl"))
    documents = score.read_jsonl(os.path.join(args.out, "documents.jsonl"))
    clusters = score.read_jsonl(os.path.join(args.out, "clusters.jsonl"))
    articles = {a["article"]: a["text"] for a in score.read_jsonl(os.path.join(args.dir, "articles.jsonl"))}
    furniture = json.load(open(os.path.join(args.dir, "furniture.json"), encoding="utf-8"))
    article_of = {t["id"]: t["article"] for t in truth}
    lost = lost_paragraphs(articles, clusters, article_of)
    c = score.cluster_scores(truth, clusters)
    f = score.flag_scores(truth, documents)
    print(f"all: {len(truth)} documents; pair P {c['pair_precision']:.4f} R {c['pair_recall']:.4f} "
          f"F1 {c['pair_f1']:.4f}; truncated F1 {f['truncated']['f1']:.4f}")
    print("\n| case | documents | pair precision | pair recall | pair F1 | truncated F1 | furniture leaked | paragraphs lost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for case in sorted({t["case"] for t in truth}):
        ids = {t["id"] for t in truth if t["case"] == case}
        sub = [t for t in truth if t["id"] in ids]
        cs = score.cluster_scores(sub, [{"members": [m for m in cl["members"] if m in ids]} for cl in clusters])
        fs = score.flag_scores(sub, [d for d in documents if d["id"] in ids])
        arts = {t["article"] for t in sub}
        leaked = sum(1 for cl in clusters if any(m in ids for m in cl["members"])
                     for line in cl.get("lines") or [] if line["text"] in furniture)
        trunc = f"{fs['truncated']['f1']:.4f}" if any(t["truncated"] for t in sub) else "-"
        print(f"| {case} | {len(ids)} | {cs['pair_precision']:.4f} | {cs['pair_recall']:.4f} | {cs['pair_f1']:.4f} "
              f"| {trunc} | {leaked} | {sum(lost.get(a, 0) for a in arts)} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--lee", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--cjk-dict", help="jieba's dict.txt, for many Chinese articles")
    g.add_argument("--seed", type=int, default=11)
    s = sub.add_parser("score")
    s.add_argument("dir")
    s.add_argument("out")
    args = ap.parse_args()
    build(args) if args.command == "generate" else score_run(args)


if __name__ == "__main__":
    main()
