"""Choose the training data and labels of the default verifier's fit on training answers alone.

    python scripts/experiments/choose_answer_fit.py

The fits of session 11 (docs/results.md, "More training answers and hand labels") differ in their
training rows, so their own cross-validated AUROCs cannot be compared. Here every candidate is
scored on the same answers: five folds of the first training set (answers-train and
unanswerable-train, 243 judged drafts), each fold's model fitted on the other folds plus, for
the "+ drafts" candidates, all 357 answers-train2 drafts; the held-back fold is scored against
hand labels wherever a draft was read by hand. The feature set is the shipped one. The rule,
fixed before running: the candidate flagging the fewest right answers when 80% of the wrong ones
are flagged (the target's trade-off) is chosen; a tie within 0.01 goes to more data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_judge import KEY, with_judge  # noqa: E402
from fit_answer_verifier import answer_scores, fit_answers, flag_rates, read_by_hand  # noqa: E402

from ragassist.evaluation import metrics  # noqa: E402
from ragassist.verification.fusion import load_models  # noqa: E402

FIT, LABELS = ROOT / "eval/fit", ROOT / "eval/labels"
FIRST = [FIT / "answers-train", FIT / "unanswerable-train"]
MORE = [FIT / "answers-train2"]
JUDGE = [FIT / "answer-judge/judge-train-v4.jsonl", FIT / "answer-judge/judge-train-v5.jsonl"]


def rows(runs: list[Path], by_hand: bool) -> list[dict[str, Any]]:
    out = [a for run in runs for a in with_judge(run, JUDGE)]
    return read_by_hand(runs, LABELS, out) if by_hand else out


def out_of_fold(
    first: list[dict[str, Any]],
    extra: list[dict[str, Any]],
    truth: list[int],
    features: tuple[str, ...],
    seed: int = 0,
    folds: int = 5,
) -> dict[str, float]:
    order = np.random.default_rng(seed).permutation(len(first))
    scores, flagged = np.zeros(len(first)), np.zeros(len(first), bool)
    for k in range(folds):
        test = order[k::folds]
        held = set(test.tolist())
        model = fit_answers([first[i] for i in order if i not in held] + extra, features, seed)
        tested = [first[i] | {"right": truth[i]} for i in test]
        scores[test] = answer_scores(model, tested)
        flagged[test] = scores[test] < model.threshold
    judged = [a | {"right": t} for a, t in zip(first, truth, strict=True)]
    rates = flag_rates(judged, scores, -np.inf)  # the at-80% figure; flags counted below
    right = np.array(truth) == 1
    return {
        "auroc": round(metrics.auroc(truth, scores), 4),
        "wrong flagged": round(float(flagged[~right].mean()), 4),
        "right flagged": round(float(flagged[right].mean()), 4),
        "right flagged at 80% wrong": round(rates["right_flagged_at_80_wrong"], 4),
    }


def main() -> None:
    features = tuple(load_models()[KEY].features)
    first_hand, first_contained = rows(FIRST, True), rows(FIRST, False)
    assert [a["row"]["id"] for a in first_hand] == [a["row"]["id"] for a in first_contained]
    truth = [a["right"] for a in first_hand]
    candidates = {
        "243 drafts, containment (shipped)": (first_contained, []),
        "243 drafts, hand labels": (first_hand, []),
        "+ 357 drafts, containment": (first_contained, rows(MORE, False)),
        "+ 357 drafts, hand labels": (first_hand, rows(MORE, True)),
    }
    results = {name: out_of_fold(f, e, truth, features) for name, (f, e) in candidates.items()}
    size = {name: len(f) + len(e) for name, (f, e) in candidates.items()}
    best = min(
        results, key=lambda n: (round(results[n]["right flagged at 80% wrong"] / 0.01), -size[n])
    )
    print(
        json.dumps(
            {
                "features": features,
                "truth: right": int(sum(truth)),
                "of": len(truth),
                "results": results,
                "chosen": best,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
