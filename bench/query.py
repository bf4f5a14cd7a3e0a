"""Query embedding latency by backend and thread setting, quiet and beside a busy loop.

    .venv/bin/python bench/query.py [--queries 200] [--loads quiet busy]

One real question at a time (HaluEval-QA held-out questions, 10-30 tokens), as a search embeds
it: p50/p95 per setting, and the ratio of p50 to PyTorch with its default threads measured in
the same run, and the CPU time the process spent (every thread) per query. "busy" runs a pure-Python busy loop in another process for the whole round (one
core taken, as by another job). Settings: PyTorch at 1 and 2 threads, PyTorch with bf16 weights; onnxruntime fp32 and int8
at 1 and 2 threads, idle workers sleeping or spin-waiting. About 2-5 minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from ragassist.evaluation.halueval import load_rows
from ragassist.index.embed import SentenceTransformerEmbedder
from ragassist.index.onnx_embed import OnnxEmbedder


@contextmanager
def load(kind: str) -> Iterator[None]:
    """Nothing, or a busy loop in another process for the duration."""
    if kind == "quiet":
        yield
        return
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        busy.kill()
        busy.wait()


def timed(
    embed: Callable[[list[str]], object], queries: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Wall and CPU milliseconds of each query (CPU: all the process's threads together)."""
    for q in queries[:5]:
        embed([q])  # warm: first calls allocate
    wall, cpu = [], []
    for q in queries:
        w, c = time.perf_counter(), time.process_time()
        embed([q])
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return np.array(wall) * 1000, np.array(cpu) * 1000


def settings() -> dict[str, Callable[[], Callable[[list[str]], object]]]:
    """name -> a function that sets the threads up and returns the embed function."""
    st = SentenceTransformerEmbedder()

    def torch_with(n: int) -> Callable[[list[str]], object]:
        torch.set_num_threads(n)
        return st.embed

    bf16 = SentenceTransformerEmbedder(bf16=True)  # a query runs on one thread, as torch's
    out: dict[str, Callable[[], Callable[[list[str]], object]]] = {
        "torch, 2 threads (default)": lambda: torch_with(2),
        "torch, 1 thread": lambda: torch_with(1),
        "torch-bf16 (a query: 1 thread)": lambda: bf16.embed,
    }
    for variant in ("onnx-fp32", "onnx-int8"):
        for threads in (1, 2):
            for spin in (False, True):
                if threads == 1 and spin:
                    continue  # one thread has no idle worker to spin
                name = f"{variant}, {threads} thread{'s' * (threads > 1)}{', spin' * spin}"
                embedder = OnnxEmbedder(variant, threads=threads, spin=spin)  # type: ignore[arg-type]
                out[name] = lambda e=embedder: e.embed
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--loads", nargs="+", default=["quiet", "busy"])
    args = parser.parse_args()
    queries = [r["question"] for r in load_rows("qa")[-args.queries :]]
    choices = settings()
    for kind in args.loads:
        with load(kind):
            base = None
            print(f"\n{kind}: query embedding, {len(queries)} questions one at a time")
            for name, make in choices.items():
                ms, cpu = timed(make(), queries)
                p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
                base = base or p50
                print(
                    f"  {name:32s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({base / p50:4.1f}x)"
                    f"  cpu p50 {np.median(cpu):6.1f} ms",
                    flush=True,
                )
    torch.set_num_threads(2)


if __name__ == "__main__":
    main()
