"""Pairing two runs item by item: discordant counts and McNemar's exact p-value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragassist.errors import InputError
from ragassist.evaluation.paired import Paired, format_paired, paired


def write_run(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir()
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_discordant_items_are_counted_on_shared_ids(tmp_path: Path) -> None:
    a = write_run(
        tmp_path / "a",
        [
            {"id": "1", "gold_contained": 1.0, "answer": "one two", "token_f1": 0.5},
            {"id": "2", "gold_contained": 0.0, "answer": "one", "token_f1": 0.0},
            {"id": "3", "gold_contained": 1.0, "answer": "one two three", "token_f1": 1.0},
            {"id": "only-a", "gold_contained": 1.0, "answer": "x", "token_f1": 1.0},
            {"id": "unanswerable", "gold_contained": 0.0, "answer": "x", "token_f1": None},
        ],
    )
    b = write_run(
        tmp_path / "b",
        [
            {"id": "3", "gold_contained": 0.0, "answer": "one", "token_f1": 0.0},
            {"id": "2", "gold_contained": 1.0, "answer": "one", "token_f1": 1.0},
            {"id": "1", "gold_contained": 1.0, "answer": "one two", "token_f1": 0.5},
            {"id": "unanswerable", "gold_contained": 0.0, "answer": "y"},
        ],
    )
    fields, extra = paired(a, b)
    assert [f.name for f in fields] == ["gold_contained"]
    (g,) = fields
    assert (g.items, g.both, g.only_a, g.only_b) == (4, 1, 1, 1)
    assert g.p_value == 1.0
    assert extra["answer words, median"] == (1.5, 1)
    assert extra["token-F1, mean"] == (0.5, 0.5)
    assert "only A" in format_paired(fields, extra)


def test_mcnemar_exact_p_value() -> None:
    assert Paired("x", 20, 0, 0, 0).p_value == 1.0
    assert Paired("x", 20, 0, 0, 5).p_value == pytest.approx(2 / 32)  # 5 coin flips all one way
    assert Paired("x", 20, 0, 1, 9).p_value == pytest.approx(2 * 11 / 1024)


def test_a_folder_without_results_names_itself(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty"):
        paired(tmp_path / "empty", tmp_path / "empty")
