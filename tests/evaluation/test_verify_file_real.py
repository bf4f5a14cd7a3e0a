"""verify-file with the project's real verifier (cheap signals, no judge) and the real embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragassist.evaluation import halueval
from ragassist.evaluation.run import run
from ragassist.evaluation.runner import RunOptions, read_results
from ragassist.index.embed import Embedder


@pytest.mark.slow  # about 2 minutes on a shared CPU
def test_verify_file_with_the_real_verifier(tmp_path: Path, embedder: Embedder) -> None:
    pairs = halueval.load_pairs("qa", "train", limit=6)
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        "".join(
            json.dumps({"context": p.context, "answer": p.answer, "label": 1 - p.label}) + "\n"
            for p in pairs
        )
    )
    config = tmp_path / "no-judge.toml"
    config.write_text("[verify]\njudge = false\n")
    result = run(
        RunOptions(
            "verify-file", file=data, config_path=config, out=tmp_path / "run", progress=False
        ),
        {"embedder": embedder},
    )
    rows = read_results(tmp_path / "run" / "results.jsonl")
    assert len(rows) == 12
    for row in rows:
        answer = row["answers"][0]
        assert 0.0 <= answer["probability"] <= 1.0
        assert answer["signals"]["claims"] >= 1 and "word_coverage" in answer["signals"]
    table = result.metrics["detection"]
    assert "verifier" in table and any(k.startswith("signal: ") for k in table)
    saved = json.loads((tmp_path / "run" / "report.json").read_text())
    assert (
        saved["identity"]["fusion_sha256"]
        and saved["models"]["verifier"]["name"] == "ragassist.verification.verifier"
    )
