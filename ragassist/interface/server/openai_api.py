"""The OpenAI-compatible endpoints: chat completions (streamed or not), models, embeddings.

A plain OpenAI client gets what it expects; the answer's citations, passages and per-claim
verdicts ride along in an extra `ragassist` field (in the last chunk before `[DONE]` when
streaming), so an aware client gets everything.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse
from starlette.background import BackgroundTask

from ...errors import RagassistError
from ...generation.prompt import validate_question
from ..show import answer_dict
from .answering import ChatResult, questions
from .engine import Engine
from .errors import ApiError, CheckedRoute, from_ragassist
from .jobs import GenerationStopped, Ticket, TimedOut
from .schemas import ChatRequest, EmbeddingRequest

log = logging.getLogger(__name__)

router = APIRouter(route_class=CheckedRoute)


def ready_engine(request: Request) -> Engine:
    """The engine, or 503 with Retry-After while the models are still loading."""
    engine: Engine = request.app.state.engine
    if engine.status == "failed":
        raise ApiError(500, f"the server failed to load: {engine.error}", "load_failed")
    if not engine.ready:
        raise ApiError(
            503,
            f"the models are still loading ({engine.step}); GET /health says when it is ready",
            "loading",
            headers={"Retry-After": "5"},
        )
    return engine


def image_url(path: str | None) -> str | None:
    from pathlib import Path

    return f"/v1/images/{Path(path).name}" if path else None


def ragassist_field(result: ChatResult) -> dict[str, Any]:
    """Everything about the answer: final text, citations, claims, support, abstention, query."""
    data = answer_dict(result.answer)
    data["image"] = image_url(result.answer.image_path)
    data["query"] = result.rewrite.query
    data["rewrite"] = {"method": result.rewrite.method, "reason": result.rewrite.reason}
    return data


def usage(result: ChatResult) -> dict[str, int]:
    gen = result.answer.generation or {}
    prompt, completion = int(gen.get("prompt_tokens", 0)), int(gen.get("new_tokens", 0))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def stopped_error(e: GenerationStopped, timeout_s: float) -> ApiError:
    if isinstance(e, TimedOut):
        return ApiError(
            504,
            f"{e}; ask a narrower question, lower max_tokens, or start the server with a "
            f"longer --timeout (now {timeout_s:g} s)",
            "timeout",
        )
    return ApiError(499, str(e), "cancelled")


async def _watch(request: Request, task: asyncio.Future[ChatResult], ticket: Ticket) -> ChatResult:
    """Wait for the answer, cancelling it if the client disconnects meanwhile."""
    while not task.done():
        await asyncio.wait({task}, timeout=0.25)
        if not task.done() and not ticket.cancelled and await request.is_disconnected():
            log.info("client disconnected; cancelling its answer")
            ticket.cancel()
    return task.result()


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # consumed: a cancelled answer is expected, not an unhandled error


@router.post("/v1/chat/completions", summary="Answer the last user message from the documents")
async def chat_completions(body: ChatRequest, request: Request) -> Any:
    engine = ready_engine(request)
    model = engine.check_model(body.model)
    _, question = questions(body)
    validate_question(question)  # refused with 400 before queueing, not mid-stream
    ticket = engine.queue.enter()
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.stream:
        events = stream_events(engine, body, model, ticket, ident, created)
        return EventSourceResponse(events, ping=10, background=BackgroundTask(ticket.release))
    job = functools.partial(engine.answers.answer, body, model)
    task = asyncio.ensure_future(engine.queue.run(ticket, job))
    task.add_done_callback(_retrieve)
    try:
        result = await _watch(request, task, ticket)
    except GenerationStopped as e:
        raise stopped_error(e, engine.queue.timeout_s) from e
    return {
        "id": ident,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.answer.text},
                "logprobs": None,
                "finish_reason": result.finish_reason,
            }
        ],
        "usage": usage(result),
        "ragassist": ragassist_field(result),
    }


async def stream_events(
    engine: Engine, body: ChatRequest, model: str, ticket: Ticket, ident: str, created: int
) -> AsyncIterator[dict[str, str]]:
    """Server-sent events: a role chunk, one chunk per piece, the last chunk, then [DONE]."""
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[str | None] = asyncio.Queue()

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, str]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        data = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
            "choices": [choice],
            **extra,
        }
        return {"data": json.dumps(data)}

    def on_piece(piece: str) -> None:
        loop.call_soon_threadsafe(pieces.put_nowait, piece)

    job = functools.partial(engine.answers.answer, body, model, on_piece=on_piece)
    task = asyncio.ensure_future(engine.queue.run(ticket, job))
    task.add_done_callback(_retrieve)
    task.add_done_callback(lambda _: pieces.put_nowait(None))
    try:
        yield chunk({"role": "assistant", "content": ""})
        while (piece := await pieces.get()) is not None:
            yield chunk({"content": piece})
        try:
            result = task.result()
        except GenerationStopped as e:
            error: ApiError | None = stopped_error(e, engine.queue.timeout_s)
        except RagassistError as e:
            error = from_ragassist(e)
        except ApiError as e:
            error = e
        else:
            error = None
            extra = {"usage": usage(result), "ragassist": ragassist_field(result)}
            yield chunk({}, result.finish_reason, **extra)
        if error is not None:
            yield {"data": json.dumps(error.body())}
        yield {"data": "[DONE]"}
    finally:
        if not task.done():
            log.info("stream closed before the answer ended; cancelling it")
            ticket.cancel()


@router.get("/v1/models", summary="The generators (and the embedder) this server offers")
async def list_models(request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    return {"object": "list", "data": [_model(n) for n in _all_models(engine)]}


@router.get("/v1/models/{model_id:path}", summary="One model")
async def get_model(model_id: str, request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    if model_id not in _all_models(engine):
        raise ApiError(404, f"the model {model_id!r} does not exist here", "model_not_found")
    return _model(model_id)


def _all_models(engine: Engine) -> list[str]:
    assert engine.embedder is not None
    return [*engine.offered_models(), engine.embedder.name]


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "ragassist"}


@router.post("/v1/embeddings", summary="Embed texts with the packaged sentence embedder")
async def embeddings(body: EmbeddingRequest, request: Request) -> dict[str, Any]:
    engine = ready_engine(request)
    embedder = engine.embedder
    assert embedder is not None
    if body.model not in (None, "", "ragassist", embedder.name):
        raise ApiError(
            404,
            f"the embedding model {body.model!r} does not exist here; use {embedder.name!r}",
            "model_not_found",
            "model",
        )
    texts = [body.input] if isinstance(body.input, str) else body.input
    for i, text in enumerate(texts):
        if not text.strip():
            raise ApiError(
                400, f"input[{i}] is empty; send text to embed", "invalid_input", "input"
            )
    vectors = await engine.on_read(embedder.embed, texts)
    rows = []
    for i, vector in enumerate(vectors):
        value: Any = (
            base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
            if body.encoding_format == "base64"
            else [float(x) for x in vector]
        )
        rows.append({"object": "embedding", "index": i, "embedding": value})
    tokens = sum(len(t.split()) for t in texts)  # words: the embedder's own count is not exposed
    return {
        "object": "list",
        "data": rows,
        "model": embedder.name,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
