"""The search structures derived from the store: a FAISS index (dense) and a BM25 index (keyword).

Each is saved under a name that carries the store generation it was built from, written to a
temporary name and renamed into place. On open, a file whose generation is not the store's
(a crash between commit and save, or a corrupt file) is rebuilt from SQLite.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .bm25_build import build_bm25
from .keyword_tokens import TokenIds, bm25s, tokenize
from .store import Store

log = logging.getLogger(__name__)

TMP_MARK = ".tmp-"  # dense-3.faiss.tmp-x1y2: a file being written by one process
TMP_MAX_AGE_S = 600  # a temporary file older than this was left by a killed process
PAGE_ROWS = 16_384  # chunks read from SQLite at a time when the indexes are rebuilt
_DERIVED = re.compile(r"(?:dense-(\d+)\.faiss|keyword-(\d+))(\.tmp-.*)?")


class DenseIndex:
    """FAISS inner-product search over unit vectors: exact below `flat_below` chunks, HNSW above."""

    def __init__(self, dim: int, flat_below: int = 1_000_000) -> None:
        import faiss

        self.dim = dim
        self.flat_below = flat_below
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents with these vectors; the layout is chosen by collection size."""
        self.build_pages(len(ids), [(ids, vectors)])

    def build_pages(self, n: int, pages: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        """Replace the contents with `n` vectors added a page at a time, so no copy of all is held.

        The flat layout comes out byte for byte as from one page; HNSW's graph depends on the
        order of its inserts, so there the pages give another (equally good) graph.
        """
        import faiss

        inner: faiss.Index
        if n >= self.flat_below:
            inner = faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
            inner.hnsw.efSearch = 256  # recall@10 0.89 at 1M, 0.81 at 128; 0.6 ms a query
        else:
            inner = faiss.IndexFlatIP(self.dim)
        self.index = faiss.IndexIDMap2(inner)
        for ids, vectors in pages:
            if len(ids):
                self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    @property
    def layout(self) -> str:
        """The FAISS index type inside the id map, e.g. IndexFlatIP or IndexHNSWFlat."""
        import faiss

        return type(faiss.downcast_index(self.index.index)).__name__

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(id, cosine) of the k nearest chunks, best first."""
        if self.index.ntotal == 0:
            return []
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def cosine(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine similarity of the query to given chunks (for hits the dense side did not return)."""
        out = {}
        for i in ids:
            try:
                out[i] = float(self.index.reconstruct(int(i)) @ query)
            except RuntimeError:  # id not in the index
                continue
        return out

    def save(self, path: Path) -> None:
        """Write under a name of this process's own, then rename into place (atomic)."""
        import faiss

        fd, name = tempfile.mkstemp(prefix=path.name + TMP_MARK, dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            faiss.write_index(self.index, str(tmp))
            _fsync_file(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def load(self, path: Path) -> None:
        import faiss

        self.index = faiss.read_index(str(path))  # type: ignore[assignment]  # an IndexIDMap2 we wrote
        if self.index.d != self.dim:
            raise ValueError(f"dimension {self.index.d} != {self.dim}")


class KeywordIndex:
    """BM25 (bm25s) over title, location and text of every chunk."""

    def __init__(self) -> None:
        self.bm25: Any = None  # a bm25s.BM25 once built over at least one word
        self.ids = np.zeros(0, dtype=np.int64)

    def build(self, ids: np.ndarray, texts: list[str]) -> None:
        """Replace the contents with these texts (one page)."""
        self.build_pages([(ids, texts)])

    def build_pages(self, pages: Iterable[tuple[np.ndarray, list[str]]]) -> None:
        """Replace the contents with (ids, texts) pages; of the texts only token ids are kept."""
        tokens, ids = TokenIds(), [np.zeros(0, dtype=np.int64)]
        for page_ids, texts in pages:
            tokens.add(texts)
            ids.append(page_ids)
        self.ids = np.concatenate(ids)
        # no word in any chunk (files of punctuation only): bm25s fails on an empty vocabulary
        self.bm25 = build_bm25(tokens) if tokens.n_tokens else None

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(id, BM25 score) of the k best-matching chunks with a positive score."""
        if self.bm25 is None or not len(self.ids):
            return []
        tokens = tokenize([query])[0]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Write into a folder of this process's own, then rename it into place."""
        tmp = Path(tempfile.mkdtemp(prefix=folder.name + TMP_MARK, dir=folder.parent))
        try:
            if self.bm25 is not None:
                self.bm25.save(str(tmp), show_progress=False)
            np.save(tmp / "ids.npy", self.ids)
            for f in tmp.iterdir():
                _fsync_file(f)
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def load(self, folder: Path) -> None:
        self.ids = np.load(folder / "ids.npy", allow_pickle=False)
        has_model = (folder / "params.index.json").exists()
        self.bm25 = bm25s().BM25.load(str(folder), show_progress=False) if has_model else None


class SearchIndex:
    """The dense and keyword indexes of one folder, kept in step with its store."""

    def __init__(self, store: Store, dim: int, flat_below: int = 1_000_000) -> None:
        self.store = store
        self.dense = DenseIndex(dim, flat_below)
        self.keyword = KeywordIndex()
        self.generation = -1
        self.page_rows = PAGE_ROWS

    def _paths(self, generation: int) -> tuple[Path, Path]:
        folder = self.store.folder
        return folder / f"dense-{generation}.faiss", folder / f"keyword-{generation}"

    def refresh(self, keep: bool = True) -> None:
        """Load the derived files for the store's generation, rebuilding them if needed.

        keep=False (the end of an index run) only makes the files current: they are not
        loaded, and a rebuild drops each index once it is saved, so the two are never in
        memory together; the next refresh loads them.
        """
        generation = self.store.generation
        if generation == self.generation:
            return
        dense_path, keyword_path = self._paths(generation)
        current = True
        try:
            if keep or not (dense_path.exists() and keyword_path.exists()):
                self.dense.load(dense_path)
                self.keyword.load(keyword_path)
                self.generation = generation
        except Exception as e:  # missing, stale or corrupt: SQLite holds the truth
            if dense_path.exists() or keyword_path.exists():
                log.warning("rebuilding search files of generation %d (%s)", generation, e)
            current = False
        if not current:  # out of the except block, whose traceback would keep the old indexes
            generation = self.rebuild(keep)
            self.generation = generation if keep else -1  # -1: the next refresh loads them
        self._remove_older_generations(generation)

    def rebuild(self, keep: bool = True) -> int:
        """Build both indexes from one committed state of SQLite; return its generation.

        Rows are read `page_rows` at a time inside one read snapshot, so besides the indexes
        being built only a page of vectors or texts is held (and the texts' token ids).
        The files are saved for the next process when the folder can be written; when it
        cannot (read-only, disk full, or another process replaced them meanwhile) the indexes
        are used from memory and the store, which holds the truth, is untouched. With
        keep=False an index that was saved is dropped from memory before the next is built.
        """
        with self.store.snapshot():  # vectors and texts of the same commit, read in pages
            generation = self.store.generation
            dense_path, keyword_path = self._paths(generation)
            vectors = self.store.vector_pages(self.dense.dim, self.page_rows)
            self.dense.build_pages(self.store.count(), vectors)
            saved = self._save(self.dense.save, dense_path)
            if saved and not keep:
                self.dense = DenseIndex(self.dense.dim, self.dense.flat_below)
            self.keyword.build_pages(self.store.text_pages(self.page_rows))
        if saved and self._save(self.keyword.save, keyword_path) and not keep:
            self.keyword = KeywordIndex()
        return generation

    def _save(self, save: Callable[[Path], None], path: Path) -> bool:
        """Save one index file; False (with a warning) when the folder cannot take it."""
        if self.store.read_only:
            return False
        try:
            save(path)
            return True
        except (OSError, RuntimeError) as e:  # faiss reports a failed write as RuntimeError
            log.warning(
                "could not save the search files in %s (%s); searching from memory, "
                "they are rebuilt from the database on the next open",
                self.store.folder,
                e,
            )
            return False

    def _remove_older_generations(self, keep: int) -> None:
        """Files of older generations, and temporary files a killed process left behind.

        A newer generation's files belong to a process that saw a later commit: kept.
        """
        if self.store.read_only:
            return
        for path in self.store.folder.iterdir():
            m = _DERIVED.fullmatch(path.name)
            if not m or int(m.group(1) or m.group(2)) >= keep:
                continue
            try:
                if m.group(3) and time.time() - path.stat().st_mtime < TMP_MAX_AGE_S:
                    continue  # being written right now by another process
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            except OSError:  # another process removed it first, or it cannot be removed
                continue


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())
