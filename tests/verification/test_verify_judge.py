"""The second-model judge: prefix-cache reuse is exact, and with Qwen the ordering holds (slow)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from ragassist.config import VerifyConfig
from ragassist.verification.judge import JUDGE_SIGNALS, LMJudge
from ragassist.verification.verifier import Verifier

CONTEXT = "Marie Curie was born in Warsaw in 1867. She won the Nobel Prize in Chemistry in 1911."
QUESTION = "Where was Marie Curie born?"


@pytest.fixture(scope="module")
def small_judge() -> Iterator[LMJudge]:
    """The small packaged LM in float32: fast enough for the default run (plumbing, not quality).

    One torch thread: on a shared 2-core machine more threads make it many times slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield LMJudge("smollm2-135m", dtype="float32")
    torch.set_num_threads(before)


def test_shared_prefix_cache_gives_the_same_scores_as_separate_calls(small_judge: LMJudge) -> None:
    claims = ["She was born in Warsaw.", "She was born in Paris in 1900."]
    together = small_judge.score(CONTEXT, QUESTION, claims)
    apart = [small_judge.score(CONTEXT, QUESTION, [c])[0] for c in claims]
    for a, b in zip(together, apart, strict=True):
        assert set(a) == set(JUDGE_SIGNALS)
        for key in JUDGE_SIGNALS:
            assert a[key] == pytest.approx(b[key], abs=1e-3)


def test_context_makes_a_copied_claim_likelier(small_judge: LMJudge) -> None:
    copied, invented = small_judge.score(
        CONTEXT,
        QUESTION,
        ["Marie Curie was born in Warsaw in 1867.", "Marie Curie was born in Lyon in 1852."],
    )
    assert copied["lm_pmi"] > invented["lm_pmi"]
    assert small_judge.score(CONTEXT, QUESTION, []) == []


@pytest.mark.slow
def test_qwen_judge_orders_entailed_contradicted_unrelated(embedder) -> None:
    torch.set_num_threads(1)
    verifier = Verifier(VerifyConfig(judge=True), embedder=embedder)
    claims = {
        "entailed": "Marie Curie was born in Warsaw in 1867.",
        "number": "Marie Curie was born in Warsaw in 1852.",
        "name": "Marie Curie was born in Vienna in 1867.",
        "unrelated": "The Amazon river flows into the Atlantic Ocean.",
    }
    p = {k: verifier.verify_text(c, CONTEXT, QUESTION)[0].probability for k, c in claims.items()}
    for kind in ("number", "name"):
        assert p["entailed"] > p[kind] > p["unrelated"], (kind, p)
