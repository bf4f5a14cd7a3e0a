"""The optional llama.cpp backend: the same GGUF file, decoded in C++ (`generate.backend = "llama.cpp"`).

A model this small is dominated by per-token overhead, which PyTorch pays in Python and llama.cpp
does not. The prompt is still built and tokenised by the Hugging Face tokenizer, so both
backends see the same token ids, and the decoding loop (stop rules, streaming, token trace) is the
same code. Needs `llama-cpp-python`, which compiles from source: `make install-llamacpp`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ..config import GenerateConfig
from ..errors import ModelMissingError
from .decoding import DecodingLoop, Trace, reusable_prefix

log = logging.getLogger(__name__)

INSTALL = "make install-llamacpp   (or: .venv/bin/pip install 'llama-cpp-python==0.3.36')"


def _import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError as e:
        raise ModelMissingError(
            "llama-cpp-python (needed by generate.backend = 'llama.cpp'; it compiles llama.cpp, "
            "about 15 minutes on 2 cores)",
            INSTALL,
        ) from e
    return llama_cpp


class LlamaCppGenerator(DecodingLoop):
    """A packaged GGUF model (or a .gguf file) run by llama.cpp; loads on first use."""

    def __init__(self, config: GenerateConfig | None = None) -> None:
        self.config = replace(config or GenerateConfig(), backend="llama.cpp")
        self.name = f"{self.config.model} (llama.cpp)"
        self.last_trace = Trace()
        self._model: Any = None
        self._tokenizer: Any = None
        self._n_vocab = 0

    def _load(self) -> None:
        from .models import gguf_source

        llama_cpp = _import_llama()
        path, self._tokenizer = gguf_source(self.config.model)
        threads = self.config.threads or None
        self._model = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=self.config.context_tokens,
            n_threads=threads,
            n_threads_batch=threads,
            seed=self.config.seed,
            verbose=False,
        )
        self._n_vocab = self._model.n_vocab()
        log.info("llama.cpp loaded %s (%d-token context)", path, self._model.n_ctx())

    @property
    def window(self) -> int:  # type: ignore[override]
        """Prompt + answer tokens: the context llama.cpp was opened with (generate.context_tokens)."""
        return int(self.model.n_ctx())

    def reset_cache(self) -> None:
        if self._model is not None:
            self._model.n_tokens = 0

    def with_config(self, config: GenerateConfig) -> LlamaCppGenerator:
        other = LlamaCppGenerator(config)
        other._model, other._tokenizer, other._n_vocab = self.model, self.tokenizer, self._n_vocab
        return other

    def _model_eos(self) -> list[int]:
        return [int(self.model.token_eos())]

    def _logits(self) -> Any:
        """The next token's logits after the last evaluated token, as a torch tensor."""
        import numpy as np
        import torch

        llama_cpp = _import_llama()
        row = llama_cpp.llama_get_logits_ith(self.model.ctx, -1)
        return torch.from_numpy(np.ctypeslib.as_array(row, shape=(self._n_vocab,)).copy())

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        """Evaluate the prompt, keeping whatever leading tokens are already in llama.cpp's cache."""
        llm = self.model
        keep = reusable_prefix(list(llm.input_ids[: llm.n_tokens]), ids)
        self.last_trace.cached_tokens = keep
        llm.n_tokens = keep  # eval() drops the cache past this point before decoding
        llm.eval(ids[keep:])
        return self._logits()

    def _next(self, token: int) -> Any:
        self.model.eval([token])
        return self._logits()
