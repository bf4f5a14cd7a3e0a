"""Does the answer judge read better with worked examples before the passage? (training only)

    python scripts/experiments/try_fewshot_reading.py 160 OUT.jsonl
    python scripts/experiments/try_fewshot_reading.py --report OUT.jsonl

For the first N rows of eval/fit/answer-judge/judge-train-v5.jsonl (answers-train2: training
questions, each with the evidence the judge read and its reading), the 1.5B reads the same
evidence again after four short worked examples written for this (a bridge question, a
comparison, a yes/no question, a number), given as earlier chat turns so that a warm model keeps
them evaluated. --report pairs both readings against the gold answers (session 12's 160:
eval/fit/answer-judge/readings-fewshot-train.jsonl).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from answer_table import print_table, won_lost  # noqa: E402
from fit_answer_reader import gold_of  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ragassist.verification import answer_judge as aj  # noqa: E402

EXAMPLES = (
    (
        "Harbor Lights is a 1998 drama film directed by Elena Marsh. Elena Marsh (born 1961) is a "
        "Canadian director who studied at the University of Toronto.",
        "Which university did the director of Harbor Lights attend?",
        "University of Toronto",
    ),
    (
        "The Rowan Bridge opened to traffic in 1931. The Kestrel Bridge, a suspension bridge over "
        "the same river, opened in 1954.",
        "Which opened first, the Kestrel Bridge or the Rowan Bridge?",
        "The Rowan Bridge",
    ),
    (
        "Martin Hale is an English novelist and essayist. Peter Doyle is an Irish film director "
        "and screenwriter.",
        "Are Martin Hale and Peter Doyle both novelists?",
        "No",
    ),
    (
        "The village of Easton lies on the river Wend. As of the 2010 census, its population was "
        "2,314.",
        "What was the population of the village on the river Wend in 2010?",
        "2,314",
    ),
)


def user_turn(evidence: str, question: str) -> str:
    return f"Passage:\n{evidence.strip()}\n\nQuestion: {question.strip()}\n\n{aj.ASK_ANSWER}"


def fewshot_prompt(tok, evidence: str, question: str) -> str:
    messages = [{"role": "system", "content": aj.SYSTEM}]
    for passage, q, a in EXAMPLES:
        messages += [
            {"role": "user", "content": user_turn(passage, q)},
            {"role": "assistant", "content": a},
        ]
    messages.append({"role": "user", "content": user_turn(evidence, question)})
    return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def run(n: int, out: Path) -> None:
    rows = [json.loads(x) for x in (ROOT / "eval/fit/answer-judge/judge-train-v5.jsonl").open()][:n]
    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    judge = aj.AnswerJudge()
    with out.open("a", encoding="utf-8") as f:
        for r in tqdm([r for r in rows if r["id"] not in done], desc="reading"):
            q = next(
                json.loads(x)["question"]
                for x in (ROOT / r["run"] / "results.jsonl").open()
                if json.loads(x)["id"] == r["id"]
            )
            text = judge.loop.complete(fewshot_prompt(judge.loop.tokenizer, r["evidence"], q))
            res = {"id": r["id"], "question": q, "gold": gold_of(q), "before": r["own_answer"]}
            f.write(json.dumps(res | {"fewshot": text.strip().split("\n")[0]}) + "\n")
            f.flush()


def report(path: Path) -> None:
    rows = [json.loads(x) for x in path.open()]
    print(f"{len(rows)} questions")
    print_table(rows, ("before", "fewshot"), gold="gold")
    won, lost = won_lost(rows, "fewshot", "before", gold="gold")
    print(f"few-shot right only: {won}; before right only: {lost}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=160)
    ap.add_argument("out", type=Path)
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    report(args.out) if args.report else run(args.n, args.out)


if __name__ == "__main__":
    main()
