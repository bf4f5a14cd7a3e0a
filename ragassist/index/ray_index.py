"""Indexing on Ray: actors parse, split and embed; the driver commits exactly as Indexer does.

The driver reads and hashes every file (it holds the store, so unchanged files never leave it),
sends the bytes of new and changed files to a pool of actors in tasks of about TASK_BYTES, and
takes the results back in order. Each actor loads the embedder once and skips chunks whose text
the file already had in the store. Batches, commits, vector reuse and the report are the
Indexer's own, so a killed run keeps its committed batches and a re-run finishes the job.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..config import SplitConfig
from ..documents.split import Splitter
from ..errors import InputError
from ..types import content_hash
from .cluster import (
    LOCAL,
    actor_pool,
    check_address,
    in_order,
    pool_size,
    ray_session,
    require_ray,
    worker_errors,
    worker_id,
)
from .embed import Embedder, HashEmbedder, SentenceTransformerEmbedder, get_embedder, set_offline
from .indexer import Indexer, IndexReport
from .search_index import SearchIndex
from .store import Store
from .work import Pending, Prepared, prepare_file

log = logging.getLogger(__name__)

TASK_BYTES = 64_000  # file bytes per task: about 60-80 chunks of 200 tokens
TASK_FILES = 256  # files per task at most (many tiny files)
KEPT = "The index keeps every committed batch"


@dataclass(frozen=True)
class FileTask:
    """One file for a worker: its bytes, and the text hashes its stored chunks already have."""

    pending: Pending
    known: frozenset[str]  # Chunk.embed_text hashes stored for this source (changed files)


@dataclass(frozen=True)
class EmbedderSpec:
    """How a worker builds the driver's embedder: by name, since models do not travel."""

    name: str
    batch_size: int

    @classmethod
    def of(cls, embedder: Embedder) -> EmbedderSpec:
        """The spec of a buildable embedder; others are refused, saying which ones are."""
        if isinstance(embedder, HashEmbedder | SentenceTransformerEmbedder):
            return cls(embedder.name, getattr(embedder, "batch_size", 64))
        raise InputError(
            f"--ray builds the embedder by name in every worker, and {type(embedder).__name__} "
            f"{getattr(embedder, 'name', '?')!r} cannot be built that way; use embed.model = "
            "all-MiniLM-L6-v2, a local sentence-transformers folder, or hash-N"
        )


class IndexWorker:
    """Runs in a Ray actor: parses, splits and embeds files; loads the embedder once."""

    def __init__(self, split: SplitConfig, spec: EmbedderSpec) -> None:
        self.split, self.spec = split, spec
        self.id = worker_id()

    @functools.cached_property
    def embedder(self) -> Embedder:
        set_offline()
        return get_embedder(self.spec.name, self.spec.batch_size)

    @functools.cached_property
    def splitter(self) -> Splitter:
        return Splitter(self.split, getattr(self.embedder, "tokenizer", None))

    def ready(self) -> str:
        """Load the models now, so the first task does not pay for them; the worker's id."""
        self.embedder.embed(["warm up"])
        return self.id

    def prepare(
        self, number: int, tasks: list[FileTask]
    ) -> tuple[int, tuple[str, list[Prepared | str]]]:
        """(number, (worker id, per file a Prepared with its new texts' vectors, or why skipped))."""
        out = [prepare_file(t.pending, self.splitter) for t in tasks]
        wanted: dict[str, None] = {}
        for task, prepared in zip(tasks, out, strict=True):
            if isinstance(prepared, Prepared):
                for chunk in prepared.chunks:
                    if content_hash(chunk.embed_text) not in task.known:
                        wanted.setdefault(chunk.embed_text)
        texts = list(wanted)
        vectors = dict(zip(texts, self.embedder.embed(texts), strict=True)) if texts else {}
        for prepared in out:
            if isinstance(prepared, Prepared):
                mine = {c.embed_text for c in prepared.chunks}
                prepared.vectors = {t: v for t, v in vectors.items() if t in mine}
        return number, (self.id, out)


def file_tasks(store: Store, pending: list[Pending]) -> list[list[FileTask]]:
    """Pending files in order, grouped into tasks of about TASK_BYTES (TASK_FILES at most)."""
    tasks: list[list[FileTask]] = [[]]
    size = 0
    for item in pending:
        known = frozenset() if item.is_new else store.text_hashes(item.source.name)
        if tasks[-1] and (
            size + len(item.data or b"") > TASK_BYTES or len(tasks[-1]) >= TASK_FILES
        ):
            tasks.append([])
            size = 0
        tasks[-1].append(FileTask(item, known))
        size += len(item.data or b"")
    return [t for t in tasks if t]


class RayIndexer(Indexer):
    """An Indexer whose files are parsed, split and embedded by Ray actors."""

    keep_all_bytes = True  # the workers get the bytes: they may not see the driver's files

    def __init__(
        self,
        store: Store,
        search: SearchIndex,
        split: SplitConfig,
        embedder: Embedder,
        address: str = LOCAL,
        workers: int | None = None,
        on_commit: Callable[[IndexReport], None] | None = None,
    ) -> None:
        super().__init__(store, search, lambda: Splitter(split), embedder, on_commit)
        self.split, self.address, self.workers = split, address, workers
        self.spec = EmbedderSpec.of(embedder)
        require_ray(), check_address(address)  # before reading any file, not after

    def _prepare(self, pending: list[Pending], report: IndexReport) -> Generator[Prepared | None]:
        """Results of the actor pool in file order; Ray starts only when there is work."""
        if not pending:
            return
        tasks = file_tasks(self.store, pending)
        with ray_session(self.address) as ray:
            n = min(pool_size(ray, self.workers), len(tasks))
            with actor_pool(ray, IndexWorker, n, self.split, self.spec) as (pool, ids):
                log.info("indexing %d files in %d tasks on %d workers", len(pending), len(tasks), n)
                results = in_order("prepare", pool, tasks)
                yield from self._unpack(results, tasks, report)

    def _unpack(
        self, results: Iterator, tasks: list[list[FileTask]], report: IndexReport
    ) -> Iterable[Prepared | None]:
        for task in tasks:
            with worker_errors("indexing", KEPT):
                worker, prepared = next(results)
            report.workers[worker] = report.workers.get(worker, 0) + len(task)
            for file_task, item in zip(task, prepared, strict=True):
                if isinstance(item, str):
                    report.skipped.append((file_task.pending.source.name, item))
                    yield None
                else:
                    yield item

    def _embed(self, texts: list[str], batch: list[Prepared]) -> np.ndarray:
        """The workers' vectors; a safety net embeds here any text no worker did (none expected)."""
        fresh = {t: v for p in batch for t, v in p.vectors.items()}
        missing = [t for t in texts if t not in fresh]
        if missing:
            log.warning("embedding %d texts on the driver that no worker embedded", len(missing))
            fresh.update(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([fresh[t] for t in texts])


def make_indexer(
    store: Store,
    search: SearchIndex,
    make_splitter: Callable[[], Splitter],
    split: SplitConfig,
    embedder: Embedder,
    ray: str | None = None,
    workers: int | None = None,
    on_commit: Callable[[IndexReport], None] | None = None,
    on_progress: Callable[[IndexReport], None] | None = None,
) -> Indexer:
    """The Indexer for this process, or a RayIndexer when `ray` names where to run."""
    if ray is None:
        indexer = Indexer(store, search, make_splitter, embedder, on_commit)
    else:
        indexer = RayIndexer(store, search, split, embedder, ray, workers, on_commit)
    indexer.on_progress = on_progress
    return indexer
