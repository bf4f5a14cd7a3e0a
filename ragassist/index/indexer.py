"""The incremental indexing job: hash every source, re-embed only what changed, drop what is gone.

Work is committed to the store in batches, so a killed run keeps every finished batch and a
re-run picks up where it stopped. Derived search files are rebuilt once at the end. Memory is
bounded, not growing with the run or the file: the bytes of changed files are kept from the
check only up to KEPT_BYTES in all (the rest are read again when their turn comes); a text or
Markdown file over a block (documents/stream.py, BLOCK_CHARS) is hashed, read and split a block
at a time; and a file longer than STREAM_CHARS streams its chunks through embedding
BATCH_CHUNKS at a time, written inside the file's one transaction (whole or not at all).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import time
from collections.abc import Callable, Generator, Iterable, Sequence

import numpy as np
from tqdm import tqdm

from ..documents import stream
from ..documents.corpora import Source
from ..documents.split import Splitter
from ..errors import LoadError
from ..types import Chunk, content_hash
from .embed import Embedder
from .search_index import SearchIndex
from .store import FileRecord, Store
from .work import IndexReport, Pending, Prepared, Streamed

log = logging.getLogger(__name__)

BATCH_CHUNKS = 512  # chunks embedded and committed together
STREAM_CHARS = 1_000_000  # a longer document (about 2,000 chunks) streams its chunks
KEPT_BYTES = 64_000_000  # changed files' bytes kept from the check; beyond it they are re-read


class Indexer:
    """Brings a store and its search index in line with a set of sources."""

    keep_all_bytes = False  # a Ray run sends the bytes to its workers: it keeps them all

    def __init__(
        self,
        store: Store,
        search: SearchIndex,
        make_splitter: Callable[[], Splitter],
        embedder: Embedder,
        on_commit: Callable[[IndexReport], None] | None = None,
    ) -> None:
        self.store, self.search, self.embedder = store, search, embedder
        self._make_splitter = make_splitter  # called once, only when a file must be split
        self.on_commit = on_commit  # called after every committed batch (progress, tests)
        # called when the report moves: after the check, after each file is split, each commit
        self.on_progress: Callable[[IndexReport], None] | None = None

    @functools.cached_property
    def splitter(self) -> Splitter:
        return self._make_splitter()

    def run(
        self, sources: Sequence[Source], scopes: Iterable[str], progress: bool = False
    ) -> IndexReport:
        """Index `sources`; stored sources under any of `scopes` that are not among them are removed."""
        began = time.perf_counter()
        report = IndexReport()
        pending, removed = self._check(sources, scopes, report, progress)
        report.files_pending = len(pending)
        self._moved(report)
        bar = tqdm(total=len(pending), unit="file", desc="indexing", disable=not progress)
        prepared = self._prepare(pending, report)
        try:
            self._write(prepared, removed, report, bar)
        finally:
            prepared.close()  # a worker pool behind it is released even when a commit fails
            bar.close()
        self.search.refresh(keep=False)  # files made current, not held: see SearchIndex
        report.chunks_total = self.store.count()
        report.seconds = time.perf_counter() - began
        return report

    def _check(
        self, sources: Sequence[Source], scopes: Iterable[str], report: IndexReport, progress: bool
    ) -> tuple[list[Pending], list[str]]:
        """Read and hash every source: (new or changed files, stored sources to remove)."""
        existing = self.store.files()
        pending: list[Pending] = []
        kept = 0
        # reading and hashing 100,000 files takes a while before anything is indexed: shown too
        for source in tqdm(sources, unit="file", desc="checking", disable=not progress):
            try:
                text = self._big_text(source)  # read in blocks, never whole
                data = b"" if text else source.read()
                file_hash = text.file_hash() if text else content_hash(data)
            except LoadError as e:
                report.skipped.append((source.name, e.reason))
                continue
            old = existing.get(source.name)
            if old and old.file_hash == file_hash:
                report.unchanged += 1
            elif text:
                pending.append(Pending(source, None, old is None, text))
            else:
                keep = self.keep_all_bytes or kept + len(data) <= KEPT_BYTES
                kept += len(data) if keep else 0
                pending.append(Pending(source, data if keep else None, old is None))
        seen = {s.name for s in sources}
        scopes = tuple(scopes)
        report.removed = [n for n in existing if n not in seen and n.startswith(scopes)]
        return pending, list(report.removed)

    def _big_text(self, source: Source) -> stream.TextStream | None:
        """A text file over one block, to read in blocks (a Ray run sends workers whole files)."""
        if source.stream is None or self.keep_all_bytes:
            return None
        text = source.stream()
        return text if text.size() > stream.BLOCK_CHARS else None

    def _prepare(
        self, pending: list[Pending], report: IndexReport
    ) -> Generator[Prepared | Streamed | None]:
        """Parse and split each pending file in this process, in order; None for a skipped one."""
        for item in pending:
            if item.text is not None:  # hash and title are known once it is all read
                record = FileRecord(item.source.name, "", "", 0)
                blocks = self.splitter.split_blocks(item.text.blocks())
                yield Streamed(record, blocks, item.is_new, item.text)
                continue
            data, item.data = item.data, None  # held no longer than needed
            try:
                document = item.source.parse(item.source.read() if data is None else data)
            except LoadError as e:
                report.skipped.append((item.source.name, e.reason))
                yield None
                continue
            del data
            record = FileRecord(item.source.name, document.file_hash, document.title, 0)
            if len(document.text) > STREAM_CHARS:
                yield Streamed(record, self.splitter.iter_split(document), item.is_new)
            else:
                chunks = self.splitter.split(document)
                record = dataclasses.replace(record, n_chunks=len(chunks))
                yield Prepared(record, chunks, item.is_new)

    def _write(
        self,
        prepared: Iterable[Prepared | Streamed | None],
        removed: list[str],
        report: IndexReport,
        bar: tqdm,
    ) -> None:
        """Group prepared files into batches of BATCH_CHUNKS chunks and commit each at once;
        a streamed file is committed on its own, after the batch before it."""
        batch: list[Prepared] = []
        for item in prepared:
            report.files_split += 1
            self._moved(report)
            if item is None:
                bar.update()
                continue
            if isinstance(item, Streamed):
                if batch:
                    self._commit(batch, removed, report)
                    removed = []
                    bar.update(len(batch))
                    batch = []
                if self._commit_streamed(item, removed, report, bar):
                    removed = []
                bar.update()
                continue
            (report.added if item.is_new else report.changed).append(item.record.source)
            batch.append(item)
            if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                self._commit(batch, removed, report)
                removed = []
                bar.update(len(batch))
                cluster = {"workers": len(report.workers)} if report.workers else {}
                bar.set_postfix(chunks=report.chunks_added, **cluster)
                batch = []
        if batch or removed:
            self._commit(batch, removed, report)
            bar.update(len(batch))

    def _embed(self, texts: list[str], batch: list[Prepared]) -> np.ndarray:
        """Vectors of texts no stored chunk has: embedded here (a Ray run brings its own)."""
        return self.embedder.embed(texts)

    def _vectors(
        self, chunks: list[Chunk], batch: list[Prepared], report: IndexReport
    ) -> np.ndarray:
        """A vector per chunk: stored ones for text already embedded, the rest embedded now."""
        inputs = [c.embed_text for c in chunks]
        known = self.store.vectors_by_text(inputs)
        todo = [t for t in dict.fromkeys(inputs) if t not in known]
        if todo:
            known.update(zip(todo, self._embed(todo, batch), strict=True))
        report.chunks_embedded += len(todo)
        report.chunks_added += len(inputs)
        if not inputs:
            return np.zeros((0, self.embedder.dim), np.float32)
        return np.stack([known[t] for t in inputs])

    def _commit(self, batch: list[Prepared], removed: list[str], report: IndexReport) -> None:
        """Embed the batch (reusing stored vectors for identical text) and commit it at once."""
        before = report.chunks_embedded
        vectors = self._vectors([c for p in batch for c in p.chunks], batch, report)
        rows, i = [], 0
        for p in batch:
            rows.append((p.record, p.chunks, vectors[i : i + len(p.chunks)]))
            i += len(p.chunks)
        self.store.replace_files(rows, removed)
        embedded = report.chunks_embedded - before
        log.info("committed %d files, %d chunks (%d embedded)", len(batch), i, embedded)
        self._committed(report, len(batch))

    def _commit_streamed(
        self, item: Streamed, removed: list[str], report: IndexReport, bar: tqdm
    ) -> bool:
        """Embed and write a long file BATCH_CHUNKS chunks at a time, in one transaction.

        False when a file read in blocks turns out not to be text partway (skipped: nothing of
        it is kept, `removed` is left for the next commit).
        """
        counts = report.chunks_added, report.chunks_embedded
        try:
            with self.store.file_writer(item.record, removed) as parts:
                while part := list(itertools.islice(item.chunks, BATCH_CHUNKS)):
                    # stored vectors include earlier parts
                    parts.add(part, self._vectors(part, [], report))
                    bar.set_postfix(chunks=report.chunks_added)
                if item.text is not None:
                    parts.record = dataclasses.replace(
                        item.record, file_hash=item.text.read_hash, title=item.text.title
                    )
        except LoadError as e:
            report.chunks_added, report.chunks_embedded = counts
            report.skipped.append((item.record.source, e.reason))
            return False
        (report.added if item.is_new else report.changed).append(item.record.source)
        log.info("committed %s in parts, %d chunks so far", item.record.source, report.chunks_added)
        self._committed(report, 1)
        return True

    def _committed(self, report: IndexReport, files: int) -> None:
        """Count the files just committed; tell on_commit, then on_progress."""
        report.files_committed += files
        if self.on_commit is not None:
            self.on_commit(report)
        self._moved(report)

    def _moved(self, report: IndexReport) -> None:
        """Tell the on_progress listener (the server's upload job) how far the run is."""
        if self.on_progress is not None:
            self.on_progress(report)
