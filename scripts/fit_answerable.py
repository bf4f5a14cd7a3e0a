"""Fit the decline rule (verification/answerable.py) on training questions; compare candidates.

    python scripts/fit_answerable.py [--report DIR] [--write] [--unanswerable-declined 0.90]

Rows: every training question the answer judge saw, answered or declined (answers-train,
answers-train2, unanswerable-train, unanswerable-train2 with judge-train-v4/v5/v6), labelled
answerable or not. Their passages are rebuilt from the runs' sources. The rule is a logistic fit
of answerable.FEATURES. Its threshold declines --unanswerable-declined of the unanswerable
training questions (0.90, issue 19's target for unanswerable questions), and so as few
answerable ones as that allows. The figures are 5-fold cross-validated (each fold chooses its
own threshold the same way), plus each candidate's AUROC and its unanswerable share declined
at fixed answerable shares; the rule in use before is scored on every row and on the rows added
since it was fitted. --write stores the fit as "answerable" in the answer-judge fit's meta.
About 3 minutes (the span reader re-reads each question).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from fit_answer_judge import KEY, _reader, declined_rows, holds_score, with_judge
from fit_answer_reader import add_reader, gold_of
from judge_answers import hits_of

from ragassist.evaluation import halueval, metrics
from ragassist.verification import fusion
from ragassist.verification.answerable import FEATURES, answerable_signals

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("answers-train", "answers-train2", "unanswerable-train", "unanswerable-train2")
CACHES = ("judge-train-v4.jsonl", "judge-train-v5.jsonl", "judge-train-v6.jsonl")
ADDED = ("unanswerable-train2",)  # runs added after the rule in use was fitted (session 17)
CANDIDATES: dict[str, tuple[str, ...]] = {
    "holds alone": ("holds_score",),
    "holds + names found": ("holds_score", "question_names_found"),
    "holds + relevance": ("holds_score", "retrieval_similarity"),
    "holds + names found + relevance": FEATURES,
}
SHARES = (0.05, 0.07, 0.10)  # answerable shares declined, for the fixed-rate comparison


def training_rows(weight: float) -> list[dict[str, Any]]:
    """Each training question with its decline-rule signals, answerability and gold."""
    fit = ROOT / "eval/fit"
    caches = [fit / "answer-judge" / c for c in CACHES]
    rows: list[dict[str, Any]] = []
    for name in RUNS:
        run = with_judge(fit / name, caches) + add_reader(
            declined_rows(fit / name, caches), _reader()
        )
        rows += [{**a, "run": name} for a in run]
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    for a in rows:
        row = a["row"]
        passages = [h.chunk.text for h in hits_of(row["sources"], knowledge)]
        a["x"] = answerable_signals(
            holds_score(a, weight), row["question"], passages, float(row["best_relevance"] or 0.0)
        )
        gold = gold_of(row["question"]) if row["answerable"] else None
        a["kept_right"] = bool(row["gold_contained"]) or (
            bool(gold) and metrics.gold_contained(a["judge"]["own_answer"], gold)
        )
    return rows


def fit_rule(rows: list[dict[str, Any]], features: tuple[str, ...], unanswerable_share: float):
    """The logistic fit, thresholded to decline `unanswerable_share` of the unanswerable rows."""
    y = [int(a["row"]["answerable"]) for a in rows]
    model = fusion.fit([a["x"] for a in rows], y, features, meta={"profile": "answerable"})
    p = np.array([model.probability(a["x"]) for a in rows])
    cut = float(np.quantile(p[np.array(y) == 0], unanswerable_share))
    return replace(model, threshold=round(cut, 6))


def declines(rows: list[dict[str, Any]], decline: np.ndarray) -> dict[str, Any]:
    """Shares declined of answerable and unanswerable rows, and declined answerable rows whose
    draft or the judge's reading held the gold."""
    ans = np.array([a["row"]["answerable"] for a in rows], dtype=bool)
    lost = sum(
        a["kept_right"] for a, d in zip(rows, decline, strict=True) if d and a["row"]["answerable"]
    )

    def share(mask: np.ndarray) -> float | None:
        return round(float(decline[mask].mean()), 4) if mask.any() else None

    return {
        "answerable declined": share(ans),
        "unanswerable declined": share(~ans),
        "answerable declined that were right": int(lost),
    }


def cross_validated(rows: list[dict[str, Any]], share: float, seed: int = 0) -> dict[str, Any]:
    """Out-of-fold figures of each candidate, thresholded in each fold to decline `share` of
    that fold's unanswerable training rows."""
    y = np.array([int(a["row"]["answerable"]) for a in rows])
    folds = np.random.default_rng(seed).permutation(len(rows)) % 5
    out: dict[str, Any] = {}
    for name, feats in CANDIDATES.items():
        score, decline = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
        fixed = {s: np.zeros(len(rows), dtype=bool) for s in SHARES}
        for k in range(5):
            tr = [a for a, f in zip(rows, folds, strict=True) if f != k]
            te = np.flatnonzero(folds == k)
            model = fit_rule(tr, feats, share)
            p_tr = np.array([model.probability(a["x"]) for a in tr])
            p_te = np.array([model.probability(rows[i]["x"]) for i in te])
            score[te], decline[te] = p_te, p_te < model.threshold
            y_tr = np.array([a["row"]["answerable"] for a in tr], dtype=bool)
            for s in SHARES:
                fixed[s][te] = p_te < np.quantile(p_tr[y_tr], s)
        out[name] = {
            "auroc": round(float(metrics.auroc(y, score)), 4),
            **declines(rows, decline),
            "unanswerable declined at fixed answerable shares": {
                f"{s:.2f}": declines(rows, fixed[s])["unanswerable declined"] for s in SHARES
            },
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", type=Path)
    ap.add_argument("--write", action="store_true", help=f"store the rule in {KEY}'s meta")
    ap.add_argument("--unanswerable-declined", type=float, default=0.90)
    args = ap.parse_args()
    judge_fit = fusion.load_models()[KEY]
    rows = training_rows(float(judge_fit.meta["holds_reader_weight"]))
    n_ans = sum(a["row"]["answerable"] for a in rows)
    model = fit_rule(rows, FEATURES, args.unanswerable_declined)
    shipped = np.array([model.probability(a["x"]) < model.threshold for a in rows])
    report: dict[str, Any] = {
        "questions (answerable, unanswerable)": [n_ans, len(rows) - n_ans],
        "unanswerable training questions to decline": args.unanswerable_declined,
        "cross-validated (5 folds)": cross_validated(rows, args.unanswerable_declined),
        "in sample": {"fitted rule": declines(rows, shipped)},
        "rule": fusion.to_dict(model),
    }
    if "answerable" in judge_fit.meta:
        before = fusion.from_dict(judge_fit.meta["answerable"])
        old = np.array([before.probability(a["x"]) < before.threshold for a in rows])
        added = np.array([a["run"] in ADDED for a in rows])
        report["the rule before"] = {
            "all rows (in sample for most)": declines(rows, old),
            f"rows of {', '.join(ADDED)} (new to it)": declines(
                [a for a, n in zip(rows, added, strict=True) if n], old[added]
            ),
        }
    print(json.dumps(report, indent=1))
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        (args.report / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if args.write:
        meta = {**judge_fit.meta, "answerable": fusion.to_dict(model)}
        models = fusion.load_models()
        fusion.save_models({**models, KEY: replace(judge_fit, meta=meta)})


if __name__ == "__main__":
    main()
