"""A `ragassist serve` process, and `search` and `ask` processes, while another process re-indexes.

All are real processes on one index folder. The writer is the real indexer whose embedder waits
for a go-N file before its N-th batch, so the test knows exactly what is committed at each
moment: readers must see that whole state (never a part of a batch), pick up each new commit on
their next query, and never fail. Models are the server's test hook (hash-64 and a scripted tiny
generator, ragassist/interface/server/testing.py); the handbook is indexed first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ragassist import Assistant, Config
from ragassist.config import EmbedConfig
from ragassist.interface.server.testing import TINY_TOML

from .test_concurrency import wait_for_commits

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
BATCH, NOTES = 5, 20  # chunks per commit (one per note), notes indexed: 4 commits
WORD = "zqxj"  # in the notes only: a keyword search for it counts the committed notes

GATED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ragassist import Assistant, Config
    from ragassist.index.embed import HashEmbedder
    import ragassist.index.indexer as indexer

    indexer.BATCH_CHUNKS = int(sys.argv[3])
    gate = Path(sys.argv[4])

    class GatedEmbedder(HashEmbedder):
        calls = 0
        def embed(self, texts):
            while not (gate / f"go-{self.calls}").exists():
                time.sleep(0.05)
            self.calls += 1
            return super().embed(texts)

    report = Assistant(Config(index_dir=sys.argv[1]), embedder=GatedEmbedder(64)).index([sys.argv[2]])
    print("done", report.chunks_total, flush=True)
    """
)

# `ragassist ask --local` with the server's scripted generator in place of a packaged model
TINY_ASK = textwrap.dedent(
    """
    import sys
    from ragassist.assistant import Assistant
    from ragassist.interface import answer_cli
    from ragassist.interface.cli import main
    from ragassist.interface.server.testing import ScriptedGenerator

    def tiny_local(config, question, k, on_token):
        assistant = Assistant(config, generator=ScriptedGenerator(config.generate))
        return answer_cli.answer_dict(assistant.answer(question, k=k, on_token=on_token))

    answer_cli.local_answer = tiny_local
    sys.exit(main(sys.argv[1:]))
    """
)


def note_number(source: str) -> int | None:
    name = Path(source).name
    return int(name[4:-3]) if name.startswith("note") else None


@contextmanager
def serve(index: Path, workdir: Path) -> Iterator[str]:
    """A tiny-model `ragassist serve` on a free port; its URL once /health says ready."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**ENV, "RAGASSIST_TEST_TINY_MODELS": "1", "RAGASSIST_HOME": str(workdir / "home")}
    log = workdir / "server.log"
    cmd = [sys.executable, "-m", "ragassist.interface.cli", "-v", "serve", "--index", str(index)]
    with open(log, "wb") as out:
        proc = subprocess.Popen([*cmd, "--port", str(port)], env=env, cwd=workdir, stdout=out,
                                stderr=out)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_notes(url: str, query: str = WORD) -> list[int]:
    """The notes a keyword /v1/search finds; fails on any status but 200."""
    body = {"query": query, "k": 50, "mode": "keyword"}
    r = httpx.post(url + "/v1/search", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return [n for h in r.json()["data"] if (n := note_number(h["source"])) is not None]


def chat_passages(url: str, question: str) -> list[int]:
    """The notes among a chat completion's passages; fails on any status but 200."""
    body = {"messages": [{"role": "user", "content": question}], "max_tokens": 8, "k": 10}
    r = httpx.post(url + "/v1/chat/completions", json=body, timeout=120)
    assert r.status_code == 200, r.text
    extra = r.json()["ragassist"]
    return [n for p in extra["passages"] if (n := note_number(p["source"])) is not None]


def run(*args: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
    head = ["-c", script] if script else ["-m", "ragassist.interface.cli"]
    return subprocess.run([sys.executable, *head, *args], capture_output=True, text=True,
                          env=ENV, timeout=300)  # fmt: skip


def test_serve_search_and_ask_processes_while_another_process_indexes(tmp_path: Path) -> None:
    idx, notes, gate = tmp_path / "idx", tmp_path / "notes", tmp_path / "gate"
    handbook = ROOT / "corpora" / "handbook"
    base = Assistant(Config(index_dir=idx, embed=EmbedConfig(model="hash-64"))).index([handbook])
    notes.mkdir(), gate.mkdir()
    for i in range(NOTES):
        (notes / f"note{i:02d}.md").write_text(
            f"# Note {i}\n\nThe {WORD} code of note {i} is {WORD}{i}.\n"
        )
    cfg = tmp_path / "ragassist.toml"
    cfg.write_text(TINY_TOML)
    where = ("--index", str(idx), "--config", str(cfg))

    with serve(idx, tmp_path) as url:
        assert server_notes(url) == []
        seen: list[list[int]] = []  # what a client querying without pause saw, in order
        failures: list[str] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                try:
                    seen.append(sorted(server_notes(url)))
                except (AssertionError, httpx.HTTPError) as e:
                    failures.append(repr(e))

        client = threading.Thread(target=hammer)
        client.start()
        writer = subprocess.Popen(
            [sys.executable, "-c", GATED_WRITER, str(idx), str(notes), str(BATCH), str(gate)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        )  # fmt: skip
        try:
            for step in range(NOTES // BATCH):
                (gate / f"go-{step}").touch()
                wait_for_commits(idx, base.chunks_total + BATCH * (step + 1))
                committed = list(range(BATCH * (step + 1)))  # files are indexed in name order
                # the writer now waits before its next batch, holding the index lock
                assert writer.poll() is None or step == NOTES // BATCH - 1
                assert sorted(server_notes(url)) == committed, step
                assert set(chat_passages(url, f"What is the {WORD} code of note 1?")) <= set(
                    range(NOTES)
                )
                if step == 1:  # one-shot CLI processes started while the writer is mid-run
                    cli = run("search", WORD, "-k", "50", "--mode", "keyword", "--json", *where)
                    assert cli.returncode == 0, cli.stderr
                    hits = [note_number(h["source"]) for h in json.loads(cli.stdout)]
                    assert sorted(n for n in hits if n is not None) == committed, hits
                    ask = run("ask", f"What is the {WORD} code of note 7?", "--local", "--json",
                              *where, script=TINY_ASK)  # fmt: skip
                    assert ask.returncode == 0, ask.stderr
                    cited = [note_number(p["source"]) for p in json.loads(ask.stdout)["passages"]]
                    in_notes = [n for n in cited if n is not None]
                    assert in_notes and set(in_notes) <= set(committed), cited
            out, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err
        finally:
            stop.set()
            client.join(timeout=120)
            if writer.poll() is None:
                writer.kill()
        # the new generation, on the next query: every note, and the last one by its own word
        assert sorted(server_notes(url)) == list(range(NOTES))
        assert server_notes(url, f"{WORD}{NOTES - 1}")[0] == NOTES - 1
        assert NOTES - 1 in chat_passages(url, f"What is the {WORD} code of note {NOTES - 1}?")

    assert not failures, failures[:3]
    assert len(seen) >= 10
    counts = [len(s) for s in seen]
    assert counts == sorted(counts), counts  # generations only go up
    assert all(s == list(range(len(s))) and len(s) % BATCH == 0 for s in seen), seen
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
