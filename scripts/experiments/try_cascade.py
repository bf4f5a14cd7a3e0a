"""A cascade replayed on stored rows: the 1.5B judge only where the cheap fusion is unsure.

    python scripts/experiments/try_cascade.py --heldout eval/reports/rag-halueval-fast \
        --heldout-judge HO --heldout-labels eval/labels/rag-halueval-fast.jsonl

The cheap fusion is `answers+reader` (the fast setting's: answers profile, span reader); the full
one `answers+answer-judge`. A draft skips the judge when its cheap support is at least the cut and
the reader's margin clears the reader-alone decline cut (so a question the passages may not
answer still goes to the judge). Skipped drafts keep their cheap verdict; the others follow the
default's rule (fused verdict, decline, the judge's reading instead). For each cut, on the
training answers (eval/fit, judge-train-v4) and held out: the share judged, wrong and right
drafts flagged, declines and gold contained in the shown answer. HO: judge rows for the held-out
drafts (scripts/experiments/heldout_judge_rows.py). A minute or two (the reader reads each row).
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

from fit_answer_judge import (  # noqa: E402
    HOLDS_ANSWERABLE,
    _reader,
    declined_rows,
    gold_of,
    holds_score,
    with_judge,
)
from fit_answer_reader import add_reader  # noqa: E402
from fit_answer_verifier import answer_scores, hand_labels, invented  # noqa: E402

from ragassist.evaluation import metrics  # noqa: E402
from ragassist.verification.answer_judge import answer_tokens  # noqa: E402
from ragassist.verification.fusion import model_for  # noqa: E402
from ragassist.verification.reading import AGREE_BELOW  # noqa: E402

TRAIN = (ROOT / "eval/fit/answers-train", ROOT / "eval/fit/unanswerable-train")
TRAIN_JUDGE = ROOT / "eval/fit/answer-judge/judge-train-v4.jsonl"


def replay(
    answered: list[dict[str, Any]], declined: list[dict[str, Any]], cut: float, margin_cut: float
) -> dict[str, Any]:
    """What the user would see with the cascade at `cut` (inf: the judge always runs)."""
    full, cheap = model_for("answers+answer-judge", False), model_for("answers+reader", False)
    meta = full.meta
    fs, cs = answer_scores(full, answered), answer_scores(cheap, answered)
    margins = np.array([a["reading"].margin for a in answered])
    skip = (cs >= cut) & (margins >= margin_cut)
    inv = invented(answered)
    flagged = np.where(skip, cs < cheap.threshold, fs < full.threshold) | inv
    shown = []
    for a, s, skipped in zip(answered, fs, skip, strict=True):
        j, row = a["judge"], a["row"]
        if skipped:
            shown.append((row, row["answer"]))
        elif holds_score(a, meta["holds_reader_weight"]) < meta["holds_below"]:
            shown.append((row, None))
        elif (
            answer_tokens(j["own_answer"])
            and s < meta["supported_above"]
            and j["agreement"] < AGREE_BELOW
        ):
            shown.append((row, j["own_answer"]))
        else:
            shown.append((row, row["answer"]))
    for d in declined:  # a declined draft always goes to the judge (it may read an answer)
        j = d["judge"]
        low = holds_score(d, meta["holds_reader_weight"]) < meta["holds_below"]
        shown.append(
            (d["row"], None if low or not answer_tokens(j["own_answer"]) else j["own_answer"])
        )
    y = np.array([a["right"] for a in answered]) == 1
    ans = [(r, t) for r, t in shown if r["answerable"]]
    una = [t for r, t in shown if not r["answerable"]]
    contained = [
        t is not None and bool(g := gold_of(r["question"])) and metrics.gold_contained(t, g)
        for r, t in ans
    ]
    return {
        "judged": round(1 - float(skip.mean()), 3),
        "wrong skipped": int((skip & ~y).sum()),
        "wrong flagged": round(float(flagged[~y].mean()), 3),
        "right flagged": round(float(flagged[y].mean()), 3),
        "answerable declined": round(float(np.mean([t is None for _, t in ans])), 3),
        "unanswerable declined": round(float(np.mean([t is None for t in una])), 3)
        if una
        else None,
        "contained": round(float(np.mean(contained)), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", type=Path, required=True)
    ap.add_argument("--heldout-judge", type=Path, required=True)
    ap.add_argument("--heldout-labels", type=Path)
    args = ap.parse_args()
    train = [a for run in TRAIN for a in with_judge(run, TRAIN_JUDGE)]
    declined = add_reader([d for run in TRAIN for d in declined_rows(run, TRAIN_JUDGE)], _reader())
    held = with_judge(args.heldout, args.heldout_judge)
    if args.heldout_labels:
        held = hand_labels(args.heldout_labels, held)
    cheap = model_for("answers+reader", False)
    cs = answer_scores(cheap, train)
    y = np.array([a["right"] for a in train]) == 1
    answerable = [a for a in train + declined if a["row"]["answerable"]]
    margin_cut = float(np.quantile([a["reading"].margin for a in answerable], HOLDS_ANSWERABLE))
    out: dict[str, Any] = {"margin cut (reader-alone decline rule)": round(margin_cut, 3)}
    # cuts: the cheap score above which this share of the wrong training answers lies
    for wrong_above in (0.0, 0.02, 0.05, 0.10, 0.15, 0.20):
        cut = float(np.quantile(cs[~y], 1 - wrong_above)) if wrong_above else float("inf")
        name = f"skip above {cut:.3f} ({wrong_above:.0%} of wrong training drafts above)"
        out[name] = {
            "train": replay(train, declined, cut, margin_cut),
            "heldout": replay(held, [], cut, margin_cut),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
