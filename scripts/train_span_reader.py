"""Train the span reader from a seed, or measure one on held-out HaluEval-QA rows.

    python scripts/train_span_reader.py --out ragassist/verification/data/span-reader [--seed 0]
    python scripts/train_span_reader.py --eval 500 --weights ragassist/verification/data/span-reader

Training reads HaluEval-QA training rows (0-7999) except those whose questions the fusion is
fitted on or evaluated with (scripts/halueval_questions.py's 2,000 corpus rows and 120
unanswerable training rows), so the reader's agreement with a draft is never measured on a
question it was trained on. --eval reads rows from 8000 on (held out): the gold answer's exact
match and token-F1 from its own passage, "no answer" on another row's passage, and the same
question among five passages (its own and four that share the most question words).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from halueval_questions import question_rows  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.evaluation.metrics import gold_contained, token_f1  # noqa: E402
from ragassist.verification import span_reader, span_training  # noqa: E402


def training_rows(limit: int | None) -> list[dict[str, str]]:
    """Training rows the fusion never sees, in row order (the first `limit` when given)."""
    rows = halueval.load_rows("qa")
    used = question_rows(2000, 0, unanswerable=120)
    skip = set(used["corpus"]) | set(used["train"])
    seen = {rows[i]["question"] for i in skip} | {rows[i]["knowledge"] for i in skip}
    pool = [
        rows[i]
        for i in halueval.rows_of("train")
        if i not in skip and rows[i]["question"] not in seen and rows[i]["knowledge"] not in seen
    ]
    return pool[:limit] if limit else pool


def run_training(args: argparse.Namespace) -> None:
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    base = span_reader.base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForQuestionAnswering.from_pretrained(str(base))
    rows = training_rows(args.rows)
    examples = span_training.build_examples(rows, args.seed)
    about = {
        "rows": len(rows),
        "examples": len(examples),
        "positives": sum(e.answer_start is not None for e in examples),
    }
    train_and_save(args, model, tokenizer, examples, about)


def train_and_save(
    args: argparse.Namespace,
    model: Any,
    tokenizer: Any,
    examples: list[Any],
    about: dict[str, Any],
    encode: Any = None,
) -> None:
    """Train with a progress line every 25 steps, then save the weights and training.json: the
    command and settings, `about` the data, the loss at the start and end (the reply checker's
    script trains through this too, with its own `encode`)."""
    t0 = time.time()

    def on_step(step: int, steps: int, loss: float) -> None:
        if step % 25 == 0 or step == steps:
            rate = (time.time() - t0) / step
            print(f"step {step}/{steps} loss {loss:.3f} ({rate:.2f} s a step)", flush=True)

    losses = span_training.train(
        model, tokenizer, examples, args.seed, args.epochs, args.batch, args.lr, on_step,
        **({"encode": encode} if encode else {}),
    )  # fmt: skip
    meta = {
        "command": " ".join(sys.argv),
        "seed": args.seed,
        **about,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "steps": len(losses),
        "loss_first_50": statistics.mean(losses[:50]),
        "loss_last_50": statistics.mean(losses[-50:]),
        "minutes": round((time.time() - t0) / 60, 1),
        "threads": args.threads,
    }
    print(json.dumps(span_training.save_weights(model, args.out, meta)))


def run_eval(args: argparse.Namespace) -> None:
    reader = span_reader.SpanReader(args.weights)
    rows = halueval.load_rows("qa")
    held = list(halueval.rows_of("heldout"))[: args.eval]
    rng = np.random.default_rng(1)
    words = [set(q.lower().split()) for q in (rows[i]["question"] for i in held)]
    own, neg, five = [], [], []
    t0 = time.time()
    for k, i in enumerate(held):
        row = rows[i]
        others = [int(j) for j in rng.choice(held, 20) if rows[j]["knowledge"] != row["knowledge"]]
        others.sort(key=lambda j: -len(words[k] & set(rows[j]["knowledge"].lower().split())))
        r = reader.read(row["question"], [row["knowledge"]])
        gold = [row["right_answer"]]
        own.append((gold_contained(r.answer, gold), token_f1(r.answer, gold), r.margin > 0))
        n = reader.read(row["question"], [rows[others[0]]["knowledge"]])
        neg.append(n.margin <= 0)
        passages = [rows[j]["knowledge"] for j in others[:4]]
        passages.insert(k % 5, row["knowledge"])
        f = reader.read(row["question"], passages)
        five.append((gold_contained(f.answer, gold), f.passage == k % 5))
    n = len(held)
    print(
        json.dumps(
            {
                "rows": n,
                "own passage: gold contained": sum(o[0] for o in own) / n,
                "own passage: token-F1": statistics.mean(o[1] for o in own),
                "own passage: answered": sum(o[2] for o in own) / n,
                "other passage: no answer": sum(neg) / n,
                "five passages: gold contained": sum(f[0] for f in five) / n,
                "five passages: own passage picked": sum(f[1] for f in five) / n,
                "seconds per question (3 reads)": (time.time() - t0) / n,
            },
            indent=1,
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="train and write the weights here")
    ap.add_argument("--eval", type=int, default=0, help="measure on this many held-out rows")
    ap.add_argument("--weights", type=Path, default=span_reader.SHIPPED)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--rows", type=int, default=0, help="first N training rows only")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.out:
        run_training(args)
    if args.eval:
        run_eval(
            args if not args.out else argparse.Namespace(**{**vars(args), "weights": args.out})
        )
    if not args.out and not args.eval:
        ap.error("give --out (train) or --eval N (measure)")


if __name__ == "__main__":
    main()
