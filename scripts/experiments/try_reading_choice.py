"""Which answer to show, the generator's draft or the answer judge's reading: rules replayed on
training answers (the keep / replace / decline rule of verification/reading.py and variants).

    python scripts/experiments/try_reading_choice.py [--heldout RUN --heldout-judge JSONL]

Training rows: eval/fit answers-train and unanswerable-train with judge-train-v4 (their stored
judge signals; the span reader reads each row's passages again). Every rule keeps the shipped
decline rule and differs only in when the reading replaces a draft; the shown answer is scored by
gold containment on the answerable questions. --heldout replays the same rules on a held-out run
with stored judge signals (scripts/experiments/heldout_judge_rows.py rows of it) for reporting
only: no rule is chosen there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_judge import KEY, _reader, declined_rows, holds_score, with_judge  # noqa: E402
from fit_answer_reader import add_reader, gold_of  # noqa: E402
from fit_answer_verifier import answer_scores  # noqa: E402

from ragassist.evaluation import metrics  # noqa: E402
from ragassist.verification.answer_judge import agreement, answer_tokens  # noqa: E402
from ragassist.verification.fusion import load_models  # noqa: E402

TRAIN = (ROOT / "eval/fit/answers-train", ROOT / "eval/fit/unanswerable-train")
TRAIN_JUDGE = ROOT / "eval/fit/answer-judge/judge-train-v4.jsonl"

Rule = Callable[[dict[str, Any], float], bool]  # (row, draft support) -> show the reading?


def rows_of(runs: tuple[Path, ...], judge: Path) -> list[dict[str, Any]]:
    answered = [a for r in runs for a in with_judge(r, judge)]
    declined = add_reader([d for r in runs for d in declined_rows(r, judge)], _reader())
    model = load_models()[KEY]
    support = answer_scores(model, answered) if answered else []
    for a, s in zip(answered, support, strict=True):
        a["support"] = float(s)
    for d in declined:
        d["support"] = None
    return answered + declined


def shown(rows: list[dict[str, Any]], rule: Rule) -> dict[str, float]:
    model = load_models()[KEY]
    below, weight = model.meta["holds_below"], model.meta["holds_reader_weight"]
    contained, readings, words = [], 0, []
    for a in rows:
        if not a["row"]["answerable"]:
            continue
        j, gold = a["judge"], gold_of(a["row"]["question"])
        has_reading = bool(answer_tokens(j["own_answer"]))
        if holds_score(a, weight) < below or (a["support"] is None and not has_reading):
            text = None
        elif has_reading and (a["support"] is None or rule(a, a["support"])):
            text, readings = j["own_answer"], readings + 1
        else:
            text = a["row"]["answer"]
        contained.append(bool(gold) and text is not None and metrics.gold_contained(text, gold))
        if text is not None:
            words.append(len(text.split()))
    return {
        "contained": float(np.mean(contained)),
        "n": len(contained),
        "readings": readings,
        "median words": float(np.median(words)),
    }


def rules(supported_above: float) -> dict[str, Rule]:
    def reader_prefers_reading(a: dict[str, Any], s: float) -> bool:
        span = a["reading"].answer
        return agreement(span, a["judge"]["own_answer"]) > agreement(span, a["row"]["answer"])

    out: dict[str, Rule] = {
        "today: draft not supported, reading disagrees": lambda a, s: (
            s < supported_above and a["judge"]["agreement"] < 0.5
        ),
        "reading whenever it disagrees": lambda a, s: a["judge"]["agreement"] < 0.5,
        "reading always": lambda a, s: True,
        "reading when it disagrees and the span reader sides with it": lambda a, s: (
            a["judge"]["agreement"] < 0.5 and (s < supported_above or reader_prefers_reading(a, s))
        ),
    }
    for cut in (0.6, 0.7, 0.8, 0.9):
        out[f"reading when it disagrees and support < {cut}"] = lambda a, s, c=cut: (
            a["judge"]["agreement"] < 0.5 and s < c
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", type=Path, help="an end-to-end run over held-out questions")
    ap.add_argument("--heldout-judge", type=Path, help="heldout_judge_rows.py output for it")
    args = ap.parse_args()
    supported_above = load_models()[KEY].meta["supported_above"]
    sets = {"train": rows_of(TRAIN, TRAIN_JUDGE)}
    if args.heldout and args.heldout_judge:
        sets["heldout"] = rows_of((args.heldout,), args.heldout_judge)
    header = "| rule | " + " | ".join(f"{k}: contained, readings, words" for k in sets) + " |"
    print(header + "\n|---|" + "---|" * len(sets))
    for name, rule in rules(supported_above).items():
        cells = []
        for rows in sets.values():
            f = shown(rows, rule)
            cells.append(
                f"{f['contained']:.3f} of {f['n']}, {f['readings']}, {f['median words']:g}"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
