"""Embedder backends side by side: indexing throughput, retrieval recall and cosine to fp32.

    .venv/bin/python bench/embed.py [--backends torch onnx-fp32 onnx-int8 torch-bf16] [--n 2000]

For each backend (config `embed.backend`), in the same run: `Assistant.index` over the held-out
HaluEval-QA knowledge passages (the corpus of `ragassist eval rag-halueval`), its chunks/s, then
the raw `embed()` of the very texts the pipeline embedded, twice, interleaved across backends so
a change of load on a shared machine hits them alike; recall@1/5 of each held-out question's own
passage, hybrid (the default search) and dense only; and the cosine of every chunk vector to
the first backend's (PyTorch fp32). Ratios are against the first backend.

Writes to a temporary folder, deleted at the end. About 10-20 minutes on a shared 2-core machine
(the corpus is embedded three times per backend).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ragassist import Assistant, Config
from ragassist.config import EmbedBackend, EmbedConfig, SearchMode
from ragassist.evaluation.halueval import load_rows, rows_of
from ragassist.index.embed import get_embedder


def write_corpus(folder: Path) -> list[tuple[str, str]]:
    """The held-out QA passages as files (one per distinct passage); (question, file) pairs."""
    rows = load_rows("qa")
    file_of: dict[str, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for i in rows_of("heldout"):
        name = file_of.setdefault(rows[i]["knowledge"], f"halueval-qa-{i:05d}.txt")
        (folder / name).write_text(rows[i]["knowledge"], encoding="utf-8")
    return [(rows[i]["question"], file_of[rows[i]["knowledge"]]) for i in rows_of("heldout")]


def recall(
    assistant: Assistant, items: list[tuple[str, str]], mode: SearchMode
) -> dict[int, float]:
    """Share of questions whose own passage is among the first k distinct sources."""
    ranks = []
    for question, gold in items:
        sources: list[str] = []
        for hit in assistant.search(question, k=10, mode=mode):
            if hit.chunk.source not in sources:
                sources.append(hit.chunk.source)
        names = [Path(s).name for s in sources]
        ranks.append(names.index(gold) + 1 if gold in names else 99)
    return {k: float(np.mean([r <= k for r in ranks])) for k in (1, 5)}


@dataclass
class Result:
    pipeline: float | None  # chunks/s through Assistant.index (None: an index kept from before)
    texts: list[str]
    vectors: np.ndarray
    hybrid: dict[int, float]
    dense: dict[int, float]
    raw: list[float] = field(default_factory=list)  # chunks/s of embed() alone, per round


def run_backend(backend: EmbedBackend, folder: Path, items: list[tuple[str, str]]) -> Result:
    """Index the corpus with one backend, then score recall on it."""
    embedder = get_embedder(backend=backend)
    embedder.embed(["warm up the model before timing"])
    config = Config(index_dir=folder / backend, embed=EmbedConfig(backend=backend))
    assistant = Assistant(config, embedder=embedder)
    kept = assistant.store.count() > 0  # --keep: indexed by an earlier run, not timed again
    began = time.perf_counter()
    report = assistant.index([folder / "docs"])
    seconds = time.perf_counter() - began
    assert report.chunks_embedded == 0 or not kept
    rows = assistant.store.db.execute(
        "SELECT CASE WHEN location = '' THEN text ELSE location || char(10) || text END,"
        " vector FROM chunks ORDER BY id"
    ).fetchall()
    vectors = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
    print(f"{backend}: indexed {report.chunks_total} chunks in {seconds:.1f} s", flush=True)
    return Result(
        None if kept else report.chunks_total / seconds,
        [r[0] for r in rows],
        vectors,
        recall(assistant, items, "hybrid"),
        recall(assistant, items, "dense"),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--backends", nargs="+", default=["torch", "onnx-fp32", "onnx-int8", "torch-bf16"]
    )
    parser.add_argument("--n", type=int, default=2000, help="questions scored for recall")
    parser.add_argument("--rounds", type=int, default=2, help="raw embedding rounds")
    parser.add_argument(
        "--keep", type=Path, help="keep the indexes in this folder; reuse those found there"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        items = write_corpus(folder / "docs")[: args.n]
        results = {b: run_backend(b, folder, items) for b in args.backends}
        base = results[args.backends[0]]
        assert all(r.texts == base.texts for r in results.values()), "chunks differ by backend"
        for _ in range(args.rounds):
            for backend, r in results.items():
                embedder = get_embedder(backend=backend)
                began = time.perf_counter()
                embedder.embed(base.texts)
                r.raw.append(len(base.texts) / (time.perf_counter() - began))
    print(f"\n{len(base.texts)} chunks, {len(items)} questions; ratios against {args.backends[0]}")
    print(
        "backend     pipeline chunks/s  raw chunks/s (best of 2)  cosine to first (min / mean)"
        "  recall@1/@5 hybrid  recall@1/@5 dense"
    )
    for backend, r in results.items():
        cos = (r.vectors * base.vectors).sum(axis=1)
        pipeline = (
            f"{r.pipeline:6.1f} ({r.pipeline / base.pipeline:.2f}x)"
            if r.pipeline and base.pipeline
            else "  kept         "
        )
        print(
            f"{backend:10s}  {pipeline}"
            f"     {max(r.raw):6.1f} ({max(r.raw) / max(base.raw):.2f}x)"
            f"             {cos.min():.4f} / {cos.mean():.4f}"
            f"               {r.hybrid[1]:.3f} / {r.hybrid[5]:.3f}"
            f"       {r.dense[1]:.3f} / {r.dense[5]:.3f}"
        )


if __name__ == "__main__":
    main()
