"""Does the span reader help the verifier? Its signals added to the fusion, fitted on training answers.

    python scripts/experiments/try_span_reader.py \
        --train eval/fit/answers-train eval/fit/unanswerable-train \
        --train-judge eval/fit/answer-judge/judge-train-v4.jsonl \
        --heldout eval/reports/rag-halueval-fast --heldout-judge HO.jsonl --heldout-labels L.jsonl

For every answer that the judge rows cover, the shipped reader reads the question over the run's
top-5 passages (fit_answer_judge.with_judge does, through fit_answer_reader.add_reader); its
signals are the agreement of its span with the answer (the judge's measure) and its margin over
"no answer". It showed that the reader cannot stand in for the judge's own reading (the last set).
Feature sets are compared by five-fold cross-validation on the training answers, then each is
fitted on all of them and scored on the held-out answers at its training threshold. A minute or
two (about 0.1 s a reading).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_judge import gold_of, with_judge  # noqa: E402
from fit_answer_verifier import (  # noqa: E402
    answer_scores,
    cross_validated_auroc,
    fit_answers,
    flag_rates,
    hand_labels,
)

from ragassist.evaluation import metrics  # noqa: E402

SETS: dict[str, tuple[str, ...]] = {
    "answers profile (fast today)": ("answers_logit",),
    "answers + reader agreement": ("answers_logit", "reader_agreement"),
    "answers + reader agreement + margin": ("answers_logit", "reader_agreement", "reader_margin"),
    "answers + judge yes/no + judge agreement (default today)": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
    ),
    "default today + reader agreement": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "reader_agreement",
    ),
    "answers + judge yes/no + reader agreement (no judge reading)": (
        "answers_logit",
        "judge_yes_logit",
        "reader_agreement",
    ),
    "answers + judge yes/no + reader agreement + margin": (
        "answers_logit",
        "judge_yes_logit",
        "reader_agreement",
        "reader_margin",
    ),
}


def reading_figures(answers: list[dict[str, Any]]) -> dict[str, float]:
    """How often the reader's span and the draft hold the gold answer (answerable questions)."""
    known = [(gold_of(a["row"]["question"]), a) for a in answers if a["row"]["answerable"]]
    known = [(g, a) for g, a in known if g]
    return {
        "answerable with gold": len(known),
        "reader span contains gold": float(
            np.mean([metrics.gold_contained(a["reading"].answer, [g]) for g, a in known])
        ),
        "draft contains gold": float(
            np.mean([metrics.gold_contained(a["row"]["answer"], [g]) for g, a in known])
        ),
        "reader says no answer": float(np.mean([a["reading"].margin <= 0 for _, a in known])),
        "reader median words": float(
            np.median([len(a["reading"].answer.split()) for _, a in known])
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--train-judge", type=Path, required=True)
    ap.add_argument("--heldout", type=Path, required=True)
    ap.add_argument("--heldout-judge", type=Path, required=True)
    ap.add_argument("--heldout-labels", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    train = [a for r in args.train for a in with_judge(r, args.train_judge)]
    held = with_judge(args.heldout, args.heldout_judge)  # with the reader's signals too
    if args.heldout_labels:
        held = hand_labels(args.heldout_labels, held)
    out: dict[str, Any] = {
        "train readings": reading_figures(train),
        "held-out readings": reading_figures(held),
    }
    y = [a["right"] for a in held]
    for name, feats in SETS.items():
        model = fit_answers(train, feats, args.seed)
        scores = answer_scores(model, held)
        out[name] = {
            "train cv auroc": round(cross_validated_auroc(train, feats, args.seed), 4),
            "held-out auroc": round(metrics.auroc(y, scores), 4),
            **{k: v for k, v in flag_rates(held, scores, model.threshold).items()},
        }
    print(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
