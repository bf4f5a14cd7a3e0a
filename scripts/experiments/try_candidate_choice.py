"""Which answer to show when the answer judge has checked every candidate: the draft, its own
reading, or the span reader's span, chosen by the judge's yes/no check on each.

    python scripts/experiments/try_candidate_choice.py [--heldout RUN --heldout-judge JSONL
        --heldout-candidates JSONL]

Training rows: eval/fit/answers-train (judge-train-v4) and answers-train2 (judge-train-v5), with
the checks of scripts/experiments/check_candidates.py (candidates-train*.jsonl). Every rule
keeps the shipped decline rule; the shown answer is scored on the answerable questions by gold
containment and token-F1. The margin a rule needs is chosen on the training rows; --heldout
replays the rules on a held-out run for reporting only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts/experiments"))

from fit_answer_judge import KEY, holds_score  # noqa: E402
from fit_answer_reader import gold_of  # noqa: E402
from try_reading_choice import rows_of  # noqa: E402

from ragassist.evaluation import metrics  # noqa: E402
from ragassist.verification.answer_judge import answer_tokens  # noqa: E402
from ragassist.verification.fusion import load_models  # noqa: E402

FIT = ROOT / "eval/fit/answer-judge"
TRAIN = {
    "answers-train": (
        ROOT / "eval/fit/answers-train",
        FIT / "judge-train-v4.jsonl",
        FIT / "candidates-train.jsonl",
    ),
    "answers-train2": (
        ROOT / "eval/fit/answers-train2",
        FIT / "judge-train-v5.jsonl",
        FIT / "candidates-train2.jsonl",
    ),
}
# (row, draft support or None when declined) -> the text shown
Rule = Callable[[dict[str, Any], float | None], str]


def with_checks(run: Path, judge: Path, checks: Path) -> list[dict[str, Any]]:
    """The run's answerable rows that have their candidates checked, each with a["checks"]."""
    by_id = {
        r["id"]: r
        for r in map(json.loads, checks.open())
        if Path(r["run"]).resolve() == run.resolve()
    }
    rows = [a for a in rows_of((run,), judge) if a["row"].get("answerable", True)]
    out = []
    for a in rows:
        c = by_id.get(a["row"]["id"])
        if c is not None:
            out.append(a | {"checks": c})
    return out


def candidates(a: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """Each candidate's text and the judge's yes log-odds for it (missing ones left out)."""
    c, j = a["checks"], a["judge"]
    out = {}
    if a["support"] is not None:
        out["draft"] = (a["row"]["answer"], j["yes_logit"])
    if c["reading_yes"] is not None:
        out["reading"] = (j["own_answer"], c["reading_yes"])
    if c["span_yes"] is not None:
        out["span"] = (c["span"], c["span_yes"])
    return out


def rules(supported_above: float, margin: float) -> dict[str, Rule]:
    def today(a: dict[str, Any], s: float | None) -> str:
        j = a["judge"]
        if answer_tokens(j["own_answer"]) and (
            s is None or (s < supported_above and j["agreement"] < 0.5)
        ):
            return j["own_answer"]
        return a["row"]["answer"] if s is not None else ""

    def replace_by_check(a: dict[str, Any], s: float | None) -> str:
        """today's trigger; the reading or the span, whichever the judge rates higher by margin"""
        shown = today(a, s)
        if shown != a["judge"]["own_answer"]:
            return shown
        c = candidates(a)
        if "span" in c and c["span"][1] > c.get("reading", ("", -99.0))[1] + margin:
            return c["span"][0]
        return shown

    def best_of_all(a: dict[str, Any], s: float | None) -> str:
        c = candidates(a)
        if not c:
            return ""
        return max(c.values(), key=lambda t: t[1])[0]

    def best_when_unsure(a: dict[str, Any], s: float | None) -> str:
        """today's trigger; then whichever of the three the judge rates highest"""
        shown = today(a, s)
        if shown != a["judge"]["own_answer"]:
            return shown
        return best_of_all(a, s) or shown

    return {
        "today": today,
        f"today's trigger, span over reading when its check is higher by {margin:g}": replace_by_check,
        "today's trigger, then the best-checked of the three": best_when_unsure,
        "always the best-checked of the three": best_of_all,
    }


def shown(rows: list[dict[str, Any]], rule: Rule) -> dict[str, float]:
    meta = load_models()[KEY].meta
    contained, f1, words, spans = [], [], [], 0
    for a in rows:
        gold = gold_of(a["row"]["question"]) or ""
        text = (
            ""
            if holds_score(a, meta["holds_reader_weight"]) < meta["holds_below"]
            else rule(a, a["support"])
        )
        spans += bool(text) and text == a["checks"]["span"] and text != a["judge"]["own_answer"]
        contained.append(bool(gold and text and metrics.gold_contained(text, gold)))
        f1.append(metrics.token_f1(text, gold) if text else 0.0)
        if text:
            words.append(len(text.split()))
    return {
        "contained": float(np.mean(contained)),
        "f1": float(np.mean(f1)),
        "n": len(rows),
        "spans": spans,
        "words": float(np.median(words)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", type=Path)
    ap.add_argument("--heldout-judge", type=Path)
    ap.add_argument("--heldout-candidates", type=Path)
    args = ap.parse_args()
    supported_above = load_models()[KEY].meta["supported_above"]
    sets = {name: with_checks(*paths) for name, paths in TRAIN.items() if paths[2].exists()}
    train = [a for rows in sets.values() for a in rows]
    grid = [-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]
    fits = {
        m: shown(
            train,
            rules(supported_above, m)[
                next(k for k in rules(supported_above, m) if "span over" in k)
            ],
        )["contained"]
        for m in grid
    }
    margin = max(grid, key=lambda m: (fits[m], m))
    print(
        "span-over-reading margin on training:",
        {k: round(v, 3) for k, v in fits.items()},
        "->",
        margin,
    )
    if args.heldout:
        sets["heldout"] = with_checks(args.heldout, args.heldout_judge, args.heldout_candidates)
    print(
        "| rule | "
        + " | ".join(f"{k} ({len(v)}): contained, F1, spans shown, words" for k, v in sets.items())
        + " |"
    )
    print("|---|" + "---|" * len(sets))
    for name, rule in rules(supported_above, margin).items():
        cells = []
        for rows in sets.values():
            f = shown(rows, rule)
            cells.append(f"{f['contained']:.3f}, {f['f1']:.3f}, {f['spans']}, {f['words']:g}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
