"""A long file streams its chunks through embedding in parts, inside its one transaction.

The limits are lowered here (STREAM_CHARS, BATCH_CHUNKS, KEPT_BYTES, BLOCK_CHARS) so small
files exercise the paths a 200 MB file takes; bench/robustness.py measures the memory they save.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ragassist import Assistant, Config
from ragassist.documents import stream
from ragassist.documents.load import load_document
from ragassist.index import indexer
from ragassist.index.embed import HashEmbedder
from ragassist.types import content_hash

ROOT = Path(__file__).resolve().parents[2]


class CountingEmbedder(HashEmbedder):
    """The hashing embedder, remembering how many texts each call embedded."""

    def __init__(self) -> None:
        super().__init__(64)
        self.calls: list[int] = []

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().embed(texts)


def write_folder(folder: Path) -> None:
    """Two short files around a long one whose sections repeat (vectors reused across parts)."""
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nThe first short file mentions otters.\n")
    words = "rivers stones fish otters reeds banks water mud herons light".split()
    sections = [  # about one chunk each; nine distinct ones, so most vectors are reused
        f"## Part {i % 9}\n\nParagraph {i % 9}: "
        + " ".join(words[(i % 9 + j) % 10] for j in range(150))
        for i in range(60)
    ]
    (folder / "long.md").write_text("# Long\n\n" + "\n\n".join(sections) + "\n")
    (folder / "z.md").write_text("# Z\n\nThe last short file mentions herons.\n")


def rows(index: Path) -> tuple[list[tuple], list[tuple]]:
    with sqlite3.connect(index / "chunks.sqlite") as con:
        files = con.execute("SELECT source, file_hash, n_chunks FROM files ORDER BY source")
        chunks = con.execute("SELECT id, source, location, start, text, vector FROM chunks")
        return files.fetchall(), sorted(chunks.fetchall())


def whole_files(index: Path) -> dict[str, int]:
    """Stored files and their chunk counts; fails when a file's count is not its chunks'."""
    with sqlite3.connect(index / "chunks.sqlite") as con:
        listed = dict(con.execute("SELECT source, n_chunks FROM files"))
        counted = dict(con.execute("SELECT source, COUNT(*) FROM chunks GROUP BY source"))
    assert all(counted.get(s, 0) == n for s, n in listed.items()), (listed, counted)
    return listed


def test_a_streamed_file_is_stored_as_the_whole_file_would_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_folder(docs)
    whole = Assistant(Config(index_dir=tmp_path / "whole"), embedder=HashEmbedder(64))
    expected = whole.index([docs])

    monkeypatch.setattr(indexer, "STREAM_CHARS", 1000)  # long.md streams, a.md and z.md do not
    monkeypatch.setattr(indexer, "BATCH_CHUNKS", 7)
    monkeypatch.setattr(indexer, "KEPT_BYTES", 100)  # only a.md's bytes kept; the rest re-read
    embedder = CountingEmbedder()
    streamed = Assistant(Config(index_dir=tmp_path / "streamed"), embedder=embedder)
    report = streamed.index([docs])

    assert rows(tmp_path / "streamed") == rows(tmp_path / "whole")
    assert report.chunks_total == expected.chunks_total > 60
    assert report.chunks_embedded == expected.chunks_embedded < report.chunks_total
    assert len(report.added) == 3 and not report.skipped
    # in parts of at most 7 chunks; whole, long.md alone would embed more texts at once
    assert max(embedder.calls) <= 7 < expected.chunks_embedded - 2
    hit = streamed.search("Paragraph 4", k=1, mode="keyword")[0]
    assert hit.chunk.source.endswith("long.md")
    # an unchanged re-run reads and skips it; a changed one replaces it whole
    assert streamed.index([docs]).unchanged == 3
    (docs / "long.md").write_text("# Long\n\n" + "Only cranes now. " * 400)
    again = streamed.index([docs])
    assert again.changed == [str(docs / "long.md")] and again.chunks_added >= 3
    assert whole_files(tmp_path / "streamed")[str(docs / "long.md")] == again.chunks_added
    assert not [
        h for h in streamed.search("Paragraph", k=50, mode="keyword") if "long" in h.chunk.source
    ]


def test_a_text_file_over_a_block_is_read_split_and_stored_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_folder(docs)
    long = docs / "long.md"
    monkeypatch.setattr(stream, "BLOCK_CHARS", 2000)  # long.md (13 KB) is read in 7 blocks
    monkeypatch.setattr(indexer, "BATCH_CHUNKS", 7)
    read = []
    original = load_document
    monkeypatch.setattr(
        "ragassist.documents.corpora.load_document",
        lambda path, data: read.append(path.name) or original(path, data),
    )
    a = Assistant(Config(index_dir=tmp_path / "idx"), embedder=HashEmbedder(64))
    report = a.index([docs])

    assert read == ["a.md", "z.md"]  # long.md is never loaded whole
    assert len(report.added) == 3 and not report.skipped
    files = whole_files(tmp_path / "idx")
    whole = load_document(long, long.read_bytes())
    with sqlite3.connect(tmp_path / "idx" / "chunks.sqlite") as con:
        stored = con.execute(
            "SELECT file_hash, title FROM files WHERE source = ?", (str(long),)
        ).fetchone()
        chunks = con.execute(
            "SELECT start, end, text, location, title FROM chunks WHERE source = ? ORDER BY start",
            (str(long),),
        ).fetchall()
    assert stored == (content_hash(long.read_bytes()), "Long")
    assert len(chunks) == files[str(long)] >= 60
    for start, end, text, location, title in chunks:
        assert whole.text[start:end] == text
        assert location == whole.location_at(start) and title == "Long"
    assert a.search("Paragraph 4", k=1, mode="keyword")[0].chunk.source == str(long)
    assert a.index([docs]).unchanged == 3  # its streamed hash is the file's


def test_a_big_file_that_stops_being_text_is_skipped_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_folder(docs)
    monkeypatch.setattr(stream, "BLOCK_CHARS", 2000)
    monkeypatch.setattr(indexer, "BATCH_CHUNKS", 7)
    a = Assistant(Config(index_dir=tmp_path / "idx"), embedder=HashEmbedder(64))
    a.index([docs])
    (docs / "z.md").unlink()  # its removal commits with the next file that is committed
    good = (docs / "long.md").read_bytes()
    (docs / "long.md").write_bytes(good + b"\n\nthen \xff")
    report = a.index([docs])
    assert report.skipped == [
        (str(docs / "long.md"), f"not UTF-8 text (bad byte at offset {len(good) + 7}); "
         "convert it, e.g. iconv -f latin1 -t utf-8")
    ]  # fmt: skip
    assert report.removed == [str(docs / "z.md")] and report.changed == []
    assert report.chunks_added == 0
    # nothing of the bad version is kept: the file keeps its last good chunks, z.md is gone
    assert set(whole_files(tmp_path / "idx")) == {str(docs / "a.md"), str(docs / "long.md")}
    assert a.search("Paragraph 4", k=1, mode="keyword")[0].chunk.source == str(docs / "long.md")


KILLED_IN_A_FILE = textwrap.dedent(
    """
    import sys, time
    from ragassist import Assistant, Config
    from ragassist.index.embed import HashEmbedder
    import ragassist.index.indexer as indexer
    import ragassist.documents.stream as stream

    indexer.BATCH_CHUNKS = 2
    if sys.argv[3] == "blocks":
        stream.BLOCK_CHARS = 1000
    else:
        indexer.STREAM_CHARS = 1000

    class Embedder(HashEmbedder):
        calls = 0
        def embed(self, texts):
            self.calls += 1
            print("call", self.calls, flush=True)
            if self.calls == 4:  # a.md committed, two parts of long.md written, not committed
                time.sleep(600)
            return super().embed(texts)

    Assistant(Config(index_dir=sys.argv[1]), embedder=Embedder(64)).index([sys.argv[2]])
    """
)


@pytest.mark.parametrize("how", ["chunks", "blocks"])
def test_kill_9_inside_a_streamed_file_keeps_the_last_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    docs, idx = tmp_path / "docs", tmp_path / "idx"
    write_folder(docs)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IN_A_FILE, str(idx), str(docs), how],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "call 4":
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert whole_files(idx) == {str(docs / "a.md"): 1}  # long.md's written parts are gone
    if how == "blocks":  # the re-run and the index compared with read long.md in blocks too
        monkeypatch.setattr(stream, "BLOCK_CHARS", 1000)
    a = Assistant(Config(index_dir=idx), embedder=HashEmbedder(64))
    assert a.search("otters", k=1)[0].chunk.source.endswith("a.md")
    report = a.index([docs])
    assert report.unchanged == 1 and len(report.added) == 2
    Assistant(Config(index_dir=tmp_path / "whole"), embedder=HashEmbedder(64)).index([docs])
    assert rows(idx) == rows(tmp_path / "whole")
