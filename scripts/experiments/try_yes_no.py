"""Are yes/no questions about two things answered better one thing at a time?

    python scripts/experiments/try_yes_no.py judged OUT.jsonl
    python scripts/experiments/try_yes_no.py fresh OUT.jsonl --limit 80
    python scripts/experiments/try_yes_no.py --report OUT.jsonl

judged: the answer judge's training rows (as in try_comparisons.py) whose question
ragassist.verification.yes_no parses ("Are X and Y both novelists?", "... the same nationality?");
the parser was written while looking at 32 of them. fresh: HaluEval-QA training rows not among
them, with the row's own passage as the evidence and the judge's reading made here. For each thing
the 1.5B is asked alone, over the sentences naming it: its Yes log-odds ("both") or its one-to-three
word reply ("same"). --report puts the answer together in code, as shipped, at several Yes
thresholds, and counts whose first yes or no is the gold's.

--options tries the same for two-option questions no number decides ("Which artist is from
Canada, X or Y?"): the judge is asked "Is the answer X?" for each option, over its own sentences
or the whole evidence, and the option with the higher Yes log-odds is taken if it leads by a
margin. Not shipped (docs/results.md, session 15).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from try_comparisons import fresh_rows, judged_rows, picks_gold

from ragassist.verification import answer_judge as aj
from ragassist.verification import comparison, yes_no

# comparatives a number decides (comparison.py), or that one option's sentences cannot: left out
_COMPARATIVE = re.compile(
    r"\b(?:first|earlier|earliest|later|latest|last|more|most|less|least|fewer|fewest|farther|"
    r"further|furthest|older|oldest|younger|youngest|larger|largest|smaller|smallest|bigger|"
    r"longer|shorter|higher|highest|taller|greater|closer|nearer|north|south|east|west|"
    r"northern|southern|eastern|western|before|after|than)\b",
    re.I,
)


def which_options(question: str) -> tuple[str, str] | None:
    """The two options of "Which artist is from Canada, X or Y?": a property that each option's
    own sentences can confirm or not (None for comparisons and questions that are not this)."""
    if not comparison.WH.match(question) or comparison.parse(question) is not None:
        return None
    options = comparison.options(question)
    if options is None or _COMPARATIVE.search(question):
        return None
    return options


def _gold_says_yes(gold: str) -> bool | None:
    g = gold.strip().lower().rstrip(".")
    return {"yes": True, "no": False}.get(g)


def parses(question: str) -> bool:
    """A yes/no question about two things."""
    return yes_no.parse(question) is not None


def run_which(which: str, out: Path, limit: int) -> None:
    """Per option, the Yes log-odds of "Is the answer X?" over X's own sentences and over the
    whole evidence (the option the judge says Yes to more surely, if it leads by a margin)."""
    from fit_answer_reader import gold_of

    def parses_which(question: str) -> bool:
        return which_options(question) is not None

    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    judge = aj.AnswerJudge()
    rows = judged_rows(parses_which) if which == "judged" else list(fresh_rows(limit, parses_which))
    with out.open("a", encoding="utf-8") as f:
        for r in [r for r in rows if r["id"] not in done]:
            start = time.perf_counter()
            a, b = which_options(r["question"])  # type: ignore[misc]
            ask = r["question"].strip() + " Is the answer {}?"
            own = [yes_no.about(x, y, r["evidence"]) for x, y in ((a, b), (b, a))]
            scores = {
                "own": [
                    judge._yes(ask.format(x), s) if s else None
                    for x, s in zip((a, b), own, strict=True)
                ],
                "whole": [judge._yes(ask.format(x), r["evidence"]) for x in (a, b)],
            }
            if r["before"] is None:
                r["before"] = judge._reply(r["question"], r["evidence"], aj.ASK_ANSWER)
            res = r | {"gold": gold_of(r["question"]), "scores": scores}
            f.write(json.dumps(res | {"seconds": time.perf_counter() - start}) + "\n")
            f.flush()


def report_which(path: Path) -> None:
    from answer_table import print_table

    rows = [json.loads(x) for x in path.open()]
    keys = ["before"]
    for where in ("own", "whole"):
        for margin in (0.0, 0.5, 1.0, 2.0):
            key = f"{where} sentences, margin {margin:g}"
            keys.append(key)
            for r in rows:
                s = r["scores"][where]
                options = which_options(r["question"])
                if None in s or abs(s[0] - s[1]) < margin:
                    r[key] = r["before"]
                else:
                    r[key] = options[0 if s[0] > s[1] else 1]
    print(f"{len(rows)} questions")
    print_table(rows, keys, gold="gold")
    clear = [r for r in rows if picks_gold(r["before"], r) is not None]
    print(f"\nthe gold's option named first, of {len(clear)} with a clear gold option:")
    for key in keys:
        decided = sum(r[key] != r["before"] or key == "before" for r in rows)
        print(f"| {key} | {sum(bool(picks_gold(r[key], r)) for r in clear)} | {decided} |")
    print(f"seconds a question, median {statistics.median(r['seconds'] for r in rows):.2f}")


def run(which: str, out: Path, limit: int) -> None:
    from fit_answer_reader import gold_of

    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    judge = aj.AnswerJudge()
    rows = judged_rows(parses) if which == "judged" else list(fresh_rows(limit, parses))
    with out.open("a", encoding="utf-8") as f:
        for r in [r for r in rows if r["id"] not in done]:
            gold = gold_of(r["question"])
            if gold is None or _gold_says_yes(gold) is None:
                continue
            start = time.perf_counter()
            logits: list[float] = []
            replies: list[str] = []

            def yes(q: str, evidence: str, logits: list[float] = logits) -> float:
                logits.append(judge._yes(q, evidence))
                return logits[-1]

            def ask(q: str, evidence: str, instruction: str, replies: list[str] = replies) -> str:
                replies.append(judge._reply(q, evidence, instruction))
                return replies[-1]

            parsed = yes_no.parse(r["question"])
            assert parsed is not None
            yes_no.decide(parsed, r["evidence"], ask, yes)  # asks about both things
            if r["before"] is None:
                r["before"] = judge._reply(r["question"], r["evidence"], aj.ASK_ANSWER)
            res = r | {"gold": gold, "logits": logits, "replies": replies}
            f.write(json.dumps(res | {"seconds": time.perf_counter() - start}) + "\n")
            f.flush()


def answer(row: dict, above: float) -> str | None:
    """The answer the stored logits and replies give at a Yes threshold (None: not decided)."""
    parsed = yes_no.parse(row["question"])
    assert parsed is not None
    logits, replies = iter(row["logits"]), iter(row["replies"])
    yes_no.YES_ABOVE = above
    found = yes_no.decide(
        parsed, row["evidence"], lambda q, e, i: next(replies), lambda q, e: next(logits)
    )
    return found.text if found else None


def report(path: Path) -> None:
    rows = [json.loads(x) for x in path.open()]
    gold_yes = [_gold_says_yes(r["gold"]) for r in rows]
    print(f"{len(rows)} questions, {sum(gold_yes)} with the answer Yes")
    print("| answer | right | decided | Yes said (gold Yes / gold No) |\n|---|---|---|---|")

    def line(name: str, texts: list[str | None]) -> None:
        shown = [t or r["before"] for t, r in zip(texts, rows, strict=True)]
        right = [
            yes_no.Decided(bool(g), "").agreement(t) for t, g in zip(shown, gold_yes, strict=True)
        ]
        says = [yes_no.Decided(True, "").agreement(t) for t in shown]
        on_yes = sum(s for s, g in zip(says, gold_yes, strict=True) if g)
        on_no = sum(s for s, g in zip(says, gold_yes, strict=True) if not g)
        decided = sum(t is not None for t in texts)
        print(
            f"| {name} | {sum(right):.0f} of {len(rows)} | {decided} | {on_yes:.0f} / {on_no:.0f} |"
        )

    line("judge's reading", [None] * len(rows))
    for above in (-2.0, -1.0, 0.0, 1.0, 2.0):
        line(f"one thing at a time, Yes above {above:g}", [answer(r, above) for r in rows])
    print(f"seconds a question, median {statistics.median(r['seconds'] for r in rows):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="?", choices=("judged", "fresh"))
    ap.add_argument("--options", action="store_true", help="'Which is X, A or B?' questions")
    ap.add_argument("out", type=Path)
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    if args.options:
        report_which(args.out) if args.report else run_which(args.which, args.out, args.limit)
    else:
        report(args.out) if args.report else run(args.which, args.out, args.limit)


if __name__ == "__main__":
    main()
