#!/usr/bin/env python3
"""Times `newsmerge run` on inputs built to make a careless engine blow up.

  python3 benches/attacks.py [--newsmerge target/release/newsmerge] [--gigabyte]

- one document of 1,000,000 one-line paragraphs (28 MB);
- 64 copies of one article of 1,600 paragraphs, each shuffled;
- 50 documents of 2 MB each, through `dedup` (its memory grows with the
  text, not only with the number of documents);
- with --gigabyte, one article of 1 GB in one file (about two minutes).

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


def big_documents(folder):
    rng = random.Random(3)
    vocab = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 8)))
             for _ in range(5000)]
    for d in range(50):
        words = [rng.choice(vocab) for _ in range(330_000)]
        with open(os.path.join(folder, f"d{d:03}.txt"), "w") as f:
            f.write("\n\n".join(" ".join(words[i:i + 40]) + "." for i in range(0, len(words), 40)))


def one_gigabyte(folder):
    rng = random.Random(5)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrst") for _ in range(rng.randint(2, 9)))
             for _ in range(20000)]
    with open(os.path.join(folder, "one.txt"), "w") as f:
        written = 0
        while written < 1_000_000_000:
            line = " ".join(rng.choice(vocab) for _ in range(rng.randint(5, 60))) + ".\n"
            f.write(line)
            written += len(line)


def timed(cmd):
    start = time.monotonic()
    pid = subprocess.Popen(cmd).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--newsmerge", default="target/release/newsmerge")
    ap.add_argument("--gigabyte", action="store_true", help="also one article of 1 GB")
    args = ap.parse_args()
    inputs = [("1,000,000 one-line paragraphs", one_million_lines, "run"),
              ("64 shuffled copies of 1,600 paragraphs", shuffled_copies, "run"),
              ("50 documents of 2 MB (dedup)", big_documents, "dedup")]
    if args.gigabyte:
        inputs.append(("one article of 1 GB", one_gigabyte, "run"))
    for name, build, command in inputs:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "in")
            os.mkdir(corpus)
            build(corpus)
            wall, cpu, rss, code = timed([args.newsmerge, command, corpus, "--out",
                                          os.path.join(tmp, "out"), "-q"])
            print(f"{name}: {wall:.2f} s wall, {cpu:.2f} CPU-s, {rss:.0f} MiB peak, exit {code}")


if __name__ == "__main__":
    main()
