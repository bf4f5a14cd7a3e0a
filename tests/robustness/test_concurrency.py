"""Several real processes on one index: two writers, and readers while a writer commits.

The writer is the real indexer slowed down (a sleeping embedder, small batches) so that other
processes start while it holds the lock and between its commits. Readers are the CLI and a
long-lived Assistant (what `chat` keeps open). Embeddings are the model-free hash-64.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ragassist import Assistant, Config

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
BATCH = 20  # chunks per commit in the slow writer: every committed state holds a multiple

SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from ragassist import Assistant, Config
    from ragassist.index.embed import HashEmbedder
    import ragassist.index.indexer as indexer

    indexer.BATCH_CHUNKS = int(sys.argv[3])

    class SlowEmbedder(HashEmbedder):
        def embed(self, texts):
            time.sleep(0.4)
            return super().embed(texts)

    print("started", flush=True)
    report = Assistant(Config(index_dir=sys.argv[1]), embedder=SlowEmbedder(64)).index([sys.argv[2]])
    print("done", report.chunks_total, flush=True)
    """
)

LONG_LIVED_READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from ragassist import Assistant, Config
    from ragassist.errors import IndexStateError

    a = Assistant(Config.load(sys.argv[2], index_dir=sys.argv[1]))
    stop = Path(sys.argv[3])
    while not stop.exists():
        try:
            hits = a.search("secret word of document", k=1000)
        except IndexStateError:  # empty until the first commit
            time.sleep(0.05)
            continue
        s = a.search_index
        print(json.dumps([s.generation, s.dense.index.ntotal, len(s.keyword.ids), len(hits)]), flush=True)
        time.sleep(0.05)
    """
)


def write_docs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"doc{i}.md").write_text(
            f"# Doc {i}\n\nThe secret word of document {i} is word{i}.\n"
        )


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "ragassist.toml"
    path.write_text('[embed]\nmodel = "hash-64"\n')
    return path


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ragassist.interface.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=timeout,
    )


def start_writer(idx: Path, docs: Path, batch: int = BATCH) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(idx), str(docs), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    return proc


def wait_for_commits(idx: Path, at_least: int, timeout: float = 120) -> None:
    """Until the store holds `at_least` chunks (read with plain sqlite3, no ragassist)."""
    import sqlite3

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with sqlite3.connect(idx / "chunks.sqlite") as con:
                if con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] >= at_least:
                    return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"the writer did not commit {at_least} chunks in {timeout} s")


def test_a_second_index_run_says_busy_with_the_holders_pid(tmp_path: Path) -> None:
    docs, idx, cfg = tmp_path / "docs", tmp_path / "idx", config_file(tmp_path)
    write_docs(docs, 200)
    writer = start_writer(idx, docs)
    wait_for_commits(idx, BATCH)
    second = cli("index", str(docs), "--index", str(idx), "--config", str(cfg))
    still_running = writer.poll() is None
    out, err = writer.communicate(timeout=300)
    assert still_running, "the first run must still hold the lock when the second starts"
    assert second.returncode == 1, second.stderr
    busy = re.search(r"busy: process (\d+) is writing it", " ".join(second.stderr.split()))
    assert busy and int(busy.group(1)) == writer.pid, second.stderr
    assert writer.returncode == 0 and out.split()[-1] == "200", err  # the first was not disturbed

    again = cli("index", str(docs), "--index", str(idx), "--config", str(cfg), "--json")
    report = json.loads(again.stdout)
    assert again.returncode == 0 and report["unchanged"] == 200 and report["chunks_total"] == 200


def test_readers_during_commits_see_committed_states_and_pick_up_new_ones(tmp_path: Path) -> None:
    docs, idx, cfg, stop = (
        tmp_path / "docs",
        tmp_path / "idx",
        config_file(tmp_path),
        tmp_path / "stop",
    )
    write_docs(docs, 300)
    writer = start_writer(idx, docs)
    reader = subprocess.Popen(
        [sys.executable, "-c", LONG_LIVED_READER, str(idx), str(cfg), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    cli_counts = []
    while writer.poll() is None:  # one-shot CLI searches, each a new process, while it commits
        result = cli(
            "search",
            "secret word of document",
            "-k",
            "1000",
            "--mode",
            "keyword",
            "--json",
            "--index",
            str(idx),
            "--config",
            str(cfg),
        )
        if result.returncode == 0:
            cli_counts.append(len(json.loads(result.stdout)))
        else:
            assert "is empty" in result.stderr, result.stderr
    writer_out, writer_err = writer.communicate()
    time.sleep(1.0)  # the reader's next queries see the final generation
    stop.touch()
    reader_out, reader_err = reader.communicate(timeout=120)

    assert writer.returncode == 0, writer_err
    assert reader.returncode == 0 and "Traceback" not in reader_err, reader_err
    rows = [json.loads(line) for line in reader_out.splitlines()]
    assert len(rows) >= 5
    generations = [r[0] for r in rows]
    assert generations == sorted(generations) and len(set(generations)) >= 3
    for _generation, dense, keyword, hits in rows:
        # both search files of one query come from the same commit, and a commit is whole batches
        assert dense == keyword == hits and (dense % BATCH == 0 or dense == 300), rows
    assert rows[-1][1] == 300  # the last committed state, picked up without reopening
    assert cli_counts and all(c % BATCH == 0 or c == 300 for c in cli_counts), cli_counts
    assert Assistant(Config.load(cfg, index_dir=idx)).stats()["chunks"] == 300
