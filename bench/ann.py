"""Approximate search on real embeddings: FAISS HNSW and IVF against exact search.

    .venv/bin/python bench/ann.py [--cache /tmp/speed-cache] [--sizes real 1000000]

Vectors: the real chunk vectors of bench/real_vectors.py (HaluEval knowledge and documents, the
Python reference; embedded once and cached), and the same sampled with small noise up to 1M
(each a real vector plus Gaussian noise of norm about 0.2, renormalised: cosine about 0.98 to
its source, so near-duplicates exist as in a real large collection). Queries: 2,000 real
questions. For each layout and search setting: recall@10 against exact inner-product search,
p50/p95 wall and p50 CPU milliseconds of one query, build seconds, and bytes per vector (the
serialised index; memory per million chunks is that times 1e6). Exact search is the baseline
of the speed ratios. On a shared machine wall times include waiting for a core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from real_vectors import load

K = 10


def sampled(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n vectors: the real ones, then real ones drawn at random with noise, unit length."""
    extra = real[rng.integers(0, len(real), n - len(real))]
    extra = extra + rng.standard_normal(extra.shape).astype(np.float32) * (0.2 / np.sqrt(384))
    out = np.concatenate([real, extra]).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def timed_search(index: Any, queries: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Top-K ids per query, searched one at a time as in use; latency percentiles."""
    for q in queries[:5]:
        index.search(q[None], K)
    ids, wall, cpu = [], [], []
    for q in queries:
        w, c = time.perf_counter(), time.process_time()
        _, found = index.search(q[None], K)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        ids.append(found[0])
    ms, cms = np.array(wall) * 1000, np.array(cpu) * 1000
    return np.array(ids), {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "cpu": float(np.median(cms)),
    }


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def size_of(index: Any) -> int:
    return int(faiss.serialize_index(index).nbytes)


def layouts(n: int, hnsw_m: list[int]) -> list[tuple[str, Any, str, list[int]]]:
    """(name, index, the parameter searched over, its values), smallest first."""
    dim, ip = 384, faiss.METRIC_INNER_PRODUCT
    out: list[tuple[str, Any, str, list[int]]] = []
    for m in hnsw_m:
        hnsw = faiss.IndexHNSWFlat(dim, m, ip)
        hnsw.hnsw.efConstruction = 80
        out.append((f"HNSW M={m} efC=80", hnsw, "efSearch", [16, 32, 64, 128, 256]))
    nlist = int(4 * np.sqrt(n))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
    ivf.referenced_objects = [quantizer]  # the index does not own it: keep it alive
    out.append((f"IVF{nlist},Flat", ivf, "nprobe", [4, 8, 16, 32, 64]))
    return out


def bench(vectors: np.ndarray, queries: np.ndarray, hnsw_m: list[int]) -> None:
    n = len(vectors)
    print(f"\n{n:,} vectors, {len(queries):,} real queries, recall@{K} against exact", flush=True)
    flat = faiss.IndexFlatIP(384)
    flat.add(vectors)
    truth, base = timed_search(flat, queries)
    row("exact (IndexFlatIP)", "", 0.0, base, base, 1.0, size_of(flat) / n)
    for name, index, param, values in layouts(n, hnsw_m):
        began = time.perf_counter()
        if not index.is_trained:
            index.train(vectors[np.random.default_rng(0).permutation(n)[:100_000]])
        index.add(vectors)
        built = time.perf_counter() - began
        per_vector = size_of(index) / n
        for value in values:
            if param == "efSearch":
                index.hnsw.efSearch = value
            else:
                index.nprobe = value
            found, t = timed_search(index, queries)
            row(name, f"{param}={value}", built, t, base, recall(found, truth), per_vector)
        del index


def row(
    name: str,
    setting: str,
    built: float,
    t: dict[str, float],
    base: dict[str, float],
    rec: float,
    per_vector: float,
) -> None:
    print(
        f"  {name:20s} {setting:12s} recall@10 {rec:.3f}  p50 {t['p50']:6.2f} ms  "
        f"p95 {t['p95']:6.2f} ms  cpu p50 {t['cpu']:6.2f} ms ({base['cpu'] / t['cpu']:5.1f}x)  "
        f"built {built:6.1f} s  {per_vector * 1e6 / 2**30:5.2f} GiB per million",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path("/tmp/speed-cache"))
    parser.add_argument("--sizes", nargs="+", default=["real", "1000000"])
    parser.add_argument("--hnsw-m", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads")
    parser.add_argument(
        "--only-cached", action="store_true", help="use the vectors cached so far, embed none"
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    real, queries = load(args.cache, only_cached=args.only_cached)
    queries = queries[: args.queries]
    rng = np.random.default_rng(0)
    for size in args.sizes:
        n = len(real) if size == "real" else int(size)
        bench(real if n <= len(real) else sampled(real, n, rng), queries, args.hnsw_m)


if __name__ == "__main__":
    main()
