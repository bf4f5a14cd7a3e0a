"""Train the reply checker from a seed on HaluEval dialogue training rows.

    python scripts/train_reply_checker.py --out ragassist/verification/data/reply-checker [--seed 0]

Rows 2000-7499 of HaluEval dialogue: each gives its right and its hallucinated reply, with the
row's knowledge and the dialogue's last turns. Rows 0-1999 (the dialogue profile's) and
7500-7999 (where scripts/fit_dialogue_checker.py fits the fusion on top) are left out; rows
8000-9999 are held out for the whole project. About 25 minutes on 2 cores for one epoch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_span_reader import train_and_save  # noqa: E402

from ragassist.evaluation import halueval  # noqa: E402
from ragassist.verification import reply_checker, span_reader  # noqa: E402

TRAIN_ROWS = (2000, 7500)


def checker_arguments(doc: str) -> argparse.ArgumentParser:
    """The options both checkers' training scripts take."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--threads", type=int, default=2)
    return ap


def train_checker(
    args: argparse.Namespace,
    build: Callable[[], list[Any]],
    encode: Callable[..., dict[str, Any]],
    about: dict[str, Any],
) -> None:
    """all-MiniLM-L6-v2 with a fresh two-way head, trained under the seed on `build()`'s
    examples and saved with the command and settings (train_span_reader.train_and_save)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    base = str(span_reader.base_model_path())
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2)
    examples = build()
    about = {**about, "examples": len(examples)}
    train_and_save(args, model, tokenizer, examples, about, encode=encode)


def main() -> None:
    args = checker_arguments(__doc__ or "").parse_args()
    rows = halueval.load_rows("dialogue")[slice(*TRAIN_ROWS)]
    train_checker(
        args,
        lambda: reply_checker.build_examples(rows, args.seed),
        reply_checker.encode_batch,
        {"rows": f"HaluEval dialogue {TRAIN_ROWS[0]}-{TRAIN_ROWS[1] - 1}"},
    )


if __name__ == "__main__":
    main()
