#!/usr/bin/env python3
"""Peak memory of reading a large Parquet file: ROWS records of distinct
text (60 to 120 words drawn from a 20,000-word vocabulary with a fixed
seed), written as one Parquet file with a single row group, as one with
row groups of 65,536 rows, and as one JSON Lines file (read in 32 MiB
parts), each run through `newsmerge dedup`.

  python3 benches/parquet_memory.py SCRATCH_DIR [--rows 1000000] [--newsmerge target/release/newsmerge]

Needs `pyarrow`. `dedup` keeps a fingerprint per document whatever the
container, so the three peaks differ by what reading holds: if Parquet
were read whole, its peak would exceed the JSON Lines one by the file's
decoded size.
"""
import argparse, json, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from containers import timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scratch")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    args = ap.parse_args()
    import pyarrow as pa, pyarrow.parquet as pq
    rng = random.Random(5)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(20000)]
    texts = []
    for _ in range(args.rows):
        words = rng.choices(vocab, k=rng.randint(60, 120))
        texts.append(" ".join(words[:12]) + "\n\n" + " ".join(words[12:]) + ".")
    ids = [f"r{i}" for i in range(args.rows)]
    table = pa.table({"id": ids, "text": texts})
    os.makedirs(args.scratch, exist_ok=True)
    files = {}
    for name, group in [("one row group", args.rows), ("row groups of 65,536", 65536)]:
        path = os.path.join(args.scratch, f"rows-{group}.parquet")
        pq.write_table(table, path, row_group_size=group, compression="zstd")
        files[name] = path
    path = os.path.join(args.scratch, "rows.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, t in zip(ids, texts):
            f.write(json.dumps({"id": i, "text": t}) + "\n")
    files["JSON Lines (32 MiB parts)"] = path
    text_mb = sum(len(t.encode()) for t in texts) / 1e6
    del table, texts, ids
    print(f"{args.rows} records, {text_mb:.0f} MB of text")
    print("| input | file MB | wall s | CPU s | peak MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, path in files.items():
        out = os.path.join(args.scratch, "out")
        log = os.path.join(args.scratch, "log.txt")
        wall, cpu, rss = timed([args.newsmerge, "dedup", path, "--out", out, "--force", "--quiet"], log)
        print(f"| {name} | {os.path.getsize(path) / 1e6:.0f} | {wall:.1f} | {cpu:.1f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
