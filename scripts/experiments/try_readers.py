"""Which evidence and prompt make the answer judge's own reading right most often (training only).

    python scripts/halueval_questions.py /tmp/train-qa      # the training question file, ~1 s
    python scripts/experiments/try_readers.py 110 readings.jsonl
    python scripts/experiments/try_readers.py --report readings.jsonl

For the first N answered questions of eval/fit/answers-train (HaluEval-QA training rows), rebuilds
the top-5 passages, picks the judge's evidence two ways (by question + draft, by question alone)
and asks the 1.5B two reading prompts on each; writes one row per question (resumable by
appending). --report prints gold contained, token-F1 and median words per variant. About 10 s a
question on 2 quiet cores. It chose question-only evidence (docs/results.md, second refit).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from judge_answers import CITATION, hits_of  # noqa: E402

from ragassist.config import GenerateConfig  # noqa: E402
from ragassist.evaluation import halueval  # noqa: E402
from ragassist.evaluation.metrics import gold_contained, token_f1  # noqa: E402
from ragassist.index.embed import get_embedder  # noqa: E402
from ragassist.verification import answer_judge as aj  # noqa: E402
from ragassist.verification.evidence import build_pool, select  # noqa: E402
from ragassist.verification.judge import chat_frame  # noqa: E402

PROMPTS = {
    "A": aj.ASK_ANSWER,
    "B": "Answer with the exact words from the passage that answer the question: a name, a "
    "number, a date, a short phrase, or yes/no. Do not write a sentence.",
}


def evidence(question: str, query: str, hits: list, embedder, max_chars: int = 900) -> str:
    """The two windows closest to query (the judge's rule with any query), about max_chars."""
    import numpy as np

    pool = build_pool(hits, embedder, max_chars=max(200, max_chars // 2))
    best, *_ = select(pool, query, np.asarray(embedder.embed([query]))[0], embedder, top=2)
    return "\n".join(pool.windows[i].text for i in best)[: max_chars + max_chars // 4]


def run(n: int, out: Path, questions: Path) -> None:
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    qs = [json.loads(x) for x in questions.open()]
    rows = [json.loads(x) for x in (ROOT / "eval/fit/answers-train/results.jsonl").open()]
    rows = [r for r in rows if r.get("generation")][:n]
    done = {json.loads(x)["id"] for x in out.open()} if out.exists() else set()
    embedder = get_embedder()
    judge = aj.AnswerJudge(GenerateConfig(model="qwen2.5-1.5b", max_new_tokens=24))
    head, tail = chat_frame(judge.loop.tokenizer, aj.SYSTEM)
    with out.open("a", encoding="utf-8") as f:
        for r in (r for r in rows if r["id"] not in done):
            q, line = r["question"], int(re.findall(r"\d+", r["id"])[0]) - 1
            assert qs[line]["question"] == q, f"{questions} is not the run's question file"
            draft, hits = CITATION.sub("", r["answer"]).strip(), hits_of(r["sources"], knowledge)
            res = {"id": r["id"], "golds": qs[line]["answers"], "draft": draft}
            for name, query in (("qd", f"{q}\n{draft}"), ("q", q)):
                ev = evidence(q, query, hits, embedder)
                res[f"gold_in_{name}"] = gold_contained(ev, res["golds"])
                prefix = f"{head}Passage:\n{ev.strip()}\n\nQuestion: {q.strip()}\n\n"
                for p, text in PROMPTS.items():
                    t = time.perf_counter()
                    res[f"{p}_{name}"] = judge.loop.complete(prefix + text + tail).strip()
                    res[f"{p}_{name}"] = res[f"{p}_{name}"].split("\n")[0]
                    res[f"{p}_{name}_s"] = time.perf_counter() - t
            f.write(json.dumps(res) + "\n")
            f.flush()


def report(path: Path) -> None:
    rows = [json.loads(x) for x in path.open()]
    print(f"{len(rows)} questions\n| reading | gold contained | token-F1 | median words |")
    print("|---|---|---|---|")
    for key in (k for k in rows[0] if k[:2] in ("A_", "B_") and not k.endswith("_s")):
        contained = statistics.mean(gold_contained(r[key], r["golds"]) for r in rows)
        f1 = statistics.mean(token_f1(r[key], r["golds"]) for r in rows)
        words = statistics.median(len(r[key].split()) for r in rows)
        print(f"| {key} | {contained:.3f} | {f1:.3f} | {words:g} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=110)
    ap.add_argument("out", type=Path)
    ap.add_argument("--questions", type=Path, default=Path("/tmp/train-qa/questions.jsonl"))
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    report(args.out) if args.report else run(args.n, args.out, args.questions)


if __name__ == "__main__":
    main()
