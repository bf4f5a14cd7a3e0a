"""Fit `qa+reader`: the QA profile stacked with the span reader's signals; measure it held out.

    python scripts/fit_qa_reader.py [--rows 800] [--cache DIR] [--report eval/fit/qa-reader] [--write]

HaluEval-QA detection (is this answer to the question right, given its passage?) without the LM
judge. The span reader scores the answer itself as a span of the passage: a right HaluEval
answer is one it rates well, an invented one is usually no span at all. Training rows are those
the reader never saw (scripts/halueval_questions.py's corpus rows, which
scripts/train_span_reader.py leaves out) past the QA profile's first 600; pairs whose answers
differ by at most one word weigh 10 times, as in scripts/fit_verifier.py. The feature set is
chosen by five-fold AUROC on them. Held out: rows 8000-9999, the length-matched pairs and the
first 700 rows, beside the QA profile and the length and word-coverage baselines. The cheap
signals are cached in --cache (shared with fit_verifier.py); a cold cache takes about ten
minutes on 2 cores.
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
from ragassist.verification.fusion import FusionModel, model_for  # noqa: E402
from ragassist.verification.span_reader import SpanReader, reader_signals  # noqa: E402
from ragassist.verification.verifier import Verifier  # noqa: E402

KEY = "qa+reader"
QA_PROFILE_ROWS = 600  # fit_verifier.py's first QA rows: the stack is fitted past them
CANDIDATES: dict[str, tuple[str, ...]] = {
    "qa profile + span score": ("qa_logit", "reader_span_score"),
    "qa profile + span score + agreement": ("qa_logit", "reader_span_score", "reader_agreement"),
    "qa profile + agreement": ("qa_logit", "reader_agreement"),
}


def with_reader(rows: list[dict[str, Any]], split: str, reader: SpanReader) -> list[dict[str, Any]]:
    """Each scored pair with the QA profile's log-odds and the reader's signals on its answer
    (the reader reads each row's question and passage once)."""
    pairs = {(p.row, p.label): p for p in load_pairs("qa", split)}  # type: ignore[arg-type]
    qa = model_for("qa", False)
    readings: dict[int, Any] = {}
    out = []
    for r in rows:
        p = pairs[(r["row"], r["label"])]
        if p.row not in readings:
            readings[p.row] = reader.read(p.question, [p.context])
        out.append({**r, "qa_logit": qa.logit(r), **reader_signals(readings[p.row], p.answer)})
    return out


def figures(rows: list[dict[str, Any]], model: FusionModel) -> dict[str, float]:
    """AUROC of the stacked model, the QA profile, the reader's span score and the baselines."""
    y = [r["label"] for r in rows]
    return {
        "pairs": len(rows),
        KEY: auroc(y, [model.probability(r) for r in rows]),
        "qa profile": auroc(y, [r["qa_logit"] for r in rows]),
        "reader span score alone": auroc(y, [r["reader_span_score"] for r in rows]),
        "length only": auroc(y, [-r["words"] for r in rows]),
        "word coverage": auroc(y, [r["word_coverage"] for r in rows]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=800, help="training rows (plus length-matched)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/ragassist-verifier-cache"))
    ap.add_argument("--report", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help=f"save {KEY} into fusion.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    set_offline()
    verifier = Verifier(VerifyConfig(judge=False, span_reader=False))
    reader = SpanReader()
    lm_train = {p.row for p in length_matched(load_pairs("qa", "train"))}
    pool = [i for i in question_rows(2000, 0)["corpus"] if i >= QA_PROFILE_ROWS]
    chosen = sorted(set(pool[: args.rows]) | (lm_train & set(pool)))
    train = with_reader(
        cached_signals(verifier, "qa", "train", chosen, args.cache), "train", reader
    )
    for r in train:
        r["weight"] = LENGTH_MATCHED_WEIGHT["qa"] if r["row"] in lm_train else 1.0
    y = [r["label"] for r in train]
    cv = {n: auroc(y, cross_validated(train, f, args.seed).tolist()) for n, f in CANDIDATES.items()}
    best = max(cv, key=lambda n: cv[n])
    model = fit_profile(KEY, train, CANDIDATES[best], args.seed)
    meta = {**model.meta, "base": "qa", "base_feature": "qa_logit", "chosen": best}
    model = replace(
        model, meta={**meta, "candidates_cv_auroc": {k: round(v, 4) for k, v in cv.items()}}
    )
    held_rows = sorted(
        set(range(HELDOUT_START, HELDOUT_START + 700))
        | {p.row for p in length_matched(load_pairs("qa", "heldout"))}
    )
    held = with_reader(
        cached_signals(verifier, "qa", "heldout", held_rows, args.cache), "heldout", reader
    )
    lm_held = {p.row for p in length_matched(load_pairs("qa", "heldout"))}
    report = {
        "train": {"rows": len(chosen), "pairs": len(train), "cv_auroc": cv, "chosen": best},
        "model": {"threshold": model.threshold, "features": list(model.features)},
        "heldout, length-matched pairs": figures([r for r in held if r["row"] in lm_held], model),
        "heldout, first 700 rows": figures(
            [r for r in held if r["row"] < HELDOUT_START + 700], model
        ),
    }
    print(json.dumps(report, indent=1))
    save_fit(report, args.report, KEY, model, args.write)


if __name__ == "__main__":
    main()
