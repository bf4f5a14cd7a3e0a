"""Judge rows for held-out drafts, taken from an end-to-end run instead of judged again.

    python scripts/experiments/heldout_judge_rows.py JUDGED_RUN DRAFT_RUN --out rows.jsonl

JUDGED_RUN is an end-to-end `ragassist eval rag-halueval` run with the answer judge (each row's
`judge` field holds its signals on the generator's draft); DRAFT_RUN is the run of the same
questions without the judge, whose results carry the draft's cheap verifier signals. A row is
written, in scripts/judge_answers.py's format and naming DRAFT_RUN, only where the judged draft
is word for word DRAFT_RUN's answer, so that both sets of signals describe the same text; then
`scripts/fit_answer_judge.py --heldout DRAFT_RUN --heldout-judge rows.jsonl` evaluates on them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("judged", type=Path)
    ap.add_argument("drafts", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    judged = {r["id"]: r for r in map(json.loads, (args.judged / "results.jsonl").open())}
    written = 0
    with args.out.open("w", encoding="utf-8") as out:
        for d in map(json.loads, (args.drafts / "results.jsonl").open()):
            r = judged.get(d["id"])
            if d["abstained"] or not d.get("verdicts") or not r or not r.get("judge"):
                continue
            if (r["draft"] or r["answer"]).strip() != d["answer"].strip():
                continue
            j = r["judge"]
            row = {
                "run": str(args.drafts),
                "id": d["id"],
                "gold_contained": d["gold_contained"],
                "declined": False,
                "yes_logit": j["judge_yes_logit"],
                "holds_logit": j["judge_holds_logit"],
                "own_answer": j["own_answer"],
                "agreement": j["judge_agreement"],
                "seconds": 0.0,
            }
            out.write(json.dumps(row) + "\n")
            written += 1
    print(f"{written} rows written to {args.out}")


if __name__ == "__main__":
    main()
