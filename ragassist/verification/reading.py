"""What the answer judge's own reading changes: keep the draft, answer with the reading, or decline.

After the answer judge has read the question and the evidence:
- decline: it says the passages do not contain the answer (its "holds" log-odds is below
  `holds_below`, chosen on training answers so that few answerable questions are declined);
- replace: the draft is not 'supported', or the generator declined, and the judge's own short
  answer is not in it: the reading is shown instead, labelled as such, and the draft kept beside
  it (on training answers this beat replacing only 'likely wrong' drafts: gold contained 0.566
  against 0.537 of 175 questions);
- keep: the draft and its verdict stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..types import VerdictLabel
from .answer_judge import AnswerJudgement, answer_tokens

ReadingAction = Literal["keep", "replace", "decline"]
AGREE_BELOW = 0.5  # the reading disagrees with the draft: under half its words are in it


@dataclass(frozen=True)
class ReadingDecision:
    """The action, and why (shown to the user as the answer's reason)."""

    action: ReadingAction
    reason: str = ""


def decide(
    judgement: AnswerJudgement | None,
    draft_label: VerdictLabel | None,
    holds_below: float,
    judge_name: str = "the answer judge",
) -> ReadingDecision:
    """keep / replace / decline for one answer; draft_label None means the generator declined."""
    if judgement is None:
        return ReadingDecision("decline" if draft_label is None else "keep")
    if judgement.holds_logit < holds_below:
        return ReadingDecision(
            "decline",
            f"{judge_name} found no answer in the passages (log-odds "
            f"{judgement.holds_logit:.2f} < {holds_below:.2f})",
        )
    has_reading = bool(answer_tokens(judgement.own_answer))
    if draft_label is None:
        if has_reading:
            return ReadingDecision(
                "replace", f"the generator declined; {judge_name} read the passages as answering it"
            )
        return ReadingDecision("decline")
    if draft_label != "supported" and judgement.agreement < AGREE_BELOW and has_reading:
        return ReadingDecision(
            "replace", f"the generator's answer was {draft_label}; this is {judge_name}'s reading"
        )
    return ReadingDecision("keep")
