"""newsmerge on Apache Spark: ``newsmerge run`` for corpora beyond one machine.

Spark schedules and shuffles; the Rust library does every document's and
every cluster's work, through the package's native module. The job follows
the cut of ``newsmerge::engine::staged``: ``run`` learns three things from
the whole corpus (each source's furniture, the presence model, each
source's reliability), and between them the work is per document or per
cluster::

    read          Spark's readers (text, Parquet, binary files), each
                  record parsed in Rust with the id the command gives it
    furniture     (line, article) pairs per entry (mapInArrow), counted by
                  a Spark aggregation; the learned lines are broadcast
    fingerprints  per entry (mapInArrow)
    candidates    a shuffle on the sampled shingles, over-common ones
                  capped and the rarest probed first, as ``run`` does,
                  plus exact and near copies
    verification  per candidate pair, on the joined fingerprints
    components    union-find in Rust on the driver up to ``driver_pairs``
                  verified pairs, else label propagation in Spark
    clusters      each component split by centre, on the executors
    align         per cluster (grouped by a shuffle): ballots collected,
                  the presence model learned on the driver and broadcast
    tally         per cluster: reliability learned and broadcast
    merge         per cluster; the records are written by the driver

The output is ``run``'s, byte for byte: the same files, cluster ids and
canonical texts, for any number of partitions or executors.

The driver holds the verified pairs (up to ``driver_pairs``), a cluster id
per document, and every output record while it writes them, as the
command does. The job spreads reading, normalizing, fingerprinting, the
candidate search, aligning and merging, which are most of the work; see
``benches/README.md`` for measurements and limits.

Run it as ``python -m newsmerge.spark INPUT --out OUT [--master URL]
[--partitions N]``, or call :func:`run` (a path) or :func:`run_frame` (a
DataFrame of records) from a PySpark job.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from . import _native

__all__ = [
    "ENTRY_SCHEMA", "OUTPUTS", "SETTINGS", "main", "run", "run_frame", "session",
    "to_parquet",
]

ENTRY_SCHEMA = "id string, path string, n long, ok boolean, source string, entry string"
"""The entries the job works on: the document id, its sort key (path and
record number), whether it has text, its source, and the entry as the
library's JSON."""

_contexts: Dict[str, Any] = {}


def _share(sc: Any, context: Any) -> Any:
    """Broadcasts a context as its bytes, under a name of its own."""
    import uuid

    return sc.broadcast((uuid.uuid4().hex, context.to_bytes()))


def _context(broadcast: Any) -> Any:
    """The decoded context of a broadcast, once per worker process."""
    name, data = broadcast.value
    if name not in _contexts:
        _contexts.clear()
        _contexts[name] = _native.Context.from_bytes(data)
    return _contexts[name]


def session(master: Optional[str] = None, app: str = "newsmerge") -> Any:
    """A Spark session (the active one, or one on ``master``, ``local[*]``
    by default) whose Python workers run this interpreter."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app)
    if master is not None:
        builder = builder.master(master)
    elif SparkSession.getActiveSession() is None:
        builder = builder.master("local[*]")
    return builder.getOrCreate()


SETTINGS = (
    "text_field", "id_field", "url_field", "title_field", "date_field",
    "glob", "exclude", "follow_links", "markers", "no_learned_furniture",
)
"""The command's options :func:`run` takes, by their keyword names."""


def run(
    input: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]"],
    *,
    spark: Any = None,
    partitions: Optional[int] = None,
    force: bool = False,
    driver_pairs: int = 50_000_000,
    reader: str = "spark",
    lines_from: Optional[int] = None,
    **settings: Any,
) -> Dict[str, Any]:
    """Run every stage over a file or folder on Spark and write the output
    folder, as ``newsmerge run INPUT --out OUT`` does.

    The input is walked on the driver, as the command walks it. With
    ``reader="spark"`` (the default), Spark's own readers read the files:
    its text reader the large JSON Lines files, in splits, its Parquet
    reader the Parquet files, by row group, and its binary file reader
    every other file; each record is parsed in Rust and numbered as the
    command numbers it, so it gets the same id and status. With
    ``reader="newsmerge"``, each executor reads parts of the input with
    the library's own reader. Either way the files must be readable by the
    executors (a local folder in local mode, a shared file system
    otherwise).

    Args:
        input: a file or folder.
        out: the output folder, written by the driver.
        spark: the session to use; by default the active one, or a new
            ``local[*]`` one.
        partitions: partitions of each stage; by default Spark's default
            parallelism. The output is the same for any number.
        force: write into a folder that holds other files.
        driver_pairs: the most verified pairs joined into components by
            union-find on the driver; past it, components are found by
            label propagation in Spark. The output is the same either way.
        reader: ``"spark"`` or ``"newsmerge"``, as above.
        lines_from: JSON Lines files larger than this many bytes are read
            line by line in splits, smaller ones whole; by default, the size
            above which the command reads them in parts (32 MiB). The
            output does not depend on it.
        settings: the command's options, named as in :data:`SETTINGS`:
            ``text_field``, ``id_field``, ``url_field``, ``title_field``,
            ``date_field`` (field names), ``glob`` and ``exclude`` (lists of
            patterns), ``follow_links`` and ``no_learned_furniture``
            (booleans), ``markers`` (a marker file's path).

    Returns:
        The run's summary (``summary.json``) as a dict.
    """
    from . import _spark_read

    if reader not in ("spark", "newsmerge"):
        raise ValueError(f"reader must be 'spark' or 'newsmerge', not {reader!r}")
    start = _start(settings)
    _native.staged_check_output(os.fspath(out), os.fspath(input), force)
    spark = spark or session()
    sc = spark.sparkContext
    slices = partitions or sc.defaultParallelism
    shared = _share(sc, start)
    # The text reader's splits are counted in one pass and read in another:
    # they must be cut the same way both times, whatever the executors.
    pinned = "spark.sql.files.minPartitionNum"
    before = spark.conf.get(pinned, None)
    spark.conf.set(pinned, str(slices))
    try:
        if reader == "spark":
            entries = _spark_read.entries(
                spark, os.fspath(input), start, shared, lines_from, ENTRY_SCHEMA
            )
        else:
            splits = _native.staged_plan(os.fspath(input), start)
            rows = sc.parallelize(splits, max(1, min(slices, len(splits) or 1))).flatMap(
                lambda split: _native.staged_read(split, _context(shared))
            )
            entries = spark.createDataFrame(rows, ENTRY_SCHEMA)
        return _run_entries(spark, entries, start, os.fspath(out), slices, force, driver_pairs)
    finally:
        if before is None:
            spark.conf.unset(pinned)
        else:
            spark.conf.set(pinned, before)


def _start(settings: Dict[str, Any]) -> Any:
    """The run's first context, from the command's options."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise TypeError(f"unknown settings {unknown}; the settings are {list(SETTINGS)}")
    given = {k: v for k, v in settings.items() if v is not None}
    for name in ("glob", "exclude"):
        if isinstance(given.get(name), str):
            given[name] = [given[name]]
        elif name in given:
            given[name] = list(given[name])
    if "markers" in given:
        given["markers"] = os.fspath(given["markers"])
    return _native.Context.start(json.dumps(given))


def run_frame(
    records: Any,
    out: Union[str, "os.PathLike[str]"],
    *,
    id: str = "id",
    text: str = "text",
    source: str = "source",
    url: str = "url",
    title: str = "title",
    date: str = "date",
    partitions: Optional[int] = None,
    force: bool = False,
    driver_pairs: int = 50_000_000,
    markers: Optional[Union[str, "os.PathLike[str]"]] = None,
    no_learned_furniture: bool = False,
) -> Dict[str, Any]:
    """Run every stage over a DataFrame of records, as read by any of
    Spark's readers (``spark.read.json``, ``.parquet``, ``.text``), and write
    the output folder; returns the output as DataFrames.

    Each record needs an id (unique; any type, written as a string) and a
    text; ``source``, ``url``, ``title`` and ``date`` are optional columns,
    named as the command's ``--*-field`` options name them. A record whose
    text is null or empty is reported in ``documents`` with its reason, as
    the command reports it. ``partitions``, ``force``, ``driver_pairs``,
    ``markers`` and ``no_learned_furniture`` are as for :func:`run`.

    Returns:
        A dict of DataFrames read back from the output: ``documents``,
        ``clusters``, ``sources`` and ``canonical``, and ``summary`` as a
        dict.
    """
    from pyspark.sql import functions as F

    spark = records.sparkSession
    slices = partitions or spark.sparkContext.defaultParallelism
    cols = records.columns

    def col(name: str) -> Any:
        return F.col(name).cast("string") if name in cols else F.lit(None).cast("string")

    start = _start({"markers": markers, "no_learned_furniture": no_learned_furniture})
    _native.staged_check_output(os.fspath(out), None, force)
    if id not in cols or text not in cols:
        raise ValueError(f"records need an {id!r} and a {text!r} column; they have {cols}")
    picked = records.select(
        col(id).alias("id"),
        col(text).alias("text"),
        col(source).alias("source"),
        col(url).alias("url"),
        col(title).alias("title"),
        col(date).alias("date"),
    )
    duplicates = picked.groupBy("id").count().filter("count > 1 or id is null").limit(1).collect()
    if duplicates:
        raise ValueError(f"record ids must be unique and not null; {duplicates[0]['id']!r} is not")
    entries = picked.mapInArrow(_records_to_entries, ENTRY_SCHEMA)
    summary = _run_entries(spark, entries, start, os.fspath(out), slices, force, driver_pairs)
    base = os.path.abspath(os.fspath(out))
    frames: Dict[str, Any] = {
        name: spark.read.json(os.path.join(base, f"{name}.jsonl")) for name in OUTPUTS
    }
    frames["summary"] = summary
    return frames


def _records_to_entries(batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        c = batch.to_pydict()
        rows = _native.staged_records(
            c["id"], c["text"], c["source"], c["url"], c["title"], c["date"]
        )
        yield _entry_batch(pa, rows)


def _entry_batch(pa: Any, rows: List[Tuple[Any, ...]]) -> Any:
    names = ["id", "path", "n", "ok", "source", "entry"]
    columns = list(zip(*rows)) if rows else [[] for _ in names]
    types = [pa.string(), pa.string(), pa.int64(), pa.bool_(), pa.string(), pa.string()]
    arrays = [pa.array(list(v), type=t) for v, t in zip(columns, types)]
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _run_entries(
    spark: Any, entries: Any, start: Any, out: str, slices: int, force: bool, driver_pairs: int
) -> Dict[str, Any]:
    shuffle = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", str(slices))
    try:
        return _stages(spark, entries, start, out, slices, force, driver_pairs)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", shuffle)


def _stages(
    spark: Any, entries: Any, start: Any, out: str, slices: int, force: bool, driver_pairs: int
) -> Dict[str, Any]:
    from pyspark import StorageLevel

    sc = spark.sparkContext
    entries = entries.repartition(slices).persist(StorageLevel.MEMORY_AND_DISK)
    readable = entries.filter("ok")

    learned = _learn_furniture(readable, start)
    context = _share(sc, learned)
    numbered = _fingerprint(readable, context, slices).persist(StorageLevel.MEMORY_AND_DISK)
    names = _cluster(numbered, slices, driver_pairs, context)
    members = _group(readable, names, slices)

    ballots = sorted(members.map(lambda g: (g[0], _ballot(g[1], context))).collect())
    numbered.unpersist()
    learned = _native.staged_learn_presence(learned, [b for _, b in ballots])
    context = _share(sc, learned)

    tallies = members.map(lambda g: _tally(g[1], context)).collect()
    learned, summed = _native.staged_learn_reliability(learned, tallies)
    context = _share(sc, learned)

    outputs = members.map(lambda g: _merge(g[0], g[1], context)).collect()
    problems = (
        entries.filter("not ok").rdd.map(lambda r: _native.staged_problem_record(r.entry)).collect()
    )
    summary = _native.staged_finish(problems, outputs, summed, learned, out, force)
    members.unpersist()
    entries.unpersist()
    return json.loads(summary)


def _learn_furniture(readable: Any, start: Any) -> Any:
    """Counts each line's articles with a Spark aggregation."""
    from pyspark.sql import functions as F

    pairs = readable.select("entry").mapInArrow(
        _furniture_lines, "long_line boolean, line long, lede long"
    )
    threshold = _native.staged_furniture_threshold(start)
    learned = (
        pairs.distinct()
        .groupBy("long_line", "line")
        .agg(F.count("*").alias("articles"))
        .filter(F.col("articles") >= threshold)
        .select("long_line", "line")
        .collect()
    )
    seen = [r.line for r in learned if not r.long_line]
    site = [r.line for r in learned if r.long_line]
    sources = [r.source for r in readable.select("source").distinct().collect()]
    return _native.staged_learn_furniture(start, seen, site, sources)


def _furniture_lines(batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        kinds, lines, ledes = _native.staged_furniture_lines(batch.column(0).to_pylist())
        yield pa.RecordBatch.from_arrays(
            [pa.array(kinds, pa.bool_()), pa.array(lines, pa.int64()), pa.array(ledes, pa.int64())],
            names=["long_line", "line", "lede"],
        )


def _fingerprint(readable: Any, context: Any, slices: int) -> Any:
    """Each readable entry's fingerprint, numbered in id order: (docno, id,
    print), by a distributed sort."""

    def fingerprints(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        learned = _context(context)
        for batch in batches:
            c = batch.to_pydict()
            prints = _native.staged_fingerprints(c["entry"], learned)
            yield pa.RecordBatch.from_arrays(
                [pa.array(c["id"]), pa.array(c["path"]), pa.array(c["n"], pa.int64()),
                 pa.array(prints, pa.binary())],
                names=["id", "path", "n", "print"],
            )

    prints = readable.select("id", "path", "n", "entry").mapInArrow(
        fingerprints, "id string, path string, n long, print binary"
    )
    ordered = prints.rdd.map(lambda r: ((r.path, r.n), (r.id, r["print"])))
    numbered = ordered.sortByKey(numPartitions=slices).zipWithIndex()
    rows = numbered.map(lambda x: (x[1], x[0][1][0], bytes(x[0][1][1])))
    spark = readable.sparkSession
    return spark.createDataFrame(rows, "doc long, id string, print binary")


def _candidates(numbered: Any, context: Any) -> Any:
    """Candidate pairs (a, b), a < b, as ``run`` finds them, by shuffles:
    exact copies by fingerprint key, near copies by min-hash key, and pairs
    that share enough sampled shingles by shingle."""
    from pyspark.sql import functions as F

    spark = numbered.sparkSession
    keys = numbered.mapInArrow(
        _candidate_keys,
        "doc long, exact long, shingles long, sample array<long>, near array<long>",
    ).persist()

    # Exact copies: only documents whose key is shared need comparing.
    sizes = keys.groupBy("exact").agg(F.count("*").alias("size"))
    shared = keys.join(sizes.filter("size > 1"), "exact").select("exact", "doc")
    groups = shared.join(numbered.select("doc", "print"), "doc").rdd.map(
        lambda r: (r.exact, (r.doc, bytes(r["print"])))
    )
    exact = groups.groupByKey().map(lambda g: _native.staged_exact_copies(
        [d for d, _ in g[1]], [p for _, p in g[1]]
    )).persist()
    copies = spark.createDataFrame(
        exact.flatMap(lambda x: x[1]), "a long, b long"
    )
    firsts = spark.createDataFrame(exact.flatMap(lambda x: [(d,) for d in x[0]]), "doc long")
    singles = keys.join(sizes.filter("size = 1"), "exact").select("doc")
    originals = keys.join(singles.union(firsts), "doc").persist()

    # Near copies: each group of a min-hash key around its largest member.
    near = originals.select(
        "doc", "shingles", F.posexplode("near").alias("seed", "key")
    ).filter("key is not null")
    centres = near.groupBy("seed", "key").agg(
        F.count("*").alias("size"),
        F.max_by("doc", F.struct("shingles", (-F.col("doc")).alias("first"))).alias("centre"),
    ).filter("size > 1")
    belongs = near.join(centres, ["seed", "key"]).select("doc", "centre").distinct()
    to_centre = belongs.filter("doc != centre").select(
        F.least("doc", "centre").alias("a"), F.greatest("doc", "centre").alias("b")
    )
    x, y = belongs.alias("x"), belongs.alias("y")
    between = x.join(y, (F.col("x.doc") == F.col("y.doc")) & (F.col("x.centre") < F.col("y.centre")))
    between = between.select(F.col("x.centre").alias("a"), F.col("y.centre").alias("b"))

    sharing = _sharing(originals, _context(context))
    pairs = copies.union(to_centre).union(between).union(sharing).distinct()
    return pairs, [keys, exact, originals]


def _sharing(originals: Any, learned: Any) -> Any:
    """Pairs that share enough sampled shingles, with the prefix filter of
    the command's candidate search.

    A shingle counts when 2 to the cap documents have it (it is indexed).
    A pair is looked for from its smaller document ``a`` (shorter sample,
    then lower number), and needs ``t`` shared indexed shingles, ``t`` from
    ``a``'s sample. By pigeonhole, a partner sharing ``t`` of ``a``'s
    indexed shingles has one of any ``n - t + 1`` of them; so only ``a``'s
    rarest ``n - t + 1`` shingles (shortest postings) are joined with the
    postings, which finds every partner without the long postings' pairs.
    Each pair found is then counted exactly, as the size of the
    intersection of the two documents' indexed samples.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = originals.sparkSession
    longest = originals.agg(F.max(F.size("sample"))).first()[0] or 0
    cap, needed = _native.staged_sharing(longest, learned)
    needs = spark.createDataFrame(list(enumerate(needed)), "len long, needed long")
    postings = originals.select("doc", F.size("sample").alias("len"), F.explode("sample").alias("h"))
    sizes = postings.groupBy("h").agg(F.count("*").alias("size"))
    indexed = postings.join(sizes.filter(F.col("size").between(2, cap)), "h").join(needs, "len")
    by_rarity = Window.partitionBy("doc").orderBy("size", "h")
    ranked = indexed.withColumn("rank", F.row_number().over(by_rarity)).withColumn(
        "indexed", F.count("*").over(Window.partitionBy("doc"))
    )
    probes = ranked.filter(F.col("rank") <= F.col("indexed") - F.col("needed") + 1)
    p, q = probes.alias("p"), indexed.alias("q")
    larger = (F.col("q.len") > F.col("p.len")) | (
        (F.col("q.len") == F.col("p.len")) & (F.col("q.doc") > F.col("p.doc"))
    )
    partners = (
        p.join(q, (F.col("p.h") == F.col("q.h")) & larger)
        .select(F.col("p.doc").alias("a"), F.col("q.doc").alias("b"), F.col("p.needed").alias("needed"))
        .distinct()
    )
    samples = indexed.groupBy("doc").agg(F.array_sort(F.collect_list("h")).alias("sample"))
    sa = samples.select(F.col("doc").alias("a"), F.col("sample").alias("sa"))
    sb = samples.select(F.col("doc").alias("b"), F.col("sample").alias("sb"))
    counted = partners.join(sa, "a").join(sb, "b")
    shared = F.size(F.array_intersect("sa", "sb"))
    return counted.filter(shared >= F.col("needed")).select(
        F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")
    )


def _candidate_keys(batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        c = batch.to_pydict()
        rows = [
            (d, *k) for d, k in zip(c["doc"], _native.staged_candidate_keys(c["print"]))
            if k is not None
        ]
        cols = list(zip(*rows)) if rows else [[], [], [], [], []]
        yield pa.RecordBatch.from_arrays(
            [pa.array(cols[0], pa.int64()), pa.array(cols[1], pa.int64()),
             pa.array(cols[2], pa.int64()), pa.array(cols[3], pa.list_(pa.int64())),
             pa.array(cols[4], pa.list_(pa.int64()))],
            names=["doc", "exact", "shingles", "sample", "near"],
        )


def _verify(pairs: Any, numbered: Any, context: Any) -> Any:
    """The candidate pairs that are copies of one article."""
    from pyspark.sql import functions as F

    prints = numbered.select("doc", "print")
    joined = (
        pairs.join(prints.select(F.col("doc").alias("a"), F.col("print").alias("pa")), "a")
        .join(prints.select(F.col("doc").alias("b"), F.col("print").alias("pb")), "b")
        .select("a", "b", "pa", "pb")
    )

    def verify(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        learned = _context(context)
        for batch in batches:
            c = batch.to_pydict()
            ok = _native.staged_verify(c["pa"], c["pb"], learned)
            a = [x for x, k in zip(c["a"], ok) if k]
            b = [x for x, k in zip(c["b"], ok) if k]
            yield pa.RecordBatch.from_arrays(
                [pa.array(a, pa.int64()), pa.array(b, pa.int64())], names=["a", "b"]
            )

    return joined.mapInArrow(verify, "a long, b long")


def _cluster(numbered: Any, slices: int, driver_pairs: int, context: Any) -> Any:
    """Each readable document's cluster: (id, cluster id) rows.

    Candidates and their verification are shuffles. The verified pairs
    are joined into components by union-find in Rust on the driver while
    there are at most ``driver_pairs`` of them (two longs each), else by
    label propagation in Spark; each component is split by centre on the
    executors.
    """
    spark = numbered.sparkSession
    pairs, cached = _candidates(numbered, context)
    verified = _verify(pairs, numbered, context).persist()
    count = numbered.count()
    if verified.count() <= driver_pairs:
        edges = verified.collect()
        components = _native.staged_components(count, [e.a for e in edges], [e.b for e in edges])
        comp = spark.createDataFrame(
            [(d, i) for i, members in enumerate(components) for d in members],
            "doc long, comp long",
        )
    else:
        comp = _components(verified)
    members = comp.join(numbered.select("doc", "print"), "doc").rdd.map(
        lambda r: (r.comp, (r.doc, bytes(r["print"])))
    )
    within = verified.join(comp.withColumnRenamed("doc", "a"), "a").rdd.map(
        lambda r: (r.comp, (r.a, r.b))
    )
    found = members.cogroup(within, slices).flatMap(lambda g: _split(*g[1], context)).collect()
    named = _native.staged_name_clusters(count, found)
    for frame in cached + [verified]:
        frame.unpersist()
    docs = spark.createDataFrame(
        [(d, name) for name, docs in named for d in docs], "doc long, cluster string"
    )
    return docs.join(numbered.select("doc", "id"), "doc").select("id", "cluster")


def _components(verified: Any) -> Any:
    """Connected components of the verified pairs in Spark: (doc, comp)
    rows, ``comp`` the component's least document. Each round gives every
    document the least label among its own and its partners', then lets
    it take its label's label (pointer jumping), until no label changes."""
    from pyspark.sql import functions as F

    both = verified.select("a", "b").union(verified.select(F.col("b").alias("a"), F.col("a").alias("b")))
    labels = both.select(F.col("a").alias("doc")).distinct().withColumn("label", F.col("doc"))
    while True:
        offered = both.join(labels.withColumnRenamed("doc", "b"), "b").select(
            F.col("a").alias("doc"), "label"
        )
        least = offered.union(labels).groupBy("doc").agg(F.min("label").alias("label"))
        up = least.select(F.col("doc").alias("label"), F.col("label").alias("up"))
        jumped = least.join(up, "label").select("doc", F.least("label", "up").alias("label"))
        jumped = jumped.localCheckpoint()
        changed = jumped.join(labels.withColumnRenamed("label", "old"), "doc").filter(
            "label != old"
        )
        done = changed.limit(1).count() == 0
        labels = jumped
        if done:
            return labels.withColumnRenamed("label", "comp")


def _split(members: Any, within: Any, context: Any) -> List[List[int]]:
    members, within = list(members), list(within)
    return _native.staged_split(
        [d for d, _ in members], [p for _, p in members],
        [a for a, _ in within], [b for _, b in within], _context(context),
    )


def _group(readable: Any, names: Any, slices: int) -> Any:
    """Each cluster's entries, grouped by a shuffle on the cluster id."""
    from pyspark import StorageLevel

    joined = readable.select("id", "entry").join(names, "id")
    grouped = joined.rdd.map(lambda r: (r.cluster, r.entry)).groupByKey(slices)
    return grouped.mapValues(list).persist(StorageLevel.MEMORY_AND_DISK)


def _ballot(members: List[str], context: Any) -> bytes:
    return bytes(_native.staged_ballot(members, _context(context)))


def _tally(members: List[str], context: Any) -> bytes:
    return bytes(_native.staged_tally(members, _context(context)))


def _merge(cluster: str, members: List[str], context: Any) -> str:
    return _native.staged_merge(cluster, members, _context(context))


OUTPUTS = ("documents", "clusters", "sources", "canonical")
"""The JSON Lines files of the output, by name."""


def to_parquet(spark: Any, out: Union[str, "os.PathLike[str]"], dest: Union[str, "os.PathLike[str]"]) -> None:
    """Writes the JSON Lines files of an output folder as Parquet datasets,
    ``dest/<name>/``, for corpora whose output is read by Spark again.
    ``dest`` must not exist."""
    base = os.path.abspath(os.fspath(out))
    for name in OUTPUTS:
        frame = spark.read.json(os.path.join(base, f"{name}.jsonl"))
        frame.write.mode("errorifexists").parquet(os.path.join(os.fspath(dest), name))


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``newsmerge run`` the job takes, with their names."""
    runs = parser.add_argument_group("options of `newsmerge run`, with the same meaning")
    for name, what in (
        ("text", "text (by default the first of text, content, body, maintext, articleBody)"),
        ("id", "own id"), ("url", "url"), ("title", "title"), ("date", "date"),
    ):
        runs.add_argument(
            f"--{name}-field", metavar="NAME",
            help=f"the field (JSON or Parquet column) that holds a record's {what}; "
            "a dotted name reaches into nested objects",
        )
    runs.add_argument(
        "--glob", action="append", metavar="PATTERN",
        help="read only the files of a folder matching this glob; repeat for several",
    )
    runs.add_argument(
        "--exclude", action="append", metavar="PATTERN",
        help="do not read the files or folders matching this glob; repeat for several",
    )
    runs.add_argument(
        "--follow-links", action="store_true", help="walk into symbolic links"
    )
    runs.add_argument(
        "--markers", metavar="FILE",
        help="a marker file whose phrases are added to the built-in ones",
    )
    runs.add_argument(
        "--no-learned-furniture", action="store_true",
        help="do not learn site furniture from the corpus",
    )


def main(argv: Optional[List[str]] = None) -> int:
    """The command line: ``python -m newsmerge.spark INPUT --out OUT``."""
    parser = argparse.ArgumentParser(
        prog="python -m newsmerge.spark",
        description=(
            "Run newsmerge on Apache Spark: find the copies of each article in "
            "INPUT and reconcile them, with the output of `newsmerge run` "
            "(documents.jsonl, clusters.jsonl, sources.jsonl, summary.json, "
            "canonical.jsonl) written to OUT by the driver."
        ),
        epilog=(
            "Example: python -m newsmerge.spark corpus/ --out cleaned/ "
            "--master local[4] --partitions 16"
        ),
    )
    parser.add_argument("input", help="a file or folder, as for `newsmerge run`")
    parser.add_argument("--out", required=True, help="the output folder")
    parser.add_argument(
        "--master", help="Spark master URL (default: the session's, else local[*])"
    )
    parser.add_argument(
        "--partitions", type=int, help="partitions per stage (default: Spark's parallelism)"
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a folder that holds other files"
    )
    parser.add_argument(
        "--driver-pairs",
        type=int,
        default=50_000_000,
        metavar="N",
        help="join up to N verified pairs into components on the driver; "
        "past that, in Spark (default: 50,000,000)",
    )
    parser.add_argument(
        "--parquet",
        metavar="DIR",
        help="also write the output's records as Parquet datasets, DIR/documents/ and so on",
    )
    parser.add_argument(
        "--reader",
        choices=("spark", "newsmerge"),
        default="spark",
        help="read the files with Spark's readers (text, Parquet, binary files; the default) "
        "or with newsmerge's own reader on the executors; the output is the same",
    )
    _add_run_options(parser)
    args = parser.parse_args(argv)
    if args.partitions is not None and args.partitions < 1:
        parser.error("--partitions must be at least 1")
    spark = session(args.master)
    try:
        if args.parquet and os.path.exists(args.parquet):
            raise _native.NewsmergeError(f"{args.parquet} exists; Parquet output needs a new folder")
        summary = run(
            args.input,
            args.out,
            spark=spark,
            partitions=args.partitions,
            force=args.force,
            driver_pairs=args.driver_pairs,
            reader=args.reader,
            **{name: getattr(args, name) for name in SETTINGS},
        )
        if args.parquet:
            to_parquet(spark, args.out, args.parquet)
    except _native.NewsmergeError as e:
        print(f"newsmerge: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # a failed Spark job: exit 2, not 1 ("finished with problems")
        print(f"newsmerge: error: the Spark job failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    docs = summary["documents"]
    problems = docs["total"] - docs["ok"]
    print(
        f"{docs['total']} documents ({problems} not read, see documents.jsonl), "
        f"{summary['clusters']} clusters, {summary['copies_merged']} copies merged; "
        f"output in {args.out}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    # Run the module under its own name, so that Spark pickles its
    # functions by reference, not with this copy's globals.
    from newsmerge import spark as _job

    sys.exit(_job.main())
