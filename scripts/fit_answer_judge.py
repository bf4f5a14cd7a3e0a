"""Fit the answer-judge fusion (`answers+answer-judge`) on training answers; evaluate it held out.

    python scripts/fit_answer_judge.py --train RUN... --train-judge JSONL... [--train-labels DIR]
        [--heldout RUN --heldout-judge JSONL --heldout-labels JSONL] [--report DIR] [--write]

RUNs are `ragassist eval` output folders over HaluEval-QA (training questions from
scripts/halueval_questions.py for --train; rows 8000-9999 for --heldout); the JSONL files are
scripts/judge_answers.py's output for them. Each answer's features: the `answers` profile's
log-odds, the judge's yes/no log-odds and the agreement of its own short answer with the
assistant's. The feature set is chosen by 5-fold cross-validation on --train only; the flag
threshold flags 10% of the right training answers, and 'supported' starts where 10% of the wrong
training answers are. --train-labels: hand labels for training answers whose containment label
was in doubt (fit_answer_verifier.read_by_hand). Seconds to run (the judging is done beforehand).
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from fit_answer_reader import add_reader, gold_of
from fit_answer_verifier import (
    answer_scores,
    fit_stacked,
    flag_rates,
    hand_labels,
    load_answers,
    read_by_hand,
    save_fit,
)

from ragassist.evaluation import halueval, metrics
from ragassist.verification.answer_judge import answer_tokens
from ragassist.verification.fusion import model_for
from ragassist.verification.reading import AGREE_BELOW
from ragassist.verification.span_reader import SpanReader

KEY = "answers+answer-judge"
# share of answerable training questions the "holds" rule may decline: 0.10 leaves room under
# the 15% ceiling on answerable declines (0.05 declined 60% of the unanswerable training
# questions, 0.10 76%, 0.15 85%, at 5%, 10% and 15% of the answerable ones)
HOLDS_ANSWERABLE = 0.10
CANDIDATES: dict[str, tuple[str, ...]] = {
    "answers profile + judge yes/no + agreement + holds": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "judge_holds_logit",
    ),
    "answers profile + judge yes/no + agreement": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
    ),
    "judge yes/no + agreement": ("judge_yes_logit", "judge_agreement"),
    "answers profile + judge yes/no": ("answers_logit", "judge_yes_logit"),
    "answers profile + agreement": ("answers_logit", "judge_agreement"),
    "answers profile + judge yes/no + agreement + reader agreement": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "reader_agreement",
    ),
    "answers profile + judge yes/no + agreement + reader agreement + margin": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "reader_agreement",
        "reader_margin",
    ),
}
# the judge's likelihood of the draft (scripts/experiments/try_draft_likelihood.py): tried only
# when the judge rows carry it
LIKELIHOOD = ("draft_lp", "draft_pmi")
LIKELIHOOD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "answers profile + judge yes/no + agreement + draft log-prob": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "judge_draft_lp",
    ),
    "answers profile + judge yes/no + agreement + draft PMI": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "judge_draft_pmi",
    ),
    "answers profile + judge yes/no + agreement + both": (
        "answers_logit",
        "judge_yes_logit",
        "judge_agreement",
        "judge_draft_lp",
        "judge_draft_pmi",
    ),
}


def judged_rows(cache: Path | Sequence[Path]) -> list[dict[str, Any]]:
    """The rows of one or several scripts/judge_answers.py files."""
    paths = [cache] if isinstance(cache, Path) else list(cache)
    return [json.loads(x) for p in paths for x in p.read_text(encoding="utf-8").splitlines()]


def with_judge(run: Path, cache: Path | Sequence[Path]) -> list[dict[str, Any]]:
    """A run's answered rows that the judge has seen, each claim carrying the judge's signals
    and the span reader's (fit_answer_reader.add_reader)."""
    judged = {}
    for r in judged_rows(cache):
        if Path(r["run"]).resolve() == run.resolve():
            judged[r["id"]] = r
    answers = model_for("answers", False)
    out = []
    for a in load_answers(run):
        j = judged.get(a["row"]["id"])
        if j is None:
            continue
        for sig in a["claims"]:
            sig["answers_logit"] = answers.logit(sig)
            sig["judge_yes_logit"] = j["yes_logit"]
            sig["judge_agreement"] = j["agreement"]
            sig["judge_holds_logit"] = j.get("holds_logit", 0.0)
            sig.update({f"judge_{k}": j[k] for k in LIKELIHOOD if k in j})
        out.append({**a, "judge": j})
    return add_reader(out, _reader())


@functools.cache
def _reader() -> SpanReader:
    return SpanReader()


def declined_rows(run: Path, cache: Path | Sequence[Path]) -> list[dict[str, Any]]:
    """The judge's rows for the questions the generator declined in a run (judge_answers --declined)."""
    rows = {json.loads(x)["id"]: json.loads(x) for x in (run / "results.jsonl").open()}
    out = []
    for j in judged_rows(cache):
        if j.get("declined") and Path(j["run"]).resolve() == run.resolve():
            out.append({"row": rows[j["id"]], "judge": j})
    return out


def holds_score(a: dict[str, Any], weight: float) -> float:
    """The decline rule's score of one row: the judge's "holds" log-odds plus the span reader's
    margin times its weight (AnswerJudgement.holds_score)."""
    return a["judge"].get("holds_logit", 0.0) + weight * a["reading"].margin


def reading_rule(
    answered: list[dict[str, Any]],
    declined: list[dict[str, Any]],
    model: Any,
    holds_below: float,
    weight: float = 0.0,
) -> dict[str, Any]:
    """The assistant's keep / replace / decline rule (verification/reading.py) replayed on rows:
    what the user would see, and how often the shown reading contains the gold answer."""
    support = answer_scores(model, answered) if answered else np.array([])
    shown, replaced_right = [], []
    for a, s in zip(answered + declined, list(support) + [None] * len(declined), strict=True):
        j, row = a["judge"], a["row"]
        gold = gold_of(row["question"]) if row["answerable"] else None
        has_reading = bool(answer_tokens(j["own_answer"]))
        if holds_score(a, weight) < holds_below or (s is None and not has_reading):
            shown.append((row, None))
        elif has_reading and (
            s is None or (s < model.meta["supported_above"] and j["agreement"] < AGREE_BELOW)
        ):
            right = bool(gold) and metrics.gold_contained(j["own_answer"], gold)
            replaced_right.append(right)
            shown.append((row, j["own_answer"]))
        else:
            shown.append((row, row["answer"]))
    answerable = [(r, t) for r, t in shown if r["answerable"]]
    unanswerable = [(r, t) for r, t in shown if not r["answerable"]]
    golds = [gold_of(r["question"]) for r, _ in answerable]
    return {
        "questions judged (answerable, unanswerable)": [len(answerable), len(unanswerable)],
        "answerable declined": float(np.mean([t is None for _, t in answerable])),
        "unanswerable declined": float(np.mean([t is None for _, t in unanswerable]))
        if unanswerable
        else None,
        "answerable: shown answer contains gold": float(
            np.mean(
                [
                    bool(g) and t is not None and metrics.gold_contained(t, g)
                    for (_, t), g in zip(answerable, golds, strict=True)
                ]
            )
        ),
        "answerable: draft contains gold": float(
            np.mean([bool(r["gold_contained"]) for r, _ in answerable])
        ),
        "readings shown": len(replaced_right),
        "readings right": int(sum(replaced_right)),
    }


def fit_rule(
    answered: list[dict[str, Any]], declined: list[dict[str, Any]], model: Any
) -> dict[str, float]:
    """holds_reader_weight: the span reader's margin scaled to the judge's "holds" log-odds (the
    ratio of their spreads, so both count alike); holds_below: the HOLDS_ANSWERABLE quantile of
    the answerable questions' summed score; reading_right: the share of shown readings that were
    right (add-one smoothed)."""
    rows = answered + declined
    holds = np.array([a["judge"].get("holds_logit", 0.0) for a in rows])
    margins = np.array([a["reading"].margin for a in rows])
    weight = round(float(holds.std() / margins.std()), 4)
    score = [holds_score(a, weight) for a in rows if a["row"]["answerable"]]
    holds_below = float(np.quantile(score, HOLDS_ANSWERABLE))
    rule = reading_rule(answered, declined, model, holds_below, weight)
    reading_right = (rule["readings right"] + 1) / (rule["readings shown"] + 2)
    return {
        "holds_below": round(holds_below, 4),
        "holds_reader_weight": weight,
        "reading_right": round(reading_right, 4),
    }


def figures(answers: list[dict[str, Any]], model: Any) -> dict[str, Any]:
    """The fitted model against the answers profile and single signals, on one set."""
    y = np.array([a["right"] for a in answers])
    support = answer_scores(model, answers)
    before = model_for("answers", False)
    singles = {
        "answers profile (today's default)": answer_scores(before, answers),
        "judge yes/no log-odds": np.array([a["judge"]["yes_logit"] for a in answers]),
        "judge agreement": np.array([a["judge"]["agreement"] for a in answers]),
        "shorter answer": -np.array([len(a["row"]["answer"].split()) for a in answers]),
    }
    out: dict[str, Any] = {
        KEY: {"auroc": metrics.auroc(y, support), **flag_rates(answers, support, model.threshold)}
    }
    # a cascade: the judge only where the cheap profile does not already call the answer
    # supported (its own training band), the cheap verdict elsewhere
    cheap = singles["answers profile (today's default)"]
    judged = cheap < float(before.meta.get("supported_above", 0.5))
    cascade = np.where(judged, support, 1.0)
    out["cascade (judge only below the cheap 'supported' band)"] = {
        "auroc": metrics.auroc(y, cascade),
        **flag_rates(answers, cascade, model.threshold),
        "share judged": float(judged.mean()),
    }
    out["answers profile (today's default)"] = {
        "auroc": metrics.auroc(y, singles["answers profile (today's default)"]),
        **flag_rates(answers, singles["answers profile (today's default)"], before.threshold),
    }
    for name in list(singles)[1:]:
        out[name] = {"auroc": metrics.auroc(y, singles[name])}
    gold = [
        halueval.load_rows("qa")[int(a["row"]["id"].split("-")[1])]["right_answer"]
        if a["row"]["id"].startswith("qa-")
        else None
        for a in answers
    ]
    known = [(g, a) for g, a in zip(gold, answers, strict=True) if g]
    if known:
        out["judge's own answer contains gold"] = float(
            np.mean([metrics.gold_contained(a["judge"]["own_answer"], g) for g, a in known])
        )
        out["assistant's answer contains gold"] = float(
            np.mean([metrics.gold_contained(a["row"]["answer"], g) for g, a in known])
        )
    if known:
        # the assistant's rule for Answer.alternative: a likely wrong answer the judge read otherwise
        swap = [
            (s < model.threshold) and a["judge"]["agreement"] < 0.5 and a["judge"]["own_answer"]
            for s, a in zip(support, answers, strict=True)
        ]
        final = [
            (a["judge"]["own_answer"] if sw else a["row"]["answer"], g)
            for sw, (g, a) in zip(swap, known, strict=True)
            if g
        ]
        out["judge's answer instead of a likely wrong draft: contains gold"] = float(
            np.mean([metrics.gold_contained(text, g) for text, g in final])
        )
        out["... answers replaced"] = int(sum(bool(s) for s in swap))
        out["... median words, final / draft"] = [
            float(np.median([len(text.split()) for text, _ in final])),
            float(np.median([len(a["row"]["answer"].split()) for _, a in known])),
        ]
    out["judge seconds (median)"] = float(np.median([a["judge"]["seconds"] for a in answers]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--train-judge", type=Path, nargs="+", required=True)
    ap.add_argument(
        "--train-labels",
        type=Path,
        help="a folder of hand labels for the training runs (RUN_NAME.jsonl; e.g. eval/labels)",
    )
    ap.add_argument("--heldout", type=Path)
    ap.add_argument("--heldout-judge", type=Path)
    ap.add_argument("--heldout-labels", type=Path, help="hand-checked labels of --heldout")
    ap.add_argument("--report", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help=f"save {KEY} into fusion.json")
    ap.add_argument(
        "--features", choices=list(CANDIDATES), help="fit this feature set, not the CV's best"
    )
    args = ap.parse_args()

    train = [a for run in args.train for a in with_judge(run, args.train_judge)]
    if args.train_labels:
        train = read_by_hand(args.train, args.train_labels, train)
    candidates = dict(CANDIDATES)
    if all(f"judge_{k}" in c for a in train for c in a["claims"] for k in LIKELIHOOD):
        candidates |= LIKELIHOOD_CANDIDATES
    model, cv, best = fit_stacked(train, candidates, KEY, args.train, args.seed, args.features)
    y = np.array([a["right"] for a in train])
    declined = [d for run in args.train for d in declined_rows(run, args.train_judge)]
    declined = add_reader(declined, _reader())
    rule = fit_rule(train, declined, model)
    model = replace(model, meta={**model.meta, **rule})
    report: dict[str, Any] = {
        "train": {"answers": len(train), "right": int(y.sum()), "cv_auroc": cv, "chosen": best},
        "model": {
            "threshold": model.threshold,
            "supported_above": model.meta["supported_above"],
            **rule,
        },
        "train (the keep / replace / decline rule, in sample)": reading_rule(
            train, declined, model, rule["holds_below"], rule["holds_reader_weight"]
        ),
    }
    print(json.dumps(report, indent=1))
    if args.heldout and args.heldout_judge:
        held = with_judge(args.heldout, args.heldout_judge)
        report["heldout (containment labels)"] = figures(held, model)
        if args.heldout_labels:
            report["heldout (hand labels)"] = figures(hand_labels(args.heldout_labels, held), model)
        print(json.dumps({k: v for k, v in report.items() if k.startswith("heldout")}, indent=1))
    save_fit(report, args.report, KEY, model, args.write)


if __name__ == "__main__":
    main()
