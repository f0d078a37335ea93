#!/usr/bin/env python3
"""Scores `newsmerge run` on the realdev set with subsets of its extractors.

  python3 benches/realdev.py REALDEV_DIR [--newsmerge target/release/newsmerge]
  python3 benches/realdev.py REALDEV_DIR --why OUT_DIR

REALDEV_DIR holds `wcxb-articles/<extractor>/<page>.txt`, the truth file and
`score.py` (the set's own scorer, whose metric this script uses). For each
subset of extractors the script copies those copies into a scratch folder,
runs `newsmerge run` on it, and scores the canonical text of each page's
cluster against the page's true text, as `score.py canonical` does: word
4-gram precision and recall per page, averaged over pages. Beside it, the
best single extractor of the subset, scored alone.

The last subset pairs a full precise copy with another precise copy cut to
its first half, ending mid-sentence (a feed excerpt); there the script also
reports how the `truncated` flag treats the cut and the full copies, whose
truth is known by construction.

With --why, it reads the `run` output OUT_DIR of the whole set instead and
explains the canonical text's extra words (how many copies carry the lines
the true text lacks) and the `truncated` flags the scorer counts false: by
what the copy carries of the true text, and with a copy's end taken as its
last run of RUN consecutive true 4-grams rather than its last matching
4-gram, the flag's precision and recall.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile
from collections import Counter, defaultdict

SUBSETS = [
    ("all nine", None),
    ("without the two page dumps", ["boilerpy3", "goose3", "justext", "newspaper4k",
                                    "readability-lxml", "resiliparse", "trafilatura"]),
    ("the three best only", ["trafilatura", "readability-lxml", "newspaper4k"]),
    ("one page dump + one precise", ["html-text", "trafilatura"]),
]
CUT = ("one full + one cut copy", "trafilatura", "readability-lxml")


def cut_copy(text):
    """The first half of the paragraphs, then half of the next, mid-sentence."""
    paras = [p for p in text.split("\n") if p.strip()]
    if len(paras) < 3:
        return None
    keep = len(paras) // 2
    words = paras[keep].split()
    half = " ".join(words[: max(3, len(words) // 2)]).rstrip(".!?")
    return "\n\n".join(paras[:keep] + [half]) + "\n"


def build(src, dest, extractors, cut=None):
    for ext in extractors:
        os.makedirs(os.path.join(dest, ext))
        for name in os.listdir(os.path.join(src, ext)):
            shutil.copy(os.path.join(src, ext, name), os.path.join(dest, ext, name))
    if cut:
        made = 0
        os.makedirs(os.path.join(dest, cut))
        for name in os.listdir(os.path.join(src, cut)):
            with open(os.path.join(src, cut, name), encoding="utf-8") as f:
                text = cut_copy(f.read())
            if text:
                with open(os.path.join(dest, cut, name), "w", encoding="utf-8") as f:
                    f.write(text)
                made += 1
        return made
    return None


def run(newsmerge, corpus, out):
    subprocess.run([newsmerge, "run", corpus, "--out", out, "-q", "--force"], check=False)


def score_canonical(S, truth, out, present):
    docs, clusters = S.load_run(out)
    votes = defaultdict(Counter)
    for (ext, fid), d in docs.items():
        if (ext, fid) in present and d.get("cluster"):
            votes[fid][d["cluster"]] += 1
    scores = []
    for fid, t in truth.items():
        v = votes.get(fid)
        c = clusters.get(min(v, key=lambda c: (-v[c], c))) if v else None
        text = "\n\n".join(l["text"] for l in (c or {}).get("lines") or [])
        scores.append(S.prf(S.shingles(text), S.shingles(t["main_content"])))
    return S.macro(scores)


def best_single(S, truth, corpus, extractors):
    best = None
    for ext in extractors:
        scores = []
        for fid, t in truth.items():
            path = os.path.join(corpus, ext, fid + ".txt")
            text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
            scores.append(S.prf(S.shingles(text), S.shingles(t["main_content"])))
        p, r, f = S.macro(scores)
        if best is None or f > best[3]:
            best = (ext, p, r, f)
    return best


def long_present(S, corpus, extractors):
    out = set()
    for ext in extractors:
        for name in os.listdir(os.path.join(corpus, ext)):
            with open(os.path.join(corpus, ext, name), encoding="utf-8") as f:
                if len(S.tokens(f.read())) >= S.MIN_TOKENS:
                    out.add((ext, name.rsplit(".", 1)[0]))
    return out


RUN = 6


def why(S, truth, out):
    docs, clusters = S.load_run(out)
    votes = defaultdict(Counter)
    for (ext, fid), d in docs.items():
        if d.get("cluster"):
            votes[fid][d["cluster"]] += 1
    carriers = Counter()
    for fid, t in truth.items():
        v = votes.get(fid)
        if not v:
            continue
        true = set(S.grams(S.tokens(t["main_content"])))
        for line in clusters[min(v, key=lambda c: (-v[c], c))]["lines"]:
            g = S.grams(S.tokens(line["text"]))
            extra = sum(1 for x in g if x not in true)
            if g and extra > 0.8 * len(g):
                carriers[len(line["sources"])] += extra
    total = sum(carriers.values())
    five = sum(n for k, n in carriers.items() if k >= 5)
    print(f"4-grams of canonical lines mostly absent from the true text: {total}; "
          f"carried by five or more copies: {five} ({five / total:.0%})")
    kinds, robust = Counter(), Counter()
    for (ext, fid), d in docs.items():
        text = S.read_copy(ext, fid)
        if len(S.tokens(text)) < S.MIN_TOKENS or fid not in truth:
            continue
        g = S.grams(S.tokens(truth[fid]["main_content"]))
        m = len(g)
        have = set(S.grams(S.tokens(text)))
        hits = [i for i, x in enumerate(g) if x in have]
        hs = set(hits)
        q = sum(1 for i in range(m) if 4 * i < m)
        first = sum(1 for i in hits if 4 * i < m)
        runs = [i for i in hits if all(j in hs for j in range(i - RUN + 1, i + 1))]
        stops = bool(runs) and q > 0 and 2 * first >= q and 4 * runs[-1] < 3 * m
        flagged = bool(d.get("truncated"))
        robust[(stops, flagged)] += 1
        if flagged and not S.truly_truncated(text, g):
            if not hits:
                kinds["shares no 4-gram with the true text"] += 1
            elif q and 2 * first < q:
                kinds["lacks half of the true text's first quarter"] += 1
            elif stops:
                kinds["stops early; only scattered phrases match later"] += 1
            else:
                kinds["carries the true text's last quarter"] += 1
    print("`truncated` flags the scorer counts false, by what the copy carries:")
    for k, n in kinds.most_common():
        print(f"  {n:5d}  {k}")
    tp, fp, fn = robust[(True, True)], robust[(False, True)], robust[(True, False)]
    print(f"with a copy's end at its last run of {RUN} true 4-grams: {tp + fn} truncated; "
          f"flag precision {tp / max(1, tp + fp):.3f} recall {tp / max(1, tp + fn):.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("realdev")
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    ap.add_argument("--why", metavar="OUT_DIR", help="explain a run of the whole set")
    args = ap.parse_args()
    sys.path.insert(0, args.realdev)
    import score as S  # the set's own scorer: its tokens, shingles and averages

    src = os.path.join(args.realdev, "wcxb-articles")
    truth = S.load_truth()
    if args.why:
        return why(S, truth, args.why)
    print("| copies | canonical P | R | F1 | best single copy (F1) |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, exts in SUBSETS + [(CUT[0], None)]:
            corpus, out = os.path.join(tmp, "in"), os.path.join(tmp, "out")
            shutil.rmtree(corpus, ignore_errors=True)
            if name == CUT[0]:
                exts, cut = [CUT[1]], CUT[2]
                build(src, corpus, exts, cut=cut)
                exts = exts + [cut]
            else:
                exts = exts or S.extractors()
                build(src, corpus, exts)
            run(args.newsmerge, corpus, out)
            present = long_present(S, corpus, exts)
            p, r, f = score_canonical(S, truth, out, present)
            ext, bp, br, bf = best_single(S, truth, corpus, exts)
            print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {ext} {bf:.3f} |")
            if name == CUT[0]:
                flags = Counter()
                with open(os.path.join(out, "documents.jsonl"), encoding="utf-8") as fh:
                    for d in map(json.loads, fh):
                        ext_, fid = S.split_id(d["id"])
                        if (ext_, fid) in present:
                            flags[(ext_ == CUT[2], bool(d.get("truncated")))] += 1
            shutil.rmtree(out, ignore_errors=True)
    cut_n = flags[(True, True)] + flags[(True, False)]
    full_n = flags[(False, True)] + flags[(False, False)]
    print(f"\nIn the last subset, {flags[(True, True)]} of {cut_n} cut copies and "
          f"{flags[(False, True)]} of {full_n} full copies are flagged truncated.")


if __name__ == "__main__":
    main()
