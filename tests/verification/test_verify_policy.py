"""Policies on verified answers: flag, strict, abstain (verdicts built by hand: no model)."""

from __future__ import annotations

import pytest

from ragassist.types import Verdict
from ragassist.verification.claims import split_claims
from ragassist.verification.policy import answer_probability, apply_policy

ANSWER = "Water boils at 100 degrees at sea level [1]. The moon is made of cheese [2]."


def _verdicts(probs: list[float], threshold: float = 0.5) -> list[Verdict]:
    return [Verdict(c, p, p < threshold) for c, p in zip(split_claims(ANSWER), probs, strict=True)]


def test_flag_keeps_the_text_and_marks_claims() -> None:
    r = apply_policy(ANSWER, _verdicts([0.9, 0.1]), "flag")
    assert r.text == ANSWER and r.flagged and not r.abstained
    assert r.probability == 0.1 == answer_probability(r.verdicts)
    assert r.summary().startswith("flagged: 1/2 claims supported")


def test_strict_drops_unsupported_claims_and_says_so() -> None:
    r = apply_policy(ANSWER, _verdicts([0.9, 0.1]), "strict")
    assert r.text == "Water boils at 100 degrees at sea level [1]."
    assert "The moon is made of cheese" in r.reason
    all_bad = apply_policy(ANSWER, _verdicts([0.2, 0.1]), "strict")
    assert all_bad.abstained and all_bad.text == ""


def test_abstain_refuses_below_the_threshold_only() -> None:
    refused = apply_policy(ANSWER, _verdicts([0.9, 0.1]), "abstain", abstain_below=0.3)
    assert refused.abstained and refused.text == "" and "cheese" in refused.reason
    kept = apply_policy(ANSWER, _verdicts([0.9, 0.6]), "abstain", abstain_below=0.3)
    assert not kept.abstained and kept.text == ANSWER


def test_no_claims_is_not_an_abstention() -> None:
    r = apply_policy("", [], "abstain")
    assert not r.abstained and r.probability == 1.0


def test_unknown_policy_is_an_error() -> None:
    with pytest.raises(ValueError, match="must be one of flag, strict, abstain"):
        apply_policy(ANSWER, _verdicts([0.9, 0.9]), "lenient")
