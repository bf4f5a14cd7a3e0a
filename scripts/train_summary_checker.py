"""Train the summary checker from a seed on HaluEval summarization training rows.

    python scripts/train_summary_checker.py --out ragassist/verification/data/summary-checker [--seed 0]

Rows 1000-4999 of HaluEval summarization: each gives its right and its hallucinated summary,
with the row's document. Rows 0-999 (the summarization profile's and spare) and 7500-7999 (where
scripts/fit_halueval_stack.py fits the fusion on top) are left out; rows 8000-9999 are held out
for the whole project. About 35 minutes on 2 cores for one epoch.

--edits also gives each row's right summary with one FactCC-style edit as a wrong one (tried on
rows 1000-3399, not kept: the loss stayed at the class prior and the checker learned neither the
edits nor HaluEval; docs/results.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_span_reader import train_and_save  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.verification import span_reader, summary_checker  # noqa: E402

TRAIN_ROWS = (1000, 5000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", type=int, nargs=2, default=list(TRAIN_ROWS))
    ap.add_argument("--edits", action="store_true", help="add edited right summaries")
    args = ap.parse_args()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    base = str(span_reader.base_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2)
    rows = halueval.load_rows("summarization")[slice(*args.rows)]
    examples = summary_checker.build_examples(rows, args.seed, args.edits)
    about = {
        "rows": f"HaluEval summarization {args.rows[0]}-{args.rows[1] - 1}",
        **({"edits": True} if args.edits else {}),
        "examples": len(examples),
        "max_tokens": summary_checker.MAX_TOKENS,
    }
    train_and_save(args, model, tokenizer, examples, about, encode=summary_checker.encode_batch)


if __name__ == "__main__":
    main()
