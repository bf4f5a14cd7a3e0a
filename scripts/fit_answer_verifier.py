"""Fit and evaluate the verifier on the assistant's OWN answers: the `answers` fusion profile.

    python scripts/fit_answer_verifier.py --train RUN [RUN ...] [--heldout RUN] [--report DIR] [--write]

A RUN is the output folder of `ragassist eval rag-halueval` or `rag-corpus`: its results.jsonl
keeps every claim's signals (lexical, evidence similarity, the generator's token log-probabilities,
retrieval similarity) and whether the answer contains the gold answer. The model is fitted on
--train only (questions from HaluEval-QA training rows: scripts/halueval_questions.py); --heldout
(`rag-halueval`, rows 8000-9999) is re-scored offline from its stored signals, never fitted on.
Training runs may include questions whose passage is not in the corpus (halueval_questions.py
--unanswerable): what the assistant writes then is what a grounding check must catch;
--heldout-unanswerable reports how many such answers each model flags.

An answer's support is its weakest claim's probability; it is flagged below the threshold, which
is chosen on --train so that at most 10% of the right answers there are flagged.

Reads the runs' results.jsonl (never generates), --train-questions and --heldout-labels; writes
--report DIR (report.md, report.json, ROC plots) and, with --write only, the `answers` profile
into ragassist/verification/data/fusion.json. Takes about 6 s on 2 cores (the eval/README.md
command, measured; it reproduced eval/reports/own-answers/report.json).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ragassist.evaluation import halueval, metrics, plots
from ragassist.index.embed import get_embedder
from ragassist.verification.fusion import (
    FUSION_PATH,
    FusionModel,
    fit,
    load_models,
    model_for,
    save_models,
)
from ragassist.verification.signals import is_invented

log = logging.getLogger("fit_answer_verifier")

BASE = "general"  # the judge-free claim model whose log-odds the answers profile builds on
CANDIDATES: dict[str, tuple[str, ...]] = {  # chosen between by cross-validation on --train only
    "evidence only": ("cheap_logit",),
    "evidence + generator": ("cheap_logit", "generator_logprob", "generator_min_logprob"),
    "evidence + generator + retrieval": (
        "cheap_logit",
        "generator_logprob",
        "generator_min_logprob",
        "retrieval_similarity",
    ),
    "evidence + generator + retrieval + question": (
        "cheap_logit",
        "generator_logprob",
        "generator_min_logprob",
        "retrieval_similarity",
        "question_similarity",
    ),
    "generator + retrieval + question": (
        "generator_logprob",
        "generator_min_logprob",
        "retrieval_similarity",
        "question_similarity",
    ),
}
FLAG_RIGHT = 0.10  # share of right answers the threshold may flag (on --train)
SUPPORTED_WRONG = 0.10  # share of wrong training answers allowed in the 'supported' band


def question_of(row: dict[str, Any], questions: list[str] | None) -> str:
    """The question a result row answered (older rows only carry its id)."""
    if "question" in row:
        return str(row["question"])
    kind, _, number = row["id"].partition("-")
    if kind == "qa":  # rag-halueval: the HaluEval-QA row number
        return halueval.load_rows("qa")[int(number)]["question"]
    if questions is None:
        raise SystemExit(f"row {row['id']} has no question: pass the run's question file")
    return questions[int(number) - 1]  # rag-corpus: line-N of the question file


def load_answers(run: Path, questions_file: Path | None = None) -> list[dict[str, Any]]:
    """Answered (not abstained), verified rows, each claim's signals completed for the fusion.

    Signals added after a run was made (retrieval and question similarity) are computed here
    the way the verifier computes them.
    """
    base = model_for(BASE, False)
    questions = None
    if questions_file is not None:
        questions = [json.loads(x)["question"] for x in questions_file.read_text().splitlines()]
    embedder = get_embedder()
    out = []
    for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "answer" not in row or row["abstained"] or not row.get("verdicts"):
            continue
        claims = [dict(v["signals"]) for v in row["verdicts"]]
        if any("question_similarity" not in c for c in claims):
            vecs = embedder.embed(
                [question_of(row, questions)] + [v["claim"] for v in row["verdicts"]]
            )
            for c, vec in zip(claims, vecs[1:], strict=True):
                c["question_similarity"] = float(vec @ vecs[0])
        for sig in claims:
            sig.setdefault("retrieval_similarity", row.get("best_relevance", 0.0))
            sig["cheap_logit"] = base.logit(sig)
        out.append({"right": int(bool(row["gold_contained"])), "claims": claims, "row": row})
    return out


def answer_scores(model: FusionModel, answers: list[dict[str, Any]]) -> np.ndarray:
    """Each answer's support: the lowest probability among its claims."""
    return np.array([min(model.probability(c) for c in a["claims"]) for a in answers])


def fit_answers(answers: list[dict[str, Any]], features: tuple[str, ...], seed: int) -> FusionModel:
    """Claim-level fit, every claim labelled with its answer's correctness; threshold per answer."""
    rows = [c for a in answers for c in a["claims"]]
    labels = [a["right"] for a in answers for _ in a["claims"]]
    weights = [1.0 / len(a["claims"]) for a in answers for _ in a["claims"]]  # one vote an answer
    model = fit(rows, labels, features, seed=seed, weights=weights)
    scores = answer_scores(model, answers)
    y = np.array([a["right"] for a in answers])
    threshold = float(np.quantile(scores[y == 1], FLAG_RIGHT)) if (y == 1).any() else 0.5
    # 'supported' starts where at most SUPPORTED_WRONG of the wrong training answers score
    above = float(np.quantile(scores[y == 0], 1 - SUPPORTED_WRONG)) if (y == 0).any() else 0.5
    meta = {**model.meta, "supported_above": round(max(above, threshold), 6)}
    return replace(model, threshold=round(threshold, 6), meta=meta)


def cross_validated_auroc(
    answers: list[dict[str, Any]], features: tuple[str, ...], seed: int, folds: int = 5
) -> float:
    """AUROC of the support for right vs wrong answers, each answer scored by a model not fitted on it."""
    order = np.random.default_rng(seed).permutation(len(answers))
    scores = np.zeros(len(answers))
    for k in range(folds):
        test = order[k::folds]
        held = set(test.tolist())
        train = [answers[i] for i in order if i not in held]
        model = fit_answers(train, features, seed)
        scores[test] = answer_scores(model, [answers[i] for i in test])
    return metrics.auroc([a["right"] for a in answers], scores)


def invented(answers: list[dict[str, Any]]) -> np.ndarray:
    """Answers with a claim none of whose new words is in any passage: flagged whatever their
    support (verify.flag_invented). Runs made before that signal existed have none."""
    return np.array([any(is_invented(c) for c in a["claims"]) for a in answers], bool)


def flag_rates(answers: list[dict[str, Any]], scores: np.ndarray, threshold: float) -> dict:
    """How many wrong answers the assistant flags and how many right ones it lets pass."""
    right = np.array([a["right"] for a in answers]) == 1
    flagged = (scores < threshold) | invented(answers)
    at80 = float(np.quantile(scores[~right], 0.8)) if (~right).any() else float("nan")
    return {
        "answers": len(answers),
        "right": int(right.sum()),
        "wrong": int((~right).sum()),
        "wrong_flagged": float(flagged[~right].mean()) if (~right).any() else float("nan"),
        "right_flagged": float(flagged[right].mean()) if right.any() else float("nan"),
        # the trade-off the target asks about: flag 80% of the wrong answers, how many right?
        "right_flagged_at_80_wrong": float((scores[right] <= at80).mean())
        if right.any()
        else float("nan"),
    }


def evaluate(
    answers: list[dict[str, Any]], model: FusionModel, general: FusionModel
) -> dict[str, Any]:
    """The answers profile beside the claim model in use before it and single-signal baselines."""
    y = np.array([a["right"] for a in answers])
    support = answer_scores(model, answers)
    before = answer_scores(general, answers)
    singles = {
        "generator mean log-prob (min over claims)": np.array(
            [min(c.get("generator_logprob", 0.0) for c in a["claims"]) for a in answers]
        ),
        "evidence word coverage (min over claims)": np.array(
            [min(c["word_coverage"] for c in a["claims"]) for a in answers]
        ),
        "evidence sentence similarity (min over claims)": np.array(
            [min(c["sentence_similarity"] for c in a["claims"]) for a in answers]
        ),
        "question similarity (min over claims)": np.array(
            [min(c["question_similarity"] for c in a["claims"]) for a in answers]
        ),
        "retrieval similarity": np.array(
            [a["claims"][0].get("retrieval_similarity", 0.0) for a in answers]
        ),
        "shorter answer": -np.array([len(a["row"]["answer"].split()) for a in answers]),
    }
    out = {
        "answers profile": {
            "auroc": metrics.auroc(y, support),
            **flag_rates(answers, support, model.threshold),
            "threshold": model.threshold,
        },
        f"{BASE} profile": {
            "auroc": metrics.auroc(y, before),
            **flag_rates(answers, before, general.threshold),
            "threshold": general.threshold,
        },
    }
    out |= {name: {"auroc": metrics.auroc(y, s)} for name, s in singles.items()}
    out["answers profile"]["calibration_ece"] = metrics.expected_calibration_error(y, support)
    out["_scores"] = {"answers profile": support, f"{BASE} profile": before, **singles}
    return out


def fit_stacked(
    train: list[dict[str, Any]],
    candidates: dict[str, tuple[str, ...]],
    key: str,
    runs: list[Path],
    seed: int,
    chosen: str | None = None,
) -> tuple[FusionModel, dict[str, float], str]:
    """A model stacked on the `answers` profile: the candidate feature set with the best five-fold
    AUROC (or `chosen`), fitted on all of `train`; returns it, every candidate's AUROC, its name."""
    cv = {name: cross_validated_auroc(train, f, seed) for name, f in candidates.items()}
    best = chosen or max(cv, key=lambda name: cv[name])
    model = fit_answers(train, candidates[best], seed)
    meta = {
        **model.meta,
        "profile": key,
        "base": "answers",
        "base_feature": "answers_logit",
        "fitted_on": " ".join(str(r) for r in runs),
        "candidates_cv_auroc": {k: round(v, 4) for k, v in cv.items()},
        "chosen": best,
    }
    return replace(model, meta=meta), cv, best


def save_fit(
    report: dict[str, Any], folder: Path | None, key: str, model: FusionModel, write: bool
) -> None:
    """report.json into `folder` (when given) and, with `write`, the model into fusion.json."""
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if write:
        save_models({**load_models(FUSION_PATH), key: model}, FUSION_PATH)


def read_labels(path: Path) -> dict[str, int]:
    """answer id -> 1 (right) or 0, from a JSONL of hand-checked labels ({"id", "right", "note"})."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {item["id"]: int(item["right"]) for item in rows}


def read_by_hand(
    runs: Sequence[Path], folder: Path, answers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Training answers with the labels of the ones read by hand: folder/<run name>.jsonl lists
    ({"id", "right", "note"}) the answers of a run whose containment label was in doubt; the
    others keep their containment label. Answers carry their run in a["judge"]["run"]."""
    labels = {
        (str(run.resolve()), answer_id): right
        for run in runs
        if (folder / f"{run.name}.jsonl").exists()
        for answer_id, right in read_labels(folder / f"{run.name}.jsonl").items()
    }
    out = []
    for a in answers:
        key = (str(Path(a["judge"]["run"]).resolve()), a["row"]["id"])
        out.append({**a, "right": labels.get(key, a["right"])})
    return out


def hand_labels(path: Path, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers relabelled from a JSONL of hand-checked labels ({"id", "right", "note"})."""
    labels = read_labels(path)
    missing = [a["row"]["id"] for a in answers if a["row"]["id"] not in labels]
    if missing:
        raise SystemExit(f"{path} has no label for {len(missing)} answers, e.g. {missing[:3]}")
    return [{**a, "right": labels[a["row"]["id"]]} for a in answers]


def _table(figures: dict[str, Any]) -> list[str]:
    def cell(f: dict, key: str) -> str:
        return f"{f[key]:.3f}" if key in f else ""

    lines = [
        "| scorer | AUROC (right vs wrong) | wrong flagged | right flagged | threshold "
        "| right flagged when 80% of wrong are |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        lines.append(
            f"| {name} | {f['auroc']:.3f} | {cell(f, 'wrong_flagged')} | "
            f"{cell(f, 'right_flagged')} | {f.get('threshold', '')} | "
            f"{cell(f, 'right_flagged_at_80_wrong')} |"
        )
    return lines


def write_report(
    folder: Path, by_label: dict[str, dict[str, Any]], labels: dict[str, list[int]], meta: dict
) -> None:
    """report.json, report.md and a ROC plot per label set for the held-out evaluation."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {}
    for i, (label, figs) in enumerate(by_label.items()):
        scores = figs.pop("_scores")
        y_wrong = 1 - np.array(labels[label])
        plot = folder / ("roc.png" if i == 0 else "roc-hand.png")
        plots.roc(plot, y_wrong, {k: -np.asarray(v) for k, v in scores.items()})
        figures[label] = figs
    (folder / "report.json").write_text(
        json.dumps({"figures": figures, **meta}, indent=1) + "\n", encoding="utf-8"
    )
    lines = [
        "# The verifier on the assistant's own answers",
        "",
        f"Fitted on `{meta['train']}` ({meta['train_answers']} answers to HaluEval-QA training-row "
        f"questions); evaluated on `{meta['heldout']}` (held-out rows 8000-9999), re-scored from "
        "the stored signals. An answer is flagged when its weakest claim's support is below the "
        "threshold (chosen on the training answers to flag at most "
        f"{FLAG_RIGHT:.0%} of the right ones), or when a claim's new words are in no passage "
        "(`verify.flag_invented`; runs made before that rule carry no `invented_share` signal).",
        "",
        f"Features: {', '.join(meta['features'])} (chosen by 5-fold cross-validated AUROC on the "
        f"training answers: {meta['cv']}).",
        "",
        "## Right = the answer contains the gold answer",
        "",
        *_table(figures["contained"]),
        "",
        "![roc.png](roc.png)",
        "",
    ]
    if "hand-checked" in figures:
        n = len(labels["hand-checked"])
        changed = sum(
            a != b for a, b in zip(labels["contained"], labels["hand-checked"], strict=True)
        )
        lines += [
            "## Right = hand-checked against the gold answer",
            "",
            f"Every one of the {n} answers was read beside its gold answer "
            f"([{meta['heldout_labels']}](../../../{meta['heldout_labels']})); {changed} labels "
            "changed, each with a note: right answers that containment misses (a paraphrased "
            "name, a plural, 'yes' said as a sentence, text glued to the next sentence) and "
            "answers that contain the gold words but pick another option or list every option.",
            "",
            *_table(figures["hand-checked"]),
            "",
            "![roc-hand.png](roc-hand.png)",
            "",
        ]
    if meta.get("unanswerable"):
        u = meta["unanswerable"]
        lines += [
            "## Questions whose passage is not in the corpus",
            "",
            f"[{meta['heldout_unanswerable']}](../../../{meta['heldout_unanswerable']}): "
            f"{u['questions']} held-out questions asked against a corpus without their passage. "
            f"The assistant refused {u['abstained']:.1%} of them; it answered {u['answered']}, "
            f"{u['answered_with_the_gold_answer']} of those with the gold answer (found elsewhere).",
            "",
            "| scorer | answers without the gold answer flagged |",
            "|---|---|",
            *(
                f"| {k.split(':')[0]} | {v:.3f} |"
                for k, v in u.items()
                if k.endswith("wrong answers flagged")
            ),
            "",
        ]
    lines += [
        "The last column sets the threshold on these held-out answers themselves, to show the "
        "trade-off the target asks about (at least 80% of wrong answers flagged, at most 10% of "
        "right ones); it is not a threshold the assistant uses.",
        "",
        f"Reproduce: `{meta['command']}`",
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")


def unanswerable_figures(run: Path, models: dict[str, FusionModel]) -> dict[str, Any]:
    """Questions whose passage is not in the corpus: how many were refused, and of the answers
    that do not contain the gold answer (invented or off the point), how many each model flags."""
    rows = [json.loads(x) for x in (run / "results.jsonl").read_text().splitlines()]
    rows = [r for r in rows if "answer" in r]
    answers = load_answers(run)
    wrong = [a for a in answers if not a["right"]]
    out: dict[str, Any] = {
        "questions": len(rows),
        "abstained": sum(bool(r["abstained"]) for r in rows) / max(len(rows), 1),
        "answered": len(answers),
        "answered_with_the_gold_answer": sum(a["right"] for a in answers),
    }
    for name, model in models.items():
        flagged = (answer_scores(model, wrong) < model.threshold) | invented(wrong)
        out[f"{name}: wrong answers flagged"] = float(flagged.mean()) if wrong else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, nargs="+", required=True, help="runs to fit on")
    ap.add_argument("--train-questions", type=Path, help="question file of --train runs without")
    ap.add_argument("--heldout", type=Path)
    ap.add_argument("--heldout-labels", type=Path, help="hand-checked labels of --heldout (JSONL)")
    ap.add_argument(
        "--heldout-unanswerable", type=Path, help="a run of questions whose passage is missing"
    )
    ap.add_argument("--report", type=Path, help="write the held-out evaluation here")
    ap.add_argument("--write", action="store_true", help="save the model into fusion.json")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    train = [a for run in args.train for a in load_answers(run, args.train_questions)]
    log.info("train: %d answers, %d right", len(train), sum(a["right"] for a in train))
    cv = {name: cross_validated_auroc(train, f, args.seed) for name, f in CANDIDATES.items()}
    for name, value in cv.items():
        log.info("  5-fold AUROC %-45s %.3f", name, value)
    best = max(cv, key=lambda k: cv[k])
    features = CANDIDATES[best]
    model = fit_answers(train, features, args.seed)
    runs = " ".join(str(run) for run in args.train)
    meta = {"profile": "answers", "base": BASE, "fitted_on": runs, "cv_auroc": round(cv[best], 4)}
    model = replace(model, meta={**model.meta, **meta})
    log.info("chosen: %s, threshold %.4f", best, model.threshold)
    if args.write:
        save_models({**load_models(), "answers": model}, FUSION_PATH)
        log.info("saved profile 'answers' to %s", FUSION_PATH)
    if not args.heldout:
        return
    held = {"contained": load_answers(args.heldout)}
    if args.heldout_labels:
        held["hand-checked"] = hand_labels(args.heldout_labels, held["contained"])
    by_label = {label: evaluate(a, model, model_for(BASE, False)) for label, a in held.items()}
    for label, figures in by_label.items():
        for name, f in figures.items():
            if not name.startswith("_"):
                log.info("  %-13s %-45s %s", label, name, {k: round(v, 3) for k, v in f.items()})
    missing = None
    if args.heldout_unanswerable:
        missing = unanswerable_figures(
            args.heldout_unanswerable,
            {"answers profile": model, f"{BASE} profile": model_for(BASE, False)},
        )
        log.info("  unanswerable: %s", missing)
    if args.report:
        command = f"python scripts/fit_answer_verifier.py --train {runs} "
        if args.train_questions:
            command += f"--train-questions {args.train_questions} "
        command += f"--heldout {args.heldout} "
        if args.heldout_labels:
            command += f"--heldout-labels {args.heldout_labels} "
        if args.heldout_unanswerable:
            command += f"--heldout-unanswerable {args.heldout_unanswerable} "
        meta = {
            "train": runs,
            "heldout": str(args.heldout),
            "heldout_labels": str(args.heldout_labels or ""),
            "heldout_unanswerable": str(args.heldout_unanswerable or ""),
            "unanswerable": missing,
            "train_answers": len(train),
            "features": list(features),
            "cv": ", ".join(f"{k} {v:.3f}" for k, v in cv.items()),
            "seed": args.seed,
            "command": command + f"--report {args.report}",
        }
        labels = {k: [a["right"] for a in v] for k, v in held.items()}
        write_report(args.report, by_label, labels, meta)


if __name__ == "__main__":
    main()
