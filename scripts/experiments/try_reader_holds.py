"""The decline rule held out: the judge's "holds" log-odds alone, the span reader's margin alone,
and the two summed as the shipped fit weighs them.

    python scripts/experiments/try_reader_holds.py \
        eval/reports/rag-halueval-judge3 eval/reports/rag-unanswerable-judge3

The RUNs are end-to-end runs with the answer judge over HaluEval-QA corpora (answerable
held-out questions, and held-out questions whose passage is not in the corpus); each row's stored
`judge` signals are reused and the reader reads the row's top-5 passages again. Each rule's cut
is chosen on the training rows (eval/fit, judge-train-v4) to decline 10% of the answerable
training questions; the summed rule uses fusion.json's `holds_below` and `holds_reader_weight`
(scripts/fit_answer_judge.py). Prints how many answerable and unanswerable held-out questions
each rule would decline. About two minutes (700 readings).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_judge import HOLDS_ANSWERABLE, declined_rows, with_judge  # noqa: E402
from fit_answer_reader import add_reader  # noqa: E402
from judge_answers import hits_of  # noqa: E402

from ragassist.evaluation import halueval, metrics  # noqa: E402
from ragassist.verification.fusion import model_for  # noqa: E402
from ragassist.verification.span_reader import SpanReader  # noqa: E402

TRAIN = (ROOT / "eval/fit/answers-train", ROOT / "eval/fit/unanswerable-train")
TRAIN_JUDGE = ROOT / "eval/fit/answer-judge/judge-train-v4.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    args = ap.parse_args()
    reader = SpanReader()
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]

    def margin(row: dict) -> float:
        hits = hits_of(row["sources"], knowledge)
        return reader.read(row["question"], [h.chunk.text for h in hits]).margin

    # with_judge and add_reader leave the reader's reading on each training row
    train = [a for r in TRAIN for a in with_judge(r, TRAIN_JUDGE)]
    train += add_reader([d for r in TRAIN for d in declined_rows(r, TRAIN_JUDGE)], reader)
    ty = np.array([bool(a["row"]["answerable"]) for a in train])
    th = np.array([a["judge"].get("holds_logit", 0.0) for a in train])
    tm = np.array([a["reading"].margin for a in train])
    held = [
        r
        for run in args.runs
        for r in map(json.loads, (run / "results.jsonl").open())
        if r.get("judge")
    ]
    hy = np.array([r["answerable"] in (True, "True") for r in held])
    hh = np.array([r["judge"]["judge_holds_logit"] for r in held])
    hm = np.array([margin(r) for r in held])
    meta = model_for("answers+answer-judge", False).meta
    weight, below = meta["holds_reader_weight"], meta["holds_below"]
    rules = {
        "judge holds": (th, hh, float(np.quantile(th[ty], HOLDS_ANSWERABLE))),
        "reader margin": (tm, hm, float(np.quantile(tm[ty], HOLDS_ANSWERABLE))),
        f"judge holds + {weight} x reader margin (shipped)": (
            th + weight * tm,
            hh + weight * hm,
            below,
        ),
    }
    out = {"training rows (answerable, not)": [int(ty.sum()), int((~ty).sum())]}
    out["held-out rows (answerable, not)"] = [int(hy.sum()), int((~hy).sum())]
    for name, (tscore, hscore, cut) in rules.items():
        out[name] = {
            "cut": round(cut, 4),
            "training AUROC": round(metrics.auroc(ty.astype(int), tscore), 4),
            "held-out AUROC": round(metrics.auroc(hy.astype(int), hscore), 4),
            "held-out answerable declined": round(float((hscore[hy] < cut).mean()), 4),
            "held-out unanswerable declined": round(float((hscore[~hy] < cut).mean()), 4),
            "training answerable / unanswerable declined": [
                round(float((tscore[ty] < cut).mean()), 4),
                round(float((tscore[~ty] < cut).mean()), 4),
            ],
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
