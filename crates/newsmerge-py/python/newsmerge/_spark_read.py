"""Reading a file or folder for :mod:`newsmerge.spark` with Spark's own
readers, so that every record gets the id and the status ``newsmerge run``
gives it.

The driver walks the input as the command walks it (the walk's rules:
``--glob``, ``--exclude``, links, the output folder left out) and asks the
library how each file is read; Spark then reads the files:

    lines   JSON Lines files larger than ``lines_from`` bytes: Spark's text
            reader, in splits across the cluster. A first pass counts each
            split's lines and records, so that each record is numbered as
            in the whole file; the second parses the lines in Rust.
    rows    Parquet files with rows: Spark's Parquet reader, row groups
            across the cluster, each row numbered by ``_metadata.row_index``;
            the rows cross to Rust as Arrow IPC.
    whole   every other file: Spark's ``binaryFile`` reader, one file per
            task, the bytes read by the library as the command reads a file.
    walked  files the walk passed over (unsupported, not regular, links),
            and empty files (Spark's readers give them no split): read
            on the driver, without opening the former.

Spark's readers pass over some files they are given (names that start
with ``_``, which Spark takes for its own metadata); each reader's list of
input files is checked against the walk, and the files it left out are
read by the library's reader on the executors, so every file of the walk
is read exactly once.
"""

from __future__ import annotations

import functools
import os
import urllib.parse
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import _native
from .spark import _context, _entry_batch

_PATH = "__newsmerge_path"
_START = "__newsmerge_start"
_ROW = "__newsmerge_row"


def entries(
    spark: Any, input: str, start: Any, shared: Any, lines_from: Optional[int], schema: str
) -> Any:
    """The entries of every file under ``input``, as a DataFrame of
    ``schema`` (the job's entry rows). ``start`` is the run's first
    context, ``shared`` its broadcast."""
    files = _native.staged_files(input, start, lines_from)
    by: Dict[str, List[Tuple[str, str, str]]] = {"lines": [], "rows": [], "whole": [], "walked": []}
    for data, rel, path, reading in files:
        by[reading].append((data, rel, os.path.abspath(path)))
    here = [data for data, _, _ in by["walked"]]
    frames, left = [], []
    if by["lines"]:
        lines, empty, missed = _lines(spark, by["lines"], shared, schema)
        frames.append(lines)
        here += empty
        left += missed
    if by["rows"]:
        rows, missed = _rows(spark, by["rows"], shared, schema)
        frames += rows
        left += missed
    if by["whole"]:
        whole, missed = _whole(spark, by["whole"], shared, schema)
        frames.append(whole)
        left += missed
    driver = [row for data in here for row in _native.staged_read_file(data, start)]
    frames.append(spark.createDataFrame(driver, schema))
    if left:
        read = spark.sparkContext.parallelize(left, min(len(left), spark.sparkContext.defaultParallelism))
        rows = read.flatMap(lambda data: _native.staged_read_file(data, _context(shared)))
        frames.append(spark.createDataFrame(rows, schema))
    return functools.reduce(lambda a, b: a.unionByName(b), frames)


def _missed(frame: Any, files: List[Tuple[str, str, str]]) -> List[str]:
    """The files a reader was given but does not read."""
    listed = {_key(uri) for uri in frame.inputFiles()}
    return [data for data, _, path in files if _key(path) not in listed]


def _key(uri: str) -> str:
    """A file's path as Spark names it (a URI), as a local path."""
    parsed = urllib.parse.urlparse(uri)
    path = urllib.parse.unquote(parsed.path) if parsed.scheme else uri
    return os.path.normpath(path)


def _spark_path(path: str) -> str:
    """A local path for Spark's readers: a URI with its glob characters
    escaped, so that a file named ``a[1].txt`` is that file."""
    escaped = "".join("\\" + c if c in "\\*?[]{}" else c for c in path)
    return "file://" + escaped


def _rels(files: List[Tuple[str, str, str]]) -> Dict[str, str]:
    return {_key(path): rel for _, rel, path in files}


def _whole(
    spark: Any, files: List[Tuple[str, str, str]], shared: Any, schema: str
) -> Tuple[Any, List[str]]:
    """Files read whole: Spark reads the bytes, the library the entries;
    and the files Spark passed over."""
    rels = _rels(files)
    raw = spark.read.format("binaryFile").load([_spark_path(p) for _, _, p in files])

    def read(row: Any) -> List[Any]:
        rel = rels[_key(row.path)]
        return _native.staged_read_bytes(rel, bytes(row.content), _context(shared))

    rows = raw.select("path", "content").rdd.flatMap(read)
    return spark.createDataFrame(rows, schema), _missed(raw, files)


def _lines(
    spark: Any, files: List[Tuple[str, str, str]], shared: Any, schema: str
) -> Tuple[Any, List[str], List[str]]:
    """Large JSON Lines files, by Spark's text reader in splits; the files
    that hold no record (read on the driver, as the command reads them
    whole); and the files Spark passed over."""
    from pyspark.sql import functions as F

    rels = _rels(files)
    text = spark.read.option("lineSep", "\n").text([_spark_path(p) for _, _, p in files])
    lines = text.select(
        F.col("value").cast("binary").alias("line"),
        F.col("_metadata.file_path").alias(_PATH),
        F.col("_metadata.file_block_start").alias(_START),
    )
    counted = lines.mapInArrow(_count_splits, f"{_PATH} string, {_START} long, lines long, records long")
    totals = counted.groupBy(_PATH, _START).sum("lines", "records").collect()
    before, records = _numbering([(r[0], r[1], r[2], r[3]) for r in totals])
    numbering = spark.sparkContext.broadcast(before)

    def read(batches: Iterator[Any]) -> Iterator[Any]:
        yield from _read_splits(batches, rels, numbering.value, _context(shared))

    missed = _missed(text, files)
    passed = set(missed)
    empty = [
        data for data, _, path in files if records.get(_key(path), 0) == 0 and data not in passed
    ]
    return lines.mapInArrow(read, schema), empty, missed


def _runs(batch: Any) -> Iterator[Tuple[str, int, List[bytes]]]:
    """A batch's consecutive lines of one split: (file, split start, lines)."""
    c = batch.to_pydict()
    paths, starts, lines = c[_PATH], c[_START], c["line"]
    first = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or paths[i] != paths[first] or starts[i] != starts[first]:
            yield paths[first], starts[first], lines[first:i]
            first = i


def _count_splits(batches: Iterator[Any]) -> Iterator[Any]:
    """Lines and records of each split of a partition."""
    import pyarrow as pa

    counts: Dict[Tuple[str, int], List[int]] = {}
    for batch in batches:
        for path, start, lines in _runs(batch):
            seen = counts.setdefault((path, start), [0, 0])
            seen[0] += len(lines)
            seen[1] += _native.staged_count_records(lines)
    keys = list(counts)
    yield pa.RecordBatch.from_arrays(
        [
            pa.array([k[0] for k in keys], pa.string()),
            pa.array([k[1] for k in keys], pa.int64()),
            pa.array([counts[k][0] for k in keys], pa.int64()),
            pa.array([counts[k][1] for k in keys], pa.int64()),
        ],
        names=[_PATH, _START, "lines", "records"],
    )


def _numbering(
    totals: List[Tuple[str, int, int, int]],
) -> Tuple[Dict[Tuple[str, int], Tuple[int, int]], Dict[str, int]]:
    """For each split, the (records, lines) of its file before it; and each
    file's records."""
    before: Dict[Tuple[str, int], Tuple[int, int]] = {}
    records: Dict[str, int] = {}
    lines: Dict[str, int] = {}
    for path, start, n_lines, n_records in sorted(totals, key=lambda t: (t[0], t[1])):
        key = _key(path)
        before[(path, start)] = (records.get(key, 0), lines.get(key, 0))
        records[key] = records.get(key, 0) + n_records
        lines[key] = lines.get(key, 0) + n_lines
    return before, records


def _read_splits(
    batches: Iterator[Any],
    rels: Dict[str, str],
    before: Dict[Tuple[str, int], Tuple[int, int]],
    context: Any,
) -> Iterator[Any]:
    """The entries of a partition's lines, numbered through their files."""
    import pyarrow as pa

    seen: Dict[Tuple[str, int], Tuple[int, int]] = {}
    for batch in batches:
        rows = []
        for path, start, lines in _runs(batch):
            if (path, start) not in before:
                raise RuntimeError(f"{path} was cut differently when its lines were counted")
            records, n = seen.get((path, start), before[(path, start)])
            read = _native.staged_read_lines(rels[_key(path)], lines, records, n, context)
            seen[(path, start)] = (records + len(read), n + len(lines))
            rows += read
        yield _entry_batch(pa, rows)


def _rows(
    spark: Any, files: List[Tuple[str, str, str]], shared: Any, schema: str
) -> Tuple[List[Any], List[str]]:
    """Parquet files, by Spark's Parquet reader: one DataFrame per schema,
    so that no file's rows gain another file's columns; and the files Spark
    passed over."""
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    groups: Dict[Tuple[Tuple[str, str], ...], List[Tuple[str, str, str]]] = {}
    for f in files:
        fields = pq.read_schema(f[2])
        key = tuple((field.name, str(field.type)) for field in fields)
        groups.setdefault(key, []).append(f)
    frames, missed = [], []
    for group in groups.values():
        rels = _rels(group)
        table = spark.read.parquet(*[_spark_path(p) for _, _, p in group])
        columns = table.columns
        numbered = table.select(
            *[F.col(f"`{c}`") for c in columns],
            F.col("_metadata.file_path").alias(_PATH),
            F.col("_metadata.row_index").alias(_ROW),
        )

        def read(batches: Iterator[Any], rels: Dict[str, str] = rels, columns: List[str] = columns) -> Iterator[Any]:
            yield from _read_rows(batches, rels, columns, _context(shared))

        frames.append(numbered.mapInArrow(read, schema))
        missed += _missed(table, group)
    return frames, missed


def _read_rows(
    batches: Iterator[Any], rels: Dict[str, str], columns: List[str], context: Any
) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        paths = batch.column(_PATH).to_pylist()
        rows = [r + 1 for r in batch.column(_ROW).to_pylist()]
        data = pa.RecordBatch.from_arrays(
            [batch.column(i) for i in range(len(columns))], names=columns
        )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_batch(data)
        ipc = sink.getvalue().to_pybytes()
        read = _native.staged_read_rows(ipc, [rels[_key(p)] for p in paths], rows, context)
        yield _entry_batch(pa, read)
