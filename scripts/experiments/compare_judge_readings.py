"""Two answer-judge caches of the same answers side by side: do the judge's signals carry over?

The fused verifier was fitted on the judge's readings from one backend; before another backend
(or dtype) judges by default, its readings of the same training answers must match. Prints, for
the rows both caches hold with the same evidence, each signal's correlation and median
difference, its AUROC against gold containment under each cache, how many of the judge's own
answers are identical, and the median seconds a judgement.

    .venv/bin/python scripts/experiments/compare_judge_readings.py A.jsonl B.jsonl

The caches come from scripts/judge_answers.py (its --backend chooses the backend).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

from ragassist.evaluation.metrics import auroc

SIGNALS = ("yes_logit", "holds_logit", "agreement")


def load(path: Path) -> dict[tuple[str, str], dict]:
    return {(r["run"], r["id"]): r for r in map(json.loads, path.open())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    a, b = load(args.a), load(args.b)
    keys = [k for k in a if k in b and a[k]["evidence"] == b[k]["evidence"]]
    right = [int(a[k]["gold_contained"] >= 0.5) for k in keys]
    print(f"{len(keys)} answers in both ({sum(right)} contain the gold answer)")
    print(f"{'signal':12s} {'r':>7s} {'median |diff|':>14s} {'AUROC A':>8s} {'AUROC B':>8s}")
    for signal in SIGNALS:
        x = np.array([a[k][signal] for k in keys])
        y = np.array([b[k][signal] for k in keys])
        r = float(np.corrcoef(x, y)[0, 1])
        diff = float(np.median(np.abs(x - y)))
        print(f"{signal:12s} {r:7.4f} {diff:14.3f} {auroc(right, x):8.3f} {auroc(right, y):8.3f}")
    same = sum(a[k]["own_answer"] == b[k]["own_answer"] for k in keys)
    print(f"the judge's own answer identical in {same} of {len(keys)}")
    for name, cache in (("A", a), ("B", b)):
        print(
            f"{name}: median {statistics.median(cache[k]['seconds'] for k in keys):.2f} s a judgement"
        )


if __name__ == "__main__":
    main()
