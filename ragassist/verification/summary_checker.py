"""A summary checker: the reply checker's design reading a document and a summary of it.

all-MiniLM-L6-v2 with a two-way head, fine-tuned here on HaluEval summarization training rows
(scripts/train_summary_checker.py) to tell a right summary from a hallucinated one. It reads the
document's first tokens (a summary mostly restates the start of a news story) and the whole
summary. Its log-odds join the `summarization` profile's fusion.

Known limit: HaluEval's hallucinated summaries are longer and more embellished than the right
ones, and the checker learned their style more than the facts: against the right summary with
one FactCC-style edit (`edited`: another name of the document, a changed number, a flipped
negation) it is at chance (scripts/experiments/summary_edits.py). Training on such edits too
(`build_examples(..., edits=True)`) did not learn in one epoch; that is the next step.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .reply_checker import PairChecker, ReplyExample
from .reply_checker import encode_batch as encode_pair_batch
from .signals import entities
from .synthetic import change_number, flip_negation, swap_name

SHIPPED = Path(__file__).parent / "data" / "summary-checker"
TRAIN_COMMAND = "python scripts/train_summary_checker.py --out {path}"
MAX_TOKENS = 320  # the document's start and the summary (a HaluEval summary is ~60 tokens)
SUMMARY_SIGNALS = ("summary_logit",)


def edited(summary: str, document: str, rng: random.Random) -> str | None:
    """The summary with one edit that makes it wrong (None when no edit applies): a name swapped
    for another of the document's, a number changed, or a negation flipped."""
    names = sorted({e for e in entities(document) if len(e) > 3})
    edits = [
        swap_name(summary, rng.sample(names, min(20, len(names))), rng),
        change_number(summary, rng),
        flip_negation(summary),
    ]
    options = [e for e in edits if e and e != summary]
    return rng.choice(options) if options else None


def build_examples(
    rows: Sequence[dict[str, str]], seed: int, edits: bool = False
) -> list[ReplyExample]:
    """Both summaries of each HaluEval summarization row and (with `edits`) the right one
    edited, shuffled under the seed."""
    import numpy as np

    rng = random.Random(seed)
    out = []
    for r in rows:
        out.append(ReplyExample(r["document"], r["right_summary"], True))
        out.append(ReplyExample(r["document"], r["hallucinated_summary"], False))
        wrong = edited(r["right_summary"], r["document"], rng) if edits else None
        if wrong:
            out.append(ReplyExample(r["document"], wrong, False))
    return [out[i] for i in np.random.default_rng(seed).permutation(len(out))]


def encode_batch(tokenizer: Any, batch: Sequence[ReplyExample]) -> dict[str, Any]:
    """Token ids and labels of one training batch, cut at this checker's length."""
    return encode_pair_batch(tokenizer, batch, MAX_TOKENS)


class SummaryChecker(PairChecker):
    """Loads the fine-tuned summary checker once."""

    def __init__(self, weights: Path = SHIPPED, model: Any = None, tokenizer: Any = None) -> None:
        super().__init__(weights, "summary checker", TRAIN_COMMAND, MAX_TOKENS, model, tokenizer)

    def signals(self, document: str, summary: str) -> dict[str, float]:
        """The fusion's signal for one summary of a document."""
        return {"summary_logit": self.logits([document], [summary])[0]}
