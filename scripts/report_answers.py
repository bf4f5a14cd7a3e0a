"""What users got from end-to-end `ragassist eval` runs: right answers, declines, and the verifier.

    python scripts/report_answers.py RUN... [--labels ID=JSONL] [--out FILE.json] [--same-questions]

Each RUN is a `rag-halueval` or `rag-corpus` output folder made with the default settings (the
answer judge on). Two views:
- what is shown: gold contained in the shown answer (declines count as not right), token-F1,
  median words, declines of answerable and unanswerable questions, readings the answer judge
  showed instead of the generator's answer and how many of them were right;
- the verifier on the generator's own answers (the draft, before the judge's reading replaced
  or declined it): AUROC of its support, wrong answers flagged and right ones flagged at the
  fitted threshold. --labels RUN=FILE relabels drafts by hand (eval/labels rows {"id", "right"})
  where the draft is the answer those labels were made for (same id, same text).
--shown-labels FILE relabels shown answers by hand (rows {"id", "answer", "right"}, each read
beside its gold answer) where the shown answer is that very text; the others keep containment.
Runs in seconds; nothing is fitted here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ragassist.evaluation import metrics
from ragassist.verification.fusion import model_for


def draft_of(row: dict[str, Any]) -> tuple[str, float | None]:
    """The generator's answer and its support ('' when it declined or no generation ran)."""
    if row.get("draft"):
        text, support = row["draft"], row.get("draft_support")
    elif not row["abstained"]:
        text, support = row["answer"], row.get("support")
    else:
        return "", None
    return ("", None) if support is None else (text, support)


def shown_figures(
    rows: list[dict[str, Any]], shown_labels: dict[tuple[str, str], int] | None = None
) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    readings = [r for r in rows if r.get("draft") and not r["abstained"]]
    out: dict[str, Any] = {"questions": len(rows)}
    if answerable:
        spoken = [r for r in answerable if not r["abstained"]]
        out |= {
            "answerable": len(answerable),
            "gold contained (shown answer)": _mean(bool(r["gold_contained"]) for r in answerable),
            "gold contained (generator's answer)": _mean(
                bool(draft_of(r)[0]) and bool(metrics.gold_contained(draft_of(r)[0], r["golds"]))
                for r in answerable
            ),
            "token F1 (shown answers)": _mean(r["token_f1"] or 0.0 for r in spoken),
            "median words (shown answers)": float(
                np.median([len(r["answer"].split()) for r in spoken])
            )
            if spoken
            else None,
            "declined (answerable)": _mean(r["abstained"] for r in answerable),
        }
        if shown_labels is not None:
            keys = [(r["id"], r["answer"]) for r in spoken]
            out["right (shown answer, hand labels where read)"] = sum(
                shown_labels.get(k, bool(r["gold_contained"]))
                for k, r in zip(keys, spoken, strict=True)
            ) / len(answerable)
            out["hand labels used"] = sum(k in shown_labels for k in keys)
    if unanswerable:
        out["unanswerable"] = len(unanswerable)
        out["declined (unanswerable)"] = _mean(r["abstained"] for r in unanswerable)
    out["judge's readings shown"] = len(readings)
    out["... of them right"] = sum(bool(r["gold_contained"]) for r in readings)
    judged = [r["judge"] for r in rows if r.get("judge")]
    out["answers judged"] = len(judged)
    out["seconds a question (median)"] = float(np.median([r["seconds"] for r in rows]))
    return out


def verifier_figures(rows: list[dict[str, Any]], labels: dict[str, int] | None) -> dict[str, Any]:
    """The fitted threshold against the generator's answers (answerable questions only)."""
    model = model_for("answers+answer-judge", False)
    y, scores, relabelled = [], [], 0
    for r in rows:
        text, support = draft_of(r)
        if not text or not r["answerable"]:
            continue
        right = int(bool(metrics.gold_contained(text, r["golds"])))
        if labels is not None and r["id"] in labels and text == labels[r["id"]][1]:
            right, relabelled = labels[r["id"]][0], relabelled + 1
        y.append(right)
        scores.append(support)
    y_arr, s = np.array(y), np.array(scores, float)
    flagged = s < model.threshold
    return {
        "generator answers": len(y),
        "right": int(y_arr.sum()),
        "hand labels used": relabelled,
        "auroc": metrics.auroc(y_arr, s),
        "wrong flagged": float(flagged[y_arr == 0].mean()),
        "right flagged": float(flagged[y_arr == 1].mean()),
        "threshold": model.threshold,
    }


def hand_labels(spec: str) -> tuple[str, dict[str, tuple[int, str]]]:
    """RUN=LABELS[:OLD_RUN]: labels of OLD_RUN's answers (by id), with the answer they judged."""
    run, _, rest = spec.partition("=")
    labels_file, _, old_run = rest.partition(":")
    answers = {}
    for line in (Path(old_run) / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        answers[row["id"]] = row["answer"]
    out = {}
    for line in Path(labels_file).read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out[item["id"]] = (int(item["right"]), answers.get(item["id"], ""))
    return run, out


def read_shown_labels(path: Path) -> dict[tuple[str, str], int]:
    """(question id, answer shown) -> 1 (right) or 0, from a JSONL of hand labels of shown answers."""
    items = map(json.loads, path.read_text(encoding="utf-8").splitlines())
    return {(i["id"], i["answer"]): int(i["right"]) for i in items}


def _mean(values: Any) -> float:
    values = [float(v) for v in values]
    return float(np.mean(values)) if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument(
        "--labels",
        action="append",
        default=[],
        help="RUN=LABELS.jsonl:OLD_RUN: hand labels made for OLD_RUN's answers",
    )
    ap.add_argument("--shown-labels", type=Path, help="hand labels of shown answers (JSONL)")
    ap.add_argument("--out", type=Path)
    ap.add_argument(
        "--same-questions",
        action="store_true",
        help="score every run on the questions all of them answered (to pair a stopped run)",
    )
    args = ap.parse_args()
    labels = dict(hand_labels(spec) for spec in args.labels)
    runs = {
        run: [json.loads(x) for x in (run / "results.jsonl").read_text().splitlines()]
        for run in args.runs
    }
    if args.same_questions:
        shared = set.intersection(*({r["id"] for r in rows} for rows in runs.values()))
        runs = {run: [r for r in rows if r["id"] in shared] for run, rows in runs.items()}
    shown_labels = read_shown_labels(args.shown_labels) if args.shown_labels else None
    report = {}
    for run, rows in runs.items():
        rows = [r for r in rows if "answer" in r]
        report[str(run)] = {
            "shown": shown_figures(rows, shown_labels),
            "verifier (containment labels)": verifier_figures(rows, None),
        }
        if str(run) in labels:
            report[str(run)]["verifier (hand labels)"] = verifier_figures(rows, labels[str(run)])
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
