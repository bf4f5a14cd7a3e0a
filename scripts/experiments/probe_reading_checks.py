"""Can a second model tell the answer judge's right readings from its wrong ones?

    python scripts/experiments/probe_reading_checks.py OUT.jsonl [--small]
    python scripts/experiments/probe_reading_checks.py --report OUT.jsonl

A reading the judge shows instead of the draft gets one fixed probability today (the share of
shown training readings that were right), so it is always "not sure". Training rows only: the
1.5B's readings of judge-train-v5.jsonl (answers-train2's answerable questions), each scored on
the evidence the judge read by the span reader (its span score of the reading) and, with
--small, by the 0.5B generator asked the judge's yes/no check of it (the 0.5B never wrote it).
--report gives each signal's AUROC against gold containment. --heldout RUN replays the span
score on the readings a held-out run showed (its evidence rebuilt from the run's own index, as the
judge chose it), for reporting only, against the hand labels where read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from ragassist.config import GenerateConfig  # noqa: E402
from ragassist.evaluation.metrics import gold_contained  # noqa: E402
from ragassist.verification.answer_judge import AnswerJudge, answer_tokens  # noqa: E402
from ragassist.verification.span_reader import SpanReader, span_score  # noqa: E402

SIGNALS = ("span", "small_yes", "holds", "draft_yes", "agreement")


def run(out: Path, small: bool) -> None:
    results = {
        (r := json.loads(x))["id"]: r
        for x in (ROOT / "eval/fit/answers-train2/results.jsonl").open()
    }
    judged = [json.loads(x) for x in (ROOT / "eval/fit/answer-judge/judge-train-v5.jsonl").open()]
    checker = (
        AnswerJudge(GenerateConfig(model="qwen2.5-0.5b", max_new_tokens=32)) if small else None
    )
    reader = SpanReader()
    with out.open("w", encoding="utf-8") as f:
        for j in judged:
            r = results[j["id"]]
            question, evidence, reading = r["question"], j["evidence"], j["own_answer"]
            if not r["answerable"] or not answer_tokens(reading):
                continue
            row = {
                "id": j["id"],
                "right": gold_contained(reading, r["golds"]),
                "span": span_score(reader.read(question, [evidence]), reading),
                "small_yes": checker.check(question, reading, evidence) if checker else None,
                "holds": j["holds_logit"],
                "draft_yes": j["yes_logit"],
                "agreement": j["agreement"],
            }
            f.write(json.dumps(row) + "\n")
            f.flush()


def heldout(run: Path, out: Path) -> None:
    import dataclasses

    from ragassist import Assistant, Config
    from ragassist.verification.answer_judge import judge_evidence

    config = Config.load()
    assistant = Assistant(dataclasses.replace(config, index_dir=run / "index"))
    labels = {
        ((x := json.loads(line))["id"], x["answer"]): x["right"]
        for line in (ROOT / "eval/labels/rag-halueval-judge.jsonl").open()
    }
    reader = SpanReader()
    with out.open("w", encoding="utf-8") as f:
        for line in (run / "results.jsonl").open():
            r = json.loads(line)
            if r["abstained"] or not r.get("draft"):  # only the readings shown instead
                continue
            hits = assistant.search(r["question"])
            evidence = judge_evidence(
                r["question"], hits, assistant.embedder, config.verify.answer_judge_chars
            )
            row = {
                "id": r["id"],
                "right": labels.get((r["id"], r["answer"]), int(r["gold_contained"])),
                "span": span_score(reader.read(r["question"], [evidence]), r["answer"]),
                "holds": r["judge"]["judge_holds_logit"],
            }
            f.write(json.dumps(row) + "\n")


def report(path: Path) -> None:
    from sklearn.metrics import roc_auc_score

    rows = [json.loads(x) for x in path.open()]
    print(
        f"{len(rows)} readings, {np.mean([r['right'] for r in rows]):.3f} right (the rows' labels)"
    )
    print("| signal | AUROC |\n|---|---|")
    for key in SIGNALS:
        kept = [r for r in rows if r.get(key) is not None]
        if kept:
            auroc = roc_auc_score([r["right"] for r in kept], [r[key] for r in kept])
            print(f"| {key} ({len(kept)}) | {auroc:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--small", action="store_true", help="also the 0.5B's yes/no check")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--heldout", type=Path, help="a held-out run folder: replay its readings")
    args = ap.parse_args()
    if args.report:
        report(args.out)
    elif args.heldout:
        heldout(args.heldout, args.out)
    else:
        run(args.out, args.small)


if __name__ == "__main__":
    main()
