"""The figures of `ragassist eval detect`, from its rows (detect_metrics.py does the arithmetic).

The method the detector ships with is chosen by training AUROC, its calibration and thresholds
are fitted on the training texts, and everything is then reported on the held-out texts.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np

from ..detect.lm import LARGE, SMALL
from . import detect_data, metrics, plots
from .detect_metrics import (
    Scored,
    as_written,
    auroc_by_length,
    figures,
    fit_logistic,
    matched_pairs,
    method_names,
    thresholds,
)
from .runner import RunContext, Summary

log = logging.getLogger(__name__)

MIN_TOKENS = 24  # scored tokens below which the detector says "too short to tell" (see notes)
PREFERENCE = (
    "binoculars 0.5B/1.5B",
    "binoculars 1.5B/0.5B",
    "fast-detectgpt 1.5B (0.5B samples)",
    "fast-detectgpt 1.5B",
    "fast-detectgpt 0.5B",
    "perplexity 1.5B",
    "perplexity 0.5B",
)
PILOT_BELOW = 50  # texts per class under which the calibration's warning says it is a pilot
LENGTHS = (8, 16, 24, 32, 48, 64, 96, 127)
DATA_NAME = (
    "held-out HaluEval texts (Wikipedia passages, CNN/DailyMail news, OpenDialKG dialogues, "
    "ChatGPT summaries and replies), Python reference topics, and continuations by Qwen2.5-0.5B "
    "and SmolLM2-135M"
)


def _table(items: list[Scored], cuts: dict[str, dict[float, float]] | None) -> dict[str, Any]:
    return {m: figures(items, m, None if cuts is None else cuts[m]) for m in method_names()}


def _by_source(items: list[Scored], method: str, cut: dict[float, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for src in detect_data.MACHINE + detect_data.HUMAN:
        own = [s for s in items if s.source == src]
        partners = {id(s.row) for s in own}
        # a source against the texts it was paired with (each pair is length-matched)
        pairs = [
            s for s in items if s.source == src or (s.partner == src and id(s.row) not in partners)
        ]
        if own:
            out[src] = figures(pairs, method, cut)
    return out


def summarize(rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
    """Choose and fit on training rows, report on held-out rows."""
    train_rows = [r for r in rows if r["split"] == "train"]
    eval_rows = [r for r in rows if r["split"] == "heldout"]
    train = matched_pairs(train_rows, MIN_TOKENS, seed=ctx.options.seed)
    held = matched_pairs(eval_rows, MIN_TOKENS, seed=ctx.options.seed)
    cuts = {m: thresholds(train, m) for m in method_names()}
    train_table = _table(train, None)
    # ties (likely on a small training split) go to the first listed: Binoculars, the pick
    candidates = [m for m in PREFERENCE if m in train_table]
    best = max(candidates, key=lambda m: np.nan_to_num(train_table[m]["auroc"], nan=0.0))
    a, b = fit_logistic(train, best) if len({s.label for s in train}) == 2 else (1.0, 0.0)
    y = np.array([s.label for s in held])
    p = 1 / (1 + np.exp(-(a * np.array([s.score(best) for s in held]) + b)))
    scorer = [s for s in held if s.label == 0 or s.source in detect_data.SCORER_WRITTEN]
    other = [s for s in held if s.label == 0 or s.source not in detect_data.SCORER_WRITTEN]
    out: dict[str, Any] = {
        "texts": {
            "heldout rows": len(eval_rows),
            "training rows": len(train_rows),
            "heldout length-matched texts": len(held),
            "training length-matched texts": len(train),
            "median scored tokens (heldout matched)": float(np.median([s.k for s in held]))
            if held
            else 0,
        },
        "chosen on training": {"method": best, "training auroc": train_table[best]["auroc"]},
        "detection (held out, length-matched; thresholds from training)": _table(held, cuts),
        "detection (held out, length-matched; the evaluation's own ROC)": _table(held, None),
        "detection (held out, as written: lengths differ)": _table(
            as_written(eval_rows, MIN_TOKENS), cuts
        ),
        f"per source ({best})": _by_source(held, best, cuts[best]),
        f"scorer-written vs not ({best})": {
            "Qwen 0.5B continuations (a scorer)": figures(scorer, best, cuts[best]),
            "ChatGPT and SmolLM2 (not scorers)": figures(other, best, cuts[best]),
        },
        f"auroc by length ({best}, held out)": auroc_by_length(held, best, LENGTHS),
        f"auroc by length ({best}, training)": auroc_by_length(train, best, LENGTHS),
        "calibration (held out)": {
            "ece": metrics.expected_calibration_error(y, p) if held else float("nan"),
            "auroc of the probability": metrics.auroc(y, p) if held else float("nan"),
        },
        # as the machine allowed during the run (often shared); bench/detect.py times it alone
        "speed (this run, whatever else the machine was doing)": {
            "median seconds to score a text": float(np.median([r["score_seconds"] for r in rows])),
            "median tokens": float(np.median([r["tokens"] for r in rows])),
        },
    }
    write_calibration(ctx, best, (a, b), cuts[best], train_table[best]["auroc"], out)
    plot_files = []
    if held:
        shown = [
            "length (tokens)",
            "perplexity 0.5B",
            "binoculars 0.5B/1.5B",
            "binoculars 1.5B/0.5B",
            best,
        ]
        plot_files.append(
            plots.roc(
                ctx.out / "roc.png",
                y,
                {m: np.array([s.score(m) for s in held]) for m in dict.fromkeys(shown)},
                title="Machine vs human text, held out, length-matched",
            )
        )
        plot_files.append(plots.reliability_diagram(ctx.out / "reliability.png", y, p))
    notes = [
        f"Scorers: {SMALL} and {LARGE} (int8 ONNX exports, all-position logits). Binoculars a/b = "
        "log-perplexity under a over the cross-entropy of b's predictions scored by a.",
        "Length-matched: each machine text is paired with a human text of the same split (human "
        "sources in turn, a human text reused when a source runs out) and both are cut to the "
        f"shorter one's tokens; pairs under {MIN_TOKENS} scored tokens are left out.",
        "Thresholds for 1% / 5% false positives are the training human texts' quantiles; the "
        "`fpr` columns give the false-positive rate they actually had on held-out texts. With "
        "about a hundred human texts a 1% FPR rests on one or two texts: read it as rough.",
        f"ChatGPT texts under {detect_data.MIN_MACHINE_WORDS} words are left out (HaluEval-QA's "
        "hallucinated answers, median 9 words, are all below the detector's minimum).",
        "calibration.json beside this report is what the detector ships (ragassist/detect/).",
    ]
    return Summary(out, plot_files, {"scorers": {"name": f"{SMALL} + {LARGE}"}}, notes)


def write_calibration(
    ctx: RunContext,
    method: str,
    ab: tuple[float, float],
    cut: dict[float, float],
    train_auroc: float,
    out: dict[str, Any],
) -> None:
    """calibration.json in the run folder: what the Detector needs, and what it rests on."""
    held = out["detection (held out, length-matched; thresholds from training)"][method]
    n_machine, n_human = (int(x) for x in str(held["n"]).split("+"))
    pilot = min(n_machine, n_human) < PILOT_BELOW
    data = {
        "method": method,
        "logistic": list(ab),
        "min_tokens": MIN_TOKENS + 1,  # tokens of text: the first token is never scored
        "window_tokens": 128,
        "thresholds": {f"fpr {round(f * 100)}%": v for f, v in cut.items()},
        "training_auroc": train_auroc,
        "heldout": held,
        "warning": (
            (
                f"A PILOT calibration: fitted on {out['texts']['training length-matched texts']} "
                f"training texts and checked on {held['n']} (machine+human) held-out ones "
                f"({DATA_NAME}): far too few to trust any figure. "
                if pilot
                else f"Measured on {DATA_NAME}: AUROC {held['auroc']:.2f} on {held['n']} "
                f"(machine+human) held-out texts of {MIN_TOKENS}-127 tokens; at a 5% "
                f"false-positive target {held.get('tpr@5%fpr', float('nan')):.0%} of machine "
                "texts were caught. Other kinds of text and other models can score differently. "
            )
            + "It is a measurement, not proof: never use it alone to accuse anyone."
        ),
    }
    (ctx.out / "calibration.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
