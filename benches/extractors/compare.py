#!/usr/bin/env python3
"""Compares HTML article extractors on the realdev pages.

  python3 benches/extractors/compare.py REALDEV_DIR [--newsmerge target/release/newsmerge]

Builds the harness in this folder (release), runs each Rust extractor it
knows over REALDEV_DIR/html/*.html.gz on one thread, then runs
`newsmerge run REALDEV_DIR/html` (the whole pipeline, whose HTML reading
uses the chosen extractor). Every text is scored against the page's true
text with REALDEV_DIR/score.py's metric (word 4-gram precision and recall
per page, averaged over pages). Also scores the set's own trafilatura
(Python) copies, the reference the target is set against.
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRACTORS = ["dom_smoothie", "dom_smoothie_formatted", "rs-trafilatura"]


def score_texts(score, truth, text_of):
    ps, rs = [], []
    for fid, t in truth.items():
        p, r = score.prf(score.shingles(text_of(fid)), score.shingles(t["main_content"]))
        ps.append(p)
        rs.append(r)
    p, r = sum(ps) / len(ps), sum(rs) / len(rs)
    return p, r, 2 * p * r / (p + r)


def read_or_empty(path):
    return open(path, encoding="utf-8").read() if os.path.exists(path) else ""


def newsmerge_texts(out):
    """Each page's text as `run` read it: its cluster's canonical lines."""
    lines = {}
    with open(os.path.join(out, "clusters.jsonl"), encoding="utf-8") as f:
        for c in map(json.loads, f):
            lines[c["id"]] = "\n\n".join(l["text"] for l in c["lines"])
    texts = {}
    with open(os.path.join(out, "documents.jsonl"), encoding="utf-8") as f:
        for d in map(json.loads, f):
            fid = d["id"].split(".")[0]
            texts[fid] = lines.get(d["cluster"], "") if d["cluster"] else ""
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("realdev")
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    args = ap.parse_args()
    sys.path.insert(0, args.realdev)
    import score
    truth = score.load_truth()
    pages = os.path.join(args.realdev, "html")
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=HERE, check=True)
    harness = os.path.join(HERE, "target", "release", "extractors")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in EXTRACTORS:
            out = os.path.join(tmp, name)
            line = subprocess.run([harness, name, pages, out], check=True,
                                  capture_output=True, text=True).stdout.split("\t")
            p, r, f1 = score_texts(score, truth, lambda fid: read_or_empty(os.path.join(out, fid + ".txt")))
            rows.append((name, p, r, f1, float(line[4])))
        out = os.path.join(tmp, "newsmerge")
        start = time.monotonic()
        subprocess.run([args.newsmerge, "run", pages, "--out", out, "--quiet", "-j", "1"], check=False)
        seconds = time.monotonic() - start
        texts = newsmerge_texts(out)
        p, r, f1 = score_texts(score, truth, lambda fid: texts.get(fid, ""))
        rows.append(("newsmerge run -j 1 (whole pipeline)", p, r, f1, len(truth) / seconds))
    ref = os.path.join(args.realdev, "wcxb-articles", "trafilatura")
    p, r, f1 = score_texts(score, truth, lambda fid: read_or_empty(os.path.join(ref, fid + ".txt")))
    rows.append(("trafilatura 2.3.1 (Python, the set's copies)", p, r, f1, None))
    print("| extractor | precision | recall | F1 | pages/s (one thread) |")
    print("|---|---:|---:|---:|---:|")
    for name, p, r, f1, speed in rows:
        s = f"{speed:.0f}" if speed else "n/a"
        print(f"| {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {s} |")


if __name__ == "__main__":
    main()
