"""A reading that only repeats the question's words, asked again: does the second try help?

    python scripts/experiments/try_echo_reading.py OUT.jsonl

Training rows only (judge-train-v5.jsonl, answers-train2's answerable questions, not two-option
questions, where naming an option of the question is the answer): where every word of the 1.5B's
reading is in the question ("Adam Arkapaw photographed 'McFarland, USA'."), the judge is asked
again with "The answer is not "<reading>": name what the question asks for." Prints each pair
and how many the second try won and lost by gold containment.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ragassist.evaluation.metrics import gold_contained
from ragassist.verification import comparison
from ragassist.verification.answer_judge import ASK_ANSWER, AnswerJudge, answer_tokens

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    results = {
        (r := json.loads(x))["id"]: r
        for x in (ROOT / "eval/fit/answers-train2/results.jsonl").open()
    }
    judge = AnswerJudge()
    won = lost = 0
    with args.out.open("w", encoding="utf-8") as f:
        for x in (ROOT / "eval/fit/answer-judge/judge-train-v5.jsonl").open():
            j = json.loads(x)
            r = results[j["id"]]
            question, reading = r["question"], j["own_answer"]
            words, asked = answer_tokens(reading), set(answer_tokens(question))
            if not r["answerable"] or not words or any(w not in asked for w in words):
                continue
            if comparison.options(question):
                continue
            again = judge._reply(
                question,
                j["evidence"],
                f'{ASK_ANSWER} The answer is not "{reading.strip()[:80]}": name what the '
                "question asks for.",
            )
            before, after = (gold_contained(t, r["golds"]) for t in (reading, again))
            won, lost = won + (after > before), lost + (before > after)
            row = {"q": question, "golds": r["golds"], "before": reading, "again": again}
            f.write(json.dumps(row | {"b": before, "a": after}) + "\n")
    print(f"asked again: right only then {won}, right only before {lost}")


if __name__ == "__main__":
    main()
