"""The verifier with the real embedder and the fitted fusion (judge off: cheap signals only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from ragassist.config import VerifyConfig
from ragassist.verification.evidence import context_hits
from ragassist.verification.fusion import FusionModel
from ragassist.verification.verifier import Verifier, check_answer

CONTEXT = (
    "Marie Curie was a Polish and naturalised-French physicist and chemist. "
    "She was born in Warsaw in 1867. "
    "In 1903 she shared the Nobel Prize in Physics with Pierre Curie and Henri Becquerel. "
    "She later won the Nobel Prize in Chemistry in 1911. "
    "She was the first woman to win a Nobel Prize."
)
CLAIMS = {
    "entailed": "Marie Curie was born in Warsaw in 1867.",
    "number": "Marie Curie was born in Warsaw in 1852.",
    "name": "Marie Curie was born in Vienna in 1867.",
    "negation": "Marie Curie was not the first woman to win a Nobel Prize.",
    "unrelated": "The Amazon river flows through Brazil into the Atlantic Ocean.",
}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread: on a shared 2-core machine more threads make MiniLM many times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def verifier(embedder) -> Verifier:
    return Verifier(VerifyConfig(judge=False), embedder=embedder)


@pytest.fixture(scope="module")
def probs(verifier: Verifier) -> dict[str, float]:
    out = {}
    for key, claim in CLAIMS.items():
        (verdict,) = verifier.verify_text(claim, CONTEXT)
        out[key] = verdict.probability
    return out


def test_entailed_above_contradicted_above_unrelated(probs: dict[str, float]) -> None:
    for kind in ("number", "name", "negation"):
        assert probs["entailed"] > probs[kind] > probs["unrelated"], (kind, probs)


def test_default_profile_flags_contradicted_and_unrelated_claims(verifier: Verifier) -> None:
    flags = {key: verifier.verify_text(claim, CONTEXT)[0].flagged for key, claim in CLAIMS.items()}
    assert flags == {
        "entailed": False,
        "number": True,
        "name": True,
        "negation": True,
        "unrelated": True,
    }


def test_verdict_carries_evidence_source_and_signals(verifier: Verifier) -> None:
    hits = context_hits(["Unrelated text about cooking pasta.", CONTEXT], name="bio.txt")
    (v,) = verifier.verify_text(CLAIMS["entailed"], [h.chunk.text for h in hits])
    assert v.evidence == "She was born in Warsaw in 1867."
    assert v.evidence_source == "context 2"
    assert not v.flagged
    for key in ("word_coverage", "number_coverage", "sentence_similarity", "fused_logit"):
        assert key in v.signals
    assert 0.0 <= v.probability <= 1.0


def test_empty_answer_and_no_claims(verifier: Verifier) -> None:
    assert verifier.verify_text("", CONTEXT) == []
    assert verifier.verify_text(" [1] ", CONTEXT) == []
    result = check_answer(verifier, "", context_hits(CONTEXT))
    assert (
        result.verdicts == [] and not result.abstained and result.summary() == "no checkable claims"
    )


def test_no_evidence_means_unsupported(verifier: Verifier) -> None:
    (v,) = verifier.verify_text(CLAIMS["entailed"], [])
    assert v.flagged and v.probability == 0.0


def test_long_context_is_chunked_not_cut(verifier: Verifier) -> None:
    filler = [f"Paragraph {i} talks about weather records in town number {i}." for i in range(1700)]
    fact = "The lighthouse keeper Anna Berg counted 412 ships in the winter of 1931."
    filler.insert(1500, fact)  # far beyond any model's window
    context = " ".join(filler)
    assert len(context) > 100_000
    (v,) = verifier.verify_text("Anna Berg counted 412 ships in the winter of 1931.", context)
    assert v.evidence == fact
    assert not v.flagged
    (w,) = verifier.verify_text("Anna Berg counted 97 ships in the summer of 1950.", context)
    assert w.probability < v.probability


def test_non_english_is_scored_but_noted(verifier: Verifier) -> None:
    context = "Marie Curie wurde 1867 in Warschau geboren. Sie war Physikerin und Chemikerin."
    result = check_answer(
        verifier, "Marie Curie wurde 1867 in Warschau geboren.", context_hits(context)
    )
    assert len(result.verdicts) == 1
    assert "measured on English" in result.note


def test_strict_policy_drops_the_contradicted_claim(embedder) -> None:
    strict = Verifier(VerifyConfig(judge=False, policy="strict"), embedder=embedder)
    answer = f"{CLAIMS['entailed']} [1] {CLAIMS['unrelated']} [1]"
    result = check_answer(strict, answer, context_hits(CONTEXT))
    assert result.text == CLAIMS["entailed"] + " [1]"
    assert "dropped 1 unsupported claim" in result.reason


def test_a_claim_whose_new_words_are_in_no_passage_is_flagged(embedder) -> None:
    always = FusionModel(("word_coverage",), (0.0,), (1.0,), (0.0,), 5.0, 0.5)  # p = 0.99
    context = "The Zorblat engine runs at 42 rpm. It was designed by Mira Quell in 1987."
    question = "What colour is the Zorblat engine?"
    verifier = Verifier(VerifyConfig(judge=False), embedder=embedder, fusion=always)
    invented, grounded = verifier.verify_text(
        "The Zorblat engine is red. It runs at 42 rpm.", context, question
    )
    assert invented.probability > 0.9 and invented.flagged  # the rule, not the fusion, flags it
    assert invented.signals["invented_share"] == 1.0
    assert not grounded.flagged and grounded.signals["invented_share"] == 0.0
    lenient = Verifier(
        VerifyConfig(judge=False, flag_invented=False), embedder=embedder, fusion=always
    )
    assert not lenient.verify_text("The Zorblat engine is red.", context, question)[0].flagged
