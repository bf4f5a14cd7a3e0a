"""The answer judge's yes/no check on the other candidate answers: its own reading and the span
reader's span, beside the draft it already checked (resumable; about 5 s a question).

    python scripts/experiments/check_candidates.py RUN [RUN ...] --judge JSONL [JSONL ...] --out OUT

For every question of the runs that the judge has seen (answered or declined; its
stored evidence, or the same windows chosen again, is read), OUT gets {"run", "id", "reading_yes", "span_yes", "span"}.
scripts/experiments/try_candidate_choice.py then replays rules that choose the shown answer by
these checks. For held-out runs pass the rows of scripts/experiments/heldout_judge_rows.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_answer_judge import _reader, declined_rows, with_judge  # noqa: E402
from fit_answer_reader import add_reader  # noqa: E402
from judge_answers import hits_of  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.index.embed import get_embedder  # noqa: E402
from ragassist.verification.answer_judge import AnswerJudge, answer_tokens, judge_evidence  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--judge", type=Path, nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0, help="at most this many questions a run")
    args = ap.parse_args()
    done = set()
    if args.out.exists():
        done = {(r["run"], r["id"]) for r in map(json.loads, args.out.open())}
    todo = []
    for run in args.runs:
        rows = with_judge(run, args.judge)
        rows += add_reader(declined_rows(run, args.judge), _reader())
        todo += [(run, a) for a in rows[: args.limit or None]]
    judge, embedder = AnswerJudge(), get_embedder()
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    with args.out.open("a", encoding="utf-8") as out:
        for run, a in tqdm(todo, desc="checking candidates"):
            if (str(run), a["row"]["id"]) in done:
                continue
            q, ev = a["row"]["question"], a["judge"].get("evidence")
            if ev is None:  # older judge rows did not keep it: the same windows, chosen again
                ev = judge_evidence(q, hits_of(a["row"]["sources"], knowledge), embedder)
            reading, span = a["judge"]["own_answer"], a["reading"].answer

            def yes(text: str, q: str = q, ev: str = ev) -> float | None:
                return judge.check(q, text, ev) if answer_tokens(text) else None

            row = {"run": str(run), "id": a["row"]["id"], "span": span}
            row |= {"reading_yes": yes(reading), "span_yes": yes(span)}
            out.write(json.dumps(row) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
