"""The small models trained here that check a whole answer: the span reader, the reply checker
and the summary checker.

Each loads on first use, once per verifier, and is asked only when the fit in use reads its
signals. One that is turned off, missing or damaged leaves the verifier working without it (the
fit then counts its signals at their training mean), with a warning that names the fix.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..config import VerifyConfig
from ..errors import RagassistError
from ..generation.model_status import ModelInfo, folder_size
from ..types import Claim, Hit
from .reply_checker import REPLY_SIGNALS, ReplyChecker
from .reply_checker import SHIPPED as REPLY_CHECKER_WEIGHTS
from .reply_checker import TRAIN_COMMAND as REPLY_CHECKER_COMMAND
from .span_reader import READER_SIGNALS, Reading, SpanReader, check_weights, reader_signals
from .span_reader import SHIPPED as SPAN_READER_WEIGHTS
from .span_reader import TRAIN_COMMAND as SPAN_READER_COMMAND
from .summary_checker import SHIPPED as SUMMARY_CHECKER_WEIGHTS
from .summary_checker import SUMMARY_SIGNALS, SummaryChecker
from .summary_checker import TRAIN_COMMAND as SUMMARY_CHECKER_COMMAND

log = logging.getLogger(__name__)
T = TypeVar("T")


def _load(model: Callable[[], T], name: str) -> T | None:
    """The model from its shipped weights, or None (logged) when they are missing or damaged."""
    try:
        return model()
    except RagassistError as e:
        log.warning("the %s is unavailable (%s); verifying without it", name, e)
        return None


class SmallModels:
    """The span reader and the two checkers of one verifier, and the last reading."""

    def __init__(self, config: VerifyConfig) -> None:
        self.config = config
        self._last_reading: tuple[tuple[str, tuple[str, ...]], Reading] | None = None

    @functools.cached_property
    def span_reader(self) -> SpanReader | None:
        """The extractive reader shipped in the package, or None when off or unloadable."""
        return _load(SpanReader, "span reader") if self.config.span_reader else None

    @functools.cached_property
    def reply_checker(self) -> ReplyChecker | None:
        """The dialogue reply checker shipped in the package, or None when off or unloadable."""
        return _load(ReplyChecker, "reply checker") if self.config.reply_checker else None

    @functools.cached_property
    def summary_checker(self) -> SummaryChecker | None:
        """The summary checker shipped in the package, or None when off or unloadable."""
        return _load(SummaryChecker, "summary checker") if self.config.summary_checker else None

    def reading(self, question: str, hits: Sequence[Hit]) -> Reading | None:
        """The span reader's best span for the question (one read per question and passages:
        the judge's decline rule and the fusion share it); None when the reader is off."""
        if self.span_reader is None:
            return None
        key = (question, tuple(h.chunk.text for h in hits))
        if self._last_reading is None or self._last_reading[0] != key:
            reading = self.span_reader.read(question, key[1])
            log.info("span reader: %r (margin %.2f)", reading.answer, reading.margin)
            self._last_reading = (key, reading)
        return self._last_reading[1]

    def signals(
        self, features: Sequence[str], claims: Sequence[Claim], hits: Sequence[Hit], question: str
    ) -> dict[str, float]:
        """Their signals on the whole answer, for the ones the fit's `features` weigh."""
        if not (claims and hits):
            return {}
        answer = " ".join(c.text for c in claims)
        knowledge = "\n".join(h.chunk.text for h in hits)
        out: dict[str, float] = {}
        if any(f in features for f in SUMMARY_SIGNALS) and self.summary_checker is not None:
            out |= self.summary_checker.signals(knowledge, answer)
        if not question.strip():  # the reader and the reply checker read a question or a turn
            return out
        if any(f in features for f in READER_SIGNALS):
            reading = self.reading(question, hits)
            out |= reader_signals(reading, answer) if reading else {}
        if any(f in features for f in REPLY_SIGNALS) and self.reply_checker is not None:
            out |= self.reply_checker.signals(knowledge, question, answer)
        return out


def trained_models() -> list[ModelInfo]:
    """The verifier's small models, trained here and shipped in the package: present and
    matching their pinned sha256, or the command that trains them again."""
    rows = []
    for name, folder, command, description in (
        ("span-reader", SPAN_READER_WEIGHTS, SPAN_READER_COMMAND,
         "all-MiniLM-L6-v2 fine-tuned here to mark the words of a passage that answer a "
         "question: checks every answer (verify.span_reader)"),
        ("reply-checker", REPLY_CHECKER_WEIGHTS, REPLY_CHECKER_COMMAND,
         "all-MiniLM-L6-v2 fine-tuned here to tell a dialogue reply the knowledge holds from "
         "an invented one (verify --profile dialogue)"),
        ("summary-checker", SUMMARY_CHECKER_WEIGHTS, SUMMARY_CHECKER_COMMAND,
         "all-MiniLM-L6-v2 fine-tuned here to tell a summary its document holds from an "
         "invented one (verify --profile summarization)"),
    ):  # fmt: skip
        try:
            check_weights(folder, command, name)
            ok = True
        except RagassistError:
            ok = False
        size = folder_size(folder) if folder.is_dir() else 0
        how = command.format(path=folder)
        rows.append(ModelInfo(name, "checker", how, ok, None, size, description))
    return rows
