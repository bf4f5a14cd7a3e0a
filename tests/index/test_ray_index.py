"""Indexing on Ray: the same index as one process, incremental rules, a worker killed mid-run.

The embedder is the hashing one (built by name in each worker); batches and tasks are made
small so that a few dozen files make many tasks and many commits.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from ragassist import Assistant, Config
from ragassist.errors import ExtraMissingError, InputError, RagassistError
from ragassist.index import cluster, indexer, ray_index
from ragassist.index.embed import HashEmbedder
from ragassist.index.indexer import IndexReport
from ragassist.interface.cli import main

WORDS = "alpha beta gamma delta river stone cloud forest engine signal copper amber violet".split()


def write_docs(folder: Path, n: int, seed: int = 0) -> None:
    """n Markdown files of 1 to 4 chunks (200 words a chunk without a tokenizer)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        paragraphs = [
            " ".join(
                rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(rng.randrange(30, 90))
            )
            for _ in range(rng.randrange(1, 12))
        ]
        (folder / f"doc{i:03d}.md").write_text(f"# Doc {i}\n\n" + "\n\n".join(paragraphs) + "\n")


def assistant(index_dir: Path) -> Assistant:
    return Assistant(Config(index_dir=index_dir), embedder=HashEmbedder(64))


def contents(index_dir: Path) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """(files, chunks without vectors, vectors) in rowid order."""
    db = sqlite3.connect(index_dir / "chunks.sqlite")
    files = db.execute("SELECT source, file_hash, title, n_chunks FROM files ORDER BY source")
    chunks = db.execute(
        "SELECT rowid, id, source, location, start, end, text, text_hash, vector FROM chunks"
        " ORDER BY rowid"
    ).fetchall()
    vectors = np.stack([np.frombuffer(c[-1], np.float32) for c in chunks])
    out = files.fetchall(), [c[:-1] for c in chunks], vectors
    db.close()
    return out


def assert_same_index(a: Path, b: Path) -> None:
    files_a, chunks_a, vectors_a = contents(a)
    files_b, chunks_b, vectors_b = contents(b)
    assert files_a == files_b
    assert chunks_a == chunks_b  # same chunk ids, texts, and rowids (the FAISS ids)
    np.testing.assert_allclose(vectors_a, vectors_b, atol=1e-6)


def summary(report: IndexReport) -> tuple:
    return (
        sorted(report.added),
        sorted(report.changed),
        report.unchanged,
        sorted(report.removed),
        sorted(report.skipped),
        report.chunks_added,
        report.chunks_embedded,
        report.chunks_total,
    )


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits of 16 chunks and tasks of about two files: many of both."""
    monkeypatch.setattr(indexer, "BATCH_CHUNKS", 16)
    monkeypatch.setattr(ray_index, "TASK_BYTES", 2_000)


@pytest.mark.usefixtures("small_batches")
def test_ray_index_equals_plain_index_and_keeps_the_incremental_rules(
    tmp_path: Path, ray_local: ModuleType
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 30)
    (docs / "empty.md").write_text("   \n")  # skipped with a reason, by a worker too
    plain, on_ray = assistant(tmp_path / "plain"), assistant(tmp_path / "ray")
    first = plain.index([docs]), on_ray.index([docs], ray="local")
    assert summary(first[0]) == summary(first[1])
    assert first[0].chunks_total > 60 and first[1].workers  # many commits, done by Ray workers
    assert_same_index(tmp_path / "plain", tmp_path / "ray")

    text = (docs / "doc003.md").read_text().split("\n\n")
    (docs / "doc003.md").write_text("\n\n".join([*text[:-1], "a brand new closing paragraph\n"]))
    (docs / "doc004.md").unlink()
    write_docs(tmp_path / "more", 1, seed=9)
    (tmp_path / "more" / "doc000.md").rename(docs / "new.md")
    second = plain.index([docs]), on_ray.index([docs], ray="local")
    assert summary(second[0]) == summary(second[1])
    # only the edited chunks are re-embedded; the unchanged files cost nothing
    assert len(second[1].changed) == 1 and second[1].chunks_embedded < second[1].chunks_added
    assert_same_index(tmp_path / "plain", tmp_path / "ray")

    (docs / "empty.md").unlink()  # a skipped file is read again by every run
    third = on_ray.index([docs], ray="local")  # nothing to do: Ray is not even asked
    assert third.workers == {} and third.chunks_added == 0


def kill_a_worker_at_first_commit(kills: list[int]):  # noqa: ANN201 - an on_commit callback
    """SIGKILL the process of a worker that has returned work, once, after the first commit."""

    def on_commit(report: IndexReport) -> None:
        kills.append(0)
        if len(kills) == 1:
            pid = int(next(iter(report.workers)).rsplit(":", 1)[1])
            assert pid != os.getpid()
            os.kill(pid, signal.SIGKILL)
            kills[0] = pid

    return on_commit


@pytest.mark.usefixtures("small_batches")
def test_a_killed_worker_is_restarted_and_the_run_finishes(
    tmp_path: Path, ray_local: ModuleType
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 40)
    assistant(tmp_path / "plain").index([docs])
    kills: list[int] = []
    report = assistant(tmp_path / "ray").index(
        [docs], ray="local", on_commit=kill_a_worker_at_first_commit(kills)
    )
    assert kills[0] > 0 and len(kills) >= 4  # killed at the first of several commits
    assert len(report.added) == 40
    assert_same_index(tmp_path / "plain", tmp_path / "ray")


@pytest.mark.usefixtures("small_batches")
def test_a_worker_that_stays_dead_stops_the_run_with_whole_batches_kept(
    tmp_path: Path, ray_local: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 40)
    assistant(tmp_path / "plain").index([docs])
    monkeypatch.setattr(cluster, "MAX_RESTARTS", 0)
    kills: list[int] = []
    with pytest.raises(RagassistError, match="keeps every committed batch; run the same command"):
        assistant(tmp_path / "ray").index(
            [docs], ray="local", on_commit=kill_a_worker_at_first_commit(kills)
        )
    files, chunks, _ = contents(tmp_path / "ray")
    assert 0 < len(files) < 40
    per_source = {s: sum(c[2] == s for c in chunks) for s, *_ in files}
    assert all(per_source[s] == n for s, _, _, n in files)  # every stored file is whole
    monkeypatch.setattr(cluster, "MAX_RESTARTS", 2)
    again = assistant(tmp_path / "ray").index([docs], ray="local")
    assert again.unchanged == len(files) and len(again.added) == 40 - len(files)
    assert_same_index(tmp_path / "plain", tmp_path / "ray")


def test_cli_index_with_ray_reports_its_workers(
    tmp_path: Path, ray_local: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 3)
    config = tmp_path / "ragassist.toml"
    config.write_text('[embed]\nmodel = "hash-64"\n')
    argv = ["index", str(docs), "--index", str(tmp_path / "idx"), "--config", str(config)]
    assert main([*argv, "--ray"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # rich wraps at the terminal width
    assert "3 added" in printed and "Ray workers (files done): " in printed and "(3)" in printed


def test_without_ray_the_error_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as when not installed
    with pytest.raises(ExtraMissingError, match=r"pip install 'ragassist\[ray\]'"):
        cluster.require_ray()
    docs = tmp_path / "docs"
    write_docs(docs, 2)
    config = tmp_path / "ragassist.toml"
    config.write_text('[embed]\nmodel = "hash-64"\n')
    argv = ["index", str(docs), "--index", str(tmp_path / "idx"), "--config", str(config), "--ray"]
    assert main(argv) == 1
    assert "make install-ray" in capsys.readouterr().err


def test_a_path_after_ray_or_a_dead_address_is_named_with_the_fix() -> None:
    with pytest.raises(InputError, match="put --ray after the paths"):
        cluster.check_address("corpora/handbook")
    for good in ("local", "auto", "ray://head.example:10001", "10.0.0.5:6379", "[::1]:6379"):
        assert cluster.check_address(good) == good
    with pytest.raises(InputError, match=r"cannot reach a Ray cluster at 127\.0\.0\.1:9"):
        cluster.check_reachable("127.0.0.1:9")  # the discard port: nothing listens there


def test_a_cluster_that_wants_its_token_is_named_with_the_fix() -> None:
    try:
        try:
            raise RuntimeError("RPC error: InvalidAuthToken: token is missing or incorrect")
        except RuntimeError as cause:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.5:6379") from cause
    except ConnectionError as e:
        assert "RAY_AUTH_MODE=token" in cluster._join_hint(e)
    assert "ragassist[ray]" in cluster._join_hint(ConnectionError("ray client connection timeout"))


PACED_RAY_DRIVER = """
import sys, time
from ragassist import Assistant, Config
from ragassist.index import indexer, ray_index
from ragassist.index.embed import HashEmbedder

indexer.BATCH_CHUNKS, ray_index.TASK_BYTES = 16, 2_000
Assistant(Config(index_dir=sys.argv[1]), embedder=HashEmbedder(64)).index(
    [sys.argv[2]], ray="local", on_commit=lambda report: time.sleep(0.5)  # paced: killed mid-run
)
"""


def test_a_killed_ray_driver_leaves_whole_batches_and_a_rerun_finishes(
    tmp_path: Path, ray_local: ModuleType
) -> None:
    docs, idx = tmp_path / "docs", tmp_path / "ray"
    write_docs(docs, 60)
    assistant(tmp_path / "plain").index([docs])
    proc = subprocess.Popen([sys.executable, "-c", PACED_RAY_DRIVER, str(idx), str(docs)])
    db, committed, deadline = idx / "chunks.sqlite", 0, time.monotonic() + 300
    while committed < 30 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            with sqlite3.connect(db) as con:
                committed = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            pass
    os.kill(proc.pid, signal.SIGKILL)  # the driver, with its local Ray
    proc.wait()
    files, chunks, _ = contents(idx)
    assert 0 < len(files) < 60, "the kill must land mid-run"
    per_source = {s: sum(c[2] == s for c in chunks) for s, *_ in files}
    assert all(per_source[s] == n for s, _, _, n in files)  # every stored file is whole
    again = assistant(idx).index([docs], ray="local")
    assert again.unchanged == len(files) and len(again.added) == 60 - len(files)
    assert_same_index(tmp_path / "plain", idx)
