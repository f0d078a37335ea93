#!/usr/bin/env python3
"""Times `newsmerge run` on inputs built to make a careless engine blow up.

  python3 benches/attacks.py [--newsmerge target/release/newsmerge]

- one document of 1,000,000 one-line paragraphs (28 MB);
- 64 copies of one article of 1,600 paragraphs, each shuffled.

Each prints wall time, CPU seconds (user + sys) and peak memory of the run.
"""
import argparse, os, random, resource, subprocess, tempfile, time

WORDS = "alpha beta gamma delta eps zeta eta theta iota kappa lambda mu nu xi pi rho".split()


def one_million_lines(folder):
    rng = random.Random(1)
    with open(os.path.join(folder, "big.txt"), "w") as f:
        for i in range(1_000_000):
            f.write(" ".join(rng.choice(WORDS) for _ in range(4)) + f" {i}\n")


def shuffled_copies(folder):
    rng = random.Random(2)
    paras = [" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(1600)]
    for c in range(64):
        p = paras[:]
        rng.shuffle(p)
        with open(os.path.join(folder, f"c{c:02}.txt"), "w") as f:
            f.write("Same headline for all\n\n" + "\n\n".join(p))


def timed(cmd):
    start = time.monotonic()
    pid = subprocess.Popen(cmd).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    args = ap.parse_args()
    for name, build in [("1,000,000 one-line paragraphs", one_million_lines),
                        ("64 shuffled copies of 1,600 paragraphs", shuffled_copies)]:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "in")
            os.mkdir(corpus)
            build(corpus)
            wall, cpu, rss, code = timed([args.newsmerge, "run", corpus, "--out",
                                          os.path.join(tmp, "out"), "-q"])
            print(f"{name}: {wall:.2f} s wall, {cpu:.2f} CPU-s, {rss:.0f} MiB peak, exit {code}")


if __name__ == "__main__":
    main()
