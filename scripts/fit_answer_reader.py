"""Fit the span-reader fusion (`answers+reader`, the fast setting's) on training answers.

    python scripts/fit_answer_reader.py --train eval/fit/answers-train eval/fit/unanswerable-train
        [--heldout RUN --heldout-labels JSONL] [--report DIR] [--write]

RUNs are `ragassist eval` folders over HaluEval-QA corpora (training questions from
scripts/halueval_questions.py for --train, rows 8000-9999 for --heldout). For every answer the
span reader reads the question over the run's top-5 passages, rebuilt from the HaluEval rows the
file names carry; its agreement with the answer and its margin over "no answer" join the
`answers` profile's log-odds. The feature set is chosen by five-fold cross-validation on --train;
the flag threshold flags 10% of the right training answers, as for every answer profile. A
minute or two (the reader takes about 0.06 s a question).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from fit_answer_verifier import (
    answer_scores,
    fit_stacked,
    flag_rates,
    hand_labels,
    invented,
    load_answers,
    save_fit,
)
from judge_answers import hits_of

from ragassist.evaluation import halueval, metrics
from ragassist.verification.fusion import model_for
from ragassist.verification.reading import AGREE_BELOW
from ragassist.verification.span_reader import SHIPPED, SpanReader, reader_signals

KEY = "answers+reader"
SPAN_MARGIN_QUANTILE = 0.10
CANDIDATES: dict[str, tuple[str, ...]] = {
    "answers profile + reader agreement": ("answers_logit", "reader_agreement"),
    "answers profile + reader agreement + margin": (
        "answers_logit",
        "reader_agreement",
        "reader_margin",
    ),
}


def add_reader(answers: list[dict[str, Any]], reader: SpanReader) -> list[dict[str, Any]]:
    """Each claim gets the reader's signals on its answer (and the answers profile's log-odds);
    the reading is kept on the answer as "reading"."""
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    profile = model_for("answers", False)
    for a in answers:
        row = a["row"]
        hits = hits_of(row["sources"], knowledge)
        a["reading"] = reader.read(row["question"], [h.chunk.text for h in hits])
        extra = reader_signals(a["reading"], row["answer"])
        for sig in a.get("claims", []):  # declined rows have none
            sig.setdefault("answers_logit", profile.logit(sig))
            sig.update(extra)
    return answers


def gold_of(question: str) -> str | None:
    """A HaluEval-QA question's gold answer (None for questions not from HaluEval-QA)."""
    if not hasattr(gold_of, "table"):
        gold_of.table = {r["question"].strip(): r["right_answer"] for r in halueval.load_rows("qa")}  # type: ignore[attr-defined]
    return gold_of.table.get(question.strip())  # type: ignore[attr-defined]


def span_margin_above(answers: list[dict[str, Any]]) -> float:
    """The reader's margin below which it does not answer in the fast setting's swap: the margin
    that 10% of the answerable training questions fall below (so few right spans are lost, and
    questions without their passage, where the reader is less sure, are swapped less often)."""
    margins = [a["reading"].margin for a in answers if a["row"]["answerable"]]
    return round(float(np.quantile(margins, SPAN_MARGIN_QUANTILE)), 4)


def span_rule(answers: list[dict[str, Any]], model: Any, margin_above: float) -> dict[str, Any]:
    """A swap for the fast setting, replayed (measured, not shipped): a draft flagged likely wrong
    whose words hold under half of the reader's span, read with at least `margin_above`, is
    shown as that span. How often the shown answer contains the gold answer before and after,
    and how often a shown span was right (a question without its passage counts as wrong)."""
    flagged = (answer_scores(model, answers) < model.threshold) | invented(answers)
    before, after, swapped, unanswerable = [], [], [], 0
    for a, likely_wrong in zip(answers, flagged, strict=True):
        reading, row = a["reading"], a["row"]
        gold = gold_of(row["question"]) if row["answerable"] else None
        swap = bool(reading.answer) and likely_wrong and reading.margin >= margin_above
        swap = swap and a["claims"][0]["reader_agreement"] < AGREE_BELOW
        shown = reading.answer if swap else row["answer"]
        if swap:
            swapped.append(bool(gold) and metrics.gold_contained(shown, gold))
            unanswerable += not row["answerable"]
        if gold:
            before.append(metrics.gold_contained(row["answer"], gold))
            after.append(metrics.gold_contained(shown, gold))
    return {
        "answers (answerable)": [len(answers), len(before)],
        "gold contained, drafts": float(np.mean(before)) if before else None,
        "gold contained, with the swap": float(np.mean(after)) if after else None,
        "spans shown (to questions without their passage)": [len(swapped), unanswerable],
        "spans right": int(sum(swapped)),
        "span_right": round((sum(swapped) + 1) / (len(swapped) + 2), 4),  # add-one smoothed
    }


def figures(answers: list[dict[str, Any]], model: Any, margin_above: float) -> dict[str, Any]:
    """The reader fusion beside the answers profile it stacks on, at their training thresholds."""
    y = [a["right"] for a in answers]
    before = model_for("answers", False)
    out = {}
    for name, m in ((KEY, model), ("answers profile (before)", before)):
        scores = answer_scores(m, answers)
        out[name] = {"auroc": metrics.auroc(y, scores), **flag_rates(answers, scores, m.threshold)}
    out["reader agreement alone"] = {
        "auroc": metrics.auroc(y, [a["claims"][0]["reader_agreement"] for a in answers])
    }
    out["the span instead of a likely wrong draft"] = span_rule(answers, model, margin_above)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--heldout", type=Path)
    ap.add_argument("--heldout-labels", type=Path, help="hand-checked labels of --heldout")
    ap.add_argument("--report", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help=f"save {KEY} into fusion.json")
    args = ap.parse_args()
    reader = SpanReader()
    train = add_reader([a for run in args.train for a in load_answers(run)], reader)
    model, cv, best = fit_stacked(train, CANDIDATES, KEY, args.train, args.seed)
    meta = json.loads((SHIPPED / "training.json").read_text(encoding="utf-8"))
    model = replace(model, meta={**model.meta, "span_reader_sha256": meta.get("sha256", "")})
    margin_above = span_margin_above(train)
    y = np.array([a["right"] for a in train])
    report: dict[str, Any] = {
        "train": {"answers": len(train), "right": int(y.sum()), "cv_auroc": cv, "chosen": best},
        "model": {
            "threshold": model.threshold,
            "supported_above": model.meta["supported_above"],
        },
        # measured, not shipped: on the handbook it replaced 6 right drafts (docs/results.md)
        "train: the span instead of a likely wrong draft": span_rule(train, model, margin_above),
    }
    if args.heldout:
        held = add_reader(load_answers(args.heldout), reader)
        report["heldout (containment labels)"] = figures(held, model, margin_above)
        if args.heldout_labels:
            labelled = hand_labels(args.heldout_labels, held)
            report["heldout (hand labels)"] = figures(labelled, model, margin_above)
    print(json.dumps(report, indent=1))
    save_fit(report, args.report, KEY, model, args.write)


if __name__ == "__main__":
    main()
