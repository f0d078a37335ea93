"""Find the copies of each article in a scraped news corpus and reconcile them.

Three calls, each the library's work with the GIL released:

- :func:`run` does what the command ``newsmerge run`` does: reads a file or
  folder, writes an output folder, returns the summary.
- :func:`dedup` groups records (dicts with ``id`` and ``text``) into copies of
  one article; :func:`dedup_arrow` does the same for a ``pyarrow`` table and
  adds a cluster column.
- :func:`merge` reconciles copies of one article into one canonical text,
  with every line traced to the copies that carry it and every copy
  diagnosed (truncated, paywalled, coverage).

A record that cannot be used (no id, a text that is not a string, an empty
text, a duplicate id) never raises: it is reported, as a
:class:`RecordWarning` or in the ``problems`` list you pass. Only a failure
that stops the whole call raises :class:`NewsmergeError`.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _native
from ._native import FORMAT_VERSION, NewsmergeError, __version__

__all__ = [
    "FORMAT_VERSION",
    "NewsmergeError",
    "RecordWarning",
    "__version__",
    "dedup",
    "dedup_arrow",
    "merge",
    "run",
]

Record = Mapping[str, Any]
"""A record: ``id`` (str or int) and ``text`` (str); optionally ``source``,
``url``, ``title`` and ``date`` (str). Without a ``source``, the host of
``url`` is the source, else ``"records"``."""

Problem = Dict[str, Any]
"""A record that was not used: ``index`` (its position), ``id`` (as given, or
None), ``status`` (``"empty"`` or ``"error"``) and ``reason``."""


class RecordWarning(UserWarning):
    """Some records could not be used; they are left out of the result."""


def run(
    input: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]"],
    threads: Optional[int] = None,
    *,
    force: bool = False,
) -> Dict[str, Any]:
    """Run every stage over a file or folder and write the output folder.

    This is the command ``newsmerge run INPUT --out OUT``: ``out`` gets
    ``documents.jsonl``, ``clusters.jsonl``, ``sources.jsonl``,
    ``summary.json`` and ``canonical.jsonl``. A folder holding files newsmerge did
    not write is written into only with ``force=True``.

    Args:
        input: a file or folder of ``.txt``, ``.md``, ``.json``, ``.jsonl``.
        out: the output folder.
        threads: worker threads; None means one per core. The output is the
            same for any number.
        force: write into a folder that holds other files.

    Returns:
        The run's summary (``summary.json``) as a dict.

    Raises:
        NewsmergeError: the input is missing or the output cannot be written.
    """
    summary = _native.run(os.fspath(input), os.fspath(out), threads, force)
    return json.loads(summary)


def dedup(
    records: Iterable[Record],
    *,
    threads: Optional[int] = None,
    problems: Optional[List[Problem]] = None,
) -> List[List[Any]]:
    """Group records into copies of one article.

    The grouping is the command's (``newsmerge dedup``) on the same texts and
    sources: near-copies, and a truncated or paywalled copy with the full one.

    Args:
        records: dicts with ``id`` and ``text`` (see :data:`Record`).
        threads: worker threads; None means one per core.
        problems: if a list, the records that could not be used are appended
            to it (see :data:`Problem`) instead of being warned about.

    Returns:
        Every cluster as a list of ids (single records included), in the
        order of their first member's id.
    """
    clusters, bad = _native.dedup(records, threads)
    _report(bad, problems)
    return clusters


def dedup_arrow(
    table: Any,
    text: str = "text",
    id: str = "id",
    *,
    source: Optional[str] = None,
    cluster: str = "cluster",
    threads: Optional[int] = None,
    problems: Optional[List[Problem]] = None,
) -> Any:
    """Group the rows of an Arrow table into copies of one article.

    The text column is handed to the engine as Arrow buffers, without making
    a Python string per row.

    Args:
        table: a ``pyarrow.Table``, a ``RecordBatch``, or an iterable of
            record batches.
        text: the name of the text column (string or large string).
        id: the name of the id column (any type; compared as text).
        source: the name of an optional source column.
        cluster: the name of the column to add.
        threads: worker threads; None means one per core.
        problems: as for :func:`dedup`.

    Returns:
        The table with a string column ``cluster``: each row's cluster id,
        null for a row that could not be used.
    """
    import pyarrow as pa

    table = _as_table(pa, table)
    texts = table.column(text)
    chunks = texts.chunks
    arr = pa.concat_arrays(chunks) if chunks else pa.array([], pa.large_string())
    arr = arr.cast(pa.large_string())
    validity, offsets, data = arr.buffers()
    ids = table.column(id).cast(pa.string()).to_pylist()
    sources = table.column(source).cast(pa.string()).to_pylist() if source else None
    column, bad = _native.dedup_buffers(
        ids,
        offsets.to_pybytes(),
        data.to_pybytes() if data is not None else b"",
        validity.to_pybytes() if validity is not None and arr.null_count else None,
        arr.offset,
        sources,
        threads,
    )
    _report(bad, problems)
    return table.append_column(cluster, pa.array(column, pa.string()))


def merge(
    copies: Iterable[Union[str, Record]],
    *,
    threads: Optional[int] = None,
) -> Dict[str, Any]:
    """Reconcile copies of one article into one canonical text.

    The copies are taken to be one article: no grouping is done.

    Args:
        copies: dicts as for :func:`dedup`, or plain strings (whose id is
            their position, as a string).
        threads: worker threads; None means one per core.

    Returns:
        A dict: ``text`` (the canonical text), ``lines`` (each with ``text``,
        ``sources``, ``variants`` and ``tie``), ``pivot`` (the copy the others
        were aligned to) and ``copies`` (each copy's record, as in
        ``documents.jsonl``: ``id``, ``status``, ``truncated``,
        ``paywalled``, ``coverage``, the evidence, the furniture dropped).
        A copy that could not be used is in ``copies`` with its status and
        reason.
    """
    merged = json.loads(_native.merge(copies, threads))
    merged["lines"] = merged["lines"] or []
    for line in merged["lines"]:
        line.setdefault("variants", [])
        line.setdefault("tie", False)
    return merged


def _as_table(pa: Any, table: Any) -> Any:
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    return pa.Table.from_batches(list(table))


def _report(bad: List[Problem], problems: Optional[List[Problem]]) -> None:
    if problems is not None:
        problems.extend(bad)
    elif bad:
        first = bad[0]
        warnings.warn(
            f"{len(bad)} record(s) not used; the first, at index {first['index']}: "
            f"{first['reason']} (pass problems=[] to collect them)",
            RecordWarning,
            stacklevel=3,
        )
