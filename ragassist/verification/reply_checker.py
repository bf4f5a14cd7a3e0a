"""A reply checker: a small cross-encoder that reads knowledge, the dialogue so far and a reply.

all-MiniLM-L6-v2 (the embedder's weights) with a two-way head, fine-tuned here on HaluEval
dialogue training rows (scripts/train_reply_checker.py) to tell the right reply from the
hallucinated one. Word overlap cannot see a reply that names the wrong film of the right
director; a reader of the three together can. Its log-odds join the `dialogue` profile's fusion.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..index.embed import set_offline
from .span_reader import MODEL_INPUTS, base_model_path, check_weights

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).parent / "data" / "reply-checker"
TRAIN_COMMAND = "python scripts/train_reply_checker.py --out {path}"
MAX_TOKENS = 192  # knowledge + the dialogue's end + the reply; HaluEval's are ~130
HISTORY_CHARS = 400  # the end of the dialogue history the checker reads
REPLY_SIGNALS = ("reply_logit",)


@dataclass(frozen=True)
class ReplyExample:
    """Knowledge and the dialogue's end (one text), a reply, and whether the reply is right."""

    context: str
    reply: str
    right: bool


def context_of(knowledge: str, history: str) -> str:
    """What the checker reads before the reply: the knowledge, then the dialogue's last turns."""
    return f"{knowledge.strip()} | {history.strip()[-HISTORY_CHARS:]}"


def encode(
    tokenizer: Any, contexts: Sequence[str], replies: Sequence[str], max_tokens: int = MAX_TOKENS
) -> Any:
    """One padded batch; the context is cut first, the reply only when it alone is too long."""
    return tokenizer(
        list(contexts),
        list(replies),
        truncation="longest_first",
        max_length=max_tokens,
        padding=True,
        return_tensors="pt",
    )


def build_examples(rows: Sequence[dict[str, str]], seed: int) -> list[ReplyExample]:
    """Both replies of each HaluEval dialogue row, shuffled under the seed."""
    import numpy as np

    out = []
    for r in rows:
        context = context_of(r["knowledge"], r["dialogue_history"])
        out.append(ReplyExample(context, r["right_response"], True))
        out.append(ReplyExample(context, r["hallucinated_response"], False))
    return [out[i] for i in np.random.default_rng(seed).permutation(len(out))]


def encode_batch(
    tokenizer: Any, batch: Sequence[ReplyExample], max_tokens: int = MAX_TOKENS
) -> dict[str, Any]:
    """Token ids and labels (1: right) of one training batch (span_training.train's encode)."""
    import torch

    enc = encode(tokenizer, [e.context for e in batch], [e.reply for e in batch], max_tokens)
    inputs = {k: enc[k] for k in MODEL_INPUTS if k in enc}
    inputs["labels"] = torch.tensor([int(e.right) for e in batch])
    return inputs


class PairChecker:
    """A fine-tuned cross-encoder of (context, text), loaded once; `logits` scores in batches.
    The reply checker and the summary checker are two of them."""

    def __init__(
        self,
        weights: Path,
        name: str,
        command: str,
        max_tokens: int,
        model: Any = None,
        tokenizer: Any = None,
    ) -> None:
        set_offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.max_tokens = max_tokens
        self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(base_model_path()))
        if model is None:
            check_weights(weights, command, name)
            log.info("loading the %s from %s", name, weights)
            model = AutoModelForSequenceClassification.from_pretrained(str(weights))
        self.model = model.float().eval()

    def logits(self, contexts: Sequence[str], texts: Sequence[str]) -> list[float]:
        """log-odds that each text is right, given its context."""
        import torch

        enc = encode(self.tokenizer, contexts, texts, self.max_tokens)
        with torch.inference_mode():
            out = self.model(**{k: v for k, v in enc.items() if k in MODEL_INPUTS}).logits
        return (out[:, 1] - out[:, 0]).tolist()


class ReplyChecker(PairChecker):
    """The dialogue reply checker: knowledge and the dialogue's end (context_of), and a reply."""

    def __init__(self, weights: Path = SHIPPED, model: Any = None, tokenizer: Any = None) -> None:
        super().__init__(weights, "reply checker", TRAIN_COMMAND, MAX_TOKENS, model, tokenizer)

    def signals(self, knowledge: str, history: str, reply: str) -> dict[str, float]:
        """The fusion's signal for one reply."""
        return {"reply_logit": self.logits([context_of(knowledge, history)], [reply])[0]}
