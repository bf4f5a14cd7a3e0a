"""`halueval-qa`, `halueval-dialogue`, `halueval-summarization`: detection on held-out HaluEval rows.

Each row gives a right and a hallucinated answer; both are scored by the verifier and the
baselines with the shared machinery of detection.py. QA is also reported on the length-matched
pairs, where the length shortcut cannot help.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from . import halueval, plots
from .detection import (
    DETECTION_SECTIONS,
    detection_plots,
    detection_tables,
    fitted_profile,
    score_answer,
    scorer_identity,
    scorer_models,
    threshold_of,
    verify_config_of,
)
from .runner import ItemScorer, Plan, RunContext, Summary, file_sha256, sample_indices
from .scorers import (
    NOT_SIGNALS,
    baseline_scores,
    fitted_key_of,
    make_verifier,
)

log = logging.getLogger(__name__)


class HaluEvalSuite:
    """Hallucination detection on the held-out HaluEval rows (8000-9999) of one task."""

    config_sections = DETECTION_SECTIONS

    def __init__(self, task: halueval.Task) -> None:
        self.task = task
        # standard sizes: about 15 minutes each on a shared 2-core CPU without the judge
        self.default_n: int | None = 100 if task == "summarization" else 200
        self.name = f"halueval-{task}"
        extra = " (+ length-matched)" if task == "qa" else ""
        self.summary = f"detection on held-out HaluEval-{task}{extra}"

    def plan(self, ctx: RunContext) -> Plan:
        pairs = halueval.load_pairs(self.task, "heldout")
        by_row: dict[int, list[halueval.Pair]] = {}
        for pair in pairs:
            by_row.setdefault(pair.row, []).append(pair)
        rows = sorted(by_row)
        chosen = [rows[i] for i in sample_indices(len(rows), ctx.n, ctx.options.seed)]
        if self.task == "qa":  # every length-matched row too: only ~112 of 2,000, rare in a sample
            matched = {p.row for p in halueval.length_matched(pairs)}
            chosen += sorted(matched - set(chosen))
        items = [
            {
                "id": f"{self.task}-{row}",
                "row": row,
                "pairs": [dataclasses.asdict(p) for p in by_row[row]],
            }
            for row in chosen
        ]
        identity = {
            "data": file_sha256(halueval.data_path(self.task)),
            "split": f"heldout rows {halueval.HELDOUT_START}-{halueval.N_ROWS - 1}",
            "verify_profile": fitted_profile(self.task)
            if ctx.extras.get("scorer") is None
            else None,
            **scorer_identity(ctx),
        }
        return Plan(items, identity)

    def open(self, ctx: RunContext) -> ItemScorer:
        injected = ctx.extras.get("scorer")
        verifier = None
        if injected is None:
            verifier = make_verifier(verify_config_of(ctx, self.task), ctx.extras.get("embedder"))
            # warm up on a training row, so model loading counts as setup, not as item time
            halueval.score_pairs(verifier, halueval.load_pairs(self.task, "train", limit=1))

        def score(item: dict[str, Any]) -> dict[str, Any]:
            pairs = [halueval.Pair(**p) for p in item["pairs"]]
            if verifier is None:  # an injected scorer judges each answer on its own
                assert injected is not None
                scored = [score_answer(injected, p.answer, p.context, p.question) for p in pairs]
            else:  # the verifier's own HaluEval path: each answer judged as one claim
                scored = [
                    {
                        "words": r["words"],
                        "probability": float(r["probability"]),
                        "signals": {k: float(v) for k, v in r.items() if k not in NOT_SIGNALS},
                        "baselines": baseline_scores(p.answer, p.context),
                    }
                    for p, r in zip(pairs, halueval.score_pairs(verifier, pairs), strict=True)
                ]
            answers = [{"label": 1 - p.label, **s} for p, s in zip(pairs, scored, strict=True)]
            return {"row": item["row"], "answers": answers}

        return score

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        t = threshold_of(ctx, self.task)
        held = list(halueval.rows_of("heldout"))
        sampled = {held[i] for i in sample_indices(len(held), ctx.n, ctx.options.seed)}
        all_rows, rows = rows, [r for r in rows if r["row"] in sampled]
        answers = [a for r in rows for a in r["answers"]]
        out = detection_tables(answers, t)
        out["pairs"] = {"rows": len(rows), "pairwise_accuracy": pairwise_accuracy(rows)}
        plot_files = detection_plots(answers, ctx.out)
        cfg = verify_config_of(ctx, self.task)
        name, judged = fitted_key_of(cfg) if cfg is not None else ("n/a", False)
        notes = [
            f"Verifier fusion model: {name}{'+judge' if judged else ''}; flag threshold {t:.3f}.",
            "Label 1 = hallucinated. Scores are oriented so that higher = supported; AUROC is for "
            "detecting the hallucinated answer. A single signal below 0.5 points the other way.",
        ]
        if self.task == "qa":
            matched = [
                r for r in all_rows if abs(r["answers"][0]["words"] - r["answers"][1]["words"]) <= 1
            ]
            matched_answers = [a for r in matched for a in r["answers"]]
            if matched_answers:
                lm = detection_tables(matched_answers, t)
                out["detection (length-matched pairs)"] = lm["detection"]
                out["pairs"]["length_matched_rows"] = len(matched)
                out["pairs"]["length_matched_pairwise_accuracy"] = pairwise_accuracy(matched)
                plot_files.append(
                    plots.roc(
                        ctx.out / "roc-length-matched.png",
                        np.array([a["label"] for a in matched_answers]),
                        {"verifier": 1 - np.array([a["probability"] for a in matched_answers])},
                    )
                )
            notes.append(
                "Length-matched pairs: every held-out row whose two answers differ by at most one "
                "word (scored in addition to the sample; the main table covers the sample only)."
            )
        return Summary(out, plot_files, scorer_models(ctx), notes)


def pairwise_accuracy(rows: list[dict[str, Any]]) -> float:
    """Share of rows where the right answer gets a higher probability than the hallucinated one."""
    wins = []
    for r in rows:
        by_label = {a["label"]: a["probability"] for a in r["answers"]}
        if set(by_label) == {0, 1}:
            wins.append(
                1.0 if by_label[0] > by_label[1] else 0.5 if by_label[0] == by_label[1] else 0.0
            )
    return float(np.mean(wins)) if wins else float("nan")
