"""`ragassist ask` through a running server gives what the local path gives, and falls back.

The server is the session's tiny-model server (conftest.py); the local path gets the same
scripted tiny generator in process, so both answers can be compared field by field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from ragassist.assistant import Assistant
from ragassist.config import Config
from ragassist.interface import answer_cli, remote
from ragassist.interface.cli import main
from ragassist.interface.server.testing import TINY_TOML, ScriptedGenerator

from .conftest import Server, free_port

QUESTION = "What does the encoder of a variational autoencoder output?"


def tiny_local(config: Config, question: str, k: int | None, on_token: Any) -> dict[str, object]:
    """The local path with the server's scripted generator instead of a packaged model."""
    assistant = Assistant(config, generator=ScriptedGenerator(config.generate))
    answer = assistant.answer(question, k=k, on_token=on_token)
    return answer_cli.answer_dict(answer)


@pytest.fixture
def workdir(tiny_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose ragassist.toml matches the tiny server's settings; ask points at it."""
    (tmp_path / "ragassist.toml").write_text(TINY_TOML)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(remote.SERVER_ENV, tiny_server.url)
    monkeypatch.setattr(answer_cli, "local_answer", tiny_local)
    return tmp_path


def run_ask(capsys: pytest.CaptureFixture[str], index: Path, *flags: str) -> tuple[str, str]:
    assert main(["ask", QUESTION, "--index", str(index), *flags]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def without_timing(data: dict[str, Any]) -> dict[str, Any]:
    gen = {k: v for k, v in data["generation"].items() if not k.endswith(("_s", "_per_s"))}
    return {**{k: v for k, v in data.items() if k != "timings"}, "generation": gen}


def index_of(server: Server) -> Path:
    return server.log.parent / "index"


def test_server_settings_hash_is_what_ask_computes(tiny_server: Server, workdir: Path) -> None:
    health = httpx.get(tiny_server.url + "/health").json()
    config = Config.load(index_dir=index_of(tiny_server))
    assert health["settings"] == remote.settings_hash(config)
    other = Config.load(index_dir=workdir / "another-index")
    assert health["settings"] != remote.settings_hash(other)


def test_ask_through_the_server_prints_what_local_prints(
    tiny_server: Server, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = index_of(tiny_server)
    served_json, said = run_ask(capsys, index, "--json")
    assert "asking the running server" in said
    local_json, said_local = run_ask(capsys, index, "--json", "--local")
    assert "server" not in said_local
    served, local = json.loads(served_json), json.loads(local_json)
    assert served["citations"] and served["claims"] and "draft" in served
    assert without_timing(served) == without_timing(local)

    served_text, _ = run_ask(capsys, index)
    local_text, _ = run_ask(capsys, index, "--local")
    assert "Moon" in served_text and "Sources" in served_text
    assert served_text == local_text


def test_ask_answers_here_when_the_server_has_other_settings(
    tiny_server: Server, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "ragassist.toml").write_text(
        TINY_TOML.replace("min_relevance = 0.0", "min_relevance = 0.0\nk = 3")
    )
    out, said = run_ask(capsys, index_of(tiny_server), "--json")
    assert "another index or settings; answering here" in said
    assert json.loads(out)["answer"]


def test_ask_answers_here_silently_when_no_server_listens(
    tiny_server: Server,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(remote.SERVER_ENV, f"http://127.0.0.1:{free_port()}")
    out, said = run_ask(capsys, index_of(tiny_server), "--json")
    assert "server" not in said and json.loads(out)["answer"]


def test_a_bad_server_address_is_named() -> None:
    with pytest.raises(Exception, match="RAGASSIST_SERVER given as 'ftp://x' must be like"):
        remote._connection("ftp://x", 1.0)
