#!/usr/bin/env python3
"""Runs one generated corpus through newsmerge and two MinHash-LSH pipelines
side by side, and prints time, peak memory and pair F1 of each.

  compare.py TRUTH_DIR [--newsmerge PATH] [--threads N] [--json FILE]

TRUTH_DIR is a folder written by generate.py (corpus/ and truth.jsonl).
Every file is read once first, so the page cache is warm for all. Each
pipeline runs in its own process, so its wall time and peak resident
memory (from wait4) are its own:

- newsmerge: `newsmerge dedup TRUTH_DIR/corpus --out ...`;
- datasketch: MinHash (128 permutations) and MinHashLSH from datasketch;
- rensa: RMinHash (128 permutations) and RMinHashLSH from rensa;
- newsmerge-py: the Python package's `newsmerge.dedup` over the same
  documents as records (id, text, and the source the command would give
  each), built in Python as a user would, so its time includes reading
  the files and building the records.

The two Python pipelines read the same files (.txt, and .jsonl records'
`text`), shingle each document into lowercase word 5-grams, as newsmerge
does, index MinHash signatures in LSH, and verify every candidate pair
exactly on the shingle sets with newsmerge's rule (Jaccard >= 0.5, or the
smaller set, of at least 12 shingles, >= 0.7 inside the larger), then join
verified pairs. The LSH threshold (0.3 by default, below the Jaccard rule
so that containment pairs have a chance) was chosen by measured recall.
Quality is thus comparable; the rest is speed.

Needs `pip install datasketch rensa`, and the Python package installed in
the interpreter that runs this script (`maturin develop --release`).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import score  # noqa: E402

NUM_PERM = 128
WORD = re.compile(r"\w+")


# --- the Python pipelines (run in a child process) --------------------------


def read_corpus(root):
    """(id, text) of every document, ids as newsmerge names them."""
    return [(r["id"], r["text"] or "") for r in records_of(root)]


def shingles(text, k=5):
    words = WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def is_match(a, b):
    shared = len(a & b)
    if not shared:
        return False
    smaller = min(len(a), len(b))
    jaccard = shared / (len(a) + len(b) - shared)
    return jaccard >= 0.5 or (smaller >= 12 and shared / smaller >= 0.7)


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def join(n, pairs):
    parent = list(range(n))
    for a, b in pairs:
        ra, rb = find(parent, a), find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups = {}
    for i in range(n):
        groups.setdefault(find(parent, i), []).append(i)
    return list(groups.values())


def lsh_pipeline(kind, corpus, out, threshold):
    docs = read_corpus(corpus)
    sets = [shingles(text) for _, text in docs]
    if kind == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        hashes = []
        for i, s in enumerate(sets):
            m = MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch([x.encode("utf-8") for x in s])
            lsh.insert(i, m)
            hashes.append(m)
    else:
        from rensa import RMinHash, RMinHashLSH

        # rensa takes bands that divide the permutations: 64 bands of 2 rows
        # put its S-curve at about 0.125, 32 of 4 at about 0.42.
        bands = 64 if threshold < 0.3 else 32
        lsh = RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=bands)
        hashes = []
        for i, s in enumerate(sets):
            m = RMinHash(num_perm=NUM_PERM, seed=1)
            m.update(list(s))
            lsh.insert(i, m)
            hashes.append(m)
    verified = []
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j > i and is_match(sets[i], sets[j]):
                verified.append((i, j))
    groups = join(len(docs), verified)
    with open(out, "w", encoding="utf-8") as f:
        for g in groups:
            f.write(json.dumps({"members": [docs[i][0] for i in g]}) + "\n")


def records_of(root):
    """The documents as `newsmerge.dedup` records, with the ids and sources
    the command gives them: a record's `source`, else its `url` (whose host
    is the source), else the first folder of its path."""
    records = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            fallback = rel.split("/")[0] if "/" in rel else rel
            if name.endswith(".txt"):
                with open(path, encoding="utf-8", errors="replace") as f:
                    records.append({"id": rel, "text": f.read(), "source": fallback})
            elif name.endswith(".jsonl"):
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        if line.strip():
                            r = json.loads(line)
                            source = r.get("source") or (None if r.get("url") else fallback)
                            records.append({"id": f"{rel}#{n}", "text": r.get("text"),
                                            "source": source, "url": r.get("url")})
    return records


def python_package_pipeline(corpus, out, threads):
    import newsmerge

    clusters = newsmerge.dedup(records_of(corpus), threads=threads or None, problems=[])
    with open(out, "w", encoding="utf-8") as f:
        for members in clusters:
            f.write(json.dumps({"members": members}) + "\n")


# --- the driver ----------------------------------------------------------------


def warm_up(root):
    """Reads every file once, so that no pipeline pays for a cold page
    cache and the others ride on its reads."""
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def timed(cmd):
    """Runs cmd; returns (wall seconds, CPU seconds (user+sys), peak RSS in
    MiB, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth_dir")
    ap.add_argument("--newsmerge", default=os.path.join(HERE, "..", "..", "target", "release", "newsmerge"))
    ap.add_argument("--threads", type=int, default=0, help="newsmerge threads (0: all cores)")
    ap.add_argument("--threshold", type=float, default=0.3, help="LSH threshold of the Python pipelines")
    ap.add_argument("--only", action="append", help="run only these pipelines")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--pipeline", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    corpus = os.path.join(args.truth_dir, "corpus")
    if args.pipeline == "newsmerge-py":
        python_package_pipeline(corpus, args.out, args.threads)
        return
    if args.pipeline:
        lsh_pipeline(args.pipeline, corpus, args.out, args.threshold)
        return

    truth = score.read_jsonl(os.path.join(args.truth_dir, "truth.jsonl"))
    warm_up(corpus)
    work = tempfile.mkdtemp(prefix="newsmerge-compare-")
    commands = {
        "newsmerge": [args.newsmerge, "dedup", corpus, "--out", os.path.join(work, "newsmerge"),
                      "-q", "-j", str(args.threads)],
    }
    for kind in ["newsmerge-py", "datasketch", "rensa"]:
        commands[kind] = [sys.executable, os.path.abspath(__file__), args.truth_dir, "--pipeline", kind,
                          "--threshold", str(args.threshold), "--threads", str(args.threads),
                          "--out", os.path.join(work, kind + ".jsonl")]
    results = {}
    for name, cmd in commands.items():
        if args.only and name not in args.only:
            continue
        seconds, cpu, mib, code = timed(cmd)
        if code not in (0, 1):
            sys.exit(f"{name} failed with exit code {code}")
        path = os.path.join(work, "newsmerge", "clusters.jsonl") if name == "newsmerge" else cmd[-1]
        scores = score.cluster_scores(truth, score.read_jsonl(path))
        results[name] = {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": mib, **scores}
        print(f"{name:>12}: {seconds:8.2f} s  {cpu:8.2f} CPU-s  {mib:8.0f} MiB  pair P {scores['pair_precision']:.4f} "
              f"R {scores['pair_recall']:.4f} F1 {scores['pair_f1']:.4f}", flush=True)
    if "newsmerge" in results:
        base = results["newsmerge"]
        for name, r in results.items():
            if name != "newsmerge":
                print(f"{name} / newsmerge: {r['seconds'] / base['seconds']:.2f}x the time, "
                      f"{r['cpu_seconds'] / base['cpu_seconds']:.2f}x the CPU, "
                      f"{r['peak_mib'] / base['peak_mib']:.2f}x the memory")
    print(f"documents: {len(truth)}; outputs in {work}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
