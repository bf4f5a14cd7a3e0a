"""Does the answer judge read two-option and yes/no questions better when it states the facts first?

    python scripts/experiments/try_reasoned_reading.py OUT.jsonl
    python scripts/experiments/try_reasoned_reading.py --report OUT.jsonl

Comparisons ("Who was born first, X or Y?") and yes/no questions ("Are X and Y both novelists?")
need two facts weighed, which a few-word answer skips. For the training rows of
eval/fit/answer-judge/judge-train-v5.jsonl (answers-train2, each with the evidence the judge read
and its reading) whose question is of either kind, the 1.5B reads the same evidence again with
a prompt that asks for the deciding facts first, one line each, then a line "Answer: ...";
--report pairs both readings against the gold answers (session 13, the first 45:
eval/fit/answer-judge/readings-reasoned-train.jsonl; not kept: 0.600 against 0.600, and 9 s a reading).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from answer_table import print_table, won_lost  # noqa: E402
from fit_answer_reader import gold_of  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ragassist.verification import answer_judge as aj  # noqa: E402

ASK_REASON = (
    "First write the facts from the passage that decide the question, one short line for each "
    'person or thing it names. Then write a last line that starts with "Answer:" and gives the '
    "answer in a few words."
)
REASON_TOKENS = 128
_AUXILIARY = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b", re.I
)
_OR = re.compile(r"\w\W* or \W*\w", re.I)
_ANSWER = re.compile(r"^\W*answer\W*:\s*(.+)$", re.I | re.M)


def question_kind(question: str) -> str | None:
    """'choice' for "X or Y" questions, 'yes/no' for ones that open with an auxiliary verb."""
    if _OR.search(question):
        return "choice"
    return "yes/no" if _AUXILIARY.match(question.strip()) else None


def reasoned_reading(judge: aj.AnswerJudge, question: str, evidence: str) -> tuple[str | None, str]:
    """(the text of the last "Answer:" line or None, the whole text the judge wrote)."""
    longer = judge.loop.with_config(replace(judge.loop.config, max_new_tokens=REASON_TOKENS))
    prefix, tail = judge._prefix(question, evidence)
    text = longer.complete(prefix + ASK_REASON + tail)
    found = _ANSWER.findall(text)
    return (found[-1].strip() or None) if found else None, text


def questions(run: str) -> dict[str, str]:
    return {
        (r := json.loads(x))["id"]: r["question"] for x in (ROOT / run / "results.jsonl").open()
    }


def run(out: Path, limit: int) -> None:
    rows = [json.loads(x) for x in (ROOT / "eval/fit/answer-judge/judge-train-v5.jsonl").open()]
    asked = questions(rows[0]["run"])
    rows = [r for r in rows if question_kind(asked[r["id"]])][:limit]
    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    judge = aj.AnswerJudge()
    with out.open("a", encoding="utf-8") as f:
        for r in tqdm([r for r in rows if r["id"] not in done], desc="reading"):
            q = asked[r["id"]]
            start = time.perf_counter()
            answer, text = reasoned_reading(judge, q, r["evidence"])
            res = {"id": r["id"], "question": q, "gold": gold_of(q), "before": r["own_answer"]}
            res |= {"reasoned": answer, "text": text, "seconds": time.perf_counter() - start}
            f.write(json.dumps(res) + "\n")
            f.flush()


def report(path: Path) -> None:
    rows = [json.loads(x) for x in path.open()]
    print(f"{len(rows)} questions")
    print_table(rows, ("before", "reasoned"), gold="gold")
    for kind in ("choice", "yes/no"):
        part = [r for r in rows if question_kind(r["question"]) == kind]
        won, lost = won_lost(part, "reasoned", "before", gold="gold")
        print(f"{kind}: {len(part)} questions, reasoned right only {won}, before right only {lost}")
    print(f"seconds a reading, median {statistics.median(r['seconds'] for r in rows):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    report(args.out) if args.report else run(args.out, args.limit)


if __name__ == "__main__":
    main()
