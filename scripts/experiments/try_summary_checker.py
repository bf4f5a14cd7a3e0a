"""Screen a summary checker for HaluEval summarization on training rows only: worth building?

    python scripts/experiments/try_summary_checker.py [--train-rows 1000 3500] [--max-tokens 320]

The reply checker's recipe (verification/reply_checker.py) with the document's first tokens as the
context and the summary as the reply: all-MiniLM-L6-v2 fine-tuned on right against hallucinated
summaries of training rows, checked on rows 7500-7999 (training rows it did not see; never
8000-9999). Hallucinated HaluEval summaries run about twice as long as right ones, so the check
is also given on the pairs whose two summaries differ by at most a fifth in words, beside the
length baseline: a checker that only learned length is no checker.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ragassist.evaluation import metrics
from ragassist.evaluation.halueval import load_rows
from ragassist.verification import span_training
from ragassist.verification.reply_checker import ReplyExample
from ragassist.verification.span_reader import MODEL_INPUTS, base_model_path

CHECK_ROWS = (7500, 8000)


def examples(rows: list[dict[str, str]], seed: int) -> list[ReplyExample]:
    out = []
    for r in rows:
        out.append(ReplyExample(r["document"], r["right_summary"], True))
        out.append(ReplyExample(r["document"], r["hallucinated_summary"], False))
    return [out[i] for i in np.random.default_rng(seed).permutation(len(out))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-rows", type=int, nargs=2, default=[1000, 3500])
    ap.add_argument("--max-tokens", type=int, default=320)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(args.seed)
    base = str(base_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2)
    rows = load_rows("summarization")

    def encode(tok: Any, batch: list[ReplyExample]) -> dict[str, Any]:
        enc = tok([e.context for e in batch], [e.reply for e in batch], truncation="only_first",
                  max_length=args.max_tokens, padding=True, return_tensors="pt")  # fmt: skip
        inputs = {k: enc[k] for k in MODEL_INPUTS if k in enc}
        inputs["labels"] = torch.tensor([int(e.right) for e in batch])
        return inputs

    train = examples(rows[slice(*args.train_rows)], args.seed)
    t0 = time.time()

    def on_step(step: int, steps: int, loss: float) -> None:
        if step % 25 == 0 or step == steps:
            print(f"step {step}/{steps} loss {loss:.3f} {time.time() - t0:.0f} s", flush=True)

    span_training.train(model, tokenizer, train, args.seed, 1.0, 16, 3e-5, on_step, encode=encode)
    check = rows[slice(*CHECK_ROWS)]
    scores, labels, words = [], [], []
    with torch.inference_mode():
        for r in check:
            for text, right in ((r["right_summary"], 1), (r["hallucinated_summary"], 0)):
                enc = encode(tokenizer, [ReplyExample(r["document"], text, bool(right))])
                enc.pop("labels")
                logits = model(**enc).logits[0]
                scores.append(float(logits[1] - logits[0]))
                labels.append(right)
                words.append(len(text.split()))
    y, s, w = np.array(labels), np.array(scores), np.array(words)
    right_w, hall_w = w[0::2], w[1::2]
    matched = np.repeat(np.abs(right_w - hall_w) <= 0.2 * np.maximum(right_w, hall_w), 2)
    print(f"check rows {CHECK_ROWS}: {len(check)} pairs, {int(matched.sum()) // 2} length-matched")
    print(f"  checker AUROC {metrics.auroc(y, s):.3f}; length only {metrics.auroc(y, -w):.3f}")
    if matched.any():
        print(
            f"  length-matched: checker {metrics.auroc(y[matched], s[matched]):.3f}; "
            f"length only {metrics.auroc(y[matched], -w[matched]):.3f}"
        )


if __name__ == "__main__":
    main()
