"""The work of an indexing run: files found new or changed, files ready to commit, the report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..documents.corpora import Source
from ..documents.split import Splitter
from ..documents.stream import TextStream
from ..errors import LoadError
from ..types import Chunk
from .store import FileRecord


@dataclass
class IndexReport:
    """What an indexing run did, for the summary line and --json."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # unsupported types in folders
    files_pending: int = 0  # new or changed files this run indexes (known after the check)
    files_split: int = 0  # of those, read and split so far (skipped ones count too)
    files_committed: int = 0  # of those, committed (searchable) so far
    chunks_added: int = 0
    chunks_embedded: int = 0  # the rest reused stored vectors of identical text
    chunks_total: int = 0
    seconds: float = 0.0
    workers: dict[str, int] = field(default_factory=dict)  # --ray: files prepared per "host:pid"


@dataclass
class Pending:
    """A file whose bytes are new or changed: it must be parsed, split and embedded."""

    source: Source
    data: bytes | None  # None: over KEPT_BYTES or read in blocks, read again when prepared
    is_new: bool
    text: TextStream | None = None  # a text file over a block: read, split and embedded in blocks


@dataclass
class Prepared:
    """A file parsed and split, ready to commit; `vectors` holds what a worker embedded already."""

    record: FileRecord
    chunks: list[Chunk]
    is_new: bool
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # Chunk.embed_text -> vector


@dataclass
class Streamed:
    """A file longer than STREAM_CHARS, or read in blocks: its chunks come one at a time, to
    commit as one."""

    record: FileRecord  # n_chunks is counted as the chunks are written
    chunks: Iterator[Chunk]
    is_new: bool
    text: TextStream | None = None  # read in blocks: its hash and title are known at the end


def prepare_file(item: Pending, splitter: Splitter) -> Prepared | str:
    """Parse and split one pending file: the Prepared file, or the reason it is skipped."""
    try:
        document = item.source.parse(item.source.read() if item.data is None else item.data)
    except LoadError as e:
        return e.reason
    chunks = splitter.split(document)
    record = FileRecord(item.source.name, document.file_hash, document.title, len(chunks))
    return Prepared(record, chunks, item.is_new)
