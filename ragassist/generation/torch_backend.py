"""The PyTorch generator backend: a transformers causal LM decoded step by step.

The decoding loop is written out (one forward per token over a KV cache) rather than calling
``model.generate`` in a thread: it streams without a thread, records each token's log-probability
and entropy for the verifier, and reuses the cached system-prompt prefix across questions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..config import GenerateConfig
from ..errors import ConfigError
from .decoding import DecodingLoop, Trace
from .prompt import Prompt


def quantize_int8(model: Any) -> Any:
    """A copy of the model with its linear layers in dynamic int8 (2x faster decoding, measured).

    Changes greedy answers (9 of 10 differed from fp32 on HaluEval rows in bench/generate.py), so
    it is opt-in: generate.dtype = "int8".
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao deprecation notices
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class TransformersGenerator(DecodingLoop):
    """A local causal LM from the registry, decoded in PyTorch; loads on first use, once per process."""

    def __init__(
        self, config: GenerateConfig | None = None, model: Any = None, tokenizer: Any = None
    ):
        self.config = replace(config or GenerateConfig(), backend="transformers")
        self.name = self.config.model
        self._model, self._tokenizer = model, tokenizer
        self.last_trace = Trace()
        self._prefix: tuple[list[int], Any] | None = None  # (token ids, their KV cache)
        self._cache: Any = None  # the KV cache of the generation under way

    def _load(self) -> None:
        import torch

        from .models import load_causal_lm

        dtype_name = self.config.resolved_dtype
        if dtype_name == "int8":
            tok, model = load_causal_lm(self.config.model, torch.float32)
            self._tokenizer, self._model = tok, quantize_int8(model)
        elif dtype_name == "int4":
            raise ConfigError("generate.dtype = 'int4' needs the onnxruntime backend")
        else:
            dtype = getattr(torch, dtype_name)
            self._tokenizer, self._model = load_causal_lm(self.config.model, dtype)

    @property
    def window(self) -> int:  # type: ignore[override]
        """Prompt + answer tokens this generator handles: the config cap or the model's window."""
        native = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        return min(native, self.config.context_tokens)

    def reset_cache(self) -> None:
        self._prefix = None

    def with_config(self, config: GenerateConfig) -> TransformersGenerator:
        return TransformersGenerator(config, model=self.model, tokenizer=self.tokenizer)

    def _model_eos(self) -> list[int]:
        source = self.model.generation_config.eos_token_id
        return [source] if isinstance(source, int) else list(source or [])

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        """Run the prompt through the model, reusing the cached prefix when it matches."""
        import torch
        from transformers import DynamicCache

        cache, start = None, 0
        if self._prefix is not None:
            prefix_ids, prefix_cache = self._prefix
            if len(prefix_ids) < len(ids) and ids[: len(prefix_ids)] == prefix_ids:
                cache, start = copy.deepcopy(prefix_cache), len(prefix_ids)
        if cache is None:
            cache = DynamicCache(config=self.model.config)
        self.last_trace.cached_tokens = start
        input_ids = torch.tensor([ids[start:]])
        if start == 0 and 0 < prefix_tokens < len(ids):  # fill and keep the prefix first
            head = self.model(input_ids=input_ids[:, :prefix_tokens], past_key_values=cache)
            self._prefix = (ids[:prefix_tokens], copy.deepcopy(head.past_key_values))
            cache, input_ids = head.past_key_values, input_ids[:, prefix_tokens:]
        out = self.model(input_ids=input_ids, past_key_values=cache, logits_to_keep=1)
        self._cache = out.past_key_values
        return out.logits[0, -1].float()

    def _next(self, token: int) -> Any:
        import torch

        out = self.model(
            input_ids=torch.tensor([[token]]), past_key_values=self._cache, use_cache=True
        )
        self._cache = out.past_key_values
        return out.logits[0, -1].float()

    def generate(self, prompt: Prompt | str) -> Iterator[str]:
        """Stream the answer as text pieces; `last_trace` holds the tokens once it finishes.

        torch uses config.threads threads while this runs (1 when 0; restored after):
        on a busy 2-core machine one thread decoded 5x faster than two (bench/generate.py).
        """
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(self.config.threads or 1)
        try:
            with torch.inference_mode():
                yield from self._generate(prompt)
        finally:
            self._cache = None
            torch.set_num_threads(before)
