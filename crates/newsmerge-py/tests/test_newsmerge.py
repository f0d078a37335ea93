"""Tests of the Python package: each function, bad input, and agreement with
the command line on one corpus."""

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

import newsmerge

ROOT = Path(__file__).resolve().parents[3]

PARAGRAPHS = {
    "council": [
        "City council approves new budget for parks",
        "The city council voted on Tuesday to approve a budget that doubles "
        "the money set aside for parks and playgrounds over the next three years.",
        "Council members said the plan would fund repairs at twelve sites, "
        "including the old riverside pool that has been closed since the floods.",
        "Residents who spoke at the meeting asked for longer opening hours and "
        "more lighting on the paths that cross the eastern part of the city.",
        "The mayor said work on the first sites would start in the spring and "
        "that a public report on the spending would follow every six months.",
    ],
    "storm": [
        "Storm brings heavy snow to northern valleys",
        "A winter storm dropped more than half a metre of snow on the northern "
        "valleys overnight, closing mountain passes and cutting power to villages.",
        "Road crews worked through the night to clear the main routes, but "
        "officials asked drivers to stay at home until the roads are reopened.",
        "Schools in the region will remain closed on Thursday, and trains "
        "between the two largest towns are running with long delays.",
        "Forecasters expect the snow to ease by the weekend, when warmer air "
        "from the south is likely to bring rain and a risk of flooding.",
    ],
    "library": [
        "Library opens a reading room for young children",
        "The central library has opened a new reading room for children under "
        "six, with picture books in eleven languages and a corner for storytelling.",
        "Librarians said the room was paid for by donations from local "
        "families and a grant from a foundation that supports reading projects.",
        "Parents can book free sessions on weekday mornings, and a volunteer "
        "reads aloud on Saturday afternoons to groups of up to twenty children.",
        "The library plans to extend its opening hours in the summer if the "
        "new room draws as many visitors as the first weeks suggest.",
    ],
}


def article(name, cut=None, extra=None):
    paras = PARAGRAPHS[name][: cut or None]
    text = "\n\n".join(paras)
    if extra:
        text += "\n\n" + extra
    return text


def corpus():
    """Nine records: three articles, each as a full copy, a copy cut after two
    paragraphs, and a copy with a menu line and a footer."""
    records = []
    for name in PARAGRAPHS:
        records.append({"id": f"{name}-wire", "text": article(name), "source": "wire"})
        records.append(
            {
                "id": f"{name}-feed",
                "text": article(name, cut=3, extra="To be continued."),
                "source": "feed",
            }
        )
        page = "Home | News | Sport | Weather\n\n" + article(name)
        page += "\n\nCopyright 2026 The Daily Page. All rights reserved."
        records.append({"id": f"{name}-page", "text": page, "source": "page"})
    return records


def groups(clusters):
    return sorted(sorted(map(str, c)) for c in clusters)


EXPECTED = sorted(sorted(f"{n}-{k}" for k in ("feed", "page", "wire")) for n in PARAGRAPHS)


# ---------------------------------------------------------------- dedup


def test_dedup_groups_the_copies_of_each_article():
    assert groups(newsmerge.dedup(corpus())) == EXPECTED


def test_dedup_accepts_any_iterable_and_integer_ids():
    records = ({**r, "id": i} for i, r in enumerate(corpus()))
    clusters = newsmerge.dedup(records, threads=1)
    assert sorted(map(sorted, clusters)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"id": "x", "text": 5}, "record field `text` is int, expected a string"),
        ({"id": "x", "text": None}, "record has no text"),
        ({"id": "x"}, "record has no text"),
        ({"text": "Some words of text here."}, "record has no id"),
        ({"id": None, "text": "Some words of text here."}, "record has no id"),
        ({"id": 1.5, "text": "Some words."}, "record field `id` is float"),
        (None, "record is NoneType, not a dict"),
        ("a bare string", "record is str, not a dict"),
        ({"id": "x", "text": "   "}, "record field `text` is empty"),
    ],
)
def test_a_bad_record_is_reported_not_raised(record, reason):
    problems = []
    clusters = newsmerge.dedup(corpus() + [record], problems=problems)
    assert groups(clusters) == EXPECTED
    assert len(problems) == 1
    assert problems[0]["index"] == 9
    assert reason in problems[0]["reason"]
    assert problems[0]["status"] in ("error", "empty")


def test_bad_records_warn_when_no_list_is_given():
    with pytest.warns(newsmerge.RecordWarning, match="1 record"):
        clusters = newsmerge.dedup(corpus() + [{"id": "x", "text": 3}])
    assert groups(clusters) == EXPECTED


def test_a_duplicate_id_is_reported():
    records = corpus()
    records.append(dict(records[0]))
    problems = []
    newsmerge.dedup(records, problems=problems)
    assert [(p["index"], p["id"]) for p in problems] == [(9, "council-wire")]
    assert "duplicate id" in problems[0]["reason"]


def test_dedup_does_not_depend_on_threads_or_order():
    records = corpus()
    one = groups(newsmerge.dedup(records, threads=1))
    many = groups(newsmerge.dedup(list(reversed(records)), threads=4))
    assert one == many == EXPECTED


def test_calls_run_concurrently_from_python_threads():
    results = [None] * 4

    def work(i):
        results[i] = groups(newsmerge.dedup(corpus(), threads=1))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [EXPECTED] * 4


# ---------------------------------------------------------------- merge


def test_merge_of_strings_keeps_the_article_and_flags_the_cut_copy():
    full = article("storm")
    cut = full[: full.index("Road crews") + 30]
    merged = newsmerge.merge([full, cut])
    assert merged["text"].strip() == full
    assert [c["id"] for c in merged["copies"]] == ["0", "1"]
    assert [c["truncated"] for c in merged["copies"]] == [False, True]
    assert merged["copies"][1]["coverage"] < 0.6
    assert merged["copies"][1]["truncation"]["cut_after_line"] == 3
    line = merged["lines"][0]
    assert set(line) == {"text", "sources", "variants", "tie"}
    assert line["sources"] == ["0", "1"]


def test_merge_outvotes_furniture_and_typos():
    records = [r for r in corpus() if r["id"].startswith("library")]
    typo = dict(records[0], id="library-ocr", source="ocr")
    typo["text"] = typo["text"].replace("picture books", "plcture books")
    merged = newsmerge.merge(records + [typo])
    assert "Home | News" not in merged["text"]
    assert "Copyright" not in merged["text"]
    assert "picture books" in merged["text"]
    line = next(line for line in merged["lines"] if "picture books" in line["text"])
    assert [v["sources"] for v in line["variants"]][1] == ["library-ocr"]
    page = next(c for c in merged["copies"] if c["id"] == "library-page")
    dropped = " ".join(b["text"] for b in page["boilerplate"])
    assert "Weather" in dropped and "Copyright" in dropped


def test_merge_reports_an_unusable_copy_and_keeps_the_rest():
    merged = newsmerge.merge([article("council"), {"id": "bad", "text": 7}])
    assert merged["text"].strip() == article("council")
    bad = next(c for c in merged["copies"] if c["id"] == "bad")
    assert bad["status"] == "error"
    assert "expected a string" in bad["error"]


def test_merge_of_nothing_is_empty():
    assert newsmerge.merge([]) == {"text": "", "lines": [], "pivot": None, "copies": []}


# ---------------------------------------------------------------- arrow


def test_dedup_arrow_adds_a_cluster_column_agreeing_with_dedup():
    pa = pytest.importorskip("pyarrow")
    records = corpus()
    table = pa.Table.from_pylist(records)
    # Several chunks and a slice, so offsets and validity are exercised.
    table = pa.concat_tables([table.slice(0, 4), table.slice(4)])
    out = newsmerge.dedup_arrow(table, source="source")
    assert out.column_names == ["id", "text", "source", "cluster"]
    by_cluster = {}
    for rid, c in zip(out.column("id").to_pylist(), out.column("cluster").to_pylist()):
        by_cluster.setdefault(c, []).append(rid)
    assert groups(by_cluster.values()) == groups(newsmerge.dedup(records))


def test_dedup_arrow_reports_null_text_and_takes_batches():
    pa = pytest.importorskip("pyarrow")
    records = corpus() + [{"id": "none", "text": None, "source": "x"}]
    batch = pa.RecordBatch.from_pylist(records)
    problems = []
    out = newsmerge.dedup_arrow(
        batch.to_reader() if hasattr(batch, "to_reader") else [batch],
        problems=problems,
    )
    assert out.column("cluster").to_pylist()[-1] is None
    assert [(p["index"], p["reason"]) for p in problems] == [(9, "record has no text")]


# ---------------------------------------------------------------- run


def test_run_writes_the_output_folder_and_returns_the_summary(tmp_path):
    out = tmp_path / "out"
    summary = newsmerge.run(ROOT / "data", out)
    assert summary["command"] == "run"
    assert summary["documents"]["total"] == summary["documents"]["ok"] > 0
    assert summary["format_version"] == newsmerge.FORMAT_VERSION
    assert json.loads((out / "summary.json").read_text()) == summary
    for name in ("documents.jsonl", "clusters.jsonl", "sources.jsonl", "canonical.jsonl"):
        assert (out / name).exists()


def test_run_errors_are_python_exceptions(tmp_path):
    with pytest.raises(newsmerge.NewsmergeError, match="cannot read input"):
        newsmerge.run(tmp_path / "missing", tmp_path / "out")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own file")
    with pytest.raises(newsmerge.NewsmergeError, match="did not write"):
        newsmerge.run(ROOT / "data", mine)
    assert (mine / "notes.txt").read_text() == "my own file"
    newsmerge.run(ROOT / "data", mine, force=True)
    assert (mine / "summary.json").exists()


# ---------------------------------------------------------------- the CLI


def cli_binary():
    found = os.environ.get("NEWSMERGE_BIN") or shutil.which("newsmerge")
    for profile in ("release", "debug"):
        candidate = ROOT / "target" / profile / "newsmerge"
        if not found and candidate.exists():
            found = str(candidate)
    return found


def test_dedup_agrees_with_the_command_line(tmp_path):
    binary = cli_binary()
    if not binary:
        pytest.skip("no newsmerge binary built (set NEWSMERGE_BIN)")
    records = corpus() + [{"id": "odd", "text": "A short note about nothing much.", "source": "x"}]
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "corpus.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    subprocess.run(
        [binary, "dedup", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"],
        check=True,
    )
    by_cluster = {}
    with open(tmp_path / "out" / "documents.jsonl") as f:
        for line in f:
            doc = json.loads(line)
            n = int(doc["id"].rsplit("#", 1)[1])
            by_cluster.setdefault(doc["cluster"], []).append(records[n - 1]["id"])
    assert groups(by_cluster.values()) == groups(newsmerge.dedup(records))
