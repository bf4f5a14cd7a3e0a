"""The run loop: resumption after a real kill, refusal to mix setups, torn lines, determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ragassist.errors import RagassistError
from ragassist.evaluation.run import run
from ragassist.evaluation.runner import (
    RunFolderError,
    RunOptions,
    read_results,
    sample_indices,
)
from ragassist.evaluation.scorers import WordCoverageScorer

ROWS = [
    ("The Eiffel Tower is in Paris and was finished in 1889.", "It is in Paris.", 0),
    (
        "The Eiffel Tower is in Paris and was finished in 1889.",
        "It was finished in 1925 in Rome.",
        1,
    ),
    ("Water boils at 100 degrees Celsius at sea level.", "Water boils at 100 degrees.", 0),
    ("Water boils at 100 degrees Celsius at sea level.", "Water freezes on Mars at noon.", 1),
]


def write_rows(path: Path, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            context, answer, label = ROWS[i % len(ROWS)]
            f.write(
                json.dumps({"context": context, "answer": f"{answer} ({i})", "label": label}) + "\n"
            )
    return path


def scores(out: Path) -> dict[str, float]:
    return {r["id"]: r["answers"][0]["probability"] for r in read_results(out / "results.jsonl")}


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ragassist.evaluation.run import run
    from ragassist.evaluation.runner import RunOptions
    from ragassist.evaluation.scorers import WordCoverageScorer

    class SlowCoverage(WordCoverageScorer):
        def score(self, answer, context, question=""):
            time.sleep(0.05)  # pace the run so the test can kill it part-way
            return super().score(answer, context, question)

    SlowCoverage.name = "word-coverage"
    run(RunOptions("verify-file", file=Path(sys.argv[1]), out=Path(sys.argv[2]), progress=False),
        {"scorer": SlowCoverage()})
    """
)


def test_resumes_after_sigkill(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "rows.jsonl", 200)
    out = tmp_path / "run"
    script = tmp_path / "slow_run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(data), str(out)], cwd=tmp_path)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and results.read_bytes().count(b"\n") >= 10:
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = scores(out)
    assert 10 <= len(partial) < 200, "the kill must land part-way through the run"

    resumed = run(
        RunOptions("verify-file", file=data, out=out, progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert resumed.scored_now == 200 - len(partial)
    rows = read_results(results)
    assert len(rows) == 200 and len({r["id"] for r in rows}) == 200  # nothing twice, nothing lost

    fresh = run(
        RunOptions("verify-file", file=data, out=tmp_path / "fresh", progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert scores(out) == scores(fresh.out)
    assert resumed.metrics["detection"]["verifier"] == fresh.metrics["detection"]["verifier"]
    assert (out / "report.md").exists() and (out / "roc.png").exists()


def test_torn_last_line_is_dropped_and_rescored(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "rows.jsonl", 8)
    out = tmp_path / "run"
    options = RunOptions("verify-file", file=data, out=out, progress=False)
    run(options, {"scorer": WordCoverageScorer()})
    results = out / "results.jsonl"
    lines = results.read_bytes().splitlines(keepends=True)
    results.write_bytes(b"".join(lines[:5]) + lines[5][:17])  # a kill in the middle of a write
    again = run(options, {"scorer": WordCoverageScorer()})
    assert again.scored_now == 3
    assert sorted(r["id"] for r in read_results(results)) == sorted(
        f"line-{i}" for i in range(1, 9)
    )


def test_changed_setup_refuses_to_mix(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "rows.jsonl", 6)
    out = tmp_path / "run"
    run(
        RunOptions("verify-file", file=data, out=out, progress=False),
        {"scorer": WordCoverageScorer()},
    )
    unrelated = tmp_path / "unrelated.toml"
    unrelated.write_text("[retrieve]\nk = 9\n")  # verify-file never reads retrieval settings
    again = run(
        RunOptions("verify-file", file=data, out=out, config_path=unrelated, progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert again.scored_now == 0
    toml = tmp_path / "changed.toml"
    toml.write_text("[verify]\nthreshold = 0.3\n")
    with pytest.raises(RunFolderError) as err:
        run(
            RunOptions("verify-file", file=data, out=out, config_path=toml, progress=False),
            {"scorer": WordCoverageScorer()},
        )
    message = str(err.value)
    assert "--out" in message and "config.verify.threshold: -1.0 -> 0.3" in message
    old = json.loads((out / "run.json").read_text())["fingerprint"]
    assert old in message
    assert isinstance(err.value, RagassistError)
    # a changed input file is a changed setup too
    write_rows(data, 7)
    with pytest.raises(RunFolderError, match="file"):
        run(
            RunOptions("verify-file", file=data, out=out, progress=False),
            {"scorer": WordCoverageScorer()},
        )


def test_sampling_is_seeded_and_a_larger_n_extends_a_smaller_one(tmp_path: Path) -> None:
    assert sample_indices(100, 10, 3) == sample_indices(100, 10, 3)
    assert sample_indices(100, 10, 3) != sample_indices(100, 10, 4)
    assert sample_indices(100, 20, 3)[:10] == sample_indices(100, 10, 3)
    data = write_rows(tmp_path / "rows.jsonl", 40)
    out = tmp_path / "run"
    first = run(
        RunOptions("verify-file", file=data, n=10, out=out, progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert first.scored_now == 10 and first.metrics["scores"]["answers"] == 10
    second = run(
        RunOptions("verify-file", file=data, n=25, out=out, progress=False),
        {"scorer": WordCoverageScorer()},
    )
    assert second.scored_now == 15 and second.metrics["scores"]["answers"] == 25
