"""Seconds per image of the shipped latent-diffusion pipeline, against baselines measured in the same run.

Baselines: one VAE decode per image (the floor: what the decoder alone costs) and ancestral DDPM
over all T=1000 training timesteps (what DDIM's few steps save). Prints ratios, asserts nothing.
Run: .venv/bin/python bench/image.py [--n 16] [--steps 20]

Reads the shipped weights in ragassist/image/weights/; writes nothing. Takes about 2-3 minutes on
2 cores, most of it the one DDPM batch (2 min 21 s measured on a busy machine, docs/results.md).
"""

from __future__ import annotations

import argparse
import time

import torch

from ragassist.image.pipeline import load_pipeline


def timed(fn, repeats: int = 3) -> float:
    """Best wall time of repeats calls (the CPU is shared: the minimum is the least disturbed)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=16, help="images per measurement")
    parser.add_argument("--steps", type=int, default=20, help="DDIM steps (the draw default)")
    args = parser.parse_args()
    pipe = load_pipeline()
    prompt = "a small red circle in the top left"
    pipe(prompt, n=2, steps=2)  # load the embedder and warm up
    ddim = timed(lambda: pipe(prompt, n=args.n, steps=args.steps, guidance=3.0)) / args.n
    z = torch.randn(args.n, pipe.vae.config.latent_channels, 8, 8)
    with torch.no_grad():
        decode = timed(lambda: pipe.vae.decode(z)) / args.n
    n_ddpm = 4  # DDPM and DDIM compared at the same batch size
    ddim_small = timed(lambda: pipe(prompt, n=n_ddpm, steps=args.steps, guidance=3.0)) / n_ddpm
    ddpm = timed(lambda: pipe(prompt, n=n_ddpm, guidance=3.0, sampler="ddpm"), repeats=1) / n_ddpm
    print(f"threads: {torch.get_num_threads()}, images per run: {args.n} (DDPM: {n_ddpm})")
    print(f"DDIM {args.steps} steps + guidance: {ddim * 1000:.1f} ms/image")
    print(
        f"VAE decode alone:            {decode * 1000:.2f} ms/image  -> DDIM costs {ddim / decode:.0f}x a decode"
    )
    print(
        f"DDPM 1000 steps + guidance:  {ddpm * 1000:.1f} ms/image at batch {n_ddpm}, against DDIM "
        f"{ddim_small * 1000:.1f} ms/image at that batch -> DDIM is {ddpm / ddim_small:.0f}x faster"
    )


if __name__ == "__main__":
    main()
