#!/usr/bin/env python3
"""Scores a newsmerge output folder against a generated corpus's truth.

  score.py TRUTH_DIR OUT_DIR [--json]

Prints:
- pairwise precision, recall and F1 of the clusters (teaser copies, which
  need not be matched, are left out of every pair), and the recall of pairs
  that involve a truncated or paywalled copy (containment);
- precision and recall of the truncated and paywalled flags;
- when OUT_DIR holds canonical texts (a `run`), the word 4-gram
  (multiset) precision, recall and F1 of each article's canonical text
  against the true text, averaged per article, next to the best single
  copy's, and the number of furniture lines leaked into canonical texts;
  also the F1 over the articles that have at least one complete copy
  (neither truncated, paywalled nor a teaser): where every copy is cut,
  no merge can recover the rest.
"""

import argparse
import collections
import json
import os
import re
import sys


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pairs_of(groups):
    out = set()
    for members in groups:
        members = sorted(members)
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                out.add((members[i], members[j]))
    return out


def prf(tp, predicted, actual):
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def cluster_scores(truth, clusters):
    counted = {t["id"] for t in truth if not t["teaser"]}
    by_article = collections.defaultdict(list)
    for t in truth:
        if t["id"] in counted:
            by_article[t["article"]].append(t["id"])
    actual = pairs_of(by_article.values())
    predicted = pairs_of([[m for m in c["members"] if m in counted] for c in clusters])
    tp = len(actual & predicted)
    p, r, f = prf(tp, len(predicted), len(actual))
    fragments = {t["id"] for t in truth if (t["truncated"] or t["paywalled"]) and t["id"] in counted}
    frag_pairs = {pair for pair in actual if pair[0] in fragments or pair[1] in fragments}
    frag_recall = len(frag_pairs & predicted) / len(frag_pairs) if frag_pairs else 1.0
    return {"pair_precision": p, "pair_recall": r, "pair_f1": f, "containment_recall": frag_recall,
            "true_pairs": len(actual), "predicted_pairs": len(predicted)}


def flag_scores(truth, documents):
    docs = {d["id"]: d for d in documents}
    out = {}
    for flag in ["truncated", "paywalled"]:
        actual = {t["id"] for t in truth if t[flag]}
        predicted = {i for i, d in docs.items() if d.get(flag)}
        tp = len(actual & predicted)
        p, r, f = prf(tp, len(predicted), len(actual))
        out[flag] = {"precision": p, "recall": r, "f1": f, "false": sorted(predicted - actual)[:5],
                     "missed": sorted(actual - predicted)[:5]}
    return out


WORD = re.compile(r"\w+")


def grams(text, n=4):
    words = [w.lower() for w in WORD.findall(text)]
    return collections.Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def overlap_f1(candidate, reference):
    c, r = grams(candidate), grams(reference)
    shared = sum((c & r).values())
    return prf(shared, sum(c.values()), sum(r.values()))


FURNITURE = ["Leave a Comment", "See also", "This site uses Akismet", "of this article left to read",
             "Home »", "dailyplanet.example", "minutes", "Read more", "To be continued.",
             "Continue reading", "(continued)"] + [
    "The Daily Planet is an independent newspaper",
    "This story has been corrected to reflect",
    "Sign in to the Morning Brief app",
]


def canonical_scores(truth_dir, out_dir, truth, documents, clusters):
    articles = {a["article"]: a["text"] for a in read_jsonl(os.path.join(truth_dir, "articles.jsonl"))}
    article_of = {t["id"]: t["article"] for t in truth}
    teaser = {t["id"] for t in truth if t["teaser"]}
    raw = raw_texts(os.path.join(truth_dir, "corpus"), truth)
    complete = {t["id"] for t in truth if not (t["truncated"] or t["paywalled"] or t["teaser"])}
    ours, best_copy, leaked, recoverable = [], [], 0, []
    for c in clusters:
        members = [m for m in c["members"] if m in article_of and m not in teaser]
        if not members:
            continue
        votes = collections.Counter(article_of[m] for m in members)
        article, _ = votes.most_common(1)[0]
        text = "\n\n".join(line["text"] for line in c["lines"])
        ours.append(overlap_f1(text, articles[article])[2])
        if any(m in complete for m in members):
            recoverable.append(ours[-1])
        best_copy.append(max(overlap_f1(raw[m], articles[article])[2] for m in members))
        leaked += sum(1 for line in c["lines"] if any(line["text"].startswith(f) or line["text"] == f for f in FURNITURE)
                      or line["text"].endswith(" minutes"))
    n = len(ours) or 1
    better = sum(1 for a, b in zip(ours, best_copy) if a > b)
    worse = sum(1 for a, b in zip(ours, best_copy) if a < b)
    return {"canonical_f1": sum(ours) / n, "best_copy_f1": sum(best_copy) / n, "clusters": len(ours),
            "canonical_f1_with_a_complete_copy": sum(recoverable) / (len(recoverable) or 1),
            "clusters_with_a_complete_copy": len(recoverable),
            "better_than_best_copy": better, "worse_than_best_copy": worse, "furniture_leaked": leaked}


def raw_texts(corpus, truth):
    out = {}
    for t in truth:
        doc = t["id"]
        if "#" in doc:
            path, n = doc.split("#")
            if path not in out:
                out[path] = [json.loads(l)["text"] for l in open(os.path.join(corpus, path), encoding="utf-8")]
            out[doc] = out[path][int(n) - 1]
        else:
            out[doc] = open(os.path.join(corpus, doc), encoding="utf-8").read()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    truth = read_jsonl(os.path.join(args.truth_dir, "truth.jsonl"))
    documents = read_jsonl(os.path.join(args.out_dir, "documents.jsonl"))
    clusters = read_jsonl(os.path.join(args.out_dir, "clusters.jsonl"))
    result = {"documents": len(documents), "clusters": cluster_scores(truth, clusters),
              "flags": flag_scores(truth, documents)}
    if clusters and clusters[0].get("lines") is not None:
        result["canonical"] = canonical_scores(args.truth_dir, args.out_dir, truth, documents, clusters)
    if args.json:
        print(json.dumps(result))
        return
    c = result["clusters"]
    print(f"documents: {result['documents']}")
    print(f"pairs: precision {c['pair_precision']:.4f} recall {c['pair_recall']:.4f} F1 {c['pair_f1']:.4f} "
          f"({c['predicted_pairs']} predicted, {c['true_pairs']} true); containment recall {c['containment_recall']:.4f}")
    for flag, s in result["flags"].items():
        print(f"{flag}: precision {s['precision']:.4f} recall {s['recall']:.4f}"
              + (f" false e.g. {s['false']}" if s["false"] else "") + (f" missed e.g. {s['missed']}" if s["missed"] else ""))
    if "canonical" in result:
        k = result["canonical"]
        print(f"canonical 4-gram F1 {k['canonical_f1']:.4f} vs best single copy {k['best_copy_f1']:.4f} "
              f"over {k['clusters']} clusters (better {k['better_than_best_copy']}, worse {k['worse_than_best_copy']}); "
              f"furniture lines leaked: {k['furniture_leaked']}")
        print(f"canonical 4-gram F1 over the {k['clusters_with_a_complete_copy']} articles with at least one "
              f"complete copy: {k['canonical_f1_with_a_complete_copy']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
