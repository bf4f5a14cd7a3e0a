"""Hybrid search latency at 10k and 100k chunks, and HNSW recall against exact search.

    .venv/bin/python bench/search.py [--sizes 10000 100000]

Chunks are synthetic (random unit vectors, texts of random words from a 5,000-word vocabulary);
queries are embedded by the real MiniLM, as in use. The bench builds HNSW above 50,000 chunks
(the default `index.flat_below` keeps exact search up to 200,000), so at 100k its latency is
printed beside exact (flat) search over the same vectors, with recall@10.

Writes each store to a temporary folder, deleted at the end. Takes about 5 minutes on 2 cores,
most of it building the 100k store and its HNSW graph (4 min 47 s measured on a busy machine,
docs/results.md).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from ragassist.config import RetrieveConfig
from ragassist.index.embed import get_embedder
from ragassist.index.retrieve import Retriever
from ragassist.index.search_index import DenseIndex, SearchIndex
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


def percentiles(times: list[float]) -> str:
    ms = np.array(times) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms  p95 {np.percentile(ms, 95):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    embedder = get_embedder()
    rng = np.random.default_rng(0)
    queries = [" ".join(f"w{j}" for j in rng.integers(0, 5000, 6)) for _ in range(args.queries)]
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp))
            fill(store, n, embedder.dim, rng)
            began = time.perf_counter()
            search = SearchIndex(store, embedder.dim, flat_below=50_000)
            search.refresh()
            build = time.perf_counter() - began
            retriever = Retriever(search, embedder, RetrieveConfig())
            times = []
            for q in queries:
                t = time.perf_counter()
                retriever.search(q, 10)
                times.append(time.perf_counter() - t)
            layout = search.dense.layout
            print(
                f"{n:>7} chunks  hybrid search {percentiles(times)}  ({layout}, built in {build:.1f} s)"
            )
            if layout != "IndexFlatIP":
                ids, vectors = store.all_vectors(embedder.dim)
                exact = DenseIndex(embedder.dim, flat_below=10**12)
                exact.build(ids, vectors)
                qv = embedder.embed(queries)
                t_exact, t_approx, recall = [], [], []
                for v in qv:
                    t = time.perf_counter()
                    truth = {i for i, _ in exact.search(v, 10)}
                    t_exact.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    got = {i for i, _ in search.dense.search(v, 10)}
                    t_approx.append(time.perf_counter() - t)
                    recall.append(len(truth & got) / 10)
                print(f"         dense exact  {percentiles(t_exact)}")
                print(
                    f"         dense HNSW   {percentiles(t_approx)}  "
                    f"speed-up {np.median(t_exact) / np.median(t_approx):.1f}x  recall@10 {np.mean(recall):.3f}"
                )


if __name__ == "__main__":
    main()
