"""Incremental indexing: add, change, remove, rebuild, corruption, manifest checks, kill -9."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from ragassist import Assistant, Config
from ragassist.errors import IndexStateError
from ragassist.index.embed import HashEmbedder
from ragassist.index.search_index import KeywordIndex


def make_assistant(index_dir: Path, dim: int = 64) -> Assistant:
    return Assistant(Config(index_dir=index_dir), embedder=HashEmbedder(dim))


def write_docs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"doc{i}.md").write_text(
            f"# Doc {i}\n\nThe secret word of document {i} is word{i}.\n"
        )


def test_incremental_update_touches_only_what_changed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 5)
    a = make_assistant(tmp_path / "idx")
    first = a.index([docs])
    assert (len(first.added), first.chunks_total) == (5, 5)

    again = a.index([docs])
    assert (again.unchanged, again.added, again.changed, again.chunks_embedded) == (5, [], [], 0)

    (docs / "doc1.md").write_text("# Doc 1\n\nThe secret word of document 1 is now banana.\n")
    (docs / "doc2.md").unlink()
    (docs / "new.txt").write_text("A brand new file about kiwis.")
    third = a.index([docs])
    assert [Path(p).name for p in third.changed] == ["doc1.md"]
    assert [Path(p).name for p in third.added] == ["new.txt"]
    assert [Path(p).name for p in third.removed] == ["doc2.md"]
    assert third.unchanged == 3 and third.chunks_embedded == 2 and third.chunks_total == 5

    sources = {Path(h.chunk.source).name for h in a.search("banana kiwis word2", k=10)}
    assert "doc2.md" not in sources and {"doc1.md", "new.txt"} <= sources


def test_progress_is_reported_file_by_file_and_at_each_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ragassist.index import indexer

    monkeypatch.setattr(indexer, "BATCH_CHUNKS", 2)  # commits after the 2nd and 3rd file
    docs = tmp_path / "docs"
    write_docs(docs, 3)
    seen: list[tuple[int, int, int, int]] = []

    def on_progress(r: indexer.IndexReport) -> None:
        seen.append((r.files_pending, r.files_split, r.files_committed, r.chunks_added))

    make_assistant(tmp_path / "idx").index([docs], on_progress=on_progress)
    assert seen == [
        (3, 0, 0, 0),
        (3, 1, 0, 0),
        (3, 2, 0, 0),
        (3, 2, 2, 2),
        (3, 3, 2, 2),
        (3, 3, 3, 3),
    ]


def test_indexing_another_folder_keeps_the_first(tmp_path: Path) -> None:
    write_docs(tmp_path / "a", 2)
    write_docs(tmp_path / "b", 3)
    a = make_assistant(tmp_path / "idx")
    a.index([tmp_path / "a"])
    report = a.index([tmp_path / "b"])
    assert report.removed == [] and report.chunks_total == 5


def test_rebuild_starts_clean(tmp_path: Path) -> None:
    write_docs(tmp_path / "a", 3)
    write_docs(tmp_path / "b", 1)
    a = make_assistant(tmp_path / "idx")
    a.index([tmp_path / "a"])
    report = a.index([tmp_path / "b"], rebuild=True)
    assert report.chunks_total == 1 and a.stats()["files"] == 1


def test_empty_index_and_empty_folder_say_so(tmp_path: Path) -> None:
    a = make_assistant(tmp_path / "idx")
    with pytest.raises(IndexStateError, match="empty"):
        a.search("anything")
    (tmp_path / "empty").mkdir()
    report = a.index([tmp_path / "empty"])
    assert report.chunks_total == 0 and not report.added


def test_other_embedder_is_refused_with_the_fix(tmp_path: Path) -> None:
    write_docs(tmp_path / "a", 1)
    make_assistant(tmp_path / "idx", dim=64).index([tmp_path / "a"])
    with pytest.raises(IndexStateError, match="--rebuild"):
        make_assistant(tmp_path / "idx", dim=32).search("word")


def test_corrupt_search_files_are_rebuilt_from_sqlite(tmp_path: Path) -> None:
    write_docs(tmp_path / "a", 3)
    make_assistant(tmp_path / "idx").index([tmp_path / "a"])
    for f in (tmp_path / "idx").glob("dense-*.faiss"):
        f.write_bytes(b"garbage")
    hits = make_assistant(tmp_path / "idx").search("word2", k=1, mode="keyword")
    assert Path(hits[0].chunk.source).name == "doc2.md"


def test_corrupt_database_names_the_file_and_the_fix(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "chunks.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexStateError, match="chunks.sqlite.*--rebuild"):
        make_assistant(idx).stats()


SLOW_INDEXER = textwrap.dedent(
    """
    import sys, time
    from ragassist import Assistant, Config
    from ragassist.index.embed import HashEmbedder
    import ragassist.index.indexer as indexer

    indexer.BATCH_CHUNKS = 20

    class SlowEmbedder(HashEmbedder):
        def embed(self, texts):
            time.sleep(0.3)
            return super().embed(texts)

    Assistant(Config(index_dir=sys.argv[1]), embedder=SlowEmbedder(64)).index([sys.argv[2]])
    """
)


def test_kill_9_mid_index_leaves_the_last_commit_and_a_rerun_finishes(tmp_path: Path) -> None:
    docs, idx = tmp_path / "docs", tmp_path / "idx"
    write_docs(docs, 200)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_INDEXER, str(idx), str(docs)])
    db = idx / "chunks.sqlite"
    deadline = time.time() + 120
    committed = 0
    while time.time() < deadline and committed < 40:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    committed = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 40 <= committed < 200, "the kill must land mid-run"

    a = make_assistant(idx)
    stats = a.stats()
    assert 40 <= stats["chunks"] < 200 and stats["files"] == stats["chunks"]
    assert a.search("secret word of document 0", k=1)  # opens and searches in its last good state
    report = a.index([docs])
    assert report.chunks_total == 200 and report.unchanged == stats["files"]


def test_keyword_index_build_logs_nothing_below_warning(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    KeywordIndex().build(np.arange(2), ["red apples", "green pears"])
    assert not [r for r in caplog.records if r.name.startswith("bm25s")]
