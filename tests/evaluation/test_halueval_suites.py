"""HaluEval detection suites on the held-out split, scored by a model-free scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragassist.evaluation import halueval
from ragassist.evaluation.run import run
from ragassist.evaluation.runner import RunOptions, read_results
from ragassist.evaluation.scorers import WordCoverageScorer


def test_halueval_qa_reports_baselines_and_length_matched_pairs(tmp_path: Path) -> None:
    result = run(
        RunOptions("halueval-qa", n=400, seed=1, out=tmp_path / "qa", progress=False),
        {"scorer": WordCoverageScorer()},
    )
    rows = read_results(tmp_path / "qa" / "results.jsonl")
    n_matched = result.metrics["pairs"]["length_matched_rows"]
    matched_rows = {p.row for p in halueval.length_matched(halueval.load_pairs("qa", "heldout"))}
    assert n_matched == len(matched_rows) > 50  # every length-matched row, beyond the sample
    assert (
        len(rows) == len({r["row"] for r in rows} | matched_rows)
        and result.metrics["pairs"]["rows"] == 400
    )
    assert all(halueval.HELDOUT_START <= r["row"] < halueval.N_ROWS for r in rows)  # held out only
    assert all(sorted(a["label"] for a in r["answers"]) == [0, 1] for r in rows)
    table = result.metrics["detection"]
    # the scorer under test is word coverage, so it must equal the word-coverage baseline
    assert table["verifier"]["auroc"] == pytest.approx(table["baseline: word-coverage"]["auroc"])
    # HaluEval-QA's known shortcut: shorter answers are the right ones
    assert table["baseline: length-only"]["auroc"] > 0.9
    matched = result.metrics["detection (length-matched pairs)"]
    assert matched["verifier"]["n"] == 2 * n_matched
    assert table["verifier"]["n"] == 800  # the main table covers the 400 sampled rows only
    for png in ("roc.png", "reliability.png", "histograms.png", "roc-length-matched.png"):
        assert (tmp_path / "qa" / png).exists()


def test_halueval_summarization_small(tmp_path: Path) -> None:
    result = run(
        RunOptions("halueval-summarization", n=10, out=tmp_path / "s", progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert result.metrics["detection"]["verifier"]["n"] == 20
    assert "detection (length-matched pairs)" not in result.metrics
