"""Fixtures of the interface tests: real `ragassist serve` processes on free local ports.

Most tests use the test hook (RAGASSIST_TEST_TINY_MODELS=1: the hashing embedder and a scripted
tiny generator, see ragassist/interface/server/testing.py), so a server is ready in seconds;
one test runs the packaged generator and embedder over the shipped handbook.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ragassist.assistant import Assistant
from ragassist.config import Config, EmbedConfig

ROOT = Path(__file__).resolve().parents[2]
HANDBOOK = ROOT / "corpora" / "handbook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tiny_index(folder: Path) -> Path:
    """The handbook indexed with the hashing embedder (what the test hook searches with)."""
    Assistant(Config(index_dir=folder, embed=EmbedConfig(model="hash-64"))).index([HANDBOOK])
    return folder


class Server:
    """A running server: its URL, its process and its log."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.process, self.log = url, process, log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ragassist.interface.cli", *args]


@contextmanager
def running_server(
    index: Path,
    workdir: Path,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    ready_within: float = 600.0,  # a shared 2-core machine can take minutes to import
) -> Iterator[Server]:
    """Start `ragassist serve` on a free port, wait for /health to say ready, stop it after."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    cmd = serve_command("-v", "serve", "--index", str(index), "--port", str(port), *args)
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, env=full_env, cwd=workdir, stdout=out, stderr=out)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{server.log_text()}")
            try:
                if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"not ready in {ready_within:.0f} s:\n{server.log_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


TINY = {"RAGASSIST_TEST_TINY_MODELS": "1"}


@pytest.fixture(scope="session")
def tiny_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A tiny-model server over the handbook, shared by the API and web page tests."""
    root = tmp_path_factory.mktemp("tiny-server")
    index = tiny_index(root / "index")
    env = {**TINY, "RAGASSIST_HOME": str(root / "home")}
    with running_server(index, root, env) as server:
        yield server


@pytest.fixture(scope="session")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A tiny-model server that decodes 20 tokens a second, queues 1, stops answers at 3 s,
    and wants an API key: for the queue, cancel, timeout and key tests."""
    root = tmp_path_factory.mktemp("slow-server")
    index = tiny_index(root / "index")
    env = {**TINY, "RAGASSIST_HOME": str(root / "home"), "RAGASSIST_TEST_TOKEN_DELAY": "0.05"}
    args = ("--queue", "1", "--timeout", "3", "--api-key", "s3cret-key")
    with running_server(index, root, env, args) as server:
        yield server


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Server]:
    """The packaged embedder and generator over the handbook, in the user's model cache (the
    ready copy and ONNX export the other real-model tests use)."""
    root = tmp_path_factory.mktemp("real-server")
    Assistant(Config(index_dir=root / "index"), embedder=embedder).index([HANDBOOK])
    # the 1.5B answer judge has its own tests (tests/verification/test_answer_judge.py)
    (root / "ragassist.toml").write_text("[verify]\nanswer_judge = false\n")
    with running_server(root / "index", root, {}, ("--model", "qwen2.5-0.5b")) as server:
        yield server


@pytest.fixture(scope="session")
def gil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A tiny-model server whose generator holds the GIL for 0.1 s at every token, as
    onnxruntime-genai does while it decodes: for the answer worker process tests."""
    root = tmp_path_factory.mktemp("gil-server")
    index = tiny_index(root / "index")
    env = {
        **TINY,
        "RAGASSIST_HOME": str(root / "home"),
        "RAGASSIST_TEST_TOKEN_DELAY": "0.1",
        "RAGASSIST_TEST_HOLD_GIL": "1",
    }
    with running_server(index, root, env) as server:
        yield server
