"""A conversation over the documents: history, follow-up rewriting, reset, save as Markdown.

A follow-up ("Who proposed it?") cannot be searched on its own, so each question is first
rewritten into a standalone query from the recent turns, then retrieved and answered like any
other question. The REPL is one face on this API; the rewriting methods were measured in
eval/chat/report.md (scripts/eval_chat.py), and the best one is the default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import REWRITE_METHODS, ChatConfig, RewriteMethod
from ..config_checks import check_choice
from ..generation.prompt import validate_question
from ..types import Answer, Hit
from .rewrite import content_words, follow_up_cue, llm_rewrite

if TYPE_CHECKING:
    from ..assistant import Assistant

log = logging.getLogger(__name__)


__all__ = ["REWRITE_METHODS", "ChatConfig", "Conversation", "Rewrite", "Turn"]  # config re-exported


# --- turns and rewrites ------------------------------------------------------------------------
@dataclass
class Rewrite:
    """How a question became the query that was searched."""

    question: str
    query: str  # the standalone query that was retrieved and answered
    method: str  # the method that produced `query` ("none" when left as asked)
    follow_up: bool = False  # judged to lean on the history
    reason: str = ""  # why it was (or was not) treated as a follow-up
    terms: list[str] = field(default_factory=list)  # words carried over from the history
    llm_output: str = ""  # llm: what the model wrote, even when it was rejected


@dataclass
class Turn:
    """One question, its rewrite, and what came back (hits only, or a full answer)."""

    rewrite: Rewrite
    hits: list[Hit] = field(default_factory=list)
    answer: Answer | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def question(self) -> str:
        return self.rewrite.question

    @property
    def topic(self) -> list[str]:
        """The topic words this turn contributes: its own words, plus inherited ones if a follow-up."""
        own = content_words(self.rewrite.question)
        return list(dict.fromkeys(own + self.rewrite.terms))


def history_terms(turns: Sequence[Turn], max_terms: int) -> list[str]:
    """Topic words of the last turn and, while those were follow-ups, of the turns before it."""
    out: list[str] = []
    for turn in reversed(turns):
        out += content_words(turn.rewrite.question)
        if not turn.rewrite.follow_up:
            break  # the turn that set the topic
    return list(dict.fromkeys(out))[:max_terms]


def expand(question: str, terms: Sequence[str]) -> str:
    """The question with the history's topic words appended, readable by a person and a model."""
    new = [t for t in terms if t not in set(content_words(question))]
    return f"{question} (context: {' '.join(new)})" if new else question


class Conversation:
    """Multi-turn questions over an Assistant's index: rewrite, retrieve, answer, remember."""

    def __init__(self, assistant: Assistant, config: ChatConfig | None = None) -> None:
        self.assistant = assistant
        self.config = config or ChatConfig()
        self.turns: list[Turn] = []
        self._rewriter: Any = None  # the llm method's generator, built on first use

    @property
    def window(self) -> list[Turn]:
        """The turns the rewriting may look at."""
        n = self.config.history_turns
        return self.turns[-n:] if n else []

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def reset(self) -> None:
        """Forget the conversation: the next question starts a new topic."""
        self.turns.clear()

    # 1. rewriting ------------------------------------------------------------------------------
    def rewrite(self, question: str, method: str | None = None) -> Rewrite:
        """The standalone query for `question` given the history window."""
        method = method or self.config.rewrite
        check_choice("chat.rewrite", method, RewriteMethod)
        history = self.window
        if method == "none" or not history:
            return Rewrite(
                question, question, "none", reason="no history" if method != "none" else ""
            )
        if method == "last-turn":
            query = f"{history[-1].rewrite.question} {question}"
            return Rewrite(question, query, method, True, "always joined to the last question")
        if method == "llm":
            return self._llm_rewrite(question, history)
        return self._term_rewrite(question, history, method)

    def _term_rewrite(self, question: str, history: Sequence[Turn], method: str) -> Rewrite:
        reason = follow_up_cue(question)
        if not reason and method == "cues+relevance":
            best = self._best_cosine(question)
            if best < self.config.follow_up_relevance:
                reason = f"best passage cosine {best:.2f} < {self.config.follow_up_relevance:.2f} on its own"
        if not reason:
            return Rewrite(question, question, "none", reason="stands alone")
        terms = history_terms(history, self.config.max_terms)
        return Rewrite(question, expand(question, terms), method, True, reason, terms)

    def _best_cosine(self, question: str) -> float:
        hits = self.assistant.search(question, 1)
        return max((h.dense_score or 0.0 for h in hits), default=0.0)

    def _llm_rewrite(self, question: str, history: Sequence[Turn]) -> Rewrite:
        fallback = self._term_rewrite(question, history, "cues+relevance")
        out, problem = llm_rewrite(self._llm(), [t.question for t in history], question)
        if problem:
            log.info("llm rewrite rejected (%s): %r; using %s", problem, out, fallback.method)
            fallback.reason = f"llm output rejected ({problem}); {fallback.reason}"
            fallback.llm_output = out
            return fallback
        return Rewrite(question, out, "llm", True, "rewritten by the generator", llm_output=out)

    def _llm(self) -> Any:
        """A generator sharing the answer model's weights, with its own short budget and stops."""
        if self._rewriter is None:
            gen = self.assistant.generator
            cfg = replace(
                gen.config,
                max_new_tokens=self.config.rewrite_tokens,
                temperature=0.0,
                stop=("\n", "?"),  # one question, nothing after it
                repetition_penalty=1.0,
            )
            self._rewriter = gen.with_config(cfg)
        return self._rewriter

    # 2. asking ---------------------------------------------------------------------------------
    def retrieve(self, question: str, k: int | None = None) -> Turn:
        """Rewrite and search only (no answer); the turn joins the history."""
        rewrite = self.rewrite(validate_question(question))
        turn = Turn(rewrite, self.assistant.search(rewrite.query, k))
        self.turns.append(turn)
        return turn

    def ask(
        self, question: str, k: int | None = None, on_token: Callable[[str], None] | None = None
    ) -> Turn:
        """Rewrite, retrieve, answer (streaming to on_token). An interrupted turn is not kept."""
        rewrite = self.rewrite(validate_question(question))
        log.info("query %r (method %s: %s)", rewrite.query, rewrite.method, rewrite.reason)
        answer = self.assistant.answer(rewrite.query, k=k, on_token=on_token)
        turn = Turn(rewrite, answer.hits, answer)
        self.turns.append(turn)
        return turn

    # 3. saving ---------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The conversation as Markdown: each question, its answer, its citations and flags."""
        return conversation_markdown(self.turns)

    def save(self, path: str | Path) -> Path:
        """Write the conversation as Markdown (parent folders are created)."""
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_markdown(), encoding="utf-8")
        return path


# --- Markdown ----------------------------------------------------------------------------------
def _where(hit: Hit) -> str:
    chunk = hit.chunk
    return f"{chunk.source} ({chunk.location})" if chunk.location else chunk.source


def conversation_markdown(turns: Sequence[Turn]) -> str:
    """Questions, answers, their numbered sources and the verifier's flags, as Markdown."""
    lines = ["# ragassist conversation", ""]
    if turns:
        lines += [f"_{len(turns)} turns, from {turns[0].at} to {turns[-1].at}_", ""]
    for n, turn in enumerate(turns, 1):
        lines += [f"## {n}. {turn.question}", ""]
        if turn.rewrite.query != turn.question:
            lines += [f"_Searched for:_ {turn.rewrite.query}", ""]
        answer = turn.answer
        if answer is None:
            lines += ["_(search only)_", ""]
            lines += [f"- {_where(h)}" for h in turn.hits] + [""]
            continue
        lines += [answer.text.strip() or "_(no answer)_", ""]
        if answer.abstained and answer.reason:
            lines += [f"_Abstained: {answer.reason}_", ""]
        flagged = [v for v in answer.verdicts if v.flagged]
        if answer.verdicts:
            supported = len(answer.verdicts) - len(flagged)
            lines += [
                f"**Verification:** {supported} of {len(answer.verdicts)} claims supported",
                "",
            ]
            for v in flagged:
                lines.append(f"- ⚠ not supported (p={v.probability:.2f}): {v.claim.text}")
            lines += [""] if flagged else []
        if answer.citations:
            lines += ["**Sources**", ""]
            for c in answer.citations:
                quote = " ".join(c.hit.chunk.text.split())
                quote = quote[:300] + ("…" if len(quote) > 300 else "")
                lines += [f"{c.number}. {_where(c.hit)}", f"   > {quote}"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
