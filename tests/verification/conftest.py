"""Fixtures of the verification tests: a few seeded training steps of a checker, the real judge."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from ragassist.verification import span_reader, span_training
from ragassist.verification.answer_judge import AnswerJudge


@pytest.fixture(scope="session")
def real_judge() -> AnswerJudge:
    """The packaged 1.5B answer judge, loaded once (slow tests only)."""
    return AnswerJudge()


def _trained(seed: int, checker: ModuleType, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The weights after one epoch (three steps of two) over `rows` with the checker's examples."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    base = str(span_reader.base_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2)
    examples = checker.build_examples(rows, seed)
    losses = span_training.train(
        model, tokenizer, examples, seed, epochs=1.0, batch_size=2, encode=checker.encode_batch
    )
    assert len(losses) == 3 and all(loss > 0 for loss in losses)
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.fixture
def reproducible_training() -> Callable[[ModuleType, list[dict[str, str]]], None]:
    """Asserts that a checker trains the same weights twice from one seed, others from another."""

    def check(checker: ModuleType, rows: list[dict[str, str]]) -> None:
        import torch

        torch.set_num_threads(1)  # one order of floating-point sums
        first, second = _trained(5, checker, rows), _trained(5, checker, rows)
        assert all(torch.equal(first[k], second[k]) for k in first)
        other = _trained(6, checker, rows)
        assert not torch.equal(first["classifier.weight"], other["classifier.weight"])

    return check
