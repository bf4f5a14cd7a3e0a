"""One chat request answered in the answer worker: history, per-request settings, the answer.

The OpenAI API is stateless: each request carries the whole conversation. Its earlier user
messages become the Conversation's turns, so a follow-up ("who proposed it?") is rewritten into
a standalone query exactly as in `ragassist chat`; then the assistant answers that query.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ...assistant import Assistant
from ...generation.decoding import DecodingLoop
from ...types import Answer
from ..chat import Conversation, Rewrite, Turn
from .errors import ApiError
from .schemas import ChatRequest

log = logging.getLogger(__name__)


@dataclass
class ChatResult:
    answer: Answer
    rewrite: Rewrite
    model: str
    finish_reason: str  # "stop" or "length", as OpenAI names them


def questions(request: ChatRequest) -> tuple[list[str], str]:
    """(earlier user questions, the question): the last message must be the user's."""
    last = request.messages[-1]
    if last.role != "user":
        raise ApiError(
            400,
            f"the last message has role {last.role!r}; it must be the user's question "
            "(role 'user')",
            "invalid_messages",
            "messages",
        )
    earlier = [m.text for m in request.messages[:-1] if m.role == "user" and m.text.strip()]
    return earlier, last.text


def _settings(base: DecodingLoop, request: ChatRequest) -> DecodingLoop:
    """The generator with this request's max_tokens, temperature, top_p, stop and seed."""
    cfg = base.config
    changes: dict[str, object] = {}
    max_tokens = request.max_completion_tokens or request.max_tokens
    if max_tokens is not None:
        changes["max_new_tokens"] = max_tokens
    if request.temperature is not None:
        changes["temperature"] = request.temperature
    if request.top_p is not None:
        changes["top_p"] = request.top_p
    if request.stop:
        stops = [request.stop] if isinstance(request.stop, str) else request.stop
        changes["stop"] = tuple(dict.fromkeys([*cfg.stop, *(s for s in stops if s)]))
    if request.seed is not None:
        changes["seed"] = request.seed
    if not changes:
        return base
    return base.with_config(dataclasses.replace(cfg, **changes))  # type: ignore[arg-type]


def answer_chat(
    assistant: Assistant,
    generator_for: Callable[[str], DecodingLoop],
    request: ChatRequest,
    model: str,
    check: Callable[[], None],
    on_piece: Callable[[str], None] | None = None,
) -> ChatResult:
    """Rewrite with the history, answer with generator_for(model); `check` (called at every
    token) stops the answer by raising."""
    earlier, question = questions(request)
    check()
    base = generator_for(model)
    generator = _settings(base, request)
    chat = Conversation(assistant, assistant.config.chat)
    window = assistant.config.chat.history_turns
    for text in earlier[-window:] if window else []:
        chat.turns.append(Turn(chat.rewrite(text)))

    def on_token(piece: str) -> None:
        check()
        if on_piece is not None:
            on_piece(piece)

    default = assistant.generator
    assistant.__dict__["generator"] = generator
    try:
        turn = chat.ask(question, k=request.k, on_token=on_token)
    finally:
        assistant.__dict__["generator"] = default
    answer = turn.answer
    assert answer is not None
    stopped = generator.last_trace.stop_reason if answer.generation else ""
    finish = "length" if stopped == "max_new_tokens" else "stop"
    return ChatResult(answer, turn.rewrite, model, finish)
