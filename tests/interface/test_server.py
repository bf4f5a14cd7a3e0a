"""`ragassist serve` as its clients see it: the official `openai` client and plain HTTP against
real server processes (tiny scripted model; one test with the packaged Qwen over the handbook)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from .conftest import Server, serve_command

openai = pytest.importorskip("openai")

QUESTION = "What does the encoder of a VAE output?"
KEY = {"Authorization": "Bearer s3cret-key"}


def client(server: Server, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0)


def ask(question: str = QUESTION) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}]


# --- the OpenAI-compatible API ------------------------------------------------------------------
def test_chat_completion_carries_citations_and_verdicts(tiny_server: Server) -> None:
    reply = client(tiny_server).chat.completions.create(model="tiny-scripted", messages=ask())
    text = reply.choices[0].message.content
    assert text and "encoder" in text and reply.choices[0].finish_reason == "stop"
    extra = reply.model_extra["ragassist"]
    assert set(extra) >= {"citations", "claims", "support", "abstained", "passages", "query"}
    assert not extra["abstained"] and extra["answer"] == text
    assert extra["citations"][0]["source"].endswith("variational-autoencoders.md")
    assert extra["citations"][0]["text"]  # the cited passage itself, for a client to show
    claims = extra["claims"]
    assert len(claims) == 2 and all(0.0 <= c["probability"] <= 1.0 for c in claims)
    assert any(c["flagged"] and "Moon" in c["claim"] for c in claims)
    assert reply.usage.prompt_tokens > 100 and reply.usage.completion_tokens > 10


def test_streamed_completion_ends_with_the_ragassist_chunk(tiny_server: Server) -> None:
    stream = client(tiny_server).chat.completions.create(
        model="tiny-scripted", messages=ask(), stream=True
    )
    chunks = list(stream)
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len([p for p in pieces if p]) > 10  # streamed piece by piece, not at once
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    extra = last.model_extra["ragassist"]
    assert "".join(pieces).strip() == extra["answer"]
    assert extra["citations"] and extra["claims"]
    assert all("ragassist" not in c.model_extra for c in chunks[:-1])


def test_raw_stream_is_server_sent_events_ending_in_done(tiny_server: Server) -> None:
    body = {"messages": ask(), "stream": True, "max_tokens": 5, "unknown_field": {"x": 1}}
    with httpx.stream("POST", tiny_server.url + "/v1/chat/completions", json=body) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        data = [line[5:].strip() for line in r.iter_lines() if line.startswith("data:")]
    assert data[-1] == "[DONE]"
    last = json.loads(data[-2])
    assert last["choices"][0]["finish_reason"] == "length"  # max_tokens honoured
    assert last["usage"]["completion_tokens"] == 5


def test_follow_up_is_rewritten_from_the_history(tiny_server: Server) -> None:
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What is a variational autoencoder?"},
        {"role": "assistant", "content": "A generative model [1]."},
        {"role": "user", "content": "Who introduced it?"},
    ]
    reply = client(tiny_server).chat.completions.create(model="tiny-scripted", messages=messages)
    extra = reply.model_extra["ragassist"]
    assert extra["question"].startswith("Who introduced it?")
    assert "variational" in extra["query"] and extra["rewrite"]["method"] != "none"


def test_models_and_embeddings(tiny_server: Server) -> None:
    api = client(tiny_server)
    assert [m.id for m in api.models.list()] == ["tiny-scripted", "hash-64"]
    out = api.embeddings.create(model="hash-64", input=["variational autoencoder", "GAN"])
    vectors = np.array([d.embedding for d in out.data])  # the client asks for base64 by default
    assert vectors.shape == (2, 64) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    plain = httpx.post(
        tiny_server.url + "/v1/embeddings", json={"input": "variational autoencoder"}
    ).json()
    assert np.allclose(plain["data"][0]["embedding"], vectors[0], atol=1e-6)


# --- native endpoints ---------------------------------------------------------------------------
def test_search_verify_and_openapi(tiny_server: Server) -> None:
    hits = httpx.post(tiny_server.url + "/v1/search", json={"query": "VAE encoder", "k": 3})
    assert hits.status_code == 200 and len(hits.json()["data"]) == 3
    assert hits.json()["data"][0]["source"].endswith("variational-autoencoders.md")
    checked = httpx.post(
        tiny_server.url + "/v1/verify",
        json={
            "answer": "The Danube ends in the Black Sea. It was painted blue by Napoleon in 1820.",
            "context": "The Danube flows through ten countries and ends in the Black Sea.",
        },
    ).json()
    supported, invented = checked["claims"]  # the hashing embedder makes the figures crude
    assert invented["flagged"] and supported["probability"] > invented["probability"]
    assert supported["evidence"].startswith("The Danube flows")
    schema = httpx.get(tiny_server.url + "/openapi.json").json()
    assert {"/v1/chat/completions", "/v1/search", "/v1/verify", "/v1/documents"} <= set(
        schema["paths"]
    )


def wait_for_job(server: Server, job: dict, headers: dict | None = None) -> dict:
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "indexing"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = httpx.get(server.url + f"/v1/documents/{job['id']}", headers=headers).json()
    return job


def test_upload_indexes_in_the_background_and_delete_removes(tiny_server: Server) -> None:
    url = tiny_server.url + "/v1/documents"
    text = b"# Zorblax\n\nThe zorblax harbour opened in 1931 and handles quinoa shipments.\n"
    r = httpx.post(url, files=[("files", ("zorblax.md", text, "text/markdown"))])
    assert r.status_code == 202, r.text
    job = wait_for_job(tiny_server, r.json())
    assert job["state"] == "done" and job["report"]["added"][0].endswith("uploads/zorblax.md")
    assert job["progress"] == {
        "files_total": 1,
        "files_split": 1,
        "files_indexed": 1,
        "chunks_indexed": 1,
    }
    listed = {d["source"]: d for d in httpx.get(url).json()["data"]}
    source = job["report"]["added"][0]
    assert listed[source]["uploaded"] and listed[source]["chunks"] == 1
    hits = httpx.post(tiny_server.url + "/v1/search", json={"query": "zorblax harbour quinoa"})
    assert hits.json()["data"][0]["source"] == source
    gone = httpx.delete(f"{url}/{source}")
    assert gone.status_code == 202, gone.text
    assert wait_for_job(tiny_server, gone.json())["state"] == "done"
    assert source not in {d["source"] for d in httpx.get(url).json()["data"]}
    assert httpx.delete(f"{url}/{source}").status_code == 404


# --- bad input: the right status, a clear message, and the server keeps serving --------------
CHAT = "/v1/chat/completions"
BAD_INPUT = [
    ("malformed JSON", CHAT, {"content": b'{"messages": [', "headers": {"Content-Type": "application/json"}}, 400, "not valid JSON"),
    ("missing messages", CHAT, {"json": {"model": "tiny-scripted"}}, 400, "messages: required field missing"),
    ("100,000-character question", CHAT, {"json": {"messages": ask("x" * 100_000)}}, 400, "100,000 characters"),
    ("non-UTF-8 bytes", CHAT, {"content": b'{"messages": [{"role": "user", "content": "caf\xff"}]}', "headers": {"Content-Type": "application/json"}}, 400, "not valid UTF-8 (byte 0xff"),
    ("wrong types", CHAT, {"json": {"messages": ask(), "max_tokens": "5", "temperature": 9}}, 400, "max_tokens: Input should be a valid integer"),
    ("last message not the user's", CHAT, {"json": {"messages": [{"role": "assistant", "content": "hi"}]}}, 400, "must be the user's question"),
    ("unknown model", CHAT, {"json": {"messages": ask(), "model": "gpt-9"}}, 404, "'gpt-9' does not exist here"),
    ("binary upload", "/v1/documents", {"files": [("files", ("notes.txt", bytes(range(256)) * 8, "text/plain"))]}, 415, "is binary"),
    ("path traversal upload", "/v1/documents", {"files": [("files", ("../../etc/passwd", b"root:x:0:0", "text/plain"))]}, 400, "holds a path"),
    ("unsupported type upload", "/v1/documents", {"files": [("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream"))]}, 415, "type .exe is not indexed"),
    ("unknown endpoint", "/v1/nothing", {"json": {}}, 404, "no endpoint /v1/nothing"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "path", "request_args", "status", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_clearly(
    tiny_server: Server, case: str, path: str, request_args: dict, status: int, message: str
) -> None:
    r = httpx.post(tiny_server.url + path, **request_args, timeout=30)
    error = r.json()["error"]
    print(f"{case}: {r.status_code} {error['message']}")  # the table in the report
    assert r.status_code == status and message in error["message"], error
    assert error["type"] and "code" in error  # OpenAI's error shape
    assert httpx.get(tiny_server.url + "/health").json()["status"] == "ready"
    hits = httpx.post(tiny_server.url + "/v1/search", json={"query": "GAN"}, timeout=30)
    assert hits.status_code == 200


def test_openai_client_raises_the_servers_message(tiny_server: Server) -> None:
    with pytest.raises(openai.NotFoundError, match="does not exist here"):
        client(tiny_server).chat.completions.create(model="gpt-9", messages=ask())
    with pytest.raises(openai.BadRequestError, match="100,000 characters"):
        client(tiny_server).chat.completions.create(
            model="tiny-scripted", messages=ask("y" * 100_000)
        )


# --- security -----------------------------------------------------------------------------------
def test_api_key_is_required_except_for_health_and_the_page(slow_server: Server) -> None:
    url = slow_server.url
    assert httpx.get(url + "/health").status_code == 200
    assert httpx.get(url + "/").status_code == 200
    missing = httpx.get(url + "/v1/models")
    assert (
        missing.status_code == 401 and "no API key was sent" in missing.json()["error"]["message"]
    )
    wrong = httpx.get(url + "/v1/models", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "the API key is wrong" in wrong.json()["error"]["message"]
    with pytest.raises(openai.AuthenticationError):
        client(slow_server, "nope").models.list()
    assert [m.id for m in client(slow_server, "s3cret-key").models.list()][0] == "tiny-scripted"
    assert "s3cret-key" not in slow_server.log_text()  # no secret is ever logged


def test_binding_beyond_loopback_needs_a_key(tmp_path: Path) -> None:
    cmd = serve_command("serve", "--host", "0.0.0.0", "--index", str(tmp_path / "i"))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without an API key" in done.stderr


# --- many users: queue, 429, cancel, timeout ----------------------------------------------------
def test_full_queue_gets_429_with_retry_after_and_timeouts_are_clear(slow_server: Server) -> None:
    """Queue 1: one runs, one waits, the third is refused. Answers run 5 s, past the 3 s limit."""
    results: list[httpx.Response] = []

    def post() -> None:
        body = {"messages": ask()}
        results.append(httpx.post(slow_server.url + CHAT, json=body, headers=KEY, timeout=60))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join()
    by_status = sorted(results, key=lambda r: r.status_code)
    assert [r.status_code for r in by_status] == [429, 504, 504]
    refused = by_status[0]
    assert int(refused.headers["Retry-After"]) >= 1
    assert "busy" in refused.json()["error"]["message"]
    assert "ran past the server's limit of 3 s" in by_status[1].json()["error"]["message"]
    began = time.monotonic()  # the timed-out answers wind down first (slower on a loaded machine)
    while httpx.get(slow_server.url + "/health").json()["queue"]["running"]:
        assert time.monotonic() - began < 30, "a timed-out answer kept running"
        time.sleep(0.05)
    short = httpx.post(
        slow_server.url + CHAT, json={"messages": ask(), "max_tokens": 10}, headers=KEY, timeout=60
    )
    assert short.status_code == 200 and short.json()["choices"][0]["finish_reason"] == "length"


def test_a_client_that_disconnects_cancels_its_answer(slow_server: Server) -> None:
    body = {"messages": ask(), "stream": True}
    with httpx.stream("POST", slow_server.url + CHAT, json=body, headers=KEY) as r:
        seen = 0
        for line in r.iter_lines():
            seen += line.startswith("data:")
            if seen >= 4:
                break  # leave mid-answer (it would run 5 s)
    began = time.monotonic()
    while httpx.get(slow_server.url + "/health").json()["queue"]["running"]:
        assert time.monotonic() - began < 1.5, "the answer kept running after its client left"
        time.sleep(0.05)
    assert "cancelling it" in slow_server.log_text()


# --- the packaged models ------------------------------------------------------------------------
def test_real_generator_answers_the_handbook_with_citations(real_server: Server) -> None:
    api = client(real_server)
    assert "qwen2.5-0.5b" in [m.id for m in api.models.list()]
    stream = api.chat.completions.create(
        model="qwen2.5-0.5b", messages=ask("What does a VAE's encoder output?"), stream=True
    )
    chunks = list(stream)
    extra = chunks[-1].model_extra["ragassist"]
    assert not extra["abstained"] and extra["citations"], extra["answer"]
    assert any("variational" in c["source"] for c in extra["citations"])
    assert extra["claims"] and extra["support"] is not None
    vectors = api.embeddings.create(model="all-MiniLM-L6-v2", input="hello").data[0].embedding
    assert len(vectors) == 384
