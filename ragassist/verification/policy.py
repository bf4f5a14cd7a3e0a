"""What to do with a verified answer: flag weak claims, drop them (strict), or refuse (abstain).

The answer-level probability is that of its weakest claim: an answer is only as supported as
the least supported thing it says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..types import Verdict

ENGLISH_NOTE = "non-English text: scored, but the verifier's figures were measured on English"


@dataclass(frozen=True)
class AnswerVerdict:
    """The verdict on a whole answer after the configured policy."""

    probability: float  # the weakest claim's support probability (1.0 when there is no claim)
    flagged: bool  # some claim is below the threshold
    text: str  # the answer as shown: unchanged (flag), without flagged claims (strict), "" (abstained)
    abstained: bool = False
    reason: str = ""  # why claims were dropped or the answer refused
    note: str = ""  # e.g. that the figures were measured on English
    verdicts: list[Verdict] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        n, bad = len(self.verdicts), sum(v.flagged for v in self.verdicts)
        if not n:
            return "no checkable claims"
        head = "refused" if self.abstained else ("flagged" if bad else "supported")
        line = f"{head}: {n - bad}/{n} claims supported, answer support {self.probability:.2f}"
        return f"{line} ({self.reason})" if self.reason else line


def answer_probability(verdicts: Sequence[Verdict]) -> float:
    """The support of the whole answer: its weakest claim (1.0 when there are no claims)."""
    return min((v.probability for v in verdicts), default=1.0)


def _drop_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def apply_policy(
    answer: str,
    verdicts: Sequence[Verdict],
    policy: str,
    abstain_below: float = 0.3,
) -> AnswerVerdict:
    """Apply flag / strict / abstain to an answer whose claims have been verified."""
    prob = answer_probability(verdicts)
    flagged = [v for v in verdicts if v.flagged]
    note = ENGLISH_NOTE if any(v.signals.get("non_english", 0.0) for v in verdicts) else ""
    base = AnswerVerdict(prob, bool(flagged), answer, note=note, verdicts=list(verdicts))
    if policy == "flag" or not verdicts:
        return base
    if policy == "abstain":
        if prob < abstain_below:
            weakest = min(verdicts, key=lambda v: v.probability)
            reason = f"answer support {prob:.2f} is below {abstain_below:.2f}; weakest claim: {weakest.claim.text!r}"
            return replace(base, text="", abstained=True, reason=reason)
        return base
    if policy == "strict":
        if not flagged:
            return base
        if len(flagged) == len(verdicts):
            reason = f"all {len(verdicts)} claims were unsupported by the sources"
            return replace(base, text="", abstained=True, reason=reason)
        text = _drop_spans(answer, [(v.claim.start, v.claim.end) for v in flagged])
        reason = f"dropped {len(flagged)} unsupported claim(s): " + "; ".join(
            repr(v.claim.text) for v in flagged
        )
        return replace(base, text=text, reason=reason)
    raise ValueError(f"policy given as {policy!r} must be one of flag, strict, abstain")
