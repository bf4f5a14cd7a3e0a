"""SQLite store: files, content hashes, chunks, their vectors, and the index manifest.

SQLite is the single source of truth. Every change commits in one transaction, so a
process killed at any point leaves the last committed state; the FAISS and BM25 files
are derived from it and rebuilt when they are missing, stale or corrupt (see search_index.py).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexStateError
from ..types import Chunk, content_hash

log = logging.getLogger(__name__)

DB_NAME = "chunks.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, file_hash TEXT NOT NULL, title TEXT NOT NULL,
    n_chunks INTEGER NOT NULL, indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,            -- the FAISS id
    id TEXT NOT NULL UNIQUE,              -- content hash of (source, start, text)
    source TEXT NOT NULL REFERENCES files(source) ON DELETE CASCADE,
    title TEXT NOT NULL, location TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, text_hash TEXT NOT NULL,
    vector BLOB NOT NULL                  -- float32, unit length
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
"""


@dataclass(frozen=True)
class FileRecord:
    source: str
    file_hash: str
    title: str
    n_chunks: int


class FileParts:
    """One file being written in parts by Store.file_writer: its chunks so far, its record."""

    def __init__(self, db: sqlite3.Connection, record: FileRecord) -> None:
        self.db, self.record, self.written = db, record, 0

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write the next chunks of the file with their vectors (not committed yet)."""
        Store._put_chunks(self.db, chunks, vectors)
        self.written += len(chunks)


class Store:
    """The SQLite database of one index folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DB_NAME
        self.read_only = False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise IndexStateError(
                f"cannot create the index folder {folder} ({e.strerror}); "
                "pass a writable folder with --index"
            ) from e
        try:
            if self.path.exists() and not os.access(folder, os.W_OK):
                self._open_read_only()
            else:
                self.db = sqlite3.connect(self.path, isolation_level=None)
                self.db.execute("PRAGMA foreign_keys = ON")
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.executescript(_SCHEMA)
            self.db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as e:
            raise IndexStateError(
                f"the index database {self.path} is corrupt ({e}). "
                f"Delete the folder {folder} or run `ragassist index PATH --rebuild --index {folder}`."
            ) from e

    def _open_read_only(self) -> None:
        """A folder we cannot write (a read-only mount or permissions): search it as it is.

        SQLite cannot create the WAL's shared-memory file there, so the database is opened
        immutable: a change made meanwhile through another, writable path is not seen.
        """
        log.info("the index folder %s is read-only; opening it for reading only", self.folder)
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        self.db = sqlite3.connect(uri, uri=True, isolation_level=None)
        self.read_only = True

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (or by SQLite after a crash).

        A write that fails (disk full, read-only folder) is an IndexStateError; the database
        keeps its last committed state.
        """
        if self.read_only:
            raise IndexStateError(
                f"the index folder {self.folder} is read-only, so it can be searched but not "
                "written; make it writable, or index into another folder with --index"
            )
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise IndexStateError(
                f"could not write the index in {self.folder} ({e}); it keeps its last committed "
                "state. Free some disk space (or fix the folder's permissions) and run the same "
                "command again: it resumes where it stopped."
            ) from e

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one committed state, even while another process commits (WAL)."""
        self.db.execute("BEGIN")
        try:
            self.db.execute("SELECT 1 FROM meta LIMIT 1").fetchall()  # the snapshot starts here
            yield
        finally:
            self.db.execute("COMMIT")

    # manifest -----------------------------------------------------------------
    def meta(self) -> dict[str, object]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def set_meta(self, db: sqlite3.Connection, **values: object) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    @property
    def generation(self) -> int:
        """Bumped by every committed change; derived files record the one they were built from."""
        return int(self.meta().get("generation", 0))  # type: ignore[call-overload]

    # files --------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self.db.execute("SELECT source, file_hash, title, n_chunks FROM files")
        return {r[0]: FileRecord(*r) for r in rows}

    def replace_files(
        self,
        batch: Sequence[tuple[FileRecord, Sequence[Chunk], np.ndarray]],
        removed: Iterable[str],
    ) -> None:
        """Commit a batch at once: drop `removed` sources, (re)write each file with its chunks."""
        with self.transaction() as db:
            for source in removed:
                db.execute("DELETE FROM files WHERE source = ?", (source,))
            for record, chunks, vectors in batch:
                self._put_file(db, record, len(chunks))
                self._put_chunks(db, chunks, vectors)
            self.set_meta(db, generation=self.generation + 1)

    @contextmanager
    def file_writer(self, record: FileRecord, removed: Iterable[str]) -> Iterator[FileParts]:
        """Write one file's chunks in parts inside one transaction: stored whole or not at all.

        A huge file's chunks then need not all be in memory; uncommitted rows spill to the
        write-ahead log, not RAM. Yields a FileParts to `add(chunks, vectors)` to; its `record`
        (hash and title may be known only at the end) is stored and committed when the block ends.
        """
        with self.transaction() as db:
            for source in removed:
                db.execute("DELETE FROM files WHERE source = ?", (source,))
            self._put_file(db, record, 0)
            parts = FileParts(db, record)
            yield parts
            db.execute(
                "UPDATE files SET file_hash = ?, title = ?, n_chunks = ? WHERE source = ?",
                (parts.record.file_hash, parts.record.title, parts.written, record.source),
            )
            self.set_meta(db, generation=self.generation + 1)

    @staticmethod
    def _put_file(db: sqlite3.Connection, record: FileRecord, n_chunks: int) -> None:
        db.execute("DELETE FROM files WHERE source = ?", (record.source,))
        db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
            (record.source, record.file_hash, record.title, n_chunks, time.time()),
        )

    @staticmethod
    def _put_chunks(db: sqlite3.Connection, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        db.executemany(
            "INSERT OR IGNORE INTO chunks(id, source, title, location, start, end, text,"
            " text_hash, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (c.id, c.source, c.title, c.location, c.start, c.end, c.text,
                 _text_hash(c.embed_text), np.asarray(v, dtype=np.float32).tobytes())
                for c, v in zip(chunks, vectors, strict=True)
            ),
        )  # fmt: skip

    # chunks -------------------------------------------------------------------
    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunks_by_rowid(self, rowids: Sequence[int]) -> dict[int, Chunk]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(
            f"SELECT rowid, id, source, title, location, start, end, text FROM chunks"
            f" WHERE rowid IN ({marks})",
            [int(r) for r in rowids],
        )
        return {r[0]: Chunk(*r[1:]) for r in rows}

    def vectors_by_text(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of texts (Chunk.embed_text) already embedded: edits re-embed only what changed."""
        found: dict[str, np.ndarray] = {}
        for text in set(texts):
            row = self.db.execute(
                "SELECT vector FROM chunks WHERE text_hash = ? LIMIT 1", (_text_hash(text),)
            ).fetchone()
            if row:
                found[text] = np.frombuffer(row[0], dtype=np.float32)
        return found

    def text_hashes(self, source: str) -> frozenset[str]:
        """Hashes of the texts a source's stored chunks embed: what a re-split need not re-embed."""
        rows = self.db.execute("SELECT text_hash FROM chunks WHERE source = ?", (source,))
        return frozenset(r[0] for r in rows)

    def vector_pages(self, dim: int, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rowids, vectors) of every chunk, `rows` at a time: FAISS is rebuilt without a copy of all."""
        cursor = self.db.execute("SELECT rowid, vector FROM chunks ORDER BY rowid")
        while page := cursor.fetchmany(rows):
            ids = np.fromiter((r[0] for r in page), dtype=np.int64, count=len(page))
            yield (
                ids,
                np.frombuffer(b"".join(r[1] for r in page), dtype=np.float32).reshape(-1, dim),
            )

    def text_pages(self, rows: int) -> Iterator[tuple[np.ndarray, list[str]]]:
        """(rowids, 'title location text') of every chunk, `rows` at a time, for rebuilding BM25."""
        text = "title || ' ' || location || ' ' || text"
        cursor = self.db.execute(f"SELECT rowid, {text} FROM chunks ORDER BY rowid")
        while page := cursor.fetchmany(rows):
            yield np.array([r[0] for r in page], dtype=np.int64), [r[1] for r in page]

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob(DB_NAME + "*"))


def _text_hash(text: str) -> str:
    return content_hash(text)
