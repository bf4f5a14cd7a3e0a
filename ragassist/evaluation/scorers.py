"""Answer scorers for detection suites: the verifier, and the baselines it must beat.

A scorer gives P(answer supported by context) plus the signals behind it. Two baselines are
always reported beside the verifier, because on HaluEval they are strong shortcuts:
answer length (shorter = right) and word coverage (share of the answer's content words that
occur in the context).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

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


def verifier_identity(verify_config: Any) -> dict[str, Any]:
    """What decides the verifier's scores besides the config: the fitted fusion file."""
    from ..verification.fusion import FUSION_PATH

    digest = hashlib.sha256(FUSION_PATH.read_bytes()).hexdigest() if FUSION_PATH.exists() else None
    return {"scorer": "ragassist.verification.verifier", "fusion_sha256": digest}


def make_verifier(verify_config: Any, embedder: Any = None) -> Any:
    """The project's Verifier for a VerifyConfig (models load on first use)."""
    try:
        from ..verification.verifier import Verifier
    except ImportError as e:  # the verifier ships with ragassist; absent only mid-development
        raise RagassistError(
            f"the verifier (ragassist.verification.verifier) cannot be imported: {e}"
        ) from e
    return Verifier(verify_config, embedder=embedder)


def flag_threshold(verify_config: Any) -> float:
    """The threshold the verifier flags below: the configured one, or the fitted one (-1)."""
    if verify_config is None:
        return 0.5
    if verify_config.threshold >= 0:
        return float(verify_config.threshold)
    from ..verification.fusion import model_for

    return float(model_for(*fitted_key_of(verify_config)).threshold)


def fitted_key_of(verify_config: Any) -> tuple[str, bool]:
    """The fit a Verifier with this config uses, as (profile, judge) for fusion.model_for."""
    from ..verification.fusion import fitted_key, load_models

    return fitted_key(verify_config.profile, load_models(), verify_config, verify_config.judge)


NOT_SIGNALS = frozenset({"task", "row", "label", "words", "probability", "fused_logit"})


class VerifierScorer:
    """The project's verifier on a whole answer: claims split, each judged; the weakest decides."""

    name = "ragassist.verification.verifier"

    def __init__(self, verifier: Any) -> None:
        self.verifier = verifier

    def score(self, answer: str, context: str, question: str = "") -> Scored:
        verdicts = self.verifier.verify_text(answer, context, question)
        signals: dict[str, float] = {}
        for verdict in verdicts:  # answer-level signal = mean over its claims
            for key, value in verdict.signals.items():
                if key not in NOT_SIGNALS:
                    signals[key] = signals.get(key, 0.0) + float(value) / len(verdicts)
        signals["claims"] = float(len(verdicts))
        probability = min((v.probability for v in verdicts), default=1.0)
        return Scored(float(probability), signals)
