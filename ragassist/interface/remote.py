"""A warm `ask`: the question goes to a running `ragassist serve` instead of loading models here.

Loading the embedder, generator and verifier costs 5-30 s a process; a server has them loaded.
The server is used only when it answers with the same settings as this process would (a hash
of the answer-shaping config sections and the index folder, published by /health), so its
output is the answer `ask` would have given. Only the standard library talks HTTP here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Config
from ..errors import InputError, RagassistError
from ..paths import data_dir

log = logging.getLogger(__name__)

SERVER_ENV = "RAGASSIST_SERVER"  # the server `ask` tries; default the one `serve` starts
DEFAULT_SERVER = "http://127.0.0.1:8000"
KEY_ENV = "RAGASSIST_API_KEY"
PROBE_TIMEOUT_S = 0.5  # /health answers in milliseconds; a port that takes longer is not ours
ANSWER_SECTIONS = ("split", "embed", "index", "retrieve", "generate", "verify")


def settings_hash(config: Config) -> str:
    """What decides an answer: the index folder and the answer-shaping config sections."""
    data = {name: dataclasses.asdict(getattr(config, name)) for name in ANSWER_SECTIONS}
    data["index_dir"] = str(Path(config.index_dir).resolve())  # type: ignore[assignment]
    blob = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Server:
    """A running server that answers with our settings."""

    url: str


def server_url() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def find_server(config: Config, say: Callable[[str], None]) -> Server | None:
    """The server to ask, or None (nothing listens, it is loading, or its settings differ)."""
    url = server_url()
    try:
        status, body = _request(url, "GET", "/health", None, PROBE_TIMEOUT_S)
    except (OSError, http.client.HTTPException):  # nothing there: the usual case, say nothing
        log.info("no server at %s", url)
        return None
    try:
        health = json.loads(body)
    except ValueError:
        return None  # something else listens on the port
    if not isinstance(health, dict) or "settings" not in health:
        return None  # not a ragassist server, or one from before warm asks
    if status != 200:
        say(f"the server at {url} is {health.get('status', 'not ready')}; answering here")
        return None
    if health["settings"] != settings_hash(config):
        say(
            f"the server at {url} runs another index or settings; answering here "
            "(start it with the same --index and config to reuse it)"
        )
        return None
    return Server(url)


def ask(
    server: Server, question: str, k: int | None, on_token: Callable[[str], None] | None
) -> dict[str, Any]:
    """The answer as `answer_dict` gives it, streamed: each piece goes to on_token on arrival."""
    body: dict[str, Any] = {"messages": [{"role": "user", "content": question}], "stream": True}
    if k is not None:
        body["k"] = k
    final: dict[str, Any] | None = None
    for event in _events(server.url, body):
        if "error" in event:
            raise _error(event["error"])
        choice = (event.get("choices") or [{}])[0]
        piece = choice.get("delta", {}).get("content")
        if piece and on_token is not None:
            on_token(piece)
        if "ragassist" in event:
            final = event["ragassist"]
    if final is None:
        raise RagassistError(f"the server at {server.url} ended the answer without its result")
    final.pop("query", None)
    final.pop("rewrite", None)
    if final.get("image"):  # the server names it by URL; it saved it in the shared data folder
        final["image"] = str(data_dir() / "images" / Path(final["image"]).name)
    return final


class ServerRefused(RagassistError):
    """The server would not take the question now (busy, or it wants a key): answer here."""


def _error(error: dict[str, Any]) -> RagassistError:
    message = str(error.get("message", error))
    if error.get("type") == "invalid_request_error" and error.get("code") != "invalid_api_key":
        return InputError(message)
    return RagassistError(f"the server said: {message}")


def _events(url: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The server-sent events of a streamed chat completion, as JSON objects."""
    conn = _connection(url, timeout=None)
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if os.environ.get(KEY_ENV):
        headers["Authorization"] = f"Bearer {os.environ[KEY_ENV]}"
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
        response = conn.getresponse()
        if response.status != 200:
            raw_body = response.read()
            try:
                error = json.loads(raw_body).get("error", {})
            except (ValueError, AttributeError):
                error = {"message": raw_body.decode(errors="replace")[:300]}
            if response.status in (401, 429, 503):
                raise ServerRefused(f"the server at {url} refused: {error.get('message', '')}")
            raise _error(error)
        for raw in response:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            yield json.loads(payload)
    finally:
        conn.close()


def _connection(url: str, timeout: float | None) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise InputError(f"{SERVER_ENV} given as {url!r} must be like {DEFAULT_SERVER}")
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)


def _request(
    url: str, method: str, path: str, body: bytes | None, timeout: float
) -> tuple[int, bytes]:
    conn = _connection(url, timeout)
    try:
        conn.request(method, path, body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
