"""Generation: the decoding loop that streams an answer, with stop rules and a token trace.

The loop is written out (one model step per token) rather than calling ``model.generate`` in a
thread: it streams without a thread and records each token's log-probability and entropy for the
verifier. The backends supply the steps: onnx_backend.py (onnxruntime, the default),
torch_backend.py (PyTorch) and llamacpp_backend.py (optional); each reuses the cached prompt
prefix. backends.py picks one by configuration.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..config import GenerateConfig
from .prompt import Prompt

log = logging.getLogger(__name__)


@runtime_checkable
class Generator(Protocol):
    """Streams the answer to a prompt as text pieces, in order."""

    name: str

    def generate(self, prompt: Prompt | str) -> Iterator[str]: ...


@dataclass(frozen=True)
class TokenStep:
    """One generated token and how sure the model was of it."""

    token_id: int
    text: str  # the token alone, decoded
    logprob: float  # log P(token) under the model's raw distribution (temperature 1)
    entropy: float  # entropy of that distribution, in nats


@dataclass
class Trace:
    """What the last generation did: its tokens, why it stopped, and its timings."""

    steps: list[TokenStep] = field(default_factory=list)
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens whose keys/values came from the prefix cache
    stop_reason: str = ""  # "eos", "stop:<sequence>", "max_new_tokens"
    first_token_s: float = 0.0  # seconds from the call to the first token
    total_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        """Decoding speed after the first token."""
        decode = self.total_s - self.first_token_s
        return (len(self.steps) - 1) / decode if len(self.steps) > 1 and decode > 0 else 0.0

    def offsets(self) -> list[tuple[int, float]]:
        """(where the token starts in the generated text, its log-probability) per token."""
        out, at = [], 0
        for step in self.steps:
            out.append((at, step.logprob))
            at += len(step.text)
        return out


def _split_stop(text: str, stops: Sequence[str]) -> tuple[str, str | None, int]:
    """(text before the earliest stop, that stop or None, length that is safe to emit)."""
    best: tuple[int, str] | None = None
    for stop in stops:
        i = text.find(stop)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, stop)
    if best is not None:
        return text[: best[0]], best[1], best[0]
    hold = 0  # hold back a tail that could still grow into a stop sequence
    for stop in stops:
        for n in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:n]):
                hold = max(hold, n)
                break
    return text, None, len(text) - hold


def reusable_prefix(cached: Sequence[int], ids: Sequence[int]) -> int:
    """How many leading prompt tokens a backend's cache already holds (at least one is left to
    evaluate, so the step returns fresh logits)."""
    keep = 0
    for a, b in zip(cached, ids, strict=False):
        if a != b:
            break
        keep += 1
    return min(keep, len(ids) - 1)


class DecodingLoop:
    """Greedy or sampled decoding with stop rules, streaming and a token trace, over any model.

    A backend supplies the tokenizer, the window and two steps: `_start` (the prompt in, the
    next token's logits out, reusing what it has cached) and `_next` (one token in, logits out).
    """

    config: GenerateConfig
    name: str
    last_trace: Trace
    window: int
    _tokenizer: Any = None

    def _load(self) -> None:
        """Load the model and its tokenizer (on first use)."""
        raise NotImplementedError

    _model: Any = None

    @property
    def model(self) -> Any:
        """The backend's model object, loaded on first use."""
        if self._model is None:
            self._load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._load()
        return self._tokenizer

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        raise NotImplementedError

    def _next(self, token: int) -> Any:
        raise NotImplementedError

    def _model_eos(self) -> list[int]:
        """End-of-sequence ids the model itself declares, beyond the tokenizer's."""
        return []

    def reset_cache(self) -> None:
        """Forget cached prompt tokens, so the next prompt is evaluated whole (benchmarks)."""

    def with_config(self, config: GenerateConfig) -> DecodingLoop:
        """A generator with other settings sharing this one's loaded model (no second copy)."""
        raise NotImplementedError

    @functools.cached_property
    def eos_ids(self) -> frozenset[int]:
        """Token ids that end the answer: eos from tokenizer and model, end-of-turn markers."""
        ids: set[int] = set(self._model_eos())
        source = self.tokenizer.eos_token_id
        if isinstance(source, int):
            ids.add(source)
        vocab = self.tokenizer.get_vocab()
        ids.update(vocab[t] for t in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>") if t in vocab)
        return frozenset(ids)

    def _choose(self, logits: Any, history: list[int], generator: Any) -> int:
        import torch

        cfg = self.config
        if cfg.repetition_penalty != 1.0 and history:
            seen = torch.tensor(sorted(set(history)))
            picked = logits[seen]
            logits = logits.clone()
            logits[seen] = torch.where(
                picked > 0, picked / cfg.repetition_penalty, picked * cfg.repetition_penalty
            )
        if cfg.temperature == 0.0:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits / cfg.temperature, dim=-1)
        if cfg.top_p < 1.0:
            sorted_p, order = torch.sort(probs, descending=True)
            keep = torch.cumsum(sorted_p, 0) - sorted_p < cfg.top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
        return int(torch.multinomial(probs, 1, generator=generator))

    def generate(self, prompt: Prompt | str) -> Iterator[str]:
        """Stream the answer as text pieces; `last_trace` holds the tokens once it finishes."""
        return self._generate(prompt)

    def _generate(self, prompt: Prompt | str) -> Iterator[str]:
        import torch

        start = time.perf_counter()
        tok, cfg = self.tokenizer, self.config
        if isinstance(prompt, Prompt):
            ids, prefix_tokens = list(prompt.input_ids), prompt.prefix_tokens
        else:
            ids, prefix_tokens = tok(prompt, add_special_tokens=False)["input_ids"], 0
        budget = min(cfg.max_new_tokens, max(0, self.window - len(ids)))
        trace = self.last_trace = Trace(prompt_tokens=len(ids), stop_reason="max_new_tokens")
        sampler = torch.Generator().manual_seed(cfg.seed)
        new: list[int] = []
        emitted = 0
        logits = self._start(ids, prefix_tokens)
        for _ in range(budget):
            logp = torch.log_softmax(logits, dim=-1)
            token = self._choose(logits, ids + new, sampler)
            entropy = float(-(logp.exp() * logp).sum())
            if not trace.steps:
                trace.first_token_s = time.perf_counter() - start
            trace.steps.append(TokenStep(token, tok.decode([token]), float(logp[token]), entropy))
            if token in self.eos_ids:
                trace.stop_reason = "eos"
                break
            new.append(token)
            text = tok.decode(new, skip_special_tokens=True)
            kept, stop, safe = _split_stop(text, cfg.stop)
            if stop is not None:
                trace.stop_reason = f"stop:{stop}"
                if len(kept) > emitted:
                    yield kept[emitted:]
                emitted = len(kept)
                break
            if text.endswith("\ufffd"):  # an incomplete UTF-8 sequence: wait for the rest
                safe = min(safe, len(text) - 1)
            if safe > emitted:
                yield text[emitted:safe]
                emitted = safe
            if len(trace.steps) == budget:
                break
            logits = self._next(token)
        if trace.stop_reason in ("eos", "max_new_tokens"):
            tail = tok.decode(new, skip_special_tokens=True)[emitted:]
            if tail:
                yield tail
        trace.total_s = time.perf_counter() - start
        log.debug(
            "generated %d tokens (%s) in %.2fs, first after %.2fs",
            len(trace.steps),
            trace.stop_reason,
            trace.total_s,
            trace.first_token_s,
        )

    def complete(self, prompt: Prompt | str) -> str:
        """The whole answer at once (the stream joined)."""
        return "".join(self.generate(prompt))
