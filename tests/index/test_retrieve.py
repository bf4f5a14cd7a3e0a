"""Retrieval: fusion maths, approximate search against brute force, and known-answer recall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ragassist import Assistant, Config
from ragassist.errors import InputError
from ragassist.evaluation.halueval import load_rows
from ragassist.index.retrieve import reciprocal_rank_fusion
from ragassist.index.search_index import DenseIndex


def test_reciprocal_rank_fusion_matches_hand_computed_scores() -> None:
    scores = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[2] == pytest.approx(1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert sorted(scores, key=lambda i: -scores[i]) == [1, 3, 2]


def test_hnsw_layout_keeps_recall_against_exact_search() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(3000, dtype=np.int64) * 7 + 1  # ids are SQLite rowids, not positions
    approx = DenseIndex(32, flat_below=1000)
    approx.build(ids, vectors)
    assert approx.layout == "IndexHNSWFlat"
    queries = rng.standard_normal((50, 32)).astype(np.float32)
    recall = []
    for q in queries:
        exact = set(ids[np.argsort(-(vectors @ q))[:10]].tolist())
        found = {i for i, _ in approx.search(q, 10)}
        recall.append(len(exact & found) / 10)
    assert np.mean(recall) >= 0.95


def test_query_limits_are_clear(tmp_path: Path, hash_embedder) -> None:
    (tmp_path / "d.txt").write_text("some text")
    a = Assistant(Config(index_dir=tmp_path / "idx"), embedder=hash_embedder)
    a.index([tmp_path / "d.txt"])
    with pytest.raises(InputError, match="empty"):
        a.search("   ")
    with pytest.raises(InputError, match="100,000 characters"):
        a.search("x" * 100_000)


@pytest.fixture(scope="module")
def halueval_index(tmp_path_factory, embedder) -> tuple[Assistant, list[dict[str, str]]]:
    """500 HaluEval-QA knowledge passages, one file each, indexed with the real embedder."""
    rows = load_rows("qa")[8000:8500]
    docs = tmp_path_factory.mktemp("halueval")
    for i, row in enumerate(rows):
        (docs / f"{i:04d}.txt").write_text(row["knowledge"])
    assistant = Assistant(Config(index_dir=docs / ".." / "halueval-index"), embedder=embedder)
    assistant.index([docs])
    return assistant, rows


@pytest.mark.parametrize(("mode", "bar"), [("hybrid", 0.90), ("dense", 0.85), ("keyword", 0.80)])
def test_each_question_finds_its_own_passage(halueval_index, mode: str, bar: float) -> None:
    assistant, rows = halueval_index
    found = 0
    for i, row in enumerate(rows):
        hits = assistant.search(row["question"], k=5, mode=mode)
        found += any(Path(h.chunk.source).name == f"{i:04d}.txt" for h in hits)
    assert found / len(rows) >= bar, f"{mode} recall@5 = {found / len(rows):.3f}"
