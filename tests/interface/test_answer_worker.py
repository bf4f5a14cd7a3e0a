"""The answer worker process, seen from outside: searches do not wait behind a generation that
holds the GIL, a worker that dies fails its answer clearly and is replaced, and picture
requests come back as image answers."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator

import httpx

from .conftest import Server

CHAT = "/v1/chat/completions"
BODY = {"messages": [{"role": "user", "content": "What does the encoder of a VAE output?"}]}


def stream_lines(server: Server) -> Iterator[dict]:
    """The data events of a streamed answer, decoded (the [DONE] marker left out)."""
    with httpx.stream("POST", server.url + CHAT, json={**BODY, "stream": True}, timeout=120) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                yield json.loads(line[5:])


def content(event: dict) -> str:
    choices = event.get("choices") or [{}]
    return choices[0].get("delta", {}).get("content") or ""


def test_searches_return_while_a_gil_holding_answer_runs(gil_server: Server) -> None:
    """The answer (about 100 tokens of 0.1 s, each holding the GIL) is still running after ten
    searches came back: searches no longer queue behind the generator's GIL."""
    events = stream_lines(gil_server)
    started = False
    for event in events:
        if content(event):
            started = True
            break
    assert started
    for _ in range(10):
        r = httpx.post(gil_server.url + "/v1/search", json={"query": "encoder", "k": 3}, timeout=60)
        assert r.status_code == 200 and r.json()["data"]
    assert httpx.get(gil_server.url + "/health").json()["queue"]["running"] == 1
    events.close()  # leave: the server cancels the answer


def test_a_worker_that_dies_fails_its_answer_clearly_and_is_restarted(gil_server: Server) -> None:
    health = httpx.get(gil_server.url + "/health").json()
    pid, restarts = health["answer_worker"]["pid"], health["answer_worker"]["restarts"]
    assert pid and pid != 0
    events = stream_lines(gil_server)
    for event in events:
        if content(event):
            os.kill(pid, signal.SIGKILL)
            break
    errors = [e["error"] for e in events if "error" in e]
    assert errors and errors[0]["code"] == "worker_died"
    assert "answer worker process ended" in errors[0]["message"]
    after = httpx.get(gil_server.url + "/health").json()
    assert after["answer_worker"]["restarts"] == restarts + 1
    assert after["answer_worker"]["pid"] not in (None, pid)
    short = httpx.post(gil_server.url + CHAT, json={**BODY, "max_tokens": 3}, timeout=600)
    assert short.status_code == 200, short.text
    assert short.json()["choices"][0]["finish_reason"] == "length"


def test_a_picture_request_gets_the_image_answer(tiny_server: Server) -> None:
    question = "Draw a small red circle in the top left"
    r = httpx.post(
        tiny_server.url + CHAT,
        json={"messages": [{"role": "user", "content": question}]},
        timeout=600,
    )
    assert r.status_code == 200, r.text
    reply = r.json()
    extra = reply["ragassist"]
    assert reply["choices"][0]["message"]["content"].startswith("Here is")
    assert extra["image"] and extra["image"].startswith("/v1/images/")
    assert {c["claim"] for c in extra["claims"]} == {
        "shape: circle",
        "colour: red",
        "size: small",
        "position: top left",
    }
    image = httpx.get(tiny_server.url + extra["image"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
