"""The reply checker: reproducible from a seed, loads its checked weights, orders replies."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragassist.errors import ModelMissingError
from ragassist.verification import reply_checker

ROWS = [
    {
        "knowledge": "Inception was directed by Christopher Nolan. Inception stars Leonardo DiCaprio.",
        "dialogue_history": "[Human]: Who directed Inception? I loved it.",
        "right_response": "Christopher Nolan directed it, and it stars Leonardo DiCaprio.",
        "hallucinated_response": "Steven Spielberg directed it, and it stars Tom Hanks.",
    },
    {
        "knowledge": "The Hobbit was written by J. R. R. Tolkien. The Hobbit is a fantasy novel.",
        "dialogue_history": "[Human]: Can you tell me about The Hobbit?",
        "right_response": "It is a fantasy novel by J. R. R. Tolkien.",
        "hallucinated_response": "It is a science fiction novel by Isaac Asimov.",
    },
    {
        "knowledge": "Adele sings Hello. Hello was released in 2015.",
        "dialogue_history": "[Human]: When did Hello come out?",
        "right_response": "Adele released it in 2015.",
        "hallucinated_response": "Adele released it in 1998.",
    },
]


def test_examples_hold_both_replies_under_the_dialogues_context() -> None:
    examples = reply_checker.build_examples(ROWS, seed=0)
    assert len(examples) == 6 and sum(e.right for e in examples) == 3
    contexts = {reply_checker.context_of(r["knowledge"], r["dialogue_history"]) for r in ROWS}
    assert {e.context for e in examples} == contexts
    assert {e.reply for e in examples if e.right} == {r["right_response"] for r in ROWS}
    assert examples == reply_checker.build_examples(ROWS, seed=0)


def test_context_keeps_the_end_of_a_long_dialogue() -> None:
    history = "[Human]: hello " * 200 + "[Human]: the last question?"
    context = reply_checker.context_of("Some knowledge.", history)
    assert context.startswith("Some knowledge.") and context.endswith("the last question?")
    assert len(context) < len("Some knowledge. | ") + reply_checker.HISTORY_CHARS + 1


def test_training_is_reproducible_from_a_seed(reproducible_training) -> None:
    reproducible_training(reply_checker, ROWS)


def test_missing_weights_name_the_command_that_trains_them(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError) as e:
        reply_checker.ReplyChecker(tmp_path)
    assert "train_reply_checker.py" in str(e.value)


def test_the_shipped_checker_prefers_the_reply_the_knowledge_holds(embedder) -> None:
    """Through the verifier's dialogue profile: a right reply above a wrong film, a wrong year."""
    from ragassist.config import VerifyConfig
    from ragassist.verification.verifier import Verifier

    verifier = Verifier(VerifyConfig(profile="dialogue"), embedder=embedder)
    assert verifier.fusion.meta["profile"] == "dialogue+checker"
    for row in ROWS:

        def support(reply: str, row: dict[str, str] = row) -> float:
            verdicts = verifier.verify_text(reply, row["knowledge"], row["dialogue_history"])
            assert "reply_logit" in verdicts[0].signals
            return min(v.probability for v in verdicts)

        assert support(row["right_response"]) > support(row["hallucinated_response"]), row


def test_ragassist_models_lists_the_small_models_and_their_retrain_commands() -> None:
    from ragassist.verification.small_models import trained_models

    rows = {r.name: r for r in trained_models()}
    assert set(rows) == {"span-reader", "reply-checker", "summary-checker"}
    for name, script in (
        ("span-reader", "train_span_reader.py"),
        ("reply-checker", "train_reply_checker.py"),
        ("summary-checker", "train_summary_checker.py"),
    ):
        assert rows[name].role == "checker" and rows[name].installed, name
        assert rows[name].size > 10_000_000 and script in rows[name].package


def test_a_missing_checker_leaves_the_verifier_working(monkeypatch, caplog) -> None:
    from ragassist.config import VerifyConfig
    from ragassist.types import Claim
    from ragassist.verification import small_models
    from ragassist.verification.evidence import context_hits

    def missing() -> None:
        raise ModelMissingError(
            "The reply checker's weights", "python scripts/train_reply_checker.py"
        )

    monkeypatch.setattr(small_models, "ReplyChecker", missing)
    small = small_models.SmallModels(VerifyConfig())
    claim = Claim("Nolan directed it.", 0, 18)
    assert small.signals(["reply_logit"], [claim], context_hits(ROWS[0]["knowledge"]), "Who?") == {}
    assert small.reply_checker is None and "reply checker is unavailable" in caplog.text
