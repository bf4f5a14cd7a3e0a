"""Answer scorers for detection suites: the verifier, and the baselines it must beat.

A scorer gives P(answer supported by context) plus the signals behind it. Two baselines are
always reported beside the verifier, because on HaluEval they are strong shortcuts:
answer length (shorter = right) and word coverage (share of the answer's content words that
occur in the context).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..config import Config
from ..errors import RagassistError

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    """a an the and or but if of in on at to for from by with as is are was were be been being it
    its this that these those he she they them his her their we you i me my do does did has have had
    will would can could should may might not no so such also very just about into over than then
    there here what which who whom whose when where why how all any some each""".split()
)


@dataclass(frozen=True)
class Scored:
    """One answer's score: probability it is supported, and the named signals behind it."""

    probability: float
    signals: dict[str, float] = field(default_factory=dict)


class AnswerScorer(Protocol):
    """Scores an answer against the context it should be grounded in."""

    name: str

    def score(self, answer: str, context: str, question: str = "") -> Scored: ...


def length_score(answer: str) -> float:
    """The length-only baseline as a support score: minus the word count (shorter = right)."""
    return -float(len(answer.split()))


def word_coverage(answer: str, context: str) -> float:
    """Share of the answer's content words found in the context (1.0 when it has none)."""
    words = [w for w in _WORD.findall(answer.lower()) if w not in _STOP]
    if not words:
        return 1.0
    pool = set(_WORD.findall(context.lower()))
    return sum(w in pool for w in words) / len(words)


BASELINES = {"length-only": "minus answer word count", "word-coverage": "content words in context"}


def baseline_scores(answer: str, context: str) -> dict[str, float]:
    """Both baselines as support scores (higher = more likely supported)."""
    return {"length-only": length_score(answer), "word-coverage": word_coverage(answer, context)}


class WordCoverageScorer:
    """Word coverage used as the probability: a real, model-free scorer for plumbing and tests."""

    name = "word-coverage"

    def score(self, answer: str, context: str, question: str = "") -> Scored:
        cov = word_coverage(answer, context)
        return Scored(cov, {"coverage": cov, "words": float(len(answer.split()))})


class VerifierScorer:
    """The project's verifier (ragassist.verify), scoring an answer against a context."""

    def __init__(self, config: Config) -> None:
        try:
            from .. import verify
        except ImportError as e:  # the verifier ships with ragassist; absent only mid-development
            raise RagassistError(
                f"the verifier (ragassist.verify) cannot be imported: {e}. "
                "Reinstall ragassist, or score with another suite."
            ) from e
        self._verify = verify
        self.config = config
        self.name = _verifier_name(verify, config)

    def score(self, answer: str, context: str, question: str = "") -> Scored:
        verdicts, probability = _verify_text(self._verify, answer, context, question, self.config)
        signals: dict[str, float] = {}
        for verdict in verdicts:  # answer-level signal = mean over its claims
            for key, value in verdict.signals.items():
                signals[key] = signals.get(key, 0.0) + float(value) / len(verdicts)
        signals["claims"] = float(len(verdicts))
        return Scored(float(probability), signals)


def _verifier_name(verify: Any, config: Config) -> str:
    describe = getattr(verify, "describe", None)
    return str(describe(config)) if callable(describe) else "ragassist.verify"


def _verify_text(
    verify: Any, answer: str, context: str, question: str, config: Config
) -> tuple[list[Any], float]:
    """Call ragassist.verify.verify_text and return (verdicts, answer-level probability)."""
    result = verify.verify_text(answer, context)
    verdicts = list(result)
    if hasattr(verify, "answer_probability"):
        probability = verify.answer_probability(verdicts)
    else:
        probability = min((v.probability for v in verdicts), default=1.0)
    return verdicts, probability
