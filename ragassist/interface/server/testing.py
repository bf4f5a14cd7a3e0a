"""Test hook: a scripted tiny generator, so server tests run in seconds without a model package.

With RAGASSIST_TEST_TINY_MODELS=1 the server embeds with the hashing embedder ("hash-64": the
index must be built with it) and answers with the tiny random-weight model of
ragassist.generation.tiny, whose token choice is replaced by a fixed script: one sentence the
handbook supports, citing passage [1], and one invented sentence the verifier flags. Every
other stage is real: prompt, streaming, citations, verification, the queue.
RAGASSIST_TEST_TOKEN_DELAY=SECONDS slows each token, so a test can queue or cancel answers;
with RAGASSIST_TEST_HOLD_GIL=1 the wait holds the GIL, as onnxruntime-genai does while it decodes
a token, so a test can show that searches do not wait behind answers. Not for users.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import Any

from ...config import GenerateConfig
from ...generation.torch_backend import TransformersGenerator

TINY_ENV = "RAGASSIST_TEST_TINY_MODELS"
DELAY_ENV = "RAGASSIST_TEST_TOKEN_DELAY"
HOLD_GIL_ENV = "RAGASSIST_TEST_HOLD_GIL"
TINY_NAME = "tiny-scripted"
WINDOW = 4096  # its byte-level tokens are short: room for the retrieved passages
# what the test hook changes in a tiny server's config (engine.py), for a CLI run beside it
TINY_TOML = f"""[embed]
model = "hash-64"
[retrieve]
min_relevance = 0.0
[generate]
context_tokens = {WINDOW}
[verify]
answer_judge = false
"""
SCRIPT = (
    "A variational autoencoder has an encoder that compresses an input into a short code [1]. "
    "It was first built on the Moon in 1066 by King Harold."
)


def tiny_enabled() -> bool:
    return os.environ.get(TINY_ENV) == "1"


class ScriptedGenerator(TransformersGenerator):
    """The tiny random model's decoding loop, made to pick the script's tokens in order."""

    def __init__(self, config: GenerateConfig, model: Any = None, tokenizer: Any = None) -> None:
        if model is None or tokenizer is None:
            from ...generation.tiny import tiny_causal_lm

            tokenizer, model = tiny_causal_lm(seed=0, window=WINDOW)
        super().__init__(config, model=model, tokenizer=tokenizer)
        self.name = TINY_NAME
        self._script = tokenizer(SCRIPT, add_special_tokens=False)["input_ids"]
        self._at = 0
        self.delay = float(os.environ.get(DELAY_ENV, "0") or 0)
        self.hold_gil = os.environ.get(HOLD_GIL_ENV) == "1"

    def with_config(self, config: GenerateConfig) -> ScriptedGenerator:
        return ScriptedGenerator(config, model=self.model, tokenizer=self.tokenizer)

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        self._at = 0
        return super()._start(ids, prefix_tokens)

    def _next(self, token: int) -> Any:
        if self.delay and self.hold_gil:
            ctypes.pythonapi.usleep(int(self.delay * 1e6))  # C sleep called with the GIL held
        elif self.delay:
            time.sleep(self.delay)
        return super()._next(token)

    def _choose(self, logits: Any, history: list[int], generator: Any) -> int:
        at, self._at = self._at, self._at + 1
        return self._script[at] if at < len(self._script) else min(self.eos_ids)
