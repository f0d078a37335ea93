#!/usr/bin/env python3
"""Reading speed per container: the same corpus as a folder of text files,
one JSON Lines file (plain, gzip, zstd), Parquet, a WET-like WARC of
conversion records, and, on a subset, HTML pages and a WARC of HTML
responses (whose cost is the article extraction).

  python3 benches/containers.py CORPUS_DIR SCRATCH_DIR [--html-docs 10000] [--runs 3]
      [--newsmerge target/release/newsmerge]

CORPUS_DIR is a folder of `<source>/<name>.txt` files, as
`benches/corpus/generate.py` writes. Needs `pyarrow` and `zstandard` for
writing the Parquet and zstd files. Each container is run through
`newsmerge dedup --timings` RUNS times after a page-cache warm-up; the
script prints the medians of wall time, CPU seconds (user+sys) and peak
RSS, the first reading pass's speed (MB of text per second of the
`learning furniture` stage, which reads and decodes every input), and
whether the clusters are the plain folder's (compared by url).
"""
import argparse, gc, gzip, json, os, re, shutil, statistics, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus"))
from compare import records_of, warm_up  # noqa: E402


def documents(root):
    """The corpus's documents (its text files, and the records of its JSON
    Lines files), each with a url of its own so that every container can
    be compared by url."""
    docs = []
    for r in records_of(root):
        r.setdefault("url", None)
        source = r["source"] or r["url"].split("/")[2]
        key = re.sub(r"[^A-Za-z0-9]+", "-", r["id"])
        docs.append({"id": r["id"], "source": source,
                     "url": r["url"] or f"https://{source}.example/{key}", "text": r["text"]})
    return docs


def html_page(d):
    paragraphs = "".join(f"<p>{p}</p>\n" for p in d["text"].split("\n") if p.strip())
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{d["id"]}</title>'
            f'<link rel="canonical" href="{d["url"]}"></head><body>'
            '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
            f"<article>{paragraphs}</article><footer>Terms of use.</footer></body></html>")


def warc_record(kind, uri, body, content_type):
    head = (f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return gzip.compress(head + body + b"\r\n\r\n", compresslevel=6)


def write_containers(docs, html_docs, scratch):
    import pyarrow as pa, pyarrow.parquet as pq, zstandard
    made = {}
    lines = "".join(json.dumps(d) + "\n" for d in docs).encode()

    def put(name, data):
        folder = os.path.join(scratch, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        made[name] = folder

    put("corpus.jsonl", lines)
    put("corpus.jsonl.gz", gzip.compress(lines, compresslevel=6))
    put("corpus.jsonl.zst", zstandard.ZstdCompressor(level=3).compress(lines))
    folder = os.path.join(scratch, "corpus.parquet")
    os.makedirs(folder, exist_ok=True)
    table = pa.Table.from_pylist(docs)
    pq.write_table(table, os.path.join(folder, "corpus.parquet"), row_group_size=8192,
                   compression="zstd")
    made["corpus.parquet"] = folder
    put("wet.warc.gz", b"".join(warc_record("conversion", d["url"], d["text"].encode(),
                                             "text/plain") for d in docs))
    # The subset: the documents of the lowest-numbered articles (the
    # generator names a copy by its article's number), so that it holds
    # copies to find.
    number = lambda d: int((re.findall(r"\d+", d["id"]) or ["0"])[-1])
    sub = sorted(docs, key=lambda d: (number(d), d["id"]))[:html_docs]
    pages = os.path.join(scratch, "html")
    shutil.rmtree(pages, ignore_errors=True)
    for d in sub:
        name = re.sub(r"[^A-Za-z0-9]+", "-", d["id"]) + ".html"
        os.makedirs(pages, exist_ok=True)
        with open(os.path.join(pages, name), "w", encoding="utf-8") as f:
            f.write(html_page(d))
    made["html (subset)"] = pages
    put("pages.warc.gz", b"".join(
        warc_record("response", d["url"],
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                    + html_page(d).encode(), "application/http; msgtype=response")
        for d in sub))
    made["pages.warc.gz (subset)"] = made.pop("pages.warc.gz")
    return made, sum(len(d["text"].encode()) for d in sub) / 1e6


def timed(cmd, log):
    """Runs cmd with its stderr in the file log; returns (wall seconds, CPU
    seconds (user+sys), peak RSS in MiB). GNU time measures it: a child
    forked from this (large) process would report this process's pages as
    its own peak."""
    usage = log + ".usage"
    with open(log, "w") as err:
        subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", usage] + cmd,
                       stdout=subprocess.DEVNULL, stderr=err)
    wall, user, system, kib = open(usage).read().split()[-4:]
    return float(wall), float(user) + float(system), int(kib) / 1024


def clusters_by_url(out, url_of):
    cluster = {}
    with open(os.path.join(out, "documents.jsonl"), encoding="utf-8") as f:
        for d in map(json.loads, f):
            if d["status"] == "ok":
                key = d["url"] or url_of[d["id"]]
                cluster.setdefault(d["cluster"], []).append(key)
    return sorted(sorted(c) for c in cluster.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("scratch")
    ap.add_argument("--html-docs", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    args = ap.parse_args()
    docs = documents(args.corpus)
    text_mb = sum(len(d["text"].encode()) for d in docs) / 1e6
    inputs = {"folder of .txt": args.corpus}
    made, sub_mb = write_containers(docs, args.html_docs, args.scratch)
    inputs.update(made)
    url_of = {d["id"]: d["url"] for d in docs}
    del docs
    gc.collect()
    reference = {}
    print(f"{len(url_of)} documents, {text_mb:.0f} MB of text; subsets: {args.html_docs} documents")
    print("| input | on disk MB | wall s | CPU s | peak MiB | first pass MB/s | same clusters |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, path in inputs.items():
        warm_up(path)
        disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6
        out = os.path.join(args.scratch, "out")
        runs = []
        for _ in range(args.runs):
            log = os.path.join(args.scratch, "timings.txt")
            cmd = [args.newsmerge, "dedup", path, "--out", out, "--force", "--quiet", "--timings"]
            wall, cpu, rss = timed(cmd, log)
            stage = float(re.search(r"learning furniture\s+([\d.]+) s", open(log).read()).group(1))
            runs.append((wall, cpu, rss, stage))
        med = [statistics.median(r[i] for r in runs) for i in range(4)]
        subset = "subset" in name
        mb = sub_mb if subset else text_mb
        groups = clusters_by_url(out, url_of)
        # The first run of each size is the reference of the others.
        same = "yes" if groups == reference.setdefault(subset, groups) else "NO"
        print(f"| {name} | {disk:.0f} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.0f} | "
              f"{mb / med[3]:.0f} | {same} |", flush=True)


if __name__ == "__main__":
    main()
