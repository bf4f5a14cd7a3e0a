"""Evaluation on Ray: the same results.jsonl as one process, in order, resumable; missing Ray."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ragassist.errors import ExtraMissingError
from ragassist.evaluation.run import run
from ragassist.evaluation.runner import RunOptions, read_results
from ragassist.evaluation.scorers import WordCoverageScorer
from ragassist.index.embed import HashEmbedder

from .test_rag import make_corpus
from .test_runner import write_rows


def rows_of(out: Path) -> list[dict]:
    """results.jsonl without the timings, which differ from run to run."""
    return [
        {k: v for k, v in row.items() if not k.endswith("seconds")}
        for row in read_results(out / "results.jsonl")
    ]


def untimed(metrics: dict) -> dict:
    """Metrics without the timings."""
    return {
        k: untimed(v) if isinstance(v, dict) else v
        for k, v in metrics.items()
        if "seconds" not in k
    }


def test_verify_file_on_ray_writes_the_plain_results_in_order_and_resumes(
    tmp_path: Path, ray_local: ModuleType
) -> None:
    data = write_rows(tmp_path / "rows.jsonl", 40)
    extras = {"scorer": WordCoverageScorer()}

    def options(out: str, n: int, ray: str | None = None) -> RunOptions:
        return RunOptions(
            "verify-file", n=n, seed=3, file=data, out=tmp_path / out, progress=False, ray=ray
        )

    plain = run(options("plain", 30), extras)
    partly = run(options("ray", 12), extras)  # a run stopped after 12 items, in one process
    resumed = run(options("ray", 30, ray="local"), extras)  # finished on Ray
    assert resumed.scored_now == 18
    assert rows_of(tmp_path / "ray") == rows_of(tmp_path / "plain")  # same rows, same order
    assert untimed(resumed.metrics) == untimed(plain.metrics) and partly.scored_now == 12
    assert len({row["id"] for row in rows_of(tmp_path / "ray")}) == 30


def test_rag_corpus_on_ray_indexes_once_on_the_driver(
    tmp_path: Path, ray_local: ModuleType
) -> None:
    docs, questions = make_corpus(tmp_path)
    extras = {"embedder": HashEmbedder(64), "retrieval_only": True}
    results = {}
    for name, ray in (("plain", None), ("ray", "local")):
        options = RunOptions(
            "rag-corpus", docs=docs, questions=questions, out=tmp_path / name, progress=False
        )
        results[name] = run(RunOptions(**{**options.__dict__, "ray": ray}), extras)
    assert rows_of(tmp_path / "ray") == rows_of(tmp_path / "plain")
    assert untimed(results["ray"].metrics) == untimed(results["plain"].metrics)
    assert json.loads((tmp_path / "ray" / "run.json").read_text())["fingerprint"]


def test_eval_without_ray_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    data = write_rows(tmp_path / "rows.jsonl", 4)
    options = RunOptions(
        "verify-file", file=data, out=tmp_path / "run", progress=False, ray="local"
    )
    with pytest.raises(ExtraMissingError, match=r"make install-ray"):
        run(options, {"scorer": WordCoverageScorer()})
    assert read_results(tmp_path / "run" / "results.jsonl") == []  # nothing half-written
