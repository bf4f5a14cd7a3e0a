"""Detection suites: does the verifier tell supported answers from hallucinated ones?

`verify-file` scores a user's JSONL of {context, answer[, label]} rows; `halueval-*` (halueval_suite.py)
score the right and the hallucinated answer of each held-out HaluEval row. Every answer is also scored by
the length-only and word-coverage baselines, and each verifier signal is reported on its own.
Convention in rows and metrics: label 1 = hallucinated; scores are support scores (higher =
supported), so detection uses their negation.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from . import metrics, plots
from .jsonl import json_objects
from .runner import ItemScorer, Plan, RunContext, Summary, file_sha256, sample_indices
from .scorers import (
    AnswerScorer,
    VerifierScorer,
    baseline_scores,
    flag_threshold,
    make_verifier,
    verifier_identity,
)

log = logging.getLogger(__name__)

DETECTION_SECTIONS = ("embed", "verify")  # the config sections a detection run depends on
_TRUE = {True, "1", "true", "yes", "hallucinated"}
_FALSE = {False, "0", "false", "no", "supported"}


def verify_config_of(ctx: RunContext, profile: str | None = None) -> Any:
    """The run's VerifyConfig, with the fusion profile of a HaluEval task when given."""
    section = getattr(ctx.config, "verify", None)
    if section is not None and profile is not None:
        section = dataclasses.replace(section, profile=fitted_profile(profile))
    return section


def fitted_profile(task: str) -> str:
    """The task's own fusion profile when one is fitted, else 'general'."""
    from ..verification.fusion import FUSION_PATH, load_models

    fitted = load_models(FUSION_PATH) if FUSION_PATH.exists() else {}
    return task if task in fitted or f"{task}+judge" in fitted else "general"


def threshold_of(ctx: RunContext, profile: str | None = None) -> float:
    """The flagging threshold of the scorer under test (0.5 for an injected scorer)."""
    if ctx.extras.get("scorer") is not None:
        return 0.5
    return flag_threshold(verify_config_of(ctx, profile))


def scorer_of(ctx: RunContext) -> AnswerScorer:
    """The scorer under test: an injected one (tests, API users) or the project's verifier."""
    injected = ctx.extras.get("scorer")
    if injected is not None:
        return injected
    scorer = VerifierScorer(make_verifier(verify_config_of(ctx), ctx.extras.get("embedder")))
    scorer.score("Paris is in France.", "Paris is the capital of France.")  # load models now
    return scorer


def scorer_identity(ctx: RunContext) -> dict[str, Any]:
    """Names the scorer without loading it, for the run identity."""
    injected = ctx.extras.get("scorer")
    return {"scorer": injected.name} if injected is not None else verifier_identity(None)


def scorer_models(ctx: RunContext) -> dict[str, Any]:
    """The models behind the scores, for the report (the registry adds sha256 pins)."""
    injected = ctx.extras.get("scorer")
    if injected is not None:
        return {"verifier": injected.name}
    section = verify_config_of(ctx)
    out: dict[str, Any] = {"verifier": VerifierScorer.name, "embedder": ctx.config.embed.model}
    if section is not None and section.judge:
        out["judge"] = section.judge_model
    return out


def score_answer(scorer: AnswerScorer, answer: str, context: str, question: str) -> dict[str, Any]:
    """Every score of one answer: the verifier's probability and signals, and the baselines."""
    scored = scorer.score(answer, context, question)
    return {
        "words": len(answer.split()),
        "probability": scored.probability,
        "signals": scored.signals,
        "baselines": baseline_scores(answer, context),
    }


def parse_label(value: Any, where: str) -> int:
    """A label meaning 'hallucinated' (1/true/yes) or 'supported' (0/false/no)."""
    if not isinstance(value, str | int | float | None):  # a list or an object: unhashable
        raise InputError(
            f"{where}: label given as {value!r} must be 1/true/yes/hallucinated or 0/false/no/supported"
        )
    key = value.strip().lower() if isinstance(value, str) else value
    if key in _TRUE:
        return 1
    if key in _FALSE:
        return 0
    raise InputError(
        f"{where}: label given as {value!r} must be 1/true/yes/hallucinated or 0/false/no/supported"
    )


def read_verify_file(path: Path) -> list[dict[str, Any]]:
    """The rows of a verify-file JSONL; a bad row names its line number and the missing field."""
    rows: list[dict[str, Any]] = []
    for number, where, data in json_objects(path, "--file", "fields context and answer"):
        for name in ("context", "answer"):
            if not isinstance(data.get(name), str) or not data[name].strip():
                raise InputError(f"{where} is missing the field {name!r} (a non-empty string)")
        row = {
            "id": f"line-{number}",
            "context": data["context"],
            "answer": data["answer"],
            "question": str(data.get("question", "")),
        }
        if "label" in data:
            row["label"] = parse_label(data["label"], where)
        rows.append(row)
    if not rows:
        raise InputError(f"{path} holds no rows; each line must be a JSON object")
    labelled = sum("label" in r for r in rows)
    if 0 < labelled < len(rows):
        raise InputError(f"{path}: {labelled} of {len(rows)} rows have a label; label all or none")
    return rows


class VerifyFileSuite:
    """Score a user's (context, answer[, label]) JSONL with the verifier."""

    name = "verify-file"
    summary = "your JSONL of {context, answer[, label]} rows"
    default_n: int | None = None
    config_sections = DETECTION_SECTIONS

    def plan(self, ctx: RunContext) -> Plan:
        if ctx.options.file is None:
            raise InputError("verify-file needs --file FILE, a JSONL of {context, answer[, label]}")
        rows = read_verify_file(ctx.options.file)
        chosen = sample_indices(len(rows), ctx.n, ctx.options.seed)
        identity = {"file": file_sha256(ctx.options.file), **scorer_identity(ctx)}
        return Plan([rows[i] for i in chosen], identity)

    def open(self, ctx: RunContext) -> ItemScorer:
        scorer = scorer_of(ctx)

        def score(item: dict[str, Any]) -> dict[str, Any]:
            answer = score_answer(scorer, item["answer"], item["context"], item["question"])
            if "label" in item:
                answer["label"] = item["label"]
            return {"answers": [answer]}

        return score

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        answers = [a for r in rows for a in r["answers"]]
        probs = np.array([a["probability"] for a in answers])
        t = threshold_of(ctx)
        out: dict[str, Any] = {
            "scores": {
                "answers": len(answers),
                "mean_probability": float(probs.mean()) if len(probs) else float("nan"),
                "flagged_rate": float(np.mean(probs < t)) if len(probs) else float("nan"),
                "threshold": t,
            }
        }
        notes = ["Rows carry no labels: only the score distribution is reported."]
        plot_files: list[str] = []
        if answers and "label" in answers[0]:
            out |= detection_tables(answers, t)
            plot_files = detection_plots(answers, ctx.out)
            notes = []
        return Summary(out, plot_files, scorer_models(ctx), notes)


def detection_tables(answers: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Verifier, baselines and single signals side by side: one table of detection figures."""
    y = np.array([a["label"] for a in answers])
    p = np.array([a["probability"] for a in answers])
    table: dict[str, dict[str, float]] = {}
    verifier = metrics.detection_metrics(y, 1 - p, probabilities=True)
    verifier |= {
        k: v
        for k, v in metrics.confusion_at(y, (p < threshold).astype(float), 0.5).items()
        if k in ("accuracy", "f1")
    }
    table["verifier"] = verifier
    for name in answers[0]["baselines"]:
        table[f"baseline: {name}"] = metrics.detection_metrics(
            y, [-a["baselines"][name] for a in answers]
        )
    signal_names = sorted({k for a in answers for k in a["signals"]})
    for name in signal_names:
        values = [-a["signals"].get(name, 0.0) for a in answers]
        table[f"signal: {name}"] = metrics.detection_metrics(y, values)
    return {
        "detection": table,
        "curves": {"reliability": metrics.reliability(y, 1 - p)},
    }


def detection_plots(answers: list[dict[str, Any]], out: Path, prefix: str = "") -> list[str]:
    """ROC of every scorer, reliability diagram and score histograms of the verifier."""
    y = np.array([a["label"] for a in answers])
    p = np.array([a["probability"] for a in answers])
    hallucination_scores = {"verifier": 1 - p} | {
        name: -np.array([a["baselines"][name] for a in answers]) for name in answers[0]["baselines"]
    }
    return [
        plots.roc(out / f"{prefix}roc.png", y, hallucination_scores),
        plots.reliability_diagram(out / f"{prefix}reliability.png", y, 1 - p),
        plots.score_histograms(out / f"{prefix}histograms.png", y, p),
    ]
