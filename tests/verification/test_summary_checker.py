"""The summary checker: examples, its missing weights, and the shipped one ordering summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragassist.errors import ModelMissingError
from ragassist.verification import summary_checker

# Three short stories written for this test, each with a right summary and one that changes a
# name, a number or what happened.
ROWS = [
    {
        "document": (
            "The city council of Springfield voted on Tuesday to build a new public library on "
            "Main Street. The vote was seven to two. The library will cost 12 million dollars "
            "and is expected to open in 2027. Mayor Anna Keller said the old library had become "
            "too small for the growing town. Construction starts next spring."
        ),
        "right_summary": "Springfield's council voted 7-2 to build a 12 million dollar library "
        "on Main Street, due to open in 2027.",
        "hallucinated_summary": "Springfield's council voted 7-2 to close the library on Main "
        "Street, saving 12 million dollars by 2027.",
    },
    {
        "document": (
            "A fisherman rescued a sea turtle tangled in a net off the coast of Florida on "
            "Saturday. Carlos Mendez, 54, cut the net loose and brought the turtle to a "
            "rescue centre in Key West. Vets said the turtle had a minor injury to its flipper "
            "and would be released within two weeks."
        ),
        "right_summary": "Carlos Mendez freed a sea turtle caught in a net off Florida and "
        "took it to a Key West rescue centre.",
        "hallucinated_summary": "Carlos Mendez caught a shark in a net off Florida and sold it "
        "at a Key West market.",
    },
    {
        "document": (
            "The football club Rovers signed striker Tom Hale from United on Monday for a fee "
            "of 30 million pounds. Hale, 24, scored 18 goals last season. He signed a five-year "
            "contract and will wear the number nine shirt. Rovers' manager said Hale was the "
            "player the club needed most."
        ),
        "right_summary": "Rovers signed striker Tom Hale from United for 30 million pounds on "
        "a five-year contract.",
        "hallucinated_summary": "United signed striker Tom Hale from Rovers for 80 million "
        "pounds on a two-year contract.",
    },
]


def test_examples_hold_both_summaries_and_on_request_an_edited_right_one() -> None:
    plain = summary_checker.build_examples(ROWS, seed=0)
    assert len(plain) == 6 and sum(e.right for e in plain) == 3
    assert {e.context for e in plain} == {r["document"] for r in ROWS}
    examples = summary_checker.build_examples(ROWS, seed=0, edits=True)
    assert examples == summary_checker.build_examples(ROWS, seed=0, edits=True)
    wrong = {e.reply for e in examples if not e.right}
    edits = wrong - {r["hallucinated_summary"] for r in ROWS}
    assert sum(e.right for e in examples) == 3 and len(edits) == 3  # every probe has an edit
    for text in edits:  # one edit of a right summary: about its length, not the same text
        right = next(
            r["right_summary"] for r in ROWS if text.split()[:2] == r["right_summary"].split()[:2]
        )
        assert text != right and abs(len(text.split()) - len(right.split())) <= 2


def test_an_edit_swaps_in_a_name_of_the_document_or_changes_a_number() -> None:
    import random

    rng = random.Random(0)
    document = "Tom Hale joined Rovers from United. Hale scored 18 goals for United last season."
    outs = {summary_checker.edited("Tom Hale joined Rovers.", document, rng) for _ in range(20)}
    assert "Tom Hale joined United." in outs
    changed = summary_checker.edited("Hale scored 18 goals.", "Hale scored 18 goals.", rng)
    assert changed in {f"Hale scored {n} goals." for n in range(15, 29) if n != 18}
    assert summary_checker.edited("good", "good", rng) is None


def test_training_is_reproducible_from_a_seed(reproducible_training) -> None:
    reproducible_training(summary_checker, ROWS)


def test_a_long_document_is_cut_never_the_summary() -> None:
    from transformers import AutoTokenizer

    from ragassist.verification.span_reader import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()))
    examples = summary_checker.build_examples([{**ROWS[0], "document": "word " * 2000}], 0)
    enc = summary_checker.encode_batch(tokenizer, examples)
    assert enc["input_ids"].shape[1] == summary_checker.MAX_TOKENS
    summary_ids = tokenizer(ROWS[0]["right_summary"], add_special_tokens=False)["input_ids"]
    right = [i for i, e in enumerate(examples) if e.right][0]
    row = enc["input_ids"][right].tolist()
    assert row[-len(summary_ids) - 1 : -1] == summary_ids  # the whole summary, then [SEP]


def test_missing_weights_name_the_command_that_trains_them(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError) as e:
        summary_checker.SummaryChecker(tmp_path)
    assert "train_summary_checker.py" in str(e.value)


UNSEEN_ROWS = range(5000, 5008)  # HaluEval training rows no checker, profile or stack fitted on


@pytest.fixture(scope="module")
def summarization_support(embedder):
    """The verifier's support for a summary of a document, through the summarization profile."""
    from ragassist.config import VerifyConfig
    from ragassist.verification.verifier import Verifier

    verifier = Verifier(VerifyConfig(profile="summarization"), embedder=embedder)
    assert verifier.fusion.meta["profile"] == "summarization+checker"

    def support(summary: str, document: str) -> float:
        verdicts = verifier.verify_text(summary, document)
        assert "summary_logit" in verdicts[0].signals
        return min(v.probability for v in verdicts)

    return support


def test_the_shipped_checker_prefers_haluevals_right_summaries(summarization_support) -> None:
    """On eight HaluEval rows nothing was fitted on, the right summary above the invented one
    in at least seven (chance would give about four)."""
    from ragassist.evaluation.halueval import load_rows

    rows = [load_rows("summarization")[i] for i in UNSEEN_ROWS]
    won = sum(
        summarization_support(r["right_summary"], r["document"])
        > summarization_support(r["hallucinated_summary"], r["document"])
        for r in rows
    )
    assert won >= 7, won


@pytest.mark.xfail(strict=True, reason="known limit: it reads HaluEval's style, not the facts")
def test_known_limit_a_changed_name_or_number_is_not_seen(summarization_support) -> None:
    """The probes above change a name, a number or an event at about the same length: the
    summarization verifier (before the checker too) ranks the changed summary higher
    (scripts/experiments/summary_edits.py). When this passes, the limit is gone: drop the mark."""
    for row in ROWS:
        right = summarization_support(row["right_summary"], row["document"])
        assert right > summarization_support(row["hallucinated_summary"], row["document"]), row


def test_turned_off_the_summarization_profile_uses_its_own_fit(embedder) -> None:
    from ragassist.config import VerifyConfig
    from ragassist.verification.verifier import Verifier

    cfg = VerifyConfig(profile="summarization", summary_checker=False)
    verifier = Verifier(cfg, embedder=embedder)
    assert verifier.fusion.meta["profile"] == "summarization"
    assert verifier.small.summary_checker is None


def test_a_summary_longer_than_the_checker_reads_is_cut_not_refused() -> None:
    from transformers import AutoTokenizer

    from ragassist.verification.span_reader import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()))
    long = {**ROWS[0], "right_summary": "the library " * 400}
    enc = summary_checker.encode_batch(tokenizer, summary_checker.build_examples([long], 0))
    assert enc["input_ids"].shape == (2, summary_checker.MAX_TOKENS)
