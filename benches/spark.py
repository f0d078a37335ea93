#!/usr/bin/env python3
"""Measures the Spark job (newsmerge.spark) against the command on one machine.

  spark.py --corpus DIR [--master local[2]] [--partitions N] [--runs N]
           [--driver-memory 8g] [--work DIR] [--reader spark|newsmerge]
           [--json results.json]

Runs `newsmerge run DIR` (target/release/newsmerge, threads as many as the
master's cores) and `python -m newsmerge.spark DIR --master MASTER`, each
--runs times, and reports for each the median wall time, CPU time (user +
sys of the whole process tree, from the kernel's accounting of children)
and peak resident memory of the whole process tree (sampled from /proc
every 0.2 s: in local mode the driver, its executors and the Python
workers; CPU is the larger of the kernel's count for reaped children and
the sampled tree's). It checks that both outputs are byte-identical.

From Spark's event log it reports the bytes each stage wrote to the
shuffle and read from it, and their totals per input document: what the
job moves between machines on a cluster.

Needs the package installed with its Spark extra (pyspark, pandas,
pyarrow) in the running interpreter, and a Java runtime.
"""

import argparse
import filecmp
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "target", "release", "newsmerge")


def tree(pid):
    """Resident bytes of a process and all its descendants, and the CPU
    seconds (user + sys) each of them has used so far, by pid."""
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the name: state, ppid, ... utime (12th), stime (13th), ... rss (22nd).
        procs[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))
    children = {}
    for p, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(p)
    rss, cpu, todo, seen = 0, {}, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen or p not in procs:
            continue
        seen.add(p)
        _, ticks, pages = procs[p]
        rss += pages * os.sysconf("SC_PAGE_SIZE")
        cpu[p] = ticks / os.sysconf("SC_CLK_TCK")
        todo.extend(children.get(p, []))
    return rss, cpu


def measure(cmd, env=None):
    """Runs `cmd`; returns wall s, CPU s (user + sys of the tree), peak tree RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    used = {}

    def sample():
        while proc.poll() is None:
            rss, cpu = tree(proc.pid)
            peak[0] = max(peak[0], rss)
            used.update(cpu)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - start
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The kernel counts a descendant only once its parent has waited for
    # it, which the JVM's Python workers may not be; the sampled tree sees
    # them, up to the last 0.2 s of each process.
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(reaped, sum(used.values()))
    if proc.returncode not in (0, 1):
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return wall, cpu, peak[0]


def events(files):
    """The events of an event log's files, in order."""
    for path in files:
        with open(path) as f:
            for line in f:
                yield json.loads(line)


def shuffle_by_stage(log_dir):
    """Shuffle bytes written and read per stage name, from the newest event log."""
    logs = sorted(glob.glob(os.path.join(log_dir, "*")), key=os.path.getmtime)
    if not logs:
        return {}
    newest = logs[-1]
    files = sorted(glob.glob(os.path.join(newest, "events_*"))) if os.path.isdir(newest) else [newest]
    names, written, read = {}, {}, {}
    for event in events(files):
        kind = event.get("Event")
        if kind == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            names[info["Stage ID"]] = re.sub(r" at .*", "", info["Stage Name"])
        elif kind == "SparkListenerTaskEnd" and "Task Metrics" in event:
            m = event["Task Metrics"]
            stage = event["Stage ID"]
            w = m.get("Shuffle Write Metrics", {}).get("Shuffle Bytes Written", 0)
            r = m.get("Shuffle Read Metrics", {})
            rb = r.get("Remote Bytes Read", 0) + r.get("Local Bytes Read", 0)
            written[stage] = written.get(stage, 0) + w
            read[stage] = read.get(stage, 0) + rb
    out = {}
    for stage in sorted(set(written) | set(read)):
        if written.get(stage, 0) or read.get(stage, 0):
            name = f"{stage}: {names.get(stage, '?')}"
            out[name] = (written.get(stage, 0), read.get(stage, 0))
    return out


def count_documents(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)["documents"]["total"]


def same_output(a, b):
    names = sorted(os.listdir(a))
    if names != sorted(os.listdir(b)):
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--driver-memory", default="8g")
    ap.add_argument("--work", default="/tmp/newsmerge-spark-bench")
    ap.add_argument("--reader", choices=("spark", "newsmerge"), default="spark")
    ap.add_argument("--json")
    args = ap.parse_args()

    cores = re.fullmatch(r"local\[(\d+)\]", args.master)
    threads = cores.group(1) if cores else "0"
    os.makedirs(args.work, exist_ok=True)
    cli_out = os.path.join(args.work, "cli")
    spark_out = os.path.join(args.work, "spark")
    logs = os.path.join(args.work, "events")
    os.makedirs(logs, exist_ok=True)

    env = dict(os.environ)
    env["PYSPARK_SUBMIT_ARGS"] = (
        f"--driver-memory {args.driver_memory} "
        "--conf spark.driver.maxResultSize=0 "
        "--conf spark.ui.showConsoleProgress=false "
        f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{logs} "
        "--conf spark.eventLog.compress=false --conf spark.eventLog.rolling.enabled=false "
        "pyspark-shell"
    )
    spark_cmd = [sys.executable, "-m", "newsmerge.spark", args.corpus, "--out", spark_out,
                 "--master", args.master, "--force", "--reader", args.reader]
    if args.partitions:
        spark_cmd += ["--partitions", str(args.partitions)]
    cli_cmd = [BIN, "run", args.corpus, "--out", cli_out, "--force", "-q", "-j", threads]

    results = {"cli": [], "spark": []}
    for _ in range(args.runs):
        results["cli"].append(measure(cli_cmd))
        results["spark"].append(measure(spark_cmd, env))
    docs = count_documents(cli_out)
    identical = same_output(cli_out, spark_out)
    shuffle = shuffle_by_stage(logs)

    print(f"{docs} documents, {args.runs} runs each, medians; outputs identical: {identical}")
    print(f"{'':8} {'wall s':>9} {'CPU s':>9} {'peak MiB':>9}")
    summary = {"documents": docs, "identical": identical, "runs": args.runs}
    for name, runs in results.items():
        wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in range(3))
        summary[name] = {"wall": wall, "cpu": cpu, "peak_mib": peak / 2**20, "all": runs}
        print(f"{name:8} {wall:9.1f} {cpu:9.1f} {peak / 2**20:9.0f}")
    print(f"ratio    {summary['spark']['wall'] / summary['cli']['wall']:9.1f} "
          f"{summary['spark']['cpu'] / summary['cli']['cpu']:9.1f} "
          f"{summary['spark']['peak_mib'] / summary['cli']['peak_mib']:9.1f}")
    print("\nshuffle (last Spark run), bytes written / read per stage:")
    total_w = total_r = 0
    for name, (w, r) in shuffle.items():
        total_w += w
        total_r += r
        print(f"  {name[:60]:60} {w / 2**20:10.1f} MiB {r / 2**20:10.1f} MiB")
    print(f"  total {total_w / 2**20:.1f} MiB written, {total_r / 2**20:.1f} MiB read; "
          f"{total_w / docs:.0f} bytes written per document")
    summary["shuffle"] = shuffle
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
