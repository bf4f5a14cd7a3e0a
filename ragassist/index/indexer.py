"""The incremental indexing job: hash every source, re-embed only what changed, drop what is gone.

Work is committed to the store in batches, so a killed run keeps every finished batch and a
re-run picks up where it stopped. Derived search files are rebuilt once at the end.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..documents.corpora import Source
from ..documents.split import Splitter
from ..errors import IndexStateError, LoadError
from ..types import Chunk, content_hash
from .embed import Embedder
from .search_index import SearchIndex
from .store import FileRecord, Store

log = logging.getLogger(__name__)

BATCH_CHUNKS = 512  # chunks embedded and committed together


@dataclass
class IndexReport:
    """What an indexing run did, for the summary line and --json."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # unsupported types in folders
    chunks_added: int = 0
    chunks_embedded: int = 0  # the rest reused stored vectors of identical text
    chunks_total: int = 0
    seconds: float = 0.0


@contextmanager
def write_lock(folder: Path) -> Iterator[None]:
    """One writer per index folder at a time; a second one is told which process holds it.

    The holder writes its pid into the lock file; the file is opened without truncating it,
    so a process that fails to get the lock can still read the holder's pid.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(folder / ".lock", "a+")  # noqa: SIM115 - closed below, after the lock is released
    except OSError as e:
        raise IndexStateError(
            f"cannot write the index in {folder} ({e.strerror}); make the folder writable, "
            "or index into another folder with --index"
        ) from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            raise IndexStateError(
                f"the index in {folder} is busy: process {holder} is writing it. Wait for it "
                "to finish (searching it meanwhile is fine), then run this again."
            ) from e
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        yield


class Indexer:
    """Brings a store and its search index in line with a set of sources."""

    def __init__(
        self,
        store: Store,
        search: SearchIndex,
        make_splitter: Callable[[], Splitter],
        embedder: Embedder,
    ) -> None:
        self.store, self.search, self.embedder = store, search, embedder
        self._make_splitter = make_splitter  # called once, only when a file must be split

    @functools.cached_property
    def splitter(self) -> Splitter:
        return self._make_splitter()

    def run(
        self, sources: Sequence[Source], scopes: Iterable[str], progress: bool = False
    ) -> IndexReport:
        """Index `sources`; stored sources under any of `scopes` that are not among them are removed."""
        began = time.perf_counter()
        report = IndexReport()
        existing = self.store.files()
        pending: list[tuple[Source, bytes, bool]] = []  # (source, data, is_new)
        # reading and hashing 100,000 files takes a while before anything is indexed: shown too
        for source in tqdm(sources, unit="file", desc="checking", disable=not progress):
            try:
                data = source.read()
            except LoadError as e:
                report.skipped.append((source.name, e.reason))
                continue
            old = existing.get(source.name)
            if old and old.file_hash == content_hash(data):
                report.unchanged += 1
            else:
                pending.append((source, data, old is None))
        seen = {s.name for s in sources}
        scopes = tuple(scopes)
        removed = [n for n in existing if n not in seen and n.startswith(scopes)]
        report.removed = removed

        batch: list[tuple[FileRecord, list[Chunk]]] = []
        bar = tqdm(total=len(pending), unit="file", desc="indexing", disable=not progress)
        for source, data, is_new in pending:
            try:
                document = source.parse(data)
            except LoadError as e:
                report.skipped.append((source.name, e.reason))
                bar.update()
                continue
            chunks = self.splitter.split(document)
            record = FileRecord(source.name, document.file_hash, document.title, len(chunks))
            batch.append((record, chunks))
            (report.added if is_new else report.changed).append(source.name)
            if sum(len(c) for _, c in batch) >= BATCH_CHUNKS:
                self._commit(batch, removed, report)
                removed = []
                bar.update(len(batch))
                batch = []
        if batch or removed:
            self._commit(batch, removed, report)
            bar.update(len(batch))
        bar.close()
        self.search.refresh()
        report.chunks_total = self.store.count()
        report.seconds = time.perf_counter() - began
        return report

    def _commit(
        self, batch: list[tuple[FileRecord, list[Chunk]]], removed: list[str], report: IndexReport
    ) -> None:
        """Embed the batch (reusing stored vectors for identical text) and commit it at once."""
        inputs = [c.embed_text for _, chunks in batch for c in chunks]
        known = self.store.vectors_by_text(inputs)
        todo = [t for t in dict.fromkeys(inputs) if t not in known]
        if todo:
            known.update(zip(todo, self.embedder.embed(todo), strict=True))
        report.chunks_embedded += len(todo)
        report.chunks_added += len(inputs)
        rows, i = [], 0
        for record, chunks in batch:
            vectors = (
                np.stack([known[t] for t in inputs[i : i + len(chunks)]])
                if chunks
                else np.zeros((0, self.embedder.dim), np.float32)
            )
            rows.append((record, chunks, vectors))
            i += len(chunks)
        self.store.replace_files(rows, removed)
        log.info("committed %d files, %d chunks (%d embedded)", len(batch), len(inputs), len(todo))
