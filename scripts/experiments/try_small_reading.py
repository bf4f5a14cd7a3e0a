"""Does the generator read as well as the judge when asked the judge's short question? (training only)

    python scripts/experiments/try_small_reading.py OUT.jsonl [--model qwen2.5-0.5b] [--limit N]
    python scripts/experiments/try_small_reading.py --report OUT.jsonl

On answers-train2's training questions the 1.5B's few-word reading of the two evidence windows
closest to the question contained the gold answer far more often than any generator's cited
sentence. For the rows of eval/fit/answer-judge/judge-train-v5.jsonl (each with the evidence the
judge read and its reading), --model reads the same evidence with the judge's own prompt
(answer_judge.ASK_ANSWER); --report pairs it against the 1.5B's reading and the draft.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from answer_table import print_table  # noqa: E402
from tqdm import tqdm  # noqa: E402

from ragassist.config import GenerateConfig  # noqa: E402
from ragassist.verification import answer_judge as aj  # noqa: E402

JUDGE_ROWS = ROOT / "eval/fit/answer-judge/judge-train-v5.jsonl"


def results(run: str) -> dict[str, dict]:
    return {(r := json.loads(x))["id"]: r for x in (ROOT / run / "results.jsonl").open()}


def run(out: Path, model: str, limit: int) -> None:
    rows = [json.loads(x) for x in JUDGE_ROWS.open()][:limit]
    asked = results(rows[0]["run"])
    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    reader = aj.AnswerJudge(GenerateConfig(model=model, max_new_tokens=aj.READING_TOKENS))
    with out.open("a", encoding="utf-8") as f:
        for r in tqdm([r for r in rows if r["id"] not in done], desc="reading"):
            item = asked[r["id"]]
            start = time.perf_counter()
            prefix, tail = reader._prefix(item["question"], r["evidence"])
            text = reader.loop.complete(prefix + aj.ASK_ANSWER + tail).strip().split("\n")[0]
            res = {"id": r["id"], "question": item["question"], "golds": item["golds"]}
            res |= {"answerable": item["answerable"], "draft": item["answer"]}
            res |= {"judge": r["own_answer"], "reading": text, "model": model}
            f.write(json.dumps(res | {"seconds": time.perf_counter() - start}) + "\n")
            f.flush()


def report(path: Path) -> None:
    rows = [r for r in map(json.loads, path.open()) if r["answerable"]]
    print(f"{len(rows)} answerable questions ({rows[0]['model']} reading)")
    print_table(rows, ("draft", "judge", "reading"))
    print(f"seconds a reading, median {statistics.median(r['seconds'] for r in rows):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default="qwen2.5-0.5b")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    report(args.out) if args.report else run(args.out, args.model, args.limit)


if __name__ == "__main__":
    main()
