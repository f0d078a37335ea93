#!/usr/bin/env python3
"""Measures how newsmerge's cost grows with the corpus, stage by stage.

  scale.py --work DIR [--sizes 10000,100000,1000000] [--threads 1,2]
           [--commands dedup,run,dedup+spill,run+spill] [--runs N] [--runs-large N]
           [--rewrite R] [--score] [--spill DIR] [--plot benches/scale.png] [--json results.json]
  scale.py --from-json results.json [--plot benches/scale.png]

For each size (documents, about), a corpus is generated once with
benches/corpus/generate.py as JSON Lines (one file per 250,000 documents)
into DIR/gen-SIZE, and each command is run on it with each thread count,
`--timings` on; a command written `NAME+spill` is `NAME --spill DIR`, with
the folder given to `--spill`, and `NAME+limit=SIZE` is `NAME
--memory-limit SIZE` (spilling to that folder when one is given). Per run it records each stage's wall and CPU seconds and
the peak memory (from `--timings`), and the whole run's wall time, CPU
time (user + sys, from the kernel's accounting of the child) and peak
resident memory. With several runs, each figure is the median.

Prints a table per command (CPU microseconds per document, so linear
cost reads as a flat column), a per-stage table for the largest size,
and the pair F1 against the generator's truth with --score. Draws CPU
per document and peak memory against size to --plot (needs matplotlib).

The newsmerge binary is target/release/newsmerge; build it first with
`cargo build --release`.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "target", "release", "newsmerge")
GENERATE = os.path.join(HERE, "corpus", "generate.py")
SCORE = os.path.join(HERE, "corpus", "score.py")
LEE = os.path.join(HERE, "corpus", "cache", "lee_background.cor")
STAGE = re.compile(r"newsmerge:\s+(.+?)\s+([\d.]+) s wall\s+([\d.]+) s cpu\s+(\d+) MiB peak")
DOCS_PER_ARTICLE = 3.5  # the generator publishes each article on 2 to 5 sites


def corpus(work, size, rewrite):
    """Generates (once) a corpus of about `size` documents; returns its folder."""
    name = f"gen-{size}" + ("" if rewrite is None else f"-r{rewrite}")
    out = os.path.join(work, name)
    if not os.path.exists(os.path.join(out, "truth.jsonl")):
        articles = max(1, round(size / DOCS_PER_ARTICLE))
        shards = max(1, size // 250_000)
        cmd = [sys.executable, GENERATE, "--lee", LEE, "--out", out,
               "--articles", str(articles), "--jsonl", str(shards)]
        if rewrite is not None:
            cmd += ["--rewrite", str(rewrite)]
        subprocess.run(cmd, check=True)
    return out


def measure(command, gen, threads, work, spill=None):
    """One run: whole-run wall, CPU and peak memory, and per-stage figures."""
    name, *extras = command.split("+")
    out = os.path.join(work, f"out-{name}")
    cmd = [BIN, name, os.path.join(gen, "corpus"), "--out", out, "--force", "--timings", "-j", str(threads)]
    for extra in extras:
        if extra == "spill":
            if not spill:
                sys.exit(f"{command} needs --spill DIR")
            cmd += ["--spill", spill]
        elif extra.startswith("limit="):
            cmd += ["--memory-limit", extra.removeprefix("limit=")]
            if spill and "+spill" not in command:
                cmd += ["--spill", spill]
        else:
            sys.exit(f"unknown command suffix +{extra} in {command}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 1):
        sys.exit(f"newsmerge {command} failed:\n{p.stderr}")
    stages = {}
    for m in STAGE.finditer(p.stderr):
        stages[m.group(1)] = {"wall": float(m.group(2)), "cpu": float(m.group(3)), "peak_mib": int(m.group(4))}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of any child so far: newsmerge's
    # own figure, from --timings, is the one for this run.
    peak = max((s["peak_mib"] for s in stages.values()), default=0)
    docs = int(re.search(r"newsmerge: (\d+) documents", p.stderr).group(1))
    return {"wall": wall, "cpu": cpu, "peak_mib": peak, "documents": docs, "stages": stages, "out": out}


def median_run(runs):
    """The median of each figure over several runs of one setting."""
    med = lambda xs: statistics.median(xs)
    first = runs[0]
    stages = {name: {k: med([r["stages"][name][k] for r in runs]) for k in first["stages"][name]}
              for name in first["stages"]}
    return {"wall": med([r["wall"] for r in runs]), "cpu": med([r["cpu"] for r in runs]),
            "peak_mib": med([r["peak_mib"] for r in runs]), "documents": first["documents"],
            "stages": stages, "runs": len(runs), "out": first["out"]}


def pair_f1(gen, out):
    p = subprocess.run([sys.executable, SCORE, gen, out, "--json"], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["clusters"]["pair_f1"]


def print_tables(results, args):
    for command in args.commands:
        print(f"\n### {command}\n")
        print("| documents | threads | wall s | CPU s | CPU µs / document | peak MiB | pair F1 |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            if r["command"] != command:
                continue
            f1 = f"{r['f1']:.4f}" if r.get("f1") is not None else ""
            print(f"| {r['documents']:,} | {r['threads']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
                  f"{1e6 * r['cpu'] / r['documents']:.0f} | {r['peak_mib']:,.0f} | {f1} |")
    largest = max(r["documents"] for r in results)
    for command in args.commands:
        rows = [r for r in results if r["command"] == command and r["documents"] == largest]
        if not rows:
            continue
        print(f"\n### {command} by stage, {largest:,} documents (wall s / CPU s per thread count)\n")
        print("| stage | " + " | ".join(f"-j {r['threads']}" for r in rows) + " |")
        print("|---|" + "---:|" * len(rows))
        for name in rows[0]["stages"]:
            cells = [f"{r['stages'][name]['wall']:.1f} / {r['stages'][name]['cpu']:.1f}" for r in rows]
            print(f"| {name} | " + " | ".join(cells) + " |")


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cpu_ax, mem_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for command in sorted({r["command"] for r in results}):
        for threads in sorted({r["threads"] for r in results}):
            rows = sorted((r for r in results if r["command"] == command and r["threads"] == threads),
                          key=lambda r: r["documents"])
            if not rows:
                continue
            x = [r["documents"] for r in rows]
            label = f"{command} -j {threads}"
            cpu_ax.plot(x, [1e6 * r["cpu"] / r["documents"] for r in rows], marker="o", label=label)
            mem_ax.plot(x, [r["peak_mib"] for r in rows], marker="o", label=label)
    cpu_ax.set(xscale="log", xlabel="documents", ylabel="CPU µs per document (user + sys)",
               title="Cost per document (flat = linear)")
    cpu_ax.set_ylim(bottom=0)
    mem_ax.set(xscale="log", yscale="log", xlabel="documents", ylabel="peak resident MiB", title="Peak memory")
    for ax in (cpu_ax, mem_ax):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nplot written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", help="folder for generated corpora and outputs (needed unless --from-json)")
    ap.add_argument("--sizes", default="10000,100000,1000000", help="documents per corpus, comma-separated")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    ap.add_argument("--commands",
                    help="commands, comma-separated; NAME+spill runs NAME with --spill, NAME+limit=SIZE with "
                         "--memory-limit SIZE (default dedup,run; "
                         "with --from-json, every command in the file)")
    ap.add_argument("--runs", type=int, default=3, help="runs per setting; figures are medians (default 3)")
    ap.add_argument("--runs-large", type=int, default=1,
                    help="runs per setting from a million documents up (default 1)")
    ap.add_argument("--rewrite", type=float, help="generator's --rewrite (more distinct text when higher)")
    ap.add_argument("--spill", metavar="DIR", help="the folder for the +spill commands' --spill")
    ap.add_argument("--score", action="store_true", help="score the clusters against the truth (slow at 1M)")
    ap.add_argument("--plot", help="PNG to draw")
    ap.add_argument("--json", help="write every figure to this JSON file")
    ap.add_argument("--from-json", metavar="FILE",
                    help="print the tables and draw the plot from a --json file of an earlier run, running nothing")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
        # Every command in the file unless --commands narrows them.
        found = list(dict.fromkeys(r["command"] for r in results))
        wanted = args.commands.split(",") if args.commands else found
        args.commands = [c for c in wanted if c in found]
        print_tables(results, args)
        if args.plot:
            plot(results, args.plot)
        return
    if not args.work:
        ap.error("--work is required unless --from-json is given")
    args.commands = (args.commands or "dedup,run").split(",")
    os.makedirs(args.work, exist_ok=True)
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        gen = corpus(args.work, size, args.rewrite)
        for command in args.commands:
            for threads in [int(t) for t in args.threads.split(",")]:
                runs = args.runs if size < 1_000_000 else args.runs_large
                r = median_run([measure(command, gen, threads, args.work, args.spill) for _ in range(runs)])
                r.update(command=command, threads=threads, size=size)
                if args.score:
                    r["f1"] = pair_f1(gen, r["out"])
                print(f"{command} {r['documents']:,} docs -j {threads}: {r['wall']:.1f} s wall, "
                      f"{r['cpu']:.1f} s CPU, {r['peak_mib']:,} MiB", file=sys.stderr, flush=True)
                results.append(r)
    print_tables(results, args)
    if args.json:
        with open(args.json, "w") as f:
            # The output folders are this machine's, not figures.
            json.dump([{k: v for k, v in r.items() if k != "out"} for r in results], f, indent=1)
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
