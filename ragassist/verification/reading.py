"""What the answer judge's own reading changes: keep the draft, answer with the reading, or decline.

After the answer judge has read the question and the evidence:
- decline: the passages do not seem to answer the question: the decline rule's score
  (answerable.py: the judge's "holds" log-odds with the span reader's margin, the question's
  names found in the passages, the best passage's similarity) is below `decline_below`, chosen
  on training questions;
- replace: the draft is not 'supported', or the generator declined, or the facts of a comparison
  pick the other option (all 30 that the facts decided of 60 fresh training comparisons were
  right) or the other yes/no, and the judge's own short answer is not in it: the reading is shown instead, labelled
  as such, and the draft kept beside it (on training answers this beat replacing only 'likely
  wrong' drafts: gold contained 0.566 against 0.537 of 175 questions);
- keep: the draft and its verdict stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..generation.citations import evidence_citations
from ..types import Answer, Claim, Hit, Verdict, VerdictLabel
from .answer_judge import AnswerJudgement, answer_tokens

if TYPE_CHECKING:
    from .verifier import Verifier

ReadingAction = Literal["keep", "replace", "decline"]
AGREE_BELOW = 0.5  # the reading disagrees with the draft: under half its words are in it


@dataclass(frozen=True)
class ReadingDecision:
    """The action, why (shown to the user as the answer's reason), and for "replace" the text
    shown instead."""

    action: ReadingAction
    reason: str = ""
    text: str = ""


def decide(
    judgement: AnswerJudgement | None,
    draft_label: VerdictLabel | None,
    decline_below: float,
    judge_name: str = "the answer judge",
) -> ReadingDecision:
    """keep / replace / decline for one answer; draft_label None means the generator declined."""
    if judgement is None:
        return ReadingDecision("decline" if draft_label is None else "keep")
    if judgement.decline_score < decline_below:
        reader = " with the span reader's" if judgement.reader_weight else ""
        return ReadingDecision(
            "decline",
            f"{judge_name}{reader} found no answer in the passages (score "
            f"{judgement.decline_score:.2f} < {decline_below:.2f})",
        )
    has_reading = bool(answer_tokens(judgement.own_answer))
    if draft_label is None:
        if has_reading:
            why = f"the generator declined; {judge_name} read the passages as answering it"
            return ReadingDecision("replace", why, judgement.own_answer)
        return ReadingDecision("decline")
    if judgement.compared and judgement.agreement < AGREE_BELOW:
        why = f"the facts {judge_name} read in the passages give another answer"
        return ReadingDecision("replace", why, judgement.own_answer)
    if draft_label != "supported" and judgement.agreement < AGREE_BELOW and has_reading:
        why = f"the generator's answer was {draft_label}; this is {judge_name}'s reading"
        return ReadingDecision("replace", why, judgement.own_answer)
    return ReadingDecision("keep")


def show_reading(
    result: Answer, decision: ReadingDecision, verifier: Verifier, hits: Sequence[Hit]
) -> None:
    """Show the reading instead of the draft, which is kept beside it."""
    result.draft, result.draft_support = result.text, result.support
    verdict = reading_verdict(verifier, decision.text, hits, result.question)
    result.text, result.verdicts, result.support = decision.text, [verdict], verdict.probability
    result.citations = evidence_citations([verdict], hits)
    result.reason = "; ".join(r for r in (result.reason, decision.reason) if r)


def reading_verdict(
    verifier: Verifier, reading: str, hits: Sequence[Hit], question: str
) -> Verdict:
    """The answer judge's own reading as one claim: evidence found as for any claim; its
    probability the share of such readings that were right on training answers. Never
    'supported': no second model has checked it."""
    claim = Claim(reading, 0, len(reading))
    sig, sentence, source = verifier.signals([claim], hits, question)[0]
    p = float(verifier.fusion.meta.get("reading_right", 0.5))
    flagged = p < verifier.threshold
    signals = {**sig, "reading_right": p}
    label: VerdictLabel = "likely wrong" if flagged else "not sure"
    return Verdict(claim, p, flagged, sentence, source, signals, label)
