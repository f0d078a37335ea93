"""Type stubs of the native module; see :mod:`newsmerge` for the API."""

from typing import Any, Dict, Iterable, List, Optional, Tuple

FORMAT_VERSION: int
__version__: str

class NewsmergeError(Exception):
    """A failure that stops a whole run: a missing input, an output folder
    that cannot be written."""

def run(input: str, out: str, threads: Optional[int] = None, force: bool = False) -> str: ...
def dedup(
    records: Iterable[Any], threads: Optional[int] = None
) -> Tuple[List[List[Any]], List[Dict[str, Any]]]: ...
def dedup_buffers(
    ids: List[Optional[str]],
    offsets: bytes,
    data: bytes,
    validity: Optional[bytes],
    offset: int,
    sources: Optional[List[Optional[str]]] = None,
    threads: Optional[int] = None,
) -> Tuple[List[Optional[str]], List[Dict[str, Any]]]: ...
def merge(copies: Iterable[Any], threads: Optional[int] = None) -> str: ...
