"""Are two-option comparisons answered better when the judge reads one fact per option?

    python scripts/experiments/try_comparisons.py judged OUT.jsonl
    python scripts/experiments/try_comparisons.py fresh OUT.jsonl --limit 120
    python scripts/experiments/try_comparisons.py --report OUT.jsonl

judged: the training rows of the answer judge (eval/fit/answer-judge/judge-train-v5.jsonl for
answers-train2, judge-train-e450.jsonl for answers-train), each with the evidence the judge read
and its reading, whose question ragassist.verification.comparison parses; the module was written
while looking at these. fresh: HaluEval-QA training rows not among them (row order), with the
row's own passage as the evidence and the judge's reading made here. For each option the 1.5B is
asked for the deciding year or number; --report makes the comparison in code, with the fact
checked against the sentences about its option (as shipped) or against the whole evidence (the
first version), and pairs the answer (the reading where the facts decide nothing) with the reading.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from answer_table import print_table, won_lost  # noqa: E402
from fit_answer_reader import gold_of  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.verification import answer_judge as aj  # noqa: E402
from ragassist.verification import comparison  # noqa: E402

JUDGED = ("judge-train-v5.jsonl", "judge-train-e450.jsonl")


def judged_rows(parse: Callable[[str], object] = comparison.parse) -> list[dict]:
    """Judged training rows with their question, of a question parse() takes."""
    out = []
    for name in JUDGED:
        rows = [json.loads(x) for x in (ROOT / "eval/fit/answer-judge" / name).open()]
        for run in {r["run"] for r in rows}:
            asked = {
                (q := json.loads(x))["id"]: q["question"]
                for x in (ROOT / run / "results.jsonl").open()
            }
            for r in (r for r in rows if r["run"] == run):
                q = asked[r["id"]]
                if parse(q) and gold_of(q):
                    out.append({"id": r["id"], "question": q, "evidence": r["evidence"],
                                "before": r["own_answer"]})  # fmt: skip
    return out


def fresh_rows(limit: int, parse: Callable[[str], object] = comparison.parse) -> Iterator[dict]:
    """HaluEval-QA training rows (0-7999) that parse and were not among the judged ones."""
    seen = {r["question"].strip() for r in judged_rows(parse)}
    rows = halueval.load_rows("qa")
    taken = 0
    for i in halueval.rows_of("train"):
        q = rows[i]["question"]
        if taken < limit and parse(q) and q.strip() not in seen:
            taken += 1
            yield {"id": f"qa-{i}", "question": q, "evidence": rows[i]["knowledge"], "before": None}


def run(which: str, out: Path, limit: int) -> None:
    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    judge = aj.AnswerJudge()
    rows = judged_rows() if which == "judged" else list(fresh_rows(limit))
    with out.open("a", encoding="utf-8") as f:
        for r in [r for r in rows if r["id"] not in done]:
            q, evidence = r["question"], r["evidence"]
            start = time.perf_counter()
            parsed = comparison.parse(q)
            assert parsed is not None
            replies = []
            for fact_question, instruction in comparison.questions(parsed):
                prefix, tail = judge._prefix(fact_question, evidence)
                replies.append(judge.loop.complete(prefix + instruction + tail).strip())
            if r["before"] is None:  # the judge's reading of the same passage
                prefix, tail = judge._prefix(q, evidence)
                r["before"] = judge.loop.complete(prefix + aj.ASK_ANSWER + tail).strip()
            res = r | {"gold": gold_of(q), "replies": replies}
            f.write(json.dumps(res | {"seconds": time.perf_counter() - start}) + "\n")
            f.flush()


def decided(row: dict, guard: bool) -> str | None:
    """The answer the stored replies give, the fact checked as shipped (guard) or against the
    whole evidence (the first version)."""
    parsed = comparison.parse(row["question"])
    replies = iter(row["replies"])
    if guard:
        found = comparison.decide(parsed, row["evidence"], lambda q, i: next(replies))  # type: ignore[arg-type]
        return found.text if found else None
    values = [comparison.number_in(next(replies), row["evidence"], parsed.what) for _ in "ab"]  # type: ignore[union-attr]
    if None in values or values[0] == values[1]:
        return None
    win = 0 if (values[0] - values[1]) * parsed.wins > 0 else 1  # type: ignore[operator,union-attr]
    return parsed.options[win]  # type: ignore[union-attr]


def picks_gold(answer: str, row: dict) -> bool | None:
    """Whether the option an answer names first is the gold's option (None: the gold names
    neither more than the other). Containment misses full names ("Béla Viktor János Bartók")
    and credits answers naming both options."""
    a, b = comparison.options(row["question"])  # type: ignore[misc]
    gold = set(re.findall(r"\w{3,}", row["gold"].lower()))
    overlap = [len(gold & set(re.findall(r"\w{3,}", o.lower()))) for o in (a, b)]
    if overlap[0] == overlap[1]:
        return None
    where = [
        comparison._first_mention(comparison._own_words(x, y), answer) for x, y in ((a, b), (b, a))
    ]
    if max(where) < 0:
        return False
    first = 0 if where[1] < 0 or (where[0] >= 0 and where[0] < where[1]) else 1
    return first == (0 if overlap[0] > overlap[1] else 1)


def report(path: Path) -> None:
    rows = [json.loads(x) for x in path.open()]
    for r in rows:
        for guard, key in ((True, "sentences"), (False, "whole")):
            r[f"decided_{key}"] = decided(r, guard)
            # the winner alone: the shown text names both options, which containment would credit
            winner = (r[f"decided_{key}"] or "").split(" (")[0]
            r[key] = winner or r["before"]
    print(f"{len(rows)} questions")
    print_table(rows, ("before", "whole", "sentences"), gold="gold")
    for key in ("whole", "sentences"):
        won, lost = won_lost(rows, key, "before", gold="gold")
        n = sum(bool(r[f"decided_{key}"]) for r in rows)
        print(f"fact checked in the {key} evidence: decided {n}, right only then {won}, "
              f"the reading right only {lost}")  # fmt: skip
    clear = [r for r in rows if picks_gold(r["before"], r) is not None]
    picked = {
        k: sum(bool(picks_gold(r[k], r)) for r in clear) for k in ("before", "whole", "sentences")
    }
    print(f"the gold's option named first, of {len(clear)} with a clear gold option: {picked}")
    print(f"seconds a question, median {statistics.median(r['seconds'] for r in rows):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="?", choices=("judged", "fresh"))
    ap.add_argument("out", type=Path)
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    report(args.out) if args.report else run(args.which, args.out, args.limit)


if __name__ == "__main__":
    main()
