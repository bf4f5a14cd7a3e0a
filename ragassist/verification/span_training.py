"""Fine-tune the span reader: examples from HaluEval-QA rows, and a seeded training loop (which
the reply checker shares).

Each row gives a positive example (its question, its passage, the first place the gold answer
stands verbatim in it) and, for half the rows, a negative (its question with another row's
passage that shares the most question words, out of a few drawn at random): the reader learns to
point at [CLS] when the passage does not answer. Rows whose gold answer is not in the passage
(5%, mostly yes/no) give only the negative. Same rows, seed and thread count: same weights.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .span_reader import MAX_TOKENS, MODEL_INPUTS

log = logging.getLogger(__name__)

NEGATIVE_SHARE = 0.5  # rows that also give a "no answer" example
NEGATIVE_DRAWS = 30  # candidates a negative passage is chosen from
_WORD = re.compile(r"[a-z0-9]{3,}")


@dataclass(frozen=True)
class Example:
    """A question, a passage, and the gold answer's character span in it (None: no answer)."""

    question: str
    passage: str
    answer_start: int | None = None
    answer_end: int | None = None


def build_examples(rows: Sequence[dict[str, str]], seed: int) -> list[Example]:
    """Positive and negative examples from HaluEval-QA rows, shuffled under the seed."""
    rng = np.random.default_rng(seed)
    words = [set(_WORD.findall(r["question"].lower())) for r in rows]
    out: list[Example] = []
    for i, row in enumerate(rows):
        at = row["knowledge"].lower().find(row["right_answer"].lower().strip())
        if at >= 0 and row["right_answer"].strip():
            end = at + len(row["right_answer"].strip())
            out.append(Example(row["question"], row["knowledge"], at, end))
        if rng.random() < NEGATIVE_SHARE or at < 0:
            draws = [int(j) for j in rng.integers(0, len(rows), NEGATIVE_DRAWS) if j != i]
            draws = [j for j in draws if rows[j]["knowledge"] != row["knowledge"]]
            if draws:
                j = max(
                    draws,
                    key=lambda k: len(words[i] & set(_WORD.findall(rows[k]["knowledge"].lower()))),
                )
                out.append(Example(row["question"], rows[j]["knowledge"]))
    order = rng.permutation(len(out))
    return [out[k] for k in order]


def encode_batch(tokenizer: Any, batch: Sequence[Example]) -> dict[str, Any] | None:
    """Token ids and start/end labels of one batch; examples whose span was cut off are dropped."""
    import torch

    enc = tokenizer(
        [e.question for e in batch],
        [e.passage for e in batch],
        truncation="only_second",
        max_length=MAX_TOKENS,
        return_offsets_mapping=True,
        padding=True,
        return_tensors="pt",
    )
    starts, ends, keep = [], [], []
    for b, ex in enumerate(batch):
        if ex.answer_start is None or ex.answer_end is None:
            starts.append(0)
            ends.append(0)
            keep.append(b)
            continue
        seq = enc.sequence_ids(b)
        offs = enc["offset_mapping"][b].tolist()
        tokens = [t for t, s in enumerate(seq) if s == 1]
        first = [t for t in tokens if offs[t][1] > ex.answer_start]
        last = [t for t in tokens if offs[t][0] < ex.answer_end]
        if not first or not last or offs[tokens[-1]][1] < ex.answer_end:
            continue  # the answer lies beyond the window
        starts.append(first[0])
        ends.append(last[-1])
        keep.append(b)
    if not keep:
        return None
    idx = torch.tensor(keep)
    inputs = {k: enc[k][idx] for k in MODEL_INPUTS if k in enc}
    inputs["start_positions"] = torch.tensor(starts)
    inputs["end_positions"] = torch.tensor(ends)
    return inputs


def train(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Example],
    seed: int,
    epochs: float = 1.0,
    batch_size: int = 16,
    lr: float = 5e-5,
    on_step: Callable[[int, int, float], None] | None = None,
    encode: Callable[[Any, Sequence[Any]], dict[str, Any] | None] = encode_batch,
) -> list[float]:
    """AdamW with linear warm-up (10%) and decay; returns the loss of every step. `encode` turns
    a batch of examples into the model's inputs with labels (the reply checker passes its own)."""
    import torch

    torch.manual_seed(seed)
    steps = max(1, math.ceil(len(examples) * epochs / batch_size))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    model.train()
    losses: list[float] = []
    for step in range(steps):
        lo = (step * batch_size) % len(examples)
        batch = [examples[(lo + k) % len(examples)] for k in range(batch_size)]
        inputs = encode(tokenizer, batch)
        if inputs is None:
            continue
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(float(loss.detach()))
        if on_step:
            on_step(step + 1, steps, losses[-1])
    model.eval()
    return losses


def save_weights(model: Any, out: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The weights in fp16 (half the size; the same readings) and training.json: meta, the loss
    at the start and end, and the sha256 the loader checks."""
    import torch

    from ..generation.models import sha256_file

    out.mkdir(parents=True, exist_ok=True)
    model.to(torch.float16).save_pretrained(str(out))
    meta = {**meta, "sha256": sha256_file(out / "model.safetensors")}
    (out / "training.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta
