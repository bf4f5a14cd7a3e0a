"""Replay the decline rule of a fit on a recorded HaluEval-QA run: which questions it declines.

    python scripts/replay_decline.py REPORT_DIR [--fit fusion.json] [--out replay.json] [--shown-labels L.jsonl]

A run's results keep what the rule reads (the judge's "holds" log-odds, the retrieved sources,
the best passage's similarity); the span reader's margin is read again from the passages rebuilt
from the HaluEval rows the file names carry (as scripts/fit_answerable.py does). Run it with the
fit the run used first: every row should agree with the run's own declines. Then, with a new
fit, the rows it declines that the run answered are the change, exactly: a question the rule
answers keeps the run's answer, so only the newly declined ones differ (a question the run
declined and the new rule would answer needs a rerun; the script lists them). Prints the shares
declined and the gold contained before and after, and right by hand with --shown-labels (read
as scripts/report_answers.py reads them). Two minutes for 300 questions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fit_answer_judge import KEY
from judge_answers import hits_of
from report_answers import read_shown_labels

from ragassist.evaluation import halueval
from ragassist.verification import fusion
from ragassist.verification.answerable import answerable_signals
from ragassist.verification.span_reader import SpanReader


def replay(rows: list[dict[str, Any]], fit_path: Path) -> dict[str, bool | None]:
    """Each row's decline under the fit's rule (None: the run did not judge it, e.g. no passage)."""
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    fit = fusion.load_models(fit_path)[KEY]
    weight = float(fit.meta["holds_reader_weight"])
    rule = fusion.from_dict(fit.meta["answerable"])
    reader = SpanReader()
    out: dict[str, bool | None] = {}
    for r in rows:
        judged = r.get("judge") or {}
        if "judge_holds_logit" not in judged:
            out[r["id"]] = None
            continue
        passages = [h.chunk.text for h in hits_of(r["sources"], knowledge)]
        margin = reader.read(r["question"], passages).margin
        holds = judged["judge_holds_logit"] + weight * margin
        sig = answerable_signals(holds, r["question"], passages, float(r["best_relevance"] or 0))
        out[r["id"]] = rule.probability(sig) < rule.threshold
    return out


def summary(rows: list[dict[str, Any]], declined: dict[str, bool], labels: dict) -> dict[str, Any]:
    """Shares declined (answerable, unanswerable), gold contained and right by hand."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    kept = [r for r in ans if not declined[r["id"]]]
    out: dict[str, Any] = {
        "answerable declined": f"{sum(declined[r['id']] for r in ans)} of {len(ans)}",
        "unanswerable declined": f"{sum(declined[r['id']] for r in una)} of {len(una)}",
        "gold contained": round(sum(r["gold_contained"] or 0 for r in kept) / max(len(ans), 1), 3),
    }
    if labels:
        right = [labels.get((r["id"], r["answer"]), bool(r["gold_contained"])) for r in kept]
        out["right by hand"] = round(sum(right) / max(len(ans), 1), 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--fit", type=Path, default=fusion.FUSION_PATH, help="the fusion fit to read")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shown-labels", type=Path, help="hand labels of shown answers (JSONL)")
    args = ap.parse_args()
    rows = [json.loads(x) for x in (args.report / "results.jsonl").open()]
    new = replay(rows, args.fit)
    before = {r["id"]: bool(r["abstained"]) for r in rows}
    after = {i: before[i] if d is None else d for i, d in new.items()}
    labels = read_shown_labels(args.shown_labels) if args.shown_labels else {}
    report = {
        "run": str(args.report),
        "rows": len(rows),
        "run's declines": summary(rows, before, labels),
        "the fit's rule": summary(rows, after, labels),
        "newly declined": [i for i in after if after[i] and not before[i]],
        "declined by the run, answered by the fit's rule (rerun these)": [
            i for i in after if before[i] and not after[i]
        ],
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
