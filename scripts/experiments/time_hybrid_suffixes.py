"""How long a few new prompt tokens take in the hybrid backend's two halves, on a kept cache.

A judge asks several questions after one shared prefix, so after the first only a few tokens are
new. This times n new tokens on a 200-token cache through PyTorch bf16 and through the int8
export (best of three each), to choose where hybrid_backend.EXPORT_TOKENS hands them over.

    .venv/bin/python scripts/experiments/time_hybrid_suffixes.py [--model qwen2.5-1.5b]
"""

from __future__ import annotations

import argparse
import time

from ragassist.config import GenerateConfig
from ragassist.generation.hybrid_backend import HybridGenerator


def best_of(runs: int, step) -> float:  # noqa: ANN001 - a callable of no arguments
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16, 32, 64, 128])
    args = ap.parse_args()
    gen = HybridGenerator(GenerateConfig(model=args.model))
    tok = gen.tokenizer
    base = tok.encode("The quick brown fox jumps over the lazy dog. " * 40)[:200]
    extra = tok.encode(" Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 30)
    gen._run_torch(base, 0)
    past = list(gen._past)

    def torch_step(n: int) -> None:
        gen._seq, gen._past = list(base), list(past)
        gen._run_torch(base + extra[:n], len(base))

    def export_step(n: int) -> None:
        gen._seq, gen._past = base + extra[:n], list(past)
        gen._run_export(extra[:n])

    print(f"{args.model}: n new tokens on a {len(base)}-token cache, best of 3")
    for n in args.sizes:
        t_torch = best_of(3, lambda n=n: torch_step(n))
        t_export = best_of(3, lambda n=n: export_step(n))
        print(f"n={n:4d}  PyTorch bf16 {t_torch:.3f} s  int8 export {t_export:.3f} s")


if __name__ == "__main__":
    main()
