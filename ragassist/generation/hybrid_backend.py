"""The prompt evaluated by PyTorch in bfloat16, the answer decoded by the onnxruntime int8 export.

On CPUs with AMX, PyTorch's bf16 matrix products evaluate a prompt several times faster than the
int8 export, which decodes as fast or faster (half the weight bytes a token). The key-value cache
is handed from one to the other as float32 arrays: on an Intel AMX host the first token came 3.3x
(0.5B) and 4.6x (1.5B) sooner with the same answers in 19 of 20 prompts
(scripts/experiments/try_hybrid_prefill.py). Elsewhere PyTorch's bf16 is slow: use onnxruntime.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import numpy as np

from ..config import GenerateConfig
from .decoding import reusable_prefix
from .onnx_backend import OnnxGenerator, onnx_copy

log = logging.getLogger(__name__)

# at most this many new prompt tokens go through the export instead of PyTorch: a PyTorch call
# of the 1.5B costs ~0.4 s however short (its bf16 weights are read once), the export 0.15 s for
# one token and as much as PyTorch at 16 (scripts/experiments/time_hybrid_suffixes.py)
EXPORT_TOKENS = 16


class HybridGenerator(OnnxGenerator):
    """A generator whose prompts run in PyTorch bf16 and whose tokens run in onnxruntime int8.

    The cache of the last sequence is kept, so the next prompt evaluates only what it does not
    share with it (the system prompt, the judge's evidence), as the onnxruntime backend does.
    """

    def __init__(self, config: GenerateConfig | None = None) -> None:
        super().__init__(replace(config or GenerateConfig(), dtype="int8"))
        self.config = replace(self.config, backend="hybrid")
        self.name = f"{self.config.model} (PyTorch bf16 prompt, onnxruntime int8 tokens)"
        self._torch_model: Any = None  # the prompt's model; self._model is the export's session
        self._outputs: list[str] = []
        self._past: list[tuple[np.ndarray, np.ndarray]] = []  # per layer: keys, values (float32)

    def _load(self) -> None:
        import onnxruntime as ort
        import torch

        from .models import load_causal_lm

        folder = onnx_copy(self.config.model, self.precision)
        tokenizer, self._torch_model = load_causal_lm(self.config.model, torch.bfloat16)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._model = ort.InferenceSession(str(folder / "model.onnx"), options)
        self._outputs = [o.name for o in self._model.get_outputs()]
        self._meta = json.loads((folder / "genai_config.json").read_text())["model"]
        self._tokenizer = tokenizer
        log.info("hybrid generator loaded %s: PyTorch bf16 prompts, int8 tokens", folder)

    def reset_cache(self) -> None:
        self._seq, self._past = [], []

    def with_config(self, config: GenerateConfig) -> HybridGenerator:
        other = HybridGenerator(config)
        other._model, other._tokenizer, other._meta = self.model, self.tokenizer, self._meta
        other._torch_model, other._outputs = self._torch_model, self._outputs
        return other

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        """Evaluate the prompt after the tokens the kept cache already holds: in PyTorch, or in
        the export when only a few tokens are new (a judge's second question)."""
        _ = self.model
        keep = min(reusable_prefix(self._seq, ids), len(ids) - 1)  # at least one token to run
        self.last_trace.cached_tokens = keep
        if keep and len(ids) - keep <= EXPORT_TOKENS:
            self._past = [(k[:, :, :keep], v[:, :, :keep]) for k, v in self._past]
            self._seq = list(ids)
            return self._run_export(ids[keep:])
        return self._run_torch(ids, keep)

    def _run_torch(self, ids: list[int], keep: int) -> Any:
        """ids[keep:] through the PyTorch bf16 model, on the first `keep` tokens' kept cache."""
        import torch
        from transformers import DynamicCache

        cache = DynamicCache()
        for layer, (keys, values) in enumerate(self._past if keep else []):
            cache.update(
                torch.from_numpy(keys[:, :, :keep]).to(torch.bfloat16),
                torch.from_numpy(values[:, :, :keep]).to(torch.bfloat16),
                layer,
            )
        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                out = self._torch_model(
                    input_ids=torch.tensor([ids[keep:]]),
                    past_key_values=cache,
                    use_cache=True,
                    logits_to_keep=1,
                )
        finally:
            torch.set_num_threads(before)
        self._past = [
            (layer.keys.float().numpy(), layer.values.float().numpy())
            for layer in out.past_key_values.layers
        ]
        self._seq = list(ids)
        return out.logits[0, -1].float()

    def _next(self, token: int) -> Any:
        """One token through the int8 export, with the cache of everything before it."""
        self._seq.append(token)
        return self._run_export([token])

    def _run_export(self, tokens: list[int]) -> Any:
        """The last of `tokens` (already at the end of self._seq) through the int8 export, on the
        kept cache of the tokens before them; the cache grows by them."""
        import torch

        feeds: dict[str, np.ndarray] = {
            "input_ids": np.array([tokens], dtype=np.int64),
            "attention_mask": np.ones((1, len(self._seq)), dtype=np.int64),
        }
        for layer, (keys, values) in enumerate(self._past):
            feeds[f"past_key_values.{layer}.key"] = keys
            feeds[f"past_key_values.{layer}.value"] = values
        result = dict(zip(self._outputs, self.model.run(self._outputs, feeds), strict=True))
        self._past = [
            (result[f"present.{layer}.key"], result[f"present.{layer}.value"])
            for layer in range(len(self._past))
        ]
        return torch.from_numpy(result["logits"][0, -1].copy()).float()
