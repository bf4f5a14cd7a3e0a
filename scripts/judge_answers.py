"""Ask the answer judge (Qwen2.5-Coder-1.5B) about every answer of HaluEval-QA RAG runs; cache it.

    python scripts/judge_answers.py RUN_FOLDER... --out judge.jsonl [--limit N] [--declined]

Reads each run's results.jsonl (answers from `ragassist eval rag-halueval` or `rag-corpus` over a
HaluEval-QA corpus written by scripts/halueval_questions.py), rebuilds the top-5 retrieved
passages from the HaluEval rows their file names carry, and writes one row per answered question
to --out: the judge's two yes/no log-odds (answers correctly? passage holds the answer?), its
own short answer, their agreement, and what it read. Resumable: rows already in --out are
skipped. About 7-8 s an answer on 2 quiet cores (onnxruntime int8);
scripts/fit_answer_verifier.py fits and evaluates the fusion on the rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path

from tqdm import tqdm

from ragassist.config import GenerateConfig
from ragassist.evaluation import halueval
from ragassist.generation.prompt import ABSTAIN
from ragassist.index.embed import get_embedder
from ragassist.types import Chunk, Hit
from ragassist.verification.answer_judge import READING_TOKENS, AnswerJudge, judge_evidence

CITATION = re.compile(r"\s*\[\d+\]")


def hits_of(sources: list[str], knowledge: list[str], k: int = 5) -> list[Hit]:
    """The retrieved passages, rebuilt from file names like halueval-qa-07772.txt."""
    hits = []
    for rank, name in enumerate(sources[:k]):
        row = int(re.findall(r"(\d+)\.txt$", name)[0])
        text = knowledge[row]
        hits.append(Hit(Chunk(name, name, name, "", 0, len(text), text), score=1.0 / (rank + 1)))
    return hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument(
        "--backend", default="onnxruntime", choices=["onnxruntime", "hybrid", "transformers"]
    )
    ap.add_argument("--limit", type=int, default=None, help="answers per run at most")
    ap.add_argument(
        "--declined", action="store_true", help="judge the answers the generator declined instead"
    )
    ap.add_argument(
        "--reuse",
        type=Path,
        help="an earlier --out: its rows are copied wherever the evidence is the same "
        "(the judge would read the same text and say the same)",
    )
    ap.add_argument(
        "--evidence-chars",
        type=int,
        default=900,
        help="characters of evidence the judge reads (the assistant's default: 900)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    knowledge = [r["knowledge"] for r in halueval.load_rows("qa")]
    done = set()
    if args.out.exists():
        done = {(r["run"], r["id"]) for r in map(json.loads, args.out.open())}
    todo = []
    for run in args.runs:
        rows = [json.loads(line) for line in (run / "results.jsonl").open()]
        if args.declined:  # declined by the model (a generation ran), not for low relevance
            rows = [r for r in rows if r["abstained"] and r.get("generation")][: args.limit]
        else:
            rows = [r for r in rows if not r["abstained"]][: args.limit]
        todo += [(str(run), r) for r in rows if (str(run), r["id"]) not in done]
    old = {}
    if args.reuse:
        old = {(r["run"], r["id"]): r for r in map(json.loads, args.reuse.open())}
    embedder = get_embedder()
    judge = AnswerJudge(
        GenerateConfig(model=args.model, backend=args.backend, max_new_tokens=READING_TOKENS)
    )
    with args.out.open("a", encoding="utf-8") as out:
        for run, row in tqdm(todo, desc="judge", unit="answer"):
            answer = ABSTAIN if args.declined else CITATION.sub("", row["answer"]).strip()
            hits = hits_of(row["sources"], knowledge)
            evidence = judge_evidence(row["question"], hits, embedder, args.evidence_chars)
            if old.get((run, row["id"]), {}).get("evidence") == evidence:
                out.write(json.dumps(old[(run, row["id"])] | {"reused": True}) + "\n")
                continue
            j = judge.judge(row["question"], answer, evidence)
            out.write(
                json.dumps(
                    {
                        "run": run,
                        "id": row["id"],
                        "gold_contained": row["gold_contained"],
                        "declined": row["abstained"],
                        "yes_logit": j.yes_logit,
                        "holds_logit": j.holds_logit,
                        "own_answer": j.own_answer,
                        "agreement": j.agreement,
                        "evidence": evidence,
                        "seconds": j.seconds,
                    }
                )
                + "\n"
            )
            out.flush()


if __name__ == "__main__":
    main()
