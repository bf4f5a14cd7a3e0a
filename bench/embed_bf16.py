"""The PyTorch embedder under bf16 autocast against fp32, in the same run: texts/s and cosine.

    .venv/bin/python bench/embed_bf16.py [--n 400]

A probe for issue 14 on CPUs with AMX or AVX-512 BF16, where onnxruntime int8 gains less: the
first 400 held-out HaluEval-QA passages embedded by all-MiniLM-L6-v2 (PyTorch) in bf16 autocast,
fp32, and bf16 again (so a drift in load shows), each after a warm-up batch; the cosine of each
of the first 64 vectors to fp32's. Not used by the index yet.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np
import torch

from ragassist.evaluation.halueval import load_rows, rows_of
from ragassist.index.embed import get_embedder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    rows = load_rows("qa")
    texts = [rows[i]["knowledge"] for i in list(rows_of("heldout"))[: args.n]]
    embedder = get_embedder("all-MiniLM-L6-v2", 64, "torch", 0)
    reference = np.asarray(embedder.embed(texts[:64]))
    bf16 = lambda: torch.autocast("cpu", dtype=torch.bfloat16)  # noqa: E731
    runs = (("bf16 autocast", bf16), ("fp32", contextlib.nullcontext), ("bf16 again", bf16))
    fp32_rate = None
    for name, context in runs:
        with context():
            embedder.embed(texts[:64])  # warm-up
            start = time.perf_counter()
            vectors = np.asarray(embedder.embed(texts))
            rate = len(texts) / (time.perf_counter() - start)
        fp32_rate = rate if name == "fp32" else fp32_rate
        cosine = (vectors[:64] * reference).sum(1)
        print(f"{name:14s} {rate:6.1f} texts/s  cosine to fp32 min {cosine.min():.6f} "
              f"mean {cosine.mean():.6f}")  # fmt: skip
    print(f"(ratios: divide by the fp32 line, {fp32_rate:.1f} texts/s)")


if __name__ == "__main__":
    main()
