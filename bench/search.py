"""Warm hybrid search latency at 10k and 100k chunks, stage by stage, per embedder backend.

    .venv/bin/python bench/search.py [--sizes 10000 100000] [--backends torch onnx-int8]

Chunks are synthetic (random unit vectors, texts of 60 random words from a 5,000-word
vocabulary); queries are real HaluEval-QA questions embedded by the real MiniLM, one at a time
in one warm process, as the server and the chat search. Per stage (query embedding, dense
search, BM25, the whole `Retriever.search` with its SQLite reads) it prints p50 and p95 of wall
time and p50 of the process's CPU time: on a shared machine the wall time includes waiting for
a core, and the CPU time is close to what a quiet machine's wall time would be. The first
backend is the baseline of the ratios. Approximate search on real vectors: bench/ann.py.

Writes each store to a temporary folder, deleted at the end. About 5 minutes on 2 cores, most
of it writing the 100k store.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ragassist.config import RetrieveConfig
from ragassist.evaluation.halueval import load_rows
from ragassist.index.embed import Embedder, get_embedder
from ragassist.index.retrieve import Retriever
from ragassist.index.search_index import SearchIndex
from ragassist.index.store import FileRecord, Store
from ragassist.types import Chunk


def fill(store: Store, n: int, dim: int, rng: np.random.Generator) -> None:
    vocab = [f"w{i}" for i in range(5000)]
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    batch = []
    for f in range(0, n, 100):
        chunks = []
        for i in range(f, min(f + 100, n)):
            text = " ".join(rng.choice(vocab, 60))
            chunks.append(Chunk(f"c{i}", f"doc{f}", "t", "", 0, len(text), text))
        batch.append(
            (FileRecord(f"doc{f}", f"h{f}", "t", len(chunks)), chunks, vectors[f : f + 100])
        )
    store.replace_files(batch, [])


def timed(fn: Callable[[str], object], queries: list[str]) -> dict[str, float]:
    """p50/p95 wall and p50 CPU milliseconds of fn over the queries (after 5 warm calls)."""
    for q in queries[:5]:
        fn(q)
    wall, cpu = [], []
    for q in queries:
        w, c = time.perf_counter(), time.process_time()
        fn(q)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    ms, cms = np.array(wall) * 1000, np.array(cpu) * 1000
    return {"p50": np.percentile(ms, 50), "p95": np.percentile(ms, 95), "cpu": np.median(cms)}


def show(stage: str, t: dict[str, float], base: dict[str, float] | None = None) -> None:
    ratio = (
        f"  ({base['p50'] / t['p50']:4.1f}x wall, {base['cpu'] / t['cpu']:4.1f}x cpu)"
        if base
        else ""
    )
    print(
        f"  {stage:28s} p50 {t['p50']:6.1f} ms  p95 {t['p95']:6.1f} ms  cpu p50 {t['cpu']:6.1f} ms{ratio}",
        flush=True,
    )


def bench_size(n: int, embedders: dict[str, Embedder], queries: list[str]) -> None:
    """Every stage over a store of n synthetic chunks; ratios against the first backend."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        fill(store, n, 384, np.random.default_rng(0))
        search = SearchIndex(store, 384)
        search.refresh()
        first = next(iter(embedders.values()))
        vectors = dict(zip(queries, first.embed(queries), strict=True))
        print(f"\n{n:,} chunks ({search.dense.layout}), {len(queries)} real questions")
        show("dense search (50)", timed(lambda q: search.dense.search(vectors[q], 50), queries))
        show("BM25 search (50)", timed(lambda q: search.keyword.search(q, 50), queries))
        base_embed = base_total = None
        for backend, embedder in embedders.items():
            embed = timed(lambda q, e=embedder: e.embed([q]), queries)
            retriever = Retriever(search, embedder, RetrieveConfig())
            total = timed(lambda q, r=retriever: r.search(q, 10), queries)
            show(f"{backend}: query embedding", embed, base_embed)
            show(f"{backend}: hybrid search, k=10", total, base_total)
            base_embed, base_total = base_embed or embed, base_total or total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx-int8"])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    queries = [r["question"] for r in load_rows("qa")[-args.queries :]]
    embedders = {b: get_embedder(backend=b) for b in args.backends}
    for n in args.sizes:
        bench_size(n, embedders, queries)


if __name__ == "__main__":
    main()
