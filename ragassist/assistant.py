"""The Assistant: one object that indexes, searches and answers, the stages written out in order."""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from .config import Config
from .corpora import corpus_sources, file_sources
from .embed import Embedder, get_embedder
from .errors import IndexStateError
from .index import SearchIndex
from .indexer import Indexer, IndexReport, write_lock
from .retrieve import Retriever
from .split import Splitter
from .store import FORMAT_VERSION, Store
from .types import Hit

log = logging.getLogger(__name__)


class Assistant:
    """Index documents, search them, answer questions from them. Models load on first use."""

    def __init__(self, config: Config | None = None, embedder: Embedder | None = None) -> None:
        self.config = config or Config.load()
        self._embedder = embedder

    @functools.cached_property
    def embedder(self) -> Embedder:
        return self._embedder or get_embedder(self.config.embed.model, self.config.embed.batch_size)

    @functools.cached_property
    def store(self) -> Store:
        store = Store(self.config.index_dir)
        self._check_manifest(store)
        return store

    @functools.cached_property
    def search_index(self) -> SearchIndex:
        return SearchIndex(self.store, self.embedder.dim, self.config.index.flat_below)

    @functools.cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.search_index, self.embedder, self.config.retrieve)

    def manifest(self) -> dict[str, object]:
        """What the index was built with; stored in it and checked on every open."""
        return {
            "format_version": FORMAT_VERSION,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "chunk_tokens": self.config.split.chunk_tokens,
            "overlap_tokens": self.config.split.overlap_tokens,
        }

    def _check_manifest(self, store: Store) -> None:
        stored = store.meta()
        if "format_version" not in stored:
            return  # a new index: the manifest is written with its first commit
        wanted = self.manifest()
        diffs = [f"{k}: index has {stored.get(k)!r}, config has {v!r}" for k, v in wanted.items() if stored.get(k) != v]
        if diffs:
            raise IndexStateError(
                f"the index in {self.config.index_dir} was built with other settings ({'; '.join(diffs)}). "
                f"Rebuild it with `ragassist index PATH --rebuild --index {self.config.index_dir}`, "
                "or use another --index folder."
            )

    # 1. indexing ----------------------------------------------------------------
    def index(
        self,
        paths: Sequence[str | Path] = (),
        corpus: str | None = None,
        rebuild: bool = False,
        progress: bool = False,
    ) -> IndexReport:
        """Bring the index in line with these files/folders (or a built-in corpus), incrementally."""
        folder = self.config.index_dir
        with write_lock(folder):
            if rebuild:
                self._wipe(folder)
            sources, scopes, ignored = [], [], []
            if paths:
                found, discovery = file_sources(list(paths), int(self.config.index.max_file_mb * 1e6))
                sources += found
                ignored = discovery.ignored
                scopes += [str(Path(p).expanduser().resolve()) + "/" for p in paths if Path(p).is_dir()]
            if corpus:
                sources += corpus_sources(corpus)
                scopes.append(corpus + "/")
            with self.store.transaction() as db:
                self.store.set_meta(db, **self.manifest())
            indexer = Indexer(self.store, self.search_index, self._splitter, self.embedder)
            report = indexer.run(sources, scopes, progress=progress)
            report.ignored = ignored
            return report

    def _splitter(self) -> Splitter:
        """Built only when something must be split: the tokenizer loads the embedding model."""
        return Splitter(self.config.split, getattr(self.embedder, "tokenizer", None))

    def _wipe(self, folder: Path) -> None:
        for name in ("store", "search_index", "retriever"):
            self.__dict__.pop(name, None)
        for path in folder.iterdir():
            if path.name != ".lock":
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    # 2. retrieval ---------------------------------------------------------------
    def search(self, query: str, k: int | None = None, mode: str | None = None, source: str | None = None) -> list[Hit]:
        """The k passages that best match the query (hybrid by default)."""
        if self.store.count() == 0:
            raise IndexStateError(
                f"the index in {self.config.index_dir} is empty; add documents with `ragassist index PATH`"
            )
        return self.retriever.search(query, k, mode, source)  # type: ignore[arg-type]

    def stats(self) -> dict[str, object]:
        """What is indexed and how: counts, sizes on disk, the manifest."""
        files = self.store.files()
        folder = self.config.index_dir
        return {
            "index_dir": str(folder),
            "files": len(files),
            "chunks": self.store.count(),
            "bytes_on_disk": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
            **self.store.meta(),
        }
