"""The Spark job (``newsmerge.spark``) in ``local[2]``: the same output as
``newsmerge run`` on a generated corpus, for 1 and 4 partitions, and on a
corpus of every kind of file Spark's readers read, with the command's
options."""

import filecmp
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import newsmerge

if os.environ.get("CI"):
    import pyspark  # noqa: F401  (in CI the job must be tested, not skipped)
else:
    pytest.importorskip("pyspark")

from newsmerge import spark as nspark  # noqa: E402

from test_newsmerge import cli_binary  # noqa: E402

WORDS = (
    "minister council budget vote talks border treaty said monday agreement troops "
    "prices market rose fell report court ruling police storm school energy plan "
    "leaders meeting crisis river bridge harbour museum election farmers hospital "
    "workers strike airline company shares profit season coach league final"
).split()


def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def make_article(rng):
    headline = " ".join(rng.choice(WORDS) for _ in range(6)).title()
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(6)]
    return headline, paragraphs


def write(root, rel, text, binary=False):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if binary:
        path.write_bytes(text)
    else:
        path.write_text(text)


def generated_corpus(root):
    """Articles published by several sites, each with its habits: a wire
    copy, a page dump with the site's menu and footer, a feed copy cut with
    "To be continued.", a paywalled copy, an OCR copy with typos and hard
    wraps, an exact mirror; beside unrelated articles, a JSON Lines file of
    records, and inputs that cannot be read."""
    rng = random.Random(20261123)
    records = []
    for a in range(12):
        headline, paras = make_article(rng)
        body = "\n\n".join(paras)
        write(root, f"wire/{a:02}.txt", f"{headline}\n\n{body}")
        write(root, f"mirror/{a:02}.txt", f"{headline}\n\n{body}")
        menu = "Home | World | Business | Sport | Contact"
        footer = "Copyright 2026 The Daily Page. All rights reserved."
        write(root, f"page/{a:02}.txt", f"{menu}\n\n{headline}\n\n{body}\n\n{footer}")
        if a % 2 == 0:
            cut = "\n\n".join(paras[:2])
            write(root, f"feed/{a:02}.txt", f"{headline}\n\n{cut}\n\nTo be continued.")
        if a % 3 == 0:
            cut = "\n\n".join(paras[:3])
            notice = "Subscribe to continue reading. You have reached your free article limit."
            write(root, f"paper/{a:02}.txt", f"{headline}\n\n{cut}\n\n{notice}")
        if a % 4 == 1:
            typo = body.replace("the", "tbe").replace("market", "rnarket")
            wrapped = "\n".join(
                typo[i : i + 70] for i in range(0, len(typo), 70)
            )
            write(root, f"ocr/{a:02}.txt", f"{headline}\n\n{wrapped}")
        records.append(
            {"id": f"agg-{a}", "source": "aggregator", "title": headline, "text": f"{headline}\n\n{body}"}
        )
    for a in range(5):
        headline, paras = make_article(rng)
        write(root, f"local/{a:02}.txt", headline + "\n\n" + "\n\n".join(paras))
    lines = [json.dumps(r) for r in records]
    lines.insert(3, "{not json")
    lines.insert(5, json.dumps({"id": "empty", "text": ""}))
    write(root, "feeds/records.jsonl", "\n".join(lines) + "\n")
    write(root, "broken/latin.txt", b"\xff\xfe\x00bad\xc3", binary=True)
    write(root, "broken/empty.txt", "")
    return root


@pytest.fixture(scope="module")
def spark():
    session = nspark.session("local[2]", app="newsmerge-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return generated_corpus(tmp_path_factory.mktemp("corpus"))


def reference(corpus, out):
    """``newsmerge run`` on the corpus: the command when it is built, else
    the package's run (the same engine)."""
    binary = cli_binary()
    if binary:
        done = subprocess.run([binary, "run", str(corpus), "--out", str(out), "-q"])
        assert done.returncode == 1  # finished, with the unreadable inputs listed
    else:
        newsmerge.run(corpus, out)
    return out


def same_files(a, b):
    names = sorted(p.name for p in Path(a).iterdir())
    assert names == sorted(p.name for p in Path(b).iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert (mismatch, errors) == ([], [])
    return names


# With 4 partitions, the components are found by label propagation in
# Spark rather than by union-find on the driver.
@pytest.mark.parametrize("partitions, driver_pairs", [(1, 50_000_000), (4, 0)])
def test_spark_run_writes_what_the_command_writes(spark, corpus, tmp_path, partitions, driver_pairs):
    expected = reference(corpus, tmp_path / "cli")
    summary = nspark.run(
        corpus, tmp_path / "spark", spark=spark, partitions=partitions, driver_pairs=driver_pairs
    )
    names = same_files(expected, tmp_path / "spark")
    assert "canonical.jsonl" in names and "clusters.jsonl" in names
    assert summary["multi_copy_clusters"] >= 12
    assert summary["documents"]["error"] >= 2
    assert summary["truncated"] >= 6


def test_run_frame_takes_records_from_a_spark_reader(spark, corpus, tmp_path):
    path = str(corpus / "feeds" / "records.jsonl")
    records = spark.read.json(path, mode="DROPMALFORMED")
    frames = nspark.run_frame(records, tmp_path / "out", partitions=3)
    docs = {r["id"]: r for r in frames["documents"].collect()}
    assert len(docs) == records.count()
    assert docs["empty"]["status"] == "empty"
    # The aggregator's copies are twelve different articles.
    clusters = {r["cluster"] for r in docs.values() if r["status"] == "ok"}
    assert len(clusters) == 12
    assert frames["summary"]["clusters"] == 12
    canonical = {r["cluster"]: r["text"] for r in frames["canonical"].collect()}
    assert canonical[docs["agg-0"]["cluster"]].startswith(docs["agg-0"]["title"])


def test_an_output_it_may_not_write_is_refused_before_any_work(spark, corpus, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(newsmerge.NewsmergeError, match="did not write"):
        nspark.run(corpus, tmp_path / "mine", spark=spark)
    with pytest.raises(newsmerge.NewsmergeError, match="input"):
        nspark.run(corpus, corpus / "out", spark=spark)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    assert not (corpus / "out").exists()


def test_run_frame_refuses_duplicate_ids(spark, tmp_path):
    records = spark.createDataFrame([("a", "one text"), ("a", "another text")], "id string, text string")
    with pytest.raises(ValueError, match="unique"):
        nspark.run_frame(records, tmp_path / "out")


def test_the_command_line_writes_parquet_beside_the_output(corpus, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "newsmerge.spark", str(corpus), "--out", str(tmp_path / "out"),
         "--master", "local[2]", "--partitions", "2", "--parquet", str(tmp_path / "pq")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr[-2000:]  # two unreadable inputs
    assert "not read" in done.stdout
    import pyarrow.parquet as pq

    documents = pq.read_table(tmp_path / "pq" / "documents")
    with open(tmp_path / "out" / "documents.jsonl") as f:
        assert documents.num_rows == sum(1 for _ in f)


def test_the_command_line_teaches_and_refuses_bad_options():
    done = subprocess.run(
        [sys.executable, "-m", "newsmerge.spark", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--partitions" in done.stdout
    for option in ("--reader", "--text-field", "--glob", "--exclude", "--markers"):
        assert option in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "newsmerge.spark", "in", "--out", "out", "--partitions", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "at least 1" in done.stderr


def mixed_corpus(root):
    """Files of every kind Spark's readers read, with what the command
    meets in them: a large JSON Lines file (a byte-order mark, blank and
    malformed lines, a line that is not UTF-8, Windows line ends) read in
    splits; Parquet files of several row groups, of another schema, and
    of no rows, one named with glob characters; a compressed file; a file
    of whitespace; empty files; files Spark takes for its own (``_draft``);
    a file of no supported kind."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(7)
    articles = [make_article(rng) for _ in range(15)]
    lines = []
    for i in range(90):
        headline, paras = articles[i % 15]
        body = "\n\n".join(paras[: 3 + i % 4])
        lines.append(json.dumps({"id": f"r{i}", "title": headline, "text": body, "body": body}))
        lines += ["   "] * (i % 11 == 0) + ["{broken"] * (i % 29 == 0)
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\n\xff\xfe not text\n"
    write(root, "feeds/wire feed.jsonl", data, binary=True)
    write(root, "feeds/blank.jsonl", "  \n\n" * 2000)
    write(root, "feeds/skip/old.jsonl", "\n".join(lines[:5]))
    write(root, "feeds/packed.jsonl.gz", gzip.compress("\n".join(lines[:12]).encode()), binary=True)
    bodies = ["\n\n".join(articles[i % 15][1]) for i in range(40)]
    table = pa.table({
        "id": [f"p{i}" for i in range(40)],
        "body": bodies,
        "url": [f"https://www.paper.example/{i}" for i in range(40)],
        "rank": list(range(40)),
        "tags": [["news", str(i)] for i in range(40)],
    })
    (root / "tables").mkdir()
    pq.write_table(table, root / "tables" / "daily [1].parquet", row_group_size=9)
    pq.write_table(pa.table({"text": [bodies[3]], "date": ["2026-11-02"]}), root / "tables" / "one.parquet")
    empty = pa.table({"text": pa.array([], pa.string())})
    pq.write_table(empty, root / "tables" / "empty.parquet")
    write(root, "notes/desk.txt", articles[0][0] + "\n\n" + "\n\n".join(articles[0][1]))
    write(root, "notes/logo.png", b"\x89PNG", binary=True)
    write(root, "notes/_draft.txt", "A draft about the harbour museum, never published.")
    write(root, "notes/.unsaved.txt", "")
    write(root, "tables/_part.parquet", b"PAR1 not really", binary=True)
    return root


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return mixed_corpus(tmp_path_factory.mktemp("mixed"))


@pytest.fixture
def small_splits(spark):
    """Spark's file splits of 16 KB, so that the large JSON Lines file is
    read in several."""
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    spark.conf.set(key, "16384")
    yield
    spark.conf.set(key, before)


def command(corpus, out, *options):
    binary = cli_binary()
    if not binary:
        if os.environ.get("CI"):
            raise AssertionError("the command is built before the tests in CI")
        pytest.skip("no newsmerge binary built (set NEWSMERGE_BIN)")
    done = subprocess.run([binary, "run", str(corpus), "--out", str(out), "-q", *options])
    assert done.returncode in (0, 1)
    return out


@pytest.mark.parametrize("reader", ["spark", "newsmerge"])
def test_every_kind_of_file_is_read_as_the_command_reads_it(
    spark, small_splits, mixed, tmp_path, reader
):
    expected = command(mixed, tmp_path / "cli")
    summary = nspark.run(
        mixed, tmp_path / "spark", spark=spark, partitions=3, reader=reader, lines_from=4096
    )
    same_files(expected, tmp_path / "spark")
    with open(tmp_path / "spark" / "documents.jsonl") as f:
        ids = [json.loads(line)["id"] for line in f]
    assert "tables/daily [1].parquet#40" in ids and "feeds/wire feed.jsonl#95" in ids
    assert "notes/_draft.txt" in ids and "notes/.unsaved.txt" in ids
    assert summary["documents"]["error"] >= 4


def test_the_command_options_reach_every_worker(spark, mixed, tmp_path):
    markers = tmp_path / "markers.txt"
    markers.write_text("[footer]\nFiled from the news desk\n")
    options = {
        "text_field": "body", "title_field": "id", "exclude": ["skip"], "glob": ["*.jsonl", "*.parquet"],
        "markers": markers, "no_learned_furniture": True,
    }
    expected = command(
        mixed, tmp_path / "cli", "--text-field", "body", "--title-field", "id",
        "--exclude", "skip", "--glob", "*.jsonl", "--glob", "*.parquet",
        "--markers", str(markers), "--no-learned-furniture",
    )
    nspark.run(mixed, tmp_path / "spark", spark=spark, partitions=2, lines_from=4096, **options)
    same_files(expected, tmp_path / "spark")
    with open(tmp_path / "spark" / "summary.json") as f:
        settings = json.load(f)["settings"]
    assert settings["exclude"] == ["skip"] and settings["min_furniture_articles"] == 0
    with pytest.raises(TypeError, match="unknown settings"):
        nspark.run(mixed, tmp_path / "other", spark=spark, text_fields="body")
