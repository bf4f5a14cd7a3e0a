"""The packaged MiniLM run by onnxruntime from its one-time export (int8 or fused fp32).

PyTorch eager pays Python and thread start-up for each of a BERT's few hundred small ops; the
ONNX graph runs them in one call, and int8 weights use the CPU's VNNI instructions. Texts are
sorted by length and batched, so each batch pads only to its own longest text, as
sentence-transformers does; vectors come back in input order, unit length.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from .onnx_export import OnnxVariant, ensure_export

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 tokens (sentence_bert_config)
SMALL_BATCH = 4  # this many texts or fewer (a query, a claim) run on the one-thread session


class OnnxEmbedder:
    """all-MiniLM-L6-v2 through onnxruntime; exported and loaded on first use."""

    def __init__(
        self,
        variant: OnnxVariant = "onnx-int8",
        batch_size: int = 64,
        threads: int = 0,
        spin: bool = False,
    ) -> None:
        self.variant = variant
        self.spin = spin  # let idle workers spin-wait (bench/query.py measures both)
        # fp32 vectors match PyTorch's (cosine > 0.99999): same name, so the indexes are shared;
        # int8 vectors differ (cosine ~0.99), so an index made with them has a name of its own
        self.name = "all-MiniLM-L6-v2" if variant == "onnx-fp32" else f"all-MiniLM-L6-v2+{variant}"
        self.dim = 384
        self.batch_size = batch_size
        self.threads = threads

    @functools.cached_property
    def session(self) -> Any:
        """The session for batches: `threads` intra-op threads (0 = every core)."""
        return self._session(self.threads)

    @functools.cached_property
    def query_session(self) -> Any:
        """The session for a few texts (a query): one thread, loaded at the first query.

        One query took 5.7 ms of CPU on one thread against 6.1 on two, and waited less for a
        core beside other jobs (bench/query.py); a second thread only pays on batches.
        """
        return self.session if self.threads == 1 else self._session(1)

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort

        folder = ensure_export(self.variant)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # a spinning worker burns its core while it waits for work (bench/query.py)
        options.add_session_config_entry("session.intra_op.allow_spinning", str(int(self.spin)))
        log.info("loading the ONNX embedder from %s (%s threads)", folder, threads or "all")
        return ort.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    @functools.cached_property
    def tokenizer(self) -> Any:
        """The model's own tokenizer (copied beside the export): chunk sizes are counted in it."""
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(ensure_export(self.variant)))

    @property
    def max_tokens(self) -> int:
        return MAX_TOKENS

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors, in the order of `texts`."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np"
        )
        feeds = {
            "input_ids": enc["input_ids"].astype(np.int64),
            "attention_mask": enc["attention_mask"].astype(np.int64),
        }
        session = self.query_session if len(texts) <= SMALL_BATCH else self.session
        vectors = np.asarray(session.run(None, feeds)[0], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)
