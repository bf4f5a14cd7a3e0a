"""Fit a HaluEval task profile stacked with a small model trained here; measure it held out.

    python scripts/fit_halueval_stack.py --task qa|dialogue|summarization [--cache DIR]
        [--report DIR] [--write]

Detection without the LM judge. `qa+reader`: the QA profile and the span reader's score of the
answer as a span of the passage (a right HaluEval answer is one it rates well, an invented one
is usually no span at all). `dialogue+checker`: the dialogue profile and the reply checker's
log-odds (scripts/train_reply_checker.py). `summarization+checker`: the summarization profile
and the summary checker's (scripts/train_summary_checker.py). Each is fitted on training rows
its small model never saw: for QA, scripts/halueval_questions.py's corpus rows (which
scripts/train_span_reader.py leaves out) past the QA profile's first 600, length-matched pairs
weighing 10 times as in scripts/fit_verifier.py; for dialogue and summarization, rows 7500-7999
(the checkers train on 2000-7499 and 1000-4999, the profiles on the first 2,000 and 400). The
feature set is chosen by five-fold AUROC on them (a tie keeps the profile in). Held out (rows 8000-9999) beside the task
profile and the length and word-coverage baselines; for summarization also on the pairs whose
two summaries differ by at most a fifth in words, where length says little. The small models'
signals come from the verifier's own path (verification/small_models.py). The cheap signals are
cached in --cache (shared with fit_verifier.py); a cold cache takes 5-10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_verifier import save_fit  # noqa: E402
from fit_verifier import LENGTH_MATCHED_WEIGHT, cross_validated, fit_profile  # noqa: E402
from halueval_questions import question_rows  # noqa: E402

from ragassist.config import VerifyConfig  # noqa: E402
from ragassist.evaluation.halueval import (  # noqa: E402
    HELDOUT_START,
    auroc,
    cached_signals,
    length_matched,
    load_pairs,
)
from ragassist.index.embed import set_offline  # noqa: E402
from ragassist.types import Claim  # noqa: E402
from ragassist.verification.evidence import context_hits  # noqa: E402
from ragassist.verification.fusion import FusionModel, model_for  # noqa: E402
from ragassist.verification.small_models import SmallModels  # noqa: E402
from ragassist.verification.verifier import Verifier  # noqa: E402

QA_PROFILE_ROWS = 600  # fit_verifier.py's first QA rows: the stack is fitted past them
# per task: the stacked model's key, its candidate feature sets, the small model's main signal
STACKS: dict[str, tuple[str, dict[str, tuple[str, ...]], str]] = {
    "qa": (
        "qa+reader",
        {
            "qa profile + span score": ("qa_logit", "reader_span_score"),
            "qa profile + span score + agreement": (
                "qa_logit",
                "reader_span_score",
                "reader_agreement",
            ),
            "qa profile + agreement": ("qa_logit", "reader_agreement"),
        },
        "reader_span_score",
    ),
    "dialogue": (
        "dialogue+checker",
        {
            "dialogue profile + reply checker": ("dialogue_logit", "reply_logit"),
            "reply checker alone": ("reply_logit",),
        },
        "reply_logit",
    ),
    "summarization": (
        "summarization+checker",
        {
            "summarization profile + summary checker": ("summarization_logit", "summary_logit"),
            "summary checker alone": ("summary_logit",),
        },
        "summary_logit",
    ),
}
CV_TIE = 0.005  # five-fold AUROCs closer than this are a tie (see chosen_set)
NEAR_LENGTH = 0.2  # summaries "of about one length": their word counts differ by at most this share


def chosen_set(cv: dict[str, float]) -> str:
    """The first candidate (in STACKS' order: with the task profile first) within CV_TIE of the
    best five-fold AUROC. On a tie the profile's own signals stay in: names, numbers and word
    overlap say something on text unlike HaluEval's, where a checker trained on it may not."""
    top = max(cv.values())
    return next(name for name, value in cv.items() if value >= top - CV_TIE)


def training_rows(task: str, n: int) -> list[int]:
    """The rows the stack is fitted on (see the module's docstring)."""
    if task != "qa":
        return list(range(7500, 8000))
    lm_train = {p.row for p in length_matched(load_pairs("qa", "train"))}
    pool = [i for i in question_rows(2000, 0)["corpus"] if i >= QA_PROFILE_ROWS]
    return sorted(set(pool[:n]) | (lm_train & set(pool)))


def heldout_sets(task: str) -> dict[str, set[int]]:
    """Named sets of held-out rows the figures are given on."""
    if task == "dialogue":
        return {"heldout, first 300 rows": set(range(HELDOUT_START, HELDOUT_START + 300))}
    if task == "summarization":
        first = set(range(HELDOUT_START, HELDOUT_START + 500))
        by_row: dict[int, list[int]] = {}
        for p in load_pairs(task, "heldout"):
            if p.row in first:
                by_row.setdefault(p.row, []).append(p.words)
        near = {r for r, (a, b) in by_row.items() if abs(a - b) <= NEAR_LENGTH * max(a, b)}
        return {
            "heldout, first 250 rows": set(range(HELDOUT_START, HELDOUT_START + 250)),
            "heldout, first 500 rows": first,
            "heldout, of the first 500 rows those within a fifth in length": near,
        }
    return {
        "heldout, length-matched pairs": {
            p.row for p in length_matched(load_pairs("qa", "heldout"))
        },
        "heldout, first 700 rows": set(range(HELDOUT_START, HELDOUT_START + 700)),
    }


def with_small(task: str, rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """Each scored pair with the task profile's log-odds and the small models' signals."""
    key, candidates, _ = STACKS[task]
    features = sorted({f for fs in candidates.values() for f in fs})
    pairs = {(p.row, p.label): p for p in load_pairs(task, split)}  # type: ignore[arg-type]
    profile, small = model_for(task, False), SmallModels(VerifyConfig())
    out = []
    for r in rows:
        p = pairs[(r["row"], r["label"])]
        claim = Claim(p.answer, 0, len(p.answer))
        extra = small.signals(features, [claim], context_hits(p.context), p.question)
        out.append({**r, f"{task}_logit": profile.logit(r), **extra})
    return out


def figures(task: str, rows: list[dict[str, Any]], model: FusionModel) -> dict[str, float]:
    """AUROC of the stacked model, the task profile, the small model's signal and baselines."""
    key, _, signal = STACKS[task]
    y = [r["label"] for r in rows]
    return {
        "pairs": len(rows),
        key: auroc(y, [model.probability(r) for r in rows]),
        f"{task} profile": auroc(y, [r[f"{task}_logit"] for r in rows]),
        f"{signal} alone": auroc(y, [r[signal] for r in rows]),
        "length only": auroc(y, [-r["words"] for r in rows]),
        "word coverage": auroc(y, [r["word_coverage"] for r in rows]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=list(STACKS), required=True)
    ap.add_argument("--rows", type=int, default=800, help="QA training rows (plus length-matched)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ragassist-verifier-cache"))
    ap.add_argument("--report", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help="save the stacked model into fusion.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    set_offline()
    task, (key, candidates, _) = args.task, STACKS[args.task]
    verifier = Verifier(VerifyConfig(judge=False, span_reader=False, reply_checker=False))
    chosen = training_rows(task, args.rows)
    train = with_small(task, cached_signals(verifier, task, "train", chosen, args.cache), "train")
    lm_train = {p.row for p in length_matched(load_pairs(task, "train"))}
    for r in train:
        r["weight"] = LENGTH_MATCHED_WEIGHT.get(task, 1.0) if r["row"] in lm_train else 1.0
    y = [r["label"] for r in train]
    cv = {n: auroc(y, cross_validated(train, f, args.seed).tolist()) for n, f in candidates.items()}
    best = chosen_set(cv)
    model = fit_profile(key, train, candidates[best], args.seed)
    meta = {**model.meta, "base": task, "base_feature": f"{task}_logit", "chosen": best}
    model = replace(
        model, meta={**meta, "candidates_cv_auroc": {k: round(v, 4) for k, v in cv.items()}}
    )
    sets = heldout_sets(task)
    held_rows = sorted(set().union(*sets.values()))
    held = with_small(
        task, cached_signals(verifier, task, "heldout", held_rows, args.cache), "heldout"
    )
    report: dict[str, Any] = {
        "train": {"rows": len(chosen), "pairs": len(train), "cv_auroc": cv, "chosen": best},
        "model": {"threshold": model.threshold, "features": list(model.features)},
    }
    for name, rows in sets.items():
        report[name] = figures(task, [r for r in held if r["row"] in rows], model)
    print(json.dumps(report, indent=1))
    save_fit(report, args.report, key, model, args.write)


if __name__ == "__main__":
    main()
